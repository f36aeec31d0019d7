/* softpick: y_i = relu(e^{x_i} - 1) / (sum_j |e^{x_j} - 1| + eps).
 * Reference values against the definition evaluated directly in MPFR at 256
 * bits (unshifted, no intervals), exact limits, the Jacobian against finite
 * differences, and the documented failures of the shifted kernel. */
#include <criterion/criterion.h>
#include <math.h>
#include <mpfr.h>

#include "testlib.h"

#define MAXN 8

/* The definition at 256 bits, rounded to binary64 (|x| small enough that
 * e^x fits MPFR's default exponent range). */
static void definition(double eps, const double *x, double *y, size_t n)
{
    mpfr_t a[MAXN], d;
    mpfr_init2(d, 256);
    mpfr_set_d(d, eps, MPFR_RNDN);
    for (size_t i = 0; i < n; i++) {
        mpfr_init2(a[i], 256);
        mpfr_set_d(a[i], x[i], MPFR_RNDN);
        mpfr_expm1(a[i], a[i], MPFR_RNDN);         /* expm1(-inf) = -1 */
        if (mpfr_sgn(a[i]) < 0)
            mpfr_sub(d, d, a[i], MPFR_RNDN);
        else
            mpfr_add(d, d, a[i], MPFR_RNDN);
    }
    for (size_t i = 0; i < n; i++) {
        if (mpfr_sgn(a[i]) < 0)
            mpfr_set_ui(a[i], 0, MPFR_RNDN);
        mpfr_div(a[i], a[i], d, MPFR_RNDN);
        y[i] = mpfr_get_d(a[i], MPFR_RNDN);
        mpfr_clear(a[i]);
    }
    mpfr_clear(d);
}

static void expect_reference_is_definition(double eps, const double *x, size_t n)
{
    double y[MAXN], want[MAXN];
    ns_test_reference("softpick", (double[]){ eps }, x, NULL, y, NULL, n);
    definition(eps, x, want, n);
    for (size_t i = 0; i < n; i++)
        cr_expect_eq(y[i], want[i], "eps %g, n=%zu: y[%zu] = %a, definition %a", eps, n, i, y[i], want[i]);
}

Test(softpick_reference, agrees_with_the_definition)
{
    const double ordinary[3] = { 1, 3, -2 };
    const double tiny[3] = { 0x1p-40, 0x1.8p-39, -0x1p-40 };      /* e^x - 1 ~ x, eps dominates */
    const double subnormal[3] = { 0x1p-1074, 1, -1 };
    const double masked[2] = { 2, -INFINITY };                     /* |e^{-inf} - 1| = 1 */
    const double mixed[4] = { 0.5, -0.25, 0, 7 };
    const double negative[3] = { -0.5, -3, -INFINITY };            /* all weights 0 */
    for (int k = 0; k < 2; k++) {
        double eps = k ? 1e-8 : 0.0;
        expect_reference_is_definition(eps, ordinary, 3);
        expect_reference_is_definition(eps, tiny, 3);
        expect_reference_is_definition(eps, subnormal, 3);
        expect_reference_is_definition(eps, masked, 2);
        expect_reference_is_definition(eps, mixed, 4);
        expect_reference_is_definition(eps, negative, 3);
    }
}

Test(softpick_reference, exact_limits)
{
    double y[4], dx[4];
    /* eps = 0, one positive entry, the rest 0: D = e^x - 1, y = (1, 0, 0), and
     * dx_0 = e^x / D (g_0 - g_0) = 0, dx_j = 0 at x_j = 0. */
    double one[3] = { 1.75, 0, 0 }, g[3] = { 3, -1, 2 };
    ns_test_reference("softpick", (double[]){ 0.0 }, one, g, y, dx, 3);
    cr_expect(y[0] == 1 && y[1] == 0 && y[2] == 0, "%a %a %a", y[0], y[1], y[2]);
    for (int i = 0; i < 3; i++)
        cr_expect(dx[i] == 0, "dx[%d] = %a", i, dx[i]);
    /* eps = 0, equal positive entries: 1/2 each. */
    double two[2] = { 0.3, 0.3 };
    ns_test_reference("softpick", (double[]){ 0.0 }, two, NULL, y, NULL, 2);
    cr_expect(y[0] == 0.5 && y[1] == 0.5);
    /* Uniform large logits: eps / (n (e^50 - 1)) ~ 1e-30 is below half an ulp: 1/n. */
    double big[3] = { 50, 50, 50 };
    ns_test_reference("softpick", (double[]){ 1e-8 }, big, NULL, y, NULL, 3);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(y[i], 1.0 / 3);
}

Test(softpick_reference, zero_rows)
{
    double y[3], dx[3], g[3] = { 1, 2, 3 };
    /* No positive entry: y = 0 and <g, y> = 0, so dx = 0 (masked entries included). */
    double neg[3] = { -1, -INFINITY, -0.5 };
    ns_test_reference("softpick", (double[]){ 1e-8 }, neg, g, y, dx, 3);
    for (int i = 0; i < 3; i++)
        cr_expect(y[i] == 0 && dx[i] == 0, "y[%d] = %a, dx %a", i, y[i], dx[i]);
    /* All masked: D = n + eps > 0, zeros. */
    double masked[3] = { -INFINITY, -INFINITY, -INFINITY };
    ns_test_reference("softpick", (double[]){ 1e-8 }, masked, g, y, dx, 3);
    for (int i = 0; i < 3; i++)
        cr_expect(y[i] == 0 && dx[i] == 0);
    /* eps = 0 at x = 0: D = 0, the zero-denominator convention. */
    double zero[2] = { 0, -0.0 };
    ns_test_reference("softpick", (double[]){ 0.0 }, zero, g, y, dx, 2);
    for (int i = 0; i < 2; i++)
        cr_expect(y[i] == 0 && dx[i] == 0);
}

Test(softpick_reference, huge_logits)
{
    /* D ~ e^{1e300}: y_0 = 1 - (2 + eps) e^{-1e300} rounds to 1; every
     * gradient entry is at most e^{-1e300} times a small factor: zero. */
    double x[3] = { 1e300, 1e-300, -1e300 }, g[3] = { 1, 2, 3 }, y[3], dx[3];
    ns_test_reference("softpick", (double[]){ 1e-8 }, x, g, y, dx, 3);
    cr_expect(y[0] == 1 && y[1] == 0 && y[2] == 0, "%a %a %a", y[0], y[1], y[2]);
    for (int i = 0; i < 3; i++)
        cr_expect(dx[i] == 0, "dx[%d] = %a", i, dx[i]);
    double n[1] = { -1e300 }, yn[1];
    ns_test_reference("softpick", (double[]){ 1e-8 }, n, NULL, yn, NULL, 1);
    cr_expect(yn[0] == 0);
}

/* Logits near 2^-997 leave eps alone in the denominator: dx_0 is g_0 / eps
 * to a relative 2^-960, a value that depends on eps's last bit.  eps is the
 * binary64 parameter, 1e-8 = 0x1.5798ee2308c3ap-27, which is 10^-8 (1 +
 * 2.09e-17): with it dx_0 lies 0.463 ulp above 0x1.c903b4c5b7c74p+21, with
 * the decimal 10^-8 0.632 ulp above, so an evaluation at the decimal value
 * rounds up (dx_2 too, to ...83ap-943).  Expected values: the definition in
 * Python's mpmath at 4000 bits, rounded by float(Fraction) (exact for
 * dx_0: g_0 / eps in rationals is 0.4634 ulp above it, and the neglected
 * terms are below 2^-960 of it).  Both the fast tier and MPFR alone. */
Test(softpick_reference, tiny_logits_round_with_the_binary64_eps)
{
    const double x[3] = { 0x1.56e1fc2f8f359p-997, 0x1.56e1fc2f8f359p-996, -0x1.56e1fc2f8f359p-997 };
    const double g[3] = { 0x1.32b27d441dec0p-5, -0x1.a0ecd3f1b5586p-1, -0x1.fe5cd9d3865e0p-3 };
    const double want_y[3] = { 0x1.feef63f97d79cp-971, 0x1.feef63f97d79cp-970, 0 };
    const double want_dx[3] = { 0x1.c903b4c5b7c74p+21, -0x1.36a22756a497p+26, -0x1.2edc810a40839p-943 };
    cr_assert_eq(1e-8, 0x1.5798ee2308c3ap-27);
    for (int tier = 0; tier < 2; tier++) {
        double y[3], dx[3];
        ns_ref_set_fast_tier(tier);
        ns_test_reference("softpick", (double[]){ 1e-8 }, x, g, y, dx, 3);
        for (int i = 0; i < 3; i++) {
            cr_expect_eq(y[i], want_y[i], "tier %d: y[%d] = %a, want %a", tier, i, y[i], want_y[i]);
            cr_expect_eq(dx[i], want_dx[i], "tier %d: dx[%d] = %a, want %a", tier, i, dx[i], want_dx[i]);
        }
    }
    ns_ref_set_fast_tier(1);
}

/* The Jacobian is not ratio(h)'s: a negative entry has a nonzero gradient
 * e^{x_j} <g, y> / D through the denominator's |e^{x_j} - 1|. */
Test(softpick_reference, gradient_matches_finite_differences)
{
    const ns_family *f;
    const ns_reference *ref = ns_reference_find("softpick");
    cr_assert(ns_algorithm_find("softpick", &f) != NULL);
    const double rows[3][4] = {
        { 1.5, -0.75, 0.25, -2 },
        { 0x1p-20, -0x1p-21, 0x1.8p-20, 3 },
        { 0.125, 0.125, -4, 0.5 },
    };
    const double g[4] = { 0.5, -1.25, 2.0, 0.75 };
    for (int k = 0; k < 2; k++) {
        double param[NS_MAX_PARAMS] = { k ? 1e-8 : 0.0 };
        for (int r = 0; r < 3; r++) {
            double y[4], dx[4];
            cr_assert_eq(ns_ref_eval(ref, param, rows[r], g, 4, y, dx, NULL), 0);
            for (size_t j = 0; j < 4; j++) {
                double fd = ns_test_fd_gradient(ref, param, rows[r], g, 4, j);
                double tol = 4 * ldexp(1.0, ilogb(dx[j]) - 52);
                cr_expect(fabs(fd - dx[j]) <= tol, "eps %g row %d: dx[%zu] = %a, finite difference %a",
                          param[0], r, j, dx[j], fd);
                if (rows[r][j] < 0)
                    cr_expect(dx[j] != 0, "row %d: dx[%zu] = 0", r, j);
            }
        }
    }
}

/* The kernel computes the family's function: eps scaled by e^{-m}, masked
 * entries counted in the denominator.  The paper's code differs by eps
 * (1 - e^{-20}) / D ~ 1e-8 relative on the first row and by a factor
 * (e - 1 + 1) / (e - 1) on the second; fp64 rounding is ~1e-15. */
Test(softpick_kernel, computes_the_family_function_in_fp64)
{
    const double shifted[2] = { 20, 19.5 };
    const double masked[2] = { 1, -INFINITY };
    double y[2], want[2];
    ns_test_run("softpick", "fp64", NS_SUM_SEQ, (double[]){ 1e-8 }, shifted, NULL, y, NULL, 2, NULL);
    definition(1e-8, shifted, want, 2);
    for (int i = 0; i < 2; i++)
        cr_expect(fabs(y[i] - want[i]) <= 0x1p-44 * want[i], "y[%d] = %a, definition %a", i, y[i], want[i]);
    ns_test_run("softpick", "fp64", NS_SUM_SEQ, (double[]){ 1e-8 }, masked, NULL, y, NULL, 2, NULL);
    definition(1e-8, masked, want, 2);
    cr_expect(fabs(y[0] - want[0]) <= 0x1p-44 * want[0], "y[0] = %a, definition %a", y[0], want[0]);
    cr_expect(y[1] == 0);
}

Test(softpick_kernel, fp16_negative_row_gives_zero_times_inf)
{
    /* m = -12: e^{12} = 162755 overflows fp16, and eps = 1e-8 rounds to 0 in
     * fp16, so eps e^{-m} = 0 * inf = NaN and every weight is NaN.  In fp32
     * nothing overflows and every weight is exactly 0, as in the reference. */
    double x[2] = { -12, -13 }, y[2], yr[2];
    ns_test_run("softpick", "fp16", NS_SUM_SEQ, (double[]){ 1e-8 }, x, NULL, y, NULL, 2, NULL);
    cr_expect(isnan(y[0]) && isnan(y[1]), "%a %a", y[0], y[1]);
    ns_test_run("softpick", "fp32", NS_SUM_SEQ, (double[]){ 1e-8 }, x, NULL, y, NULL, 2, NULL);
    cr_expect(y[0] == 0 && y[1] == 0);
    ns_test_reference("softpick", (double[]){ 1e-8 }, x, NULL, yr, NULL, 2);
    cr_expect(yr[0] == 0 && yr[1] == 0);
}

Test(softpick_kernel, all_masked_row_meets_inf_minus_inf)
{
    double x[2] = { -INFINITY, -INFINITY }, y[2];
    ns_test_run("softpick", "fp32", NS_SUM_SEQ, (double[]){ 1e-8 }, x, NULL, y, NULL, 2, NULL);
    cr_expect(isnan(y[0]) && isnan(y[1]));
}
