/* The fast tier of the relu.scaled reference (reference/relu_scaled.c):
 * y_i = max(x_i, 0) / n and dx_i = [x_i > 0] g_i / n.
 *
 * Each entry is one quotient of a double by n, and IEEE 754 division is
 * correctly rounded to nearest even, subnormals and ties included: x / n in
 * binary64 is the very double the MPFR driver certifies (n < 2^53 is exact
 * as a double).  The one difference is the sign of an exact zero: MPFI's
 * exact [0, 0] rounds to +0, where -0 / n would give -0; a quotient that
 * underflows to zero keeps its sign in both. */
#include "tier.h"

#include <math.h>

static double quotient(double v, double n)
{
    return v == 0 ? 0.0 : v / n;
}

int ns_ref_relu_scaled_dd(const ns_ref_input *in, double *y, double *dx)
{
    size_t n = in->n;
    if (n >= (size_t)1 << 53)
        return 0;
    double dn = (double)n;
    for (size_t i = 0; i < n; i++) {
        int positive = in->x[i] > 0;
        y[i] = positive ? quotient(in->x[i], dn) : 0.0;
        if (dx)
            dx[i] = positive ? quotient(in->g[i], dn) : 0.0;
    }
    return 1;
}
