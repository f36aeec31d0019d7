/* The modifiers +sat, +ftz, +daz (SPEC section 6) on the IEEE formats, by
 * hand and against the MPFR emulation, and how a format with modifiers is
 * named and found.  The formats of section 6 with modifiers are checked
 * against their encodings in tests/test_small_formats.c; +sr in
 * tests/test_stochastic.c. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>

#include "../formats/arith.h"
#include "../formats/emulate.h"
#include "testlib.h"

static int same(double a, double b)
{
    return (isnan(a) && isnan(b)) || ns_to_bits(a) == ns_to_bits(b);
}

Test(modifiers, one_format_whatever_the_order_of_its_modifiers)
{
    const ns_format *a = ns_format_find("e4m3+ftz+sat"), *b = ns_format_find("e4m3+sat+ftz");
    cr_assert(a && a == b);
    cr_expect_str_eq(a->name, "e4m3+sat+ftz");
    cr_expect_eq(a->base, &ns_e4m3);
    cr_expect_eq(ns_format_find("fp16"), &ns_fp16);
    cr_expect_eq(ns_fp16.base, &ns_fp16);
    cr_expect(ns_format_find("fp16+daz")->daz);
    cr_expect(!ns_format_find("fp16+ftz")->subnormals);
}

Test(modifiers, bad_names_say_what_is_wrong)
{
    static const struct { const char *name, *why; } cases[] = {
        { "fp8", "unknown format 'fp8'" },
        { "", "unknown format ''" },
        { "e4m3+", "unknown modifier '+' in 'e4m3+'" },
        { "e4m3+fast", "unknown modifier '+fast' in 'e4m3+fast'" },
        { "e4m3+sat+sat", "modifier '+sat' given twice in 'e4m3+sat+sat'" },
        { "fp64+sr", "'fp64+sr': stochastic rounding needs each exact result" },
        { "+sat", "unknown format ''" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256] = "";
        cr_expect_null(ns_format_parse(cases[i].name, err, sizeof err), "%s", cases[i].name);
        cr_expect(strstr(err, cases[i].why) != NULL, "%s: said '%s'", cases[i].name, err);
    }
}

/* fp16: min normal 2^-14, subnormals down to 2^-24, max 65504. */
Test(modifiers, fp16_by_hand)
{
    const ns_format *ftz = ns_format_find("fp16+ftz"), *daz = ns_format_find("fp16+daz");
    const ns_format *sat = ns_format_find("fp16+sat");
    cr_expect_eq(ns_round(ftz, 0x1p-20), 0);
    cr_expect(signbit(ns_round(ftz, -0x1p-20)));
    cr_expect_eq(ns_round(ftz, 0x1p-14 - 0x1p-26), 0x1p-14);     /* rounds up to a normal */
    cr_expect_eq(ns_fp_mul(ftz, 0x1p-7, 0x1p-8), 0);
    cr_expect_eq(ns_fp_mul(&ns_fp16, 0x1p-20, 0x1p10), 0x1p-10);
    cr_expect_eq(ns_fp_mul(daz, 0x1p-20, 0x1p10), 0);               /* the operand reads as 0 */
    cr_expect_eq(ns_round(daz, 0x1p-20), 0x1p-20);                  /* a conversion: no operand */
    cr_expect_eq(ns_fp_mul(daz, 0x1p-7, 0x1p-8), 0x1p-15);          /* results are kept */
    cr_expect(signbit(ns_fp_add(daz, -0x1p-20, -0x1p-21)));
    cr_expect_eq(ns_round(sat, 1e6), 65504);
    cr_expect_eq(ns_round(sat, -INFINITY), -65504);
    cr_expect_eq(ns_fp_div(sat, 1, 0), 65504);
    cr_expect_eq(ns_fp_exp(sat, 20), 65504);
    cr_expect(isnan(ns_round(sat, NAN)));
    cr_expect_eq(ns_format_min_positive(ftz), 0x1p-14);
}

Test(modifiers, fp64_saturates_and_flushes)
{
    const ns_format *sat = ns_format_find("fp64+sat"), *ftz = ns_format_find("fp64+ftz");
    cr_expect_eq(ns_fp_exp(sat, 1000), DBL_MAX);
    cr_expect_eq(ns_fp_mul(sat, -DBL_MAX, 2), -DBL_MAX);
    cr_expect_eq(ns_fp_fma(sat, DBL_MAX, 2, 0), DBL_MAX);
    cr_expect_eq(ns_fp_mul(ftz, 0x1p-1000, 0x1p-30), 0);
    cr_expect_eq(ns_fp_mul(&ns_fp64, 0x1p-1000, 0x1p-30), 0x1p-1030);
}

/* Random operands around the subnormal range and the overflow threshold of
 * fp16, bf16 and fp32 with every combination of +sat, +ftz, +daz:
 * formats/arith.h against formats/emulate.c. */
Test(modifiers, arithmetic_matches_the_mpfr_emulation)
{
    static const char *const bases[] = { "fp16", "bf16", "fp32" };
    static const char *const mods[] = { "+sat", "+ftz", "+daz", "+sat+ftz+daz" };
    ns_test_rng r;
    ns_test_rng_init(&r, ns_test_seed());
    for (size_t b = 0; b < 3; b++)
        for (size_t m = 0; m < 4; m++) {
            char name[32];
            snprintf(name, sizeof name, "%s%s", bases[b], mods[m]);
            const ns_format *f = ns_format_find(name);
            cr_assert(f, "%s", name);
            unsigned bad = 0;
            for (int i = 0; i < 3000; i++) {
                int ea = (int)(ns_test_rng_next(&r) % 16), eb = (int)(ns_test_rng_next(&r) % 16);
                bool low = ns_test_rng_next(&r) & 1;
                double a = ns_round(f->base, ldexp(ns_test_rng_uniform(&r) + 0.5, low ? f->emin - 8 + ea : f->emax - 8 + ea));
                double c = ns_round(f->base, ldexp(ns_test_rng_uniform(&r) - 0.5, low ? eb - 8 : eb));
                double got[4] = { ns_fp_add(f, a, c), ns_fp_mul(f, a, c), ns_fp_div(f, a, c), ns_fp_sqrt(f, a) };
                double want[4] = { ns_emu_binary_op(f, NS_EMU_ADD, a, c), ns_emu_binary_op(f, NS_EMU_MUL, a, c),
                                   ns_emu_binary_op(f, NS_EMU_DIV, a, c), ns_emu_unary_op(f, NS_EMU_SQRT, a) };
                for (int k = 0; k < 4; k++)
                    if (!same(got[k], want[k]) && bad++ < 5)
                        cr_log_error("%s op %d (%a, %a) = %a, MPFR %a", name, k, a, c, got[k], want[k]);
            }
            cr_expect_eq(bad, 0, "%s: %u differ (seed %llu)", name, bad, (unsigned long long)ns_test_seed());
        }
}
