/* The fast tier of the softmax1 reference (reference/softmax1.c): the same
 * computation in double-double intervals, with c = max(0, max x),
 * e_i = e^{x_i - c}, s = e^{-c} + sum_j e_j, y_i = e_i / s and
 * dx_i = e_i (g_i s - sum_j g_j e_j) / s^2.
 *
 * x_i - c is exact (TwoSum); a spread beyond 600, or a cancellation in
 * g_i s - sum_j g_j e_j (exact in MPFI when every e is 1; an interval
 * around 0 here), leaves the row to MPFR. */
#include "tier.h"

#include <math.h>
#include <stdlib.h>

#include "ddi.h"

int ns_ref_softmax1_dd(const ns_ref_input *in, double *y, double *dx)
{
    size_t n = in->n, k = ns_ref_argmax(in->x, n);
    double c = k < n && in->x[k] > 0 ? in->x[k] : 0.0;
    ddi *e = malloc((n ? n : 1) * sizeof *e);
    if (!e)
        return 0;
    ddi s = ddi_exp(ddi_from_double(-c));
    for (size_t i = 0; i < n; i++) {
        e[i] = in->x[i] == -INFINITY ? ddi_from_double(0) : ddi_exp(ddi_diff(in->x[i], c));
        s = ddi_add(s, e[i]);
    }
    int ok = 1;
    if (dx) {                                /* from e and s, before y */
        ddi ge = ddi_from_double(0);         /* sum_j g_j e_j */
        for (size_t i = 0; i < n; i++)
            ge = ddi_add(ge, ddi_mul(e[i], ddi_from_double(in->g[i])));
        for (size_t i = 0; ok && i < n; i++) {
            ddi t = ddi_sub(ddi_mul(s, ddi_from_double(in->g[i])), ge);
            ok = ddi_round(ddi_div(ddi_div(ddi_mul(e[i], t), s), s), &dx[i]);
        }
    }
    for (size_t i = 0; ok && i < n; i++)
        ok = ddi_round(ddi_div(e[i], s), &y[i]);
    free(e);
    return ok;
}
