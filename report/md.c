/* report.md: the summary a CI job posts (GitHub-flavoured Markdown). */
#include "data.h"
#include "attention.h"
#include "fuzz.h"

#include <math.h>
#include <string.h>

#include "../analysis/verdict.h"
#include "../util/escape.h"
#include "verdicts.h"

/* Worst bits as shown, bold beyond p/2 bits of target t's policy. */
static void worst_bits(const ns_report_data *d, size_t t, double bits, FILE *f)
{
    char b[32];
    double shown = ns_fmt_bits(b, sizeof b, bits);
    bool broken = shown > ns_half_precision_bits(d->targets[t].policy);
    fprintf(f, " %s%s%s", broken ? "**" : "", b, broken ? "**" : "");
}

static void matrix_cell(const ns_report_data *d, size_t t, FILE *f)
{
    const ns_summary *s = &d->summary[t];
    worst_bits(d, t, s->max_bits_finite, f);
    if (!isnan(s->median_bits))
        fprintf(f, " (median %.1f)", s->median_bits);
    if (s->nan_rate > 0)
        fprintf(f, " NaN %.0f%%", 100 * s->nan_rate);
    if (s->inf_rate > 0)
        fprintf(f, " inf %.0f%%", 100 * s->inf_rate);
    if (s->contract_breaks)
        fprintf(f, " broken %zu", s->contract_breaks);
    fputs(" |", f);
}

/* The gradient's worst bits (dx against the reference's, in the output
 * format), bold beyond p/2 bits as the outputs', and the share of cases
 * with a NaN or infinite dx. */
static void gradient_cell(const ns_report_data *d, size_t t, FILE *f)
{
    const ns_summary *s = &d->summary[t];
    worst_bits(d, t, s->grad_max_bits_finite, f);
    if (s->grad_nan_rate > 0)
        fprintf(f, " NaN/inf %.0f%%", 100 * s->grad_nan_rate);
    fputs(" |", f);
}

static void policy_header(FILE *f, const ns_report_data *d, const char *first)
{
    fprintf(f, "| %s |", first);
    size_t np = 0;
    for (size_t p = 0; d->policies[p]; p++)
        if (!ns_policy_is_ref(d->policies[p])) {
            fprintf(f, " %s |", d->policies[p]->name);
            np++;
        }
    fputs("\n|---|", f);
    for (size_t p = 0; p < np; p++)
        fputs("---|", f);
    fputc('\n', f);
}

/* A table of algorithm x policy (sequential sums), each cell by `cell`. */
static void policy_matrix(const ns_report_data *d, void (*cell)(const ns_report_data *, size_t, FILE *),
                          FILE *f)
{
    policy_header(f, d, "normalizer");
    for (const ns_family *const *fam = ns_families(); *fam; fam++)
        for (const ns_algorithm *a = (*fam)->algorithms; a->name; a++) {
            if (ns_report_target(d, a->name, "fp16", NS_SUM_SEQ) == d->ntargets)
                continue;
            fputs("| ", f);
            ns_md_text(f, a->name);
            fputs(" |", f);
            for (size_t p = 0; d->policies[p]; p++)
                if (!ns_policy_is_ref(d->policies[p]))
                    cell(d, ns_report_target(d, a->name, d->policies[p]->name, NS_SUM_SEQ), f);
            fputc('\n', f);
        }
}

int ns_report_write_md(const ns_report_data *d, FILE *f)
{
    fprintf(f, "# normstab stability report\n\n");
    fprintf(f, "Suite **%s**: %zu inputs, %zu targets (algorithm x policy x summation order); seed %llu; "
               "generated %s.\n\n", ns_suite_size_name(d->opts->size), d->ncases, d->ntargets,
            (unsigned long long)d->opts->seed, d->generated);
    ns_report_verdicts_md(d, f);
    fprintf(f, "Verdicts: %s.\n\n", ns_verdict_summary());
    for (const ns_family *const *fam = ns_families(); *fam; fam++)
        if ((*fam)->plugin) {           /* results from outside the catalogue */
            fputs("From a plugin: family ", f);
            ns_md_text(f, (*fam)->name);
            fputs(" (plugin ", f);
            ns_md_text(f, (*fam)->plugin->name);
            fputs("; ", f);
            ns_md_text(f, (*fam)->plugin->reference);
            fputs(").\n\n", f);
        }

    fprintf(f, "## Worst bits of error over the suite (sequential sums)\n\n"
               "Bits of error in the output format, log2(1 + ulps), the worst over the inputs with finite outputs "
               "and in brackets the median input's (**bold**: more than half the precision, p/2 bits); "
               "log-probabilities count ulps of max(|y|, 1); NaN/inf: share of inputs with such an output "
               "where the reference is finite; broken: inputs on which the contract was broken.\n\n");
    policy_matrix(d, matrix_cell, f);

    fprintf(f, "\n## Worst bits of gradient error over the suite (sequential sums)\n\n"
               "The backward pass dx = J^T g against the reference's gradient, bits of the output format, the "
               "worst over the inputs whose dx is finite (**bold**: more than p/2 bits); NaN/inf: share of "
               "inputs with such an entry in dx. A gradient beyond the contract's bound counts among the "
               "broken inputs above.\n\n");
    policy_matrix(d, gradient_cell, f);

    fprintf(f, "\n## Safe envelopes (sequential sums)\n\n"
               "Largest logit scale sigma and longest row n within the contract, below the first failure "
               "going up (a grid scan, then bisection; >= : the end of the range searched).\n\n");
    policy_header(f, d, "normalizer");
    for (const ns_family *const *fam = ns_families(); *fam; fam++)
        for (const ns_algorithm *a = (*fam)->algorithms; a->name; a++) {
            if (!ns_report_envelope(d, a, ns_policy_find("fp16")))
                continue;
            fputs("| ", f);
            ns_md_text(f, a->name);
            fputs(" |", f);
            for (size_t p = 0; d->policies[p]; p++) {
                const ns_envelope *e = ns_report_envelope(d, a, d->policies[p]);
                if (ns_policy_is_ref(d->policies[p]) || !e)
                    continue;
                char sc[32];
                ns_fmt_scale(sc, sizeof sc, e->scale_max);
                fprintf(f, " %s%s / %s%zu |", e->scale_capped ? ">=" : "", sc, e->length_capped ? ">=" : "",
                        e->length_max);
            }
            fputc('\n', f);
        }

    char lines[16][NS_REPORT_LINE];
    size_t nl = ns_report_published(d, lines, 16);
    if (nl) {
        fprintf(f, "\n## The published picture\n\n");
        for (size_t i = 0; i < nl; i++)
            fprintf(f, "- %s\n", lines[i]);
    }

    if (d->nreal) {
        fputs("\n## Real logits (", f);
        ns_md_text(f, d->opts->real->label);
        fprintf(f, ", %zu rows)\n\n", d->nreal);
        fprintf(f, "| normalizer | policy | sum overflows | NaN/inf rows | error/u mean | error/u max | "
                   "\\|sum y - sum y_ref\\| mean | max |\n|---|---|---|---|---|---|---|---|\n");
        for (size_t t = 0; t < d->nreal_targets; t++) {
            const char *pol = d->real_targets[t].policy->name;
            if (strcmp(pol, "fp16") != 0 && strcmp(pol, "bf16") != 0)
                continue;
            ns_real_shown r;
            ns_report_real_shown(d, t, &r);
            fputs("| ", f);
            ns_md_text(f, d->real_targets[t].alg->name);
            fprintf(f, " | %s | %zu | %zu | %s | %s | %s | %s |\n", pol, r.st.overflow_rows, r.st.nonfinite_rows,
                    r.err_u_mean, r.err_u_max, r.sum_dev_mean, r.sum_dev_max);
        }
    }

    fprintf(f, "\n## Worst input of each algorithm (sequential sums, any policy)\n\n");
    for (const ns_family *const *fam = ns_families(); *fam; fam++)
        for (const ns_algorithm *a = (*fam)->algorithms; a->name; a++) {
            size_t best_t = d->ntargets, best_c = 0;
            double worst = -1;
            for (size_t t = 0; t < d->ntargets; t++) {
                const size_t *behind = d->summary[t].behind;
                size_t c = behind[NS_BEHIND_NAN] != NS_NO_CASE ? behind[NS_BEHIND_NAN]
                         : behind[NS_BEHIND_INF] != NS_NO_CASE ? behind[NS_BEHIND_INF] : behind[NS_BEHIND_MAX];
                if (d->targets[t].alg != a || d->targets[t].sum != NS_SUM_SEQ || c == NS_NO_CASE)
                    continue;
                const ns_metrics *m = &d->metrics[t * d->ncases + c];
                double score = m->nan_count + m->inf_count ? 1e9 : m->max_ulps / m->contract_ulps;
                if (score > worst) {
                    worst = score;
                    best_t = t;
                    best_c = c;
                }
            }
            if (best_t == d->ntargets)
                continue;
            const ns_metrics *m = &d->metrics[best_t * d->ncases + best_c];
            char cmd[5120], desc[256], b[32];
            ns_case_replay(&d->cases[best_c], &d->targets[best_t], d->program, cmd, sizeof cmd);
            ns_case_describe(&d->cases[best_c], desc, sizeof desc);
            ns_fmt_bits(b, sizeof b, m->max_bits);
            fputs("- **", f);
            ns_md_text(f, a->name);
            fprintf(f, "** in %s on %s: %s bits%s\n  ", d->targets[best_t].policy->name, desc, b,
                    m->nan_count ? " (NaN)" : m->inf_count ? " (inf)" : "");
            /* A name with markup characters (a plugin's) is shown as
             * escaped text: a code span would keep it raw in the file. */
            if (strpbrk(cmd, "<>&`"))
                ns_md_text(f, cmd);
            else
                ns_md_code(f, cmd, false);
            fputc('\n', f);
        }
    fputc('\n', f);
    ns_report_findings_md(d, f);
    ns_report_fuzz_md(f, d->opts->out);
    ns_report_attention_md(f);
    fprintf(f, "The full report: index.html; the numbers: results.json.\n");
    return 0;
}
