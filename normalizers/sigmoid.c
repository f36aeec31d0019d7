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
#include "contract.h"

static const ns_contract sigmoid_contract = {
    .summary = "sigma(x - ln n) = 1 / (1 + e^-z): error about (3 + |z| + ln n) u",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        /* ln n <= n: the cn term covers it. */
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 8, .cn = 1, .cx = 2 }, .sum = { .c0 = 8, .cn = 1, .cx = 2 },
          .gradient = { .c0 = 16, .cn = 4, .cx = 2 } },
        NS_END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_OVERFLOW,
                  "e^-z overflows for z < -ln(max finite) (fp16: -11.09) and the weight is 1 / inf "
                  "= 0, where the true one, about e^z, is still representable (fp16: down to "
                  "e^-16.6)"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_UNDERFLOW,
                  "weights near e^z below the smallest normal keep only the precision of a "
                  "subnormal"),
        NS_HAZARD(NS_KIND_GRADIENT, NS_CAUSE_ANY,
                  "the backward's 1 - y loses all relative accuracy where y is near 1 (z above "
                  "about ln(1/u)), and with it y (1 - y)"),
        NS_END_HAZARDS,
    },
};

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

const ns_family ns_family_sigmoid = {
    .name = "sigmoid",
    .definition = "y_i = sigma(x_i - ln n); dx = g . y (1 - y)",
    .order = 100,
    .algorithms = (const ns_algorithm[]){
        { .name = "sigmoid", .summary = "1 / (1 + e^-(x - ln n)), no normalization",
          .forward = sigmoid_forward, .backward = sigmoid_backward,
          .contract = &sigmoid_contract },
        NS_END_ALGORITHMS,
    },
};
