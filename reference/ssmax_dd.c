/* The fast tier of the ssmax reference (reference/ssmax.c): the same
 * computation in double-double intervals, with a = s ln n,
 * e_i = e^{a (x_i - x_k)}, S = sum_j e_j, y_i = e_i / S and
 * dx_i = a e_i t_i / S^2, t_i = (g_i - G) S - sum_j (g_j - G) e_j, k the
 * first argmax of x (s >= 0) or the first argmin of its unmasked entries
 * (s < 0).  The reference shifts g by g_0; this tier by G = g_k (the same
 * value, since sum_j e_j = S): the largest e_k = 1 meets g_k - G = 0, so
 * t_k gathers only the small terms instead of cancelling.
 *
 * An exponent below -580 is a tiny entry (exp_terms.h): in S (>= 1) it
 * counts as [0, 2^-835]; its e_i, y_i and every term it enters are computed with an
 * exponent (ddi_range.h), and so is every dx_i that leaves ddi's range,
 * rounded to a subnormal or a zero.  A zero dx_i takes the sign of a t_i
 * (e_i, S > 0 in MPFI; a's sign is s's), known when |t_i| > 2^-45 M 2 S,
 * M = max |g_j|: MPFI's first precision p >= 64 + 2 log2 n computes t_i in
 * about 4n outward roundings, each below 2^-p of a term |g_i - g_0| S or
 * |g_j - g_0| e_j (the exponentials' own widths |a d| 2^-p e^{a d} <=
 * 2^-p / e), so its enclosure is narrower than (4n + 10) 2^-p 2 M 2 S.
 *
 * A non-finite s (NaN everywhere) is left to MPFR; an all-masked row gives
 * zeros, as in MPFI.  A zero t_i is exact here only when every unmasked g_j
 * equals G; MPFI's is exact then only if g_0 = G, so otherwise (g_0 masked
 * and different) the row goes to MPFR. */
#include "tier.h"

#include <math.h>
#include <stdlib.h>

#include "ddi.h"
#include "ddi_range.h"
#include "ddi_sum.h"
#include "exp_terms.h"

enum { SSMAX_S };

#define SIGN_MARGIN 45

int ns_ref_ssmax_dd(const ns_ref_input *in, double *y, double *dx)
{
    size_t n = in->n;
    double s_param = in->param[SSMAX_S];
    if (!isfinite(s_param))
        return 0;
    size_t k = s_param >= 0 ? ns_ref_argmax(in->x, n) : ns_ref_argmin(in->x, n);
    if (k == n)
        return ns_ref_tier_zeros(n, y, dx);  /* all masked: zero denominator */
    ddi a = ddi_mul(ddi_log_of_double((double)n), ddi_from_double(s_param));
    ddi_sum sum;                             /* pairwise: ddi_sum.h */
    ddi_sum_init(&sum);
    /* e^d for |d| = |a| |x_i - x_k| < 2^20 2^-898.9 (a difference of
     * subnormal or tiny logits): within 1 +- 2^-877. */
    exp_terms terms;
    if (!exp_terms_compute(&terms, in->x, n, in->x[k], &a, fabs(a.hi) < 0x1p20 ? 0x1p-877 : INFINITY, &sum))
        return 0;
    size_t ntiny = terms.ntiny;
    ddi S = exp_terms_total(&terms, &sum);
    ddix Sx = ddix_of(S);
    ddi inv_S = ddi_div(ddi_from_double(1), S);   /* one division: e_i (1/S) encloses e_i / S */
    int ok = exp_terms_weights(&terms, n, inv_S, Sx, y);
    if (ok && dx) {
        double G = in->g[k], M;
        ddi ge;                              /* sum_j (g_j - G) e_j, in range */
        ddix gex = exp_terms_gradient_sum(&terms, in->g, n, G, ntiny > 0, &ge, &M);   /* or wide */
        if (ddi_is_exact_zero(ge) && ddi_is_exact_zero(gex.a) && in->g[0] != G)
            ok = 0;                          /* MPFI's g_0 shift leaves an interval */
        ddix ax = ddix_of(a);
        int asign = s_param > 0 ? 1 : -1;    /* a = 0 gives exact zeros */
        ddix bound = ddix_of(ddi_from_double(M * 2 * S.hi * (1 + 0x1p-50)));
        ddi a_S2 = ddi_mul(a, ddi_mul(inv_S, inv_S));   /* a / S^2 */
        for (size_t i = 0; ok && i < n; i++) {
            if (ddi_is_exact_zero(terms.e[i])) {
                dx[i] = 0.0;
                continue;
            }
            ddi gs = ddi_mul(ddi_diff(in->g[i], G), S);
            if (!ntiny && ddi_round(ddi_mul(ddi_mul(terms.e[i], ddi_sub(gs, ge)), a_S2), &dx[i]))
                continue;
            ddix t = ddix_add(ddix_of(gs), ddix_neg(gex));
            ddix d = ddix_div(ddix_div(ddix_mul(ddix_mul(terms.ex[i], t), ax), Sx), Sx);
            ok = ddix_round(d, ddix_exceeds(t, bound, SIGN_MARGIN) ? asign * ddix_sign(t) : 0, &dx[i]);
        }
    }
    exp_terms_free(&terms);
    return ok;
}
