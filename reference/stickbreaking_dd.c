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
 * beyond 2^50 in magnitude are left to MPFR.
 *
 * Rows with every |x| <= 600 run first in plain ddi (ddi.h), only the
 * products carrying an exponent (row_in_range): a ddix renormalises after
 * every operation.  A row that does not settle there (a value out of
 * range, or an entry that did not settle) runs again all in ddix. */
#include "tier.h"

#include <math.h>
#include <stdlib.h>

#include "ddi_range.h"

#define SIGN_MARGIN 40

/* Values far below 1 as a ddi times 2^e (e <= 0), rescaled only when the
 * ddi falls below 2^-20: one factor sigma(-x) >= e^-600 / 2 > 2^-867 then
 * keeps every product within ddi's range. */
typedef struct scaled {
    ddi a;
    int e;
} scaled;

static scaled rescaled(scaled v)
{
    if (!(v.a.hi < 0x1p-20) || v.a.hi == 0 || !ddi_valid(v.a))
        return v;
    int k = -ilogb(v.a.hi);          /* scaling up by 2^k is exact */
    return (scaled){ { ldexp(v.a.hi, k), ldexp(v.a.lo, k), ldexp(v.a.r, k) }, v.e - k };
}

/* The double every member of a 2^e rounds to (ddi_range.h's ddix_round). */
static int round_scaled(ddi a, int e, int mpfi_sign, double *out)
{
    if (e == 0 || ddi_is_exact_zero(a))
        return ddi_round(a, out);    /* a valid ddi never rounds to a zero */
    ddix v = ddix_of(a);
    if (!ddix_valid(v))
        return 0;
    v.e += e;
    return ddix_round(v, mpfi_sign, out);
}

/* The row with |x| <= 600 in ddi (ddi.h), sigma(-x) as E sigma(x), the
 * products prod_{k>i} sigma(-x_k) as scaled values, and
 *     dx_j = R_j s_j (g_j s'_j - q_j),  R_j = prod_{k>j} s'_k,
 *     q_0 = 0,  q_{j+1} = s'_{j+1} (q_j + g_j s_j),
 * (s = sigma(x), s' = sigma(-x)), so that sum_{i<j} g_i y_i = R_j q_j and
 * A_j (above) = R_j s_j (|g_j| s'_j + qa_j), qa as q with |g|: the sign
 * test |dx_j| > 2^-40 A_j is |g_j s'_j - q_j| > 2^-40 (|g_j| s'_j + qa_j).
 * 1 when every entry settled, 0 otherwise (not settled, or a value left
 * ddi's range, which makes it invalid and never settles). */
static int row_in_range(const ns_ref_input *in, ddi *v, int *ve, double *y, double *dx)
{
    size_t n = in->n;
    ddi *rest = v, *s = v + n, *sm = v + 2 * n;
    const ddi zero = ddi_from_double(0), one = ddi_from_double(1);
    scaled r = { one, 0 };                   /* prod_{k>i} sigma(-x_k) */
    for (size_t i = n; i-- > 0;) {
        double x = in->x[i];
        if (x == -INFINITY) {
            s[i] = zero;
            sm[i] = one;
        } else if (fabs(x) <= 600) {
            ddi e = ddi_exp(ddi_from_double(-x));
            s[i] = ddi_div(one, ddi_add(one, e));
            sm[i] = ddi_mul(e, s[i]);
        } else {
            return 0;
        }
        rest[i] = r.a;
        ve[i] = r.e;
        if (!round_scaled(ddi_mul(s[i], r.a), r.e, 1, &y[i]))
            return 0;
        r = rescaled((scaled){ ddi_mul(r.a, sm[i]), r.e });
        if (r.e < -(1 << 28))
            return 0;                        /* left to ddix's own floor */
    }
    if (!dx)
        return 1;
    ddi q = zero, qa = zero;
    for (size_t j = 0; j < n; j++) {
        ddi g = ddi_from_double(in->g[j]), gsm = ddi_mul(g, sm[j]);
        ddi t = ddi_sub(gsm, q);
        ddi d = ddi_mul(rest[j], ddi_mul(s[j], t));
        if (!ddi_valid(d))
            return 0;
        if (!round_scaled(d, ve[j], 0, &dx[j])) {
            ddix tx = ddix_of(t);
            ddix ta = ddix_of(ddi_add(ddi_mul(ddi_from_double(fabs(in->g[j])), sm[j]), qa));
            if (!round_scaled(d, ve[j], ddix_exceeds(tx, ta, SIGN_MARGIN) ? ddix_sign(tx) : 0, &dx[j]))
                return 0;
        }
        if (j + 1 < n) {
            q = ddi_mul(sm[j + 1], ddi_add(q, ddi_mul(g, s[j])));
            qa = ddi_mul(sm[j + 1], ddi_add(qa, ddi_mul(ddi_from_double(fabs(in->g[j])), s[j])));
        }
    }
    return 1;
}

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
    ddi *w = malloc(3 * (n ? n : 1) * sizeof *w);
    int *we = malloc((n ? n : 1) * sizeof *we);
    int settled = w && we && row_in_range(in, w, we, y, dx);
    free(w);
    free(we);
    if (settled)
        return 1;
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
