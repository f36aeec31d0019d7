/* softmax1 ("softmax plus one", an attention that may attend to nothing):
 * y_i = e^{x_i} / (1 + sum_j e^{x_j}); dx = y . (g - <g, y>).
 *
 * Both algorithms shift by some c and compute e^{x_i - c} / (e^{-c} +
 * sum_j e^{x_j - c}); they differ only in c.  An all-masked row is not a
 * zero denominator here: the exact sum is 1 and every output is 0. */
#include "catalogue.h"
#include "contract.h"
#include "steps.h"

/* The shifted softmax's bound, with the shift c = m or max(m, 0): the
 * exponents x_i - c reach below the spread when c = 0 (the cx term). */
static const ns_promise softmax1_promises[] = {
    { .policies = "*", NS_PROMISES_STRICT,
      .error = { .c0 = 8, .cn = 2, .cs = 2, .cx = 2 }, .sum = { .c0 = 8, .cn = 2, .cs = 2, .cx = 2 },
      .gradient = { .c0 = 16, .cn = 4 } },
    NS_END_PROMISES,
};

static const ns_contract softmax1_shifted_contract = {
    .summary = "shifted by the maximum: the one overflows for very negative rows",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = softmax1_promises,
    .hazards = (const ns_hazard[]){
        NS_HAZARD_LONG_ROW_SUM, NS_HAZARD_SUBNORMAL_WEIGHTS,
        NS_HAZARD_ALL_MASKED,
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_OVERFLOW,
                  "when every logit is very negative (m < -ln(max finite), fp16: -11.09) the one "
                  "becomes e^{-m} = inf and every weight 0, where the true ones are near e^{x_i}"),
        NS_HAZARD_GRADIENT_RANGE,
        NS_END_HAZARDS,
    },
};

static const ns_contract softmax1_stable_contract = {
    .summary = "shifted by max(m, 0): nothing overflows, the denominator is at least 1",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = softmax1_promises,
    .hazards = (const ns_hazard[]){ NS_HAZARD_LONG_ROW_SUM, NS_HAZARD_SUBNORMAL_WEIGHTS, NS_HAZARD_GRADIENT_RANGE,
                                    NS_END_HAZARDS },
};

/* y_i = e^{x_i - c} / (e^{-c} + sum_j e^{x_j - c}). */
static void softmax1_shift_by(const ns_ops *op, double c, const double *x, double *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = ns_exp(op, ns_sub(op, x[i], c));
    double s = ns_denominator(op, ns_acc_add(op, ns_exp(op, -c), ns_sum(op, y, n)));
    for (size_t i = 0; i < n; i++)
        y[i] = ns_div(op, y[i], s);
}

/* Shift by the maximum m, as for softmax.  When every logit is very negative
 * (m < -ln(max_finite), -11.09 in fp16) the "one" becomes e^{-m} = inf and
 * every output is 0 although the true ones are near e^{x_i} (fp16,
 * [-12, -12, -12, -12]: 0 instead of about 6.1e-6). */
static void softmax1_shifted_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    softmax1_shift_by(op, ns_max(op, x, n), x, y, n);
}

/* Shift by max(m, 0): every exponent is <= 0, so nothing overflows, and the
 * denominator is at least 1.  A NaN maximum is left to the NaN logit, whose
 * exponential makes the sum NaN. */
static void softmax1_stable_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    double m = ns_max(op, x, n);
    softmax1_shift_by(op, m > 0 ? m : 0.0, x, y, n);
}

const ns_family ns_family_softmax1 = {
    .name = "softmax1",
    .definition = "y_i = e^{x_i} / (1 + sum_j e^{x_j}); dx = y . (g - <g, y>)",
    .order = 30,
    .algorithms = (const ns_algorithm[]){
        { .name = "softmax1.shifted", .summary = "e^(x - m) / (e^-m + sum e^(x - m)), m = max (e^-m overflows)",
          .forward = softmax1_shifted_forward, .backward = ns_softmax_backward,
          .contract = &softmax1_shifted_contract },
        { .name = "softmax1.stable", .summary = "the same shifted by max(m, 0): exponents never positive",
          .forward = softmax1_stable_forward, .backward = ns_softmax_backward,
          .contract = &softmax1_stable_contract },
        NS_END_ALGORITHMS,
    },
    .exp_of_logit = true,
};
