/* The one verdict (analysis/verdict.h, judge.h): kept, expected as a
 * declared hazard, or broken; the bound it holds a row to; and the same
 * verdict the fuzzers reach on the same row. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "../analysis/judge.h"
#include "../fuzz/finder.h"
#include "testlib.h"

/* The verdict of job on x (n entries; gradient N(0, 1) from seed 1), with
 * the conditioning; m gets the metrics. */
static ns_verdict judge(ns_job *job, const double *x, size_t n, ns_metrics *m)
{
    ns_metrics_scratch s;
    ns_metrics_scratch_init(&s);
    ns_judge j;
    ns_judge_init(&j);
    double g[16];
    cr_assert(n <= 16);
    ns_gen_gradient(1, n, g);
    ns_verdict v;
    cr_assert_eq(ns_metrics_eval(job, x, g, n, NS_METRICS_KAPPA, &s, m), 0);
    cr_assert_eq(ns_judge_verdict(&j, job, s.xr, s.gr, n, &s, m, &v), 0);
    ns_judge_free(&j);
    ns_metrics_scratch_free(&s);
    return v;
}

static ns_verdict judge_alg(const char *alg, const char *policy, const double *x, size_t n,
                            ns_metrics *m)
{
    ns_job job;
    cr_assert_eq(ns_job_init(&job, alg, ns_policy_find(policy), NS_SUM_SEQ), 0);
    ns_verdict v = judge(&job, x, n, m);
    ns_job_free(&job);
    return v;
}

/* The contract's bound on a row: softmax.shifted promises
 * (8 + 2n + 2 spread) u_work (normalizers/softmax.c); in fp16
 * u_work = u_io = 2^-11, so on four zeros (spread 0) the bound is
 * 1 + 8 + 8 = 17 ulps; in fp16-io u_work = 2^-24 and the bound is
 * 1 + 16 * 2^-13 ulps of fp16. */
Test(verdict, the_bound_of_a_row_is_the_contracts)
{
    if (ns_contract_of(ns_algorithm_find("softmax.shifted", NULL))->promises->error.cs != 2)
        cr_skip_test("the contract of softmax.shifted changed");
    ns_metrics m;
    double x[4] = { 0, 0, 0, 0 };
    ns_verdict v = judge_alg("softmax.shifted", "fp16", x, 4, &m);
    cr_expect_eq(v.kind, NS_VERDICT_KEPT);
    cr_expect_eq(m.contract_ulps, 17.0);
    cr_expect(m.within_contract);
    judge_alg("softmax.shifted", "fp16-io", x, 4, &m);
    cr_expect_eq(m.contract_ulps, 1 + 16 * 0x1p-13);
}

/* A first-order bound that grows with n stops where an output would keep
 * no correct bit: (8 + 2n) 2^-8 >= 1 in bf16 from n = 124 on, and the
 * bound stays at 2^(p-1) = 128 ulps. */
Test(verdict, a_bound_growing_with_n_stops_at_the_leading_bit)
{
    double x[16] = { 0 };
    ns_metrics m;
    judge_alg("softmax.shifted", "bf16", x, 16, &m);
    cr_expect(isfinite(m.contract_ulps));
    ns_job job;
    cr_assert_eq(ns_job_init(&job, "softmax.shifted", ns_policy_find("bf16"), NS_SUM_SEQ), 0);
    ns_metrics_scratch s;
    ns_metrics_scratch_init(&s);
    ns_judge j;
    ns_judge_init(&j);
    double big[128] = { 0 };
    ns_verdict v;
    cr_assert_eq(ns_metrics_eval(&job, big, NULL, 128, 0, &s, &m), 0);
    cr_assert_eq(ns_judge_verdict(&j, &job, s.xr, NULL, 128, &s, &m, &v), 0);
    cr_expect_eq(m.contract_ulps, 128, "%g", m.contract_ulps);
    cr_expect_eq(v.kind, NS_VERDICT_KEPT);
    ns_judge_free(&j);
    ns_metrics_scratch_free(&s);
    ns_job_free(&job);
}

/* softmax.shifted computes (-inf) - (-inf) = NaN on an all-masked row; its
 * contract declares the hazard: expected, and within the contract. */
Test(verdict, an_all_masked_row_is_an_expected_failure)
{
    double x[2] = { -INFINITY, -INFINITY };
    ns_metrics m;
    ns_verdict v = judge_alg("softmax.shifted", "fp16", x, 2, &m);
    cr_expect_eq(v.kind, NS_VERDICT_EXPECTED);
    cr_expect_eq(v.what, NS_KIND_NAN);
    cr_expect_eq(v.cause[NS_KIND_NAN], NS_CAUSE_ALL_MASKED);
    cr_assert(v.hazard[NS_KIND_NAN] != NULL);
    cr_expect(strstr(v.hazard[NS_KIND_NAN]->why, "all-masked row") != NULL);
    cr_expect(m.within_contract);
}

/* e^12 overflows fp16 (12 > ln 65504 = 11.09): inf / inf = NaN.  The
 * contract of softmax.naive declares the overflow; the same kernel under
 * the contract of softmax.shifted, which promises no NaN, breaks it. */
Test(verdict, a_declared_overflow_is_expected_an_undeclared_one_broken)
{
    double x[2] = { 12, 0 };
    ns_metrics m;
    ns_verdict v = judge_alg("softmax.naive", "fp16", x, 2, &m);
    cr_expect_eq(v.kind, NS_VERDICT_EXPECTED);
    cr_expect_eq(v.cause[NS_KIND_NAN], NS_CAUSE_OVERFLOW);
    cr_expect(m.within_contract);

    ns_job job;
    cr_assert_eq(ns_job_init(&job, "softmax.shifted", ns_policy_find("fp16"), NS_SUM_SEQ), 0);
    job.alg = ns_test_softmax_forgot_shift(NULL);
    v = judge(&job, x, 2, &m);
    ns_job_free(&job);
    cr_expect_eq(v.kind, NS_VERDICT_BROKEN);
    cr_expect_eq(v.what, NS_KIND_NAN);
    cr_expect_eq(v.cause[NS_KIND_NAN], NS_CAUSE_OVERFLOW);
    cr_expect(v.hazard[NS_KIND_NAN] == NULL);
    cr_expect(!m.within_contract);
}

/* logsoftmax promises an absolute accuracy near 0 (error_floor 1): on
 * (0, -20) in fp32, y_0 = -log(1 + e^-20) = -2.06e-9 comes out as 0, millions
 * of ulps of y_0 but 0.02 ulps of 1, and the metrics count it as the
 * contract does. */
Test(verdict, an_error_floor_forgives_errors_near_zero)
{
    double x[2] = { 0, -20 };
    ns_metrics m;
    ns_verdict v = judge_alg("logsoftmax.shifted", "fp32", x, 2, &m);
    cr_expect_lt(m.max_ulps, 1);
    cr_expect_eq(v.kind, NS_VERDICT_KEPT);
    cr_expect_lt(v.e.err_ulps, 1);
}

/* The verdict `check` gives and the one `search` gives agree: the
 * fuzzers' exact evaluation breaks the same promises for the same causes. */
Test(verdict, check_and_the_fuzzers_agree)
{
    static const struct { const char *alg, *policy; double x[3]; size_t n; } rows[] = {
        { "softmax.naive", "fp16", { 12, 0 }, 2 },
        { "softmax.shifted", "fp16", { -INFINITY, -INFINITY }, 2 },
        { "relu.norm", "fp16", { -1, -2 }, 2 },
        { "spherical", "fp16", { 0x1p-13, -0x1p-13 }, 2 },
        { "softmax.naive", "fp32", { -96, -64, -704 }, 3 },
        { "softmax.online", "fp32", { -INFINITY, 1, 2 }, 3 },
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        ns_metrics m;
        ns_verdict v = judge_alg(rows[r].alg, rows[r].policy, rows[r].x, rows[r].n, &m);
        ns_fuzz_target t;
        char err[256];
        cr_assert_eq(ns_fuzz_target_open(&t, rows[r].alg, rows[r].policy, "all", err, sizeof err), 0);
        ns_row row;
        ns_row_init(&row);
        double g[3];
        ns_gen_gradient(1, rows[r].n, g);
        cr_assert_eq(ns_row_set(&row, rows[r].x, g, rows[r].n), 0);
        ns_fuzz_eval e;
        cr_assert_eq(ns_fuzz_eval_row(&t, &row, NS_EVAL_EXACT, &e), 0);
        cr_expect_eq(e.promises.broken, v.e.broken, "%s %s: promises broken", rows[r].alg, rows[r].policy);
        for (int k = 0; k < NS_KIND_COUNT; k++)
            if (e.promises.broken & v.e.broken & (1u << k)) {
                ns_fuzz_eval keep = e;
                cr_expect_eq(ns_fuzz_classify(&t, &row, &keep, (ns_kind)k), v.cause[k], "%s %s: cause of %s",
                             rows[r].alg, rows[r].policy, ns_kind_name((ns_kind)k));
            }
        ns_row_free(&row);
        ns_fuzz_target_free(&t);
    }
}
