/* taylor: ratio(1 + x + x^2/2), the second-order Taylor polynomial of e^x
 * (SPEC section 3).  h(x) = ((1 + x)^2 + 1) / 2 >= 1/2, so the exact sum
 * never vanishes.
 *
 * h is evaluated as a kernel writes it, (1 + x) + (x * x) * 0.5, with
 * relative error at most 4 u (|1 + x| <= h and x^2/2 <= 2h), so ratio.h's
 * bound is (n + 8) u.  Low precision breaks it through x * x: in fp16 it
 * overflows for |x| > 256 (inf / inf = NaN).  A masked (-inf) entry makes
 * h infinite (and the kernel's -inf + inf NaN): such rows are outside the
 * family's domain (reference NaN). */
#include "ratio.h"
#include "contract.h"

static const ns_contract taylor_contract = {
    .summary = "ratio(1 + x + x^2/2): h >= 1/2, but x * x overflows",
    .domain = { .flags = 0, .why = "a masked entry makes h infinite: the reference is undefined" },
    .promises = (const ns_promise[]){ NS_RATIO_PROMISE(12), NS_END_PROMISES },
    .hazards = (const ns_hazard[]){
        NS_HAZARD_LONG_ROW_SUM,
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_OVERFLOW,
                  "x * x overflows for |x| > sqrt(max finite) (fp16: 256): inf / inf = NaN"),
        NS_HAZARD_GRADIENT_RANGE,
        NS_END_HAZARDS,
    },
};

NS_RATIO_KERNELS(taylor, taylor_h, taylor_dh)

static double taylor_h(const ns_ops *op, double x)
{
    return ns_add(op, ns_add(op, 1.0, x), ns_mul(op, ns_mul(op, x, x), 0.5));
}

static double taylor_dh(const ns_ops *op, double x)
{
    return ns_add(op, 1.0, x);
}

const ns_family ns_family_taylor = {
    .name = "taylor",
    .definition = "ratio(1 + x + x^2/2): y_i = (1 + x_i + x_i^2/2) / sum_j (1 + x_j + x_j^2/2)",
    .order = 60,
    .algorithms = (const ns_algorithm[]){
        { .name = "taylor", .summary = "(1 + x + x^2/2) / sum (1 + x + x^2/2)",
          .forward = taylor_forward, .backward = taylor_backward,
          .contract = &taylor_contract },
        NS_END_ALGORITHMS,
    },
};
