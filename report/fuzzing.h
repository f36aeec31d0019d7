/* The fuzzing budget of the report: the built-in search (fuzz/search.h,
 * the engine of `normstab search`, objective "all") run on every
 * normalizer x policy with sequential sums, for a number of evaluations
 * each: the findings depend only on the seed and the budget, so
 * results.json stays reproducible.  The findings feed the verdicts
 * (cells.h) and are listed by cause (findings.c); `make fuzz` adds its own
 * in fuzz.json. */
#ifndef NS_REPORT_FUZZING_H
#define NS_REPORT_FUZZING_H

#include <stdint.h>

#include "data.h"

/* The default budgets, evaluations per normalizer x policy: about a minute
 * for the full report on 2 cores, proportionally less for --quick, none for
 * --tiny. */
#define NS_REPORT_FUZZ_EVALS_FULL 8000
#define NS_REPORT_FUZZ_EVALS_QUICK 1000
/* Rows of at most this many logits: the budget buys many short rows rather
 * than a few long ones, whose exact reference (and the classification of
 * a failure, which evaluates a row again in wider formats) costs MPFR work
 * proportional to n.  Failures that need long rows are the length
 * envelope's to find. */
#define NS_REPORT_FUZZ_MAX_N 64

/* The budget d->opts asks for. */
uint64_t ns_report_fuzz_budget(const ns_report_opts *o);

/* Runs the budget on targets [i0, i1) of t (every normalizer x policy with
 * sequential sums, in the order of the envelopes), appending the findings
 * to *into in target order; target i searches with a seed made from the
 * run's seed and i, so that a block gives the same findings as the whole
 * run gives for those targets.  Threads and progress as in ro.  0, or -1
 * with a message in err. */
int ns_report_fuzz(const ns_report_data *d, const ns_target *t, size_t i0, size_t i1,
                   const ns_run_opts *ro, ns_finding_set *into, char *err, size_t errlen);

#endif
