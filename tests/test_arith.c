/* formats/arith.h: every operation of fp16, bf16 and fp32 is the exact
 * result rounded once, checked against MPFR twice over (formats/emulate.c and
 * the manual's own emulation in checks/arith_check.h): all 65,536 inputs of
 * the unary operations in fp16 and bf16, 10^5 random operand pairs per
 * binary operation, all pairs of special values, fp32 operands whose result
 * falls near an fp16 or bf16 midpoint (10^5 per operation), and fp32 results.  `make exhaustive`
 * runs the same checks on 10^7 cases per operation. */
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
    if (ok)
        return;
    if (t->mismatches++ < SHOWN) {
        char line[512];
        FILE *f = fmemopen(line, sizeof line, "w");
        if (f) {
            chk_print(f, m);
            fclose(f);
            cr_log_error("%s (NS_TEST_SEED=%llu)", line, (unsigned long long)ns_test_seed());
        }
    }
}

static void expect_none(const tally *t, const char *what)
{
    cr_expect(t->checked > 0, "%s: nothing checked", what);
    cr_expect_eq(t->mismatches, 0, "%s: %llu of %llu differ (seed %llu)", what, t->mismatches,
                 t->checked, (unsigned long long)ns_test_seed());
}

/* The table in formats/format.c against SPEC section 1. */
Test(arith, formats_have_spec_geometry)
{
    const chk_geom *gs[3] = { &chk_fp16, &chk_bf16, &chk_fp32 };
    for (int k = 0; k < 3; k++) {
        const chk_geom *g = gs[k];
        cr_expect_eq(g->f->p, g->p, "%s p", g->f->name);
        cr_expect_eq(g->f->emin, g->emin, "%s emin", g->f->name);
        cr_expect_eq(g->f->emax, g->emax, "%s emax", g->f->name);
        cr_expect_eq(g->f->max_finite, ldexp(2 - ldexp(1, 1 - g->p), g->emax), "%s max", g->f->name);
        cr_expect(g->f->subnormals, "%s keeps subnormals", g->f->name);
    }
    cr_expect_eq(ns_fp16.max_finite, 65504);        /* SPEC's table */
    cr_expect_eq(ns_bf16.max_finite, 0x1.fep127);
}

static void unary_all_inputs(const chk_geom *g)
{
    for (int op = 0; op < CHK_NUNARY; op++) {
        tally t = { 0, 0 };
        for (uint64_t enc = 0; enc < 65536; enc++) {
            chk_mismatch m;
            note(&t, chk_unary(g, &chk_unary_ops[op], chk_decode(g, enc), &m), &m);
        }
        char what[64];
        snprintf(what, sizeof what, "%s %s", g->f->name, chk_unary_ops[op].name);
        expect_none(&t, what);
    }
}

Test(arith, fp16_unary_ops_all_inputs) { unary_all_inputs(&chk_fp16); }
Test(arith, bf16_unary_ops_all_inputs) { unary_all_inputs(&chk_bf16); }

/* exp of these two fp16 inputs lies just below an fp16 midpoint, and expf's
 * float result is that midpoint itself (0x1.01ep+0 and 0x1.05ep+0: 7.5 and
 * 23.5 ulps of fp16 above 1), which then rounds up to even: computing exp in
 * float and rounding to fp16 is wrong there.  The right values are the lower
 * neighbours 0x1.01cp+0 and 0x1.05cp+0; MPFR confirms them below. */
Test(arith, fp16_exp_float_traps)
{
    static const struct { uint64_t enc; double want; } cases[] = {
        { 0x1f79, 0x1.01cp+0 },
        { 0x25cf, 0x1.05cp+0 },
    };
    for (int i = 0; i < 2; i++) {
        double x = chk_decode(&chk_fp16, cases[i].enc);
        double got = ns_fp_exp(&ns_fp16, x);
        cr_expect(chk_same(got, cases[i].want), "exp(%a) = %a, expected %a", x, got, cases[i].want);
        cr_expect(chk_same(chk_mpfr_unary(&chk_fp16, mpfr_exp, x), cases[i].want),
                  "MPFR disagrees with the hand-derived exp(%a)", x);
    }
}

static void binary_random(const chk_geom *g, int n)
{
    for (int op = 0; op <= CHK_NBINARY; op++) {
        chk_rng r = chk_seed(ns_test_seed(), (uint64_t)op << 8 | (uint64_t)g->p);
        tally t = { 0, 0 };
        for (int i = 0; i < n; i++) {
            double a, b, c;
            chk_mismatch m;
            if (op == CHK_NBINARY) {
                chk_random_triple(g, &r, &a, &b, &c);
                note(&t, chk_fma(g, a, b, c, true, &m), &m);
            } else {
                chk_random_pair(g, &r, &a, &b);
                note(&t, chk_binary(g, &chk_binary_ops[op], a, b, true, &m), &m);
            }
        }
        char what[64];
        snprintf(what, sizeof what, "%s %s", g->f->name,
                 op < CHK_NBINARY ? chk_binary_ops[op].name : "fma");
        expect_none(&t, what);
    }
}

Test(arith, fp16_binary_ops_random_pairs) { binary_random(&chk_fp16, 100000); }
Test(arith, bf16_binary_ops_random_pairs) { binary_random(&chk_bf16, 100000); }
Test(arith, fp32_binary_ops_random_pairs) { binary_random(&chk_fp32, 100000); }

/* fp32 results of unary operations: random fp32 encodings, or uniform in
 * [-20, 20] where exp, expm1 and tanh do not saturate. */
Test(arith, fp32_unary_ops_random_inputs)
{
    for (int op = 0; op < CHK_NUNARY; op++) {
        chk_rng r = chk_seed(ns_test_seed(), 100 + (uint64_t)op);
        tally t = { 0, 0 };
        for (int i = 0; i < 20000; i++) {
            double x = chk_next(&r) & 1
                           ? chk_random(&chk_fp32, &r)
                           : chk_round_ref(&chk_fp32, -20 + 40 * (double)(chk_next(&r) >> 11) * 0x1p-53);
            chk_mismatch m;
            note(&t, chk_unary(&chk_fp32, &chk_unary_ops[op], x, &m), &m);
        }
        char what[64];
        snprintf(what, sizeof what, "fp32 %s", chk_unary_ops[op].name);
        expect_none(&t, what);
    }
}

/* +-0, +-inf, NaN, +-max, +-min subnormal, +-min normal, +-1, 2, 0.5: every
 * unary operation on each, every binary operation on each pair, fma on each
 * triple. */
Test(arith, special_values_all_combinations)
{
    const chk_geom *gs[3] = { &chk_fp16, &chk_bf16, &chk_fp32 };
    for (int k = 0; k < 3; k++) {
        const chk_geom *g = gs[k];
        double v[CHK_NSPECIAL];
        chk_specials(g, v);
        tally t = { 0, 0 };
        chk_mismatch m;
        for (int i = 0; i < CHK_NSPECIAL; i++) {
            for (int op = 0; op < CHK_NUNARY; op++)
                note(&t, chk_unary(g, &chk_unary_ops[op], v[i], &m), &m);
            for (int j = 0; j < CHK_NSPECIAL; j++) {
                for (int op = 0; op < CHK_NBINARY; op++)
                    note(&t, chk_binary(g, &chk_binary_ops[op], v[i], v[j], true, &m), &m);
                for (int l = 0; l < CHK_NSPECIAL; l++)
                    note(&t, chk_fma(g, v[i], v[j], v[l], true, &m), &m);
            }
        }
        expect_none(&t, g->f->name);
    }
}

/* fp32 operands, fp16 and bf16 results near a midpoint: the round-to-odd
 * path of + - and fma, and * / of wider operands. */
Test(arith, fp32_operands_near_midpoints)
{
    static const char *const names[5] = { "add", "sub", "mul", "div", "fma" };
    const chk_geom *gs[2] = { &chk_fp16, &chk_bf16 };
    for (int k = 0; k < 2; k++)
        for (int op = 0; op < 5; op++) {
            chk_rng r = chk_seed(ns_test_seed(), 200 + (uint64_t)(k * 5 + op));
            tally t = { 0, 0 };
            for (int i = 0; i < 100000; i++) {
                chk_mismatch m;
                note(&t, chk_mixed(gs[k], &r, op, &m), &m);
            }
            char what[64];
            snprintf(what, sizeof what, "%s %s of fp32 operands", gs[k]->f->name, names[op]);
            expect_none(&t, what);
        }
}

/* Round-to-odd by hand: 1 + 2^-11 is the fp16 midpoint between 1 and
 * 1 + 2^-10.  Adding +-2^-60 to it in double gives the midpoint back (the
 * term is below half an ulp of a double), and the midpoint rounds to even, 1;
 * the exact sums lie above or below it, so they round to 1 + 2^-10 and 1. */
Test(arith, round_to_odd_hand_derived)
{
    double mid = 1 + 0x1p-11;
    cr_expect_eq(ns_fp_add(&ns_fp16, mid, 0x1p-60), 1 + 0x1p-10);
    cr_expect_eq(ns_fp_add(&ns_fp16, mid, -0x1p-60), 1);
    cr_expect_eq(ns_fp_sub(&ns_fp16, mid, -0x1p-60), 1 + 0x1p-10);
    cr_expect_eq(ns_fp_fma(&ns_fp16, mid, 1, 0x1p-60), 1 + 0x1p-10);
    cr_expect_eq(ns_fp_fma(&ns_fp16, 0x1p-5, mid * 0x1p5, -0x1p-60), 1);
    /* bf16: midpoint between 1 and 1 + 2^-7 */
    cr_expect_eq(ns_fp_add(&ns_bf16, 1 + 0x1p-8, 0x1p-70), 1 + 0x1p-7);
    cr_expect_eq(ns_fp_add(&ns_bf16, 1 + 0x1p-8, -0x1p-70), 1);
}
