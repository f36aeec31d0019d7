/* softmax: hand-derived reference values and the documented fp16 failures. */
#include <criterion/criterion.h>
#include <math.h>

#include "testlib.h"

Test(softmax_reference, uniform_rows_give_one_over_n)
{
    double x[7], y[7];
    for (size_t n = 1; n <= 7; n++) {
        for (size_t i = 0; i < n; i++)
            x[i] = 3.25;
        ns_test_reference("softmax", NULL, x, NULL, y, NULL, n);
        for (size_t i = 0; i < n; i++)
            cr_expect_eq(y[i], 1.0 / (double)n, "n=%zu: %a", n, y[i]);   /* 1/n rounds once */
    }
}

/* softmax([a, 0]) = (1 / (1 + e^-a), e^-a / (1 + e^-a)): exactly 1/2 at
 * a = 0; 1 and 0 once e^-a is below half the smallest subnormal; e^-a
 * itself, rounded, while e^-a is far below u. */
Test(softmax_reference, two_logits_are_a_logistic)
{
    double x[2] = { 0, 0 }, y[2];
    ns_test_reference("softmax", NULL, x, NULL, y, NULL, 2);
    cr_expect_eq(y[0], 0.5);
    x[0] = 800;                 /* e^-800 < 2^-1075: rounds to 0 */
    ns_test_reference("softmax", NULL, x, NULL, y, NULL, 2);
    cr_expect_eq(y[0], 1.0);
    cr_expect_eq(y[1], 0x0p0);
    /* e^-700 rounds to 0x1.14f2b0fb9307fp-1010, a normal double, and so
     * does e^-700 / (1 + e^-700) (both by MPFR at 2000 bits, mpfr_exp and
     * mpfr_div, rounded to nearest). */
    x[0] = 700;
    ns_test_reference("softmax", NULL, x, NULL, y, NULL, 2);
    cr_expect_eq(y[1], 0x1.14f2b0fb9307fp-1010, "%a", y[1]);
}

Test(softmax_reference, huge_and_tiny_logits)
{
    double x[3] = { 1e308, -1e308, 5e-324 }, y[3];
    ns_test_reference("softmax", NULL, x, NULL, y, NULL, 3);
    cr_expect_eq(y[0], 1.0);
    cr_expect_eq(y[1], 0.0);
    cr_expect_eq(y[2], 0.0);
    double t[2] = { 1e-300, -1e-300 }, yt[2];
    ns_test_reference("softmax", NULL, t, NULL, yt, NULL, 2);
    cr_expect_eq(yt[0], 0.5);     /* 1/2 + 1e-300/2 rounds to 1/2 */
    cr_expect_eq(yt[1], 0.5);
}

Test(softmax_reference, masked_entries_and_all_masked_rows)
{
    double x[3] = { -INFINITY, 2.0, -INFINITY }, y[3], g[3] = { 1, 2, 3 }, dx[3];
    ns_test_reference("softmax", NULL, x, g, y, dx, 3);
    cr_expect_eq(y[0], 0.0);
    cr_expect_eq(y[1], 1.0);
    cr_expect_eq(dx[1], 0.0);
    double m[2] = { -INFINITY, -INFINITY }, ym[2], gm[2] = { 1, 1 }, dm[2];
    ns_test_reference("softmax", NULL, m, gm, ym, dm, 2);
    cr_expect(ym[0] == 0 && ym[1] == 0 && dm[0] == 0 && dm[1] == 0);
}

Test(softmax_reference, constant_gradient_gives_exact_zero)
{
    double x[3] = { 0.1, -2, 7 }, g[3] = { 5, 5, 5 }, y[3], dx[3];
    ns_test_reference("softmax", NULL, x, g, y, dx, 3);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(dx[i], 0.0);
    /* Uniform row, g = (1, 2, 3): <g, y> = 2 so dx = (1/3)(g - 2) = (-1/3, 0, 1/3). */
    double u[3] = { 0, 0, 0 }, gu[3] = { 1, 2, 3 };
    ns_test_reference("softmax", NULL, u, gu, y, dx, 3);
    cr_expect_eq(dx[0], -1.0 / 3);
    cr_expect_eq(dx[1], 0.0);
    cr_expect_eq(dx[2], 1.0 / 3);
}

/* An exact tie.  Uniform row of 3, g = (2^56, 7 2^53, -9):
 * dx_0 = (1/3)(g_0 - <g, y>) = (2 g_0 - g_1 - g_2) / 9 = (9 2^53 + 9) / 9
 * = 2^53 + 1, halfway between the doubles 2^53 and 2^53 + 2, which no
 * enclosure excludes: the driver runs to its cap, counts the entry as
 * uncertain, and rounds the tie to even, 2^53. */
Test(softmax_reference, an_exact_tie_rounds_to_even_at_the_cap)
{
    double x[3] = { 0, 0, 0 }, g[3] = { 0x1p56, 0x1.cp55, -9 }, y[3], dx[3];
    ns_ref_stats st;
    cr_assert_eq(ns_ref_eval(ns_reference_find("softmax"), NULL, x, g, 3, y, dx, &st), 0);
    cr_expect_eq(dx[0], 0x1p53, "%a", dx[0]);
    cr_expect_eq(st.uncertain, 1);
    cr_expect_geq(st.prec, NS_REF_MAX_PREC);
    /* dx_1 = (2 g_1 - g_0 - g_2) / 9 = (2/3) 2^53 + 1 is no tie. */
    cr_expect_eq(dx[1], 0x1.5555555555556p52, "%a", dx[1]);
}

/* The documented failures (issue: the catalogue), reproduced exactly. */

Test(softmax_fp16, naive_overflows_where_shifted_does_not)
{
    /* e^11.09375 = 65625.6... > 65504 (fp16 max): inf / inf = NaN. */
    double x[2] = { 11.09375, 0 }, y[2];
    ns_test_forward("softmax.naive", "fp16", x, y, 2);
    cr_expect(isnan(y[0]), "%a", y[0]);
    ns_test_forward("softmax.shifted", "fp16", x, y, 2);
    cr_expect(!isnan(y[0]) && !isnan(y[1]));
    cr_expect_eq(y[0], 1.0);
}

Test(softmax_fp16, sequential_sum_of_4096_ones_stalls_at_2048)
{
    /* 2048 + 1 is a tie in fp16 (ulp 2) and rounds to even 2048. */
    static double x[4096], y[4096];
    ns_test_forward("softmax.shifted", "fp16", x, y, 4096);
    cr_expect_eq(y[0], 0x1p-11);
    cr_expect_eq(y[4095], 0x1p-11);
    ns_test_run("softmax.shifted", "fp16", NS_SUM_PAIRWISE, NULL, x, NULL, y, NULL, 4096, NULL);
    cr_expect_eq(y[0], 0x1p-12);
    ns_test_forward("softmax.shifted", "fp16-acc32", x, y, 4096);
    cr_expect_eq(y[0], 0x1p-12);
}

Test(softmax_fp16, division_free_form_does_not_sum_to_one)
{
    double x[3] = { 200, 199, 198 }, y[3];
    ns_test_forward("softmax.lse", "fp16", x, y, 3);
    double s = y[0] + y[1] + y[2];
    cr_expect(s > 1.03 && s < 1.036, "sum %.6f", s);
    ns_test_forward("softmax.shifted", "fp16", x, y, 3);
    s = y[0] + y[1] + y[2];
    cr_expect(fabs(s - 1) < 0x1p-9, "shifted sum %.6f", s);
}

Test(softmax_fp16, online_meets_nan_on_a_leading_mask)
{
    double x[3] = { -INFINITY, 1, 2 }, y[3];
    ns_test_forward("softmax.online", "fp32", x, y, 3);
    cr_expect(isnan(y[1]));
    double z[3] = { 1, -INFINITY, 2 }, yz[3];
    ns_test_forward("softmax.online", "fp32", z, yz, 3);
    cr_expect(!isnan(yz[0]) && yz[1] == 0);
}
