/* The parallel runner (see run.h). */
#include "run.h"

#include <mpfr.h>
#include <stdlib.h>
#include <string.h>

#include "../reference/ref.h"
#include "../util/omp.h"
#include "judge.h"

ns_target *ns_targets_make(const ns_policy *const *policies, const ns_sum_order *sums,
                           size_t nsums, size_t *count)
{
    static const ns_sum_order all_sums[] = { NS_SUM_SEQ, NS_SUM_PAIRWISE, NS_SUM_KAHAN };
    if (nsums == 0) {
        sums = all_sums;
        nsums = 3;
    }
    if (!policies)
        policies = ns_policies;
    size_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        ns_target *t = pass ? malloc((total ? total : 1) * sizeof *t) : NULL;
        if (pass && !t)
            return NULL;
        size_t k = 0;
        for (const ns_family *const *f = ns_families(); *f; f++) {
            if (!ns_reference_find((*f)->name))
                continue;
            for (const ns_algorithm *a = (*f)->algorithms; a->name; a++)
                for (size_t p = 0; policies[p]; p++) {
                    if (ns_policy_is_ref(policies[p]))
                        continue;
                    for (size_t s = 0; s < nsums; s++, k++)
                        if (t)
                            t[k] = (ns_target){ *f, a, policies[p], sums[s] };
                }
        }
        if (pass) {
            *count = k;
            return t;
        }
        total = k;
    }
    return NULL;
}

void ns_case_input(const ns_case *c, const ns_policy *p, double *x)
{
    if (c->x) {
        memcpy(x, c->x, c->n * sizeof *x);
        return;
    }
    ns_gen_args a = { .param = c->param, .n = c->n, .seed = c->seed, .policy = p, .sum = NS_SUM_SEQ };
    ns_generate(c->gen, &a, x);
}

/* A task: one case, and the targets (indices into order[lo..hi)) that see
 * the same rounded input. */
typedef struct task {
    size_t c, lo, hi;
} task;

/* Targets sorted so that those sharing a family and an input format (and,
 * for policy-dependent rows, a policy) are adjacent. */
typedef struct sorter {
    const ns_target *t;
    size_t i;
} sorter;

static int by_group(const void *pa, const void *pb)
{
    const sorter *a = pa, *b = pb;
    if (a->t->family != b->t->family)
        return a->t->family->order < b->t->family->order ? -1 : 1;
    int c = strcmp(a->t->policy->io->name, b->t->policy->io->name);
    if (c == 0)
        c = strcmp(a->t->policy->name, b->t->policy->name);
    return c ? c : (a->i > b->i) - (a->i < b->i);
}

static bool same_group(const ns_target *a, const ns_target *b, bool per_policy)
{
    return a->family == b->family && ns_policy_same_inputs(a->policy, b->policy) &&
           (!per_policy || a->policy == b->policy);
}

/* Longest rows first, for a better balance between threads; then in order. */
static const ns_case *cost_cases;   /* set while sorting tasks (one thread) */
static int by_cost(const void *pa, const void *pb)
{
    const task *a = pa, *b = pb;
    size_t na = cost_cases[a->c].n, nb = cost_cases[b->c].n;
    if (na != nb)
        return na > nb ? -1 : 1;
    if (a->c != b->c)
        return a->c < b->c ? -1 : 1;
    return (a->lo > b->lo) - (a->lo < b->lo);
}

int ns_run_threads(const ns_run_opts *o)
{
    if (!mpfr_buildopt_tls_p())
        return 1;                               /* MPFR's exponent range is global */
#ifdef _OPENMP
    return o && o->threads > 0 ? o->threads : omp_get_max_threads();
#else
    (void)o;
    return 1;
#endif
}

void ns_run_task_done(const ns_run_opts *o, size_t *done, size_t total)
{
    size_t now;
    NS_OMP("omp atomic capture")
    now = ++*done;
    if (o && o->progress) {
        NS_OMP("omp critical(ns_run_progress)")
        o->progress(o->progress_ctx, now, total);
    }
}

int ns_run(const ns_target *targets, size_t ntargets, const ns_case *cases, size_t ncases,
           const ns_run_opts *o, ns_metrics *out)
{
    (void)ns_families();                        /* sorts the catalogue before threads start */
    sorter *s = malloc((ntargets ? ntargets : 1) * sizeof *s);
    size_t *order = malloc((ntargets ? ntargets : 1) * sizeof *order);
    size_t most = ntargets * ncases;
    task *tasks = malloc((most > 0 ? most : 1) * sizeof *tasks);
    if (!s || !order || !tasks) {
        free(s); free(order); free(tasks);
        return -1;
    }
    for (size_t i = 0; i < ntargets; i++)
        s[i] = (sorter){ &targets[i], i };
    qsort(s, ntargets, sizeof *s, by_group);
    for (size_t i = 0; i < ntargets; i++)
        order[i] = s[i].i;
    free(s);

    size_t ntasks = 0, nmax = 1;
    for (size_t c = 0; c < ncases; c++) {
        bool per_policy = cases[c].gen && cases[c].gen->uses_policy;
        if (cases[c].n > nmax)
            nmax = cases[c].n;
        for (size_t lo = 0; lo < ntargets;) {
            size_t hi = lo + 1;
            while (hi < ntargets && same_group(&targets[order[lo]], &targets[order[hi]], per_policy))
                hi++;
            tasks[ntasks++] = (task){ c, lo, hi };
            lo = hi;
        }
    }
    cost_cases = cases;
    qsort(tasks, ntasks, sizeof *tasks, by_cost);

    int failed = 0, threads = ns_run_threads(o);
    size_t done = 0;
    (void)threads;
    NS_OMP("omp parallel num_threads(threads)")
    {
        ns_metrics_scratch scratch;
        ns_metrics_scratch_init(&scratch);
        ns_judge judge;
        ns_judge_init(&judge);
        double *x = malloc(nmax * sizeof *x), *g = malloc(nmax * sizeof *g);
        if (!x || !g) {
            NS_OMP("omp atomic write")
            failed = 1;
        }
        NS_OMP("omp for schedule(dynamic, 1)")
        for (size_t k = 0; k < ntasks; k++) {
            int stop;
            NS_OMP("omp atomic read")
            stop = failed;
            if (stop)
                continue;
            const task *tk = &tasks[k];
            const ns_case *c = &cases[tk->c];
            ns_case_input(c, targets[order[tk->lo]].policy, x);
            if (c->grad)
                ns_gen_gradient(c->seed, c->n, g);
            unsigned flags = c->kappa ? NS_METRICS_KAPPA : 0;
            for (size_t j = tk->lo; j < tk->hi; j++) {
                const ns_target *t = &targets[order[j]];
                ns_metrics *m = &out[order[j] * ncases + tk->c];
                ns_job job;
                int rc = ns_job_init(&job, t->alg->name, t->policy, t->sum);
                if (rc == 0)
                    rc = ns_metrics_eval(&job, x, c->grad ? g : NULL, c->n, flags, &scratch, m);
                ns_verdict v;
                if (rc == 0)
                    rc = ns_judge_verdict(&judge, &job, scratch.xr, c->grad ? scratch.gr : NULL, c->n,
                                          &scratch, m, &v);
                ns_job_free(&job);
                if (rc != 0) {
                    NS_OMP("omp atomic write")
                    failed = 1;
                    break;
                }
            }
            ns_run_task_done(o, &done, ntasks);
        }
        free(x);
        free(g);
        ns_metrics_scratch_free(&scratch);
        ns_judge_free(&judge);
    }
    free(order);
    free(tasks);
    return failed ? -1 : 0;
}
