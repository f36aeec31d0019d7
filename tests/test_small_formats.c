/* The formats of SPEC section 6 and the modifiers +sat, +ftz, +daz: the
 * table in formats/format.c, ns_round, formats/arith.h and formats/emulate.c
 * against the value sets decoded from the encodings and MPFR
 * (checks/small_formats.h).  Here every value and every rounding gap, every
 * operand of the unary operations and every pair of the FP6 and FP4
 * formats, a sample of the FP8 and tf32 pairs; `make exhaustive` runs every
 * pair of every format of 8 bits or fewer with every modifier. */
#include <criterion/criterion.h>
#include <float.h>

#include "../checks/small_formats.h"
#include "testlib.h"

static const char *const mod_sets[] = { "", "+sat", "+ftz", "+daz", "+sat+ftz+daz" };
#define NMODSETS (sizeof mod_sets / sizeof mod_sets[0])

typedef struct {
    unsigned long long checked, bad;
} tally;

static void note(tally *t, bool ok, const sf_mismatch *m)
{
    t->checked++;
    if (!ok && t->bad++ < 5)
        cr_log_error("%s = %a, MPFR emulation %a, expected %a", m->what, m->got, m->emu, m->want);
}

static void expect_none(const tally *t, const char *what)
{
    cr_expect(t->checked > 0, "%s: nothing checked", what);
    cr_expect_eq(t->bad, 0, "%s: %llu of %llu differ", what, t->bad, t->checked);
}

static void table(sf_table *t, const sf_geom *g, const char *mods)
{
    cr_assert_eq(sf_table_init(t, g, mods), 0, "%s%s: no such format", g->name, mods);
}

Test(small_formats, geometry_is_the_encodings)
{
    for (size_t k = 0; k < SF_NFORMATS; k++)
        for (size_t s = 0; s < NMODSETS; s++) {
            sf_table t;
            table(&t, &sf_formats[k], mod_sets[s]);
            const char *why = sf_geometry_differs(&t);
            cr_expect(why == NULL, "%s: %s", t.f->name, why);
            sf_table_free(&t);
        }
}

Test(small_formats, every_value_rounds_to_itself)
{
    for (size_t k = 0; k < SF_NFORMATS; k++) {
        const sf_geom *g = &sf_formats[k];
        const ns_format *f = ns_format_find(g->name);
        for (uint32_t c = 0; c < sf_ncodes(g); c++) {
            double v = sf_decode(g, c);
            cr_assert(sf_same(ns_round(f, v), v), "%s: code 0x%x = %a rounds to %a", g->name,
                      (unsigned)c, v, ns_round(f, v));
        }
    }
}

/* Every gap between neighbouring values (every 61st of tf32's), with and
 * without modifiers, and the specials. */
Test(small_formats, rounding_matches_the_value_sets)
{
    static const double specials[] = { 0, INFINITY, NAN, DBL_MAX, 0x1p-1074, 1e-300, 1e300 };
    for (size_t k = 0; k < SF_NFORMATS; k++)
        for (size_t s = 0; s < NMODSETS; s++) {
            sf_table t;
            table(&t, &sf_formats[k], mod_sets[s]);
            tally tl = { 0, 0 };
            sf_mismatch m;
            size_t step = t.n > 1000 ? 61 : 1;
            for (size_t gap = 0; gap < t.n; gap += step) {
                double pts[16];
                int np = sf_gap_points(&t, gap, pts);
                for (int i = 0; i < np; i++)
                    note(&tl, sf_check_round(&t, pts[i], &m), &m);
            }
            for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) {
                note(&tl, sf_check_round(&t, specials[i], &m), &m);
                note(&tl, sf_check_round(&t, -specials[i], &m), &m);
            }
            expect_none(&tl, t.f->name);
            sf_table_free(&t);
        }
}

/* SPEC section 6 by hand: e4m3 values up to 464 round to 448 (the tie goes
 * to 448's even mantissa 110), beyond is NaN or, saturated, 448; e5m2 ties
 * 61440 up to 2^16, which overflows; fnuz has no -0; FP6/FP4 saturate. */
Test(small_formats, spec_overflow_by_hand)
{
    const ns_format *e4m3 = ns_format_find("e4m3"), *sat = ns_format_find("e4m3+sat");
    cr_expect_eq(ns_round(e4m3, 464), 448);
    cr_expect(isnan(ns_round(e4m3, 0x1.d00001p8)));
    cr_expect(isnan(ns_round(e4m3, -INFINITY)));
    cr_expect_eq(ns_round(sat, 1e9), 448);
    cr_expect_eq(ns_round(sat, -INFINITY), -448);
    cr_expect(isnan(ns_round(sat, NAN)));
    cr_expect_eq(ns_round(&ns_e5m2, 61439), 57344);
    cr_expect_eq(ns_round(&ns_e5m2, 61440), INFINITY);
    cr_expect_eq(ns_round(ns_format_find("e5m2+sat"), 61440), 57344);
    cr_expect(!signbit(ns_round(&ns_e4m3fnuz, -0x1p-12)));
    cr_expect(signbit(ns_round(&ns_e4m3, -0x1p-12)));
    cr_expect(isnan(ns_round(&ns_e4m3fnuz, 248)));
    cr_expect_eq(ns_round(&ns_e3m2, 1e9), 28);
    cr_expect_eq(ns_round(&ns_e2m3, -INFINITY), -7.5);
    cr_expect_eq(ns_round(&ns_e2m1, 7), 6);
    cr_expect(isnan(ns_round(&ns_e2m1, NAN)));          /* the analysis's NaN */
    cr_expect_eq(ns_round(&ns_tf32, 0x1.ffdp127), 0x1.ffcp127);
    cr_expect_eq(ns_round(&ns_tf32, 0x1.ffep127), INFINITY);
    cr_expect_eq(ns_round(&ns_tf32, 0x1p-137), 0);
    cr_expect_eq(ns_round(ns_format_find("tf32+ftz"), 0x1p-127), 0);
}

/* Every pair of the FP6 and FP4 formats, every 7th pair of the FP8 ones,
 * 3000 random pairs of tf32, each modifier set. */
Test(small_formats, binary_ops_match_the_reference)
{
    for (size_t k = 0; k < SF_NFORMATS; k++) {
        const sf_geom *g = &sf_formats[k];
        for (size_t s = 0; s < NMODSETS; s++) {
            sf_table t;
            table(&t, g, mod_sets[s]);
            tally tl = { 0, 0 };
            sf_mismatch m;
            uint64_t n = sf_ncodes(g), pairs = n * n;
            uint64_t step = n <= 64 ? 1 : n <= 256 ? 7 : pairs / 3000;
            for (uint64_t i = (uint64_t)s; i < pairs; i += step) {
                double a = sf_decode(g, (uint32_t)(i / n)), b = sf_decode(g, (uint32_t)(i % n));
                for (int op = 0; op < SF_NBINARY; op++)
                    note(&tl, sf_check_binary(&t, (sf_binary)op, a, b, &m), &m);
            }
            expect_none(&tl, t.f->name);
            sf_table_free(&t);
        }
    }
}

/* Every operand of the formats of 8 bits or fewer, 5000 of tf32's. */
Test(small_formats, unary_ops_match_the_reference)
{
    for (size_t k = 0; k < SF_NFORMATS; k++) {
        const sf_geom *g = &sf_formats[k];
        for (size_t s = 0; s < NMODSETS; s += 3) {
            sf_table t;
            table(&t, g, mod_sets[s]);
            tally tl = { 0, 0 };
            sf_mismatch m;
            uint32_t n = sf_ncodes(g), step = n > 256 ? n / 5000 : 1;
            for (uint32_t c = 0; c < n; c += step)
                for (int op = 0; op < SF_NUNARY; op++)
                    note(&tl, sf_check_unary(&t, (sf_unary)op, sf_decode(g, c), &m), &m);
            expect_none(&tl, t.f->name);
            sf_table_free(&t);
        }
    }
}

/* Operands from wider formats (an fp32 accumulator divided into an e4m3
 * value): random fp32 values near the FP8 range. */
Test(small_formats, wider_operands_round_once)
{
    ns_test_rng r;
    ns_test_rng_init(&r, ns_test_seed());
    for (size_t k = 0; k < 4; k++) {
        sf_table t;
        table(&t, &sf_formats[k], "");
        tally tl = { 0, 0 };
        sf_mismatch m;
        for (int i = 0; i < 4000; i++) {
            double a = (double)(float)ldexp(ns_test_rng_uniform(&r) * 2 - 1, (int)(ns_test_rng_next(&r) % 40) - 20);
            double b = (double)(float)ldexp(ns_test_rng_uniform(&r) * 2 - 1, (int)(ns_test_rng_next(&r) % 40) - 20);
            for (int op = 0; op < SF_POW; op++)
                note(&tl, sf_check_binary(&t, (sf_binary)op, a, b, &m), &m);
        }
        expect_none(&tl, t.f->name);
        sf_table_free(&t);
    }
}

/* The constants ns_round's inline path reads from a format known at run
 * time (formats/format.h) against its p and emin, with and without
 * modifiers. */
Test(small_formats, inline_constants_match_the_geometry)
{
    static const char *const mods[] = { "", "+sat", "+ftz+daz" };
    for (size_t i = 0; ns_formats[i]; i++)
        for (size_t m = 0; m < 3; m++) {
            char name[64];
            snprintf(name, sizeof name, "%s%s", ns_formats[i]->name, mods[m]);
            const ns_format *f = ns_format_find(name);
            cr_assert(f, "%s", name);
            cr_expect_eq(f->min_normal, ldexp(1.0, f->emin), "%s", name);
            cr_expect_eq(f->magic, ldexp(1.5, 53 - f->p), "%s", name);
        }
}
