/* The stability report (SPEC section 4): `normstab report [--out DIR] [--quick]`.
 *
 * Runs the standard suite (analysis/suite.h) on every algorithm in every
 * policy and summation order, the sweeps against scale and row length
 * (analysis/sweep.h), the envelopes (analysis/envelope.h), a fuzzing budget
 * (fuzzing.h) and, when given, the real logits; then judges each normalizer
 * x policy (cells.h) and writes
 *   DIR/index.html    one page (no scripts; the plots are images of plots/)
 *   DIR/report.md     a summary for CI
 *   DIR/results.json  {"schema", "seed", "generated", "suite", "results": [...], ...}
 *   DIR/plots/        every plot as SVG with its data (.dat) and gnuplot script (.gp)
 *   DIR/rows/         the rows of the fuzzing's findings, which their replay commands read
 * all into a fresh directory next to DIR, swapped in at the end: a failed
 * run leaves the previous report as it was. */
#ifndef NS_REPORT_H
#define NS_REPORT_H

#include "opts.h"

/* Runs everything and writes the report.  0; -1 with a message in err; or
 * NS_REPORT_INTERRUPTED when *stop was set (err says where the work done is
 * kept).  Either failure leaves the previous report, if any, in place. */
int ns_report_run(const ns_report_opts *o, char *err, size_t errlen);

#endif
