/* The advice under the verdict table (verdicts.h): per normalizer, the
 * cheapest policy, in the order of cost
 * fp16 < bf16 < fp16-acc32 < bf16-acc32 < fp16-io < bf16-io < fp32 < fp64,
 * that is safe, and a cheaper policy with pairwise or Kahan sums where the
 * suite finds nothing.  Read from the verdicts in d->cells (cells.h). */
#ifndef NS_REPORT_ADVICE_H
#define NS_REPORT_ADVICE_H

#include <stdio.h>

#include "data.h"

void ns_report_advice_html(const ns_report_data *d, FILE *f);
void ns_report_advice_md(const ns_report_data *d, FILE *f);

#endif
