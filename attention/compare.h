/* One head compared with its reference, as `normstab check` compares a row:
 * errors of O, LSE, dQ, dK, dV in ulps and bits, normwise errors, NaN and
 * inf counts, the smallest denominator, the largest score, and the verdict
 * of the kernel's contract (kernel.h: its promises and declared hazards).
 *
 * The promises:
 *   nan, inf   no NaN, no infinity in O, LSE or a gradient where the
 *              reference is finite (an empty key set included: O = 0 and
 *              no gradient, SPEC section 3);
 *   lse        LSE within its bound, and -inf exactly where no key is kept
 *              (FlashAttention PR #978 returned +inf);
 *   error      every |O_ic - O*_ic| within the first-order bound B_ic below
 *              (softmax attention only: with another normalizer the error
 *              of O is measured, not promised).
 * Gradients are measured and shown, and promised finite; their error is
 * not bounded by a promise.
 *
 * The bound (first order, then doubled for the terms of second order): with
 * u_f = 2^-p of format f, a score carries the error of its dot product and
 * scaling, d_ij = (d + 2) u_acc scale sum_t |q_it k_jt| + 3 u_work |s_ij|
 * (+ 2 u_held scale sum_t |q_it k_jt| where the kernel holds Q, K in a
 * narrower format: e4m3 for flash-fp8), the weights then a relative error
 * e_i = 2 max_j d_ij + 4 u_work (max_j |s_ij| + 1) + (n_k + 4) u_acc + u_p
 * (exp argument, exp, the row sum, the division, the stored P), and
 *   B_ic = 2 (e_i + n_k u_acc + u_held) max_j |v_jc| + u_out |O*_ic|;
 * LSE's bound is 2 (e_i) + u_out |LSE*_i| absolute (log of a sum whose terms
 * carry e_i). */
#ifndef NS_ATTENTION_COMPARE_H
#define NS_ATTENTION_COMPARE_H

#include "kernel.h"
#include "reference.h"

enum { NS_ATTN_O, NS_ATTN_LSE, NS_ATTN_DQ, NS_ATTN_DK, NS_ATTN_DV, NS_ATTN_PARTS };

/* The promises (bits of ns_attn_compare.broken). */
enum { NS_ATTN_BROKE_NAN = 1, NS_ATTN_BROKE_INF = 2, NS_ATTN_BROKE_LSE = 4, NS_ATTN_BROKE_ERROR = 8 };

typedef struct ns_attn_err {
    bool present;                  /* the kernel computes this part */
    size_t n;
    double max_ulps, max_bits, mean_bits, normwise;   /* bits: over finite outputs, NaN if none */
    size_t worst;                  /* index of the largest error */
    size_t nan, inf;               /* where the reference is a number */
} ns_attn_err;

typedef enum { NS_ATTN_KEPT, NS_ATTN_EXPECTED, NS_ATTN_BROKEN } ns_attn_verdict;

typedef struct ns_attn_compare {
    bool defined;                  /* every rounded input finite */
    ns_attn_err part[NS_ATTN_PARTS];
    size_t denominators, zero_denominators;
    double min_denominator;
    double max_score;              /* largest |q . k| the kernel formed */
    double max_score_ref;          /* largest |s_ij| of the reference */
    double max_p;                  /* largest P before it was stored */
    size_t empty_rows;             /* queries without a kept key */
    double bound_ratio;            /* max_ic |O - O*| / B_ic */
    unsigned broken;               /* NS_ATTN_BROKE_* */
    size_t row;                    /* the first query row that broke a promise */
    ns_attn_verdict verdict;
    const char *cause;             /* why (a cause name; "" when kept) */
    const ns_attn_hazard *hazard;  /* the kernel's declared hazard of that cause, or NULL */
} ns_attn_compare;

/* Compares r (kernel k's results on h) with ref.  Classifying a cause may
 * run the kernel again (without --fma); 0, or -1 when out of memory. */
int ns_attn_compare_head(const ns_kernel *k, const ns_head *h, const ns_attn_out *r,
                         const ns_attn_ref *ref, ns_attn_compare *c);

const char *ns_attn_part_name(int part);          /* "O", "LSE", "dQ", "dK", "dV" */
const char *ns_attn_verdict_name(ns_attn_verdict v);   /* "kept", "expected", "broken" */
/* The promises broken, as words: "nan, error". */
void ns_attn_broken_words(unsigned broken, char *buf, size_t len);

#endif
