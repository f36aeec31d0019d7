/* normstab check: the full comparison of each input row with the reference
 * (errors, flags, denominators, gradient, conditioning) and the contract's
 * verdict (analysis/verdict.h), in words or as one JSON object per row.
 * Exit status 1 when a row breaks the algorithm's contract. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/check_json.h"
#include "../analysis/error.h"
#include "../analysis/generators.h"
#include "../analysis/json.h"
#include "../analysis/judge.h"
#include "../analysis/metrics.h"
#include "../analysis/verdict.h"
#include "../formulas/define.h"
#include "args.h"
#include "cli.h"
#include "opts.h"
#include "../input/rows.h"
#include "../plugins/loader.h"
#include "../plugins/reference.h"

static const char check_help[] =
    "usage: normstab check -n NAME -p POLICY [--sum ORDER] [--param KEY=VALUE]...\n"
    "                      [-i FILE | --gen GENERATOR[=PARAM] [--length N]]\n"
    "                      [-g GRADFILE] [--seed K] [--grad-check] [--json]\n\n"
    "Compares normalizer NAME run in POLICY with the reference at the rounded\n"
    "inputs, for each input row: the error of each output in ulps and bits of\n"
    "the output format (bits = log2(1 + ulps)), the normwise error, sum y - sum\n"
    "y_ref, negative outputs, wrong support, a changed argmax, NaN/inf, the\n"
    "smallest denominator, the gradient's error and gain ||dx||/||g|| against the\n"
    "true one, the condition number kappa and the stability ratio.\n\n"
    "  -i FILE          rows to check (standard input when neither -i nor --gen)\n"
    "  --gen G[=P]      one row from generator G ('normstab list generators')\n"
    "  --length N       its length (default: the generator's)\n"
    "  -g GRADFILE      upstream gradients, one row per input row\n"
    "  --seed K         seed of the generated row and, without -g, of the upstream\n"
    "                   gradient: N(0,1) from seed K + r for the r-th row (r from 0)\n"
    "  --grad-check     (a plugin's algorithm) its own backward pass without\n"
    "                   rounding, in MPFR, against the reference's gradient (the\n"
    "                   derivative of the forward pass with the fallback reference):\n"
    "                   a wrong backward formula, apart from rounding; exit 1 when\n"
    "                   they differ by more than 2^-50 of the gradient's largest entry\n"
    "  --json           one JSON object per row instead of words\n\n"
    "The contract's verdict on each row (normalizers/contract.h): kept (every\n"
    "promise held: no NaN, no infinity where the reference is finite, errors, sums\n"
    "and gradients within its first-order bounds for the row, denominators as\n"
    "promised), expected (each promise broken for a cause the contract declares\n"
    "as a hazard, which is named), or BROKEN.  Exit status 1 when a row breaks\n"
    "the contract, or when --grad-check finds the backward pass wrong.\n"
    "--formula 'EXPR' stands for -n NAME with a normalizer written in one line\n"
    "(docs/formulas.md).\n";

static unsigned long long parse_count(const char *what, const char *s, unsigned long long max)
{
    unsigned long long v;
    if (ns_parse_count(s, 0, &v) != 0)
        ns_die("check: %s '%s' is not a non-negative integer", what, s);
    if (v > max)
        ns_die("check: %s %llu is above the limit %llu", what, v, max);
    return v;
}

static void fmt_exact(char *buf, size_t len, double v)
{
    if (isnan(v))
        snprintf(buf, len, "nan");
    else
        snprintf(buf, len, "%a", v);
}

static const char *stability_words(const ns_metrics *m)
{
    if (isnan(m->stability))
        return "";
    if (m->stability <= (double)m->n + 2)
        return ": within (n + 2)(1 + kappa) ulps, the conditioning explains the error";
    return ": beyond (n + 2)(1 + kappa) ulps, the algorithm is unstable here";
}

/* The verdict, then each promise that failed with what was measured. */
static void print_verdict(const ns_target_opts *o, const ns_metrics *m, const ns_verdict *v)
{
    char bound[160], why[512], detail[256];
    if (v->kind == NS_VERDICT_KEPT) {
        ns_bound_describe(&ns_contract_promise(ns_contract_of(o->alg), o->policy)->error, bound,
                          sizeof bound);
        const char *no_bound = ns_formula_no_bound(o->alg->name);
        printf("  contract: kept (every promise held; error at most %.4g ulps here: %s%s%s%s)\n",
               m->contract_ulps, bound, no_bound ? " (no bound derives from the formula: " : "",
               no_bound ? no_bound : "", no_bound ? ")" : "");
        return;
    }
    ns_check_why_failed(o->alg, o->policy, v, v->what, why, sizeof why);
    printf("  contract: %s: %s (%s): %s\n", v->kind == NS_VERDICT_EXPECTED ? "expected" : "BROKEN",
           ns_kind_name(v->what), ns_cause_name(v->cause[v->what]), why);
    for (int k = 0; k < NS_KIND_COUNT; k++)
        if (v->e.broken & (1u << k)) {
            ns_promise_detail(m, &v->e, (ns_kind)k, detail, sizeof detail);
            printf("    %s (%s): %s: %s\n", ns_kind_name((ns_kind)k), ns_cause_name(v->cause[k]), detail,
                   v->hazard[k] ? "expected" : "BROKEN");
        }
}

static void print_words(const ns_target_opts *o, const char *where, const ns_metrics_scratch *s,
                        const ns_metrics *m, const ns_verdict *v)
{
    /* errors are counted in the format the outputs are stored in */
    const ns_format *in = o->policy->io, *out = o->policy->out;
    size_t n = m->n;
    printf("%s  %s  policy %s  sum %s  n %zu\n", where, o->alg->name, o->policy->name,
           ns_sum_order_name(o->sum), n);
    if (!m->defined) {
        printf("  the reference is undefined for this row (a NaN or +inf input)\n");
        return;
    }
    printf("  %5s  %-24s %-24s %-24s %10s %6s\n", "i", "x (rounded)", "y", "reference", "ulps", "bits");
    for (size_t i = 0; i < n; i++) {
        char xs[40], ys[40], rs[40];
        fmt_exact(xs, sizeof xs, s->xr[i]);
        fmt_exact(ys, sizeof ys, s->y[i]);
        fmt_exact(rs, sizeof rs, s->y_ref[i]);
        printf("  %5zu  %-24s %-24s %-24s %10.3g %6.2f\n", i, xs, ys, rs, s->ulps[i],
               ns_error_bits(out, s->ulps[i]));
    }
    printf("  error: worst %.2f bits of %d (%.3g ulps at i = %zu), mean %.2f bits, normwise %.3g\n",
           m->max_bits, out->p, m->max_ulps, m->worst, m->mean_bits, m->normwise_err);
    if (m->input_rounding > 0)
        printf("  input rounding: relative %.3g into %s (not charged)\n", m->input_rounding, in->name);
    if (isnan(m->sum))
        printf("  sum: nan (reference %.17g)\n", m->sum_ref);
    else
        printf("  sum: %.17g (reference %.17g, difference %.3g)\n", m->sum, m->sum_ref, m->sum_err);
    printf("  flags: %zu NaN, %zu inf, %zu negative, %zu wrong support, argmax %s\n", m->nan_count,
           m->inf_count, m->negatives, m->support_errors, m->argmax_changed ? "changed" : "kept");
    if (m->denominators) {
        char ds[40];
        fmt_exact(ds, sizeof ds, m->min_denominator);
        printf("  denominators: %zu, smallest |d| = %s (%.3g x the smallest normal of %s: %s)\n",
               m->denominators, ds, m->min_denominator_rel, o->policy->acc->name,
               ns_den_class_name(m->denominator_class));
    } else {
        printf("  denominators: none\n");
    }
    if (m->has_grad)
        printf("  gradient: worst %.2f bits (%.3g ulps), mean %.2f bits, normwise %.3g, %zu NaN, "
               "%zu inf; gain ||dx||/||g|| %.4g (true %.4g)\n",
               m->grad_max_bits, m->grad_max_ulps, m->grad_mean_bits, m->grad_normwise_err,
               m->grad_nan_count, m->grad_inf_count, fabs(m->grad_gain), m->grad_gain_ref);
    if (!isnan(m->kappa))
        printf("  conditioning: kappa %.4g (%s); stability ulps/(1 + kappa) %.3g%s\n", m->kappa,
               m->kappa_exact ? "every row of the Jacobian" : "sampled rows: a lower bound",
               m->stability, stability_words(m));
    print_verdict(o, m, v);
}

/* --grad-check: the plugin's backward pass in MPFR (without rounding)
 * against the reference's gradient on the rounded row; true when they agree
 * to 2^-50 of the gradient's largest entry (both are the exact values
 * rounded once to binary64 when the formulas are the same). */
#define GRAD_CHECK_TOLERANCE 0x1p-50

static bool grad_check(const ns_target_opts *o, const nsp_algorithm *pa, size_t nparams,
                       const ns_metrics_scratch *s, size_t n, cJSON *json)
{
    double *b = malloc((n ? n : 1) * sizeof *b);
    if (!b)
        ns_die("check: out of memory for a row of %zu", n);
    const char *truth = o->family->plugin->fallback ? "the derivative of the fallback's forward pass"
                                                    : "the plugin's MPFR reference";
    if (ns_ref_plugin_backward_d(pa, s->xr, s->gr, o->param, nparams, n, b) != 0) {
        free(b);
        if (json)
            cJSON_AddStringToObject(json, "grad_check", "undecided");
        else
            printf("  grad-check: the backward pass in MPFR did not settle (up to 8192 bits)\n");
        return false;
    }
    double scale = 0, worst = 0;
    size_t at = 0;
    bool nan = false;
    for (size_t i = 0; i < n; i++) {
        if (fabs(s->dx_ref[i]) > scale)
            scale = fabs(s->dx_ref[i]);
        double d = fabs(b[i] - s->dx_ref[i]);
        if (isnan(d) && !(isnan(b[i]) && isnan(s->dx_ref[i])))
            nan = true;
        else if (d > worst) {
            worst = d;
            at = i;
        }
    }
    double rel = worst == 0 ? 0 : scale > 0 ? worst / scale : INFINITY;
    bool agrees = !nan && rel <= GRAD_CHECK_TOLERANCE;
    if (json) {
        cJSON *g = cJSON_CreateObject();
        cJSON_AddItemToObject(g, "dx_backward", ns_json_exact_array(b, n));
        cJSON_AddNumberToObject(g, "relative_difference", nan ? NAN : rel);
        cJSON_AddStringToObject(g, "against", truth);
        cJSON_AddBoolToObject(g, "agrees", agrees);
        cJSON_AddItemToObject(json, "grad_check", g);
    } else {
        printf("  grad-check: the plugin's backward pass without rounding against %s: ", truth);
        if (nan)
            printf("NaN where the other is a number: DISAGREES\n");
        else
            printf("largest difference %.3g of max |dx_ref| (at i = %zu, %a against %a): %s\n", rel, at,
                   b[at], s->dx_ref[at], agrees ? "agrees" : "DISAGREES (a wrong backward formula)");
    }
    free(b);
    return agrees;
}

/* The row as one JSON object; with pa (--grad-check), *agrees says whether
 * the plugin's backward pass agreed. */
static void print_json(const ns_target_opts *o, const char *where, uint64_t gseed, bool grad_file,
                       const ns_metrics_scratch *s, const ns_metrics *m, const ns_verdict *v,
                       const nsp_algorithm *pa, size_t nparams, bool *agrees)
{
    size_t n = m->n;
    cJSON *j = ns_check_row_json(o->alg, o->policy, o->sum, where, grad_file ? NULL : &gseed, s, m, v);
    if (pa && m->defined && m->has_grad)
        *agrees = grad_check(o, pa, nparams, s, n, j);
    if (ns_print_json_line(j) != 0)
        ns_die("check: out of memory");
}

int cmd_check(int argc, char **argv)
{
    struct {
        const char *gen, *length, *seed;
        bool grad_check;
    } e;
    const ns_option extra[] = {
        { "gen", &e.gen, NULL },
        { "length", &e.length, NULL },
        { "seed", &e.seed, NULL },
        { "grad-check", NULL, &e.grad_check },
        { NULL, NULL, NULL },
    };
    ns_target_opts o = { .cmd = "check", .extra = extra };
    ns_target_opts_parse(&o, argc, argv, check_help);
    if (ns_policy_is_ref(o.policy))
        ns_die("check: policy 'ref' is the reference itself; choose a floating-point policy");
    if (e.gen && o.input)
        ns_die("check: give either -i FILE or --gen GENERATOR, not both");
    if (e.length && !e.gen)
        ns_die("check: --length needs --gen");
    uint64_t seed = e.seed ? parse_count("--seed", e.seed, UINT64_MAX) : 1;
    size_t plugin_nparams = 0;
    const nsp_algorithm *plugin_alg = e.grad_check ? ns_plugin_algorithm(o.alg->name, &plugin_nparams) : NULL;
    if (e.grad_check && !plugin_alg)
        ns_die("check: --grad-check compares a plugin's own backward pass; '%s' is built in "
               "(its reference derives its gradient itself)", o.alg->name);
    if (plugin_alg && !plugin_alg->backward)
        ns_die("check: --grad-check compares a plugin's own backward pass; '%s' has none "
               "(normstab derives it from the forward pass: docs/plugins.md)", o.alg->name);

    char err[512];
    const ns_generator *gen = NULL;
    double gen_param = 0;
    size_t gen_n = 0;
    if (e.gen) {
        if (ns_generator_parse(e.gen, &gen, &gen_param, err, sizeof err) != 0)
            ns_die("check: %s", err);
        gen_n = e.length ? (size_t)parse_count("--length", e.length, NS_GEN_MAX_N) : gen->n_default;
        if (gen_n == 0)
            ns_die("check: --length must be at least 1");
    }

    ns_job job;
    ns_target_job(&o, &job);
    ns_metrics_scratch s;
    ns_metrics_scratch_init(&s);
    ns_judge judge;
    ns_judge_init(&judge);
    ns_rows rows, grads;
    if (!gen && ns_rows_open(&rows, o.input, err, sizeof err) != 0)
        ns_die("%s", err);
    if (o.grad && ns_rows_open(&grads, o.grad, err, sizeof err) != 0)
        ns_die("%s", err);

    double *x = NULL, *g = NULL;
    size_t n = 0, cap = 0, gn = 0, gcap = 0;
    int r, status = NS_EXIT_OK;
    for (size_t k = 0;; k++) {
        char where[256];
        if (gen) {
            if (k > 0)
                break;
            x = malloc(gen_n * sizeof *x);
            if (!x)
                ns_die("check: out of memory for a row of %zu", gen_n);
            n = gen_n;
            ns_gen_args a = { .param = gen_param, .n = n, .seed = seed, .policy = o.policy,
                              .sum = NS_SUM_SEQ };
            ns_generate(gen, &a, x);
            if (gen->param_name)
                snprintf(where, sizeof where, "%s %s=%g n=%zu seed=%llu", gen->name, gen->param_name,
                         gen_param, n, (unsigned long long)seed);
            else
                snprintf(where, sizeof where, "%s n=%zu seed=%llu", gen->name, n, (unsigned long long)seed);
        } else {
            r = ns_rows_next(&rows, &x, &n, &cap, err, sizeof err);
            if (r < 0) {
                status = NS_EXIT_USAGE;
                break;
            }
            if (r == 0)
                break;
            ns_rows_where(&rows, where, sizeof where);
        }
        if (o.grad) {
            int rg = ns_rows_next(&grads, &g, &gn, &gcap, err, sizeof err);
            if (rg == 0)
                snprintf(err, sizeof err, "%s: no gradient row for %s", grads.name, where);
            else if (rg > 0 && gn != n)
                snprintf(err, sizeof err, "%s:%zu: gradient row has %zu numbers, %s has %zu",
                         grads.name, grads.line, gn, where, n);
            if (rg <= 0 || gn != n) {
                status = NS_EXIT_USAGE;
                break;
            }
        } else {
            if (n > gcap) {
                free(g);
                g = malloc(n * sizeof *g);
                if (!g)
                    ns_die("check: out of memory for a row of %zu", n);
                gcap = n;
            }
            ns_gen_gradient(seed + k, n, g);
        }
        ns_metrics m;
        ns_verdict v;
        if (ns_metrics_eval(&job, x, g, n, NS_METRICS_KAPPA, &s, &m) != 0 ||
            ns_judge_verdict(&judge, &job, s.xr, s.gr, n, &s, &m, &v) != 0)
            ns_die("check: out of memory (or no reference for '%s')", o.family->name);
        bool agrees = true;
        if (o.json) {
            print_json(&o, where, seed + k, o.grad != NULL, &s, &m, &v, plugin_alg, plugin_nparams, &agrees);
        } else {
            print_words(&o, where, &s, &m, &v);
            if (plugin_alg && m.defined && m.has_grad)
                agrees = grad_check(&o, plugin_alg, plugin_nparams, &s, n, NULL);
        }
        if ((v.kind == NS_VERDICT_BROKEN || !agrees) && status == NS_EXIT_OK)
            status = NS_EXIT_FAIL;
    }
    if (status == NS_EXIT_USAGE) {
        fflush(stdout);
        ns_warn("%s", err);
    }
    free(x);
    free(g);
    if (!gen)
        ns_rows_close(&rows);
    if (o.grad)
        ns_rows_close(&grads);
    ns_metrics_scratch_free(&s);
    ns_judge_free(&judge);
    ns_job_free(&job);
    int out = ns_finish_output();
    return status != NS_EXIT_OK ? status : out;
}
