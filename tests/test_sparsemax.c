/* sparsemax: reference values derived by hand, exactness at the ends of
 * binary64, and the algorithm against them.
 *
 * Hand derivations use tau = (S_k - 1)/k with S_k the sum of the k largest
 * entries and k the largest with 1 + k x_(k) > S_k (Martins & Astudillo
 * 2016, Algorithm 1); y = max(x - tau, 0); on the support dx = g - mean of g
 * over it. */
#include <criterion/criterion.h>
#include <math.h>

#include "../formats/format.h"
#include "testlib.h"

/* Forward (and backward when g) of the algorithm, inputs rounded as the
 * policy receives them. */
static void expect_row(const double *got, const double *want, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        cr_expect(got[i] == want[i] && signbit(got[i]) == signbit(want[i]),
                  "%s [%zu]: %a, expected %a", what, i, got[i], want[i]);
}

Test(sparsemax_reference, known_support)
{
    /* Sorted 1, 0.5, -1: k = 2 (1 + 2(0.5) = 2 > 1.5; 1 + 3(-1) = -2 < 0.5),
     * tau = (1.5 - 1)/2 = 1/4, y = (3/4, 1/4, 0).  g = (1, 2, 3): the mean
     * over the support is 3/2, dx = (-1/2, 1/2, 0). */
    double x[3] = { 1, 0.5, -1 }, g[3] = { 1, 2, 3 }, y[3], dx[3];
    ns_test_reference("sparsemax", NULL, x, g, y, dx, 3);
    expect_row(y, (double[]){ 0.75, 0.25, 0 }, 3, "y");
    expect_row(dx, (double[]){ -0.5, 0.5, 0 }, 3, "dx");
    /* Order does not matter. */
    double xs[3] = { -1, 1, 0.5 }, gs[3] = { 3, 1, 2 };
    ns_test_reference("sparsemax", NULL, xs, gs, y, dx, 3);
    expect_row(y, (double[]){ 0, 0.75, 0.25 }, 3, "y permuted");
    expect_row(dx, (double[]){ 0, -0.5, 0.5 }, 3, "dx permuted");
}

Test(sparsemax_reference, a_gap_of_one_or_more_is_one_hot)
{
    /* [5, 2.5, -1]: k = 1 (1 + 2(2.5) = 6 < 7.5), tau = 4, y = (1, 0, 0).
     * [3, 2, 0]: 1 + 2(2) = 5 = S_2 is not >, so k = 1 and tau = 2: x_1 sits
     * exactly at the threshold and is off the support, y_1 = 0, dx_1 = 0.
     * On a one-hot row dx_0 = g_0 - g_0 = 0. */
    double g[3] = { 1.5, -2, 7 }, y[3], dx[3];
    ns_test_reference("sparsemax", NULL, (double[]){ 5, 2.5, -1 }, g, y, dx, 3);
    expect_row(y, (double[]){ 1, 0, 0 }, 3, "y");
    expect_row(dx, (double[]){ 0, 0, 0 }, 3, "dx");
    ns_test_reference("sparsemax", NULL, (double[]){ 3, 2, 0 }, g, y, dx, 3);
    expect_row(y, (double[]){ 1, 0, 0 }, 3, "y at threshold");
    expect_row(dx, (double[]){ 0, 0, 0 }, 3, "dx at threshold");
}

Test(sparsemax_reference, uniform_rows_give_one_over_n)
{
    /* All k qualify (1 + k c > k c), tau = c - 1/n, y = 1/n rounded once. */
    double x[7], y[7];
    for (size_t n = 1; n <= 7; n++) {
        for (size_t i = 0; i < n; i++)
            x[i] = -2.75;
        ns_test_reference("sparsemax", NULL, x, NULL, y, NULL, n);
        for (size_t i = 0; i < n; i++)
            cr_expect_eq(y[i], 1.0 / (double)n, "n=%zu: %a", n, y[i]);
    }
}

Test(sparsemax_reference, huge_logits)
{
    double y[3];
    ns_test_reference("sparsemax", NULL, (double[]){ 1e300, -1e300, 0 }, NULL, y, NULL, 3);
    expect_row(y, (double[]){ 1, 0, 0 }, 3, "1e300");
    /* A tie at the top: tau = DBL_MAX - 1/2, y = 1/2 exactly. */
    ns_test_reference("sparsemax", NULL,
                      (double[]){ 0x1.fffffffffffffp1023, -0x1.fffffffffffffp1023, 0x1.fffffffffffffp1023 },
                      NULL, y, NULL, 3);
    expect_row(y, (double[]){ 0.5, 0, 0.5 }, 3, "DBL_MAX");
}

Test(sparsemax_reference, tiny_and_subnormal_logits)
{
    /* [1e-300, -1e-300]: k = 2, tau = -1/2, y = 1/2 +- 1e-300: both round
     * to 1/2. */
    double y[2], dx[2];
    ns_test_reference("sparsemax", NULL, (double[]){ 1e-300, -1e-300 }, NULL, y, NULL, 2);
    expect_row(y, (double[]){ 0.5, 0.5 }, 2, "1e-300");
    /* [1, 2^-1073]: k = 2 (1 + 2 * 2^-1073 > 1 + 2^-1073), tau = 2^-1074,
     * y = (1 - 2^-1074, 2^-1074): the first rounds to 1, the second is the
     * smallest subnormal, exactly. */
    ns_test_reference("sparsemax", NULL, (double[]){ 1, 0x1p-1073 }, (double[]){ 0, 1 }, y, dx, 2);
    expect_row(y, (double[]){ 1, 0x1p-1074 }, 2, "subnormal");
    expect_row(dx, (double[]){ -0.5, 0.5 }, 2, "subnormal dx");
}

Test(sparsemax_reference, masked_entries_and_all_masked_rows)
{
    double x[4] = { -INFINITY, 1, 0.5, -INFINITY }, g[4] = { 9, 1, 2, 9 }, y[4], dx[4];
    ns_test_reference("sparsemax", NULL, x, g, y, dx, 4);
    expect_row(y, (double[]){ 0, 0.75, 0.25, 0 }, 4, "y");
    expect_row(dx, (double[]){ 0, -0.5, 0.5, 0 }, 4, "dx");
    double m[3] = { -INFINITY, -INFINITY, -INFINITY }, gm[3] = { 1, 2, 3 };
    ns_test_reference("sparsemax", NULL, m, gm, y, dx, 3);
    expect_row(y, (double[]){ 0, 0, 0 }, 3, "all masked y");
    expect_row(dx, (double[]){ 0, 0, 0 }, 3, "all masked dx");
}

Test(sparsemax_reference, gradient_constant_on_the_support_is_exactly_zero)
{
    /* Support {0, 1} as in known_support; g is 4 there. */
    double y[3], dx[3];
    ns_test_reference("sparsemax", NULL, (double[]){ 1, 0.5, -1 }, (double[]){ 4, 4, -7 }, y, dx, 3);
    expect_row(dx, (double[]){ 0, 0, 0 }, 3, "dx");
}

/* ---- the algorithm ---- */

Test(sparsemax_algorithm, exact_on_short_dyadic_rows_in_every_policy)
{
    /* Shifted: z = (0, -1/2, -2); k = 2; tau = (-1/2 - 1)/2 = -3/4;
     * y = (3/4, 1/4, 0): every intermediate has at most 4 significant bits,
     * so every policy and summation order computes it exactly, and
     * dx = (-1/2, 1/2, 0) likewise. */
    const char *policies[] = { "fp16", "bf16", "fp32", "fp64", "fp16-acc32", "bf16-acc32",
                               "fp16-io", "bf16-io" };
    const ns_sum_order sums[] = { NS_SUM_SEQ, NS_SUM_PAIRWISE, NS_SUM_KAHAN };
    double y[3], dx[3];
    for (size_t p = 0; p < sizeof policies / sizeof policies[0]; p++)
        for (size_t s = 0; s < 3; s++) {
            ns_test_run("sparsemax", policies[p], sums[s], NULL, (double[]){ 1, 0.5, -1 },
                        (double[]){ 1, 2, 3 }, y, dx, 3, NULL);
            expect_row(y, (double[]){ 0.75, 0.25, 0 }, 3, policies[p]);
            expect_row(dx, (double[]){ -0.5, 0.5, 0 }, 3, policies[p]);
        }
}

Test(sparsemax_algorithm, the_shift_keeps_a_support_beyond_2_to_the_24_in_fp32)
{
    /* Unshifted, 1 + z_(1) rounds to z_(1) = 2^25 in fp32 and the paper's
     * test 1 + k z_(k) > S_k fails for every k: no support.  Shifted by the
     * maximum, z_(1) = 0 and the tie gives k = 2, tau = -1/2, y = 1/2. */
    double y[3];
    ns_test_forward("sparsemax", "fp32", (double[]){ 0x1p25, 0x1p25 }, y, 2);
    expect_row(y, (double[]){ 0.5, 0.5 }, 2, "tie");
    ns_test_forward("sparsemax", "fp32", (double[]){ 0x1p25, 0x1p25 - 4, 0x1p25 - 4 }, y, 3);
    expect_row(y, (double[]){ 1, 0, 0 }, 3, "gap of one ulp (4)");
    ns_test_forward("sparsemax", "fp16", (double[]){ 4096, 4096 }, y, 2);
    expect_row(y, (double[]){ 0.5, 0.5 }, 2, "fp16 tie");
}

Test(sparsemax_algorithm, the_shift_can_round_away_a_support_entry)
{
    /* [1, 2^-1073] in fp64: the reference support is both entries (see
     * tiny_and_subnormal_logits), y_1 = 2^-1074.  The shift rounds
     * 2^-1073 - 1 to -1, which puts z_(2) exactly at the threshold
     * (1 + 2(-1) = -1 = S_2), so k = 1 and y_1 = 0: a wrong support, by one
     * subnormal. */
    double x[2] = { 1, 0x1p-1073 }, y[2], yr[2];
    ns_test_forward("sparsemax", "fp64", x, y, 2);
    ns_test_reference("sparsemax", NULL, x, NULL, yr, NULL, 2);
    cr_expect_eq(yr[1], 0x1p-1074);
    expect_row(y, (double[]){ 1, 0 }, 2, "fp64");
}

Test(sparsemax_algorithm, masked_and_non_finite_rows)
{
    /* Masked entries get 0 and do not disturb the support; an all-masked row
     * has -inf - -inf = NaN at the maximum, and NaN everywhere (a finding
     * under the zero-denominator convention, as for softmax.shifted). */
    double y[4], dx[4];
    ns_test_run("sparsemax", "fp32", NS_SUM_SEQ, NULL, (double[]){ -INFINITY, 1, 0.5, -INFINITY },
                (double[]){ 9, 1, 2, 9 }, y, dx, 4, NULL);
    expect_row(y, (double[]){ 0, 0.75, 0.25, 0 }, 4, "y");
    expect_row(dx, (double[]){ 0, -0.5, 0.5, 0 }, 4, "dx");
    ns_test_forward("sparsemax", "fp32", (double[]){ -INFINITY, -INFINITY }, y, 2);
    cr_expect(isnan(y[0]) && isnan(y[1]));
    ns_test_forward("sparsemax", "fp64", (double[]){ 1, NAN, 0 }, y, 3);
    cr_expect(isnan(y[0]) && isnan(y[1]) && isnan(y[2]));
}

Test(sparsemax_algorithm, fp64_agrees_with_the_reference_on_random_rows)
{
    /* Rounding only: on these rows of scale 1 tau and the mean of g carry an
     * absolute error of a few n u; a formula bug is O(1). */
    uint64_t seed = ns_test_seed();
    ns_test_rng rng;
    ns_test_rng_init(&rng, seed ^ 0x5a5a);
    double x[40], g[40], y[40], dx[40], yr[40], dxr[40];
    for (int rep = 0; rep < 200; rep++) {
        size_t n = 1 + (size_t)(ns_test_rng_uniform(&rng) * 40);
        for (size_t i = 0; i < n; i++) {
            x[i] = ns_test_rng_normal(&rng);
            g[i] = ns_test_rng_normal(&rng);
        }
        ns_test_run("sparsemax", "fp64", NS_SUM_PAIRWISE, NULL, x, g, y, dx, n, NULL);
        ns_test_reference("sparsemax", NULL, x, g, yr, dxr, n);
        for (size_t i = 0; i < n; i++) {
            cr_expect(fabs(y[i] - yr[i]) <= 0x1p-40, "n=%zu y[%zu]=%a ref %a (seed %llu)", n, i,
                      y[i], yr[i], (unsigned long long)seed);
            cr_expect(fabs(dx[i] - dxr[i]) <= 0x1p-40, "n=%zu dx[%zu]=%a ref %a (seed %llu)", n,
                      i, dx[i], dxr[i], (unsigned long long)seed);
        }
    }
}
