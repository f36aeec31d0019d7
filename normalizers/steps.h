/* Steps that several kernels take in the same way, written once as kernels
 * write them: the same ns_ops calls in the same order wherever they are
 * used (the order matters under stochastic rounding and to the probe). */
#ifndef NS_STEPS_H
#define NS_STEPS_H

#include "catalogue.h"

/* y_i = e^{x_i - m} with m = max x (exact, stored as a total); returns m.
 * x and y may be the same array. */
static inline double ns_exp_shifted(const ns_ops *op, const double *x, double *y, size_t n)
{
    double m = ns_max(op, x, n);
    for (size_t i = 0; i < n; i++)
        y[i] = ns_exp(op, ns_sub(op, x[i], m));
    return m;
}

/* y_i = y_i / S with S = sum y in the summation order, shown to the probe
 * as the denominator. */
static inline void ns_divide_by_sum(const ns_ops *op, double *y, size_t n)
{
    double s = ns_denominator(op, ns_sum(op, y, n));
    for (size_t i = 0; i < n; i++)
        y[i] = ns_div(op, y[i], s);
}

/* dx = y . (g - <g, y>): the Jacobian diag(y) - y y^T of softmax (and of
 * softmax1, though there sum y < 1) applied to g.  x is not read. */
static inline void ns_softmax_backward(const ns_ops *op, const double *x, const double *y,
                                       const double *g, double *dx, size_t n)
{
    (void)x;
    double gy = ns_dot(op, g, y, n);
    for (size_t i = 0; i < n; i++)
        dx[i] = ns_mul(op, y[i], ns_sub(op, g[i], gy));
}

#endif
