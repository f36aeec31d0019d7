/* sparsemax: the Euclidean projection of x onto the probability simplex,
 * y_i = max(x_i - tau, 0) with tau such that sum y = 1 (Martins & Astudillo,
 * "From softmax to sparsemax", ICML 2016).  Backward: on the support S,
 * dx_i = g_i - (1/|S|) sum_{j in S} g_j; off it dx_i = 0.
 *
 * One algorithm: the paper's Algorithm 1 (sort, cumulative sums, support
 * size, threshold), preceded by the shift by the maximum that the authors'
 * code applies (deep-spin/entmax, SparsemaxFunction: "same numerical
 * stability trick as for softmax").  The shift is part of the textbook
 * algorithm as kernels write it, and it decides what happens to large
 * logits.  Unshifted, the support test 1 + k z_(k) > sum_{j<=k} z_(j) fails
 * already at k = 1 once 1 + z_(1) rounds to z_(1) (logits of 2^24 and more
 * in fp32, 2^11 in fp16, 2^53 in fp64): no k qualifies and the paper's
 * maximum over an empty set leaves tau undefined.  Shifted, z_(1) = 0 and
 * k = 1 always qualifies (1 > 0 in every format), so the support is never
 * empty; what is left are the roundings of the shift, of k z_(k) and of the
 * sums, which can misjudge entries near the threshold and make sum y differ
 * from 1 by a few ulps of the sum. */
#include "catalogue.h"
#include "contract.h"
#include "sort.h"

static const ns_contract sparsemax_contract = {
    .summary = "sort-based projection onto the simplex, shifted by the maximum",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = NS_THRESHOLD_PROMISES(4),
    .hazards = (const ns_hazard[]){
        NS_HAZARD_ALL_MASKED,
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_OVERFLOW,
                  "the shift x_i - max x overflows when the row spans more than the format's "
                  "range (fp16: 65504 - (-65504) = inf)"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_UNDERFLOW,
                  "subnormal differences x_i - tau have lost their precision"),
        NS_HAZARD(NS_KIND_ERROR, NS_CAUSE_ANY,
                  "the support test 1 + k z_(k) > sum_{j<=k} z_(j) compares rounded cumulative "
                  "sums, whose errors grow like k u |sum|: entries near the threshold are "
                  "misjudged, and in low precision long rows even far from it (bf16: 200 logits "
                  "at -12 and one at 0 keep every entry, sum y = 11.7)"),
        NS_HAZARD(NS_KIND_SUM, NS_CAUSE_ANY,
                  "a misjudged support leaves weights that no longer sum to one"),
        NS_HAZARD(NS_KIND_GRADIENT, NS_CAUSE_ANY,
                  "the backward pass reads the support from the stored y: an entry misjudged at "
                  "the threshold changes the support and with it every dx_i"),
        NS_END_HAZARDS,
    },
};

static void sparsemax_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    double m = ns_max(op, x, n);
    if (!isfinite(m)) {
        /* NaN in x, +inf in x, or every entry masked: x_i - m is NaN at the
         * maximum (inf - inf, -inf - -inf), the cumulative sums carry it to
         * tau and tau to every output. */
        for (size_t i = 0; i < n; i++)
            y[i] = NAN;
        return;
    }
    double *z = op->work;                    /* the shifted logits, sorted */
    for (size_t i = 0; i < n; i++)
        z[i] = y[i] = ns_sub(op, x[i], m);
    ns_sort_descending(z, n);

    /* Support size: the largest k with 1 + k z_(k) > s_k, s_k the cumulative
     * sum (a running sum, sequential by construction as a cumsum is). */
    size_t k = 1;
    double s = 0.0;
    for (size_t j = 0; j < n; j++) {
        s = ns_acc_add(op, s, z[j]);
        if (ns_add(op, 1.0, ns_mul(op, ns_const(op, (double)(j + 1)), z[j])) > s)
            k = j + 1;
    }

    /* tau = (s_k - 1) / k, the sum taken again over the support in the
     * summation order (for seq the same number as the running s_k). */
    double kk = ns_denominator(op, ns_const(op, (double)k));
    double tau = ns_div(op, ns_sub(op, ns_sum(op, z, k), 1.0), kk);
    for (size_t i = 0; i < n; i++) {
        double v = ns_sub(op, y[i], tau);
        y[i] = v > 0 ? v : 0.0;
    }
}

/* As the authors' SparsemaxFunction.backward: g is zeroed off the support
 * (y == 0), summed over the whole row, divided by the support size.  The
 * support is read from the stored y, as the only record of the forward. */
static void sparsemax_backward(const ns_ops *op, const double *x, const double *y,
                               const double *g, double *dx, size_t n)
{
    (void)x;
    double *g_support = op->work;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int on = y[i] != 0;                  /* a NaN output counts as support */
        g_support[i] = on ? g[i] : 0.0;
        k += (size_t)on;
    }
    double kk = ns_denominator(op, ns_const(op, (double)k));
    double mean = ns_div(op, ns_sum(op, g_support, n), kk);
    for (size_t i = 0; i < n; i++)
        dx[i] = y[i] != 0 ? ns_sub(op, g[i], mean) : 0.0;
}

const ns_family ns_family_sparsemax = {
    .name = "sparsemax",
    .definition = "y = argmin_{p in simplex} |p - x|^2 = max(x - tau, 0); dx = g - mean_S g on the support S, 0 off it",
    .order = 140,
    .algorithms = (const ns_algorithm[]){
        { .name = "sparsemax", .summary = "sort, cumulative sums, support size, threshold (shifted by the max)",
          .forward = sparsemax_forward, .backward = sparsemax_backward,
          .contract = &sparsemax_contract },
        NS_END_ALGORITHMS,
    },
};
