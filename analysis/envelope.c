/* Envelopes by a grid scan and bisection (see envelope.h). */
#include "envelope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reference/ref.h"
#include "../util/omp.h"
#include "judge.h"
#include "suite.h"

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
    memo_entry e = { kind, point, k, n, malloc(n * sizeof(double)), malloc(n * sizeof(double)) };
    if (!e.xr || !e.y) {
        free(e.xr);
        free(e.y);
        return NULL;
    }
    ns_gen_args a = { .param = kind == 0 ? point : 1.0, .n = n,
                      .seed = c->eo->seed + k };
    ns_generate(ns_generator_find("normal"), &a, e.xr);
    for (size_t i = 0; i < n; i++)           /* the row, rounded into the input format */
        e.xr[i] = ns_round(c->io, e.xr[i]);
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

/* A failure seen at a point: what broke, the row, the verdict there. */
typedef struct failure {
    char why[40];
    ns_envelope_row row;
} failure;

/* 1 when the contract is kept on every seed at this point (an expected
 * failure is outside the envelope too), 0 when not (f says what broke and
 * where), -1 on an allocation failure. */
static int within_at(task_ctx *c, ns_job *job, ns_envelope *env, int kind, double point, failure *f)
{
    size_t seeds = kind == 1 && c->eo->length_seeds ? c->eo->length_seeds : c->eo->seeds;
    for (size_t k = 0; k < seeds; k++) {
        const memo_entry *e = reference_at(c, kind, point, k);
        ns_metrics m;
        ns_verdict v;
        if (!e || ns_metrics_compare(job, e->xr, NULL, e->n, e->y, NULL, NULL, false,
                                     &c->scratch, &m) != 0 ||
            ns_judge_verdict(&c->judge, job, e->xr, NULL, e->n, &c->scratch, &m, &v) != 0)
            return -1;
        env->evaluations++;
        if (!v.e.broken)
            continue;
        describe_break(&m, &v.e, f->why, sizeof f->why);
        f->row = (ns_envelope_row){ kind == 0 ? point : 1, e->n, c->eo->seed + k, m.verdict,
                                    m.verdict_kind, m.verdict_cause };
        return 0;
    }
    return 1;
}

/* One axis of the envelope, in log2: sigma (kind 0) or n (kind 1). */
typedef struct axis {
    int kind;
    double lo, hi, step, tol;   /* tol: log2 width (scale), relative gap (length) */
} axis;

static double point_at(const axis *a, double t)
{
    return a->kind == 0 ? exp2(t) : nearbyint(exp2(t));
}

/* The first failing point of the axis, and the largest point within before
 * it: a grid scan from lo up (the failures need not be monotone: a point
 * within above a failing one does not count), then bisection between the
 * last point within and the first failing one.  *max is 0 when lo fails;
 * *capped when no point fails; *fail and f hold the smallest failing point
 * seen. */
static int scan_axis(task_ctx *c, ns_job *job, ns_envelope *env, const axis *a, double *max,
                     bool *capped, double *fail, failure *f)
{
    double pass = NAN, bad = NAN, step = a->step > 0 ? a->step : a->hi - a->lo;
    for (int i = 0; isnan(bad); i++) {
        double t = a->lo + i * step;
        t = t < a->hi ? t : a->hi;
        int r = within_at(c, job, env, a->kind, point_at(a, t), f);
        if (r < 0)
            return r;
        if (r == 0)
            bad = t;
        else if (t >= a->hi) {
            *max = point_at(a, t);
            *capped = true;
            return 0;
        } else
            pass = t;
    }
    *fail = point_at(a, bad);
    if (isnan(pass)) {
        *max = 0;
        return 0;
    }
    failure g;
    for (;;) {
        double lo = point_at(a, pass), hi = point_at(a, bad);
        if (a->kind == 0 ? bad - pass <= a->tol : hi - lo <= fmax(1, lo * a->tol))
            break;
        double mid = (pass + bad) / 2;
        if (a->kind == 1 && (point_at(a, mid) <= lo || point_at(a, mid) >= hi))
            break;
        int r = within_at(c, job, env, a->kind, point_at(a, mid), &g);
        if (r < 0)
            return r;
        if (r == 1)
            pass = mid;
        else {
            bad = mid;
            *f = g;
            *fail = point_at(a, bad);
        }
    }
    *max = point_at(a, pass);
    return 0;
}

static int search_scale(task_ctx *c, ns_job *job, ns_envelope *env)
{
    const ns_envelope_opts *eo = c->eo;
    double top = floor(log2(c->io->max_finite / 16));
    axis a = { 0, eo->scale_lo, top < eo->scale_hi ? top : eo->scale_hi, eo->scale_step, eo->scale_tol };
    env->scale_top = exp2(a.hi);
    failure f = { "", { 0, 0, 0, -1, -1, -1 } };
    int r = scan_axis(c, job, env, &a, &env->scale_max, &env->scale_capped, &env->scale_fail, &f);
    memcpy(env->scale_break, f.why, sizeof f.why);
    env->scale_row = f.row;
    return r;
}

static int search_length(task_ctx *c, ns_job *job, ns_envelope *env)
{
    const ns_envelope_opts *eo = c->eo;
    axis a = { 1, 1, log2((double)eo->length_hi), eo->length_step, eo->length_tol };
    failure f = { "", { 0, 0, 0, -1, -1, -1 } };
    double max = 0, fail = 0;
    int r = scan_axis(c, job, env, &a, &max, &env->length_capped, &fail, &f);
    env->length_max = (size_t)max;
    env->length_fail = (size_t)fail;
    memcpy(env->length_break, f.why, sizeof f.why);
    env->length_row = f.row;
    return r;
}

static void task_init(task_ctx *c, const ns_envelope_opts *eo)
{
    memset(c, 0, sizeof *c);
    c->eo = eo;
    ns_metrics_scratch_init(&c->scratch);
    ns_judge_init(&c->judge);
}

static void task_free(task_ctx *c)
{
    memo_clear(&c->memo);
    free(c->memo.e);
    ns_metrics_scratch_free(&c->scratch);
    ns_judge_free(&c->judge);
}

/* The envelope of env->target, with the task's references. */
static int envelope_in(task_ctx *c, ns_envelope *env)
{
    ns_job job;
    int rc = ns_job_init(&job, env->target.alg->name, env->target.policy, NS_SUM_SEQ);
    c->family = env->target.family;
    c->io = env->target.policy->io;
    c->param = job.param;
    if (rc == 0 && (search_scale(c, &job, env) != 0 || search_length(c, &job, env) != 0))
        rc = -1;
    ns_job_free(&job);
    return rc;
}

int ns_envelope_of(const ns_envelope_opts *eo, const ns_target *t, ns_envelope *env)
{
    memset(env, 0, sizeof *env);
    env->target = *t;
    task_ctx c;
    task_init(&c, eo);
    int rc = envelope_in(&c, env);
    task_free(&c);
    return rc;
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
        task_init(&c, eo);
        for (size_t i = 0; i < nt; i++) {
            int stop;
            NS_OMP("omp atomic read")
            stop = failed;
            if (stop || task_of[i] != k)
                continue;
            if (envelope_in(&c, &env[i]) != 0) {
                NS_OMP("omp atomic write")
                failed = 1;
            }
        }
        task_free(&c);
        ns_run_task_done(o, &done, ntasks);
    }
    free(task_of);
    if (failed) {
        free(env);
        return NULL;
    }
    *count = nt;
    return env;
}
