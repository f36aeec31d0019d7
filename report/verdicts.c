/* The verdict table (cells.h) as the report's first section: in
 * results.json ("verdicts"), index.html (id="verdicts") and report.md. */
#include "verdicts.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../analysis/json.h"
#include "advice.h"
#include "cells.h"
#include "../util/escape.h"

/* The table's head over the policies of the cells, in the order of the
 * first algorithm's cells (16 at most): each name between open and close.
 * The number of policies. */
static size_t policy_heads(const ns_report_data *d, FILE *f, const char *open, const char *close)
{
    size_t k = 0;
    for (size_t i = 0; i < d->ncells && k < 16 && d->cells[i].alg == d->cells[0].alg; i++, k++)
        fprintf(f, "%s%s%s", open, d->cells[i].policy->name, close);
    return k;
}

/* "safe", "safe within σ ≤ 5.66, n ≤ 1579", "unsafe" (plain text).  A cell
 * whose envelope found no limit but whose suite or fuzzing rows failed as
 * declared names where they came: "safe within |x| < 3.28e+04" (the
 * smallest max |x| of a row failing for large logits), "n < 2048" (the
 * shortest row failing for its length); "safe except" when the failure has
 * no such measure (0/0 when no logit is positive: the cause follows). */
static void verdict_words(const ns_report_cell *c, char *buf, size_t len)
{
    if (c->verdict != NS_CELL_SAFE_WITHIN) {
        snprintf(buf, len, "%s", ns_cell_verdict_name(c->verdict));
        return;
    }
    int k = snprintf(buf, len, "safe within");
    if (c->sigma_limited && k > 0 && (size_t)k < len)
        k += snprintf(buf + k, len - (size_t)k, " \xcf\x83 \xe2\x89\xa4 %.3g", c->sigma_max);
    if (c->n_limited && k > 0 && (size_t)k < len)
        k += snprintf(buf + k, len - (size_t)k, "%s n \xe2\x89\xa4 %zu", c->sigma_limited ? "," : "", c->n_max);
    if (c->sigma_limited || c->n_limited || k <= 0 || (size_t)k >= len)
        return;
    if (isfinite(c->x_fail))
        k += snprintf(buf + k, len - (size_t)k, " |x| < %.3g", c->x_fail);
    if (c->n_fail && k > 0 && (size_t)k < len)
        k += snprintf(buf + k, len - (size_t)k, "%s n < %zu", isfinite(c->x_fail) ? "," : "", c->n_fail);
    if (!isfinite(c->x_fail) && !c->n_fail && k > 0 && (size_t)k < len)
        snprintf(buf, len, "safe except");
}

cJSON *ns_report_verdicts_json(const ns_report_data *d)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < d->ncells; i++) {
        const ns_report_cell *c = &d->cells[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "normalizer", c->alg->name);
        cJSON_AddStringToObject(o, "policy", c->policy->name);
        cJSON_AddStringToObject(o, "verdict", ns_cell_verdict_name(c->verdict));
        cJSON_AddStringToObject(o, "cause", c->cause);
        cJSON_AddItemToObject(o, "sigma_max", c->sigma_limited ? cJSON_CreateNumber(c->sigma_max) : cJSON_CreateNull());
        cJSON_AddItemToObject(o, "n_max", c->n_limited ? cJSON_CreateNumber((double)c->n_max) : cJSON_CreateNull());
        cJSON_AddItemToObject(o, "x_fail", isfinite(c->x_fail) ? cJSON_CreateNumber(c->x_fail) : cJSON_CreateNull());
        cJSON_AddItemToObject(o, "n_fail", c->n_fail ? cJSON_CreateNumber((double)c->n_fail) : cJSON_CreateNull());
        cJSON_AddStringToObject(o, "masked", c->masked);
        if (c->n) {
            cJSON *w = cJSON_AddObjectToObject(o, "worst");
            cJSON_AddNumberToObject(w, "n", (double)c->n);
            /* Rows longer than this are left to the replay command. */
            bool inline_row = c->n <= NS_REPORT_WORST_INLINE;
            cJSON_AddItemToObject(w, "x", inline_row ? ns_json_exact_array(c->x, c->n) : cJSON_CreateNull());
            cJSON_AddItemToObject(w, "g", inline_row && c->g ? ns_json_exact_array(c->g, c->n) : cJSON_CreateNull());
            cJSON_AddStringToObject(w, "replay", c->replay);
        } else {
            cJSON_AddNullToObject(o, "worst");
        }
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static const char *cell_class(ns_cell_verdict v)
{
    return v == NS_CELL_SAFE ? "e0" : v == NS_CELL_SAFE_WITHIN ? "e2" : "e4";
}

/* The anchor of a cell's worst input: "w-ALG-POLICY" (names of letters,
 * digits, '.', '_' and '-'; anything else as '-'). */
static void anchor(FILE *f, const ns_report_cell *c)
{
    fputs("w-", f);
    for (const char *s = c->alg->name; *s; s++)
        fputc((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
              *s == '_' ? *s : '-', f);
    fprintf(f, "-%s", c->policy->name);
}

/* The outcome of the all-masked row for the algorithm whose np cells start
 * at cell i: the one with a NaN where a policy gives one, else the first
 * named. */
static const char *masked_outcome(const ns_report_data *d, size_t i, size_t np)
{
    const char *masked = "";
    for (size_t p = 0; p < np && i + p < d->ncells; p++) {
        const ns_report_cell *c = &d->cells[i + p];
        if (*c->masked && (!*masked || strstr(c->masked, "NaN")))
            masked = c->masked + strlen("all-masked row ");
    }
    return masked;
}

/* A cell of index.html: the verdict in its colour, linking to the row
 * behind it, the cause below. */
static void html_cell(FILE *f, const ns_report_cell *c)
{
    char w[96];
    verdict_words(c, w, sizeof w);
    fprintf(f, "<td class=\"%s\">", cell_class(c->verdict));
    if (c->n) {
        fputs("<a href=\"#", f);
        anchor(f, c);
        fputs("\">", f);
    }
    ns_html_escape(f, w);
    if (c->n)
        fputs("</a>", f);
    if (*c->cause) {
        fputs("<br><span class=\"small\">", f);
        ns_html_escape(f, c->cause);
        fputs("</span>", f);
    }
    fputs("</td>", f);
}

/* A cell of report.md: the verdict, then the cause. */
static void md_cell(FILE *f, const ns_report_cell *c)
{
    char w[96];
    verdict_words(c, w, sizeof w);
    fprintf(f, " %s", w);
    if (*c->cause) {
        fputs(": ", f);
        ns_md_text(f, c->cause);
    }
    fputs(" |", f);
}

/* How a markup writes a row of the verdict table: the algorithm's name
 * (escaped by text) between head_open and head_close, a cell per policy,
 * the all-masked row's outcome between masked_open and masked_close. */
typedef struct verdict_markup {
    void (*text)(FILE *f, const char *s);
    const char *head_open, *head_close;
    void (*cell)(FILE *f, const ns_report_cell *c);
    const char *masked_open, *masked_close;
} verdict_markup;

static const verdict_markup html_rows = { ns_html_escape, "<tr><th>", "</th>", html_cell, "<td>", "</td></tr>\n" };
static const verdict_markup md_rows = { ns_md_text, "| ", " |", md_cell, " ", " |\n" };

static void verdict_rows(const ns_report_data *d, size_t np, FILE *f, const verdict_markup *m)
{
    for (size_t i = 0; i < d->ncells; i += np) {
        fputs(m->head_open, f);
        m->text(f, d->cells[i].alg->name);
        fputs(m->head_close, f);
        for (size_t p = 0; p < np && i + p < d->ncells; p++)
            m->cell(f, &d->cells[i + p]);
        fputs(m->masked_open, f);
        m->text(f, masked_outcome(d, i, np));
        fputs(m->masked_close, f);
    }
}

int ns_report_verdicts_html(const ns_report_data *d, FILE *f)
{
    fputs("<section id=\"verdicts\"><h2>Verdict: which normalizer is safe in which precision</h2>\n"
          "<p>Sequential sums.  <b>safe</b>: no row of the suite, of the envelope scan or of the fuzzing budget "
          "breaks the contract; <b>safe within</b> &sigma; &le; &hellip;, n &le; &hellip;: rows fail only as the "
          "contract declares (overflow past a scale, a sum that stagnates past a length), and normal(&sigma;) rows "
          "of up to n logits keep the contract (where the envelope found no limit: |x| &lt; &hellip; or n &lt; &hellip;, the "
          "smallest logit or the shortest row at which a row failed as declared; <b>safe except</b>: a declared failure "
          "without such a measure, named under it); <b>unsafe</b>: some row breaks the contract, with the cause. "
          "Each verdict links to the row behind it and its replay command.  All-masked rows are a declared hazard "
          "a caller can avoid: their outcome is shown apart.</p>\n"
          "<div style=\"overflow-x:auto\"><table class=\"verdicts\" style=\"font-size:12px\"><thead><tr><th>normalizer</th>", f);
    size_t np = policy_heads(d, f, "<th>", "</th>");
    fputs("<th>all-masked row</th></tr></thead><tbody>\n", f);
    verdict_rows(d, np, f, &html_rows);
    fputs("</tbody></table></div>\n", f);
    ns_report_advice_html(d, f);
    fputs("<details><summary>The row behind each verdict</summary><ul class=\"findings\">\n", f);
    for (size_t i = 0; i < d->ncells; i++) {
        const ns_report_cell *c = &d->cells[i];
        if (!c->n)
            continue;
        fputs("<li id=\"", f);
        anchor(f, c);
        fputs("\"><b>", f);
        ns_html_escape(f, c->alg->name);
        fprintf(f, " %s</b>: %s, ", c->policy->name, ns_cell_verdict_name(c->verdict));
        ns_html_escape(f, c->cause);
        fprintf(f, " (n = %zu) <code>", c->n);
        ns_html_escape(f, c->replay);
        fputs("</code></li>\n", f);
    }
    fputs("</ul></details></section>\n", f);
    return ferror(f) ? -1 : 0;
}

int ns_report_verdicts_md(const ns_report_data *d, FILE *f)
{
    fputs("## Verdict (sequential sums)\n\n"
          "safe: no finding on the suite, the envelope scan and the fuzzing budget; safe within: only declared "
          "failures, beyond the limits shown; safe except: only the declared failure named; unsafe: a row breaks the contract (cause in words).\n\n"
          "| normalizer |", f);
    size_t np = policy_heads(d, f, " ", " |");
    fputs(" all-masked row |\n|---|", f);
    for (size_t p = 0; p <= np; p++)
        fputs("---|", f);
    fputc('\n', f);
    verdict_rows(d, np, f, &md_rows);
    fputc('\n', f);
    ns_report_advice_md(d, f);
    return ferror(f) ? -1 : 0;
}
