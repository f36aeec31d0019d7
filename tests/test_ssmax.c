/* ssmax: hand-derived reference values (integer logits make the weights
 * rational: softmax(ln(n) x)_i = n^{x_i} / sum_j n^{x_j}) and the documented
 * failure at n = 1. */
#include <criterion/criterion.h>
#include <math.h>

#include "testlib.h"

Test(ssmax_reference, default_scale_is_one)
{
    const ns_family *f;
    cr_assert(ns_algorithm_find("ssmax", &f));
    double param[NS_MAX_PARAMS];
    ns_params_default(f, param);
    cr_expect_eq(param[0], 1.0);
    cr_expect_str_eq(f->params[0].key, "s");
}

Test(ssmax_reference, integer_logits_give_rational_weights)
{
    /* n = 3, x = (1, 2, 3): (3, 9, 27) / 39 = (1, 3, 9) / 13. */
    double x[3] = { 1, 2, 3 }, y[3];
    ns_test_reference("ssmax", NULL, x, NULL, y, NULL, 3);
    cr_expect_eq(y[0], 1.0 / 13);
    cr_expect_eq(y[1], 3.0 / 13);
    cr_expect_eq(y[2], 9.0 / 13);
    /* n = 2, x = (3, 0): (8, 1) / 9. */
    double z[2] = { 3, 0 }, yz[2];
    ns_test_reference("ssmax", NULL, z, NULL, yz, NULL, 2);
    cr_expect_eq(yz[0], 8.0 / 9);
    cr_expect_eq(yz[1], 1.0 / 9);
    /* Uniform rows: 1/n. */
    double u[5] = { -0.5, -0.5, -0.5, -0.5, -0.5 }, yu[5];
    ns_test_reference("ssmax", NULL, u, NULL, yu, NULL, 5);
    for (int i = 0; i < 5; i++)
        cr_expect_eq(yu[i], 0.2);
}

Test(ssmax_reference, the_scale_parameter)
{
    /* s = 2, n = 2, x = (1, 0): 2^{2x}: (4, 1) / 5. */
    double x[2] = { 1, 0 }, y[2];
    ns_test_reference("ssmax", (double[]){ 2.0 }, x, NULL, y, NULL, 2);
    cr_expect_eq(y[0], 0.8);
    cr_expect_eq(y[1], 0.2);
    /* s = -1: 2^{-x}: (1/2, 1) / (3/2) = (1/3, 2/3). */
    ns_test_reference("ssmax", (double[]){ -1.0 }, x, NULL, y, NULL, 2);
    cr_expect_eq(y[0], 1.0 / 3);
    cr_expect_eq(y[1], 2.0 / 3);
    /* s = 0: uniform whatever x. */
    double w[2] = { 100, -7 };
    ns_test_reference("ssmax", (double[]){ 0.0 }, w, NULL, y, NULL, 2);
    cr_expect(y[0] == 0.5 && y[1] == 0.5);
}

Test(ssmax_reference, gradient)
{
    /* n = 2, x = (1, 0), g = (1, 0): y = (2/3, 1/3), <g, y> = 2/3,
     * dx = ln 2 y (g - 2/3) = ln 2 (2/9, -2/9); ln 2 * 2/9 from MPFR. */
    double x[2] = { 1, 0 }, g[2] = { 1, 0 }, y[2], dx[2];
    ns_test_reference("ssmax", NULL, x, g, y, dx, 2);
    mpfr_t t;
    mpfr_init2(t, 256);
    mpfr_const_log2(t, MPFR_RNDN);
    mpfr_mul_ui(t, t, 2, MPFR_RNDN);
    mpfr_div_ui(t, t, 9, MPFR_RNDN);
    double want = mpfr_get_d(t, MPFR_RNDN);
    mpfr_clear(t);
    cr_expect_eq(dx[0], want, "%a vs %a", dx[0], want);
    cr_expect_eq(dx[1], -want, "%a vs %a", dx[1], -want);
    /* A constant g gives exactly 0 (sum y = 1). */
    double x3[3] = { 0.3, -1.7, 2.2 }, c[3] = { 4, 4, 4 }, y3[3], d3[3];
    ns_test_reference("ssmax", NULL, x3, c, y3, d3, 3);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(d3[i], 0.0, "%a", d3[i]);
}

Test(ssmax_reference, exact_cancellation_is_certified_at_once)
{
    /* Uniform, n = 3, g = (1, 2, 3): y = 1/3, <g, y> = 2, so
     * dx = ln 3 (1/3) (g - 2) = (-ln(3)/3, 0, ln(3)/3); ln(3)/3 from MPFR. */
    double x[3] = { 2, 2, 2 }, g[3] = { 1, 2, 3 }, y[3], dx[3];
    double param[NS_MAX_PARAMS] = { 1.0 };
    ns_ref_stats st;
    cr_assert_eq(ns_ref_eval(ns_reference_find("ssmax"), param, x, g, 3, y, dx, &st), 0);
    mpfr_t t;
    mpfr_init2(t, 256);
    mpfr_set_ui(t, 3, MPFR_RNDN);
    mpfr_log(t, t, MPFR_RNDN);
    mpfr_div_ui(t, t, 3, MPFR_RNDN);
    double want = mpfr_get_d(t, MPFR_RNDN);
    mpfr_clear(t);
    cr_expect_eq(dx[0], -want, "%a", dx[0]);
    cr_expect_eq(dx[1], 0.0, "%a", dx[1]);
    cr_expect_eq(dx[2], want, "%a", dx[2]);
    cr_expect_eq(st.rounds, 1);
}

Test(ssmax_reference, single_logit)
{
    /* ln 1 = 0: softmax of one zero, y = 1 and dx = 0 for any finite x. */
    const double xs[] = { 0, 5.5, -1e300, 1e300, 0x1p-1074 };
    for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++) {
        double y, dx, g = -3;
        ns_test_reference("ssmax", NULL, &xs[k], &g, &y, &dx, 1);
        cr_expect_eq(y, 1.0, "x=%a", xs[k]);
        cr_expect_eq(dx, 0.0, "x=%a", xs[k]);
    }
}

Test(ssmax_reference, masked_entries)
{
    /* n = 3, x = (1, -inf, 2): 3 / (3 + 9) = 1/4 and 3/4, masked 0. */
    double x[3] = { 1, -INFINITY, 2 }, g[3] = { 1, 7, 1 }, y[3], dx[3];
    ns_test_reference("ssmax", NULL, x, g, y, dx, 3);
    cr_expect(y[0] == 0.25 && y[1] == 0 && y[2] == 0.75);
    cr_expect(dx[0] == 0 && dx[1] == 0 && dx[2] == 0);   /* g constant on the support */
    /* All masked, and n = 1 masked: the zero-denominator convention. */
    double m[2] = { -INFINITY, -INFINITY }, ym[2], dm[2], gm[2] = { 1, 2 };
    ns_test_reference("ssmax", NULL, m, gm, ym, dm, 2);
    cr_expect(ym[0] == 0 && ym[1] == 0 && dm[0] == 0 && dm[1] == 0);
    ns_test_reference("ssmax", NULL, m, gm, ym, dm, 1);
    cr_expect(ym[0] == 0 && dm[0] == 0);
}

Test(ssmax_reference, huge_tiny_and_subnormal_logits)
{
    double x[2] = { 1e300, -1e300 }, y[2];
    ns_test_reference("ssmax", NULL, x, NULL, y, NULL, 2);
    cr_expect(y[0] == 1 && y[1] == 0);
    double t[2] = { 1e-300, -1e-300 }, s[2] = { 0x1p-1074, 0 }, yt[2], ys[2];
    ns_test_reference("ssmax", NULL, t, NULL, yt, NULL, 2);
    ns_test_reference("ssmax", NULL, s, NULL, ys, NULL, 2);
    cr_expect(yt[0] == 0.5 && yt[1] == 0.5);
    cr_expect(ys[0] == 0.5 && ys[1] == 0.5);
    /* n = 2, x = (800, 0): 2^-800 / (1 + 2^-800) rounds to 2^-800. */
    double h[2] = { 800, 0 }, yh[2];
    ns_test_reference("ssmax", NULL, h, NULL, yh, NULL, 2);
    cr_expect_eq(yh[0], 1.0);
    cr_expect_eq(yh[1], 0x1p-800, "%a", yh[1]);
}

/* The documented failure: at n = 1 the scale s ln 1 is 0 and a masked logit
 * gives 0 * -inf = NaN, where the reference takes the mask (all zeros). */
Test(ssmax_fp16, masked_single_logit_is_nan)
{
    double x = -INFINITY, y;
    ns_test_forward("ssmax", "fp16", &x, &y, 1);
    cr_expect(isnan(y), "%a", y);
}

/* The scaled logits overflow before the shift can help: fp16, n = 4,
 * x = (60000, 0, 0, 0): ln 4 ~ 1.386 and 1.386 * 60000 = 83000 > 65504, so
 * z_0 = inf, the maximum is inf and z_0 - inf = NaN.  The reference is
 * (1, 0, 0, 0) up to e^-83000. */
Test(ssmax_fp16, scaled_logits_overflow)
{
    double x[4] = { 60000, 0, 0, 0 }, y[4], yr[4];
    ns_test_forward("ssmax", "fp16", x, y, 4);
    cr_expect(isnan(y[0]), "%a", y[0]);
    ns_test_reference("ssmax", NULL, x, NULL, yr, NULL, 4);
    cr_expect(yr[0] == 1 && yr[1] == 0);
}
