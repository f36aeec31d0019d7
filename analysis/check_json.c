#include "check_json.h"

#include <cjson/cJSON.h>
#include <stdio.h>

#include "json.h"

void ns_check_why_failed(const ns_algorithm *alg, const ns_policy *policy, const ns_verdict *v,
                         ns_kind k, char *buf, size_t len)
{
    if (v->hazard[k])
        snprintf(buf, len, "%s", v->hazard[k]->why);
    else
        ns_promise_describe(ns_contract_promise(ns_contract_of(alg), policy), k, buf, len);
}

/* Each promise that failed: kind, cause, verdict, why and what was measured. */
static cJSON *failed_json(const ns_algorithm *alg, const ns_policy *policy, const ns_metrics *m,
                          const ns_verdict *v)
{
    cJSON *a = cJSON_CreateArray();
    for (int k = 0; a && k < NS_KIND_COUNT; k++) {
        if (!(v->e.broken & (1u << k)))
            continue;
        char why[512], detail[256];
        ns_check_why_failed(alg, policy, v, (ns_kind)k, why, sizeof why);
        ns_promise_detail(m, &v->e, (ns_kind)k, detail, sizeof detail);
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "kind", ns_kind_name((ns_kind)k));
        cJSON_AddStringToObject(f, "cause", ns_cause_name(v->cause[k]));
        cJSON_AddStringToObject(f, "verdict", v->hazard[k] ? "expected" : "broken");
        cJSON_AddStringToObject(f, "why", why);
        cJSON_AddStringToObject(f, "detail", detail);
        cJSON_AddItemToArray(a, f);
    }
    return a;
}

cJSON *ns_check_row_json(const ns_algorithm *alg, const ns_policy *policy, ns_sum_order sum,
                         const char *where, const uint64_t *gradient_seed,
                         const ns_metrics_scratch *s, const ns_metrics *m, const ns_verdict *v)
{
    size_t n = m->n;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "normalizer", alg->name);
    cJSON_AddStringToObject(j, "policy", policy->name);
    cJSON_AddStringToObject(j, "sum", ns_sum_order_name(sum));
    cJSON_AddStringToObject(j, "input", where);
    if (gradient_seed)
        cJSON_AddNumberToObject(j, "gradient_seed", (double)*gradient_seed);
    cJSON_AddItemToObject(j, "x", ns_json_exact_array(s->xr, n));
    cJSON_AddItemToObject(j, "y", ns_json_exact_array(s->y, n));
    cJSON_AddItemToObject(j, "y_ref", ns_json_exact_array(s->y_ref, n));
    cJSON_AddItemToObject(j, "ulps", ns_json_number_array(s->ulps, n));
    if (m->has_grad) {
        cJSON_AddItemToObject(j, "g", ns_json_exact_array(s->gr, n));
        cJSON_AddItemToObject(j, "dx", ns_json_exact_array(s->dx, n));
        cJSON_AddItemToObject(j, "dx_ref", ns_json_exact_array(s->dx_ref, n));
    }
    if (s->kappa_i)
        cJSON_AddItemToObject(j, "kappa_i", ns_json_number_array(s->kappa_i, n));
    cJSON_AddStringToObject(j, "verdict", ns_verdict_name(v->kind));
    cJSON_AddItemToObject(j, "failed", failed_json(alg, policy, m, v));
    cJSON_AddItemToObject(j, "metrics", ns_metrics_json(m));
    cJSON_AddBoolToObject(j, "within_contract", v->kind != NS_VERDICT_BROKEN);
    return j;
}
