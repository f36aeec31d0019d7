/* The backward pass normstab derives for a plugin algorithm that gives none
 * (plugins/derive.h), held to paths that do not go through it: the
 * built-in algorithm's hand-written backward where the plugin's forward
 * spells its operations, else the backward a formula of the same
 * expression derives over its expression graph (formulas/eval.c); in every
 * policy and summation order, bit for bit, forward and backward. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "../formulas/define.h"
#include "../plugins/loader.h"
#include "testlib.h"

#ifndef NS_TEST_PLUGIN_DIR
#define NS_TEST_PLUGIN_DIR "build/tests/plugins"
#endif

static const struct pair {
    const char *plugin;      /* tests/plugins/derived.c, backward NULL */
    const char *other;       /* a built-in algorithm or a formula defined below */
    const char *formula;     /* the formula's text, or NULL for a built-in */
} pairs[] = {
    { "dsoftmax.shifted", "softmax.shifted", NULL },
    { "dspherical", "spherical", NULL },
    { "dpower", "d.power", "relu(x)^p / sum(relu(x)^p); p = 3" },
    { "dsigmoid.chain", "d.sigmoid", "1/(1 + exp(-(x - log(n))))" },
};
#define NPAIRS (sizeof pairs / sizeof pairs[0])

static void load(void)
{
    static int loaded;
    char err[512];
    if (loaded)
        return;
    cr_assert_eq(ns_plugin_load(NS_TEST_PLUGIN_DIR "/derived.so", err, sizeof err), 0, "%s", err);
    for (size_t i = 0; i < NPAIRS; i++)
        if (pairs[i].formula)
            cr_assert_eq(ns_formula_define(pairs[i].other, pairs[i].formula, err, sizeof err), 0, "%s", err);
    loaded = 1;
}

#define MAXN 40

/* Row k: ordinary, wide, tiny, large (overflowing e^x in fp16), with zero
 * and non-positive rows (zero sums) and masked entries. */
static size_t test_row(ns_test_rng *rng, int k, double *x)
{
    static const size_t lengths[] = { 1, 2, 3, 5, 8, 17, 40 };
    static const double scales[] = { 1, 0.01, 8, 30, 1e-6 };
    size_t n = lengths[k % 7];
    double scale = scales[(k / 7) % 5];
    for (size_t i = 0; i < n; i++)
        x[i] = scale * ns_test_rng_normal(rng);
    switch (k % 11) {
    case 3: for (size_t i = 0; i < n; i++) x[i] = 0; break;
    case 5: for (size_t i = 0; i < n; i++) x[i] = -fabs(x[i]); break;
    case 7: if (n > 1) x[n - 1] = -INFINITY; break;
    default: break;
    }
    return n;
}

static const char *const orders[] = { "seq", "pairwise", "kahan", "lanes:4", "blocked:3" };

static void same_as_other(const char *policy)
{
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed());
    double x[MAXN], g[MAXN];
    for (size_t o = 0; o < sizeof orders / sizeof orders[0]; o++) {
        ns_sum_order sum;
        cr_assert_eq(ns_sum_order_find(orders[o], &sum), 0);
        for (int k = 0; k < 70; k++) {
            size_t n = test_row(&rng, k, x);
            for (size_t i = 0; i < n; i++)
                g[i] = ns_test_rng_normal(&rng);
            char where[64];
            snprintf(where, sizeof where, "%s, row %d (n %zu)", orders[o], k, n);
            for (size_t p = 0; p < NPAIRS; p++)
                ns_test_assert_same_run(pairs[p].other, pairs[p].plugin, policy, sum, x, g, n, true, where);
        }
    }
}

Test(plugin_derive, a_derived_backward_gives_the_bits_of_the_builtin_or_formula_it_spells, .timeout = 120)
{
    load();
    for (const ns_policy *const *p = ns_policies; *p; p++)
        if (!ns_policy_is_ref(*p))
            same_as_other((*p)->name);
    same_as_other("in=fp16,work=fp32,acc=fp64,out=fp16");
    same_as_other("in=bf16,work=bf16,acc=fp32,tot=bf16,out=bf16");
}

/* Hand-derived: softmax at x = (0, 0) is (1/2, 1/2); with g = (1, 0),
 * <g, y> = 1/2 and dx = y (g - 1/2) = (1/4, -1/4), exact in fp16.  The
 * spherical weights at x = (1, 1) are (1/2, 1/2), S = 2: dx = 2 x / S
 * (g - 1/2) = (1/2, -1/2). */
Test(plugin_derive, the_derived_backward_of_softmax_and_spherical_is_the_hand_derived_gradient)
{
    load();
    double g[2] = { 1, 0 }, y[2], dx[2];
    ns_sum_order seq;
    cr_assert_eq(ns_sum_order_find("seq", &seq), 0);
    ns_test_run("dsoftmax.shifted", "fp16", seq, NULL, (double[]){ 0, 0 }, g, y, dx, 2, NULL);
    cr_assert(dx[0] == 0.25 && dx[1] == -0.25, "softmax: %a %a", dx[0], dx[1]);
    ns_test_run("dspherical", "fp16", seq, NULL, (double[]){ 1, 1 }, g, y, dx, 2, NULL);
    cr_assert(dx[0] == 0.5 && dx[1] == -0.5, "spherical: %a %a", dx[0], dx[1]);
}
