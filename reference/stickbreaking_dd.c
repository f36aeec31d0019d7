/* The fast tier of the stickbreaking reference (reference/stickbreaking.c):
 * the same computation in double-double intervals with an exponent
 * (ddi_range.h), since the products of a long row fall far below any
 * floating-point range:
 *     y_i = sigma(x_i) prod_{k>i} sigma(-x_k),
 *     dx_j = g_j y_j sigma(-x_j) - sigma(x_j) sum_{i<j} g_i y_i,
 * with sigma(x) = 1 / (1 + E), sigma(-x) = E / (1 + E), E = e^{-x}.
 *
 * Zeros.  A masked entry gives exact zeros, as in MPFI.  A y that rounds to
 * zero is positive, and MPFI's enclosure of it never lies below zero: +0.
 * A dx that rounds to zero takes the sign of MPFI's enclosure (ddi_range.h),
 * which is known when |dx_j| > 2^-40 A_j, A_j = |g_j| y_j sigma(-x_j) +
 * sigma(x_j) sum_{i<j} |g_i| y_i: MPFI at its first precision p >= 64 +
 * 2 log2 n rounds each of the about 4n operations behind dx_j outward by
 * at most 2^-p of its magnitude, so its enclosure is narrower than
 * (4n + 16) 2^-p A_j < 2^-56 A_j, and lies on the side of the true value.
 * That holds while MPFR's exponent range holds e^{|x|}: rows with an entry
 * beyond 2^50 in magnitude are left to MPFR. */
#include "tier.h"

#include <math.h>
#include <stdlib.h>

#include "ddi_range.h"

#define SIGN_MARGIN 40

/* sigma(x) and sigma(-x) for a finite x. */
static void sigmas(double x, ddix *s, ddix *sm)
{
    ddi mx = ddi_from_double(-x);
    if (fabs(x) <= 600) {                    /* every value in ddi's range */
        ddi e = ddi_exp(mx), one = ddi_from_double(1), den = ddi_add(one, e);
        *s = ddix_of(ddi_div(one, den));
        *sm = ddix_of(ddi_div(e, den));
        return;
    }
    ddix e = ddix_exp(mx), one = ddix_of(ddi_from_double(1)), den = ddix_add(one, e);
    *s = ddix_div(one, den);
    *sm = ddix_div(e, den);
}

int ns_ref_stickbreaking_dd(const ns_ref_input *in, double *y, double *dx)
{
    size_t n = in->n;
    for (size_t i = 0; i < n; i++)
        if (in->x[i] != -INFINITY && !(fabs(in->x[i]) <= 0x1p50))
            return 0;
    ddix *v = malloc(3 * (n ? n : 1) * sizeof *v);
    if (!v)
        return 0;
    ddix *yv = v, *s = v + n, *sm = v + 2 * n;
    const ddix zero = ddix_of(ddi_from_double(0)), one = ddix_of(ddi_from_double(1));
    ddix rest = one;                         /* prod_{k>i} sigma(-x_k) */
    int ok = 1;
    for (size_t i = n; ok && i-- > 0;) {
        if (in->x[i] == -INFINITY) {
            s[i] = zero;
            sm[i] = one;
        } else {
            sigmas(in->x[i], &s[i], &sm[i]);
        }
        yv[i] = ddix_mul(s[i], rest);
        rest = ddix_mul(rest, sm[i]);
        ok = ddix_round(yv[i], 1, &y[i]);
    }
    if (ok && dx) {
        ddix p = zero, pabs = zero;          /* sum_{i<j} g_i y_i, and of |g_i| y_i */
        for (size_t j = 0; ok && j < n; j++) {
            ddix g = ddix_of(ddi_from_double(in->g[j]));
            ddix first = ddix_mul(ddix_mul(g, yv[j]), sm[j]);
            ddix d = ddix_add(first, ddix_neg(ddix_mul(s[j], p)));
            if (!ddix_round(d, 0, &dx[j])) {
                ddix a = ddix_add(ddix_abs(first), ddix_mul(s[j], pabs));
                ok = ddix_round(d, ddix_exceeds(d, a, SIGN_MARGIN) ? ddix_sign(d) : 0, &dx[j]);
            }
            ddix gy = ddix_mul(g, yv[j]);
            p = ddix_add(p, gy);
            pabs = ddix_add(pabs, ddix_abs(gy));
        }
    }
    free(v);
    return ok;
}
