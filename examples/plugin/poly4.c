/* poly4: degree-4 polynomial attention, y_i = x_i^4 / sum_j x_j^4.
 *
 * Polynomial attention replaces e^s by an even power of the score s, which
 * sketching can linearize (PolySketchFormer: Kacham, Mirrokni & Zhong,
 * "PolySketchFormer: Fast Transformers via Sketching Polynomial Kernels",
 * ICML 2024, degree p = 4).  A masked entry (-inf) weighs 0; a row whose
 * entries are all 0 or masked has a zero normalizing sum, so the reference
 * gives zeros there (SPEC section 3).  Backward, as for every ratio(h):
 * dx_j = h'(x_j) / S (g_j - <g, y>), h' = 4 x^3.
 *
 * Two algorithms show where it breaks:
 *   poly4.naive   h = (x x)(x x), S = sum h, y = h / S, as written.  x^4
 *                 overflows for |x| >= 16 in fp16 (16^4 = 65536 > 65504:
 *                 inf / inf = NaN) and underflows to 0 for |x| < 2^-6.25
 *                 (a row of small scores gives 0 / 0).
 *   poly4.scaled  divides by M = max |x_j| first: t = x / M lies in [-1, 1]
 *                 and the largest entry contributes exactly 1 to S, so S is
 *                 in [1, n]: no overflow and no zero denominator.  A weight
 *                 whose t^4 underflows is below the format's smallest value
 *                 relative to the largest weight, i.e. lost in the output
 *                 anyway.
 * Error of both where nothing overflows: ratio(h) with h rounded three times
 * (two squarings' errors double in the fourth power, 2 + 2 + ... <= 4 u to
 * first order; the scaled one adds the division by M): (n + 8) u per weight
 * with a sequential sum (Higham, Accuracy and Stability of Numerical
 * Algorithms, 2nd ed., section 4.2).
 *
 * The reference is exact arithmetic in MPFR at the working precision. */
#include <math.h>

#include <normstab/plugin.h>

static nsp_num fourth(const nsp_ops *op, nsp_num x)
{
    nsp_num x2 = op->mul(op, x, x);
    return op->mul(op, x2, x2);
}

/* h'(x) = 4 x^3 */
static nsp_num fourth_slope(const nsp_ops *op, nsp_num x)
{
    return op->mul(op, op->constant(op, 4.0), op->mul(op, op->mul(op, x, x), x));
}

static int masked(nsp_num x) { return x.v == -INFINITY; }

static void naive_forward(const nsp_ops *op, const nsp_num *x, nsp_num *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = masked(x[i]) ? op->exact(op, 0) : fourth(op, x[i]);
    nsp_num s = op->denominator(op, op->sum(op, y, n));
    for (size_t i = 0; i < n; i++)
        y[i] = op->div(op, y[i], s);
}

/* Recomputes S from x, as a kernel that does not keep it would. */
static void naive_backward(const nsp_ops *op, const nsp_num *x, const nsp_num *y,
                           const nsp_num *g, nsp_num *dx, size_t n)
{
    nsp_num *h = op->scratch(op, n);
    if (!h)
        return;
    for (size_t i = 0; i < n; i++)
        h[i] = masked(x[i]) ? op->exact(op, 0) : fourth(op, x[i]);
    nsp_num s = op->denominator(op, op->sum(op, h, n));
    nsp_num gy = op->dot(op, g, y, n);
    for (size_t j = 0; j < n; j++) {
        nsp_num slope = masked(x[j]) ? op->exact(op, 0) : fourth_slope(op, x[j]);
        dx[j] = op->mul(op, op->div(op, slope, s), op->sub(op, g[j], gy));
    }
}

/* M = max |x_j| over unmasked entries: exact (inputs are exact), so taken on
 * the values themselves.  A NaN anywhere gives NaN. */
static double max_abs(const nsp_num *x, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i].v))
            return NAN;
        if (!masked(x[i]) && fabs(x[i].v) > m)
            m = fabs(x[i].v);
    }
    return m;
}

/* t^4 / S_t with t = x / M: the scaled terms in h (scratch or y). */
static nsp_num scaled_terms(const nsp_ops *op, const nsp_num *x, nsp_num m, nsp_num *h, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h[i] = masked(x[i]) ? op->exact(op, 0) : fourth(op, op->div(op, x[i], m));
    return op->denominator(op, op->sum(op, h, n));
}

static void scaled_forward(const nsp_ops *op, const nsp_num *x, nsp_num *y, size_t n)
{
    double mv = max_abs(x, n);
    if (mv == 0) {               /* all zero or masked: S = 0, the convention's zeros */
        for (size_t i = 0; i < n; i++)
            y[i] = op->exact(op, 0);
        return;
    }
    nsp_num m = op->denominator(op, op->exact(op, mv));
    nsp_num s = scaled_terms(op, x, m, y, n);
    for (size_t i = 0; i < n; i++)
        y[i] = op->div(op, y[i], s);
}

/* dx_j = 4 t_j^3 / (M S_t) (g_j - <g, y>), since h'(x_j) / S = 4 x_j^3 / (M^4 S_t). */
static void scaled_backward(const nsp_ops *op, const nsp_num *x, const nsp_num *y,
                            const nsp_num *g, nsp_num *dx, size_t n)
{
    double mv = max_abs(x, n);
    nsp_num *h = op->scratch(op, n);
    if (!h)
        return;
    if (mv == 0) {
        for (size_t i = 0; i < n; i++)
            dx[i] = op->exact(op, 0);
        return;
    }
    nsp_num m = op->denominator(op, op->exact(op, mv));
    nsp_num s = scaled_terms(op, x, m, h, n);
    nsp_num ms = op->denominator(op, op->mul(op, m, s));
    nsp_num gy = op->dot(op, g, y, n);
    for (size_t j = 0; j < n; j++) {
        nsp_num slope = masked(x[j]) ? op->exact(op, 0) : fourth_slope(op, op->div(op, x[j], m));
        dx[j] = op->mul(op, op->div(op, slope, ms), op->sub(op, g[j], gy));
    }
}

/* The reference: y_i = x_i^4 / S and dx_j = 4 x_j^3 / S (g_j - <g, y>) in
 * MPFR at precision prec (every operation rounded once to prec bits, so the
 * error is a few units of 2^-prec relatively; nothing overflows in MPFR's
 * exponent range). */
static int poly4_reference(const double *x, const double *g, const double *param, size_t n,
                           mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    (void)param;
    mpfr_t s, t, gy;
    mpfr_inits2(prec, s, t, gy, (mpfr_ptr)0);
    mpfr_set_zero(s, 1);
    for (size_t i = 0; i < n; i++) {
        if (x[i] == -INFINITY) {
            mpfr_set_zero(y + i, 1);
        } else {
            mpfr_set_d(t, x[i], MPFR_RNDN);
            mpfr_pow_ui(y + i, t, 4, MPFR_RNDN);
        }
        mpfr_add(s, s, y + i, MPFR_RNDN);
    }
    int zero = mpfr_zero_p(s);
    for (size_t i = 0; i < n; i++) {
        if (zero)
            mpfr_set_zero(y + i, 1);
        else
            mpfr_div(y + i, y + i, s, MPFR_RNDN);
    }
    if (g) {
        mpfr_set_zero(gy, 1);
        for (size_t i = 0; i < n; i++) {
            mpfr_mul_d(t, y + i, g[i], MPFR_RNDN);
            mpfr_add(gy, gy, t, MPFR_RNDN);
        }
        for (size_t j = 0; j < n; j++) {
            if (zero || x[j] == -INFINITY) {
                mpfr_set_zero(dx + j, 1);
                continue;
            }
            mpfr_set_d(t, x[j], MPFR_RNDN);
            mpfr_pow_ui(t, t, 3, MPFR_RNDN);
            mpfr_mul_ui(t, t, 4, MPFR_RNDN);
            mpfr_div(t, t, s, MPFR_RNDN);
            mpfr_d_sub(dx + j, g[j], gy, MPFR_RNDN);
            mpfr_mul(dx + j, dx + j, t, MPFR_RNDN);
        }
    }
    mpfr_clears(s, t, gy, (mpfr_ptr)0);
    return 0;
}

static const nsp_algorithm poly4_algorithms[] = {
    { .name = "poly4.naive", .summary = "x^4 / sum x^4 as written (x^4 overflows for |x| >= 16 in fp16)",
      .forward = naive_forward, .backward = naive_backward },
    { .name = "poly4.scaled", .summary = "divide by max |x| first: (x/M)^4 / sum (x/M)^4",
      .forward = scaled_forward, .backward = scaled_backward },
    { .name = NULL },
};

static const nsp_family families[] = {
    { .name = "poly4",
      .definition = "y_i = x_i^4 / sum_j x_j^4 (degree-4 polynomial attention; masked entries weigh 0)",
      .order = 500,
      .algorithms = poly4_algorithms,
      .reference = poly4_reference },
    { .name = NULL },
};

static const nsp_plugin plugin = {
    .abi_version = NS_PLUGIN_ABI_VERSION,
    .name = "poly4",
    .families = families,
};

const nsp_plugin *ns_plugin_v2(void)
{
    return &plugin;
}
