/* spherical: hand-derived reference values and the documented fp16 failure.
 * y_i = (x_i^2 + eps) / sum_j (x_j^2 + eps), dx_j = 2 x_j / S (g_j - <g, y>). */
#include <criterion/criterion.h>
#include <math.h>

#include "testlib.h"

Test(spherical_reference, uniform_rows_give_one_over_n)
{
    /* x_i = c: y = c^2 / (n c^2) = 1/n; dx = 2c / (n c^2) (g - mean g) = 2 / (n c) (g - mean g).
     * n = 3, c = 2, g = (1, 2, 3): dx = (1/3)(-1, 0, 1). */
    double x[3] = { 2, 2, 2 }, g[3] = { 1, 2, 3 }, y[3], dx[3];
    ns_test_reference("spherical", NULL, x, g, y, dx, 3);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(y[i], 1.0 / 3, "y[%d] = %a", i, y[i]);
    cr_expect_eq(dx[0], -1.0 / 3);
    cr_expect_eq(dx[1], 0.0);
    cr_expect_eq(dx[2], 1.0 / 3);
    double m[5] = { -0.75, 0.75, -0.75, 0.75, 0.75 }, ym[5];   /* the sign does not matter */
    ns_test_reference("spherical", NULL, m, NULL, ym, NULL, 5);
    for (int i = 0; i < 5; i++)
        cr_expect_eq(ym[i], 1.0 / 5);
}

Test(spherical_reference, three_four_five)
{
    /* [3, 4]: S = 25, y = (9/25, 16/25).  g = (1, 0): <g, y> = 9/25,
     * dx = (6/25 * 16/25, 8/25 * (-9/25)) = (96/625, -72/625). */
    double x[2] = { 3, 4 }, g[2] = { 1, 0 }, y[2], dx[2];
    ns_test_reference("spherical", NULL, x, g, y, dx, 2);
    cr_expect_eq(y[0], 9.0 / 25);
    cr_expect_eq(y[1], 16.0 / 25);
    cr_expect_eq(dx[0], 96.0 / 625, "%a", dx[0]);
    cr_expect_eq(dx[1], -72.0 / 625, "%a", dx[1]);
}

Test(spherical_reference, constant_gradient_gives_exact_zero)
{
    double x[4] = { 0.1, -2, 7, 1e-5 }, g[4] = { 5, 5, 5, 5 }, y[4], dx[4];
    ns_test_reference("spherical", NULL, x, g, y, dx, 4);
    for (int i = 0; i < 4; i++)
        cr_expect(dx[i] == 0, "dx[%d] = %a", i, dx[i]);
}

Test(spherical_reference, zero_row_is_the_zero_denominator_convention)
{
    double x[3] = { 0, -0.0, 0 }, g[3] = { 1, 2, 3 }, y[3], dx[3];
    ns_test_reference("spherical", NULL, x, g, y, dx, 3);
    for (int i = 0; i < 3; i++)
        cr_expect(y[i] == 0 && dx[i] == 0, "y[%d] = %a, dx %a", i, y[i], dx[i]);
    /* With eps = 1 the same row is uniform, and eps weighs against the squares:
     * [0, 1] gives (1/3, 2/3). */
    ns_test_reference("spherical", (double[]){ 1.0 }, x, g, y, dx, 3);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(y[i], 1.0 / 3);
    double z[2] = { 0, 1 }, yz[2];
    ns_test_reference("spherical", (double[]){ 1.0 }, z, NULL, yz, NULL, 2);
    cr_expect_eq(yz[0], 1.0 / 3);
    cr_expect_eq(yz[1], 2.0 / 3);
}

Test(spherical_reference, huge_tiny_and_subnormal_logits)
{
    /* 1e300^2 = 1e600 is far outside binary64: the reference is exact anyway. */
    double h[2] = { 1e300, -1e300 }, yh[2];
    ns_test_reference("spherical", NULL, h, NULL, yh, NULL, 2);
    cr_expect(yh[0] == 0.5 && yh[1] == 0.5);
    double hs[2] = { 1e300, 1e-300 }, yhs[2];
    ns_test_reference("spherical", NULL, hs, NULL, yhs, NULL, 2);
    cr_expect(yhs[0] == 1.0 && yhs[1] == 0.0);      /* 1e-600 / 1e600 rounds to 0 */
    /* (a, -a, 2a): squares a^2 (1, 1, 4): y = (1/6, 1/6, 2/3). */
    double a = 1e-300, t[3] = { a, -a, 2 * a }, yt[3];
    ns_test_reference("spherical", NULL, t, NULL, yt, NULL, 3);
    cr_expect_eq(yt[0], 1.0 / 6);
    cr_expect_eq(yt[1], 1.0 / 6);
    cr_expect_eq(yt[2], 2.0 / 3);
    /* Subnormals: (1, 3) * 2^-1074 gives (1/10, 9/10). */
    double s[2] = { 0x1p-1074, 0x1.8p-1073 }, ys[2];
    ns_test_reference("spherical", NULL, s, NULL, ys, NULL, 2);
    cr_expect_eq(ys[0], 1.0 / 10);
    cr_expect_eq(ys[1], 9.0 / 10);
}

Test(spherical_reference, masked_rows_are_outside_the_domain)
{
    double x[3] = { 1, -INFINITY, 2 }, g[3] = { 1, 1, 1 }, y[3], dx[3];
    ns_test_reference("spherical", NULL, x, g, y, dx, 3);
    for (int i = 0; i < 3; i++)
        cr_expect(isnan(y[i]) && isnan(dx[i]), "y[%d] = %a, dx %a", i, y[i], dx[i]);
}

/* The documented failures, reproduced exactly. */

Test(spherical_kernel, fp16_squares_underflow_to_zero_over_zero)
{
    /* In fp16 1e-4 and 5e-5 are (normal and subnormal) values near themselves;
     * their squares (~1e-8, ~2.5e-9) are below half the smallest subnormal
     * 2^-24 and round to 0, so S = 0 and every weight is 0/0 = NaN.  The exact
     * answer at the same rounded inputs is finite (about 4/9, 4/9, 1/9). */
    double x[3] = { 1e-4, -1e-4, 5e-5 }, y[3], xr[3], yr[3];
    ns_test_forward("spherical", "fp16", x, y, 3);
    for (int i = 0; i < 3; i++)
        cr_expect(isnan(y[i]), "y[%d] = %a", i, y[i]);
    for (int i = 0; i < 3; i++)
        xr[i] = ns_round(&ns_fp16, x[i]);
    ns_test_reference("spherical", NULL, xr, NULL, yr, NULL, 3);
    for (int i = 0; i < 3; i++)
        cr_expect(yr[i] > 0.1 && yr[i] < 0.5, "ref y[%d] = %a", i, yr[i]);
    ns_test_forward("spherical", "fp32", x, y, 3);
    cr_expect(fabs(y[0] - 4.0 / 9) < 1e-3 && fabs(y[2] - 1.0 / 9) < 1e-3, "fp32 %a %a", y[0], y[2]);
}

Test(spherical_kernel, fp64_subnormal_squares_underflow_too)
{
    double x[2] = { 0x1p-1074, 0x1.8p-1073 }, y[2];
    ns_test_forward("spherical", "fp64", x, y, 2);
    cr_expect(isnan(y[0]) && isnan(y[1]));
}

Test(spherical_kernel, zero_row_gives_nan_where_the_reference_gives_zeros)
{
    double x[2] = { 0, 0 }, y[2];
    ns_test_forward("spherical", "fp32", x, y, 2);
    cr_expect(isnan(y[0]) && isnan(y[1]));
}

Test(spherical_kernel, eps_is_added_to_every_square)
{
    /* eps = 1: [0, 1] gives (1, 2) / 3 and [0, 0] no longer divides by zero. */
    double x[2] = { 0, 1 }, y[2];
    ns_test_run("spherical", "fp64", NS_SUM_SEQ, (double[]){ 1.0 }, x, NULL, y, NULL, 2, NULL);
    cr_expect(y[0] == 1.0 / 3 && y[1] == 2.0 / 3, "%a %a", y[0], y[1]);
    double z[2] = { 0, 0 };
    ns_test_run("spherical", "fp16", NS_SUM_SEQ, (double[]){ 1.0 }, z, NULL, y, NULL, 2, NULL);
    cr_expect(y[0] == 0.5 && y[1] == 0.5, "%a %a", y[0], y[1]);
}
