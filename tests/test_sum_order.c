/* Summation orders (formats/sum_order.h, formats/reduce.c): names, and
 * lanes:K and blocked:B against implementations written here from SPEC
 * section 6 (K partial sums in an array, halved in place; block sums in an
 * array), bit for bit, on random rows of every length up to 200. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "../formats/policy.h"
#include "testlib.h"

Test(sum_order, names_round_trip)
{
    static const char *const names[] = { "seq", "pairwise", "kahan", "lanes:1", "lanes:8",
                                         "lanes:65536", "blocked:1", "blocked:48", "blocked:65536" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        ns_sum_order s;
        cr_assert_eq(ns_sum_order_find(names[i], &s), 0, "%s", names[i]);
        cr_expect(ns_sum_order_valid(s));
        cr_expect_str_eq(ns_sum_order_name(s), names[i]);
    }
    cr_expect_eq(NS_SUM_SEQ, 0);
    cr_expect_eq(NS_SUM_KAHAN, 2);
}

Test(sum_order, bad_names_say_what_is_wrong)
{
    static const struct { const char *name, *why; } cases[] = {
        { "random", "unknown summation order 'random'" },
        { "lanes:3", "K must be a power of two" },
        { "lanes:0", "K must be a power of two" },
        { "lanes:131072", "K must be a power of two from 1 to 65536" },
        { "lanes:", "K must be" },
        { "lanes:+8", "K must be" },
        { "blocked:0", "B must be an integer from 1 to 65536" },
        { "blocked:x", "B must be" },
        { "blocked:99999999999999999999", "B must be" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256] = "";
        ns_sum_order s;
        cr_expect_eq(ns_sum_order_parse(cases[i].name, &s, err, sizeof err), -1, "%s", cases[i].name);
        cr_expect(strstr(err, cases[i].why), "%s: said '%s'", cases[i].name, err);
    }
}

/* SPEC's lanes:K, literally: lane j sums v_j, v_{j+K}, ... left to right
 * (lanes past n hold nothing), then s_j += s_{j+K/2} while K > 1. */
static double spec_lanes(const ns_format *f, const double *v, size_t n, size_t k)
{
    double s[64];
    bool has[64];
    for (size_t j = 0; j < k; j++) {
        has[j] = j < n;
        if (has[j])
            s[j] = ns_round(f, v[j]);
        for (size_t i = j + k; i < n; i += k)
            s[j] = ns_fp_add(f, s[j], ns_round(f, v[i]));
    }
    for (size_t half = k / 2; half >= 1; half /= 2)
        for (size_t j = 0; j < half; j++)
            if (has[j + half]) {
                s[j] = has[j] ? ns_fp_add(f, s[j], s[j + half]) : s[j + half];
                has[j] = true;
            }
    return s[0];
}

static double spec_blocked(const ns_format *f, const double *v, size_t n, size_t b)
{
    double sums[256];
    size_t nb = 0;
    for (size_t lo = 0; lo < n; lo += b) {
        double s = ns_round(f, v[lo]);
        for (size_t i = lo + 1; i < n && i < lo + b; i++)
            s = ns_fp_add(f, s, ns_round(f, v[i]));
        sums[nb++] = s;
    }
    double s = sums[0];
    for (size_t i = 1; i < nb; i++)
        s = ns_fp_add(f, s, sums[i]);
    return s;
}

Test(sum_order, lanes_and_blocks_follow_the_spec)
{
    ns_test_rng r;
    ns_test_rng_init(&r, ns_test_seed());
    const ns_format *fs[3] = { &ns_fp16, &ns_bf16, &ns_e4m3 };
    unsigned bad = 0;
    for (int row = 0; row < 3000; row++) {
        const ns_format *f = fs[row % 3];
        size_t n = 1 + ns_test_rng_next(&r) % 200;
        double v[200];
        for (size_t i = 0; i < n; i++)
            v[i] = ldexp(ns_test_rng_uniform(&r) - 0.25, (int)(ns_test_rng_next(&r) % 8));
        size_t k = (size_t)1 << (ns_test_rng_next(&r) % 7), b = 1 + ns_test_rng_next(&r) % 70;
        ns_ops lanes = { f, f, f, ns_sum_lanes(k), NULL, NULL, NULL, NULL };
        ns_ops blocked = { f, f, f, ns_sum_blocked(b), NULL, NULL, NULL, NULL };
        double a = ns_sum(&lanes, v, n), want_a = spec_lanes(f, v, n, k);
        double c = ns_sum(&blocked, v, n), want_c = spec_blocked(f, v, n, b);
        if (ns_to_bits(a) != ns_to_bits(want_a) && bad++ < 5)
            cr_log_error("%s lanes:%zu of %zu: %a, SPEC %a", f->name, k, n, a, want_a);
        if (ns_to_bits(c) != ns_to_bits(want_c) && bad++ < 5)
            cr_log_error("%s blocked:%zu of %zu: %a, SPEC %a", f->name, b, n, c, want_c);
    }
    cr_expect_eq(bad, 0, "seed %llu", (unsigned long long)ns_test_seed());
}

/* 4096 ones in fp16: seq stalls at 2048 (2048 + 1 rounds back to 2048);
 * 8 lanes of 512 and blocks of 1024 stay exact. */
Test(sum_order, lanes_and_blocks_by_hand)
{
    static double ones[4096];
    for (int i = 0; i < 4096; i++)
        ones[i] = 1;
    ns_ops op = { &ns_fp16, &ns_fp16, &ns_fp16, ns_sum_lanes(8), NULL, NULL, NULL, NULL };
    cr_expect_eq(ns_sum(&op, ones, 4096), 4096);
    op.sum = ns_sum_blocked(1024);
    cr_expect_eq(ns_sum(&op, ones, 4096), 4096);
    op.sum = ns_sum_blocked(4096);
    cr_expect_eq(ns_sum(&op, ones, 4096), 2048);
    op.sum = ns_sum_lanes(1);
    cr_expect_eq(ns_sum(&op, ones, 4096), 2048);
    /* a dot product in lanes: the products are rounded into acc first */
    double a[3] = { 1, 2, 3 }, b[3] = { 4, 5, 6 };
    op.sum = ns_sum_lanes(2);
    cr_expect_eq(ns_dot(&op, a, b, 3), (4 + 18) + 10);
}

/* tot stores a finished sum: 1 + 2^-9 in fp32, stored in bf16, is 1. */
Test(sum_order, totals_are_stored_in_tot)
{
    double v[2] = { 1, 0x1p-9 };
    ns_ops op = { &ns_fp32, &ns_fp32, &ns_fp32, NS_SUM_SEQ, NULL, NULL, NULL, &ns_bf16 };
    cr_expect_eq(ns_sum(&op, v, 2), 1);
    op.tot = NULL;
    cr_expect_eq(ns_sum(&op, v, 2), 1 + 0x1p-9);
}
