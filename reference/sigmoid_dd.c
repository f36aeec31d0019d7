/* The fast tier of the sigmoid reference (reference/sigmoid.c): the same
 * computation in double-double intervals, y_i = sigma(z_i), z_i = x_i - ln n,
 * dx_i = g_i sigma(z_i) sigma(-z_i), sigma(z) = 1 / (1 + e^{-z}).
 *
 * Beyond |z| = 600 (e^{-z} outside ddi's range) the same formulas run with
 * an exponent (ddi_range.h), sigma(z) and sigma(-z) from one e^{-z}; a
 * value that rounds to zero is signed as MPFI's enclosure is: y_i > 0, and
 * dx_i has g_i's sign (MPFI multiplies a positive enclosure by g_i). */
#include "tier.h"

#include <math.h>

#include "ddi.h"
#include "ddi_range.h"

/* sigma(z) = 1 / (1 + E) and sigma(z) sigma(-z) = E sigma(z)^2, E = e^{-z},
 * from one exponential and one division. */
static ddi sigma(ddi z, ddi *s_sm)
{
    ddi one = ddi_from_double(1), e = ddi_exp(ddi_sub(ddi_from_double(0), z));
    ddi s = ddi_div(one, ddi_add(one, e));
    *s_sm = ddi_mul(ddi_mul(e, s), s);
    return s;
}

/* y_i and dx_i (dx may be NULL) where e^{-z} leaves ddi's range. */
static int wide(ddi z, double g, double *y, double *dx)
{
    ddix e = ddix_exp(ddi_sub(ddi_from_double(0), z));
    ddix one = ddix_of(ddi_from_double(1)), den = ddix_add(one, e);
    ddix s = ddix_div(one, den);                 /* sigma(z) */
    if (!ddix_round(s, 1, y))
        return 0;
    if (!dx)
        return 1;
    ddix d = ddix_mul(ddix_mul(s, ddix_div(e, den)), ddix_of(ddi_from_double(g)));
    return ddix_round(d, g > 0 ? 1 : g < 0 ? -1 : 0, dx);
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
        if (!(fabs(z.hi) <= 600)) {
            if (!wide(z, dx ? in->g[i] : 0, &y[i], dx ? &dx[i] : NULL))
                return 0;
            continue;
        }
        ddi s_sm, yi = sigma(z, &s_sm);
        if (!ddi_round(yi, &y[i]))
            return 0;
        if (dx && !ddi_round(ddi_mul(s_sm, ddi_from_double(in->g[i])), &dx[i]) &&
            !wide(z, in->g[i], &y[i], &dx[i]))   /* dx below ddi's range */
            return 0;
    }
    return 1;
}
