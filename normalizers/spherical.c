/* spherical: ratio(x^2 + eps), eps = 0 by default (SPEC section 3):
 * y_i = (x_i^2 + eps) / sum_j (x_j^2 + eps).
 *
 * Error: ratio.h's (n + 2c) u with c = 1 for eps = 0 (the square) and c = 2
 * for eps > 0.  The squares are where low precision breaks it: in fp16
 * x^2 underflows to 0 for |x| < 2^-12.5 (about 1.7e-4), so a row of small
 * logits gives 0 / 0 = NaN, and it overflows to inf for |x| > 256, giving
 * inf / inf = NaN.  At x = 0 with eps = 0 the exact sum is zero (the
 * reference's zero-denominator convention); the kernel returns NaN.
 * A masked (-inf) entry makes h infinite: such rows are outside the
 * family's domain (reference NaN). */
#include "ratio.h"
#include "contract.h"

static const ns_contract spherical_contract = {
    .summary = "ratio(x^2 + eps): squares overflow and underflow in low precision",
    .domain = { .flags = 0, .why = "a masked entry makes x^2 infinite: the reference is undefined" },
    .promises = (const ns_promise[]){ NS_RATIO_PROMISE(8), NS_END_PROMISES },
    .hazards = (const ns_hazard[]){
        NS_HAZARD_LONG_ROW_SUM,
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_OVERFLOW,
                  "x^2 overflows for |x| > sqrt(max finite) (fp16: 256): inf / inf = NaN; the "
                  "backward's 2x / S overflows where S is tiny"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_UNDERFLOW,
                  "x^2 underflows to subnormals or to 0 for small |x| (fp16: below 2^-7 and "
                  "2^-12.5): weights lose their precision or vanish, and a row of small logits "
                  "gives 0 / 0 = NaN"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_ZERO_DENOMINATOR,
                  "at x = 0 (eps = 0) the exact sum is zero: the reference gives zeros, the "
                  "kernel 0 / 0 = NaN"),
        NS_HAZARD_SUBNORMAL_SUM,
        NS_HAZARD_RATIO_EXPLODING_GRADIENT,
        NS_END_HAZARDS,
    },
};

NS_RATIO_KERNELS(spherical, spherical_h, spherical_dh)

static double spherical_h(const ns_ops *op, double x)
{
    return ns_add(op, ns_mul(op, x, x), ns_const(op, op->param[0]));
}

static double spherical_dh(const ns_ops *op, double x)
{
    return ns_mul(op, 2.0, x);
}

const ns_family ns_family_spherical = {
    .name = "spherical",
    .definition = "ratio(x^2 + eps): y_i = (x_i^2 + eps) / sum_j (x_j^2 + eps)",
    .order = 50,
    .algorithms = (const ns_algorithm[]){
        { .name = "spherical", .summary = "(x^2 + eps) / sum (x^2 + eps)",
          .forward = spherical_forward, .backward = spherical_backward,
          .contract = &spherical_contract },
        NS_END_ALGORITHMS,
    },
    .params = { { "eps", 0.0, "added to every square" } },
};
