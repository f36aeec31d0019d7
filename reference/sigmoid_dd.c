/* The fast tier of the sigmoid reference (reference/sigmoid.c): the same
 * computation in double-double intervals, y_i = sigma(z_i), z_i = x_i - ln n,
 * dx_i = g_i sigma(z_i) sigma(-z_i), sigma(z) = 1 / (1 + e^{-z}).
 *
 * |z| beyond 600 (e^{-z} outside double-double's range) leaves the row to
 * MPFR. */
#include "tier.h"

#include <math.h>

#include "ddi.h"

static ddi sigma(ddi z)
{
    ddi one = ddi_from_double(1);
    return ddi_div(one, ddi_add(one, ddi_exp(ddi_sub(ddi_from_double(0), z))));
}

int ns_ref_sigmoid_dd(const ns_ref_input *in, double *y, double *dx)
{
    size_t n = in->n;
    ddi ln_n = ddi_log_of_double((double)n);
    for (size_t i = 0; i < n; i++) {
        if (in->x[i] == -INFINITY) {
            y[i] = 0.0;
            if (dx)
                dx[i] = 0.0;
            continue;
        }
        ddi z = ddi_sub(ddi_from_double(in->x[i]), ln_n);
        ddi yi = sigma(z);
        if (!ddi_round(yi, &y[i]))
            return 0;
        if (dx && !ddi_round(ddi_mul(ddi_mul(sigma(ddi_sub(ddi_from_double(0), z)), yi),
                                     ddi_from_double(in->g[i])), &dx[i]))
            return 0;
    }
    return 1;
}
