/* The fast tier of the softpick reference (reference/softpick.c): the same
 * formula in double-double intervals.  With c = max(max x, 0), k the first
 * argmax, D' = D e^{-c} = sum_{x_i > 0} a_i + N' and
 *     a_i = e^{x_i - c} (-expm1(-x_i))  (x_i > 0),
 *     N' = e^{-c} (eps + sum_{x_i < 0} (-expm1(x_i)))  (masked: 1 each),
 *     y_i = a_i / D' (x_i > 0, else exactly 0),
 *     dx_j = e^{x_j - c} / D' u_j,  u_j = (g_j - g_k) - <g - g_k, y> +
 *            g_k N' / D'  (x_j > 0),  <g, y>  (x_j < 0),  0 (x_j = 0, masked).
 * Exact zeros stay exact as in MPFI (a constant g on the positive entries
 * with eps = 0 and nothing negative gives dx = 0).
 *
 * An exponential below e^-600 is enclosed by [0, 2^-865]; entries that then
 * depend on it do not settle.  A negative or non-finite eps is left to MPFR. */
#include "tier.h"

#include <math.h>
#include <stdlib.h>

#include "ddi.h"

static ddi neg(ddi a) { return (ddi){ -a.hi, -a.lo, a.r }; }

int ns_ref_softpick_dd(const ns_ref_input *in, double *y, double *dx)
{
    size_t n = in->n, k = ns_ref_argmax(in->x, n);
    const double *x = in->x;
    double eps = in->param[0];
    if (!(eps >= 0 && eps < INFINITY))
        return 0;
    int any_positive = k < n && x[k] > 0;
    double c = any_positive ? x[k] : 0.0;
    int all_zero = 1;
    for (size_t i = 0; i < n; i++)
        all_zero = all_zero && x[i] == 0;
    if (all_zero && eps == 0)
        return ns_ref_tier_zeros(n, y, dx);

    ddi *a = malloc(2 * n * sizeof *a);
    if (!a)
        return 0;
    ddi *ex = a + n;                                       /* e^{x_i - c}, x_i > 0 */
    ddi shift = ddi_exp_or_tiny(ddi_from_double(-c));
    ddi rest = ddi_mul(shift, ddi_from_double(eps));      /* N' */
    ddi d = ddi_from_double(0);
    for (size_t i = 0; i < n; i++) {
        a[i] = ddi_from_double(0);
        if (x[i] > 0) {
            ex[i] = ddi_exp_or_tiny(ddi_diff(x[i], c));
            a[i] = ddi_mul(ex[i], neg(ddi_expm1(ddi_from_double(-x[i]))));
            d = ddi_add(d, a[i]);
        } else if (x[i] < 0) {
            rest = ddi_add(rest, x[i] == -INFINITY ? shift
                                                   : ddi_mul(neg(ddi_expm1(ddi_from_double(x[i]))), shift));
        }
    }
    d = ddi_add(d, rest);
    ddi inv_d = ddi_div(ddi_from_double(1), d);   /* one division: v (1/d) encloses v / d */
    int ok = 1;
    for (size_t i = 0; ok && i < n; i++) {
        if (x[i] > 0)
            a[i] = ddi_mul(a[i], inv_d);      /* a holds y from here on */
        ok = ddi_round(a[i], &y[i]);
    }
    if (ok && dx) {
        const double *g = in->g;
        double gk = any_positive ? g[k] : 0.0;
        ddi gy = ddi_from_double(0), gy_shifted = ddi_from_double(0);
        for (size_t i = 0; i < n; i++) {
            if (!(x[i] > 0))
                continue;
            gy = ddi_add(gy, ddi_mul(a[i], ddi_from_double(g[i])));
            gy_shifted = ddi_add(gy_shifted, ddi_mul(ddi_diff(g[i], gk), a[i]));
        }
        ddi restq = ddi_mul(ddi_mul(rest, inv_d), ddi_from_double(gk));   /* g_k (1 - sum y) */
        for (size_t j = 0; ok && j < n; j++) {
            if (x[j] == 0 || x[j] == -INFINITY) {
                dx[j] = 0.0;
                continue;
            }
            ddi u = x[j] > 0 ? ddi_add(ddi_sub(ddi_diff(g[j], gk), gy_shifted), restq) : gy;
            ddi e = x[j] > 0 ? ex[j] : ddi_exp_or_tiny(ddi_diff(x[j], c));
            ok = ddi_round(ddi_mul(ddi_mul(e, inv_d), u), &dx[j]);
        }
    }
    free(a);
    return ok;
}
