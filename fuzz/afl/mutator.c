/* AFL++ custom-mutator library built from the same mutator as every other
 * engine (fuzz/mutate.c), for AFL_CUSTOM_MUTATOR_LIBRARY.  It reads the same
 * environment as the harness to know the target's formats and domain.
 * AFL++ 4.04c requires afl_custom_init. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../targets/harness.h"

typedef struct mutator {
    uint8_t *buf;
    size_t cap;
    unsigned seed;
} mutator;

void *afl_custom_init(void *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size);
void afl_custom_deinit(void *data);

void *afl_custom_init(void *afl, unsigned int seed)
{
    (void)afl;
    ns_harness_init("afl++ mutator");
    mutator *m = calloc(1, sizeof *m);
    if (m)
        m->seed = seed;
    return m;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size)
{
    mutator *m = data;
    if (max_size > m->cap) {
        uint8_t *p = realloc(m->buf, max_size);
        if (!p) {
            *out_buf = buf;
            return buf_size;
        }
        m->buf = p;
        m->cap = max_size;
    }
    unsigned seed = m->seed = m->seed * 1103515245u + 12345u;
    *out_buf = m->buf;
    if (add_buf && add_buf_size && seed % 8 == 0)
        return ns_harness_crossover(buf, buf_size, add_buf, add_buf_size, m->buf, max_size, seed);
    size_t len = buf_size < max_size ? buf_size : max_size;
    memcpy(m->buf, buf, len);
    return ns_harness_mutate(m->buf, len, max_size, seed);
}

void afl_custom_deinit(void *data)
{
    mutator *m = data;
    free(m->buf);
    free(m);
}
