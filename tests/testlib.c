#include "testlib.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/error.h"
#include "../normalizers/contract.h"
#include "../reference/tier.h"

uint64_t ns_test_seed(void)
{
    const char *s = getenv("NS_TEST_SEED");
    return s && *s ? strtoull(s, NULL, 0) : 20211001u;
}

void ns_test_run(const char *alg, const char *policy, ns_sum_order sum, const double *param,
                 const double *x, const double *g, double *y, double *dx, size_t n, ns_probe *probe)
{
    ns_job job;
    cr_assert_eq(ns_job_init(&job, alg, ns_policy_find(policy), sum), 0, "%s in %s", alg, policy);
    if (param)
        memcpy(job.param, param, ns_family_nparams(job.family) * sizeof *param);
    double *xr = malloc(n * sizeof *xr), *gr = malloc(n * sizeof *gr);
    cr_assert(xr && gr);
    ns_job_round_inputs(&job, x, xr, n);
    cr_assert_eq(ns_job_forward(&job, xr, y, n, probe), 0);
    if (g) {
        ns_job_round_inputs(&job, g, gr, n);
        cr_assert_eq(ns_job_backward(&job, xr, y, gr, dx, n, NULL), 0);
    }
    free(xr);
    free(gr);
    ns_job_free(&job);
}

void ns_test_forward(const char *alg, const char *policy, const double *x, double *y, size_t n)
{
    ns_test_run(alg, policy, NS_SUM_SEQ, NULL, x, NULL, y, NULL, n, NULL);
}

void ns_test_reference(const char *family, const double *param, const double *x, const double *g,
                       double *y, double *dx, size_t n)
{
    const ns_reference *r = ns_reference_find(family);
    cr_assert(r != NULL, "no reference for %s", family);
    double defaults[NS_MAX_PARAMS] = { 0 };
    for (const ns_family *const *f = ns_families(); !param && *f; f++)
        if (strcmp((*f)->name, family) == 0)
            ns_params_default(*f, defaults);
    ns_ref_stats st;
    cr_assert_eq(ns_ref_eval(r, param ? param : defaults, x, g, n, y, dx, &st), 0);
    cr_expect_eq(st.uncertain, 0, "%s: %zu entries uncertain", family, st.uncertain);
}

static void forgot_shift(const ns_ops *op, const double *x, double *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = ns_exp(op, x[i]);
    double s = ns_denominator(op, ns_sum(op, y, n));
    for (size_t i = 0; i < n; i++)
        y[i] = ns_div(op, y[i], s);
}

const ns_algorithm *ns_test_softmax_forgot_shift(const ns_family **family)
{
    static ns_algorithm broken;
    const ns_algorithm *shifted = ns_algorithm_find("softmax.shifted", family);
    cr_assert(shifted != NULL);
    broken = *shifted;
    broken.forward = forgot_shift;
    broken.contract = ns_contract_of(shifted);
    return &broken;
}

/* phi = <g, y(x)> at precision prec, as the midpoint of its enclosure. */
static void phi_at(const ns_reference *r, const double *param, const double *x,
                   const double *g, size_t n, mpfr_t out)
{
    mpfr_prec_t prec = mpfr_get_prec(out);
    mpfi_ptr y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++)
        mpfi_init2(&y[i], prec);
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    ns_ref_input in = { x, NULL, param, n };
    r->enclose(&in, prec, y, NULL);
    mpfi_t acc, t;
    mpfi_init2(acc, prec);
    mpfi_init2(t, prec);
    mpfi_set_ui(acc, 0);
    for (size_t i = 0; i < n; i++) {
        mpfi_mul_d(t, &y[i], g[i]);
        mpfi_add(acc, acc, t);
    }
    mpfi_mid(out, acc);
    mpfi_clear(acc);
    mpfi_clear(t);
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
    for (size_t i = 0; i < n; i++)
        mpfi_clear(&y[i]);
    free(y);
}

double ns_test_fd_gradient(const ns_reference *r, const double *param,
                           const double *x, const double *g, size_t n, size_t j)
{
    const mpfr_prec_t prec = 400;
    double *xp = malloc(n * sizeof *xp);
    memcpy(xp, x, n * sizeof *xp);
    /* The step must be exact: x_j +- h have to be doubles.  With x_j of at
     * most 40 significant bits (tests use fp32-valued rows) they are. */
    double h = ldexp(1.0, (x[j] == 0 ? 0 : ilogb(x[j])) - 40);
    if ((x[j] + h) - x[j] != h || x[j] - (x[j] - h) != h) {
        free(xp);
        return NAN;
    }
    mpfr_t plus, minus;
    mpfr_inits2(prec, plus, minus, (mpfr_ptr)0);
    xp[j] = x[j] + h;
    phi_at(r, param, xp, g, n, plus);
    xp[j] = x[j] - h;
    phi_at(r, param, xp, g, n, minus);
    mpfr_sub(plus, plus, minus, MPFR_RNDN);
    mpfr_div_d(plus, plus, 2 * h, MPFR_RNDN);
    double d = mpfr_get_d(plus, MPFR_RNDN);
    mpfr_clears(plus, minus, (mpfr_ptr)0);
    free(xp);
    return d;
}

int ns_test_same_bits(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

void ns_test_assert_same_run(const char *a, const char *b, const char *policy, ns_sum_order sum,
                             const double *x, const double *g, size_t n, bool backward, const char *where)
{
    double *ya = malloc(n * sizeof *ya), *yb = malloc(n * sizeof *yb);
    double *da = malloc(n * sizeof *da), *db = malloc(n * sizeof *db);
    cr_assert(ya && yb && da && db, "out of memory");
    ns_probe pa, pb;
    ns_probe_reset(&pa);
    ns_probe_reset(&pb);
    ns_test_run(a, policy, sum, NULL, x, g, ya, da, n, &pa);
    ns_test_run(b, policy, sum, NULL, x, g, yb, db, n, &pb);
    for (size_t i = 0; i < n; i++) {
        cr_assert(ns_test_same_bits(ya[i], yb[i]), "%s vs %s, %s, %s, y[%zu]: %a vs %a",
                  a, b, policy, where, i, ya[i], yb[i]);
        if (backward)
            cr_assert(ns_test_same_bits(da[i], db[i]), "%s vs %s, %s, %s, dx[%zu]: %a vs %a",
                      a, b, policy, where, i, da[i], db[i]);
    }
    cr_assert_eq(pa.count, pb.count, "%s vs %s, %s, %s: denominators shown", a, b, policy, where);
    cr_assert_eq(pa.zeros, pb.zeros, "%s vs %s, %s, %s: zero denominators", a, b, policy, where);
    free(ya);
    free(yb);
    free(da);
    free(db);
}

double ns_test_ulps64(double a, double b)
{
    return ns_ulps(&ns_fp64, a, b);
}

int ns_test_compare_tier_at(const char *family, const double *param, ns_test_tally *t,
                            const double *x, const double *g, size_t n, double *y, double *dx)
{
    const ns_reference *r = ns_reference_find(family);
    cr_assert(r && ns_ref_tier_of(r), "%s has a fast tier", family);
    double defaults[NS_MAX_PARAMS];
    if (!param) {
        for (const ns_family *const *f = ns_families(); *f; f++)
            if (strcmp((*f)->name, family) == 0)
                ns_params_default(*f, defaults);
        param = defaults;
    }
    double *buf = malloc(4 * n * sizeof *buf);
    cr_assert(buf);
    double *y1 = buf, *dx1 = buf + n, *y2 = y ? y : buf + 2 * n, *dx2 = dx ? dx : buf + 3 * n;
    ns_ref_stats st;
    ns_ref_set_fast_tier(0);
    cr_assert_eq(ns_ref_eval(r, param, x, g, n, y1, g ? dx1 : NULL, NULL), 0);
    ns_ref_set_fast_tier(1);
    cr_assert_eq(ns_ref_eval(r, param, x, g, n, y2, g ? dx2 : NULL, &st), 0);
    t->rows++;
    t->settled += st.prec == 0;
    for (size_t i = 0; i < n; i++)
        if (memcmp(&y1[i], &y2[i], sizeof y1[i]) != 0 ||
            (g && memcmp(&dx1[i], &dx2[i], sizeof dx1[i]) != 0)) {
            if (t->mismatches++ < 3)
                cr_log_error("%s n = %zu entry %zu: MPFR y %a dx %a, tier y %a dx %a", family, n, i,
                             y1[i], g ? dx1[i] : 0.0, y2[i], g ? dx2[i] : 0.0);
            break;
        }
    free(buf);
    return st.prec == 0;
}

int ns_test_compare_tier(const char *family, ns_test_tally *t, const double *x, const double *g,
                         size_t n)
{
    return ns_test_compare_tier_at(family, NULL, t, x, g, n, NULL, NULL);
}
