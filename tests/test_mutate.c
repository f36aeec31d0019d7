/* The float-aware mutator (fuzz/mutate.h): byte encoding, rows always in
 * the format and the domain, determinism, the lengths and values it reaches. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "../fuzz/mutate.h"
#include "testlib.h"

static void mutator(ns_mutator *m, const char *policy, unsigned flags, size_t max_n)
{
    ns_domain d = { .flags = flags };
    ns_mutator_init(m, ns_policy_find(policy), &d, max_n);
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

Test(mutate, bytes_round_trip_exactly)
{
    double x[5] = { -0.0, -INFINITY, 0x1.8p-1074, 65504, NAN };
    double g[5] = { 1, -2, 0x1p-24, -0.0, 3 };
    ns_row r, back;
    ns_row_init(&r);
    ns_row_init(&back);
    cr_assert_eq(ns_row_set(&r, x, g, 5), 0);
    uint8_t buf[80];
    cr_assert_eq(ns_row_encode(&r, buf, sizeof buf), 80u);
    /* Little-endian binary64: the first 8 bytes are -0.0. */
    cr_expect_eq(buf[7], 0x80);
    cr_expect_eq(buf[0], 0x00);
    cr_assert_eq(ns_row_decode(&back, buf, 80, 4096), 0);
    cr_assert_eq(back.n, 5u);
    for (size_t i = 0; i < 5; i++) {
        cr_expect(same_bits(back.x[i], x[i]), "x[%zu] %a", i, back.x[i]);
        cr_expect(same_bits(back.g[i], g[i]), "g[%zu] %a", i, back.g[i]);
    }
    /* Too small a buffer truncates the row to what fits. */
    cr_expect_eq(ns_row_encode(&r, buf, 40), 32u);
    ns_row_free(&r);
    ns_row_free(&back);
}

Test(mutate, short_inputs_read_as_one_logit)
{
    ns_row r;
    ns_row_init(&r);
    uint8_t nine[9] = { 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 7 };   /* 1.0 */
    cr_assert_eq(ns_row_decode(&r, nine, 9, 4096), 0);
    cr_expect_eq(r.n, 1u);
    cr_expect_eq(r.x[0], 1.0);
    cr_expect_eq(r.g[0], 1.0);
    cr_assert_eq(ns_row_decode(&r, nine, 3, 4096), 0);
    cr_expect_eq(r.n, 1u);
    cr_expect_eq(r.x[0], 0.0);
    uint8_t many[16 * 10] = { 0 };
    cr_assert_eq(ns_row_decode(&r, many, sizeof many, 4), 0);
    cr_expect_eq(r.n, 4u, "capped at max_n");
    ns_row_free(&r);
}

/* Every row an engine sees: values of the input format, in the domain, of
 * a length in [1, max_n], with a gradient of bounded 1-norm. */
static void check_row(const ns_mutator *m, const ns_row *r, unsigned step)
{
    const ns_format *io = m->policy->io;
    cr_assert(r->n >= 1 && r->n <= m->max_n, "step %u: n %zu", step, r->n);
    double gsum = 0;
    size_t masked = 0;
    for (size_t i = 0; i < r->n; i++) {
        double v = r->x[i];
        cr_assert(!isnan(v) && v != INFINITY, "step %u: x[%zu] = %a", step, i, v);
        if (v == -INFINITY) {
            masked++;
            cr_assert(m->domain.flags & NS_DOMAIN_MASKED, "step %u: a mask outside the domain", step);
        } else {
            cr_assert(same_bits(ns_round(io, v), v), "step %u: x[%zu] = %a not in %s", step, i, v, io->name);
        }
        cr_assert(isfinite(r->g[i]) && same_bits(ns_round(io, r->g[i]), r->g[i]), "step %u: g[%zu]", step, i);
        gsum += fabs(r->g[i]);
    }
    cr_assert(masked < r->n || (m->domain.flags & NS_DOMAIN_ALL_MASKED), "step %u: all masked", step);
    cr_assert(gsum <= io->max_finite / 16, "step %u: sum |g| = %g", step, gsum);
}

Test(mutate, rows_stay_in_the_format_and_the_domain)
{
    const char *policies[] = { "fp16", "bf16", "fp32", "fp16-io" };
    unsigned flags[] = { 0, NS_DOMAIN_MASKED, NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED };
    ns_row r, other, child;
    ns_row_init(&r);
    ns_row_init(&other);
    ns_row_init(&child);
    for (size_t p = 0; p < 4; p++)
        for (size_t f = 0; f < 3; f++) {
            ns_mutator m;
            mutator(&m, policies[p], flags[f], 300);
            ns_rng rng;
            ns_rng_seed(&rng, ns_test_seed() + p * 3 + f);
            cr_assert_eq(ns_row_random(&m, &rng, &r), 0);
            cr_assert_eq(ns_row_random(&m, &rng, &other), 0);
            for (unsigned step = 0; step < 3000; step++) {
                ns_mutate(&m, &rng, &r, 8);
                check_row(&m, &r, step);
                if (step % 10 == 0) {
                    cr_assert_eq(ns_crossover(&m, &rng, &r, &other, &child), 0);
                    check_row(&m, &child, step);
                }
            }
        }
    ns_row_free(&r);
    ns_row_free(&other);
    ns_row_free(&child);
}

Test(mutate, the_same_seed_gives_the_same_rows)
{
    ns_mutator m;
    mutator(&m, "fp16", NS_DOMAIN_MASKED, 4096);
    ns_row a, b;
    ns_row_init(&a);
    ns_row_init(&b);
    ns_rng ra, rb;
    ns_rng_seed(&ra, 42);
    ns_rng_seed(&rb, 42);
    ns_row_random(&m, &ra, &a);
    ns_row_random(&m, &rb, &b);
    for (int step = 0; step < 500; step++) {
        ns_mutate(&m, &ra, &a, 4);
        ns_mutate(&m, &rb, &b, 4);
        cr_assert_eq(a.n, b.n);
        for (size_t i = 0; i < a.n; i++)
            cr_assert(same_bits(a.x[i], b.x[i]) && same_bits(a.g[i], b.g[i]));
    }
    ns_row_free(&a);
    ns_row_free(&b);
}

Test(mutate, reaches_long_rows_extremes_and_masks)
{
    ns_mutator m;
    mutator(&m, "fp16", NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED, 4096);
    ns_rng rng;
    ns_rng_seed(&rng, ns_test_seed());
    ns_row r;
    ns_row_init(&r);
    ns_row_random(&m, &rng, &r);
    size_t longest = 0, shortest = 4096;
    int max_seen = 0, mask_seen = 0, subnormal_seen = 0, tie_seen = 0;
    for (int step = 0; step < 20000; step++) {
        ns_mutate(&m, &rng, &r, 3);
        longest = r.n > longest ? r.n : longest;
        shortest = r.n < shortest ? r.n : shortest;
        for (size_t i = 0; i < r.n; i++) {
            max_seen |= fabs(r.x[i]) == 65504;
            mask_seen |= r.x[i] == -INFINITY;
            subnormal_seen |= r.x[i] != 0 && fabs(r.x[i]) < 0x1p-14;
            for (size_t j = i + 1; j < r.n && j < i + 8; j++)
                tie_seen |= r.x[i] == r.x[j] && r.x[i] != 0 && isfinite(r.x[i]);
        }
        if (step % 2000 == 1999)               /* restart from a fresh row now and then */
            ns_row_random(&m, &rng, &r);
    }
    cr_expect_eq(shortest, 1u);
    cr_expect(longest >= 1000, "longest row %zu", longest);
    cr_expect(max_seen && mask_seen && subnormal_seen && tie_seen,
              "65504 %d, -inf %d, subnormal %d, tie %d", max_seen, mask_seen, subnormal_seen, tie_seen);
    ns_row_free(&r);
}

Test(mutate, thresholds_of_the_formats_are_offered)
{
    ns_mutator m;
    mutator(&m, "fp16", 0, 64);
    /* ln 65504 = 11.0898... rounds to 11.09375 in fp16 (spacing 2^-7): the
     * argument where fp16's exp overflows.  sqrt(65504) = 256 - 0.0625 -
     * 7.6e-6 (Taylor) lies just below the midpoint of 255.875 and 256, the
     * largest x whose square does not overflow. */
    double want[] = { 65504, 11.09375, 0x1p-24, 0x1p-14, 255.875 };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        int found = 0;
        for (size_t i = 0; i < m.nmagic; i++)
            found |= m.magic[i] == want[k];
        cr_expect(found, "%a missing", want[k]);
    }
}
