/* Input generators: named, parameterized, seeded rows of logits
 * (`normstab list generators`).
 *
 * A generator fills x[0..n) from one parameter (its scale, height, fraction
 * or exponent), a seed and, for the attention logits, the policy whose
 * arithmetic computes them.  The same arguments give the same row: the
 * random numbers come from xoshiro256** seeded by splitmix64, the normal
 * variates from the Box-Muller transform in binary64 (with libm's log1p and
 * cos: bit for bit the same wherever the libm is the same). */
#ifndef NS_GENERATORS_H
#define NS_GENERATORS_H

#include <stddef.h>
#include <stdint.h>

#include "../formats/policy.h"

/* xoshiro256** (Blackman & Vigna 2018). */
typedef struct ns_rng { uint64_t s[4]; } ns_rng;
void ns_rng_seed(ns_rng *r, uint64_t seed);
uint64_t ns_rng_next(ns_rng *r);
double ns_rng_uniform(ns_rng *r);        /* [0, 1), 53 random bits */
double ns_rng_normal(ns_rng *r);         /* N(0, 1) */
size_t ns_rng_below(ns_rng *r, size_t n);   /* uniform in [0, n), n >= 1 */

typedef struct ns_gen_args {
    double param;                /* the generator's parameter */
    size_t n;                    /* row length, >= 1 */
    uint64_t seed;
    const ns_policy *policy;     /* the arithmetic of the attention logits;
                                    NULL or "ref": binary64 */
    ns_sum_order sum;            /* and its summation order */
} ns_gen_args;

typedef struct ns_generator {
    const char *name;            /* "normal" */
    const char *summary;         /* one line for `normstab list generators` */
    const char *param_name;      /* "sigma"; NULL when the parameter is unused */
    double param_default;
    size_t n_default;
    int uses_policy;             /* the row depends on the policy (attention) */
    void (*fill)(const ns_gen_args *a, ns_rng *r, double *x);
} ns_generator;

/* Every generator, in listing order; NULL-terminated. */
extern const ns_generator *const ns_generators[];
const ns_generator *ns_generator_find(const char *name);

/* Longest row a generator is asked for (the long-row regime). */
#define NS_GEN_MAX_N ((size_t)1 << 20)
/* Head dimension of the attention logits. */
#define NS_GEN_ATTENTION_D 64

/* x[0..a->n) from generator g. */
void ns_generate(const ns_generator *g, const ns_gen_args *a, double *x);

/* The upstream gradient that goes with the input of this seed: N(0, 1)
 * entries from a stream independent of the input's. */
void ns_gen_gradient(uint64_t seed, size_t n, double *g);

/* Parses "NAME" or "NAME=PARAM" (PARAM a number): 0, or -1 with a message. */
int ns_generator_parse(const char *spec, const ns_generator **g, double *param,
                       char *err, size_t errlen);

#endif
