/* exp, expm1, log and log1p of double-double intervals (reference/ddi.h):
 *   - the constants exp is built on (the table of 2^(j/128) and 2^(j/128) - 1,
 *     ln2/128 in three parts, 1/i!) are what MPFR gives at 400 bits;
 *   - every result contains the truth, computed by MPFR at 300 bits at both
 *     ends and the midpoint of random and edge intervals (tiny, near 0, near
 *     -1 for log1p, near 1 for log, large, at the ends of the range);
 *   - the results are tight: a point's radius is within the stated relative
 *     bound (2^-101 for exp, 2^-100 for expm1, and about that for log and
 *     log1p), relative to the value even where it is near 0. */
#include <criterion/criterion.h>
#include <math.h>
#include <mpfr.h>

#include "../reference/ddi.h"
#include "testlib.h"
#include "testlib_ddi.h"

#define PREC 300

/* Whether hi + lo is the double-double nearest v: hi = RN(v), lo = RN(v - hi). */
static int rounded_dd(const double p[2], mpfr_t v)
{
    mpfr_t rest;
    mpfr_init2(rest, 2 * PREC);
    double hi = mpfr_get_d(v, MPFR_RNDN);
    mpfr_sub_d(rest, v, hi, MPFR_RNDN);
    double lo = mpfr_get_d(rest, MPFR_RNDN);
    mpfr_clear(rest);
    return p[0] == hi && p[1] == lo;
}

Test(tier_ops, exp_table_is_correctly_rounded)
{
    mpfr_t v;
    mpfr_init2(v, 400);
    int bad = 0;
    for (int j = -64; j < 64; j++) {
        double t[2], d[2];
        ddi_exp_table(j, t, d);
        mpfr_set_si(v, j, MPFR_RNDN);
        mpfr_div_ui(v, v, 128, MPFR_RNDN);    /* exact */
        mpfr_exp2(v, v, MPFR_RNDN);
        int ok = rounded_dd(t, v);
        mpfr_sub_ui(v, v, 1, MPFR_RNDN);      /* exact at 400 bits */
        ok &= rounded_dd(d, v);
        if (!ok && bad++ < 3)
            cr_log_error("table row %d: %a + %a, %a + %a", j, t[0], t[1], d[0], d[1]);
    }
    cr_expect_eq(bad, 0, "%d rows of the exp table are not 2^(j/128) (and minus 1) rounded", bad);
    mpfr_clear(v);
}

Test(tier_ops, exp_constants_are_what_mpfr_gives)
{
    double l[3], c[8][2];
    ddi_exp_constants(l, c);
    mpfr_t v, f;
    mpfr_inits2(400, v, f, (mpfr_ptr)0);
    /* k L1 must be exact for |k| < 2^17: L1 has at most 36 significant bits. */
    double scaled = ldexp(l[0], 8 + 35);
    cr_expect_eq(scaled, floor(scaled), "L1 = %a has more than 36 significant bits", l[0]);
    mpfr_const_log2(v, MPFR_RNDN);
    mpfr_div_ui(v, v, 128, MPFR_RNDN);
    for (int i = 0; i < 3; i++)
        mpfr_sub_d(v, v, l[i], MPFR_RNDN);    /* exact at 400 bits */
    mpfr_abs(v, v, MPFR_RNDN);
    cr_expect(mpfr_cmp_d(v, 0x1p-147) < 0, "ln2/128 - L1 - L2 - L3 = %g, not below 2^-147",
              mpfr_get_d(v, MPFR_RNDN));
    for (int i = 3; i <= 10; i++) {
        mpfr_fac_ui(f, (unsigned long)i, MPFR_RNDN);
        mpfr_ui_div(v, 1, f, MPFR_RNDN);
        const double *p = c[i - 3];
        int ok = i <= 6 ? rounded_dd(p, v) : p[0] == mpfr_get_d(v, MPFR_RNDN) && p[1] == 0;
        cr_expect(ok, "1/%d! = %a + %a is not rounded from MPFR", i, p[0], p[1]);
    }
    mpfr_clears(v, f, (mpfr_ptr)0);
}

typedef enum { F_EXP, F_EXPM1, F_LOG, F_LOG1P } fn_kind;
static const char *const fn_names[] = { "exp", "expm1", "log", "log1p" };

static ddi apply(fn_kind f, ddi a)
{
    switch (f) {
    case F_EXP: return ddi_exp(a);
    case F_EXPM1: return ddi_expm1(a);
    case F_LOG: return ddi_log(a);
    default: return ddi_log1p(a);
    }
}

static void truth_of(fn_kind f, mpfr_t out, mpfr_t x)
{
    switch (f) {
    case F_EXP: mpfr_exp(out, x, MPFR_RNDN); break;
    case F_EXPM1: mpfr_expm1(out, x, MPFR_RNDN); break;
    case F_LOG: mpfr_log(out, x, MPFR_RNDN); break;
    default: mpfr_log1p(out, x, MPFR_RNDN); break;
    }
}

/* f(a) contains f at a's two ends and midpoint; *valid counts a valid result. */
static int encloses(fn_kind f, ddi a, int *valid)
{
    ddi v = apply(f, a);
    *valid += ddi_valid(v);
    mpfr_t x, t;
    mpfr_inits2(PREC, x, t, (mpfr_ptr)0);
    int ok = 1;
    for (int i = -1; i <= 1; i++) {
        ns_test_ddi_member(x, a, i);
        truth_of(f, t, x);
        ok &= ns_test_ddi_contains(v, t);
    }
    if (!ok)
        cr_log_error("ddi_%s misses the truth: a = %a + %a +- %a, result %a + %a +- %a", fn_names[f],
                     a.hi, a.lo, a.r, v.hi, v.lo, v.r);
    mpfr_clears(x, t, (mpfr_ptr)0);
    return ok;
}

/* A normalized double-double hi + lo with hi = v and a random lo. */
static ddi with_low_part(ns_test_rng *rng, double v, double r)
{
    double lo = v * 0x1p-54 * (ns_test_rng_uniform(rng) - 0.5);
    double s = v + lo;
    return (ddi){ s, lo - (s - v), r };
}

/* A random interval around v: radius exactly 0, or up to 2^-100 or 2^-60 of |v|. */
static ddi around(ns_test_rng *rng, double v)
{
    int kind = (int)(ns_test_rng_next(rng) % 3);
    double r = kind == 0 ? 0 : fabs(v) * ldexp(ns_test_rng_uniform(rng), kind == 1 ? -100 : -60);
    return with_low_part(rng, v, r);
}

/* A random argument for f: spread over the whole range in magnitude (both
 * signs where f takes them), with a share of awkward ones. */
static double random_argument(ns_test_rng *rng, fn_kind f)
{
    double u = ns_test_rng_uniform(rng);
    int sign = ns_test_rng_next(rng) & 1 ? -1 : 1;
    switch (f) {
    case F_EXP:
    case F_EXPM1:
        return sign * exp2(-60 + 70 * u);                 /* to 1024: beyond 600 invalid */
    case F_LOG:
        return exp2(-950 + 1900 * u);                    /* beyond 2^+-900 invalid */
    default:
        if (sign < 0)
            return -exp2(-60 * u);                       /* (-1, -2^-60] */
        return exp2(-60 + 1000 * u);
    }
}

Test(tier_ops, random_intervals_contain_the_truth)
{
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0x0b5);
    for (fn_kind f = F_EXP; f <= F_LOG1P; f++) {
        int bad = 0, valid = 0;
        for (int i = 0; i < 3000; i++)
            bad += !encloses(f, around(&rng, random_argument(&rng, f)), &valid);
        cr_expect_eq(bad, 0, "ddi_%s: %d enclosures miss the truth (seed %llu)", fn_names[f], bad,
                     (unsigned long long)ns_test_seed());
        cr_expect_gt(valid, 2000, "ddi_%s: only %d of 3000 valid", fn_names[f], valid);
    }
}

Test(tier_ops, edge_intervals_contain_the_truth)
{
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0xed6e);
    int bad = 0, valid = 0;
    /* exp and expm1: the reduction's edges (multiples of ln2/128 and
     * between), near 0, the ends of the range and beyond -600 (expm1 = -1). */
    for (int k = -110000; k <= 110000; k += 997)
        for (int d = -1; d <= 1; d++) {
            double x = k * 0x1.62e42fefa39efp-8;
            x = d ? nextafter(x, d * INFINITY) : x;
            x += d * 0x1.62e42fefa39efp-9 * (k % 3 == 0);
            bad += !encloses(F_EXP, ddi_from_double(x), &valid);
            bad += !encloses(F_EXPM1, ddi_from_double(x), &valid);
        }
    double exp_edges[] = { 0x1p-1074, -0x1p-899, 0x1p-899, 0x1p-60, -0x1p-30, 1e-5, -1e-5,
                           0x1.62e42fefa39efp-9, -0x1.62e42fefa39efp-9, 0.34, -0.35, 0.5, -0.5,
                           600, -600, -600.5, -700, -1e300, 700 };
    for (size_t i = 0; i < sizeof exp_edges / sizeof exp_edges[0]; i++)
        for (int t = 0; t < 3; t++) {
            ddi a = t == 0 ? ddi_from_double(exp_edges[i]) : around(&rng, exp_edges[i]);
            bad += !encloses(F_EXP, a, &valid);
            bad += !encloses(F_EXPM1, a, &valid);
        }
    /* log: near 1 (both sides, from 1 +- 2^-60 to the branch points 1/2
     * and 2), the ends of the range, powers of 2. */
    for (int e = 1; e <= 60; e++)
        for (int s = -1; s <= 1; s += 2)
            for (int t = 0; t < 3; t++) {
                double x = 1 + s * ldexp(1 + ns_test_rng_uniform(&rng), -e);
                ddi a = t == 0 ? ddi_from_double(x) : around(&rng, x);
                bad += !encloses(F_LOG, a, &valid);
                bad += !encloses(F_LOG1P, around(&rng, s * ldexp(1 + ns_test_rng_uniform(&rng), -e)),
                                 &valid);
            }
    double log_edges[] = { 0.5, 2, nextafter(0.5, 0), nextafter(2, 3), 0x1p-900, 0x1p900, 1e-300,
                           1e300, 3, 0.25, 1e-10, 1e10 };
    for (size_t i = 0; i < sizeof log_edges / sizeof log_edges[0]; i++)
        for (int t = 0; t < 3; t++)
            bad += !encloses(F_LOG, t == 0 ? ddi_from_double(log_edges[i]) : around(&rng, log_edges[i]),
                             &valid);
    /* log1p: near -1 (the branch to ln(1 + x) below -1/2), at the branch,
     * tiny, large. */
    double log1p_edges[] = { -0.5, nextafter(-0.5, -1), nextafter(-0.5, 0), -0.75, -1 + 0x1p-30,
                             -1 + 0x1p-52, -1 + 0x1p-53, 0x1p-1074, 0x1p-899, -0x1p-899, 1e-300,
                             1, 1e300, 0x1p900 };
    for (size_t i = 0; i < sizeof log1p_edges / sizeof log1p_edges[0]; i++)
        for (int t = 0; t < 3; t++)
            bad += !encloses(F_LOG1P,
                             t == 0 ? ddi_from_double(log1p_edges[i]) : around(&rng, log1p_edges[i]),
                             &valid);
    cr_expect_eq(bad, 0, "%d enclosures miss the truth", bad);
    cr_expect_gt(valid, 1400, "only %d valid", valid);
}

/* The radius of f at the double x, relative to |f(x)| (MPFR). */
static double relative_radius(fn_kind f, double x)
{
    ddi v = apply(f, ddi_from_double(x));
    if (!ddi_valid(v))
        return INFINITY;
    mpfr_t a, t;
    mpfr_inits2(PREC, a, t, (mpfr_ptr)0);
    mpfr_set_d(a, x, MPFR_RNDN);
    truth_of(f, t, a);
    double rel = v.r / fabs(mpfr_get_d(t, MPFR_RNDN));
    mpfr_clears(a, t, (mpfr_ptr)0);
    return rel;
}

Test(tier_ops, enclosures_are_tight_even_near_zero)
{
    /* The stated bounds: exp 2^-101, expm1 2^-100 (the radius adds its own
     * slack, 2^-40 of it); log and log1p add a few roundings of the
     * correction, about 2^-100 of the value away from 1 (log) and near 0
     * (log1p).  Near 0 expm1 and log1p keep them relative to the value. */
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0x7167);
    double worst[4] = { 0, 0, 0, 0 };
    for (int i = 0; i < 2000; i++) {
        double e = ldexp(1 + ns_test_rng_uniform(&rng), -60 + (int)(ns_test_rng_next(&rng) % 66));
        double s = ns_test_rng_next(&rng) & 1 ? -1 : 1;
        double args[4] = { s * e, s * e, exp2(s * 8 * ns_test_rng_uniform(&rng) + (s > 0 ? 1.01 : -1.01)),
                           fmax(s * e, -0.99) };
        for (fn_kind f = F_EXP; f <= F_LOG1P; f++)
            worst[f] = fmax(worst[f], relative_radius(f, args[f]));
    }
    cr_expect_leq(worst[F_EXP], 0x1.01p-101, "exp: relative radius %a", worst[F_EXP]);
    cr_expect_leq(worst[F_EXPM1], 0x1.01p-100, "expm1: relative radius %a", worst[F_EXPM1]);
    cr_expect_leq(worst[F_LOG], 0x1p-98, "log: relative radius %a", worst[F_LOG]);
    cr_expect_leq(worst[F_LOG1P], 0x1p-98, "log1p: relative radius %a", worst[F_LOG1P]);
}

Test(tier_ops, exact_values_and_invalid_arguments)
{
    cr_expect(ddi_is_exact_zero(ddi_log(ddi_from_double(1))), "ln 1 is exactly 0");
    cr_expect(ddi_is_exact_zero(ddi_log1p(ddi_from_double(0))), "log1p 0 is exactly 0");
    cr_expect(ddi_is_exact_zero(ddi_expm1(ddi_from_double(0))), "expm1 0 is exactly 0");
    double y;
    cr_expect(ddi_round(ddi_expm1(ddi_from_double(-800)), &y) && y == -1, "expm1(-800) rounds to -1");
    /* Arguments with members outside the domain claim nothing. */
    cr_expect(!ddi_valid(ddi_log((ddi){ 1, 0, 1 })), "log of [0, 2]");
    cr_expect(!ddi_valid(ddi_log(ddi_from_double(0))), "log 0");
    cr_expect(!ddi_valid(ddi_log(ddi_from_double(-1))), "log -1");
    cr_expect(!ddi_valid(ddi_log1p(ddi_from_double(-1))), "log1p -1");
    cr_expect(!ddi_valid(ddi_log1p((ddi){ -0.5, 0, 0.5 })), "log1p of [-1, 0]");
    cr_expect(!ddi_valid(ddi_log1p(ddi_from_double(-2))), "log1p -2");
    cr_expect(!ddi_valid(ddi_expm1(ddi_from_double(601))), "expm1 601");
}

Test(tier_ops, division_by_wide_intervals_contains_the_truth)
{
    /* ddi_div bounds 1 / (|b| - r_b) without dividing (1 / (1 - t) <=
     * 1 + 2.25 t): radii up to half of |b|, the limit it accepts. */
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() ^ 0xd17);
    mpfr_t x, y, t;
    mpfr_inits2(PREC, x, y, t, (mpfr_ptr)0);
    int bad = 0, valid = 0;
    for (int i = 0; i < 2000; i++) {
        double bm = ldexp(1 + ns_test_rng_uniform(&rng), -20 + (int)(ns_test_rng_next(&rng) % 40));
        if (ns_test_rng_next(&rng) & 1)
            bm = -bm;
        double am = ldexp(1 + ns_test_rng_uniform(&rng), -20 + (int)(ns_test_rng_next(&rng) % 40));
        ddi a = with_low_part(&rng, am, am * ns_test_rng_uniform(&rng) * 0.5);
        ddi b = with_low_part(&rng, bm, fabs(bm) * (i % 4 == 0 ? 0.5 : ns_test_rng_uniform(&rng) * 0.5));
        ddi q = ddi_div(a, b);
        valid += ddi_valid(q);
        int ok = 1;
        for (int s = -1; s <= 1; s++)
            for (int u = -1; u <= 1; u++) {
                ns_test_ddi_member(x, a, s);
                ns_test_ddi_member(y, b, u);
                mpfr_div(t, x, y, MPFR_RNDN);
                ok &= ns_test_ddi_contains(q, t);
            }
        if (!ok && bad++ < 3)
            cr_log_error("ddi_div misses: a = %a + %a +- %a, b = %a + %a +- %a", a.hi, a.lo, a.r, b.hi,
                         b.lo, b.r);
    }
    mpfr_clears(x, y, t, (mpfr_ptr)0);
    cr_expect_eq(bad, 0, "%d quotients miss the truth", bad);
    cr_expect_gt(valid, 1500, "only %d of 2000 valid", valid);
}
