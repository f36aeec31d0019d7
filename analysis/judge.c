/* The verdict against the exact reference (see judge.h). */
#include "judge.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ns_judge_init(ns_judge *j)
{
    memset(j, 0, sizeof *j);
    ns_metrics_scratch_init(&j->scratch);
    ns_metrics_scratch_init(&j->fp64_scratch);
}

void ns_judge_free(ns_judge *j)
{
    ns_metrics_scratch_free(&j->scratch);
    ns_metrics_scratch_free(&j->fp64_scratch);
    ns_job_free(&j->fp64);
    ns_jacobian_free(&j->jacobian);
    free(j->kappa);
    memset(j, 0, sizeof *j);
}

/* One evaluation being measured, for the conditioning asked for. */
typedef struct measured {
    ns_judge *j;
    const ns_job *job;
    const double *xr, *gr, *y_ref, *dx_ref;
    size_t n;
    const double *kappa_i;       /* the evaluation's own, or NULL */
} measured;

static const double *kappa_of(void *ctx)
{
    measured *c = ctx;
    if (c->kappa_i)
        return c->kappa_i;
    ns_judge *j = c->j;
    if (c->n > j->cap) {
        double *k = realloc(j->kappa, c->n * sizeof *k);
        if (!k)
            return NULL;
        j->kappa = k;
        j->cap = c->n;
    }
    return ns_metrics_kappa(c->job->family, c->job->param, c->xr, c->y_ref, c->n, &j->scratch,
                            j->kappa) >= 0 ? j->kappa : NULL;
}

/* The judge's fp64 job: the algorithm measured, in fp64, the same order. */
static ns_job *fp64_job(const measured *c)
{
    ns_job *fp64 = &c->j->fp64;
    fp64->family = c->job->family;
    fp64->alg = c->job->alg;
    fp64->policy = ns_policy_find("fp64");
    fp64->sum = c->job->sum;
    memcpy(fp64->param, c->job->param, sizeof fp64->param);
    return fp64;
}

static bool grad_scale_of(void *ctx, double *scale)
{
    measured *c = ctx;
    return ns_jacobian_fp64(&c->j->jacobian, fp64_job(c), c->xr, c->y_ref, c->gr, c->n, NULL, scale);
}

static bool grad_fp64_of(void *ctx, double *err, double *bound)
{
    measured *c = ctx;
    ns_job *fp64 = fp64_job(c);
    ns_metrics m;
    ns_metrics_scratch *s = &c->j->fp64_scratch;
    if (!c->gr || !c->dx_ref || ns_metrics_compare(fp64, c->xr, c->gr, c->n, c->y_ref, c->dx_ref, NULL,
                                                   false, s, &m) != 0)
        return false;
    const ns_contract *contract = ns_contract_of(fp64->alg);
    ns_conditioning cond = { NULL, grad_scale_of, NULL, c };   /* no fp64 of fp64 */
    ns_promise_input in = { fp64->policy, ns_contract_promise(contract, fp64->policy), c->xr, c->gr,
                            c->n, s, &m };
    ns_promise_eval e;
    ns_promises_measure(&in, &cond, &e);
    /* Only a clean fp64 evaluation tells: one that overflows, underflows or
     * breaks another promise in fp64 has causes of its own. */
    if ((e.broken & ~(1u << NS_KIND_GRADIENT)) || e.nan || e.grad_nonfinite || e.underflows)
        return false;
    *err = e.grad_err;
    *bound = e.grad_bound;
    return true;
}

int ns_judge_promises(ns_judge *j, ns_job *job, const double *xr, const double *gr, size_t n,
                      const ns_metrics_scratch *s, const ns_metrics *m, bool *promised,
                      ns_promise_eval *e)
{
    const ns_contract *contract = ns_contract_of(job->alg);
    memset(e, 0, sizeof *e);
    *promised = m->defined && ns_domain_contains(&contract->domain, xr, n);
    if (!*promised)
        return 0;
    measured c = { j, job, xr, m->has_grad ? gr : NULL, s->y_ref, m->has_grad ? s->dx_ref : NULL, n,
                   s->kappa_i };
    ns_conditioning cond = { kappa_of, grad_scale_of, grad_fp64_of, &c };
    ns_promise_input in = { job->policy, ns_contract_promise(contract, job->policy), xr, c.gr, n, s, m };
    ns_promises_measure(&in, &cond, e);
    return 0;
}

/* The evaluation classified, for the re-evaluations its causes ask for;
 * each is made once, whatever the number of promises broken. */
typedef struct judged {
    ns_judge *j;
    ns_job *job;
    const double *xr, *gr;
    size_t n;
    const ns_metrics_scratch *s;
    bool oom;
    int memo[4];                 /* ns_recheck_kind: the mask, -1, or UNKNOWN */
} judged;

#define UNKNOWN (-2)

static int broken_again(void *ctx, ns_recheck_kind which, const double *x, const double *g, size_t n)
{
    judged *c = ctx;
    if (c->memo[which] != UNKNOWN)
        return c->memo[which];
    ns_judge *j = c->j;
    ns_job *job = c->job;
    const ns_policy *keep = job->policy;
    const double *xr = c->xr, *gr = c->gr;
    ns_metrics m;
    int rc;
    if (which == NS_RECHECK_WIDE_ABOVE || which == NS_RECHECK_WIDE_BELOW) {
        job->policy = &j->wide[which == NS_RECHECK_WIDE_ABOVE ? NS_WIDE_ABOVE : NS_WIDE_BELOW].policy;
        rc = ns_metrics_compare(job, xr, gr, n, c->s->y_ref, gr ? c->s->dx_ref : NULL, c->s->kappa_i,
                                false, &j->scratch, &m);
    } else {
        rc = ns_metrics_eval(job, x, g, n, 0, &j->scratch, &m);
        xr = j->scratch.xr;
        gr = g ? j->scratch.gr : NULL;
    }
    bool promised = false;
    ns_promise_eval e;
    if (rc == 0)
        rc = ns_judge_promises(j, job, xr, gr, n, &j->scratch, &m, &promised, &e);
    job->policy = keep;
    c->oom |= rc != 0;
    c->memo[which] = rc == 0 && promised ? (int)e.broken : -1;
    return c->memo[which];
}

int ns_judge_verdict(ns_judge *j, ns_job *job, const double *xr, const double *gr, size_t n,
                     const ns_metrics_scratch *s, ns_metrics *m, ns_verdict *v)
{
    bool promised;
    ns_promise_eval e;
    if (ns_judge_promises(j, job, xr, gr, n, s, m, &promised, &e) != 0)
        return -1;
    if (!promised) {
        ns_verdict_nothing_promised(v);
        v->e.err_bound = INFINITY;
    } else {
        ns_policy_widen(&j->wide[NS_WIDE_ABOVE], job->policy, NS_WIDE_ABOVE);
        ns_policy_widen(&j->wide[NS_WIDE_BELOW], job->policy, NS_WIDE_BELOW);
        judged c = { j, job, xr, m->has_grad ? gr : NULL, n, s, false,
                     { UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN } };
        ns_recheck r = { broken_again, &c };
        ns_verdict_decide(v, ns_contract_of(job->alg), job->policy, &r, xr, c.gr, n, m, &e);
        if (c.oom)
            return -1;
    }
    m->contract_ulps = v->e.err_bound;
    m->within_contract = v->kind != NS_VERDICT_BROKEN;
    m->verdict = (int)v->kind;
    m->verdict_kind = v->kind == NS_VERDICT_KEPT ? -1 : (int)v->what;
    m->verdict_cause = v->kind == NS_VERDICT_KEPT ? -1 : (int)v->cause[v->what];
    return 0;
}
