/* Reference for softmax1: with c = max(0, max x), e_i = e^{x_i - c} and
 * s = e^{-c} + sum_j e_j,
 *     y_i = e_i / s,   dx_i = y_i (g_i - <g, y>) = e_i (g_i s - sum_j g_j e_j) / s^2.
 *
 * The shift by max(0, max x) keeps every exponent <= 0 and puts a 1 in the
 * denominator (e^{-c} = 1 or e^{x_k - c} = 1), so nothing overflows and the
 * denominator lies in [1, n + 1].  Unlike softmax, sum y < 1, so g cannot be
 * shifted by a constant; the gradient is formed from e and s before any
 * division, so that a cancellation that is exact (e = 1, s an integer) gives
 * an exact 0 instead of an interval around it.
 *
 * Masked entries (x_i = -inf): y_i = 0 and dx_i = 0 exactly, the limit of
 * the definition.  An all-masked row is not a zero denominator: its sum is
 * 1, and y = 0, dx = 0 by the definition itself. */
#include "ref.h"
#include "tier.h"

#include <math.h>

static void softmax1_enclose(const ns_ref_input *in, mpfr_prec_t prec, mpfi_ptr y, mpfi_ptr dx)
{
    size_t n = in->n, k = ns_ref_argmax(in->x, n);
    double c = k < n && in->x[k] > 0 ? in->x[k] : 0.0;
    mpfi_t s, t;
    ns_mpfi_inits2(prec, s, t, (mpfi_ptr)0);
    mpfi_set_d(s, -c);                       /* s = e^{-c} + sum_j e^{x_j - c} */
    mpfi_exp(s, s);
    for (size_t i = 0; i < n; i++) {
        if (in->x[i] == -INFINITY) {
            mpfi_set_ui(&y[i], 0);
            continue;
        }
        ns_mpfi_diff(&y[i], in->x[i], c);
        mpfi_exp(&y[i], &y[i]);
        mpfi_add(s, s, &y[i]);
    }
    if (dx) {                                /* before y is divided by s */
        mpfi_t ge;
        mpfi_init2(ge, prec);
        mpfi_set_ui(ge, 0);                  /* ge = sum_j g_j e_j */
        for (size_t i = 0; i < n; i++) {
            mpfi_mul_d(t, &y[i], in->g[i]);
            mpfi_add(ge, ge, t);
        }
        for (size_t i = 0; i < n; i++) {
            mpfi_mul_d(t, s, in->g[i]);
            mpfi_sub(t, t, ge);
            mpfi_mul(&dx[i], &y[i], t);
            mpfi_div(&dx[i], &dx[i], s);
            mpfi_div(&dx[i], &dx[i], s);
        }
        mpfi_clear(ge);
    }
    ns_ref_div_all(y, n, s);
    ns_mpfi_clears(s, t, (mpfi_ptr)0);
}

const ns_reference ns_ref_softmax1 = { .family = "softmax1", .enclose = softmax1_enclose,
                                       .tier = ns_ref_softmax1_dd };
