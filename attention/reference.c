/* The reference of softmax attention (reference.h): the double-double tier
 * and the driver that falls back to MPFI. */
#include "reference.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../reference/dd.h"
#include "../reference/ddi.h"
#include "../reference/ddi_exact.h"
#include "../reference/ref.h"
#include "../normalizers/catalogue.h"

int ns_attn_ref_alloc(const ns_head *h, ns_attn_ref *ref)
{
    memset(ref, 0, sizeof *ref);
    return ns_attn_arrays_alloc(h, &ref->o, &ref->lse, &ref->dq, &ref->dk, &ref->dv);
}

void ns_attn_ref_free(ns_attn_ref *ref)
{
    ns_attn_arrays_free(ref->o, ref->lse, ref->dq, ref->dk, ref->dv);
    memset(ref, 0, sizeof *ref);
}

/* Sums of products in compensated form (Ogita, Rump & Oishi, "Accurate
 * sum and dot product", SIAM J. Sci. Comput. 26(6), 2005: Dot2): each
 * product split exactly by TwoProduct (dd.h), each addition to s by TwoSum,
 * so s + (the exact sum of the error terms) is the exact sum.  The error
 * terms are summed in c in floating point, and that sum's own error is
 * bounded as it runs (Wilkinson's running error analysis): every rounded
 * operation of c's sum errs by at most u |its result|, u = 2^-53, so the
 * total is at most u times the sum of those results' magnitudes (cabs,
 * itself computed with a relative error below K u for K terms, covered by
 * the factor 1 + 2 K u).  A term x v with x = hi + lo +- r an interval
 * adds hi v exactly, lo v rounded (one more rounding, in cabs) and r |v| to
 * the radius.  Products that underflow (error terms below 2^-969, not
 * exact) are covered by a floor of 2^-1000 per term.  The error of c is of
 * order K u^2 |partial sums|, so an entry settles unless it lies within
 * about 2^-90 of its terms' magnitude from a rounding boundary. */
typedef struct dot_acc {
    double s, c, cabs, rad;
    double terms;
} dot_acc;

static inline void acc_product(dot_acc *a, double x, double y)
{
    dd p = dd_two_prod(x, y);
    dd t = dd_two_sum(a->s, p.hi);
    a->s = t.hi;
    double e = t.lo + p.lo;
    a->c += e;
    a->cabs += fabs(e) + fabs(a->c);
    a->terms += 1;
}

static inline void acc_interval_times(dot_acc *a, ddi x, double v)
{
    dd p = dd_two_prod(x.hi, v);
    dd t = dd_two_sum(a->s, p.hi);
    a->s = t.hi;
    double l = x.lo * v, e1 = t.lo + p.lo, e = e1 + l;
    a->c += e;
    a->cabs += fabs(l) + fabs(e1) + fabs(e) + fabs(a->c);
    a->rad += x.r * fabs(v);
    a->terms += 1;
}

static ddi acc_result(const dot_acc *a)
{
    double ku = 4 * a->terms * 0x1p-53;
    if (!(ku < 0x1p-20) || !isfinite(a->s) || !isfinite(a->c) || !isfinite(a->cabs))
        return (ddi){ NAN, NAN, INFINITY };
    if (a->s == 0 && a->c == 0 && a->cabs == 0 && a->rad == 0)
        return (ddi){ 0, 0, 0 };
    dd m = dd_two_sum(a->s, a->c);
    double r = 0x1p-53 * a->cabs * (1 + 2 * ku) + a->rad * (1 + ku) + a->terms * 0x1p-1000;
    return ddi_enclose(m, r);
}

static inline dot_acc acc_zero(void)
{
    return (dot_acc){ 0, 0, 0, 0, 0 };
}

/* sum_i a[i sa] b[i sb] of doubles. */
static ddi dot(const double *a, size_t sa, const double *b, size_t sb, size_t n)
{
    dot_acc acc = acc_zero();
    for (size_t i = 0; i < n; i++)
        acc_product(&acc, a[i * sa], b[i * sb]);
    return acc_result(&acc);
}

static ddi scale_of(const ns_head *h)
{
    if (!h->scale_exact)
        return ddi_from_double(h->scale);
    return ddi_div(ddi_from_double(1), ddi_sqrt(ddi_from_double((double)h->d)));
}

static int settle(ddi v, double *out)
{
    return ns_ddi_round(v, out);
}

/* out = scale A B settled, row by row (0 at the first entry that does not
 * settle): A is rows x inner with A[r][s] = a[r * rs + s * ss] (dS or its
 * transpose), B inner x d row-major (K or Q). */
static int settle_scaled_product(const ddi *a, size_t rows, size_t inner, size_t rs, size_t ss,
                                 const double *b, size_t d, ddi scale, double *out)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t t = 0; t < d; t++) {
            dot_acc acc = acc_zero();
            for (size_t s = 0; s < inner; s++)
                acc_interval_times(&acc, a[r * rs + s * ss], b[s * d + t]);
            if (!settle(ddi_mul(acc_result(&acc), scale), &out[r * d + t]))
                return 0;
        }
    return 1;
}

/* The tier: 1 when every entry settled, 0 otherwise (or out of memory). */
static int tier(const ns_head *h, ns_attn_ref *ref)
{
    size_t nq = h->n_q, nk = h->n_k, d = h->d, dv = h->d_v;
    ddi scale = scale_of(h);
    ddi *s = malloc((nk + 1) * sizeof *s), *p = malloc((nk + 1) * sizeof *p);
    dot_acc *o = malloc((dv + 1) * sizeof *o), *gv = NULL;
    ddi *dp = malloc((nk + 1) * sizeof *dp), *ds = NULL;
    if (h->dout) {
        ds = malloc((nq * nk + 1) * sizeof *ds);
        gv = calloc(nk * dv + 1, sizeof *gv);
    }
    int ok = s && p && o && dp && (!h->dout || (ds && gv));
    ref->max_score = 0;
    for (size_t i = 0; ok && i < nq; i++) {
        const double *q = h->q + i * d;
        double m = -INFINITY;
        size_t kept = 0;
        for (size_t j = 0; j < nk; j++) {
            if (!ns_head_keeps(h, i, j))
                continue;
            s[j] = ddi_mul(dot(q, 1, h->k + j * d, 1, d), scale);
            if (!ddi_valid(s[j]))
                ok = 0;
            if (s[j].hi > m)
                m = s[j].hi;
            if (fabs(s[j].hi) > ref->max_score)
                ref->max_score = fabs(s[j].hi);
            kept++;
        }
        if (!ok)
            break;
        if (kept == 0) {
            for (size_t c = 0; c < dv; c++)
                ref->o[i * dv + c] = 0;
            ref->lse[i] = -INFINITY;
            if (h->dout)
                for (size_t j = 0; j < nk; j++)
                    ds[i * nk + j] = (ddi){ 0, 0, 0 };
            continue;
        }
        ddi z = { 0, 0, 0 };
        for (size_t j = 0; j < nk; j++)
            if (ns_head_keeps(h, i, j)) {
                p[j] = ddi_exp_or_tiny(ddi_sub(s[j], ddi_from_double(m)));
                z = ddi_add(z, p[j]);
            }
        ok = settle(ddi_add(ddi_from_double(m), ddi_log(z)), &ref->lse[i]);
        for (size_t c = 0; c < dv; c++)
            o[c] = acc_zero();
        for (size_t j = 0; ok && j < nk; j++) {
            if (!ns_head_keeps(h, i, j)) {
                p[j] = (ddi){ 0, 0, 0 };
                continue;
            }
            const double *v = h->v + j * dv;
            for (size_t c = 0; c < dv; c++)
                acc_interval_times(&o[c], p[j], v[c]);
            p[j] = ddi_div(p[j], z);
        }
        for (size_t c = 0; ok && c < dv; c++)
            ok = settle(ddi_div(acc_result(&o[c]), z), &ref->o[i * dv + c]);
        if (!ok || !h->dout)
            continue;
        const double *go = h->dout + i * dv;
        ddi dd = { 0, 0, 0 };
        for (size_t j = 0; j < nk; j++) {
            if (!ns_head_keeps(h, i, j))
                continue;
            dp[j] = dot(go, 1, h->v + j * dv, 1, dv);
            dd = ddi_add(dd, ddi_mul(p[j], dp[j]));
            for (size_t c = 0; c < dv; c++)
                acc_interval_times(&gv[j * dv + c], p[j], go[c]);
        }
        for (size_t j = 0; j < nk; j++)
            ds[i * nk + j] = ns_head_keeps(h, i, j) ? ddi_mul(p[j], ddi_sub(dp[j], dd)) : (ddi){ 0, 0, 0 };
    }
    if (ok && h->dout) {
        for (size_t j = 0; ok && j < nk * dv; j++)
            ok = settle(acc_result(&gv[j]), &ref->dv[j]);
        ok = ok && settle_scaled_product(ds, nq, nk, nk, 1, h->k, d, scale, ref->dq) &&
             settle_scaled_product(ds, nk, nq, 1, nk, h->q, d, scale, ref->dk);
    }
    free(s);
    free(p);
    free(o);
    free(dp);
    free(ds);
    free(gv);
    return ok;
}

/* The family of h's normalizer when it is not softmax; NULL for softmax
 * attention. */
static const ns_family *other_family(const ns_head *h)
{
    const ns_family *f = NULL;
    if (!h->normalizer || !ns_algorithm_find(h->normalizer, &f) || strcmp(f->name, "softmax") == 0)
        return NULL;
    return f;
}

static double to_double(ddi v)
{
    return ddi_valid(v) ? v.hi + v.lo : NAN;
}

/* The faithful reference of another family (reference.h). */
static int family_reference(const ns_head *h, const ns_family *fam, ns_attn_ref *ref)
{
    const ns_reference *fr = ns_reference_find(fam->name);
    size_t nq = h->n_q, nk = h->n_k, d = h->d, dv = h->d_v;
    double param[NS_MAX_PARAMS];
    ns_params_default(fam, param);
    double *s = malloc((nk + 1) * sizeof *s), *g = malloc((nk + 1) * sizeof *g);
    double *p = malloc((nq * nk + 1) * sizeof *p), *ds = malloc((nq * nk + 1) * sizeof *ds);
    int rc = fr && s && g && p && ds ? 0 : -1;
    ddi scale = scale_of(h);
    ref->faithful = 1;
    ref->max_score = 0;
    for (size_t i = 0; rc == 0 && i < nq; i++) {
        for (size_t j = 0; j < nk; j++) {
            s[j] = ns_head_keeps(h, i, j) ? to_double(ddi_mul(dot(h->q + i * d, 1, h->k + j * d, 1, d), scale))
                                         : -INFINITY;
            if (isfinite(s[j]) && fabs(s[j]) > ref->max_score)
                ref->max_score = fabs(s[j]);
            g[j] = h->dout ? to_double(dot(h->dout + i * dv, 1, h->v + j * dv, 1, dv)) : 0;
        }
        ns_ref_stats st;
        rc = ns_ref_eval(fr, param, s, h->dout ? g : NULL, nk, p + i * nk, h->dout ? ds + i * nk : NULL, &st);
        ref->uncertain += st.uncertain;
        ref->lse[i] = NAN;
        for (size_t c = 0; c < dv; c++)
            ref->o[i * dv + c] = to_double(dot(p + i * nk, 1, h->v + c, dv, nk));
    }
    for (size_t j = 0; rc == 0 && h->dout && j < nk; j++) {
        for (size_t c = 0; c < dv; c++)
            ref->dv[j * dv + c] = to_double(dot(p + j, nk, h->dout + c, dv, nq));
        for (size_t t = 0; t < d; t++)
            ref->dk[j * d + t] = to_double(ddi_mul(dot(ds + j, nk, h->q + t, d, nq), scale));
    }
    for (size_t i = 0; rc == 0 && h->dout && i < nq; i++)
        for (size_t t = 0; t < d; t++)
            ref->dq[i * d + t] = to_double(ddi_mul(dot(ds + i * nk, 1, h->k + t, d, nk), scale));
    free(s);
    free(g);
    free(p);
    free(ds);
    return rc;
}

int ns_attn_reference(const ns_head *h, ns_attn_ref *ref)
{
    if (ns_attn_ref_alloc(h, ref) != 0)
        return -1;
    const ns_family *fam = other_family(h);
    if (fam) {
        if (family_reference(h, fam, ref) != 0) {
            ns_attn_ref_free(ref);
            return -1;
        }
        return 0;
    }
    if (tier(h, ref)) {
        ref->tier = 1;
        return 0;
    }
    if (ns_attn_ref_mpfi_fill(h, ref) != 0) {
        ns_attn_ref_free(ref);
        return -1;
    }
    return 0;
}

int ns_attn_reference_mpfi(const ns_head *h, ns_attn_ref *ref)
{
    if (ns_attn_ref_alloc(h, ref) != 0)
        return -1;
    if (ns_attn_ref_mpfi_fill(h, ref) != 0) {
        ns_attn_ref_free(ref);
        return -1;
    }
    return 0;
}
