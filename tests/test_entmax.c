/* entmax: reference values derived by hand, exactness at the ends of
 * binary64, the two algorithms against the reference and each other, and
 * the documented failure of the bisection in fp16.
 *
 * Hand derivations use the shifted form: with a = alpha - 1, u_i =
 * a (x_i - max x) and t = a max x - tau, y_i = (u_i + t)_+^{1/a} and
 * sum y = 1.  For alpha = 1.5, y_i = (u_i + t)_+^2 with u_i = (x_i - max)/2. */
#include <criterion/criterion.h>
#include <math.h>
#include <mpfr.h>
#include <stdio.h>

#include "../formats/format.h"
#include "testlib.h"

static const ns_family *entmax(void)
{
    const ns_family *f;
    cr_assert(ns_algorithm_find("entmax15", &f) != NULL);
    return f;
}

static void params(double *param, double alpha)
{
    ns_params_default(entmax(), param);
    param[0] = alpha;
}

/* The reference at alpha, the other parameters at their defaults. */
static void reference_alpha(double alpha, const double *x, const double *g, double *y, double *dx,
                            size_t n)
{
    double param[NS_MAX_PARAMS];
    params(param, alpha);
    ns_test_reference("entmax", param, x, g, y, dx, n);
}

/* Forward (and backward when g) of algorithm alg with alpha set as
 * --param alpha=A sets it, inputs rounded as the policy receives them. */
static void run_alpha(const char *alg, double alpha, const char *policy, const double *x,
                      const double *g, double *y, double *dx, size_t n)
{
    double param[NS_MAX_PARAMS];
    char err[128], kv[64];
    ns_params_default(entmax(), param);
    snprintf(kv, sizeof kv, "alpha=%a", alpha);
    cr_assert_eq(ns_params_set(entmax(), param, kv, err, sizeof err), 0, "%s", err);
    ns_test_run(alg, policy, NS_SUM_SEQ, param, x, g, y, dx, n, NULL);
}

static void expect_row(const double *got, const double *want, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        cr_expect(got[i] == want[i], "%s [%zu]: %a, expected %a", what, i, got[i], want[i]);
}

/* (4 + sign sqrt 7) / 8 correctly rounded, by MPFR at 200 bits. */
static double four_plus_sqrt7_over_8(int sign)
{
    mpfr_t r;
    mpfr_init2(r, 200);
    mpfr_sqrt_ui(r, 7, MPFR_RNDN);
    if (sign < 0)
        mpfr_neg(r, r, MPFR_RNDN);
    mpfr_add_ui(r, r, 4, MPFR_RNDN);
    mpfr_div_ui(r, r, 8, MPFR_RNDN);
    double d = mpfr_get_d(r, MPFR_RNDN);
    mpfr_clear(r);
    return d;
}

/* ---- the reference, alpha = 1.5 ---- */

Test(entmax_reference, two_equal_logits_give_one_half)
{
    /* u = (0, 0): 2 t^2 = 1, y = t^2 = 1/2 whatever x is. */
    const double xs[] = { 0, 3.25, -1e300, 1e300, 0x1p-1074, -0x1.fffffffffffffp1023 };
    double y[2];
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        ns_test_reference("entmax", NULL, (double[]){ xs[i], xs[i] }, NULL, y, NULL, 2);
        expect_row(y, (double[]){ 0.5, 0.5 }, 2, "tie");
    }
}

Test(entmax_reference, uniform_rows_give_one_over_n)
{
    double x[7], y[7];
    for (size_t n = 1; n <= 7; n++) {
        for (size_t i = 0; i < n; i++)
            x[i] = -0.375;
        ns_test_reference("entmax", NULL, x, NULL, y, NULL, n);
        for (size_t i = 0; i < n; i++)
            cr_expect_eq(y[i], 1.0 / (double)n, "n=%zu: %a", n, y[i]);
    }
}

Test(entmax_reference, two_entry_support_solves_a_quadratic)
{
    /* [0, -1]: u = (0, -1/2).  Both in: t^2 + (t - 1/2)^2 = 1, i.e.
     * 2t^2 - t - 3/4 = 0, t = (1 + sqrt 7)/4 (> 1/2, so the second entry is
     * indeed in), y = (t^2, (t - 1/2)^2) = ((4 + sqrt 7)/8, (4 - sqrt 7)/8).
     * [1000, 999, 998, 997] has the same u for its first two entries; the
     * third has u = -1 and u + t = (sqrt 7 - 3)/4 < 0: out. */
    double yp = four_plus_sqrt7_over_8(1), ym = four_plus_sqrt7_over_8(-1), y[4];
    ns_test_reference("entmax", NULL, (double[]){ 0, -1 }, NULL, y, NULL, 2);
    expect_row(y, (double[]){ yp, ym }, 2, "[0, -1]");
    ns_test_reference("entmax", NULL, (double[]){ 1000, 999, 998, 997 }, NULL, y, NULL, 4);
    expect_row(y, (double[]){ yp, ym, 0, 0 }, 4, "[1000, ..., 997]");
}

Test(entmax_reference, an_entry_exactly_at_the_threshold_is_zero)
{
    /* [0, -2]: u = (0, -1).  Alone, the first entry gives t = 1, and then
     * u_1 + t = 0: the second sits exactly at the threshold, y = (1, 0)
     * exactly, and the gradient of a one-hot row is 0 (h = (1, 0),
     * dx_0 = g_0 - g_0). */
    double y[3], dx[3];
    ns_test_reference("entmax", NULL, (double[]){ 0, -2 }, (double[]){ 0.25, 3 }, y, dx, 2);
    expect_row(y, (double[]){ 1, 0 }, 2, "y");
    expect_row(dx, (double[]){ 0, 0 }, 2, "dx");
    ns_test_reference("entmax", NULL, (double[]){ 7, 5, 1 }, (double[]){ 1, 2, 3 }, y, dx, 3);
    expect_row(y, (double[]){ 1, 0, 0 }, 3, "y, gap 2");
    expect_row(dx, (double[]){ 0, 0, 0 }, 3, "dx, gap 2");
}

Test(entmax_reference, gradient_by_hand)
{
    /* [0, 0], g = (1, 3): y = (1/2, 1/2), h = y^{1/2} = (1/sqrt 2, 1/sqrt 2),
     * <h, g>/sum h = 2, dx = h (g - 2) = (-1/sqrt 2, 1/sqrt 2); sqrt(0.5) is
     * correctly rounded by IEEE 754. */
    double y[3], dx[3];
    ns_test_reference("entmax", NULL, (double[]){ 0, 0 }, (double[]){ 1, 3 }, y, dx, 2);
    expect_row(dx, (double[]){ -sqrt(0.5), sqrt(0.5) }, 2, "dx");
    /* g constant on the support ([0, -1] in, -5 out): exactly zero. */
    ns_test_reference("entmax", NULL, (double[]){ 0, -1, -5 }, (double[]){ 2, 2, 9 }, y, dx, 3);
    expect_row(dx, (double[]){ 0, 0, 0 }, 3, "constant on the support");
}

Test(entmax_reference, huge_tiny_and_masked)
{
    double y[4], dx[4];
    ns_test_reference("entmax", NULL, (double[]){ 1e300, -1e300, 0 }, NULL, y, NULL, 3);
    expect_row(y, (double[]){ 1, 0, 0 }, 3, "1e300");
    /* u = (0, -1e-300): y = t^2 and (t - 1e-300)^2 with t = 1/sqrt 2 +
     * O(1e-300): both round to 1/2. */
    ns_test_reference("entmax", NULL, (double[]){ 1e-300, -1e-300 }, NULL, y, NULL, 2);
    expect_row(y, (double[]){ 0.5, 0.5 }, 2, "1e-300");
    ns_test_reference("entmax", NULL, (double[]){ 0x1p-1074, 0 }, NULL, y, NULL, 2);
    expect_row(y, (double[]){ 0.5, 0.5 }, 2, "subnormal");
    ns_test_reference("entmax", NULL, (double[]){ -INFINITY, 0, 0, -INFINITY },
                      (double[]){ 5, 1, 3, 5 }, y, dx, 4);
    expect_row(y, (double[]){ 0, 0.5, 0.5, 0 }, 4, "masked y");
    expect_row(dx, (double[]){ 0, -sqrt(0.5), sqrt(0.5), 0 }, 4, "masked dx");
    ns_test_reference("entmax", NULL, (double[]){ -INFINITY, -INFINITY }, (double[]){ 1, 2 }, y, dx, 2);
    expect_row(y, (double[]){ 0, 0 }, 2, "all masked y");
    expect_row(dx, (double[]){ 0, 0 }, 2, "all masked dx");
}

/* ---- the reference, other alpha ---- */

Test(entmax_reference, alpha_2_is_the_sparsemax_reference)
{
    /* Two exact computations written differently (a support test here, a
     * maximum of candidate thresholds there), each correctly rounded: they
     * must agree bit for bit. */
    uint64_t seed = ns_test_seed();
    ns_test_rng rng;
    ns_test_rng_init(&rng, seed ^ 0xa2);
    const ns_reference *sp = ns_reference_find("sparsemax");
    double x[20], g[20], y[20], dx[20], ys[20], dxs[20];
    for (int rep = 0; rep < 100; rep++) {
        size_t n = 1 + (size_t)(ns_test_rng_uniform(&rng) * 20);
        for (size_t i = 0; i < n; i++) {
            x[i] = ldexp(ns_test_rng_normal(&rng), (int)(ns_test_rng_uniform(&rng) * 6) - 3);
            g[i] = ns_test_rng_normal(&rng);
        }
        reference_alpha(2, x, g, y, dx, n);
        cr_assert_eq(ns_ref_eval(sp, NULL, x, g, n, ys, dxs, NULL), 0);
        for (size_t i = 0; i < n; i++)
            cr_expect(y[i] == ys[i] && dx[i] == dxs[i], "n=%zu [%zu]: %a %a vs %a %a (seed %llu)",
                      n, i, y[i], dx[i], ys[i], dxs[i], (unsigned long long)seed);
    }
}

Test(entmax_reference, alpha_3_by_hand)
{
    /* alpha = 3: a = 2, y = (u + t)_+^{1/2}.  [0, -1/8]: u = (0, -1/4);
     * with r = sqrt t, r + sqrt(r^2 - 1/4) = 1 gives r = 5/8, y = (5/8, 3/8).
     * [0, -1/2]: u = (0, -1), t = 1 (one-hot), the second exactly at the
     * threshold: y = (1, 0). */
    double y[2];
    reference_alpha(3, (double[]){ 0, -0.125 }, NULL, y, NULL, 2);
    expect_row(y, (double[]){ 0.625, 0.375 }, 2, "[0, -1/8]");
    reference_alpha(3, (double[]){ 0, -0.5 }, NULL, y, NULL, 2);
    expect_row(y, (double[]){ 1, 0 }, 2, "[0, -1/2]");
    reference_alpha(1.25, (double[]){ 2, 2 }, NULL, y, NULL, 2);
    expect_row(y, (double[]){ 0.5, 0.5 }, 2, "alpha 1.25 tie");
}

Test(entmax_reference, bisection_is_continuous_with_the_closed_forms)
{
    /* The bisection (any alpha) against the closed forms at alpha = 1.5
     * and 2: y is smooth in alpha with a derivative of order 1 on rows of
     * scale 1, so a change of alpha by 2^-30 moves y by about 2^-30. */
    const double x[5] = { 0.5, -0.25, 1.0, 0.875, -2.0 };
    double y0[5], y1[5];
    const double base[2] = { 1.5, 2 };
    for (int b = 0; b < 2; b++) {
        reference_alpha(base[b], x, NULL, y0, NULL, 5);
        for (int s = -1; s <= 1; s += 2) {
            reference_alpha(base[b] + s * 0x1p-30, x, NULL, y1, NULL, 5);
            for (size_t i = 0; i < 5; i++)
                cr_expect(fabs(y1[i] - y0[i]) <= 0x1p-25, "alpha %g%+d*2^-30 [%zu]: %a vs %a",
                          base[b], s, i, y1[i], y0[i]);
        }
    }
}

Test(entmax_reference, bisection_gradient_matches_finite_differences)
{
    const double x[5] = { 0.5, -0.25, 1.0, 0.875, -2.0 }, g[5] = { 1, -0.5, 2, 0.25, 3 };
    const double alphas[] = { 1.25, 3, 1.75 };
    const ns_reference *ref = ns_reference_find("entmax");
    for (size_t a = 0; a < sizeof alphas / sizeof alphas[0]; a++) {
        double param[NS_MAX_PARAMS], y[5], dx[5];
        params(param, alphas[a]);
        cr_assert_eq(ns_ref_eval(ref, param, x, g, 5, y, dx, NULL), 0);
        for (size_t j = 0; j < 5; j++) {
            double fd = ns_test_fd_gradient(ref, param, x, g, 5, j);
            double tol = 4 * ldexp(1.0, (dx[j] == 0 ? -1074 : ilogb(dx[j]) - 52)) + 0x1p-60;
            cr_expect(fabs(fd - dx[j]) <= tol, "alpha %g dx[%zu] = %a, finite difference %a",
                      alphas[a], j, dx[j], fd);
        }
    }
}

Test(entmax_reference, alpha_outside_the_domain_is_nan)
{
    double y[2];
    double param[NS_MAX_PARAMS];
    params(param, 1.0);
    cr_assert_eq(ns_ref_eval(ns_reference_find("entmax"), param, (double[]){ 0, 1 }, NULL, 2, y,
                             NULL, NULL), 0);
    cr_expect(isnan(y[0]) && isnan(y[1]));
}

/* ---- the algorithms ---- */

Test(entmax_algorithm, entmax15_is_nan_outside_alpha_1_5)
{
    double y[2], dx[2];
    run_alpha("entmax15", 2, "fp64", (double[]){ 0, -1 }, (double[]){ 1, 2 }, y, dx, 2);
    cr_expect(isnan(y[0]) && isnan(y[1]) && isnan(dx[0]) && isnan(dx[1]));
}

Test(entmax_algorithm, entmax15_in_every_precision_on_a_known_row)
{
    /* [1000, 999, 998, 997] (exact in fp16 and wider; bf16 rounds 999 to
     * 1000): shifted and halved, z = (0, -1/2, -1, -3/2) exactly, and the
     * threshold -t = -(1 + sqrt 7)/4 is computed from numbers of size 1: a
     * few ulps of the output format. */
    double yp = four_plus_sqrt7_over_8(1), ym = four_plus_sqrt7_over_8(-1), y[4];
    const char *policies[] = { "fp16", "fp32", "fp64" };
    const double ulp1[] = { 0x1p-11, 0x1p-24, 0x1p-53 };   /* ulp at [1/2, 1) */
    for (int p = 0; p < 3; p++) {
        ns_test_forward("entmax15", policies[p], (double[]){ 1000, 999, 998, 997 }, y, 4);
        cr_expect(fabs(y[0] - yp) <= 4 * ulp1[p], "%s: %a vs %a", policies[p], y[0], yp);
        cr_expect(fabs(y[1] - ym) <= 4 * ulp1[p], "%s: %a vs %a", policies[p], y[1], ym);
        cr_expect(y[2] == 0 && y[3] == 0, "%s: support", policies[p]);
    }
}

Test(entmax_algorithm, bisect_in_fp16_stalls_at_large_logits)
{
    /* entmax.bisect in fp16 on [1000, 999, 998, 997], alpha = 1.5.
     * z = x/2 = (500, 499.5, 499, 498.5), tau_lo = 499, tau_hi = 500 - 1/2.
     * The root is tau = 500 - (1 + sqrt 7)/4 = 499.0886..., but fp16 spaces
     * its values 1/4 apart at 500: between 499 and 499.25 there is nothing.
     * Step 1 tries 499.25 (mass 0.75^2 + 0.25^2 = 0.625 < 1: stay); step 2
     * tries 499 + 1/8, which rounds (a tie, to even) back to 499, and so does
     * every later step.  The last p is at tau = 499: (1, 1/4, 0, 0), mass
     * 5/4, normalized to (4/5, 1/5, 0, 0), where the truth is
     * ((4 + sqrt 7)/8, (4 - sqrt 7)/8) = (0.8307, 0.1693): an error of 0.031,
     * about 63 ulps of fp16, that the normalization hides from the sum. */
    double x[4] = { 1000, 999, 998, 997 }, y[4], yr[4];
    ns_test_reference("entmax", NULL, x, NULL, yr, NULL, 4);
    ns_test_forward("entmax.bisect", "fp16", x, y, 4);
    expect_row(y, (double[]){ ns_round(&ns_fp16, 0.8), ns_round(&ns_fp16, 0.2), 0, 0 }, 4, "fp16");
    cr_expect(fabs(y[0] - yr[0]) > 60 * 0x1p-11, "error %a", fabs(y[0] - yr[0]));
    cr_expect(fabs(y[0] + y[1] - 1) <= 0x1p-10, "the sum stays near 1");
    /* entmax15 shifts before it solves: fine in fp16 (previous test); and
     * the bisection itself is fine where tau is small: the same row shifted
     * to 0. */
    ns_test_forward("entmax.bisect", "fp16", (double[]){ 3, 2, 1, 0 }, y, 4);
    cr_expect(fabs(y[0] - yr[0]) <= 4 * 0x1p-11, "shifted row: %a vs %a", y[0], yr[0]);
}

Test(entmax_algorithm, bisect_loses_its_bracket_once_one_is_below_the_spacing)
{
    /* At 1e300 in fp64, m - 1 == m: tau_lo = tau_hi = max z, every p is
     * 0^2 = 0 and the final division is 0/0.  (entmax15 shifts first.) */
    double x[3] = { 1e300, -1e300, 0 }, y[3];
    ns_test_forward("entmax.bisect", "fp64", x, y, 3);
    cr_expect(isnan(y[0]) && isnan(y[1]) && isnan(y[2]));
    ns_test_forward("entmax15", "fp64", x, y, 3);
    expect_row(y, (double[]){ 1, 0, 0 }, 3, "entmax15");
}

Test(entmax_algorithm, masked_entries)
{
    /* [-inf, 0, 0, -inf]: z = -inf stays out; the bisection's p are equal on
     * the tie, so p / (p + p) = 1/2 exactly; entmax15 squares a rounded
     * sqrt(1/2). */
    double x[4] = { -INFINITY, 0, 0, -INFINITY }, y[4];
    ns_test_forward("entmax.bisect", "fp32", x, y, 4);
    expect_row(y, (double[]){ 0, 0.5, 0.5, 0 }, 4, "bisect");
    ns_test_forward("entmax15", "fp32", x, y, 4);
    cr_expect(y[0] == 0 && y[3] == 0);
    cr_expect(fabs(y[1] - 0.5) <= 0x1p-24 && fabs(y[2] - 0.5) <= 0x1p-24, "%a %a", y[1], y[2]);
}

/* Random rows of scale 2 (most supports partial). */
static void random_row(ns_test_rng *rng, double *x, double *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        x[i] = 2 * ns_test_rng_normal(rng);
        g[i] = ns_test_rng_normal(rng);
    }
}

Test(entmax_algorithm, entmax15_and_bisect_agree_in_fp64)
{
    /* 50 halvings of a bracket of width < 1 leave tau within 2^-50; y moves
     * by 2 |u + t| dtau < 2^-49; entmax15 is within a few ulps. */
    uint64_t seed = ns_test_seed();
    ns_test_rng rng;
    ns_test_rng_init(&rng, seed ^ 0xe15);
    double x[40], g[40], y15[40], dx15[40], yb[40], dxb[40];
    for (int rep = 0; rep < 100; rep++) {
        size_t n = 1 + (size_t)(ns_test_rng_uniform(&rng) * 40);
        random_row(&rng, x, g, n);
        ns_test_run("entmax15", "fp64", NS_SUM_SEQ, NULL, x, g, y15, dx15, n, NULL);
        ns_test_run("entmax.bisect", "fp64", NS_SUM_SEQ, NULL, x, g, yb, dxb, n, NULL);
        for (size_t i = 0; i < n; i++) {
            cr_expect(fabs(y15[i] - yb[i]) <= 0x1p-40, "n=%zu y[%zu]: %a vs %a (seed %llu)", n, i,
                      y15[i], yb[i], (unsigned long long)seed);
            cr_expect(fabs(dx15[i] - dxb[i]) <= 0x1p-36, "n=%zu dx[%zu]: %a vs %a (seed %llu)", n,
                      i, dx15[i], dxb[i], (unsigned long long)seed);
        }
    }
}

Test(entmax_algorithm, bisect_with_alpha_2_is_sparsemax)
{
    uint64_t seed = ns_test_seed();
    ns_test_rng rng;
    ns_test_rng_init(&rng, seed ^ 0x5b2);
    const ns_reference *sp = ns_reference_find("sparsemax");
    double x[40], g[40], y[40], dx[40], yr[40], dxr[40];
    for (int rep = 0; rep < 100; rep++) {
        size_t n = 1 + (size_t)(ns_test_rng_uniform(&rng) * 40);
        random_row(&rng, x, g, n);
        run_alpha("entmax.bisect", 2, "fp64", x, g, y, dx, n);
        cr_assert_eq(ns_ref_eval(sp, NULL, x, g, n, yr, dxr, NULL), 0);
        for (size_t i = 0; i < n; i++) {
            cr_expect(fabs(y[i] - yr[i]) <= 0x1p-40, "n=%zu y[%zu]: %a vs %a (seed %llu)", n, i,
                      y[i], yr[i], (unsigned long long)seed);
            cr_expect(fabs(dx[i] - dxr[i]) <= 0x1p-40, "n=%zu dx[%zu]: %a vs %a (seed %llu)", n,
                      i, dx[i], dxr[i], (unsigned long long)seed);
        }
    }
}

Test(entmax_algorithm, bisect_with_alpha_3_against_the_reference)
{
    double y[2];
    run_alpha("entmax.bisect", 3, "fp64", (double[]){ 0, -0.125 }, NULL, y, NULL, 2);
    cr_expect(fabs(y[0] - 0.625) <= 0x1p-40 && fabs(y[1] - 0.375) <= 0x1p-40, "%a %a", y[0], y[1]);
}
