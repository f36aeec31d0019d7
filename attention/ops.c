/* The arithmetic that every attention kernel shares (ops.h). */
#include "ops.h"

#include <math.h>

double ns_attn_dot(const ns_head *h, const double *a, size_t sa, const double *b, size_t sb, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s = ns_attn_madd(h, a[i * sa], b[i * sb], s);
    return h->policy->tot ? ns_round(h->policy->tot, s) : s;
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
