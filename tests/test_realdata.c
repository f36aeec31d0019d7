/* The real logits of data/ (2,500 LeNet/MNIST rows of 10) reproduce the
 * counts and the picture of Blanchard, D. J. Higham & N. J. Higham (IMA J.
 * Numer. Anal. 2021) and of their published test code
 * (logsumexp-softmax-tests, chop_test_softmax.m): in fp16 the unshifted sum
 * of exponentials overflows on 475 rows, the shifted one on none; in
 * bfloat16 nothing overflows; the shifted and unshifted softmax are about
 * equally accurate, the division-free one less accurate and its outputs
 * further from summing to one. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/metrics.h"
#include "testlib.h"

#define ROWS 2500
#define COLS 10

static double data[ROWS][COLS];

/* A plain reader for the file's format: '#' comments, rows of 10 hex floats. */
static void load(void)
{
    FILE *f = fopen("data/lenet-mnist-presoftmax.txt", "r");
    cr_assert(f, "data/lenet-mnist-presoftmax.txt not found (run the tests from the repository root)");
    char line[4096];
    size_t r = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        cr_assert(r < ROWS, "more than %d rows", ROWS);
        char *p = line, *end;
        for (int c = 0; c < COLS; c++, p = end) {
            data[r][c] = strtod(p, &end);
            cr_assert(end != p, "row %zu column %d", r + 1, c);
        }
        r++;
    }
    fclose(f);
    cr_assert_eq(r, ROWS);
}

typedef struct stats {
    size_t overflow;             /* rows whose sum of exponentials is infinite */
    size_t rows;                 /* the others */
    double err_u, sum_dev;       /* means over them: normwise error / u, |sum y - 1| */
} stats;

static stats run(const char *alg, const char *policy, ns_metrics_scratch *s)
{
    stats st = { 0, 0, 0, 0 };
    ns_job job;
    cr_assert_eq(ns_job_init(&job, alg, ns_policy_find(policy), NS_SUM_SEQ), 0);
    for (size_t r = 0; r < ROWS; r++) {
        ns_metrics m;
        cr_assert_eq(ns_metrics_eval(&job, data[r], NULL, COLS, 0, s, &m), 0);
        if (m.denominator_class == NS_DEN_NONFINITE) {
            st.overflow++;
            continue;
        }
        cr_assert_eq(m.nan_count + m.inf_count, 0, "%s %s row %zu", alg, policy, r + 1);
        st.rows++;
        st.err_u += m.normwise_err / m.u;
        st.sum_dev += fabs(m.sum - 1);
    }
    ns_job_free(&job);
    st.err_u /= (double)st.rows;
    st.sum_dev /= (double)st.rows;
    return st;
}

Test(realdata, the_published_counts_and_picture, .timeout = 60)
{
    load();
    ns_metrics_scratch s;
    ns_metrics_scratch_init(&s);
    static const char *const pols[] = { "fp16", "bf16" };
    for (int p = 0; p < 2; p++) {
        stats naive = run("softmax.naive", pols[p], &s);
        stats shifted = run("softmax.shifted", pols[p], &s);
        stats lse = run("softmax.lse", pols[p], &s);
        cr_expect_eq(naive.overflow, p == 0 ? 475u : 0u, "%s: unshifted overflows on %zu rows", pols[p],
                     naive.overflow);
        cr_expect_eq(shifted.overflow, 0);
        cr_expect_eq(lse.overflow, 0);
        /* About equally accurate: within a factor 2 of each other, both
         * about one unit roundoff. */
        cr_expect_lt(shifted.err_u, 2 * naive.err_u, "%s: shifted %g, naive %g", pols[p], shifted.err_u, naive.err_u);
        cr_expect_lt(naive.err_u, 2 * shifted.err_u, "%s: naive %g, shifted %g", pols[p], naive.err_u, shifted.err_u);
        cr_expect_lt(shifted.err_u, 2.0);
        /* Division-free: less accurate, sums further from one. */
        cr_expect_gt(lse.err_u, 2 * shifted.err_u, "%s: lse %g, shifted %g", pols[p], lse.err_u, shifted.err_u);
        cr_expect_gt(lse.sum_dev, 2 * shifted.sum_dev, "%s: lse %g, shifted %g", pols[p], lse.sum_dev,
                     shifted.sum_dev);
    }
    ns_metrics_scratch_free(&s);
}
