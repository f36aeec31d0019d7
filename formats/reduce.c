/* Reductions of an algorithm's values: the maximum, sums and dot products,
 * in the policy's accumulator format and summation order, each finished
 * value stored in the policy's total format (policy.h). */
#include "policy.h"

double ns_max(const ns_ops *op, const double *x, size_t n)
{
    double m = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]))
            return ns_total(op, x[i]);
        if (x[i] > m)
            m = x[i];
    }
    return ns_total(op, m);
}

/* One term of a sum: v[i], or a[i] * b[i] rounded into the accumulator. */
typedef struct terms {
    const double *a, *b;
} terms;

static inline double term(const ns_ops *op, const terms *t, size_t i)
{
    return t->b ? ns_fp_mul(op->acc, t->a[i], t->b[i]) : ns_round(op->acc, t->a[i]);
}

static double sum_seq(const ns_ops *op, const terms *t, size_t lo, size_t hi)
{
    double s = term(op, t, lo);
    for (size_t i = lo + 1; i < hi; i++)
        s = ns_acc_add(op, s, term(op, t, i));
    return s;
}

static double sum_pairwise(const ns_ops *op, const terms *t, size_t lo, size_t n)
{
    if (n == 1)
        return term(op, t, lo);
    size_t h = n / 2;
    return ns_acc_add(op, sum_pairwise(op, t, lo, h), sum_pairwise(op, t, lo + h, n - h));
}

static double sum_kahan(const ns_ops *op, const terms *t, size_t n)
{
    double s = term(op, t, 0), c = 0.0;
    for (size_t i = 1; i < n; i++) {
        double yk = ns_fp_sub(op->acc, term(op, t, i), c);
        double tk = ns_acc_add(op, s, yk);
        c = ns_fp_sub(op->acc, ns_fp_sub(op->acc, tk, s), yk);
        s = tk;
    }
    return s;
}

/* lanes:K.  Lane j holds s_j = t_j + t_{j+K} + ... (left to right); lane
 * j >= n is empty.  Halving the K lanes to m gives lane j (j < m) the value
 * L(j, m) = L(j, 2m) + L(j + m, 2m), with L(j, K) = s_j, so the result
 * L(0, 1) is this recursion: each term read once, no scratch, depth log2 K.
 * An empty lane adds nothing (no 0 + -0 turning a -0 sum into +0).
 * Returns false when every lane of the subtree is empty. */
static bool sum_lanes(const ns_ops *op, const terms *t, size_t n, size_t k, size_t j, size_t m,
                      double *s)
{
    if (j >= n)
        return false;
    if (m == k) {
        double v = term(op, t, j);
        for (size_t i = j + k; i < n; i += k)
            v = ns_acc_add(op, v, term(op, t, i));
        *s = v;
        return true;
    }
    double a, b;
    sum_lanes(op, t, n, k, j, 2 * m, &a);          /* lane j < n is never empty */
    *s = sum_lanes(op, t, n, k, j + m, 2 * m, &b) ? ns_acc_add(op, a, b) : a;
    return true;
}

/* blocked:B: each block of B left to right, then the block sums. */
static double sum_blocked(const ns_ops *op, const terms *t, size_t n, size_t b)
{
    double s = sum_seq(op, t, 0, n < b ? n : b);
    for (size_t lo = b; lo < n; lo += b)
        s = ns_acc_add(op, s, sum_seq(op, t, lo, n - lo < b ? n : lo + b));
    return s;
}

static double sum_terms(const ns_ops *op, const terms *t, size_t n)
{
    if (n == 0)
        return 0.0;
    size_t p = ns_sum_param(op->sum);
    switch (ns_sum_kind(op->sum)) {
    case NS_SUM_PAIRWISE:
        return sum_pairwise(op, t, 0, n);
    case NS_SUM_KAHAN:
        return sum_kahan(op, t, n);
    case NS_SUM_LANES: {
        double s;
        sum_lanes(op, t, n, p, 0, 1, &s);
        return s;
    }
    case NS_SUM_BLOCKED:
        return sum_blocked(op, t, n, p);
    case NS_SUM_SEQ:
    default:
        return sum_seq(op, t, 0, n);
    }
}

double ns_sum(const ns_ops *op, const double *v, size_t n)
{
    terms t = { v, NULL };
    return ns_total(op, sum_terms(op, &t, n));
}

double ns_dot(const ns_ops *op, const double *a, const double *b, size_t n)
{
    terms t = { a, b };
    return ns_total(op, sum_terms(op, &t, n));
}
