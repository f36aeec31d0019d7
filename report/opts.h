/* What a report is asked to measure and where it goes: the options of
 * ns_report_run (report.h), which every writer reads through the run's data
 * (data.h). */
#ifndef NS_REPORT_OPTS_H
#define NS_REPORT_OPTS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../analysis/suite.h"

typedef struct ns_real_rows {
    const char *label;           /* where they come from, as shown and replayed */
    const double *values;        /* the rows, one after the other */
    const size_t *offset;        /* row r is values[offset[r] .. offset[r + 1]) */
    size_t count;
} ns_real_rows;

typedef struct ns_report_opts {
    const char *out;             /* the report directory */
    ns_suite_size size;          /* NS_SUITE_FULL, _QUICK (CI) or _TINY (tests) */
    uint64_t seed;
    int threads;                 /* 0: OpenMP's default */
    const ns_real_rows *real;    /* NULL: no real-logits section */
    const char *gnuplot;         /* the program; NULL: "gnuplot" */
    /* Progress: a stage name and how far it is (called from one thread at a
     * time); NULL for none. */
    void (*progress)(void *ctx, const char *stage, size_t done, size_t total);
    void *progress_ctx;
    /* A one-line warning that does not stop the report (gnuplot missing...). */
    void (*warn)(void *ctx, const char *message);
    /* Interruption: when *stop becomes non-zero (a signal handler sets it),
     * the run stops at the end of the piece of work in progress, keeping the
     * pieces done in OUT.partial/ (checkpoint.h); NULL: never. */
    volatile sig_atomic_t *stop;
    bool resume;                 /* continue from OUT.partial/ rather than start afresh */
    /* Measured besides the named policies of SPEC section 2 and the orders
     * seq, pairwise, kahan (whose picture the report draws): NULL-terminated
     * policies, nmore_sums orders; NULL and 0 for none. */
    const ns_policy *const *more_policies;
    const ns_sum_order *more_sums;
    size_t nmore_sums;
    /* The fuzzing budget (fuzzing.h), in evaluations per normalizer x
     * policy: 0 none, NS_REPORT_FUZZ_DEFAULT the size's default. */
    int64_t fuzz_evals;
    /* A results.json (regress.h's baseline) whose cells the page compares
     * with, when it measured the same suite and seed; NULL: none. */
    const char *baseline;
    /* In parts (shard.h): shards > 0 measures only the pieces given to part
     * shard (1..shards) and writes them, with part.json, as the part
     * directory out instead of a report; args (nargs strings, the options
     * that say what is measured) and build are recorded there for merge.
     * nparts > 0 (merge) measures nothing: every piece is read from the
     * part directories parts, and the report is written as usual. */
    unsigned shard, shards;
    const char *build;
    const char *const *args;
    size_t nargs;
    const char *const *parts;
    size_t nparts;
    unsigned merged_shards;      /* the N of the parts merged (names a missing piece's part) */
} ns_report_opts;

#define NS_REPORT_FUZZ_DEFAULT (-1)

/* What a run returns when *stop was set (report.h, measure.h). */
#define NS_REPORT_INTERRUPTED (-2)

#endif
