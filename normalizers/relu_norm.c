/* relu.norm: ratio(relu(x)), y_i = relu(x_i) / sum_j relu(x_j) (SPEC
 * section 3).  relu is exact, so ratio.h's bound is n u (sequential sum).
 *
 * On a row with no positive entry the exact sum is zero: the reference
 * gives zeros, the kernel 0 / 0 = NaN in every format.  Masked (-inf)
 * entries are ordinary: relu(-inf) = 0. */
#include "ratio.h"

static double relu_h(const ns_ops *op, double x)
{
    (void)op;
    return ns_relu(x);
}

static double relu_dh(const ns_ops *op, double x)
{
    (void)op;
    return ns_relu_step(x);
}

static void relu_norm_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    ns_ratio_forward(op, relu_h, x, y, n);
}

static void relu_norm_backward(const ns_ops *op, const double *x, const double *y,
                               const double *g, double *dx, size_t n)
{
    ns_ratio_backward(op, relu_h, relu_dh, x, y, g, dx, n);
}

static const ns_algorithm relu_norm_algorithms[] = {
    { .name = "relu.norm", .summary = "relu(x) / sum relu(x)",
      .forward = relu_norm_forward, .backward = relu_norm_backward },
    { .name = NULL },
};

const ns_family ns_family_relu_norm = {
    .name = "relu.norm",
    .definition = "ratio(relu(x)): y_i = relu(x_i) / sum_j relu(x_j)",
    .order = 70,
    .params = { { NULL, 0, NULL } },
    .algorithms = relu_norm_algorithms,
};
