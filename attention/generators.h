/* Generators of attention heads (`normstab list generators`, the names
 * starting "head."): Q, K, V from one parameter and a seed, the same head
 * for the same arguments (analysis/generators.h's xoshiro256**). */
#ifndef NS_ATTENTION_GENERATORS_H
#define NS_ATTENTION_GENERATORS_H

#include <stddef.h>
#include <stdint.h>

typedef struct ns_head_generator {
    const char *name;            /* "head.normal" */
    const char *summary;
    const char *param_name;
    double param_default;
    size_t n_default, d_default;
    /* q n x d, k n x d, v n x d (binary64; the caller rounds them) */
    void (*fill)(double param, size_t n, size_t d, uint64_t seed, double *q, double *k, double *v);
} ns_head_generator;

/* NULL-terminated, in listing order. */
extern const ns_head_generator *const ns_head_generators[];
const ns_head_generator *ns_head_generator_find(const char *name);

/* The upstream gradient dO of seed (n x d_v, N(0, 1)), from a stream apart
 * from the head's. */
void ns_head_gradient(uint64_t seed, size_t n, size_t d_v, double *dout);

#endif
