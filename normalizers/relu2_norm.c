/* relu2.norm: ratio(relu(x)^2), y_i = relu(x_i)^2 / sum_j relu(x_j)^2 (SPEC
 * section 3).  One rounding in h (the square): ratio.h's bound is (n + 2) u.
 *
 * Like spherical, the square underflows (fp16: relu(x) < 2^-12.5) and
 * overflows (fp16: x > 256) in low precision; on a row with no positive
 * entry the exact sum is zero (reference zeros, kernel NaN).  Masked (-inf)
 * entries are ordinary: relu(-inf) = 0. */
#include "ratio.h"
#include "contract.h"

static const ns_contract relu2_norm_contract = {
    .summary = "ratio(relu(x)^2): 0 / 0 on rows with no positive entry; squares overflow",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){ NS_RATIO_PROMISE(8), NS_END_PROMISES },
    .hazards = (const ns_hazard[]){
        NS_HAZARD_LONG_ROW_SUM,
        NS_HAZARD_ALL_MASKED,
        NS_HAZARD_RELU_ZERO,
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_OVERFLOW,
                  "relu(x)^2 overflows for x > sqrt(max finite) (fp16: 256): inf / inf = NaN; "
                  "the backward's 2 relu(x) / S overflows where S is tiny"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_UNDERFLOW,
                  "relu(x)^2 underflows to subnormals or to 0 for small x (fp16: below 2^-7 and "
                  "2^-12.5): weights lose their precision or vanish, and 0 / 0 follows"),
        NS_HAZARD_SUBNORMAL_SUM,
        NS_HAZARD_RATIO_EXPLODING_GRADIENT,
        NS_END_HAZARDS,
    },
};

NS_RATIO_KERNELS(relu2_norm, relu2_h, relu2_dh)

static double relu2_h(const ns_ops *op, double x)
{
    double r = ns_relu(x);
    return ns_mul(op, r, r);
}

static double relu2_dh(const ns_ops *op, double x)
{
    return ns_mul(op, 2.0, ns_relu(x));
}

const ns_family ns_family_relu2_norm = {
    .name = "relu2.norm",
    .definition = "ratio(relu(x)^2): y_i = relu(x_i)^2 / sum_j relu(x_j)^2",
    .order = 80,
    .algorithms = (const ns_algorithm[]){
        { .name = "relu2.norm", .summary = "relu(x)^2 / sum relu(x)^2",
          .forward = relu2_norm_forward, .backward = relu2_norm_backward,
          .contract = &relu2_norm_contract },
        NS_END_ALGORITHMS,
    },
};
