/* One head compared with its reference, and the verdict (compare.h). */
#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/error.h"

static const char *const part_names[NS_ATTN_PARTS] = { "O", "LSE", "dQ", "dK", "dV" };

const char *ns_attn_part_name(int part)
{
    return part >= 0 && part < NS_ATTN_PARTS ? part_names[part] : "?";
}

const char *ns_attn_verdict_name(ns_attn_verdict v)
{
    return v == NS_ATTN_KEPT ? "kept" : v == NS_ATTN_EXPECTED ? "expected" : "broken";
}

void ns_attn_broken_words(unsigned broken, char *buf, size_t len)
{
    static const char *const names[] = { "nan", "inf", "lse", "error" };
    size_t at = 0;
    buf[0] = '\0';
    for (int b = 0; b < 4; b++)
        if (broken & (1u << b) && at < len)
            at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "", names[b]);
}

static double unit(const ns_format *f)
{
    return ldexp(1, -f->p);
}

/* Errors of n values y against ref in format f (floor: see ns_ulps_floor).
 * As for a row (check): the largest ulps over every entry, the worst and
 * mean bits over the finite outputs only (NaN when there are none), NaN
 * and inf outputs counted apart, never as a number of bits. */
static void measure(ns_attn_err *e, const ns_format *f, double floor, const double *y, const double *ref, size_t n)
{
    *e = (ns_attn_err){ .present = true, .n = n, .max_bits = NAN };
    double sum_bits = 0, num = 0, den = 0;
    size_t counted = 0;
    for (size_t i = 0; i < n; i++) {
        double u = ns_ulps_floor(f, y[i], ref[i], floor);
        if (!isnan(ref[i]) && isnan(y[i]))
            e->nan++;
        if (isfinite(ref[i]) && isinf(y[i]))
            e->inf++;
        if (u > e->max_ulps) {
            e->worst = i;
            e->max_ulps = u;
        }
        double b = ns_error_bits(f, u);
        if (!isnan(b) && isfinite(y[i])) {
            sum_bits += b;
            counted++;
            if (!(b <= e->max_bits))
                e->max_bits = b;
        }
        if (isfinite(y[i]) && isfinite(ref[i])) {
            num += (y[i] - ref[i]) * (y[i] - ref[i]);
            den += ref[i] * ref[i];
        }
    }
    e->mean_bits = counted ? sum_bits / (double)counted : NAN;
    e->normwise = e->nan || e->inf ? INFINITY : den > 0 ? sqrt(num / den) : (num > 0 ? INFINITY : 0);
}

static bool finite_all(const double *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        if (!isfinite(v[i]))
            return false;
    return true;
}

/* Per query row: the relative error e_i its weights may carry (compare.h). */
static double row_weight_error(const ns_head *h, size_t i, double u_held)
{
    const ns_policy *p = h->policy;
    double ua = unit(p->acc), uw = unit(p->elem), up = unit(p->p), scale = fabs(h->scale);
    double dmax = 0, smax = 0;
    for (size_t j = 0; j < h->n_k; j++) {
        if (!ns_head_keeps(h, i, j))
            continue;
        double sa = 0, s = 0;
        for (size_t t = 0; t < h->d; t++) {
            sa += fabs(h->q[i * h->d + t] * h->k[j * h->d + t]);
            s += h->q[i * h->d + t] * h->k[j * h->d + t];
        }
        s = fabs(s) * scale;
        double dij = ((double)h->d + 2) * ua * scale * sa + 3 * uw * s + 2 * u_held * scale * sa;
        if (dij > dmax)
            dmax = dij;
        if (s > smax)
            smax = s;
    }
    return 2 * dmax + 4 * uw * (smax + 1) + ((double)h->n_k + 4) * ua + up;
}

/* The first row where O or LSE breaks a promise (n_q when none), and the
 * broken bits and bound ratio. */
static void promises(const ns_kernel *k, const ns_head *h, const ns_attn_out *r, const ns_attn_ref *ref,
                     ns_attn_compare *c)
{
    const ns_policy *p = h->policy;
    double u_held = k->held ? unit(ns_format_find(k->held)) : 0;
    if (k->held && p->io->base == ns_format_find(k->held)->base)
        u_held = 0;
    double ua = unit(p->acc), uo = unit(p->out);
    c->row = h->n_q;
    for (size_t i = 0; i < h->n_q; i++) {
        unsigned b = 0;
        double e = row_weight_error(h, i, u_held);
        for (size_t ch = 0; ch < h->d_v; ch++) {
            double y = r->o[i * h->d_v + ch], y0 = ref->o[i * h->d_v + ch];
            if (isnan(y))
                b |= NS_ATTN_BROKE_NAN;
            else if (isinf(y))
                b |= NS_ATTN_BROKE_INF;
            double vmax = 0;
            for (size_t j = 0; j < h->n_k; j++)
                if (ns_head_keeps(h, i, j) && fabs(h->v[j * h->d_v + ch]) > vmax)
                    vmax = fabs(h->v[j * h->d_v + ch]);
            double bound = 2 * (e + (double)h->n_k * ua + u_held) * vmax + uo * fabs(y0);
            double err = fabs(y - y0);
            double ratio = err == 0 ? 0 : bound > 0 ? err / bound : INFINITY;
            if (isfinite(y) && ratio > c->bound_ratio)
                c->bound_ratio = ratio;
            if (isfinite(y) && ratio > 1 && !ref->faithful)   /* the bound is softmax's */
                b |= NS_ATTN_BROKE_ERROR;
        }
        if (k->has_lse) {
            double l = r->lse[i], l0 = ref->lse[i];
            if (l0 == -INFINITY ? l != -INFINITY : !(fabs(l - l0) <= 2 * e + uo * fabs(l0)))
                b |= isnan(l) ? NS_ATTN_BROKE_NAN : NS_ATTN_BROKE_LSE;
        }
        if (b && c->row == h->n_q)
            c->row = i;
        c->broken |= b;
    }
    for (int t = NS_ATTN_DQ; t <= NS_ATTN_DV; t++) {
        if (c->part[t].nan)
            c->broken |= NS_ATTN_BROKE_NAN;
        if (c->part[t].inf)
            c->broken |= NS_ATTN_BROKE_INF;
    }
}

static bool row_empty(const ns_head *h, size_t i)
{
    for (size_t j = 0; j < h->n_k; j++)
        if (ns_head_keeps(h, i, j))
            return false;
    return true;
}

static bool row_masks(const ns_head *h, size_t i)
{
    for (size_t j = 0; j < h->n_k; j++)
        if (!ns_head_keeps(h, i, j))
            return true;
    return false;
}

/* The largest |q . k| the kernel forms, in binary64 (scaled q under
 * --scale-on q). */
static double peak_product(const ns_head *h)
{
    double peak = 0, scale = h->scale_on == NS_SCALE_ON_Q ? fabs(h->scale) : 1;
    for (size_t i = 0; i < h->n_q; i++)
        for (size_t j = 0; j < h->n_k; j++) {
            double s = 0;
            for (size_t t = 0; t < h->d; t++)
                s += h->q[i * h->d + t] * scale * h->k[j * h->d + t];
            if (fabs(s) > peak)
                peak = fabs(s);
        }
    return peak;
}

static double max_abs(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; v && i < n; i++)
        m = fmax(m, fabs(v[i]));
    return m;
}

/* Whether a product of the backward pass may leave acc's range: |dS_ij| <=
 * 2 d_v max|dO| max|v| (|dP - D| twice a dot product of dO and v), times
 * the largest entry of K, Q or (for dV) P <= 1 times dO. */
static bool gradient_may_overflow(const ns_head *h)
{
    if (!h->dout)
        return false;
    double ds = 2 * (double)h->d_v * max_abs(h->dout, h->n_q * h->d_v) * max_abs(h->v, h->n_k * h->d_v);
    double qk = fmax(max_abs(h->q, h->n_q * h->d), max_abs(h->k, h->n_k * h->d)) * fmax(1, fabs(h->scale));
    return ds * qk * (double)(h->n_q > h->n_k ? h->n_q : h->n_k) >= h->policy->acc->max_finite / 2;
}

/* Whether the kernel keeps its promises on h with fused multiply-adds off. */
static int kept_without_fma(const ns_kernel *k, const ns_head *h, const ns_attn_ref *ref, int *kept)
{
    ns_head plain = *h;
    plain.fma = false;
    ns_attn_out r2;
    ns_attn_compare c2;
    if (ns_attn_out_alloc(&plain, &r2) != 0)
        return -1;
    int rc = ns_kernel_run(k, &plain, &r2);
    if (rc == 0)
        rc = ns_attn_compare_head(k, &plain, &r2, ref, &c2);
    *kept = rc == 0 && c2.broken == 0;
    ns_attn_out_free(&r2);
    return rc;
}

static int classify(const ns_kernel *k, const ns_head *h, const ns_attn_out *r, const ns_attn_ref *ref,
                    ns_attn_compare *c)
{
    bool in_row = c->row < h->n_q;     /* O or LSE failed there; else only gradients */
    size_t i = in_row ? c->row : 0;
    const ns_format *sf = h->policy->tot ? h->policy->tot : h->policy->acc;
    double limit = sf->max_finite < h->policy->acc->max_finite ? sf->max_finite : h->policy->acc->max_finite;
    int kept = 0;
    if (in_row && h->mask_style == NS_MASK_INF && row_empty(h, i))
        c->cause = "fully masked row";
    else if (in_row && h->mask_style != NS_MASK_INF && row_masks(h, i))
        c->cause = "finite mask leak";
    else if (h->fma && kept_without_fma(k, h, ref, &kept) == 0 && kept)
        c->cause = "fma mismatch";
    else if (!(r->max_score < limit) || peak_product(h) > limit)
        c->cause = "score overflow";
    else if (r->max_p > h->policy->p->max_finite)
        c->cause = "fp8 P clipping";
    else if (!in_row && gradient_may_overflow(h))
        c->cause = "gradient overflow";
    else if (ref->max_score * unit(h->policy->acc) >= 0x1p-4)
        c->cause = "large scores";
    else if (k->held)
        c->cause = "fp8 inputs";
    else
        c->cause = "ordinary";
    for (const ns_attn_hazard *z = k->hazards; z && z->cause; z++)
        if (strcmp(z->cause, c->cause) == 0)
            c->hazard = z;
    return 0;
}

int ns_attn_compare_head(const ns_kernel *k, const ns_head *h, const ns_attn_out *r,
                         const ns_attn_ref *ref, ns_attn_compare *c)
{
    memset(c, 0, sizeof *c);
    c->cause = "";
    c->defined = finite_all(h->q, h->n_q * h->d) && finite_all(h->k, h->n_k * h->d) &&
                 finite_all(h->v, h->n_k * h->d_v) && finite_all(h->dout, h->n_q * h->d_v);
    const ns_policy *p = h->policy;
    measure(&c->part[NS_ATTN_O], p->out, 0, r->o, ref->o, h->n_q * h->d_v);
    if (k->has_lse)
        measure(&c->part[NS_ATTN_LSE], p->acc, 1, r->lse, ref->lse, h->n_q);
    if (h->dout && k->backward) {
        measure(&c->part[NS_ATTN_DQ], p->out, 0, r->dq, ref->dq, h->n_q * h->d);
        measure(&c->part[NS_ATTN_DK], p->out, 0, r->dk, ref->dk, h->n_k * h->d);
        measure(&c->part[NS_ATTN_DV], p->out, 0, r->dv, ref->dv, h->n_k * h->d_v);
    }
    c->denominators = r->probe.count;
    c->zero_denominators = r->probe.zeros;
    c->min_denominator = r->probe.min_abs;
    c->max_score = r->max_score;
    c->max_score_ref = ref->max_score;
    c->max_p = r->max_p;
    for (size_t i = 0; i < h->n_q; i++)
        c->empty_rows += row_empty(h, i);
    if (!c->defined)
        return 0;
    promises(k, h, r, ref, c);
    if (c->broken == 0) {
        c->verdict = NS_ATTN_KEPT;
        return 0;
    }
    if (classify(k, h, r, ref, c) != 0)
        return -1;
    c->verdict = c->hazard ? NS_ATTN_EXPECTED : NS_ATTN_BROKEN;
    return 0;
}
