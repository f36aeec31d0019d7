/* The reference of softmax attention: O, LSE, dQ, dK, dV of the head's
 * rounded inputs, correctly rounded to binary64 (SPEC section 7).
 *
 *   s_ij = scale . q_i . k_j  over the kept keys j of query i (a masked key
 *          is absent, whatever value a kernel writes for it),
 *   P_i  = softmax(s_i),  O_i = sum_j P_ij v_j,  LSE_i = ln sum_j e^{s_ij},
 *   dP_ij = dO_i . v_j,  dS_ij = P_ij (dP_ij - sum_k P_ik dP_ik),
 *   dQ_i = scale sum_j dS_ij k_j,  dK_j = scale sum_i dS_ij q_i,
 *   dV_j = sum_i P_ij dO_i,
 * with scale = 1/sqrt(d) exactly (h->scale_exact) or h->scale as given.  A
 * query without keys has O = 0, LSE = -inf and no gradient (SPEC section 3's
 * convention; FlashAttention PR #978).
 *
 * The textbook kernel with another normalizer (h->normalizer of a family
 * other than softmax) computes another function: P_i = f(s_i) for the
 * family f, and dS_i = J_f(s_i)^T dP_i.  Its reference is faithful, not
 * correctly rounded: the scores and dP are the exact values rounded to
 * binary64, the family's reference (reference/ref.h) gives P and dS
 * correctly rounded at those, and O and the gradients are their exact sums
 * rounded; each entry is within a few binary64 ulps of the truth (times
 * the row's conditioning), far below any error a kernel below fp64 makes.
 * It has no LSE (NaN).
 *
 * Two tiers, as for the normalizers (reference/tier.h): double-double
 * intervals (reference/ddi.h), whose dot products of low-precision inputs
 * are exact up to a certified 2^-100 relative radius; when an entry does
 * not settle inside one double's rounding cell, MPFI at rising precision
 * (attention/reference_mpfi.c) for the whole head.  Either way a settled
 * entry is the correctly rounded value. */
#ifndef NS_ATTENTION_REFERENCE_H
#define NS_ATTENTION_REFERENCE_H

#include "kernel.h"

typedef struct ns_attn_ref {
    double *o, *lse, *dq, *dk, *dv;   /* shaped as ns_attn_out's */
    double max_score;                 /* largest |s_ij| over kept keys (rounded) */
    size_t uncertain;                 /* entries MPFI did not settle below its cap */
    int tier;                         /* 1: double-double settled the head, 0: MPFI */
    int faithful;                     /* 1: another family's reference (above) */
} ns_attn_ref;

/* The head's reference (gradients when h->dout); the arrays are allocated
 * here.  0, or -1 when out of memory (nothing left allocated). */
int ns_attn_reference(const ns_head *h, ns_attn_ref *ref);

/* The same by MPFI alone (the check of the fast tier in tests). */
int ns_attn_reference_mpfi(const ns_head *h, ns_attn_ref *ref);

void ns_attn_ref_free(ns_attn_ref *ref);

/* Internal to the two tiers: arrays of ref for h (0 or -1), and the MPFI
 * evaluation into ref's arrays (0 or -1). */
int ns_attn_ref_alloc(const ns_head *h, ns_attn_ref *ref);
int ns_attn_ref_mpfi_fill(const ns_head *h, ns_attn_ref *ref);

#endif
