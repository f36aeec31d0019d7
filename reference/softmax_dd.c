/* The fast tier of the softmax reference (reference/softmax.c): the same
 * definition, y_i = e^{x_i - m} / sum_j e^{x_j - m} and
 * dx_i = y_i (g'_i - <g', y>), g' = g - g_0, in double-double intervals.
 *
 * x_i - m and g_i - g_0 are exact (TwoSum); the exponentials lie in (0, 1],
 * so only a spread above 600 (e^-600 near double-double's floor) or a
 * cancellation in g'_i - <g', y> leaves an entry unsettled. */
#include "tier.h"

#include <math.h>
#include <stdlib.h>

#include "ddi.h"

static int settle(const ddi *v, size_t n, double *out)
{
    for (size_t i = 0; i < n; i++)
        if (!ddi_round(v[i], &out[i]))
            return 0;
    return 1;
}

int ns_ref_softmax_dd(const ns_ref_input *in, double *y, double *dx)
{
    size_t n = in->n, k = ns_ref_argmax(in->x, n);
    if (k == n)
        return 0;                        /* all masked: MPFR's zeros are cheap */
    ddi *e = malloc(n * sizeof *e);
    if (!e)
        return 0;
    ddi s = ddi_from_double(0);
    for (size_t i = 0; i < n; i++) {
        e[i] = in->x[i] == -INFINITY ? ddi_from_double(0) : ddi_exp(ddi_diff(in->x[i], in->x[k]));
        s = ddi_add(s, e[i]);
    }
    for (size_t i = 0; i < n; i++)
        e[i] = ddi_div(e[i], s);         /* e holds y from here on */
    int ok = settle(e, n, y);
    if (ok && dx) {
        ddi gs = ddi_from_double(0);     /* <g', y> */
        for (size_t i = 0; i < n; i++)
            gs = ddi_add(gs, ddi_mul(ddi_diff(in->g[i], in->g[0]), e[i]));
        for (size_t i = 0; ok && i < n; i++)
            ok = ddi_round(ddi_mul(e[i], ddi_sub(ddi_diff(in->g[i], in->g[0]), gs)), &dx[i]);
    }
    free(e);
    return ok;
}
