/* The fast tiers of the rational references (reference/ratio_dd.c,
 * relu_scaled_dd.c, sparsemax_dd.c, entmax_dd.c) and what they rest on:
 *   - ddi_sqrt contains the truth (MPFR at 300 bits at both ends and the
 *     midpoint of random and edge intervals);
 *   - the exact signs of sums and the exact roundings of quotients
 *     (ddi_exact.h) agree with MPFR's;
 *   - rows whose values are derived by hand (exact outputs, an exact tie,
 *     entries exactly at the threshold) come out exactly so, and settle;
 *   - on rows of every awkward kind the tiers give bit for bit what MPFR
 *     alone gives. */
#include <criterion/criterion.h>
#include <math.h>
#include <mpfr.h>
#include <stdlib.h>
#include <string.h>

#include "../reference/ddi.h"
#include "../reference/ddi_exact.h"
#include "../reference/tier.h"
#include "testlib.h"

#define PREC 300

/* ---- ddi_sqrt ---- */

static void member(mpfr_t v, ddi a, int t)   /* hi + lo + t r, exactly */
{
    mpfr_set_d(v, a.hi, MPFR_RNDN);
    mpfr_add_d(v, v, a.lo, MPFR_RNDN);
    if (t)
        mpfr_add_d(v, v, t * a.r, MPFR_RNDN);
}

/* sqrt at the ends and the midpoint of a lies in ddi_sqrt(a) (an invalid
 * result claims nothing). */
static int sqrt_encloses(ddi a)
{
    ddi v = ddi_sqrt(a);
    if (!ddi_valid(v))
        return 1;
    mpfr_t x, t, lo, hi;
    mpfr_inits2(PREC, x, t, lo, hi, (mpfr_ptr)0);
    member(lo, v, -1);
    member(hi, v, 1);
    int ok = 1;
    for (int i = -1; i <= 1; i++) {
        member(x, a, i);
        mpfr_sqrt(t, x, MPFR_RNDN);
        ok &= mpfr_lessequal_p(lo, t) && mpfr_lessequal_p(t, hi);
    }
    mpfr_clears(x, t, lo, hi, (mpfr_ptr)0);
    return ok;
}

static ddi random_positive(ns_test_rng *rng, int emin, int emax)
{
    double m = ldexp(1 + ns_test_rng_uniform(rng), emin + (int)(ns_test_rng_next(rng) % (uint64_t)(emax - emin + 1)));
    double lo = m * 0x1p-54 * (ns_test_rng_uniform(rng) - 0.5);
    double s = m + lo;
    lo = lo - (s - m);
    int kind = (int)(ns_test_rng_next(rng) % 3);
    double r = kind == 0 ? 0 : s * ldexp(ns_test_rng_uniform(rng), kind == 1 ? -100 : -60);
    return (ddi){ s, lo, r };
}

Test(tier_rational, sqrt_contains_the_truth)
{
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0x5971);
    int bad = 0, valid = 0;
    for (int i = 0; i < 6000; i++) {
        ddi a = random_positive(&rng, i % 2 ? -890 : -40, i % 2 ? 890 : 40);
        valid += ddi_valid(ddi_sqrt(a));
        if (!sqrt_encloses(a) && bad++ < 3)
            cr_log_error("sqrt misses the truth: a = %a + %a +- %a (seed %llu)", a.hi, a.lo, a.r,
                         (unsigned long long)ns_test_seed());
    }
    /* Perfect squares, powers of two and the ends of the range. */
    double edge[] = { 1, 4, 2, 0.25, 9, 0x1p-898, 0x1p898, 0x1.fffffffffffffp0, 0x1.0000000000001p0, 1e-270 };
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
        ddi a = ddi_from_double(edge[i]);
        bad += !sqrt_encloses(a);
        bad += !sqrt_encloses((ddi){ edge[i], 0, edge[i] * 0x1p-70 });
    }
    cr_expect_eq(bad, 0, "%d sqrt enclosures miss the truth", bad);
    cr_expect_gt(valid, 5000, "sqrt: only %d valid results", valid);
    double y;
    ddi one = ddi_sqrt(ddi_from_double(4));
    cr_expect(ddi_round(one, &y) && y == 2, "sqrt 4 settles to 2");
    cr_expect(ddi_is_exact_zero(ddi_sqrt(ddi_from_double(0))), "sqrt of exact 0 is exact 0");
    cr_expect(!ddi_valid(ddi_sqrt(ddi_from_double(-1))), "sqrt -1 is invalid");
    cr_expect(!ddi_valid(ddi_sqrt((ddi){ 1, 0, 0.75 })), "an interval reaching below 0.25 of its midpoint is invalid");
}

/* ---- exact signs ---- */

Test(tier_rational, expansion_signs_match_exact_sums)
{
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0xe5);
    mpfr_t sum, p;
    mpfr_inits2(4000, sum, p, (mpfr_ptr)0);   /* exact for these sums */
    double e[200], term[40][2];
    int bad = 0, zeros = 0;
    for (int row = 0; row < 3000; row++) {
        size_t len = 0, terms = 1 + ns_test_rng_next(&rng) % 40;
        mpfr_set_ui(sum, 0, MPFR_RNDN);
        for (size_t i = 0; i < terms; i++) {
            term[i][0] = ldexp(ns_test_rng_normal(&rng), (int)(ns_test_rng_next(&rng) % 120) - 60);
            term[i][1] = i % 2 ? (double)(ns_test_rng_next(&rng) % 5) - 2 : 1;
        }
        /* A third of the rows add every term and then its negation, in
         * another order: an exact zero. */
        for (size_t k = 0; k < (row % 3 == 0 ? 2 * terms : terms); k++) {
            size_t i = k < terms ? k : 2 * terms - 1 - k;
            double a = k < terms ? term[i][0] : -term[i][0], b = term[i][1];
            ns_exp_add_product(e, &len, a, b);
            mpfr_set_d(p, a, MPFR_RNDN);
            mpfr_mul_d(p, p, b, MPFR_RNDN);
            mpfr_add(sum, sum, p, MPFR_RNDN);
            if (k % 7 == 6)
                len = ns_exp_compress(e, len);
        }
        zeros += mpfr_sgn(sum) == 0;
        if (ns_exp_sign(e, len) != mpfr_sgn(sum) && bad++ < 3)
            cr_log_error("row %d: expansion sign %d, exact sign %d", row, ns_exp_sign(e, len), mpfr_sgn(sum));
        len = ns_exp_compress(e, len);
        if (ns_exp_sign(e, len) != mpfr_sgn(sum))
            bad++;
    }
    mpfr_clears(sum, p, (mpfr_ptr)0);
    cr_expect_eq(bad, 0, "%d expansion signs wrong", bad);
    cr_expect_gt(zeros, 500, "exact zeros were exercised (%d)", zeros);
}

/* num / den rounded by ns_exact_round_quotient equals MPFR's correctly
 * rounded quotient of the same exact values: random quotients, quotients
 * that are doubles, and exact ties (num = den (q + half an ulp of q)). */
Test(tier_rational, exact_quotients_round_correctly)
{
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0x9b);
    mpfr_t en, ed, r;
    mpfr_inits2(4000, en, ed, (mpfr_ptr)0);
    mpfr_init2(r, 53);
    ns_exact *num = malloc(2 * sizeof *num), *den = num + 1;
    cr_assert(num);
    int bad = 0, settled = 0, ties = 0;
    for (int row = 0; row < 3000; row++) {
        ns_exact_init(num);
        ns_exact_init(den);
        mpfr_set_ui(en, 0, MPFR_RNDN);
        mpfr_set_ui(ed, 0, MPFR_RNDN);
        size_t terms = 1 + ns_test_rng_next(&rng) % 4;
        for (size_t i = 0; i < terms; i++) {     /* den: a sum of doubles */
            double d = ldexp(ns_test_rng_normal(&rng), (int)(ns_test_rng_next(&rng) % 40) - 20 - 30 * (int)i);
            ns_exact_add(den, d);
            mpfr_add_d(ed, ed, d, MPFR_RNDN);
        }
        double q = ldexp(1 + ns_test_rng_uniform(&rng), (int)(ns_test_rng_next(&rng) % 60) - 30);
        q = ns_test_rng_next(&rng) & 1 ? -q : q;
        int kind = row % 3;
        for (size_t i = 0; i < den->len; i++) {  /* num = den q (+ den half) */
            double c = den->e[i];
            ns_exact_add_product(num, c, q);
            if (kind == 1)
                ns_exact_add_product(num, c, (nextafter(q, INFINITY) - q) * 0.5);
        }
        if (kind == 2)                           /* and a random remainder */
            ns_exact_add(num, ldexp(ns_test_rng_normal(&rng), (int)(ns_test_rng_next(&rng) % 100) - 80));
        for (size_t i = 0; i < num->len; i++)
            mpfr_add_d(en, en, num->e[i], MPFR_RNDN);
        mpfr_div(r, en, ed, MPFR_RNDN);          /* correctly rounded to 53 bits */
        double got, want = mpfr_get_d(r, MPFR_RNDN);
        if (!ns_exact_round_quotient(num, den, &got))
            continue;
        settled++;
        ties += kind == 1;
        if (memcmp(&got, &want, sizeof got) != 0 && bad++ < 3)
            cr_log_error("row %d: quotient %a, MPFR %a (seed %llu)", row, got, want,
                         (unsigned long long)ns_test_seed());
    }
    cr_expect_eq(bad, 0, "%d quotients rounded wrongly", bad);
    cr_expect_gt(settled, 2900, "only %d of 3000 quotients rounded", settled);
    cr_expect_gt(ties, 900, "exact ties were exercised (%d)", ties);

    /* By hand: 0.75 + 2^-54 is halfway between 0.75 and 0.75 + 2^-53: the
     * even one, 0.75; 1 + 2^-52 + 2^-53 halfway between 1 + 2^-52 and
     * 1 + 2^-51: the even one, 1 + 2^-51; 0 / 3 is +0; x / 0 has no value. */
    double got;
    ns_exact_init(num);
    ns_exact_init(den);
    ns_exact_add(num, 0.75);
    ns_exact_add(num, 0x1p-54);
    ns_exact_add(den, 1);
    cr_expect(ns_exact_round_quotient(num, den, &got) && got == 0.75);
    ns_exact_init(num);
    ns_exact_add(num, -1 - 0x1p-52);
    ns_exact_add(num, -0x1p-53);
    cr_expect(ns_exact_round_quotient(num, den, &got) && got == -1 - 0x1p-51);
    ns_exact_init(num);
    ns_exact_init(den);
    ns_exact_add(den, 3);
    cr_expect(ns_exact_round_quotient(num, den, &got) && memcmp(&got, &(double){ 0.0 }, sizeof got) == 0);
    ns_exact_init(den);
    ns_exact_add(num, 1);
    cr_expect(!ns_exact_round_quotient(num, den, &got), "a zero denominator is not rounded");
    free(num);
    mpfr_clears(en, ed, r, (mpfr_ptr)0);
}

/* ---- rows against MPFR alone ---- */

static void family_params(const char *family, double *param)
{
    for (const ns_family *const *f = ns_families(); *f; f++)
        if (strcmp((*f)->name, family) == 0)
            ns_params_default(*f, param);
}

/* A row worked out by hand: the tier settles it to y_want (and dx_want),
 * and MPFR alone agrees. */
static void expect_row(const char *family, const double *param, const double *x, const double *g,
                       size_t n, const double *y_want, const double *dx_want)
{
    double y[8], dx[8];
    ns_test_tally t = { 0, 0, 0 };
    ns_test_compare_tier_at(family, param, &t, x, g, n, y, dx);
    cr_expect_eq(t.mismatches, 0, "%s: tier and MPFR differ", family);
    cr_expect_eq(t.settled, 1, "%s: the tier settles the row", family);
    for (size_t i = 0; i < n; i++) {
        cr_expect(memcmp(&y[i], &y_want[i], sizeof y[i]) == 0, "%s y[%zu] = %a, want %a", family, i,
                  y[i], y_want[i]);
        if (g)
            cr_expect(memcmp(&dx[i], &dx_want[i], sizeof dx[i]) == 0, "%s dx[%zu] = %a, want %a",
                      family, i, dx[i], dx_want[i]);
    }
}

Test(tier_rational, hand_derived_rows)
{
    double param[NS_MAX_PARAMS];
    /* relu.norm [1, 1, 2]: S = 4, y = [1/4, 1/4, 1/2]; with g = [1, 1, 1]
     * every dx = (g_j S - sum g h) / S^2 = 0 exactly (+0). */
    family_params("relu.norm", param);
    expect_row("relu.norm", param, (double[]){ 1, 1, 2 }, (double[]){ 1, 1, 1 }, 3,
               (double[]){ 0.25, 0.25, 0.5 }, (double[]){ 0, 0, 0 });
    /* relu2.norm [-1, 3]: h = [0, 9], y = [0, 1]; one positive entry, so
     * dx = 0 whatever g. */
    family_params("relu2.norm", param);
    expect_row("relu2.norm", param, (double[]){ -1, 3 }, (double[]){ 0.3, -7 }, 2,
               (double[]){ 0, 1 }, (double[]){ 0, 0 });
    /* spherical with a masked entry: outside the domain, NaN everywhere;
     * all zeros (eps = 0): S = 0, zeros. */
    family_params("spherical", param);
    expect_row("spherical", param, (double[]){ 1, -INFINITY }, (double[]){ 1, 2 }, 2,
               (double[]){ NAN, NAN }, (double[]){ NAN, NAN });
    expect_row("spherical", param, (double[]){ 0, -0.0 }, (double[]){ 1, 2 }, 2,
               (double[]){ 0, 0 }, (double[]){ 0, 0 });
    /* taylor [0, 0]: h = [1, 1], y = [1/2, 1/2]; g = [1, 3]: dx_j =
     * h'_j (g_j - <h, g>/S) / S = [(1 - 2)/2, (3 - 2)/2]. */
    family_params("taylor", param);
    expect_row("taylor", param, (double[]){ 0, 0 }, (double[]){ 1, 3 }, 2,
               (double[]){ 0.5, 0.5 }, (double[]){ -0.5, 0.5 });
    /* Exact ties and exact zeros that only the exact test decides.
     * taylor [0, 0] (h = 1, h' = 1, S = 2) and relu.norm [1, 1] (the same
     * h, h' and S) with g = [2, 2^-53]: dx_0 = (g_0 - (g_0 + g_1)/2) / 2 =
     * (2 - 2^-53)/4 = 0.5 - 2^-55, halfway between 0.5 - 2^-54 and 0.5:
     * the even one, 0.5; dx_1 = -dx_0. */
    expect_row("taylor", param, (double[]){ 0, 0 }, (double[]){ 2, 0x1p-53 }, 2,
               (double[]){ 0.5, 0.5 }, (double[]){ 0.5, -0.5 });
    family_params("relu.norm", param);
    expect_row("relu.norm", param, (double[]){ 1, 1 }, (double[]){ 2, 0x1p-53 }, 2,
               (double[]){ 0.5, 0.5 }, (double[]){ 0.5, -0.5 });
    /* relu.norm [1, 1, 1], g = [0, 1, -1]: dx_j = (3 g_j - 0) / 9, so
     * dx_0 = 0 exactly and dx_1, dx_2 = +-1/3 (IEEE's 1.0 / 3 is its
     * correct rounding), y = 1/3. */
    double third = 1.0 / 3;
    expect_row("relu.norm", param, (double[]){ 1, 1, 1 }, (double[]){ 0, 1, -1 }, 3,
               (double[]){ third, third, third }, (double[]){ 0, third, -third });
    /* sparsemax [0, 0, 0], g = [0, 1, -1]: all in the support, y = 1/3,
     * dx = g - mean g = [0, 1, -1], dx_0 exactly 0. */
    family_params("sparsemax", param);
    expect_row("sparsemax", param, (double[]){ 0, 0, 0 }, (double[]){ 0, 1, -1 }, 3,
               (double[]){ third, third, third }, (double[]){ 0, 1, -1 });
    /* sparsemax [0.5 + 2^-53, 0]: F_1 = 0.5 + 2^-53 < 1, both in the
     * support; tau = (0.5 + 2^-53 - 1)/2, y_0 = 0.75 + 2^-54, exactly
     * halfway between 0.75 and its successor 0.75 + 2^-53: the even one,
     * 0.75; y_1 = 0.25 - 2^-54, a double.  g = [1, 2]: dx = [-1/2, 1/2]. */
    family_params("sparsemax", param);
    expect_row("sparsemax", param, (double[]){ 0.5 + 0x1p-53, 0 }, (double[]){ 1, 2 }, 2,
               (double[]){ 0.75, 0.25 - 0x1p-54 }, (double[]){ -0.5, 0.5 });
    /* sparsemax [1, 0]: F_1 = 1 exactly, so 0 sits on the threshold and is
     * out: y = [1, 0], dx = 0 (a support of one). */
    expect_row("sparsemax", param, (double[]){ 1, 0 }, (double[]){ 5, 2 }, 2,
               (double[]){ 1, 0 }, (double[]){ 0, 0 });
    /* entmax 1.5 [2, 0]: F_1 = ((2 - 0)/2)^2 = 1 exactly, out: y = [1, 0];
     * [1, 0]: F_1 = 1/4, both in: u = [0, -1/2], D = 1/4 - 2 (1/4 - 1) =
     * 7/4 is no square, so only settling (not exactness) is expected, and
     * MPFR alone decides. */
    family_params("entmax", param);
    expect_row("entmax", param, (double[]){ 2, 0 }, (double[]){ 5, 2 }, 2,
               (double[]){ 1, 0 }, (double[]){ 0, 0 });
    /* entmax 1.5 [0, 0, 0, 0]: y = 1/4 each (t = 1/2, v = 1/2). */
    expect_row("entmax", param, (double[]){ 0, 0, 0, 0 }, (double[]){ 1, 1, 1, 1 }, 4,
               (double[]){ 0.25, 0.25, 0.25, 0.25 }, (double[]){ 0, 0, 0, 0 });
    /* relu.scaled n = 2: 3 2^-1074 / 2 = 1.5 2^-1074 is a tie between
     * 2^-1074 and 2^-1073: the even one, 2^-1073; dx of g = -0 is an exact
     * zero, +0; x <= 0 gives 0. */
    family_params("relu.scaled", param);
    expect_row("relu.scaled", param, (double[]){ 3 * 0x1p-1074, -1 }, (double[]){ -0.0, 5 }, 2,
               (double[]){ 0x1p-1073, 0 }, (double[]){ 0, 0 });
}

/* Rows of every awkward kind for the rational families. */
static void fill_row(ns_test_rng *rng, int kind, double *x, double *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double v = ns_test_rng_normal(rng);
        switch (kind) {
        case 0: x[i] = v; break;                                          /* typical */
        case 1: x[i] = (double)(ns_test_rng_next(rng) % 4); break;        /* integer ties */
        case 2: x[i] = ldexp(v, -(int)(ns_test_rng_next(rng) % 8)); break;   /* dyadic-rich */
        case 3: x[i] = ns_test_rng_next(rng) % 3 ? v : -INFINITY; break;  /* masked */
        case 4: x[i] = i == 0 ? 3 : -1; break;                            /* one-hot */
        case 5: x[i] = 1e200 * v; break;     /* squares beyond double-double: MPFR's */
        case 6: x[i] = 1e-300 * v; break;    /* the same, and subnormal */
        default: x[i] = v * 0x1p-60 + 1; break;                           /* near ties */
        }
        g[i] = ns_test_rng_normal(rng);
    }
    if (ns_test_rng_next(rng) % 4 == 0)
        for (size_t i = 0; i < n; i++)
            g[i] = 0.375;                                                 /* constant: dx = 0 */
}

Test(tier_rational, awkward_rows_match_mpfr)
{
    const char *families[] = { "relu.norm", "relu2.norm", "spherical", "taylor", "relu.scaled",
                               "sparsemax", "entmax", "entmax" };
    size_t nfam = sizeof families / sizeof families[0];
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0x4a7);
    double x[40], g[40], y[40], dx[40];
    for (size_t f = 0; f < nfam; f++) {
        double param[NS_MAX_PARAMS];
        family_params(families[f], param);
        if (f == nfam - 1)
            param[0] = 2;                                                 /* entmax's sparsemax */
        ns_test_tally all = { 0, 0, 0 }, typical = { 0, 0, 0 }, out_of_range = { 0, 0, 0 };
        for (int row = 0; row < 320; row++) {
            int kind = row % 8;
            size_t n = 1 + ns_test_rng_next(&rng) % (row % 16 < 8 ? 8 : 40);
            fill_row(&rng, kind, x, g, n);
            ns_test_tally *t = kind == 0 ? &typical : kind == 5 || kind == 6 ? &out_of_range : &all;
            ns_test_compare_tier_at(families[f], param, t, x, g, n, y, dx);
            if (row % 3 == 0)
                ns_test_compare_tier_at(families[f], param, t, x, NULL, n, y, dx);
        }
        size_t differ = all.mismatches + typical.mismatches + out_of_range.mismatches;
        cr_expect_eq(differ, 0, "%s (param %g): %zu rows differ", families[f], param[0], differ);
        cr_expect_geq(typical.settled, typical.rows * 95 / 100, "%s: settled %zu of %zu typical rows",
                      families[f], typical.settled, typical.rows);
        cr_expect_gt(all.settled, all.rows * 3 / 4, "%s: settled %zu of %zu awkward rows", families[f],
                     all.settled, all.rows);
    }
}

/* ---- products that underflow ---- */

/* A product of nonzero factors that underflows, to a subnormal or all the
 * way to 0 (where the fma error term is 0 too), cannot enter an exact sum:
 * the accumulator turns not ok instead of losing the term.  A zero factor
 * is exact. */
Test(tier_rational, underflowing_products_are_refused)
{
    ns_exact a;
    ns_exact_init(&a);
    ns_exact_add_product(&a, 0x1p-800, 0x1p-800);          /* 2^-1600: rounds to 0 */
    cr_expect(!a.ok, "2^-800 2^-800 underflows to 0 and is refused");
    ns_exact_init(&a);
    ns_exact_add_product(&a, -0x1p-1021, 0x1.8p-66);       /* below 2^-1074: -0 */
    cr_expect(!a.ok, "a product that rounds to -0 is refused");
    ns_exact_init(&a);
    ns_exact_add_product(&a, 0x1p-500, 0x1.8p-500);        /* subnormal */
    cr_expect(!a.ok, "a subnormal product is refused");
    ns_exact_init(&a);
    ns_exact_add_product(&a, 0, 0x1p-1074);
    ns_exact_add_product(&a, -0x1p-1074, 0);
    ns_exact_add_product(&a, 0x1p-480, 0x1p-480);          /* 2^-960: exact */
    cr_expect(a.ok && ns_exact_sign(&a) == 1, "zero factors and 2^-960 are exact");
}

/* Rows where the ratio tiers once returned +0 (or a value an ulp off, or +0
 * for -0) for a gradient whose exact value involves products far below
 * 2^-1000 that an exact sum lost, or a y from an exact sum cut short (make
 * check-tiers, the seeds and rows named); each must give what MPFR alone
 * gives. */
typedef struct {
    const char *family;
    double eps;               /* spherical's parameter; 0 elsewhere */
    size_t n;
    double x[8], g[8];
} underflow_row;

static const underflow_row underflow_rows[] = {
    /* seed 0xf44e6b6372407c8f row 86 (spike, gradient mixed) */
    { "spherical", 0x0p+0, 3,
      { 0x1p+3, 0x1.9a2277d8a4c4dp-999, 0x1.969f7aa0223dp-998 },
      { -0x1.32dde83c73bbfp+634, -0x1.3ad4ed7af8b3ep+207, 0x1.8b539b4ab4594p-225 } },
    /* seed 0xf44e6b6372407c8f row 320 (spike, gradient huge) */
    { "spherical", 0x0p+0, 7,
      { -0x1.1e983f5766962p-997, -0x1.85bc50a9a3846p-997, -0x1.748p+9, -0x1.9a599d1059b74p-997, -0x1.60214112b3829p-996, 0x1.16d91122d70ebp-997, 0x1.2a86eb2cdc59cp-997 },
      { 0x1.5f746da9e27b7p+997, -0x1.f0c5556250d3p+996, 0x1.effb660ad5f8p+997, -0x1.bf073821ee89cp+998, 0x1.81ab4773209cep+994, -0x1.210cce62db85cp+999, -0x1.6369353cda3edp+998 } },
    /* seed 0xf44e6b6372407c8f row 653 (spike, gradient huge) */
    { "spherical", 0x0p+0, 3,
      { 0x1p+0, 0x0.000000000000ep-1022, -0x0.0000000000005p-1022 },
      { -0x1.86d33fe1302fdp+993, 0x1.7e7c9e58ddc72p+997, 0x1.f51676febb2bdp+989 } },
    /* seed 0xf44e6b6372407c8f row 1094 (spike, gradient huge) */
    { "spherical", 0x0p+0, 2,
      { -0x1.f4p+9, -0x1.f846d126f07e8p-998 },
      { 0x1.70b70bd9da107p+998, -0x1.0b1e0aa89be9fp+996 } },
    /* seed 0xf44e6b6372407c8f row 8909 (mixed, gradient tiny) */
    { "relu.norm", 0, 2,
      { 0x1.063a3033c2eeap-23, 0x1.f4p-18 },
      { -0x0.000000000495p-1022, -0x0.0000000002118p-1022 } },
    /* seed 0xf44e6b6372407c8f row 10215 (normal, gradient tiny) */
    { "relu.norm", 0, 3,
      { 0x1.1846d2542eabdp-22, 0x1.8f3960e130343p-24, 0x1.63221dbbd7a71p-23 },
      { -0x0.0000000002bcbp-1022, 0x0.0000000006271p-1022, 0x0.00000000065c7p-1022 } },
    /* seed 0xf44e6b6372407c8f row 10789 (masked, gradient tiny) */
    { "relu.norm", 0, 4,
      { 0x1.6e372980c475dp-31, 0x1.097a213bf3a4ap-29, -0x1.f5cc9daf6d4c7p-30, -0x1.55161f7373d3fp-32 },
      { -0x0.00000000057e9p-1022, 0x0.0000000000f94p-1022, 0x0.0000000002552p-1022, 0x1.8f91ce75d29e7p-997 } },
    /* seed 0xf44e6b6372407c8f row 707 (spike, gradient tiny) */
    { "relu2.norm", 0, 4,
      { -0x1.748p+9, 0x1.9754a3dfd43cbp-68, -0x1.ecb0b79bd4ac1p-69, 0x1.2a8570112d742p-66 },
      { -0x0.0000000001a9ep-1022, 0x1.e2f6e500d6903p-998, -0x1.10bf07c4faad5p-997, -0x1.cf1cac37229cbp-1000 } },
    /* seed 0xf44e6b6372407c8f row 2624 (spike, gradient tiny) */
    { "relu2.norm", 0, 8,
      { -0x1.ep+4, 0x1.14bcc9622d891p-68, -0x1.990cb1ed63222p-68, -0x1.bc2c36fed6e82p-70, -0x1.3e89e748030fp-67, 0x1.015bc299501dp-67, -0x1.319ccbd0017fdp-67, 0x1.6a442eb0c61bp-67 },
      { -0x1.f6bd8193a7cc4p-999, 0x1.10a491a695a0fp-997, 0x0.0000000002e55p-1022, 0x1.69f9cb60885efp-997, 0x0.0000000001105p-1022, 0x1.47c4f09a48156p-997, -0x0.00000000009d6p-1022, -0x0.0000000002db8p-1022 } },
    /* seed 0x5eed0002 row 54 (normal, gradient tiny) */
    { "spherical", 0x0p+0, 2,
      { -0x1.4a8bcebcabc85p-41, 0x1.685136462bc6cp-42 },
      { -0x0.00000000050ebp-1022, -0x1.b33c033772c29p-997 } },
    /* seed 0x5eed0002 row 1490 (spike, gradient huge) */
    { "spherical", 0x0p+0, 4,
      { 0x0.0000000000011p-1022, 0x0.0000000000001p-1022, 0x0.000000000001cp-1022, 0x1.748p+9 },
      { -0x1.ac4dcfc25ec0ap+996, -0x1.ed883f740aa2cp+995, 0x1.fcd226933a5a3p+998, -0x1.d67b7644dd0b4p+996 } },
    /* seed 0x5eed0002 row 1508 (spike, gradient huge) */
    { "spherical", 0x0p+0, 8,
      { -0x1.ed0e118fe21d2p-1001, 0x1.da7ee7e9d5ba8p-1000, -0x1.3d339c048b518p-998, -0x1.1efbd6e93d252p-996, 0x1.4da58cbc19254p-1000, -0x1.b342e45cf0deap-997, -0x1.9p+6, 0x1.e6ecf1be4a64cp-1000 },
      { 0x1.7eb3322b066ccp+995, 0x1.a86db5cbb2567p+996, -0x1.4c2c0516a5c7dp+994, 0x1.a9c47cd84ecfep+1000, -0x1.93b845997b176p+992, 0x1.ce04a370204bbp+996, 0x1.4a31c09408625p+1001, 0x1.209d2271257c3p+998 } },
    /* seed 0x5eed0002 row 3966 (threshold, gradient normal) */
    { "taylor", 0, 2,
      { 0x1p-800, 0x1p-800 },
      { -0x1.854e675b13aa1p-2, 0x1.adfd4fd012746p-2 } },
    /* seed 0x5eed0002 row 11248 (masked, gradient tiny) */
    { "relu.norm", 0, 2,
      { 0x1.66f609374c471p-29, 0x1.19771d81fdfbdp-29 },
      { -0x0.0000000002dbfp-1022, 0x0.0000000002982p-1022 } },
    /* seed 0x5eed0002 row 2544 (threshold, gradient tiny) */
    { "relu.norm", 0, 3,
      { 0x1.8c7730df1f59dp-49, -0x1.16df510df2706p-49, 0x1.c8b3255972fd8p-51 },
      { 0x0.0000000001c5dp-1022, -0x0.00000000057cdp-1022, 0x0.0000000003d55p-1022 } },
    /* seed 0x5eed0002 row 10384 (masked, gradient tiny) */
    { "relu.norm", 0, 4,
      { -0x1.0bc288e86a2fdp-38, 0x1.1d3457913d778p-38, 0x1.523bac70d1d52p-39, -INFINITY },
      { 0x0.0000000002dd1p-1022, -0x0.0000000005c59p-1022, 0x0.0000000001ea9p-1022, -0x1.d0c521123d0b7p-997 } },
    /* seed 0x5eed0002 row 13737 (rational, gradient tiny) */
    { "relu.norm", 0, 2,
      { 0x1.5555555555555p-18, 0x1.5555555555555p-17 },
      { 0x0.0000000001ddbp-1022, 0x0.0000000003c3ap-1022 } },
    /* seed 0x5eed0002 row 446 (spike, gradient huge) */
    { "relu2.norm", 0, 8,
      { -0x1.74246b0edb589p-996, -0x1.529b6d3ea9bacp-999, -0x1.36e202543c3d4p-998, -0x1.319132a8eed48p-998, 0x1p+3, 0x1.b37962834ea24p-998, 0x1.9f841d4c2a7aep-997, -0x1.0db5ba17d4df7p-997 },
      { 0x1.caa4e39687feep+999, -0x1.4544738f38843p+994, -0x1.5b622ab9646eep+1000, 0x1.5021cfe9fec64p+999, -0x1.63405f634a1aep+999, 0x1.a8c08271af497p+999, -0x1.e9600f863dc45p+994, 0x1.5096a9be4c493p+1000 } },
    /* seed 0x5eed0002 row 2273 (spike, gradient tiny) */
    { "relu2.norm", 0, 3,
      { -0x1.86ap+16, 0x1.4f0bf66996223p-12, 0x1.7f6e92820bbdcp-9 },
      { 0x1.47ab004567a41p-998, 0x0.0000000000036p-1022, 0x0.0000000005a1p-1022 } },
    /* seed 0x5eed0002 row 2560 (equal, gradient tiny) */
    { "relu2.norm", 0, 3,
      { 0x1.3e6e7d0eeca61p-38, 0x1.3e6e7d0eeca61p-38, 0x1.3e6e7d0eeca61p-38 },
      { -0x0.0000000000df9p-1022, 0x0.000000000400dp-1022, -0x0.0000000002f6ep-1022 } },
    /* The examples of the report: taylor's h = 1 + x + x^2 / 2 with
     * x^2 / 2 = 2^-1601, a tie times (1 - ~2^-1601) that must not round as
     * an exact tie; spherical with x^2 = 2^-2044 beside eps and a dx that
     * rounds to ~2^-956 from products with h' = 2^-1021. */
    { "spherical", 0x1.a609c789c1662p-67, 3,
      { 0x1p-1022, 0x1p-1022, 0x1p-1022 },
      { 0x1.cba28b13b9c41p-1, -0x1.75bcbbb6a3127p+0, -0x1.80bada955dee4p-1 } },
    /* Seed 0xf44e6b6372407c8f row 3284 (relu2.norm, one-hot gradient) in
     * small: h = [1, 2^-1600], g = [0, 1], so W = 2^-1600 / S and dx_0 =
     * -2 W / S is a negative value below the subnormals: -0, not +0. */
    { "relu2.norm", 0, 2, { 1, 0x1p-800 }, { 0, 1 } },
    { "spherical", 0, 3, { 2, 0x1p-800, -0x1p-700 }, { 0, 1, 0.5 } },
    /* Seed 0x7a11c0de row 2591: y_0 = x_0 / S ~ 2^-923 came out as 1, from
     * an S cut short after its first term when T (h_0 times the low part of
     * g_0 - g_7, below 2^-1000) could not be exact. */
    { "relu.norm", 0, 8,
      { 0x1.c830e03ca6baap-903, -0x1.9fc1p+16, 0x1.a39ab6f4a2be1p+5, -INFINITY, 0x1.4f2a4p+19, 0x1p+0, 0x1p+0, 0x1.93ba4p+19 },
      { -0x1.13c3dd229d85ap+294, -0x1.8886508eacc4dp-660, 0x1.7f422f217a94fp-143, 0x1.dd9029765b19bp+161, -0x1.bae3d027fb3e7p-46, -0x1.1e8b2e72eef22p+492, 0x1.6a7ebff578da1p+748, 0x1.526cb5cd62d0dp-126 } },
};

Test(tier_rational, underflowing_gradients_match_mpfr)
{
    double y[8], dx[8];
    for (size_t r = 0; r < sizeof underflow_rows / sizeof underflow_rows[0]; r++) {
        const underflow_row *u = &underflow_rows[r];
        double param[NS_MAX_PARAMS];
        family_params(u->family, param);
        if (strcmp(u->family, "spherical") == 0)
            param[0] = u->eps;
        ns_test_tally t = { 0, 0, 0 };
        ns_test_compare_tier_at(u->family, param, &t, u->x, u->g, u->n, y, dx);
        ns_test_compare_tier_at(u->family, param, &t, u->x, NULL, u->n, y, dx);
        cr_expect_eq(t.mismatches, 0, "underflow row %zu (%s, n = %zu): tier and MPFR differ", r,
                     u->family, u->n);
    }
}
