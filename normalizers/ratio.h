/* ratio(h): y_i = h(x_i) / S with S = sum_j h(x_j), and its backward pass
 * dx_j = h'(x_j) / S * (g_j - <g, y>) (SPEC section 3), as kernels write
 * them: h elementwise, one sum in the summation order, one division per
 * weight.  A family supplies h and h' as ns_ops functions.
 *
 * No guard for S = 0 (relu on a non-positive row, spherical at x = 0):
 * the textbook kernel divides 0 by 0 and returns NaN there, which the
 * analysis reports against the reference's zeros.
 *
 * First-order error of the forward pass in a single-format policy, for h
 * computed with relative error at most c u and terms h(x_j) of one sign:
 * (n + 2c) u per weight with the sequential sum (its n - 1 roundings, the
 * error of h in the numerator and in S, the division); the pairwise sum
 * replaces n - 1 by ceil(log2 n).  Higham, "Accuracy and Stability of
 * Numerical Algorithms", 2nd ed., SIAM 2002, section 4.2 and Lemma 3.1. */
#ifndef NS_RATIO_H
#define NS_RATIO_H

#include "catalogue.h"
#include "contract.h"
#include "steps.h"

/* The promise of a ratio(h) kernel: the (n + 2c) u above, with c0_ (in
 * u_work, contract.h) covering 2c and the division, rounded up. */
#define NS_RATIO_PROMISE(c0_) \
    { .policies = "*", NS_PROMISES_STRICT, \
      .error = { .c0 = (c0_), .cn = 2 }, .sum = { .c0 = (c0_), .cn = 2 }, \
      .gradient = { .c0 = 16, .cn = 4 } }

#define NS_HAZARD_RATIO_BACKWARD_OVERFLOW NS_HAZARD(NS_KIND_ANY, NS_CAUSE_OVERFLOW, \
    "the backward pass divides by S: h'(x) / S overflows when S is tiny (fp16: S below " \
    "2^-16), and 0 times that infinity is NaN")

#define NS_HAZARD_RELU_ZERO NS_HAZARD(NS_KIND_ANY, NS_CAUSE_ZERO_DENOMINATOR, \
    "a row with no positive entry has a zero sum: the reference gives zeros, the kernel " \
    "0 / 0 = NaN in every format")

/* dx_j = h'(x_j) / S (g_j - <g, y>) as S shrinks with the row's h(x). */
#define NS_HAZARD_RATIO_EXPLODING_GRADIENT NS_HAZARD(NS_KIND_GRADIENT, NS_CAUSE_ANY, \
    "the gradient h'(x_j) / S (g_j - <g, y>) grows like 1 / S as the row's h(x) shrink: an " \
    "exploding gradient whose cancellation g_j - <g, y> is amplified by 1 / S")

typedef double (*ns_pointwise)(const ns_ops *op, double x);

/* A ratio(h) family's two kernels, name_forward and name_backward, for its
 * algorithm table: ns_ratio_forward and ns_ratio_backward below with its h
 * and h', which it declares (the family defines them after). */
#define NS_RATIO_KERNELS(name, h, dh) \
    static double h(const ns_ops *op, double x); \
    static double dh(const ns_ops *op, double x); \
    static void name##_forward(const ns_ops *op, const double *x, double *y, size_t n) \
    { \
        ns_ratio_forward(op, h, x, y, n); \
    } \
    static void name##_backward(const ns_ops *op, const double *x, const double *y, \
                                const double *g, double *dx, size_t n) \
    { \
        ns_ratio_backward(op, h, dh, x, y, g, dx, n); \
    }

/* relu(x) = max(x, 0) with NaN kept (as torch.relu does) and -0 mapped to +0;
 * relu(-inf) = 0.  Exact in every format, so it needs no op. */
static inline double ns_relu(double x)
{
    return x <= 0 ? 0.0 : x;
}

/* relu'(x): 1 for x > 0, else 0 (relu'(0) = 0, SPEC section 3). */
static inline double ns_relu_step(double x)
{
    return x > 0 ? 1.0 : 0.0;
}

static inline void ns_ratio_forward(const ns_ops *op, ns_pointwise h,
                                    const double *x, double *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = h(op, x[i]);
    ns_divide_by_sum(op, y, n);
}

/* The backward pass recomputes S from x (as a kernel that does not keep it
 * would) in op->work. */
static inline void ns_ratio_backward(const ns_ops *op, ns_pointwise h, ns_pointwise dh,
                                     const double *x, const double *y, const double *g,
                                     double *dx, size_t n)
{
    double *hx = op->work;
    for (size_t i = 0; i < n; i++)
        hx[i] = h(op, x[i]);
    double s = ns_denominator(op, ns_sum(op, hx, n));
    double gy = ns_dot(op, g, y, n);
    for (size_t j = 0; j < n; j++)
        dx[j] = ns_mul(op, ns_div(op, dh(op, x[j]), s), ns_sub(op, g[j], gy));
}

#endif
