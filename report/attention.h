/* The attention section of the report: each kernel in a few policies under
 * each mask style on one generated head, with the verdict of its contract
 * and the cause; its envelope (the largest scale of queries and keys and
 * the longest rows with one dominant key before the contract breaks); and
 * the incidents of docs/attention.md with their sources and the tests that
 * reproduce them.  Measured when the report is written (small heads: well
 * under a second). */
#ifndef NS_REPORT_ATTENTION_H
#define NS_REPORT_ATTENTION_H

#include <stdio.h>

void ns_report_attention_html(FILE *f);
void ns_report_attention_md(FILE *f);

#endif
