/* Contracts (normalizers/contract.h): policy patterns, domains and their
 * projection, bounds computed by hand, and the table covering the catalogue. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "../normalizers/contract.h"
#include "testlib.h"

Test(contract, policy_patterns)
{
    cr_expect(ns_policies_match("*", "bf16-io"));
    cr_expect(ns_policies_match("fp16", "fp16"));
    cr_expect(!ns_policies_match("fp16", "fp16-acc32"));
    cr_expect(ns_policies_match("fp16*", "fp16-acc32"));
    cr_expect(ns_policies_match("fp16*", "fp16"));
    cr_expect(!ns_policies_match("fp16*", "bf16"));
    cr_expect(ns_policies_match("fp32,bf16", "bf16"));
    cr_expect(!ns_policies_match("fp32,bf16", "fp64"));
    cr_expect(!ns_policies_match("", "fp16"));
}

Test(contract, kind_and_cause_names_round_trip)
{
    for (int k = 0; k < NS_KIND_COUNT; k++)
        cr_expect_eq(ns_kind_find(ns_kind_name((ns_kind)k)), k);
    for (int c = 0; c < NS_CAUSE_COUNT; c++)
        cr_expect_eq(ns_cause_find(ns_cause_name((ns_cause)c)), c);
    cr_expect_eq(ns_kind_find("nope"), -1);
    cr_expect_str_eq(ns_kind_name(NS_KIND_ANY), "any");
    /* The objectives of `normstab search` (SPEC section 4) are the first six. */
    const char *spec[] = { "nan", "inf", "error", "sum", "denominator", "gradient" };
    for (int k = 0; k < NS_OBJECTIVE_COUNT; k++)
        cr_expect_str_eq(ns_kind_name((ns_kind)k), spec[k]);
}

static void noop_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    (void)op;
    memcpy(y, x, n * sizeof *y);
}

static const ns_contract own_contract = { .summary = "its own" };

Test(contract, which_contract_applies)
{
    const ns_algorithm *shifted = ns_algorithm_find("softmax.shifted", NULL);
    cr_assert(shifted);
    cr_expect_neq(ns_contract_of(shifted), &ns_contract_default);
    cr_expect_eq(ns_contract_of(shifted), shifted->contract);
    ns_algorithm stranger = { .name = "test.stranger", .forward = noop_forward };
    cr_expect_eq(ns_contract_of(&stranger), &ns_contract_default);
    ns_algorithm own = { .name = "softmax.shifted", .forward = noop_forward, .contract = &own_contract };
    cr_expect_eq(ns_contract_of(&own), &own_contract);
}

Test(contract, every_algorithm_of_the_catalogue_states_its_contract)
{
    for (const ns_family *const *f = ns_families(); *f; f++)
        for (const ns_algorithm *a = (*f)->algorithms; a->name; a++) {
            const ns_contract *c = ns_contract_of(a);
            cr_expect_neq(c, &ns_contract_default, "%s has no contract of its own", a->name);
            cr_expect(c->summary && *c->summary, "%s: no summary", a->name);
            for (const ns_hazard *h = c->hazards; h && h->why; h++) {
                cr_expect(strlen(h->why) > 20, "%s: a hazard without its explanation", a->name);
                cr_expect(h->kind == NS_KIND_ANY || (h->kind >= 0 && h->kind < NS_KIND_COUNT));
                cr_expect(h->cause == NS_CAUSE_ANY || (h->cause >= 0 && h->cause < NS_CAUSE_COUNT));
            }
            for (size_t i = 0; ns_policies[i]; i++)
                if (!ns_policy_is_ref(ns_policies[i]))
                    cr_expect(ns_contract_promise(c, ns_policies[i])->policies,
                              "%s promises nothing in %s", a->name, ns_policies[i]->name);
        }
}

Test(contract, the_textbook_hazards_are_stated)
{
    /* The documented hazards are expected findings, not broken promises. */
    const ns_policy *fp16 = ns_policy_find("fp16");
    struct { const char *alg; ns_kind kind; ns_cause cause; } expected[] = {
        { "softmax.naive", NS_KIND_NAN, NS_CAUSE_OVERFLOW },
        { "spherical", NS_KIND_NAN, NS_CAUSE_UNDERFLOW },
        { "relu.norm", NS_KIND_NAN, NS_CAUSE_ZERO_DENOMINATOR },
        { "softmax.shifted", NS_KIND_NAN, NS_CAUSE_ALL_MASKED },
        { "softmax.lse", NS_KIND_SUM, NS_CAUSE_LARGE_LOGITS },
    };
    for (size_t k = 0; k < sizeof expected / sizeof expected[0]; k++) {
        const ns_contract *c = ns_contract_of(ns_algorithm_find(expected[k].alg, NULL));
        cr_expect(ns_contract_hazard(c, fp16, expected[k].kind, expected[k].cause), "%s", expected[k].alg);
    }
    /* ... and what cannot happen is promised: no NaN from overflow in the
     * shifted softmax or in softmax1.stable, not even on masked rows for the latter. */
    const ns_contract *shifted = ns_contract_of(ns_algorithm_find("softmax.shifted", NULL));
    const ns_contract *stable = ns_contract_of(ns_algorithm_find("softmax1.stable", NULL));
    cr_expect(ns_contract_promise(shifted, fp16)->no_nan);
    cr_expect(!ns_contract_hazard(shifted, fp16, NS_KIND_NAN, NS_CAUSE_OVERFLOW));
    cr_expect(!ns_contract_hazard(stable, fp16, NS_KIND_NAN, NS_CAUSE_ALL_MASKED));
    cr_expect(!ns_contract_hazard(stable, fp16, NS_KIND_NAN, NS_CAUSE_OVERFLOW));
}

Test(contract, domains)
{
    ns_domain finite = { 0 }, masked = { .flags = NS_DOMAIN_MASKED },
              all = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED }, small = { .max_abs = 10 };
    double row[3] = { 1, -INFINITY, 2 }, none[2] = { -INFINITY, -INFINITY };
    double bad_nan[2] = { 1, NAN }, bad_inf[2] = { 1, INFINITY };
    cr_expect(!ns_domain_contains(&finite, row, 3));
    cr_expect(ns_domain_contains(&masked, row, 3));
    cr_expect(!ns_domain_contains(&masked, none, 2));
    cr_expect(ns_domain_contains(&all, none, 2));
    cr_expect(!ns_domain_contains(&all, bad_nan, 2));
    cr_expect(!ns_domain_contains(&all, bad_inf, 2));
    double big[2] = { 10, -10.5 };
    cr_expect(!ns_domain_contains(&small, big, 2));
    cr_expect(!ns_domain_contains(&all, row, 0));
}

Test(contract, projection_into_a_domain)
{
    ns_domain finite = { .max_abs = 100.3 };
    double x[5] = { NAN, INFINITY, -INFINITY, 200, -3 };
    ns_domain_project(&finite, &ns_fp16, x, 5);
    cr_expect_eq(x[0], 0.0);
    /* +inf and -inf become +-65504, then the bound clamps them: the largest
     * fp16 value not above 100.3 is 100.25 (spacing 1/16 in [64, 128)). */
    cr_expect_eq(x[1], 100.25);
    cr_expect_eq(x[2], -100.25);
    cr_expect_eq(x[3], 100.25);
    cr_expect_eq(x[4], -3.0);
    ns_domain masked = { .flags = NS_DOMAIN_MASKED };
    double m[2] = { -INFINITY, -INFINITY };
    ns_domain_project(&masked, &ns_fp16, m, 2);
    cr_expect_eq(m[0], 0.0, "an all-masked row gets one finite entry");
    cr_expect_eq(m[1], -INFINITY);
}

Test(contract, gradient_projection_keeps_the_one_norm_below_max_over_16)
{
    /* fp16: the cap is 65504 / 16 = 4094; 4000 + 4000 = 8000 halves once to 4000. */
    double g[2] = { 4000, -4000 };
    ns_domain_project_grad(&ns_fp16, g, 2);
    cr_expect_eq(g[0], 2000.0);
    cr_expect_eq(g[1], -2000.0);
    double h[3] = { NAN, INFINITY, 1 };
    ns_domain_project_grad(&ns_fp16, h, 3);
    cr_expect_eq(h[0], 0.0);
    cr_expect(fabs(h[1]) + fabs(h[2]) <= 4094, "%a %a", h[1], h[2]);
    cr_expect(h[1] > 0);
    /* fp64: the 1-norm of [max, -max, inf] overflows; the cap is 2^1020
     * (1 - 2^-53), and each entry becomes max / 2^6 = 2^1018 (1 - 2^-53)
     * (sum 3 2^1018 < 2^1020; one halving fewer leaves 3 2^1019 above). */
    double big[3] = { DBL_MAX, -DBL_MAX, INFINITY };
    ns_domain_project_grad(&ns_fp64, big, 3);
    cr_expect_eq(big[0], ldexp(DBL_MAX, -6), "%a", big[0]);
    cr_expect_eq(big[1], -ldexp(DBL_MAX, -6), "%a", big[1]);
    cr_expect_eq(big[2], ldexp(DBL_MAX, -6), "%a", big[2]);
}

Test(contract, bounds_by_hand)
{
    const ns_policy *fp16 = ns_policy_find("fp16"), *io = ns_policy_find("fp16-io");
    const ns_policy *acc = ns_policy_find("fp16-acc32");
    double x[3] = { 0, -100, 2 };
    ns_bound b = { .c0 = 8, .cn = 2 };
    cr_expect_eq(ns_bound_eval(&b, fp16, x, 3, NAN), 14 * 0x1p-11);
    /* u_work is that of the coarser of elem and acc. */
    cr_expect_eq(ns_bound_eval(&b, acc, x, 3, NAN), 14 * 0x1p-11);
    cr_expect_eq(ns_bound_eval(&b, io, x, 3, NAN), 14 * 0x1p-24);
    /* The spread, 102, is capped at ln(1 / 2^-24) = 24 ln 2 in fp16. */
    ns_bound s = { .cs = 1 };
    cr_expect(fabs(ns_bound_eval(&s, fp16, x, 3, NAN) - 24 * log(2.0) * 0x1p-11) < 1e-15);
    ns_bound q = { .cx = 1, .cq = 1 };          /* 100 + 9 * 101 = 1009 */
    cr_expect_eq(ns_bound_eval(&q, fp16, x, 3, NAN), 1009 * 0x1p-11);
    ns_bound none = { 0 };
    cr_expect(!ns_bound_is_set(&none));
    cr_expect(isinf(ns_bound_eval(&none, fp16, x, 3, NAN)));
}
