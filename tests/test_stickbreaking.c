/* stickbreaking: hand-derived reference values (on zeros every sigma is 1/2,
 * so y_i = 2^-(n-i+1) for 1-based i) and the documented fp16 failure. */
#include <criterion/criterion.h>
#include <math.h>

#include "testlib.h"

Test(stickbreaking_reference, zeros_give_powers_of_two)
{
    /* 0-based: y_i = 2^-(n-i): the last entry 1/2, the one before 1/4, ...
     * With g = 1: dx_j = y_j / 2 - (1/2) sum_{i<j} y_i
     *                 = 2^-(n-j+1) - (2^-(n-j+1) - 2^-(n+1)) = 2^-(n+1). */
    double x[8] = { 0 }, g[8], y[8], dx[8];
    for (size_t i = 0; i < 8; i++)
        g[i] = 1;
    for (size_t n = 1; n <= 8; n++) {
        ns_test_reference("stickbreaking", NULL, x, g, y, dx, n);
        for (size_t i = 0; i < n; i++) {
            cr_expect_eq(y[i], ldexp(1.0, -(int)(n - i)), "n=%zu y[%zu]=%a", n, i, y[i]);
            cr_expect_eq(dx[i], ldexp(1.0, -(int)(n + 1)), "n=%zu dx[%zu]=%a", n, i, dx[i]);
        }
    }
}

Test(stickbreaking_reference, long_row_of_zeros_reaches_the_subnormals)
{
    /* n = 1100: y_i = 2^-(1100 - i) (0-based).  i = 26 gives 2^-1074, the
     * smallest subnormal; i = 25 gives 2^-1075, a tie between 0 and 2^-1074
     * that rounds to even: 0. */
    static double x[1100], y[1100];
    ns_test_reference("stickbreaking", NULL, x, NULL, y, NULL, 1100);
    cr_expect_eq(y[1099], 0.5);
    cr_expect_eq(y[26], 0x1p-1074, "%a", y[26]);
    cr_expect_eq(y[25], 0.0, "%a", y[25]);
    cr_expect_eq(y[100], 0x1p-1000, "%a", y[100]);
}

Test(stickbreaking_reference, single_logit_is_the_logistic)
{
    /* n = 1: y = sigma(x), dx = g sigma (1 - sigma); at 0: 1/2 and g/4. */
    double x = 0, g = 2, y, dx;
    ns_test_reference("stickbreaking", NULL, &x, &g, &y, &dx, 1);
    cr_expect(y == 0.5 && dx == 0.5);
}

Test(stickbreaking_reference, masked_entries)
{
    /* A masked entry has sigma = 0 and passes the whole stick on:
     * (0, -inf, 0) gives (1/4, 0, 1/2).  g = (1, 1, 1): dx_0 = 1/4 * 1/2 = 1/8,
     * dx_1 = 0, dx_2 = 1/2 * 1/2 - 1/2 * (1/4 + 0) = 1/8. */
    double x[3] = { 0, -INFINITY, 0 }, g[3] = { 1, 1, 1 }, y[3], dx[3];
    ns_test_reference("stickbreaking", NULL, x, g, y, dx, 3);
    cr_expect(y[0] == 0.25 && y[1] == 0 && y[2] == 0.5);
    cr_expect(dx[0] == 0.125 && dx[1] == 0 && dx[2] == 0.125);
    double m[2] = { -INFINITY, -INFINITY }, ym[2], dm[2];
    ns_test_reference("stickbreaking", NULL, m, g, ym, dm, 2);
    cr_expect(ym[0] == 0 && ym[1] == 0 && dm[0] == 0 && dm[1] == 0);
}

Test(stickbreaking_reference, huge_tiny_and_subnormal_logits)
{
    /* The last entry at 1e300 takes the whole stick: (0, 1). */
    double a[2] = { 0, 1e300 }, ya[2];
    ns_test_reference("stickbreaking", NULL, a, NULL, ya, NULL, 2);
    cr_expect(ya[0] == 0 && ya[1] == 1);
    /* The first at 1e300 takes what is left: (1/2, 1/2). */
    double b[2] = { 1e300, 0 }, yb[2];
    ns_test_reference("stickbreaking", NULL, b, NULL, yb, NULL, 2);
    cr_expect(yb[0] == 0.5 && yb[1] == 0.5);
    /* -1e300 takes nothing and passes everything on. */
    double c[2] = { 0, -1e300 }, yc[2];
    ns_test_reference("stickbreaking", NULL, c, NULL, yc, NULL, 2);
    cr_expect(yc[0] == 0.5 && yc[1] == 0);
    /* Tiny logits: sigma = 1/2 + x/4, so (1/4, 1/2) up to far below an ulp. */
    double t[2] = { 1e-300, -1e-300 }, s[2] = { 0x1p-1074, -0x1p-1074 }, yt[2], ys[2];
    ns_test_reference("stickbreaking", NULL, t, NULL, yt, NULL, 2);
    ns_test_reference("stickbreaking", NULL, s, NULL, ys, NULL, 2);
    cr_expect(yt[0] == 0.25 && yt[1] == 0.5);
    cr_expect(ys[0] == 0.25 && ys[1] == 0.5);
}

/* The documented failure: the textbook softplus log1p(e^x) overflows in
 * fp16 for x > 11.09.  (0, 12): y_0 = sigma(0) (1 - sigma(12))
 * = e^-12 / (2 (1 + e^-12)) = 3.07e-6, about 51.5 * 2^-24, a representable
 * fp16 subnormal; the kernel's log(1 - sigma(12)) = -log1p(inf) = -inf
 * makes it exactly 0. */
Test(stickbreaking_fp16, softplus_overflow_zeroes_earlier_entries)
{
    double x[2] = { 0, 12 }, y[2], yr[2];
    ns_test_forward("stickbreaking", "fp16", x, y, 2);
    cr_expect_eq(y[0], 0.0, "%a", y[0]);
    ns_test_reference("stickbreaking", NULL, x, NULL, yr, NULL, 2);
    cr_expect(yr[0] > 3.07e-6 && yr[0] < 3.08e-6, "%a", yr[0]);
    cr_expect(ns_round(&ns_fp16, yr[0]) >= 51 * 0x1p-24);
}
