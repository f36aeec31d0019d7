/* taylor: hand-derived reference values and the documented fp16 failure.
 * h(x) = 1 + x + x^2/2, h'(x) = 1 + x; h(0) = 1, h(-1) = 1/2, h(1) = 5/2. */
#include <criterion/criterion.h>
#include <math.h>

#include "testlib.h"

Test(taylor_reference, exact_rational_row)
{
    /* [0, -1, 1]: h = (1, 1/2, 5/2), S = 4, y = (1/4, 1/8, 5/8).
     * g = (1, 2, 3): <g, y> = 1/4 + 1/4 + 15/8 = 19/8; h' = (1, 0, 2);
     * dx = h'/4 (g - 19/8) = (-11/32, 0, 5/16). */
    double x[3] = { 0, -1, 1 }, g[3] = { 1, 2, 3 }, y[3], dx[3];
    ns_test_reference("taylor", NULL, x, g, y, dx, 3);
    cr_expect_eq(y[0], 0.25);
    cr_expect_eq(y[1], 0.125);
    cr_expect_eq(y[2], 0.625);
    cr_expect_eq(dx[0], -11.0 / 32);
    cr_expect_eq(dx[1], 0.0);
    cr_expect_eq(dx[2], 5.0 / 16);
}

Test(taylor_reference, uniform_rows_and_constant_gradients)
{
    double x[7], g[7], y[7], dx[7];
    for (size_t n = 1; n <= 7; n++) {
        for (size_t i = 0; i < n; i++) {
            x[i] = -3.5;
            g[i] = 0.375;
        }
        ns_test_reference("taylor", NULL, x, g, y, dx, n);
        for (size_t i = 0; i < n; i++) {
            cr_expect_eq(y[i], 1.0 / (double)n, "n=%zu: %a", n, y[i]);
            cr_expect(dx[i] == 0, "n=%zu: dx %a", n, dx[i]);
        }
    }
    double r[3] = { 0.1, -7, 3e3 }, gr[3] = { -2, -2, -2 }, yr[3], dr[3];
    ns_test_reference("taylor", NULL, r, gr, yr, dr, 3);
    for (int i = 0; i < 3; i++)
        cr_expect(dr[i] == 0, "dx[%d] = %a", i, dr[i]);
}

Test(taylor_reference, huge_and_tiny_logits)
{
    /* h(1e300) ~ 5e599 against h(0) = 1: (1, 0). */
    double a[2] = { 1e300, 0 }, ya[2];
    ns_test_reference("taylor", NULL, a, NULL, ya, NULL, 2);
    cr_expect(ya[0] == 1.0 && ya[1] == 0.0, "%a %a", ya[0], ya[1]);
    /* h(-1e300) / (h(-1e300) + h(1e300)) = 1/2 - (1e300) / (1e600 + 2) ~ 1/2 - 1e-300:
     * rounds to 1/2 (the ulp below 1/2 is 2^-54). */
    double b[2] = { -1e300, 1e300 }, yb[2];
    ns_test_reference("taylor", NULL, b, NULL, yb, NULL, 2);
    cr_expect(yb[0] == 0.5 && yb[1] == 0.5, "%a %a", yb[0], yb[1]);
    /* Tiny and subnormal logits: h = 1 + O(1e-300), uniform to binary64. */
    double t[3] = { 1e-300, -1e-300, 0x1p-1074 }, yt[3];
    ns_test_reference("taylor", NULL, t, NULL, yt, NULL, 3);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(yt[i], 1.0 / 3);
}

Test(taylor_reference, masked_rows_are_outside_the_domain)
{
    double x[2] = { -INFINITY, 0 }, g[2] = { 1, 2 }, y[2], dx[2];
    ns_test_reference("taylor", NULL, x, g, y, dx, 2);
    cr_expect(isnan(y[0]) && isnan(y[1]) && isnan(dx[0]) && isnan(dx[1]));
}

Test(taylor_kernel, fp16_square_overflows)
{
    /* 300 * 300 = 90000 > 65504: h = inf, y_0 = inf / inf = NaN.  The exact
     * y_0 = h(300) / (h(300) + 1) = 45301 / 45302; fp32 gets it. */
    double x[2] = { 300, 0 }, y[2];
    ns_test_forward("taylor", "fp16", x, y, 2);
    cr_expect(isnan(y[0]), "%a", y[0]);
    cr_expect_eq(y[1], 0.0);
    ns_test_forward("taylor", "fp32", x, y, 2);
    cr_expect_eq(y[0], (double)(45301.0f / 45302.0f), "%a", y[0]);   /* one fp32 division */
}
