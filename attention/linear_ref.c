/* The reference of linear attention (attention/linear.h).
 *
 * MPFI tier: the definition, z = sum phi(k_j), S = sum phi(k_j) v_j^T (all
 * keys, or the prefix j <= i), numerator phi(q_i)^T S, denominator
 * phi(q_i)^T z, their quotient, in interval arithmetic under Ziv's loop
 * (attention/settle.h).  With relu or identity features every operation is
 * a product or sum of doubles, exact once the precision covers their span,
 * so a denominator that is exactly 0 becomes the exact interval [0, 0] and
 * its row the zeros of SPEC section 3's convention; elu1 features are
 * positive, so their denominators are too.
 *
 * Double-double tier, tried first: the same sums in ddi (reference/ddi.h).
 * A denominator that is exactly 0 stays the exact ddi zero (relu features
 * that never meet multiply exact zeros); anything that does not settle, a
 * denominator whose enclosure holds 0 among them, sends the whole head to
 * MPFI. */
#include <stdlib.h>
#include <string.h>

#include "../reference/ddi.h"
#include "../reference/ref.h"
#include "linear.h"
#include "settle.h"

typedef struct lin_ctx {
    const ns_linear_input *in;
    bool causal;
    const double *g;           /* upstream gradient (backward), or NULL */
} lin_ctx;

static void phi_mpfi(ns_feature f, mpfi_ptr r, double x)
{
    switch (f) {
    case NS_FEATURE_ELU1:
        mpfi_set_d(r, x);
        if (x > 0)
            mpfi_add_ui(r, r, 1);
        else
            mpfi_exp(r, r);
        break;
    case NS_FEATURE_RELU:
        mpfi_set_d(r, x > 0 ? x : 0);
        break;
    case NS_FEATURE_IDENTITY:
    default:
        mpfi_set_d(r, x);
        break;
    }
}

static void dphi_mpfi(ns_feature f, mpfi_ptr r, double x)
{
    if (f == NS_FEATURE_ELU1 && x <= 0) {
        mpfi_set_d(r, x);
        mpfi_exp(r, r);
    } else {
        mpfi_set_ui(r, f == NS_FEATURE_RELU && x <= 0 ? 0 : 1);
    }
}

/* The state after keys added..upto-1 (f, t scratch): z += phi(k_j),
 * S += phi(k_j) v_j^T.  Returns upto, the keys added so far. */
static size_t add_keys(const ns_linear_input *in, size_t added, size_t upto, mpfi_ptr S,
                       mpfi_ptr z, mpfi_ptr f, mpfi_ptr t)
{
    size_t d = in->d, dv = in->d_v;
    for (; added < upto; added++)
        for (size_t m = 0; m < d; m++) {
            phi_mpfi(in->feature, f, in->k[added * d + m]);
            mpfi_add(&z[m], &z[m], f);
            for (size_t c = 0; c < dv; c++) {
                mpfi_mul_d(t, f, in->v[added * dv + c]);
                mpfi_add(&S[m * dv + c], &S[m * dv + c], t);
            }
        }
    return upto;
}

/* den = phi(q_i)^T z, with phi(q_i) left in fq[0..d) (t scratch). */
static void query_denominator(const ns_linear_input *in, size_t i, mpfi_srcptr z, mpfi_ptr fq,
                              mpfi_ptr t, mpfi_ptr den)
{
    mpfi_set_ui(den, 0);
    for (size_t m = 0; m < in->d; m++) {
        phi_mpfi(in->feature, &fq[m], in->q[i * in->d + m]);
        mpfi_mul(t, &fq[m], &z[m]);
        mpfi_add(den, den, t);
    }
}

static void enclose_linear(void *vctx, mpfr_prec_t prec, mpfi_ptr out)
{
    const lin_ctx *cx = vctx;
    const ns_linear_input *in = cx->in;
    size_t d = in->d, dv = in->d_v;
    size_t nv = d * dv + 2 * d + 4;
    mpfi_ptr S = ns_ref_intervals(nv, prec);
    if (!S) {
        for (size_t i = 0; i < in->n_q * dv; i++)
            mpfi_set_d(&out[i], NAN);
        return;
    }
    mpfi_ptr z = S + d * dv, fq = z + d, f = fq + d, t = f + 1, num = t + 1, den = num + 1;
    ns_ref_set_zero_all(S, d * dv + d);      /* intervals start as NaN */
    size_t added = 0;
    for (size_t i = 0; i < in->n_q; i++) {
        added = add_keys(in, added, cx->causal ? i + 1 : in->n_k, S, z, f, t);
        query_denominator(in, i, z, fq, t, den);
        bool zero = mpfi_is_zero(den) > 0;
        for (size_t c = 0; c < dv; c++) {
            if (zero) {
                mpfi_set_ui(&out[i * dv + c], 0);
                continue;
            }
            mpfi_set_ui(num, 0);
            for (size_t m = 0; m < d; m++) {
                mpfi_mul(t, &fq[m], &S[m * dv + c]);
                mpfi_add(num, num, t);
            }
            mpfi_div(&out[i * dv + c], num, den);
        }
    }
    ns_ref_intervals_free(S, nv);
}

void ns_linear_enclose(const ns_linear_input *in, bool causal, mpfr_prec_t prec, mpfi_ptr o)
{
    lin_ctx cx = { .in = in, .causal = causal, .g = NULL };
    enclose_linear(&cx, prec, o);
}

/* Query i's share of the keys' gradients (t scratch): P += phi(q_i) dN_i^T,
 * R += phi(q_i) dD_i, phi(q_i) in fq[i d ..]. */
static void add_query(const ns_linear_input *in, size_t i, mpfi_srcptr fq, mpfi_srcptr dN,
                      mpfi_srcptr dD, mpfi_ptr P, mpfi_ptr R, mpfi_ptr t)
{
    size_t d = in->d, dv = in->d_v;
    for (size_t m = 0; m < d; m++) {
        mpfi_mul(t, &fq[i * d + m], &dD[i]);
        mpfi_add(&R[m], &R[m], t);
        for (size_t c = 0; c < dv; c++) {
            mpfi_mul(t, &fq[i * d + m], &dN[i * dv + c]);
            mpfi_add(&P[m * dv + c], &P[m * dv + c], t);
        }
    }
}

/* O, then dq, dk, dv (attention/linear_backward.c has the formulas):
 * forward with the state S, z and each query's dN, dD, dphi(q); then P, R
 * backward for dphi(k) and dv.  A row whose denominator is exactly 0 has
 * O = 0 and dN = dD = 0. */
static void enclose_backward(void *vctx, mpfr_prec_t prec, mpfi_ptr out)
{
    const lin_ctx *cx = vctx;
    const ns_linear_input *in = cx->in;
    size_t d = in->d, dv = in->d_v, nq = in->n_q, nk = in->n_k;
    mpfi_ptr O = out, dq = O + nq * dv, dk = dq + nq * d, dvo = dk + nk * d;
    size_t nv = 2 * (d * dv + d) + nq * dv + nq + nq * d + 4;
    mpfi_ptr S = ns_ref_intervals(nv, prec);
    if (!S) {
        for (size_t i = 0; i < nq * dv + nq * d + nk * d + nk * dv; i++)
            mpfi_set_d(&out[i], NAN);
        return;
    }
    mpfi_ptr z = S + d * dv, P = z + d, R = P + d * dv, dN = R + d, dD = dN + nq * dv, fq = dD + nq;
    mpfi_ptr f = fq + nq * d, t = f + 1, den = t + 1, go = den + 1;
    ns_ref_set_zero_all(S, 2 * (d * dv + d));
    size_t added = 0;
    for (size_t i = 0; i < nq; i++) {
        added = add_keys(in, added, cx->causal ? i + 1 : nk, S, z, f, t);
        query_denominator(in, i, z, fq + i * d, t, den);
        bool zero = mpfi_is_zero(den) > 0;
        mpfi_set_ui(go, 0);
        for (size_t c = 0; c < dv; c++) {
            mpfi_ptr oc = &O[i * dv + c];
            mpfi_set_ui(oc, 0);
            if (!zero) {
                for (size_t m = 0; m < d; m++) {
                    mpfi_mul(t, &fq[i * d + m], &S[m * dv + c]);
                    mpfi_add(oc, oc, t);
                }
                mpfi_div(oc, oc, den);
            }
            mpfi_mul_d(t, oc, cx->g[i * dv + c]);
            mpfi_add(go, go, t);
            if (zero)
                mpfi_set_ui(&dN[i * dv + c], 0);
            else
                mpfi_d_div(&dN[i * dv + c], cx->g[i * dv + c], den);
        }
        if (zero) {
            mpfi_set_ui(&dD[i], 0);
        } else {
            mpfi_div(&dD[i], go, den);
            mpfi_neg(&dD[i], &dD[i]);
        }
        for (size_t m = 0; m < d; m++) {
            mpfi_ptr r = &dq[i * d + m];
            mpfi_mul(r, &dD[i], &z[m]);
            for (size_t c = 0; c < dv; c++) {
                mpfi_mul(t, &S[m * dv + c], &dN[i * dv + c]);
                mpfi_add(r, r, t);
            }
            dphi_mpfi(in->feature, t, in->q[i * d + m]);
            mpfi_mul(r, r, t);
        }
    }
    /* P, R over the queries that see key j: all of them, or i >= j */
    size_t next = cx->causal ? nq : 0;
    for (size_t i = 0; !cx->causal && i < nq; i++)
        add_query(in, i, fq, dN, dD, P, R, t);
    for (size_t j = nk; j-- > 0;) {
        for (; cx->causal && next > j; next--)
            add_query(in, next - 1, fq, dN, dD, P, R, t);
        for (size_t m = 0; m < d; m++) {
            mpfi_ptr r = &dk[j * d + m];
            mpfi_set(r, &R[m]);
            for (size_t c = 0; c < dv; c++) {
                mpfi_mul_d(t, &P[m * dv + c], in->v[j * dv + c]);
                mpfi_add(r, r, t);
            }
            dphi_mpfi(in->feature, t, in->k[j * d + m]);
            mpfi_mul(r, r, t);
        }
        for (size_t c = 0; c < dv; c++) {
            mpfi_ptr r = &dvo[j * dv + c];
            mpfi_set_ui(r, 0);
            for (size_t m = 0; m < d; m++) {
                phi_mpfi(in->feature, f, in->k[j * d + m]);
                mpfi_mul(t, f, &P[m * dv + c]);
                mpfi_add(r, r, t);
            }
        }
    }
    ns_ref_intervals_free(S, nv);
}

long ns_linear_reference_backward(const ns_linear_input *in, bool causal, const double *g,
                                  double *o, double *dq, double *dk, double *dv)
{
    if (causal && in->n_q != in->n_k)
        return -1;
    size_t nq = in->n_q, nk = in->n_k, d = in->d, dvn = in->d_v;
    size_t n = nq * dvn + nq * d + nk * d + nk * dvn;
    double *all = malloc((n + 1) * sizeof *all);
    if (!all)
        return -1;
    lin_ctx cx = { .in = in, .causal = causal, .g = g };
    long open = ns_attn_settle(enclose_backward, &cx, n, all);
    memcpy(o, all, nq * dvn * sizeof *o);
    memcpy(dq, all + nq * dvn, nq * d * sizeof *dq);
    memcpy(dk, all + nq * dvn + nq * d, nk * d * sizeof *dk);
    memcpy(dv, all + nq * dvn + nq * d + nk * d, nk * dvn * sizeof *dv);
    free(all);
    return open;
}

static ddi phi_ddi(ns_feature f, double x)
{
    switch (f) {
    case NS_FEATURE_ELU1:
        return x > 0 ? ddi_add(ddi_from_double(x), ddi_from_double(1)) : ddi_exp_or_tiny(ddi_from_double(x));
    case NS_FEATURE_RELU:
        return ddi_from_double(x > 0 ? x : 0);
    case NS_FEATURE_IDENTITY:
    default:
        return ddi_from_double(x);
    }
}

/* 1 when every entry settled into o. */
static int dd_linear(const ns_linear_input *in, bool causal, double *o)
{
    size_t d = in->d, dv = in->d_v;
    ddi *S = calloc(d * dv + 2 * d, sizeof *S);
    if (!S)
        return 0;
    ddi *z = S + d * dv, *fq = z + d;
    int ok = 1;
    size_t added = 0;
    for (size_t i = 0; i < in->n_q && ok; i++) {
        size_t upto = causal ? i + 1 : in->n_k;
        for (; added < upto; added++)
            for (size_t m = 0; m < d; m++) {
                ddi f = phi_ddi(in->feature, in->k[added * d + m]);
                z[m] = ddi_add(z[m], f);
                for (size_t c = 0; c < dv; c++)
                    S[m * dv + c] = ddi_add(S[m * dv + c], ddi_mul(f, ddi_from_double(in->v[added * dv + c])));
            }
        ddi den = { 0, 0, 0 };
        for (size_t m = 0; m < d; m++) {
            fq[m] = phi_ddi(in->feature, in->q[i * d + m]);
            den = ddi_add(den, ddi_mul(fq[m], z[m]));
        }
        bool zero = ddi_is_exact_zero(den);
        for (size_t c = 0; c < dv && ok; c++) {
            if (zero) {
                o[i * dv + c] = 0;
                continue;
            }
            ddi num = { 0, 0, 0 };
            for (size_t m = 0; m < d; m++)
                num = ddi_add(num, ddi_mul(fq[m], S[m * dv + c]));
            ok = ddi_round(ddi_div(num, den), &o[i * dv + c]);
        }
    }
    free(S);
    return ok;
}

static long reference(const ns_linear_input *in, bool causal, double *o, bool tier)
{
    if (causal && in->n_q != in->n_k)
        return -1;
    if (tier && dd_linear(in, causal, o))
        return 0;
    lin_ctx cx = { .in = in, .causal = causal, .g = NULL };
    return ns_attn_settle(enclose_linear, &cx, in->n_q * in->d_v, o);
}

long ns_linear_reference(const ns_linear_input *in, bool causal, double *o)
{
    return reference(in, causal, o, true);
}

long ns_linear_reference_mpfi(const ns_linear_input *in, bool causal, double *o)
{
    return reference(in, causal, o, false);
}
