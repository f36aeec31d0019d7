/* The report's first section: the verdict of each normalizer x policy
 * (cells.h) and, under it, the advice per normalizer (advice.h). */
#ifndef NS_REPORT_VERDICTS_H
#define NS_REPORT_VERDICTS_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "data.h"

/* Worst rows up to this length are written out in results.json; longer
 * ones only through their replay command. */
#define NS_REPORT_WORST_INLINE 1024

/* results.json's "verdicts" (SPEC section 4). */
cJSON *ns_report_verdicts_json(const ns_report_data *d);
/* The table (id="verdicts"), the advice, the rows behind the verdicts. */
int ns_report_verdicts_html(const ns_report_data *d, FILE *f);
int ns_report_verdicts_md(const ns_report_data *d, FILE *f);

/* The fuzzing budget's findings (fuzzing.h), grouped by cause: overflow,
 * underflow, zero denominator, stagnation, support flip, gradient, other;
 * each with its replay command.  JSON: results.json's "fuzzing". */
cJSON *ns_report_findings_json(const ns_report_data *d);
void ns_report_findings_html(const ns_report_data *d, FILE *f);
/* findings.html: every finding of the budget with its replay command. */
int ns_report_findings_page(const ns_report_data *d, FILE *f);
void ns_report_findings_md(const ns_report_data *d, FILE *f);

#endif
