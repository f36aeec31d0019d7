/* The built-in search at the attention level (`normstab search --kernel`):
 * small heads (n <= NS_ATTN_SEARCH_MAX_N tokens, d <= NS_ATTN_SEARCH_MAX_D)
 * evolved towards an objective, with a fast oracle in the loop (the same
 * kernel in fp64) and the exact reference (attention/reference.h) to
 * confirm.  A confirmed head is minimized (fewer queries, keys, channels;
 * simpler values) and handed over with the verdict of the kernel's
 * contract.  The sequence of heads depends only on the seed.
 *
 * Objectives (normalizers/contract.h's kinds):
 *   nan, inf     NaN or infinity in O, LSE or a gradient where the
 *                reference is finite;
 *   error        O or LSE beyond the contract's bound (attention/compare.h);
 *   denominator  a zero or subnormal row sum where the row has keys;
 *   gradient     a gradient that is not finite or off by more than its own
 *                norm (normwise error above 1). */
#ifndef NS_FUZZ_ATTN_SEARCH_H
#define NS_FUZZ_ATTN_SEARCH_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "../attention/compare.h"
#include "../attention/kernel.h"
#include "../normalizers/contract.h"

#define NS_ATTN_SEARCH_MAX_N 32
#define NS_ATTN_SEARCH_MAX_D 16

typedef struct ns_attn_search_opts {
    const ns_kernel *kernel;
    ns_head base;               /* policy and options; tensors and shapes unused */
    ns_kind objective;          /* nan, inf, error, denominator, gradient */
    size_t n, d;                /* largest heads tried (<= the maxima above) */
    bool masks;                 /* also mask keys (and whole rows) */
    double seconds;             /* budget; 0: none */
    uint64_t max_evals;         /* budget; 0: none (one of the two is needed) */
    uint64_t seed;
    volatile sig_atomic_t *stop;
} ns_attn_search_opts;

typedef struct ns_attn_finding {
    ns_kind kind;
    double value;               /* the objective reached */
    bool confirmed;             /* by the exact reference */
    ns_head head;               /* the minimized head (its arrays below) */
    double q[NS_ATTN_SEARCH_MAX_N * NS_ATTN_SEARCH_MAX_D], k[NS_ATTN_SEARCH_MAX_N * NS_ATTN_SEARCH_MAX_D];
    double v[NS_ATTN_SEARCH_MAX_N * NS_ATTN_SEARCH_MAX_D], dout[NS_ATTN_SEARCH_MAX_N * NS_ATTN_SEARCH_MAX_D];
    unsigned char keep[NS_ATTN_SEARCH_MAX_N * NS_ATTN_SEARCH_MAX_N];
    ns_attn_compare compare;    /* the exact comparison: verdict, cause */
} ns_attn_finding;

typedef struct ns_attn_search_stats {
    uint64_t evals, exact_evals;
    double seconds;
    bool interrupted;
} ns_attn_search_stats;

/* Calls on_new for each new finding (one per kind and cause); on_new
 * returns nonzero to stop.  0, or -1 when out of memory. */
int ns_attn_search(const ns_attn_search_opts *o, int (*on_new)(const ns_attn_finding *f, void *ctx),
                   void *ctx, ns_attn_search_stats *st);

#endif
