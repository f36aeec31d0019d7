/* logsoftmax: hand-derived reference values and the documented fp16 failures. */
#include <criterion/criterion.h>
#include <math.h>

#include "testlib.h"

/* -ln(n) correctly rounded, by MPFR at 256 bits (then rounded once more; a
 * double rounding would need ln n within 2^-256 of a midpoint). */
static double minus_log(unsigned long n)
{
    mpfr_t t;
    mpfr_init2(t, 256);
    mpfr_set_ui(t, n, MPFR_RNDN);
    mpfr_log(t, t, MPFR_RNDN);
    double d = -mpfr_get_d(t, MPFR_RNDN);
    mpfr_clear(t);
    return d;
}

Test(logsoftmax_reference, uniform_rows_give_minus_log_n)
{
    double x[7], y[7];
    for (size_t n = 1; n <= 7; n++) {
        for (size_t i = 0; i < n; i++)
            x[i] = -2.5;
        ns_test_reference("logsoftmax", NULL, x, NULL, y, NULL, n);
        for (size_t i = 0; i < n; i++)
            cr_expect_eq(y[i], minus_log(n), "n=%zu: %a", n, y[i]);
    }
    /* ln 2 = 0x1.62e42fefa39efp-1 (the published binary64 constant M_LN2). */
    double two[2] = { 7, 7 };
    ns_test_reference("logsoftmax", NULL, two, NULL, y, NULL, 2);
    cr_expect_eq(y[0], -0x1.62e42fefa39efp-1);
}

Test(logsoftmax_reference, single_logit_is_exactly_zero)
{
    /* n = 1: y = x - log e^x = 0, dx = g - e^0 g = 0, for any finite x. */
    const double xs[] = { 0, -3.75, 1e300, -1e300, 0x1p-1074 };
    for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++) {
        double y, dx, g = 2.5;
        ns_test_reference("logsoftmax", NULL, &xs[k], &g, &y, &dx, 1);
        cr_expect_eq(y, 0.0, "x=%a: %a", xs[k], y);
        cr_expect_eq(dx, 0.0, "x=%a: %a", xs[k], dx);
    }
}

Test(logsoftmax_reference, gradient_of_a_uniform_row)
{
    /* p = 1/3, sum g = 6: dx = g - 2 = (-1, 0, 1), exactly. */
    double x[3] = { 4, 4, 4 }, g[3] = { 1, 2, 3 }, y[3], dx[3];
    ns_test_reference("logsoftmax", NULL, x, g, y, dx, 3);
    cr_expect_eq(dx[0], -1.0);
    cr_expect_eq(dx[1], 0.0);
    cr_expect_eq(dx[2], 1.0);
    /* A constant g on a uniform row: dx = c - (1/n) n c = 0 exactly. */
    double c[3] = { 0.1, 0.1, 0.1 };
    ns_ref_stats st;
    cr_assert_eq(ns_ref_eval(ns_reference_find("logsoftmax"), NULL, x, c, 3, y, dx, &st), 0);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(dx[i], 0.0, "dx[%d]=%a", i, dx[i]);
    cr_expect_eq(st.rounds, 1, "certified exactly, without raising the precision");
}

Test(logsoftmax_reference, masked_entries)
{
    /* One unmasked entry: its weight is exactly 1, y = 0; masked outputs are
     * -inf.  dx = g - e^y sum g: (1, 2 - 6, 3) (the masked entries keep g). */
    double x[3] = { -INFINITY, 5, -INFINITY }, g[3] = { 1, 2, 3 }, y[3], dx[3];
    ns_test_reference("logsoftmax", NULL, x, g, y, dx, 3);
    cr_expect(y[0] == -INFINITY && y[2] == -INFINITY);
    cr_expect_eq(y[1], 0.0);
    cr_expect_eq(dx[0], 1.0);
    cr_expect_eq(dx[1], -4.0);
    cr_expect_eq(dx[2], 3.0);
    /* Two equal unmasked entries among masked ones: -ln 2 each. */
    double x2[4] = { 1.5, -INFINITY, 1.5, -INFINITY }, y2[4];
    ns_test_reference("logsoftmax", NULL, x2, NULL, y2, NULL, 4);
    cr_expect_eq(y2[0], -0x1.62e42fefa39efp-1);
    cr_expect_eq(y2[2], -0x1.62e42fefa39efp-1);
    cr_expect(y2[1] == -INFINITY && y2[3] == -INFINITY);
    /* All masked: the zero-denominator convention. */
    double m[2] = { -INFINITY, -INFINITY }, gm[2] = { 1, 1 }, ym[2], dm[2];
    ns_test_reference("logsoftmax", NULL, m, gm, ym, dm, 2);
    cr_expect(ym[0] == 0 && ym[1] == 0 && dm[0] == 0 && dm[1] == 0);
}

Test(logsoftmax_reference, huge_tiny_and_subnormal_logits)
{
    /* [d, -d], d = 1e300: y_0 = -log1p(e^{-2d}), negative and far below
     * 2^-1075, so -0; y_1 = -2d - log1p(e^{-2d}) rounds to -2d (2d exact). */
    double x[2] = { 1e300, -1e300 }, y[2];
    ns_test_reference("logsoftmax", NULL, x, NULL, y, NULL, 2);
    cr_expect(y[0] == 0 && signbit(y[0]), "%a", y[0]);
    cr_expect_eq(y[1], -2e300);
    /* 1e-300 and 5e-324 move y away from -ln 2 by far less than an ulp. */
    double t[2] = { 1e-300, -1e-300 }, s[2] = { 0x1p-1074, 0 }, yt[2], ys[2];
    ns_test_reference("logsoftmax", NULL, t, NULL, yt, NULL, 2);
    ns_test_reference("logsoftmax", NULL, s, NULL, ys, NULL, 2);
    for (int i = 0; i < 2; i++) {
        cr_expect_eq(yt[i], -0x1.62e42fefa39efp-1, "%a", yt[i]);
        cr_expect_eq(ys[i], -0x1.62e42fefa39efp-1, "%a", ys[i]);
    }
    /* [700, 0]: y_0 = -log1p(e^-700) = -e^-700 (1 - e^-700 / 2 ...), which
     * rounds as -e^-700 does (a normal double, 9.86e-305; its correction is
     * 2^-1010 times smaller); e^-700 from MPFR here. */
    double h[2] = { 700, 0 }, yh[2];
    ns_test_reference("logsoftmax", NULL, h, NULL, yh, NULL, 2);
    mpfr_t e;
    mpfr_init2(e, 256);
    mpfr_set_si(e, -700, MPFR_RNDN);
    mpfr_exp(e, e, MPFR_RNDN);
    cr_expect_eq(yh[0], -mpfr_get_d(e, MPFR_RNDN), "%a", yh[0]);
    cr_expect_eq(yh[1], -700.0);
    mpfr_clear(e);
}

Test(logsoftmax_reference, a_midpoint_minus_an_unresolvable_tiny_rounds_down)
{
    /* From a libFuzzer finding (logsoftmax.naive, bf16).  m = 234195976716288
     * lies in [2^47, 2^48), where doubles are 2^-5 apart; x_1 - m =
     * -234195976716286.953125 = -(...286 + 30.5/32) is the midpoint of
     * ...286.9375 and ...286.96875.  y_1 = (x_1 - m) - log1p(e^{x_1 - m})
     * lies below it by about e^{-2.3e14}, so it rounds to the more negative
     * neighbour, and no finite precision sees that gap: the reference must
     * decide it without climbing to its cap (then it would be uncertain). */
    double x[2] = { 234195976716288.0, 1.046875 }, g[2] = { 1.25, -0.5 }, y[2], dx[2];
    ns_ref_stats st;
    cr_assert_eq(ns_ref_eval(ns_reference_find("logsoftmax"), NULL, x, g, 2, y, dx, &st), 0);
    cr_expect_eq(st.uncertain, 0u);
    cr_expect_lt(st.prec, NS_REF_MAX_PREC);
    cr_expect(y[0] == 0 && signbit(y[0]), "%a", y[0]);
    cr_expect_eq(y[1], -234195976716286.96875, "%.17g", y[1]);
    /* dx_i = g_i - e_i G / (1 + T), G = 0.75, e_0 = 1, e_1 = T: dx_0 =
     * 0.5 + 0.75 T / (1 + T) rounds to 0.5, dx_1 = g_1 - 0.75 T / (1 + T)
     * to g_1. */
    cr_expect_eq(dx[0], 0.5);
    cr_expect_eq(dx[1], -0.5);
}

/* The documented failures, reproduced exactly. */

Test(logsoftmax_fp16, naive_gives_minus_inf_where_shifted_is_exact)
{
    /* e^-20 = 2.06e-9 < 2^-25 (half the smallest fp16 subnormal) rounds to
     * 0: the naive weight is 0 and its log -inf.  Shifted: the max is 0, the
     * sum is 1 + 0 = 1, log 1 = 0, so y = x exactly. */
    double x[2] = { 0, -20 }, y[2];
    ns_test_forward("logsoftmax.naive", "fp16", x, y, 2);
    cr_expect_eq(y[0], 0.0);
    cr_expect(y[1] == -INFINITY, "%a", y[1]);
    ns_test_forward("logsoftmax.shifted", "fp16", x, y, 2);
    cr_expect_eq(y[0], 0.0);
    cr_expect_eq(y[1], -20.0);
}

Test(logsoftmax_fp16, naive_overflows_to_nan)
{
    /* e^12 = 162754.8 > 65504: inf / inf = NaN for the first entry, and
     * log(1 / inf) = log 0 = -inf for the second. */
    double x[2] = { 12, 0 }, y[2];
    ns_test_forward("logsoftmax.naive", "fp16", x, y, 2);
    cr_expect(isnan(y[0]), "%a", y[0]);
    cr_expect(y[1] == -INFINITY, "%a", y[1]);
    ns_test_forward("logsoftmax.shifted", "fp16", x, y, 2);
    cr_expect(!isnan(y[0]) && isfinite(y[1]));
}
