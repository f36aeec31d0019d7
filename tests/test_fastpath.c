/* The fast paths of formats/arith.h and arith.c against MPFR (formats/
 * emulate.c, which shares none of their code, and the test's own MPFR where
 * the operands allow it):
 *   - + - * / with operands that are arbitrary doubles (53-bit significands,
 *     as an accumulator or a round-to-odd value gives them), whose inexact
 *     double results take the "no double rounding" shortcut;
 *   - the same with results just beside a midpoint of the format (the exact
 *     value within a few double ulps of it), where the shortcut must defer;
 *   - exp, expm1, log, log1p, tanh of arbitrary doubles, whose libm values
 *     take the one-rounding certification, and exp of doubles one ulp away
 *     from fp16 values (just outside the fp16 exp table).
 * Every fp16 input of exp (the table) is checked by test_arith.c. */
#include <criterion/criterion.h>

#include "../checks/arith_check.h"
#include "testlib.h"

#define SHOWN 5

typedef struct {
    unsigned long long checked, mismatches;
} tally;

static void note(tally *t, bool ok, const chk_mismatch *m)
{
    t->checked++;
    if (!ok && t->mismatches++ < SHOWN)
        chk_print(stderr, m);
}

static void expect_none(const tally *t, const char *what)
{
    cr_expect(t->checked > 0, "%s: nothing checked", what);
    cr_expect(t->mismatches == 0, "%s: %llu of %llu differ from MPFR", what, t->mismatches,
              t->checked);
}

static const chk_geom *const geoms[] = { &chk_fp16, &chk_bf16, &chk_fp32 };

/* A double with a random 53-bit significand, sign, and exponent in
 * [emin - p - 2, emax + 1] of g: normal, subnormal, underflowing and
 * overflowing results all occur. */
static double random_double(const chk_geom *g, chk_rng *r)
{
    double m = 1.0 + (double)(chk_next(r) >> 12) * 0x1p-52;
    int span = g->emax + 1 - (g->emin - g->p - 2) + 1;
    int e = (g->emin - g->p - 2) + (int)chk_below(r, (uint64_t)span);
    return ldexp(chk_next(r) & 1 ? -m : m, e);
}

/* A midpoint between two neighbours of g (normal or subnormal range). */
static double random_midpoint(const chk_geom *g, chk_rng *r)
{
    double v = chk_random(g, r);
    while (!isfinite(v) || fabs(v) >= g->f->max_finite)
        v = chk_random(g, r);
    return v + copysign(ns_ulp(g->f, v) / 2, v);
}

Test(fastpath, binary_ops_of_arbitrary_doubles)
{
    for (size_t k = 0; k < 3; k++) {
        const chk_geom *g = geoms[k];
        for (int op = 0; op < 4; op++) {
            chk_rng r = chk_seed(ns_test_seed(), 0xfa00 + (uint64_t)(k * 8 + op));
            tally t = { 0, 0 };
            for (int i = 0; i < 50000; i++) {
                chk_mismatch m;
                double a = random_double(g, &r), b = random_double(g, &r);
                if (op < 2)          /* sums: operands of comparable size */
                    b = ldexp(b, ilogb(a) - ilogb(b) + (int)chk_below(&r, 9) - 4);
                note(&t, chk_binary(g, &chk_binary_ops[op], a, b, false, &m), &m);
            }
            char what[64];
            snprintf(what, sizeof what, "%s %s", g->f->name, chk_binary_ops[op].name);
            expect_none(&t, what);
        }
    }
}

/* a + b, a * b and a / b whose exact value lies a few double ulps from a
 * midpoint mu (or on it): the double result is mu itself, which must take
 * the round-to-odd path, or a neighbour of it, which may not round to mu's
 * even neighbour unless the exact value is on that side. */
Test(fastpath, results_beside_midpoints)
{
    for (size_t k = 0; k < 3; k++) {
        const chk_geom *g = geoms[k];
        chk_rng r = chk_seed(ns_test_seed(), 0xfb00 + k);
        tally t = { 0, 0 };
        for (int i = 0; i < 30000; i++) {
            chk_mismatch m;
            double mu = random_midpoint(g, &r);
            /* sum: mu + delta, |delta| from below half an ulp of mu to a few ulps */
            double delta = ldexp(chk_next(&r) & 1 ? -1.0 : 1.0,
                                 ilogb(mu) - 52 - 3 + (int)chk_below(&r, 6));
            delta *= 1.0 + (double)(chk_next(&r) >> 40) * 0x1p-24;
            note(&t, chk_binary(g, &chk_binary_ops[0], mu, delta, false, &m), &m);
            note(&t, chk_binary(g, &chk_binary_ops[1], mu, -delta, false, &m), &m);
            /* product and quotient near mu: b a value of g, a = mu / b or mu * b
             * rounded to double */
            double b = chk_random(g, &r);
            if (!isfinite(b) || b == 0 || fabs(b) < 0x1p-30 || fabs(b) > 0x1p30)
                continue;
            note(&t, chk_binary(g, &chk_binary_ops[2], mu / b, b, false, &m), &m);
            note(&t, chk_binary(g, &chk_binary_ops[3], mu * b, b, false, &m), &m);
        }
        char what[64];
        snprintf(what, sizeof what, "%s beside midpoints", g->f->name);
        expect_none(&t, what);
    }
}

Test(fastpath, unary_ops_of_arbitrary_doubles)
{
    for (size_t k = 0; k < 3; k++) {
        const chk_geom *g = geoms[k];
        for (int op = 0; op < 5; op++) {
            chk_rng r = chk_seed(ns_test_seed(), 0xfc00 + (uint64_t)(k * 8 + op));
            tally t = { 0, 0 };
            for (int i = 0; i < 20000; i++) {
                chk_mismatch m;
                /* uniform in [-24, 24] (exp, expm1 and tanh do not all
                 * saturate), half of them positive for log */
                double x = ((double)(chk_next(&r) >> 11) * 0x1p-53 - 0.5) * 48;
                if (op == 2 || op == 3)
                    x = fabs(x) * (i & 1 ? 1 : 1e-3);
                note(&t, chk_unary(g, &chk_unary_ops[op], x, &m), &m);
            }
            char what[64];
            snprintf(what, sizeof what, "%s %s", g->f->name, chk_unary_ops[op].name);
            expect_none(&t, what);
        }
    }
}

/* Doubles one ulp beside each fp16 value in the table's range are no fp16
 * values: exp must compute them, not look them up. */
Test(fastpath, fp16_exp_beside_table_entries)
{
    tally t = { 0, 0 };
    for (uint64_t enc = 0; enc < 0x10000; enc += 7) {
        double v = chk_decode(&chk_fp16, enc);
        if (!isfinite(v) || v == 0)
            continue;
        for (int side = -1; side <= 1; side += 2) {
            chk_mismatch m;
            double x = nextafter(v, side * INFINITY);
            note(&t, chk_unary(&chk_fp16, &chk_unary_ops[0], x, &m), &m);
        }
    }
    expect_none(&t, "fp16 exp beside fp16 values");
}

/* exp and log at arguments whose value lies within a few double ulps of a
 * midpoint mu of the format (x = log(mu) or exp(mu) rounded, and its
 * neighbours): libm's double value is often mu itself, and the rounding
 * must then follow the exact value's side, which only the certification
 * (or MPFR) knows. */
Test(fastpath, unary_values_beside_midpoints)
{
    for (size_t k = 0; k < 3; k++) {
        const chk_geom *g = geoms[k];
        chk_rng r = chk_seed(ns_test_seed(), 0xfd00 + k);
        tally t = { 0, 0 };
        for (int i = 0; i < 20000; i++) {
            chk_mismatch m;
            double mu = fabs(random_midpoint(g, &r));
            if (mu < 0x1p-20 || mu > 0x1p20)
                continue;
            double xe = log(mu), xl = exp(mu < 40 ? mu : 40);
            for (int d = -2; d <= 2; d++) {
                note(&t, chk_unary(g, &chk_unary_ops[0], ns_from_bits(ns_to_bits(xe) + (uint64_t)(int64_t)d), &m), &m);
                if (mu < 40)
                    note(&t, chk_unary(g, &chk_unary_ops[2], ns_from_bits(ns_to_bits(xl) + (uint64_t)(int64_t)d), &m), &m);
            }
        }
        char what[64];
        snprintf(what, sizeof what, "%s exp and log beside midpoints", g->f->name);
        expect_none(&t, what);
    }
}
