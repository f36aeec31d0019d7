/* The fast tier of the softplus.norm reference (reference/softplus_norm.c):
 * the same formula in double-double intervals.  With c = max x, every
 * h(x_i) = log(1 + e^{x_i}) is divided by h(c) first:
 *     r_i = h(x_i) / h(c),  q_j = sigma(x_j) / h(c),  s = sum_i r_i,
 *     y_i = r_i / s,        dx_j = q_j (g'_j s - sum_i g'_i r_i) / s^2,
 * g' = g - g_0, r_i = 1 exactly where x_i = c, and
 *   c > 0:  h(x) = x + log1p(e^{-x}) (x > 0), log1p(e^x) (x <= 0),
 *           sigma(x) = 1 / (1 + e^{-x});
 *   c <= 0: h(x) = e^x phi(e^x), phi(t) = log1p(t) / t, so
 *           r_i = e^{x_i - c} phi(e^{x_i}) / phi(e^c) and
 *           q_j = e^{x_j - c} / ((1 + e^{x_j}) phi(e^c)).
 * Masked entries give exact zeros, an all-masked row zeros.
 *
 * The exponential of each entry (e^{-|x_i|} for c > 0, e^{x_i} for c <= 0)
 * is kept for sigma in the gradient.  An exponential below e^-600 is
 * enclosed by [0, 2^-865] (exp_or_tiny); an entry that then depends on it
 * does not settle. */
#include "tier.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "ddi.h"

static const ddi tiny = DDI_EXP_TINY;   /* [0, 2^-865] */

static bool is_tiny(ddi t) { return t.hi == tiny.hi && t.lo == 0 && t.r == tiny.r; }

/* phi(t) = log1p(t) / t for t = e^x in (0, 1] (or the tiny [0, 2^-865]):
 * below t = 2^-30 from t - t^2/2 <= log1p(t) <= t - t^2/2 + t^3/3 (t >= 0),
 * phi in [1 - t/2, 1 - t/2 + t^2/3], taken as 1 - t/2 +- t^2/3 with t's own
 * radius added. */
static ddi phi(ddi t)
{
    if (!ddi_valid(t))
        return t;
    if (t.hi < 0x1p-30) {
        double tmax = (t.hi + fabs(t.lo) + t.r) * (1 + 0x1p-50);
        ddi half = ddi_sub(ddi_from_double(1), ddi_from_double(0.5 * t.hi));
        half.r = (half.r + 0.5 * (fabs(t.lo) + t.r) + tmax * tmax / 3) * (1 + 0x1p-50);
        return half;
    }
    return ddi_div(ddi_log1p(t), t);
}

/* h(x) = log(1 + e^x) from t = e^{-|x|}: x + log1p(t) for x > 0, log1p(t)
 * otherwise; log1p(t) lies in [0, t], so in the tiny [0, 2^-865] with t. */
static ddi softplus(double x, ddi t)
{
    ddi l = is_tiny(t) ? t : ddi_log1p(t);
    return x > 0 ? ddi_add(ddi_from_double(x), l) : l;
}

int ns_ref_softplus_norm_dd(const ns_ref_input *in, double *y, double *dx)
{
    size_t n = in->n, k = ns_ref_argmax(in->x, n);
    const double *x = in->x;
    if (k == n)
        return ns_ref_tier_zeros(n, y, dx);
    double c = x[k];
    ddi *r = malloc(3 * n * sizeof *r);
    if (!r)
        return 0;
    ddi *t = r + n, *e = r + 2 * n;    /* kept for sigma: e^{-|x|} or e^x, e^{x - c} */
    ddi hc;
    if (c > 0)
        hc = softplus(c, ddi_exp_or_tiny(ddi_from_double(-c)));
    else
        hc = phi(ddi_exp_or_tiny(ddi_from_double(c)));
    ddi inv_hc = ddi_div(ddi_from_double(1), hc);   /* one division: v (1/hc) encloses v / hc */
    ddi emc = c <= 0 && c >= -600 ? ddi_exp(ddi_from_double(-c)) : ddi_from_double(NAN);   /* e^{-c} */
    ddi s = ddi_from_double(0);
    for (size_t i = 0; i < n; i++) {
        double xi = x[i];
        r[i] = t[i] = e[i] = ddi_from_double(0);
        if (xi == -INFINITY)
            continue;
        if (c > 0) {                         /* t = e^{-|x|} */
            t[i] = ddi_exp_or_tiny(ddi_from_double(-fabs(xi)));
            r[i] = xi == c ? ddi_from_double(1) : ddi_mul(softplus(xi, t[i]), inv_hc);
        } else {                             /* t = e^x */
            t[i] = ddi_exp_or_tiny(ddi_from_double(xi));
            if (xi == c)
                e[i] = ddi_from_double(1);
            else if (ddi_valid(emc) && !is_tiny(t[i]))
                e[i] = ddi_mul(t[i], emc);   /* e^{x - c} = e^x e^{-c}: one exponential less */
            else
                e[i] = ddi_exp_or_tiny(ddi_diff(xi, c));
            r[i] = xi == c ? ddi_from_double(1) : ddi_mul(ddi_mul(e[i], phi(t[i])), inv_hc);
        }
        s = ddi_add(s, r[i]);
    }
    int ok = 1;
    ddi inv_s = ddi_div(ddi_from_double(1), s);
    if (dx) {                                /* before y is divided by s */
        ddi gr = ddi_from_double(0);         /* sum_i g'_i r_i */
        ddi hc_s2 = ddi_mul(inv_hc, ddi_mul(inv_s, inv_s));   /* 1 / (h(c) s^2) */
        for (size_t i = 0; i < n; i++)
            gr = ddi_add(gr, ddi_mul(ddi_diff(in->g[i], in->g[0]), r[i]));
        for (size_t j = 0; ok && j < n; j++) {
            if (x[j] == -INFINITY) {
                dx[j] = 0.0;
                continue;
            }
            ddi one = ddi_from_double(1), q;
            if (c > 0)                       /* sigma(x_j) */
                q = x[j] > 0 ? ddi_div(one, ddi_add(one, t[j])) : ddi_div(t[j], ddi_add(one, t[j]));
            else
                q = ddi_div(e[j], ddi_add(one, t[j]));
            ddi u = ddi_sub(ddi_mul(ddi_diff(in->g[j], in->g[0]), s), gr);
            ok = ddi_round(ddi_mul(ddi_mul(q, u), hc_s2), &dx[j]);
        }
    }
    for (size_t i = 0; ok && i < n; i++)
        ok = ddi_round(ddi_mul(r[i], inv_s), &y[i]);
    free(r);
    return ok;
}
