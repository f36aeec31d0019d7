/* The fuzzing budget's findings (fuzzing.h) in the report, grouped by
 * cause, each with its replay command (verdicts.h declares the writers). */
#include "verdicts.h"

#include <string.h>

#include "../analysis/json.h"
#include "../util/escape.h"
#include "fuzzing.h"

enum { G_OVERFLOW, G_UNDERFLOW, G_ZERO, G_STAGNATION, G_SUPPORT, G_GRADIENT, G_OTHER, G_COUNT };

static const char *const group_name[G_COUNT] = {
    "overflow", "underflow", "zero denominator", "stagnation", "support flip", "gradient",
    "other (large or tiny logits, masks, ordinary rows)",
};

/* The group of a finding: the backward pass first, then by cause; the
 * sparse families' other forward failures are entries put on the wrong
 * side of the support threshold. */
static int group_of(const ns_finding *f)
{
    if (f->kind == NS_KIND_GRADIENT)
        return G_GRADIENT;
    switch (f->cause) {
    case NS_CAUSE_OVERFLOW: return G_OVERFLOW;
    case NS_CAUSE_UNDERFLOW:
    case NS_CAUSE_SUBNORMAL_DENOMINATOR: return G_UNDERFLOW;
    case NS_CAUSE_ZERO_DENOMINATOR: return G_ZERO;
    case NS_CAUSE_LONG_ROW: return G_STAGNATION;
    default: break;
    }
    bool sparse = strncmp(f->normalizer, "sparsemax", 9) == 0 || strncmp(f->normalizer, "entmax", 6) == 0;
    return sparse && f->kind != NS_KIND_NAN && f->kind != NS_KIND_INF ? G_SUPPORT : G_OTHER;
}

cJSON *ns_report_findings_json(const ns_report_data *d)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "evaluations_per_target", (double)ns_report_fuzz_budget(d->opts));
    cJSON *a = cJSON_AddArrayToObject(o, "findings");
    for (size_t i = 0; i < d->found.count; i++) {
        const ns_finding *f = &d->found.items[i];
        cJSON *w = cJSON_CreateObject();
        cJSON_AddStringToObject(w, "normalizer", f->normalizer);
        cJSON_AddStringToObject(w, "policy", f->policy);
        cJSON_AddStringToObject(w, "group", group_name[group_of(f)]);
        cJSON_AddStringToObject(w, "kind", ns_kind_name(f->kind));
        cJSON_AddStringToObject(w, "cause", ns_cause_name(f->cause));
        cJSON_AddStringToObject(w, "verdict", f->expected ? "expected" : "broken");
        cJSON_AddStringToObject(w, "detail", f->detail);
        cJSON_AddItemToObject(w, "x", ns_json_exact_array(f->row.x, f->row.n));
        cJSON_AddItemToObject(w, "g", f->has_g ? ns_json_exact_array(f->row.g, f->row.n) : cJSON_CreateNull());
        char replay[9000];
        ns_report_finding_replay(d, f, replay, sizeof replay);
        cJSON_AddStringToObject(w, "replay", replay);
        cJSON_AddItemToArray(a, w);
    }
    return o;
}

static size_t in_group(const ns_report_data *d, int g)
{
    size_t k = 0;
    for (size_t i = 0; i < d->found.count; i++)
        k += group_of(&d->found.items[i]) == g;
    return k;
}

void ns_report_findings_html(const ns_report_data *d, FILE *f)
{
    uint64_t budget = ns_report_fuzz_budget(d->opts);
    fputs("<section id=\"budget-fuzzing\"><h2>Fuzzing within the report</h2>\n", f);
    if (budget == 0) {
        fputs("<p>No fuzzing budget in this run (--fuzz-evals 0, or the tiny suite).</p></section>\n", f);
        return;
    }
    fprintf(f, "<p>The built-in search (the engine of <code>normstab search</code>, every objective in turn) ran "
               "%llu evaluations on each normalizer &times; policy with sequential sums: %zu findings, each "
               "confirmed against the MPFR reference and minimized.  Its findings count in the verdicts above; "
               "<code>make fuzz</code> adds its own below.</p>\n", (unsigned long long)budget, d->found.count);
    for (int g = 0; g < G_COUNT; g++) {
        size_t k = in_group(d, g);
        if (!k)
            continue;
        fprintf(f, "<details><summary>%s: %zu</summary><ul class=\"findings\">\n", group_name[g], k);
        for (size_t i = 0; i < d->found.count; i++) {
            const ns_finding *fd = &d->found.items[i];
            if (group_of(fd) != g)
                continue;
            char replay[9000];
            ns_report_finding_replay(d, fd, replay, sizeof replay);
            fputs("<li><b>", f);
            ns_html_escape(f, fd->normalizer);
            fprintf(f, " %s</b> %s (%s), %s: ", fd->policy, ns_kind_name(fd->kind), ns_cause_name(fd->cause),
                    fd->expected ? "expected" : "BROKEN");
            ns_html_escape(f, fd->detail);
            fprintf(f, ", n = %zu <code>", fd->row.n);
            ns_html_escape(f, replay);
            fputs("</code></li>\n", f);
        }
        fputs("</ul></details>\n", f);
    }
    fputs("</section>\n", f);
}

void ns_report_findings_md(const ns_report_data *d, FILE *f)
{
    uint64_t budget = ns_report_fuzz_budget(d->opts);
    fputs("## Fuzzing within the report\n\n", f);
    if (budget == 0) {
        fputs("No fuzzing budget in this run (--fuzz-evals 0, or the tiny suite).\n\n", f);
        return;
    }
    fprintf(f, "%llu evaluations of the built-in search per normalizer x policy (sequential sums): %zu findings.\n\n",
            (unsigned long long)budget, d->found.count);
    for (int g = 0; g < G_COUNT; g++) {
        size_t k = in_group(d, g);
        if (!k)
            continue;
        fprintf(f, "- %s: %zu (", group_name[g], k);
        size_t shown = 0;
        for (size_t i = 0; i < d->found.count && shown < 8; i++) {
            const ns_finding *fd = &d->found.items[i];
            if (group_of(fd) != g)
                continue;
            fprintf(f, "%s", shown++ ? ", " : "");
            ns_md_text(f, fd->normalizer);
            fprintf(f, " %s%s", fd->policy, fd->expected ? "" : " **broken**");
        }
        fprintf(f, "%s)\n", shown < k ? ", ..." : "");
    }
    fputc('\n', f);
}
