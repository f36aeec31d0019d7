/* softmax1: hand-derived reference values and the documented fp16 failure. */
#include <criterion/criterion.h>
#include <math.h>

#include "testlib.h"

Test(softmax1_reference, zeros_give_one_over_n_plus_one)
{
    /* e^0 / (1 + n e^0) = 1 / (n + 1): one correctly rounded division. */
    double x[7] = { 0 }, y[7];
    for (size_t n = 1; n <= 7; n++) {
        ns_test_reference("softmax1", NULL, x, NULL, y, NULL, n);
        for (size_t i = 0; i < n; i++)
            cr_expect_eq(y[i], 1.0 / (double)(n + 1), "n=%zu: %a", n, y[i]);
    }
}

Test(softmax1_reference, single_logit_and_its_gradient)
{
    /* n = 1, x = 0: y = 1/2, dx = y (g - g y) = g / 4. */
    double x = 0, g = 3, y, dx;
    ns_test_reference("softmax1", NULL, &x, &g, &y, &dx, 1);
    cr_expect_eq(y, 0.5);
    cr_expect_eq(dx, 0.75);
    /* Uniform zeros, n = 3, g = (1, 2, 5): y = 1/4, <g, y> = 2,
     * dx = (1/4)(g - 2) = (-1/4, 0, 3/4). */
    double z[3] = { 0, 0, 0 }, gz[3] = { 1, 2, 5 }, yz[3], dz[3];
    ns_test_reference("softmax1", NULL, z, gz, yz, dz, 3);
    cr_expect_eq(dz[0], -0.25);
    cr_expect_eq(dz[1], 0.0);
    cr_expect_eq(dz[2], 0.75);
}

Test(softmax1_reference, exact_cancellation_is_certified_at_once)
{
    /* Zeros, n = 5: y = 1/6 (inexact), g = (1, 1, 1, 1, 2): <g, y> = 1, so
     * dx = (0, 0, 0, 0, 1/6); the zeros come out exact in the first round. */
    double x[5] = { 0 }, g[5] = { 1, 1, 1, 1, 2 }, y[5], dx[5];
    ns_ref_stats st;
    cr_assert_eq(ns_ref_eval(ns_reference_find("softmax1"), NULL, x, g, 5, y, dx, &st), 0);
    for (int i = 0; i < 4; i++)
        cr_expect_eq(dx[i], 0.0, "dx[%d]=%a", i, dx[i]);
    cr_expect_eq(dx[4], 1.0 / 6);
    cr_expect_eq(st.rounds, 1);
}

Test(softmax1_reference, masked_entries)
{
    /* [-inf, 0]: y = (0, 1/2); g = (1, 2): <g, y> = 1, dx = (0, 1/2). */
    double x[2] = { -INFINITY, 0 }, g[2] = { 1, 2 }, y[2], dx[2];
    ns_test_reference("softmax1", NULL, x, g, y, dx, 2);
    cr_expect(y[0] == 0 && y[1] == 0.5);
    cr_expect(dx[0] == 0 && dx[1] == 0.5);
    /* All masked: the sum is 1 (not a zero denominator), every output 0. */
    double m[3] = { -INFINITY, -INFINITY, -INFINITY }, gm[3] = { 1, 2, 3 }, ym[3], dm[3];
    ns_test_reference("softmax1", NULL, m, gm, ym, dm, 3);
    for (int i = 0; i < 3; i++)
        cr_expect(ym[i] == 0 && dm[i] == 0);
}

Test(softmax1_reference, huge_tiny_and_subnormal_logits)
{
    /* 1e300 takes everything: 1 / (1 + e^-1e300 + e^-2e300) rounds to 1. */
    double x[2] = { 1e300, -1e300 }, y[2];
    ns_test_reference("softmax1", NULL, x, NULL, y, NULL, 2);
    cr_expect_eq(y[0], 1.0);
    cr_expect_eq(y[1], 0.0);
    /* Very negative logits: e^x / (1 + ...) ~ e^x, 0 in binary64. */
    double neg[2] = { -1e300, -1e300 }, yn[2];
    ns_test_reference("softmax1", NULL, neg, NULL, yn, NULL, 2);
    cr_expect(yn[0] == 0 && yn[1] == 0);
    /* Tiny logits: 1/3 up to far less than an ulp. */
    double t[2] = { 1e-300, -1e-300 }, s[2] = { 0x1p-1074, -0x1p-1074 }, yt[2], ys[2];
    ns_test_reference("softmax1", NULL, t, NULL, yt, NULL, 2);
    ns_test_reference("softmax1", NULL, s, NULL, ys, NULL, 2);
    for (int i = 0; i < 2; i++) {
        cr_expect_eq(yt[i], 1.0 / 3, "%a", yt[i]);
        cr_expect_eq(ys[i], 1.0 / 3, "%a", ys[i]);
    }
}

Test(softmax1_reference, minus_twelve_against_mpfr)
{
    /* e^-12 / (1 + 4 e^-12), computed here with MPFR at 256 bits. */
    double x[4] = { -12, -12, -12, -12 }, y[4];
    ns_test_reference("softmax1", NULL, x, NULL, y, NULL, 4);
    mpfr_t e, s;
    mpfr_inits2(256, e, s, (mpfr_ptr)0);
    mpfr_set_si(e, -12, MPFR_RNDN);
    mpfr_exp(e, e, MPFR_RNDN);
    mpfr_mul_ui(s, e, 4, MPFR_RNDN);
    mpfr_add_ui(s, s, 1, MPFR_RNDN);
    mpfr_div(e, e, s, MPFR_RNDN);
    double want = mpfr_get_d(e, MPFR_RNDN);
    mpfr_clears(e, s, (mpfr_ptr)0);
    for (int i = 0; i < 4; i++)
        cr_expect_eq(y[i], want, "%a vs %a", y[i], want);
    cr_expect(want > 6.14e-6 && want < 6.15e-6);
}

/* The documented failure, reproduced exactly. */

Test(softmax1_fp16, shifted_loses_everything_below_minus_eleven)
{
    /* shifted: m = -12, e^{x - m} = 1, but e^{-m} = e^12 = 162754.8 > 65504
     * overflows: s = inf and every y = 1 / inf = 0.
     * stable: c = max(-12, 0) = 0.  e^-12 = 6.1442e-6 lies in fp16's
     * subnormal range (spacing 2^-24); 6.1442e-6 * 2^24 = 103.08, so it
     * rounds to 103 * 2^-24.  The sum 4 * 103 * 2^-24 = 412 * 2^-24 is exact
     * (subnormals add exactly), and 1 + 412 * 2^-24 = 1 + 2.46e-5 rounds to 1
     * (half an ulp of 1 is 2^-11 = 4.9e-4).  So y = 103 * 2^-24 = 6.139e-6,
     * against the true 6.1441e-6 (also 103.08 * 2^-24): the true value
     * correctly rounded to fp16. */
    double x[4] = { -12, -12, -12, -12 }, y[4];
    ns_test_forward("softmax1.shifted", "fp16", x, y, 4);
    for (int i = 0; i < 4; i++)
        cr_expect_eq(y[i], 0.0, "%a", y[i]);
    ns_test_forward("softmax1.stable", "fp16", x, y, 4);
    for (int i = 0; i < 4; i++)
        cr_expect_eq(y[i], 103 * 0x1p-24, "%a", y[i]);
}

Test(softmax1_fp32, stable_handles_an_all_masked_row)
{
    /* stable: c = 0, every e^{-inf} = 0, s = 1: zeros, like the reference.
     * shifted: m = -inf, (-inf) - (-inf) = NaN. */
    double x[2] = { -INFINITY, -INFINITY }, y[2];
    ns_test_forward("softmax1.stable", "fp32", x, y, 2);
    cr_expect(y[0] == 0 && y[1] == 0);
    ns_test_forward("softmax1.shifted", "fp32", x, y, 2);
    cr_expect(isnan(y[0]) && isnan(y[1]));
}
