/* The report: measurements, then the files, written into a fresh directory
 * that replaces the previous report only when everything is written. */
#include "report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "baseline.h"
#include "../util/clock.h"
#include "../util/path.h"
#include "measure.h"
#include "out_dir.h"
#include "part.h"
#include "verdicts.h"

static void set_err(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

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
static const char *const report_files[] = { "report.md", "findings.html", "algorithms.html", "index.html",
                                            "results.json" };
/* Its directories, each swapped whole: the plots and the findings' rows. */
static const char *const report_dirs[] = { "plots", "rows" };

/* 1 when path is a directory the report may write into, 0 when it does not
 * exist, -1 (with a message) otherwise.  A directory holding a report is
 * replaced; one holding none of the report's names gains them; one holding
 * some of those names but no results.json is somebody else's: refused. */
static int replaceable(const char *path, char *err, size_t errlen)
{
    int state = ns_out_dir_state(path, err, errlen);
    if (state <= 0)
        return state;
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
 * other tools' files in out stay.  plots/ and rows/ are swapped as
 * directories (the old ones set aside in pending), results.json moves last.  Run again after
 * a kill, it moves only what the killed run had not moved. */
static int move_into(const char *pending, const char *out, char *err, size_t errlen)
{
    char from[4400], to[4400], aside[4400];
    struct stat st;
    for (size_t i = 0; i < sizeof report_dirs / sizeof report_dirs[0]; i++) {
        snprintf(from, sizeof from, "%s/%s", pending, report_dirs[i]);
        snprintf(to, sizeof to, "%s/%s", out, report_dirs[i]);
        snprintf(aside, sizeof aside, "%s/%s.old", pending, report_dirs[i]);
        if (lstat(from, &st) == 0) {
            ns_remove_tree(aside);
            rename(to, aside);
            if (rename(from, to) != 0) {
                set_err(err, errlen, "cannot move the new %s into %s: %s", report_dirs[i], to, strerror(errno));
                return -1;
            }
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

/* The baseline to compare the page with: o->baseline when it reads and
 * measured this suite and seed; otherwise NULL, with a warning when it
 * does not read. */
static ns_regress_baseline *baseline_of(const ns_report_opts *o, const ns_report_data *d)
{
    ns_regress_baseline *b = calloc(1, sizeof *b);
    char why[512];
    if (!b)
        return NULL;
    if (ns_regress_load(o->baseline, b, why, sizeof why) != 0) {
        if (o->warn)
            o->warn(o->progress_ctx, why);
        free(b);
        return NULL;
    }
    if (b->size != o->size || b->seed != o->seed || b->ncases != d->ncases) {
        ns_regress_baseline_free(b);
        free(b);
        return NULL;
    }
    return b;
}

/* A part of a sharded run (part.h): the pieces of part o->shard measured
 * into the checkpoint OUT.partial/, which becomes the part directory out
 * once part.json is written there. */
static int run_part(const ns_report_opts *o, const char *out, char *err, size_t errlen)
{
    if (ns_part_replaceable(out, err, errlen) != 0)
        return -1;
    if (ns_out_dir_parents(out, err, errlen) != 0)
        return -1;
    ns_report_data d = { .opts = o };
    ns_checkpoint ck;
    memset(&ck, 0, sizeof ck);
    int rc = ns_report_measure(&d, &ck, out, err, errlen);
    if (rc == 0)
        rc = ns_part_write(&d, ck.dir, err, errlen);
    if (rc == 0)
        rc = ns_part_place(ck.dir, out, err, errlen);
    ns_report_data_free(&d);
    return rc;
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
    if (o->shards)
        return run_part(o, out, err, errlen);
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
    if (ns_out_dir_parents(out, err, errlen) != 0)
        return -1;
    ns_report_data d = { .opts = o };
    ns_report_program(d.program, sizeof d.program);
    stamp(d.generated, sizeof d.generated);
    ns_checkpoint ck;
    memset(&ck, 0, sizeof ck);
    double t0 = ns_clock_monotonic();
    int rc = ns_report_measure(&d, &ck, out, err, errlen);
    d.seconds = ns_clock_monotonic() - t0;
    if (rc != 0) {
        ns_report_data_free(&d);
        return rc;
    }

    /* The files go into a fresh directory, swapped in when all are written. */
    char prefix[4096 + 16], tmp[4096 + 32];
    snprintf(prefix, sizeof prefix, "%s.tmp-", out);
    if (ns_mkdtemp(tmp, sizeof tmp, prefix) != 0) {
        set_err(err, errlen, "cannot create a directory next to %s: %s", out, strerror(errno));
        ns_report_data_free(&d);
        return -1;
    }

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
    if (rc == 0 && ns_report_write_rows(&d, tmp) != 0) {
        set_err(err, errlen, "cannot write the findings' rows into %s/rows: %s", tmp, strerror(errno));
        rc = -1;
    }
    if (rc == 0)
        rc = write_file(tmp, "results.json", ns_report_write_json, &d, err, errlen);
    if (rc == 0)
        rc = write_file(tmp, "report.md", ns_report_write_md, &d, err, errlen);
    if (rc == 0)
        rc = write_file(tmp, "findings.html", ns_report_findings_page, &d, err, errlen);
    if (rc == 0 && o->baseline)
        d.baseline = baseline_of(o, &d);
    if (rc == 0)
        rc = write_file(tmp, "algorithms.html", ns_report_write_algorithms_html, &d, err, errlen);
    if (rc == 0)
        rc = write_file(tmp, "index.html", ns_report_write_html, &d, err, errlen);
    if (d.baseline) {
        ns_regress_baseline_free(d.baseline);
        free(d.baseline);
    }
    ns_report_data_free(&d);
    if (o->stop && *o->stop) {   /* also when the signal killed gnuplot */
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
