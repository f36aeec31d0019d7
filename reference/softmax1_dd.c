/* The fast tier of the softmax1 reference (reference/softmax1.c): the same
 * definition in double-double intervals, with c = max(0, max x),
 * e_i = e^{x_i - c}, s = e^{-c} + sum_j e_j, y_i = e_i / s and
 * dx_i = e_i t_i / s^2, t_i = g_i s - sum_j g_j e_j, evaluated as
 *     t_i = (g_i - G) s - sum_j (g_j - G) e_j + G e^{-c},  G = g_k,
 * k the argmax (the same value): the largest e_k meets g_k - G = 0, so t_k
 * gathers only small terms instead of cancelling g_k s against g_k e_k.
 *
 * x_i - c is exact (TwoSum).  An exponent below TINY is a tiny entry
 * (exp_terms.h), and e^{-c} is tiny when c > -TINY: in s (>= 1) they count
 * as [0, 2^-835];
 * elsewhere they are computed with an exponent (ddi_range.h), and so is
 * every y_i and dx_i that falls below ddi's range, rounded to a subnormal or
 * a zero.  A zero dx_i takes t_i's sign (MPFI's enclosures of e_i and s are
 * positive) when |t_i| > 2^-45 M 2 s, M = max |g_j|: MPFI's first
 * precision p >= 64 + 2 log2 n computes t_i in about 4n outward roundings,
 * each below 2^-p of a term |g_i| s or |g_j| e_j, so its enclosure is
 * narrower than (4n + 10) 2^-p M 2 s < 2^-58 M 2 s.
 *
 * A zero t_i is exact here only when g_i and every unmasked g_j are 0, and
 * then MPFI's is exact too. */
#include "tier.h"

#include <math.h>
#include <stdlib.h>

#include "ddi.h"
#include "ddi_range.h"
#include "ddi_sum.h"
#include "exp_terms.h"

#define TINY EXP_TERMS_TINY
#define SIGN_MARGIN 45

int ns_ref_softmax1_dd(const ns_ref_input *in, double *y, double *dx)
{
    size_t n = in->n, k = ns_ref_argmax(in->x, n);
    double c = k < n && in->x[k] > 0 ? in->x[k] : 0.0;
    int wide = c > -TINY;                    /* something tiny: the ddix path */
    ddi ec = wide ? (ddi){ 0, 0, EXP_TERMS_TINY_BOUND } : ddi_exp(ddi_from_double(-c));
    ddix ecx = wide ? ddix_exp(ddi_from_double(-c)) : ddix_of(ec);
    ddi_sum sum;                             /* pairwise: ddi_sum.h */
    ddi_sum_init(&sum);
    ddi_sum_add(&sum, ec);
    exp_terms terms;                         /* e^d within [1 - |d|, 1] for |d| < 2^-898.9 */
    if (!exp_terms_compute(&terms, in->x, n, c, NULL, 0x1p-897, &sum))
        return 0;
    wide |= terms.ntiny > 0;
    ddi s = exp_terms_total(&terms, &sum);
    ddix sx = ddix_of(s);
    ddi inv_s = ddi_div(ddi_from_double(1), s);   /* one division: e_i (1/s) encloses e_i / s */
    int ok = exp_terms_weights(&terms, n, inv_s, sx, y);
    if (ok && dx) {
        double G = k < n ? in->g[k] : 0, M;
        ddi ge;                              /* sum_j (g_j - G) e_j, in range */
        ddix gex = exp_terms_gradient_sum(&terms, in->g, n, G, wide, &ge, &M);   /* or wide */
        ddi Gec = ddi_mul(ddi_from_double(G), ec);
        ddix Gecx = ddix_mul(ddix_of(ddi_from_double(G)), ecx);
        ddix bound = ddix_of(ddi_from_double(M * 2 * s.hi * (1 + 0x1p-50)));
        ddi inv_s2 = ddi_mul(inv_s, inv_s);
        for (size_t i = 0; ok && i < n; i++) {
            if (ddi_is_exact_zero(terms.e[i])) {
                dx[i] = 0.0;
                continue;
            }
            ddi gs = ddi_mul(ddi_diff(in->g[i], G), s);
            if (!wide && ddi_round(ddi_mul(ddi_mul(terms.e[i], ddi_add(ddi_sub(gs, ge), Gec)), inv_s2), &dx[i]))
                continue;
            ddix t = ddix_add(ddix_add(ddix_of(gs), ddix_neg(gex)), Gecx);
            ddix d = ddix_div(ddix_div(ddix_mul(terms.ex[i], t), sx), sx);
            ok = ddix_round(d, ddix_exceeds(t, bound, SIGN_MARGIN) ? ddix_sign(t) : 0, &dx[i]);
        }
    }
    exp_terms_free(&terms);
    return ok;
}
