/* Envelopes by bisection (see envelope.h). */
#include "envelope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "../reference/ref.h"
#include "judge.h"
#include "suite.h"

#ifdef _OPENMP
#define NS_OMP(directive) _Pragma(directive)
#else
#define NS_OMP(directive)
#endif

/* References already computed in one task (one family, one input format):
 * the bisections of its algorithms and policies visit the same points. */
typedef struct memo_entry {
    int kind;                   /* 0 scale, 1 length */
    double point;
    size_t seed, n;
    double *xr, *y;
} memo_entry;

typedef struct memo {
    memo_entry *e;
    size_t count, cap, doubles;
} memo;

/* Entries are dropped all at once past this many stored doubles (128 MiB). */
#define MEMO_MAX_DOUBLES ((size_t)16 << 20)

static void memo_clear(memo *m)
{
    for (size_t i = 0; i < m->count; i++) {
        free(m->e[i].xr);
        free(m->e[i].y);
    }
    m->count = 0;
    m->doubles = 0;
}

typedef struct task_ctx {
    const ns_envelope_opts *eo;
    const ns_family *family;
    const ns_format *io;
    const double *param;        /* the family's parameters (defaults) */
    memo memo;
    ns_metrics_scratch scratch;
    ns_judge judge;
    double *x;
    size_t xcap;
} task_ctx;

static const memo_entry *reference_at(task_ctx *c, int kind, double point, size_t k)
{
    size_t n = kind == 0 ? c->eo->scale_n : (size_t)point;
    for (size_t i = 0; i < c->memo.count; i++) {
        memo_entry *e = &c->memo.e[i];
        if (e->kind == kind && e->point == point && e->seed == k)
            return e;
    }
    if (c->memo.doubles + 2 * n > MEMO_MAX_DOUBLES)
        memo_clear(&c->memo);
    if (c->memo.count == c->memo.cap) {
        size_t cap = c->memo.cap ? 2 * c->memo.cap : 64;
        memo_entry *e = realloc(c->memo.e, cap * sizeof *e);
        if (!e)
            return NULL;
        c->memo.e = e;
        c->memo.cap = cap;
    }
    if (n > c->xcap) {
        double *x = realloc(c->x, n * sizeof *x);
        if (!x)
            return NULL;
        c->x = x;
        c->xcap = n;
    }
    memo_entry e = { kind, point, k, n, malloc(n * sizeof(double)), malloc(n * sizeof(double)) };
    if (!e.xr || !e.y) {
        free(e.xr);
        free(e.y);
        return NULL;
    }
    ns_gen_args a = { .param = kind == 0 ? point : 1.0, .n = n,
                      .seed = ns_seed_mix(c->eo->seed, 7000 + k) };
    ns_generate(ns_generator_find("normal"), &a, c->x);
    for (size_t i = 0; i < n; i++)
        e.xr[i] = ns_round(c->io, c->x[i]);
    const ns_reference *r = ns_reference_find(c->family->name);
    if (ns_ref_eval(r, c->param, e.xr, NULL, n, e.y, NULL, NULL) != 0) {
        free(e.xr);
        free(e.y);
        return NULL;
    }
    c->memo.e[c->memo.count++] = e;
    c->memo.doubles += 2 * n;
    return &c->memo.e[c->memo.count - 1];
}

/* What broke, in a few words: "NaN", "inf", "7.3 bits", or the promise. */
static void describe_break(const ns_metrics *m, const ns_promise_eval *e, char *why, size_t whylen)
{
    if (m->nan_count)
        snprintf(why, whylen, "NaN");
    else if (m->inf_count)
        snprintf(why, whylen, "inf");
    else if (e->broken & (1u << NS_KIND_ERROR))
        snprintf(why, whylen, "%.1f bits", m->max_bits);
    else
        for (int k = 0; k < NS_KIND_COUNT; k++)
            if (e->broken & (1u << k)) {
                snprintf(why, whylen, "%s", ns_kind_name((ns_kind)k));
                break;
            }
}

/* 1 when the contract is kept on every seed at this point (an expected
 * failure is outside the envelope too), 0 when not (why says what broke),
 * -1 on an allocation failure. */
static int within_at(task_ctx *c, ns_job *job, ns_envelope *env, int kind, double point,
                     char *why, size_t whylen)
{
    size_t seeds = kind == 1 && c->eo->length_seeds ? c->eo->length_seeds : c->eo->seeds;
    for (size_t k = 0; k < seeds; k++) {
        const memo_entry *e = reference_at(c, kind, point, k);
        ns_metrics m;
        bool promised;
        ns_promise_eval pe;
        if (!e || ns_metrics_compare(job, e->xr, NULL, e->n, e->y, NULL, NULL, false,
                                     &c->scratch, &m) != 0 ||
            ns_judge_promises(&c->judge, job, e->xr, NULL, e->n, &c->scratch, &m, &promised, &pe) != 0)
            return -1;
        env->evaluations++;
        if (!pe.broken)
            continue;
        describe_break(&m, &pe, why, whylen);
        return 0;
    }
    return 1;
}

static int search_scale(task_ctx *c, ns_job *job, ns_envelope *env)
{
    const ns_envelope_opts *eo = c->eo;
    double top = floor(log2(c->io->max_finite / 16));
    double lo = eo->scale_lo, hi = top < eo->scale_hi ? top : eo->scale_hi;
    env->scale_top = exp2(hi);
    int r = within_at(c, job, env, 0, exp2(lo), env->scale_break, sizeof env->scale_break);
    if (r <= 0) {
        env->scale_max = 0;
        env->scale_fail = exp2(lo);
        return r;
    }
    char why[40];
    r = within_at(c, job, env, 0, exp2(hi), why, sizeof why);
    if (r < 0)
        return r;
    if (r == 1) {
        env->scale_max = exp2(hi);
        env->scale_capped = true;
        return 0;
    }
    memcpy(env->scale_break, why, sizeof why);
    env->scale_fail = exp2(hi);
    while (hi - lo > eo->scale_tol) {
        double mid = (lo + hi) / 2;
        r = within_at(c, job, env, 0, exp2(mid), why, sizeof why);
        if (r < 0)
            return r;
        if (r == 1)
            lo = mid;
        else {
            hi = mid;
            memcpy(env->scale_break, why, sizeof why);
            env->scale_fail = exp2(hi);
        }
    }
    env->scale_max = exp2(lo);
    return 0;
}

static int search_length(task_ctx *c, ns_job *job, ns_envelope *env)
{
    const ns_envelope_opts *eo = c->eo;
    size_t lo = 2, hi = eo->length_hi;
    int r = within_at(c, job, env, 1, (double)lo, env->length_break, sizeof env->length_break);
    if (r <= 0) {
        env->length_max = 0;
        env->length_fail = lo;
        return r;
    }
    char why[40];
    r = within_at(c, job, env, 1, (double)hi, why, sizeof why);
    if (r < 0)
        return r;
    if (r == 1) {
        env->length_max = hi;
        env->length_capped = true;
        return 0;
    }
    memcpy(env->length_break, why, sizeof why);
    env->length_fail = hi;
    for (;;) {
        double gap = (double)lo * eo->length_tol;
        if ((double)(hi - lo) <= (gap > 1 ? gap : 1))
            break;
        size_t mid = (size_t)nearbyint(sqrt((double)lo * (double)hi));   /* geometric bisection */
        if (mid <= lo)
            mid = lo + 1;
        if (mid >= hi)
            mid = hi - 1;
        r = within_at(c, job, env, 1, (double)mid, why, sizeof why);
        if (r < 0)
            return r;
        if (r == 1)
            lo = mid;
        else {
            hi = mid;
            memcpy(env->length_break, why, sizeof why);
            env->length_fail = hi;
        }
    }
    env->length_max = lo;
    return 0;
}

ns_envelope *ns_envelopes(const ns_envelope_opts *eo, const ns_run_opts *o, size_t *count)
{
    static const ns_sum_order seq[] = { NS_SUM_SEQ };
    size_t nt;
    ns_target *t = ns_targets_make(eo->policies, seq, 1, &nt);
    ns_envelope *env = calloc(nt + 1, sizeof *env);
    size_t *task_of = calloc(nt + 1, sizeof *task_of);
    if (!t || !env || !task_of) {
        free(t); free(env); free(task_of);
        return NULL;
    }
    /* Tasks: (family, input format); targets listed family by family. */
    size_t ntasks = 0;
    for (size_t i = 0; i < nt; i++) {
        env[i].target = t[i];
        size_t j = 0;
        for (; j < i; j++)
            if (t[j].family == t[i].family && ns_policy_same_inputs(t[j].policy, t[i].policy))
                break;
        task_of[i] = j < i ? task_of[j] : ntasks++;
    }
    free(t);

    int failed = 0, threads = ns_run_threads(o);
    size_t done = 0;
    (void)threads;
    NS_OMP("omp parallel for schedule(dynamic, 1) num_threads(threads)")
    for (size_t k = 0; k < ntasks; k++) {
        task_ctx c;
        memset(&c, 0, sizeof c);
        c.eo = eo;
        ns_metrics_scratch_init(&c.scratch);
        ns_judge_init(&c.judge);
        for (size_t i = 0; i < nt; i++) {
            int stop;
            NS_OMP("omp atomic read")
            stop = failed;
            if (stop || task_of[i] != k)
                continue;
            ns_job job;
            int rc = ns_job_init(&job, env[i].target.alg->name, env[i].target.policy, NS_SUM_SEQ);
            c.family = env[i].target.family;
            c.io = env[i].target.policy->io;
            c.param = job.param;
            if (rc != 0 || search_scale(&c, &job, &env[i]) != 0 || search_length(&c, &job, &env[i]) != 0) {
                NS_OMP("omp atomic write")
                failed = 1;
            }
            ns_job_free(&job);
        }
        memo_clear(&c.memo);
        free(c.memo.e);
        free(c.x);
        ns_metrics_scratch_free(&c.scratch);
        ns_judge_free(&c.judge);
        size_t now;
        NS_OMP("omp atomic capture")
        now = ++done;
        if (o && o->progress) {
            NS_OMP("omp critical(ns_envelope_progress)")
            o->progress(o->progress_ctx, now, ntasks);
        }
    }
    free(task_of);
    if (failed) {
        free(env);
        return NULL;
    }
    *count = nt;
    return env;
}
