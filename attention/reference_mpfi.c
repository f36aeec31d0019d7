/* The MPFI tier of the attention reference (reference.h): every quantity
 * enclosed in interval arithmetic at working precision prec, raised (Ziv's
 * strategy) until every entry's enclosure rounds to one double, up to
 * MAX_PREC bits; entries still uncertain then are counted and take the
 * rounding of their enclosure's midpoint.  Products of doubles are exact
 * at prec >= 106, so the only widening comes from the scale 1/sqrt(d), exp,
 * log and the divisions. */
#include "reference.h"

#include <math.h>
#include <stdlib.h>

#include "../reference/ref.h"

#define START_PREC 128
#define MAX_PREC 4096

typedef struct enclosures {
    size_t nq, nk, nd, ndv;
    mpfi_ptr o, lse, dq, dk, dv;     /* as the results */
    mpfi_ptr s, p, dp, ds;           /* a row of scores, weights, dP; dS of the head */
    mpfi_t scale, t, u, z, dd;
    mpfr_prec_t prec;
} enclosures;

static void enc_free(enclosures *e)
{
    ns_ref_intervals_free(e->o, e->nq * e->ndv);
    ns_ref_intervals_free(e->lse, e->nq);
    ns_ref_intervals_free(e->dq, e->dq ? e->nq * e->nd : 0);
    ns_ref_intervals_free(e->dk, e->dk ? e->nk * e->nd : 0);
    ns_ref_intervals_free(e->dv, e->dv ? e->nk * e->ndv : 0);
    ns_ref_intervals_free(e->s, e->nk);
    ns_ref_intervals_free(e->p, e->nk);
    ns_ref_intervals_free(e->dp, e->nk);
    ns_ref_intervals_free(e->ds, e->ds ? e->nq * e->nk : 0);
    ns_mpfi_clears(e->scale, e->t, e->u, e->z, e->dd, (mpfi_ptr)0);
}

static int enc_init(const ns_head *h, mpfr_prec_t prec, enclosures *e)
{
    *e = (enclosures){ .nq = h->n_q, .nk = h->n_k, .nd = h->d, .ndv = h->d_v, .prec = prec };
    ns_mpfi_inits2(prec, e->scale, e->t, e->u, e->z, e->dd, (mpfi_ptr)0);
    e->o = ns_ref_intervals(e->nq * e->ndv, prec);
    e->lse = ns_ref_intervals(e->nq, prec);
    e->s = ns_ref_intervals(e->nk, prec);
    e->p = ns_ref_intervals(e->nk, prec);
    e->dp = ns_ref_intervals(e->nk, prec);
    int ok = e->o && e->lse && e->s && e->p && e->dp;
    if (h->dout) {
        e->dq = ns_ref_intervals(e->nq * e->nd, prec);
        e->dk = ns_ref_intervals(e->nk * e->nd, prec);
        e->dv = ns_ref_intervals(e->nk * e->ndv, prec);
        e->ds = ns_ref_intervals(e->nq * e->nk, prec);
        ok = ok && e->dq && e->dk && e->dv && e->ds;
    }
    if (!ok) {
        enc_free(e);
        return -1;
    }
    return 0;
}

/* out = sum_i a[i sa] b[i sb], exactly at prec >= 106. */
static void dot(enclosures *e, mpfi_ptr out, const double *a, size_t sa, const double *b, size_t sb, size_t n)
{
    mpfi_set_ui(out, 0);
    for (size_t i = 0; i < n; i++) {
        mpfi_set_d(e->t, a[i * sa]);
        mpfi_mul_d(e->t, e->t, b[i * sb]);
        mpfi_add(out, out, e->t);
    }
}

/* out = sum_i x[i sx] . d[i sd] for intervals x and doubles d. */
static void dot_id(enclosures *e, mpfi_ptr out, mpfi_srcptr x, size_t sx, const double *d, size_t sd, size_t n)
{
    mpfi_set_ui(out, 0);
    for (size_t i = 0; i < n; i++) {
        mpfi_mul_d(e->t, &x[i * sx], d[i * sd]);
        mpfi_add(out, out, e->t);
    }
}

static void enclose(const ns_head *h, enclosures *e)
{
    size_t nk = e->nk, d = e->nd, dv = e->ndv;
    if (h->scale_exact) {
        mpfi_set_d(e->scale, (double)d);
        mpfi_sqrt(e->scale, e->scale);
        mpfi_ui_div(e->scale, 1, e->scale);
    } else {
        mpfi_set_d(e->scale, h->scale);
    }
    if (h->dout)
        ns_ref_set_zero_all(e->dv, nk * dv);
    mpfr_t mid;
    mpfr_init2(mid, 53);
    for (size_t i = 0; i < e->nq; i++) {
        const double *q = h->q + i * d;
        double m = -INFINITY;
        for (size_t j = 0; j < nk; j++) {
            if (!ns_head_keeps(h, i, j))
                continue;
            dot(e, &e->s[j], q, 1, h->k + j * d, 1, d);
            mpfi_mul(&e->s[j], &e->s[j], e->scale);
            mpfi_mid(mid, &e->s[j]);
            double mj = mpfr_get_d(mid, MPFR_RNDN);
            if (mj > m || isnan(mj))
                m = isnan(mj) ? m : mj;
        }
        if (m == -INFINITY) {      /* no key: O = 0, LSE = -inf, no gradient */
            ns_ref_set_zero_all(&e->o[i * dv], dv);
            mpfi_set_d(&e->lse[i], -INFINITY);
            if (h->dout)
                ns_ref_set_zero_all(&e->ds[i * nk], nk);
            continue;
        }
        mpfi_set_ui(e->z, 0);
        for (size_t j = 0; j < nk; j++) {
            if (!ns_head_keeps(h, i, j)) {
                mpfi_set_ui(&e->p[j], 0);
                continue;
            }
            mpfi_sub_d(&e->p[j], &e->s[j], m);
            mpfi_exp(&e->p[j], &e->p[j]);
            mpfi_add(e->z, e->z, &e->p[j]);
        }
        mpfi_log(&e->lse[i], e->z);
        mpfi_add_d(&e->lse[i], &e->lse[i], m);
        for (size_t j = 0; j < nk; j++)
            mpfi_div(&e->p[j], &e->p[j], e->z);
        for (size_t c = 0; c < dv; c++)
            dot_id(e, &e->o[i * dv + c], e->p, 1, h->v + c, dv, nk);
        if (!h->dout)
            continue;
        const double *go = h->dout + i * dv;
        mpfi_set_ui(e->dd, 0);
        for (size_t j = 0; j < nk; j++) {
            dot(e, &e->dp[j], go, 1, h->v + j * dv, 1, dv);
            mpfi_mul(e->t, &e->p[j], &e->dp[j]);
            mpfi_add(e->dd, e->dd, e->t);
        }
        for (size_t j = 0; j < nk; j++) {
            mpfi_sub(e->t, &e->dp[j], e->dd);
            mpfi_mul(&e->ds[i * nk + j], &e->p[j], e->t);
            for (size_t c = 0; c < dv; c++) {
                mpfi_mul_d(e->t, &e->p[j], go[c]);
                mpfi_add(&e->dv[j * dv + c], &e->dv[j * dv + c], e->t);
            }
        }
    }
    mpfr_clear(mid);
    if (!h->dout)
        return;
    for (size_t i = 0; i < e->nq; i++)
        for (size_t t = 0; t < d; t++) {
            dot_id(e, &e->dq[i * d + t], &e->ds[i * nk], 1, h->k + t, d, nk);
            mpfi_mul(&e->dq[i * d + t], &e->dq[i * d + t], e->scale);
        }
    for (size_t j = 0; j < nk; j++)
        for (size_t t = 0; t < d; t++) {
            dot_id(e, &e->dk[j * d + t], &e->ds[j], nk, h->q + t, d, e->nq);
            mpfi_mul(&e->dk[j * d + t], &e->dk[j * d + t], e->scale);
        }
}

/* Rounds n enclosures into out; the number left uncertain (then the
 * rounding of the midpoint, or of a tie to even as ns_ref_eval does). */
static size_t round_all(mpfi_srcptr v, double *out, size_t n, int last)
{
    size_t left = 0;
    for (size_t i = 0; i < n; i++) {
        if (ns_ref_round(&v[i], &out[i]))
            continue;
        left++;
        if (last) {
            mpfr_t mid;
            mpfr_init2(mid, mpfi_get_prec(&v[i]));
            mpfi_mid(mid, &v[i]);
            out[i] = mpfr_get_d(mid, MPFR_RNDN);
            mpfr_clear(mid);
        }
    }
    return left;
}

int ns_attn_ref_mpfi_fill(const ns_head *h, ns_attn_ref *ref)
{
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    int rc = 0;
    for (mpfr_prec_t prec = START_PREC;; prec *= 2) {
        enclosures e;
        if (enc_init(h, prec, &e) != 0) {
            rc = -1;
            break;
        }
        enclose(h, &e);
        int last = prec >= MAX_PREC;
        size_t left = round_all(e.o, ref->o, h->n_q * h->d_v, last) + round_all(e.lse, ref->lse, h->n_q, last);
        if (h->dout)
            left += round_all(e.dq, ref->dq, h->n_q * h->d, last) + round_all(e.dk, ref->dk, h->n_k * h->d, last) +
                    round_all(e.dv, ref->dv, h->n_k * h->d_v, last);
        enc_free(&e);
        if (left == 0 || last) {
            ref->uncertain = left;
            break;
        }
    }
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
    /* the largest |s_ij|, from the rounded scores (no certification needed) */
    ref->max_score = 0;
    for (size_t i = 0; i < h->n_q; i++)
        for (size_t j = 0; j < h->n_k; j++)
            if (ns_head_keeps(h, i, j)) {
                double t = 0;
                for (size_t c = 0; c < h->d; c++)
                    t += h->q[i * h->d + c] * h->k[j * h->d + c];
                t = fabs(t * h->scale);
                if (t > ref->max_score)
                    ref->max_score = t;
            }
    return rc;
}
