/* The normalizer-free kernels (linear attention, RWKV-4: attention/linear.h,
 * attention/rwkv.h) on a head, against their reference, as `normstab check`
 * compares a row: errors of O (wkv) and of the gradients (dQ, dK, dV;
 * RWKV: dK, dV, dW, dU) in ulps of the output format and in bits, normwise
 * errors, NaN and
 * inf counts, the denominators, and the verdict of the kernel's contract.
 *
 * Promises (the kernel's .promises says them in one line):
 *   nan, inf  no NaN, no infinity in O where the reference is finite;
 *   error     every |O - O*| within the first-order bound B below.  Its
 *             premise is g k <= 1/16 (linear attention) or T' u_acc <= 1/16
 *             (RWKV); beyond, B is taken at that limit, and an error past
 *             it is "cancellation" or "state saturation".
 * Gradients are measured and shown, not promised.
 *
 * Bounds, u_f = 2^-p of format f (0 when the policy has no tot part):
 *   linear: O_ic = sum_j a_ij v_jc / sum_j a_ij, a_ij = phi(q_i).phi(k_j).
 *     Each sum of products carries at most g |.|-weighted error, g = (d + n
 *     + 4) u_acc + 3 u_work + 2 u_tot (n the keys query i sees; Higham,
 *     Accuracy and Stability, 2nd ed., eq. 3.5 for dot products), plus
 *     2 u_work / phi_min for elu1 (expm1(x) + 1 errs by u_work absolute, so
 *     by u_work / phi relative; phi_min the smallest feature of the row), so
 *     |dO| <= g k_i (max_j |v_jc| + |O*_ic|) to first order, with k_i =
 *     sum_j,m |phi(q_im) phi(k_jm)| / |sum_j a_ij| the denominator's
 *     condition (1 for positive features); B = 2 g k_i (max|v_c| + |O*|) +
 *     u_out |O*|.  k_i is estimated in binary64 from prefix sums.
 *   RWKV: wkv is a convex combination of the values with weights e^{...};
 *     each weight carries 3 (K + 8) u_work from its exponent argument (of
 *     magnitude <= K, the largest |u + k|, |k| of the channel, plus
 *     -w (T - 1) when w < 0 makes the sums grow) and its
 *     exponential, the sums a, b carry (T' + 4) u_acc relative, T' =
 *     min(T, 1 + 1/(1 - e^{-w})) the tokens a decaying sum remembers;
 *     B = 2 (3 (K + 8) u_work + (T' + 4) u_acc) max_t |v_t| + u_out |wkv*|.
 *
 * Causes (the declared hazards name them): "zero denominator" (the exact
 * denominator is 0), "denominator underflow" (linear: a denominator that is
 * not 0 came out 0), "cancellation" (linear: g k > 1/16 with k > 2),
 * "sum overflow" (linear: a NaN or inf where the denominator is not 0: a
 * sum, a dot product or the state overflowed), "exp overflow" (RWKV: K
 * beyond ln of the largest finite value of work or acc, for T' terms),
 * "state saturation" (RWKV: T' u_acc > 1/16; linear: g > 1/16). */
#ifndef NS_ATTENTION_RECURRENT_H
#define NS_ATTENTION_RECURRENT_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel.h"

/* Whether k is one of these kernels (its function is linear attention,
 * causal linear attention or rwkv4 wkv). */
bool ns_recur_kernel(const ns_kernel *k);

enum { NS_RECUR_O, NS_RECUR_DQ, NS_RECUR_DK, NS_RECUR_DV, NS_RECUR_DW, NS_RECUR_DU, NS_RECUR_PARTS };

typedef struct ns_recur_ref {
    double *part[NS_RECUR_PARTS];   /* O; with h->dout: dK, dV, and dQ (linear) or dW, dU (RWKV) */
    size_t uncertain;               /* entries left at the precision cap */
} ns_recur_ref;

/* The head's reference; arrays allocated here.  0, or -1 when out of
 * memory (nothing left allocated). */
int ns_recur_reference(const ns_kernel *k, const ns_head *h, ns_recur_ref *ref);
void ns_recur_ref_free(ns_recur_ref *ref);

enum { NS_RECUR_BROKE_NAN = 1, NS_RECUR_BROKE_INF = 2, NS_RECUR_BROKE_ERROR = 4 };

typedef struct ns_recur_err {
    bool present;
    size_t n;
    double max_ulps, max_bits, normwise;
    size_t worst, nan, inf;         /* nan, inf: where the reference is a number */
} ns_recur_err;

typedef enum { NS_RECUR_KEPT, NS_RECUR_EXPECTED, NS_RECUR_BROKEN } ns_recur_verdict;

typedef struct ns_recur_compare {
    ns_recur_err part[NS_RECUR_PARTS];
    size_t denominators, zero_denominators, nonfinite_denominators;
    double min_denominator;
    double bound_ratio;             /* max |O - O*| / B */
    double premise;                 /* g k (linear) or T' u_acc (RWKV), largest */
    unsigned broken;                /* NS_RECUR_BROKE_* */
    size_t index;                   /* the first entry of O that broke a promise */
    ns_recur_verdict verdict;
    const char *cause;              /* "" when kept */
    const ns_attn_hazard *hazard;   /* the declared hazard of that cause, or NULL */
} ns_recur_compare;

int ns_recur_compare_head(const ns_kernel *k, const ns_head *h, const ns_attn_out *r,
                          const ns_recur_ref *ref, ns_recur_compare *c);

const char *ns_recur_part_name(int part);             /* "O", "dQ", "dK", "dV", "dW", "dU" */
const char *ns_recur_verdict_name(ns_recur_verdict v); /* "kept", "expected", "broken" */

#endif
