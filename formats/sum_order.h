/* Summation orders (SPEC sections 2 and 6): the order in which a sum, a dot
 * product or any other reduction adds its terms.
 *
 *   seq         ((v0 + v1) + v2) + ...
 *   pairwise    sum(first n/2) + sum(rest), recursively down to single terms
 *   kahan       compensated (Kahan 1965)
 *   lanes:K     K a power of two: partial sums s_j = v_j + v_{j+K} + ... left
 *               to right, then s_j += s_{j+K/2} for j < K/2, halving K until
 *               one is left (a vectorized CPU loop, a GPU warp reduction)
 *   blocked:B   left-to-right sums of consecutive blocks of B, then of the
 *               block sums, left to right (a tiled kernel)
 *
 * An order is a small integer: seq, pairwise and kahan are 0, 1, 2 as they
 * have always been; lanes:K and blocked:B carry K or B in their low bits. */
#ifndef NS_SUM_ORDER_H
#define NS_SUM_ORDER_H

#include <stddef.h>

typedef enum {
    NS_SUM_SEQ,
    NS_SUM_PAIRWISE,
    NS_SUM_KAHAN,
    NS_SUM_LANES = 3 << 24,       /* | K */
    NS_SUM_BLOCKED = 4 << 24,     /* | B */
} ns_sum_order;

#define NS_SUM_PARAM_MAX 65536    /* the largest K and B */

/* What `unknown summation order` messages list. */
#define NS_SUM_ORDERS_KNOWN "seq, pairwise, kahan, lanes:K, blocked:B"

/* The kind (NS_SUM_SEQ ... NS_SUM_BLOCKED) and the parameter (K, B; 0 for
 * the others). */
static inline ns_sum_order ns_sum_kind(ns_sum_order s) { return s < (1 << 24) ? s : (ns_sum_order)(s & ~0xffffff); }
static inline size_t ns_sum_param(ns_sum_order s) { return s < (1 << 24) ? 0 : (size_t)(s & 0xffffff); }

/* lanes:K and blocked:B (K a power of two, both 1 .. NS_SUM_PARAM_MAX). */
static inline ns_sum_order ns_sum_lanes(size_t k) { return (ns_sum_order)(NS_SUM_LANES | k); }
static inline ns_sum_order ns_sum_blocked(size_t b) { return (ns_sum_order)(NS_SUM_BLOCKED | b); }

/* The order's name ("seq", "lanes:8"); the string lives as long as the
 * process. */
const char *ns_sum_order_name(ns_sum_order s);

/* 0 with *out set, or -1 (ns_sum_order_parse says why). */
int ns_sum_order_find(const char *name, ns_sum_order *out);

/* The same with a one-line reason in err on -1. */
int ns_sum_order_parse(const char *name, ns_sum_order *out, char *err, size_t errlen);

/* Whether s is an order (a value read from elsewhere). */
int ns_sum_order_valid(ns_sum_order s);

#endif
