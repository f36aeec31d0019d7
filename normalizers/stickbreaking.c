/* stickbreaking attention: y_i = sigma(x_i) prod_{k>i} (1 - sigma(x_k)),
 * position n (the last) nearest the query, which takes its share first.
 *
 * Backward (derived from log y_i = log sigma(x_i) + sum_{k>i} log(1 - sigma(x_k)),
 * with (log sigma)' = 1 - sigma and (log(1 - sigma))' = -sigma):
 *     dy_i/dx_j = y_i ([i = j] (1 - sigma_j) - [i < j] sigma_j), so
 *     dx_j = g_j y_j (1 - sigma_j) - sigma_j sum_{i<j} g_i y_i.
 * The expression is a polynomial in the sigmas, so it also holds where some
 * y_i = 0 (masked logits: sigma = 0). */
#include "catalogue.h"
#include "contract.h"

/* Log space: y_i = e^{log sigma_i + L_i}.  The running sum L_i of up to n
 * terms softplus(x_k) <= max|x| + 1 has an absolute error up to u times the
 * sum of its partial sums, about n^2 (max|x| + 1) u / 2, which exp turns
 * into the relative error of y_i (cq). */
static const ns_contract stickbreaking_contract = {
    .summary = "log-space stick-breaking: relative error about u times the sum of |x|",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 8, .cn = 4, .cq = 1 }, .sum = { .c0 = 8, .cn = 4, .cq = 1 },
          .gradient = { .c0 = 16, .cn = 4, .cq = 1 } },
        NS_END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        NS_HAZARD_LONG_ROW_SUM,
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_OVERFLOW,
                  "softplus(z) = log(1 + e^z) overflows for z > ln(max finite) (fp16: 11.09): "
                  "the factor 1 - sigma(x_k) becomes e^-inf = 0 for every earlier position, "
                  "where the truth is about e^-x_k (fp16, [0, 12]: y_0 = 0 instead of 3.1e-6)"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_UNDERFLOW,
                  "weights e^{log sigma_i + L_i} below the smallest normal keep only a "
                  "subnormal's precision, or vanish"),
        NS_HAZARD_GRADIENT_RANGE,
        NS_END_HAZARDS,
    },
};

/* softplus(z) = log(1 + e^z) as the textbook kernel writes it.  e^z
 * overflows for z > ln(max_finite) (11.09 in fp16): softplus(x_k) = inf
 * makes the factor 1 - sigma(x_k) = e^-inf = 0 for every earlier position,
 * where the truth is about e^-x_k (fp16, [0, 12]: y_0 = 0 instead of
 * about 3.1e-6, a representable subnormal). */
static double softplus(const ns_ops *op, double z)
{
    return ns_log1p(op, ns_exp(op, z));
}

/* In log space: log sigma(x) = -softplus(-x), log(1 - sigma(x)) =
 * -softplus(x), and a running suffix sum L_i = sum_{k>i} log(1 - sigma(x_k))
 * in the accumulator (a scan: the summation order does not apply).
 * y_i = e^{log sigma_i + L_i}: the exponential turns the absolute error of
 * the exponent, about u times the sum of the magnitudes of its terms, into
 * the relative error of y_i. */
static void stickbreaking_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    double suffix = 0.0;
    for (size_t i = n; i-- > 0;) {
        double log_sigma = -softplus(op, -x[i]);
        y[i] = ns_exp(op, ns_add(op, log_sigma, suffix));
        suffix = ns_acc_add(op, suffix, -softplus(op, x[i]));
    }
}

/* dx_j = g_j y_j (1 - sigma_j) - sigma_j P_j with the running prefix sum
 * P_j = sum_{i<j} g_i y_i in the accumulator; sigma_j and 1 - sigma_j come
 * from log space as in the forward pass. */
static void stickbreaking_backward(const ns_ops *op, const double *x, const double *y,
                                   const double *g, double *dx, size_t n)
{
    double prefix = 0.0;
    for (size_t j = 0; j < n; j++) {
        double sigma = ns_exp(op, -softplus(op, -x[j]));
        double one_minus_sigma = ns_exp(op, -softplus(op, x[j]));
        double gy = ns_mul(op, g[j], y[j]);
        dx[j] = ns_sub(op, ns_mul(op, gy, one_minus_sigma), ns_mul(op, sigma, prefix));
        prefix = ns_acc_add(op, prefix, ns_acc_mul(op, g[j], y[j]));
    }
}

const ns_family ns_family_stickbreaking = {
    .name = "stickbreaking",
    .definition = "y_i = sigma(x_i) prod_{k>i} (1 - sigma(x_k)); dx_j = g_j y_j (1 - sigma_j) - sigma_j sum_{i<j} g_i y_i",
    .order = 160,
    .algorithms = (const ns_algorithm[]){
        { .name = "stickbreaking", .summary = "sigma(x_i) prod_{k>i} (1 - sigma(x_k)) in log space, last position first",
          .forward = stickbreaking_forward, .backward = stickbreaking_backward,
          .contract = &stickbreaking_contract },
        NS_END_ALGORITHMS,
    },
};
