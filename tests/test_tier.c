/* The fast tier of the reference (reference/tier.h, ddi.h):
 *   - every double-double interval operation contains the truth, computed by
 *     MPFR at 300 bits at members of the operands (both ends and the
 *     midpoint), on random and edge inputs;
 *   - every family's tier (every reference with a .tier) gives bit for bit what MPFR alone
 *     gives, on the quick standard suite and on rows of every awkward kind
 *     (huge and tiny spreads, masks, ties, constant and random gradients),
 *     and settle the ordinary rows (a tier that never settles would pass
 *     the first check and be useless). */
#include <criterion/criterion.h>
#include <math.h>
#include <mpfr.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/suite.h"
#include "../reference/ddi.h"
#include "../reference/tier.h"
#include "testlib.h"
#include "testlib_ddi.h"

#define PREC 300

/* A random interval: a double-double midpoint of magnitude 2^e and a radius
 * from exactly 0 to 2^-60 relative. */
static ddi random_ddi(ns_test_rng *rng, int emin, int emax)
{
    double m = ldexp(1 + ns_test_rng_uniform(rng), emin + (int)(ns_test_rng_next(rng) % (uint64_t)(emax - emin + 1)));
    if (ns_test_rng_next(rng) & 1)
        m = -m;
    double lo = m * 0x1p-54 * (ns_test_rng_uniform(rng) - 0.5);
    double s = m + lo;                                 /* normalize */
    lo = lo - (s - m);
    int kind = (int)(ns_test_rng_next(rng) % 3);
    double r = kind == 0 ? 0 : fabs(s) * ldexp(ns_test_rng_uniform(rng), kind == 1 ? -100 : -60);
    return (ddi){ s, lo, r };
}

typedef enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_EXP } op_kind;

static ddi apply(op_kind op, ddi a, ddi b)
{
    switch (op) {
    case OP_ADD: return ddi_add(a, b);
    case OP_SUB: return ddi_sub(a, b);
    case OP_MUL: return ddi_mul(a, b);
    case OP_DIV: return ddi_div(a, b);
    default: return ddi_exp(a);
    }
}

static void truth_of(op_kind op, mpfr_t out, mpfr_t a, mpfr_t b)
{
    switch (op) {
    case OP_ADD: mpfr_add(out, a, b, MPFR_RNDN); break;
    case OP_SUB: mpfr_sub(out, a, b, MPFR_RNDN); break;
    case OP_MUL: mpfr_mul(out, a, b, MPFR_RNDN); break;
    case OP_DIV: mpfr_div(out, a, b, MPFR_RNDN); break;
    default: mpfr_exp(out, a, MPFR_RNDN); break;
    }
}

/* op on a (and b) contains op at the nine combinations of members. */
static int encloses(op_kind op, ddi a, ddi b)
{
    ddi v = apply(op, a, b);
    mpfr_t x, y, t;
    mpfr_inits2(PREC, x, y, t, (mpfr_ptr)0);
    int ok = 1;
    for (int i = -1; i <= 1; i++)
        for (int j = -1; j <= 1; j++) {
            ns_test_ddi_member(x, a, i);
            ns_test_ddi_member(y, b, j);
            truth_of(op, t, x, y);
            ok &= ns_test_ddi_contains(v, t);
        }
    mpfr_clears(x, y, t, (mpfr_ptr)0);
    return ok;
}

Test(tier, ddi_operations_contain_the_truth)
{
    const char *names[] = { "add", "sub", "mul", "div", "exp" };
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed());
    for (op_kind op = OP_ADD; op <= OP_EXP; op++) {
        int bad = 0, valid = 0;
        for (int i = 0; i < 4000; i++) {
            ddi a, b;
            if (op == OP_EXP) {
                a = random_ddi(&rng, -40, 9);   /* |x| up to 1024: beyond 600 invalid */
                b = a;
            } else {
                a = random_ddi(&rng, -60, 60);
                b = random_ddi(&rng, -60, 60);
                if ((op == OP_ADD || op == OP_SUB) && (i & 1)) {
                    b.hi = -a.hi * (op == OP_SUB ? -1 : 1);   /* cancellation */
                    b.lo = ldexp(a.lo, -(int)(ns_test_rng_next(&rng) % 8));
                }
            }
            valid += ddi_valid(apply(op, a, b));
            if (!encloses(op, a, b) && bad++ < 3)
                cr_log_error("ddi %s misses the truth: a = %a + %a +- %a, b = %a + %a +- %a (seed %llu)",
                             names[op], a.hi, a.lo, a.r, b.hi, b.lo, b.r,
                             (unsigned long long)ns_test_seed());
        }
        cr_expect_eq(bad, 0, "ddi %s: %d enclosures miss the truth", names[op], bad);
        cr_expect_gt(valid, 1000, "ddi %s: only %d valid results", names[op], valid);
    }
}

Test(tier, exp_near_its_edges)
{
    /* Arguments on the multiples of ln 2 (the reduction's edge), near 0,
     * and at the ends of the range. */
    int bad = 0;
    for (int k = -860; k <= 860; k += 7)
        for (int d = -2; d <= 2; d++) {
            double x = nextafter(k * 0.6931471805599453, d < 0 ? -INFINITY : INFINITY);
            if (d == 0)
                x = k * 0.6931471805599453;
            bad += !encloses(OP_EXP, ddi_from_double(x), ddi_from_double(x));
        }
    double edge[] = { 0x1p-1074, -0x1p-60, 0x1p-30, 600, -600, 0.5, -0.34657359027997264 };
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
        bad += !encloses(OP_EXP, ddi_from_double(edge[i]), ddi_from_double(edge[i]));
    cr_expect_eq(bad, 0, "%d exp enclosures miss the truth", bad);
    ddi one = ddi_exp(ddi_from_double(0));
    double y;
    cr_expect(ddi_round(one, &y) && y == 1.0 && one.r == 0, "e^0 is exactly 1");
}

Test(tier, log_of_double_contains_the_truth)
{
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0x109);
    mpfr_t x, t;
    mpfr_inits2(PREC, x, t, (mpfr_ptr)0);
    int bad = 0, valid = 0, tried = 0;
    for (int i = 0; i < 3000; i++) {
        double v = i < 1000 ? i + 1.0 : i < 2000 ? (double)(1 + ns_test_rng_next(&rng) % (1u << 21))
                                                 : exp2(ns_test_rng_uniform(&rng) * 800);
        ddi l = ddi_log_of_double(v);
        mpfr_set_d(x, v, MPFR_RNDN);
        mpfr_log(t, x, MPFR_RNDN);
        tried++;
        valid += ddi_valid(l);
        if (!ns_test_ddi_contains(l, t) && bad++ < 3)
            cr_log_error("ln %a: %a + %a +- %a misses the truth", v, l.hi, l.lo, l.r);
    }
    mpfr_clears(x, t, (mpfr_ptr)0);
    cr_expect_eq(bad, 0, "%d ln enclosures miss the truth", bad);
    cr_expect_eq(valid, tried, "ln: %d of %d valid", valid, tried);
    ddi zero = ddi_log_of_double(1);
    cr_expect(ddi_is_exact_zero(zero), "ln 1 is exactly 0");
}

/* ---- each family's tier against MPFR alone ---- */

/* Every built-in family whose reference has a fast tier: a new tier is
 * checked here without naming it. */
static size_t tiered_families(const char **names, size_t max)
{
    size_t k = 0;
    for (const ns_family *const *f = ns_families(); *f && k < max; f++) {
        const ns_reference *r = ns_reference_find((*f)->name);
        if (!(*f)->plugin && r && ns_ref_tier_of(r))
            names[k++] = (*f)->name;
    }
    return k;
}

#define MAX_TIERED 64

Test(tier, tiers_match_mpfr_on_the_quick_suite)
{
    const char *tiered[MAX_TIERED];
    size_t ntiered = tiered_families(tiered, MAX_TIERED);
    cr_assert_geq(ntiered, 4, "softmax, softmax1, sigmoid and ssmax at least have tiers");
    size_t ncases;
    ns_case *cases = ns_suite_standard(NS_SUITE_QUICK, 1, &ncases);
    cr_assert(cases);
    ns_test_tally t[MAX_TIERED] = { { 0, 0, 0 } };
    for (size_t c = 0; c < ncases; c++) {
        size_t n = cases[c].n;
        double *x = malloc(2 * n * sizeof *x);
        cr_assert(x);
        ns_case_input(&cases[c], ns_policy_find("fp16"), x);
        ns_gen_gradient(cases[c].seed, n, x + n);
        for (size_t f = 0; f < ntiered; f++) {
            ns_test_compare_tier(tiered[f], &t[f], x, x + n, n);
            ns_test_compare_tier(tiered[f], &t[f], x, NULL, n);
        }
        free(x);
    }
    free(cases);
    for (size_t f = 0; f < ntiered; f++) {
        cr_expect_eq(t[f].mismatches, 0, "%s: %zu of %zu rows differ between the tiers", tiered[f],
                     t[f].mismatches, t[f].rows);
        cr_expect_gt(t[f].settled, t[f].rows / 2, "%s: the tier settled only %zu of %zu rows",
                     tiered[f], t[f].settled, t[f].rows);
    }
}

Test(tier, tiers_match_mpfr_on_awkward_rows)
{
    const char *tiered[MAX_TIERED];
    size_t ntiered = tiered_families(tiered, MAX_TIERED);
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0x7132);
    ns_test_tally t[MAX_TIERED] = { { 0, 0, 0 } }, typical[MAX_TIERED] = { { 0, 0, 0 } };
    double x[64], g[64];
    for (int row = 0; row < 1500; row++) {
        size_t n = 1 + ns_test_rng_next(&rng) % 64;
        int kind = row % 6;
        double scale = kind == 0 ? 1 : kind == 1 ? 1e3 : kind == 2 ? 1e-12 : 5;
        for (size_t i = 0; i < n; i++) {
            x[i] = scale * ns_test_rng_normal(&rng);
            if (kind == 3 && ns_test_rng_next(&rng) % 3 == 0)
                x[i] = -INFINITY;                         /* masked */
            if (kind == 4)
                x[i] = (double)(ns_test_rng_next(&rng) % 3);   /* ties */
            if (kind == 5 && i % 2)
                x[i] = x[0] + ldexp(1, -(int)(ns_test_rng_next(&rng) % 60));   /* near ties */
            g[i] = ns_test_rng_normal(&rng);
        }
        if (row % 7 == 0)
            for (size_t i = 0; i < n; i++)
                g[i] = 0.25;                              /* constant: dx exactly 0 */
        for (size_t f = 0; f < ntiered; f++) {
            /* Integer logits make sigmoid rational (1/(1 + n e^-x) = 1/8 at
             * x = 0, n = 7) and some gradients g 7/64 exact ties, which
             * MPFR runs to its precision cap to leave uncertain (seconds a
             * row); the tier never settles a tie, so they teach nothing. */
            if (kind == 4 && strcmp(tiered[f], "sigmoid") == 0)
                continue;
            ns_test_compare_tier(tiered[f], kind == 0 ? &typical[f] : &t[f], x, g, n);
            if (row % 5 == 0)
                ns_test_compare_tier(tiered[f], &t[f], x, NULL, n);
        }
    }
    for (size_t f = 0; f < ntiered; f++) {
        cr_expect_eq(t[f].mismatches + typical[f].mismatches, 0, "%s: %zu rows differ between the tiers",
                     tiered[f], t[f].mismatches + typical[f].mismatches);
        cr_expect_gt(typical[f].settled, typical[f].rows * 9 / 10,
                     "%s: the tier settled only %zu of %zu typical rows", tiered[f], typical[f].settled,
                     typical[f].rows);
    }
}
