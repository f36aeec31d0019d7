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

static void job_setup(ns_job *job, const ns_fuzz_spec *s, const ns_algorithm *alg,
                      const ns_policy *p)
{
    memset(job, 0, sizeof *job);
    job->family = s->family;
    job->alg = alg;
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
    job_setup(&t->job, s, s->alg, s->policy);
    job_setup(&t->oracle, s, s->oracle_alg ? s->oracle_alg : s->alg, ns_policy_find("fp64"));
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
    ns_policy_widen(&t->wide[NS_WIDE_ABOVE], s->policy, NS_WIDE_ABOVE);
    ns_policy_widen(&t->wide[NS_WIDE_BELOW], s->policy, NS_WIDE_BELOW);
    return 0;
}

int ns_fuzz_eval_wide(ns_fuzz_target *t, const ns_row *row, int which, int mode, ns_fuzz_eval *e)
{
    const ns_policy *keep = t->job.policy;
    t->job.policy = &t->wide[which].policy;
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
    ns_jacobian_free(&t->jacobian);
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
    double **v[] = { &t->xr, &t->gr, &t->yo, &t->dxo, &t->kappa };
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        double *p = realloc(*v[k], n * sizeof *p);
        if (!p)
            return -1;
        *v[k] = p;
    }
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
    double u_io = ns_unit_roundoff(t->job.policy->out);
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
    const ns_promise_eval *pe = &e->promises;
    double near = denominator_extremeness(e, t->job.policy->acc);
    /* A bound that promises nothing still guides the search, on a scale
     * where it is never broken. */
    double big = 0x1p30;

    e->value[NS_KIND_NAN] = (double)pe->nan;
    e->score[NS_KIND_NAN] = pe->nan ? 1000 + (double)pe->nan : near;

    e->value[NS_KIND_INF] = (double)pe->inf;
    e->score[NS_KIND_INF] = pe->inf ? 1000 + (double)pe->inf : near;

    e->value[NS_KIND_ERROR] = pe->err_bits;
    e->score[NS_KIND_ERROR] = log2_ratio(pe->err_ulps, isinf(pe->err_bound) ? big : pe->err_bound);

    e->value[NS_KIND_SUM] = fabs(m->sum_err);
    /* A sum that is not finite is a NaN or inf finding, not a sum one. */
    e->score[NS_KIND_SUM] = isfinite(m->sum_err)
        ? log2_ratio(pe->sum_rel, isinf(pe->sum_bound) ? big : pe->sum_bound) : -64;

    e->value[NS_KIND_DENOMINATOR] = m->min_denominator;
    if (m->denominators == 0)
        e->score[NS_KIND_DENOMINATOR] = -64;
    else if (m->denominator_class == NS_DEN_ZERO || m->denominator_class == NS_DEN_NONFINITE)
        e->score[NS_KIND_DENOMINATOR] = 2048;
    else
        e->score[NS_KIND_DENOMINATOR] = -log2(m->min_denominator_rel);

    e->value[NS_KIND_GRADIENT] = pe->grad_err;
    double gs = -64;
    if (m->has_grad) {
        gs = pe->grad_nonfinite ? 64
           : log2_ratio(pe->grad_err, isinf(pe->grad_bound) ? big : pe->grad_bound);
        double gain_limit = t->promise->max_gain > 0 ? t->promise->max_gain : big;
        double g2 = log2_ratio(pe->gain, gain_limit);
        gs = g2 > gs ? g2 : gs;
    }
    e->score[NS_KIND_GRADIENT] = gs;

    e->value[NS_KIND_NEGATIVE] = pe->most_negative;
    e->score[NS_KIND_NEGATIVE] = m->negatives ? 1000 + (double)m->negatives : near;
}

/* The conditioning of the row being evaluated, when the promises ask for
 * it: kappa_i from the reference's Jacobian when the oracle was exact, from
 * the fp64 oracle's otherwise (rows of at most NS_JACOBIAN_MAX_N); the
 * scale of the gradient's error from the fp64 oracle's. */
typedef struct fuzz_conditioning {
    ns_fuzz_target *t;
    size_t n;
    bool exact;
} fuzz_conditioning;

static const double *kappa_of(void *ctx)
{
    fuzz_conditioning *c = ctx;
    ns_fuzz_target *t = c->t;
    bool ok = c->exact ? ns_metrics_kappa(t->job.family, t->job.param, t->xr, t->yo, c->n,
                                          &t->scratch, t->kappa) >= 0
                       : ns_jacobian_fp64(&t->jacobian, &t->oracle, t->xr, t->yo, t->gr, c->n,
                                          t->kappa, NULL);
    return ok ? t->kappa : NULL;
}

static bool grad_scale_of(void *ctx, double *scale)
{
    fuzz_conditioning *c = ctx;
    ns_fuzz_target *t = c->t;
    return ns_jacobian_fp64(&t->jacobian, &t->oracle, t->xr, t->yo, t->gr, c->n, NULL, scale);
}

int ns_fuzz_eval_row(ns_fuzz_target *t, const ns_row *row, int mode, ns_fuzz_eval *e)
{
    size_t n = row->n;
    memset(e, 0, sizeof *e);
    if (n == 0 || reserve(t, n) != 0)
        return n == 0 ? 0 : -1;
    const ns_policy *p = t->job.policy;
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

    fuzz_conditioning c = { t, n, exact };
    ns_conditioning cond = { kappa_of, grad_scale_of, NULL, &c };
    ns_promise_input in = { p, t->promise, t->xr, t->with_grad ? t->gr : NULL, n, &t->scratch, m };
    ns_promises_measure(&in, &cond, &e->promises);
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
        bucket(squeeze_log2(e->promises.sum_rel), -128, 1),
        bucket(squeeze_log2(m->min_denominator), -128, 1),
        bucket(squeeze_log2(e->promises.grad_err), -128, 1),
        bucket(squeeze_log2(e->promises.gain), -128, 1),
        /* failures by count class, with the denominator class */
        (uint16_t)((e->promises.nan ? 1 : 0) | (e->promises.inf ? 2 : 0) |
                   (e->promises.grad_nonfinite ? 4 : 0) |
                   (m->negatives ? 8 : 0) | (uint16_t)(m->denominator_class << 4)),
        /* the error of long rows apart from that of short ones */
        bucket(floor(nb) * 16 + floor(e->value[NS_KIND_ERROR] / 4), 0, 1),
        bucket(e->promises.broken, 0, 1),
    };
    for (size_t g = 0; g < NS_FEATURE_GROUPS; g++)
        feature[k++] = (uint16_t)(g * NS_FEATURE_BUCKETS + f[g]);
    return k;
}
