/* A search over whole heads for the normalizer-free kernels (linear
 * attention, RWKV-4: attention/recurrent.h), as `normstab search` searches
 * rows for the normalizers: `normstab attention --search OBJECTIVE`.
 *
 * It starts from a generated head (attention/recurrent_gen.h: for RWKV
 * rwkv.trained, rwkv.large-keys, rwkv.no-decay; for linear attention
 * linear.gaussian, linear.growing-keys) of --n tokens (short by default for
 * speed; a long --n searches long sequences) and evolves it: a child is the
 * best head with one mutation (an entry of q, k, v, w or u times 2^N(0, 2),
 * moved by N(0, 1), negated, or set to a large value of either sign; or
 * every key scaled by 2 or 1/2), kept when it scores at least as well.  The
 * search restarts from a fresh generated head when the score has not moved
 * for 200 evaluations.  Everything depends only on the seed.
 *
 * Objectives (the score; higher is worse for the kernel):
 *   nan, inf      NaN (inf) entries of O where the reference is finite
 *   error         max |O - O*| / B, B the contract's bound
 *   denominator   -log2 of the smallest |denominator| the kernel divided by
 *   gradient      the normwise error of the gradients (dK, dV, ...)
 * Every evaluation is compared with the reference (attention/recurrent.h);
 * a head whose verdict is not "kept" and whose score beats the findings of
 * its cause so far is a finding. */
#ifndef NS_FUZZ_HEAD_SEARCH_H
#define NS_FUZZ_HEAD_SEARCH_H

#include <stdint.h>

#include "../attention/recurrent.h"
#include "../attention/recurrent_gen.h"

typedef enum { NS_HS_NAN, NS_HS_INF, NS_HS_ERROR, NS_HS_DENOMINATOR, NS_HS_GRADIENT } ns_hs_objective;

int ns_hs_objective_find(const char *name);          /* -1 when none */
const char *ns_hs_objective_name(ns_hs_objective o);

typedef struct ns_hs_opts {
    const ns_kernel *kernel;
    const ns_policy *policy;
    const char *feature;           /* linear kernels; NULL: elu1 */
    size_t chunk;
    ns_hs_objective objective;
    size_t n, d;                   /* tokens, channels */
    uint64_t seed;
    uint64_t max_evals;            /* 0: none */
    double seconds;                /* 0: none (one of the two is needed) */
} ns_hs_opts;

typedef struct ns_hs_finding {
    double value;                  /* the objective reached */
    const ns_recur_compare *compare;
    const ns_recur_tensors *head;  /* the head as given (before rounding) */
    uint64_t evaluation;
} ns_hs_finding;

typedef struct ns_hs_stats {
    uint64_t evals, findings, broken;
    double seconds;
} ns_hs_stats;

/* Runs the search, calling found() for each finding.  0, or -1 when out
 * of memory. */
int ns_hs_run(const ns_hs_opts *o, void (*found)(const ns_hs_finding *f, void *ctx), void *ctx,
              ns_hs_stats *st);

#endif
