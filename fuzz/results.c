/* fuzz.json summed per engine and rendered as Markdown (results.h). */
#include "results.h"

#include <cjson/cJSON.h>
#include <string.h>

#include "../util/escape.h"
#include "json_keys.h"

double ns_fuzz_number(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

const char *ns_fuzz_text(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

size_t ns_fuzz_engine_totals(const cJSON *fuzz_json, ns_fuzz_engine_total *out, size_t max)
{
    size_t count = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(fuzz_json, NS_FJ_RUNS)) {
        const char *name = ns_fuzz_text(r, NS_FJ_ENGINE);
        size_t k = 0;
        while (k < count && strcmp(out[k].name, name) != 0)
            k++;
        if (k == count) {
            if (k == max)
                continue;
            memset(&out[k], 0, sizeof out[k]);
            snprintf(out[k].name, sizeof out[k].name, "%s", name);
            out[k].counted = true;
            count++;
        }
        ns_fuzz_engine_total *e = &out[k];
        const cJSON *ex = cJSON_GetObjectItemCaseSensitive(r, NS_FJ_EXECUTIONS);
        e->runs++;
        e->seconds += ns_fuzz_number(r, NS_FJ_SECONDS);
        e->counted &= cJSON_IsNumber(ex);
        e->executions += ns_fuzz_number(r, NS_FJ_EXECUTIONS);
        e->findings += ns_fuzz_number(r, NS_FJ_FINDINGS);
        e->broken += ns_fuzz_number(r, NS_FJ_BROKEN);
        e->crashes += ns_fuzz_number(r, NS_FJ_CRASHES);
    }
    return count;
}

void ns_fuzz_engine_rows(FILE *f, const ns_markup *m, const ns_fuzz_engine_total *e, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        char cell[8][320];      /* %.0f of the largest double: 309 digits */
        snprintf(cell[0], sizeof cell[0], "%s", e[k].name);
        snprintf(cell[1], sizeof cell[1], "%zu", e[k].runs);
        snprintf(cell[2], sizeof cell[2], "%.0f", e[k].seconds);
        if (e[k].counted) {
            snprintf(cell[3], sizeof cell[3], "%.0f", e[k].executions);
            snprintf(cell[4], sizeof cell[4], "%.0f", e[k].seconds > 0 ? e[k].executions / e[k].seconds : 0);
        } else {
            snprintf(cell[3], sizeof cell[3], "-");
            snprintf(cell[4], sizeof cell[4], "-");
        }
        snprintf(cell[5], sizeof cell[5], "%.0f", e[k].findings);
        snprintf(cell[6], sizeof cell[6], "%.0f", e[k].broken);
        snprintf(cell[7], sizeof cell[7], "%.0f", e[k].crashes);
        const char *const cells[] = { cell[0], cell[1], cell[2], cell[3], cell[4], cell[5], cell[6], cell[7] };
        ns_markup_row(f, m, cells, 8);
    }
}

int ns_fuzz_md_engines(FILE *f, const cJSON *fuzz_json)
{
    ns_fuzz_engine_total e[NS_FUZZ_MAX_ENGINES];
    size_t n = ns_fuzz_engine_totals(fuzz_json, e, NS_FUZZ_MAX_ENGINES);
    fputs("| engine | runs | seconds | executions | executions/s | findings | broken | crashes |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|\n", f);
    ns_fuzz_engine_rows(f, &ns_markup_md, e, n);
    return ferror(f) ? -1 : 0;
}

int ns_fuzz_md_findings(FILE *f, const cJSON *fuzz_json)
{
    fputs("| normalizer | policy | kind | cause | verdict | n | found by | why |\n"
          "|---|---|---|---|---|---:|---|---|\n", f);
    const cJSON *fd;
    cJSON_ArrayForEach(fd, cJSON_GetObjectItemCaseSensitive(fuzz_json, NS_FJ_FINDINGS)) {
        const char *cells[] = { ns_fuzz_text(fd, NS_FJ_NORMALIZER), ns_fuzz_text(fd, NS_FJ_POLICY),
                                ns_fuzz_text(fd, NS_FJ_KIND), ns_fuzz_text(fd, NS_FJ_CAUSE) };
        fputs(ns_markup_md.row_open, f);
        ns_markup_cells(f, &ns_markup_md, cells, sizeof cells / sizeof cells[0]);
        bool expected = strcmp(ns_fuzz_text(fd, NS_FJ_VERDICT), NS_FJ_VERDICT_EXPECTED) == 0;
        const char *engines = ns_fuzz_text(fd, NS_FJ_ENGINES);
        bool carried = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fd, NS_FJ_CARRIED));
        fprintf(f, " %s | %.0f | ", expected ? NS_FJ_VERDICT_EXPECTED : "**" NS_FJ_VERDICT_BROKEN "**",
                ns_fuzz_number(fd, NS_FJ_N));
        ns_md_text(f, engines);
        fprintf(f, "%s%s | ", carried && engines[0] ? ", " : "", carried ? "an earlier run" : "");
        ns_md_text(f, ns_fuzz_text(fd, NS_FJ_WHY));
        fputs(" |\n", f);
    }
    return ferror(f) ? -1 : 0;
}
