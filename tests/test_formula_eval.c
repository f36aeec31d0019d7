/* Formulas against the built-in algorithms they spell (SPEC section 8): the
 * same bits forward in every policy and summation order, the same
 * reference to the last bit, gradients included; the exact gradient of
 * other formulas against central differences of the reference forward;
 * the automatic backward pass against the exact gradient. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "../formulas/define.h"
#include "../formulas/exact.h"
#include "testlib.h"

static const struct spelling {
    const char *name, *formula, *builtin, *family;
    int same_backward;       /* the backward passes give the same bits too */
} spellings[] = {
    { "f.naive", "exp(x)/sum(exp(x))", "softmax.naive", "softmax", 1 },
    { "f.shifted", "exp(x - rowmax(x))/sum(exp(x - rowmax(x)))", "softmax.shifted", "softmax", 1 },
    { "f.spherical", "x*x/sum(x*x)", "spherical", "spherical", 1 },
    { "f.relu", "relu(x)/sum(relu(x))", "relu.norm", "relu.norm", 1 },
    { "f.softplus", "softplus(x)/sum(softplus(x))", "softplus.norm", "softplus.norm", 1 },
    { "f.sigmoid", "sigmoid(x - log(n))", "sigmoid", "sigmoid", 1 },
    { "f.relu_scaled", "relu(x)/n", "relu.scaled", "relu.scaled", 0 },
};
#define NSPELLINGS (sizeof spellings / sizeof spellings[0])

static void define_all(void)
{
    char err[256];
    for (size_t i = 0; i < NSPELLINGS; i++)
        cr_assert_eq(ns_formula_define(spellings[i].name, spellings[i].formula, err, sizeof err), 0,
                     "%s: %s", spellings[i].formula, err);
}

#define MAXN 40

/* Row k of the test rows: ordinary, wide, tiny, huge (overflowing e^x),
 * zero, non-positive (zero sums), with masked entries, all masked. */
static size_t test_row(ns_test_rng *rng, int k, double *x)
{
    static const size_t lengths[] = { 1, 2, 3, 5, 8, 17, 40 };
    size_t n = lengths[k % 7];
    static const double scales[] = { 1, 0.01, 8, 30, 200, 1e-6 };
    double scale = scales[(k / 7) % 6];
    for (size_t i = 0; i < n; i++)
        x[i] = scale * ns_test_rng_normal(rng);
    switch (k % 11) {
    case 3: for (size_t i = 0; i < n; i++) x[i] = 0; break;
    case 5: for (size_t i = 0; i < n; i++) x[i] = -fabs(x[i]); break;
    case 7: x[n - 1] = -INFINITY; break;
    case 9: if (n > 2) x[0] = x[2] = -INFINITY; break;
    default: break;
    }
    return n;
}

static const char *const extra_policies[] = {
    "in=fp16,work=fp32,acc=fp64,out=fp16", "in=bf16,work=bf16,acc=fp32,tot=bf16,out=bf16",
};

static void each_policy(void (*check)(const char *policy))
{
    for (const ns_policy *const *p = ns_policies; *p; p++)
        if (!ns_policy_is_ref(*p))
            check((*p)->name);
    for (const ns_policy *const *p = ns_kernel_policies; *p; p++)
        check((*p)->name);
    for (size_t i = 0; i < sizeof extra_policies / sizeof extra_policies[0]; i++) {
        cr_assert_not_null(ns_policy_find(extra_policies[i]), "%s", extra_policies[i]);
        check(extra_policies[i]);
    }
}

static const char *const orders[] = { "seq", "pairwise", "kahan", "lanes:4", "blocked:3" };

static void same_as_builtin(const char *policy)
{
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed());
    double x[MAXN], g[MAXN];
    for (size_t o = 0; o < sizeof orders / sizeof orders[0]; o++) {
        ns_sum_order sum;
        cr_assert_eq(ns_sum_order_find(orders[o], &sum), 0);
        for (int k = 0; k < 77; k++) {
            size_t n = test_row(&rng, k, x);
            for (size_t i = 0; i < n; i++)
                g[i] = ns_test_rng_normal(&rng);
            char where[64];
            snprintf(where, sizeof where, "%s, row %d (n %zu)", orders[o], k, n);
            for (size_t s = 0; s < NSPELLINGS; s++)
                ns_test_assert_same_run(spellings[s].builtin, spellings[s].name, policy, sum, x, g, n,
                                        spellings[s].same_backward, where);
        }
    }
}

Test(formula_equivalence, a_formula_that_spells_a_builtin_gives_its_bits_in_every_policy_and_order,
     .timeout = 120)
{
    define_all();
    each_policy(same_as_builtin);
}

Test(formula_equivalence, references_agree_with_the_builtin_references_to_the_last_bit, .timeout = 120)
{
    define_all();
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() + 1);
    double x[MAXN], g[MAXN], y1[MAXN], y2[MAXN], d1[MAXN], d2[MAXN];
    for (int k = 0; k < 66; k++) {
        size_t n = test_row(&rng, k, x), masked = 0;
        for (size_t i = 0; i < n; i++)
            masked += x[i] == -INFINITY;
        /* An all-masked row: x - rowmax(x) is (-inf) - (-inf), which has no
         * value; the built-in reference gives zeros by convention. */
        if (n > 17 || masked == n)
            continue;
        for (size_t i = 0; i < n; i++)
            g[i] = ns_test_rng_normal(&rng);
        for (size_t s = 0; s < NSPELLINGS; s++) {
            const struct spelling *sp = &spellings[s];
            ns_test_reference(sp->family, NULL, x, g, y1, d1, n);
            ns_test_reference(sp->name, NULL, x, g, y2, d2, n);
            for (size_t i = 0; i < n; i++) {
                cr_assert(ns_test_same_bits(y1[i], y2[i]), "%s vs %s, row %d, y[%zu]: %a vs %a",
                          sp->family, sp->formula, k, i, y1[i], y2[i]);
                cr_assert(ns_test_same_bits(d1[i], d2[i]), "%s vs %s, row %d, dx[%zu]: %a vs %a",
                          sp->family, sp->formula, k, i, d1[i], d2[i]);
            }
        }
    }
}

/* Formulas no built-in spells, over every function and reduction. */
static const char *const others[] = {
    "relu(x)^p/sum(relu(x)^p); p = 3",
    "exp(x/t - rowmax(x/t))/sum(exp(x/t - rowmax(x/t))); t = 0.7",
    "log1p(x*x) * sqrt(abs(x) + 1) / mean(expm1(abs(x)) + 1)",
    "softplus(x) - min(x, rowmin(x) + 1) + max(x, 0.5) + tanh(x)^2",
    "2^x / sum(2^x) - sigmoid(-x) * log(n)",
};
#define NOTHERS (sizeof others / sizeof others[0])

static void define_others(void)
{
    char err[256], name[16];
    for (size_t i = 0; i < NOTHERS; i++) {
        snprintf(name, sizeof name, "other%zu", i);
        cr_assert_eq(ns_formula_define(name, others[i], err, sizeof err), 0, "%s: %s", others[i], err);
    }
}

static size_t ordinary_row(ns_test_rng *rng, double *x, double *g, int k)
{
    size_t n = 1 + (size_t)k % 9;
    for (size_t i = 0; i < n; i++) {
        x[i] = 3 * (2 * ns_test_rng_uniform(rng) - 1);
        g[i] = ns_test_rng_normal(rng);
    }
    return n;
}

Test(formula_reference, the_exact_gradient_is_the_derivative_of_the_exact_forward, .timeout = 120)
{
    define_others();
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() + 2);
    double x[16], g[16], y[16], dx[16];
    for (size_t f = 0; f < NOTHERS; f++) {
        char name[16];
        snprintf(name, sizeof name, "other%zu", f);
        const ns_reference *r = ns_reference_find(name);
        const ns_family *fam;
        cr_assert_not_null(ns_algorithm_find(name, &fam));
        double param[NS_MAX_PARAMS];
        ns_params_default(fam, param);
        for (int k = 0; k < 6; k++) {
            size_t n = ordinary_row(&rng, x, g, k);
            ns_test_reference(name, NULL, x, g, y, dx, n);
            for (size_t j = 0; j < n; j++) {
                double fd = ns_test_fd_gradient(r, param, x, g, n, j);
                cr_expect_leq(ns_test_ulps64(dx[j], fd), 1, "%s, row %d, dx[%zu]: %a, differences %a",
                              others[f], k, j, dx[j], fd);
            }
        }
    }
}

Test(formula_backward, in_fp64_it_is_within_2_to_the_minus_40_of_the_exact_gradient, .timeout = 60)
{
    define_others();
    define_all();
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed() + 3);
    double x[16], g[16], y[16], dx[16], yr[16], dxr[16];
    for (size_t f = 0; f < NOTHERS + NSPELLINGS; f++) {
        char name[16];
        if (f < NOTHERS)
            snprintf(name, sizeof name, "other%zu", f);
        else
            snprintf(name, sizeof name, "%s", spellings[f - NOTHERS].name);
        for (int k = 0; k < 9; k++) {
            size_t n = ordinary_row(&rng, x, g, k);
            ns_test_run(name, "fp64", NS_SUM_SEQ, NULL, x, g, y, dx, n, NULL);
            ns_test_reference(name, NULL, x, g, yr, dxr, n);
            double worst = 0, scale = 0;
            for (size_t i = 0; i < n; i++) {
                worst = fmax(worst, fabs(dx[i] - dxr[i]));
                scale = fmax(scale, fabs(dxr[i]));
            }
            cr_expect_leq(worst, 0x1p-40 * scale, "%s, row %d (n %zu): |dx - exact| %a, |exact| %a",
                          name, k, n, worst, scale);
        }
    }
}

Test(formula_reference, says_why_a_value_is_undefined)
{
    char err[256], why[256];
    ns_formula *f = ns_formula_parse("x + log(x - 1)", err, sizeof err);
    cr_assert_not_null(f);
    double x[2] = { 3, 0.5 };
    cr_expect_eq(ns_formula_undefined(f, x, NULL, 2, why, sizeof why), 1);
    cr_expect_str_eq(why, "column 5: log of a number below 0 has no real value");
    x[1] = 2;
    cr_expect_eq(ns_formula_undefined(f, x, NULL, 2, why, sizeof why), 0);
    ns_formula_free(f);

    cr_assert_eq(ns_formula_define("zero_zero", "relu(x)^0", err, sizeof err), 0);
    cr_assert_not_null(f = ns_formula_parse("relu(x)^0", err, sizeof err));
    double z[2] = { -1, 2 }, y[2], dx[2], g[2] = { 1, 1 };
    cr_expect_eq(ns_formula_undefined(f, z, NULL, 2, why, sizeof why), 1);
    cr_expect_str_eq(why, "column 8: 0^0 has no value");
    ns_test_reference("zero_zero", NULL, z, g, y, dx, 2);
    cr_expect(isnan(y[0]) && isnan(y[1]), "%a %a", y[0], y[1]);
    ns_formula_free(f);
}

Test(formula_reference, a_zero_row_divisor_gives_zeros_and_the_exponent_range_is_unbounded)
{
    char err[256];
    cr_assert_eq(ns_formula_define("cube", "relu(x)^3/sum(relu(x)^3)", err, sizeof err), 0);
    double x[3] = { -1, 0, -INFINITY }, g[3] = { 1, 2, 3 }, y[3], dx[3];
    ns_test_reference("cube", NULL, x, g, y, dx, 3);
    for (size_t i = 0; i < 3; i++)
        cr_expect(y[i] == 0 && dx[i] == 0, "%zu: %a %a", i, y[i], dx[i]);
    /* e^{1000} / (e^{1000} + e^{999}) = 1 / (1 + e^-1): beyond binary64 in
     * between, exact in the reference. */
    cr_assert_eq(ns_formula_define("big", "exp(x)/sum(exp(x))", err, sizeof err), 0);
    double b[2] = { 1000, 999 }, yb[2], ys[2];
    ns_test_reference("big", NULL, b, NULL, yb, NULL, 2);
    ns_test_reference("softmax", NULL, b, NULL, ys, NULL, 2);
    cr_expect(yb[0] == ys[0] && yb[1] == ys[1] && yb[0] > 0.73 && yb[0] < 0.74, "%a %a", yb[0], ys[0]);
}

/* d/dx_j of y_i = x_i - max x: g_j - [j is the argmax] sum g (hand-derived,
 * exact in binary64 for these small integers). */
Test(formula_backward, rowmax_passes_its_adjoint_to_the_largest_entry)
{
    char err[256];
    cr_assert_eq(ns_formula_define("minus_max", "x - rowmax(x)", err, sizeof err), 0, "%s", err);
    double x[3] = { 1, 3, 2 }, g[3] = { 1, 2, 4 }, y[3], dx[3];
    ns_test_run("minus_max", "fp64", NS_SUM_SEQ, NULL, x, g, y, dx, 3, NULL);
    cr_expect(dx[0] == 1 && dx[1] == -5 && dx[2] == 4, "%a %a %a", dx[0], dx[1], dx[2]);
    ns_test_reference("minus_max", NULL, x, g, y, dx, 3);
    cr_expect(dx[0] == 1 && dx[1] == -5 && dx[2] == 4, "reference: %a %a %a", dx[0], dx[1], dx[2]);
    /* A maximum stored in bf16 (tot) is 1, which x_0 equals: the adjoint
     * still goes to x_1 = 1 + 2^-20, the largest. */
    double z[3] = { 1, 1 + 0x1p-20, 0 }, h[3] = { 1, 1, 1 };
    ns_test_run("minus_max", "in=fp32,work=fp32,acc=fp32,tot=bf16,out=fp32", NS_SUM_SEQ, NULL, z, h, y, dx, 3, NULL);
    cr_expect(dx[0] == 1 && dx[1] == -2 && dx[2] == 1, "%a %a %a", dx[0], dx[1], dx[2]);
}
