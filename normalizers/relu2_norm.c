/* relu2.norm: ratio(relu(x)^2), y_i = relu(x_i)^2 / sum_j relu(x_j)^2 (SPEC
 * section 3).  One rounding in h (the square): ratio.h's bound is (n + 2) u.
 *
 * Like spherical, the square underflows (fp16: relu(x) < 2^-12.5) and
 * overflows (fp16: x > 256) in low precision; on a row with no positive
 * entry the exact sum is zero (reference zeros, kernel NaN).  Masked (-inf)
 * entries are ordinary: relu(-inf) = 0. */
#include "ratio.h"

static double relu2_h(const ns_ops *op, double x)
{
    double r = ns_relu(x);
    return ns_mul(op, r, r);
}

static double relu2_dh(const ns_ops *op, double x)
{
    return ns_mul(op, 2.0, ns_relu(x));
}

static void relu2_norm_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    ns_ratio_forward(op, relu2_h, x, y, n);
}

static void relu2_norm_backward(const ns_ops *op, const double *x, const double *y,
                                const double *g, double *dx, size_t n)
{
    ns_ratio_backward(op, relu2_h, relu2_dh, x, y, g, dx, n);
}

static const ns_algorithm relu2_norm_algorithms[] = {
    { .name = "relu2.norm", .summary = "relu(x)^2 / sum relu(x)^2",
      .forward = relu2_norm_forward, .backward = relu2_norm_backward },
    { .name = NULL },
};

const ns_family ns_family_relu2_norm = {
    .name = "relu2.norm",
    .definition = "ratio(relu(x)^2): y_i = relu(x_i)^2 / sum_j relu(x_j)^2",
    .order = 80,
    .params = { { NULL, 0, NULL } },
    .algorithms = relu2_norm_algorithms,
};
