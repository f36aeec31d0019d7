/* logsoftmax: y_i = x_i - log sum_j e^{x_j}; dx = g - e^y sum g.
 *
 * Error bounds are first order in the unit roundoff u of a single-format
 * policy, from the standard model fl(a op b) = (a op b)(1 + d), |d| <= u,
 * with the sum's error (n - 1) u (seq); compare Blanchard, D. J. Higham &
 * N. J. Higham, "Accurate computation of the log-sum-exp and softmax
 * functions", IMA J. Numer. Anal. 41(4), 2021. */
#include "catalogue.h"
#include "contract.h"
#include "steps.h"

/* Accurate in absolute terms (about (|x_i - m| + n + log s + |y_i|) u): a
 * y_i near 0 has no relative accuracy to promise, so errors are counted in
 * ulps of 1 there (error_floor).  The outputs are logs: no sum to hold,
 * and negative by nature. */
#define LOGSOFTMAX_PROMISE(...) \
    { .policies = "*", .no_nan = true, .no_inf = true, .finite_gradient = true, \
      .denominator = NS_DEN_PROMISE_NORMAL, .error = { __VA_ARGS__ }, .error_floor = 1, \
      .gradient = { .c0 = 16, .cn = 4 } }

static const ns_contract logsoftmax_naive_contract = {
    .summary = "log of softmax.naive: overflows to NaN, underflows to -inf",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        LOGSOFTMAX_PROMISE(.c0 = 8, .cn = 2),
        NS_END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        NS_HAZARD_LONG_ROW_SUM, NS_HAZARD_SUBNORMAL_WEIGHTS,
        NS_HAZARD_ALL_MASKED,
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_OVERFLOW,
                  "e^x overflows for x > ln(max finite) (fp16: 11.09): inf / inf = NaN"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_UNDERFLOW,
                  "a weight e^{x_i} / s that underflows gives log 0 = -inf (fp16: [0, -20]), and "
                  "a subnormal one has lost the relative precision its log needs"),
        NS_HAZARD_EXP_ZERO_SUM,
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_SUBNORMAL_DENOMINATOR,
                  "a subnormal sum of e^x has lost its relative precision, which every log keeps"),
        NS_END_HAZARDS,
    },
};

static const ns_contract logsoftmax_shifted_contract = {
    .summary = "(x - m) - log sum e^(x - m): absolute error about (|x_i - m| + n) u",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        LOGSOFTMAX_PROMISE(.c0 = 8, .cn = 2, .cs = 4),
        NS_END_PROMISES,
    },
    .hazards = (const ns_hazard[]){ NS_HAZARD_LONG_ROW_SUM, NS_HAZARD_SUBNORMAL_WEIGHTS, NS_HAZARD_ALL_MASKED,
                                    NS_HAZARD_GRADIENT_RANGE, NS_END_HAZARDS },
};

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
    double m = ns_exp_shifted(op, x, y, n);
    double s = ns_denominator(op, ns_sum(op, y, n));
    double log_s = ns_total(op, ns_log(op, s));     /* the log-sum-exp, kept as a total */
    for (size_t i = 0; i < n; i++)
        y[i] = ns_sub(op, ns_sub(op, x[i], m), log_s);
}

const ns_family ns_family_logsoftmax = {
    .name = "logsoftmax",
    .definition = "y_i = x_i - log sum_j e^{x_j}; dx = g - e^y sum g",
    .order = 20,
    .algorithms = (const ns_algorithm[]){
        { .name = "logsoftmax.naive", .summary = "log of softmax.naive (underflows to -inf, overflows to NaN)",
          .forward = logsoftmax_naive_forward, .backward = logsoftmax_backward,
          .contract = &logsoftmax_naive_contract },
        { .name = "logsoftmax.shifted", .summary = "(x - max) - log sum e^(x - max)",
          .forward = logsoftmax_shifted_forward, .backward = logsoftmax_backward,
          .contract = &logsoftmax_shifted_contract },
        NS_END_ALGORITHMS,
    },
    .exp_of_logit = true,
};
