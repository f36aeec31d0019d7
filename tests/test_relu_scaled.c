/* relu.scaled: y_i = relu(x_i) / n, dx_i = [x_i > 0] g_i / n; hand-derived
 * values and the documented fp16 failure (n itself rounded). */
#include <criterion/criterion.h>
#include <math.h>

#include "testlib.h"

Test(relu_scaled_reference, small_row)
{
    /* [1, 3, -2] / 3 = (1/3, 1, 0); g = (1, 2, 3): dx = (1/3, 2/3, 0). */
    double x[3] = { 1, 3, -2 }, g[3] = { 1, 2, 3 }, y[3], dx[3];
    ns_test_reference("relu.scaled", NULL, x, g, y, dx, 3);
    cr_expect(y[0] == 1.0 / 3 && y[1] == 1 && y[2] == 0);
    cr_expect(dx[0] == 1.0 / 3 && dx[1] == 2.0 / 3 && dx[2] == 0);
}

Test(relu_scaled_reference, zeros_masks_and_the_kink)
{
    /* relu(-inf) = 0; relu'(0) = 0, so dx is 0 at x = 0 too. */
    double x[3] = { 0, -INFINITY, -0.0 }, g[3] = { 1, 2, 3 }, y[3], dx[3];
    ns_test_reference("relu.scaled", NULL, x, g, y, dx, 3);
    for (int i = 0; i < 3; i++)
        cr_expect(y[i] == 0 && dx[i] == 0, "y[%d] = %a, dx %a", i, y[i], dx[i]);
}

Test(relu_scaled_reference, huge_and_subnormal_logits)
{
    double h[3] = { 1e300, 1e-300, -1e300 }, yh[3];
    ns_test_reference("relu.scaled", NULL, h, NULL, yh, NULL, 3);
    cr_expect(yh[0] == 1e300 / 3 && yh[1] == 1e-300 / 3 && yh[2] == 0);   /* one IEEE division each */
    /* 2^-1074 / 2 = 2^-1075, a tie between 0 and 2^-1074: rounds to even, 0.
     * 3 * 2^-1074 / 2 = 1.5 * 2^-1074 rounds to 2 * 2^-1074. */
    double s[2] = { 0x1p-1074, 0x1.8p-1073 }, ys[2];
    ns_test_reference("relu.scaled", NULL, s, NULL, ys, NULL, 2);
    cr_expect(ys[0] == 0 && ys[1] == 0x1p-1073, "%a %a", ys[0], ys[1]);
    ns_test_forward("relu.scaled", "fp64", s, ys, 2);
    cr_expect(ys[0] == 0 && ys[1] == 0x1p-1073, "%a %a", ys[0], ys[1]);
}

/* fp16 holds n = 2049 as 2048 (a tie, to even), and n >= 65520 as inf. */
Test(relu_scaled_kernel, fp16_rounds_the_row_length)
{
    static double x[65520], y[65520];
    for (size_t i = 0; i < 2049; i++)
        x[i] = 1;
    ns_test_forward("relu.scaled", "fp16", x, y, 2049);
    cr_expect_eq(y[0], 0x1p-11);
    ns_test_forward("relu.scaled", "fp32", x, y, 2049);
    cr_expect_eq(y[0], (double)(1.0f / 2049.0f));        /* one fp32 division */
    for (size_t i = 0; i < 65520; i++)
        x[i] = 1;
    ns_test_forward("relu.scaled", "fp16", x, y, 65520);
    cr_expect(y[0] == 0 && y[65519] == 0, "%a", y[0]);
}
