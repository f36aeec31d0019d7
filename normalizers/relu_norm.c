/* relu.norm: ratio(relu(x)), y_i = relu(x_i) / sum_j relu(x_j) (SPEC
 * section 3).  relu is exact, so ratio.h's bound is n u (sequential sum).
 *
 * On a row with no positive entry the exact sum is zero: the reference
 * gives zeros, the kernel 0 / 0 = NaN in every format.  Masked (-inf)
 * entries are ordinary: relu(-inf) = 0. */
#include "ratio.h"
#include "contract.h"

static const ns_contract relu_norm_contract = {
    .summary = "ratio(relu(x)): 0 / 0 on rows with no positive entry",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){ NS_RATIO_PROMISE(8), NS_END_PROMISES },
    .hazards = (const ns_hazard[]){
        NS_HAZARD_LONG_ROW_SUM,
        NS_HAZARD_ALL_MASKED,
        NS_HAZARD_RELU_ZERO,
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_OVERFLOW,
                  "the sum of large positive logits overflows (fp16: above 65504): inf / inf = "
                  "NaN; the backward's 1 / S overflows where S is tiny"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_UNDERFLOW,
                  "subnormal positive logits make a subnormal sum whose relative precision is "
                  "lost, and the backward's products underflow"),
        NS_HAZARD_SUBNORMAL_SUM,
        NS_HAZARD_RATIO_EXPLODING_GRADIENT,
        NS_END_HAZARDS,
    },
};

NS_RATIO_KERNELS(relu_norm, relu_h, relu_dh)

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

const ns_family ns_family_relu_norm = {
    .name = "relu.norm",
    .definition = "ratio(relu(x)): y_i = relu(x_i) / sum_j relu(x_j)",
    .order = 70,
    .algorithms = (const ns_algorithm[]){
        { .name = "relu.norm", .summary = "relu(x) / sum relu(x)",
          .forward = relu_norm_forward, .backward = relu_norm_backward,
          .contract = &relu_norm_contract },
        NS_END_ALGORITHMS,
    },
};
