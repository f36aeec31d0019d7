/* The shortcuts of the fast tiers against MPFR alone (the reference with
 * its tier off), bit for bit, on rows that drive each shortcut to its edge:
 *   - stickbreaking's plain-ddi path, whose products carry a separate
 *     exponent: long rows whose products fall through the subnormals to
 *     zero, entries near |x| = 600, masked entries, zero and constant
 *     gradients;
 *   - softplus.norm with every x <= 0, where e^{x - c} is e^x e^{-c}: c near
 *     0 and near -600, entries below -600;
 *   - sigmoid, whose gradient comes from the same exponential as y.
 * The tier must also settle most of the ordinary rows: a shortcut that never
 * settles would pass the comparison and test nothing. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../reference/tier.h"
#include "testlib.h"

static void expect_clean(const char *family, const ns_test_tally *t, size_t min_settled)
{
    cr_expect_eq(t->mismatches, 0, "%s: %zu of %zu rows differ between the tiers", family,
                 t->mismatches, t->rows);
    cr_expect_geq(t->settled, min_settled, "%s: the tier settled only %zu of %zu rows", family,
                  t->settled, t->rows);
}

/* sigma(-x) is near 1/2 for x near 0, so the products of a row of n such
 * entries fall near 2^-n: past 2^-1074 (zero) for n = 1200, through the
 * rescaling of the plain-ddi path (every 2^-20) all along. */
Test(tier_paths, stickbreaking_long_rows_and_edges)
{
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0x5b1c);
    ns_test_tally t = { 0, 0, 0 }, plain = { 0, 0, 0 };
    size_t n_max = 1200;
    double *x = malloc(2 * n_max * sizeof *x), *g = x + n_max;
    cr_assert(x);
    for (int row = 0; row < 24; row++) {
        size_t n = row % 3 == 0 ? n_max : row % 3 == 1 ? 300 : 1 + ns_test_rng_next(&rng) % 40;
        int kind = row % 8;
        for (size_t i = 0; i < n; i++) {
            x[i] = 0.5 * ns_test_rng_normal(&rng);
            if (kind == 1 && i % 7 == 3)
                x[i] = -INFINITY;                            /* masked */
            if (kind == 2 && i % 5 == 0)
                x[i] = (i % 10 ? 1 : -1) * (600 - ns_test_rng_uniform(&rng));   /* |x| near 600 */
            if (kind == 3 && i % 9 == 0)
                x[i] = (i % 2 ? 1 : -1) * (600 + 50 * ns_test_rng_uniform(&rng));   /* beyond: ddix */
            g[i] = kind == 4 ? 0.25 : kind == 5 && i % 2 ? 0 : ns_test_rng_normal(&rng);
        }
        ns_test_compare_tier("stickbreaking", kind == 0 || kind == 6 ? &plain : &t, x, g, n);
        if (row % 4 == 0)
            ns_test_compare_tier("stickbreaking", &t, x, NULL, n);
    }
    free(x);
    expect_clean("stickbreaking", &t, 0);
    expect_clean("stickbreaking (ordinary rows)", &plain, plain.rows / 2 + 1);
}

Test(tier_paths, softplus_norm_with_nonpositive_logits)
{
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0x50f7);
    ns_test_tally t = { 0, 0, 0 }, plain = { 0, 0, 0 };
    double x[64], g[64];
    for (int row = 0; row < 300; row++) {
        size_t n = 1 + ns_test_rng_next(&rng) % 64;
        int kind = row % 5;
        double c = kind == 0 ? -1e-3 * ns_test_rng_uniform(&rng)
                 : kind == 1 ? -3 * ns_test_rng_uniform(&rng)
                 : kind == 2 ? -600 + 2 * ns_test_rng_uniform(&rng)   /* e^{-c} near its edge */
                 : kind == 3 ? -30 : 0;
        for (size_t i = 0; i < n; i++) {
            x[i] = c - fabs(kind == 3 ? 700 * ns_test_rng_uniform(&rng) : 5 * ns_test_rng_normal(&rng));
            if (i % 11 == 5)
                x[i] = -INFINITY;
            g[i] = ns_test_rng_normal(&rng);
        }
        x[n / 2] = c;                                     /* the maximum itself */
        ns_test_compare_tier("softplus.norm", kind == 1 ? &plain : &t, x, g, n);
        if (row % 4 == 0)
            ns_test_compare_tier("softplus.norm", &t, x, NULL, n);
    }
    expect_clean("softplus.norm", &t, 0);
    expect_clean("softplus.norm (ordinary rows)", &plain, plain.rows * 9 / 10);
}

Test(tier_paths, sigmoid_gradient_from_one_exponential)
{
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0x5167);
    ns_test_tally t = { 0, 0, 0 }, plain = { 0, 0, 0 };
    double x[64], g[64];
    for (int row = 0; row < 300; row++) {
        size_t n = 1 + ns_test_rng_next(&rng) % 64;
        int kind = row % 3;
        double scale = kind == 0 ? 3 : kind == 1 ? 250 : 1e-9;
        for (size_t i = 0; i < n; i++) {
            x[i] = scale * ns_test_rng_normal(&rng);
            g[i] = i % 13 == 7 ? 0 : ns_test_rng_normal(&rng);
        }
        ns_test_compare_tier("sigmoid", kind == 0 ? &plain : &t, x, g, n);
    }
    expect_clean("sigmoid", &t, 0);
    expect_clean("sigmoid (ordinary rows)", &plain, plain.rows * 9 / 10);
}
