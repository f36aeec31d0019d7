/* sigmoid attention: y_i = sigma(x_i - ln n), no normalization (the bias
 * -ln n makes the weights of a uniform row sum to about 1);
 * dx = g . y (1 - y).
 *
 * sigma(z) = 1 / (1 + e^-z) as kernels write it: for z < -ln(max_finite)
 * e^-z overflows and y = 1 / inf = 0, the correct limit up to underflow;
 * otherwise the relative error is about (3 + |z| + ln n) u by the standard
 * model (the roundings of ln n and of z pass into e^-z as absolute errors of
 * the exponent).
 * The backward's 1 - y loses all relative accuracy where y is near 1
 * (z > about ln(1/u)). */
#include "catalogue.h"

static void sigmoid_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    double ln_n = ns_log(op, ns_const(op, (double)n));
    for (size_t i = 0; i < n; i++) {
        double z = ns_sub(op, x[i], ln_n);
        y[i] = ns_div(op, 1.0, ns_add(op, 1.0, ns_exp(op, -z)));
    }
}

static void sigmoid_backward(const ns_ops *op, const double *x, const double *y,
                             const double *g, double *dx, size_t n)
{
    (void)x;
    for (size_t i = 0; i < n; i++)
        dx[i] = ns_mul(op, g[i], ns_mul(op, y[i], ns_sub(op, 1.0, y[i])));
}

static const ns_algorithm sigmoid_algorithms[] = {
    { .name = "sigmoid", .summary = "1 / (1 + e^-(x - ln n)), no normalization",
      .forward = sigmoid_forward, .backward = sigmoid_backward },
    { .name = NULL },
};

const ns_family ns_family_sigmoid = {
    .name = "sigmoid",
    .definition = "y_i = sigma(x_i - ln n); dx = g . y (1 - y)",
    .order = 100,
    .params = { { NULL, 0, NULL } },
    .algorithms = sigmoid_algorithms,
};
