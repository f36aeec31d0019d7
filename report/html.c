/* index.html and algorithms.html (inline CSS, no scripts, no external
 * resources; the plots are images in plots/ beside them).  index.html holds
 * the verdict, the matrices and the overviews and stays light enough to draw
 * its first screen at once; the per-algorithm cards, most of the bytes,
 * live in algorithms.html, where every number of the matrices links.  Every string that does not come
 * from this file (names, definitions, paths, generated descriptions) goes
 * through esc() (or a %s of ns_markup_printf). */
#include "data.h"
#include "attention.h"
#include "fuzz.h"

#include <math.h>
#include <string.h>

#include "../analysis/verdict.h"
#include "../util/escape.h"
#include "../util/markup.h"
#include "baseline.h"
#include "verdicts.h"

static void esc(FILE *f, const char *s) { ns_html_escape(f, s); }

/* An id attribute value: letters, digits, '-', '_', '.' kept, the rest '-'. */
static void id_of(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.' ? *s : '-', f);
}

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
    "margin:0 auto;max-width:1180px;padding:0 18px 40px;color:#1b1b1b;background:#fff}"
    "h1{font-size:24px;margin:18px 0 4px}h2{font-size:19px;margin:30px 0 8px;border-bottom:2px solid #ddd;padding-bottom:3px}"
    "h3{font-size:16px;margin:0 0 6px}h4{font-size:14px;margin:12px 0 4px}"
    ".meta{color:#555;margin:0 0 8px}nav a{margin-right:14px}a{color:#0b5cad}"
    ".scroll{overflow-x:auto;max-width:100%}"
    "table{border-collapse:collapse;margin:6px 0 10px}th,td{padding:3px 7px;border:1px solid #d5d5d5;text-align:left}"
    "thead th{background:#f2f2f2;position:sticky;top:0}"
    "table.matrix td{text-align:center;min-width:78px;font-variant-numeric:tabular-nums;font-weight:600}"
    "table.matrix th{white-space:nowrap}tr.fam th{background:#fafafa;font-weight:normal;color:#444;font-size:12px}"
    ".b0{background:#1a9850;color:#fff}.b1{background:#91cf60}.b2{background:#d9ef8b}.b3{background:#fee08b}"
    ".b4{background:#fc8d59}.b5{background:#d73027;color:#fff}.b5 .small,.b5 a,.e4 .small,.e4 a{color:#fff}.bx{background:#bbb;color:#333}"
    "td.bad{box-shadow:inset 5px 0 0 #67001f}"
    ".badge{display:block;font-size:11px;font-weight:700;color:#fff;background:#67001f;border-radius:3px;margin:2px auto 0;padding:0 3px;width:max-content}"
    ".legend span{display:inline-block;padding:1px 8px;margin:0 3px 3px 0;border:1px solid #ccc;font-size:12px}"
    ".e0{background:#1a9850;color:#fff}.e1{background:#91cf60}.e2{background:#fee08b}.e3{background:#fc8d59}.e4{background:#d73027;color:#fff}"
    "table.env td{text-align:center;font-size:12px;white-space:nowrap}"
    "figure{margin:8px 1% 14px 0;display:inline-block;vertical-align:top;width:48.5%;min-width:min(100%,340px)}"
    "figure.wide{width:98%}figure img{width:100%;height:auto;border:1px solid #e3e3e3}figcaption{font-size:12px;color:#555}"
    "figure.small{width:32%;min-width:min(100%,240px)}"
    ".med{display:block;font-size:11px;font-weight:normal}td a{color:inherit}"
    "dl.glossary dt{font-weight:700;margin-top:6px}dl.glossary dd{margin:0 0 0 18px}"
    "ol.inputs li{margin:4px 0}"
    ".card{border:1px solid #ccc;border-radius:6px;padding:12px 14px;margin:16px 0}"
    ".card table{font-size:12.5px}.card td{font-variant-numeric:tabular-nums}"
    "code{font:12px ui-monospace,Menlo,Consolas,monospace;background:#f4f4f4;padding:1px 4px;overflow-wrap:anywhere}"
    "ul.findings li{margin:4px 0}.note{background:#fff3cd;border:1px solid #e6d28a;padding:6px 10px}"
    "details{margin:6px 0}summary{cursor:pointer;color:#0b5cad}.small{font-size:12px;color:#555}";

/* Colour class of a cell from its worst bits over finite outputs, as
 * printed (ns_fmt_bits' value): a cell reading 24.0 in fp32 is "no correct
 * bit" even when 23.998 lies underneath. */
static const char *bits_class(double shown, double tol, int p)
{
    if (isnan(shown))
        return "bx";
    if (shown <= 1)
        return "b0";
    if (shown <= 2)
        return "b1";
    if (shown <= 4)
        return "b2";
    if (shown <= tol)
        return "b3";
    return shown < p ? "b4" : "b5";
}

/* The anchor of case c of target t in its card's list of inputs, on the
 * cards' page. */
static void input_href(FILE *f, size_t t, size_t c)
{
    fprintf(f, "algorithms.html#in-%zu-%zu", t, c);
}

/* A number that links to the input behind it (plain text when none). */
static void linked(FILE *f, size_t t, size_t c, const char *text)
{
    if (c == NS_NO_CASE) {
        fputs(text, f);
        return;
    }
    fputs("<a href=\"", f);
    input_href(f, t, c);
    fprintf(f, "\">%s</a>", text);
}

/* The change of target t's worst bits (max_bits_finite) since the
 * baseline, between the values as printed (to a tenth); NaN when there is
 * no baseline, no such target in it, or no value on either side. */
static double baseline_delta(const ns_report_data *d, size_t t)
{
    if (!d->baseline)
        return NAN;
    size_t k = 0;
    while (ns_regress_rules[k].metric && strcmp(ns_regress_rules[k].metric, "max_bits_finite") != 0)
        k++;
    const ns_target *tg = &d->targets[t];
    for (size_t i = 0; i < d->baseline->count; i++) {
        const ns_regress_entry *e = &d->baseline->entries[i];
        if (!ns_regress_rules[k].metric || !e->present[k] || strcmp(e->normalizer, tg->alg->name) != 0 ||
            strcmp(e->policy, tg->policy->name) != 0 || strcmp(e->sum, ns_sum_order_name(tg->sum)) != 0)
            continue;
        char a[32], b[32];
        return ns_fmt_bits(a, sizeof a, d->summary[t].max_bits_finite) - ns_fmt_bits(b, sizeof b, e->value[k]);
    }
    return NAN;
}

/* "+0.3" / "-1.0" / "0" / "-" */
static void fmt_delta(char *buf, size_t len, double delta)
{
    if (isnan(delta))
        snprintf(buf, len, "-");
    else if (fabs(delta) < 0.05)
        snprintf(buf, len, "0");
    else
        snprintf(buf, len, "%+.1f", delta);
}

static void matrix_cell(FILE *f, const ns_report_data *d, size_t t)
{
    const ns_target *tg = &d->targets[t];
    const ns_summary *s = &d->summary[t];
    double tol = ns_half_precision_bits(tg->policy);
    bool bad = s->nan_rate > 0 || s->inf_rate > 0;
    char b[32], med[32], rate[32];
    double shown = ns_fmt_bits(b, sizeof b, s->max_bits_finite);
    ns_fmt_bits(med, sizeof med, s->median_bits);
    fprintf(f, "<td class=\"%s%s\">", bits_class(shown, tol, tg->policy->out->p), bad ? " bad" : "");
    linked(f, t, s->behind[NS_BEHIND_MAX], b);
    fputs("<span class=\"med\">med ", f);
    linked(f, t, s->behind[NS_BEHIND_MEDIAN], med);
    fputs("</span>", f);
    double delta = baseline_delta(d, t);
    if (!isnan(delta) && fabs(delta) >= 0.05)
        fprintf(f, "<span class=\"med\">&Delta; %+.1f</span>", delta);
    if (s->nan_rate > 0) {
        snprintf(rate, sizeof rate, "NaN %.0f%%", 100 * s->nan_rate);
        fputs("<span class=\"badge\">", f);
        linked(f, t, s->behind[NS_BEHIND_NAN], rate);
        fputs("</span>", f);
    }
    if (s->inf_rate > 0) {
        snprintf(rate, sizeof rate, "inf %.0f%%", 100 * s->inf_rate);
        fputs("<span class=\"badge\">", f);
        linked(f, t, s->behind[NS_BEHIND_INF], rate);
        fputs("</span>", f);
    }
    fputs("</td>", f);
}

static size_t policy_columns(FILE *f, const ns_report_data *d, const char *first)
{
    size_t np = 0;
    fprintf(f, "<thead><tr><th>%s</th>", first);
    for (size_t p = 0; d->policies[p]; p++)
        if (!ns_policy_is_ref(d->policies[p])) {
            fputs("<th>", f);
            esc(f, d->policies[p]->name);
            fputs("</th>", f);
            np++;
        }
    fputs("</tr></thead>\n", f);
    return np;
}

static void family_row(FILE *f, const ns_family *fam, size_t span)
{
    fprintf(f, "<tr class=\"fam\"><th colspan=\"%zu\">", span);
    esc(f, fam->name);
    fputs(": ", f);
    esc(f, fam->definition ? fam->definition : "");
    if (fam->plugin) {                 /* results from outside the catalogue */
        fputs(" <span class=\"small\">[plugin ", f);
        esc(f, fam->plugin->name);
        fputs(": ", f);
        esc(f, fam->plugin->reference);
        fputs("]</span>", f);
    }
    fputs("</th></tr>\n", f);
}

static void alg_header(FILE *f, const ns_algorithm *a)
{
    fputs("<th><a href=\"algorithms.html#alg-", f);
    id_of(f, a->name);
    fputs("\">", f);
    esc(f, a->name);
    fputs("</a></th>", f);
}

static void write_matrix(FILE *f, const ns_report_data *d, ns_sum_order sum, bool with_sum_label)
{
    fputs("<div class=\"scroll\"><table class=\"matrix\">", f);
    size_t np = policy_columns(f, d, with_sum_label ? "normalizer, sum" : "normalizer");
    fputs("<tbody>\n", f);
    for (const ns_family *const *fam = ns_families(); *fam; fam++) {
        if (ns_report_target(d, (*fam)->algorithms->name, "fp16", sum) == d->ntargets)
            continue;
        family_row(f, *fam, np + 1);
        for (const ns_algorithm *a = (*fam)->algorithms; a->name; a++) {
            fputs("<tr>", f);
            if (with_sum_label) {
                fputs("<th>", f);
                esc(f, a->name);
                fprintf(f, " <span class=\"small\">%s</span></th>", ns_sum_order_name(sum));
            } else {
                alg_header(f, a);
            }
            for (size_t p = 0; d->policies[p]; p++)
                if (!ns_policy_is_ref(d->policies[p]))
                    matrix_cell(f, d, ns_report_target(d, a->name, d->policies[p]->name, sum));
            fputs("</tr>\n", f);
        }
    }
    fputs("</tbody></table></div>\n", f);
}

/* The colour of an envelope: that of the shorter of its two limits (green
 * only when neither was found in the range). */
static const char *envelope_class(const ns_envelope *e)
{
    if (e->scale_max == 0 || e->length_max < 2)
        return "e4";
    if (e->scale_capped && e->length_capped)
        return "e0";
    int gs = e->scale_capped || log2(e->scale_max) >= 4 ? 1 : log2(e->scale_max) >= 0 ? 2 : 3;
    int gn = e->length_capped || e->length_max >= 1024 ? 1 : e->length_max >= 64 ? 2 : 3;
    static const char *const cls[] = { "e0", "e1", "e2", "e3" };
    return cls[gs > gn ? gs : gn];
}

static void envelope_cell(FILE *f, const ns_envelope *e)
{
    const char *cls = envelope_class(e);
    char sc[32];
    ns_fmt_scale(sc, sizeof sc, e->scale_max);
    fprintf(f, "<td class=\"%s\" title=\"", cls);
    esc(f, e->target.alg->name);
    char fail[32];
    ns_fmt_scale(fail, sizeof fail, e->scale_fail);
    fprintf(f, " in %s: ", e->target.policy->name);
    if (e->scale_capped)
        fputs("nothing broke up to the end of the sigma range", f);
    else {
        fprintf(f, "at sigma %s: ", fail);
        esc(f, e->scale_break);
    }
    if (e->length_capped)
        fputs("; nothing broke up to the end of the n range", f);
    else {
        fprintf(f, "; at n = %zu: ", e->length_fail);
        esc(f, e->length_break);
    }
    if (e->scale_max == 0)
        fputs("\">&sigma;: fails", f);
    else
        fprintf(f, "\">&sigma; %s%s", e->scale_capped ? "&ge; " : "&le; ", sc);
    if (e->length_max == 0)
        fputs("<br>n: fails</td>", f);
    else
        fprintf(f, "<br>n %s%zu</td>", e->length_capped ? "&ge; " : "&le; ", e->length_max);
}

static void write_envelopes(FILE *f, const ns_report_data *d)
{
    fputs("<div class=\"scroll\"><table class=\"matrix env\">", f);
    size_t np = policy_columns(f, d, "normalizer");
    fputs("<tbody>\n", f);
    for (const ns_family *const *fam = ns_families(); *fam; fam++) {
        if (!ns_report_envelope(d, (*fam)->algorithms, ns_policy_find("fp16")))
            continue;
        family_row(f, *fam, np + 1);
        for (const ns_algorithm *a = (*fam)->algorithms; a->name; a++) {
            fputs("<tr>", f);
            alg_header(f, a);
            for (size_t p = 0; d->policies[p]; p++) {
                const ns_envelope *e = ns_report_envelope(d, a, d->policies[p]);
                if (!ns_policy_is_ref(d->policies[p]))
                    e ? envelope_cell(f, e) : (void)fputs("<td>-</td>", f);
            }
            fputs("</tr>\n", f);
        }
    }
    fputs("</tbody></table></div>\n", f);
}

/* A plot as an image of plots/, with its caption and data; cls "" or
 * "small" (a small multiple). */
static void figure_as(FILE *f, const ns_report_data *d, const char *name, const char *cls)
{
    const ns_report_plot *p = ns_report_plot_find(d, name);
    if (!p)
        return;
    fprintf(f, "<figure class=\"%s%s\">", p->wide ? "wide" : "", cls);
    if (p->drawn)
        ns_markup_printf(f, &ns_markup_html, "<img loading=\"lazy\" src=\"plots/%s.svg\" alt=\"%s\" width=\"%d\" "
                         "height=\"%d\">", p->name, p->title, p->wide ? 1140 : 570, p->wide ? 520 : 430);
    else
        fputs("<p class=\"note\">This plot was not drawn (see the note at the top).</p>", f);
    ns_markup_printf(f, &ns_markup_html, "<figcaption>%s &mdash; data <a href=\"plots/%s.dat\">plots/%s.dat</a>"
                     "</figcaption></figure>\n", p->title, p->name, p->name);
}

static void figure(FILE *f, const ns_report_data *d, const char *name)
{
    figure_as(f, d, name, "");
}

static void real_table(FILE *f, const ns_report_data *d, bool low_only)
{
    fputs("<div class=\"scroll\"><table><thead><tr><th>normalizer</th><th>policy</th><th>sum overflows</th><th>rows with NaN/inf</th>"
          "<th>error / u: mean</th><th>max</th><th>|&Sigma;y &minus; &Sigma;y<sub>ref</sub>|: mean</th><th>max</th><th>worst bits</th>"
          "</tr></thead><tbody>\n", f);
    for (size_t t = 0; t < d->nreal_targets; t++) {
        const char *pol = d->real_targets[t].policy->name;
        bool low = strcmp(pol, "fp16") == 0 || strcmp(pol, "bf16") == 0;
        if (low != low_only)
            continue;
        ns_real_shown r;
        ns_report_real_shown(d, t, &r);
        fputs("<tr><td>", f);
        esc(f, d->real_targets[t].alg->name);
        fprintf(f, "</td><td>%s</td><td>%zu</td><td>%zu</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
                pol, r.st.overflow_rows, r.st.nonfinite_rows, r.err_u_mean, r.err_u_max, r.sum_dev_mean,
                r.sum_dev_max, r.max_bits);
    }
    fputs("</tbody></table></div>\n", f);
}

/* The roles that the matrices show (the cards show every role). */
#define MATRIX_ROLES ((1u << NS_BEHIND_MAX) | (1u << NS_BEHIND_MEDIAN) | (1u << NS_BEHIND_NAN) | (1u << NS_BEHIND_INF))

/* The inputs behind target t's numbers in the roles of mask, each once
 * with the numbers it stands behind, under the anchor that those numbers
 * link to. */
static void behind_items(FILE *f, const ns_report_data *d, size_t t, unsigned mask)
{
    const ns_summary *s = &d->summary[t];
    const ns_target *tg = &d->targets[t];
    for (size_t r = 0; r < NS_BEHIND_COUNT; r++) {
        size_t c = s->behind[r];
        bool first = c != NS_NO_CASE && (mask & (1u << r));
        for (size_t q = 0; q < r && first; q++)
            first = !((mask & (1u << q)) && s->behind[q] == c);
        if (!first)
            continue;
        const ns_metrics *m = &d->metrics[t * d->ncases + c];
        char desc[256], cmd[512], b[32], gb[32];
        ns_case_describe(&d->cases[c], desc, sizeof desc);
        ns_case_replay(&d->cases[c], tg, d->program, cmd, sizeof cmd);
        ns_fmt_bits(b, sizeof b, m->max_bits);
        ns_fmt_bits(gb, sizeof gb, m->grad_max_bits);
        fprintf(f, "<li id=\"in-%zu-%zu\"><b>%s, sum %s</b> &mdash; ", t, c, tg->policy->name,
                ns_sum_order_name(tg->sum));
        for (size_t q = r, k = 0; q < NS_BEHIND_COUNT; q++)
            if (s->behind[q] == c && (mask & (1u << q)))
                fprintf(f, "%s%s", k++ ? ", " : "", ns_behind_name((ns_behind)q));
        fputs(": ", f);
        esc(f, desc);
        fprintf(f, "; %s bits", b);
        if (m->nan_count)
            fprintf(f, ", %zu NaN", m->nan_count);
        if (m->inf_count)
            fprintf(f, ", %zu inf", m->inf_count);
        if (m->has_grad)
            fprintf(f, "; gradient %s bits", gb);
        if (!isnan(m->stability))
            fprintf(f, "; &kappa; %.3g, error / ((1 + &kappa;) u) %.3g", m->kappa, m->stability);
        if (!m->within_contract)
            fputs("; <b>breaks the contract</b>", f);
        fputs("<br><code>", f);
        esc(f, cmd);
        fputs("</code></li>\n", f);
    }
}

static void card_inputs(FILE *f, const ns_report_data *d, const ns_algorithm *a)
{
    /* Folded, to keep the page short: a link to an input inside opens it. */
    fputs("<details><summary>The inputs behind the numbers</summary><p class=\"small\">Each number above and in the "
          "matrices links here; the command replays the input from the project's directory.</p><ol class=\"inputs\">\n", f);
    for (size_t t = 0; t < d->ntargets; t++)
        if (d->targets[t].alg == a && d->targets[t].sum == NS_SUM_SEQ)
            behind_items(f, d, t, ~0u);
    fputs("</ol></details><details><summary>The inputs behind the pairwise and Kahan matrices</summary>"
          "<ol class=\"inputs\">\n", f);
    for (size_t t = 0; t < d->ntargets; t++)
        if (d->targets[t].alg == a && d->targets[t].sum != NS_SUM_SEQ)
            behind_items(f, d, t, MATRIX_ROLES);
    fputs("</ol></details>\n", f);
}

static void card(FILE *f, const ns_report_data *d, const ns_family *fam, const ns_algorithm *a)
{
    fputs("<section class=\"card\" id=\"alg-", f);
    id_of(f, a->name);
    ns_markup_printf(f, &ns_markup_html,
                     "\"><h3>%s <span class=\"small\">family %s</span></h3>\n<p>%s. Definition (the reference): "
                     "<code>%s</code>", a->name, fam->name, a->summary ? a->summary : "",
                     fam->definition ? fam->definition : "");
    size_t np = ns_family_nparams(fam);
    for (size_t k = 0; k < np; k++) {
        fputs(k ? ", " : "; parameters ", f);
        esc(f, fam->params[k].key);
        fprintf(f, " = %g", fam->params[k].value);
    }
    const ns_contract *contract = ns_contract_of(a);
    fputs(".</p>\n<p class=\"small\">Contract: ", f);
    esc(f, contract->summary ? contract->summary : "");
    if (contract->domain.why) {
        fputs(". Domain: ", f);
        esc(f, contract->domain.why);
    }
    fputs(". Expected failures:", f);
    size_t nh = 0;
    for (const ns_hazard *h = contract->hazards; h && h->why; h++, nh++) {
        fputs(nh ? "; " : " ", f);
        esc(f, h->why);
    }
    fputs(nh ? ".</p>\n" : " none.</p>\n", f);

    fputs("<div class=\"scroll\"><table><thead><tr><th>policy</th><th>median bits</th><th>p90</th><th>p99</th>"
          "<th>max</th><th>mean</th><th>NaN</th><th>inf</th><th>max |&Sigma;y &minus; &Sigma;y<sub>ref</sub>|</th>"
          "<th>min denominator</th><th>gradient max bits</th><th>max gain (true)</th><th>max &kappa;</th>"
          "<th>max error / ((1 + &kappa;) u)</th><th>contract error bound</th><th>inputs breaking it</th>"
          "<th>envelope &sigma; / n</th>", f);
    if (d->baseline)
        fputs("<th>max: change since the baseline</th>", f);
    fputs("</tr></thead><tbody>\n", f);
    for (size_t p = 0; d->policies[p]; p++) {
        const ns_policy *pol = d->policies[p];
        size_t t = ns_report_target(d, a->name, pol->name, NS_SUM_SEQ);
        if (ns_policy_is_ref(pol) || t == d->ntargets)
            continue;
        const ns_summary *s = &d->summary[t];
        const size_t *at = s->behind;
        char wb[32], q50[32], q90[32], q99[32], mean[32], nan[32], inf[32], se[32], md[32], gb[32], gg[32],
             gr[32], ka[32], st[32], sc[32], br[48];
        double shown = ns_fmt_bits(wb, sizeof wb, s->max_bits_finite);
        ns_fmt_bits(q50, sizeof q50, s->median_bits);
        ns_fmt_bits(q90, sizeof q90, s->p90_bits);
        ns_fmt_bits(q99, sizeof q99, s->p99_bits);
        ns_fmt_bits(mean, sizeof mean, s->mean_bits);
        snprintf(nan, sizeof nan, "%.0f%%", 100 * s->nan_rate);
        snprintf(inf, sizeof inf, "%.0f%%", 100 * s->inf_rate);
        ns_fmt_sci(se, sizeof se, s->max_sum_err);
        ns_fmt_sci(md, sizeof md, s->min_denominator);
        ns_fmt_bits(gb, sizeof gb, s->grad_max_bits_finite);
        ns_fmt_sci(gg, sizeof gg, s->max_grad_gain);
        ns_fmt_sci(gr, sizeof gr, s->max_grad_gain_ref);
        ns_fmt_sci(ka, sizeof ka, s->max_kappa);
        ns_fmt_sci(st, sizeof st, s->max_stability);
        snprintf(br, sizeof br, "%zu of %zu", s->contract_breaks, s->cases);
        const ns_envelope *e = ns_report_envelope(d, a, pol);
        ns_fmt_scale(sc, sizeof sc, e ? e->scale_max : NAN);
        char bound[96];
        ns_bound_describe(&ns_contract_promise(contract, pol)->error, bound, sizeof bound);
        fprintf(f, "<tr><td>%s</td><td>", pol->name);
        linked(f, t, at[NS_BEHIND_MEDIAN], q50);
        fputs("</td><td>", f);
        linked(f, t, at[NS_BEHIND_P90], q90);
        fputs("</td><td>", f);
        linked(f, t, at[NS_BEHIND_P99], q99);
        fprintf(f, "</td><td class=\"%s\">", bits_class(shown, ns_half_precision_bits(pol), pol->out->p));
        linked(f, t, at[NS_BEHIND_MAX], wb);
        fprintf(f, "</td><td>%s</td><td>", mean);
        linked(f, t, at[NS_BEHIND_NAN], nan);
        fputs("</td><td>", f);
        linked(f, t, at[NS_BEHIND_INF], inf);
        fprintf(f, "</td><td>%s</td><td>%s%s</td><td>", se, md,
                s->zero_denominators ? " (zero)" : s->subnormal_denominators ? " (subnormal)" : "");
        linked(f, t, at[NS_BEHIND_GRAD_MAX], gb);
        fprintf(f, "</td><td>%s (%s)</td><td>%s</td><td>%s</td><td>%s</td><td>", gg, gr, ka, st, bound);
        linked(f, t, at[NS_BEHIND_BROKEN], br);
        fputs("</td><td>", f);
        if (e)
            fprintf(f, "%s%s / %s%zu", e->scale_capped ? "&ge;" : "", sc, e->length_capped ? "&ge;" : "", e->length_max);
        if (d->baseline) {
            char dl[32];
            fmt_delta(dl, sizeof dl, baseline_delta(d, t));
            fprintf(f, "</td><td>%s", dl);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table></div>\n", f);
    card_inputs(f, d, a);
    char name[128];
    ns_report_plot_stem(name, sizeof name, "scale", a->name);
    figure(f, d, name);
    ns_report_plot_stem(name, sizeof name, "length", a->name);
    figure(f, d, name);
    fputs("</section>\n", f);
}

/* Every policy and term the page uses, defined on the page. */
static void glossary(FILE *f, const ns_report_data *d)
{
    fputs("<section id=\"glossary\"><h2>Glossary</h2><dl class=\"glossary\">\n", f);
    for (size_t p = 0; d->policies[p]; p++) {
        const ns_policy *pol = d->policies[p];
        if (ns_policy_is_ref(pol))
            continue;
        fprintf(f, "<dt>%s</dt><dd>", pol->name);
        esc(f, pol->summary ? pol->summary : "");
        fprintf(f, " (%s; outputs in %s, p = %d bits of precision, unit roundoff u = 2<sup>&minus;%d</sup>).</dd>\n",
                pol->expansion ? pol->expansion : "", pol->out->name, pol->out->p, pol->out->p);
    }
    fputs("<dt>ulps</dt><dd>|y &minus; y<sub>ref</sub>| in units in the last place of the exact value y<sub>ref</sub> in "
          "the output format. For log-probabilities (the logsoftmax family) the unit is that of max(|y<sub>ref</sub>|, 1): "
          "an absolute accuracy near 0, where a relative one would condemn a harmless error of u.</dd>\n"
          "<dt>bits</dt><dd>Bits of error: log<sub>2</sub>(1 + ulps), at most p (then no bit is correct). A NaN or "
          "infinite output is never a number of bits: it is counted apart, as the share of inputs with one.</dd>\n"
          "<dt>median, p90, p99, max, mean</dt><dd>Each input's error is its worst output's bits; these are the median, "
          "90th and 99th percentile (nearest rank: each is one input's error) and maximum over the inputs whose "
          "outputs are all finite, and the mean bits over the same inputs (never above the maximum).</dd>\n"
          "<dt>&kappa; (kappa)</dt><dd>The componentwise relative condition number of the input: how far a relative "
          "perturbation u of the inputs can move an output, relatively, to first order. It belongs to the problem, not "
          "to the algorithm.</dd>\n"
          "<dt>error / ((1 + &kappa;) u)</dt><dd>The error with the conditioning taken out: near 1 (up to about n for "
          "sequential sums) the input's conditioning explains the error; far above, the algorithm is unstable there.</dd>\n"
          "<dt>spread</dt><dd>max x &minus; min x over the finite logits of a row: the range that exponentials must "
          "cover; contracts bound errors by it.</dd>\n"
          "<dt>contract</dt><dd>What an algorithm promises in a policy: no NaN, no inf, an error bound, a sum, finite "
          "gradients; a failure it declares in advance (a hazard, such as an all-masked row) is expected, not broken.</dd>\n"
          "<dt>envelope</dt><dd>The largest logit scale &sigma; and row length n within which every seed kept the "
          "contract.</dd>\n"
          "<dt>sum order</dt><dd>seq: one accumulator from left to right; pairwise: a balanced tree of sums; kahan: "
          "compensated summation.</dd>\n"
          "<dt>gradient gain</dt><dd>||dx|| / ||g||, the backward pass's output over its input: a collapse means "
          "vanishing gradients, a blow-up exploding ones.</dd>\n"
          "<dt>replay</dt><dd>Each input comes with the command that measures it again: run it from the normstab "
          "source directory after <code>make</code>.</dd>\n"
          "</dl></section>\n", f);
}

/* The start of a page of the report: head, title, the run it measured. */
static void page_head(FILE *f, const ns_report_data *d, const char *title, const char *h1)
{
    const ns_report_opts *o = d->opts;
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
               "<title>%s</title><style>%s</style></head><body>\n", title, css);
    fprintf(f, "<header><h1>%s</h1>\n<p class=\"meta\">", h1);
    fprintf(f, "normstab &middot; %s suite: %zu inputs &times; %zu targets (algorithm &times; policy &times; summation order) "
               "&middot; seed %llu &middot; generated %s &middot; ",
            ns_suite_size_name(o->size), d->ncases, d->ntargets, (unsigned long long)o->seed, d->generated);
    if (o->nparts)   /* merge: measured by the parts, not here */
        fprintf(f, "measured in %zu part%s</p>\n", o->nparts, o->nparts == 1 ? "" : "s");
    else
        fprintf(f, "measured in %.0f s on %d thread%s</p>\n", d->seconds, d->threads, d->threads == 1 ? "" : "s");
}

int ns_report_write_html(const ns_report_data *d, FILE *f)
{
    const ns_report_opts *o = d->opts;
    page_head(f, d, "normstab stability report", "Numerical stability of attention normalizers");
    fputs("<nav><a href=\"#verdicts\">Verdict</a><a href=\"#matrix\">Matrix</a><a href=\"#envelopes\">Envelopes</a><a href=\"#published\">The published picture</a>"
          "<a href=\"#plots\">Gradient gain</a>", f);
    if (d->nreal)
        fputs("<a href=\"#real\">Real logits</a>", f);
    fputs("<a href=\"#fuzzing\">Fuzzing</a><a href=\"#attention\">Attention</a><a href=\"algorithms.html\">Algorithms</a><a href=\"#glossary\">Glossary</a>"
          "<a href=\"results.json\">results.json</a></nav></header>\n", f);
    if (d->plots_note) {
        fputs("<p class=\"note\">", f);
        esc(f, d->plots_note);
        fputs("</p>\n", f);
    }
    ns_report_verdicts_html(d, f);

    fputs("<section id=\"matrix\"><h2>Worst bits of error: normalizer &times; policy</h2>\n"
          "<p>Each cell: the worst error, in bits of the output format (log<sub>2</sub>(1 + ulps); see the "
          "<a href=\"#glossary\">glossary</a>), of that algorithm in that policy over the inputs of the suite whose "
          "outputs are finite, with sequential sums, and under it the median input's; a dark bar and a badge give the "
          "share of inputs with a NaN or infinite output where the reference is finite. Every number links to the input "
          "behind it and the command that replays it. &Delta;: the change of the worst bits since the baseline, when "
          "one of the same suite was given.</p>\n"
          "<p class=\"legend\"><span class=\"b0\">&le; 1 bit</span><span class=\"b1\">&le; 2</span><span class=\"b2\">&le; 4</span>"
          "<span class=\"b3\">&le; p/2 (half the precision)</span><span class=\"b4\">more than p/2</span>"
          "<span class=\"b5\">&ge; p: no correct bit</span><span class=\"bx\">no finite output</span></p>\n", f);
    write_matrix(f, d, NS_SUM_SEQ, false);
    fputs("<details><summary>The same for pairwise and Kahan summation", f);
    for (size_t k = 3; k < d->nsums; k++)
        fprintf(f, ", %s", ns_sum_order_name(d->sums[k]));
    fputs("</summary>\n", f);
    for (size_t k = 1; k < d->nsums; k++)
        write_matrix(f, d, d->sums[k], true);
    fputs("</details></section>\n", f);

    fputs("<section id=\"envelopes\"><h2>Safe envelopes</h2>\n<p>The largest logit scale &sigma; (rows of normal(&sigma;), "
          "n = 16) and the longest row n (normal(1)) for which every seed stays within the algorithm's contract (no NaN, no "
          "inf, the error within the contract's bound), found by a grid scan from below, then bisection "
          "(&ge;: nothing broke up to the end of the range searched, which for &sigma; stops where the inputs themselves "
          "would overflow the format). Hover a cell for what broke just beyond.</p>\n"
          "<p class=\"legend\"><span class=\"e0\">no limit found</span><span class=\"e1\">&sigma; &ge; 2<sup>4</sup>, n &ge; 1024</span>"
          "<span class=\"e2\">&sigma; &ge; 1, n &ge; 64</span><span class=\"e3\">&sigma; &lt; 1 or n &lt; 64</span>"
          "<span class=\"e4\">fails at the smallest &sigma; or n</span> (the colour of the shorter limit)</p>\n", f);
    write_envelopes(f, d);
    fputs("</section>\n", f);

    fputs("<section id=\"published\"><h2>The published picture</h2>\n<p>Blanchard, D. J. Higham &amp; N. J. Higham "
          "(IMA J. Numer. Anal. 41(4), 2021) found the shifted and the unshifted softmax about equally accurate, and the "
          "division-free form (softmax.lse) less accurate, its outputs not summing to one in low precision. Sequential "
          "low-precision sums lose accuracy as rows grow, while pairwise sums and fp32 accumulators stay flat. As measured "
          "here:</p>\n<ul class=\"findings\">\n", f);
    char lines[16][NS_REPORT_LINE];
    size_t nl = ns_report_published(d, lines, 16);
    for (size_t i = 0; i < nl; i++) {
        fputs("<li>", f);
        esc(f, lines[i]);
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
    figure(f, d, "softmax-scale-bits");
    figure(f, d, "softmax-scale-sum");
    figure(f, d, "softmax-length-bits");
    figure(f, d, "real-error");
    figure(f, d, "real-sum");
    fputs("</section>\n", f);

    fputs("<section id=\"plots\"><h2>Gradient gain</h2>\n<p>The gradient gain &Vert;dx&Vert; / &Vert;g&Vert; of "
          "each family against the logit scale, true and as computed in fp16 by the family's sturdiest algorithm; crosses "
          "mark where the computed gain is NaN or zero (bottom) or infinite (top). Every algorithm's error against scale "
          "and against row length is in its card below.</p>\n", f);
    for (const ns_family *const *fam = ns_families(); *fam; fam++) {
        char name[128];
        ns_report_plot_stem(name, sizeof name, "gain", (*fam)->name);
        figure_as(f, d, name, "small");
    }
    fputs("</section>\n", f);

    if (d->nreal) {
        fputs("<section id=\"real\"><h2>Real logits</h2>\n<p>", f);
        fprintf(f, "%zu rows of 10 pre-softmax logits of a LeNet-style network trained on MNIST (", d->nreal);
        esc(f, o->real->label);
        fputs("), the data of Blanchard, Higham &amp; Higham, rounded into each policy's format. Error / u: "
              "max<sub>i</sub>|y<sub>i</sub> &minus; y<sub>ref,i</sub>| / (u max<sub>i</sub> y<sub>ref,i</sub>), u the unit "
              "roundoff of the output format, over the rows with finite outputs; sum overflows: rows whose normalizing sum "
              "is infinite; &Sigma;y<sub>ref</sub> is 1 for the families that normalize.</p>\n", f);
        real_table(f, d, true);
        fputs("<details><summary>The fp32-accumulating policies and fp32</summary>\n", f);
        real_table(f, d, false);
        fputs("</details></section>\n", f);
    }

    ns_report_findings_html(d, f);
    ns_report_fuzz_html(f, d->opts->out);
    ns_report_attention_html(f);

    glossary(f, d);
    fputs("<p class=\"small\">Verdicts: ", f);
    esc(f, ns_verdict_summary());
    fputs(".</p>\n</body></html>\n", f);
    return 0;
}

int ns_report_write_algorithms_html(const ns_report_data *d, FILE *f)
{
    page_head(f, d, "normstab stability report: the algorithms", "The algorithms, one card each");
    fputs("<nav><a href=\"index.html\">Back to the report</a><a href=\"index.html#verdicts\">Verdict</a>"
          "<a href=\"index.html#matrix\">Matrix</a><a href=\"index.html#glossary\">Glossary</a></nav></header>\n", f);
    fputs("<section id=\"algorithms\"><p>One card per algorithm: its definition and contract, its "
          "numbers per policy over the suite (sequential sums), its worst inputs with the command that replays each, and "
          "its error against scale and row length. Stability = ulps / (1 + &kappa;): near 1 the conditioning of the input "
          "explains the error, far above n + 2 the algorithm is unstable there. The terms are defined in the "
          "<a href=\"index.html#glossary\">glossary</a>.</p>\n", f);
    for (const ns_family *const *fam = ns_families(); *fam; fam++)
        for (const ns_algorithm *a = (*fam)->algorithms; a->name; a++)
            if (ns_report_target(d, a->name, "fp16", NS_SUM_SEQ) != d->ntargets)
                card(f, d, *fam, a);
    fputs("</section>\n</body></html>\n", f);
    return 0;
}
