/* softpick (eps = 1e-8 by default): y_i = relu(e^{x_i} - 1) / (sum_j
 * |e^{x_j} - 1| + eps) (Z. M. K. Zuhri et al., "Softpick: No Attention Sink,
 * No Massive Activations with Rectified Softmax", 2025).
 *
 * The kernel is the paper's max-shifted one (naive_softpick_attn.py in
 * zaydzuhri/softpick-attention): with m = max x, numerator and denominator
 * are multiplied by e^{-m}, so that no exponential overflows,
 *     t_i = e^{x_i - m} - e^{-m},  y_i = relu(t_i) / (sum_j |t_i| + eps e^{-m}).
 * Two departures from that code, both so that the algorithm computes the
 * family's function for every input and parameter (SPEC section 3):
 *   - the paper adds eps unscaled, which is the function with eps e^{m}
 *     in place of eps; here eps is scaled by e^{-m} as well;
 *   - the paper drops masked (-inf) entries from the denominator, while the
 *     definition counts |e^{-inf} - 1| = 1 for each; here |t_i| = e^{-m} is
 *     kept, as the definition says.
 * Both are visible only where eps matters (rows near x = 0) or on masked
 * rows.  An all-masked row has m = -inf and meets (-inf) - (-inf) = NaN,
 * where the reference gives zeros.
 *
 * Low precision: in fp16 eps = 1e-8 itself rounds to 0.  e^{-m} overflows
 * for m < -ln(max finite) (fp16: -11.09, fp32: -88.72); then t_i = -inf,
 * every weight is 0 / inf = 0 (the exact answer: no entry is positive),
 * except in fp16 where eps e^{-m} = 0 * inf = NaN makes every weight NaN.
 * For m > 0, t_i = e^{x_i - m} - e^{-m} cancels for x_i near 0 (relative
 * error about u / |x_i|).
 *
 * Backward (the Jacobian of the definition, as the paper's flash kernel
 * writes it): with D = sum_j |e^{x_j} - 1| + eps,
 *     dx_j = e^{x_j} / D * ([x_j > 0] g_j - sign(x_j) <g, y>),
 * computed as e^{x_j - m} / (D e^{-m}).  At x_j = 0 this takes the
 * derivative of |e^x - 1| as 0 (as relu'(0) = 0; the flash kernel uses -1
 * there). */
#include "ratio.h"
#include "contract.h"

static const ns_contract softpick_contract = {
    .summary = "relu(e^x - 1) / (sum |e^x - 1| + eps), shifted by the maximum",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 8, .cn = 2, .cs = 2, .cx = 2 }, .sum = { .c0 = 8, .cn = 2, .cs = 2, .cx = 2 },
          .gradient = { .c0 = 16, .cn = 4, .cs = 2, .cx = 2 } },
        NS_END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        NS_HAZARD_LONG_ROW_SUM, NS_HAZARD_SUBNORMAL_WEIGHTS,
        NS_HAZARD_ALL_MASKED,
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_OVERFLOW,
                  "e^{-m} overflows for m < -ln(max finite) (fp16: -11.09): every t_i is -inf, "
                  "and in fp16, where eps = 1e-8 rounds to 0, eps e^{-m} = 0 * inf = NaN"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_UNDERFLOW,
                  "e^{x - m} and eps e^{-m} underflow: weights and the eps term are lost"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_ZERO_DENOMINATOR,
                  "with eps rounded to 0 (fp16) a row of zeros has sum |e^x - 1| = 0: 0 / 0"),
        NS_HAZARD_SUBNORMAL_SUM,
        NS_HAZARD(NS_KIND_ERROR, NS_CAUSE_ANY,
                  "t_i = e^{x_i - m} - e^{-m} cancels for x_i near 0: relative error about "
                  "u / |x_i|, which no conditioning excuses (expm1 would avoid it)"),
        NS_HAZARD(NS_KIND_SUM, NS_CAUSE_ANY,
                  "the cancellation of t_i near x_i = 0 carries into the sum of the weights"),
        NS_HAZARD(NS_KIND_GRADIENT, NS_CAUSE_ANY,
                  "the cancellation of t_i near x_i = 0, and that of <g, y> in the backward pass"),
        NS_END_HAZARDS,
    },
};

/* t_i = e^{x_i - m} - e^{-m} into r (its relu) and a (its absolute value);
 * returns the shifted denominator sum |t| + eps e^{-m}. */
static double softpick_terms(const ns_ops *op, const double *x, double m, double *r, double *a,
                             size_t n)
{
    double em = ns_exp(op, -m);
    for (size_t i = 0; i < n; i++) {
        double t = ns_sub(op, ns_exp(op, ns_sub(op, x[i], m)), em);
        r[i] = ns_relu(t);
        a[i] = fabs(t);
    }
    return ns_add(op, ns_sum(op, a, n), ns_mul(op, ns_const(op, op->param[0]), em));
}

static void softpick_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    double m = ns_max(op, x, n);
    double d = ns_denominator(op, softpick_terms(op, x, m, y, op->work, n));
    for (size_t i = 0; i < n; i++)
        y[i] = ns_div(op, y[i], d);
}

static void softpick_backward(const ns_ops *op, const double *x, const double *y,
                              const double *g, double *dx, size_t n)
{
    double *r = op->work, *a = op->work + n;
    double m = ns_max(op, x, n);
    double d = ns_denominator(op, softpick_terms(op, x, m, r, a, n));
    double gy = ns_dot(op, g, y, n);
    for (size_t j = 0; j < n; j++) {
        double w = ns_div(op, ns_exp(op, ns_sub(op, x[j], m)), d);
        double v = x[j] > 0 ? ns_sub(op, g[j], gy) : x[j] < 0 ? gy : 0.0;
        dx[j] = ns_mul(op, w, v);
    }
}

const ns_family ns_family_softpick = {
    .name = "softpick",
    .definition = "y_i = relu(e^{x_i} - 1) / (sum_j |e^{x_j} - 1| + eps)",
    .order = 120,
    .algorithms = (const ns_algorithm[]){
        { .name = "softpick", .summary = "relu(e^x - 1) / (sum |e^x - 1| + eps), shifted by the max",
          .forward = softpick_forward, .backward = softpick_backward,
          .contract = &softpick_contract },
        NS_END_ALGORITHMS,
    },
    .exp_of_logit = true,
    .params = { { "eps", 1e-8, "added to the denominator" } },
};
