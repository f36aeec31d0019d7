/* The flash kernel: FlashAttention-2 forward and backward as its CUDA
 * kernels order the operations (Dao-AILab/flash-attention, csrc/flash_attn/
 * src/softmax.h, flash_fwd_kernel.h, flash_bwd_kernel.h), each through the
 * policy: scores and running sums in acc, the softmax's elementwise steps
 * in work, P stored in p before P V, O and gradients stored in out.
 *
 * Forward, for each query row and each key block of --block-k:
 *   m' = max(m, max_j s_j); m'' = (m' == -inf ? 0 : m')   (Check_inf)
 *   c = exp2((m - m'') . scale_log2)                       (scale_log2 = scale . log2 e)
 *   p_j = exp2(s_j . scale_log2 - m'' . scale_log2)        (--fma: one fused op)
 *   l = l c + sum_j p_j;  o = o c + sum_j p_j v_j
 * then O = o . (l == 0 or NaN ? 1 : 1/l) and LSE = m . scale + ln l, or -inf
 * for an empty key set (the fix of FlashAttention PR #978: it was +inf).
 * Backward recomputes P = exp2(s . scale_log2 - LSE . log2 e) and forms
 * dV = P^T dO, D = rowsum(dO o O), dS = P o (dP - D), dQ = scale dS K,
 * dK = scale dS^T Q (SPEC section 7). */
#include "flash.h"

#include <math.h>
#include <stdlib.h>

#include "ops.h"

/* The row maximum that propagates NaN (a kernel's fmaxf would drop it). */
static double max_nan(double a, double b)
{
    if (isnan(a) || isnan(b))
        return NAN;
    return a > b ? a : b;
}

/* A masked bias divided by the scale that exp2 folds in later (FA2 divides
 * its ALiBi slopes by softmax_scale the same way). */
static double folded_bias(const ns_head *h, double score_scale)
{
    return h->mask_value / score_scale;
}

int ns_flash_forward(const ns_head *h, const ns_flash_in *in, ns_attn_out *r)
{
    const ns_format *e = h->policy->elem, *acc = h->policy->acc, *sf = ns_attn_score_format(h);
    size_t bk = h->block_k ? h->block_k : 1;
    double *s = malloc(bk * sizeof *s), *o = malloc((h->d_v + 1) * sizeof *o);
    if (!s || !o) {
        free(s);
        free(o);
        return -1;
    }
    double sl2 = ns_round(e, ns_round(e, in->score_scale) * NS_LOG2E);
    double sc = ns_round(e, in->score_scale);
    double offset = ns_round(e, in->offset);
    double bias = folded_bias(h, in->score_scale);
    for (size_t i = 0; i < h->n_q; i++) {
        const double *q = in->q + i * h->d;
        double m = -INFINITY, l = 0;
        for (size_t c = 0; c < h->d_v; c++)
            o[c] = 0;
        for (size_t j0 = 0; j0 < h->n_k; j0 += bk) {
            size_t nb = h->n_k - j0 < bk ? h->n_k - j0 : bk;
            double mb = m;
            for (size_t j = 0; j < nb; j++) {
                double x = ns_attn_dot(h, q, 1, in->k + (j0 + j) * h->d, 1, h->d);
                if (fabs(x) > r->max_score || isnan(x))
                    r->max_score = isnan(x) ? INFINITY : fabs(x);
                s[j] = ns_head_keeps(h, i, j0 + j) ? x : ns_attn_masked(h, sf, x, bias);
                mb = max_nan(mb, s[j]);
            }
            double mu = mb == -INFINITY ? 0 : mb;
            /* FlashAttention-3 FP8: P peaks at 2^offset, so e4m3 holds it with room */
            double ms = ns_fp_sub(e, ns_fp_mul(e, mu, sl2), offset);
            double corr = ns_attn_exp2(e, ns_fp_mul(e, ns_fp_sub(e, m, mu), sl2));
            l = ns_fp_mul(acc, l, corr);
            for (size_t c = 0; c < h->d_v; c++)
                o[c] = ns_fp_mul(acc, o[c], corr);
            for (size_t j = 0; j < nb; j++) {
                double a = h->fma ? ns_fp_fma(e, s[j], sl2, -ms) : ns_attn_sub(e, ns_attn_mul(e, s[j], sl2), ms);
                double p = ns_attn_exp2(e, a);
                if (fabs(p) > r->max_p || isnan(p))
                    r->max_p = isnan(p) ? INFINITY : fabs(p);
                l = ns_fp_add(acc, l, p);
                double ps = ns_round(in->p, p);
                const double *v = in->v + (j0 + j) * h->d_v;
                for (size_t c = 0; c < h->d_v; c++)
                    o[c] = ns_attn_madd(h, ps, v[c], o[c]);
            }
            m = mb;
        }
        ns_denominator(&(ns_ops){ .probe = &r->probe }, l);
        int empty = l == 0 || isnan(l);
        double inv = empty ? 1 : ns_fp_div(e, 1, l);
        double vs = ns_round(e, in->v_scale);
        double *out = r->o + i * h->d_v;
        for (size_t c = 0; c < h->d_v; c++) {
            out[c] = ns_fp_mul(e, o[c], inv);
            if (vs != 1)
                out[c] = ns_fp_mul(e, out[c], vs);
        }
        ns_attn_store(h, out, o, h->d_v);
        r->lse[i] = empty ? -INFINITY
                          : ns_fp_sub(e, ns_fp_add(e, ns_fp_mul(e, m, sc), ns_fp_log(e, l)),
                                      ns_fp_mul(e, offset, ns_round(e, NS_LN2)));
    }
    free(s);
    free(o);
    return 0;
}

/* Q scaled in work under --scale-on q (n_q x d), or NULL when not asked. */
static double *scaled_queries(const ns_head *h, int *oom)
{
    *oom = 0;
    if (h->scale_on != NS_SCALE_ON_Q)
        return NULL;
    double *qs = malloc((h->n_q * h->d + 1) * sizeof *qs);
    if (!qs) {
        *oom = 1;
        return NULL;
    }
    for (size_t i = 0; i < h->n_q; i++)
        ns_attn_query(h, i, ns_attn_scale(h), qs + i * h->d);
    return qs;
}

static int forward(const ns_head *h, ns_attn_out *r)
{
    int oom;
    double *qs = scaled_queries(h, &oom);
    if (oom)
        return -1;
    ns_flash_in in = { .q = qs ? qs : h->q, .k = h->k, .v = h->v, .score_scale = qs ? 1 : h->scale,
                       .v_scale = 1, .offset = 0, .p = h->policy->p };
    int rc = ns_flash_forward(h, &in, r);
    free(qs);
    return rc;
}

static int backward(const ns_head *h, ns_attn_out *r)
{
    const ns_format *e = h->policy->elem, *acc = h->policy->acc, *sf = ns_attn_score_format(h);
    int oom;
    double *qs = scaled_queries(h, &oom);
    if (oom)
        return -1;
    const double *q = qs ? qs : h->q;
    double score_scale = qs ? 1 : h->scale;
    double sl2 = ns_round(e, ns_round(e, score_scale) * NS_LOG2E);
    double log2e = ns_round(e, NS_LOG2E), scale = ns_attn_scale(h);
    double bias = folded_bias(h, score_scale);
    size_t nq = h->n_q, nk = h->n_k, d = h->d, dv = h->d_v;
    double *dq = calloc(nq * d + 1, sizeof *dq), *dk = calloc(nk * d + 1, sizeof *dk);
    double *dvv = calloc(nk * dv + 1, sizeof *dvv);
    if (!dq || !dk || !dvv) {
        free(qs);
        free(dq);
        free(dk);
        free(dvv);
        return -1;
    }
    /* the accumulators start at 0 and hold acc's values: binary32 ones
       when acc is binary32 */
    bool fits = ns_attn_fits_float(q, nq * d) && ns_attn_fits_float(h->k, nk * d) &&
                ns_attn_fits_float(h->dout, nq * dv);
    for (size_t i = 0; i < nq; i++) {
        const double *go = h->dout + i * dv, *qi = q + i * d;
        double dd = ns_attn_dot(h, go, 1, r->o + i * dv, 1, dv);
        double lse = r->lse[i];
        double ms = lse == -INFINITY ? 0 : ns_fp_mul(e, lse, log2e);
        for (size_t j = 0; j < nk; j++) {
            double x = ns_attn_dot(h, qi, 1, h->k + j * d, 1, d);
            if (!ns_head_keeps(h, i, j))
                x = ns_attn_masked(h, sf, x, bias);
            double a = h->fma ? ns_fp_fma(e, x, sl2, -ms) : ns_attn_sub(e, ns_attn_mul(e, x, sl2), ms);
            double p = ns_round(h->policy->p, ns_attn_exp2(e, a));
            double dp = ns_attn_dot(h, go, 1, h->v + j * dv, 1, dv);
            double ds = ns_round(h->policy->p, ns_attn_mul(e, p, ns_attn_sub(e, dp, dd)));
            ns_attn_axpy(h, fits, p, go, dvv + j * dv, dv);
            ns_attn_axpy(h, fits, ds, h->k + j * d, dq + i * d, d);
            ns_attn_axpy(h, fits, ds, qi, dk + j * d, d);
        }
    }
    (void)acc;
    for (size_t i = 0; i < nq * d; i++)
        r->dq[i] = ns_fp_mul(e, dq[i], scale);
    for (size_t j = 0; j < nk * d; j++)
        r->dk[j] = qs ? dk[j] : ns_fp_mul(e, dk[j], scale);
    for (size_t j = 0; j < nk * dv; j++)
        r->dv[j] = dvv[j];
    ns_attn_store(h, r->dq, dq, nq * d);
    ns_attn_store(h, r->dk, dk, nk * d);
    ns_attn_store(h, r->dv, dvv, nk * dv);
    free(qs);
    free(dq);
    free(dk);
    free(dvv);
    return 0;
}

static const ns_attn_hazard hazards[] = {
    { "score overflow", "q . k beyond the largest finite score of acc: inf, then NaN "
                        "(PyTorch #119131); --scale-on q divides the peak by sqrt(d) first" },
    { "fma mismatch", "--fma: the row max from plain products, the exponent fused, so "
                      "s . scale_log2 - m is a rounding error instead of 0 and exp2 can "
                      "overflow (AMD aotriton #54)" },
    NS_ATTN_HAZARD_GRADIENT_OVERFLOW,
    NS_ATTN_HAZARD_FINITE_MASK_LEAK,
    { "large scores", "the backward recomputes P = exp2(s . scale_log2 - LSE . log2 e) from an LSE "
                      "rounded in acc: beyond |s| u_acc = 1/16 P is off by 2^(|s| u_acc) and can "
                      "overflow p (inf . 0 = NaN in dS)" },
    { NULL, NULL },
};

const ns_kernel ns_kernel_flash = {
    .name = "flash", .order = 20,
    .summary = "FlashAttention-2: key blocks with a running max, rescaled sum and O, exp2 with "
               "log2(e) scale folded; backward recomputes P from LSE",
    NS_ATTN_SOFTMAX_FIELDS,
    .has_lse = true,
    .default_policy = "fp16-io",
    .forward = forward, .backward = backward,
    .promises = "no NaN or inf where the reference is finite (an empty key set gives zeros and "
                "LSE -inf); O within the first-order bound of its scores, sums and stored weights",
    .hazards = hazards,
};
