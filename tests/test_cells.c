/* The words of the report's verdicts (report/cells.h): each cause said as
 * a reader can act on it. */
#include <criterion/criterion.h>
#include <string.h>

#include "../report/cells.h"

static const char *words_of(ns_kind kind, ns_cause cause, const char *policy, double max_x, size_t n,
                            size_t length_fail, bool exp_of_logit)
{
    static char buf[200];
    ns_cell_failure f = { NS_VERDICT_BROKEN, kind, cause, ns_policy_find(policy), n, max_x, -max_x, 7.5,
                          length_fail, exp_of_logit };
    ns_cell_cause_words(&f, buf, sizeof buf);
    return buf;
}

/* The words for a family that exponentiates its logits (softmax). */
static const char *words(ns_kind kind, ns_cause cause, const char *policy, double max_x, size_t n,
                         size_t length_fail)
{
    return words_of(kind, cause, policy, max_x, n, length_fail, true);
}

Test(cells, an_overflow_of_exp_names_the_largest_logit_it_survives)
{
    cr_expect_str_eq(words(NS_KIND_NAN, NS_CAUSE_OVERFLOW, "fp16", 12.5, 16, 0),
                     "exp overflows for a logit above 11.09 (fp16)");
}

Test(cells, an_overflow_below_that_logit_is_the_sum_s)
{
    cr_expect_str_eq(words(NS_KIND_INF, NS_CAUSE_OVERFLOW, "fp16", 3, 65536, 0),
                     "a sum overflows the range of fp16 (max 65504)");
}

Test(cells, an_overflow_without_exp_names_no_exp_threshold)
{
    /* relu2.norm: relu(300)^2 = 90000 > 65504 overflows fp16; no exp, so
     * not "above 11.09". */
    cr_expect_str_eq(words_of(NS_KIND_NAN, NS_CAUSE_OVERFLOW, "fp16", 300, 16, 0, false),
                     "an overflow in fp16 for logits as large as 300");
}

Test(cells, a_zero_denominator_without_a_positive_logit_says_so)
{
    cr_expect_str_eq(words(NS_KIND_NAN, NS_CAUSE_ZERO_DENOMINATOR, "fp32", 0, 16, 0),
                     "0/0 when no logit is positive");
}

Test(cells, a_long_row_names_the_envelope_s_first_failing_length)
{
    cr_expect_str_eq(words(NS_KIND_ERROR, NS_CAUSE_LONG_ROW, "fp16", 3, 65536, 2048),
                     "the fp16 sum stagnates past n = 2048 (7.5 bits lost)");
}

Test(cells, a_gradient_failure_is_said_to_be_the_backward_pass_s)
{
    const char *w = words(NS_KIND_GRADIENT, NS_CAUSE_ORDINARY, "fp16-io", 1, 16, 0);
    cr_expect(strncmp(w, "backward pass: ", 15) == 0, "%s", w);
}

Test(cells, verdicts_are_named_as_results_json_spells_them)
{
    cr_expect_str_eq(ns_cell_verdict_name(NS_CELL_SAFE), "safe");
    cr_expect_str_eq(ns_cell_verdict_name(NS_CELL_SAFE_WITHIN), "safe-within");
    cr_expect_str_eq(ns_cell_verdict_name(NS_CELL_UNSAFE), "unsafe");
}
