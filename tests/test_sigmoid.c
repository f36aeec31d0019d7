/* sigmoid: hand-derived reference values (sigma(-ln n) = 1 / (1 + n) is
 * rational) and the documented loss in the backward pass. */
#include <criterion/criterion.h>
#include <math.h>

#include "testlib.h"

Test(sigmoid_reference, zeros_give_one_over_n_plus_one)
{
    /* y = sigma(-ln n) = 1 / (1 + n); dx = g y (1 - y) = g n / (n + 1)^2,
     * each one correctly rounded division of integers. */
    double x[7] = { 0 }, g[7], y[7], dx[7];
    for (size_t i = 0; i < 7; i++)
        g[i] = 1;
    for (size_t n = 1; n <= 7; n++) {
        ns_test_reference("sigmoid", NULL, x, g, y, dx, n);
        for (size_t i = 0; i < n; i++) {
            cr_expect_eq(y[i], 1.0 / (double)(n + 1), "n=%zu: %a", n, y[i]);
            cr_expect_eq(dx[i], (double)n / (double)((n + 1) * (n + 1)), "n=%zu: %a", n, dx[i]);
        }
    }
}

Test(sigmoid_reference, an_exact_tie_settles, .timeout = 10)
{
    /* n = 7, x = 0: dx = g 7/64 with g = 1 + 2^-51 is exactly
     * 7/64 + 3.5 ulps (the ulp at 7/64 is 2^-56): halfway between
     * 0x1.c000000000003p-4 and 0x1.c000000000004p-4; ties to even gives
     * ...004.  An enclosure of nonzero width would never settle here. */
    double x[7] = { 0 }, g[7], y[7], dx[7];
    ns_ref_stats st;
    for (size_t i = 0; i < 7; i++)
        g[i] = 1 + 0x1p-51;
    cr_assert_eq(ns_ref_eval(ns_reference_find("sigmoid"), NULL, x, g, 7, y, dx, &st), 0);
    cr_expect_eq(st.uncertain, 0);
    cr_expect_eq(y[0], 0.125);
    cr_expect_eq(dx[0], 0x1.c000000000004p-4, "%a", dx[0]);
}

Test(sigmoid_reference, single_logit_is_the_logistic)
{
    /* n = 1, ln 1 = 0: y = sigma(x).  sigma(0) = 1/2, dx = g/4. */
    double x = 0, g = -2, y, dx;
    ns_test_reference("sigmoid", NULL, &x, &g, &y, &dx, 1);
    cr_expect(y == 0.5 && dx == -0.5);
}

Test(sigmoid_reference, masked_entries)
{
    /* sigma(-inf) = 0, and its derivative 0; the others are unaffected
     * (ln n counts the masked entries: n = 3, x = 0 gives 1/4). */
    double x[3] = { -INFINITY, 0, -INFINITY }, g[3] = { 1, 1, 1 }, y[3], dx[3];
    ns_test_reference("sigmoid", NULL, x, g, y, dx, 3);
    cr_expect(y[0] == 0 && y[2] == 0 && dx[0] == 0 && dx[2] == 0);
    cr_expect_eq(y[1], 0.25);
    cr_expect_eq(dx[1], 3.0 / 16);
}

Test(sigmoid_reference, huge_tiny_and_subnormal_logits)
{
    /* sigma(1e300 - ln 2) = 1 - ~e^-1e300 rounds to 1, with dx ~ 0;
     * sigma(-1e300) ~ 0. */
    double x[2] = { 1e300, -1e300 }, g[2] = { 1, 1 }, y[2], dx[2];
    ns_test_reference("sigmoid", NULL, x, g, y, dx, 2);
    cr_expect(y[0] == 1 && y[1] == 0);
    cr_expect(dx[0] == 0 && dx[1] == 0);
    /* n = 1: sigma(1e-300) = 1/2 + 1e-300/4 rounds to 1/2; the same for
     * the smallest subnormal. */
    const double tiny[] = { 1e-300, -1e-300, 0x1p-1074, -0x1p-1074 };
    for (size_t k = 0; k < 4; k++) {
        double y1;
        ns_test_reference("sigmoid", NULL, &tiny[k], NULL, &y1, NULL, 1);
        cr_expect_eq(y1, 0.5, "x=%a: %a", tiny[k], y1);
    }
}

/* The documented loss: 1 - y cancels where y is near 1.  fp32, n = 1,
 * x = 20: 1 + e^-20 = 1 + 2.06e-9 rounds to 1 (half an ulp of 1 is
 * 2^-24 = 6e-8), so y = 1 and dx = g * 1 * (1 - 1) = 0, while the true
 * derivative is sigma(20) sigma(-20) = 2.06e-9. */
Test(sigmoid_fp32, backward_loses_the_tail)
{
    double x = 20, g = 1, y, dx, yr, dxr;
    ns_test_run("sigmoid", "fp32", NS_SUM_SEQ, NULL, &x, &g, &y, &dx, 1, NULL);
    cr_expect_eq(y, 1.0);
    cr_expect_eq(dx, 0.0);
    ns_test_reference("sigmoid", NULL, &x, &g, &yr, &dxr, 1);
    cr_expect(dxr > 2.06e-9 && dxr < 2.07e-9, "%a", dxr);
}
