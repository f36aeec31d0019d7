/* The fast tier of the softmax reference (reference/softmax.c): the same
 * definition, y_i = e^{x_i - m} / sum_j e^{x_j - m} and
 * dx_i = y_i (g'_i - <g', y>), in double-double intervals.
 *
 * x_i - m is exact (TwoSum).  The reference shifts g by g_0; this tier by
 * G = g_k, k the argmax (the same value, since sum y = 1): then the
 * largest y_k meets the exact g'_k = 0 and <g', y> gathers only the small
 * terms, so dx_k carries no cancellation between 1 and 1 - y_k.
 *
 * Range.  An exponent below TINY (e^{-580} < 2^-836; ddi stops at 2^-900)
 * is a tiny entry: its term in the sum is bounded by [0, 2^-835] (s >= 1
 * does not need it), and its y_i, its terms of <g', y> and every dx_i are
 * computed with an exponent (ddi_range.h) and rounded there, to a
 * subnormal or a zero.  Such a zero takes the sign of MPFI's enclosure:
 * y_i > 0 in MPFI, so dx_i's is that of t_i = g'_i - <g', y>, known when
 * |t_i| > 2^-45 M, M = max |g_j|: MPFI at its first precision p >= 64 +
 * 2 log2 n computes t_i with g_0's shift in about 4n outward roundings,
 * each below 2^-p of a term |g_i - g_0| or |g_j - g_0| y_j (<= 2M in
 * sum, with e^d's own width |d| 2^-p e^d <= 2^-p / e), so its enclosure is
 * narrower than (4n + 10) 2M 2^-p < 2^-58 M and lies on t_i's side.
 *
 * Exact zeros: masked entries and a gradient constant over the unmasked
 * entries give exact zeros here; MPFI agrees when g_0 is that constant, so
 * when it is not (g_0 masked and different) the row goes to MPFR.  An
 * all-masked row is all zeros, as in MPFI. */
#include "tier.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ddi.h"
#include "ddi_range.h"
#include "ddi_sum.h"

#define TINY (-580.0)
#define TINY_BOUND 0x1p-835                  /* > e^{-580 + 2^-40} */
#define SIGN_MARGIN 45

/* e^d for 0 <= -d < 2^-898.9 (a difference of subnormal or tiny logits,
 * which ddi_diff does not represent): within [1 - |d|, 1]. */
static const ddi near_one = { 1, 0, 0x1p-897 };

/* The rounding of y_i t_i for a tiny entry, or of an in-range product that
 * left ddi's range. */
static int round_scaled(ddix y, ddix tx, double M, double *out)
{
    int sign = ddix_exceeds(tx, ddix_of(ddi_from_double(M)), SIGN_MARGIN) ? ddix_sign(tx) : 0;
    return ddix_round(ddix_mul(y, tx), sign, out);
}

int ns_ref_softmax_dd(const ns_ref_input *in, double *y, double *dx)
{
    size_t n = in->n, k = ns_ref_argmax(in->x, n);
    if (k == n)
        return ns_ref_tier_zeros(n, y, dx);              /* all masked: zero denominator */
    ddi *e = malloc(n * sizeof *e);
    if (!e)
        return 0;
    ddi_sum sum;                             /* pairwise: ddi_sum.h */
    ddi_sum_init(&sum);
    size_t ntiny = 0;
    for (size_t i = 0; i < n; i++) {
        if (in->x[i] == -INFINITY) {
            e[i] = ddi_from_double(0);
            continue;
        }
        ddi d = ddi_diff(in->x[i], in->x[k]);
        if (!ddi_valid(d) && fabs(in->x[i] - in->x[k]) < 0x1p-899) {
            e[i] = near_one;                 /* a difference below ddi's range */
            ddi_sum_add(&sum, e[i]);
            continue;
        }
        if (d.hi < TINY) {
            e[i] = d;                        /* kept as its exponent */
            ntiny++;
            continue;
        }
        e[i] = ddi_exp(d);
        ddi_sum_add(&sum, e[i]);
    }
    ddi s = ddi_sum_total(&sum);
    if (ntiny)
        s = ddi_add(s, (ddi){ 0, 0, (double)ntiny * TINY_BOUND });
    int ok = 1;
    ddix *ty = NULL;                         /* the tiny entries' y */
    ddi inv_s = ddi_div(ddi_from_double(1), s);   /* one division: e_i (1/s) encloses e_i / s */
    for (size_t i = 0; ok && i < n; i++) {
        if (in->x[i] == -INFINITY || !(e[i].hi < TINY)) {
            e[i] = ddi_mul(e[i], inv_s);     /* e holds y from here on */
            ok = ddi_round(e[i], &y[i]);
            continue;
        }
        if (!ty && !(ty = malloc(n * sizeof *ty)))
            ok = 0;
        else
            ok = ddix_round(ty[i] = ddix_div(ddix_exp(e[i]), ddix_of(s)), 1, &y[i]);
    }
    if (ok && dx) {
        double G = in->g[k], M = 0;
        ddi_sum gsum;                        /* <g', y>, g' = g - G: in-range terms */
        ddi_sum_init(&gsum);
        ddix gs_tiny = ddix_of(ddi_from_double(0));   /* and the tiny entries' terms */
        for (size_t i = 0; i < n; i++) {
            M = fmax(M, fabs(in->g[i]));
            ddi gi = ddi_diff(in->g[i], G);
            if (in->x[i] != -INFINITY && e[i].hi < TINY)
                gs_tiny = ddix_add(gs_tiny, ddix_mul(ddix_of(gi), ty[i]));
            else
                ddi_sum_add(&gsum, ddi_mul(gi, e[i]));
        }
        ddi gs = ddi_sum_total(&gsum);
        if (ddi_is_exact_zero(gs) && ddi_is_exact_zero(gs_tiny.a) && in->g[0] != G)
            ok = 0;                          /* MPFI's g_0 shift leaves an interval */
        for (size_t i = 0; ok && i < n; i++) {
            ddi t = ddi_sub(ddi_diff(in->g[i], G), gs);
            int tiny = in->x[i] != -INFINITY && e[i].hi < TINY;
            if (!tiny && ntiny == 0 && ddi_round(ddi_mul(e[i], t), &dx[i]))
                continue;
            if (ddi_is_exact_zero(e[i])) {
                dx[i] = 0.0;
                continue;
            }
            ddix tx = ddix_add(ddix_of(t), ddix_neg(gs_tiny));
            ok = round_scaled(tiny ? ty[i] : ddix_of(e[i]), tx, M, &dx[i]);
        }
    }
    free(ty);
    free(e);
    return ok;
}
