/* The normalizer-free kernels against their references (recurrent.h). */
#include "recurrent.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/error.h"
#include "linear.h"
#include "rwkv.h"

typedef enum { FN_NONE, FN_LINEAR, FN_CAUSAL, FN_RWKV } function;

static function function_of(const ns_kernel *k)
{
    if (!k->function)
        return FN_NONE;
    if (strcmp(k->function, "linear attention") == 0)
        return FN_LINEAR;
    if (strcmp(k->function, "causal linear attention") == 0)
        return FN_CAUSAL;
    if (strcmp(k->function, "rwkv4 wkv") == 0)
        return FN_RWKV;
    return FN_NONE;
}

bool ns_recur_kernel(const ns_kernel *k) { return function_of(k) != FN_NONE; }

const char *ns_recur_part_name(int part)
{
    static const char *const names[] = { "O", "dQ", "dK", "dV", "dW", "dU" };
    return part >= 0 && part < NS_RECUR_PARTS ? names[part] : "?";
}

const char *ns_recur_verdict_name(ns_recur_verdict v)
{
    return v == NS_RECUR_KEPT ? "kept" : v == NS_RECUR_EXPECTED ? "expected" : "broken";
}

/* Sizes of the parts of a head's results (0: absent). */
static void part_sizes(const ns_head *h, size_t n[NS_RECUR_PARTS])
{
    bool grad = h->dout != NULL, rwkv = h->w != NULL;
    n[NS_RECUR_O] = h->n_q * h->d_v;
    n[NS_RECUR_DQ] = grad && !rwkv ? h->n_q * h->d : 0;
    n[NS_RECUR_DK] = grad ? h->n_k * h->d : 0;
    n[NS_RECUR_DV] = grad ? h->n_k * h->d_v : 0;
    n[NS_RECUR_DW] = grad && rwkv ? h->d : 0;
    n[NS_RECUR_DU] = grad && rwkv ? h->d : 0;
}

static ns_linear_input linear_input(const ns_head *h)
{
    int f = ns_feature_find(h->feature ? h->feature : "elu1");
    return (ns_linear_input){ .n_q = h->n_q, .n_k = h->n_k, .d = h->d, .d_v = h->d_v,
                              .q = h->q, .k = h->k, .v = h->v,
                              .feature = f < 0 ? NS_FEATURE_ELU1 : (ns_feature)f,
                              .chunk = h->chunk };
}

void ns_recur_ref_free(ns_recur_ref *ref)
{
    for (int p = 0; p < NS_RECUR_PARTS; p++)
        free(ref->part[p]);
    memset(ref, 0, sizeof *ref);
}

int ns_recur_reference(const ns_kernel *k, const ns_head *h, ns_recur_ref *ref)
{
    memset(ref, 0, sizeof *ref);
    size_t n[NS_RECUR_PARTS];
    part_sizes(h, n);
    for (int p = 0; p < NS_RECUR_PARTS; p++)
        if (n[p] && !(ref->part[p] = calloc(n[p], sizeof(double)))) {
            ns_recur_ref_free(ref);
            return -1;
        }
    long open;
    function fn = function_of(k);
    if (fn == FN_RWKV) {
        ns_rwkv_input in = { .T = h->n_q, .C = h->d, .w = h->w, .u = h->u, .k = h->k, .v = h->v };
        ns_rwkv_grads g = { .w = ref->part[NS_RECUR_DW], .u = ref->part[NS_RECUR_DU],
                            .k = ref->part[NS_RECUR_DK], .v = ref->part[NS_RECUR_DV] };
        open = ns_rwkv_reference(&in, n[NS_RECUR_DK] ? h->dout : NULL, ref->part[NS_RECUR_O], &g);
    } else if (h->dout) {
        ns_linear_input in = linear_input(h);
        open = ns_linear_reference_backward(&in, fn == FN_CAUSAL, h->dout, ref->part[NS_RECUR_O],
                                            ref->part[NS_RECUR_DQ], ref->part[NS_RECUR_DK], ref->part[NS_RECUR_DV]);
    } else {
        ns_linear_input in = linear_input(h);
        open = ns_linear_reference(&in, fn == FN_CAUSAL, ref->part[NS_RECUR_O]);
    }
    if (open < 0) {
        ns_recur_ref_free(ref);
        return -1;
    }
    ref->uncertain = (size_t)open;
    return 0;
}

static void measure(const ns_format *f, const double *y, const double *r, size_t n, ns_recur_err *e)
{
    double m = 0, d = 0;
    *e = (ns_recur_err){ .present = true, .n = n };
    for (size_t i = 0; i < n; i++) {
        bool ref_number = isfinite(r[i]);
        if (ref_number && isnan(y[i]))
            e->nan++;
        if (ref_number && isinf(y[i]))
            e->inf++;
        double u = ns_ulps(f, y[i], r[i]);
        if (!(u <= e->max_ulps)) {
            if (!isnan(e->max_ulps))
                e->worst = i;
            e->max_ulps = u;
        }
        if (ref_number) {
            m = fmax(m, fabs(r[i]));
            d = isfinite(y[i]) ? fmax(d, fabs(y[i] - r[i])) : INFINITY;
        }
    }
    e->max_bits = ns_error_bits(f, e->max_ulps);
    e->normwise = m > 0 ? d / m : d;
}

/* The largest g k (linear) or T' u_acc (RWKV) for which the first-order
 * bound is promised; beyond it the bound is held at this value, and an
 * error past it is the declared hazard of its cause. */
#define PREMISE (1.0 / 16)

static double unit(const ns_format *f) { return f ? ns_unit_roundoff(f) : 0; }

static double phi_estimate(ns_feature f, double x)
{
    if (f == NS_FEATURE_ELU1)
        return x > 0 ? x + 1 : exp(x);
    if (f == NS_FEATURE_RELU)
        return x > 0 ? x : 0;
    return x;
}

/* Per query row of a linear head: the bound's factor g k_i into gk[i], the
 * denominator's condition k_i into kap[i]. */
static int linear_conditions(const ns_head *h, bool causal, double *gk, double *kap)
{
    const ns_policy *p = h->policy;
    ns_linear_input in = linear_input(h);
    size_t d = h->d;
    double *z = calloc(2 * d, sizeof *z);
    if (!z)
        return -1;
    double *za = z + d;
    double u_tot = p->tot && p->tot != p->acc ? unit(p->tot) : 0;
    double kmin = INFINITY;        /* the smallest elu1 feature of a key seen */
    size_t added = 0;
    for (size_t i = 0; i < h->n_q; i++) {
        size_t upto = causal ? i + 1 : h->n_k;
        for (; added < upto && added < h->n_k; added++)
            for (size_t m = 0; m < d; m++) {
                double f = phi_estimate(in.feature, h->k[added * d + m]);
                z[m] += f;
                za[m] += fabs(f);
                kmin = fmin(kmin, f);
            }
        double D = 0, A = 0, fmin_i = kmin;
        for (size_t m = 0; m < d; m++) {
            double f = phi_estimate(in.feature, h->q[i * d + m]);
            D += f * z[m];
            A += fabs(f) * za[m];
            fmin_i = fmin(fmin_i, f);
        }
        /* elu1 as expm1(x) + 1 is off by u_work relative to 1, not to phi:
         * 2 u_work / phi relative for the smallest feature */
        double swamp = in.feature == NS_FEATURE_ELU1 && fmin_i < 1 ? 2 * unit(p->elem) / fmin_i : 0;
        double g = (double)(d + upto + 4) * unit(p->acc) + 3 * unit(p->elem) + 2 * u_tot + swamp;
        kap[i] = D != 0 ? A / fabs(D) : (A == 0 ? 0 : INFINITY);
        gk[i] = g * kap[i];
    }
    free(z);
    return 0;
}

/* The cause of a broken row of a linear head (flags: what it broke): a
 * denominator with no nonzero term (kap = 0: exactly 0); one that was not 0
 * but came out 0 (an underflow); a NaN or inf otherwise, which only an
 * overflow of a sum, a dot product or the state makes; an ill-conditioned
 * denominator; sums too long for acc. */
static const char *linear_cause(const ns_attn_out *r, unsigned flags, double gk, double kap)
{
    if (kap == 0)
        return "zero denominator";
    if (r->probe.zeros > 0)
        return "denominator underflow";
    if (r->probe.nonfinite > 0 || (flags & (NS_RECUR_BROKE_NAN | NS_RECUR_BROKE_INF)))
        return "sum overflow";
    if (gk > PREMISE && kap > 2)
        return "cancellation";
    if (gk > PREMISE)
        return "state saturation";
    return NULL;
}

static const ns_attn_hazard *declared(const ns_kernel *k, const char *cause)
{
    for (const ns_attn_hazard *z = k->hazards; cause && z && z->cause; z++)
        if (strcmp(z->cause, cause) == 0)
            return z;
    return NULL;
}

/* One entry of O against its bound: the promises it breaks.  An infinity
 * that the reference itself rounds to in the output format f is right. */
static unsigned judge_entry(const ns_format *f, double y, double ref, double bound, double *ratio)
{
    if (!isfinite(ref) || (isinf(y) && ns_round(f, ref) == y))
        return 0;
    if (isnan(y))
        return NS_RECUR_BROKE_NAN;
    if (isinf(y))
        return NS_RECUR_BROKE_INF;
    double e = fabs(y - ref);
    double q = bound > 0 ? e / bound : (e > 0 ? INFINITY : 0);
    if (q > *ratio)
        *ratio = q;
    return e > bound ? NS_RECUR_BROKE_ERROR : 0;
}

static void judge_linear(const ns_head *h, bool causal, const ns_attn_out *r, const ns_recur_ref *ref,
                         double *gk, double *kap, ns_recur_compare *c, const char **cause)
{
    const ns_policy *p = h->policy;
    size_t dv = h->d_v;
    double *maxv = calloc(dv ? dv : 1, sizeof *maxv);
    for (size_t j = 0; maxv && j < h->n_k; j++)
        for (size_t cc = 0; cc < dv; cc++)
            maxv[cc] = fmax(maxv[cc], fabs(h->v[j * dv + cc]));
    for (size_t i = 0; i < h->n_q; i++) {
        c->premise = fmax(c->premise, gk[i]);
        for (size_t cc = 0; cc < dv; cc++) {
            size_t at = i * dv + cc;
            double o = ref->part[NS_RECUR_O][at];
            double b = 2 * fmin(gk[i], PREMISE) * ((maxv ? maxv[cc] : INFINITY) + fabs(o)) + unit(p->out) * fabs(o);
            unsigned br = judge_entry(p->out, r->o[at], o, b, &c->bound_ratio);
            if (br && !c->broken) {
                c->index = at;
                *cause = linear_cause(r, br, gk[i], kap[i]);
            }
            c->broken |= br;
        }
    }
    (void)causal;
    free(maxv);
}

static void judge_rwkv(const ns_head *h, const ns_attn_out *r, const ns_recur_ref *ref,
                       ns_recur_compare *c, const char **cause)
{
    const ns_policy *p = h->policy;
    size_t T = h->n_q, C = h->d;
    double lnmax = log(fmin(p->elem->max_finite, p->acc->max_finite));
    for (size_t ch = 0; ch < C; ch++) {
        double K = 0, maxv = 0, w = h->w[ch];
        for (size_t t = 0; t < T; t++) {
            double k = h->k[t * C + ch];
            K = fmax(K, fmax(fabs(k), fabs(h->u[ch] + k)));
            maxv = fmax(maxv, fabs(h->v[t * C + ch]));
        }
        /* a negative w grows the sums: e^{-w} per token */
        K += w < 0 ? -w * (double)(T ? T - 1 : 0) : 0;
        double Tm = w > 0 ? fmin((double)T, 1 + 1 / -expm1(-w)) : (double)T;
        double sat = Tm * unit(p->acc);
        c->premise = fmax(c->premise, sat);
        double sums = fmin((Tm + 4) * unit(p->acc), PREMISE);
        double e = 2 * (3 * (K + 8) * unit(p->elem) + sums) * maxv;
        for (size_t t = 0; t < T; t++) {
            size_t at = t * C + ch;
            double o = ref->part[NS_RECUR_O][at];
            unsigned br = judge_entry(p->out, r->o[at], o, e + unit(p->out) * fabs(o), &c->bound_ratio);
            if (br && !c->broken) {
                c->index = at;
                *cause = K + log(Tm) > lnmax ? "exp overflow" : sat > PREMISE ? "state saturation" : NULL;
            }
            c->broken |= br;
        }
    }
}

int ns_recur_compare_head(const ns_kernel *k, const ns_head *h, const ns_attn_out *r,
                          const ns_recur_ref *ref, ns_recur_compare *c)
{
    memset(c, 0, sizeof *c);
    size_t n[NS_RECUR_PARTS];
    part_sizes(h, n);
    const double *got[NS_RECUR_PARTS] = { r->o, r->dq, r->dk, r->dv, r->dw, r->du };
    for (int p = 0; p < NS_RECUR_PARTS; p++)
        if (n[p] && got[p])
            measure(h->policy->out, got[p], ref->part[p], n[p], &c->part[p]);
    c->denominators = r->probe.count;
    c->zero_denominators = r->probe.zeros;
    c->nonfinite_denominators = r->probe.nonfinite;
    c->min_denominator = r->probe.min_abs;
    const char *cause = NULL;
    function fn = function_of(k);
    if (fn == FN_RWKV) {
        judge_rwkv(h, r, ref, c, &cause);
    } else {
        double *gk = malloc((2 * h->n_q + 1) * sizeof *gk);
        if (!gk || linear_conditions(h, fn == FN_CAUSAL, gk, gk + h->n_q) != 0) {
            free(gk);
            return -1;
        }
        judge_linear(h, fn == FN_CAUSAL, r, ref, gk, gk + h->n_q, c, &cause);
        free(gk);
    }
    c->hazard = declared(k, cause);
    c->verdict = !c->broken ? NS_RECUR_KEPT : c->hazard ? NS_RECUR_EXPECTED : NS_RECUR_BROKEN;
    c->cause = !c->broken ? "" : cause ? cause : "unexplained";
    return 0;
}
