/* A baseline of `normstab regress` (docs/regress.md): a results.json of the
 * report (schema NS_REPORT_SCHEMA, data.h) read into one entry per target
 * (algorithm, policy, summation order), a value per rule; and the rules, the
 * one place that says which way each metric gets worse and by how much it
 * may move before that counts (baseline.c).  The page (html.c) compares its
 * cells with a baseline; regress.h compares a new measurement with one. */
#ifndef NS_REGRESS_BASELINE_H
#define NS_REGRESS_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../analysis/suite.h"

/* How a metric is judged. */
typedef enum { NS_WORSE_HIGHER, NS_WORSE_LOWER } ns_regress_direction;

typedef struct ns_regress_rule {
    const char *metric;               /* key in results[].metrics */
    ns_regress_direction worse;
    /* A change counts when it exceeds
     *   factor == 0:  |after - before| > slack
     *   factor > 0:   after > factor * before + slack (worse higher), or
     *                 after < before / factor - slack (worse lower), and
     *                 symmetrically for an improvement;
     * slack is in the metric's units, plus slack_u units of the unit
     * roundoff of the target's output format. */
    double factor, slack, slack_u;
    const char *why;                  /* one line for docs/regress.md and --rules */
} ns_regress_rule;

/* The rules, in the order tables list metrics; NULL metric ends them. */
extern const ns_regress_rule ns_regress_rules[];

typedef struct ns_regress_entry {
    char *normalizer, *policy, *sum;
    char *plugin;                     /* "plugin" of the entry, or NULL */
    double *value;                    /* one per rule; NaN for JSON null */
    bool *present;                    /* the metric was in the file */
    bool nan_denominator;
} ns_regress_entry;

typedef struct ns_regress_baseline {
    char *path;
    ns_suite_size size;
    uint64_t seed;
    size_t ncases;                    /* length of its "cases" */
    /* "normalizers": the algorithms a baseline of regress --update -n holds
     * (a check measures only those); NULL when it holds them all. */
    char **normalizers;
    size_t nnormalizers;
    /* "params": the run-wide --param values it was measured with, as
     * "KEY=VALUE" (a check measures with them too). */
    char **params;
    size_t nparams;
    ns_regress_entry *entries;
    size_t count;
} ns_regress_baseline;

/* Reads a baseline.  0, or -1 with one line in err naming the file and the
 * problem (for bad JSON: line and column). */
int ns_regress_load(const char *path, ns_regress_baseline *b, char *err, size_t errlen);
void ns_regress_baseline_free(ns_regress_baseline *b);

#endif
