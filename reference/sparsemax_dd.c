/* The fast tier of the sparsemax reference (reference/sparsemax.c):
 * y_i = x_i - tau on the support S = {x_i > tau}, 0 off it, with sum y = 1,
 * and dx_i = g_i - mean_S g on S, 0 off it.
 *
 * The support is a discrete decision, and it is proven, never guessed.
 * With s_0 >= s_1 >= ... the finite entries, entry j is in S iff
 *     F_j = sum_{i<j} (s_i - s_j) < 1
 * (the form of reference/entmax.c for alpha = 2: F grows with j, so S is
 * the entries down to the last j with F_j < 1, and an entry exactly at the
 * threshold, F_j = 1, is out).  Each F_j - 1 is first enclosed in
 * double-double intervals (on u = x - max, exact differences); when the
 * enclosure does not decide its sign, the sign is computed exactly as an
 * expansion of the doubles s_i, j s_j and 1 (ddi_exact.h).
 *
 * On S (k entries), with u_i = x_i - m (m the largest x) and A = sum_S u:
 *     y_i = u_i + (1 - A) / k,    dx_i = g'_i - sum_S g' / k,
 * g' = g - g_m, so a gradient constant on S, or a support of one, gives
 * exact zeros (+0, as the reference's exact [0, 0]).
 *
 * Exact outputs.  y_i = (k x_i + 1 - sum_S x) / k and dx_i = (k g_i -
 * sum_S g) / k are rationals with a dyadic numerator, often exact ties
 * (k a power of two makes them dyadic): an entry whose enclosure does not
 * settle is rounded exactly from expansions of that numerator
 * (ddi_exact.h), ties to even and exact zeros +0, as in the reference.
 *
 * What stays with MPFR: an x of magnitude beyond [2^-900, 2^900] (besides
 * 0), and an entry whose exact numerator an expansion cannot hold (a
 * product k c that could underflow). */
#include "tier.h"

#include <math.h>
#include <stdlib.h>

#include "ddi.h"
#include "ddi_exact.h"

/* The sign of F_j - 1 = sum_{i<j} s_i - j s_j - 1, exactly (e: room for
 * j + 3 components; |j s_j| >= 2^-900 or s_j = 0, so the product is exact). */
static int exact_side(const double *s, size_t j, double *e)
{
    size_t len = 0;
    for (size_t i = 0; i < j; i++)
        ns_exp_add(e, &len, s[i]);
    ns_exp_add_product(e, &len, -(double)j, s[j]);
    ns_exp_add(e, &len, -1);
    return ns_exp_sign(e, len);
}

/* The smallest x in the support, from the sorted finite entries s[0..nf). */
static double support_lowest(const double *s, size_t nf, double *e)
{
    ddi p = ddi_from_double(0), one = ddi_from_double(1);   /* p = sum_{i<j} u_i */
    double lowest = s[0];
    for (size_t j = 1; j < nf; j++) {
        p = ddi_add(p, ddi_diff(s[j - 1], s[0]));
        ddi f = ddi_sub(p, ddi_mul(ddi_from_double((double)j), ddi_diff(s[j], s[0])));
        int side = ns_ddi_sign(ddi_sub(f, one));
        if (side == 0)
            side = exact_side(s, j, e);
        if (side >= 0)
            break;
        lowest = s[j];
    }
    return lowest;
}

/* base - sum of v over the support, exactly. */
static void support_sum(const double *x, const double *v, size_t n, double lowest, double base,
                        ns_exact *e)
{
    ns_exact_init(e);
    ns_exact_add(e, base);
    for (size_t i = 0; i < n; i++)
        if (x[i] != -INFINITY && x[i] >= lowest)
            ns_exact_add(e, -v[i]);
}

/* (sum + k c) / k rounded exactly, for an output whose enclosure did not
 * settle; 0 when it cannot tell. */
static int settle_exactly(const ns_exact *sum, double k, double c, double *out)
{
    ns_exact *num = malloc(2 * sizeof *num), *den = num + 1;
    if (!num)
        return 0;
    *num = *sum;
    ns_exact_add_product(num, k, c);
    ns_exact_init(den);
    ns_exact_add(den, k);
    int ok = ns_exact_round_quotient(num, den, out);
    free(num);
    return ok;
}

int ns_ref_sparsemax_dd(const ns_ref_input *in, double *y, double *dx)
{
    const double *x = in->x, *g = in->g;
    size_t n = in->n, km = ns_ref_argmax(x, n);
    if (km == n)                                 /* all masked: zero denominator */
        return ns_ref_tier_zeros(n, y, dx);
    /* An x enters the exact support test when 0 or of magnitude in
     * [2^-900, 2^900], so that j x is an exact product and the sums stay
     * finite.  The sorted entries are followed by an expansion. */
    size_t nf;
    double *s = ns_ref_tier_sorted(x, n, 0x1p900, n + 3, &nf);
    if (!s)
        return 0;
    double lowest = support_lowest(s, nf, s + n), m = x[km];
    free(s);

    ddi a = ddi_from_double(0), gsum = ddi_from_double(0);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (x[i] == -INFINITY || x[i] < lowest)
            continue;
        k++;
        a = ddi_add(a, ddi_diff(x[i], m));
        if (dx)
            gsum = ddi_add(gsum, ddi_diff(g[i], g[km]));
    }
    double dk = (double)k;
    ddi kk = ddi_from_double(dk);
    ddi t = ddi_div(ddi_sub(ddi_from_double(1), a), kk);
    ddi gmean = ddi_div(gsum, kk);
    /* The exact sums 1 - sum_S x and -sum_S g, made when an entry first
     * needs them. */
    ns_exact *ey = NULL, *eg = NULL;
    int ok = 1;
    for (size_t i = 0; ok && i < n; i++) {
        if (x[i] == -INFINITY || x[i] < lowest) {
            y[i] = 0.0;
            if (dx)
                dx[i] = 0.0;
            continue;
        }
        /* y_i = (k x_i + 1 - sum_S x) / k */
        if (!ns_ddi_round(ddi_add(ddi_diff(x[i], m), t), &y[i])) {
            if (!ey && (ey = malloc(sizeof *ey)) != NULL)
                support_sum(x, x, n, lowest, 1, ey);
            ok = ey && settle_exactly(ey, dk, x[i], &y[i]);
        }
        /* dx_i = (k g_i - sum_S g) / k */
        if (ok && dx && !ns_ddi_round(ddi_sub(ddi_diff(g[i], g[km]), gmean), &dx[i])) {
            if (!eg && (eg = malloc(sizeof *eg)) != NULL)
                support_sum(x, g, n, lowest, 0, eg);
            ok = eg && settle_exactly(eg, dk, g[i], &dx[i]);
        }
    }
    free(ey);
    free(eg);
    return ok;
}
