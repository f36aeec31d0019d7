/* The report's answer, one cell per normalizer x policy (sequential sums):
 *   safe         no finding: every row of the suite, of the envelopes and
 *                of the fuzzing budget keeps the contract (analysis/verdict.h)
 *                but for the declared hazards of inputs a user can avoid
 *                (an all-masked row, masked entries);
 *   safe-within  nothing breaks the contract, but some rows fail as the
 *                contract declares (an overflow past some scale, a sum that
 *                stagnates past some length): safe for sigma <= sigma_max
 *                and n <= n_max, the envelope (analysis/envelope.h);
 *   unsafe       some row breaks the contract, or the envelope is empty.
 * Each cell names its cause in words and keeps the row behind it (the
 * failing row with the largest error, broken rows before declared ones;
 * the envelope's first failures are among the candidates), with a command
 * that replays it.  Gradients count as outputs do: the suite's rows
 * run the backward pass, and a gradient beyond its bound is a failure. */
#ifndef NS_REPORT_CELLS_H
#define NS_REPORT_CELLS_H

#include <stdbool.h>
#include <stddef.h>

#include "../analysis/verdict.h"
#include "data.h"

typedef enum { NS_CELL_SAFE, NS_CELL_SAFE_WITHIN, NS_CELL_UNSAFE } ns_cell_verdict;

const char *ns_cell_verdict_name(ns_cell_verdict v);   /* "safe", "safe-within", "unsafe" */

/* A failing row, as the cause's words need it. */
typedef struct ns_cell_failure {
    ns_verdict_kind verdict;    /* expected or broken */
    ns_kind kind;               /* the promise failed */
    ns_cause cause;
    const ns_policy *policy;
    size_t n;                   /* the row's length */
    double max_x, min_x;        /* its largest and smallest finite entries */
    double bits;                /* the error, in bits of the output format */
    size_t length_fail;         /* the envelope's first failing n (0: none) */
    bool exp_of_logit;          /* the family exponentiates logits (ns_family) */
} ns_cell_failure;

/* The cause in words: "exp overflows for a logit above 11.09", "0/0: the
 * normalizing sum is zero", "the sum stagnates past n = 2048", ... */
void ns_cell_cause_words(const ns_cell_failure *f, char *buf, size_t len);

typedef struct ns_report_cell {
    const ns_algorithm *alg;
    const ns_policy *policy;
    ns_cell_verdict verdict;
    char cause[200];            /* empty when safe */
    bool sigma_limited, n_limited;   /* a limit was found in the range searched */
    double sigma_max;
    size_t n_max;
    /* Where a declared failure of the suite or the fuzzing came: the
     * smallest max |x| of a row failing for large logits (inf: none), the
     * shortest row failing for its length (0: none). */
    double x_fail;
    size_t n_fail;
    char masked[64];            /* "all-masked row -> NaN", "-> zeros", or empty */
    /* The row behind the verdict (n = 0 when safe). */
    double *x, *g;              /* malloc'd; g NULL without a backward pass */
    size_t n;
    char replay[9000];
} ns_report_cell;

/* The verdicts of every normalizer x policy into d->cells, from the suite,
 * the envelopes and d->found: 0, or -1 when out of memory. */
int ns_report_cells(ns_report_data *d);
void ns_report_cells_free(ns_report_data *d);

#endif
