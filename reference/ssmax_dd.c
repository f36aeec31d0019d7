/* The fast tier of the ssmax reference (reference/ssmax.c): the same
 * computation in double-double intervals, with a = s ln n,
 * e_i = e^{a (x_i - x_k)}, S = sum_j e_j, y_i = e_i / S and
 * dx_i = a e_i (g'_i S - sum_j g'_j e_j) / S^2, g' = g - g_0, k the first
 * argmax of x (s >= 0) or the first argmin of its unmasked entries (s < 0).
 *
 * A non-finite s (NaN everywhere), an all-masked row (zeros), exponents
 * beyond 600 and cancellations in g'_i S - sum_j g'_j e_j are left to MPFR. */
#include "tier.h"

#include <math.h>
#include <stdlib.h>

#include "ddi.h"

enum { SSMAX_S };

static size_t argmin_unmasked(const double *x, size_t n)
{
    size_t k = n;
    for (size_t i = 0; i < n; i++)
        if (x[i] != -INFINITY && (k == n || x[i] < x[k]))
            k = i;
    return k;
}

int ns_ref_ssmax_dd(const ns_ref_input *in, double *y, double *dx)
{
    size_t n = in->n;
    double s_param = in->param[SSMAX_S];
    if (!isfinite(s_param))
        return 0;
    size_t k = s_param >= 0 ? ns_ref_argmax(in->x, n) : argmin_unmasked(in->x, n);
    if (k == n)
        return 0;
    ddi *e = malloc(n * sizeof *e);
    if (!e)
        return 0;
    ddi a = ddi_mul(ddi_log_of_double((double)n), ddi_from_double(s_param));
    ddi s = ddi_from_double(0);
    for (size_t i = 0; i < n; i++) {
        e[i] = in->x[i] == -INFINITY ? ddi_from_double(0)
                                     : ddi_exp(ddi_mul(ddi_diff(in->x[i], in->x[k]), a));
        s = ddi_add(s, e[i]);
    }
    int ok = 1;
    if (dx) {                                /* before y is divided by S */
        ddi ge = ddi_from_double(0);         /* sum_j g'_j e_j */
        for (size_t i = 0; i < n; i++)
            ge = ddi_add(ge, ddi_mul(ddi_diff(in->g[i], in->g[0]), e[i]));
        for (size_t i = 0; ok && i < n; i++) {
            ddi t = ddi_sub(ddi_mul(ddi_diff(in->g[i], in->g[0]), s), ge);
            ok = ddi_round(ddi_div(ddi_div(ddi_mul(ddi_mul(e[i], t), a), s), s), &dx[i]);
        }
    }
    for (size_t i = 0; ok && i < n; i++)
        ok = ddi_round(ddi_div(e[i], s), &y[i]);
    free(e);
    return ok;
}
