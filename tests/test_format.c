/* Formats: rounding into fp16/bf16/fp32 against MPFR emulation and against
 * hand-derived values; summation orders with exact expected sums. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>

#include "../checks/arith_check.h"
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

/* Where ns_round's inline path (normal results) meets the format's own
 * function (subnormals, overflow).  fp16: the subnormal quantum is 2^-24, so
 * 2^-14 - 2^-25 is the midpoint between 0x1.ff8p-15 (odd) and 2^-14 (even);
 * the binade of 2^-15 has a finer quantum (2^-25) than the format, so
 * rounding there as if it were normal would be wrong just below that
 * midpoint.  At the top, 65520 is the midpoint between 65504 and 2^16. */
Test(format, normal_and_subnormal_paths_meet_hand_derived)
{
    const ns_format *f = &ns_fp16;
    cr_expect_eq(ns_round(f, 0x1p-14 - 0x1p-26), 0x1p-14);
    cr_expect_eq(ns_round(f, 0x1p-14 - 0x1p-25), 0x1p-14);              /* tie to even */
    cr_expect_eq(ns_round(f, 0x1p-14 - 0x1p-25 - 0x1p-60), 0x1.ff8p-15);
    cr_expect_eq(ns_round(f, -(0x1p-14 - 0x1p-25 - 0x1p-60)), -0x1.ff8p-15);
    cr_expect_eq(ns_round(f, 0x1.ffcp-15), 0x1p-14);          /* = 2^-14 - 2^-25, the tie again */
    cr_expect_eq(ns_round(f, 0x1.ff9p-15), 0x1.ff8p-15);      /* 2^-14 - 1.75 * 2^-25 */
    cr_expect_eq(ns_round(f, 0x1.0030000000001p-14), 0x1.004p-14);  /* 0.75 ulp: up */
    cr_expect_eq(ns_round(f, 0x1.002p-14), 0x1p-14);                /* 0.5 ulp: tie to even */
    cr_expect_eq(ns_round(f, 0x1.006p-14), 0x1.008p-14);            /* 1.5 ulps: tie, upward */
    cr_expect_eq(ns_round(f, 65512), 65504);
    cr_expect_eq(ns_round(f, 65519.999999), 65504);
    cr_expect_eq(ns_round(f, -65520), -INFINITY);
    cr_expect_eq(ns_round(f, 0x1.ffdp15), 0x1.ffcp15);                    /* 65512 -> 65504 */
    cr_expect_eq(ns_round(f, 0x1.ffep15), INFINITY);                      /* 65520, the tie */
    /* bf16 at the same places: quantum 2^-133 below 2^-126, max 0x1.fep127 */
    cr_expect_eq(ns_round(&ns_bf16, 0x1p-126 - 0x1p-134), 0x1p-126);
    cr_expect_eq(ns_round(&ns_bf16, 0x1p-126 - 0x1p-134 - 0x1p-170), 0x1.fcp-127);
    cr_expect_eq(ns_round(&ns_bf16, 0x1.fefffffffffffp127), 0x1.fep127);
    cr_expect_eq(ns_round(&ns_bf16, -0x1.ffp127), -INFINITY);
}

/* ns_round (inline path and the format's function) against the integer
 * reference of arith_check.h: 2^22 random float32 patterns, and 10^6 doubles
 * near midpoints and representable values (more bits than a float, as a
 * round-to-odd result has); 10^5 of the doubles against MPFR too. */
Test(format, random_doubles_match_integer_reference)
{
    const chk_geom *gs[3] = { &chk_fp16, &chk_bf16, &chk_fp32 };
    chk_rng r = chk_seed(ns_test_seed(), 1);
    unsigned long long bad = 0;
    for (int i = 0; i < (1 << 22); i++) {
        uint32_t b = (uint32_t)chk_next(&r);
        float fx;
        memcpy(&fx, &b, sizeof fx);
        for (int k = 0; k < 2; k++) {
            chk_mismatch m;
            if (!chk_round(gs[k], fx, false, &m) && bad++ < 5)
                cr_log_error("%s(%a) = %a, expected %a (seed %llu)", m.what, fx, m.got, m.want2,
                             (unsigned long long)ns_test_seed());
        }
    }
    for (int i = 0; i < 1000000; i++) {
        const chk_geom *g = gs[i % 3];
        double ulp, mid = chk_random_midpoint(g, &r, &ulp);
        double x;
        switch (chk_below(&r, 3)) {
        case 0: x = ns_from_bits(ns_to_bits(mid) + chk_below(&r, 7) - 3); break;
        case 1: x = ns_from_bits(ns_to_bits(mid - copysign(ulp / 2, mid)) + chk_below(&r, 7) - 3); break;
        default: x = mid + (chk_next(&r) & 1 ? 1 : -1) * ldexp(ulp, -(int)chk_below(&r, 50) - 1); break;
        }
        chk_mismatch m;
        if (!chk_round(g, x, i < 100000, &m) && bad++ < 5)
            cr_log_error("%s(%a) = %a, expected %a, reference %a (seed %llu)", m.what, x, m.got,
                         m.want, m.want2, (unsigned long long)ns_test_seed());
    }
    cr_expect_eq(bad, 0, "%llu mismatches (seed %llu)", bad, (unsigned long long)ns_test_seed());
}

static double sum_ones(const ns_format *f, ns_sum_order order, size_t n)
{
    static double v[1 << 14];
    for (size_t i = 0; i < n; i++)
        v[i] = 1.0;
    ns_ops op = { f, f, f, order, NULL, NULL, NULL, NULL };
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
    ns_ops op = { &ns_fp16, &ns_fp16, &ns_fp16, NS_SUM_SEQ, NULL, NULL, NULL, NULL };
    cr_expect_eq(ns_sum(&op, NULL, 0), 0);
}

Test(format, max_propagates_nan_and_accepts_masks)
{
    ns_ops op = { &ns_fp16, &ns_fp16, &ns_fp16, NS_SUM_SEQ, NULL, NULL, NULL, NULL };
    double a[3] = { -INFINITY, 2, 1 }, b[3] = { 1, NAN, 3 }, c[2] = { -INFINITY, -INFINITY };
    cr_expect_eq(ns_max(&op, a, 3), 2);
    cr_expect(isnan(ns_max(&op, b, 3)));
    cr_expect_eq(ns_max(&op, c, 2), -INFINITY);
}
