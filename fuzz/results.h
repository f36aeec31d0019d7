/* The results of `make fuzz` (fuzz.json, fuzz/json_keys.h): the engine runs
 * summed per engine, and the tables that fuzz.md (fuzz/collect.c) and
 * the report's fuzz section (report/fuzz.c) both show, rendered once here. */
#ifndef NS_FUZZ_RESULTS_H
#define NS_FUZZ_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../util/markup.h"

struct cJSON;

#define NS_FUZZ_MAX_ENGINES 16

typedef struct ns_fuzz_engine_total {
    char name[32];
    size_t runs;
    double seconds, executions, findings, broken, crashes;
    bool counted;                /* every run said how many executions it made */
} ns_fuzz_engine_total;

/* A field of an object of fuzz.json: a string ("" when absent or not a
 * string), a number (0 likewise). */
const char *ns_fuzz_text(const struct cJSON *o, const char *key);
double ns_fuzz_number(const struct cJSON *o, const char *key);

/* The runs of fuzz.json (its root object) summed per engine, in the order
 * of each engine's first run; the engines past max are left out.  The
 * number of engines. */
size_t ns_fuzz_engine_totals(const struct cJSON *fuzz_json, ns_fuzz_engine_total *out, size_t max);

/* A row per engine of e[0..n) in markup m: its name, runs, seconds,
 * executions, executions/s (both "-" where a run did not say how many it
 * made), findings, broken, crashes; the table's head is the caller's. */
void ns_fuzz_engine_rows(FILE *f, const ns_markup *m, const ns_fuzz_engine_total *e, size_t n);

/* A Markdown table of the engines:
 *   | engine | runs | seconds | executions | executions/s | findings | broken | crashes |
 * (executions "-" where a run did not say).  0, or -1 when a write failed. */
int ns_fuzz_md_engines(FILE *f, const struct cJSON *fuzz_json);

/* A Markdown table of the findings, in their order in fuzz.json:
 *   | normalizer | policy | kind | cause | verdict | n | found by | why |
 * 0, or -1 when a write failed. */
int ns_fuzz_md_findings(FILE *f, const struct cJSON *fuzz_json);

#endif
