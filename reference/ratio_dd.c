/* The fast tiers of the ratio(h) references whose h is a polynomial
 * (reference/ratio.h): relu.norm, relu2.norm, spherical and taylor, the same
 * definition in double-double intervals:
 *     y_i  = h(x_i) / S,                 S = sum_j h(x_j),
 *     dx_j = h'(x_j) (g'_j - W) / S,     W = sum_i h(x_i) g'_i / S,
 * with g' = g - g_k, k the entry of the largest h, in place of g (the
 * gradient is the same: sum_i h_i (g_j - g_i) does not change when g
 * shifts).  A gradient constant over the entries where h > 0, or a single
 * entry with h > 0, then gives W and g'_j - W as exact zeros, so those
 * exact-zero gradients settle (+0, as the reference's exact [0, 0]).
 *
 * Exact values.  Every quantity here is a rational in the doubles x, g (the
 * reference computes it so, in GMP), so an entry whose enclosure does not
 * settle (an exact tie, an exact zero, a deep cancellation) is rounded
 * exactly instead (ddi_exact.h), from expansions of
 *     y_i = h_i / S,   dx_j = h'_j P_j / S^2,   P_j = g'_j S - T,
 * T = sum h_i g'_i: ties go to even and exact zeros are +0, as in the
 * reference.
 *
 * The special values follow ratio.h: an h that is infinite (a masked entry
 * of spherical or taylor) makes every entry NaN; S = 0 (every h exactly 0)
 * gives zeros.  S is an exact-zero interval only when every h is one.
 *
 * What stays with MPFR: a square beyond double-double's range (|x| above
 * 2^450 or nonzero below 2^-450, see ddi.h), and an entry that neither the
 * interval nor the exact sums decide (a product in them that could
 * underflow, or sums too long for ns_exact). */
#include "tier.h"

#include <math.h>
#include <stdlib.h>

#include "ddi.h"
#include "ddi_exact.h"

/* h(x) and h'(x) for x finite or -inf, as intervals; 0 when h(x) is
 * infinite (outside the family's domain). */
typedef int (*ratio_h)(double x, const double *param, ddi *h, ddi *dh);
/* The same exactly, for x in the domain (h, dh initialised and empty). */
typedef void (*ratio_exact)(double x, const double *param, ns_exact *h, ns_exact *dh);

typedef struct ratio_family {
    ratio_h h;
    ratio_exact exact;
} ratio_family;

static int relu_h(double x, const double *param, ddi *h, ddi *dh)
{
    (void)param;
    *h = ddi_from_double(x > 0 ? x : 0.0);   /* relu(-inf) = 0, relu'(0) = 0 */
    *dh = ddi_from_double(x > 0);
    return 1;
}

static void relu_exact(double x, const double *param, ns_exact *h, ns_exact *dh)
{
    (void)param;
    if (x > 0) {
        ns_exact_add(h, x);
        ns_exact_add(dh, 1);
    }
}

static int relu2_h(double x, const double *param, ddi *h, ddi *dh)
{
    (void)param;
    ddi r = ddi_from_double(x > 0 ? x : 0.0);
    *h = ddi_mul(r, r);
    *dh = ddi_add(r, r);
    return 1;
}

static void relu2_exact(double x, const double *param, ns_exact *h, ns_exact *dh)
{
    (void)param;
    if (x > 0) {
        ns_exact_add_product(h, x, x);
        ns_exact_add(dh, 2 * x);
    }
}

static int spherical_h(double x, const double *param, ddi *h, ddi *dh)
{
    if (x == -INFINITY)
        return 0;
    ddi v = ddi_from_double(x);
    *h = ddi_add(ddi_mul(v, v), ddi_from_double(param[0]));
    *dh = ddi_add(v, v);
    return 1;
}

static void spherical_exact(double x, const double *param, ns_exact *h, ns_exact *dh)
{
    ns_exact_add_product(h, x, x);
    ns_exact_add(h, param[0]);
    ns_exact_add(dh, 2 * x);
}

static int taylor_h(double x, const double *param, ddi *h, ddi *dh)
{
    (void)param;
    if (x == -INFINITY)
        return 0;
    ddi v = ddi_from_double(x), one = ddi_from_double(1);
    *dh = ddi_add(one, v);                                   /* 1 + x */
    *h = ddi_add(ddi_mul(ddi_mul(v, v), ddi_from_double(0.5)), *dh);
    return 1;
}

static void taylor_exact(double x, const double *param, ns_exact *h, ns_exact *dh)
{
    (void)param;
    if (x != 0 && !(fabs(x) >= 0x1p-1000))       /* x / 2 must be exact */
        h->ok = 0;
    ns_exact_add_product(h, x * 0.5, x);
    ns_exact_add(h, x);
    ns_exact_add(h, 1);
    ns_exact_add(dh, x);
    ns_exact_add(dh, 1);
}

static void fill(double *v, size_t n, double value)
{
    for (size_t i = 0; i < n; i++)
        v[i] = value;
}

/* ---- the exact decisions ---- */

/* S, T = sum h_i g'_i and S^2, exactly; built when an entry first needs
 * them.  Each is complete or not ok: the loop runs on while either can
 * still be used (y needs only S, so a T that fails must not cut S short). */
typedef struct exact_sums {
    ns_exact s, t, s2;
} exact_sums;

static exact_sums *exact_sums_new(const ns_ref_input *in, const ratio_family *f, size_t k)
{
    exact_sums *e = malloc(sizeof *e);
    if (!e)
        return NULL;
    ns_exact_init(&e->s);
    ns_exact_init(&e->t);
    ns_exact_init(&e->s2);
    ns_exact h, dh;
    for (size_t i = 0; i < in->n && (e->s.ok || e->t.ok); i++) {
        ns_exact_init(&h);
        ns_exact_init(&dh);
        f->exact(in->x[i], in->param, &h, &dh);
        e->s.ok &= h.ok;
        for (size_t c = 0; c < h.len; c++)
            ns_exact_add(&e->s, h.e[c]);
        if (in->g) {                              /* g'_i = d + l exactly (TwoSum) */
            double gi = in->g[i], gk = -in->g[k], d = gi + gk, bb = d - gi;
            double l = (gi - (d - bb)) + (gk - bb);
            ns_exact_add_scaled(&e->t, &h, d);
            ns_exact_add_scaled(&e->t, &h, l);
        }
    }
    for (size_t c = 0; c < e->s.len; c++)
        ns_exact_add_scaled(&e->s2, &e->s, e->s.e[c]);
    e->s2.ok &= e->s.ok;
    return e;
}

/* y_i = h_i / S, rounded exactly; or 0. */
static int exact_y(exact_sums *e, const ratio_family *f, const ns_ref_input *in, size_t i,
                   double *out)
{
    ns_exact h, dh;
    ns_exact_init(&h);
    ns_exact_init(&dh);
    f->exact(in->x[i], in->param, &h, &dh);
    return ns_exact_round_quotient(&h, &e->s, out);
}

/* dx_j = h'_j P_j / S^2, P_j = g'_j S - T, rounded exactly; or 0. */
static int exact_dx(exact_sums *e, const ratio_family *f, const ns_ref_input *in, size_t j,
                    size_t k, double *out)
{
    ns_exact *p = malloc(4 * sizeof *p), *v = p + 1, *h = p + 2, *dh = p + 3;
    if (!p)
        return 0;
    double gj = in->g[j], gk = -in->g[k], d = gj + gk, bb = d - gj;
    double l = (gj - (d - bb)) + (gk - bb);      /* g'_j = d + l exactly (TwoSum) */
    ns_exact_init(p);
    ns_exact_add_scaled(p, &e->s, d);
    ns_exact_add_scaled(p, &e->s, l);
    ns_exact_add_scaled(p, &e->t, -1);
    p->len = ns_exp_compress(p->e, p->len);
    ns_exact_init(h);
    ns_exact_init(dh);
    f->exact(in->x[j], in->param, h, dh);
    ns_exact_init(v);
    v->ok = dh->ok;
    for (size_t c = 0; c < dh->len; c++)
        ns_exact_add_scaled(v, p, dh->e[c]);
    int settled = ns_exact_round_quotient(v, &e->s2, out);
    free(p);
    return settled;
}

/* ---- the tier ---- */

static int ratio_dd(const ns_ref_input *in, double *y, double *dx, const ratio_family *f)
{
    size_t n = in->n;
    ddi *h = malloc(2 * n * sizeof *h);
    if (!h)
        return 0;
    ddi *dh = h + n, s = ddi_from_double(0);
    size_t k = 0;                                /* the largest h */
    for (size_t i = 0; i < n; i++) {
        if (!f->h(in->x[i], in->param, &h[i], &dh[i])) {   /* outside the domain */
            fill(y, n, NAN);
            if (dx)
                fill(dx, n, NAN);
            free(h);
            return 1;
        }
        s = ddi_add(s, h[i]);
        if (h[i].hi > h[k].hi)
            k = i;
    }
    if (ddi_is_exact_zero(s)) {                  /* zero denominator: zeros */
        fill(y, n, 0.0);
        if (dx)
            fill(dx, n, 0.0);
        free(h);
        return 1;
    }
    exact_sums *e = NULL;
    int ok = 1;
    ddi inv = ddi_div(ddi_from_double(1), s);    /* 1 / S: products are cheaper than quotients */
    for (size_t i = 0; ok && i < n; i++) {
        if (ns_ddi_round(ddi_mul(h[i], inv), &y[i]))
            continue;
        if (!e)
            e = exact_sums_new(in, f, k);
        ok = e && exact_y(e, f, in, i, &y[i]);
    }
    if (ok && dx) {
        ddi w = ddi_from_double(0);
        for (size_t i = 0; i < n; i++)
            w = ddi_add(w, ddi_mul(h[i], ddi_diff(in->g[i], in->g[k])));
        w = ddi_mul(w, inv);
        for (size_t j = 0; ok && j < n; j++) {
            ddi v = ddi_mul(ddi_mul(dh[j], ddi_sub(ddi_diff(in->g[j], in->g[k]), w)), inv);
            if (ns_ddi_round(v, &dx[j]))
                continue;
            if (!e)
                e = exact_sums_new(in, f, k);
            ok = e && exact_dx(e, f, in, j, k, &dx[j]);
        }
    }
    free(e);
    free(h);
    return ok;
}

static const ratio_family relu = { relu_h, relu_exact }, relu2 = { relu2_h, relu2_exact },
                          spherical = { spherical_h, spherical_exact }, taylor = { taylor_h, taylor_exact };

int ns_ref_relu_norm_dd(const ns_ref_input *in, double *y, double *dx)
{
    return ratio_dd(in, y, dx, &relu);
}

int ns_ref_relu2_norm_dd(const ns_ref_input *in, double *y, double *dx)
{
    return ratio_dd(in, y, dx, &relu2);
}

int ns_ref_spherical_dd(const ns_ref_input *in, double *y, double *dx)
{
    return ratio_dd(in, y, dx, &spherical);
}

int ns_ref_taylor_dd(const ns_ref_input *in, double *y, double *dx)
{
    return ratio_dd(in, y, dx, &taylor);
}
