/* What a policy's formats do at their edges is expected of every algorithm
 * (normalizers/contract.c): e4m3 overflowing to NaN, saturation, flushing
 * (+ftz, +daz) zeroing a denominator, MX outputs sharing their block's
 * scale.  Such findings are hazards, never broken promises; in formats that
 * do none of this, the same findings stay unexpected (tests/cli/policies.sh
 * has the search find the e4m3 overflow of logsoftmax and call it
 * expected). */
#include <criterion/criterion.h>

#include "../normalizers/contract.h"
#include "testlib.h"

static const ns_contract *contract(const char *alg)
{
    return ns_contract_of(ns_algorithm_find(alg, NULL));
}

Test(format_hazards, each_format_rule_is_expected_where_the_policy_has_it)
{
    static const struct { const char *alg, *policy; ns_kind kind; ns_cause cause; } cases[] = {
        /* logsoftmax outputs below -464 become NaN in e4m3 */
        { "logsoftmax.shifted", "e4m3-io", NS_KIND_NAN, NS_CAUSE_OVERFLOW },
        { "softmax.shifted", "in=e4m3fnuz,work=fp32", NS_KIND_NAN, NS_CAUSE_OVERFLOW },
        /* a saturated sum is finite and wrong */
        { "softmax.shifted", "in=fp16,work=fp16,acc=e3m2", NS_KIND_SUM, NS_CAUSE_OVERFLOW },
        { "logsoftmax.shifted", "in=e4m3+sat,work=fp32", NS_KIND_ERROR, NS_CAUSE_OVERFLOW },
        /* flushing: a sum of flushed exponentials is 0, and 0 / 0 = NaN */
        { "relu.norm", "in=fp16,work=fp16+ftz", NS_KIND_NAN, NS_CAUSE_ZERO_DENOMINATOR },
        { "spherical", "in=bf16,work=bf16+daz", NS_KIND_NAN, NS_CAUSE_UNDERFLOW },
        { "softmax.shifted", "in=fp16,work=fp32,acc=fp32+ftz", NS_KIND_DENOMINATOR,
          NS_CAUSE_SUBNORMAL_DENOMINATOR },
        /* an MX output far below its block's largest */
        { "softmax.shifted", "in=fp16,work=fp32,out=mxfp8-e4m3", NS_KIND_ERROR, NS_CAUSE_ORDINARY },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const ns_policy *p = ns_policy_find(cases[k].policy);
        cr_assert(p, "%s", cases[k].policy);
        cr_expect(ns_contract_hazard(contract(cases[k].alg), p, cases[k].kind, cases[k].cause),
                  "%s in %s: %s from %s is not expected", cases[k].alg, cases[k].policy,
                  ns_kind_name(cases[k].kind), ns_cause_name(cases[k].cause));
    }
}

Test(format_hazards, formats_without_the_rule_promise_it_does_not_happen)
{
    const ns_policy *fp16 = ns_policy_find("fp16"), *io = ns_policy_find("fp16-io");
    cr_expect(!ns_contract_hazard(contract("logsoftmax.shifted"), io, NS_KIND_NAN, NS_CAUSE_OVERFLOW));
    cr_expect(!ns_contract_hazard(contract("softmax.shifted"), fp16, NS_KIND_DENOMINATOR,
                                  NS_CAUSE_SUBNORMAL_DENOMINATOR));
    cr_expect(!ns_contract_hazard(contract("softmax.shifted"), io, NS_KIND_ERROR, NS_CAUSE_ORDINARY));
    /* e5m2 overflows to inf as IEEE formats do: no NaN rule */
    cr_expect(!ns_contract_hazard(contract("softmax.shifted"), ns_policy_find("e5m2-io"), NS_KIND_NAN,
                                  NS_CAUSE_OVERFLOW));
}

/* A stochastic format errs by up to an ulp: its unit roundoff is 2^(1-p),
 * and the contracts' bounds, in units of it, double. */
Test(format_hazards, stochastic_rounding_doubles_the_unit_roundoff)
{
    cr_expect_eq(ns_unit_roundoff(ns_format_find("fp16+sr")), 0x1p-10);
    cr_expect_eq(ns_unit_roundoff(&ns_fp16), 0x1p-11);
    cr_expect_eq(ns_policy_u_work(ns_policy_find("in=fp16,work=fp16+sr,acc=fp32")), 0x1p-10);
    cr_expect_eq(ns_policy_u_work(ns_policy_find("bf16-torch")), 0x1p-8);   /* tot = bf16 */
}
