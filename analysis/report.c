/* The report: measurements, then the files, written into a fresh directory
 * that replaces the previous report only when everything is written. */
#include "report_data.h"
#include "report_checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../util/clock.h"
#include "../util/path.h"


const char *const ns_report_length_policies[] = { "fp16", "bf16", "fp16-acc32", "bf16-acc32", "fp32", NULL };
const char *const ns_report_real_policies[] = { "fp16", "bf16", "fp16-acc32", "bf16-acc32", "fp32", NULL };

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
    { .scale_n = 16, .seeds = 1, .scale_lo = -4, .scale_hi = 16, .scale_tol = 0.5,
      .length_hi = 1u << 8, .length_tol = 1.0 / 4 },
};
static const report_size quick_size = {
    -3, 11, 1, 16, 3,
    2, 12, 1, 2,
    { .scale_n = 16, .seeds = 3, .scale_lo = -4, .scale_hi = 16, .scale_tol = 0.125,
      .length_hi = 1u << 12, .length_tol = 1.0 / 16, .length_seeds = 2 },
};
static const report_size full_size = {
    -4, 12, 0.5, 16, 8,
    2, 16, 1, 2,
    { .scale_n = 16, .seeds = 6, .scale_lo = -4, .scale_hi = 16, .scale_tol = 0.0625,
      .length_hi = 1u << 16, .length_tol = 1.0 / 32, .length_seeds = 3 },
};

static void set_err(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

/* ---- lookups shared by the writers ---- */

size_t ns_report_target(const ns_report_data *d, const char *alg, const char *policy, ns_sum_order sum)
{
    for (size_t t = 0; t < d->ntargets; t++)
        if (strcmp(d->targets[t].alg->name, alg) == 0 && strcmp(d->targets[t].policy->name, policy) == 0 &&
            d->targets[t].sum == sum)
            return t;
    return d->ntargets;
}

size_t ns_report_real_target(const ns_report_data *d, const char *alg, const char *policy)
{
    for (size_t t = 0; t < d->nreal_targets; t++)
        if (strcmp(d->real_targets[t].alg->name, alg) == 0 &&
            strcmp(d->real_targets[t].policy->name, policy) == 0)
            return t;
    return d->nreal_targets;
}

const ns_envelope *ns_report_envelope(const ns_report_data *d, const ns_algorithm *alg, const ns_policy *p)
{
    for (size_t i = 0; i < d->nenv; i++)
        if (d->env[i].target.alg == alg && d->env[i].target.policy == p)
            return &d->env[i];
    return NULL;
}

const ns_report_plot *ns_report_plot_find(const ns_report_data *d, const char *name)
{
    for (size_t i = 0; i < d->nplots; i++)
        if (strcmp(d->plots[i].name, name) == 0)
            return &d->plots[i];
    return NULL;
}

void ns_report_plot_stem(char *buf, size_t len, const char *prefix, const char *alg)
{
    size_t k = (size_t)snprintf(buf, len, "%s-", prefix);
    uint32_t h = 2166136261u;       /* FNV-1a, 32 bits */
    bool plain = true;
    for (const char *s = alg; *s; s++) {
        char c = *s;
        h = (h ^ (unsigned char)c) * 16777619u;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-';
        plain &= ok;
        if (k + 1 < len)
            buf[k++] = ok ? c : '-';
    }
    if (k < len)
        buf[k] = '\0';
    if (!plain && k < len)
        snprintf(buf + k, len - k, "-%08x", (unsigned)h);
}

void ns_report_real_stats(const ns_report_data *d, size_t t, ns_real_stats *s)
{
    memset(s, 0, sizeof *s);
    for (size_t r = 0; r < d->nreal; r++) {
        const ns_metrics *m = &d->real_metrics[t * d->nreal + r];
        if (!m->defined)
            continue;
        s->rows++;
        bool overflow = m->denominator_class == NS_DEN_NONFINITE;
        s->overflow_rows += overflow;
        s->nonfinite_rows += m->nan_count + m->inf_count > 0;
        if (overflow || m->nan_count + m->inf_count)
            continue;
        if (m->max_bits > s->max_bits)
            s->max_bits = m->max_bits;
        s->finite_rows++;
        double e = m->normwise_err / m->u, dev = fabs(m->sum_err);
        s->err_u_mean += e;
        s->sum_dev_mean += dev;
        if (e > s->err_u_max)
            s->err_u_max = e;
        if (dev > s->sum_dev_max)
            s->sum_dev_max = dev;
    }
    if (s->finite_rows) {
        s->err_u_mean /= (double)s->finite_rows;
        s->sum_dev_mean /= (double)s->finite_rows;
    }
}

void ns_fmt_bits(char *buf, size_t len, double bits)
{
    if (isnan(bits))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.1f", bits);
}

void ns_fmt_sci(char *buf, size_t len, double v)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else if (isinf(v))
        snprintf(buf, len, v > 0 ? "inf" : "-inf");
    else if (v == 0)
        snprintf(buf, len, "0");
    else
        snprintf(buf, len, "%.2g", v);
}

void ns_fmt_scale(char *buf, size_t len, double sigma)
{
    if (isnan(sigma))
        snprintf(buf, len, "-");
    else if (sigma == 0)
        snprintf(buf, len, "none");
    else if (sigma >= 1000)
        snprintf(buf, len, "%.0f", sigma);
    else
        snprintf(buf, len, "%.3g", sigma);
}

/* ---- measuring ---- */

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
        set_err(err, errlen, "out of memory while measuring");
        return -1;
    }
    char name[32];
    snprintf(name, sizeof name, "suite-%04zu", block);
    int rc = d->opts->resume ? ns_checkpoint_load_metrics(ck, name, m, d->ntargets * nc, err, errlen) : 0;
    if (rc == 0) {
        rc = ns_run(d->targets, d->ntargets, d->cases + c0, nc, ro, m);
        if (rc != 0)
            set_err(err, errlen, "out of memory while measuring");
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
            set_err(err, errlen, "interrupted; the work done is kept in %s (--resume continues)", \
                    (ck)->dir);                                                                   \
            return NS_REPORT_INTERRUPTED;                                                         \
        }                                                                                         \
    } while (0)

/* The checkpoint's largest file, the real rows' metrics (every row of every
 * target, some 80 MB), is written by a thread of its own while the plots are
 * drawn when the run has more than one thread: written before them, it was
 * the longest serial step but the plots.  real_save_wait waits for it, before
 * the report is put in place and before the metrics are freed. */
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

/* Waits for the save started by real_save_start: 0, or -1 with its message
 * in err when err is not NULL. */
static int real_save_wait(char *err, size_t errlen)
{
    real_save *s = &real_saving;
    if (!s->running)
        return 0;
    pthread_join(s->thread, NULL);
    s->running = false;
    if (s->rc != 0 && err)
        set_err(err, errlen, "%s", s->err);
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

static int measure(ns_report_data *d, ns_checkpoint *ck, const char *out, char *err, size_t errlen)
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
        set_err(err, errlen, "no normalizer has a reference: nothing to measure");
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
        eo.seed = ns_seed_mix(o->seed, 103);
        eo.policies = d->policies;
        d->env = ns_envelopes(&eo, &ro, &d->nenv);
        if (!d->env)
            goto oom;
        if (ns_checkpoint_save_envelopes(ck, d->env, d->nenv, err, errlen) != 0)
            return -1;
    }

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
    return 0;
oom:
    set_err(err, errlen, "out of memory while measuring");
    return -1;
}

static void data_free(ns_report_data *d)
{
    real_save_wait(NULL, 0);
    free(d->policies);
    free(d->sums);
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
    for (size_t i = 0; i < d->nplots; i++)
        free(d->plots[i].svg);
}

/* ---- files ---- */

typedef int (*writer)(const ns_report_data *d, FILE *f);

static int write_file(const char *dir, const char *name, writer w, const ns_report_data *d,
                      char *err, size_t errlen)
{
    char path[4096 + 128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        set_err(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    int rc = w(d, f);
    if (ferror(f))
        rc = -1;
    if (fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        set_err(err, errlen, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
    return rc;
}

static void stamp(char *buf, size_t len)
{
    /* SOURCE_DATE_EPOCH (reproducible builds) fixes the time when set. */
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t t = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The report's own entries in its directory; everything else there (make
 * fuzz's fuzz.json and findings/, make bench's bench.json) is left alone. */
static const char *const report_files[] = { "report.md", "index.html", "results.json" };

/* 1 when path is a directory the report may write into, 0 when it does not
 * exist, -1 (with a message) otherwise.  A directory holding a report is
 * replaced; one holding none of the report's names gains them; one holding
 * some of those names but no results.json is somebody else's: refused. */
static int replaceable(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT ? 0 : (set_err(err, errlen, "%s: %s", path, strerror(errno)), -1);
    if (!S_ISDIR(st.st_mode)) {
        set_err(err, errlen, "%s exists and is not a directory", path);
        return -1;
    }
    char probe[4096 + 32];
    snprintf(probe, sizeof probe, "%s/results.json", path);
    if (access(probe, F_OK) == 0)
        return 1;
    const char *const ours[] = { "report.md", "index.html", "plots" };
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++) {
        snprintf(probe, sizeof probe, "%s/%s", path, ours[i]);
        if (access(probe, F_OK) == 0) {
            set_err(err, errlen, "%s holds a %s but no results.json: not a report; choose another --out",
                    path, ours[i]);
            return -1;
        }
    }
    return 1;
}

/* The finished report waits in OUT.partial/report while it is moved into
 * OUT: the directory's presence says that it is whole (it got that name by a
 * rename once every file was written), so a run killed during the moves is
 * finished by the next one (finish_moves) and OUT is never left with a mix
 * of old and new files for longer than that. */
static void pending_dir(char *buf, size_t len, const char *out)
{
    snprintf(buf, len, "%s.partial/report", out);
}

/* Moves what is left of the finished report in pending into the existing
 * directory out, file by file: each rename is whole or not at all, and the
 * other tools' files in out stay.  plots/ is swapped as a directory (the
 * old one set aside in pending), results.json moves last.  Run again after
 * a kill, it moves only what the killed run had not moved. */
static int move_into(const char *pending, const char *out, char *err, size_t errlen)
{
    char from[4400], to[4400], aside[4400];
    snprintf(from, sizeof from, "%s/plots", pending);
    snprintf(to, sizeof to, "%s/plots", out);
    snprintf(aside, sizeof aside, "%s/plots.old", pending);
    struct stat st;
    if (lstat(from, &st) == 0) {
        ns_remove_tree(aside);
        rename(to, aside);
        if (rename(from, to) != 0) {
            set_err(err, errlen, "cannot move the new plots into %s: %s", to, strerror(errno));
            return -1;
        }
    }
    for (size_t i = 0; i < sizeof report_files / sizeof report_files[0]; i++) {
        snprintf(from, sizeof from, "%s/%s", pending, report_files[i]);
        snprintf(to, sizeof to, "%s/%s", out, report_files[i]);
        if (lstat(from, &st) != 0)
            continue;                      /* moved before a kill */
        if (rename(from, to) != 0) {
            set_err(err, errlen, "cannot move %s into %s: %s", report_files[i], out, strerror(errno));
            return -1;
        }
    }
    return ns_remove_tree(pending) == 0 ? 0 : (set_err(err, errlen, "cannot remove %s: %s", pending,
                                                    strerror(errno)), -1);
}

/* Puts the finished report waiting in OUT.partial/report (if any) in place:
 * renamed whole when out does not exist, moved into it otherwise.  0 (with
 * *done set when there was one), or -1 with a message. */
static int finish_moves(const char *out, bool *done, char *err, size_t errlen)
{
    char pending[4200];
    pending_dir(pending, sizeof pending, out);
    struct stat st;
    *done = false;
    if (lstat(pending, &st) != 0 || !S_ISDIR(st.st_mode))
        return 0;
    *done = true;
    if (lstat(out, &st) != 0 && errno == ENOENT) {
        if (rename(pending, out) != 0) {
            set_err(err, errlen, "cannot move the new report into %s: %s", out, strerror(errno));
            return -1;
        }
        return 0;
    }
    return move_into(pending, out, err, errlen);
}

int ns_report_run(const ns_report_opts *o, char *err, size_t errlen)
{
    char out[4096];
    size_t len = strlen(o->out);
    while (len > 1 && o->out[len - 1] == '/')
        len--;
    if (len == 0 || len >= sizeof out - 32) {
        set_err(err, errlen, "--out '%s': not a usable directory name", o->out);
        return -1;
    }
    memcpy(out, o->out, len);
    out[len] = '\0';
    /* A run killed while it moved its report into out is finished first. */
    bool rolled;
    if (finish_moves(out, &rolled, err, errlen) != 0)
        return -1;
    if (rolled && o->warn) {
        char note[4200];
        snprintf(note, sizeof note, "finished putting the report of an interrupted run into %s", out);
        o->warn(o->progress_ctx, note);
    }
    int exists = replaceable(out, err, errlen);
    if (exists < 0)
        return -1;
    if (ns_mkdir_parents(out) != 0) {
        set_err(err, errlen, "cannot create the parents of %s: %s", out, strerror(errno));
        return -1;
    }
    ns_report_data d;
    memset(&d, 0, sizeof d);
    d.opts = o;
    stamp(d.generated, sizeof d.generated);
    ns_checkpoint ck;
    memset(&ck, 0, sizeof ck);
    double t0 = ns_clock_monotonic();
    int rc = measure(&d, &ck, out, err, errlen);
    d.seconds = ns_clock_monotonic() - t0;
    if (rc != 0) {
        data_free(&d);
        return rc;
    }

    /* The files go into a fresh directory, swapped in when all are written. */
    char tmp[4096 + 32];
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", out);
    if (!mkdtemp(tmp)) {
        set_err(err, errlen, "cannot create a directory next to %s: %s", out, strerror(errno));
        data_free(&d);
        return -1;
    }
    mode_t mask = umask(0);                  /* mkdtemp made it 0700: give it the usual mode */
    umask(mask);
    chmod(tmp, 0777 & ~mask);

    char plots[4096 + 64];
    snprintf(plots, sizeof plots, "%s/plots", tmp);
    if (rc == 0 && mkdir(plots, 0777) != 0) {
        set_err(err, errlen, "cannot create %s: %s", plots, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && ns_report_plots(&d, plots) != 0) {
        set_err(err, errlen, "cannot write the plots into %s: %s", plots, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && d.plots_note && o->warn)
        o->warn(o->progress_ctx, d.plots_note);
    if (rc == 0)
        rc = write_file(tmp, "results.json", ns_report_write_json, &d, err, errlen);
    if (rc == 0)
        rc = write_file(tmp, "report.md", ns_report_write_md, &d, err, errlen);
    if (rc == 0)
        rc = write_file(tmp, "index.html", ns_report_write_html, &d, err, errlen);
    if (real_save_wait(rc == 0 ? err : NULL, errlen) != 0)
        rc = -1;
    data_free(&d);
    if (stopped(o)) {   /* also when the signal killed gnuplot */
        set_err(err, errlen, "interrupted; the measurements are kept in %s (--resume continues)", ck.dir);
        rc = NS_REPORT_INTERRUPTED;
    }
    if (rc != 0) {
        ns_remove_tree(tmp);
        return rc;
    }

    /* Named complete (OUT.partial/report), then put in place: a new
     * directory renamed whole; into an existing one the files move one by
     * one (results.json last), so that what other tools keep there
     * survives.  A kill in between leaves it to finish_moves. */
    char pending[4200];
    pending_dir(pending, sizeof pending, out);
    ns_remove_tree(pending);
    if (rename(tmp, pending) != 0) {
        set_err(err, errlen, "cannot move the new report into %s: %s", pending, strerror(errno));
        ns_remove_tree(tmp);
        return -1;
    }
    bool moved;
    if (finish_moves(out, &moved, err, errlen) != 0)
        return -1;
    ns_checkpoint_remove(&ck);
    return 0;
}
