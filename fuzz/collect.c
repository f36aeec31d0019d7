/* The collection of `make fuzz` (fuzz/collect.h): gathers what every engine
 * run found, and what earlier runs found (OUT/findings/), replays each
 * finding with the MPFR reference and the current contracts, deduplicates
 * by (normalizer, policy, kind, cause), and writes
 *   OUT/findings/ (findings.jsonl and one .x/.g row file per finding),
 *   OUT/findings/fixed/ (the same for the findings of earlier runs that no
 *   longer reproduce),
 *   OUT/fuzz.json and OUT/fuzz.md (per engine and target: executions,
 *   executions per second, findings, crashes).
 * Problems (a finding that breaks a contract, an engine that crashed) are
 * one line each on standard error.
 *
 * RUNS.tsv has one line per engine run, tab-separated:
 *   engine normalizer policy seconds executions crashes status findings.jsonl
 * (executions may be "-" when the engine did not say).
 *
 * Findings accumulate: a finding of an earlier run (OUT/findings/findings.jsonl,
 * OUT/findings/fixed/findings.jsonl, and the same files of every other
 * directory collected) that still reproduces is kept ("carried"), one that
 * no longer does moves to fixed/ and counts for nothing; a fixed one that
 * reproduces again is a finding again.  A damaged line of those files is
 * skipped with a warning, and the damaged file kept beside it.  Every file is
 * written under a temporary name and renamed: an interruption leaves the
 * previous version or the new one. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../util/clock.h"
#include "../util/escape.h"
#include "../util/file.h"
#include "collect.h"
#include "finding_json.h"
#include "json_keys.h"
#include "replay.h"
#include "results.h"

typedef struct run {
    char engine[24], normalizer[48], policy[24], status[32], file[1024];
    double seconds, executions;
    long crashes;
    size_t findings, broken;
} run;

typedef struct run_list {
    run *items;
    size_t count;
} run_list;

/* Appends the runs of PATH; with root, their findings files are those of
 * the layout fuzz/run.sh writes under root (runs.tsv names them from where
 * it ran, which may have been another machine or directory). */
static int read_runs(const char *path, const char *root, run_list *l)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        fprintf(stderr, "collect: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[2048];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, in)) {
        run *p = realloc(l->items, (l->count + 1) * sizeof *p);
        if (!p) {
            fprintf(stderr, "collect: out of memory\n");
            rc = -1;
            break;
        }
        l->items = p;
        run *r = &p[l->count];
        memset(r, 0, sizeof *r);
        char execs[64];
        line[strcspn(line, "\n")] = '\0';
        if (sscanf(line, "%23[^\t]\t%47[^\t]\t%23[^\t]\t%lf\t%63[^\t]\t%ld\t%31[^\t]\t%1023[^\t]",
                   r->engine, r->normalizer, r->policy, &r->seconds, execs, &r->crashes,
                   r->status, r->file) != 8) {
            fprintf(stderr, "collect: %s: malformed line '%s'\n", path, line);
            rc = -1;
            break;
        }
        if (root && snprintf(r->file, sizeof r->file, "%s/fuzz/%s/%s-%s/findings.jsonl", root,
                             r->engine, r->normalizer, r->policy) >= (int)sizeof r->file) {
            fprintf(stderr, "collect: %s: path too long\n", root);
            rc = -1;
            break;
        }
        r->executions = strcmp(execs, "-") == 0 ? -1 : strtod(execs, NULL);
        l->count++;
    }
    fclose(in);
    return rc;
}

/* ---- books: deduplicated findings and what collect knows beyond them ---- */

typedef struct meta {
    char engines[96];       /* the engines that found the key */
    bool carried;           /* the key was a finding of an earlier run */
    double first_found;     /* unix time of the run that first found the key */
    double row_found;       /* ... that found the row kept */
    double fixed_at;        /* fixed/: when it was first seen not to reproduce */
    char now[40];           /* fixed/: what the replay says now */
    bool newly;             /* fixed/: a finding until this run */
} meta;

typedef struct book {
    ns_finding_set set;
    meta *m;
} book;

static void add_engine(meta *o, const char *engine)
{
    if (!engine[0] || strstr(o->engines, engine))
        return;
    size_t len = strlen(o->engines);
    snprintf(o->engines + len, sizeof o->engines - len, "%s%s", len ? ", " : "", engine);
}

/* Adds f with what is known of it (in->row_found: when its row was found).
 * On a key already there, keeps the smaller row, then the earlier find (an
 * earlier run's before this run's; within this run, the earlier in its
 * engine run, as ns_finding_set_add).  Index of the key, or -1 when out of
 * memory. */
static long book_put(book *b, const ns_finding *f, const meta *in)
{
    long at = ns_finding_set_find(&b->set, f);
    if (at < 0) {
        meta *p = realloc(b->m, (b->set.count + 1) * sizeof *p);
        if (!p)
            return -1;
        b->m = p;
        if (ns_finding_set_append(&b->set, f) != 0)
            return -1;
        at = (long)b->set.count - 1;
        b->m[at] = *in;
        b->m[at].engines[0] = '\0';
        add_engine(&b->m[at], f->engine);
        return at;
    }
    ns_finding *g = &b->set.items[at];
    meta *m = &b->m[at];
    bool better = f->row.n < g->row.n ||
        (f->row.n == g->row.n && (in->row_found < m->row_found ||
                                  (in->row_found == m->row_found && f->seconds < g->seconds)));
    if (better) {
        if (ns_finding_copy(g, f) != 0)
            return -1;
        m->row_found = in->row_found;
        snprintf(m->now, sizeof m->now, "%s", in->now);
        m->newly = in->newly;
    }
    m->carried |= in->carried;
    m->first_found = fmin(m->first_found, in->first_found);
    m->fixed_at = fmin(m->fixed_at, in->fixed_at);
    add_engine(m, f->engine);
    return at;
}

static void book_free(book *b)
{
    ns_finding_set_free(&b->set);
    free(b->m);
}

/* ---- what earlier runs left ------------------------------------------------- */

static double number_or(const cJSON *j, const char *key, double otherwise)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsNumber(v) ? v->valuedouble : otherwise;
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wbx") : NULL;
    char buf[8192];
    size_t k;
    int rc = in && out ? 0 : -1;
    while (rc == 0 && (k = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, k, out) != k)
            rc = -1;
    if (in && ferror(in))
        rc = -1;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        rc = -1;
    return rc;
}

/* Keeps a copy of a damaged file beside it: PATH.damaged-TIME. */
static void keep_damaged(const char *path)
{
    char stamp[32], aside[4300];
    time_t now = time(NULL);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime(&now));
    for (int k = 1; k < 100; k++) {
        if (k == 1)
            snprintf(aside, sizeof aside, "%s.damaged-%s", path, stamp);
        else
            snprintf(aside, sizeof aside, "%s.damaged-%s-%d", path, stamp, k);
        if (copy_file(path, aside) == 0) {
            fprintf(stderr, "collect: warning: %s is damaged: kept as %s\n", path, aside);
            return;
        }
        if (errno != EEXIST)
            break;
    }
    fprintf(stderr, "collect: warning: %s is damaged and could not be copied aside\n", path);
}

/* The findings of an earlier run in PATH (absent: none), with the times
 * each carries and its slug (the name of its row files).  Damaged lines
 * are skipped with a warning naming FILE:LINE (and, may_copy, the file is
 * copied aside).  0, or -1 when out of memory. */
typedef struct earlier_note {
    double first_found, fixed_at;
    size_t line;
    char slug[160];
} earlier_note;

typedef struct earlier {
    const char *path;
    ns_finding_set set;
    earlier_note *note;     /* one per finding of set */
    bool kept_aside;        /* damaged: a copy was kept (or none may be made) */
} earlier;

static int read_earlier(const char *path, bool may_copy, earlier *e)
{
    memset(e, 0, sizeof *e);
    e->path = path;
    FILE *in = fopen(path, "r");
    if (!in)
        return 0;
    char *line = NULL;
    size_t cap = 0, lineno = 0, damaged = 0;
    int rc = 0;
    double now = ns_clock_unix();
    ns_finding f;
    ns_finding_init(&f);
    while (rc == 0 && getline(&line, &cap, in) != -1) {
        lineno++;
        if (line[strspn(line, " \t\r\n")] == '\0')
            continue;
        char why[200] = "not a JSON object";
        cJSON *j = cJSON_Parse(line);
        ns_finding_free(&f);               /* no field left from the line before */
        ns_finding_init(&f);
        if (!cJSON_IsObject(j) || ns_finding_from_json(j, &f, why, sizeof why) != 0) {
            fprintf(stderr, "collect: warning: %s:%zu: skipped: %s\n", path, lineno, why);
            damaged++;
        } else {
            earlier_note *p = realloc(e->note, (e->set.count + 1) * sizeof *p);
            if (p)
                e->note = p;
            if (!p || ns_finding_set_append(&e->set, &f) != 0) {
                rc = -1;
            } else {
                earlier_note *k = &e->note[e->set.count - 1];
                k->first_found = number_or(j, NS_FJ_FIRST_FOUND, number_or(j, NS_FJ_UNIX_TIME, now));
                k->fixed_at = number_or(j, NS_FJ_FIXED_AT, now);
                k->line = lineno;
                ns_finding_slug(&f, k->slug, sizeof k->slug);
            }
        }
        cJSON_Delete(j);
    }
    if (rc == 0 && ferror(in)) {
        fprintf(stderr, "collect: warning: %s: read error after line %zu\n", path, lineno);
        damaged++;
    }
    ns_finding_free(&f);
    free(line);
    fclose(in);
    if (damaged && may_copy)
        keep_damaged(path);
    e->kept_aside = damaged > 0 || !may_copy;
    return rc;
}

static void earlier_free(earlier *e)
{
    ns_finding_set_free(&e->set);
    free(e->note);
}

/* ---- writing ------------------------------------------------------------------ */

/* Closes PATH.tmp (from ns_file_begin) and renames it over PATH, or says why
 * not. */
static int commit(FILE *f, const char *tmp, const char *path, bool ok)
{
    if (ns_file_commit(f, tmp, path, ok, false) == 0)
        return 0;
    fprintf(stderr, "collect: cannot write %s: %s\n", path, strerror(errno));
    return -1;
}

static void add_time(cJSON *o, const char *key, double t)
{
    if (isfinite(t))
        cJSON_AddNumberToObject(o, key, t);
}

/* A finding as fuzz.json and findings.jsonl give it.  fixed: of the list
 * of those that no longer reproduce. */
static cJSON *finding_json(const ns_finding *f, const meta *m, bool fixed)
{
    cJSON *o = ns_finding_to_json(f);
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, NS_FJ_ENGINES, m->engines);
    add_time(o, NS_FJ_FIRST_FOUND, m->first_found);
    if (fixed) {
        cJSON_AddStringToObject(o, NS_FJ_NO_LONGER, m->now);
        add_time(o, NS_FJ_FIXED_AT, m->fixed_at);
        cJSON_AddBoolToObject(o, NS_FJ_NEWLY, m->newly);
    } else {
        cJSON_AddBoolToObject(o, NS_FJ_CARRIED, m->carried);
    }
    return o;
}

typedef struct store_ctx {
    const book *b;
    bool fixed;
} store_ctx;

static cJSON *book_json(const ns_finding *f, size_t i, void *ctx)
{
    const store_ctx *c = ctx;
    return finding_json(f, &c->b->m[i], c->fixed);
}

/* DIR/findings.jsonl and a row file per finding, the list last. */
static int store(const book *b, const char *dir, bool fixed)
{
    store_ctx c = { b, fixed };
    char err[4600];
    if (ns_findings_store(&b->set, dir, book_json, &c, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "collect: %s\n", err);
    return -1;
}

/* Removes the row files of DIR an earlier run wrote for findings no longer
 * in b (they moved to fixed/, or back from it, or changed cause). */
static void remove_stale_rows(const book *b, const earlier *e, const char *dir)
{
    for (size_t i = 0; i < e->set.count; i++) {
        bool kept = false;
        for (size_t k = 0; k < b->set.count && !kept; k++) {
            char slug[160];
            ns_finding_slug(&b->set.items[k], slug, sizeof slug);
            kept = strcmp(slug, e->note[i].slug) == 0;
        }
        if (kept)
            continue;
        char path[4600];
        snprintf(path, sizeof path, "%s/%s.x", dir, e->note[i].slug);
        remove(path);
        snprintf(path, sizeof path, "%s/%s.g", dir, e->note[i].slug);
        remove(path);
    }
}

/* ---- replaying --------------------------------------------------------------- */

/* Replays the findings of an earlier run: those that reproduce go to
 * `found`, the others to `fixed`.  A broken finding reproduces while it
 * still breaks its contract; an expected one while it still fails.
 * from_findings: e holds the findings of the last run (not fixed/). */
static int carry(earlier *e, bool from_findings, book *found, book *fixed)
{
    char err[512];
    for (size_t i = 0; i < e->set.count; i++) {
        const ns_finding *was = &e->set.items[i];
        ns_replay_result rr;
        if (ns_replay(was, &rr, err, sizeof err) != 0) {
            fprintf(stderr, "collect: warning: %s:%zu: skipped: cannot be replayed: %s\n", e->path,
                    e->note[i].line, err);
            ns_replay_result_free(&rr);
            if (!e->kept_aside)
                keep_damaged(e->path);
            e->kept_aside = true;
            continue;
        }
        meta m = { .first_found = e->note[i].first_found, .fixed_at = e->note[i].fixed_at };
        bool again = rr.verdict == NS_REPLAY_BROKEN ||
                     (rr.verdict == NS_REPLAY_EXPECTED && was->expected);
        long at;
        if (again) {
            m.carried = true;
            m.row_found = m.first_found;
            rr.now.confirmed = true;
            snprintf(rr.now.engine, sizeof rr.now.engine, "%s", was->engine);
            at = book_put(found, &rr.now, &m);
        } else {
            m.newly = from_findings;
            m.fixed_at = from_findings ? ns_clock_unix() : m.fixed_at;
            m.row_found = m.fixed_at;
            snprintf(m.now, sizeof m.now, "%s", rr.verdict == NS_REPLAY_EXPECTED
                     ? "a hazard of the contract" : ns_replay_verdict_name(rr.verdict));
            at = book_put(fixed, was, &m);
        }
        ns_replay_result_free(&rr);
        if (at < 0)
            return -1;
    }
    return 0;
}

/* The findings files of a directory collected from (root/findings/). */
typedef struct source_files {
    char last[4400], older[4400];
    earlier e_last, e_older;
} source_files;

int ns_fuzz_collect(const char *out, const ns_collect_source *src, size_t nsrc, const char *stopped_by)
{
    run_list rl = { 0 };
    for (size_t i = 0; i < nsrc; i++)
        if (src[i].runs && read_runs(src[i].runs, src[i].root, &rl) != 0) {
            free(rl.items);
            return 2;
        }
    run *runs = rl.items;
    size_t nruns = rl.count;

    char dir[4096], fixed_dir[4200], path[4400], tmp[4500], last_path[4400], older_path[4400];
    snprintf(dir, sizeof dir, "%s/findings", out);
    snprintf(fixed_dir, sizeof fixed_dir, "%s/fixed", dir);
    snprintf(last_path, sizeof last_path, "%s/findings.jsonl", dir);
    snprintf(older_path, sizeof older_path, "%s/findings.jsonl", fixed_dir);
    book all = { .set = { 0 } }, fixed = { .set = { 0 } };
    earlier last, older;
    int rc = read_earlier(last_path, true, &last);
    rc |= read_earlier(older_path, true, &older);
    /* The earlier findings first: a key keeps its place in the list. */
    if (rc != 0 || carry(&last, true, &all, &fixed) != 0 || carry(&older, false, &all, &fixed) != 0) {
        fprintf(stderr, "collect: out of memory\n");
        return 2;
    }
    /* Then those of the other directories, which are read, never written. */
    source_files *sf = calloc(nsrc ? nsrc : 1, sizeof *sf);
    if (!sf) {
        fprintf(stderr, "collect: out of memory\n");
        return 2;
    }
    for (size_t i = 0; i < nsrc; i++) {
        if (!src[i].root)
            continue;
        snprintf(sf[i].last, sizeof sf[i].last, "%s/findings/findings.jsonl", src[i].root);
        snprintf(sf[i].older, sizeof sf[i].older, "%s/findings/fixed/findings.jsonl", src[i].root);
        rc = read_earlier(sf[i].last, false, &sf[i].e_last);
        rc |= read_earlier(sf[i].older, false, &sf[i].e_older);
        if (rc != 0 || carry(&sf[i].e_last, true, &all, &fixed) != 0 ||
            carry(&sf[i].e_older, false, &all, &fixed) != 0) {
            fprintf(stderr, "collect: out of memory\n");
            return 2;
        }
    }

    size_t problems = 0, crashes = 0;
    char err[512];
    double now = ns_clock_unix();
    for (size_t i = 0; i < nruns; i++) {
        run *r = &runs[i];
        crashes += r->crashes > 0 ? (size_t)r->crashes : 0;
        if (r->crashes > 0) {
            fprintf(stderr, "make fuzz: %s crashed %ld times on %s %s (%s)\n", r->engine, r->crashes,
                    r->normalizer, r->policy, r->status);
            problems++;
        }
        ns_finding_set found;
        ns_finding_set_init(&found);
        FILE *probe = fopen(r->file, "r");
        if (probe) {
            fclose(probe);
            if (ns_findings_read(r->file, &found, true, err, sizeof err) != 0) {
                fprintf(stderr, "collect: %s\n", err);
                return 2;
            }
        }
        r->findings = found.count;
        for (size_t k = 0; k < found.count; k++) {
            ns_replay_result rr;
            if (ns_replay(&found.items[k], &rr, err, sizeof err) != 0) {
                fprintf(stderr, "collect: %s: %s\n", r->file, err);
                return 2;
            }
            if (rr.verdict == NS_REPLAY_BROKEN || rr.verdict == NS_REPLAY_EXPECTED) {
                rr.now.confirmed = true;
                snprintf(rr.now.engine, sizeof rr.now.engine, "%.23s", r->engine);
                r->broken += rr.verdict == NS_REPLAY_BROKEN;
                meta m = { .first_found = now, .row_found = now, .fixed_at = INFINITY };
                if (book_put(&all, &rr.now, &m) < 0) {
                    fprintf(stderr, "collect: out of memory\n");
                    return 2;
                }
            }
            ns_replay_result_free(&rr);
        }
        ns_finding_set_free(&found);
    }

    /* fixed/ first: a finding that stops reproducing is there before it
     * leaves findings.jsonl. */
    if ((fixed.set.count || older.set.count) && store(&fixed, fixed_dir, true) != 0)
        return 2;
    if (store(&all, dir, false) != 0)
        return 2;
    remove_stale_rows(&all, &last, dir);
    remove_stale_rows(&fixed, &older, fixed_dir);

    size_t broken = ns_finding_set_broken(&all.set), ncarried = 0;
    for (size_t i = 0; i < all.set.count; i++) {
        const ns_finding *f = &all.set.items[i];
        ncarried += all.m[i].carried;
        if (f->expected)
            continue;
        char slug[160], gfile[4400] = "";
        ns_finding_slug(f, slug, sizeof slug);
        if (f->has_g)
            snprintf(gfile, sizeof gfile, " -g %s/%s.g", dir, slug);
        fprintf(stderr, "make fuzz: %s %s breaks its contract: %s (%s): %s; %s%s.\n"
                "  replay: normstab eval -n %s -p %s -i %s/%s.x%s\n",
                f->normalizer, f->policy, ns_kind_name(f->kind), ns_cause_name(f->cause),
                f->detail, f->why, all.m[i].carried ? " (first found in an earlier run)" : "",
                f->normalizer, f->policy, dir, slug, gfile);
        problems++;
    }

    /* fuzz.json */
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, NS_FJ_SCHEMA, 1);
    cJSON *jr = cJSON_AddArrayToObject(root, NS_FJ_RUNS);
    double total_seconds = 0;
    for (size_t i = 0; i < nruns; i++) {
        const run *r = &runs[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, NS_FJ_ENGINE, r->engine);
        cJSON_AddStringToObject(o, NS_FJ_NORMALIZER, r->normalizer);
        cJSON_AddStringToObject(o, NS_FJ_POLICY, r->policy);
        cJSON_AddNumberToObject(o, NS_FJ_SECONDS, r->seconds);
        if (r->executions >= 0) {
            cJSON_AddNumberToObject(o, NS_FJ_EXECUTIONS, r->executions);
            cJSON_AddNumberToObject(o, NS_FJ_EXECUTIONS_PER_SECOND,
                                    r->seconds > 0 ? r->executions / r->seconds : 0);
        }
        cJSON_AddNumberToObject(o, NS_FJ_FINDINGS, (double)r->findings);
        cJSON_AddNumberToObject(o, NS_FJ_BROKEN, (double)r->broken);
        cJSON_AddNumberToObject(o, NS_FJ_CRASHES, (double)r->crashes);
        cJSON_AddStringToObject(o, NS_FJ_STATUS, r->status);
        cJSON_AddItemToArray(jr, o);
        total_seconds += r->seconds;
    }
    cJSON *jf = cJSON_AddArrayToObject(root, NS_FJ_FINDINGS);
    for (size_t i = 0; i < all.set.count; i++)
        cJSON_AddItemToArray(jf, finding_json(&all.set.items[i], &all.m[i], false));
    cJSON *jx = cJSON_AddArrayToObject(root, NS_FJ_NO_LONGER_REPRODUCES);
    for (size_t i = 0; i < fixed.set.count; i++)
        cJSON_AddItemToArray(jx, finding_json(&fixed.set.items[i], &fixed.m[i], true));
    cJSON_AddNumberToObject(root, NS_FJ_BROKEN, (double)broken);
    cJSON_AddNumberToObject(root, NS_FJ_CARRIED, (double)ncarried);
    cJSON_AddNumberToObject(root, NS_FJ_CRASHES, (double)crashes);
    cJSON_AddNumberToObject(root, NS_FJ_ENGINE_SECONDS, total_seconds);
    cJSON_AddBoolToObject(root, NS_FJ_INTERRUPTED, stopped_by != NULL);
    if (stopped_by)
        cJSON_AddStringToObject(root, NS_FJ_STOPPED_BY, stopped_by);
    snprintf(path, sizeof path, "%s/fuzz.json", out);
    FILE *fj = ns_file_begin(path, tmp, sizeof tmp);
    char *text = cJSON_Print(root);
    if (!fj) {
        fprintf(stderr, "collect: cannot write %s: %s\n", path, strerror(errno));
        return 2;
    }
    if (commit(fj, tmp, path, text && fprintf(fj, "%s\n", text) >= 0) != 0)
        return 2;
    cJSON_free(text);

    /* fuzz.md */
    snprintf(path, sizeof path, "%s/fuzz.md", out);
    FILE *md = ns_file_begin(path, tmp, sizeof tmp);
    if (!md) {
        fprintf(stderr, "collect: cannot write %s\n", path);
        return 2;
    }
    fprintf(md, "# Fuzzing\n\n%s: %zu distinct findings (%zu of them first found in an earlier run), "
            "%zu breaking a contract, %zu crashes, %zu engine runs; %zu earlier findings no longer "
            "reproduce.\n\n", broken || crashes ? "**FAILED**" : stopped_by ? "Interrupted" : "Passed",
            all.set.count, ncarried, broken, crashes, nruns, fixed.set.count);
    if (stopped_by)
        fprintf(md, "**Interrupted** by %s: the runs below are those made before it (the last one "
                "cut short) and the findings theirs and those of earlier runs; the corpora are kept "
                "for the next run.\n\n", stopped_by);
    fputs("## Engines\n\n", md);
    ns_fuzz_md_engines(md, root);
    if (broken) {
        fprintf(md, "\n## Broken promises\n\n");
        for (size_t i = 0; i < all.set.count; i++) {
            const ns_finding *f = &all.set.items[i];
            if (f->expected)
                continue;
            char slug[160];
            ns_finding_slug(f, slug, sizeof slug);
            fprintf(md, "- **%s %s %s** (%s): ", f->normalizer, f->policy, ns_kind_name(f->kind),
                    ns_cause_name(f->cause));
            ns_md_text(md, f->detail);
            fputs("; ", md);
            ns_md_text(md, f->why);
            fprintf(md, ".%s Replay: `normstab eval -n %s -p %s -i %s/%s.x`\n",
                    all.m[i].carried ? " First found in an earlier run." : "", f->normalizer, f->policy,
                    dir, slug);
        }
    }
    fputs("\n## Findings\n\n", md);
    ns_fuzz_md_findings(md, root);
    cJSON_Delete(root);
    if (fixed.set.count) {
        fprintf(md, "\n## No longer reproduce\n\nFindings of earlier runs that the current code and "
                    "contracts no longer fail, kept under `%s/`.\n\n"
                    "| normalizer | policy | kind | cause | was | now | since |\n"
                    "|---|---|---|---|---|---|---|\n", fixed_dir);
        for (size_t i = 0; i < fixed.set.count; i++) {
            const ns_finding *f = &fixed.set.items[i];
            const meta *m = &fixed.m[i];
            char since[32] = "this run";
            time_t t = (time_t)m->fixed_at;
            if (!m->newly)
                strftime(since, sizeof since, "%Y-%m-%d %H:%M UTC", gmtime(&t));
            fprintf(md, "| %s | %s | %s | %s | %s | %s | %s |\n", f->normalizer, f->policy,
                    ns_kind_name(f->kind), ns_cause_name(f->cause),
                    f->expected ? "expected" : "broken", m->now, since);
        }
    }
    fprintf(md, "\n## Runs\n\n| engine | normalizer | policy | seconds | executions/s | findings | broken | crashes | status |\n"
                "|---|---|---|---:|---:|---:|---:|---:|---|\n");
    bool md_ok = true;
    for (size_t i = 0; i < nruns; i++) {
        const run *r = &runs[i];
        if (r->executions >= 0)
            md_ok = fprintf(md, "| %s | %s | %s | %.1f | %.0f | %zu | %zu | %ld | %s |\n", r->engine,
                    r->normalizer, r->policy, r->seconds, r->seconds > 0 ? r->executions / r->seconds : 0,
                    r->findings, r->broken, r->crashes, r->status) > 0 && md_ok;
        else
            md_ok = fprintf(md, "| %s | %s | %s | %.1f | - | %zu | %zu | %ld | %s |\n", r->engine,
                    r->normalizer, r->policy, r->seconds, r->findings, r->broken, r->crashes,
                    r->status) > 0 && md_ok;
    }
    if (commit(md, tmp, path, md_ok && !ferror(md)) != 0)
        return 2;
    size_t nfound = all.set.count, nfixed = fixed.set.count;
    book_free(&all);
    book_free(&fixed);
    earlier_free(&last);
    earlier_free(&older);
    for (size_t i = 0; i < nsrc; i++) {
        earlier_free(&sf[i].e_last);
        earlier_free(&sf[i].e_older);
    }
    free(sf);
    free(runs);
    printf("fuzz: %zu distinct findings (%zu carried), %zu breaking a contract, %zu crashes, "
           "%zu no longer reproduce%s (%s/fuzz.md)\n", nfound, ncarried, broken, crashes, nfixed,
           stopped_by ? ", interrupted" : "", out);
    return problems ? 1 : 0;
}
