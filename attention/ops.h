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

/* c + a b in the policy's acc, spelled through formats/arith.h: the
 * product rounded into acc and added, or with fma one fused multiply-add
 * rounded once (an accumulation of a GEMM). */
static inline double ns_attn_madd_generic(const ns_format *acc, bool fma, double a, double b, double c)
{
    return fma ? ns_fp_fma(acc, a, b, c) : ns_fp_add(acc, c, ns_fp_mul(acc, a, b));
}

/* The same.  When acc is plain IEEE binary32 (no modifier) and a, b, c are
 * binary32 values, the machine's float operations are that arithmetic
 * (each correctly rounded to nearest even, subnormals kept: the build never
 * sets flush-to-zero), so they compute it; the tests hold this path equal
 * to ns_attn_madd_generic. */
static inline double ns_attn_madd(const ns_head *h, double a, double b, double c)
{
    const ns_format *acc = h->policy->acc;
    if (acc == &ns_fp32) {
        float fa = (float)a, fb = (float)b, fc = (float)c;
        if (fa == a && fb == b && fc == c)
            return h->fma ? (double)fmaf(fa, fb, fc) : (double)(fc + fa * fb);
    }
    return ns_attn_madd_generic(acc, h->fma, a, b, c);
}

/* a b and a - b rounded into f (the work format), with the same binary32
 * shortcut as ns_attn_madd. */
static inline double ns_attn_mul(const ns_format *f, double a, double b)
{
    if (f == &ns_fp32) {
        float fa = (float)a, fb = (float)b;
        if (fa == a && fb == b)
            return (double)(fa * fb);
    }
    return ns_fp_mul(f, a, b);
}

static inline double ns_attn_sub(const ns_format *f, double a, double b)
{
    if (f == &ns_fp32) {
        float fa = (float)a, fb = (float)b;
        if (fa == a && fb == b)
            return (double)(fa - fb);
    }
    return ns_fp_sub(f, a, b);
}

/* y[i] = ns_attn_madd(h, alpha, x[i], y[i]) for i < n.  With acc binary32
 * and fits (the caller's promise that x and y hold binary32 values) and a
 * binary32 alpha, a loop of float operations the compiler may vectorize. */
void ns_attn_axpy(const ns_head *h, bool fits, double alpha, const double *x, double *y, size_t n);

/* Whether every v[0..n) is a binary32 value. */
bool ns_attn_fits_float(const double *v, size_t n);

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
