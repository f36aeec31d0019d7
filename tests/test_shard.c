/* The report in parts (report/shard.h): --shard I/N as read, and the
 * assignment of pieces to parts (every piece in exactly one part; each
 * part's cost within the largest piece of the ideal, Graham's bound for a
 * list schedule; longest first as worked by hand). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../report/shard.h"
#include "testlib.h"

static double max_load(const double *cost, const unsigned *owner, size_t count, unsigned n, double *total,
                       double *largest)
{
    double load[64] = { 0 }, worst = 0;
    *total = 0;
    *largest = 0;
    for (size_t k = 0; k < count; k++) {
        load[owner[k] - 1] += cost[k];
        *total += cost[k];
        *largest = cost[k] > *largest ? cost[k] : *largest;
    }
    for (unsigned p = 0; p < n; p++)
        worst = load[p] > worst ? load[p] : worst;
    return worst;
}

Test(shard, every_piece_goes_to_exactly_one_part_within_the_largest_piece_of_ideal)
{
    uint64_t seed = ns_test_seed();
    ns_test_rng rng;
    ns_test_rng_init(&rng, seed);
    for (int round = 0; round < 200; round++) {
        size_t count = 1 + ns_test_rng_next(&rng) % 60;
        unsigned n = 1 + (unsigned)(ns_test_rng_next(&rng) % 20);
        double cost[60];
        unsigned owner[60];
        for (size_t k = 0; k < count; k++) {
            /* Costs over four decades, some equal: as the report's pieces. */
            cost[k] = round % 3 == 0 ? 1.0 : 0.01 + 10 * ns_test_rng_uniform(&rng) * ns_test_rng_uniform(&rng);
            owner[k] = 0;
        }
        cr_assert_eq(ns_shard_assign(cost, count, n, owner), 0);
        for (size_t k = 0; k < count; k++)
            cr_assert(owner[k] >= 1 && owner[k] <= n, "seed %llu: piece %zu of %zu went to part %u of %u",
                      (unsigned long long)seed, k, count, owner[k], n);
        double total, largest, worst = max_load(cost, owner, count, n, &total, &largest);
        cr_assert(worst <= total / n + largest + 1e-12 * total,
                  "seed %llu: %zu pieces in %u parts: the slowest part costs %g, ideal %g, largest piece %g",
                  (unsigned long long)seed, count, n, worst, total / n, largest);
    }
}

Test(shard, assigns_longest_first_to_the_least_loaded_part)
{
    /* Worked by hand: 5 -> part 1; 4 -> 2; 3 -> 2 (4 < 5); 3 -> 1 (5 < 7);
     * 3 -> 2 (7 < 8).  Loads 8 and 10: the textbook case where longest
     * first misses the optimum (9), within its bound. */
    const double cost[] = { 3, 5, 3, 4, 3 };
    unsigned owner[5];
    cr_assert_eq(ns_shard_assign(cost, 5, 2, owner), 0);
    /* Pieces in decreasing cost, ties in their order: 5 (k=1), 4 (k=3), 3 (k=0), 3 (k=2), 3 (k=4). */
    const unsigned want[] = { 2, 1, 1, 2, 2 };
    for (size_t k = 0; k < 5; k++)
        cr_expect_eq(owner[k], want[k], "piece %zu (cost %g) went to part %u, not %u", k, cost[k], owner[k],
                     want[k]);
}

Test(shard, gives_equal_pieces_round_robin_and_leaves_extra_parts_empty)
{
    const double cost[] = { 1, 1, 1, 1, 1 };
    unsigned owner[5];
    cr_assert_eq(ns_shard_assign(cost, 5, 7, owner), 0);
    for (size_t k = 0; k < 5; k++)
        cr_expect_eq(owner[k], k + 1);
    cr_assert_eq(ns_shard_assign(cost, 5, 1, owner), 0);
    for (size_t k = 0; k < 5; k++)
        cr_expect_eq(owner[k], 1);
}

Test(shard, balances_the_report_pieces_of_the_cost_table)
{
    /* The pieces of the quick report as the cost table has them. */
    double cost[256];
    unsigned owner[256];
    size_t count = 0;
    for (const ns_shard_cost_entry *e = ns_shard_costs; e->suite && count < 256; e++)
        if (strcmp(e->suite, "quick") == 0)
            cost[count++] = e->seconds;
    cr_assert(count >= 20, "the cost table has %zu pieces of the quick report", count);
    for (unsigned n = 2; n <= 8; n++) {
        cr_assert_eq(ns_shard_assign(cost, count, n, owner), 0);
        double total, largest, worst = max_load(cost, owner, count, n, &total, &largest);
        cr_expect(worst <= total / n + largest, "%u parts: slowest %g, ideal %g, largest piece %g", n, worst,
                  total / n, largest);
    }
}

Test(shard, reads_i_of_n_and_refuses_anything_else)
{
    unsigned i = 0, n = 0;
    char err[256];
    cr_assert_eq(ns_shard_parse("1/1", &i, &n, err, sizeof err), 0);
    cr_expect(i == 1 && n == 1);
    cr_assert_eq(ns_shard_parse("7/7", &i, &n, err, sizeof err), 0);
    cr_expect(i == 7 && n == 7);
    cr_assert_eq(ns_shard_parse("3/4096", &i, &n, err, sizeof err), 0);
    cr_expect(i == 3 && n == 4096);
    static const char *const bad[] = { "0/3", "4/3", "1/0", "x/y", "1/", "/3", "3", "-1/3", "+1/3", " 1/3",
                                       "1/3x", "1//3", "1/4097", "99999999999999999999/3", "" };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        err[0] = '\0';
        cr_expect_eq(ns_shard_parse(bad[k], &i, &n, err, sizeof err), -1, "'%s' was read", bad[k]);
        cr_expect(strstr(err, "--shard") && !strchr(err, '\n'), "'%s': %s", bad[k], err);
    }
}

Test(shard, costs_a_piece_by_the_table_else_by_its_kind)
{
    const ns_shard_cost_entry *first = NULL;
    double sum = 0;
    size_t same = 0;
    for (const ns_shard_cost_entry *e = ns_shard_costs; e->suite; e++)
        if (strcmp(e->suite, "quick") == 0 && strncmp(e->piece, "suite-", 6) == 0) {
            first = first ? first : e;
            sum += e->seconds;
            same++;
        }
    cr_assert(first, "the cost table has no suite block of the quick report");
    cr_expect_eq(ns_shard_cost(NS_SUITE_QUICK, first->piece), first->seconds);
    cr_expect_float_eq(ns_shard_cost(NS_SUITE_QUICK, "suite-9999"), sum / (double)same, 1e-12);
    cr_expect_eq(ns_shard_cost(NS_SUITE_QUICK, "unheard-0000"), 1.0);
}
