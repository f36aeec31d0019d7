/* Catalogue-wide checks: every algorithm of SPEC section 3 is present, has a
 * reference, and in fp64 agrees with that reference on benign rows; every
 * reference gradient agrees with finite differences of the reference forward
 * at 400 bits. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

/* SPEC section 3, in its order. */
static const char *const spec_names[] = {
    "softmax.naive", "softmax.shifted", "softmax.recip", "softmax.lse", "softmax.online",
    "logsoftmax.naive", "logsoftmax.shifted", "softmax1.shifted", "softmax1.stable", "ssmax",
    "spherical", "taylor", "relu.norm", "relu2.norm", "softplus.norm", "sigmoid",
    "relu.scaled", "softpick", "sparsemax", "entmax15", "entmax.bisect", "stickbreaking",
};
#define NSPEC (sizeof spec_names / sizeof spec_names[0])

/* Every SPEC algorithm is listed, in SPEC's order; algorithms added later
 * (docs/adding-a-normalizer.md) may stand anywhere between them. */
Test(catalogue, lists_every_spec_algorithm_in_order)
{
    size_t k = 0;
    for (const ns_family *const *f = ns_families(); *f; f++)
        for (const ns_algorithm *a = (*f)->algorithms; a->name; a++) {
            cr_expect(a->forward && a->backward && a->summary && *a->summary, "%s incomplete", a->name);
            if (k < NSPEC && strcmp(a->name, spec_names[k]) == 0)
                k++;
        }
    cr_expect_eq(k, NSPEC, "SPEC algorithm %s missing or out of order", k < NSPEC ? spec_names[k] : "");
}

Test(catalogue, every_family_has_a_reference)
{
    for (const ns_family *const *f = ns_families(); *f; f++)
        cr_expect(ns_reference_find((*f)->name) != NULL, "no reference for %s", (*f)->name);
}

/* A benign row: fp32-valued normal logits of scale sigma (away from zero, so
 * no row sits on a kink of relu-like families). */
static void benign_row(ns_test_rng *rng, double sigma, double *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double v = sigma * ns_test_rng_normal(rng);
        if (fabs(v) < 0.05)
            v = v < 0 ? -0.5 : 0.5;
        x[i] = (double)(float)v;
    }
}

static double max_abs(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(v[i]) > m)
            m = fabs(v[i]);
    return m;
}

/* In fp64 a formula bug shows as an O(1) relative error; rounding stays below
 * 2^-44 normwise on these short rows (entmax.bisect's 50 halvings of tau
 * included).  The gradient's scale is that of its terms, |g| |y|: the
 * difference g_i - <g, y> cancels when y is nearly one-hot. */
Test(catalogue, fp64_agrees_with_reference_on_benign_rows)
{
    const size_t lens[] = { 1, 2, 3, 8, 33 };
    uint64_t seed = ns_test_seed();
    ns_test_rng rng;
    ns_test_rng_init(&rng, seed);
    const ns_policy *fp64 = ns_policy_find("fp64");
    double x[33], g[33], y[33], dx[33], yr[33], dxr[33];
    for (const ns_family *const *f = ns_families(); *f; f++) {
        const ns_reference *ref = ns_reference_find((*f)->name);
        if (!ref)
            continue;
        for (const ns_algorithm *a = (*f)->algorithms; a->name; a++) {
            ns_job job;
            cr_assert_eq(ns_job_init(&job, a->name, fp64, NS_SUM_SEQ), 0);
            for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
                for (int rep = 0; rep < 4; rep++) {
                    size_t n = lens[li];
                    benign_row(&rng, 2.0, x, n);
                    benign_row(&rng, 1.0, g, n);
                    cr_assert_eq(ns_ref_eval(ref, job.param, x, g, n, yr, dxr, NULL), 0);
                    /* Not benign: an all-zero reference is the zero-denominator
                     * convention (relu on a negative row), where a textbook
                     * kernel's 0/0 is a finding, checked by the family's tests. */
                    if (max_abs(yr, n) == 0)
                        continue;
                    ns_job_forward(&job, x, y, n, NULL);
                    ns_job_backward(&job, x, y, g, dx, n, NULL);
                    double ys = max_abs(yr, n), ds = fmax(max_abs(dxr, n), max_abs(g, n) * ys);
                    for (size_t i = 0; i < n; i++) {
                        cr_expect(fabs(y[i] - yr[i]) <= 0x1p-44 * ys,
                                  "%s n=%zu y[%zu]=%a ref %a (seed %llu)", a->name, n, i, y[i],
                                  yr[i], (unsigned long long)seed);
                        cr_expect(fabs(dx[i] - dxr[i]) <= 0x1p-44 * ds,
                                  "%s n=%zu dx[%zu]=%a ref %a (seed %llu)", a->name, n, i, dx[i],
                                  dxr[i], (unsigned long long)seed);
                    }
                }
            ns_job_free(&job);
        }
    }
}

static void expect_gradient_matches_fd(const ns_family *f, const ns_reference *ref,
                                       const double *x, const double *g, size_t n, const char *what)
{
    double param[NS_MAX_PARAMS], y[16], dx[16];
    ns_params_default(f, param);
    cr_assert_eq(ns_ref_eval(ref, param, x, g, n, y, dx, NULL), 0);
    double scale = max_abs(dx, n);
    for (size_t j = 0; j < n; j++) {
        double fd = ns_test_fd_gradient(ref, param, x, g, n, j);
        cr_assert(!isnan(fd), "%s: step not exact at x[%zu]=%a", f->name, j, x[j]);
        double tol = 4 * ldexp(1.0, (dx[j] == 0 ? -1074 : ilogb(dx[j]) - 52)) + 0x1p-60 * scale;
        cr_expect(fabs(fd - dx[j]) <= tol, "%s %s n=%zu: dx[%zu]=%a, finite difference %a",
                  f->name, what, n, j, dx[j], fd);
    }
}

Test(catalogue, reference_gradients_match_finite_differences, .timeout = 120)
{
    uint64_t seed = ns_test_seed();
    ns_test_rng rng;
    ns_test_rng_init(&rng, seed ^ 0x5eed);
    double x[16], g[16];
    for (const ns_family *const *f = ns_families(); *f; f++) {
        const ns_reference *ref = ns_reference_find((*f)->name);
        if (!ref)
            continue;
        const size_t lens[] = { 1, 2, 5, 9 };
        for (size_t li = 0; li < 4; li++)
            for (int rep = 0; rep < 3; rep++) {
                size_t n = lens[li];
                benign_row(&rng, 3.0, x, n);
                benign_row(&rng, 1.0, g, n);
                expect_gradient_matches_fd(*f, ref, x, g, n, "random row");
            }
        /* Adversarial: a tie at the maximum, a wide spread, tiny logits. */
        const double tie[] = { 1.5, 1.5, -0.75, 0.25 };
        const double spread[] = { 40.0, -35.5, 0.5, 12.25 };
        const double tiny[] = { 0x1p-40, -0x1.8p-41, 0x1.4p-39, 0x1p-38 };
        const double gg[] = { 0.5, -1.25, 2.0, 0.75 };
        expect_gradient_matches_fd(*f, ref, tie, gg, 4, "tie");
        expect_gradient_matches_fd(*f, ref, spread, gg, 4, "spread");
        expect_gradient_matches_fd(*f, ref, tiny, gg, 4, "tiny");
    }
}
