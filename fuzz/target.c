#include "target.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/error.h"

/* One evaluation in this many uses the exact oracle even where the fast one
 * is trusted. */
#define CROSS_CHECK_PERIOD 256
/* ... when the row is short enough for MPFR to be cheap. */
#define CROSS_CHECK_MAX_N 256

int ns_objective_find(const char *name)
{
    if (strcmp(name, "all") == 0)
        return NS_OBJECTIVE_ALL;
    int k = ns_kind_find(name);
    return k >= 0 && k < NS_OBJECTIVE_COUNT ? k : -1;
}

const char *ns_objective_name(ns_kind objective)
{
    return objective == NS_OBJECTIVE_ALL ? "all" : ns_kind_name(objective);
}

static void job_setup(ns_job *job, const ns_fuzz_spec *s, const ns_policy *p)
{
    memset(job, 0, sizeof *job);
    job->family = s->family;
    job->alg = s->alg;
    job->policy = p;
    job->sum = s->sum;
    if (s->param)
        memcpy(job->param, s->param, sizeof job->param);
    else
        ns_params_default(s->family, job->param);
}

static bool fp64_throughout(const ns_policy *p)
{
    return p->io->p >= 53 && p->elem->p >= 53 && p->acc->p >= 53;
}

/* f with its exponent range widened: emax 1000 (inside binary64's, so that
 * the rounding functions keep working) or emin -1022, binary64's own (a
 * narrower one, -1000, left e^-704 subnormal and a row with it could not be
 * told from a precision failure; ns_round_binary's magic constant
 * 1.5 * 2^(emin+53-p) stays normal for every p <= 51); fp64 is left as it is. */
static void widen(ns_format *w, const ns_format *f, int which)
{
    *w = *f;
    if (f->p >= 53)
        return;
    w->name = which == NS_WIDE_ABOVE ? "wide above" : "wide below";
    w->round = ns_round_binary;
    if (which == NS_WIDE_ABOVE) {
        w->emax = 1000;
        w->max_finite = ldexp(2.0 - ldexp(1.0, 1 - f->p), 1000);
    } else {
        w->emin = -1022;
    }
}

static void widen_policy(ns_fuzz_target *t, const ns_policy *p, int which)
{
    const ns_format *src[5] = { p->io, p->elem, p->acc, p->out, p->tot };
    const ns_format *dst[5];
    for (int k = 0; k < 5; k++) {
        dst[k] = &t->wide_format[which][k];
        for (int j = 0; j < k; j++)
            if (src[j] == src[k])
                dst[k] = dst[j];
        if (dst[k] == &t->wide_format[which][k])
            widen(&t->wide_format[which][k], src[k], which);
    }
    t->wide_policy[which] = *p;              /* same name: the same promises */
    t->wide_policy[which].io = dst[0];
    t->wide_policy[which].elem = dst[1];
    t->wide_policy[which].acc = dst[2];
    t->wide_policy[which].out = dst[3];
    t->wide_policy[which].tot = dst[4];
}

int ns_fuzz_target_init(ns_fuzz_target *t, const ns_fuzz_spec *s, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (ns_policy_is_ref(s->policy)) {
        snprintf(err, errlen, "policy 'ref' is the reference itself; choose a floating-point policy");
        return -1;
    }
    t->ref = ns_reference_find(s->family->name);
    if (!t->ref) {
        snprintf(err, errlen, "no reference for family '%s'", s->family->name);
        return -1;
    }
    job_setup(&t->job, s, s->policy);
    job_setup(&t->oracle, s, ns_policy_find("fp64"));
    t->contract = ns_contract_of(s->alg);
    t->promise = ns_contract_promise(t->contract, s->policy);
    t->domain = t->contract->domain;
    if (s->finite_only)
        t->domain.flags &= ~(unsigned)(NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED);
    t->objective = s->objective;
    t->with_grad = s->objective == NS_KIND_GRADIENT || s->objective == NS_OBJECTIVE_ALL;
    t->fast_oracle = !fp64_throughout(s->policy);
    ns_mutator_init(&t->mut, s->policy, &t->domain, s->max_n ? s->max_n : NS_FUZZ_MAX_N);
    ns_metrics_scratch_init(&t->scratch);
    widen_policy(t, s->policy, NS_WIDE_ABOVE);
    widen_policy(t, s->policy, NS_WIDE_BELOW);
    return 0;
}

int ns_fuzz_eval_wide(ns_fuzz_target *t, const ns_row *row, int which, int mode, ns_fuzz_eval *e)
{
    const ns_policy *keep = t->job.policy;
    t->job.policy = &t->wide_policy[which];
    int rc = ns_fuzz_eval_row(t, row, mode, e);
    t->job.policy = keep;
    return rc;
}

int ns_fuzz_target_open(ns_fuzz_target *t, const char *alg, const char *policy,
                        const char *objective, char *err, size_t errlen)
{
    ns_fuzz_spec s = { .sum = NS_SUM_SEQ };
    s.alg = ns_algorithm_find(alg, &s.family);
    if (!s.alg) {
        snprintf(err, errlen, "unknown normalizer '%s' (see 'normstab list normalizers')", alg);
        return -1;
    }
    s.policy = ns_policy_find(policy);
    if (!s.policy) {
        snprintf(err, errlen, "unknown policy '%s' (see 'normstab list policies')", policy);
        return -1;
    }
    int o = ns_objective_find(objective);
    if (o < 0) {
        snprintf(err, errlen, "unknown objective '%s' (known: nan, inf, error, sum, "
                 "denominator, gradient, all)", objective);
        return -1;
    }
    s.objective = (ns_kind)o;
    return ns_fuzz_target_init(t, &s, err, errlen);
}

void ns_fuzz_target_free(ns_fuzz_target *t)
{
    ns_job_free(&t->job);
    ns_job_free(&t->oracle);
    ns_metrics_scratch_free(&t->scratch);
    free(t->xr); free(t->gr); free(t->yo); free(t->dxo); free(t->kappa);
    free(t->unit); free(t->jrow); free(t->jtg);
    memset(t, 0, sizeof *t);
}

void ns_fuzz_target_label(const ns_fuzz_target *t, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", t->job.alg->name, t->job.policy->name);
}

static int reserve(ns_fuzz_target *t, size_t n)
{
    if (n <= t->cap)
        return 0;
    double **v[] = { &t->xr, &t->gr, &t->yo, &t->dxo, &t->kappa, &t->unit, &t->jrow, &t->jtg };
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        double *p = realloc(*v[k], n * sizeof *p);
        if (!p)
            return -1;
        *v[k] = p;
    }
    for (size_t i = 0; i < n; i++)
        t->unit[i] = 0;
    t->cap = n;
    return 0;
}

/* The fast oracle: the algorithm in fp64, kept only where it can be trusted
 * to an eighth of an ulp of the output format. */
static bool fast_oracle(ns_fuzz_target *t, size_t n)
{
    ns_probe probe;
    ns_probe_reset(&probe);
    if (ns_job_forward(&t->oracle, t->xr, t->yo, n, &probe) != 0)
        return false;
    if (probe.zeros || probe.nonfinite || !(probe.min_abs > 0x1p-900))
        return false;
    for (size_t i = 0; i < n; i++)
        if (isnan(t->yo[i]) || (isinf(t->yo[i]) && isfinite(t->xr[i])))
            return false;
    const ns_policy *p64 = t->oracle.policy;
    double u_io = ns_unit_roundoff(t->job.policy->io);
    if (!(ns_bound_eval(&t->promise->error, p64, t->xr, n, NAN) <= u_io / 8))
        return false;
    if (t->with_grad) {
        if (!(ns_bound_eval(&t->promise->gradient, p64, t->xr, n, NAN) <= u_io / 8))
            return false;
        if (ns_job_backward(&t->oracle, t->xr, t->yo, t->gr, t->dxo, n, NULL) != 0)
            return false;
        for (size_t i = 0; i < n; i++)
            if (!isfinite(t->dxo[i]))
                return false;
    }
    return true;
}

static double inf_norm(const double *v, size_t n)
{
    double r = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(v[i]) > r)
            r = fabs(v[i]);
    return r;
}

/* Rows of the Jacobian J_ij = dy_i/dx_j at xr, from fp64 backward passes
 * with g = e_i (yo must hold the outputs at xr), for rows of at most
 * FAST_JACOBIAN_MAX_N logits.  They give
 *   kappa_i = sum_j |J_ij| |x_j| / |y_i| (analysis/metrics.h), when kappa,
 *   || |J|^T |g| ||_inf, the scale of the gradient's error, when *gscale.
 * false when the row is too long or a pass is not finite. */
#define FAST_JACOBIAN_MAX_N 64
static bool jacobian_rows(ns_fuzz_target *t, size_t n, double *kappa, double *gscale)
{
    if (n > FAST_JACOBIAN_MAX_N)
        return false;
    for (size_t j = 0; j < n; j++)
        t->jtg[j] = 0;
    for (size_t i = 0; i < n; i++) {
        t->unit[i] = 1;
        int rc = ns_job_backward(&t->oracle, t->xr, t->yo, t->unit, t->jrow, n, NULL);
        t->unit[i] = 0;
        if (rc != 0)
            return false;
        double num = 0;
        for (size_t j = 0; j < n; j++) {
            if (!isfinite(t->jrow[j]))
                return false;
            if (isfinite(t->xr[j]))
                num += fabs(t->jrow[j]) * fabs(t->xr[j]);
            t->jtg[j] += fabs(t->jrow[j]) * fabs(t->gr[i]);
        }
        if (kappa)
            kappa[i] = num == 0 ? 0 : t->yo[i] == 0 ? INFINITY : num / fabs(t->yo[i]);
    }
    if (gscale) {
        *gscale = 0;
        for (size_t j = 0; j < n; j++)
            *gscale = t->jtg[j] > *gscale ? t->jtg[j] : *gscale;
    }
    return true;
}

/* log2 of a positive ratio, finite: -64 for 0 or NaN, +64 for inf. */
static double log2_ratio(double num, double den)
{
    double r = num / den;
    if (!(r > 0))
        return -64;
    if (isinf(r))
        return 64;
    double l = log2(r);
    return l < -64 ? -64 : l > 64 ? 64 : l;
}

/* How close the smallest denominator comes to the edges of the
 * accumulator's range (0 in the middle, growing over the last two binades
 * before overflow and below 4 times the smallest normal, 2 at a zero or
 * non-finite one): the proxy for NaN and inf before they happen. */
static double denominator_extremeness(const ns_fuzz_eval *e, const ns_format *acc)
{
    const ns_metrics *m = &e->m;
    if (m->denominators == 0)
        return 0;
    if (m->denominator_class == NS_DEN_ZERO || m->denominator_class == NS_DEN_NONFINITE)
        return 2;
    double l = log2(m->min_denominator);
    double over = l - (acc->emax - 2), under = (acc->emin + 2) - l;
    double x = over > under ? over : under;
    return x > 0 ? x / 4 : 0;
}

static void score(const ns_fuzz_target *t, ns_fuzz_eval *e)
{
    const ns_metrics *m = &e->m;
    const ns_format *io = t->job.policy->io, *acc = t->job.policy->acc;
    double near = denominator_extremeness(e, acc);
    /* A bound that promises nothing still guides the search, on a scale
     * where it is never broken. */
    double big = 0x1p30;

    e->value[NS_KIND_NAN] = (double)e->nan;
    e->score[NS_KIND_NAN] = e->nan ? 1000 + (double)e->nan : near;

    e->value[NS_KIND_INF] = (double)e->inf;
    e->score[NS_KIND_INF] = e->inf ? 1000 + (double)e->inf : near;

    e->value[NS_KIND_ERROR] = ns_error_bits(io, e->err_ulps);
    e->score[NS_KIND_ERROR] = log2_ratio(e->err_ulps, isinf(e->err_bound) ? big : e->err_bound);

    e->value[NS_KIND_SUM] = fabs(m->sum_err);
    /* A sum that is not finite is a NaN or inf finding, not a sum one. */
    e->score[NS_KIND_SUM] = isfinite(m->sum_err)
        ? log2_ratio(e->sum_rel, isinf(e->sum_bound) ? big : e->sum_bound) : -64;

    e->value[NS_KIND_DENOMINATOR] = m->min_denominator;
    if (m->denominators == 0)
        e->score[NS_KIND_DENOMINATOR] = -64;
    else if (m->denominator_class == NS_DEN_ZERO || m->denominator_class == NS_DEN_NONFINITE)
        e->score[NS_KIND_DENOMINATOR] = 2048;
    else
        e->score[NS_KIND_DENOMINATOR] = -log2(m->min_denominator_rel);

    e->value[NS_KIND_GRADIENT] = e->grad_err;
    double gs = -64;
    if (m->has_grad) {
        gs = e->grad_nonfinite ? 64 : log2_ratio(e->grad_err, isinf(e->grad_bound) ? big : e->grad_bound);
        double gain_limit = t->promise->max_gain > 0 ? t->promise->max_gain : big;
        double g2 = log2_ratio(e->gain, gain_limit);
        gs = g2 > gs ? g2 : gs;
    }
    e->score[NS_KIND_GRADIENT] = gs;

    double most_negative = 0;
    for (size_t i = 0; i < m->n; i++)
        if (t->scratch.y[i] < most_negative && t->scratch.y_ref[i] >= 0)
            most_negative = t->scratch.y[i];
    e->value[NS_KIND_NEGATIVE] = most_negative;
    e->score[NS_KIND_NEGATIVE] = m->negatives ? 1000 + (double)m->negatives : near;
}

static void check_promises(const ns_fuzz_target *t, ns_fuzz_eval *e)
{
    const ns_promise *p = t->promise;
    const ns_metrics *m = &e->m;
    unsigned b = 0;
    if (p->no_nan && e->nan)
        b |= 1u << NS_KIND_NAN;
    if (p->no_inf && e->inf)
        b |= 1u << NS_KIND_INF;
    if (e->err_ulps > e->err_bound)
        b |= 1u << NS_KIND_ERROR;
    if (isfinite(m->sum_err) && e->sum_rel > e->sum_bound)
        b |= 1u << NS_KIND_SUM;
    bool den_lost = m->denominator_class == NS_DEN_ZERO || m->denominator_class == NS_DEN_NONFINITE;
    if ((p->denominator == NS_DEN_PROMISE_NORMAL &&
         (den_lost || m->denominator_class == NS_DEN_SUBNORMAL)) ||
        (p->denominator == NS_DEN_PROMISE_NONZERO && den_lost))
        b |= 1u << NS_KIND_DENOMINATOR;
    if (m->has_grad && ((p->finite_gradient && e->grad_nonfinite) || e->grad_err > e->grad_bound ||
                        (p->max_gain > 0 && e->gain > p->max_gain)))
        b |= 1u << NS_KIND_GRADIENT;
    if (p->no_negative && m->negatives)
        b |= 1u << NS_KIND_NEGATIVE;
    e->broken = b;
}

/* The worst ratio of an output's error to its bound, with kappa_i where
 * the contract counts the conditioning (kappa may be NULL); sets err_ulps
 * and err_bound to those of that output. */
static double worst_error(const ns_fuzz_target *t, ns_fuzz_eval *e, size_t n, const double *kappa)
{
    const ns_policy *p = t->job.policy;
    const ns_format *io = p->io;
    const ns_bound *eb = &t->promise->error;
    const double *y = t->scratch.y;
    double u_io = ns_unit_roundoff(io), u_work = ns_policy_u_work(p);
    double base = ns_bound_eval(eb, p, t->xr, n, 0), floor = t->promise->error_floor;
    double worst = -1;
    e->err_ulps = 0;
    e->err_bound = base >= 1 ? INFINITY : 1 + base / u_io;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            continue;                        /* NaN and inf are findings of their own */
        double rel = base + (kappa ? eb->ck * kappa[i] * u_work : 0);
        /* A first-order bound of 1 or more promises nothing. */
        double bound = rel >= 1 ? INFINITY : 1 + rel / u_io;
        double ulps = t->scratch.ulps[i];
        if (floor > 0 && fabs(t->yo[i]) < floor && isfinite(t->yo[i]))
            ulps = y[i] == t->yo[i] ? 0 : fabs(y[i] - t->yo[i]) / ns_ulp(io, floor);
        double ratio = ulps / bound;
        if (isnan(ratio))
            ratio = 0;                       /* an infinite kappa_i excuses any error */
        if (ratio > worst) {
            worst = ratio;
            e->err_ulps = ulps;
            e->err_bound = bound;
        }
    }
    return worst;
}

int ns_fuzz_eval_row(ns_fuzz_target *t, const ns_row *row, int mode, ns_fuzz_eval *e)
{
    size_t n = row->n;
    memset(e, 0, sizeof *e);
    if (n == 0 || reserve(t, n) != 0)
        return n == 0 ? 0 : -1;
    const ns_policy *p = t->job.policy;
    const ns_format *io = p->io;
    ns_job_round_inputs(&t->job, row->x, t->xr, n);
    ns_job_round_inputs(&t->job, row->g, t->gr, n);
    if (!ns_domain_contains(&t->domain, t->xr, n))
        return 0;
    t->evals++;

    bool cross_check = n <= CROSS_CHECK_MAX_N && t->evals % CROSS_CHECK_PERIOD == 0;
    bool exact = mode == NS_EVAL_EXACT || !t->fast_oracle || cross_check || !fast_oracle(t, n);
    if (exact) {
        t->exact_evals++;
        if (ns_ref_eval(t->ref, t->job.param, t->xr, t->with_grad ? t->gr : NULL, n,
                        t->yo, t->dxo, NULL) != 0)
            return -1;
    }
    if (ns_metrics_compare(&t->job, t->xr, t->with_grad ? t->gr : NULL, n, t->yo,
                           t->with_grad ? t->dxo : NULL, NULL, false, &t->scratch, &e->m) != 0)
        return -1;
    const ns_metrics *m = &e->m;
    if (!m->defined)                 /* no reference here: outside every domain */
        return 0;
    e->in_domain = true;
    e->exact = exact;

    const double *y = t->scratch.y, *dx = t->scratch.dx;
    double u_io = ns_unit_roundoff(io);
    for (size_t i = 0; i < n; i++) {
        if (y[i] == 0 && ns_round(io, t->yo[i]) != 0)
            e->underflows++;
        if (isnan(y[i]))
            e->nan++;
        else if (isinf(y[i]) && isfinite(ns_round(io, t->yo[i])))
            e->inf++;
    }
    /* The conditioning is computed only where an error exceeds the bound
     * without it (it can only widen the bound). */
    if (worst_error(t, e, n, NULL) > 1 && t->promise->error.ck != 0) {
        int k = exact ? ns_metrics_kappa(t->job.family, t->job.param, t->xr, t->yo, n,
                                         &t->scratch, t->kappa)
                      : jacobian_rows(t, n, t->kappa, NULL) ? 1 : -1;
        if (k >= 0)
            worst_error(t, e, n, t->kappa);
    }
    double rs = ns_bound_eval(&t->promise->sum, p, t->xr, n, NAN);
    double rg = ns_bound_eval(&t->promise->gradient, p, t->xr, n, NAN);
    e->sum_bound = rs >= 1 ? INFINITY : 1 + rs / u_io;
    e->grad_bound = rg >= 1 ? INFINITY : 1 + rg / u_io;
    /* Each output is rounded into io: besides its relative error u_io, one
     * that underflows may lose up to half the smallest subnormal, which no
     * algorithm can help.  That much of the sum error is forgiven. */
    double sref = fabs(m->sum_ref);
    double excess = fabs(m->sum_err) - 0.5 * (double)n * ns_format_min_positive(io);
    if (!(excess > 0))
        excess = isnan(excess) ? excess : 0;
    e->sum_rel = sref > 0 ? excess / sref / u_io : (excess != 0 ? INFINITY : 0);
    if (m->has_grad) {
        double num = 0;
        for (size_t i = 0; i < n; i++) {
            if (dx[i] == 0 && ns_round(io, t->dxo[i]) != 0)
                e->underflows++;
            if (isnan(dx[i]))
                e->nan++;
            else if (isinf(dx[i]) && isfinite(ns_round(io, t->dxo[i])))
                e->grad_nonfinite++;
            else if (isfinite(dx[i]) && fabs(dx[i] - t->dxo[i]) > num)
                num = fabs(dx[i] - t->dxo[i]);
        }
        /* The scale of dx: the true one, or ||g|| ||y|| where it cancels
         * (a constant g has dx = 0), or || |J|^T |g| || (computed only when
         * the others leave the error above its bound), and never below the
         * smallest normal of the output format times max(1, ||g||): below
         * it gradients lose relative precision by underflow (of dx itself,
         * or of the outputs y stored in io that the backward pass reads)
         * whatever the algorithm. */
        double gnorm = inf_norm(t->gr, n);
        double scale = inf_norm(t->dxo, n), alt = gnorm * inf_norm(t->yo, n);
        double floor = ldexp(1.0, io->emin) * (gnorm > 1 ? gnorm : 1);
        scale = alt > scale ? alt : scale;
        scale = floor > scale ? floor : scale;
        e->grad_err = num == 0 ? 0 : scale > 0 ? num / scale / u_io : INFINITY;
        double jt_scale;
        if (e->grad_err > e->grad_bound && jacobian_rows(t, n, NULL, &jt_scale) && jt_scale > scale)
            e->grad_err = num / jt_scale / u_io;
        e->gain = m->grad_gain;
    }
    check_promises(t, e);
    score(t, e);
    return 0;
}

double ns_fuzz_score(const ns_fuzz_eval *e, ns_kind objective)
{
    if (!e->in_domain)
        return -INFINITY;
    if (objective >= 0 && objective < NS_KIND_COUNT)
        return e->score[objective];
    double best = -INFINITY;
    for (int k = 0; k < NS_OBJECTIVE_COUNT; k++)
        if (e->score[k] > best)
            best = e->score[k];
    return best;
}

/* A bucket of v on [lo, hi) with `per` buckets per unit, clamped. */
static uint16_t bucket(double v, double lo, double per)
{
    double b = (v - lo) * per;
    if (!(b >= 0))
        b = isnan(b) ? NS_FEATURE_BUCKETS - 1 : 0;
    if (b > NS_FEATURE_BUCKETS - 1)
        b = NS_FEATURE_BUCKETS - 1;
    return (uint16_t)b;
}

/* log2 of |v| squeezed: exact steps near 1, slower beyond 2^+-64. */
static double squeeze_log2(double v)
{
    if (v == 0)
        return -128;
    if (!isfinite(v))
        return 128;
    double l = log2(fabs(v));
    if (fabs(l) > 64)
        l = copysign(64 + (fabs(l) - 64) / 16, l);
    return l < -128 ? -128 : l > 127 ? 127 : l;
}

size_t ns_fuzz_features(const ns_fuzz_eval *e, uint16_t *feature)
{
    if (!e->in_domain)
        return 0;
    const ns_metrics *m = &e->m;
    size_t k = 0;
    double nb = log2((double)m->n);
    uint16_t f[NS_FEATURE_GROUPS] = {
        bucket(e->value[NS_KIND_ERROR], 0, 4),                        /* bits, quarter steps */
        bucket(squeeze_log2(e->sum_rel), -128, 1),
        bucket(squeeze_log2(m->min_denominator), -128, 1),
        bucket(squeeze_log2(e->grad_err), -128, 1),
        bucket(squeeze_log2(e->gain), -128, 1),
        /* failures by count class, with the denominator class */
        (uint16_t)((e->nan ? 1 : 0) | (e->inf ? 2 : 0) | (e->grad_nonfinite ? 4 : 0) |
                   (m->negatives ? 8 : 0) | (uint16_t)(m->denominator_class << 4)),
        /* the error of long rows apart from that of short ones */
        bucket(floor(nb) * 16 + floor(e->value[NS_KIND_ERROR] / 4), 0, 1),
        bucket(e->broken, 0, 1),
    };
    for (size_t g = 0; g < NS_FEATURE_GROUPS; g++)
        feature[k++] = (uint16_t)(g * NS_FEATURE_BUCKETS + f[g]);
    return k;
}
