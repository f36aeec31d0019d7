/* Regression checks: measuring again, comparing under the rules of
 * baseline.c, and the tables (regress.h). */
#include "regress.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/file.h"
#include "data.h"
#include "../util/clock.h"
#include "../util/escape.h"

/* Where each rule's metric lives in an ns_summary. */
typedef struct field {
    const char *metric;
    size_t offset;
    int is_count;               /* a size_t, else a double */
} field;

#define D(name) { #name, offsetof(ns_summary, name), 0 }
#define C(name) { #name, offsetof(ns_summary, name), 1 }
static const field fields[] = {
    D(nan_rate), D(inf_rate), D(grad_nan_rate), C(zero_denominators), C(subnormal_denominators),
    C(negatives), C(support_errors), C(argmax_changes), D(max_bits), D(max_bits_finite),
    D(grad_max_bits), D(mean_bits), D(grad_mean_bits), D(max_sum_err), D(max_normwise_err),
    D(max_grad_gain), D(max_stability), D(min_denominator),
};
#undef D
#undef C


/* The value of rule k's metric in s (compare it as results.json holds it:
 * a value that is not finite is written as null, read back as NaN). */
static double summary_value(const ns_summary *s, size_t k)
{
    const char *metric = ns_regress_rules[k].metric;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (strcmp(fields[i].metric, metric) != 0)
            continue;
        const char *p = (const char *)s + fields[i].offset;
        return fields[i].is_count ? (double)*(const size_t *)(const void *)p : *(const double *)(const void *)p;
    }
    return NAN;
}

/* Order every value from best to worst for comparing: null (NaN) is the
 * worst value of a metric (no finite case, an infinite gain), except that a
 * null smallest denominator is "none seen" (the best) unless it was NaN. */
static double ordered(const ns_regress_rule *rule, double v, bool nan_denominator)
{
    if (!isnan(v))
        return v;
    if (rule->worse == NS_WORSE_HIGHER)
        return INFINITY;
    return nan_denominator ? -INFINITY : INFINITY;
}

/* 1: a regression, -1: an improvement, 0: within the rule.  *allowed gets
 * the bound a regression crossed. */
static int judge(const ns_regress_rule *rule, double before, double after, double u, double *allowed)
{
    /* results.json holds numbers to 15 significant digits when that reads
     * back within an ulp or so (cJSON's printing), so a value that went
     * through the file differs from the same value measured now by that. */
    if (isfinite(before) && isfinite(after) &&
        fabs(after - before) <= 1e-14 * fmax(fabs(before), fabs(after)))
        return 0;
    double slack = rule->slack + rule->slack_u * u;
    double f = rule->factor > 0 ? rule->factor : 1;
    if (rule->worse == NS_WORSE_HIGHER) {
        double hi = rule->factor > 0 ? f * before + slack : before + slack;
        double lo = rule->factor > 0 ? before / f - slack : before - slack;
        *allowed = hi;
        return after > hi ? 1 : after < lo ? -1 : 0;
    }
    double lo = rule->factor > 0 ? before / f - slack : before - slack;
    double hi = rule->factor > 0 ? f * before + slack : before + slack;
    *allowed = lo;
    return after < lo ? 1 : after > hi ? -1 : 0;
}

/* ---- measuring and comparing ------------------------------------------- */

void ns_regress_result_free(ns_regress_result *r)
{
    free(r->changes);
    free(r->missing);
    free(r->added);
    memset(r, 0, sizeof *r);
}

static const char *plugin_of(const ns_family *f)
{
    return f && f->plugin ? f->plugin->name : NULL;
}

static int add_change(ns_regress_result *r, size_t *cap, ns_regress_change c)
{
    if (r->nchanges == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        ns_regress_change *grown = realloc(r->changes, *cap * sizeof *grown);
        if (!grown)
            return -1;
        r->changes = grown;
    }
    r->changes[r->nchanges++] = c;
    return 0;
}

/* The case behind rule k's value in summary s: the one the metric names
 * (the first NaN, the worst gradient, ...), else the worst row against the
 * contract, else any row named; NS_NO_CASE when none. */
static size_t case_behind(const ns_summary *s, const ns_regress_rule *rule)
{
    ns_behind first = NS_BEHIND_BROKEN;
    if (strcmp(rule->metric, "nan_rate") == 0)
        first = NS_BEHIND_NAN;
    else if (strcmp(rule->metric, "inf_rate") == 0)
        first = NS_BEHIND_INF;
    else if (strncmp(rule->metric, "grad_", 5) == 0 || strcmp(rule->metric, "max_grad_gain") == 0)
        first = NS_BEHIND_GRAD_MAX;
    else if (strstr(rule->metric, "_bits"))
        first = NS_BEHIND_MAX;
    const ns_behind order[] = { first, NS_BEHIND_BROKEN, NS_BEHIND_NAN, NS_BEHIND_INF, NS_BEHIND_MAX };
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        if (s->behind[order[i]] != NS_NO_CASE)
            return s->behind[order[i]];
    return NS_NO_CASE;
}

/* What was measured: the suite's cases, the targets and their summaries. */
typedef struct measured {
    ns_case *cases;
    size_t ncases;
    ns_target *targets;
    size_t ntargets;
    ns_metrics *metrics;
    ns_summary *summary;
} measured;

static void measured_free(measured *m)
{
    free(m->cases);
    free(m->targets);
    free(m->metrics);
    free(m->summary);
    memset(m, 0, sizeof *m);
}

static bool selected(const ns_regress_opts *o, const char *name)
{
    if (!o || o->nonly == 0)
        return true;
    for (size_t i = 0; i < o->nonly; i++)
        if (strcmp(o->only[i], name) == 0)
            return true;
    return false;
}

/* The suite measured for the targets o selects; 0, or -1 out of memory.
 * expect_cases: the number of cases the caller's baseline has (0: any),
 * -2 with err when this suite has another. */
static int measure(ns_suite_size size, uint64_t seed, const ns_regress_opts *o, size_t expect_cases,
                   const char *path, measured *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->cases = ns_suite_standard(size, seed, &m->ncases);
    m->targets = ns_targets_make(NULL, NULL, 0, &m->ntargets);
    if (!m->cases || !m->targets)
        goto oom;
    size_t kept = 0;
    for (size_t t = 0; t < m->ntargets; t++)
        if (selected(o, m->targets[t].alg->name))
            m->targets[kept++] = m->targets[t];
    m->ntargets = kept;
    if (expect_cases && m->ncases != expect_cases) {
        snprintf(err, errlen, "%s: the baseline's %s suite has %zu cases, this normstab's has %zu: "
                "the suite changed, so rewrite the baseline (normstab regress --update)",
                path, ns_suite_size_name(size), expect_cases, m->ncases);
        measured_free(m);
        return -2;
    }
    m->metrics = calloc(m->ntargets * m->ncases + 1, sizeof *m->metrics);
    m->summary = calloc(m->ntargets ? m->ntargets : 1, sizeof *m->summary);
    if (!m->metrics || !m->summary)
        goto oom;
    ns_run_opts ro = { .threads = o ? o->threads : 0, .progress = o ? o->progress : NULL,
                       .progress_ctx = o ? o->progress_ctx : NULL };
    if (ns_run(m->targets, m->ntargets, m->cases, m->ncases, &ro, m->metrics) != 0)
        goto oom;
    for (size_t t = 0; t < m->ntargets; t++)
        ns_summarize(&m->metrics[t * m->ncases], m->ncases, &m->summary[t]);
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    measured_free(m);
    return -1;
}

/* Compares entry e with target t of what was measured. */
static int compare(const ns_regress_entry *e, const measured *m, size_t t, const char *program,
                   ns_regress_result *r, size_t *cap)
{
    const ns_target *tg = &m->targets[t];
    const ns_summary *s = &m->summary[t];
    double u = ns_unit_roundoff(tg->policy->out);
    bool nan_den_now = isnan(s->min_denominator);
    for (size_t k = 0; ns_regress_rules[k].metric; k++) {
        if (!e->present[k])
            continue;
        const ns_regress_rule *rule = &ns_regress_rules[k];
        double before = e->value[k], after = summary_value(s, k);
        double as_json = isfinite(after) ? after : NAN;
        double allowed;
        int verdict = judge(rule, ordered(rule, before, e->nan_denominator),
                            ordered(rule, as_json, nan_den_now), u, &allowed);
        if (verdict == 0)
            continue;
        ns_regress_change c = { .normalizer = e->normalizer, .policy = e->policy, .sum = e->sum,
                                .plugin = plugin_of(tg->family), .rule = rule, .before = before,
                                .after = after, .allowed = allowed, .regression = verdict > 0 };
        size_t at = verdict > 0 ? case_behind(s, rule) : NS_NO_CASE;
        if (at != NS_NO_CASE) {
            ns_case_describe(&m->cases[at], c.input, sizeof c.input);
            ns_case_replay(&m->cases[at], tg, program, c.replay, sizeof c.replay);
        }
        if (add_change(r, cap, c) != 0)
            return -1;
        if (verdict > 0)
            r->regressions++;
        else
            r->improvements++;
    }
    return 0;
}

int ns_regress_check(const ns_regress_baseline *b, const ns_regress_opts *o,
                     ns_regress_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    double start = ns_clock_monotonic();
    measured m;
    int rc = measure(b->size, b->seed, o, b->ncases, b->path, &m, err, errlen);
    if (rc != 0)
        return -1;
    char program[1024];
    ns_report_program(program, sizeof program);
    bool *matched = calloc(m.ntargets ? m.ntargets : 1, sizeof *matched);
    r->missing = calloc(b->count ? b->count : 1, sizeof *r->missing);
    r->added = calloc(m.ntargets ? m.ntargets : 1, sizeof *r->added);
    rc = -1;
    if (!matched || !r->missing || !r->added)
        goto oom;
    size_t cap = 0;
    for (size_t i = 0; i < b->count; i++) {
        const ns_regress_entry *e = &b->entries[i];
        if (!selected(o, e->normalizer))
            continue;
        size_t t = 0;
        while (t < m.ntargets && !(strcmp(m.targets[t].alg->name, e->normalizer) == 0 &&
                                   strcmp(m.targets[t].policy->name, e->policy) == 0 &&
                                   strcmp(ns_sum_order_name(m.targets[t].sum), e->sum) == 0))
            t++;
        if (t == m.ntargets) {
            r->missing[r->nmissing++] = (ns_regress_target_ref){ e->normalizer, e->policy, e->sum, e->plugin };
            continue;
        }
        matched[t] = true;
        r->compared++;
        if (compare(e, &m, t, program, r, &cap) != 0)
            goto oom;
    }
    for (size_t t = 0; t < m.ntargets; t++)
        if (!matched[t])
            r->added[r->nadded++] = (ns_regress_target_ref){ m.targets[t].alg->name, m.targets[t].policy->name,
                                                             ns_sum_order_name(m.targets[t].sum),
                                                             plugin_of(m.targets[t].family) };
    /* Regressions first, each group in baseline order (a stable partition). */
    ns_regress_change *sorted = malloc((r->nchanges ? r->nchanges : 1) * sizeof *sorted);
    if (!sorted)
        goto oom;
    size_t k = 0;
    for (int pass = 1; pass >= 0; pass--)
        for (size_t i = 0; i < r->nchanges; i++)
            if ((int)r->changes[i].regression == pass)
                sorted[k++] = r->changes[i];
    free(r->changes);
    r->changes = sorted;
    r->ntargets = m.ntargets;
    r->seconds = ns_clock_monotonic() - start;
    rc = 0;
    goto out;
oom:
    snprintf(err, errlen, "out of memory");
out:
    measured_free(&m);
    free(matched);
    if (rc != 0)
        ns_regress_result_free(r);
    return rc;
}

int ns_regress_write_subset(const char *path, ns_suite_size size, uint64_t seed, const char *const *only,
                            size_t nonly, int threads, void (*progress)(void *, size_t, size_t),
                            void *progress_ctx, char *err, size_t errlen)
{
    ns_regress_opts o = { .threads = threads, .only = only, .nonly = nonly, .progress = progress,
                          .progress_ctx = progress_ctx };
    measured m;
    if (measure(size, seed, &o, 0, path, &m, err, errlen) != 0)
        return -1;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "schema", NS_REPORT_SCHEMA);
    char buf[64];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)seed);
    cJSON_AddStringToObject(root, "seed", buf);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON_AddStringToObject(root, "generated", buf);
    cJSON_AddStringToObject(root, "suite", ns_suite_size_name(size));
    cJSON *names = cJSON_AddArrayToObject(root, "normalizers");
    for (size_t i = 0; i < nonly; i++)
        cJSON_AddItemToArray(names, cJSON_CreateString(only[i]));
    ns_report_params_json(root);
    cJSON *cases = cJSON_AddArrayToObject(root, "cases");
    for (size_t c = 0; c < m.ncases; c++)
        cJSON_AddItemToArray(cases, ns_report_case_json(&m.cases[c]));
    cJSON *results = cJSON_AddArrayToObject(root, "results");
    for (size_t t = 0; t < m.ntargets; t++) {
        const ns_target *tg = &m.targets[t];
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "normalizer", tg->alg->name);
        cJSON_AddStringToObject(r, "policy", tg->policy->name);
        cJSON_AddStringToObject(r, "sum", ns_sum_order_name(tg->sum));
        if (tg->family->plugin) {
            cJSON_AddStringToObject(r, "plugin", tg->family->plugin->name);
            cJSON_AddStringToObject(r, "reference", tg->family->plugin->reference);
        }
        cJSON_AddItemToObject(r, "metrics", ns_report_summary_json(&m.summary[t]));
        cJSON_AddItemToArray(results, r);
    }
    measured_free(&m);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char tmp[4200];
    FILE *f = ns_file_begin(path, tmp, sizeof tmp);
    if (!f) {
        snprintf(err, errlen, "cannot write %s (%s)", path, strerror(errno));
        free(text);
        return -1;
    }
    fputs(text, f);
    fputc('\n', f);
    free(text);
    if (ns_file_commit(f, tmp, path, true, true) != 0) {
        snprintf(err, errlen, "cannot write %s (%s)", path, strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}

/* ---- the tables --------------------------------------------------------- */

/* A value as the tables show it: null in the baseline is "null", a smallest
 * denominator that is none is "none". */
static void show(char *buf, size_t len, const ns_regress_rule *rule, double v)
{
    if (isnan(v))
        snprintf(buf, len, "%s", strcmp(rule->metric, "min_denominator") == 0 ? "none/NaN" : "null");
    else if (isinf(v))
        snprintf(buf, len, "%s", v > 0 ? "inf" : "-inf");
    else
        snprintf(buf, len, "%.4g", v);
}

static void show_allowed(char *buf, size_t len, const ns_regress_change *c)
{
    char v[32];
    show(v, sizeof v, c->rule, c->allowed);
    snprintf(buf, len, "%s %s", c->rule->worse == NS_WORSE_HIGHER ? "<=" : ">=", v);
}

/* Algorithms of a list of targets, each once, with its target count. */
static size_t algorithms_of(const ns_regress_target_ref *t, size_t n, size_t *first, size_t *count)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < k && strcmp(t[first[j]].normalizer, t[i].normalizer) != 0)
            j++;
        if (j == k) {
            first[k] = i;
            count[k++] = 0;
        }
        count[j]++;
    }
    return k;
}

static int write_targets(FILE *f, const char *title, const ns_regress_target_ref *t, size_t n, int md)
{
    if (n == 0)
        return 0;
    size_t *first = malloc(n * sizeof *first), *count = malloc(n * sizeof *count);
    if (!first || !count) {
        free(first);
        free(count);
        return -1;
    }
    size_t k = algorithms_of(t, n, first, count);
    fprintf(f, md ? "\n**%s**\n\n" : "\n%s:\n", title);
    for (size_t j = 0; j < k; j++) {
        const ns_regress_target_ref *r = &t[first[j]];
        char plugin[128] = "";
        if (r->plugin && !md)
            snprintf(plugin, sizeof plugin, " [plugin %s]", r->plugin);
        if (md) {
            fputs("- ", f);
            ns_md_name(f, r->normalizer);
            if (r->plugin) {
                fputs(" (plugin ", f);
                ns_md_name(f, r->plugin);
                fputc(')', f);
            }
            fprintf(f, ": %zu target%s\n", count[j], count[j] == 1 ? "" : "s");
        } else
            fprintf(f, "  %s%s: %zu target%s (policy x summation order)\n", r->normalizer, plugin, count[j],
                    count[j] == 1 ? "" : "s");
    }
    free(first);
    free(count);
    return 0;
}

static void headline(char *buf, size_t len, const ns_regress_result *r)
{
    snprintf(buf, len, "%zu regression%s, %zu improvement%s, %zu missing, %zu new (%zu targets compared)",
             r->regressions, r->regressions == 1 ? "" : "s", r->improvements,
             r->improvements == 1 ? "" : "s", r->nmissing, r->nadded, r->compared);
}

static void text_rows(FILE *f, const ns_regress_result *r, int regression)
{
    int wn = 10, wp = 6, ws = 3, wm = 6;
    for (size_t i = 0; i < r->nchanges; i++) {
        const ns_regress_change *c = &r->changes[i];
        if ((int)c->regression != regression)
            continue;
        int n = (int)strlen(c->normalizer) + (c->plugin ? (int)strlen(c->plugin) + 10 : 0);
        wn = n > wn ? n : wn;
        wp = (int)strlen(c->policy) > wp ? (int)strlen(c->policy) : wp;
        ws = (int)strlen(c->sum) > ws ? (int)strlen(c->sum) : ws;
        wm = (int)strlen(c->rule->metric) > wm ? (int)strlen(c->rule->metric) : wm;
    }
    fprintf(f, "  %-*s  %-*s  %-*s  %-*s  %10s -> %-10s  %s\n", wn, "normalizer", wp, "policy", ws, "sum", wm,
            "metric", "before", "after", regression ? "allowed" : "");
    for (size_t i = 0; i < r->nchanges; i++) {
        const ns_regress_change *c = &r->changes[i];
        if ((int)c->regression != regression)
            continue;
        char name[256], before[32], after[32], allowed[48] = "";
        snprintf(name, sizeof name, c->plugin ? "%s [plugin %s]" : "%s", c->normalizer, c->plugin);
        show(before, sizeof before, c->rule, c->before);
        show(after, sizeof after, c->rule, c->after);
        if (regression)
            show_allowed(allowed, sizeof allowed, c);
        fprintf(f, "  %-*s  %-*s  %-*s  %-*s  %10s -> %-10s  %s\n", wn, name, wp, c->policy, ws, c->sum, wm,
                c->rule->metric, before, after, allowed);
        if (regression && c->input[0])
            fprintf(f, "      input: %s\n      replay: %s\n", c->input, c->replay);
    }
}

int ns_regress_write_text(const ns_regress_baseline *b, const ns_regress_result *r, FILE *f)
{
    char head[256];
    headline(head, sizeof head, r);
    fprintf(f, "regress: baseline %s (suite %s, seed %llu): %s in %.0f s\n", b->path,
            ns_suite_size_name(b->size), (unsigned long long)b->seed, head, r->seconds);
    if (r->regressions) {
        fprintf(f, "\nREGRESSIONS (worse than the baseline beyond docs/regress.md's tolerances):\n");
        text_rows(f, r, 1);
    }
    if (r->improvements) {
        fprintf(f, "\nimprovements (better than the baseline; rewrite it with 'normstab regress --update' to keep them):\n");
        text_rows(f, r, 0);
    }
    if (write_targets(f, "MISSING (in the baseline, not measured now: a removed algorithm, or a plugin not loaded)",
                      r->missing, r->nmissing, 0) != 0 ||
        write_targets(f, "new (measured now, not in the baseline; not compared)", r->added, r->nadded, 0) != 0)
        return -1;
    fprintf(f, "%s\n", ns_regress_failed(r) ? "\nregress: FAILED" : "\nregress: passed");
    return ferror(f) ? -1 : 0;
}

/* One line per algorithm that changed: how many regressions and
 * improvements, and in which metrics (a long table reads badly in a
 * comment; the full one follows, folded). */
static int md_by_algorithm(const ns_regress_result *r, FILE *f)
{
    size_t *first = malloc(r->nchanges * sizeof *first);
    if (!first)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < r->nchanges; i++) {
        size_t j = 0;
        while (j < k && strcmp(r->changes[first[j]].normalizer, r->changes[i].normalizer) != 0)
            j++;
        if (j == k)
            first[k++] = i;
    }
    fputs("\n| normalizer | regressions | improvements | metrics that got worse |\n|---|---:|---:|---|\n", f);
    for (size_t j = 0; j < k; j++) {
        const ns_regress_change *c0 = &r->changes[first[j]];
        size_t worse = 0, better = 0;
        char metrics[512] = "";
        for (size_t i = 0; i < r->nchanges; i++) {
            const ns_regress_change *c = &r->changes[i];
            if (strcmp(c->normalizer, c0->normalizer) != 0)
                continue;
            if (!c->regression) {
                better++;
                continue;
            }
            worse++;
            char tick[80];
            snprintf(tick, sizeof tick, "`%s`", c->rule->metric);
            if (!strstr(metrics, tick) && strlen(metrics) + strlen(tick) + 3 < sizeof metrics) {
                if (*metrics)
                    strcat(metrics, ", ");
                strcat(metrics, tick);
            }
        }
        fputs("| ", f);
        ns_md_name(f, c0->normalizer);
        if (c0->plugin) {
            fputs(" (plugin ", f);
            ns_md_name(f, c0->plugin);
            fputc(')', f);
        }
        fprintf(f, " | %zu | %zu | %s |\n", worse, better, *metrics ? metrics : "-");
    }
    free(first);
    return 0;
}

/* The input behind each regression and the command that replays it, as
 * one shell block (names in comments). */
static void md_replays(const ns_regress_result *r, FILE *f)
{
    bool any = false;
    for (size_t i = 0; i < r->nchanges; i++) {
        const ns_regress_change *c = &r->changes[i];
        if (!c->regression || !c->input[0])
            continue;
        if (!any)
            fputs("\nThe input behind each regression, and its replay:\n\n```sh\n", f);
        any = true;
        fprintf(f, "# %s %s %s %s: %s\n%s\n", c->normalizer, c->policy, c->sum, c->rule->metric, c->input,
                c->replay);
    }
    if (any)
        fputs("```\n", f);
}

int ns_regress_write_md(const ns_regress_baseline *b, const ns_regress_result *r, FILE *f)
{
    char head[256];
    headline(head, sizeof head, r);
    fprintf(f, "### normstab regress: %s\n\n", ns_regress_failed(r) ? "failed" : "passed");
    fprintf(f, "%s against ", head);
    ns_md_name(f, b->path);
    fprintf(f, " (suite %s, seed %llu). Tolerances: docs/regress.md.\n", ns_suite_size_name(b->size),
            (unsigned long long)b->seed);
    if (r->nchanges && md_by_algorithm(r, f) != 0)
        return -1;
    if (r->nchanges)
        fputs("\n<details><summary>Every change</summary>\n", f);
    for (int regression = 1; regression >= 0; regression--) {
        if (!(regression ? r->regressions : r->improvements))
            continue;
        fprintf(f, "\n**%s**\n\n| normalizer | policy | sum | metric | before | after |%s\n"
                "|---|---|---|---|---:|---:|%s\n",
                regression ? "Regressions" : "Improvements", regression ? " allowed |" : "",
                regression ? "---:|" : "");
        for (size_t i = 0; i < r->nchanges; i++) {
            const ns_regress_change *c = &r->changes[i];
            if ((int)c->regression != regression)
                continue;
            char before[32], after[32], allowed[48] = "";
            show(before, sizeof before, c->rule, c->before);
            show(after, sizeof after, c->rule, c->after);
            if (regression)
                show_allowed(allowed, sizeof allowed, c);
            fputs("| ", f);
            ns_md_name(f, c->normalizer);
            if (c->plugin) {
                fputs(" (plugin ", f);
                ns_md_name(f, c->plugin);
                fputc(')', f);
            }
            /* policy and sum: those of a target measured now, known names */
            fprintf(f, " | %s | %s | %s | %s | %s |", c->policy, c->sum, c->rule->metric, before, after);
            fprintf(f, regression ? " %s |\n" : "%s\n", allowed);
        }
    }
    if (r->nchanges)
        fputs("\n</details>\n", f);
    md_replays(r, f);
    if (write_targets(f, "Missing (in the baseline, not measured now)", r->missing, r->nmissing, 1) != 0 ||
        write_targets(f, "New (not in the baseline, not compared)", r->added, r->nadded, 1) != 0)
        return -1;
    return ferror(f) ? -1 : 0;
}

int ns_regress_write_rules(FILE *f)
{
    fputs("| metric | worse when | counts as a change beyond | why |\n|---|---|---|---|\n", f);
    for (const ns_regress_rule *r = ns_regress_rules; r->metric; r++) {
        char bound[96];
        if (r->factor > 0 && r->slack_u > 0)
            snprintf(bound, sizeof bound, "a factor %g, plus %g u of the output format", r->factor, r->slack_u);
        else if (r->factor > 0)
            snprintf(bound, sizeof bound, "a factor %g", r->factor);
        else if (r->slack > 0)
            snprintf(bound, sizeof bound, "%g", r->slack);
        else
            snprintf(bound, sizeof bound, "0 (any change)");
        fprintf(f, "| `%s` | %s | %s | %s |\n", r->metric, r->worse == NS_WORSE_HIGHER ? "higher" : "lower",
                bound, r->why);
    }
    return ferror(f) ? -1 : 0;
}
