/* Formats: rounding into fp16/bf16/fp32 against MPFR emulation and against
 * hand-derived values; summation orders with exact expected sums. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>

#include "../formats/emulate.h"
#include "../formats/policy.h"
#include "testlib.h"

static int same(double a, double b)
{
    return (isnan(a) && isnan(b)) || ns_to_bits(a) == ns_to_bits(b);
}

Test(format, hand_derived_edges)
{
    cr_expect_eq(ns_round(&ns_fp16, 65504), 65504);
    cr_expect_eq(ns_round(&ns_fp16, 65519), 65504);
    cr_expect_eq(ns_round(&ns_fp16, 65520), INFINITY);       /* midpoint ties to 2^16: overflow */
    cr_expect_eq(ns_round(&ns_fp16, -65520), -INFINITY);
    cr_expect_eq(ns_round(&ns_fp16, 0x1p-24), 0x1p-24);
    cr_expect_eq(ns_round(&ns_fp16, 0x1p-25), 0);            /* tie to even 0 */
    cr_expect_eq(ns_round(&ns_fp16, 0x1.0000000000001p-25), 0x1p-24);
    cr_expect_eq(ns_round(&ns_fp16, 0x1.8p-24), 0x1p-23);
    cr_expect(signbit(ns_round(&ns_fp16, -0x1p-30)));
    cr_expect_eq(ns_round(&ns_fp16, 1 + 0x1p-11), 1);          /* tie to even */
    cr_expect_eq(ns_round(&ns_fp16, 1 + 0x1.8p-11), 1 + 0x1p-10);
    cr_expect_eq(ns_round(&ns_bf16, 0x1.fep127), 0x1.fep127);
    cr_expect_eq(ns_round(&ns_bf16, 0x1.ffp127), INFINITY);
    cr_expect_eq(ns_round(&ns_bf16, 0x1.fefffffp127), 0x1.fep127);
    cr_expect_eq(ns_round(&ns_bf16, 0x1p-133), 0x1p-133);
    cr_expect_eq(ns_round(&ns_bf16, 0x1p-134), 0);
    cr_expect_eq(ns_round(&ns_fp32, 0x1p-150), 0);
    cr_expect_eq(ns_round(&ns_fp32, 0x1.0000000000001p-150), 0x1p-149);
    cr_expect(isnan(ns_round(&ns_fp16, NAN)));
    cr_expect_eq(ns_round(&ns_fp16, INFINITY), INFINITY);
    cr_expect_eq(ns_round(&ns_fp16, DBL_MAX), INFINITY);
    cr_expect_eq(ns_round(&ns_fp16, 0x1p-1074), 0);
}

/* Every fp16/bf16 midpoint, and one ulp of fp32 either side, against MPFR. */
Test(format, midpoints_and_neighbours_match_mpfr)
{
    const ns_format *fs[] = { &ns_fp16, &ns_bf16 };
    for (int k = 0; k < 2; k++) {
        const ns_format *f = fs[k];
        for (int e = f->emin - f->p; e <= f->emax + 1; e++)
            for (int m = 0; m < (1 << (f->p - 1)); m += (f->p > 8 ? 7 : 1)) {
                double v = ldexp(1.0 + (m + 0.5) / (1 << (f->p - 1)), e);
                for (int d = -1; d <= 1; d++) {
                    double w = d ? (double)nextafterf((float)v, d * INFINITY) : v;
                    for (int s = 0; s < 2; s++) {
                        double x = s ? -w : w;
                        double a = ns_round(f, x), b = ns_emu_round(f, x);
                        cr_assert(same(a, b), "%s(%a) = %a, MPFR %a", f->name, x, a, b);
                    }
                }
            }
    }
}

/* A large random sample of float32 bit patterns (the exhaustive 2^32 run is
 * `make exhaustive`). */
Test(format, random_float32_patterns_match_mpfr)
{
    uint64_t seed = ns_test_seed();
    ns_test_rng rng;
    ns_test_rng_init(&rng, seed);
    const ns_format *fs[] = { &ns_fp16, &ns_bf16 };
    for (int i = 0; i < 400000; i++) {
        uint32_t b = (uint32_t)ns_test_rng_next(&rng);
        float fl;
        memcpy(&fl, &b, sizeof fl);
        double x = fl;
        for (int k = 0; k < 2; k++) {
            double a = ns_round(fs[k], x), r = ns_emu_round(fs[k], x);
            cr_assert(same(a, r), "%s(%a) = %a, MPFR %a (seed %llu)", fs[k]->name, x, a, r,
                      (unsigned long long)seed);
        }
    }
}

static double sum_ones(const ns_format *f, ns_sum_order order, size_t n)
{
    static double v[1 << 14];
    for (size_t i = 0; i < n; i++)
        v[i] = 1.0;
    ns_ops op = { f, f, f, order, NULL, NULL, NULL };
    return ns_sum(&op, v, n);
}

Test(format, summation_orders_exact_values)
{
    cr_expect_eq(sum_ones(&ns_fp16, NS_SUM_SEQ, 4096), 2048);
    cr_expect_eq(sum_ones(&ns_fp16, NS_SUM_PAIRWISE, 4096), 4096);
    cr_expect_eq(sum_ones(&ns_fp16, NS_SUM_KAHAN, 4096), 4096);
    cr_expect_eq(sum_ones(&ns_bf16, NS_SUM_SEQ, 1024), 256);
    cr_expect_eq(sum_ones(&ns_bf16, NS_SUM_PAIRWISE, 1024), 1024);
    cr_expect_eq(sum_ones(&ns_fp32, NS_SUM_SEQ, 4096), 4096);
    cr_expect_eq(sum_ones(&ns_fp16, NS_SUM_SEQ, 1), 1);
    ns_ops op = { &ns_fp16, &ns_fp16, &ns_fp16, NS_SUM_SEQ, NULL, NULL, NULL };
    cr_expect_eq(ns_sum(&op, NULL, 0), 0);
}

Test(format, max_propagates_nan_and_accepts_masks)
{
    ns_ops op = { &ns_fp16, &ns_fp16, &ns_fp16, NS_SUM_SEQ, NULL, NULL, NULL };
    double a[3] = { -INFINITY, 2, 1 }, b[3] = { 1, NAN, 3 }, c[2] = { -INFINITY, -INFINITY };
    cr_expect_eq(ns_max(&op, a, 3), 2);
    cr_expect(isnan(ns_max(&op, b, 3)));
    cr_expect_eq(ns_max(&op, c, 2), -INFINITY);
}
