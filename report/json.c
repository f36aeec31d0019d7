/* results.json: the schema of SPEC section 4 with the measurements of every
 * target over the standard suite, the envelopes and the real rows.  The
 * same seed gives the same file but for "generated". */
#include "data.h"

#include <math.h>
#include <stdlib.h>

#include "../analysis/json.h"
#include "../analysis/verdict.h"
#include "verdicts.h"

#define FIELD(field, kind) NS_JSON_FIELD(ns_summary, field, kind)

/* The summary's keys in the order of SPEC section 4 (later ones were
 * appended as they came, so the order is not the struct's), in two runs
 * around nan_denominator, which is derived. */
static const ns_json_field summary_rates[] = {
    FIELD(max_bits, NUMBER), FIELD(mean_bits, NUMBER), FIELD(nan_rate, NUMBER), FIELD(inf_rate, NUMBER),
    FIELD(max_sum_err, NUMBER), FIELD(min_denominator, NUMBER),
    FIELD(grad_max_bits, NUMBER), FIELD(max_grad_gain, NUMBER), FIELD(cases, COUNT),
    FIELD(max_bits_finite, NUMBER), FIELD(grad_max_bits_finite, NUMBER), FIELD(grad_mean_bits, NUMBER),
    FIELD(grad_nan_rate, NUMBER), FIELD(max_grad_gain_ref, NUMBER), FIELD(max_normwise_err, NUMBER),
    FIELD(zero_denominators, COUNT), FIELD(subnormal_denominators, COUNT),
};

static const ns_json_field summary_counts[] = {
    FIELD(negatives, COUNT), FIELD(support_errors, COUNT), FIELD(argmax_changes, COUNT),
    FIELD(contract_breaks, COUNT), FIELD(max_kappa, NUMBER), FIELD(max_stability, NUMBER),
    FIELD(median_bits, NUMBER), FIELD(p90_bits, NUMBER), FIELD(p99_bits, NUMBER),
};

/* What behind_json says of the metrics of the case behind a number. */
static const ns_json_field behind_fields[] = {
    NS_JSON_FIELD(ns_metrics, max_bits, NUMBER), NS_JSON_FIELD(ns_metrics, grad_max_bits, NUMBER),
    NS_JSON_FIELD(ns_metrics, contract_ulps, NUMBER), NS_JSON_FIELD(ns_metrics, within_contract, BOOL),
    NS_JSON_FIELD(ns_metrics, nan_count, COUNT), NS_JSON_FIELD(ns_metrics, inf_count, COUNT),
};

#undef FIELD

cJSON *ns_report_summary_json(const ns_summary *s)
{
    cJSON *m = cJSON_CreateObject();
    NS_JSON_ADD_FIELDS(m, s, summary_rates);
    cJSON_AddBoolToObject(m, "nan_denominator", isnan(s->min_denominator));
    NS_JSON_ADD_FIELDS(m, s, summary_counts);
    return m;
}

cJSON *ns_report_case_json(const ns_case *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "generator", c->gen ? c->gen->name : "given");
    if (c->gen && c->gen->param_name)
        cJSON_AddNumberToObject(o, "param", c->param);
    cJSON_AddNumberToObject(o, "n", (double)c->n);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->seed);
    cJSON_AddStringToObject(o, "seed", seed);      /* a string: 64 bits do not fit a JSON double */
    return o;
}

void ns_report_params_json(cJSON *root)
{
    const char *key[16];
    double value[16];
    size_t n = ns_params_overrides(key, value, 16);
    if (n == 0)
        return;
    cJSON *p = cJSON_AddObjectToObject(root, "params");
    for (size_t i = 0; i < n; i++)
        cJSON_AddNumberToObject(p, key[i], value[i]);
}

/* The input behind one of target t's numbers, with its command. */
static cJSON *behind_json(const ns_report_data *d, size_t t, ns_behind role)
{
    size_t c = d->summary[t].behind[role];
    const ns_metrics *m = &d->metrics[t * d->ncases + c];
    cJSON *w = cJSON_CreateObject();
    cJSON_AddStringToObject(w, "role", ns_behind_name(role));
    cJSON_AddNumberToObject(w, "case", (double)c);
    char buf[512];
    ns_case_describe(&d->cases[c], buf, sizeof buf);
    cJSON_AddStringToObject(w, "input", buf);
    NS_JSON_ADD_FIELDS(w, m, behind_fields);
    ns_case_replay(&d->cases[c], &d->targets[t], d->program, buf, sizeof buf);
    cJSON_AddStringToObject(w, "replay", buf);
    return w;
}

/* A target's figures over the real rows. */
static const ns_json_field real_fields[] = {
    NS_JSON_KEYED("rows_nonfinite", ns_real_stats, nonfinite_rows, COUNT),
    NS_JSON_KEYED("rows_overflow", ns_real_stats, overflow_rows, COUNT),
    NS_JSON_FIELD(ns_real_stats, err_u_mean, NUMBER), NS_JSON_FIELD(ns_real_stats, err_u_max, NUMBER),
    NS_JSON_FIELD(ns_real_stats, sum_dev_mean, NUMBER), NS_JSON_FIELD(ns_real_stats, sum_dev_max, NUMBER),
};

int ns_report_write_json(const ns_report_data *d, FILE *f)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "schema", NS_REPORT_SCHEMA);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)d->opts->seed);
    cJSON_AddStringToObject(root, "seed", seed);
    cJSON_AddStringToObject(root, "generated", d->generated);
    cJSON_AddStringToObject(root, "suite", ns_suite_size_name(d->opts->size));
    cJSON_AddStringToObject(root, "verdict", ns_verdict_summary());
    ns_report_params_json(root);

    cJSON *cases = cJSON_AddArrayToObject(root, "cases");
    for (size_t c = 0; c < d->ncases; c++)
        cJSON_AddItemToArray(cases, ns_report_case_json(&d->cases[c]));

    cJSON *results = cJSON_AddArrayToObject(root, "results");
    for (size_t t = 0; t < d->ntargets; t++) {
        const ns_target *tg = &d->targets[t];
        const ns_summary *s = &d->summary[t];
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "normalizer", tg->alg->name);
        cJSON_AddStringToObject(r, "policy", tg->policy->name);
        cJSON_AddStringToObject(r, "sum", ns_sum_order_name(tg->sum));
        if (tg->family->plugin) {          /* results from outside the catalogue */
            cJSON_AddStringToObject(r, "plugin", tg->family->plugin->name);
            cJSON_AddStringToObject(r, "reference", tg->family->plugin->reference);
        }
        cJSON_AddItemToObject(r, "metrics", ns_report_summary_json(s));
        cJSON *behind = cJSON_AddArrayToObject(r, "behind");
        for (size_t k = 0; k < NS_BEHIND_COUNT; k++)
            if (s->behind[k] != NS_NO_CASE)
                cJSON_AddItemToArray(behind, behind_json(d, t, (ns_behind)k));
        cJSON_AddItemToArray(results, r);
    }

    cJSON *env = cJSON_AddArrayToObject(root, "envelopes");
    for (size_t i = 0; i < d->nenv; i++) {
        const ns_envelope *e = &d->env[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "normalizer", e->target.alg->name);
        cJSON_AddStringToObject(o, "policy", e->target.policy->name);
        cJSON_AddStringToObject(o, "sum", ns_sum_order_name(e->target.sum));
        ns_json_add_number(o, "max_scale", e->scale_max);
        cJSON_AddBoolToObject(o, "scale_capped", e->scale_capped);
        ns_json_add_number(o, "scale_fail", e->scale_fail);
        cJSON_AddStringToObject(o, "scale_break", e->scale_break);
        cJSON_AddNumberToObject(o, "max_length", (double)e->length_max);
        cJSON_AddBoolToObject(o, "length_capped", e->length_capped);
        cJSON_AddNumberToObject(o, "length_fail", (double)e->length_fail);
        cJSON_AddStringToObject(o, "length_break", e->length_break);
        /* The first failing rows: check --gen normal=SIGMA --length N --seed SEED. */
        const ns_envelope_row *rows[2] = { &e->scale_row, &e->length_row };
        static const char *const keys[2] = { "scale_fail_row", "length_fail_row" };
        for (int k = 0; k < 2; k++) {
            if (rows[k]->verdict < 0) {
                cJSON_AddNullToObject(o, keys[k]);
                continue;
            }
            cJSON *r = cJSON_AddObjectToObject(o, keys[k]);
            cJSON_AddNumberToObject(r, "sigma", rows[k]->sigma);
            cJSON_AddNumberToObject(r, "n", (double)rows[k]->n);
            char seed[32];
            snprintf(seed, sizeof seed, "%llu", (unsigned long long)rows[k]->seed);
            cJSON_AddStringToObject(r, "seed", seed);
            cJSON_AddStringToObject(r, "verdict", ns_verdict_name((ns_verdict_kind)rows[k]->verdict));
            cJSON_AddStringToObject(r, "kind", ns_kind_name((ns_kind)rows[k]->kind));
            cJSON_AddStringToObject(r, "cause", ns_cause_name((ns_cause)rows[k]->cause));
        }
        cJSON_AddItemToArray(env, o);
    }

    if (d->nreal) {
        cJSON *real = cJSON_AddObjectToObject(root, "real_logits");
        cJSON_AddStringToObject(real, "source", d->opts->real->label);
        cJSON_AddNumberToObject(real, "rows", (double)d->nreal);
        cJSON *rr = cJSON_AddArrayToObject(real, "results");
        for (size_t t = 0; t < d->nreal_targets; t++) {
            ns_real_stats st;
            ns_report_real_stats(d, t, &st);
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "normalizer", d->real_targets[t].alg->name);
            cJSON_AddStringToObject(o, "policy", d->real_targets[t].policy->name);
            cJSON_AddStringToObject(o, "sum", ns_sum_order_name(d->real_targets[t].sum));
            NS_JSON_ADD_FIELDS(o, &st, real_fields);
            cJSON_AddItemToObject(o, "metrics", ns_report_summary_json(&d->real_summary[t]));
            cJSON_AddItemToArray(rr, o);
        }
    }

    cJSON_AddItemToObject(root, "verdicts", ns_report_verdicts_json(d));
    cJSON_AddItemToObject(root, "fuzzing", ns_report_findings_json(d));

    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return -1;
    int rc = fputs(text, f) < 0 || fputc('\n', f) == EOF ? -1 : 0;
    cJSON_free(text);
    return rc;
}
