/* The fuzz section of the report (fuzz.h), from fuzz.json as
 * fuzz/results.h sums it up. */
#include "fuzz.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/json_keys.h"
#include "../fuzz/results.h"
#include "../util/escape.h"
#include "../util/file.h"

#define MAX_SHOWN 20
#define FUZZ_JSON_MAX_BYTES ((size_t)1 << 28)   /* a night of findings is a few MB */

typedef struct fuzz_summary {
    const char *problem;        /* why there is nothing to show, or NULL */
    ns_fuzz_engine_total engine[NS_FUZZ_MAX_ENGINES];
    size_t nengines, nfindings, carried, broken, crashes;
    cJSON *root;                /* fuzz.json, for the findings shown */
} fuzz_summary;

static void load(fuzz_summary *s, const char *dir)
{
    memset(s, 0, sizeof *s);
    char path[4200];
    snprintf(path, sizeof path, "%s/fuzz.json", dir);
    char *json = ns_file_read(path, FUZZ_JSON_MAX_BYTES, NULL);
    if (!json) {
        s->problem = errno == ENOENT ? "no fuzz.json here (make fuzz writes one next to the report)"
                                     : "fuzz.json cannot be read (unreadable, or larger than 256 MiB)";
        return;
    }
    s->root = cJSON_Parse(json);
    free(json);
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(s->root, NS_FJ_RUNS);
    const cJSON *findings = cJSON_GetObjectItemCaseSensitive(s->root, NS_FJ_FINDINGS);
    if (!cJSON_IsArray(runs) || !cJSON_IsArray(findings)) {
        s->problem = "fuzz.json is malformed (no runs or findings array): run make fuzz again";
        return;
    }
    s->nengines = ns_fuzz_engine_totals(s->root, s->engine, NS_FUZZ_MAX_ENGINES);
    s->nfindings = (size_t)cJSON_GetArraySize(findings);
    const cJSON *fd;
    cJSON_ArrayForEach(fd, findings)             /* kept from an earlier run */
        s->carried += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fd, NS_FJ_CARRIED));
    s->broken = (size_t)ns_fuzz_number(s->root, NS_FJ_BROKEN);
    s->crashes = (size_t)ns_fuzz_number(s->root, NS_FJ_CRASHES);
}

/* Findings that break a contract first, then the expected ones. */
static int shown(const cJSON *fd, int broken_pass)
{
    int broken = strcmp(ns_fuzz_text(fd, NS_FJ_VERDICT), NS_FJ_VERDICT_EXPECTED) != 0;
    return broken == broken_pass;
}

void ns_report_fuzz_md(FILE *f, const char *dir)
{
    fuzz_summary s;
    load(&s, dir);
    fputs("## Fuzzing\n\n", f);
    if (s.problem) {
        fprintf(f, "No fuzzing results: %s.\n\n", s.problem);
        cJSON_Delete(s.root);
        return;
    }
    fprintf(f, "The last `make fuzz` (details in fuzz.md): %zu distinct findings", s.nfindings);
    if (s.carried)
        fprintf(f, " (%zu first found by an earlier run)", s.carried);
    fprintf(f, ", **%zu breaking a contract**, %zu crashes.\n\n", s.broken, s.crashes);
    ns_fuzz_md_engines(f, s.root);
    fputc('\n', f);
    cJSON_Delete(s.root);
}

void ns_report_fuzz_html(FILE *f, const char *dir)
{
    fuzz_summary s;
    load(&s, dir);
    fputs("<section id=\"fuzzing\"><h2>Fuzzing</h2>\n", f);
    if (s.problem) {
        fputs("<p>No fuzzing results: ", f);
        ns_html_escape(f, s.problem);
        fputs(".</p></section>\n", f);
        cJSON_Delete(s.root);
        return;
    }
    fprintf(f, "<p>The last <code>make fuzz</code> (details in <a href=\"fuzz.md\">fuzz.md</a>): "
               "%zu distinct findings", s.nfindings);
    if (s.carried)
        fprintf(f, " (%zu first found by an earlier run)", s.carried);
    fprintf(f, ", <strong>%zu breaking a contract</strong>, %zu crashes.</p>\n", s.broken, s.crashes);
    fputs("<table><tr><th>engine</th><th>runs</th><th>seconds</th><th>executions</th><th>executions/s</th>"
          "<th>findings</th><th>broken</th><th>crashes</th></tr>\n", f);
    ns_fuzz_engine_rows(f, &ns_markup_html, s.engine, s.nengines);
    fputs("</table>\n", f);
    const cJSON *findings = cJSON_GetObjectItemCaseSensitive(s.root, NS_FJ_FINDINGS);
    size_t count = 0;
    fputs("<table><tr><th>normalizer</th><th>policy</th><th>kind</th><th>cause</th><th>verdict</th>"
          "<th>why</th></tr>\n", f);
    for (int pass = 1; pass >= 0; pass--) {
        const cJSON *fd;
        cJSON_ArrayForEach(fd, findings) {
            if (count == MAX_SHOWN || !shown(fd, pass))
                continue;
            const char *cells[] = { ns_fuzz_text(fd, NS_FJ_NORMALIZER), ns_fuzz_text(fd, NS_FJ_POLICY),
                                    ns_fuzz_text(fd, NS_FJ_KIND), ns_fuzz_text(fd, NS_FJ_CAUSE),
                                    ns_fuzz_text(fd, NS_FJ_VERDICT), ns_fuzz_text(fd, NS_FJ_WHY) };
            ns_markup_row(f, &ns_markup_html, cells, sizeof cells / sizeof cells[0]);
            count++;
        }
    }
    fprintf(f, "</table><p>%zu of %zu findings shown, those breaking a contract first.</p></section>\n",
            count, s.nfindings);
    cJSON_Delete(s.root);
}
