/* logsoftmax: y_i = x_i - log sum_j e^{x_j}; dx = g - e^y sum g.
 *
 * Error bounds are first order in the unit roundoff u of a single-format
 * policy, from the standard model fl(a op b) = (a op b)(1 + d), |d| <= u,
 * with the sum's error (n - 1) u (seq); compare Blanchard, D. J. Higham &
 * N. J. Higham, "Accurate computation of the log-sum-exp and softmax
 * functions", IMA J. Numer. Anal. 41(4), 2021. */
#include "catalogue.h"

/* dx_i = g_i - e^{y_i} sum_j g_j, shared by both algorithms: the usual
 * kernel, which exponentiates the stored output. */
static void logsoftmax_backward(const ns_ops *op, const double *x, const double *y,
                                const double *g, double *dx, size_t n)
{
    (void)x;
    double gsum = ns_sum(op, g, n);
    for (size_t i = 0; i < n; i++)
        dx[i] = ns_sub(op, g[i], ns_mul(op, ns_exp(op, y[i]), gsum));
}

/* The log of softmax.naive: e^{x_i} / sum e^{x_j}, then log.  A weight that
 * underflows gives log 0 = -inf (fp16: e^-20 < 2^-25 rounds to 0, so [0, -20]
 * gives -inf for the second entry); e^x overflows for x > ln(max_finite) and
 * gives inf / inf = NaN.  Otherwise the absolute error is about (n + 3) u. */
static void logsoftmax_naive_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = ns_exp(op, x[i]);
    double s = ns_denominator(op, ns_sum(op, y, n));
    for (size_t i = 0; i < n; i++)
        y[i] = ns_log(op, ns_div(op, y[i], s));
}

/* Subtract the maximum m, y_i = (x_i - m) - log sum e^{x_j - m}.  Every
 * exponential lies in (0, 1] and the sum in [1, n]; absolute error about
 * (|x_i - m| + n + log s + |y_i|) u.  s is shown to the probe as the
 * normalizing sum, though it is not divided by. */
static void logsoftmax_shifted_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    double m = ns_max(op, x, n);
    for (size_t i = 0; i < n; i++)
        y[i] = ns_exp(op, ns_sub(op, x[i], m));
    double s = ns_denominator(op, ns_sum(op, y, n));
    double log_s = ns_log(op, s);
    for (size_t i = 0; i < n; i++)
        y[i] = ns_sub(op, ns_sub(op, x[i], m), log_s);
}

static const ns_algorithm logsoftmax_algorithms[] = {
    { .name = "logsoftmax.naive", .summary = "log of softmax.naive (underflows to -inf, overflows to NaN)",
      .forward = logsoftmax_naive_forward, .backward = logsoftmax_backward },
    { .name = "logsoftmax.shifted", .summary = "(x - max) - log sum e^(x - max)",
      .forward = logsoftmax_shifted_forward, .backward = logsoftmax_backward },
    { .name = NULL },
};

const ns_family ns_family_logsoftmax = {
    .name = "logsoftmax",
    .definition = "y_i = x_i - log sum_j e^{x_j}; dx = g - e^y sum g",
    .order = 20,
    .params = { { NULL, 0, NULL } },
    .algorithms = logsoftmax_algorithms,
};
