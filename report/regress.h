/* Regression checks against a baseline (`normstab regress`, docs/regress.md).
 *
 * A baseline is a results.json of the report (schema NS_REPORT_SCHEMA): its
 * "suite" and "seed" say which standard suite it measured, its "results"
 * hold one summary per target (algorithm, policy, summation order).  A check
 * measures the same suite again with every algorithm of the catalogue
 * (plugins included), and compares metric by metric under the rules of
 * baseline.c's table -- the one place that says which way each metric gets
 * worse and by how much it may move before that counts.  A target of the
 * baseline that is no longer measured is "missing" and counts as a
 * regression (dropping one must be deliberate: rewrite the baseline); a
 * target the baseline lacks is "new" and does not. */
#ifndef NS_REGRESS_H
#define NS_REGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../analysis/suite.h"
#include "baseline.h"

typedef struct ns_regress_change {
    const char *normalizer, *policy, *sum;
    const char *plugin;               /* the plugin that defines the algorithm now, or NULL */
    const ns_regress_rule *rule;
    double before, after, allowed;    /* allowed: the bound the change crossed */
    bool regression;                  /* else an improvement */
    /* The input behind the metric now (for a regression): its description
     * and the command that replays it; empty when none is known. */
    char input[256];
    char replay[1536];
} ns_regress_change;

typedef struct ns_regress_target_ref {
    const char *normalizer, *policy, *sum;
    const char *plugin;
} ns_regress_target_ref;

typedef struct ns_regress_result {
    size_t compared;                  /* targets found in both */
    ns_regress_change *changes;       /* regressions first, then improvements */
    size_t nchanges, regressions, improvements;
    ns_regress_target_ref *missing;   /* in the baseline, not measured now */
    size_t nmissing;
    ns_regress_target_ref *added;     /* measured now, not in the baseline */
    size_t nadded;
    size_t ntargets;
    double seconds;
} ns_regress_result;

typedef struct ns_regress_opts {
    int threads;                      /* 0: OpenMP's default */
    /* Only these algorithms (catalogue names), when nonly > 0: others are
     * neither measured nor compared, and not counted missing. */
    const char *const *only;
    size_t nonly;
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
} ns_regress_opts;

/* Measures b's suite again and compares.  0, or -1 with err (out of memory,
 * or a suite that no longer has the baseline's number of cases). */
int ns_regress_check(const ns_regress_baseline *b, const ns_regress_opts *o,
                     ns_regress_result *r, char *err, size_t errlen);
void ns_regress_result_free(ns_regress_result *r);

/* Measures the suite size/seed for the algorithms only[0..nonly) (in
 * every policy and order) and writes a baseline of just those to path,
 * whole or not at all: "normalizers" names them, "params" holds the
 * run-wide parameters.  0, or -1 with err. */
int ns_regress_write_subset(const char *path, ns_suite_size size, uint64_t seed, const char *const *only,
                            size_t nonly, int threads, void (*progress)(void *, size_t, size_t),
                            void *progress_ctx, char *err, size_t errlen);

/* 1 when the result fails the check (a regression or a missing target). */
static inline int ns_regress_failed(const ns_regress_result *r)
{
    return r->regressions > 0 || r->nmissing > 0;
}

/* The tables: plain text for a terminal, Markdown for a pull-request
 * comment.  0, or -1 on a write error. */
int ns_regress_write_text(const ns_regress_baseline *b, const ns_regress_result *r, FILE *f);
int ns_regress_write_md(const ns_regress_baseline *b, const ns_regress_result *r, FILE *f);

/* The rules as a Markdown table (docs/regress.md quotes it). */
int ns_regress_write_rules(FILE *f);

#endif
