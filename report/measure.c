/* The report's measurements: the standard suite, the sweeps, the envelopes
 * and the real rows, each taken from the checkpoint when a resumed run has
 * it there, else measured and saved into it (measure.h). */
#include "measure.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzing.h"

/* The sizes of the tiny (tests), quick (CI) and full report. */
typedef struct report_size {
    double scale_lo, scale_hi, scale_step;   /* log2 sigma */
    size_t scale_n, scale_seeds;
    double length_lo, length_hi, length_step;   /* log2 n */
    size_t length_seeds;
    ns_envelope_opts env;
} report_size;

static const report_size tiny_size = {
    -2, 10, 3, 16, 1,
    2, 8, 2, 1,
    { .scale_n = 16, .seeds = 1, .scale_lo = -4, .scale_hi = 16, .scale_step = 4, .scale_tol = 0.5,
      .length_hi = 1u << 8, .length_step = 1, .length_tol = 1.0 / 4 },
};
static const report_size quick_size = {
    -3, 11, 1, 16, 3,
    2, 12, 1, 2,
    { .scale_n = 16, .seeds = 3, .scale_lo = -4, .scale_hi = 16, .scale_step = 1, .scale_tol = 0.125,
      .length_hi = 1u << 12, .length_step = 0.5, .length_tol = 1.0 / 16, .length_seeds = 2 },
};
static const report_size full_size = {
    -4, 12, 0.5, 16, 8,
    2, 16, 1, 2,
    { .scale_n = 16, .seeds = 6, .scale_lo = -4, .scale_hi = 16, .scale_step = 0.5, .scale_tol = 0.0625,
      .length_hi = 1u << 16, .length_step = 0.5, .length_tol = 1.0 / 32, .length_seeds = 3 },
};

typedef struct stage_ctx {
    const ns_report_opts *o;
    const char *stage;
    size_t base, part, whole;    /* a block of part of whole items, from base (0: no blocks) */
} stage_ctx;

static void stage_progress(void *ctx, size_t done, size_t total)
{
    stage_ctx *s = ctx;
    if (!s->o->progress)
        return;
    if (s->whole && total)
        s->o->progress(s->o->progress_ctx, s->stage, s->base + done * s->part / total, s->whole);
    else
        s->o->progress(s->o->progress_ctx, s->stage, done, total);
}

static void policies_named(const char *const *names, const ns_policy **out)
{
    size_t k = 0;
    for (; names[k]; k++)
        out[k] = ns_policy_find(names[k]);
    out[k] = NULL;
}

static bool stopped(const ns_report_opts *o)
{
    return o->stop && *o->stop;
}

/* FNV-1a, to fold what a run measures into its checkpoint key. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* What a checkpoint must agree on to be resumed: the suite, the seed, the
 * targets, the real rows and the layout of the records. */
static void checkpoint_key(const ns_report_data *d, char *key, size_t len)
{
    const ns_report_opts *o = d->opts;
    uint64_t th = 0xcbf29ce484222325ull, rh = th;
    for (size_t t = 0; t < d->ntargets; t++) {
        th = fnv(th, d->targets[t].alg->name, strlen(d->targets[t].alg->name) + 1);
        th = fnv(th, d->targets[t].policy->name, strlen(d->targets[t].policy->name) + 1);
        th = fnv(th, &d->targets[t].sum, sizeof d->targets[t].sum);
    }
    size_t nreal = o->real ? o->real->count : 0;
    if (nreal)
        rh = fnv(fnv(rh, o->real->offset, (nreal + 1) * sizeof *o->real->offset), o->real->values,
                 o->real->offset[nreal] * sizeof *o->real->values);
    /* Run-wide parameters (--param) change what is measured: a resume
     * with other values must not mix the two. */
    const char *pkey[16];
    double pval[16];
    size_t np = ns_params_overrides(pkey, pval, 16);
    for (size_t i = 0; i < np; i++)
        th = fnv(fnv(th, pkey[i], strlen(pkey[i]) + 1), &pval[i], sizeof pval[i]);
    snprintf(key, len, "suite=%s seed=%llu cases=%zu targets=%zu:%016llx real=%zu:%016llx "
             "records=%zu,%zu,%zu",
             ns_suite_size_name(o->size), (unsigned long long)o->seed, d->ncases, d->ntargets,
             (unsigned long long)th, nreal, (unsigned long long)rh, sizeof(ns_metrics),
             sizeof(ns_envelope), sizeof(ns_case));
}

/* A block of the suite: cases [c0, c0 + nc) of every target, run or taken
 * from the checkpoint, into d->metrics. */
static int suite_block(ns_report_data *d, const ns_checkpoint *ck, size_t block, size_t c0, size_t nc,
                       const ns_run_opts *ro, char *err, size_t errlen)
{
    ns_metrics *m = calloc(d->ntargets * nc + 1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory while measuring");
        return -1;
    }
    char name[32];
    snprintf(name, sizeof name, "suite-%04zu", block);
    int rc = d->opts->resume ? ns_checkpoint_load_metrics(ck, name, m, d->ntargets * nc, err, errlen) : 0;
    if (rc == 0) {
        rc = ns_run(d->targets, d->ntargets, d->cases + c0, nc, ro, m);
        if (rc != 0)
            snprintf(err, errlen, "out of memory while measuring");
        else
            rc = ns_checkpoint_save_metrics(ck, name, m, d->ntargets * nc, err, errlen);
    }
    if (rc >= 0)
        for (size_t t = 0; t < d->ntargets; t++)
            memcpy(&d->metrics[t * d->ncases + c0], &m[t * nc], nc * sizeof *m);
    free(m);
    return rc < 0 ? -1 : 0;
}

/* The suite in blocks of at most this many cases, and at least this many
 * blocks: the units of work kept when a run is interrupted. */
#define SUITE_BLOCK 64
#define SUITE_BLOCKS 8

#define INTERRUPTED(d, ck)                                                                        \
    do {                                                                                          \
        if (stopped((d)->opts)) {                                                                 \
            snprintf(err, errlen, "interrupted; the work done is kept in %s (--resume continues)", \
                     (ck)->dir);                                                                  \
            return NS_REPORT_INTERRUPTED;                                                         \
        }                                                                                         \
    } while (0)

/* The checkpoint's largest file, the real rows' metrics (every row of every
 * target, some 80 MB), is written by a thread of its own while the plots are
 * drawn when the run has more than one thread: written before them, it was
 * the longest serial step but the plots.  ns_report_measure_wait waits for
 * it, before the report is put in place and before the metrics are freed. */
typedef struct real_save {
    bool running;
    pthread_t thread;
    const ns_checkpoint *ck;
    const ns_metrics *m;
    size_t count;
    int rc;
    char err[1024];
} real_save;

static real_save real_saving;

static void *real_save_run(void *arg)
{
    real_save *s = arg;
    s->rc = ns_checkpoint_save_metrics(s->ck, "real", s->m, s->count, s->err, sizeof s->err);
    return NULL;
}

/* Saves the real rows' metrics now (one thread), or starts saving them. */
static int real_save_start(const ns_report_data *d, const ns_checkpoint *ck, size_t count, char *err,
                           size_t errlen)
{
    real_save *s = &real_saving;
    *s = (real_save){ .ck = ck, .m = d->real_metrics, .count = count };
    if (d->threads > 1 && pthread_create(&s->thread, NULL, real_save_run, s) == 0) {
        s->running = true;
        return 0;
    }
    return ns_checkpoint_save_metrics(ck, "real", d->real_metrics, count, err, errlen);
}

int ns_report_measure_wait(char *err, size_t errlen)
{
    real_save *s = &real_saving;
    if (!s->running)
        return 0;
    pthread_join(s->thread, NULL);
    s->running = false;
    if (s->rc != 0 && err)
        snprintf(err, errlen, "%s", s->err);
    return s->rc != 0 ? -1 : 0;
}

/* The policies and orders the suite measures: the default ones, then those
 * asked for that are not among them. */
static int axes(ns_report_data *d)
{
    const ns_report_opts *o = d->opts;
    size_t np = 0, nmore = 0;
    while (ns_policies[np])
        np++;
    while (o->more_policies && o->more_policies[nmore])
        nmore++;
    d->policies = malloc((np + nmore + 1) * sizeof *d->policies);
    d->sums = malloc((3 + o->nmore_sums) * sizeof *d->sums);
    if (!d->policies || !d->sums)
        return -1;
    memcpy(d->policies, ns_policies, np * sizeof *d->policies);
    for (size_t i = 0; i < nmore; i++) {
        size_t k = 0;
        while (k < np && d->policies[k] != o->more_policies[i])
            k++;
        if (k == np)
            d->policies[np++] = o->more_policies[i];
    }
    d->policies[np] = NULL;
    static const ns_sum_order classic[] = { NS_SUM_SEQ, NS_SUM_PAIRWISE, NS_SUM_KAHAN };
    memcpy(d->sums, classic, sizeof classic);
    d->nsums = 3;
    for (size_t i = 0; i < o->nmore_sums; i++) {
        size_t k = 0;
        while (k < d->nsums && d->sums[k] != o->more_sums[i])
            k++;
        if (k == d->nsums)
            d->sums[d->nsums++] = o->more_sums[i];
    }
    return 0;
}

int ns_report_measure(ns_report_data *d, ns_checkpoint *ck, const char *out, char *err, size_t errlen)
{
    const ns_report_opts *o = d->opts;
    const report_size *sz = o->size == NS_SUITE_TINY ? &tiny_size
                          : o->size == NS_SUITE_QUICK ? &quick_size : &full_size;
    stage_ctx sc = { o, "suite", 0, 0, 0 };
    ns_run_opts ro = { .threads = o->threads, .progress = stage_progress, .progress_ctx = &sc };
    d->threads = ns_run_threads(&ro);

    if (axes(d) != 0)
        goto oom;
    d->cases = ns_suite_standard(o->size, o->seed, &d->ncases);
    d->targets = ns_targets_make(d->policies, d->sums, d->nsums, &d->ntargets);
    if (!d->cases || !d->targets)
        goto oom;
    if (d->ntargets == 0) {
        snprintf(err, errlen, "no normalizer has a reference: nothing to measure");
        return -1;
    }
    char key[512];
    checkpoint_key(d, key, sizeof key);
    if (ns_checkpoint_open(ck, out, key, o->resume, err, errlen) != 0)
        return -1;

    d->metrics = calloc(d->ntargets * d->ncases, sizeof *d->metrics);
    d->summary = calloc(d->ntargets, sizeof *d->summary);
    if (!d->metrics || !d->summary)
        goto oom;
    sc.whole = d->ncases;
    size_t per = (d->ncases + SUITE_BLOCKS - 1) / SUITE_BLOCKS;
    per = per > SUITE_BLOCK ? SUITE_BLOCK : per ? per : 1;
    for (size_t c0 = 0, block = 0; c0 < d->ncases; c0 += per, block++) {
        INTERRUPTED(d, ck);
        size_t nc = d->ncases - c0 < per ? d->ncases - c0 : per;
        sc.base = c0;
        sc.part = nc;
        if (suite_block(d, ck, block, c0, nc, &ro, err, errlen) != 0)
            return -1;
    }
    sc.whole = 0;
    for (size_t t = 0; t < d->ntargets; t++)
        ns_summarize(&d->metrics[t * d->ncases], d->ncases, &d->summary[t]);

    int rc;
    INTERRUPTED(d, ck);
    sc.stage = "scale sweep";
    rc = o->resume ? ns_checkpoint_load_sweep(ck, "scale", &d->scale, err, errlen) : 0;
    if (rc < 0)
        return -1;
    if (rc == 0) {
        if (ns_sweep_scale(&d->scale, sz->scale_lo, sz->scale_hi, sz->scale_step, sz->scale_n,
                           sz->scale_seeds, d->policies, ns_seed_mix(o->seed, 101), &ro) != 0)
            goto oom;
        if (ns_checkpoint_save_sweep(ck, "scale", &d->scale, err, errlen) != 0)
            return -1;
    }

    INTERRUPTED(d, ck);
    sc.stage = "length sweep";
    rc = o->resume ? ns_checkpoint_load_sweep(ck, "length", &d->length, err, errlen) : 0;
    if (rc < 0)
        return -1;
    if (rc == 0) {
        const ns_policy *lp[8];
        policies_named(ns_report_length_policies, lp);
        if (ns_sweep_length(&d->length, sz->length_lo, sz->length_hi, sz->length_step, sz->length_seeds,
                            lp, ns_seed_mix(o->seed, 102), &ro) != 0)
            goto oom;
        if (ns_checkpoint_save_sweep(ck, "length", &d->length, err, errlen) != 0)
            return -1;
    }

    INTERRUPTED(d, ck);
    sc.stage = "envelopes";
    rc = o->resume ? ns_checkpoint_load_envelopes(ck, &d->env, &d->nenv, err, errlen) : 0;
    if (rc < 0)
        return -1;
    if (rc == 0) {
        ns_envelope_opts eo = sz->env;
        eo.seed = o->seed;
        eo.policies = d->policies;
        d->env = ns_envelopes(&eo, &ro, &d->nenv);
        if (!d->env)
            goto oom;
        if (ns_checkpoint_save_envelopes(ck, d->env, d->nenv, err, errlen) != 0)
            return -1;
    }

    INTERRUPTED(d, ck);
    sc.stage = "fuzzing";
    if (ns_report_fuzz(d, &ro, err, errlen) != 0)
        return -1;

    if (o->real && o->real->count) {
        INTERRUPTED(d, ck);
        sc.stage = "real logits";
        const ns_real_rows *rr = o->real;
        static const ns_sum_order seq[] = { NS_SUM_SEQ };
        const ns_policy *rp[8];
        policies_named(ns_report_real_policies, rp);
        d->nreal = rr->count;
        d->real_cases = calloc(d->nreal, sizeof *d->real_cases);
        d->real_targets = ns_targets_make(rp, seq, 1, &d->nreal_targets);
        if (!d->real_cases || !d->real_targets)
            goto oom;
        for (size_t r = 0; r < d->nreal; r++)
            d->real_cases[r] = (ns_case){
                .x = rr->values + rr->offset[r],
                .n = rr->offset[r + 1] - rr->offset[r],
                .label = rr->label,
                .label_index = r,
                .seed = ns_seed_mix(o->seed, 200000 + r),
                .grad = true,
            };
        size_t nm = d->nreal_targets * d->nreal;
        d->real_metrics = calloc(nm + 1, sizeof *d->real_metrics);
        d->real_summary = calloc(d->nreal_targets + 1, sizeof *d->real_summary);
        if (!d->real_metrics || !d->real_summary)
            goto oom;
        rc = o->resume ? ns_checkpoint_load_metrics(ck, "real", d->real_metrics, nm, err, errlen) : 0;
        if (rc < 0)
            return -1;
        if (rc == 0) {
            if (ns_run(d->real_targets, d->nreal_targets, d->real_cases, d->nreal, &ro, d->real_metrics) != 0)
                goto oom;
            if (real_save_start(d, ck, nm, err, errlen) != 0)
                return -1;
        }
        for (size_t t = 0; t < d->nreal_targets; t++)
            ns_summarize(&d->real_metrics[t * d->nreal], d->nreal, &d->real_summary[t]);
    }
    if (ns_report_cells(d) != 0)
        goto oom;
    return 0;
oom:
    snprintf(err, errlen, "out of memory while measuring");
    return -1;
}

void ns_report_data_free(ns_report_data *d)
{
    ns_report_measure_wait(NULL, 0);
    free(d->policies);
    free(d->sums);
    ns_report_cells_free(d);
    ns_finding_set_free(&d->found);
    free(d->cases);
    free(d->targets);
    free(d->metrics);
    free(d->summary);
    ns_sweep_free(&d->scale);
    ns_sweep_free(&d->length);
    free(d->env);
    free(d->real_cases);
    free(d->real_targets);
    free(d->real_metrics);
    free(d->real_summary);
}
