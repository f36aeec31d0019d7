/* The fuzz section of the report: what the last `make fuzz` found, read
 * from DIR/fuzz.json (written next to the report by fuzz/tools/collect.c,
 * the last step of `make fuzz`). */
#ifndef NS_REPORT_FUZZ_H
#define NS_REPORT_FUZZ_H

#include <stdio.h>

/* Markdown and HTML sections for the report in directory dir (its final
 * place: fuzz.json lives there, written by make fuzz).  Without fuzz.json
 * the section says how to get one; a malformed one is named, not fatal. */
void ns_report_fuzz_md(FILE *f, const char *dir);
void ns_report_fuzz_html(FILE *f, const char *dir);

#endif
