/* Reference for sparsemax: y_i = max(x_i - tau, 0) with sum y = 1, and on
 * the support S = {i : y_i > 0}, dx_i = g_i - (1/|S|) sum_{j in S} g_j,
 * dx_i = 0 off it.
 *
 * sparsemax is piecewise linear, so y and dx are rational in x and g: all
 * of it is computed exactly in rationals (GMP mpq; a double is a dyadic
 * rational), and only the results are rounded, outward, into their
 * intervals (exact zeros are [0, 0]).
 *
 * The threshold is found without a support test.  With s_1 >= s_2 >= ...
 * the finite entries and S_k = s_1 + ... + s_k,
 *     tau = max_k (S_k - 1) / k.
 * Proof: F(t) = sum_i (x_i - t)_+ is continuous, and strictly decreasing
 * wherever it is positive, with F(tau) = 1.  At t_k = (S_k - 1)/k the k
 * largest entries alone give F(t_k) >= S_k - k t_k = 1, so t_k <= tau; and
 * for k = |S|, F(t_k) = 1 exactly, so t_k = tau.  An entry exactly at the
 * threshold (x_i = tau) is off the support: y_i = 0 and dx_i = 0. */
#include "ref.h"

#include <math.h>
#include <stdlib.h>

#include "tier.h"

/* tau = max_k (S_k - 1)/k over the finite entries (at least one). */
static int sparsemax_threshold(const double *x, size_t n, mpq_t tau)
{
    size_t nf;
    double *s = ns_ref_sorted_unmasked(x, n, &nf);
    if (!s)
        return -1;
    mpq_t sum, t, c;
    mpq_inits(sum, t, c, (mpq_ptr)0);
    for (size_t k = 1; k <= nf; k++) {
        mpq_set_d(t, s[k - 1]);
        mpq_add(sum, sum, t);
        mpq_set_ui(t, 1, 1);
        mpq_sub(c, sum, t);
        mpq_set_ui(t, (unsigned long)k, 1);
        mpq_div(c, c, t);
        if (k == 1 || mpq_cmp(c, tau) > 0)
            mpq_set(tau, c);
    }
    mpq_clears(sum, t, c, (mpq_ptr)0);
    free(s);
    return 0;
}

/* Whether x lies on the support, x - tau > 0 (a masked -inf never does);
 * v = x - tau when it does. */
static int on_support(double x, const mpq_t tau, mpq_t v)
{
    if (x == -INFINITY)
        return 0;
    mpq_set_d(v, x);
    mpq_sub(v, v, tau);
    return mpq_sgn(v) > 0;
}

static void sparsemax_enclose(const ns_ref_input *in, mpfr_prec_t prec, mpfi_ptr y, mpfi_ptr dx)
{
    (void)prec;                              /* exact: one outward rounding per result */
    size_t n = in->n, nf = 0;
    for (size_t i = 0; i < n; i++)
        nf += in->x[i] != -INFINITY;
    if (nf == 0) {                           /* all masked: zero denominator */
        ns_ref_set_zero_row(y, dx, n);
        return;
    }
    mpq_t tau, v, gsum;
    mpq_inits(tau, v, gsum, (mpq_ptr)0);
    if (sparsemax_threshold(in->x, n, tau) != 0) {   /* out of memory: no answer */
        ns_ref_set_nan_row(y, dx, n);
        mpq_clears(tau, v, gsum, (mpq_ptr)0);
        return;
    }
    /* y_i = x_i - tau on the support, and the sum of g over it. */
    unsigned long support = 0;
    for (size_t i = 0; i < n; i++) {
        mpfi_set_ui(&y[i], 0);
        if (!on_support(in->x[i], tau, v))
            continue;
        mpfi_set_q(&y[i], v);
        support++;
        if (dx) {
            mpq_set_d(v, in->g[i]);
            mpq_add(gsum, gsum, v);
        }
    }
    if (dx) {
        mpq_set_ui(v, support, 1);
        mpq_div(gsum, gsum, v);              /* the mean of g over the support */
        for (size_t i = 0; i < n; i++) {
            mpfi_set_ui(&dx[i], 0);
            if (!on_support(in->x[i], tau, v))
                continue;
            mpq_set_d(v, in->g[i]);
            mpq_sub(v, v, gsum);
            mpfi_set_q(&dx[i], v);
        }
    }
    mpq_clears(tau, v, gsum, (mpq_ptr)0);
}

const ns_reference ns_ref_sparsemax = { .family = "sparsemax", .enclose = sparsemax_enclose,
                                        .tier = ns_ref_sparsemax_dd };
