/* Plain MPFR evaluations (plain.h) of the families built on exponentials.
 * Every operation rounds to nearest at the working precision; x_i - x_k of
 * two doubles is exact from 2100 bits on.  Masked entries (x = -inf) go
 * through the same formulas: e^{-inf} = 0 and 1/(1 + e^{+inf}) = 0 in MPFR. */
#include "plain.h"

#include <math.h>

#define RN MPFR_RNDN

/* out = e^{x - c} (0 for x = -inf). */
static void exp_shifted(mpfr_ptr out, double x, double c)
{
    mpfr_set_d(out, x, RN);
    mpfr_sub_d(out, out, c, RN);
    mpfr_exp(out, out, RN);
}

/* out = sigma(z) = 1 / (1 + e^{-z}). */
static void sigma(mpfr_ptr out, mpfr_srcptr z)
{
    mpfr_neg(out, z, RN);
    mpfr_exp(out, out, RN);
    mpfr_add_ui(out, out, 1, RN);
    mpfr_ui_div(out, 1, out, RN);
}

/* y_i = w_i / (w_0 + sum_j w_j), w_i = e^{a (x_i - c)}, and dx = a y (g - <g, y>)
 * (plain.h's ratio gradient with w' = a w).  w_0 = 0 for softmax and ssmax,
 * e^{-c} for softmax1. */
static int exp_ratio(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx, double a_scale,
                     int log_n, double c, int plus_one)
{
    size_t n = in->n;
    mpfr_t a, s;
    mpfr_inits2(prec, a, s, (mpfr_ptr)0);
    mpfr_set_d(a, a_scale, RN);
    if (log_n) {                               /* a = s ln n */
        mpfr_t l;
        mpfr_init2(l, prec);
        mpfr_log_ui(l, (unsigned long)n, RN);
        mpfr_mul(a, a, l, RN);
        mpfr_clear(l);
    }
    mpfr_set_ui(s, 0, RN);
    if (plus_one)
        exp_shifted(s, 0, c);
    for (size_t i = 0; i < n; i++) {
        if (in->x[i] == -INFINITY) {
            mpfr_set_ui(&y[i], 0, RN);
            continue;
        }
        mpfr_set_d(&y[i], in->x[i], RN);
        mpfr_sub_d(&y[i], &y[i], c, RN);
        mpfr_mul(&y[i], &y[i], a, RN);
        mpfr_exp(&y[i], &y[i], RN);
        mpfr_add(s, s, &y[i], RN);
    }
    for (size_t i = 0; i < n; i++)
        mpfr_div(&y[i], &y[i], s, RN);
    if (dx) {
        mpfr_ptr f = ns_plain_vec(n, prec);
        if (!f) {
            mpfr_clears(a, s, (mpfr_ptr)0);
            return 0;
        }
        for (size_t i = 0; i < n; i++)
            mpfr_mul(&f[i], &y[i], a, RN);
        ns_plain_ratio_gradient(in, y, f, dx);
        ns_plain_vec_free(f, n);
    }
    mpfr_clears(a, s, (mpfr_ptr)0);
    return 1;
}

/* softmax: y = e^x / sum e^x, shifted by m = max x. */
int ns_plain_softmax(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    size_t k = ns_ref_argmax(in->x, in->n);
    if (k == in->n) {                          /* all masked: zeros */
        ns_plain_fill(in->n, y, dx, 0);
        return 1;
    }
    return exp_ratio(in, prec, y, dx, 1, 0, in->x[k], 0);
}

/* softmax1: y = e^x / (1 + sum e^x), numerator and denominator times e^{-c},
 * c = max(0, max x); an all-masked row is 0 / 1. */
int ns_plain_softmax1(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    size_t k = ns_ref_argmax(in->x, in->n);
    double c = k < in->n && in->x[k] > 0 ? in->x[k] : 0;
    return exp_ratio(in, prec, y, dx, 1, 0, c, 1);
}

/* ssmax: softmax of z = s ln(n) x, shifted by the largest z (masked entries
 * absent, all masked: zeros; a non-finite s: NaN). */
int ns_plain_ssmax(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    double s = in->param[0];
    if (!isfinite(s)) {
        ns_plain_fill(in->n, y, dx, NAN);
        return 1;
    }
    size_t k = in->n;
    for (size_t i = 0; i < in->n; i++)         /* the largest s x */
        if (in->x[i] != -INFINITY && (k == in->n || (s >= 0 ? in->x[i] > in->x[k] : in->x[i] < in->x[k])))
            k = i;
    if (k == in->n) {
        ns_plain_fill(in->n, y, dx, 0);
        return 1;
    }
    return exp_ratio(in, prec, y, dx, s, 1, in->x[k], 0);
}

/* sigmoid: y_i = sigma(x_i - ln n), dx_i = g_i y_i (1 - y_i). */
int ns_plain_sigmoid(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    mpfr_t ln_n, z;
    mpfr_inits2(prec, ln_n, z, (mpfr_ptr)0);
    mpfr_log_ui(ln_n, (unsigned long)in->n, RN);
    for (size_t i = 0; i < in->n; i++) {
        mpfr_d_sub(z, in->x[i], ln_n, RN);
        sigma(&y[i], z);
        if (dx) {
            mpfr_ui_sub(z, 1, &y[i], RN);
            mpfr_mul(&dx[i], &y[i], z, RN);
            mpfr_mul_d(&dx[i], &dx[i], in->g[i], RN);
        }
    }
    mpfr_clears(ln_n, z, (mpfr_ptr)0);
    return 1;
}

/* logsoftmax: y_i = (x_i - m) - ln sum_j e^{x_j - m} (-inf where masked),
 * dx_i = g_i - p_i sum_j g_j with p_i = e^{x_i - m} / sum_j e^{x_j - m}
 * (masked: dx_i = g_i).  All masked: zeros. */
int ns_plain_logsoftmax(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    size_t n = in->n, k = ns_ref_argmax(in->x, n);
    if (k == n) {
        ns_plain_fill(n, y, dx, 0);
        return 1;
    }
    double m = in->x[k];
    mpfr_t s, t, gsum;
    mpfr_inits2(prec, s, t, gsum, (mpfr_ptr)0);
    mpfr_set_ui(s, 0, RN);
    mpfr_set_ui(gsum, 0, RN);
    for (size_t i = 0; i < n; i++) {
        exp_shifted(t, in->x[i], m);
        mpfr_add(s, s, t, RN);
        if (dx)
            mpfr_add_d(gsum, gsum, in->g[i], RN);
    }
    mpfr_log(t, s, RN);
    for (size_t i = 0; i < n; i++) {
        mpfr_set_d(&y[i], in->x[i], RN);
        mpfr_sub_d(&y[i], &y[i], m, RN);
        mpfr_sub(&y[i], &y[i], t, RN);
        if (dx) {
            exp_shifted(&dx[i], in->x[i], m);
            mpfr_div(&dx[i], &dx[i], s, RN);
            mpfr_mul(&dx[i], &dx[i], gsum, RN);
            mpfr_d_sub(&dx[i], in->g[i], &dx[i], RN);
        }
    }
    mpfr_clears(s, t, gsum, (mpfr_ptr)0);
    return 1;
}

/* softpick: a_i = e^{x_i} - 1, D = sum_j |a_j| + eps, y_i = relu(a_i) / D.
 * d relu(a_i)/dx_j = [i = j][x_j > 0] e^{x_j}, d|a_j|/dx_j = sign(x_j) e^{x_j}, so
 *     dx_j = e^{x_j} / D ([x_j > 0] g_j - sign(x_j) <g, y>)
 * (0 at x_j = 0, where relu'(0) = 0 and |.|'(0) = 0).  Numerator and
 * denominator are multiplied by e^{-c}, c = max(0, max x): a_i e^{-c} =
 * e^{x_i - c} - e^{-c}, formed by that subtraction.  The sign of a_i is
 * the sign of x_i.  eps = 0 and every x = 0: zeros. */
int ns_plain_softpick(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    size_t n = in->n, k = ns_ref_argmax(in->x, n);
    double eps = in->param[0], c = k < n && in->x[k] > 0 ? in->x[k] : 0;
    int all_zero = 1;
    for (size_t i = 0; i < n; i++)
        all_zero = all_zero && in->x[i] == 0;
    if (all_zero && eps == 0) {
        ns_plain_fill(n, y, dx, 0);
        return 1;
    }
    mpfr_t shift, d, t;
    mpfr_inits2(prec, shift, d, t, (mpfr_ptr)0);
    exp_shifted(shift, 0, c);                  /* e^{-c} */
    mpfr_mul_d(d, shift, eps, RN);
    for (size_t i = 0; i < n; i++) {
        exp_shifted(t, in->x[i], c);
        mpfr_sub(t, t, shift, RN);
        mpfr_abs(&y[i], t, RN);
        mpfr_add(d, d, &y[i], RN);
        if (!(in->x[i] > 0))
            mpfr_set_ui(&y[i], 0, RN);
    }
    for (size_t i = 0; i < n; i++)
        mpfr_div(&y[i], &y[i], d, RN);
    if (dx) {
        ns_plain_dot(t, in->g, y, n);          /* <g, y> */
        for (size_t j = 0; j < n; j++) {
            double x = in->x[j];
            if (x > 0)
                mpfr_d_sub(&dx[j], in->g[j], t, RN);
            else
                mpfr_mul_si(&dx[j], t, x < 0, RN);   /* -sign(x_j) <g, y> */
            exp_shifted(shift, x, c);
            mpfr_mul(&dx[j], &dx[j], shift, RN);
            mpfr_div(&dx[j], &dx[j], d, RN);
        }
    }
    mpfr_clears(shift, d, t, (mpfr_ptr)0);
    return 1;
}

/* softplus.norm: y_i = h(x_i) / S, h(x) = ln(1 + e^x), S = sum h, and
 * dx_j = sigma(x_j) / S (g_j - <g, y>) (h' = sigma).  h(x) is formed as
 * x + ln(1 + e^{-x}) for x > 0, so that e^x stays in MPFR's range.  All
 * masked: zeros; a row whose every h is below MPFR's range: not evaluated. */
int ns_plain_softplus_norm(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    size_t n = in->n;
    if (ns_ref_argmax(in->x, n) == n) {
        ns_plain_fill(n, y, dx, 0);
        return 1;
    }
    mpfr_t s;
    mpfr_init2(s, prec);
    mpfr_set_ui(s, 0, RN);
    for (size_t i = 0; i < n; i++) {
        double x = in->x[i];
        exp_shifted(&y[i], x > 0 ? -x : x, 0);
        mpfr_log1p(&y[i], &y[i], RN);
        if (x > 0)
            mpfr_add_d(&y[i], &y[i], x, RN);
        mpfr_add(s, s, &y[i], RN);
    }
    int done = mpfr_sgn(s) > 0;
    for (size_t i = 0; i < n; i++)
        mpfr_div(&y[i], &y[i], s, RN);
    mpfr_ptr f = dx && done ? ns_plain_vec(n, prec) : NULL;
    if (f) {
        for (size_t j = 0; j < n; j++) {
            mpfr_set_d(&f[j], in->x[j], RN);
            sigma(&f[j], &f[j]);
            mpfr_div(&f[j], &f[j], s, RN);
        }
        ns_plain_ratio_gradient(in, y, f, dx);
        ns_plain_vec_free(f, n);
    }
    mpfr_clear(s);
    return done && (f || !dx);
}

/* stickbreaking: y_i = sigma(x_i) prod_{k>i} sigma(-x_k).  With
 * d ln sigma(x)/dx = sigma(-x) and d ln sigma(-x)/dx = -sigma(x),
 * dy_i/dx_j = y_i ([i = j] sigma(-x_j) - [i < j] sigma(x_j)), so
 *     dx_j = g_j y_j sigma(-x_j) - sigma(x_j) sum_{i<j} g_i y_i. */
int ns_plain_stickbreaking(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    size_t n = in->n;
    mpfr_t rest, z, up, down, prefix;
    mpfr_inits2(prec, rest, z, up, down, prefix, (mpfr_ptr)0);
    mpfr_set_ui(rest, 1, RN);                  /* prod_{k>i} sigma(-x_k) */
    for (size_t i = n; i-- > 0;) {
        mpfr_set_d(z, in->x[i], RN);
        sigma(&y[i], z);
        mpfr_mul(&y[i], &y[i], rest, RN);
        mpfr_neg(z, z, RN);
        sigma(down, z);
        mpfr_mul(rest, rest, down, RN);
    }
    if (dx) {
        mpfr_set_ui(prefix, 0, RN);            /* sum_{i<j} g_i y_i */
        for (size_t j = 0; j < n; j++) {
            mpfr_set_d(z, in->x[j], RN);
            sigma(up, z);
            mpfr_neg(z, z, RN);
            sigma(down, z);
            mpfr_mul(&dx[j], &y[j], down, RN);
            mpfr_mul_d(&dx[j], &dx[j], in->g[j], RN);
            mpfr_mul(z, up, prefix, RN);
            mpfr_sub(&dx[j], &dx[j], z, RN);
            mpfr_mul_d(z, &y[j], in->g[j], RN);
            mpfr_add(prefix, prefix, z, RN);
        }
    }
    mpfr_clears(rest, z, up, down, prefix, (mpfr_ptr)0);
    return 1;
}
