/* The advice under the verdict table (verdicts.h): per normalizer, the
 * cheapest safe policy and summation order. */
#include "advice.h"

#include <stdbool.h>
#include <string.h>

#include "cells.h"
#include "../util/escape.h"

static const char *const by_cost[] = { "fp16", "bf16", "fp16-acc32", "bf16-acc32", "fp16-io", "bf16-io",
                                       "fp32", "fp64", NULL };

static const ns_report_cell *cell_at(const ns_report_data *d, size_t first, const char *policy)
{
    for (size_t i = first; i < d->ncells && d->cells[i].alg == d->cells[first].alg; i++)
        if (strcmp(d->cells[i].policy->name, policy) == 0)
            return &d->cells[i];
    return NULL;
}

/* Whether every row of the suite keeps the contract for (alg, policy, sum),
 * but for all-masked rows and masked entries (a caller can avoid them). */
static bool suite_clean(const ns_report_data *d, const char *alg, const char *policy, ns_sum_order sum)
{
    size_t t = ns_report_target(d, alg, policy, sum);
    if (t >= d->ntargets)
        return false;
    for (size_t c = 0; c < d->ncases; c++) {
        const ns_metrics *m = &d->metrics[t * d->ncases + c];
        if (m->defined && m->verdict != NS_VERDICT_KEPT && m->verdict_cause != NS_CAUSE_ALL_MASKED &&
            m->verdict_cause != NS_CAUSE_MASKED)
            return false;
    }
    return true;
}

/* The advice for the algorithm whose cells start at `first`, as plain text. */
static void advice(const ns_report_data *d, size_t first, char *buf, size_t len)
{
    const ns_report_cell *safe = NULL, *within = NULL;
    size_t rank = 0;
    for (size_t k = 0; by_cost[k] && !safe; k++) {
        const ns_report_cell *c = cell_at(d, first, by_cost[k]);
        if (c && c->verdict == NS_CELL_SAFE)
            safe = c, rank = k;
        else if (c && c->verdict == NS_CELL_SAFE_WITHIN && !within)
            within = c;
    }
    size_t k = 0;
    if (safe)
        k = (size_t)snprintf(buf, len, "use %s", safe->policy->name);
    else if (within)
        k = (size_t)snprintf(buf, len, "no policy is safe everywhere; %s is safe within its envelope",
                             within->policy->name);
    else
        k = (size_t)snprintf(buf, len, "no policy is safe");
    size_t cheaper = safe ? rank : 8;
    const char *alg = d->cells[first].alg->name;
    for (size_t j = 0; j < cheaper && by_cost[j] && k < len; j++) {
        static const ns_sum_order orders[] = { NS_SUM_PAIRWISE, NS_SUM_KAHAN };
        for (size_t o = 0; o < 2; o++)
            if (suite_clean(d, alg, by_cost[j], orders[o])) {
                snprintf(buf + k, len - k, ", or %s with %s sums (nothing found on the suite; the envelopes and "
                         "fuzzing use sequential sums)", by_cost[j], ns_sum_order_name(orders[o]));
                return;
            }
    }
}

static const char cost_note[] =
    "policies ordered by cost: fp16 < bf16 < fp16-acc32 < bf16-acc32 < fp16-io < bf16-io < fp32 < fp64";

/* One item per algorithm: open, its name, mid, the advice, close; text
 * escapes both into the markup. */
static void advice_items(const ns_report_data *d, FILE *f, void (*text)(FILE *, const char *), const char *open,
                         const char *mid, const char *close)
{
    for (size_t i = 0; i < d->ncells; i++) {
        if (i > 0 && d->cells[i].alg == d->cells[i - 1].alg)
            continue;
        char a[600];
        advice(d, i, a, sizeof a);
        fputs(open, f);
        text(f, d->cells[i].alg->name);
        fputs(mid, f);
        text(f, a);
        fputs(close, f);
    }
}

void ns_report_advice_html(const ns_report_data *d, FILE *f)
{
    fprintf(f, "<h3>Advice: the cheapest safe choice</h3>\n<p class=\"small\">The first safe policy, %s; "
               "then a cheaper policy whose pairwise or Kahan sums keep the contract on the whole suite.</p><ul>\n",
            cost_note);
    advice_items(d, f, ns_html_escape, "<li><b>", "</b>: ", "</li>\n");
    fputs("</ul>\n", f);
}

void ns_report_advice_md(const ns_report_data *d, FILE *f)
{
    fprintf(f, "### Advice: the cheapest safe choice\n\nThe first safe policy (%s), then a cheaper policy whose "
               "pairwise or Kahan sums keep the contract on the whole suite.\n\n", cost_note);
    advice_items(d, f, ns_md_text, "- ", ": ", "\n");
    fputc('\n', f);
}
