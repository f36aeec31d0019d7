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

typedef struct {
    size_t rows, settled, mismatches;
} tally;

/* y (and dx) by MPFR alone and with the tier: counts a difference and a
 * settled row; the tiered results are left in y, dx. */
static void compare(const char *family, const double *param, const double *x, const double *g,
                    size_t n, double *y, double *dx, tally *t)
{
    const ns_reference *r = ns_reference_find(family);
    cr_assert(r && ns_ref_tier_of(r), "%s has a fast tier", family);
    double *ym = malloc(2 * n * sizeof *ym), *dxm = ym + n;
    cr_assert(ym);
    ns_ref_stats st;
    ns_ref_set_fast_tier(0);
    cr_assert_eq(ns_ref_eval(r, param, x, g, n, ym, g ? dxm : NULL, NULL), 0);
    ns_ref_set_fast_tier(1);
    cr_assert_eq(ns_ref_eval(r, param, x, g, n, y, g ? dx : NULL, &st), 0);
    t->rows++;
    t->settled += st.prec == 0;
    for (size_t i = 0; i < n; i++)
        if (memcmp(&ym[i], &y[i], sizeof y[i]) != 0 || (g && memcmp(&dxm[i], &dx[i], sizeof dx[i]) != 0)) {
            if (t->mismatches++ < 3)
                cr_log_error("%s n = %zu entry %zu: MPFR y %a dx %a, tier y %a dx %a", family, n, i,
                             ym[i], g ? dxm[i] : 0.0, y[i], g ? dx[i] : 0.0);
            break;
        }
    free(ym);
}

/* A row worked out by hand: the tier settles it to y_want (and dx_want),
 * and MPFR alone agrees. */
static void expect_row(const char *family, const double *param, const double *x, const double *g,
                       size_t n, const double *y_want, const double *dx_want)
{
    double y[8], dx[8];
    tally t = { 0, 0, 0 };
    compare(family, param, x, g, n, y, dx, &t);
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
        tally all = { 0, 0, 0 }, typical = { 0, 0, 0 }, out_of_range = { 0, 0, 0 };
        for (int row = 0; row < 320; row++) {
            int kind = row % 8;
            size_t n = 1 + ns_test_rng_next(&rng) % (row % 16 < 8 ? 8 : 40);
            fill_row(&rng, kind, x, g, n);
            tally *t = kind == 0 ? &typical : kind == 5 || kind == 6 ? &out_of_range : &all;
            compare(families[f], param, x, g, n, y, dx, t);
            if (row % 3 == 0)
                compare(families[f], param, x, NULL, n, y, dx, t);
        }
        size_t differ = all.mismatches + typical.mismatches + out_of_range.mismatches;
        cr_expect_eq(differ, 0, "%s (param %g): %zu rows differ", families[f], param[0], differ);
        cr_expect_geq(typical.settled, typical.rows * 95 / 100, "%s: settled %zu of %zu typical rows",
                      families[f], typical.settled, typical.rows);
        cr_expect_gt(all.settled, all.rows * 3 / 4, "%s: settled %zu of %zu awkward rows", families[f],
                     all.settled, all.rows);
    }
}
