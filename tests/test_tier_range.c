/* The fast tier beyond double-double's range (reference/ddi_range.h):
 *   - every ddix operation contains the truth, computed by MPFR at 300 bits
 *     (with MPFR's widest exponent range) at the ends and midpoint of its
 *     operands, for values from 2^-4000 to 2^4000;
 *   - ddix_round gives what MPFR's own rounding to binary64 gives at both
 *     ends of the interval (mpfr_get_d, subnormals included), and the
 *     hand-derived roundings around the smallest subnormal;
 *   - each tier gives bit for bit what MPFR alone gives on rows whose values
 *     leave ddi's range (huge spreads, spikes, subnormal and zero results,
 *     long stick-breaking products, all-masked rows, subnormal logits), and
 *     settles them (ns_ref_stats.prec == 0) where it now can. */
#include <criterion/criterion.h>
#include <math.h>
#include <mpfr.h>
#include <stdlib.h>
#include <string.h>

#include "../reference/ddi_range.h"
#include "../reference/ddi_sum.h"
#include "../reference/tier.h"
#include "testlib.h"
#include "testlib_ddi.h"

#define PREC 300

/* A random ddix near 2^e for e in [emin, emax], radius 0 to 2^-60 relative. */
static ddix random_ddix(ns_test_rng *rng, int emin, int emax)
{
    double m = 1 + ns_test_rng_uniform(rng);
    if (ns_test_rng_next(rng) & 1)
        m = -m;
    double lo = m * 0x1p-54 * (ns_test_rng_uniform(rng) - 0.5);
    double s = m + lo;
    lo = lo - (s - m);
    int kind = (int)(ns_test_rng_next(rng) % 3);
    double r = kind == 0 ? 0 : fabs(s) * ldexp(ns_test_rng_uniform(rng), kind == 1 ? -100 : -60);
    int e = emin + (int)(ns_test_rng_next(rng) % (uint64_t)(emax - emin + 1));
    return (ddix){ { s, lo, r }, e };
}

typedef enum { OP_ADD, OP_MUL, OP_DIV, OP_EXP } op_kind;

static int encloses(op_kind op, ddix a, ddix b)
{
    ddix v = op == OP_ADD ? ddix_add(a, b) : op == OP_MUL ? ddix_mul(a, b)
           : op == OP_DIV ? ddix_div(a, b) : ddix_exp((ddi){ ldexp(a.a.hi, a.e), ldexp(a.a.lo, a.e), ldexp(a.a.r, a.e) });
    mpfr_t x, y, t;
    mpfr_inits2(PREC, x, y, t, (mpfr_ptr)0);
    int ok = 1;
    for (int i = -1; i <= 1; i++)
        for (int j = -1; j <= 1; j++) {
            ns_test_ddix_member(x, a, i);
            ns_test_ddix_member(y, b, j);
            switch (op) {
            case OP_ADD: mpfr_add(t, x, y, MPFR_RNDN); break;
            case OP_MUL: mpfr_mul(t, x, y, MPFR_RNDN); break;
            case OP_DIV: mpfr_div(t, x, y, MPFR_RNDN); break;
            default: mpfr_exp(t, x, MPFR_RNDN); break;
            }
            ok &= ns_test_ddix_contains(v, t);
        }
    mpfr_clears(x, y, t, (mpfr_ptr)0);
    return ok;
}

Test(tier_range, ddix_operations_contain_the_truth)
{
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    const char *names[] = { "add", "mul", "div", "exp" };
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0x4a17);
    for (op_kind op = OP_ADD; op <= OP_EXP; op++) {
        int bad = 0, valid = 0;
        for (int i = 0; i < 3000; i++) {
            ddix a, b;
            if (op == OP_EXP) {
                a = random_ddix(&rng, -8, 13);        /* |x| up to 16384: the halvings */
                a.a.r = fmin(a.a.r, 0x1p-30);
                b = a;
            } else {
                a = random_ddix(&rng, -4000, 4000);
                b = random_ddix(&rng, -4000, 4000);
                if (i % 3 == 0)
                    b.e = a.e - (int)(ns_test_rng_next(&rng) % 1200);   /* near, or far below */
                if (op == OP_ADD && i % 6 == 1) {
                    b.e = a.e;                        /* cancellation */
                    b.a.hi = -a.a.hi;
                    b.a.lo = ldexp(a.a.lo, -(int)(ns_test_rng_next(&rng) % 8));
                }
            }
            ddix a0 = ddix_of(a.a), b0 = ddix_of(b.a);   /* normalised, with the exponents added */
            a0.e += a.e;
            b0.e += b.e;
            if (op == OP_EXP)
                a0 = b0 = a;
            ddix v = op == OP_ADD ? ddix_add(a0, b0) : op == OP_MUL ? ddix_mul(a0, b0) : ddix_div(a0, b0);
            valid += op == OP_EXP ? 1 : ddix_valid(v);
            if (!encloses(op, a0, b0) && bad++ < 3)
                cr_log_error("ddix %s misses the truth: a = (%a + %a +- %a) 2^%d, b = (%a + %a +- %a) 2^%d",
                             names[op], a0.a.hi, a0.a.lo, a0.a.r, a0.e, b0.a.hi, b0.a.lo, b0.a.r, b0.e);
        }
        cr_expect_eq(bad, 0, "ddix %s: %d enclosures miss the truth (seed %llu)", names[op], bad,
                     (unsigned long long)ns_test_seed());
        cr_expect_gt(valid, 1000, "ddix %s: only %d valid results", names[op], valid);
    }
    /* exp far below and above ddi's range, and its bound beyond the halvings */
    double edge[] = { -600.5, -745.25, -1000, -3000.125, -1e5, -4e8, -1e10, 601, 2400, 1e5 };
    int bad = 0;
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
        ddix a = ddix_of(ddi_from_double(edge[i]));
        bad += !encloses(OP_EXP, a, a);
        cr_expect(ddix_valid(ddix_exp(ddi_from_double(edge[i]))) || edge[i] > 1e4,
                  "e^%g has an enclosure", edge[i]);
    }
    cr_expect_eq(bad, 0, "%d exp enclosures at the edges miss the truth", bad);
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
}

/* MPFR's binary64 rounding of v (mpfr_get_d rounds subnormals correctly). */
static double mpfr_round64(mpfr_t v)
{
    return mpfr_get_d(v, MPFR_RNDN);
}

Test(tier_range, ddix_round_agrees_with_mpfr)
{
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0x5b0);
    mpfr_t lo, hi;
    mpfr_inits2(PREC, lo, hi, (mpfr_ptr)0);
    int bad = 0, settled = 0, zeros = 0, subnormals = 0;
    for (int i = 0; i < 20000; i++) {
        ddix v = random_ddix(&rng, -1140, -1000);      /* normal, subnormal and zero results */
        if (i % 4 == 0)
            v.a.r = ldexp(ns_test_rng_uniform(&rng), -(int)(ns_test_rng_next(&rng) % 60));
        int sign = (int)(ns_test_rng_next(&rng) % 3) - 1;
        ns_test_ddix_member(lo, v, -1);
        ns_test_ddix_member(hi, v, 1);
        double a = mpfr_round64(lo), b = mpfr_round64(hi), o;
        if (sign != 0 && mpfr_sgn(lo) * sign < 0 && mpfr_sgn(hi) * sign < 0)
            continue;                                  /* a sign the value cannot have */
        if (!ddix_round(v, sign, &o))
            continue;
        settled++;
        zeros += o == 0;
        subnormals += o != 0 && fabs(o) < 0x1p-1022;
        /* ns_ref_round's zero: -0 when MPFI's enclosure lies below zero,
         * which only a known sign (or a value above zero) tells */
        int right = a == b && o == a;
        if (right && o == 0)
            right = sign > 0 ? !signbit(o) : sign < 0 ? signbit(o) != 0 : mpfr_sgn(lo) > 0 && !signbit(o);
        if (!right && bad++ < 3)
            cr_log_error("ddix_round (%a + %a +- %a) 2^%d sign %d: %a, MPFR %a .. %a", v.a.hi, v.a.lo, v.a.r,
                         v.e, sign, o, a, b);
    }
    cr_expect_eq(bad, 0, "%d roundings differ from MPFR's (seed %llu)", bad, (unsigned long long)ns_test_seed());
    cr_expect_gt(zeros, 500, "only %d zeros settled", zeros);
    cr_expect_gt(subnormals, 2000, "only %d subnormals settled", subnormals);
    cr_expect_gt(settled, 8000, "only %d of 20000 settled", settled);

    /* Hand-derived: 2^-1075 is the tie between 0 and 2^-1074 (never
     * settles); just above it rounds up, just below to zero; 3 2^-1076 =
     * 0.75 2^-1074 rounds to 2^-1074; 2^-1022 - 2^-1076 is within a
     * quarter spacing of 2^-1022, the smallest normal. */
    double o;
    cr_expect(!ddix_round((ddix){ { 1, 0, 0 }, -1075 }, 1, &o), "the tie 2^-1075 never settles");
    cr_expect(ddix_round((ddix){ { 1, 0x1p-40, 0x1p-60 }, -1075 }, 1, &o) && o == 0x1p-1074);
    cr_expect(ddix_round((ddix){ { 1, -0x1p-40, 0x1p-60 }, -1075 }, 1, &o) && o == 0 && !signbit(o));
    cr_expect(ddix_round((ddix){ { -1, 0x1p-40, 0x1p-60 }, -1075 }, -1, &o) && o == 0 && signbit(o));
    cr_expect(!ddix_round((ddix){ { -1, 0x1p-40, 0x1p-60 }, -1075 }, 0, &o),
              "a negative zero settles only when MPFI's sign is known");
    cr_expect(ddix_round((ddix){ { 1.5, 0, 0x1p-60 }, -1075 }, 1, &o) && o == 0x1p-1074);
    cr_expect(ddix_round((ddix){ { 1, -0x1p-54, 0 }, -1022 }, 1, &o) && o == 0x1p-1022);
    cr_expect(ddix_round((ddix){ { 1.375, 0, 0x1p-70 }, -1073 }, 1, &o) && o == 3 * 0x1p-1074,
              "2.75 2^-1074 rounds to 3 2^-1074");
    cr_expect(!ddix_round((ddix){ { 1.25, 0, 0x1p-70 }, -1073 }, 1, &o), "2.5 2^-1074 is a tie");
    mpfr_clears(lo, hi, (mpfr_ptr)0);
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
}

/* The cascade sum (ddi_sum.h) holds the exact sum of its terms' midpoints
 * (MPFR at 400 bits: the terms lie within 2^+-40 of 1, so the sum is exact)
 * and, summing positive terms, its radius stays within (log2 n + 2) 2^-99
 * of the total: a left-to-right sum would reach n 2^-100, past that bound
 * from n = 64 on. */
Test(tier_range, cascade_sum_is_tight_and_contains_the_truth)
{
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0x5a11);
    mpfr_t exact, t;
    mpfr_inits2(400, exact, t, (mpfr_ptr)0);
    const size_t lengths[] = { 1, 2, 3, 7, 64, 100, 1000, 4097, 20000 };
    for (size_t L = 0; L < sizeof lengths / sizeof lengths[0]; L++) {
        size_t n = lengths[L];
        for (int sign = 0; sign < 2; sign++) {
            ddi_sum sum;
            ddi_sum_init(&sum);
            mpfr_set_ui(exact, 0, MPFR_RNDN);
            double radii = 0, total = 0;
            for (size_t i = 0; i < n; i++) {
                double m = ldexp(1 + ns_test_rng_uniform(&rng), (int)(ns_test_rng_next(&rng) % 81) - 40);
                if (sign && (ns_test_rng_next(&rng) & 1))
                    m = -m;
                double lo = m * 0x1p-54 * (ns_test_rng_uniform(&rng) - 0.5), hi = m + lo;
                lo = lo - (hi - m);
                ddi v = { hi, lo, fabs(hi) * 0x1p-110 };
                ddi_sum_add(&sum, v);
                mpfr_add_d(exact, exact, hi, MPFR_RNDN);
                mpfr_add_d(exact, exact, lo, MPFR_RNDN);
                radii += v.r;
                total += fabs(hi);
            }
            ddi s = ddi_sum_total(&sum);
            mpfr_set_d(t, s.hi, MPFR_RNDN);
            mpfr_add_d(t, t, s.lo, MPFR_RNDN);
            mpfr_sub(t, t, exact, MPFR_RNDN);
            mpfr_abs(t, t, MPFR_RNDN);
            cr_expect(mpfr_get_d(t, MPFR_RNDU) <= s.r, "n = %zu: the cascade sum misses the exact sum", n);
            if (!sign)
                cr_expect_leq(s.r, radii * (1 + 0x1p-30) + (log2((double)n) + 2) * 0x1p-99 * total + (double)n * 0x1p-999,
                              "n = %zu: the radius %a is not a pairwise sum's (total %a)", n, s.r, total);
        }
    }
    mpfr_clears(exact, t, (mpfr_ptr)0);
}

/* ---- each tier against MPFR alone on rows beyond ddi's range ---- */

static const char *const families[] = { "softmax", "softmax1", "ssmax", "sigmoid", "stickbreaking" };
#define NFAM (sizeof families / sizeof families[0])

/* Huge spreads: entries e^{-600} .. e^{-3000} below the largest, so that y
 * (and dx) are subnormal or round to zero; spikes of 1000 over normal rows;
 * offsets of 3000.  Every family against MPFR, and most rows must settle. */
Test(tier_range, huge_spreads_match_mpfr_and_settle)
{
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0x5e7);
    ns_test_tally t[NFAM] = { { 0, 0, 0 } };
    double x[40], g[40];
    for (int row = 0; row < 240; row++) {
        size_t n = 2 + ns_test_rng_next(&rng) % 38;
        int kind = row % 3;
        for (size_t i = 0; i < n; i++) {
            double z = ns_test_rng_normal(&rng);
            x[i] = kind == 0 ? -600 - 160 * ns_test_rng_uniform(&rng)   /* y_i near 2^-1074 */
                 : kind == 1 ? z : 3000 + z;
            if (kind == 0 && i % 5 == 0)
                x[i] = -3000 * ns_test_rng_uniform(&rng);
            g[i] = ns_test_rng_normal(&rng);
        }
        size_t k = ns_test_rng_next(&rng) % n;
        x[k] = kind == 1 ? 1000 : 0;                           /* the spike, or the top */
        for (size_t f = 0; f < NFAM; f++) {
            ns_test_compare_tier(families[f], &t[f], x, g, n);
            ns_test_compare_tier(families[f], &t[f], x, NULL, n);
        }
    }
    for (size_t f = 0; f < NFAM; f++) {
        cr_expect_eq(t[f].mismatches, 0, "%s: %zu of %zu rows differ between the tiers", families[f],
                     t[f].mismatches, t[f].rows);
        cr_expect_gt(t[f].settled, t[f].rows * 3 / 4, "%s: the tier settled only %zu of %zu rows",
                     families[f], t[f].settled, t[f].rows);
    }
}

/* Rows designed to settle now, each checked on its own: a subnormal y
 * (x = -700 next to 0: y = e^{-700} / (1 + e^{-700}), about 2^-1010), zeros
 * (x = -800 and -1e6), an all-masked row, subnormal logits, and a long
 * stick-breaking product that falls through the subnormals to zero. */
Test(tier_range, designed_rows_settle)
{
    ns_test_tally t = { 0, 0, 0 };
    const double sub[] = { 0, -700, -720.5, -744, -800, -1e6 };
    const double gsub[] = { 0.5, -1, 2, -0.25, 1, 3 };
    const double masked[] = { -INFINITY, -INFINITY, -INFINITY };
    const double gm[] = { 1, 2, 3 };
    const double logits[] = { 0x1p-1074, 3 * 0x1p-1074, -0x1p-1060, 0x1.8p-1030, 0 };
    const double gl[] = { 1, -2, 0.5, 0.25, -1 };
    for (size_t f = 0; f < NFAM; f++) {
        int sb = strcmp(families[f], "stickbreaking") == 0, sg = strcmp(families[f], "sigmoid") == 0;
        if (!sb && !sg) {
            cr_expect(ns_test_compare_tier(families[f], &t, sub, NULL, 6), "%s: subnormal y settles", families[f]);
            cr_expect(ns_test_compare_tier(families[f], &t, sub, gsub, 6), "%s: subnormal y, dx settle", families[f]);
        }
        cr_expect(ns_test_compare_tier(families[f], &t, masked, gm, 3), "%s: all-masked row settles", families[f]);
        cr_expect(ns_test_compare_tier(families[f], &t, logits, gl, 5), "%s: subnormal logits settle", families[f]);
    }
    /* sigmoid far out: y rounds to 1 or to a subnormal, dx to signed zeros */
    const double far[] = { 3000, -740, 1e6, -1e5, 745 };
    cr_expect(ns_test_compare_tier("sigmoid", &t, far, gl, 5), "sigmoid: far entries settle");
    /* stick-breaking: 1100 entries of x = 0.75 + 1 / (i + 3) (no product is
     * a dyadic tie), so y_0 ~ 2^-1700 rounds to zero and later ones run
     * through the subnormals */
    double *lx = malloc(2 * 1100 * sizeof *lx);
    cr_assert(lx);
    for (size_t i = 0; i < 1100; i++) {
        lx[i] = 0.75 + 1.0 / (double)(i + 3);
        lx[1100 + i] = (i % 3 == 0 ? -1.0 : 1.0) / (double)(i + 1);
    }
    cr_expect(ns_test_compare_tier("stickbreaking", &t, lx, lx + 1100, 1100), "stickbreaking: a long row settles");
    free(lx);
    cr_expect_eq(t.mismatches, 0, "%zu of %zu designed rows differ between the tiers", t.mismatches, t.rows);
}
