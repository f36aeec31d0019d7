/* Reference for ratio(h) families whose h is a polynomial: exact rational
 * arithmetic (GMP's mpq), rounded into the enclosure only at the end.
 *
 * Every double is a dyadic rational, so h(x_i), h'(x_j), S = sum h(x_i) and
 * T = sum g_i h(x_i) are exact, and
 *     y_i  = h(x_i) / S,
 *     dx_j = h'(x_j) / S * (g_j - T / S) = h'(x_j) (g_j S - T) / S^2
 * are exact rationals: the enclosure is that rational rounded outward at the
 * working precision, a point whenever the value is a double, exactly [0, 0]
 * for every exact zero (h = 0, h' = 0, a constant g).  The working precision
 * only decides how the rational is rounded.  The numbers stay small: with
 * |x| < 2^1024 and x a multiple of 2^-1074 a square needs at most 4200 bits.
 *
 * Where S = 0 the output and the gradient are zeros (SPEC section 3); where
 * h is not finite (a masked entry for which the family's h is infinite) the
 * whole row is outside the domain and every entry is NaN. */
#ifndef NS_REF_RATIO_H
#define NS_REF_RATIO_H

#include <gmp.h>
#include <math.h>

#include "ref.h"

/* out = h(x) (or h'(x)) exactly for the family's parameters; returns 0 when
 * the value is not a finite number (x = -inf for h unbounded there). */
typedef int (*ns_ref_rational)(mpq_ptr out, double x, const double *param);

static inline void ns_ref_ratio_enclose(const ns_ref_input *in, mpfi_ptr y, mpfi_ptr dx,
                                        ns_ref_rational h, ns_ref_rational dh)
{
    size_t n = in->n;
    mpq_t s, t, hi, gi;
    mpq_inits(s, t, hi, gi, NULL);
    int defined = 1;
    for (size_t i = 0; i < n && defined; i++) {   /* s = S, t = T */
        defined = h(hi, in->x[i], in->param);
        mpq_add(s, s, hi);
        if (in->g) {
            mpq_set_d(gi, in->g[i]);
            mpq_mul(hi, hi, gi);
            mpq_add(t, t, hi);
        }
    }
    if (!defined) {
        ns_ref_set_nan_row(y, dx, n);
    } else if (mpq_sgn(s) == 0) {                 /* zero-denominator convention */
        ns_ref_set_zero_row(y, dx, n);
    } else {
        for (size_t i = 0; i < n; i++) {
            h(hi, in->x[i], in->param);
            mpq_div(hi, hi, s);
            mpfi_set_q(&y[i], hi);
        }
        if (dx) {
            mpq_mul(hi, s, s);                    /* t = T / S^2, s = 1 / S */
            mpq_div(t, t, hi);
            mpq_inv(s, s);
            for (size_t j = 0; j < n; j++) {      /* h'_j (g_j / S - T / S^2) */
                mpq_set_d(gi, in->g[j]);
                mpq_mul(gi, gi, s);
                mpq_sub(gi, gi, t);
                dh(hi, in->x[j], in->param);
                mpq_mul(hi, hi, gi);
                mpfi_set_q(&dx[j], hi);
            }
        }
    }
    mpq_clears(s, t, hi, gi, NULL);
}

/* A polynomial ratio family's enclose(), named name: ns_ref_ratio_enclose with
 * its h and h'.  The rationals are exact, so the working precision only
 * rounds the result (ns_ref_ratio_enclose sets the intervals at theirs). */
#define NS_REF_RATIO_ENCLOSE(name, h, dh) \
    static void name(const ns_ref_input *in, mpfr_prec_t prec, mpfi_ptr y, mpfi_ptr dx) \
    { \
        (void)prec; \
        ns_ref_ratio_enclose(in, y, dx, h, dh); \
    }

#endif
