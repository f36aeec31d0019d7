/* Reference for softmax: y_i = e^{x_i - m} / sum_j e^{x_j - m}, m = max x,
 * and dx_i = y_i (g'_i - <g', y>) with g' = g - g_0.
 *
 * The shift by m keeps every exponential in (0, 1] whatever the magnitude
 * of x; the shift of g by one of its own entries (allowed because
 * sum y = 1) makes a constant g give exactly zero, which an enclosure could
 * otherwise only approach. */
#include "ref.h"
#include "tier.h"

#include <math.h>

static void softmax_enclose(const ns_ref_input *in, mpfr_prec_t prec, mpfi_ptr y, mpfi_ptr dx)
{
    size_t n = in->n, k = ns_ref_argmax(in->x, n);
    if (k == n) {                            /* all masked: zero denominator */
        ns_ref_set_zero_all(y, n);
        if (dx)
            ns_ref_set_zero_all(dx, n);
        return;
    }
    mpfi_t s, t;
    mpfi_init2(s, prec);
    mpfi_init2(t, prec);
    mpfi_set_ui(s, 0);
    for (size_t i = 0; i < n; i++) {
        if (in->x[i] == -INFINITY) {
            mpfi_set_ui(&y[i], 0);
            continue;
        }
        mpfi_set_d(&y[i], in->x[i]);
        mpfi_sub_d(&y[i], &y[i], in->x[k]);
        mpfi_exp(&y[i], &y[i]);
        mpfi_add(s, s, &y[i]);
    }
    for (size_t i = 0; i < n; i++)
        mpfi_div(&y[i], &y[i], s);
    if (dx) {
        mpfi_set_ui(s, 0);                   /* s = <g', y> */
        for (size_t i = 0; i < n; i++) {
            mpfi_set_d(t, in->g[i]);
            mpfi_sub_d(t, t, in->g[0]);
            mpfi_mul(&dx[i], t, &y[i]);
            mpfi_add(s, s, &dx[i]);
        }
        for (size_t i = 0; i < n; i++) {
            mpfi_set_d(t, in->g[i]);
            mpfi_sub_d(t, t, in->g[0]);
            mpfi_sub(t, t, s);
            mpfi_mul(&dx[i], &y[i], t);
        }
    }
    mpfi_clear(s);
    mpfi_clear(t);
}

const ns_reference ns_ref_softmax = {
    .family = "softmax",
    .enclose = softmax_enclose,
    .tier = ns_ref_softmax_dd,
};
