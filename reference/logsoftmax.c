/* Reference for logsoftmax: with k the first argmax and m = x_k,
 *     y_i = (x_i - m) - log1p(T),  T = sum_{j != k} e^{x_j - m},
 *     dx_i = g_i - e_i G / (1 + T),  e_i = e^{x_i - m}, G = sum_j g_j
 * (e^{y_i} = e_i / (1 + T) is the softmax weight).
 *
 * Every exponential lies in [0, 1] and log1p keeps the relative accuracy of
 * a small T, so y_k = -log1p(T) is accurate even when it is far below one
 * ulp of m.  Exact values stay exact: e_k = e^0 = 1 and T = 0 when every
 * other entry is masked (or n = 1), giving y_k = 0 exactly; e_i G / s is
 * formed before g_i is subtracted, so a uniform row with a constant g gives
 * dx = 0 exactly rather than an interval straddling zero.
 *
 * Masked entries (x_i = -inf): y_i = -inf (the value of the definition);
 * dx_i = g_i, the limit of the backward formula (e^{y_i} = 0) and of the
 * Jacobian column (dy_j/dx_i = [i = j] - p_i -> [i = j]); every unmasked
 * dx_j still includes g_i in G.  An all-masked row takes the zero-denominator
 * convention: y = 0, dx = 0. */
#include "dd.h"
#include "ref.h"
#include "tier.h"

#include <math.h>

/* A surprise of y_i = (x_i - m) - s with s = log1p(T): when the other
 * entries lie far below m, s is positive but far smaller than any precision
 * can resolve (T = e^{-2.3e14} in a row of one fuzz finding), and when the
 * exact difference x_i - m happens to be a binary64 midpoint, every
 * enclosure straddles that midpoint: the precision would climb to the cap
 * at the cost of thousands of huge exponentials, and still not decide.  But
 * the rounding is known: with 0 < s < h/2, h half the gap at the midpoint,
 * y_i lies strictly between the lower neighbour and the midpoint, so it
 * rounds to the lower neighbour.  The point interval of that neighbour then
 * stands for y_i: not an enclosure of y_i, but of its rounding, which is
 * all the caller takes from it. */
static int settle_midpoint_minus_tiny(mpfi_ptr y, double x, double m, mpfi_srcptr s)
{
    dd a = dd_two_sum(x, -m);                /* x - m = a.hi + a.lo exactly */
    if (!isfinite(a.hi) || a.lo == 0 || mpfr_sgn(&s->left) <= 0)
        return 0;
    double other = nextafter(a.hi, a.lo > 0 ? INFINITY : -INFINITY);
    if (other - a.hi != 2 * a.lo)            /* not halfway between neighbours */
        return 0;
    double half_gap = fabs(a.lo);
    if (mpfr_cmp_d(&s->right, ldexp(half_gap, -1)) >= 0)
        return 0;
    mpfi_set_d(y, fmin(a.hi, other));
    return 1;
}

static void logsoftmax_enclose(const ns_ref_input *in, mpfr_prec_t prec, mpfi_ptr y, mpfi_ptr dx)
{
    size_t n = in->n, k = ns_ref_argmax_or_zeros(in, y, dx);
    if (k == n)
        return;
    double m = in->x[k];
    mpfi_t t, e, s;
    ns_mpfi_inits2(prec, t, e, s, (mpfi_ptr)0);
    mpfi_set_ui(t, 0);                       /* t = T */
    for (size_t i = 0; i < n; i++) {
        if (in->x[i] == -INFINITY || i == k)
            continue;
        ns_mpfi_diff(e, in->x[i], m);
        mpfi_exp(e, e);
        mpfi_add(t, t, e);
    }
    mpfi_log1p(s, t);                        /* s = log1p(T) */
    for (size_t i = 0; i < n; i++) {
        if (in->x[i] == -INFINITY) {
            mpfi_set_d(&y[i], -INFINITY);
            continue;
        }
        if (settle_midpoint_minus_tiny(&y[i], in->x[i], m, s))
            continue;
        ns_mpfi_diff(&y[i], in->x[i], m);
        mpfi_sub(&y[i], &y[i], s);
    }
    if (dx) {
        mpfi_add_ui(s, t, 1);                /* s = 1 + T */
        mpfi_set_ui(t, 0);                   /* t = G */
        for (size_t i = 0; i < n; i++)
            mpfi_add_d(t, t, in->g[i]);
        for (size_t i = 0; i < n; i++) {
            mpfi_set_d(&dx[i], in->g[i]);
            if (in->x[i] == -INFINITY)
                continue;
            ns_mpfi_diff(e, in->x[i], m);
            mpfi_exp(e, e);
            mpfi_mul(e, e, t);
            mpfi_div(e, e, s);
            mpfi_sub(&dx[i], &dx[i], e);
        }
    }
    ns_mpfi_clears(t, e, s, (mpfi_ptr)0);
}

const ns_reference ns_ref_logsoftmax = { .family = "logsoftmax", .enclose = logsoftmax_enclose,
                                         .tier = ns_ref_logsoftmax_dd };
