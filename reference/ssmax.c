/* Reference for ssmax: y = softmax(z), z = s ln(n) x, evaluated with
 * a = s ln n, e_i = e^{a (x_i - x_k)} and S = sum_j e_j as
 *     y_i = e_i / S,
 *     dx_i = a y_i (g'_i - <g', y>) = a e_i (g'_i S - sum_j g'_j e_j) / S^2,
 * with k the first argmax of x when s >= 0 and the first argmin of the
 * unmasked entries when s < 0, so that every exponent is <= 0 and the
 * k-th term (and every tie) is exactly 1; g' = g - g_0 (sum y = 1) makes a
 * constant g give exactly 0, and forming dx before any division keeps other
 * exact cancellations (uniform rows) exact.  ln n is an enclosure (exactly
 * 0 for n = 1: a uniform softmax, dx = 0).
 *
 * Masked entries (x_i = -inf) are absent: y_i = 0 and dx_i = 0, the limit
 * of the definition for s > 0, n >= 2, and the meaning of a mask for any s
 * (the formula would give 0 * -inf at n = 1 or s = 0, and a weight at +inf
 * for s < 0).  An all-masked row takes the zero-denominator convention: all
 * zeros.  A non-finite s has no reference: every value is NaN. */
#include "ref.h"
#include "tier.h"

#include <math.h>

enum { SSMAX_S };

static void ssmax_enclose(const ns_ref_input *in, mpfr_prec_t prec, mpfi_ptr y, mpfi_ptr dx)
{
    size_t n = in->n;
    double s_param = in->param[SSMAX_S];
    if (!isfinite(s_param)) {
        ns_ref_set_nan_row(y, dx, n);
        return;
    }
    size_t k = s_param >= 0 ? ns_ref_argmax(in->x, n) : ns_ref_argmin(in->x, n);
    if (k == n) {
        ns_ref_set_zero_row(y, dx, n);
        return;
    }
    mpfi_t a, s, t, ge;
    ns_mpfi_inits2(prec, a, s, t, ge, (mpfi_ptr)0);
    mpfi_set_ui(a, (unsigned long)n);        /* a = s ln n */
    mpfi_log(a, a);
    mpfi_mul_d(a, a, s_param);
    mpfi_set_ui(s, 0);
    for (size_t i = 0; i < n; i++) {
        if (in->x[i] == -INFINITY) {
            mpfi_set_ui(&y[i], 0);
            continue;
        }
        ns_mpfi_diff(&y[i], in->x[i], in->x[k]);
        mpfi_mul(&y[i], &y[i], a);
        mpfi_exp(&y[i], &y[i]);
        mpfi_add(s, s, &y[i]);
    }
    if (dx) {                                /* before y is divided by s */
        ns_mpfi_shifted_dot(ge, in->g, y, n, t);     /* ge = sum_j g'_j e_j */
        for (size_t i = 0; i < n; i++) {
            ns_mpfi_diff(t, in->g[i], in->g[0]);
            mpfi_mul(t, t, s);
            mpfi_sub(t, t, ge);
            mpfi_mul(&dx[i], &y[i], t);
            mpfi_mul(&dx[i], &dx[i], a);
            mpfi_div(&dx[i], &dx[i], s);
            mpfi_div(&dx[i], &dx[i], s);
        }
    }
    ns_ref_div_all(y, n, s);
    ns_mpfi_clears(a, s, t, ge, (mpfi_ptr)0);
}

const ns_reference ns_ref_ssmax = { .family = "ssmax", .enclose = ssmax_enclose,
                                    .tier = ns_ref_ssmax_dd };
