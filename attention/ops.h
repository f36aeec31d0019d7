/* The arithmetic that every attention kernel shares, through the head's
 * policy (formats/arith.h): dot products, exp2, the kernel's scale, masked
 * scores.  One place for what the kernels would otherwise each spell. */
#ifndef NS_ATTENTION_OPS_H
#define NS_ATTENTION_OPS_H

#include "kernel.h"

/* log2(e) and ln 2 rounded to binary64 (C11 has no M_LOG2E). */
#define NS_LOG2E 0x1.71547652b82fep+0
#define NS_LN2 0x1.62e42fefa39efp-1

/* sum_i a[i sa] b[i sb] in the policy's acc, left to right, stored in tot:
 * each product rounded into acc and added (a register accumulation), or
 * with h->fma one fused multiply-add per term rounded in acc. */
double ns_attn_dot(const ns_head *h, const double *a, size_t sa, const double *b, size_t sb, size_t n);

/* c + a b in the policy's acc: the product rounded into acc and added, or
 * with h->fma one fused multiply-add (an accumulation of a GEMM). */
static inline double ns_attn_madd(const ns_head *h, double a, double b, double c)
{
    const ns_format *acc = h->policy->acc;
    return h->fma ? ns_fp_fma(acc, a, b, c) : ns_fp_add(acc, c, ns_fp_mul(acc, a, b));
}

/* 2^x correctly rounded into f (the exp2 of the tiled kernels). */
double ns_attn_exp2(const ns_format *f, double x);

/* The scale as the kernel holds it: h->scale rounded into work. */
double ns_attn_scale(const ns_head *h);

/* The format scores are stored in: tot (acc when the policy has none). */
const ns_format *ns_attn_score_format(const ns_head *h);

/* A masked score s as the kernel writes it, in format f: -inf, f's most
 * negative finite value, or s + bias rounded in work (bias rounded into
 * work first).  Unmasked scores are returned as they are. */
double ns_attn_masked(const ns_head *h, const ns_format *f, double s, double bias);

/* Row i of q as the kernel multiplies it: q itself, or with --scale-on q
 * each entry times the scale, rounded in work (into out[0..d)). */
const double *ns_attn_query(const ns_head *h, size_t i, double scale, double *out);

/* A row stored in the policy's out part (MX blocks along it); stage holds n. */
void ns_attn_store(const ns_head *h, double *v, double *stage, size_t n);

#endif
