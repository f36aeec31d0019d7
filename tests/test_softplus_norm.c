/* softplus.norm: hand-derived reference values and the documented failures. */
#include <criterion/criterion.h>
#include <math.h>

#include "testlib.h"

/* log2(e) = 1/ln 2 = 0x1.71547652b82fep+0 (the published binary64 constant
 * M_LOG2E). */
static const double log2e = 0x1.71547652b82fep+0;

Test(softplus_norm_reference, uniform_rows_give_one_over_n)
{
    double x[7], y[7];
    for (size_t n = 1; n <= 7; n++) {
        for (size_t i = 0; i < n; i++)
            x[i] = -1.25;
        ns_test_reference("softplus.norm", NULL, x, NULL, y, NULL, n);
        for (size_t i = 0; i < n; i++)
            cr_expect_eq(y[i], 1.0 / (double)n, "n=%zu: %a", n, y[i]);
    }
}

Test(softplus_norm_reference, gradient_at_zero)
{
    /* x = (0, 0): h = ln 2, S = 2 ln 2, sigma(0) = 1/2, y = 1/2.  g = (1, 3):
     * <g, y> = 2, dx = (1/2) / (2 ln 2) (g - 2) = -+1 / (4 ln 2) = -+log2(e)/4. */
    double x[2] = { 0, 0 }, g[2] = { 1, 3 }, y[2], dx[2];
    ns_test_reference("softplus.norm", NULL, x, g, y, dx, 2);
    cr_expect_eq(dx[0], -log2e / 4, "%a", dx[0]);
    cr_expect_eq(dx[1], log2e / 4, "%a", dx[1]);
    /* n = 1: y = 1 and dx = sigma / h (g - g) = 0 for any finite x. */
    const double xs[] = { 0, 3.5, -1e300, 1e300, 0x1p-1074 };
    for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++) {
        double y1, d1, g1 = 2;
        ns_test_reference("softplus.norm", NULL, &xs[k], &g1, &y1, &d1, 1);
        cr_expect_eq(y1, 1.0, "x=%a", xs[k]);
        cr_expect_eq(d1, 0.0, "x=%a", xs[k]);
    }
}

Test(softplus_norm_reference, exact_cancellation_is_certified_at_once)
{
    /* Uniform, n = 3, g = (1, 2, 3): y = 1/3, <g, y> = 2, dx_1 = 0 exactly;
     * dx_0 = -dx_2 = -sigma(0.5) / (3 h(0.5)), from MPFR. */
    double x[3] = { 0.5, 0.5, 0.5 }, g[3] = { 1, 2, 3 }, y[3], dx[3];
    ns_ref_stats st;
    cr_assert_eq(ns_ref_eval(ns_reference_find("softplus.norm"), NULL, x, g, 3, y, dx, &st), 0);
    mpfr_t e, h;
    mpfr_inits2(256, e, h, (mpfr_ptr)0);
    mpfr_set_d(e, 0.5, MPFR_RNDN);
    mpfr_exp(e, e, MPFR_RNDN);
    mpfr_log1p(h, e, MPFR_RNDN);             /* h = log(1 + e^0.5) */
    mpfr_add_ui(e, e, 1, MPFR_RNDN);
    mpfr_ui_div(e, 1, e, MPFR_RNDN);
    mpfr_ui_sub(e, 1, e, MPFR_RNDN);         /* sigma(0.5) = 1 - 1/(1 + e^0.5) */
    mpfr_div(e, e, h, MPFR_RNDN);
    mpfr_div_ui(e, e, 3, MPFR_RNDN);
    double want = mpfr_get_d(e, MPFR_RNDN);
    mpfr_clears(e, h, (mpfr_ptr)0);
    cr_expect_eq(dx[0], -want, "%a vs %a", dx[0], -want);
    cr_expect_eq(dx[1], 0.0, "%a", dx[1]);
    cr_expect_eq(dx[2], want, "%a vs %a", dx[2], want);
    cr_expect_eq(st.rounds, 1);
}

Test(softplus_norm_reference, masked_entries)
{
    /* h(-inf) = 0, sigma(-inf) = 0: [-inf, 0] gives (0, 1); g = (5, 1):
     * <g, y> = 1, dx = (0, sigma(0)/ln 2 (1 - 1)) = (0, 0). */
    double x[2] = { -INFINITY, 0 }, g[2] = { 5, 1 }, y[2], dx[2];
    ns_test_reference("softplus.norm", NULL, x, g, y, dx, 2);
    cr_expect(y[0] == 0 && y[1] == 1);
    cr_expect(dx[0] == 0 && dx[1] == 0);
    /* All masked: S = 0, the zero-denominator convention. */
    double m[2] = { -INFINITY, -INFINITY }, ym[2], dm[2];
    ns_test_reference("softplus.norm", NULL, m, g, ym, dm, 2);
    cr_expect(ym[0] == 0 && ym[1] == 0 && dm[0] == 0 && dm[1] == 0);
}

Test(softplus_norm_reference, huge_tiny_and_subnormal_logits)
{
    /* h(1e300) = 1e300 (+ e^-1e300), h(-1e300) ~ e^-1e300: (1, 0). */
    double x[2] = { 1e300, -1e300 }, y[2];
    ns_test_reference("softplus.norm", NULL, x, NULL, y, NULL, 2);
    cr_expect(y[0] == 1 && y[1] == 0);
    /* Every h below any exponent range, but the ratio is 1/2. */
    double neg[2] = { -1e300, -1e300 }, yn[2];
    ns_test_reference("softplus.norm", NULL, neg, NULL, yn, NULL, 2);
    cr_expect(yn[0] == 0.5 && yn[1] == 0.5, "%a %a", yn[0], yn[1]);
    /* h(-1e300) / h(0) ~ e^-1e300 / ln 2: (0, 1). */
    double mixed[2] = { -1e300, 0 }, ym[2];
    ns_test_reference("softplus.norm", NULL, mixed, NULL, ym, NULL, 2);
    cr_expect(ym[0] == 0 && ym[1] == 1);
    double t[2] = { 1e-300, -1e-300 }, s[2] = { 0x1p-1074, 0 }, yt[2], ys[2];
    ns_test_reference("softplus.norm", NULL, t, NULL, yt, NULL, 2);
    ns_test_reference("softplus.norm", NULL, s, NULL, ys, NULL, 2);
    cr_expect(yt[0] == 0.5 && yt[1] == 0.5);
    cr_expect(ys[0] == 0.5 && ys[1] == 0.5);
}

Test(softplus_norm_reference, very_negative_pair_against_mpfr)
{
    /* x = (-800, -801): h(x) = e^x (1 - e^x / 2 + ...), and the corrections
     * (e^-800 ~ 1e-348) are far below binary64's ulp, so y_0 = 1 / (1 + e^-1),
     * computed here with MPFR at 256 bits. */
    double x[2] = { -800, -801 }, y[2];
    ns_test_reference("softplus.norm", NULL, x, NULL, y, NULL, 2);
    mpfr_t t;
    mpfr_init2(t, 256);
    mpfr_set_si(t, -1, MPFR_RNDN);
    mpfr_exp(t, t, MPFR_RNDN);
    mpfr_add_ui(t, t, 1, MPFR_RNDN);
    mpfr_ui_div(t, 1, t, MPFR_RNDN);
    double want = mpfr_get_d(t, MPFR_RNDN);
    mpfr_clear(t);
    cr_expect_eq(y[0], want, "%a vs %a", y[0], want);
}

/* The documented failures, reproduced exactly. */

Test(softplus_norm_fp16, softplus_overflows_to_nan)
{
    /* e^12 = 162754.8 > 65504: log1p(inf) = inf, inf / inf = NaN; the true
     * weights are 12 / (12 + ln 2) and ln 2 / (12 + ln 2). */
    double x[2] = { 12, 0 }, y[2], yr[2];
    ns_test_forward("softplus.norm", "fp16", x, y, 2);
    cr_expect(isnan(y[0]), "%a", y[0]);
    ns_test_reference("softplus.norm", NULL, x, NULL, yr, NULL, 2);
    cr_expect(yr[0] > 0.94 && yr[0] < 0.95, "%a", yr[0]);
    ns_test_forward("softplus.norm", "fp32", x, y, 2);
    cr_expect(fabs(y[0] - yr[0]) < 0x1p-20);
}

Test(softplus_norm_fp32, very_negative_row_is_zero_over_zero)
{
    /* e^-200 = 1.4e-87 underflows in fp32 (below 2^-150): every h = 0 and
     * 0 / 0 = NaN, where the reference gives 1/2 each. */
    double x[2] = { -200, -200 }, y[2], yr[2];
    ns_test_forward("softplus.norm", "fp32", x, y, 2);
    cr_expect(isnan(y[0]) && isnan(y[1]));
    ns_test_reference("softplus.norm", NULL, x, NULL, yr, NULL, 2);
    cr_expect(yr[0] == 0.5 && yr[1] == 0.5);
}
