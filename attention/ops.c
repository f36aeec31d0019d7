/* The arithmetic that every attention kernel shares (ops.h). */
#include "ops.h"

#include <math.h>

/* The dot product in binary32 when acc is binary32 and every operand is a
 * binary32 value (ns_attn_madd's shortcut with the sum kept in a float
 * register); 0 when an operand is not, and the generic loop runs. */
static int dot_float(const ns_head *h, const double *a, size_t sa, const double *b, size_t sb, size_t n,
                     double *out)
{
    float s = 0;
    for (size_t i = 0; i < n; i++) {
        float fa = (float)a[i * sa], fb = (float)b[i * sb];
        if (fa != a[i * sa] || fb != b[i * sb])
            return 0;
        s = h->fma ? fmaf(fa, fb, s) : s + fa * fb;
    }
    *out = s;
    return 1;
}

double ns_attn_dot(const ns_head *h, const double *a, size_t sa, const double *b, size_t sb, size_t n)
{
    double s = 0;
    if (h->policy->acc != &ns_fp32 || !dot_float(h, a, sa, b, sb, n, &s)) {
        s = 0;
        for (size_t i = 0; i < n; i++)
            s = ns_attn_madd(h, a[i * sa], b[i * sb], s);
    }
    return h->policy->tot ? ns_round(h->policy->tot, s) : s;
}

void ns_attn_axpy(const ns_head *h, bool fits, double alpha, const double *x, double *y, size_t n)
{
    float fa = (float)alpha;
    if (fits && h->policy->acc == &ns_fp32 && fa == alpha) {
        if (h->fma)
            for (size_t i = 0; i < n; i++)
                y[i] = fmaf(fa, (float)x[i], (float)y[i]);
        else
            for (size_t i = 0; i < n; i++)
                y[i] = (float)y[i] + fa * (float)x[i];
        return;
    }
    for (size_t i = 0; i < n; i++)
        y[i] = ns_attn_madd(h, alpha, x[i], y[i]);
}

bool ns_attn_fits_float(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((float)v[i] != v[i] && !isnan(v[i]))
            return false;
    return true;
}

double ns_attn_exp2(const ns_format *f, double x)
{
    return ns_fp_pow(f, 2.0, x);
}

double ns_attn_scale(const ns_head *h)
{
    return ns_round(h->policy->elem, h->scale);
}

const ns_format *ns_attn_score_format(const ns_head *h)
{
    return h->policy->tot ? h->policy->tot : h->policy->acc;
}

double ns_attn_masked(const ns_head *h, const ns_format *f, double s, double bias)
{
    switch (h->mask_style) {
    case NS_MASK_INF:
        return -INFINITY;
    case NS_MASK_MIN:
        return -f->max_finite;
    case NS_MASK_VALUE:
    default:
        return ns_fp_add(h->policy->elem, s, ns_round(h->policy->elem, bias));
    }
}

const double *ns_attn_query(const ns_head *h, size_t i, double scale, double *out)
{
    const double *q = h->q + i * h->d;
    if (h->scale_on != NS_SCALE_ON_Q)
        return q;
    for (size_t t = 0; t < h->d; t++)
        out[t] = ns_fp_mul(h->policy->elem, q[t], scale);
    return out;
}

void ns_attn_store(const ns_head *h, double *v, double *stage, size_t n)
{
    ns_policy_store_outputs(h->policy, v, stage, n);
}
