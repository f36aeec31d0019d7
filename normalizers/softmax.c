/* softmax: y_i = e^{x_i} / sum_j e^{x_j}.
 *
 * Five ways to compute it, as kernels write them.  Error bounds are first
 * order in the unit roundoff u of a single-format policy, from Blanchard,
 * D. J. Higham & N. J. Higham, "Accurate computation of the log-sum-exp and
 * softmax functions", IMA J. Numer. Anal. 41(4), 2021 (Theorems 3.2, 4.1). */
#include "catalogue.h"
#include "contract.h"
#include "steps.h"

/* Blanchard, Higham & Higham 2021, Theorem 3.2: (n + 2) u without a shift,
 * plus 2 (max x - min x) u with one. */
static const ns_promise softmax_shifted_promises[] = {
    { .policies = "*", NS_PROMISES_STRICT,
      .error = { .c0 = 8, .cn = 2, .cs = 2 }, .sum = { .c0 = 8, .cn = 2, .cs = 2 },
      .gradient = { .c0 = 16, .cn = 4 } },
    NS_END_PROMISES,
};

static const ns_contract softmax_naive_contract = {
    .summary = "no shift: accurate only where no e^x overflows or underflows",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 8, .cn = 2 }, .sum = { .c0 = 8, .cn = 2 },
          .gradient = { .c0 = 16, .cn = 4 } },
        NS_END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        NS_HAZARD_LONG_ROW_SUM, NS_HAZARD_SUBNORMAL_WEIGHTS,
        NS_HAZARD_ALL_MASKED,
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_OVERFLOW,
                  "e^x overflows for x > ln(max finite) (fp16: 11.09, bf16 and fp32: 88.72, "
                  "fp64: 709.78): inf / inf = NaN"),
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_UNDERFLOW,
                  "e^x is subnormal for x < ln(smallest normal) (fp16: -9.70, bf16 and fp32: "
                  "-87.34) and 0 below ln(smallest subnormal) (fp16: -16.64): the weights lose "
                  "their relative precision, and a row where every e^x is 0 gives 0 / 0 = NaN"),
        NS_HAZARD_EXP_ZERO_SUM,
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_SUBNORMAL_DENOMINATOR,
                  "when every e^x is tiny the sum is subnormal and has lost its relative "
                  "precision: the weights lose it too"),
        NS_END_HAZARDS,
    },
};

static const ns_contract softmax_shifted_contract = {
    .summary = "shifted by the maximum: no overflow, no NaN on rows with a finite entry",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = softmax_shifted_promises,
    .hazards = (const ns_hazard[]){ NS_HAZARD_LONG_ROW_SUM, NS_HAZARD_SUBNORMAL_WEIGHTS, NS_HAZARD_ALL_MASKED,
                                    NS_HAZARD_GRADIENT_RANGE, NS_END_HAZARDS },
};

/* The reciprocal adds one rounding per weight: inside the constant. */
static const ns_contract softmax_recip_contract = {
    .summary = "shifted, multiplied by 1/s: one more rounding per weight than the division",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = softmax_shifted_promises,
    .hazards = (const ns_hazard[]){ NS_HAZARD_LONG_ROW_SUM, NS_HAZARD_SUBNORMAL_WEIGHTS, NS_HAZARD_ALL_MASKED,
                                    NS_HAZARD_GRADIENT_RANGE, NS_END_HAZARDS },
};

static const ns_contract softmax_lse_contract = {
    .summary = "division-free: weights accurate to about |lse| u, sums that drift",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        /* lse = m + log s carries an absolute error near |lse| u, and
         * x_i - lse one near |x_i - lse| u, which exp turns into relative
         * errors of the weights: the cx and cs terms. */
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 8, .cn = 2, .cs = 4, .cx = 4 }, .sum = { .c0 = 8, .cn = 2 },
          .gradient = { .c0 = 16, .cn = 4, .cs = 4, .cx = 4 } },
        NS_END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        NS_HAZARD_LONG_ROW_SUM, NS_HAZARD_SUBNORMAL_WEIGHTS,
        NS_HAZARD_LARGE_EXPONENT,
        NS_HAZARD_ALL_MASKED,
        NS_HAZARD(NS_KIND_SUM, NS_CAUSE_ANY,
                  "the rounding of lse = m + log s (about |lse| u) is amplified by exp into "
                  "the same relative error in every weight, so the weights do not sum to one "
                  "(Blanchard, Higham & Higham 2021, section 4 and its fp16 experiments)"),
        NS_HAZARD_GRADIENT_RANGE,
        NS_END_HAZARDS,
    },
};

static const ns_contract softmax_online_contract = {
    .summary = "one pass from m = -inf: a leading mask gives NaN",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        /* Each rescaling d e^{m - m_new} adds two roundings to the sum. */
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 8, .cn = 4, .cs = 2 }, .sum = { .c0 = 8, .cn = 4, .cs = 2 },
          .gradient = { .c0 = 16, .cn = 4 } },
        NS_END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        NS_HAZARD_LONG_ROW_SUM, NS_HAZARD_SUBNORMAL_WEIGHTS,
        NS_HAZARD_ALL_MASKED,
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_MASKED,
                  "started at m = -inf, d = 0 (Milakov & Gimelshein 2018), a leading -inf "
                  "entry meets e^{(-inf) - (-inf)} = NaN"),
        NS_HAZARD_GRADIENT_RANGE,
        NS_END_HAZARDS,
    },
};

/* No shift: e^{x} overflows for x > ln(max_finite) (11.09 in fp16) and the
 * result is inf/inf = NaN.  Where it does not overflow its error bound equals
 * the shifted one, (n + 2) u for the division form. */
static void softmax_naive_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = ns_exp(op, x[i]);
    ns_divide_by_sum(op, y, n);
}

/* Subtract the maximum, divide: bound (n + 2 + 2 (max x - min x)) u
 * (the shift adds the spread term through the error of x_i - m). */
static void softmax_shifted_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    ns_exp_shifted(op, x, y, n);
    ns_divide_by_sum(op, y, n);
}

/* Subtract the maximum, multiply by 1/s: one more rounding per weight than
 * the division form. */
static void softmax_recip_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    ns_exp_shifted(op, x, y, n);
    double s = ns_denominator(op, ns_sum(op, y, n));
    double r = ns_div(op, 1.0, s);
    for (size_t i = 0; i < n; i++)
        y[i] = ns_mul(op, y[i], r);
}

/* Division-free: y_i = e^{x_i - lse}, lse = m + log s.  The rounding error of
 * lse (about |lse| u) is amplified by the exponential, so the weights carry a
 * relative error near |lse| u and need not sum to one (the paper's
 * Theorem 4.1 and its fp16 experiments).  s is shown to the probe as the
 * normalizing sum, though it is not divided by. */
static void softmax_lse_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    double m = ns_exp_shifted(op, x, y, n);
    double s = ns_denominator(op, ns_sum(op, y, n));
    double lse = ns_total(op, ns_add(op, m, ns_log(op, s)));     /* kept as kernels keep it */
    for (size_t i = 0; i < n; i++)
        y[i] = ns_exp(op, ns_sub(op, x[i], lse));
}

/* One pass with a running maximum m and a running sum d rescaled whenever m
 * grows (Milakov & Gimelshein 2018), started at m = -inf, d = 0 as the paper
 * writes it.  A leading -inf entry meets (-inf) - (-inf) = NaN.  The running
 * sum is an accumulator; the summation order does not apply (it is
 * sequential by construction); once finished it is stored as a total. */
static void softmax_online_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    double m = -INFINITY, d = 0.0;
    for (size_t i = 0; i < n; i++) {
        double m_new = x[i] > m ? x[i] : m;
        if (isnan(x[i]))
            m_new = x[i];
        d = ns_acc_add(op, ns_acc_mul(op, d, ns_exp(op, ns_sub(op, m, m_new))),
                       ns_exp(op, ns_sub(op, x[i], m_new)));
        m = m_new;
    }
    d = ns_denominator(op, ns_total(op, d));
    for (size_t i = 0; i < n; i++)
        y[i] = ns_div(op, ns_exp(op, ns_sub(op, x[i], m)), d);
}

const ns_family ns_family_softmax = {
    .name = "softmax",
    .definition = "y_i = e^{x_i} / sum_j e^{x_j}; dx = y . (g - <g, y>)",
    .order = 10,
    .algorithms = (const ns_algorithm[]){
        { .name = "softmax.naive", .summary = "e^x / sum e^x, no shift (overflows in low precision)",
          .forward = softmax_naive_forward, .backward = ns_softmax_backward,
          .contract = &softmax_naive_contract },
        { .name = "softmax.shifted", .summary = "subtract the max, exponentiate, divide by the sum",
          .forward = softmax_shifted_forward, .backward = ns_softmax_backward,
          .contract = &softmax_shifted_contract },
        { .name = "softmax.recip", .summary = "subtract the max, multiply by the reciprocal of the sum",
          .forward = softmax_recip_forward, .backward = ns_softmax_backward,
          .contract = &softmax_recip_contract },
        { .name = "softmax.lse", .summary = "division-free e^(x - logsumexp(x))",
          .forward = softmax_lse_forward, .backward = ns_softmax_backward,
          .contract = &softmax_lse_contract },
        { .name = "softmax.online", .summary = "one pass: running max and rescaled running sum",
          .forward = softmax_online_forward, .backward = ns_softmax_backward,
          .contract = &softmax_online_contract },
        NS_END_ALGORITHMS,
    },
    .exp_of_logit = true,
};
