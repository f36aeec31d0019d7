/* The report's measurements: the standard suite, the sweeps, the envelopes
 * and the real rows, each taken from the checkpoint when a resumed run has
 * it there, else measured and saved into it (measure.h). */
#include "measure.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/clock.h"
#include "cells.h"
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

/* What a checkpoint must agree on to be resumed (and the parts of a run to
 * be merged): the suite, the seed, the targets, the real rows, the fuzzing
 * budget and the layout of the records. */
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
    snprintf(key, len, "suite=%s seed=%llu cases=%zu targets=%zu:%016llx real=%zu:%016llx fuzz=%llu "
             "records=%zu,%zu,%zu",
             ns_suite_size_name(o->size), (unsigned long long)o->seed, d->ncases, d->ntargets,
             (unsigned long long)th, nreal, (unsigned long long)rh,
             (unsigned long long)ns_report_fuzz_budget(o), sizeof(ns_metrics),
             sizeof(ns_envelope), sizeof(ns_case));
}

/* Where a piece's measurements come from: the checkpoint when a resumed
 * run or a merge finds it there; else this run, unless the piece is
 * another part's. */
static bool loads(const ns_report_opts *o)
{
    return o->resume || o->nparts;
}

/* Piece `name` of the plan (plan_pieces), or NULL. */
static ns_report_piece *piece(ns_report_data *d, const char *name)
{
    for (size_t k = 0; k < d->npieces; k++)
        if (strcmp(d->pieces[k].name, name) == 0)
            return &d->pieces[k];
    return NULL;
}

/* For a piece not found in the checkpoint: 1 when this run measures it,
 * 0 when it is another part's, -1 (a merge: every piece must come from a
 * part) with a message in err. */
static int measures(const ns_report_data *d, const ns_report_piece *p, char *err, size_t errlen)
{
    const ns_report_opts *o = d->opts;
    if (o->nparts) {
        snprintf(err, errlen, "no part directory holds the piece '%s' that part %u measures", p->name,
                 p->owner);
        return -1;
    }
    return o->shards == 0 || p->owner == o->shard;
}

static void measured(ns_report_piece *p, double t0)
{
    p->measured = true;
    p->seconds = ns_clock_monotonic() - t0;
}

/* A block of rows: cases [c0, c0 + nc) of every target of t (nt), run or
 * taken from the checkpoint under name, into all[t * ncases + c]. */
static int metrics_block(ns_report_data *d, const ns_checkpoint *ck, const char *name, const ns_target *t,
                         size_t nt, const ns_case *cases, size_t c0, size_t nc, size_t ncases,
                         ns_metrics *all, const ns_run_opts *ro, char *err, size_t errlen)
{
    ns_report_piece *p = piece(d, name);
    ns_metrics *m = calloc(nt * nc + 1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory while measuring");
        return -1;
    }
    int rc = loads(d->opts) ? ns_checkpoint_load_metrics(ck, name, m, nt * nc, err, errlen) : 0;
    if (rc == 0 && (rc = measures(d, p, err, errlen)) == 1) {
        double t0 = ns_clock_monotonic();
        rc = ns_run(t, nt, cases + c0, nc, ro, m);
        if (rc != 0)
            snprintf(err, errlen, "out of memory while measuring");
        else
            rc = ns_checkpoint_save_metrics(ck, name, m, nt * nc, err, errlen);
        measured(p, t0);
        rc = rc == 0 ? 1 : -1;
    }
    if (rc == 1)
        for (size_t k = 0; k < nt; k++)
            memcpy(&all[k * ncases + c0], &m[k * nc], nc * sizeof *m);
    free(m);
    return rc < 0 ? -1 : 0;
}

/* The suite in blocks of at most this many cases, and at least this many
 * blocks: the units of work kept when a run is interrupted. */
#define SUITE_BLOCK 64
#define SUITE_BLOCKS 8
/* The fuzzing budget and the real rows in this many blocks (of targets,
 * of rows), at most: pieces small enough to balance parts. */
#define FUZZ_BLOCKS 8
#define REAL_BLOCKS 8

/* Block k of `blocks` over count items: [*lo, *hi). */
static void block_range(size_t k, size_t blocks, size_t count, size_t *lo, size_t *hi)
{
    *lo = k * count / blocks;
    *hi = (k + 1) * count / blocks;
}

#define INTERRUPTED(d, ck)                                                                        \
    do {                                                                                          \
        if (stopped((d)->opts)) {                                                                 \
            snprintf(err, errlen, "interrupted; the work done is kept in %s (--resume continues)", \
                     (ck)->dir);                                                                  \
            return NS_REPORT_INTERRUPTED;                                                         \
        }                                                                                         \
    } while (0)

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

/* The pieces of the run, in the order they are measured, with their costs
 * and, in a sharded run or a merge, their parts (shard.h). */
static int plan_pieces(ns_report_data *d, size_t suite_blocks, size_t fuzz_blocks, size_t real_blocks)
{
    const ns_report_opts *o = d->opts;
    size_t n = suite_blocks + 3 + fuzz_blocks + real_blocks;
    d->pieces = calloc(n, sizeof *d->pieces);
    double *cost = calloc(n, sizeof *cost);
    unsigned *owner = calloc(n, sizeof *owner);
    if (!d->pieces || !cost || !owner) {
        free(cost);
        free(owner);
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        char *name = d->pieces[k].name;
        size_t len = sizeof d->pieces[k].name;
        if (k < suite_blocks)
            snprintf(name, len, "suite-%04zu", k);
        else if (k < suite_blocks + 3)
            snprintf(name, len, "%s", (const char *[]){ "scale", "length", "envelopes" }[k - suite_blocks]);
        else if (k < suite_blocks + 3 + fuzz_blocks)
            snprintf(name, len, "fuzz-%04zu", k - suite_blocks - 3);
        else
            snprintf(name, len, "real-%04zu", k - suite_blocks - 3 - fuzz_blocks);
        cost[k] = d->pieces[k].cost = ns_shard_cost(o->size, name);
    }
    unsigned parts = o->shards ? o->shards : o->merged_shards ? o->merged_shards : 1;
    int rc = ns_shard_assign(cost, n, parts, owner);
    for (size_t k = 0; rc == 0 && k < n; k++)
        d->pieces[k].owner = owner[k];
    d->npieces = n;
    free(cost);
    free(owner);
    return rc;
}

/* A sweep piece (scale or length), loaded or measured by run(). */
typedef int (*sweep_fn)(ns_report_data *d, const report_size *sz, const ns_run_opts *ro);

static int sweep_scale(ns_report_data *d, const report_size *sz, const ns_run_opts *ro)
{
    return ns_sweep_scale(&d->scale, sz->scale_lo, sz->scale_hi, sz->scale_step, sz->scale_n,
                          sz->scale_seeds, d->policies, ns_seed_mix(d->opts->seed, 101), ro);
}

static int sweep_length(ns_report_data *d, const report_size *sz, const ns_run_opts *ro)
{
    const ns_policy *lp[8];
    policies_named(ns_report_length_policies, lp);
    return ns_sweep_length(&d->length, sz->length_lo, sz->length_hi, sz->length_step, sz->length_seeds,
                           lp, ns_seed_mix(d->opts->seed, 102), ro);
}

static int sweep_piece(ns_report_data *d, const ns_checkpoint *ck, const char *name, ns_sweep *s,
                       sweep_fn run, const report_size *sz, const ns_run_opts *ro, char *err, size_t errlen)
{
    ns_report_piece *p = piece(d, name);
    int rc = loads(d->opts) ? ns_checkpoint_load_sweep(ck, name, s, err, errlen) : 0;
    if (rc == 0 && (rc = measures(d, p, err, errlen)) == 1) {
        double t0 = ns_clock_monotonic();
        if (run(d, sz, ro) != 0) {
            snprintf(err, errlen, "out of memory while measuring");
            return -1;
        }
        rc = ns_checkpoint_save_sweep(ck, name, s, err, errlen);
        measured(p, t0);
    }
    return rc < 0 ? -1 : 0;
}

static int envelopes_piece(ns_report_data *d, const ns_checkpoint *ck, const report_size *sz,
                           const ns_run_opts *ro, char *err, size_t errlen)
{
    ns_report_piece *p = piece(d, "envelopes");
    int rc = loads(d->opts) ? ns_checkpoint_load_envelopes(ck, &d->env, &d->nenv, err, errlen) : 0;
    if (rc == 0 && (rc = measures(d, p, err, errlen)) == 1) {
        double t0 = ns_clock_monotonic();
        ns_envelope_opts eo = sz->env;
        eo.seed = d->opts->seed;
        eo.policies = d->policies;
        d->env = ns_envelopes(&eo, ro, &d->nenv);
        if (!d->env) {
            snprintf(err, errlen, "out of memory while measuring");
            return -1;
        }
        rc = ns_checkpoint_save_envelopes(ck, d->env, d->nenv, err, errlen);
        measured(p, t0);
    }
    return rc < 0 ? -1 : 0;
}

/* Block k of the fuzzing budget over targets t (nt, those of the
 * envelopes), appended to d->found. */
static int fuzz_piece(ns_report_data *d, const ns_checkpoint *ck, size_t k, size_t blocks, const ns_target *t,
                      size_t nt, const ns_run_opts *ro, char *err, size_t errlen)
{
    char name[32];
    snprintf(name, sizeof name, "fuzz-%04zu", k);
    ns_report_piece *p = piece(d, name);
    int rc = loads(d->opts) ? ns_checkpoint_load_findings(ck, name, &d->found, err, errlen) : 0;
    if (rc == 0 && (rc = measures(d, p, err, errlen)) == 1) {
        double t0 = ns_clock_monotonic();
        size_t lo, hi;
        block_range(k, blocks, nt, &lo, &hi);
        ns_finding_set set;
        ns_finding_set_init(&set);
        rc = ns_report_fuzz(d, t, lo, hi, ro, &set, err, errlen);
        /* An interrupted search keeps what it found, not all it would
         * find: the block is measured again on --resume. */
        if (rc == 0 && !stopped(d->opts))
            rc = ns_checkpoint_save_findings(ck, name, &set, err, errlen);
        for (size_t i = 0; rc == 0 && i < set.count; i++)
            if (ns_finding_set_append(&d->found, &set.items[i]) != 0) {
                snprintf(err, errlen, "out of memory while fuzzing");
                rc = -1;
            }
        ns_finding_set_free(&set);
        measured(p, t0);
    }
    return rc < 0 ? -1 : 0;
}

/* The real rows as cases, their targets and room for their metrics. */
static int real_setup(ns_report_data *d)
{
    const ns_real_rows *rr = d->opts->real;
    static const ns_sum_order seq[] = { NS_SUM_SEQ };
    const ns_policy *rp[8];
    policies_named(ns_report_real_policies, rp);
    d->nreal = rr->count;
    d->real_cases = calloc(d->nreal, sizeof *d->real_cases);
    d->real_targets = ns_targets_make(rp, seq, 1, &d->nreal_targets);
    if (!d->real_cases || !d->real_targets)
        return -1;
    for (size_t r = 0; r < d->nreal; r++)
        d->real_cases[r] = (ns_case){
            .x = rr->values + rr->offset[r],
            .n = rr->offset[r + 1] - rr->offset[r],
            .label = rr->label,
            .label_index = r,
            .seed = ns_seed_mix(d->opts->seed, 200000 + r),
            .grad = true,
        };
    d->real_metrics = calloc(d->nreal_targets * d->nreal + 1, sizeof *d->real_metrics);
    d->real_summary = calloc(d->nreal_targets + 1, sizeof *d->real_summary);
    return d->real_metrics && d->real_summary ? 0 : -1;
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
    /* The fuzzing's targets are the envelopes' (ns_envelopes): every
     * algorithm in every policy, sequential sums. */
    static const ns_sum_order seq[] = { NS_SUM_SEQ };
    d->fuzz_targets = ns_targets_make(d->policies, seq, 1, &d->nfuzz);
    if (!d->fuzz_targets)
        goto oom;
    size_t nfuzz = d->nfuzz;
    size_t per = (d->ncases + SUITE_BLOCKS - 1) / SUITE_BLOCKS;
    per = per > SUITE_BLOCK ? SUITE_BLOCK : per ? per : 1;
    size_t suite_blocks = (d->ncases + per - 1) / per;
    size_t fuzz_blocks = ns_report_fuzz_budget(o) ? (nfuzz < FUZZ_BLOCKS ? nfuzz : FUZZ_BLOCKS) : 0;
    size_t nreal = o->real ? o->real->count : 0;
    size_t real_blocks = nreal < REAL_BLOCKS ? nreal : REAL_BLOCKS;
    if (plan_pieces(d, suite_blocks, fuzz_blocks, real_blocks) != 0)
        goto oom;

    checkpoint_key(d, d->key, sizeof d->key);
    if (ns_checkpoint_open(ck, out, d->key, o->resume, err, errlen) != 0)
        return -1;
    ck->parts = o->parts;
    ck->nparts = o->nparts;

    d->metrics = calloc(d->ntargets * d->ncases, sizeof *d->metrics);
    d->summary = calloc(d->ntargets, sizeof *d->summary);
    if (!d->metrics || !d->summary)
        goto oom;
    sc.whole = d->ncases;
    for (size_t c0 = 0, block = 0; c0 < d->ncases; c0 += per, block++) {
        INTERRUPTED(d, ck);
        size_t nc = d->ncases - c0 < per ? d->ncases - c0 : per;
        sc.base = c0;
        sc.part = nc;
        char name[32];
        snprintf(name, sizeof name, "suite-%04zu", block);
        if (metrics_block(d, ck, name, d->targets, d->ntargets, d->cases, c0, nc, d->ncases, d->metrics,
                          &ro, err, errlen) != 0)
            return -1;
    }
    sc.whole = 0;
    for (size_t t = 0; t < d->ntargets; t++)
        ns_summarize(&d->metrics[t * d->ncases], d->ncases, &d->summary[t]);

    INTERRUPTED(d, ck);
    sc.stage = "scale sweep";
    if (sweep_piece(d, ck, "scale", &d->scale, sweep_scale, sz, &ro, err, errlen) != 0)
        return -1;
    INTERRUPTED(d, ck);
    sc.stage = "length sweep";
    if (sweep_piece(d, ck, "length", &d->length, sweep_length, sz, &ro, err, errlen) != 0)
        return -1;
    INTERRUPTED(d, ck);
    sc.stage = "envelopes";
    if (envelopes_piece(d, ck, sz, &ro, err, errlen) != 0)
        return -1;

    sc.stage = "fuzzing";
    for (size_t k = 0; k < fuzz_blocks; k++) {
        INTERRUPTED(d, ck);
        if (fuzz_piece(d, ck, k, fuzz_blocks, d->fuzz_targets, nfuzz, &ro, err, errlen) != 0)
            return -1;
    }

    if (real_blocks) {
        sc.stage = "real logits";
        if (real_setup(d) != 0)
            goto oom;
        sc.whole = d->nreal;
        for (size_t k = 0; k < real_blocks; k++) {
            INTERRUPTED(d, ck);
            size_t lo, hi;
            char name[32];
            block_range(k, real_blocks, d->nreal, &lo, &hi);
            snprintf(name, sizeof name, "real-%04zu", k);
            sc.base = lo;
            sc.part = hi - lo;
            if (metrics_block(d, ck, name, d->real_targets, d->nreal_targets, d->real_cases, lo, hi - lo,
                              d->nreal, d->real_metrics, &ro, err, errlen) != 0)
                return -1;
        }
        sc.whole = 0;
        for (size_t t = 0; t < d->nreal_targets; t++)
            ns_summarize(&d->real_metrics[t * d->nreal], d->nreal, &d->real_summary[t]);
    }
    INTERRUPTED(d, ck);
    /* A part holds only its pieces: nothing to judge until the merge. */
    if (o->shards)
        return 0;
    if (ns_report_cells(d) != 0)
        goto oom;
    return 0;
oom:
    snprintf(err, errlen, "out of memory while measuring");
    return -1;
}

void ns_report_data_free(ns_report_data *d)
{
    free(d->pieces);
    free(d->fuzz_targets);
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
