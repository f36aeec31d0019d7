/* Plain MPFR evaluations (plain.h) of the rational families: ratio(h) for a
 * polynomial h, relu.scaled, and the sort-based sparse maps (sparsemax,
 * entmax for alpha 2 and 1.5) by the textbook algorithms rather than the
 * references' exact supports.  Every operation rounds to nearest. */
#include "plain.h"

#include <math.h>
#include <stdlib.h>

#define RN MPFR_RNDN

/* ---- ratio(h): y_i = h(x_i) / S, dx_j = h'(x_j) / S (g_j - <g, y>) ---- */

typedef enum { H_RELU, H_RELU2, H_SPHERICAL, H_TAYLOR } h_kind;

/* out = h(x) (which = 0) or h'(x) (which = 1); eps is spherical's. */
static void h_of(mpfr_ptr out, h_kind h, int which, double x, double eps)
{
    double r = x > 0 ? x : 0;
    switch (h) {
    case H_RELU:                               /* max(x, 0); [x > 0] */
        mpfr_set_d(out, which ? (x > 0) : r, RN);
        break;
    case H_RELU2:                              /* max(x, 0)^2; 2 max(x, 0) */
        mpfr_set_d(out, r, RN);
        if (which)
            mpfr_mul_2ui(out, out, 1, RN);
        else
            mpfr_sqr(out, out, RN);
        break;
    case H_SPHERICAL:                          /* x^2 + eps; 2x */
        mpfr_set_d(out, x, RN);
        if (which) {
            mpfr_mul_2ui(out, out, 1, RN);
        } else {
            mpfr_sqr(out, out, RN);
            mpfr_add_d(out, out, eps, RN);
        }
        break;
    case H_TAYLOR:                             /* 1 + x + x^2/2; 1 + x */
        mpfr_set_d(out, x, RN);
        if (!which) {
            mpfr_sqr(out, out, RN);
            mpfr_div_2ui(out, out, 1, RN);
            mpfr_add_d(out, out, x, RN);
        }
        mpfr_add_ui(out, out, 1, RN);
        break;
    }
}

/* A masked entry is h = 0 for the relus, outside the domain (NaN row) for
 * h unbounded at -inf; S = 0: zeros. */
static int ratio(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx, h_kind h)
{
    size_t n = in->n;
    double eps = h == H_SPHERICAL ? in->param[0] : 0;
    for (size_t i = 0; i < n; i++)
        if (in->x[i] == -INFINITY && (h == H_SPHERICAL || h == H_TAYLOR)) {
            ns_plain_fill(n, y, dx, NAN);
            return 1;
        }
    mpfr_t s;
    mpfr_init2(s, prec);
    mpfr_set_ui(s, 0, RN);
    for (size_t i = 0; i < n; i++) {
        h_of(&y[i], h, 0, in->x[i], eps);
        mpfr_add(s, s, &y[i], RN);
    }
    if (mpfr_zero_p(s)) {
        ns_plain_fill(n, y, dx, 0);
        mpfr_clear(s);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        mpfr_div(&y[i], &y[i], s, RN);
    mpfr_ptr f = dx ? ns_plain_vec(n, prec) : NULL;
    if (f) {
        for (size_t j = 0; j < n; j++) {
            h_of(&f[j], h, 1, in->x[j], eps);
            mpfr_div(&f[j], &f[j], s, RN);
        }
        ns_plain_ratio_gradient(in, y, f, dx);
        ns_plain_vec_free(f, n);
    }
    mpfr_clear(s);
    return f || !dx;
}

int ns_plain_relu_norm(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    return ratio(in, prec, y, dx, H_RELU);
}

int ns_plain_relu2_norm(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    return ratio(in, prec, y, dx, H_RELU2);
}

int ns_plain_spherical(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    return ratio(in, prec, y, dx, H_SPHERICAL);
}

int ns_plain_taylor(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    return ratio(in, prec, y, dx, H_TAYLOR);
}

/* relu.scaled: y_i = max(x_i, 0) / n, dx_i = [x_i > 0] g_i / n. */
int ns_plain_relu_scaled(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    (void)prec;
    for (size_t i = 0; i < in->n; i++) {
        double x = in->x[i];
        mpfr_set_d(&y[i], x > 0 ? x : 0, RN);
        mpfr_div_ui(&y[i], &y[i], (unsigned long)in->n, RN);
        if (dx) {
            mpfr_set_d(&dx[i], x > 0 ? in->g[i] : 0, RN);
            mpfr_div_ui(&dx[i], &dx[i], (unsigned long)in->n, RN);
        }
    }
    return 1;
}

/* ---- sparse maps ---- */

static int descending(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u < v) - (u > v);
}

/* The finite entries of x, largest first; *m how many.  NULL when out of memory. */
static double *sorted_finite(const ns_ref_input *in, size_t *m)
{
    double *z = malloc((in->n ? in->n : 1) * sizeof *z);
    if (!z)
        return NULL;
    *m = 0;
    for (size_t i = 0; i < in->n; i++)
        if (in->x[i] != -INFINITY)
            z[(*m)++] = in->x[i];
    qsort(z, *m, sizeof *z, descending);
    return z;
}

/* The threshold tau of y = (a (x - m) - tau)_+^p, m = max x, for p = 1
 * (a = 1) or p = 2 (a = 1/2), from the sorted entries z of x, with
 * u_k = a (z_k - m):
 *   p = 1 (Martins & Astudillo 2016): the largest k with
 *         1 + k u_k > sum_{j<=k} u_j, and tau = (sum_{j<=k} u_j - 1) / k;
 *   p = 2 (Peters, Niculae & Martins 2019, entmax15's sort): with mean_k
 *         and msq_k the means of u and u^2 over the first k,
 *         tau_k = mean_k - sqrt(max(0, (1 - k (msq_k - mean_k^2)) / k)),
 *         and tau = tau_k for the largest k with tau_k <= u_k. */
static void threshold(mpfr_ptr tau, const double *z, size_t m, int p)
{
    mpfr_prec_t prec = mpfr_get_prec(tau);
    mpfr_t sum, sq, u, t, mean, tk;
    mpfr_inits2(prec, sum, sq, u, t, mean, tk, (mpfr_ptr)0);
    mpfr_set_ui(sum, 0, RN);
    mpfr_set_ui(sq, 0, RN);
    for (size_t k = 1; k <= m; k++) {
        mpfr_set_d(u, z[k - 1], RN);
        mpfr_sub_d(u, u, z[0], RN);
        mpfr_div_2ui(u, u, (unsigned long)(p - 1), RN);
        mpfr_add(sum, sum, u, RN);
        if (p == 1) {
            mpfr_mul_ui(t, u, (unsigned long)k, RN);
            mpfr_add_ui(t, t, 1, RN);
            if (mpfr_greater_p(t, sum)) {
                mpfr_sub_ui(tau, sum, 1, RN);
                mpfr_div_ui(tau, tau, (unsigned long)k, RN);
            }
            continue;
        }
        mpfr_div_ui(mean, sum, (unsigned long)k, RN);
        mpfr_sqr(t, u, RN);
        mpfr_add(sq, sq, t, RN);
        mpfr_div_ui(t, sq, (unsigned long)k, RN);     /* msq - mean^2 */
        mpfr_sqr(tk, mean, RN);
        mpfr_sub(t, t, tk, RN);
        mpfr_mul_ui(t, t, (unsigned long)k, RN);
        mpfr_ui_sub(t, 1, t, RN);
        mpfr_div_ui(t, t, (unsigned long)k, RN);
        if (mpfr_sgn(t) < 0)
            mpfr_set_ui(t, 0, RN);
        mpfr_sqrt(t, t, RN);
        mpfr_sub(tk, mean, t, RN);
        if (mpfr_lessequal_p(tk, u))
            mpfr_set(tau, tk, RN);
    }
    mpfr_clears(sum, sq, u, t, mean, tk, (mpfr_ptr)0);
}

/* y_i = (a (x_i - m) - tau)_+^p, and with h_i = y_i^{2 - alpha} =
 * (a (x_i - m) - tau)_+^{p - 1} (1 on the support for p = 1):
 * dx = h g - (<h, g> / sum h) h. */
static int sparse(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx, int p)
{
    size_t n = in->n, m;
    double *z = sorted_finite(in, &m);
    mpfr_ptr h = ns_plain_vec(n, prec);
    if (!z || !h) {
        free(z);
        ns_plain_vec_free(h, n);
        return 0;
    }
    if (m == 0) {                              /* all masked: zeros */
        ns_plain_fill(n, y, dx, 0);
    } else {
        mpfr_t tau, hsum, hg;
        mpfr_inits2(prec, tau, hsum, hg, (mpfr_ptr)0);
        threshold(tau, z, m, p);
        mpfr_set_ui(hsum, 0, RN);
        for (size_t i = 0; i < n; i++) {
            mpfr_set_d(&h[i], in->x[i], RN);   /* a (x_i - m) - tau, then (.)_+ */
            mpfr_sub_d(&h[i], &h[i], z[0], RN);
            mpfr_div_2ui(&h[i], &h[i], (unsigned long)(p - 1), RN);
            mpfr_sub(&h[i], &h[i], tau, RN);
            if (!(mpfr_sgn(&h[i]) > 0))        /* also -inf - tau: masked */
                mpfr_set_ui(&h[i], 0, RN);
            mpfr_pow_ui(&y[i], &h[i], (unsigned long)p, RN);
            if (p == 1 && mpfr_sgn(&h[i]) > 0)
                mpfr_set_ui(&h[i], 1, RN);
            mpfr_add(hsum, hsum, &h[i], RN);
        }
        if (dx) {
            ns_plain_dot(hg, in->g, h, n);
            mpfr_div(hg, hg, hsum, RN);
            for (size_t i = 0; i < n; i++) {
                mpfr_d_sub(&dx[i], in->g[i], hg, RN);
                mpfr_mul(&dx[i], &dx[i], &h[i], RN);
            }
        }
        mpfr_clears(tau, hsum, hg, (mpfr_ptr)0);
    }
    free(z);
    ns_plain_vec_free(h, n);
    return 1;
}

int ns_plain_sparsemax(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    return sparse(in, prec, y, dx, 1);
}

/* entmax: alpha 2 (sparsemax) and 1.5 only; NaN outside 1 < alpha < inf. */
int ns_plain_entmax(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    double alpha = in->param[0];
    if (!(alpha > 1) || isinf(alpha)) {
        ns_plain_fill(in->n, y, dx, NAN);
        return 1;
    }
    return alpha == 2 ? sparse(in, prec, y, dx, 1) : alpha == 1.5 ? sparse(in, prec, y, dx, 2) : 0;
}
