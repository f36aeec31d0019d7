/* relu.norm: hand-derived reference values and the documented failures.
 * y_i = relu(x_i) / S, dx_j = [x_j > 0] / S (g_j - <g, y>). */
#include <criterion/criterion.h>
#include <math.h>

#include "testlib.h"

Test(relu_norm_reference, exact_rational_row)
{
    /* [1, 3, -2]: S = 4, y = (1/4, 3/4, 0).  g = (1, 2, 3): <g, y> = 7/4,
     * dx = (1/4 (1 - 7/4), 1/4 (2 - 7/4), 0) = (-3/16, 1/16, 0). */
    double x[3] = { 1, 3, -2 }, g[3] = { 1, 2, 3 }, y[3], dx[3];
    ns_test_reference("relu.norm", NULL, x, g, y, dx, 3);
    cr_expect_eq(y[0], 0.25);
    cr_expect_eq(y[1], 0.75);
    cr_expect_eq(y[2], 0.0);
    cr_expect_eq(dx[0], -3.0 / 16);
    cr_expect_eq(dx[1], 1.0 / 16);
    cr_expect_eq(dx[2], 0.0);
}

Test(relu_norm_reference, one_hot_and_uniform_rows)
{
    /* One positive entry: y = (1, 0, 0) and <g, y> = g_0, so dx = 0 exactly. */
    double x[3] = { 5, -1, -INFINITY }, g[3] = { 0.3, 2, 3 }, y[3], dx[3];
    ns_test_reference("relu.norm", NULL, x, g, y, dx, 3);
    cr_expect(y[0] == 1 && y[1] == 0 && y[2] == 0);
    for (int i = 0; i < 3; i++)
        cr_expect(dx[i] == 0, "dx[%d] = %a", i, dx[i]);
    double u[6] = { 0.7, 0.7, 0.7, 0.7, 0.7, 0.7 }, yu[6];
    ns_test_reference("relu.norm", NULL, u, NULL, yu, NULL, 6);
    for (int i = 0; i < 6; i++)
        cr_expect_eq(yu[i], 1.0 / 6);
}

Test(relu_norm_reference, zero_denominator_convention)
{
    /* No positive entry (zeros, negatives, masked): S = 0, output and gradient zeros. */
    double x[4] = { -1, 0, -INFINITY, -0.0 }, g[4] = { 1, 2, 3, 4 }, y[4], dx[4];
    for (size_t n = 1; n <= 4; n++) {
        ns_test_reference("relu.norm", NULL, x, g, y, dx, n);
        for (size_t i = 0; i < n; i++)
            cr_expect(y[i] == 0 && dx[i] == 0, "n=%zu y[%zu] = %a, dx %a", n, i, y[i], dx[i]);
    }
}

Test(relu_norm_reference, huge_tiny_and_subnormal_logits)
{
    double h[3] = { 1e300, 1e-300, -1e300 }, yh[3];
    ns_test_reference("relu.norm", NULL, h, NULL, yh, NULL, 3);
    cr_expect(yh[0] == 1 && yh[1] == 0 && yh[2] == 0);        /* 1e-300 / 1e300 rounds to 0 */
    double t[2] = { 0x1p-1000, 0x1.8p-999 }, yt[2];         /* (1, 3) * 2^-1000 */
    ns_test_reference("relu.norm", NULL, t, NULL, yt, NULL, 2);
    cr_expect(yt[0] == 0.25 && yt[1] == 0.75);
    double s[3] = { 0x1p-1074, 0x1.8p-1073, -0x1p-1074 }, ys[3];   /* (1, 3, -1) * 2^-1074 */
    ns_test_reference("relu.norm", NULL, s, NULL, ys, NULL, 3);
    cr_expect(ys[0] == 0.25 && ys[1] == 0.75 && ys[2] == 0);
    ns_test_forward("relu.norm", "fp64", s, ys, 3);   /* the sum 2^-1072 and the quotients are exact */
    cr_expect(ys[0] == 0.25 && ys[1] == 0.75 && ys[2] == 0);
}

/* The documented failures, reproduced exactly. */

Test(relu_norm_kernel, negative_row_gives_nan_where_the_reference_gives_zeros)
{
    double x[3] = { -1, -2, -0.5 }, y[3], yr[3];
    ns_test_forward("relu.norm", "fp16", x, y, 3);
    for (int i = 0; i < 3; i++)
        cr_expect(isnan(y[i]), "y[%d] = %a", i, y[i]);      /* 0 / 0 */
    ns_test_reference("relu.norm", NULL, x, NULL, yr, NULL, 3);
    for (int i = 0; i < 3; i++)
        cr_expect(yr[i] == 0);
}

Test(relu_norm_kernel, fp16_sum_overflows)
{
    /* 40000 is an fp16 value; 40000 + 40000 = 80000 > 65504 rounds to inf and
     * each weight becomes 40000 / inf = 0.  An fp32 accumulator holds 80000. */
    double x[2] = { 40000, 40000 }, y[2];
    ns_test_forward("relu.norm", "fp16", x, y, 2);
    cr_expect(y[0] == 0 && y[1] == 0, "%a %a", y[0], y[1]);
    ns_test_forward("relu.norm", "fp16-acc32", x, y, 2);
    cr_expect(y[0] == 0.5 && y[1] == 0.5, "%a %a", y[0], y[1]);
}
