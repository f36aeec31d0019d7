/* What the report's writers share: the measurements of one run. */
#ifndef NS_REPORT_DATA_H
#define NS_REPORT_DATA_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "../analysis/envelope.h"
#include "../fuzz/finding.h"
#include "opts.h"
#include "../analysis/suite.h"
#include "../analysis/sweep.h"
#include "shard.h"

/* results.json's "schema" (SPEC section 4), which a baseline must carry. */
#define NS_REPORT_SCHEMA 1

/* Filled in by the floors above the data: the verdicts (cells.h) and the
 * baseline (regress.h). */
struct ns_report_cell;
struct ns_regress_baseline;

typedef struct ns_report_plot {
    char name[96];               /* file stem in plots/ */
    char title[200];
    int drawn;                   /* plots/NAME.svg was drawn */
    int wide;                    /* drawn for the page's full width */
} ns_report_plot;

#define NS_REPORT_MAX_PLOTS 128

typedef struct ns_report_data {
    const ns_report_opts *opts;
    char generated[40];          /* UTC, ISO 8601 */
    double seconds;              /* of the measurements (shown, never in results.json) */
    int threads;

    const ns_policy **policies;  /* measured, NULL-terminated: SPEC section 2's, then more */
    ns_sum_order *sums;          /* the summation orders of the suite: seq first */
    size_t nsums;

    ns_case *cases;              /* the standard suite */
    size_t ncases;
    ns_target *targets;
    size_t ntargets;
    ns_metrics *metrics;         /* metrics[t * ncases + c] */
    ns_summary *summary;         /* summary[t] */

    ns_sweep scale, length;
    ns_envelope *env;
    size_t nenv;

    ns_case *real_cases;         /* one per real row; NULL without real rows */
    size_t nreal;
    ns_target *real_targets;
    size_t nreal_targets;
    ns_metrics *real_metrics;
    ns_summary *real_summary;

    ns_target *fuzz_targets;     /* the fuzzing budget's: every algorithm x policy, seq */
    size_t nfuzz;
    ns_finding_set found;        /* the fuzzing budget's findings (fuzzing.h) */
    char key[512];               /* the checkpoint's key: what the run measures */
    ns_report_piece *pieces;     /* the pieces of work (shard.h), in checkpoint order */
    size_t npieces;
    struct ns_report_cell *cells;   /* the verdicts, one per envelope (cells.h) */
    size_t ncells;
    char program[4096];          /* how a replay command names normstab (ns_report_program) */

    ns_report_plot plots[NS_REPORT_MAX_PLOTS];
    size_t nplots;
    const char *plots_note;      /* why plots are missing, or NULL */
    struct ns_regress_baseline *baseline;   /* opts->baseline when of this suite and seed, or NULL */
} ns_report_data;

/* Policies of the length sweep and of the real rows. */
extern const char *const ns_report_length_policies[];
extern const char *const ns_report_real_policies[];

/* Index of target (alg, policy, sum) in the suite, or d->ntargets. */
size_t ns_report_target(const ns_report_data *d, const char *alg, const char *policy, ns_sum_order sum);
/* The same among the real-row targets. */
size_t ns_report_real_target(const ns_report_data *d, const char *alg, const char *policy);
/* The envelope of (alg, policy), or NULL. */
const ns_envelope *ns_report_envelope(const ns_report_data *d, const ns_algorithm *alg, const ns_policy *p);
/* A drawn plot by name, or NULL. */
const ns_report_plot *ns_report_plot_find(const ns_report_data *d, const char *name);
/* The name (file stem in plots/) of an algorithm's plot: prefix, '-', the
 * algorithm's name where it is made of letters, digits, '.', '_' and '-';
 * a name with anything else (a plugin's '/', '`', '<') has those replaced by
 * '-' and a hash of the whole name appended, so that it stays a plain file
 * name, a literal in the gnuplot script and unique. */
void ns_report_plot_stem(char *buf, size_t len, const char *prefix, const char *alg);

/* Statistics of the real rows for target t: rows whose outputs hold a NaN
 * or an inf, rows whose normalizing sum overflowed (a non-finite
 * denominator: the rows the published study left out), and over the other
 * rows (finite_rows) the normwise error in units of u (mean, max),
 * |sum y - sum y_ref| (mean, max; sum y_ref is 1 for the normalizing
 * families) and the worst bits. */
typedef struct ns_real_stats {
    size_t rows, nonfinite_rows, overflow_rows, finite_rows;
    double err_u_mean, err_u_max, sum_dev_mean, sum_dev_max, max_bits;
} ns_real_stats;
void ns_report_real_stats(const ns_report_data *d, size_t t, ns_real_stats *s);

/* ns_real_stats of real target t and its figures as the tables show them
 * (ns_fmt_sci, ns_fmt_bits). */
typedef struct ns_real_shown {
    ns_real_stats st;
    char err_u_mean[32], err_u_max[32], sum_dev_mean[32], sum_dev_max[32], max_bits[32];
} ns_real_shown;
void ns_report_real_shown(const ns_report_data *d, size_t t, ns_real_shown *r);

/* Sentences stating the published picture as measured (plain text). */
#define NS_REPORT_LINE 600
size_t ns_report_published(const ns_report_data *d, char (*out)[NS_REPORT_LINE], size_t max);

/* How replay commands name this program: the running binary's path made
 * relative to the working directory (the project's, for `make report`:
 * "build/normstab") when it lies below it, else absolute; "normstab" when
 * it cannot be known. */
void ns_report_program(char *buf, size_t len);

/* The command that replays finding f: its row and gradient written out by
 * printf into `check` (one shell line). */
void ns_report_finding_replay(const ns_report_data *d, const ns_finding *f, char *buf, size_t len);

/* The writers; each returns 0 or -1 (errno set).  ns_report_write_rows
 * creates dir/rows/ and writes the findings' rows there, for their replay
 * commands. */
int ns_report_write_rows(const ns_report_data *d, const char *dir);
int ns_report_plots(ns_report_data *d, const char *plots_dir);
int ns_report_write_json(const ns_report_data *d, FILE *f);
/* Pieces of results.json that a baseline of regress --update -n shares:
 * a target's metrics, a case, and "params" (the run-wide --param values,
 * added to root when there are any). */
cJSON *ns_report_summary_json(const ns_summary *s);
cJSON *ns_report_case_json(const ns_case *c);
void ns_report_params_json(cJSON *root);
int ns_report_write_md(const ns_report_data *d, FILE *f);
int ns_report_write_html(const ns_report_data *d, FILE *f);
/* algorithms.html: the cards, one per algorithm, where index.html's numbers link. */
int ns_report_write_algorithms_html(const ns_report_data *d, FILE *f);

/* Formatting helpers shared by the writers. */
/* "2.3" / "-"; returns the value as printed (NaN for "-"), so that a colour
 * or a word chosen from it agrees with what the reader sees. */
double ns_fmt_bits(char *buf, size_t len, double bits);
void ns_fmt_sci(char *buf, size_t len, double v);            /* "1.2e-05" / "inf" / "-" */
void ns_fmt_scale(char *buf, size_t len, double sigma);      /* "8.16", "2048", "none" */

#endif
