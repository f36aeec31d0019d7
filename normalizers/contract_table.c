/* The contracts of the catalogue's algorithms, keyed by algorithm name (or
 * by family name, for every algorithm of a family), for algorithms whose
 * ns_algorithm.contract is NULL.
 *
 * Each contract states what the textbook algorithm promises and, honestly,
 * where it is known to fail.  The failures are of two sorts:
 *   - the format's range: an intermediate overflows, or underflows to zero
 *     or to subnormals, where a wider exponent range would not (the fuzzers
 *     tell these apart by evaluating again with the same precisions and a
 *     wider range: contract.h, ns_cause);
 *   - the algorithm: a zero or NaN it computes by construction (an
 *     all-masked row, 0 / 0), or an error its own analysis does not bound.
 * A hazard names the policies, the kind and the cause it covers and says
 * why; anything else the fuzzers find breaks the contract.
 *
 * Error bounds are first-order, in units of u_work (contract.h): the
 * constants of the analyses cited in each family's file, rounded up to
 * leave room for elementwise functions of a few roundings each. */
#include "contract.h"

#include <string.h>

#define HAZARD(k, c, text) { .kind = (k), .policies = "*", .cause = (c), .why = (text) }
#define END_HAZARDS { .why = NULL }
#define END_PROMISES { .policies = NULL }
#define ANY NS_KIND_ANY

#define ALL_MASKED HAZARD(ANY, NS_CAUSE_ALL_MASKED, \
    "an all-masked row has no finite maximum and a zero normalizing sum: the kernel " \
    "computes (-inf) - (-inf) or 0 / 0 = NaN where the reference gives zeros (SPEC section 3)")

/* The gradient of a ratio(h) kernel, dx_j = h'(x_j) / S (g_j - <g, y>), divides
 * by S; so does any kernel where a weight's derivative is large. */
#define GRADIENT_RANGE HAZARD(NS_KIND_GRADIENT, NS_CAUSE_UNDERFLOW, \
    "the backward pass works with products such as y_i g_i that underflow to zero or to " \
    "subnormals while the true gradient, scaled by a large 1 / S, is a normal number")

/* ---- softmax (normalizers/softmax.c) ------------------------------------ */

/* Blanchard, Higham & Higham 2021, Theorem 3.2: (n + 2) u without a shift,
 * plus 2 (max x - min x) u with one. */
static const ns_contract softmax_naive = {
    .summary = "no shift: accurate only where no e^x overflows or underflows",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 8, .cn = 2 }, .sum = { .c0 = 8, .cn = 2 },
          .gradient = { .c0 = 16, .cn = 4 } },
        END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        ALL_MASKED,
        HAZARD(ANY, NS_CAUSE_OVERFLOW,
               "e^x overflows for x > ln(max finite) (fp16: 11.09, bf16 and fp32: 88.72, "
               "fp64: 709.78): inf / inf = NaN"),
        HAZARD(ANY, NS_CAUSE_UNDERFLOW,
               "e^x is subnormal for x < ln(smallest normal) (fp16: -9.70, bf16 and fp32: "
               "-87.34) and 0 below ln(smallest subnormal) (fp16: -16.64): the weights lose "
               "their relative precision, and a row where every e^x is 0 gives 0 / 0 = NaN"),
        HAZARD(ANY, NS_CAUSE_ZERO_DENOMINATOR,
               "every e^x underflows to 0: 0 / 0 = NaN"),
        HAZARD(ANY, NS_CAUSE_SUBNORMAL_DENOMINATOR,
               "when every e^x is tiny the sum is subnormal and has lost its relative "
               "precision: the weights lose it too"),
        END_HAZARDS,
    },
};

static const ns_promise softmax_shifted_promises[] = {
    { .policies = "*", NS_PROMISES_STRICT,
      .error = { .c0 = 8, .cn = 2, .cs = 2 }, .sum = { .c0 = 8, .cn = 2, .cs = 2 },
      .gradient = { .c0 = 16, .cn = 4 } },
    END_PROMISES,
};

static const ns_contract softmax_shifted = {
    .summary = "shifted by the maximum: no overflow, no NaN on rows with a finite entry",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = softmax_shifted_promises,
    .hazards = (const ns_hazard[]){ ALL_MASKED, GRADIENT_RANGE, END_HAZARDS },
};

/* The reciprocal adds one rounding per weight: inside the constant. */
static const ns_contract softmax_recip = {
    .summary = "shifted, multiplied by 1/s: one more rounding per weight than the division",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = softmax_shifted_promises,
    .hazards = (const ns_hazard[]){ ALL_MASKED, GRADIENT_RANGE, END_HAZARDS },
};

static const ns_contract softmax_lse = {
    .summary = "division-free: weights accurate to about |lse| u, sums that drift",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        /* lse = m + log s carries an absolute error near |lse| u, and
         * x_i - lse one near |x_i - lse| u, which exp turns into relative
         * errors of the weights: the cx and cs terms. */
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 8, .cn = 2, .cs = 4, .cx = 4 }, .sum = { .c0 = 8, .cn = 2 },
          .gradient = { .c0 = 16, .cn = 4, .cs = 4, .cx = 4 } },
        END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        ALL_MASKED,
        HAZARD(NS_KIND_SUM, NS_CAUSE_ANY,
               "the rounding of lse = m + log s (about |lse| u) is amplified by exp into "
               "the same relative error in every weight, so the weights do not sum to one "
               "(Blanchard, Higham & Higham 2021, section 4 and its fp16 experiments)"),
        GRADIENT_RANGE,
        END_HAZARDS,
    },
};

static const ns_contract softmax_online = {
    .summary = "one pass from m = -inf: a leading mask gives NaN",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        /* Each rescaling d e^{m - m_new} adds two roundings to the sum. */
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 8, .cn = 4, .cs = 2 }, .sum = { .c0 = 8, .cn = 4, .cs = 2 },
          .gradient = { .c0 = 16, .cn = 4 } },
        END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        ALL_MASKED,
        HAZARD(ANY, NS_CAUSE_MASKED,
               "started at m = -inf, d = 0 (Milakov & Gimelshein 2018), a leading -inf "
               "entry meets e^{(-inf) - (-inf)} = NaN"),
        GRADIENT_RANGE,
        END_HAZARDS,
    },
};

/* ---- logsoftmax (normalizers/logsoftmax.c) ------------------------------- */

/* Accurate in absolute terms (about (|x_i - m| + n + log s + |y_i|) u): a
 * y_i near 0 has no relative accuracy to promise, so errors are counted in
 * ulps of 1 there (error_floor).  The outputs are logs: no sum to hold,
 * and negative by nature. */
#define LOGSOFTMAX_PROMISE(...) \
    { .policies = "*", .no_nan = true, .no_inf = true, .finite_gradient = true, \
      .denominator = NS_DEN_PROMISE_NORMAL, .error = { __VA_ARGS__ }, .error_floor = 1, \
      .gradient = { .c0 = 16, .cn = 4 } }

static const ns_contract logsoftmax_naive = {
    .summary = "log of softmax.naive: overflows to NaN, underflows to -inf",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        LOGSOFTMAX_PROMISE(.c0 = 8, .cn = 2),
        END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        ALL_MASKED,
        HAZARD(ANY, NS_CAUSE_OVERFLOW,
               "e^x overflows for x > ln(max finite) (fp16: 11.09): inf / inf = NaN"),
        HAZARD(ANY, NS_CAUSE_UNDERFLOW,
               "a weight e^{x_i} / s that underflows gives log 0 = -inf (fp16: [0, -20]), and "
               "a subnormal one has lost the relative precision its log needs"),
        HAZARD(ANY, NS_CAUSE_ZERO_DENOMINATOR, "every e^x underflows to 0: 0 / 0 = NaN"),
        HAZARD(ANY, NS_CAUSE_SUBNORMAL_DENOMINATOR,
               "a subnormal sum of e^x has lost its relative precision, which every log keeps"),
        END_HAZARDS,
    },
};

static const ns_contract logsoftmax_shifted = {
    .summary = "(x - m) - log sum e^(x - m): absolute error about (|x_i - m| + n) u",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        LOGSOFTMAX_PROMISE(.c0 = 8, .cn = 2, .cs = 4),
        END_PROMISES,
    },
    .hazards = (const ns_hazard[]){ ALL_MASKED, GRADIENT_RANGE, END_HAZARDS },
};

/* ---- softmax1 (normalizers/softmax1.c) ------------------------------------ */

/* The shifted softmax's bound, with the shift c = m or max(m, 0): the
 * exponents x_i - c reach below the spread when c = 0 (the cx term). */
static const ns_promise softmax1_promises[] = {
    { .policies = "*", NS_PROMISES_STRICT,
      .error = { .c0 = 8, .cn = 2, .cs = 2, .cx = 2 }, .sum = { .c0 = 8, .cn = 2, .cs = 2, .cx = 2 },
      .gradient = { .c0 = 16, .cn = 4 } },
    END_PROMISES,
};

static const ns_contract softmax1_shifted = {
    .summary = "shifted by the maximum: the one overflows for very negative rows",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = softmax1_promises,
    .hazards = (const ns_hazard[]){
        ALL_MASKED,
        HAZARD(ANY, NS_CAUSE_OVERFLOW,
               "when every logit is very negative (m < -ln(max finite), fp16: -11.09) the one "
               "becomes e^{-m} = inf and every weight 0, where the true ones are near e^{x_i}"),
        GRADIENT_RANGE,
        END_HAZARDS,
    },
};

static const ns_contract softmax1_stable = {
    .summary = "shifted by max(m, 0): nothing overflows, the denominator is at least 1",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = softmax1_promises,
    .hazards = (const ns_hazard[]){ GRADIENT_RANGE, END_HAZARDS },
};

/* ---- ssmax (normalizers/ssmax.c) ------------------------------------------- */

/* The shifted softmax of z = s ln(n) x: its spread term grows by the scale,
 * at most ln 4096 < 9 for s = 1 and the rows fuzzed (cs 2 x 9), and the
 * rounding of each product s ln(n) x_i is an absolute error near |z_i| u in
 * the exponent (cx). */
static const ns_contract ssmax = {
    .summary = "softmax of s ln(n) x: the scaled logits overflow where x does not",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 8, .cn = 2, .cs = 18, .cx = 18 },
          .sum = { .c0 = 8, .cn = 2, .cs = 18, .cx = 18 },
          .gradient = { .c0 = 16, .cn = 4, .cs = 18, .cx = 18 } },
        END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        ALL_MASKED,
        HAZARD(ANY, NS_CAUSE_OVERFLOW,
               "the scaled logits s ln(n) x overflow where x does not (fp16, n = 4: x = 60000 "
               "gives z = inf and inf - inf = NaN)"),
        GRADIENT_RANGE,
        END_HAZARDS,
    },
};

/* ---- ratio(h) families (normalizers/ratio.h): (n + 2c) u -------------------- */

#define RATIO_PROMISE(c0_) \
    { .policies = "*", NS_PROMISES_STRICT, \
      .error = { .c0 = (c0_), .cn = 2 }, .sum = { .c0 = (c0_), .cn = 2 }, \
      .gradient = { .c0 = 16, .cn = 4 } }

#define RATIO_BACKWARD_OVERFLOW HAZARD(ANY, NS_CAUSE_OVERFLOW, \
    "the backward pass divides by S: h'(x) / S overflows when S is tiny (fp16: S below " \
    "2^-16), and 0 times that infinity is NaN")

static const ns_contract spherical = {
    .summary = "ratio(x^2 + eps): squares overflow and underflow in low precision",
    .domain = { .flags = 0, .why = "a masked entry makes x^2 infinite: the reference is undefined" },
    .promises = (const ns_promise[]){ RATIO_PROMISE(8), END_PROMISES },
    .hazards = (const ns_hazard[]){
        HAZARD(ANY, NS_CAUSE_OVERFLOW,
               "x^2 overflows for |x| > sqrt(max finite) (fp16: 256): inf / inf = NaN; the "
               "backward's 2x / S overflows where S is tiny"),
        HAZARD(ANY, NS_CAUSE_UNDERFLOW,
               "x^2 underflows to subnormals or to 0 for small |x| (fp16: below 2^-7 and "
               "2^-12.5): weights lose their precision or vanish, and a row of small logits "
               "gives 0 / 0 = NaN"),
        HAZARD(ANY, NS_CAUSE_ZERO_DENOMINATOR,
               "at x = 0 (eps = 0) the exact sum is zero: the reference gives zeros, the "
               "kernel 0 / 0 = NaN"),
        HAZARD(ANY, NS_CAUSE_SUBNORMAL_DENOMINATOR,
               "a subnormal sum of squares has lost its relative precision"),
        HAZARD(NS_KIND_GRADIENT, NS_CAUSE_ANY,
               "the gradient 2 x_j / S (g_j - <g, y>) grows like 1 / |x| near 0: an exploding "
               "gradient whose cancellation g_j - <g, y> is amplified by 1 / S"),
        END_HAZARDS,
    },
};

static const ns_contract taylor = {
    .summary = "ratio(1 + x + x^2/2): h >= 1/2, but x * x overflows",
    .domain = { .flags = 0, .why = "a masked entry makes h infinite: the reference is undefined" },
    .promises = (const ns_promise[]){ RATIO_PROMISE(12), END_PROMISES },
    .hazards = (const ns_hazard[]){
        HAZARD(ANY, NS_CAUSE_OVERFLOW,
               "x * x overflows for |x| > sqrt(max finite) (fp16: 256): inf / inf = NaN"),
        GRADIENT_RANGE,
        END_HAZARDS,
    },
};

#define RELU_ZERO HAZARD(ANY, NS_CAUSE_ZERO_DENOMINATOR, \
    "a row with no positive entry has a zero sum: the reference gives zeros, the kernel " \
    "0 / 0 = NaN in every format")

static const ns_contract relu_norm = {
    .summary = "ratio(relu(x)): 0 / 0 on rows with no positive entry",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){ RATIO_PROMISE(8), END_PROMISES },
    .hazards = (const ns_hazard[]){
        ALL_MASKED,
        RELU_ZERO,
        HAZARD(ANY, NS_CAUSE_OVERFLOW,
               "the sum of large positive logits overflows (fp16: above 65504): inf / inf = "
               "NaN; the backward's 1 / S overflows where S is tiny"),
        HAZARD(ANY, NS_CAUSE_UNDERFLOW,
               "subnormal positive logits make a subnormal sum whose relative precision is "
               "lost, and the backward's products underflow"),
        HAZARD(ANY, NS_CAUSE_SUBNORMAL_DENOMINATOR,
               "a subnormal sum has lost its relative precision"),
        HAZARD(NS_KIND_GRADIENT, NS_CAUSE_ANY,
               "the gradient (g_j - <g, y>) / S grows like 1 / S as the positive part of the "
               "row shrinks: an exploding gradient whose cancellation is amplified by 1 / S"),
        END_HAZARDS,
    },
};

static const ns_contract relu2_norm = {
    .summary = "ratio(relu(x)^2): 0 / 0 on rows with no positive entry; squares overflow",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){ RATIO_PROMISE(8), END_PROMISES },
    .hazards = (const ns_hazard[]){
        ALL_MASKED,
        RELU_ZERO,
        HAZARD(ANY, NS_CAUSE_OVERFLOW,
               "relu(x)^2 overflows for x > sqrt(max finite) (fp16: 256): inf / inf = NaN; "
               "the backward's 2 relu(x) / S overflows where S is tiny"),
        HAZARD(ANY, NS_CAUSE_UNDERFLOW,
               "relu(x)^2 underflows to subnormals or to 0 for small x (fp16: below 2^-7 and "
               "2^-12.5): weights lose their precision or vanish, and 0 / 0 follows"),
        HAZARD(ANY, NS_CAUSE_SUBNORMAL_DENOMINATOR,
               "a subnormal sum of squares has lost its relative precision"),
        HAZARD(NS_KIND_GRADIENT, NS_CAUSE_ANY,
               "the gradient 2 relu(x_j) / S (g_j - <g, y>) grows like 1 / x near 0: an "
               "exploding gradient whose cancellation is amplified by 1 / S"),
        END_HAZARDS,
    },
};

static const ns_contract softplus_norm = {
    .summary = "ratio(log(1 + e^x)): exp overflows where softplus is harmless",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){ RATIO_PROMISE(8), END_PROMISES },
    .hazards = (const ns_hazard[]){
        ALL_MASKED,
        HAZARD(ANY, NS_CAUSE_OVERFLOW,
               "log1p(exp(x)) overflows for x > ln(max finite) (fp16: 11.09) although h(x) "
               "is about x there: inf / inf = NaN"),
        HAZARD(ANY, NS_CAUSE_UNDERFLOW,
               "h(x) ~ e^x underflows for very negative x (a relative error of 1), and a row "
               "of them gives 0 / 0"),
        HAZARD(ANY, NS_CAUSE_ZERO_DENOMINATOR, "every h(x) underflows to 0: 0 / 0 = NaN"),
        HAZARD(ANY, NS_CAUSE_SUBNORMAL_DENOMINATOR,
               "a subnormal sum has lost its relative precision"),
        GRADIENT_RANGE,
        END_HAZARDS,
    },
};

/* ---- elementwise families ------------------------------------------------------ */

static const ns_contract sigmoid = {
    .summary = "sigma(x - ln n) = 1 / (1 + e^-z): error about (3 + |z| + ln n) u",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        /* ln n <= n: the cn term covers it. */
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 8, .cn = 1, .cx = 2 }, .sum = { .c0 = 8, .cn = 1, .cx = 2 },
          .gradient = { .c0 = 16, .cn = 4, .cx = 2 } },
        END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        HAZARD(ANY, NS_CAUSE_OVERFLOW,
               "e^-z overflows for z < -ln(max finite) (fp16: -11.09) and the weight is 1 / inf "
               "= 0, where the true one, about e^z, is still representable (fp16: down to "
               "e^-16.6)"),
        HAZARD(ANY, NS_CAUSE_UNDERFLOW,
               "weights near e^z below the smallest normal keep only the precision of a "
               "subnormal"),
        HAZARD(NS_KIND_GRADIENT, NS_CAUSE_ANY,
               "the backward's 1 - y loses all relative accuracy where y is near 1 (z above "
               "about ln(1/u)), and with it y (1 - y)"),
        END_HAZARDS,
    },
};

static const ns_contract relu_scaled = {
    .summary = "relu(x) / n: one rounding per weight, n held in the elementwise format",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 4 }, .sum = { .c0 = 4, .cn = 2 }, .gradient = { .c0 = 8 } },
        END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        HAZARD(ANY, NS_CAUSE_LONG_ROW,
               "n is held in the elementwise format: in fp16 a row longer than 2048 gets a "
               "rounded n (2049 -> 2048), so every weight is off by up to 1 / 2048"),
        HAZARD(ANY, NS_CAUSE_UNDERFLOW,
               "relu(x) / n underflows to subnormals or to 0 for tiny positive x"),
        END_HAZARDS,
    },
};

/* ---- softpick (normalizers/softpick.c) ----------------------------------------- */

static const ns_contract softpick = {
    .summary = "relu(e^x - 1) / (sum |e^x - 1| + eps), shifted by the maximum",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 8, .cn = 2, .cs = 2, .cx = 2 }, .sum = { .c0 = 8, .cn = 2, .cs = 2, .cx = 2 },
          .gradient = { .c0 = 16, .cn = 4, .cs = 2, .cx = 2 } },
        END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        ALL_MASKED,
        HAZARD(ANY, NS_CAUSE_OVERFLOW,
               "e^{-m} overflows for m < -ln(max finite) (fp16: -11.09): every t_i is -inf, "
               "and in fp16, where eps = 1e-8 rounds to 0, eps e^{-m} = 0 * inf = NaN"),
        HAZARD(ANY, NS_CAUSE_UNDERFLOW,
               "e^{x - m} and eps e^{-m} underflow: weights and the eps term are lost"),
        HAZARD(ANY, NS_CAUSE_ZERO_DENOMINATOR,
               "with eps rounded to 0 (fp16) a row of zeros has sum |e^x - 1| = 0: 0 / 0"),
        HAZARD(ANY, NS_CAUSE_SUBNORMAL_DENOMINATOR,
               "a subnormal denominator has lost its relative precision"),
        HAZARD(NS_KIND_ERROR, NS_CAUSE_ANY,
               "t_i = e^{x_i - m} - e^{-m} cancels for x_i near 0: relative error about "
               "u / |x_i|, which no conditioning excuses (expm1 would avoid it)"),
        HAZARD(NS_KIND_SUM, NS_CAUSE_ANY,
               "the cancellation of t_i near x_i = 0 carries into the sum of the weights"),
        HAZARD(NS_KIND_GRADIENT, NS_CAUSE_ANY,
               "the cancellation of t_i near x_i = 0, and that of <g, y> in the backward pass"),
        END_HAZARDS,
    },
};

/* ---- sparse families: the threshold tau is a difference -------------------------- */

/* y_i = x_i - tau (or its power) cancels near the threshold: the error is
 * the problem's conditioning kappa_i (analysis/metrics.h) times u, plus
 * the roundings of the shift, of k z_(k) and of the sums. */
static const ns_contract sparsemax = {
    .summary = "sort-based projection onto the simplex, shifted by the maximum",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 8, .cn = 4, .ck = 4 }, .sum = { .c0 = 8, .cn = 4 },
          .gradient = { .c0 = 16, .cn = 4 } },
        END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        ALL_MASKED,
        HAZARD(ANY, NS_CAUSE_OVERFLOW,
               "the shift x_i - max x overflows when the row spans more than the format's "
               "range (fp16: 65504 - (-65504) = inf)"),
        HAZARD(ANY, NS_CAUSE_UNDERFLOW,
               "subnormal differences x_i - tau have lost their precision"),
        HAZARD(NS_KIND_ERROR, NS_CAUSE_ANY,
               "the support test 1 + k z_(k) > sum_{j<=k} z_(j) compares rounded cumulative "
               "sums, whose errors grow like k u |sum|: entries near the threshold are "
               "misjudged, and in low precision long rows even far from it (bf16: 200 logits "
               "at -12 and one at 0 keep every entry, sum y = 11.7)"),
        HAZARD(NS_KIND_SUM, NS_CAUSE_ANY,
               "a misjudged support leaves weights that no longer sum to one"),
        HAZARD(NS_KIND_GRADIENT, NS_CAUSE_ANY,
               "the backward pass reads the support from the stored y: an entry misjudged at "
               "the threshold changes the support and with it every dx_i"),
        END_HAZARDS,
    },
};

static const ns_contract entmax15 = {
    .summary = "exact sort-based 1.5-entmax",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 8, .cn = 4, .ck = 8 }, .sum = { .c0 = 8, .cn = 4 },
          .gradient = { .c0 = 16, .cn = 4 } },
        END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        ALL_MASKED,
        HAZARD(ANY, NS_CAUSE_OVERFLOW,
               "the shift and the sums of squares of the sorted logits overflow for large "
               "rows in low precision"),
        HAZARD(ANY, NS_CAUSE_UNDERFLOW,
               "squares of small differences underflow and lose their precision"),
        HAZARD(NS_KIND_SUM, NS_CAUSE_ANY,
               "the support is decided by comparing rounded thresholds tau_k with the sorted "
               "logits: a misjudged entry near the threshold, and delta_k clamped at 0 (as "
               "the authors' code does), leave a sum off one"),
        HAZARD(NS_KIND_ERROR, NS_CAUSE_ANY,
               "the support and the threshold come from rounded running sums of the sorted "
               "logits and of their squares, which cancel in delta_k = (1 - ss_k) / k: entries "
               "near the threshold are misjudged and tau carries errors beyond kappa u"),
        HAZARD(NS_KIND_GRADIENT, NS_CAUSE_ANY,
               "the backward pass reads the support from the stored y and cancels in "
               "h g - (<h, g> / sum h) h"),
        END_HAZARDS,
    },
};

static const ns_contract entmax_bisect = {
    .summary = "bisection on tau: stalls at the format's spacing for large logits",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 8, .cn = 4, .ck = 4 }, .sum = { .c0 = 8, .cn = 4 },
          .gradient = { .c0 = 16, .cn = 4 } },
        END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        ALL_MASKED,
        HAZARD(ANY, NS_CAUSE_LARGE_LOGITS,
               "the bisection step can only shrink to the spacing of the format at tau, the "
               "size of max z: at large logits tau_lo + dm rounds back to tau_lo and tau "
               "stays a whole spacing from the root (normalizers/entmax.c)"),
        HAZARD(ANY, NS_CAUSE_ZERO_DENOMINATOR,
               "when the stalled tau lies above every z, every p_i is 0 and the final "
               "division by sum p (ensure_sum_one) is 0 / 0"),
        HAZARD(ANY, NS_CAUSE_OVERFLOW,
               "z = (alpha - 1) x, the bracket and the mass overflow for large rows"),
        HAZARD(ANY, NS_CAUSE_UNDERFLOW,
               "powers [z - tau]^(1/(alpha-1)) of small differences underflow"),
        HAZARD(ANY, NS_CAUSE_SUBNORMAL_DENOMINATOR,
               "a subnormal mass has lost its relative precision"),
        HAZARD(NS_KIND_ERROR, NS_CAUSE_ANY,
               "after a fixed number of halvings the bracket is as wide as the rounding of "
               "tau allows, not the root itself: errors beyond kappa u"),
        HAZARD(NS_KIND_SUM, NS_CAUSE_ANY,
               "the division by the rounded mass leaves a sum off one"),
        HAZARD(NS_KIND_GRADIENT, NS_CAUSE_ANY,
               "the backward pass reads the support from the stored y and cancels in "
               "h g - (<h, g> / sum h) h"),
        END_HAZARDS,
    },
};

/* ---- stickbreaking (normalizers/stickbreaking.c) ----------------------------------- */

/* Log space: y_i = e^{log sigma_i + L_i}.  The running sum L_i of up to n
 * terms softplus(x_k) <= max|x| + 1 has an absolute error up to u times the
 * sum of its partial sums, about n^2 (max|x| + 1) u / 2, which exp turns
 * into the relative error of y_i (cq). */
static const ns_contract stickbreaking = {
    .summary = "log-space stick-breaking: relative error about u times the sum of |x|",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 8, .cn = 4, .cq = 1 }, .sum = { .c0 = 8, .cn = 4, .cq = 1 },
          .gradient = { .c0 = 16, .cn = 4, .cq = 1 } },
        END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        HAZARD(ANY, NS_CAUSE_OVERFLOW,
               "softplus(z) = log(1 + e^z) overflows for z > ln(max finite) (fp16: 11.09): "
               "the factor 1 - sigma(x_k) becomes e^-inf = 0 for every earlier position, "
               "where the truth is about e^-x_k (fp16, [0, 12]: y_0 = 0 instead of 3.1e-6)"),
        HAZARD(ANY, NS_CAUSE_UNDERFLOW,
               "weights e^{log sigma_i + L_i} below the smallest normal keep only a "
               "subnormal's precision, or vanish"),
        GRADIENT_RANGE,
        END_HAZARDS,
    },
};

/* ---- the table --------------------------------------------------------------- */

static const struct {
    const char *name;
    const ns_contract *contract;
} table[] = {
    { "softmax.naive", &softmax_naive },
    { "softmax.shifted", &softmax_shifted },
    { "softmax.recip", &softmax_recip },
    { "softmax.lse", &softmax_lse },
    { "softmax.online", &softmax_online },
    { "logsoftmax.naive", &logsoftmax_naive },
    { "logsoftmax.shifted", &logsoftmax_shifted },
    { "softmax1.shifted", &softmax1_shifted },
    { "softmax1.stable", &softmax1_stable },
    { "ssmax", &ssmax },
    { "spherical", &spherical },
    { "taylor", &taylor },
    { "relu.norm", &relu_norm },
    { "relu2.norm", &relu2_norm },
    { "softplus.norm", &softplus_norm },
    { "sigmoid", &sigmoid },
    { "relu.scaled", &relu_scaled },
    { "softpick", &softpick },
    { "sparsemax", &sparsemax },
    { "entmax15", &entmax15 },
    { "entmax.bisect", &entmax_bisect },
    { "stickbreaking", &stickbreaking },
};

const ns_contract *ns_contract_table_find(const char *name)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0)
            return table[i].contract;
    return NULL;
}
