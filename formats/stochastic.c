#include "stochastic.h"

#include <string.h>

#define GOLDEN UINT64_C(0x9e3779b97f4a7c15)

/* splitmix64's output function (Steele, Lea & Flood, OOPSLA 2014): a
 * bijection of 64-bit words that mixes every input bit into every output
 * bit; over a counter it is the splitmix64 generator. */
static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

typedef struct {
    uint64_t key;      /* mix of seed and stream */
    uint64_t index;    /* draws taken */
} sr_stream;

static _Thread_local sr_stream current = { 0, 0 };
static _Thread_local int started;

void ns_sr_begin(uint64_t seed, uint64_t stream)
{
    current.key = mix(mix(seed + GOLDEN) ^ (stream + 2 * GOLDEN));
    current.index = 0;
    started = 1;
}

double ns_sr_uniform(void)
{
    if (!started)
        ns_sr_begin(1, 0);
    /* The index-th output of splitmix64 started at the key. */
    uint64_t z = mix(current.key + ++current.index * GOLDEN);
    return (double)(z >> 11) * 0x1p-53;
}

uint64_t ns_sr_row_key(const double *x, size_t n, uint64_t tag)
{
    uint64_t h = mix(tag + GOLDEN) ^ n;
    for (size_t i = 0; i < n; i++) {
        uint64_t b;
        memcpy(&b, &x[i], sizeof b);
        h = mix(h ^ b) + GOLDEN;
    }
    return h;
}
