/* analysis/generators: reproducible rows with the properties each generator
 * promises, checked against independent computations. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/generators.h"
#include "testlib.h"

static void gen(const char *name, double param, size_t n, uint64_t seed, const char *policy, double *x)
{
    const ns_generator *g = ns_generator_find(name);
    cr_assert(g, "generator %s", name);
    ns_gen_args a = { .param = param, .n = n, .seed = seed,
                      .policy = policy ? ns_policy_find(policy) : NULL, .sum = NS_SUM_SEQ };
    ns_generate(g, &a, x);
}

/* The generator's xoshiro256** against the tests' own implementation of
 * the same published algorithm with the same splitmix64 seeding. */
Test(generators, rng_matches_an_independent_xoshiro)
{
    uint64_t seed = ns_test_seed();
    ns_rng r;
    ns_test_rng t;
    ns_rng_seed(&r, seed);
    ns_test_rng_init(&t, seed);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(ns_rng_next(&r), ns_test_rng_next(&t), "step %d, seed %llu", i, (unsigned long long)seed);
}

Test(generators, same_seed_same_row)
{
    for (size_t k = 0; ns_generators[k]; k++) {
        double a[64], b[64], c[64];
        const ns_generator *g = ns_generators[k];
        gen(g->name, g->param_default, 64, 7, "fp16", a);
        gen(g->name, g->param_default, 64, 7, "fp16", b);
        gen(g->name, g->param_default, 64, 8, "fp16", c);
        int differs = 0;
        for (int i = 0; i < 64; i++) {
            cr_assert(a[i] == b[i] || (isnan(a[i]) && isnan(b[i])), "%s entry %d", g->name, i);
            differs |= a[i] != c[i];
        }
        if (g->param_name && g->fill != ns_generator_find("zeros")->fill)
            cr_expect(differs, "%s: another seed gives another row", g->name);
    }
}

/* Sample moments of 2^16 normal(3) values: mean within 4 standard errors
 * (4 * 3 / 256), standard deviation within 2%. */
Test(generators, normal_and_uniform_have_their_moments)
{
    enum { N = 1 << 16 };
    double *x = malloc(N * sizeof *x);
    gen("normal", 3, N, ns_test_seed(), NULL, x);
    double s = 0, s2 = 0;
    for (int i = 0; i < N; i++)
        s += x[i];
    double mean = s / N;
    for (int i = 0; i < N; i++)
        s2 += (x[i] - mean) * (x[i] - mean);
    cr_expect_lt(fabs(mean), 4 * 3.0 / 256, "mean %g", mean);
    cr_expect_lt(fabs(sqrt(s2 / (N - 1)) - 3) / 3, 0.02, "sd %g", sqrt(s2 / (N - 1)));
    gen("uniform", 5, N, ns_test_seed(), NULL, x);
    double lo = 0, hi = 0;
    for (int i = 0; i < N; i++) {
        cr_assert(x[i] >= -5 && x[i] < 5);
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    cr_expect_lt(lo, -4.99);
    cr_expect_gt(hi, 4.99);
    free(x);
}

Test(generators, special_rows)
{
    double x[40];
    gen("spike", 123.5, 40, 3, NULL, x);
    int spikes = 0;
    for (int i = 0; i < 40; i++)
        spikes += x[i] == 123.5;
    cr_expect_eq(spikes, 1);

    gen("ties", 2, 40, 3, NULL, x);
    double m = x[0];
    for (int i = 1; i < 40; i++)
        m = x[i] > m ? x[i] : m;
    int at_max = 0;
    for (int i = 0; i < 40; i++)
        at_max += x[i] == m;
    cr_expect_geq(at_max, 2, "ties at the maximum");

    gen("masked", 0.9, 40, 3, NULL, x);
    int finite = 0;
    for (int i = 0; i < 40; i++) {
        cr_expect(isfinite(x[i]) || x[i] == -INFINITY);
        finite += isfinite(x[i]);
    }
    cr_expect_geq(finite, 1, "one entry is always kept");
    cr_expect_lt(finite, 20, "most are masked at f = 0.9");

    gen("allmasked", 0, 40, 3, NULL, x);
    for (int i = 0; i < 40; i++)
        cr_expect_eq(x[i], -INFINITY);
    gen("zeros", 0, 40, 3, NULL, x);
    for (int i = 0; i < 40; i++)
        cr_expect_eq(x[i], 0.0);
    gen("offset", 1000, 40, 3, NULL, x);
    for (int i = 0; i < 40; i++)
        cr_expect(fabs(x[i] - 1000) < 8);

    /* Magnitudes in [2^-e, 2^(8-e)), both signs. */
    gen("tiny", 30, 40, 3, NULL, x);
    int neg = 0;
    for (int i = 0; i < 40; i++) {
        cr_expect(fabs(x[i]) >= 0x1p-30 && fabs(x[i]) < 0x1p-22, "%a", x[i]);
        neg += x[i] < 0;
    }
    cr_expect(neg > 0 && neg < 40);
}

/* Attention logits: in fp64, (q . k_j) / 8 for the N(0, s^2) vectors drawn
 * in order (q first, then each key), recomputed here in long double; in
 * fp16 every logit is an fp16 number. */
Test(generators, attention_logits_are_scaled_dot_products)
{
    enum { D = NS_GEN_ATTENTION_D, N = 5 };
    double x[N], x16[N];
    gen("attention", 2, N, 11, "fp64", x);
    ns_rng r;
    ns_rng_seed(&r, 11);
    double q[D];
    for (int i = 0; i < D; i++)
        q[i] = 2 * ns_rng_normal(&r);
    for (int j = 0; j < N; j++) {
        long double dot = 0;
        for (int i = 0; i < D; i++)
            dot += (long double)q[i] * (2 * ns_rng_normal(&r));
        double want = (double)(dot / 8);
        cr_expect_lt(fabs(x[j] - want), 1e-12 * (1 + fabs(want)), "logit %d: %a vs %a", j, x[j], want);
    }
    gen("attention", 2, N, 11, "fp16", x16);
    for (int j = 0; j < N; j++) {
        cr_expect_eq(ns_round(&ns_fp16, x16[j]), x16[j], "logit %d is an fp16 number", j);
        cr_expect_lt(fabs(x16[j] - x[j]), 0.05 * (1 + fabs(x[j])), "fp16 logit %d near the exact one", j);
    }
}

Test(generators, parse_and_list)
{
    const ns_generator *g;
    double p;
    char err[200];
    cr_expect_eq(ns_generator_parse("normal=4.5", &g, &p, err, sizeof err), 0);
    cr_expect_str_eq(g->name, "normal");
    cr_expect_eq(p, 4.5);
    cr_expect_eq(ns_generator_parse("spike", &g, &p, err, sizeof err), 0);
    cr_expect_eq(p, g->param_default);
    cr_expect_eq(ns_generator_parse("allmasked=2", &g, &p, err, sizeof err), -1);
    cr_expect(strstr(err, "takes no parameter"), "%s", err);
    cr_expect_eq(ns_generator_parse("normal=abc", &g, &p, err, sizeof err), -1);
    cr_expect_eq(ns_generator_parse("normal=inf", &g, &p, err, sizeof err), -1);
    cr_expect_eq(ns_generator_parse("gauss", &g, &p, err, sizeof err), -1);
    cr_expect(strstr(err, "unknown generator 'gauss'"), "%s", err);
    for (size_t k = 0; ns_generators[k]; k++)
        cr_expect(ns_generators[k]->n_default >= 1 && ns_generators[k]->n_default <= NS_GEN_MAX_N);
}

/* The gradient stream does not repeat the row's. */
Test(generators, gradient_is_its_own_stream)
{
    double x[8], g[8], g2[8];
    gen("normal", 1, 8, 5, NULL, x);
    ns_gen_gradient(5, 8, g);
    ns_gen_gradient(5, 8, g2);
    int same = 0;
    for (int i = 0; i < 8; i++) {
        same += x[i] == g[i];
        cr_expect_eq(g[i], g2[i]);
    }
    cr_expect_eq(same, 0);
}
