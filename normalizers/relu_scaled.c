/* relu.scaled: y_i = relu(x_i) / n, no normalizing sum (SPEC section 3);
 * backward dx_i = relu'(x_i) g_i / n.
 *
 * One rounding per weight (the division), exact when n is a power of two,
 * except that n itself is held in the elementwise format as a kernel holds a
 * constant: in fp16 a row longer than 2048 gets a rounded n (2049 -> 2048)
 * and one longer than 65519 gets n = inf (every weight 0).  Masked (-inf)
 * entries are ordinary: relu(-inf) = 0. */
#include "ratio.h"

static void relu_scaled_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    double len = ns_denominator(op, ns_const(op, (double)n));
    for (size_t i = 0; i < n; i++)
        y[i] = ns_div(op, ns_relu(x[i]), len);
}

static void relu_scaled_backward(const ns_ops *op, const double *x, const double *y,
                                 const double *g, double *dx, size_t n)
{
    (void)y;
    double len = ns_denominator(op, ns_const(op, (double)n));
    for (size_t i = 0; i < n; i++)
        dx[i] = ns_div(op, ns_mul(op, ns_relu_step(x[i]), g[i]), len);
}

static const ns_algorithm relu_scaled_algorithms[] = {
    { .name = "relu.scaled", .summary = "relu(x) / n, no normalizing sum",
      .forward = relu_scaled_forward, .backward = relu_scaled_backward },
    { .name = NULL },
};

const ns_family ns_family_relu_scaled = {
    .name = "relu.scaled",
    .definition = "y_i = relu(x_i) / n; dx_i = relu'(x_i) g_i / n",
    .order = 110,
    .params = { { NULL, 0, NULL } },
    .algorithms = relu_scaled_algorithms,
};
