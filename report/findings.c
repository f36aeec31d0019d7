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

static const char *const group_id[G_COUNT] = {
    "overflow", "underflow", "zero", "stagnation", "support", "gradient", "other",
};

/* Whether a finding of group g before the i-th has this normalizer. */
static bool same_before(const ns_report_data *d, int g, const char *normalizer, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (group_of(&d->found.items[j]) == g && strcmp(d->found.items[j].normalizer, normalizer) == 0)
            return true;
    return false;
}

/* The section's heading; with no fuzzing budget, the note that says so
 * between note_open and note_close.  The budget (0: nothing more to
 * write). */
static uint64_t section_head(const ns_report_data *d, FILE *f, const char *heading, const char *note_open,
                             const char *note_close)
{
    uint64_t budget = ns_report_fuzz_budget(d->opts);
    fputs(heading, f);
    if (budget == 0) {
        fputs(note_open, f);
        fputs("No fuzzing budget in this run (--fuzz-evals 0, or the tiny suite).", f);
        fputs(note_close, f);
    }
    return budget;
}

/* index.html: per group its count, the broken ones among them, and the
 * normalizers it touches, linking to the group in findings.html (the list
 * with a replay command each: several hundred of them would double the
 * page). */
void ns_report_findings_html(const ns_report_data *d, FILE *f)
{
    uint64_t budget = section_head(d, f, "<section id=\"budget-fuzzing\"><h2>Fuzzing within the report</h2>\n", "<p>",
                                   "</p></section>\n");
    if (budget == 0)
        return;
    fprintf(f, "<p>The built-in search (the engine of <code>normstab search</code>, every objective in turn) ran "
               "%llu evaluations on each normalizer &times; policy with sequential sums: %zu findings, each "
               "confirmed against the MPFR reference and minimized.  Its findings count in the verdicts above; "
               "<code>make fuzz</code> adds its own below.  Every finding, with the command that replays it, is "
               "in <a href=\"findings.html\">findings.html</a>.</p>\n", (unsigned long long)budget, d->found.count);
    if (d->found.count == 0) {
        fputs("</section>\n", f);
        return;
    }
    fputs("<div class=\"scroll\"><table><thead><tr><th>cause</th><th>findings</th><th>broken</th>"
          "<th>normalizers (findings)</th></tr></thead><tbody>\n", f);
    for (int g = 0; g < G_COUNT; g++) {
        size_t k = in_group(d, g), broken = 0;
        if (!k)
            continue;
        for (size_t i = 0; i < d->found.count; i++)
            broken += group_of(&d->found.items[i]) == g && !d->found.items[i].expected;
        fprintf(f, "<tr><td><a href=\"findings.html#g-%s\">%s</a></td><td>%zu</td><td>%zu</td><td>", group_id[g],
                group_name[g], k, broken);
        /* the normalizers in the order of their first finding, each once */
        size_t listed = 0;
        for (size_t i = 0; i < d->found.count; i++) {
            const ns_finding *fd = &d->found.items[i];
            if (group_of(fd) != g || same_before(d, g, fd->normalizer, i))
                continue;
            size_t m = 0;
            for (size_t j = i; j < d->found.count; j++)
                m += group_of(&d->found.items[j]) == g && strcmp(d->found.items[j].normalizer, fd->normalizer) == 0;
            fputs(listed++ ? ", " : "", f);
            ns_html_escape(f, fd->normalizer);
            fprintf(f, " (%zu)", m);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table></div></section>\n", f);
}

int ns_report_findings_page(const ns_report_data *d, FILE *f)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
          "<title>normstab: the findings of the report's fuzzing</title><style>"
          "body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1180px;padding:0 18px 40px;color:#1b1b1b}"
          "h1{font-size:22px}h2{font-size:18px;border-bottom:2px solid #ddd}li{margin:4px 0}"
          "code{font:12px ui-monospace,monospace;background:#f4f4f4;padding:1px 4px;overflow-wrap:anywhere}"
          "</style></head><body>\n<h1>The findings of the report's fuzzing</h1>\n", f);
    fprintf(f, "<p><a href=\"index.html#budget-fuzzing\">Back to the report</a>.  %llu evaluations of the built-in "
               "search on each normalizer &times; policy with sequential sums, %zu findings, each confirmed against "
               "the MPFR reference and minimized; the command replays it from the project's directory.</p>\n",
            (unsigned long long)ns_report_fuzz_budget(d->opts), d->found.count);
    for (int g = 0; g < G_COUNT; g++) {
        size_t k = in_group(d, g);
        if (!k)
            continue;
        fprintf(f, "<h2 id=\"g-%s\">%s: %zu</h2>\n<ul>\n", group_id[g], group_name[g], k);
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
        fputs("</ul>\n", f);
    }
    fputs("</body></html>\n", f);
    return 0;
}

void ns_report_findings_md(const ns_report_data *d, FILE *f)
{
    uint64_t budget = section_head(d, f, "## Fuzzing within the report\n\n", "", "\n\n");
    if (budget == 0)
        return;
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
