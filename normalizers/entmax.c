/* entmax: y_i = [(alpha - 1) x_i - tau]_+^{1/(alpha - 1)} with tau such that
 * sum y = 1 (Peters, Niculae & Martins, "Sparse sequence-to-sequence models",
 * ACL 2019); alpha = 2 is sparsemax, alpha -> 1 tends to softmax.
 * Backward, with h = y^{2 - alpha} on the support and 0 off it:
 * dx = h . g - (<h, g> / sum h) h.
 *
 * Both algorithms are written as the authors' code writes them
 * (deep-spin/entmax: Tsallis15Function in entmax/activations.py,
 * EntmaxBisectFunction in entmax/root_finding.py). */
#include "catalogue.h"
#include "contract.h"
#include "sort.h"
#include "steps.h"

static const ns_contract entmax15_contract = {
    .summary = "exact sort-based 1.5-entmax",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = NS_THRESHOLD_PROMISES(8),
    .hazards = (const ns_hazard[]){
        NS_HAZARD_LONG_ROW_SUM,
        NS_HAZARD_ALL_MASKED,
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_OVERFLOW,
                  "the shift and the sums of squares of the sorted logits overflow for large "
                  "rows in low precision"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_UNDERFLOW,
                  "squares of small differences underflow and lose their precision"),
        NS_HAZARD(NS_KIND_SUM, NS_CAUSE_ANY,
                  "the support is decided by comparing rounded thresholds tau_k with the sorted "
                  "logits: a misjudged entry near the threshold, and delta_k clamped at 0 (as "
                  "the authors' code does), leave a sum off one"),
        NS_HAZARD(NS_KIND_ERROR, NS_CAUSE_ANY,
                  "the support and the threshold come from rounded running sums of the sorted "
                  "logits and of their squares, which cancel in delta_k = (1 - ss_k) / k: entries "
                  "near the threshold are misjudged and tau carries errors beyond kappa u"),
        NS_HAZARD(NS_KIND_GRADIENT, NS_CAUSE_ANY,
                  "the backward pass reads the support from the stored y and cancels in "
                  "h g - (<h, g> / sum h) h"),
        NS_END_HAZARDS,
    },
};

static const ns_contract entmax_bisect_contract = {
    .summary = "bisection on tau: stalls at the format's spacing for large logits",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = NS_THRESHOLD_PROMISES(4),
    .hazards = (const ns_hazard[]){
        NS_HAZARD_LONG_ROW_SUM,
        NS_HAZARD_ALL_MASKED,
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_LARGE_LOGITS,
                  "the bisection step can only shrink to the spacing of the format at tau, the "
                  "size of max z: at large logits tau_lo + dm rounds back to tau_lo and tau "
                  "stays a whole spacing from the root (normalizers/entmax.c)"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_ZERO_DENOMINATOR,
                  "when the stalled tau lies above every z, every p_i is 0 and the final "
                  "division by sum p (ensure_sum_one) is 0 / 0"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_OVERFLOW,
                  "z = (alpha - 1) x, the bracket and the mass overflow for large rows"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_UNDERFLOW,
                  "powers [z - tau]^(1/(alpha-1)) of small differences underflow"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_SUBNORMAL_DENOMINATOR,
                  "a subnormal mass has lost its relative precision"),
        NS_HAZARD(NS_KIND_ERROR, NS_CAUSE_ANY,
                  "after a fixed number of halvings the bracket is as wide as the rounding of "
                  "tau allows, not the root itself: errors beyond kappa u"),
        NS_HAZARD(NS_KIND_SUM, NS_CAUSE_ANY,
                  "the division by the rounded mass leaves a sum off one"),
        NS_HAZARD(NS_KIND_GRADIENT, NS_CAUSE_ANY,
                  "the backward pass reads the support from the stored y and cancels in "
                  "h g - (<h, g> / sum h) h"),
        NS_END_HAZARDS,
    },
};

enum { ALPHA, ITERATIONS };      /* op->param[], in the declared order */

static void fill_nan(double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = NAN;
}

/* dx = h . g - (sum(h . g) / sum h) h, with h already in work[0..n): the
 * backward both algorithms share, in the order the authors' code runs it
 * (the products h_i g_i are rounded, then summed). */
static void entmax_backward_from_h(const ns_ops *op, const double *h, const double *g,
                                   double *dx, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = ns_mul(op, g[i], h[i]);
    double q = ns_div(op, ns_sum(op, dx, n), ns_denominator(op, ns_sum(op, h, n)));
    for (size_t i = 0; i < n; i++)
        dx[i] = ns_sub(op, dx[i], ns_mul(op, q, h[i]));
}

/* ---- entmax15: the exact sort-based algorithm for alpha = 1.5 ----
 *
 * With z = (x - max x) / 2 sorted descending, a support of the k largest
 * entries has threshold tau_k = mean_k - sqrt(delta_k), the larger root of
 * sum_{j<=k} (z_(j) - tau)^2 = 1, where delta_k = (1 - ss_k) / k and
 * ss_k = k (mean of squares - square of mean).  The support size is the
 * number of k with tau_k <= z_(k) (the authors count them; their code notes
 * that clamping delta at 0 "is not exactly the same as in reference algo").
 *
 * The algorithm exists for alpha = 1.5 only.  For any other alpha it does
 * not compute the family's function, so rather than return entmax at 1.5
 * under another name it returns NaN, forward and backward: outside its
 * domain, and visibly so. */

static int alpha_is_15(const ns_ops *op) { return op->param[ALPHA] == 1.5; }

/* tau_k from the sums s1 = sum z, s2 = sum z^2 of the k largest entries. */
static double entmax15_threshold(const ns_ops *op, double s1, double s2, size_t k)
{
    double rho = ns_const(op, (double)k);
    double mean = ns_div(op, s1, rho), mean_sq = ns_div(op, s2, rho);
    double ss = ns_mul(op, rho, ns_sub(op, mean_sq, ns_mul(op, mean, mean)));
    double delta = ns_div(op, ns_sub(op, 1.0, ss), rho);
    if (delta < 0)                           /* clamp(delta, 0): a NaN stays NaN */
        delta = 0.0;
    return ns_sub(op, mean, ns_sqrt(op, delta));
}

static void entmax15_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    double m = ns_max(op, x, n);
    if (!alpha_is_15(op) || !isfinite(m)) {
        /* Outside the domain (see above); or NaN/+inf in x or every entry
         * masked, where x_i - m is NaN at the maximum and tau with it. */
        fill_nan(y, n);
        return;
    }
    double *z = op->work, *z2 = op->work + n;
    for (size_t i = 0; i < n; i++)
        z[i] = y[i] = ns_div(op, ns_sub(op, x[i], m), 2.0);
    ns_sort_descending(z, n);
    for (size_t j = 0; j < n; j++)
        z2[j] = ns_mul(op, z[j], z[j]);

    /* Cumulative sums are running sums (sequential by construction).  A
     * masked entry makes them -inf and inf, tau_k NaN, and the test false. */
    size_t k = 0;
    double s1 = 0.0, s2 = 0.0;
    for (size_t j = 0; j < n; j++) {
        s1 = ns_acc_add(op, s1, z[j]);
        s2 = ns_acc_add(op, s2, z2[j]);
        if (entmax15_threshold(op, s1, s2, j + 1) <= z[j])
            k++;
    }
    /* k >= 1: at k = 1, z_(1) = 0 and tau_1 = -1.  The threshold's sums are
     * taken again over the support in the summation order (for seq the same
     * numbers as the running sums). */
    ns_denominator(op, ns_const(op, (double)k));
    double tau = entmax15_threshold(op, ns_sum(op, z, k), ns_sum(op, z2, k), k);
    for (size_t i = 0; i < n; i++) {
        double v = ns_sub(op, y[i], tau);
        if (v < 0)
            v = 0.0;
        y[i] = ns_mul(op, v, v);
    }
}

/* h = y^{1/2}. */
static void entmax15_backward(const ns_ops *op, const double *x, const double *y,
                              const double *g, double *dx, size_t n)
{
    (void)x;
    if (!alpha_is_15(op)) {
        fill_nan(dx, n);
        return;
    }
    double *h = op->work;
    for (size_t i = 0; i < n; i++)
        h[i] = ns_sqrt(op, y[i]);
    entmax_backward_from_h(op, h, g, dx, n);
}

/* ---- entmax.bisect: bisection on tau, for any alpha ----
 *
 * With z = (alpha - 1) x and p(tau)_i = [z_i - tau]_+^{1/(alpha - 1)}, the
 * mass sum p(tau) falls from >= 1 at tau_lo = max z - 1 to <= 1 at
 * tau_hi = max z - (1/n)^{alpha - 1}.  Each iteration halves the step dm and
 * moves tau_lo to tau_lo + dm when f = sum p - 1 has there the sign that
 * f(tau_lo) had at the start (the product f_m f_lo is tested, as the
 * authors do: it can underflow to 0, which counts as the same sign).  The
 * result is the p of the last iteration divided by its sum
 * (ensure_sum_one, on by default in the authors' code); with 0 iterations,
 * p at the first tau_lo.
 *
 * The step can only shrink to the spacing of the format at tau, whose size
 * is that of max z: at large logits in low precision tau_lo + dm rounds
 * back to tau_lo and tau stays a whole spacing away from the root
 * (tests/test_entmax.c shows it in fp16).
 *
 * Iterations beyond 4096 change nothing: dm, halved in a format no wider
 * than binary64, is 0 after at most 2099 halvings, after which every
 * iteration repeats the last (for an infinite or NaN dm, after two); so the
 * count is capped there, which keeps a huge --param iterations from
 * hanging. */
#define BISECT_ITERATIONS_CAP 4096

static long bisect_iterations(const ns_ops *op)
{
    double it = op->param[ITERATIONS];
    if (!(it > 0))
        return 0;
    return it >= BISECT_ITERATIONS_CAP ? BISECT_ITERATIONS_CAP : (long)it;
}

/* p = [z - tau]_+^e; returns sum p - 1, in the accumulator. */
static double bisect_mass(const ns_ops *op, const double *z, double tau, double e,
                          double *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double v = ns_sub(op, z[i], tau);
        if (v < 0)                           /* clamp(v, min = 0): NaN stays */
            v = 0.0;
        p[i] = ns_pow(op, v, e);
    }
    return ns_acc_add(op, ns_sum(op, p, n), -1.0);
}

static void entmax_bisect_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    double alpha = ns_const(op, op->param[ALPHA]);
    double am1 = ns_sub(op, alpha, 1.0), e = ns_div(op, 1.0, am1);
    double *z = op->work;
    for (size_t i = 0; i < n; i++)
        z[i] = ns_mul(op, x[i], am1);
    double m = ns_max(op, z, n);
    double tau_lo = ns_sub(op, m, 1.0);      /* m - 1^{alpha - 1} */
    double tau_hi = ns_sub(op, m, ns_pow(op, ns_const(op, 1.0 / (double)n), am1));
    double f_lo = bisect_mass(op, z, tau_lo, e, y, n);
    double dm = ns_sub(op, tau_hi, tau_lo);
    for (long it = bisect_iterations(op); it > 0; it--) {
        dm = ns_div(op, dm, 2.0);
        double tau_m = ns_add(op, tau_lo, dm);
        double f_m = bisect_mass(op, z, tau_m, e, y, n);
        if (ns_acc_mul(op, f_m, f_lo) >= 0)
            tau_lo = tau_m;
    }
    ns_divide_by_sum(op, y, n);
}

/* h = y^{2 - alpha} where y > 0, else 0. */
static void entmax_bisect_backward(const ns_ops *op, const double *x, const double *y,
                                   const double *g, double *dx, size_t n)
{
    (void)x;
    double e = ns_sub(op, 2.0, ns_const(op, op->param[ALPHA]));
    double *h = op->work;
    for (size_t i = 0; i < n; i++)
        h[i] = y[i] > 0 ? ns_pow(op, y[i], e) : 0.0;
    entmax_backward_from_h(op, h, g, dx, n);
}

const ns_family ns_family_entmax = {
    .name = "entmax",
    .definition = "y_i = [(alpha-1) x_i - tau]_+^{1/(alpha-1)}, sum y = 1; h = y^{2-alpha}: dx = h.g - (<h,g>/sum h) h",
    .order = 150,
    .algorithms = (const ns_algorithm[]){
        { .name = "entmax15", .summary = "exact sort-based threshold for alpha = 1.5 (NaN for any other alpha)",
          .forward = entmax15_forward, .backward = entmax15_backward,
          .contract = &entmax15_contract },
        { .name = "entmax.bisect", .summary = "bisection on the threshold tau, then division by the sum",
          .forward = entmax_bisect_forward, .backward = entmax_bisect_backward,
          .contract = &entmax_bisect_contract },
        NS_END_ALGORITHMS,
    },
    .params = { { "alpha", 1.5, "entmax exponent (2 is sparsemax; entmax15 needs 1.5)" },
                { "iterations", 50, "bisection steps of entmax.bisect" } },
};
