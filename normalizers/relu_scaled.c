/* relu.scaled: y_i = relu(x_i) / n, no normalizing sum (SPEC section 3);
 * backward dx_i = relu'(x_i) g_i / n.
 *
 * One rounding per weight (the division), exact when n is a power of two,
 * except that n itself is held in the elementwise format as a kernel holds a
 * constant: in fp16 a row longer than 2048 gets a rounded n (2049 -> 2048)
 * and one longer than 65519 gets n = inf (every weight 0).  Masked (-inf)
 * entries are ordinary: relu(-inf) = 0. */
#include "ratio.h"
#include "contract.h"

static const ns_contract relu_scaled_contract = {
    .summary = "relu(x) / n: one rounding per weight, n held in the elementwise format",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 4 }, .sum = { .c0 = 4, .cn = 2 }, .gradient = { .c0 = 8 } },
        NS_END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_LONG_ROW,
                  "n is held in the elementwise format: in fp16 a row longer than 2048 gets a "
                  "rounded n (2049 -> 2048), so every weight is off by up to 1 / 2048"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_UNDERFLOW,
                  "relu(x) / n underflows to subnormals or to 0 for tiny positive x"),
        NS_END_HAZARDS,
    },
};

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

const ns_family ns_family_relu_scaled = {
    .name = "relu.scaled",
    .definition = "y_i = relu(x_i) / n; dx_i = relu'(x_i) g_i / n",
    .order = 110,
    .algorithms = (const ns_algorithm[]){
        { .name = "relu.scaled", .summary = "relu(x) / n, no normalizing sum",
          .forward = relu_scaled_forward, .backward = relu_scaled_backward,
          .contract = &relu_scaled_contract },
        NS_END_ALGORITHMS,
    },
};
