/* relu2.norm: hand-derived reference values and the documented failures.
 * y_i = relu(x_i)^2 / S, dx_j = 2 relu(x_j) / S (g_j - <g, y>). */
#include <criterion/criterion.h>
#include <math.h>

#include "testlib.h"

Test(relu2_norm_reference, exact_rational_row)
{
    /* [1, 3, -2]: S = 10, y = (1/10, 9/10, 0).  g = (1, 2, 3): <g, y> = 19/10,
     * dx = (2/10 (1 - 19/10), 6/10 (2 - 19/10), 0) = (-9/50, 3/50, 0). */
    double x[3] = { 1, 3, -2 }, g[3] = { 1, 2, 3 }, y[3], dx[3];
    ns_test_reference("relu2.norm", NULL, x, g, y, dx, 3);
    cr_expect_eq(y[0], 1.0 / 10);
    cr_expect_eq(y[1], 9.0 / 10);
    cr_expect_eq(y[2], 0.0);
    cr_expect_eq(dx[0], -9.0 / 50, "%a", dx[0]);
    cr_expect_eq(dx[1], 3.0 / 50, "%a", dx[1]);
    cr_expect_eq(dx[2], 0.0);
    double p[3] = { 3, -INFINITY, 4 }, yp[3];               /* (9/25, 0, 16/25) */
    ns_test_reference("relu2.norm", NULL, p, NULL, yp, NULL, 3);
    cr_expect(yp[0] == 9.0 / 25 && yp[1] == 0 && yp[2] == 16.0 / 25);
}

Test(relu2_norm_reference, zero_denominator_convention_and_constant_gradient)
{
    double x[3] = { -1, 0, -INFINITY }, g[3] = { 1, 2, 3 }, y[3], dx[3];
    ns_test_reference("relu2.norm", NULL, x, g, y, dx, 3);
    for (int i = 0; i < 3; i++)
        cr_expect(y[i] == 0 && dx[i] == 0, "y[%d] = %a, dx %a", i, y[i], dx[i]);
    double c[4] = { 0.1, 2, -3, 7 }, gc[4] = { 4, 4, 4, 4 }, yc[4], dc[4];
    ns_test_reference("relu2.norm", NULL, c, gc, yc, dc, 4);
    for (int i = 0; i < 4; i++)
        cr_expect(dc[i] == 0, "dx[%d] = %a", i, dc[i]);
}

Test(relu2_norm_reference, huge_tiny_and_subnormal_logits)
{
    double h[2] = { 1e300, 1e300 }, yh[2];
    ns_test_reference("relu2.norm", NULL, h, NULL, yh, NULL, 2);
    cr_expect(yh[0] == 0.5 && yh[1] == 0.5);
    double t[2] = { 0x1p-1000, 0x1.8p-999 }, yt[2];         /* (1, 3) * 2^-1000: (1/10, 9/10) */
    ns_test_reference("relu2.norm", NULL, t, NULL, yt, NULL, 2);
    cr_expect(yt[0] == 1.0 / 10 && yt[1] == 9.0 / 10, "%a %a", yt[0], yt[1]);
    double s[2] = { 0x1p-1074, 0x1.8p-1073 }, ys[2];       /* (1, 3) * 2^-1074: (1/10, 9/10) */
    ns_test_reference("relu2.norm", NULL, s, NULL, ys, NULL, 2);
    cr_expect(ys[0] == 1.0 / 10 && ys[1] == 9.0 / 10);
}

/* The documented failures, reproduced exactly. */

Test(relu2_norm_kernel, fp16_squares_underflow)
{
    /* 2^-13 and 2^-14 are fp16 values; their squares 2^-26 and 2^-28 are below
     * half the smallest subnormal (2^-25) and round to 0: 0 / 0 = NaN.  The
     * exact answer is (4/5, 1/5). */
    double x[2] = { 0x1p-13, 0x1p-14 }, y[2], yr[2];
    ns_test_forward("relu2.norm", "fp16", x, y, 2);
    cr_expect(isnan(y[0]) && isnan(y[1]));
    ns_test_reference("relu2.norm", NULL, x, NULL, yr, NULL, 2);
    cr_expect(yr[0] == 4.0 / 5 && yr[1] == 1.0 / 5);
}

Test(relu2_norm_kernel, fp64_squares_overflow)
{
    /* 1e200^2 = inf in binary64: inf / inf = NaN; the exact answer is 1/2. */
    double x[2] = { 1e200, 1e200 }, y[2];
    ns_test_forward("relu2.norm", "fp64", x, y, 2);
    cr_expect(isnan(y[0]) && isnan(y[1]));
}

Test(relu2_norm_kernel, negative_row_gives_nan)
{
    double x[2] = { -3, -0.25 }, y[2];
    ns_test_forward("relu2.norm", "bf16", x, y, 2);
    cr_expect(isnan(y[0]) && isnan(y[1]));
}
