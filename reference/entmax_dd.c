/* The fast tier of the entmax reference (reference/entmax.c) for the
 * closed forms: alpha = 2 is sparsemax (the same exact rationals, so
 * sparsemax's tier), alpha = 1.5 is computed here; any other alpha stays
 * with MPFR.
 *
 * alpha = 1.5, in the reference's shifted form: u_i = (x_i - m) / 2 (m the
 * largest x), y_i = (u_i + t)_+^2, h_i = (u_i + t)_+.
 *
 * The support is a discrete decision, and it is proven, never guessed.
 * With s_0 >= s_1 >= ... the finite entries, entry j is in it iff
 *     F_j = sum_{i<j} ((s_i - s_j) / 2)^2 < 1,
 * an entry exactly at the threshold (F_j = 1) is out.  F_j - 1 is first
 * enclosed in double-double intervals, F_j = P2 - 2 u_j P1 + j u_j^2 with
 * P1, P2 the sums of u_i and u_i^2 over i < j; when that enclosure does not
 * decide the sign, sum_{i<j} (s_i - s_j)^2 - 4 is summed exactly as an
 * expansion (ddi_exact.h) of the TwoSum differences' squares.
 *
 * On the support (k entries), with A, B, G, C the sums of u, u^2, g' and
 * u g' (g' = g - g_m):
 *     D = A^2 - k (B - 1),  R = sqrt(D) = sum h,  T = (R - A) / k,
 *     v_i = u_i + T,  y_i = v_i^2,  W = (C + T G) / R,  dx_i = v_i (g'_i - W);
 * a gradient constant on the support gives exact zeros (+0).  Off the
 * support y and dx are exact zeros.
 *
 * What stays with MPFR: any other alpha, an x of magnitude beyond
 * [2^-440, 2^440] (besides 0), a difference whose square an expansion
 * cannot hold exactly, cancellation below double-double's accuracy, and
 * exact ties. */
#include "tier.h"

#include <math.h>
#include <stdlib.h>

#include "ddi.h"
#include "ddi_exact.h"

#define UNDECIDED 2

static int product_exact(double a, double b)
{
    return a == 0 || b == 0 || fabs(a * b) >= 0x1p-960;
}

/* The sign of sum_{i<j} (s_i - s_j)^2 - 4, exactly (e: room for 6 j + 1
 * components), or UNDECIDED when a square's parts would underflow.  With
 * s_i - s_j = d + l exactly (TwoSum), the square is d d + 2 d l + l l. */
static int exact_side(const double *s, size_t j, double *e)
{
    size_t len = 0;
    for (size_t i = 0; i < j; i++) {
        double d = s[i] - s[j], bb = d - s[i];
        double l = (s[i] - (d - bb)) + (-s[j] - bb);
        if (!product_exact(d, d) || !product_exact(2 * d, l) || !product_exact(l, l))
            return UNDECIDED;
        ns_exp_add_product(e, &len, d, d);
        ns_exp_add_product(e, &len, 2 * d, l);
        ns_exp_add_product(e, &len, l, l);
    }
    ns_exp_add(e, &len, -4);
    return ns_exp_sign(e, len);
}

static ddi half_diff(double a, double b)
{
    return ddi_mul(ddi_diff(a, b), ddi_from_double(0.5));
}

/* The smallest x in the support (from the sorted finite entries s[0..nf)),
 * or NAN when undecided. */
static double support_lowest(const double *s, size_t nf, double *e)
{
    ddi p1 = ddi_from_double(0), p2 = p1, one = ddi_from_double(1);
    double lowest = s[0];
    for (size_t j = 1; j < nf; j++) {
        ddi ui = half_diff(s[j - 1], s[0]), uj = half_diff(s[j], s[0]);
        p1 = ddi_add(p1, ui);
        p2 = ddi_add(p2, ddi_mul(ui, ui));
        ddi f = ddi_sub(p2, ddi_mul(ddi_add(uj, uj), p1));
        f = ddi_add(f, ddi_mul(ddi_from_double((double)j), ddi_mul(uj, uj)));
        int side = ns_ddi_sign(ddi_sub(f, one));
        if (side == 0)
            side = exact_side(s, j, e);
        if (side == UNDECIDED)
            return NAN;
        if (side >= 0)
            break;
        lowest = s[j];
    }
    return lowest;
}

static int entmax15_dd(const ns_ref_input *in, double *y, double *dx)
{
    const double *x = in->x, *g = in->g;
    size_t n = in->n, km = ns_ref_argmax(x, n);
    if (km == n)                                 /* all masked: zero denominator */
        return ns_ref_tier_zeros(n, y, dx);
    size_t nf;
    double *s = ns_ref_tier_sorted(x, n, 0x1p440, 6 * n + 1, &nf);   /* then an expansion */
    if (!s)
        return 0;
    double lowest = support_lowest(s, nf, s + n), m = x[km];
    free(s);
    if (isnan(lowest))
        return 0;

    ddi zero = ddi_from_double(0), a = zero, b = zero, gs = zero, c = zero;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (x[i] == -INFINITY || x[i] < lowest)
            continue;
        k++;
        ddi u = half_diff(x[i], m);
        a = ddi_add(a, u);
        b = ddi_add(b, ddi_mul(u, u));
        if (dx) {
            ddi gp = ddi_diff(g[i], g[km]);
            gs = ddi_add(gs, gp);
            c = ddi_add(c, ddi_mul(u, gp));
        }
    }
    ddi kk = ddi_from_double((double)k);
    ddi d = ddi_sub(ddi_mul(a, a), ddi_mul(kk, ddi_sub(b, ddi_from_double(1))));
    ddi r = ddi_sqrt(d);
    ddi t = ddi_div(ddi_sub(r, a), kk);
    ddi w = ddi_div(ddi_add(c, ddi_mul(t, gs)), r);
    for (size_t i = 0; i < n; i++) {
        if (x[i] == -INFINITY || x[i] < lowest) {
            y[i] = 0.0;
            if (dx)
                dx[i] = 0.0;
            continue;
        }
        ddi v = ddi_add(half_diff(x[i], m), t);
        if (!ns_ddi_round(ddi_mul(v, v), &y[i]))
            return 0;
        if (dx && !ns_ddi_round(ddi_mul(v, ddi_sub(ddi_diff(g[i], g[km]), w)), &dx[i]))
            return 0;
    }
    return 1;
}

int ns_ref_entmax_dd(const ns_ref_input *in, double *y, double *dx)
{
    double alpha = in->param ? in->param[0] : 1.5;
    if (alpha == 2)
        return ns_ref_sparsemax_dd(in, y, dx);
    if (alpha == 1.5)
        return entmax15_dd(in, y, dx);
    return 0;
}
