/* Reference for entmax: y_i = [(alpha - 1) x_i - tau]_+^{1/(alpha - 1)} with
 * sum y = 1, and dx = h . g - (<h, g> / sum h) h with h = y^{2 - alpha} on
 * the support, 0 off it.  Defined for 1 < alpha < inf; any other alpha
 * (alpha = 1 is softmax's limit, not a sparse map) gives NaN.
 *
 * Shifted form.  With a = alpha - 1, p = 1/a, m = max x, u_i = a (x_i - m)
 * and t = a m - tau:  y_i = (u_i + t)_+^p  and  h_i = (u_i + t)_+^{p - 1}.
 * The largest entry has u = 0 and y = t^p, between 1/n and 1, so t lies in
 * [n^{-a}, 1] whatever the size of x (1e300 or 1e-300): every quantity is of
 * the size of the outputs.  The mass M(t) = sum_i (u_i + t)_+^p grows
 * strictly with t > 0, and t is its root M(t) = 1.
 *
 * alpha = 2 (p = 1, sparsemax) and alpha = 1.5 (p = 2): the support is
 * decided exactly, in rationals (GMP mpq).  With the finite entries sorted,
 * s_1 >= s_2 >= ..., entry j is in the support iff M is below 1 when the
 * threshold sits exactly at s_j:
 *     F_j = sum_{i<j} (a (s_i - s_j))^p < 1,
 * so an entry exactly at the threshold is out and gets y = [0, 0].  On the
 * support S (k entries), with A = sum_S u_i, B = sum_S u_i^2 (exact):
 *     p = 1:  sum (u_i + t)   = 1,  t = (1 - A) / k                 exact;
 *     p = 2:  sum (u_i + t)^2 = 1,  t = (sqrt(D) - A) / k,  D = A^2 - k (B - 1),
 * the larger root; only the square root is an interval operation (and it is
 * exact when D is a square, as for a one-hot row).  Then sum_S h = k for
 * p = 1 and A + k t = sqrt(D) for p = 2.
 *
 * Any other alpha: rigorous bisection on w = max y = t^p, which lies in
 * [1/n, 1] (t itself can be as small as 3^{-1e6} for alpha = 1e6 + 1, and
 * resolving it there would take millions of bits; w is of size 1 and
 * M(w) = sum_i (w^a + u_i)_+^p grows at least as fast as w).  A midpoint
 * w_m replaces w_lo when the enclosure of M(w_m) is certainly <= 1 and w_hi
 * when certainly >= 1; the bisection stops when neither is certain (the
 * working precision is then the limit).  With T = [w_lo, w_hi]^a, every
 * output is enclosed by (u_i + T)_+^p, whatever the width of T; an entry
 * certainly below the threshold is [0, 0].  An entry that T cannot place
 * may sit exactly at the threshold: if the mass at t = -u_i is exactly 1
 * (every power exact, as for alpha = 3 and the row [0, 0, -1/8]), then
 * t = -u_i and the entry is [0, 0]; otherwise it is [0, (u_i + T)^p].
 *
 * The gradient is computed with g' = g - g_k, k the largest entry, in place
 * of g (sum h (g'_i - <h, g'>/sum h) equals the same with g): a g constant
 * on the support then gives exactly zero, which an enclosure of a
 * cancelling difference could only approach. */
#include "ref.h"

#include <math.h>
#include <stdlib.h>

#include "tier.h"

/* ---- alpha = 2 and alpha = 1.5: exact support, closed-form t ---- */

/* The smallest finite x_i in the support, for p in {1, 2}.  With P1, P2 the
 * sums of s_i and s_i^2 over i < j (0-based j, so j entries before):
 *     p = 1 (a = 1):    F_j = P1 - j s_j
 *     p = 2 (a = 1/2):  F_j = (P2 - 2 s_j P1 + j s_j^2) / 4.
 * F grows with j and is equal on equal s, so the support is the entries
 * down to the last j with F_j < 1, ties included.  -1 if out of memory. */
static int support_lowest(const double *x, size_t n, int p, double *lowest)
{
    size_t nf;
    double *s = ns_ref_sorted_unmasked(x, n, &nf);
    if (!s)
        return -1;
    mpq_t p1, p2, sj, f, t;
    mpq_inits(p1, p2, sj, f, t, (mpq_ptr)0);
    *lowest = s[0];
    for (size_t j = 1; j < nf; j++) {
        mpq_set_d(sj, s[j - 1]);             /* P1, P2 up to j */
        mpq_add(p1, p1, sj);
        mpq_mul(t, sj, sj);
        mpq_add(p2, p2, t);
        mpq_set_d(sj, s[j]);
        mpq_set_ui(t, (unsigned long)j, 1);
        if (p == 1) {
            mpq_mul(t, t, sj);               /* j s_j */
            mpq_sub(f, p1, t);
        } else {
            mpq_mul(t, t, sj);
            mpq_mul(t, t, sj);               /* j s_j^2 */
            mpq_add(f, p2, t);
            mpq_mul(t, sj, p1);
            mpq_sub(f, f, t);
            mpq_sub(f, f, t);
            mpq_div_2exp(f, f, 2);
        }
        if (mpq_cmp_ui(f, 1, 1) >= 0)
            break;
        *lowest = s[j];
    }
    mpq_clears(p1, p2, sj, f, t, (mpq_ptr)0);
    free(s);
    return 0;
}

static int in_support(double xi, double lowest) { return xi != -INFINITY && xi >= lowest; }

/* u = a (x_i - m), a = 1 (p = 1) or 1/2 (p = 2); exact. */
static void shifted(mpq_t u, double xi, double m, int p)
{
    mpq_t t;
    mpq_init(t);
    mpq_set_d(u, xi);
    mpq_set_d(t, m);
    mpq_sub(u, u, t);
    if (p == 2)
        mpq_div_2exp(u, u, 1);
    mpq_clear(t);
}

static void enclose_closed_form(const ns_ref_input *in, mpfr_prec_t prec, int p,
                                mpfi_ptr y, mpfi_ptr dx)
{
    const double *x = in->x, *g = in->g;
    size_t n = in->n, km = ns_ref_argmax(x, n);
    double m = x[km], lowest;
    if (support_lowest(x, n, p, &lowest) != 0) {
        ns_ref_set_nan_row(y, dx, n);
        return;
    }
    /* A = sum u, B = sum u^2, G = sum g', C = sum u g' over the support. */
    mpq_t u, gp, A, B, G, C, t, D;
    mpq_inits(u, gp, A, B, G, C, t, D, (mpq_ptr)0);
    unsigned long k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!in_support(x[i], lowest))
            continue;
        k++;
        shifted(u, x[i], m, p);
        mpq_add(A, A, u);
        mpq_mul(t, u, u);
        mpq_add(B, B, t);
        if (dx) {
            mpq_set_d(gp, g[i]);
            mpq_set_d(t, g[km]);
            mpq_sub(gp, gp, t);
            mpq_add(G, G, gp);
            mpq_mul(t, u, gp);
            mpq_add(C, C, t);
        }
    }
    ns_ref_set_zero_row(y, dx, n);
    mpq_set_ui(D, k, 1);                     /* D holds k for now */
    if (p == 1) {
        /* t = (1 - A)/k; y = u + t; h = 1; dx = g' - G/k. */
        mpq_set_ui(t, 1, 1);
        mpq_sub(t, t, A);
        mpq_div(t, t, D);
        mpq_div(G, G, D);
        for (size_t i = 0; i < n; i++) {
            if (!in_support(x[i], lowest))
                continue;
            shifted(u, x[i], m, p);
            mpq_add(u, u, t);
            mpfi_set_q(&y[i], u);
            if (dx) {
                mpq_set_d(gp, g[i]);
                mpq_set_d(u, g[km]);
                mpq_sub(gp, gp, u);
                mpq_sub(gp, gp, G);
                mpfi_set_q(&dx[i], gp);
            }
        }
    } else {
        /* D = A^2 - k (B - 1);  R = sqrt(D) = sum h;  T = (R - A)/k;
         * v = u + T;  y = v^2;  h = v;  W = <h, g'>/sum h = (C + T G)/R;
         * dx = v (g' - W). */
        mpq_set_ui(t, 1, 1);
        mpq_sub(t, B, t);
        mpq_mul(t, t, D);
        mpq_mul(D, A, A);
        mpq_sub(D, D, t);
        mpfi_t R, T, W, v, w;
        ns_mpfi_inits2(prec, R, T, W, v, w, (mpfi_ptr)0);
        mpfi_set_q(R, D);
        mpfi_sqrt(R, R);
        mpfi_sub_q(T, R, A);
        mpfi_div_ui(T, T, k);
        mpfi_mul_q(W, T, G);
        mpfi_add_q(W, W, C);
        mpfi_div(W, W, R);
        for (size_t i = 0; i < n; i++) {
            if (!in_support(x[i], lowest))
                continue;
            shifted(u, x[i], m, p);
            mpfi_add_q(v, T, u);
            mpfi_sqr(&y[i], v);
            if (dx) {
                mpq_set_d(gp, g[i]);
                mpq_set_d(u, g[km]);
                mpq_sub(gp, gp, u);
                mpfi_set_q(w, gp);
                mpfi_sub(w, w, W);
                mpfi_mul(&dx[i], v, w);
            }
        }
        ns_mpfi_clears(R, T, W, v, w, (mpfi_ptr)0);
    }
    mpq_clears(u, gp, A, B, G, C, t, D, (mpq_ptr)0);
}

/* ---- any other alpha: rigorous bisection on w = max y ---- */

/* out = v_+^e over the box v x e (v_+ = max(v, 0)), for v with a positive
 * upper end.  v^e is monotone in v for fixed e and in e for fixed v, so
 * its extremes over the box lie at corners, each rounded outward by MPFR's
 * correctly rounded pow (for a point e, increasing in v when e >= 0). */
static void pos_pow(mpfi_ptr out, mpfi_srcptr v, mpfi_srcptr e)
{
    mpfr_prec_t prec = mpfi_get_prec(out);
    mpfr_t vv[2], ee[2], c, lo, hi;
    for (int i = 0; i < 2; i++) {
        mpfr_init2(vv[i], mpfi_get_prec(v));
        mpfr_init2(ee[i], mpfi_get_prec(e));
    }
    mpfr_inits2(prec, c, lo, hi, (mpfr_ptr)0);
    mpfi_get_left(vv[0], v);
    mpfi_get_right(vv[1], v);
    mpfi_get_left(ee[0], e);
    mpfi_get_right(ee[1], e);
    if (mpfr_sgn(vv[0]) < 0)
        mpfr_set_zero(vv[0], 1);
    if (mpfr_equal_p(ee[0], ee[1])) {
        int up = mpfr_sgn(ee[0]) >= 0;
        mpfr_pow(lo, vv[!up], ee[0], MPFR_RNDD);
        mpfr_pow(hi, vv[up], ee[0], MPFR_RNDU);
    } else {
        mpfr_set_inf(lo, 1);
        mpfr_set_inf(hi, -1);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++) {
                mpfr_pow(c, vv[i], ee[j], MPFR_RNDD);
                mpfr_min(lo, lo, c, MPFR_RNDD);
                mpfr_pow(c, vv[i], ee[j], MPFR_RNDU);
                mpfr_max(hi, hi, c, MPFR_RNDU);
            }
    }
    mpfi_interv_fr(out, lo, hi);
    for (int i = 0; i < 2; i++) {
        mpfr_clear(vv[i]);
        mpfr_clear(ee[i]);
    }
    mpfr_clears(c, lo, hi, (mpfr_ptr)0);
}

/* Whether the mass M = sum_i (u_i + t)_+^p, for t in the interval t, is
 * certainly <= 1 (*below) and certainly >= 1 (*above); both when M is
 * exactly 1. */
static void mass_side(mpfi_srcptr u, const double *x, size_t n, mpfi_srcptr t, mpfi_srcptr p,
                      int *below, int *above)
{
    mpfr_prec_t prec = mpfi_get_prec(t);
    mpfi_t M, v;
    ns_mpfi_inits2(prec, M, v, (mpfi_ptr)0);
    mpfi_set_ui(M, 0);
    for (size_t i = 0; i < n; i++) {
        if (x[i] == -INFINITY)
            continue;
        mpfi_add(v, &u[i], t);
        if (mpfr_sgn(&v->right) <= 0)
            continue;
        pos_pow(v, v, p);
        mpfi_add(M, M, v);
    }
    *below = mpfr_cmp_ui(&M->right, 1) <= 0;
    *above = mpfr_cmp_ui(&M->left, 1) >= 0;
    ns_mpfi_clears(M, v, (mpfi_ptr)0);
}

/* T = an interval containing the exact t (see the header comment). */
static void bracket_t(mpfi_srcptr u, const double *x, size_t n, mpfi_srcptr a, mpfi_srcptr p,
                      mpfi_ptr T)
{
    mpfr_prec_t prec = mpfi_get_prec(T);
    mpfr_t w_lo, w_hi, w_m;
    mpfi_t W, v;
    mpfr_inits2(prec, w_lo, w_hi, w_m, (mpfr_ptr)0);
    ns_mpfi_inits2(prec, W, v, (mpfi_ptr)0);
    mpfr_set_ui(w_lo, (unsigned long)n, MPFR_RNDU);
    mpfr_ui_div(w_lo, 1, w_lo, MPFR_RNDD);
    mpfr_set_ui(w_hi, 1, MPFR_RNDN);
    int below, above;
    for (long step = 0; step < (long)prec + 64; step++) {
        mpfr_add(w_m, w_lo, w_hi, MPFR_RNDN);
        mpfr_div_2ui(w_m, w_m, 1, MPFR_RNDN);
        if (mpfr_cmp(w_m, w_lo) <= 0 || mpfr_cmp(w_m, w_hi) >= 0)
            break;
        mpfi_set_fr(W, w_m);
        pos_pow(T, W, a);
        mass_side(u, x, n, T, p, &below, &above);
        if (below)
            mpfr_set(w_lo, w_m, MPFR_RNDN);
        if (above)
            mpfr_set(w_hi, w_m, MPFR_RNDN);
        if (!below && !above)
            break;
    }
    mpfi_interv_fr(W, w_lo, w_hi);
    pos_pow(T, W, a);

    /* An entry T cannot place: is t exactly at it? */
    for (size_t i = 0; i < n; i++) {
        if (x[i] == -INFINITY || !mpfr_equal_p(&u[i].left, &u[i].right))
            continue;
        mpfi_add(v, &u[i], T);
        if (mpfr_sgn(&v->left) >= 0 || mpfr_sgn(&v->right) <= 0)
            continue;
        mpfi_neg(v, &u[i]);
        mass_side(u, x, n, v, p, &below, &above);
        if (below && above) {
            mpfi_set(T, v);
            break;
        }
    }
    mpfr_clears(w_lo, w_hi, w_m, (mpfr_ptr)0);
    ns_mpfi_clears(W, v, (mpfi_ptr)0);
}

/* The bisection costs about prec^2 M(prec) operations, so it works at no
 * more than this many bits: an entry that needs more (an exact zero not
 * caught above, or a row so ill-conditioned that t must be resolved far
 * beyond 2^-1024, as alpha = 1e6 on [2^-1074, 0]) then stays uncertain and
 * the driver reports it so, instead of spending hours on it. */
#define BISECTION_MAX_PREC 1024

static void enclose_bisection(const ns_ref_input *in, mpfr_prec_t prec_out, double alpha,
                              mpfi_ptr y, mpfi_ptr dx)
{
    mpfr_prec_t prec = prec_out < BISECTION_MAX_PREC ? prec_out : BISECTION_MAX_PREC;
    const double *x = in->x;
    size_t n = in->n, km = ns_ref_argmax(x, n);
    mpfi_ptr u = malloc(n * sizeof *u);
    if (!u) {
        ns_ref_set_nan_row(y, dx, n);
        return;
    }
    mpfi_t a, p, q, T, v;
    ns_mpfi_inits2(prec, a, p, q, T, v, (mpfi_ptr)0);
    mpfi_set_d(a, alpha);
    mpfi_sub_ui(a, a, 1);
    mpfi_ui_div(p, 1, a);
    mpfi_sub_ui(q, p, 1);
    for (size_t i = 0; i < n; i++) {
        mpfi_init2(&u[i], prec);
        if (x[i] == -INFINITY)
            continue;
        ns_mpfi_diff(&u[i], x[i], x[km]);
        mpfi_mul(&u[i], &u[i], a);
    }
    bracket_t(u, x, n, a, p, T);

    /* y = (u + T)_+^p; h = (u + T)_+^{p-1}, in y and dx for now. */
    for (size_t i = 0; i < n; i++) {
        mpfi_set_ui(&y[i], 0);
        if (dx)
            mpfi_set_ui(&dx[i], 0);
        if (x[i] == -INFINITY)
            continue;
        mpfi_add(v, &u[i], T);
        if (mpfr_sgn(&v->right) <= 0)    /* certainly off the support */
            continue;
        pos_pow(&y[i], v, p);
        if (dx) {
            pos_pow(&dx[i], v, q);
            if (mpfr_sgn(&v->left) <= 0)     /* perhaps off: h may be 0 */
                mpfi_put_ui(&dx[i], 0);
        }
    }
    if (dx) {
        /* W = <h, g'>/sum h; dx = h (g' - W), computed in place of h. */
        mpfi_t H, W, w;
        ns_mpfi_inits2(prec, H, W, w, (mpfi_ptr)0);
        mpfi_set_ui(H, 0);
        mpfi_set_ui(W, 0);
        for (size_t i = 0; i < n; i++) {
            mpfi_add(H, H, &dx[i]);
            ns_mpfi_diff(w, in->g[i], in->g[km]);
            mpfi_mul(w, w, &dx[i]);
            mpfi_add(W, W, w);
        }
        mpfi_div(W, W, H);
        for (size_t i = 0; i < n; i++) {
            if (mpfi_is_zero(&dx[i]))
                continue;
            ns_mpfi_diff(w, in->g[i], in->g[km]);
            mpfi_sub(w, w, W);
            mpfi_mul(&dx[i], &dx[i], w);
        }
        ns_mpfi_clears(H, W, w, (mpfi_ptr)0);
    }
    for (size_t i = 0; i < n; i++)
        mpfi_clear(&u[i]);
    free(u);
    ns_mpfi_clears(a, p, q, T, v, (mpfi_ptr)0);
}

static void entmax_enclose(const ns_ref_input *in, mpfr_prec_t prec, mpfi_ptr y, mpfi_ptr dx)
{
    size_t n = in->n;
    double alpha = in->param ? in->param[0] : 1.5;
    if (!(alpha > 1) || isinf(alpha)) {      /* outside the family's domain */
        ns_ref_set_nan_row(y, dx, n);
        return;
    }
    if (ns_ref_argmax(in->x, n) == n) {      /* all masked: zero denominator */
        ns_ref_set_zero_row(y, dx, n);
        return;
    }
    if (alpha == 2)
        enclose_closed_form(in, prec, 1, y, dx);
    else if (alpha == 1.5)
        enclose_closed_form(in, prec, 2, y, dx);
    else
        enclose_bisection(in, prec, alpha, y, dx);
}

const ns_reference ns_ref_entmax = { .family = "entmax", .enclose = entmax_enclose,
                                     .tier = ns_ref_entmax_dd };
