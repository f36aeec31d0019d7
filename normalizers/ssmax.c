/* ssmax (scalable softmax): y = softmax(s ln(n) x), s = 1 by default;
 * dx = s ln(n) y . (g - <g, y>).
 *
 * The kernel holds n, ln n and the scale s ln n in the elementwise format
 * (in fp16, n > 2048 is itself rounded, and ln n carries a relative error
 * up to u that multiplies every logit), then runs the shifted softmax on the
 * scaled logits, whose bound (n + 2 + 2 (max z - min z)) u (Blanchard,
 * D. J. Higham & N. J. Higham, IMA J. Numer. Anal. 2021) now has the spread
 * of z = s ln(n) x.  The scaled logits can overflow where x does not (fp16,
 * n = 4: x = 60000 gives z = inf and inf - inf = NaN), and at n = 1 the scale
 * is 0 and a masked logit gives 0 * -inf = NaN. */
#include "catalogue.h"
#include "contract.h"
#include "steps.h"

/* The shifted softmax of z = s ln(n) x: its spread term grows by the scale,
 * at most ln 4096 < 9 for s = 1 and the rows fuzzed (cs 2 x 9), and the
 * rounding of each product s ln(n) x_i is an absolute error near |z_i| u in
 * the exponent (cx). */
static const ns_contract ssmax_contract = {
    .summary = "softmax of s ln(n) x: the scaled logits overflow where x does not",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = (const ns_promise[]){
        { .policies = "*", NS_PROMISES_STRICT,
          .error = { .c0 = 8, .cn = 2, .cs = 18, .cx = 18 },
          .sum = { .c0 = 8, .cn = 2, .cs = 18, .cx = 18 },
          .gradient = { .c0 = 16, .cn = 4, .cs = 18, .cx = 18 } },
        NS_END_PROMISES,
    },
    .hazards = (const ns_hazard[]){
        NS_HAZARD_LONG_ROW_SUM, NS_HAZARD_LARGE_EXPONENT, NS_HAZARD_SUBNORMAL_WEIGHTS,
        NS_HAZARD_ALL_MASKED,
        NS_HAZARD(NS_KIND_ANY, NS_CAUSE_OVERFLOW,
                  "the scaled logits s ln(n) x overflow where x does not (fp16, n = 4: x = 60000 "
                  "gives z = inf and inf - inf = NaN)"),
        NS_HAZARD_GRADIENT_RANGE,
        NS_END_HAZARDS,
    },
};

enum { SSMAX_S };

/* s ln n as the kernel holds it. */
static double ssmax_scale(const ns_ops *op, size_t n)
{
    double ln_n = ns_log(op, ns_const(op, (double)n));
    return ns_mul(op, ns_const(op, op->param[SSMAX_S]), ln_n);
}

static void ssmax_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    double scale = ssmax_scale(op, n);
    for (size_t i = 0; i < n; i++)
        y[i] = ns_mul(op, scale, x[i]);
    ns_exp_shifted(op, y, y, n);
    ns_divide_by_sum(op, y, n);
}

/* The softmax backward, times the scale. */
static void ssmax_backward(const ns_ops *op, const double *x, const double *y,
                           const double *g, double *dx, size_t n)
{
    (void)x;
    double scale = ssmax_scale(op, n);
    double gy = ns_dot(op, g, y, n);
    for (size_t i = 0; i < n; i++)
        dx[i] = ns_mul(op, scale, ns_mul(op, y[i], ns_sub(op, g[i], gy)));
}

const ns_family ns_family_ssmax = {
    .name = "ssmax",
    .definition = "y = softmax(s ln(n) x); dx = s ln(n) y . (g - <g, y>)",
    .order = 40,
    .algorithms = (const ns_algorithm[]){
        { .name = "ssmax", .summary = "shifted softmax of s ln(n) x, the scale held in the elementwise format",
          .forward = ssmax_forward, .backward = ssmax_backward,
          .contract = &ssmax_contract },
        NS_END_ALGORITHMS,
    },
    .params = { { "s", 1.0, "scale: the logits are multiplied by s ln(n)" } },
};
