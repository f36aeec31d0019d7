/* The reference of softmax attention (reference.h): the double-double tier
 * and the driver that falls back to MPFI. */
#include "reference.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../reference/ddi.h"
#include "../reference/ddi_exact.h"

int ns_attn_ref_alloc(const ns_head *h, ns_attn_ref *ref)
{
    memset(ref, 0, sizeof *ref);
    ref->o = calloc(h->n_q * h->d_v + 1, sizeof *ref->o);
    ref->lse = calloc(h->n_q + 1, sizeof *ref->lse);
    if (h->dout) {
        ref->dq = calloc(h->n_q * h->d + 1, sizeof *ref->dq);
        ref->dk = calloc(h->n_k * h->d + 1, sizeof *ref->dk);
        ref->dv = calloc(h->n_k * h->d_v + 1, sizeof *ref->dv);
    }
    if (!ref->o || !ref->lse || (h->dout && (!ref->dq || !ref->dk || !ref->dv))) {
        ns_attn_ref_free(ref);
        return -1;
    }
    return 0;
}

void ns_attn_ref_free(ns_attn_ref *ref)
{
    free(ref->o);
    free(ref->lse);
    free(ref->dq);
    free(ref->dk);
    free(ref->dv);
    memset(ref, 0, sizeof *ref);
}

/* sum_i a[i sa] b[i sb]: each product exact as a double-double (TwoProduct),
 * the sum within the certified radius of ddi_add. */
static ddi dot(const double *a, size_t sa, const double *b, size_t sb, size_t n)
{
    ddi s = { 0, 0, 0 };
    for (size_t i = 0; i < n; i++) {
        double x = a[i * sa], y = b[i * sb];
        if (x == 0 || y == 0)
            continue;
        s = ddi_add(s, ddi_mul(ddi_from_double(x), ddi_from_double(y)));
    }
    return s;
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

/* The tier: 1 when every entry settled, 0 otherwise (or out of memory). */
static int tier(const ns_head *h, ns_attn_ref *ref)
{
    size_t nq = h->n_q, nk = h->n_k, d = h->d, dv = h->d_v;
    ddi scale = scale_of(h);
    ddi *s = malloc((nk + 1) * sizeof *s), *p = malloc((nk + 1) * sizeof *p);
    ddi *o = malloc((dv + 1) * sizeof *o), *dp = malloc((nk + 1) * sizeof *dp);
    ddi *ds = NULL, *gv = NULL;
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
            o[c] = (ddi){ 0, 0, 0 };
        for (size_t j = 0; ok && j < nk; j++) {
            if (!ns_head_keeps(h, i, j)) {
                p[j] = (ddi){ 0, 0, 0 };
                continue;
            }
            const double *v = h->v + j * dv;
            for (size_t c = 0; c < dv; c++)
                if (v[c] != 0)
                    o[c] = ddi_add(o[c], ddi_mul(p[j], ddi_from_double(v[c])));
            p[j] = ddi_div(p[j], z);
        }
        for (size_t c = 0; ok && c < dv; c++)
            ok = settle(ddi_div(o[c], z), &ref->o[i * dv + c]);
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
                if (go[c] != 0)
                    gv[j * dv + c] = ddi_add(gv[j * dv + c], ddi_mul(p[j], ddi_from_double(go[c])));
        }
        for (size_t j = 0; j < nk; j++)
            ds[i * nk + j] = ns_head_keeps(h, i, j) ? ddi_mul(p[j], ddi_sub(dp[j], dd)) : (ddi){ 0, 0, 0 };
    }
    if (ok && h->dout) {
        for (size_t j = 0; ok && j < nk * dv; j++)
            ok = settle(gv[j], &ref->dv[j]);
        for (size_t i = 0; ok && i < nq; i++)
            for (size_t t = 0; ok && t < d; t++) {
                ddi a = { 0, 0, 0 };
                for (size_t j = 0; j < nk; j++)
                    if (h->k[j * d + t] != 0)
                        a = ddi_add(a, ddi_mul(ds[i * nk + j], ddi_from_double(h->k[j * d + t])));
                ok = settle(ddi_mul(a, scale), &ref->dq[i * d + t]);
            }
        for (size_t j = 0; ok && j < nk; j++)
            for (size_t t = 0; ok && t < d; t++) {
                ddi a = { 0, 0, 0 };
                for (size_t i = 0; i < nq; i++)
                    if (h->q[i * d + t] != 0)
                        a = ddi_add(a, ddi_mul(ds[i * nk + j], ddi_from_double(h->q[i * d + t])));
                ok = settle(ddi_mul(a, scale), &ref->dk[j * d + t]);
            }
    }
    free(s);
    free(p);
    free(o);
    free(dp);
    free(ds);
    free(gv);
    return ok;
}

int ns_attn_reference(const ns_head *h, ns_attn_ref *ref)
{
    if (ns_attn_ref_alloc(h, ref) != 0)
        return -1;
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
