/* The fast tier of the logsoftmax reference (reference/logsoftmax.c): the
 * same formula in double-double intervals, with k the first argmax,
 * m = x_k, e_i = e^{x_i - m}, T = sum_{j != k} e_j:
 *     y_i = (x_i - m) - log1p(T),   dx_i = g_i - e_i G / (1 + T),
 * G = sum_j g_j.  Masked entries give y_i = -inf and dx_i = g_i, an
 * all-masked row zeros, as the reference does.
 *
 * Where T = 0 exactly (n = 1, or every other entry masked) dx_k is formed
 * without the division, so that it stays exact as in MPFI.
 *
 * An e_i below e^-600 (out of double-double's range) is enclosed by
 * [0, 2^-865]; it then settles only where it does not matter.  Cancellations
 * in g_i - e_i G / (1 + T) (a uniform row with a constant g is exactly 0 in
 * MPFI, not here) leave the row to MPFR. */
#include "tier.h"

#include <math.h>
#include <stdlib.h>

#include "ddi.h"

int ns_ref_logsoftmax_dd(const ns_ref_input *in, double *y, double *dx)
{
    size_t n = in->n, k = ns_ref_argmax(in->x, n);
    const double *x = in->x;
    if (k == n)
        return ns_ref_tier_zeros(n, y, dx);
    double m = x[k];
    ddi *e = malloc(n * sizeof *e);
    if (!e)
        return 0;
    ddi t = ddi_from_double(0);
    for (size_t i = 0; i < n; i++) {
        e[i] = x[i] == -INFINITY ? ddi_from_double(0) : ddi_exp_or_tiny(ddi_diff(x[i], m));
        if (i != k)
            t = ddi_add(t, e[i]);
    }
    ddi s = ddi_log1p(t);
    int ok = 1;
    for (size_t i = 0; ok && i < n; i++) {
        if (x[i] == -INFINITY)
            y[i] = -INFINITY;
        else
            ok = ddi_round(ddi_sub(ddi_diff(x[i], m), s), &y[i]);
    }
    if (ok && dx && ddi_is_exact_zero(t)) {
        /* x_k alone: dx_k = g_k - G = -sum_{i != k} g_i, exactly 0 when
         * those g_i are 0 (n = 1), as in MPFI; the others are masked. */
        ddi rest = ddi_from_double(0);
        for (size_t i = 0; i < n; i++) {
            if (i != k)
                rest = ddi_sub(rest, ddi_from_double(in->g[i]));
            if (x[i] == -INFINITY)
                ok = ok && ddi_round(ddi_from_double(in->g[i]), &dx[i]);
        }
        ok = ok && ddi_round(rest, &dx[k]);
    } else if (ok && dx) {
        ddi gsum = ddi_from_double(0);
        for (size_t i = 0; i < n; i++)
            gsum = ddi_add(gsum, ddi_from_double(in->g[i]));
        ddi w = ddi_div(gsum, ddi_add(ddi_from_double(1), t));   /* G / (1 + T) */
        for (size_t i = 0; ok && i < n; i++) {
            ddi gi = ddi_from_double(in->g[i]);
            ok = ddi_round(x[i] == -INFINITY ? gi : ddi_sub(gi, ddi_mul(e[i], w)), &dx[i]);
        }
    }
    free(e);
    return ok;
}
