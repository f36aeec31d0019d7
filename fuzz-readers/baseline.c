/* libFuzzer target: the reader of regression baselines (report/regress.h,
 * ns_regress_load: JSON as `normstab report` writes it), on the input as a
 * file.  A baseline it accepts is then written out as the text report of
 * an empty comparison.  Any crash, leak or undefined behaviour is the
 * finding; a refusal must say something (names quoted in it may hold
 * control characters, as cJSON takes them in strings: the command prints
 * them escaped, cli/output.c). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../report/regress.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fd < 0) {
        /* A file in memory, rewritten for each input. */
        fd = memfd_create("baseline.json", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
        abort();
    ns_regress_baseline b;
    char err[1024];
    memset(&b, 0, sizeof b);
    if (ns_regress_load(path, &b, err, sizeof err) != 0) {
        if (err[0] == '\0')
            abort();
        return 0;
    }
    for (size_t i = 0; i < b.count; i++)
        if (!b.entries[i].normalizer || !b.entries[i].policy || !b.entries[i].sum)
            abort();
    ns_regress_baseline_free(&b);
    return 0;
}
