/* Reference for softplus.norm: y_i = h(x_i) / sum_j h(x_j), h(x) =
 * log(1 + e^x), and dx_j = sigma(x_j) / S . (g'_j - <g', y>) with
 * g' = g - g_0 (sum y = 1, so a constant g gives exactly 0).
 *
 * Every term is divided by h(c), c = max x, first: with r_i = h(x_i) / h(c),
 * q_j = sigma(x_j) / h(c) and s = sum_i r_i,
 *     y_i = r_i / s,   dx_j = q_j (g'_j s - sum_i g'_i r_i) / s^2
 * (formed before any division, so that an exact cancellation stays exact).
 * r_i = 1 exactly where x_i = c.
 *   c > 0:  h(x) = x + log1p(e^{-x}) for x > 0, log1p(e^x) otherwise,
 *           sigma(x) = 1 / (1 + e^{-x}); nothing overflows, and an e^x
 *           below MPFR's exponent range only leaves a tiny absolute
 *           enclosure [0, 2^emin] next to h(c) >= ln 2.
 *   c <= 0: h(x) = e^x phi(e^x) with phi(t) = log1p(t) / t in [1 - t/2, 1],
 *           so r_i = e^{x_i - c} phi(e^{x_i}) / phi(e^c) and
 *           q_j = e^{x_j - c} / ((1 + e^{x_j}) phi(e^c)).  This stays
 *           exact in ratio even when every h(x_i) is below MPFR's range
 *           (a row of -1e300 gives 1/n, not 0/0).
 *
 * Masked entries (x_i = -inf): h = 0 and sigma = 0, so y_i = 0 and
 * dx_i = 0 exactly (the limit of the definition).  An all-masked row has
 * S = 0 and takes the zero-denominator convention: all zeros. */
#include "ref.h"
#include "tier.h"

#include <math.h>

/* out = phi(t) = log1p(t) / t for an enclosure t of a value in (0, 1].
 * Below 2^-prec the bounds t - t^2/2 <= log1p(t) <= t give the enclosure
 * [1 - t_hi/2, 1], tighter than the working precision and valid when t's
 * lower end has underflowed to 0. */
static void phi(mpfi_ptr out, mpfi_srcptr t, mpfr_prec_t prec)
{
    mpfr_t hi;
    mpfr_init2(hi, mpfi_get_prec(t));
    mpfi_get_right(hi, t);
    if (mpfr_zero_p(hi) || mpfr_get_exp(hi) < -prec) {
        mpfi_set_fr(out, hi);
        mpfi_div_2ui(out, out, 1);
        mpfi_ui_sub(out, 1, out);
        mpfi_put_si(out, 1);
    } else {
        mpfi_log1p(out, t);
        mpfi_div(out, out, t);
    }
    mpfr_clear(hi);
}

/* out = h(x) for x > 0 or x <= 0 (finite). */
static void softplus(mpfi_ptr out, double x)
{
    mpfi_set_d(out, x > 0 ? -x : x);
    mpfi_exp(out, out);
    mpfi_log1p(out, out);
    if (x > 0)
        mpfi_add_d(out, out, x);
}

/* out = sigma(x) = 1 / (1 + e^{-x}) (e^{-x} may overflow to an enclosure
 * reaching +inf: the result is then [0, tiny], still valid). */
static void sigma(mpfi_ptr out, double x)
{
    mpfi_set_d(out, -x);
    mpfi_exp(out, out);
    mpfi_add_ui(out, out, 1);
    mpfi_ui_div(out, 1, out);
}

static void softplus_norm_enclose(const ns_ref_input *in, mpfr_prec_t prec, mpfi_ptr y, mpfi_ptr dx)
{
    size_t n = in->n, k = ns_ref_argmax_or_zeros(in, y, dx);
    if (k == n)
        return;
    double c = in->x[k];
    mpfi_t hc, s, t, u, gr;
    ns_mpfi_inits2(prec, hc, s, t, u, gr, (mpfi_ptr)0);
    if (c > 0) {                             /* hc = h(c) */
        softplus(hc, c);
    } else {                                 /* hc = phi(e^c) */
        mpfi_set_d(t, c);
        mpfi_exp(t, t);
        phi(hc, t, prec);
    }

    /* y_i = r_i, then s = sum r. */
    mpfi_set_ui(s, 0);
    for (size_t i = 0; i < n; i++) {
        double xi = in->x[i];
        if (xi == -INFINITY) {
            mpfi_set_ui(&y[i], 0);
            continue;
        }
        if (xi == c) {
            mpfi_set_ui(&y[i], 1);
        } else if (c > 0) {
            softplus(&y[i], xi);
            mpfi_div(&y[i], &y[i], hc);
        } else {
            mpfi_set_d(t, xi);
            mpfi_exp(t, t);
            phi(u, t, prec);
            ns_mpfi_diff(&y[i], xi, c);
            mpfi_exp(&y[i], &y[i]);
            mpfi_mul(&y[i], &y[i], u);
            mpfi_div(&y[i], &y[i], hc);
        }
        mpfi_add(s, s, &y[i]);
    }
    if (dx) {                                /* before y is divided by s */
        ns_mpfi_shifted_dot(gr, in->g, y, n, t);     /* gr = sum_i g'_i r_i */
        for (size_t j = 0; j < n; j++) {
            double xj = in->x[j];
            if (xj == -INFINITY) {
                mpfi_set_ui(&dx[j], 0);
                continue;
            }
            if (c > 0) {                     /* dx_j = q_j */
                sigma(&dx[j], xj);
            } else {
                mpfi_set_d(t, xj);
                mpfi_exp(t, t);
                mpfi_add_ui(t, t, 1);
                ns_mpfi_diff(&dx[j], xj, c);
                mpfi_exp(&dx[j], &dx[j]);
                mpfi_div(&dx[j], &dx[j], t);
            }
            mpfi_div(&dx[j], &dx[j], hc);
            ns_mpfi_diff(t, in->g[j], in->g[0]); /* t = g'_j s - gr */
            mpfi_mul(t, t, s);
            mpfi_sub(t, t, gr);
            mpfi_mul(&dx[j], &dx[j], t);
            mpfi_div(&dx[j], &dx[j], s);
            mpfi_div(&dx[j], &dx[j], s);
        }
    }
    ns_ref_div_all(y, n, s);
    ns_mpfi_clears(hc, s, t, u, gr, (mpfi_ptr)0);
}

const ns_reference ns_ref_softplus_norm = { .family = "softplus.norm", .enclose = softplus_norm_enclose,
                                            .tier = ns_ref_softplus_norm_dd };
