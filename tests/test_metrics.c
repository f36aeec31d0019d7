/* analysis/metrics: every number checked against a hand-derived value (the
 * derivation is in the comment of each test). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "../analysis/error.h"
#include "../analysis/metrics.h"
#include "../normalizers/contract.h"
#include "testlib.h"

/* In fp16 (p = 11) the ulp of a value in [1/2, 1) is 2^-1 * 2^-10 = 2^-11,
 * in [1/4, 1/2) it is 2^-12. */
Test(metrics, three_ulps_read_three_ulps_and_two_bits)
{
    double ref[3] = { 0.5, 0.25, 0.25 };
    double y[3] = { 0.5 + 3 * 0x1p-11, 0.25, 0.25 };
    double ulps[3];
    ns_metrics m;
    ns_metrics_outputs(&ns_fp16, 0, y, ref, NULL, 3, ulps, &m);
    cr_expect_eq(m.max_ulps, 3.0);
    cr_expect_eq(m.max_bits, 2.0);                 /* log2(1 + 3) */
    cr_expect_eq(m.worst, 0);
    cr_expect_eq(ulps[1], 0.0);
    cr_expect_float_eq(m.mean_bits, 2.0 / 3, 1e-15);
    cr_expect_eq(m.sum_err, 3 * 0x1p-11);           /* all values exact in binary64 */
    cr_expect_eq(m.normwise_err, 3 * 0x1p-11 / 0.5);
    cr_expect(!m.argmax_changed);
    cr_expect_eq(m.nan_count + m.inf_count + m.negatives + m.support_errors, 0);
    cr_expect(isnan(m.stability), "no kappa given: no stability");
}

/* A NaN or an infinity is not a number of bits: it is counted, and the
 * bits (and their mean) are those of the other outputs. */
Test(metrics, nan_is_counted_not_scored_as_bits)
{
    double ref[2] = { 0.75, 0.25 };
    double y[2] = { NAN, 0.25 + 3 * 0x1p-12 };      /* 3 ulps of fp16 at 1/4: 2 bits */
    ns_metrics m;
    ns_metrics_outputs(&ns_fp16, 0, y, ref, NULL, 2, NULL, &m);
    cr_expect(isinf(m.max_ulps));
    cr_expect_eq(m.max_bits, 2.0, "the finite output's bits, not the width of fp16");
    cr_expect_eq(m.mean_bits, 2.0);
    cr_expect_eq(m.nan_count, 1);
    cr_expect(m.argmax_changed);
    cr_expect(isnan(m.sum_err));
    double all_nan[2] = { NAN, NAN };
    ns_metrics_outputs(&ns_fp64, 0, all_nan, ref, NULL, 2, NULL, &m);
    cr_expect(isnan(m.max_bits), "no finite output: no bits, never 64");
    double yi[2] = { INFINITY, 0.25 };
    ns_metrics_outputs(&ns_fp16, 0, yi, ref, NULL, 2, NULL, &m);
    cr_expect_eq(m.inf_count, 1);
    cr_expect_eq(m.max_bits, 0.0);
}

/* A wrong finite output counts at most p bits (no correct bit), whatever
 * the width of the format: fp64 never reads above 53. */
Test(metrics, bits_stop_at_the_precision)
{
    cr_expect_eq(ns_error_bits(&ns_fp64, 0x1p60), 53.0);
    cr_expect_eq(ns_error_bits(&ns_fp16, 0x1p20), 11.0);
    cr_expect(isnan(ns_error_bits(&ns_fp16, INFINITY)));
}

/* The mean is over the same outputs as the maximum: never above it. */
Test(metrics, mean_never_exceeds_max)
{
    double ref[4] = { 0.5, 0.25, 0.125, 0.125 };
    double y[4] = { 0.5 + 0x1p-11, NAN, INFINITY, 0.125 };
    ns_metrics m;
    ns_metrics_outputs(&ns_fp16, 0, y, ref, NULL, 4, NULL, &m);
    cr_expect_eq(m.max_bits, 1.0);                  /* log2(1 + 1) */
    cr_expect_eq(m.mean_bits, 0.5, "(1 + 0) / 2 over the finite outputs");
    cr_expect_leq(m.mean_bits, m.max_bits);
}

/* Log-probabilities are held to an absolute accuracy near 0 (floor 1, as
 * their contract says): y_ref = -2^-30 computed as 0 in fp32 is off by
 * 2^-30, which is 2^-30 / ulp_fp32(1) = 2^-30 / 2^-23 = 2^-7 ulps of 1,
 * log2(1 + 2^-7) bits; relative to y_ref it would be every bit. */
Test(metrics, log_probabilities_count_absolute_error_near_zero)
{
    double ref[2] = { -0x1p-30, -30 };
    double y[2] = { 0, -30 };
    ns_metrics m;
    ns_metrics_outputs(&ns_fp32, 1, y, ref, NULL, 2, NULL, &m);
    cr_expect_eq(m.max_ulps, 0x1p-7);
    cr_expect_float_eq(m.max_bits, log2(1 + 0x1p-7), 1e-15);
    ns_metrics_outputs(&ns_fp32, 0, y, ref, NULL, 2, NULL, &m);
    /* Relative to y_ref: 2^-30 / 2^-53 = 2^23 ulps, 23 bits of fp32's 24. */
    cr_expect_float_eq(m.max_bits, 23.0, 1e-6);
}

/* sparsemax([1, 0.5, -1]): sorted z = 1, 0.5, -1; k(z) is the largest k with
 * 1 + k z_k > sum_{j<=k} z_j: k = 1: 2 > 1 yes; k = 2: 2 > 1.5 yes;
 * k = 3: -2 > 0.5 no.  tau = (1 + 0.5 - 1) / 2 = 0.25, y = [0.75, 0.25, 0]. */
static const double sparse_x[3] = { 1, 0.5, -1 };
static const double sparse_y[3] = { 0.75, 0.25, 0 };

Test(metrics, wrong_sparsemax_support_is_flagged)
{
    ns_metrics m;
    double spurious[3] = { 0.75, 0.25, 0x1p-24 };       /* nonzero off the support */
    ns_metrics_outputs(&ns_fp16, 0, spurious, sparse_y, NULL, 3, NULL, &m);
    cr_expect_eq(m.support_errors, 1);
    double lost[3] = { 1, 0, 0 };                          /* the 0.25 is gone */
    ns_metrics_outputs(&ns_fp16, 0, lost, sparse_y, NULL, 3, NULL, &m);
    cr_expect_eq(m.support_errors, 1);
    cr_expect(!m.argmax_changed);
    ns_metrics_outputs(&ns_fp16, 0, sparse_y, sparse_y, NULL, 3, NULL, &m);
    cr_expect_eq(m.support_errors, 0);
    /* A reference below half the smallest fp16 subnormal rounds to 0 there:
     * an output of 0 is then right. */
    double tiny_ref[2] = { 1 - 0x1p-30, 0x1p-30 }, tiny_y[2] = { 1, 0 };
    ns_metrics_outputs(&ns_fp16, 0, tiny_y, tiny_ref, NULL, 2, NULL, &m);
    cr_expect_eq(m.support_errors, 0);
}

Test(metrics, sparsemax_family_through_a_job)
{
    if (!ns_algorithm_find("sparsemax", NULL) || !ns_reference_find("sparsemax"))
        cr_skip_test("no sparsemax in this catalogue");
    ns_job job;
    cr_assert_eq(ns_job_init(&job, "sparsemax", ns_policy_find("fp64"), NS_SUM_SEQ), 0);
    ns_metrics_scratch s;
    ns_metrics_scratch_init(&s);
    ns_metrics m;
    cr_assert_eq(ns_metrics_eval(&job, sparse_x, NULL, 3, 0, &s, &m), 0);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(s.y_ref[i], sparse_y[i], "reference %d: %a", i, s.y_ref[i]);
    cr_expect_eq(m.support_errors, 0);
    ns_metrics_scratch_free(&s);
    ns_job_free(&job);
}

Test(metrics, negatives_and_argmax)
{
    double ref[2] = { 0.4, 0.6 }, y[2] = { 0.6, 0.4 }, neg[2] = { -0x1p-24, 1 };
    ns_metrics m;
    ns_metrics_outputs(&ns_fp16, 0, y, ref, NULL, 2, NULL, &m);
    cr_expect(m.argmax_changed);
    ns_metrics_outputs(&ns_fp16, 0, neg, ref, NULL, 2, NULL, &m);
    cr_expect_eq(m.negatives, 1);
    /* Ties in the reference: either maximum is right. */
    double tie[2] = { 0.5, 0.5 }, first[2] = { 0.5, 0.25 }, second[2] = { 0.25, 0.5 };
    ns_metrics_outputs(&ns_fp16, 0, first, tie, NULL, 2, NULL, &m);
    cr_expect(!m.argmax_changed);
    ns_metrics_outputs(&ns_fp16, 0, second, tie, NULL, 2, NULL, &m);
    cr_expect(!m.argmax_changed);
}

/* 3 ulps on a component with kappa_0 = 1: stability 3 / (1 + 1). */
Test(metrics, stability_is_ulps_over_one_plus_kappa)
{
    double ref[3] = { 0.5, 0.25, 0.25 }, y[3] = { 0.5 + 3 * 0x1p-11, 0.25, 0.25 };
    double kappa[3] = { 1, 0, 0 };
    ns_metrics m;
    ns_metrics_outputs(&ns_fp16, 0, y, ref, kappa, 3, NULL, &m);
    cr_expect_eq(m.stability, 1.5);
}

/* softmax: J_ij = y_i (delta_ij - y_j), so kappa_i = sum_j |delta_ij - y_j| |x_j|.
 * For x = [a, 0]: kappa_0 = (1 - y_0) |a|, kappa_1 = y_0 |a|, y_0 = 1 / (1 + e^-a)
 * = (1 + tanh(a/2)) / 2. */
Test(metrics, kappa_of_softmax_matches_the_closed_form)
{
    ns_metrics_scratch s;
    ns_metrics_scratch_init(&s);
    const ns_family *fam;
    cr_assert(ns_algorithm_find("softmax.shifted", &fam));
    double x[2] = { 2, 0 }, y[2] = { (1 + tanh(1.0)) / 2, (1 - tanh(1.0)) / 2 }, k[2];
    cr_assert_eq(ns_metrics_kappa(fam, NULL, x, y, 2, &s, k), 1, "exact for n = 2");
    cr_expect_float_eq(k[0], 2 * y[1], 1e-14, "%a", k[0]);
    cr_expect_float_eq(k[1], 2 * y[0], 1e-14, "%a", k[1]);

    /* x = [1, 2, 3, -inf]: y from long double exponentials, kappa_i as above;
     * the masked entry cannot be perturbed and counts nothing. */
    double x4[4] = { 1, 2, 3, -INFINITY }, y4[4], k4[4];
    long double e[3] = { expl(1.0L), expl(2.0L), expl(3.0L) }, sum = e[0] + e[1] + e[2];
    for (int i = 0; i < 3; i++)
        y4[i] = (double)(e[i] / sum);
    y4[3] = 0;
    cr_assert_eq(ns_metrics_kappa(fam, NULL, x4, y4, 4, &s, k4), 1);
    for (int i = 0; i < 3; i++) {
        double want = 0;
        for (int j = 0; j < 3; j++)
            want += fabs((i == j) - y4[j]) * fabs(x4[j]);
        cr_expect_float_eq(k4[i], want, 1e-13, "kappa_%d %a, closed form %a", i, k4[i], want);
    }
    cr_expect_eq(k4[3], 0.0, "a zero output with zero derivatives");
    ns_metrics_scratch_free(&s);
}

/* Beyond NS_KAPPA_EXACT_MAX_N the rows are sampled: the result is a lower
 * bound of the closed form, attained at least at the largest |x_i| (always
 * sampled). */
Test(metrics, sampled_kappa_is_a_lower_bound)
{
    enum { N = 100 };
    ns_metrics_scratch s;
    ns_metrics_scratch_init(&s);
    const ns_family *fam;
    cr_assert(ns_algorithm_find("softmax.shifted", &fam));
    double x[N], y[N], k[N];
    long double e[N], sum = 0;
    for (int i = 0; i < N; i++) {
        x[i] = (i % 7) - 3.25 + i / 64.0;
        e[i] = expl((long double)x[i]);
        sum += e[i];
    }
    for (int i = 0; i < N; i++)
        y[i] = (double)(e[i] / sum);
    cr_assert_eq(ns_metrics_kappa(fam, NULL, x, y, N, &s, k), 0, "sampled beyond %d", NS_KAPPA_EXACT_MAX_N);
    double exact_max = 0, at_xmax = 0, got_max = 0, xmax = 0;
    for (int i = 0; i < N; i++) {
        double want = 0;
        for (int j = 0; j < N; j++)
            want += fabs((i == j) - y[j]) * fabs(x[j]);
        if (want > exact_max)
            exact_max = want;
        if (fabs(x[i]) > xmax) {
            xmax = fabs(x[i]);
            at_xmax = want;
        }
        if (k[i] > got_max)
            got_max = k[i];
    }
    cr_expect_leq(got_max, exact_max * (1 + 1e-12));
    cr_expect_geq(got_max, at_xmax * (1 - 1e-12));
    ns_metrics_scratch_free(&s);
}

static void eval(const char *alg, const char *policy, const double *x, const double *g, size_t n,
                 ns_metrics_scratch *s, ns_metrics *m)
{
    ns_job job;
    cr_assert_eq(ns_job_init(&job, alg, ns_policy_find(policy), NS_SUM_SEQ), 0);
    cr_assert_eq(ns_metrics_eval(&job, x, g, n, NS_METRICS_KAPPA, s, m), 0);
    ns_job_free(&job);
}

/* softmax.naive in fp16 (sums in fp16, smallest normal 2^-14):
 * e^12 = 162754.8 > 65504 overflows: inf / inf = NaN, the sum is infinite;
 * e^-17 = 4.14e-8 rounds to 2^-24 (the nearest multiple of 2^-24): the sum
 * 2^-23 is subnormal, each output 1/2 exact;
 * e^-20 = 2.06e-9 rounds to 0: the sum is 0, 0 / 0 = NaN. */
Test(metrics, denominators_are_classified_in_the_accumulator_format)
{
    ns_metrics_scratch s;
    ns_metrics_scratch_init(&s);
    ns_metrics m;
    double big[2] = { 12, 12 }, small[2] = { -17, -17 }, tiny[2] = { -20, -20 };
    eval("softmax.naive", "fp16", big, NULL, 2, &s, &m);
    cr_expect_eq(m.denominator_class, NS_DEN_NONFINITE);
    cr_expect_eq(m.nan_count, 2);
    eval("softmax.naive", "fp16", small, NULL, 2, &s, &m);
    cr_expect_eq(m.denominator_class, NS_DEN_SUBNORMAL);
    cr_expect_eq(m.min_denominator, 0x1p-23);
    cr_expect_eq(m.min_denominator_rel, 0x1p-9);      /* 2^-23 / 2^-14 */
    cr_expect_eq(m.max_ulps, 0.0);
    eval("softmax.naive", "fp16", tiny, NULL, 2, &s, &m);
    cr_expect_eq(m.denominator_class, NS_DEN_ZERO);
    cr_expect_eq(m.nan_count, 2);
    /* In fp16-acc32 the sum of 2^-24 + 2^-24 is a normal fp32 number. */
    eval("softmax.naive", "fp16-acc32", small, NULL, 2, &s, &m);
    cr_expect_eq(m.denominator_class, NS_DEN_NORMAL);
    ns_metrics_scratch_free(&s);
}

/* softmax at x = [0, 0] is [1/2, 1/2]; with g = [1, -1], <g, y> = 0 and
 * dx = y . g = [1/2, -1/2]: ||dx|| / ||g|| = (1/sqrt 2) / sqrt 2 = 1/2, exact
 * in fp64. */
Test(metrics, gradient_gain_and_error)
{
    ns_metrics_scratch s;
    ns_metrics_scratch_init(&s);
    ns_metrics m;
    double x[2] = { 0, 0 }, g[2] = { 1, -1 };
    eval("softmax.shifted", "fp64", x, g, 2, &s, &m);
    cr_assert(m.has_grad);
    cr_expect_eq(m.grad_gain, 0.5);
    cr_expect_eq(m.grad_gain_ref, 0.5);
    cr_expect_eq(m.grad_max_bits, 0.0);
    cr_expect_eq(s.dx[0], 0.5);
    cr_expect_eq(s.dx_ref[1], -0.5);
    /* kappa of a uniform row at 0 is 0: stability is plain ulps. */
    cr_expect_eq(m.kappa, 0.0);
    cr_expect(m.kappa_exact);
    ns_metrics_scratch_free(&s);
}

/* The reference is evaluated once for policies sharing an input format. */
Test(metrics, reference_is_shared_by_policies_with_one_input_format)
{
    ns_metrics_scratch s;
    ns_metrics_scratch_init(&s);
    ns_metrics m;
    double x[4] = { 0.1, 0.25, 0.5, 0.75 }, g[4] = { 1, 0, 0, 0 };   /* only 0.1 is inexact */
    ns_job job;
    const char *pols[] = { "fp16", "fp16-acc32", "fp16-io" };
    for (int p = 0; p < 3; p++) {
        cr_assert_eq(ns_job_init(&job, "softmax.lse", ns_policy_find(pols[p]), NS_SUM_PAIRWISE), 0);
        cr_assert_eq(ns_metrics_eval(&job, x, g, 4, 0, &s, &m), 0);
        ns_job_free(&job);
    }
    cr_expect_eq(s.ref_evals, 1);
    cr_assert_eq(ns_job_init(&job, "softmax.lse", ns_policy_find("bf16"), NS_SUM_SEQ), 0);
    cr_assert_eq(ns_metrics_eval(&job, x, g, 4, 0, &s, &m), 0);
    ns_job_free(&job);
    cr_expect_eq(s.ref_evals, 2, "bf16 rounds the inputs differently");
    /* The rounding of the inputs is shown, not charged: 0.1 in bf16 is
     * 0x1.9ap-4, |0x1.9ap-4 - 0.1| / 0.1 = 0.0009765625 (0.1 = 0x1.999999999999ap-4). */
    cr_expect_float_eq(m.input_rounding, fabs(0x1.9ap-4 - 0.1) / 0.1, 1e-6);
    ns_metrics_scratch_free(&s);
}

/* A NaN input leaves the reference undefined: nothing is charged. */
Test(metrics, undefined_reference)
{
    ns_metrics_scratch s;
    ns_metrics_scratch_init(&s);
    ns_metrics m;
    double x[2] = { NAN, 0 };
    eval("softmax.shifted", "fp32", x, NULL, 2, &s, &m);
    cr_expect(!m.defined);
    ns_metrics_scratch_free(&s);
}

/* A masked entry of logsoftmax is -inf in the reference too: not an
 * infinite output where the reference is finite. */
Test(metrics, infinite_reference_is_no_inf_finding)
{
    double ref[2] = { 0, -INFINITY }, y[2] = { 0, -INFINITY };
    ns_metrics m;
    ns_metrics_outputs(&ns_fp16, 0, y, ref, NULL, 2, NULL, &m);
    cr_expect_eq(m.inf_count, 0);
    cr_expect_eq(m.max_ulps, 0.0);
    /* A reference beyond the format's range rounds to inf there: inf is right. */
    double big_ref[1] = { 1e6 }, big_y[1] = { INFINITY };
    ns_metrics_outputs(&ns_fp16, 0, big_y, big_ref, NULL, 1, NULL, &m);
    cr_expect_eq(m.inf_count, 0);
    cr_expect_eq(m.max_ulps, 0.0);
    double fin_ref[1] = { 1e4 };
    ns_metrics_outputs(&ns_fp16, 0, big_y, fin_ref, NULL, 1, NULL, &m);
    cr_expect_eq(m.inf_count, 1);
}
