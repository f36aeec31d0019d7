/* Reference for softmax: y_i = e^{x_i - m} / sum_j e^{x_j - m}, m = max x,
 * and dx_i = y_i (g'_i - <g', y>) with g' = g - g_0.
 *
 * The shift by m keeps every exponential in (0, 1] whatever the magnitude
 * of x; the shift of g by one of its own entries (allowed because
 * sum y = 1) makes a constant g give exactly zero, which an enclosure could
 * otherwise only approach.
 *
 * The forward pass is evaluated in midpoint-radius form (mr.h): one
 * mpfr_exp per entry where MPFI would evaluate two (one per endpoint), the
 * sum and quotients rounded to nearest, and an a priori radius; the driver
 * rounds the interval [mid - rad, mid + rad] as it would an MPFI one, and
 * since both contain the exact value, the correctly rounded results are the
 * same.  The interval is cut to [0, 1], where y lies.
 *
 * The gradient is then computed in MPFI from those intervals: it costs no
 * exponential, and inf-sup arithmetic keeps the one-sided bounds that decide
 * the sign of a dx too small for any double.  When one entry k dominates
 * (the others e^{-1000} or less), g'_k - t = g'_k (1 - y_k) - sum_{j != k}
 * g'_j y_j is far below what any precision resolves, and it is the exact
 * upper end y_k <= 1 that shows its sign; a symmetric radius around y_k
 * loses it, and a zero of the other sign would come out.
 *
 * Exact values stay exact (radius 0): masked entries (y = 0), a row whose
 * exponentials, sum and quotients are all exact (ties among a power of two
 * of unmasked entries), and a constant g (g' = 0, so dx = 0). */
#include "ref.h"
#include "tier.h"

#include <math.h>

#include "mr.h"

/* The forward pass, with an a priori bound.  With p = prec, u = 2^-p and
 * the standard model fl(a op b) = (a op b)(1 + d), |d| <= u, which MPFR's
 * correctly rounded operations satisfy in range (Higham, "Accuracy and
 * Stability of Numerical Algorithms", 2nd ed. 2002, eq. (2.4)):
 *   e_i = e^{x_i - m}, the argument exact:  e'_i = e_i (1 + d_i);
 *   s' = e'_0 + ... in order (recursive summation, Higham eq. (4.3) and
 *     Lemma 3.1): s' = sum_i e_i (1 + theta_n^(i)), |theta_n| <= gamma_n,
 *     gamma_n = n u / (1 - n u); all e_i >= 0 and e_k = 1 <= s, so
 *     s' = s (1 + theta) with |theta| <= gamma_n + u <= gamma_{n+1}, the u
 *     covering the entries whose exponential underflowed (each off by less
 *     than 2^emin, in all 2n 2^emin <= u s, as emin <= -p - 64);
 *   y'_i = fl(e'_i / s') = y_i (1 + d_i)(1 + d) / (1 + theta).
 * With (n + 1) u <= 2^-20: |y'_i / y_i - 1| <= (1 + u)^2 / (1 - gamma_{n+1})
 * - 1 <= 1.00001 (n + 3) u, hence |y'_i - y_i| <= 1.0001 (n + 3) u y'_i;
 * the radius is twice that, 2 (n + 3) u y'_i, rounded up.
 * The model fails only on an underflow (MPFR has no subnormals), so where
 * y'_i is 0 or below 2^emin (its exponential or the quotient underflowed,
 * or it is simply that small) the enclosure is [0, 2^(emin+1)], which holds
 * y_i in every case: y_i <= e_i < 2^emin after an underflowed exponential,
 * and y_i < 2^emin (1 + 2^-19) otherwise.  Outside its conditions (a
 * precision below log2(n + 1) + 20 bits, a narrow exponent range) the bound
 * is not used: the radius is +inf, which never settles, and the driver
 * raises the precision (its first precision already meets them). */

/* yi = y'_i: its radius, given whether any operation that led to it was
 * inexact. */
static void quotient_radius(ns_mr *yi, int inexact, size_t n, int bound_holds)
{
    mpfr_exp_t emin = mpfr_get_emin();
    if (!inexact) {
        mpfr_set_zero(yi->rad, 1);
    } else if (!bound_holds) {
        mpfr_set_inf(yi->rad, 1);
    } else if (mpfr_zero_p(yi->mid) || mpfr_get_exp(yi->mid) <= emin) {
        mpfr_set_ui_2exp(yi->mid, 1, emin, MPFR_RNDN);
        mpfr_set_ui_2exp(yi->rad, 1, emin, MPFR_RNDU);
    } else {
        mpfr_mul_ui(yi->rad, yi->mid, 2 * ((unsigned long)n + 3), MPFR_RNDU);
        mpfr_mul_2si(yi->rad, yi->rad, -(long)mpfr_get_prec(yi->mid), MPFR_RNDU);
    }
}

/* y = the intersection of [0, 1] with an enclosure, in place. */
static void cut_to_unit(mpfi_ptr y)
{
    if (mpfr_sgn(&y->left) < 0)
        mpfr_set_zero(&y->left, 1);
    if (mpfr_cmp_ui(&y->right, 1) > 0)
        mpfr_set_ui(&y->right, 1, MPFR_RNDU);
}

/* y[i] = e_i / s. */
static void softmax_forward(const ns_ref_input *in, size_t k, mpfr_prec_t prec, mpfi_ptr y)
{
    size_t n = in->n;
    int inexact = 0;
    mpfr_t s;
    mpfr_init2(s, prec);
    mpfr_set_ui(s, 0, MPFR_RNDN);
    for (size_t i = 0; i < n; i++) {
        if (in->x[i] == -INFINITY) {
            mpfi_set_ui(&y[i], 0);
            continue;
        }
        mpfr_ptr e = &y[i].left;                 /* e'_i waits in y[i] */
        inexact |= ns_exp_diff_d(e, in->x[i], in->x[k]) != 0;
        inexact |= mpfr_add(s, s, e, MPFR_RNDN) != 0;
    }
    int bound_holds = (double)n + 1 <= ldexp(1.0, (int)prec - 20) &&
                      mpfr_get_emin() <= -(mpfr_exp_t)prec - 64;
    ns_mr yi;
    ns_mr_init2(&yi, prec);
    for (size_t i = 0; i < n; i++) {
        if (in->x[i] == -INFINITY)
            continue;
        int t = mpfr_div(yi.mid, &y[i].left, s, MPFR_RNDN);
        quotient_radius(&yi, inexact || t != 0, n, bound_holds);
        ns_mr_get_mpfi(&y[i], &yi);
        cut_to_unit(&y[i]);
    }
    ns_mr_clear(&yi);
    mpfr_clear(s);
}

/* dx_i = y_i (g'_i - t), t = <g', y>, in MPFI. */
static void softmax_backward(const ns_ref_input *in, mpfr_prec_t prec, mpfi_srcptr y, mpfi_ptr dx)
{
    size_t n = in->n;
    mpfi_t s, t;
    ns_mpfi_inits2(prec, s, t, (mpfi_ptr)0);
    ns_mpfi_shifted_dot(s, in->g, y, n, t);
    for (size_t i = 0; i < n; i++) {
        ns_mpfi_diff(t, in->g[i], in->g[0]);
        mpfi_sub(t, t, s);
        mpfi_mul(&dx[i], &y[i], t);
    }
    ns_mpfi_clears(s, t, (mpfi_ptr)0);
}

static void softmax_enclose(const ns_ref_input *in, mpfr_prec_t prec, mpfi_ptr y, mpfi_ptr dx)
{
    size_t n = in->n, k = ns_ref_argmax_or_zeros(in, y, dx);
    if (k == n)                              /* all masked: zero denominator */
        return;
    softmax_forward(in, k, prec, y);
    if (dx)
        softmax_backward(in, prec, y, dx);
}

const ns_reference ns_ref_softmax = { .family = "softmax", .enclose = softmax_enclose,
                                      .tier = ns_ref_softmax_dd };
