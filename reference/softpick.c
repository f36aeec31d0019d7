/* Reference for softpick: with a_i = e^{x_i} - 1 and
 * D = sum_j |a_j| + eps (eps = param[0], the binary64 value itself: the
 * default 1e-8 is 10^-8 (1 + 2.09e-17), which shows where D is eps alone,
 * docs/semantics.md),
 *     y_i  = relu(a_i) / D,
 *     dx_j = e^{x_j} / D * ([x_j > 0] g_j - sign(x_j) <g, y>).
 * The gradient is the Jacobian of the definition: d relu(a_i) / dx_j =
 * [i = j][x_j > 0] e^{x_j} and d|a_j| / dx_j = sign(x_j) e^{x_j} (taken as
 * 0 at x_j = 0, as relu'(0) = 0).  It is not the ratio(h) formula: the
 * denominator is not the sum of the numerators, and sum y < 1.
 *
 * Evaluation: numerator and denominator are multiplied by e^{-c} with
 * c = max(max x, 0), which keeps every factor in [0, 1] whatever the
 * magnitude of x, and each |a_i| e^{-c} is a product without cancellation:
 *     x_i > 0:  e^{x_i - c} (-expm1(-x_i)),    x_i < 0:  e^{-c} (-expm1(x_i)).
 * A factor that underflows MPFR's exponent range is enclosed by
 * [0, tiny], which rounds to zero.  Signs come from x, so every exact zero
 * (y_i for x_i <= 0, dx_j for x_j = 0 or masked) is exactly [0, 0].
 * For x_j > 0 the difference g_j - <g, y> is written as
 *     (g_j - g_k) - <g - g_k, y> + g_k (1 - sum y),   1 - sum y = N / D,
 * with k the largest entry and N = sum_{x_i <= 0} |a_i| + eps: when eps = 0,
 * no entry is negative and g is constant on the positive entries, that is
 * exactly zero (as it is for softmax).
 *
 * Masked (-inf) entries follow the definition's limit: |e^{-inf} - 1| = 1
 * in D, y = 0 and dx = 0.  D = 0 only when eps = 0 and every x_i = 0: then
 * zeros (SPEC section 3). */
#include "ref.h"
#include "tier.h"

#include <math.h>

static void softpick_enclose(const ns_ref_input *in, mpfr_prec_t prec, mpfi_ptr y, mpfi_ptr dx)
{
    size_t n = in->n, k = ns_ref_argmax(in->x, n);
    const double *x = in->x;
    double eps = in->param[0];
    int any_positive = k < n && x[k] > 0;
    double c = any_positive ? x[k] : 0.0;
    int all_zero = 1;
    for (size_t i = 0; i < n; i++)
        all_zero = all_zero && x[i] == 0;
    if (all_zero && eps == 0) {
        ns_ref_set_zero_row(y, dx, in->n);
        return;
    }

    mpfi_t shift, d, rest, t, u;                 /* shift = e^{-c}, rest = N e^{-c} */
    ns_mpfi_inits2(prec, shift, d, rest, t, u, (mpfi_ptr)0);
    mpfi_set_d(shift, -c);
    mpfi_exp(shift, shift);
    mpfi_set_ui(d, 0);
    mpfi_mul_d(rest, shift, eps);
    for (size_t i = 0; i < n; i++) {
        mpfi_set_ui(&y[i], 0);
        if (x[i] > 0) {
            ns_mpfi_diff(t, x[i], c);
            mpfi_exp(t, t);
            mpfi_set_d(u, -x[i]);
            mpfi_expm1(u, u);
            mpfi_neg(u, u);
            mpfi_mul(&y[i], t, u);
            mpfi_add(d, d, &y[i]);
        } else if (x[i] < 0) {                   /* masked: -expm1(-inf) = 1 */
            if (x[i] == -INFINITY) {
                mpfi_set(t, shift);
            } else {
                mpfi_set_d(t, x[i]);
                mpfi_expm1(t, t);
                mpfi_neg(t, t);
                mpfi_mul(t, t, shift);
            }
            mpfi_add(rest, rest, t);
        }
    }
    mpfi_add(d, d, rest);
    for (size_t i = 0; i < n; i++)
        if (x[i] > 0)
            mpfi_div(&y[i], &y[i], d);

    if (dx) {
        const double *g = in->g;
        double gk = any_positive ? g[k] : 0.0;
        mpfi_t gy, gy_shifted;                   /* <g, y> and <g - g_k, y> */
        ns_mpfi_inits2(prec, gy, gy_shifted, (mpfi_ptr)0);
        mpfi_set_ui(gy, 0);
        mpfi_set_ui(gy_shifted, 0);
        for (size_t i = 0; i < n; i++) {
            if (!(x[i] > 0))
                continue;
            mpfi_mul_d(t, &y[i], g[i]);
            mpfi_add(gy, gy, t);
            ns_mpfi_diff(t, g[i], gk);
            mpfi_mul(t, t, &y[i]);
            mpfi_add(gy_shifted, gy_shifted, t);
        }
        mpfi_div(rest, rest, d);                 /* 1 - sum y */
        mpfi_mul_d(rest, rest, gk);
        for (size_t j = 0; j < n; j++) {
            if (x[j] == 0 || x[j] == -INFINITY) {
                mpfi_set_ui(&dx[j], 0);
                continue;
            }
            if (x[j] > 0) {                      /* g_j - <g, y> */
                ns_mpfi_diff(u, g[j], gk);
                mpfi_sub(u, u, gy_shifted);
                mpfi_add(u, u, rest);
            } else {                             /* -sign(x_j) <g, y> */
                mpfi_set(u, gy);
            }
            ns_mpfi_diff(t, x[j], c);            /* e^{x_j - c} / (D e^{-c}) */
            mpfi_exp(t, t);
            mpfi_div(t, t, d);
            mpfi_mul(&dx[j], t, u);
        }
        ns_mpfi_clears(gy, gy_shifted, (mpfi_ptr)0);
    }
    ns_mpfi_clears(shift, d, rest, t, u, (mpfi_ptr)0);
}

const ns_reference ns_ref_softpick = { .family = "softpick", .enclose = softpick_enclose,
                                       .tier = ns_ref_softpick_dd };
