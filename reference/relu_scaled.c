/* Reference for relu.scaled: y_i = max(x_i, 0) / n, dx_i = [x_i > 0] g_i / n.
 *
 * x_i and g_i are doubles, held exactly at the working precision (>= 64
 * bits), so each entry is one outward-rounded division: a point when the
 * quotient is representable, exactly [0, 0] for a non-positive or masked
 * (-inf, relu(-inf) = 0) entry. */
#include "ref.h"
#include "tier.h"

static void relu_scaled_enclose(const ns_ref_input *in, mpfr_prec_t prec, mpfi_ptr y, mpfi_ptr dx)
{
    (void)prec;
    size_t n = in->n;
    for (size_t i = 0; i < n; i++) {
        int positive = in->x[i] > 0;
        mpfi_set_d(&y[i], positive ? in->x[i] : 0.0);
        mpfi_div_ui(&y[i], &y[i], (unsigned long)n);
        if (dx) {
            mpfi_set_d(&dx[i], positive ? in->g[i] : 0.0);
            mpfi_div_ui(&dx[i], &dx[i], (unsigned long)n);
        }
    }
}

const ns_reference ns_ref_relu_scaled = { .family = "relu.scaled", .enclose = relu_scaled_enclose,
                                          .tier = ns_ref_relu_scaled_dd };
