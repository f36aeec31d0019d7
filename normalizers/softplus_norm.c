/* softplus.norm: ratio(softplus), y_i = h(x_i) / sum_j h(x_j) with
 * h(x) = log(1 + e^x); dx_j = sigma(x_j) / S . (g_j - <g, y>) since
 * h' = sigma.  The ratio kernels are those of ratio.h.
 *
 * The textbook kernel computes h as log1p(exp(x)): exp overflows for
 * x > ln(max_finite) (11.09 in fp16, 88.7 in fp32) and the ratio becomes
 * inf / inf = NaN, although h(x) ~ x is harmless there.  For very negative x,
 * h(x) ~ e^x underflows to 0 and so does the weight (a relative error of 1;
 * a row of very negative logits gives 0 / 0).  Elsewhere each h_i has
 * relative error about 2u (log1p's condition number t / ((1 + t) log1p t) is
 * at most 1, so exp's rounding passes through unamplified): c = 2 in
 * ratio.h's bound, (n + 4) u per weight. */
#include "ratio.h"
#include "contract.h"

static const ns_contract softplus_norm_contract = {
    .summary = "ratio(log(1 + e^x)): exp overflows where softplus is harmless",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){ NS_RATIO_PROMISE(8), NS_END_PROMISES },
    .hazards = (const ns_hazard[]){
        NS_HAZARD_LONG_ROW_SUM, NS_HAZARD_SUBNORMAL_WEIGHTS,
        NS_HAZARD_ALL_MASKED,
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_OVERFLOW,
                  "log1p(exp(x)) overflows for x > ln(max finite) (fp16: 11.09) although h(x) "
                  "is about x there: inf / inf = NaN"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_UNDERFLOW,
                  "h(x) ~ e^x underflows for very negative x (a relative error of 1), and a row "
                  "of them gives 0 / 0"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_ZERO_DENOMINATOR, "every h(x) underflows to 0: 0 / 0 = NaN"),
        NS_HAZARD_SUBNORMAL_SUM,
        NS_HAZARD_GRADIENT_RANGE,
        NS_END_HAZARDS,
    },
};

NS_RATIO_KERNELS(softplus_norm, softplus, sigmoid)

static double softplus(const ns_ops *op, double x)
{
    return ns_log1p(op, ns_exp(op, x));
}

/* sigma(x) = 1 / (1 + e^-x) as kernels write it. */
static double sigmoid(const ns_ops *op, double x)
{
    return ns_div(op, 1.0, ns_add(op, 1.0, ns_exp(op, -x)));
}

const ns_family ns_family_softplus_norm = {
    .name = "softplus.norm",
    .definition = "y_i = h(x_i) / sum_j h(x_j), h(x) = log(1 + e^x); dx_j = sigma(x_j) / S . (g_j - <g, y>)",
    .order = 90,
    .algorithms = (const ns_algorithm[]){
        { .name = "softplus.norm", .summary = "log1p(e^x) / sum log1p(e^x) (e^x overflows for large x)",
          .forward = softplus_norm_forward, .backward = softplus_norm_backward,
          .contract = &softplus_norm_contract },
        NS_END_ALGORITHMS,
    },
    .exp_of_logit = true,
};
