/* Generators of heads for the normalizer-free kernels (`normstab list
 * generators`, `normstab attention --gen`): realistic RWKV-4 decays and key
 * distributions, and linear attention heads whose key sums grow. */
#ifndef NS_ATTENTION_RECURRENT_GEN_H
#define NS_ATTENTION_RECURRENT_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ns_recur_tensors {
    size_t n, d;                   /* tokens, channels (RWKV: T, C; linear: n_q = n_k = n, d = d_v) */
    double *q, *k, *v, *w, *u, *dout;   /* q: n x d (linear), w, u: d (RWKV); all allocated */
} ns_recur_tensors;

typedef struct ns_recur_generator {
    const char *name;
    const char *summary;
    bool rwkv;                     /* fills w, u, k, v (else q, k, v) */
    void (*fill)(ns_recur_tensors *t, uint64_t seed, double key_scale);
} ns_recur_generator;

/* NULL-terminated. */
extern const ns_recur_generator *const ns_recur_generators[];
const ns_recur_generator *ns_recur_generator_find(const char *name);

/* Allocates t's arrays for n x d and fills them with g (keys multiplied by
 * key_scale; 1 is the generator's own scale).  0, or -1 when out of memory
 * (nothing left allocated). */
int ns_recur_generate(const ns_recur_generator *g, size_t n, size_t d, uint64_t seed,
                      double key_scale, ns_recur_tensors *t);
void ns_recur_tensors_free(ns_recur_tensors *t);

#endif
