/* Metrics of one evaluation against the reference (see metrics.h). */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../normalizers/contract.h"
#include "../reference/ref.h"
#include "error.h"

const char *ns_den_class_name(ns_den_class c)
{
    static const char *const names[] = { "none", "normal", "subnormal", "zero", "nonfinite" };
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "?";
}

/* Sum in binary64 with Neumaier's compensation: the error of adding n outputs
 * of at most 53 bits is then about 2u of the result, far below any error
 * measured here.  An inf or NaN term gives inf or NaN. */
static double sum_compensated(const double *v, size_t n)
{
    double s = 0, c = 0;
    for (size_t i = 0; i < n; i++) {
        double t = s + v[i];
        if (fabs(s) >= fabs(v[i]))
            c += (s - t) + v[i];
        else
            c += (v[i] - t) + s;
        s = t;
    }
    return isfinite(s) ? s + c : s;
}

/* ||v||_2 scaled by the largest entry, so that squares cannot overflow. */
static double norm2(const double *v, size_t n)
{
    double big = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]))
            return NAN;
        if (fabs(v[i]) > big)
            big = fabs(v[i]);
    }
    if (big == 0 || isinf(big))
        return big;
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double t = v[i] / big;
        s += t * t;
    }
    return big * sqrt(s);
}

/* ||a - b||_inf / ||b||_inf; 0 when a == b; inf for a NaN or a nonzero error
 * over a zero reference. */
static double normwise(const double *a, const double *b, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(a[i]) && !isnan(b[i]))
            return INFINITY;
        double d = a[i] == b[i] ? 0 : fabs(a[i] - b[i]);
        if (isnan(d))
            d = 0;                            /* both NaN: no reference, no value */
        if (d > num)
            num = d;
        if (fabs(b[i]) > den)
            den = fabs(b[i]);
    }
    if (num == 0)
        return 0;
    return den == 0 ? INFINITY : num / den;
}

static void set_none(ns_metrics *m)
{
    m->denominators = 0;
    m->min_denominator = INFINITY;
    m->denominator_class = NS_DEN_NONE;
    m->min_denominator_rel = INFINITY;
    m->has_grad = false;
    m->grad_max_ulps = m->grad_max_bits = m->grad_mean_bits = NAN;
    m->grad_normwise_err = NAN;
    m->grad_nan_count = m->grad_inf_count = 0;
    m->grad_gain = m->grad_gain_ref = NAN;
    m->kappa = NAN;
    m->kappa_exact = false;
}

void ns_metrics_outputs(const ns_format *io, double floor, const double *y, const double *y_ref,
                        const double *kappa_i, size_t n, double *ulps, ns_metrics *m)
{
    memset(m, 0, sizeof *m);
    set_none(m);
    m->n = n;
    m->u = ns_unit_roundoff(io);
    m->defined = true;
    for (size_t i = 0; i < n; i++)
        if (isnan(y_ref[i]))
            m->defined = false;

    double sum_bits = 0, stab = 0, ymax = -INFINITY, rmax = -INFINITY;
    size_t kmax = n, counted = 0;
    m->max_bits = NAN;
    for (size_t i = 0; i < n; i++) {
        double e = ns_ulps_floor(io, y[i], y_ref[i], floor);
        if (ulps)
            ulps[i] = e;
        double b = ns_error_bits(io, e);
        if (!isnan(b)) {                      /* bits and their mean over the same outputs */
            sum_bits += b;
            counted++;
            if (!(b <= m->max_bits))
                m->max_bits = b;
        }
        if (i == 0 || e > m->max_ulps) {
            m->max_ulps = e;
            m->worst = i;
        }
        if (isnan(y[i]) && !isnan(y_ref[i]))
            m->nan_count++;
        else if (isinf(y[i]) && isfinite(ns_round(io, y_ref[i])))
            m->inf_count++;
        if (y[i] < 0 && y_ref[i] >= 0)
            m->negatives++;
        if ((y[i] != 0 && y_ref[i] == 0) || (y[i] == 0 && ns_round(io, y_ref[i]) != 0))
            m->support_errors++;
        if (kappa_i) {
            /* An infinite kappa_i (a zero output with a nonzero derivative)
             * excuses any finite error. */
            double r = isinf(kappa_i[i]) ? (isinf(e) ? e : 0) : e / (1 + kappa_i[i]);
            if (!(r <= stab))
                stab = r;                     /* NaN sticks */
        }
        if (!isnan(y[i]) && (kmax == n || y[i] > ymax)) {
            ymax = y[i];
            kmax = i;
        }
        if (y_ref[i] > rmax)
            rmax = y_ref[i];
    }
    if (n == 0)
        m->max_bits = 0;
    m->mean_bits = counted ? sum_bits / (double)counted : m->max_bits;
    m->normwise_err = normwise(y, y_ref, n);
    m->sum = sum_compensated(y, n);
    m->sum_ref = sum_compensated(y_ref, n);
    m->sum_err = m->sum - m->sum_ref;
    m->argmax_changed = m->nan_count > 0 || (kmax < n && y_ref[kmax] < rmax);
    m->stability = kappa_i ? stab : NAN;
    m->contract_ulps = INFINITY;            /* not judged yet: judge.h */
    m->within_contract = true;
    m->verdict = 0;
    m->verdict_kind = m->verdict_cause = -1;
}

/* Where |d| lies in format f. */
static ns_den_class classify(const ns_format *f, double d)
{
    if (!isfinite(d))
        return NS_DEN_NONFINITE;
    if (d == 0)
        return NS_DEN_ZERO;
    return fabs(d) < ldexp(1.0, f->emin) ? NS_DEN_SUBNORMAL : NS_DEN_NORMAL;
}

static int grow(double **p, size_t n)
{
    double *q = realloc(*p, (n ? n : 1) * sizeof *q);
    if (!q)
        return -1;
    *p = q;
    return 0;
}

void ns_metrics_scratch_init(ns_metrics_scratch *s)
{
    memset(s, 0, sizeof *s);
}

static void slot_free(ns_metrics_ref_slot *c)
{
    free(c->xr); free(c->gr); free(c->y); free(c->dx); free(c->kappa);
    memset(c, 0, sizeof *c);
}

void ns_metrics_scratch_free(ns_metrics_scratch *s)
{
    free(s->xr); free(s->gr); free(s->y); free(s->dx);
    free(s->ulps); free(s->grad_ulps); free(s->jac); free(s->unit);
    for (size_t k = 0; k < NS_METRICS_CACHE; k++)
        slot_free(&s->cache[k]);
    memset(s, 0, sizeof *s);
}

int ns_metrics_reserve(ns_metrics_scratch *s, size_t n)
{
    if (n <= s->cap)
        return 0;
    if (grow(&s->xr, n) || grow(&s->gr, n) || grow(&s->y, n) || grow(&s->dx, n) ||
        grow(&s->ulps, n) || grow(&s->grad_ulps, n) || grow(&s->jac, 2 * n) || grow(&s->unit, n))
        return -1;
    s->cap = n;
    for (size_t i = 0; i < n; i++)
        s->unit[i] = 0;
    return 0;
}

/* kappa_i = sum_j |J_ij| |x_j| / |y_i|, J_ij = d y_i / d x_j read from the
 * reference backward pass with g = e_i.  Masked entries (x_j = -inf) cannot
 * be perturbed and are left out. */
static int kappa_row(const ns_reference *r, const double *param, const double *xr,
                     const double *y_ref, size_t n, size_t i, ns_metrics_scratch *s, double *out)
{
    double *dx = s->jac, *y = s->jac + n;
    s->unit[i] = 1;
    int rc = ns_ref_eval(r, param, xr, s->unit, n, y, dx, NULL);
    s->unit[i] = 0;
    s->ref_evals++;
    if (rc != 0)
        return -1;
    double num = 0;
    for (size_t j = 0; j < n; j++)
        if (isfinite(xr[j]) && dx[j] != 0)
            num += fabs(dx[j]) * fabs(xr[j]);
    if (num == 0)
        *out = 0;
    else
        *out = y_ref[i] == 0 ? INFINITY : num / fabs(y_ref[i]);
    return 0;
}

int ns_metrics_kappa(const ns_family *f, const double *param, const double *xr,
                     const double *y_ref, size_t n, ns_metrics_scratch *s, double *kappa_i)
{
    const ns_reference *r = ns_reference_find(f->name);
    if (!r || ns_metrics_reserve(s, n) != 0)
        return -1;
    if (n <= NS_KAPPA_EXACT_MAX_N) {
        for (size_t i = 0; i < n; i++)
            if (kappa_row(r, param, xr, y_ref, n, i, s, &kappa_i[i]) != 0)
                return -1;
        return 1;
    }
    /* The sample: the largest and the smallest nonzero output, the largest
     * and smallest finite |x|, then evenly spaced components. */
    size_t pick[NS_KAPPA_SAMPLES], np = 0;
    size_t ybig = 0, ysmall = n, xbig = n, xsmall = n;
    for (size_t i = 0; i < n; i++) {
        if (y_ref[i] > y_ref[ybig])
            ybig = i;
        if (y_ref[i] != 0 && (ysmall == n || fabs(y_ref[i]) < fabs(y_ref[ysmall])))
            ysmall = i;
        if (isfinite(xr[i]) && (xbig == n || fabs(xr[i]) > fabs(xr[xbig])))
            xbig = i;
        if (isfinite(xr[i]) && (xsmall == n || fabs(xr[i]) < fabs(xr[xsmall])))
            xsmall = i;
    }
    size_t special[4] = { ybig, ysmall, xbig, xsmall };
    for (size_t k = 0; k < 4; k++)
        if (special[k] < n)
            pick[np++] = special[k];
    for (size_t k = 0; np < NS_KAPPA_SAMPLES; k++) {
        size_t i = k * (n - 1) / (NS_KAPPA_SAMPLES - 1);
        if (k >= NS_KAPPA_SAMPLES)
            break;
        int seen = 0;
        for (size_t q = 0; q < np; q++)
            seen |= pick[q] == i;
        if (!seen)
            pick[np++] = i;
    }
    double row[NS_KAPPA_SAMPLES], worst = 0;
    for (size_t q = 0; q < np; q++) {
        if (kappa_row(r, param, xr, y_ref, n, pick[q], s, &row[q]) != 0)
            return -1;
        if (!(row[q] <= worst))
            worst = row[q];
    }
    for (size_t i = 0; i < n; i++)
        kappa_i[i] = worst;
    for (size_t q = 0; q < np; q++)
        kappa_i[pick[q]] = row[q];
    return 0;
}

void ns_metrics_gradient(const ns_format *io, const double *gr, const double *dx,
                         const double *dx_ref, size_t n, double *grad_ulps, ns_metrics *m)
{
    m->has_grad = true;
    double sum_bits = 0;
    size_t counted = 0;
    m->grad_max_ulps = 0;
    m->grad_max_bits = n ? NAN : 0;
    for (size_t i = 0; i < n; i++) {
        double e = ns_ulps(io, dx[i], dx_ref[i]);
        if (grad_ulps)
            grad_ulps[i] = e;
        double b = ns_error_bits(io, e);
        if (!isnan(b)) {
            sum_bits += b;
            counted++;
            if (!(b <= m->grad_max_bits))
                m->grad_max_bits = b;
        }
        if (e > m->grad_max_ulps)
            m->grad_max_ulps = e;
        if (isnan(dx[i]) && !isnan(dx_ref[i]))
            m->grad_nan_count++;
        else if (isinf(dx[i]) && isfinite(ns_round(io, dx_ref[i])))
            m->grad_inf_count++;
    }
    m->grad_mean_bits = counted ? sum_bits / (double)counted : m->grad_max_bits;
    m->grad_normwise_err = normwise(dx, dx_ref, n);
    double gn = norm2(gr, n);
    m->grad_gain = gn == 0 ? 0 : norm2(dx, n) / gn;
    m->grad_gain_ref = gn == 0 ? 0 : norm2(dx_ref, n) / gn;
}

int ns_metrics_compare(ns_job *job, const double *xr, const double *gr, size_t n,
                       const double *y_ref, const double *dx_ref,
                       const double *kappa_i, bool kappa_exact,
                       ns_metrics_scratch *s, ns_metrics *m)
{
    if (ns_metrics_reserve(s, n) != 0)
        return -1;
    const ns_format *io = job->policy->out, *acc = job->policy->acc;   /* io: where outputs are stored */
    ns_probe probe;
    ns_probe_reset(&probe);
    if (ns_job_forward(job, xr, s->y, n, &probe) != 0)
        return -1;
    s->y_ref = y_ref;
    s->dx_ref = dx_ref;
    s->kappa_i = kappa_i;
    /* Log-probabilities are held to an absolute accuracy near 0 (their
     * contract's error floor): an error of u on an output near 0 is not a
     * total loss of its bits. */
    double floor = ns_contract_promise(ns_contract_of(job->alg), job->policy)->error_floor;
    ns_metrics_outputs(io, floor, s->y, y_ref, kappa_i, n, s->ulps, m);
    m->input_rounding = 0;

    m->denominators = probe.count;
    if (probe.count) {
        m->min_denominator = probe.min_abs;
        m->denominator_class = probe.zeros ? NS_DEN_ZERO : classify(acc, probe.min_abs);
        m->min_denominator_rel = probe.min_abs / ldexp(1.0, acc->emin);
    }

    if (kappa_i) {
        m->kappa = 0;
        for (size_t i = 0; i < n; i++)
            if (!(kappa_i[i] <= m->kappa))
                m->kappa = kappa_i[i];
        m->kappa_exact = kappa_exact;
    }

    if (gr && dx_ref) {
        if (ns_job_backward(job, xr, s->y, gr, s->dx, n, NULL) != 0)
            return -1;
        ns_metrics_gradient(io, gr, s->dx, dx_ref, n, s->grad_ulps, m);
    }
    return 0;
}

/* The cached reference for (family, param, xr, gr) with what flags need, or
 * NULL. */
static ns_metrics_ref_slot *cache_find(ns_metrics_scratch *s, const ns_job *job, size_t n,
                                       bool want_grad, bool want_kappa)
{
    for (size_t k = 0; k < NS_METRICS_CACHE; k++) {
        ns_metrics_ref_slot *c = &s->cache[k];
        if (c->family != job->family || c->n != n ||
            memcmp(c->param, job->param, sizeof c->param) != 0 ||
            memcmp(c->xr, s->xr, n * sizeof *s->xr) != 0)
            continue;
        if (want_grad && (!c->has_grad || memcmp(c->gr, s->gr, n * sizeof *s->gr) != 0))
            continue;
        if (want_kappa && !c->has_kappa)
            continue;
        c->stamp = ++s->clock;
        return c;
    }
    return NULL;
}

static ns_metrics_ref_slot *cache_fill(ns_metrics_scratch *s, const ns_job *job, size_t n,
                                       bool want_grad, bool want_kappa)
{
    ns_metrics_ref_slot *c = &s->cache[0];
    for (size_t k = 1; k < NS_METRICS_CACHE; k++)
        if (s->cache[k].stamp < c->stamp)
            c = &s->cache[k];
    const ns_reference *r = ns_reference_find(job->family->name);
    if (!r)
        return NULL;
    if (n > c->cap) {
        if (grow(&c->xr, n) || grow(&c->gr, n) || grow(&c->y, n) || grow(&c->dx, n) ||
            grow(&c->kappa, n))
            return NULL;
        c->cap = n;
    }
    c->family = NULL;                         /* invalid until filled */
    memcpy(c->xr, s->xr, n * sizeof *c->xr);
    if (want_grad)
        memcpy(c->gr, s->gr, n * sizeof *c->gr);
    s->ref_evals++;
    if (ns_ref_eval(r, job->param, c->xr, want_grad ? c->gr : NULL, n, c->y, c->dx, NULL) != 0)
        return NULL;
    c->has_kappa = false;
    if (want_kappa) {
        int k = ns_metrics_kappa(job->family, job->param, c->xr, c->y, n, s, c->kappa);
        if (k < 0)
            return NULL;
        c->has_kappa = true;
        c->kappa_exact = k == 1;
    }
    c->family = job->family;
    memcpy(c->param, job->param, sizeof c->param);
    c->n = n;
    c->has_grad = want_grad;
    c->stamp = ++s->clock;
    return c;
}

int ns_metrics_eval(ns_job *job, const double *x, const double *g, size_t n,
                    unsigned flags, ns_metrics_scratch *s, ns_metrics *m)
{
    if (ns_metrics_reserve(s, n) != 0)
        return -1;
    ns_job_round_inputs(job, x, s->xr, n);
    if (g)
        ns_job_round_inputs(job, g, s->gr, n);
    bool want_kappa = flags & NS_METRICS_KAPPA;
    ns_metrics_ref_slot *c = cache_find(s, job, n, g != NULL, want_kappa);
    if (!c)
        c = cache_fill(s, job, n, g != NULL, want_kappa);
    if (!c)
        return -1;
    if (ns_metrics_compare(job, s->xr, g ? s->gr : NULL, n, c->y, g ? c->dx : NULL,
                           want_kappa ? c->kappa : NULL, c->kappa_exact, s, m) != 0)
        return -1;
    double worst = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] != s->xr[i] && isfinite(x[i])) {
            double d = fabs(s->xr[i] - x[i]) / fabs(x[i]);
            if (d > worst || isnan(d))
                worst = d;
        }
    m->input_rounding = worst;
    return 0;
}
