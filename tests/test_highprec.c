/* The reference against evaluations at a much higher precision
 * (reference/highprec.h): every family's forward and backward, with the
 * fast tier and with MPFR alone, on short rows of the awkward regions
 * (logits near 2^-997 where eps alone is softpick's denominator,
 * subnormals, +-1e300 and 2^1000, near-cancelling differences, masks,
 * integer ties), against the plain definition at 3000 and 4000 bits and
 * the reference's own enclosure at 2048 bits.  A fast sample of `make
 * check-tiers`'s high-precision check; NS_TEST_SEED varies its rows. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "../reference/highprec.h"
#include "testlib.h"

#define MAXN 6
#define RANDOM_ROWS 16

typedef struct {
    size_t n;
    double x[MAXN];
} row;

/* Issue #12's row and gradient: softpick's dx_0 is g_0 / eps there. */
static const double issue_g[MAXN] = { 0x1.32b27d441dec0p-5, -0x1.a0ecd3f1b5586p-1, -0x1.fe5cd9d3865e0p-3 };

/* Rows every family meets, whatever the seed; the first with issue_g. */
static const row fixed_rows[] = {
    { 3, { 0x1.56e1fc2f8f359p-997, 0x1.56e1fc2f8f359p-996, -0x1.56e1fc2f8f359p-997 } },
    { 4, { 0x1p-1074, -0x1p-1074, 0x1.8p-1073, 0 } },
    { 3, { 1e300, -1e300, 0x1p1000 } },
    { 4, { 1, 0x1.0000000000001p0, 0x1.fffffffffffffp-1, -1 } },
    { 3, { 2, 2, -INFINITY } },
    { 4, { 0, 0, 0, 0 } },
    { 2, { 745, -745 } },
    { 5, { 3, -1, 0.5, -INFINITY, 0x1p-30 } },
};

/* A random row of one of the regions. */
static row random_row(ns_test_rng *r, int region)
{
    row rw = { 1 + ns_test_rng_next(r) % MAXN, { 0 } };
    double base = ns_test_rng_normal(r);
    for (size_t i = 0; i < rw.n; i++) {
        double u = ns_test_rng_uniform(r) * 2 - 1, z = ns_test_rng_normal(r);
        switch (region) {
        case 0: rw.x[i] = ldexp(u, -1000 + (int)(ns_test_rng_next(r) % 8)); break;   /* tiny */
        case 1: rw.x[i] = ldexp(u, -1074 + (int)(ns_test_rng_next(r) % 60)); break;  /* subnormal */
        case 2: rw.x[i] = ldexp(u, 990 + (int)(ns_test_rng_next(r) % 33)); break;    /* huge */
        case 3: rw.x[i] = base + ldexp(u, -45); break;                                /* cancelling */
        case 4: rw.x[i] = (double)((int)(ns_test_rng_next(r) % 7) - 3); break;       /* integer ties */
        default: rw.x[i] = 8 * z; break;
        }
        if (ns_test_rng_next(r) % 12 == 0)
            rw.x[i] = -INFINITY;
    }
    return rw;
}

static void random_gradient(ns_test_rng *r, double *g, size_t n)
{
    int kind = (int)(ns_test_rng_next(r) % 3);
    for (size_t i = 0; i < n; i++)
        g[i] = kind == 0 ? ns_test_rng_normal(r) : kind == 1 ? 0.375 : ldexp(ns_test_rng_normal(r), -1040);
}

static void expect_allowed(const char *family, const char *route, const char *side, const char *what,
                           const ns_hp_bounds *b, const double *v, const row *rw)
{
    for (size_t i = 0; i < rw->n; i++)
        cr_expect(ns_hp_allows(b[i], v[i]),
                  "%s, %s: %s[%zu] = %a, %s allows [%a, %a]; row n = %zu, x[0] = %a, x[%zu] = %a (seed %llu)",
                  family, side, what, i, v[i], route, b[i].lo, b[i].hi, rw->n, rw->x[0], i, rw->x[i],
                  (unsigned long long)ns_test_seed());
}

/* One row with and without its gradient, the tier on and off. */
static void check_row(const ns_family *f, const ns_reference *ref, const double *param, const row *rw,
                      const double *g0)
{
    for (int with_g = 0; with_g < 2; with_g++) {
        const double *g = with_g ? g0 : NULL;
        ns_hp_bounds py[MAXN], pdx[MAXN], ey[MAXN], edx[MAXN];
        int plain = ns_hp_plain(ref, param, rw->x, g, rw->n, py, pdx);
        cr_assert_geq(plain, 0);
        cr_assert_eq(ns_hp_enclosure(ref, param, rw->x, g, rw->n, NS_HP_ENCLOSURE_PREC, ey, edx), 1);
        for (int tier = 0; tier < 2; tier++) {
            double y[MAXN], dx[MAXN];
            ns_ref_set_fast_tier(tier);
            cr_assert_eq(ns_ref_eval(ref, param, rw->x, g, rw->n, y, g ? dx : NULL, NULL), 0);
            const char *side = tier ? "tiered" : "MPFR alone";
            expect_allowed(f->name, "the enclosure at 2048 bits", side, "y", ey, y, rw);
            if (g)
                expect_allowed(f->name, "the enclosure at 2048 bits", side, "dx", edx, dx, rw);
            if (plain) {
                expect_allowed(f->name, "the plain definition", side, "y", py, y, rw);
                if (g)
                    expect_allowed(f->name, "the plain definition", side, "dx", pdx, dx, rw);
            }
        }
    }
    ns_ref_set_fast_tier(1);
}

static const ns_family *family_named(const char *name)
{
    for (const ns_family *const *f = ns_families(); *f; f++)
        if (strcmp((*f)->name, name) == 0)
            return *f;
    return NULL;
}

static void check_family(const char *name)
{
    const ns_family *f = family_named(name);
    cr_assert(f != NULL, "%s", name);
    const ns_reference *ref = ns_reference_find(f->name);
    cr_assert(ref != NULL);
    double param[NS_MAX_PARAMS];
    ns_params_default(f, param);
    ns_test_rng r;
    ns_test_rng_init(&r, ns_test_seed() ^ (uint64_t)f->order);
    double g[MAXN];
    for (size_t k = 0; k < sizeof fixed_rows / sizeof *fixed_rows; k++) {
        random_gradient(&r, g, MAXN);
        check_row(f, ref, param, &fixed_rows[k], k == 0 ? issue_g : g);
    }
    for (int k = 0; k < RANDOM_ROWS; k++) {
        row rw = random_row(&r, k % 6);
        random_gradient(&r, g, MAXN);
        check_row(f, ref, param, &rw, g);
    }
}

Test(highprec, softmax) { check_family("softmax"); }
Test(highprec, softmax1) { check_family("softmax1"); }
Test(highprec, sigmoid) { check_family("sigmoid"); }
Test(highprec, ssmax) { check_family("ssmax"); }
Test(highprec, logsoftmax) { check_family("logsoftmax"); }
Test(highprec, softpick) { check_family("softpick"); }
Test(highprec, softplus_norm) { check_family("softplus.norm"); }
Test(highprec, stickbreaking) { check_family("stickbreaking"); }
Test(highprec, relu_norm) { check_family("relu.norm"); }
Test(highprec, relu2_norm) { check_family("relu2.norm"); }
Test(highprec, spherical) { check_family("spherical"); }
Test(highprec, taylor) { check_family("taylor"); }
Test(highprec, relu_scaled) { check_family("relu.scaled"); }
Test(highprec, sparsemax) { check_family("sparsemax"); }
Test(highprec, entmax) { check_family("entmax"); }

/* The check is not vacuous: on issue #12's row it decides dx_0 and
 * refuses the neighbour that eps = 10^-8 (a real number, not the binary64
 * parameter) would give. */
Test(highprec, rejects_the_decimal_eps_rounding)
{
    const ns_reference *ref = ns_reference_find("softpick");
    const row *rw = &fixed_rows[0];
    const double *g = issue_g;
    double param[NS_MAX_PARAMS] = { 1e-8 };
    ns_hp_bounds py[3], pdx[3], ey[3], edx[3];
    cr_assert_eq(ns_hp_plain(ref, param, rw->x, g, 3, py, pdx), 1);
    cr_assert_eq(ns_hp_enclosure(ref, param, rw->x, g, 3, NS_HP_ENCLOSURE_PREC, ey, edx), 1);
    cr_expect(ns_hp_decided(pdx[0]) && ns_hp_decided(edx[0]));
    cr_expect(ns_hp_allows(pdx[0], 0x1.c903b4c5b7c74p+21) && ns_hp_allows(edx[0], 0x1.c903b4c5b7c74p+21));
    cr_expect(!ns_hp_allows(pdx[0], 0x1.c903b4c5b7c75p+21) && !ns_hp_allows(edx[0], 0x1.c903b4c5b7c75p+21));
}
