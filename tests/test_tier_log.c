/* The fast tiers of logsoftmax, softpick and softplus.norm (reference/
 * NAME_dd.c) on rows that reach their special cases, each compared bit for
 * bit with MPFR alone (the tier off): masks, single entries, exact zeros,
 * spreads beyond double-double's range (the [0, 2^-865] enclosures),
 * softplus.norm's phi(t) series below t = 2^-30 and its c <= 0 branch,
 * softpick's eps and its entries at 0, above 600 and below -600.  Rows that
 * must settle are named: a tier that gave up on them would pass the
 * comparison and be useless there. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../reference/tier.h"
#include "testlib.h"

#define MAXN 64

/* Evaluates the row both ways; 1 when the tier settled it.  Fails the test
 * on any difference. */
static int same_both_ways(const char *family, const double *param, const double *x, const double *g,
                          size_t n, const char *what)
{
    const ns_reference *r = ns_reference_find(family);
    cr_assert(r && ns_ref_tier_of(r), "%s has a fast tier", family);
    double y1[MAXN], dx1[MAXN], y2[MAXN], dx2[MAXN];
    ns_ref_stats st;
    ns_ref_set_fast_tier(0);
    cr_assert_eq(ns_ref_eval(r, param, x, g, n, y1, g ? dx1 : NULL, NULL), 0);
    ns_ref_set_fast_tier(1);
    cr_assert_eq(ns_ref_eval(r, param, x, g, n, y2, g ? dx2 : NULL, &st), 0);
    for (size_t i = 0; i < n; i++) {
        cr_expect(memcmp(&y1[i], &y2[i], sizeof y1[i]) == 0, "%s, %s: y[%zu] MPFR %a, tiered %a", family,
                  what, i, y1[i], y2[i]);
        if (g)
            cr_expect(memcmp(&dx1[i], &dx2[i], sizeof dx1[i]) == 0, "%s, %s: dx[%zu] MPFR %a, tiered %a",
                      family, what, i, dx1[i], dx2[i]);
    }
    return st.prec == 0;
}

/* Both with and without a gradient; 1 when both settled. */
static int check(const char *family, const double *param, const double *x, const double *g, size_t n,
                 const char *what)
{
    int a = same_both_ways(family, param, x, g, n, what);
    int b = same_both_ways(family, param, x, NULL, n, what);
    return a && b;
}

static const double no_param[1] = { 0 };

static void random_gradient(ns_test_rng *rng, double *g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        g[i] = ns_test_rng_normal(rng);
}

Test(tier_log, logsoftmax_special_rows)
{
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0x1059);
    const char *f = "logsoftmax";
    double g[MAXN], x[MAXN];
    random_gradient(&rng, g, MAXN);

    double one[1] = { 3.5 };
    cr_expect(check(f, no_param, one, g, 1, "n = 1"), "n = 1 settles (y = 0, dx = 0 exactly)");
    double masked[4] = { -INFINITY, 2, -INFINITY, -INFINITY };
    double gz[4] = { -0.0, 1, 0.0, -2 };
    cr_expect(check(f, no_param, masked, gz, 4, "one unmasked"), "one unmasked entry settles");
    double all_masked[3] = { -INFINITY, -INFINITY, -INFINITY };
    cr_expect(check(f, no_param, all_masked, g, 3, "all masked"), "an all-masked row settles");
    double spread[5] = { 0, -700, -650.5, 1, -2000 };   /* e^{x - m} below e^-600 */
    cr_expect(check(f, no_param, spread, g, 5, "spread 2000"), "a wide spread settles");
    for (size_t i = 0; i < 16; i++) {
        x[i] = 1.25;                                   /* uniform: dx exactly 0 in MPFI */
        g[i] = 0.5;
    }
    check(f, no_param, x, g, 16, "uniform, constant g");
    for (size_t i = 0; i < 16; i++)
        x[i] = ldexp(ns_test_rng_normal(&rng), -1000);  /* subnormal and tiny logits */
    random_gradient(&rng, g, MAXN);
    check(f, no_param, x, g, 16, "tiny logits");
    int settled = 0;
    for (int row = 0; row < 100; row++) {
        size_t n = 1 + ns_test_rng_next(&rng) % MAXN;
        for (size_t i = 0; i < n; i++)
            x[i] = row % 4 == 3 && i % 3 == 1 ? -INFINITY : 3 * ns_test_rng_normal(&rng);
        random_gradient(&rng, g, n);
        settled += check(f, no_param, x, g, n, "random");
    }
    cr_expect_geq(settled, 90, "logsoftmax settled only %d of 100 random rows", settled);
}

Test(tier_log, softpick_special_rows)
{
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0x50f7);
    const char *f = "softpick";
    double g[MAXN], x[MAXN];
    random_gradient(&rng, g, MAXN);
    const double eps0[1] = { 0 }, eps_default[1] = { 1e-8 }, eps1[1] = { 1 };
    const double *eps[3] = { eps0, eps_default, eps1 };

    double zeros[4] = { 0, 0, 0, 0 };
    cr_expect(check(f, eps0, zeros, g, 4, "all zero, eps 0"), "all zeros with eps = 0 settles");
    check(f, eps_default, zeros, g, 4, "all zero, eps 1e-8");
    double mixed[7] = { 0, 2, -1, -INFINITY, 700, -800, 0.5 };   /* 700: e^{-c} below e^-600 */
    for (int e = 0; e < 3; e++)
        check(f, eps[e], mixed, g, 7, "mixed, large and masked");
    double ordinary[6] = { 0.5, -0.25, 1.5, 0, -3, 2 };
    for (int e = 0; e < 3; e++)
        cr_expect(check(f, eps[e], ordinary, g, 6, "ordinary"), "an ordinary row settles (eps %g)", eps[e][0]);
    double positive[5] = { 1, 2, 3, 0.5, 2 };
    double gc[5] = { 0.75, 0.75, 0.75, 0.75, 0.75 };  /* eps = 0: dx exactly 0 */
    cr_expect(check(f, eps0, positive, gc, 5, "positive, constant g"), "exact zeros settle");
    double negative[4] = { -1, -0.5, -INFINITY, -2 };  /* y = 0, dx from <g, y> = 0 */
    cr_expect(check(f, eps_default, negative, g, 4, "all negative"), "an all-negative row settles");
    double bad_eps[1] = { -1 };
    check(f, bad_eps, ordinary, g, 6, "negative eps");
    int settled = 0;
    for (int row = 0; row < 100; row++) {
        size_t n = 1 + ns_test_rng_next(&rng) % MAXN;
        for (size_t i = 0; i < n; i++)
            x[i] = row % 4 == 3 && i % 3 == 1 ? -INFINITY : 2 * ns_test_rng_normal(&rng);
        random_gradient(&rng, g, n);
        settled += check(f, eps_default, x, g, n, "random");
    }
    cr_expect_geq(settled, 90, "softpick settled only %d of 100 random rows", settled);
}

Test(tier_log, softplus_norm_special_rows)
{
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0x5f1a);
    const char *f = "softplus.norm";
    double g[MAXN], x[MAXN];
    random_gradient(&rng, g, MAXN);

    /* c <= 0, every h below any range: y = 1/4, dx = (4 g_j - sum g) / 16
     * (1 - t/2 + ...), t = e^-1e300; with dyadic g that is a double less an
     * infinitesimal (a random g may put it on a tie, which never settles). */
    double far[4] = { -1e300, -1e300, -1e300, -1e300 }, gd[4] = { 0.5, -1, 0.25, 2 };
    cr_expect(check(f, no_param, far, gd, 4, "-1e300"), "a row of -1e300 settles (y = 1/4)");
    check(f, no_param, far, g, 4, "-1e300, random g");
    double deep[5] = { -50, -45.5, -60, -41, -50 };       /* phi(t) from its series, t < 2^-30 */
    cr_expect(check(f, no_param, deep, g, 5, "c = -41"), "a row near -50 settles");
    double neg[5] = { -1, -0.25, -3, -INFINITY, -0.5 };   /* c <= 0, phi from log1p */
    cr_expect(check(f, no_param, neg, g, 5, "c = -0.25"), "a negative row settles");
    double big[5] = { 700, 650, 3, -2, 620 };             /* e^{-x} below e^-600 */
    cr_expect(check(f, no_param, big, g, 5, "c = 700"), "a row above 600 settles");
    double wide[4] = { 10, -700, 0, -INFINITY };          /* h(-700) below e^-600 */
    check(f, no_param, wide, g, 4, "c = 10, -700");
    double masked[3] = { -INFINITY, -INFINITY, -INFINITY };
    cr_expect(check(f, no_param, masked, g, 3, "all masked"), "an all-masked row settles");
    double gc[4] = { 2, 2, 2, 2 };
    double ordinary[4] = { 0.5, -1, 2, 0 };
    cr_expect(check(f, no_param, ordinary, gc, 4, "constant g"), "a constant g (dx = 0) settles");
    int settled = 0;
    for (int row = 0; row < 100; row++) {
        size_t n = 1 + ns_test_rng_next(&rng) % MAXN;
        double shift = row % 3 == 0 ? -20 : 0;             /* both branches */
        for (size_t i = 0; i < n; i++)
            x[i] = row % 4 == 3 && i % 3 == 1 ? -INFINITY : shift + 3 * ns_test_rng_normal(&rng);
        random_gradient(&rng, g, n);
        settled += check(f, no_param, x, g, n, "random");
    }
    cr_expect_geq(settled, 90, "softplus.norm settled only %d of 100 random rows", settled);
}
