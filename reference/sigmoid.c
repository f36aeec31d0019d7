/* Reference for sigmoid: y_i = sigma(z_i), z_i = x_i - ln n, and
 * dx_i = g_i sigma(z_i) sigma(-z_i) (1 - sigma(z) = sigma(-z) avoids the
 * cancellation of 1 - y near y = 1).
 *
 * sigma(z) = 1 / (1 + e^{-z}) has z once, so its enclosure is as tight as
 * z's; where e^{-z} overflows even MPFR's exponent range (z < -3e18), MPFI
 * gives e^{-z} in [big, +inf] and sigma in [0, tiny], a valid enclosure of a
 * value that rounds to 0.  ln n is an enclosure (exactly 0 for n = 1).
 *
 * At x_i = 0 the value is rational, e^{-z} = n: y_i = 1/(n + 1) and
 * dx_i = g_i n/(n + 1)^2, computed from exact point intervals.  With n + 1 a
 * power of two these are exact, and g_i n/(n + 1)^2 can be an exact tie
 * between two doubles, which no enclosure of width > 0 would ever settle.
 *
 * Masked entries (x_i = -inf): y_i = 0 and dx_i = 0 exactly, the limit
 * sigma(-inf) = 0.  There is no denominator: an all-masked row gives zeros
 * by the definition itself. */
#include "ref.h"
#include "tier.h"

#include <math.h>

/* out = sigma(z) = 1 / (1 + e^{-z}); out and z may be the same. */
static void sigma(mpfi_ptr out, mpfi_srcptr z)
{
    mpfi_neg(out, z);
    mpfi_exp(out, out);
    mpfi_add_ui(out, out, 1);
    mpfi_ui_div(out, 1, out);
}

static void sigmoid_enclose(const ns_ref_input *in, mpfr_prec_t prec, mpfi_ptr y, mpfi_ptr dx)
{
    size_t n = in->n;
    mpfi_t ln_n, z;
    ns_mpfi_inits2(prec, ln_n, z, (mpfi_ptr)0);
    mpfi_set_ui(ln_n, (unsigned long)n);
    mpfi_log(ln_n, ln_n);
    for (size_t i = 0; i < n; i++) {
        if (in->x[i] == -INFINITY) {
            mpfi_set_ui(&y[i], 0);
            if (dx)
                mpfi_set_ui(&dx[i], 0);
            continue;
        }
        if (in->x[i] == 0) {
            mpfi_set_ui(z, (unsigned long)n + 1);
            mpfi_ui_div(&y[i], 1, z);
            if (dx) {
                mpfi_mul_ui(&dx[i], &y[i], (unsigned long)n);
                mpfi_mul(&dx[i], &dx[i], &y[i]);
                mpfi_mul_d(&dx[i], &dx[i], in->g[i]);
            }
            continue;
        }
        mpfi_d_sub(z, in->x[i], ln_n);
        sigma(&y[i], z);
        if (dx) {
            mpfi_neg(z, z);
            sigma(&dx[i], z);
            mpfi_mul(&dx[i], &dx[i], &y[i]);
            mpfi_mul_d(&dx[i], &dx[i], in->g[i]);
        }
    }
    ns_mpfi_clears(ln_n, z, (mpfi_ptr)0);
}

const ns_reference ns_ref_sigmoid = { .family = "sigmoid", .enclose = sigmoid_enclose,
                                      .tier = ns_ref_sigmoid_dd };
