/* Running an algorithm in a policy: its storage parts applied around the
 * algorithm (in to inputs and upstream gradients, out to outputs and
 * gradients: formats/storage.c; saved to the y the backward pass reads),
 * and each pass of a row started on its own random stream (+sr). */
#include "catalogue.h"

#include <stdlib.h>
#include <string.h>

#include "../formats/stochastic.h"

int ns_job_init(ns_job *job, const char *alg, const ns_policy *policy, ns_sum_order sum)
{
    memset(job, 0, sizeof *job);
    job->alg = ns_algorithm_find(alg, &job->family);
    if (!job->alg || ns_policy_is_ref(policy))
        return -1;
    job->policy = policy;
    job->sum = sum;
    job->seed = 1;
    ns_params_default(job->family, job->param);
    return 0;
}

void ns_job_free(ns_job *job)
{
    free(job->work);
    job->work = NULL;
    job->work_cap = 0;
}

/* The ops of the job for a row of n, and two more rows of scratch after the
 * algorithm's: *saved (the backward's y under saved=work) and *stage (a
 * copy for MX rounding, which needs separate arrays). */
static int job_ops(ns_job *job, size_t n, ns_probe *probe, ns_ops *op, double **saved, double **stage)
{
    size_t need = NS_WORK_DOUBLES(n) + 2 * n;
    if (need > job->work_cap) {
        double *w = realloc(job->work, need * sizeof *w);
        if (!w)
            return -1;
        job->work = w;
        job->work_cap = need;
    }
    const ns_policy *p = job->policy;
    *op = (ns_ops){ .io = p->io, .elem = p->elem, .acc = p->acc, .sum = job->sum,
                    .param = job->param, .work = job->work, .probe = probe, .tot = p->tot };
    *saved = job->work + NS_WORK_DOUBLES(n);
    *stage = *saved + n;
    return 0;
}

static void begin_stream(const ns_job *job, const double *v, size_t n, uint64_t tag)
{
    if (job->policy->stochastic)
        ns_sr_begin(job->seed, ns_sr_row_key(v, n, tag));
}

void ns_job_round_inputs(const ns_job *job, const double *x, double *xr, size_t n)
{
    ns_policy_round_inputs(job->policy, job->seed, x, xr, n);
}

int ns_job_forward(ns_job *job, const double *xr, double *y, size_t n, ns_probe *probe)
{
    ns_ops op;
    double *saved, *stage;
    if (job_ops(job, n, probe, &op, &saved, &stage) != 0)
        return -1;
    begin_stream(job, xr, n, NS_STREAM_FORWARD);
    job->alg->forward(&op, xr, y, n);
    ns_policy_store_outputs(job->policy, y, stage, n);
    return 0;
}

/* Under saved=work the backward reads the forward's unrounded y, computed
 * again here (with the forward's random stream, so the same y): what an
 * upcast wrapper keeps for its backward pass. */
int ns_job_backward(ns_job *job, const double *xr, const double *y, const double *gr,
                    double *dx, size_t n, ns_probe *probe)
{
    ns_ops op;
    double *saved, *stage;
    if (job_ops(job, n, probe, &op, &saved, &stage) != 0)
        return -1;
    if (job->policy->saved == NS_SAVED_WORK) {
        ns_ops quiet = op;
        quiet.probe = NULL;
        begin_stream(job, xr, n, NS_STREAM_FORWARD);
        job->alg->forward(&quiet, xr, saved, n);
        y = saved;
    }
    begin_stream(job, gr, n, ns_sr_row_key(xr, n, NS_STREAM_BACKWARD));
    job->alg->backward(&op, xr, y, gr, dx, n);
    ns_policy_store_outputs(job->policy, dx, stage, n);
    return 0;
}
