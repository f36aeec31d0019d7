/* One compared head as JSON (compare_json.h). */
#include "compare_json.h"

#include <math.h>

#include "../analysis/json.h"

/* JSON has no inf: an infinite figure is written as 1e308. */
static double finite_or_max(double v)
{
    return isfinite(v) ? v : 1e308;
}

cJSON *ns_attn_compare_json(const ns_kernel *k, const ns_head *h, const char *where,
                            const ns_attn_ref *ref, const ns_attn_compare *c)
{
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    cJSON_AddStringToObject(j, "kernel", k->name);
    cJSON_AddStringToObject(j, "policy", h->policy->name);
    cJSON_AddStringToObject(j, "input", where);
    cJSON_AddNumberToObject(j, "n_q", (double)h->n_q);
    cJSON_AddNumberToObject(j, "n_k", (double)h->n_k);
    cJSON_AddNumberToObject(j, "d", (double)h->d);
    cJSON_AddNumberToObject(j, "d_v", (double)h->d_v);
    cJSON_AddBoolToObject(j, "defined", c->defined);
    cJSON_AddBoolToObject(j, "reference_tier", ref->tier);
    cJSON_AddBoolToObject(j, "reference_faithful", ref->faithful);
    cJSON_AddNumberToObject(j, "reference_uncertain", (double)ref->uncertain);
    static const char *const keys[NS_ATTN_PARTS] = { "o", "lse", "dq", "dk", "dv" };
    for (int t = 0; t < NS_ATTN_PARTS; t++) {
        const ns_attn_err *e = &c->part[t];
        if (!e->present)
            continue;
        cJSON *m = cJSON_CreateObject();
        cJSON_AddNumberToObject(m, "max_ulps", finite_or_max(e->max_ulps));
        if (isnan(e->max_bits)) {   /* no finite output: no number of bits */
            cJSON_AddNullToObject(m, "max_bits");
            cJSON_AddNullToObject(m, "mean_bits");
        } else {
            cJSON_AddNumberToObject(m, "max_bits", e->max_bits);
            cJSON_AddNumberToObject(m, "mean_bits", e->mean_bits);
        }
        cJSON_AddNumberToObject(m, "normwise", finite_or_max(e->normwise));
        cJSON_AddNumberToObject(m, "nan", (double)e->nan);
        cJSON_AddNumberToObject(m, "inf", (double)e->inf);
        cJSON_AddItemToObject(j, keys[t], m);
    }
    cJSON_AddNumberToObject(j, "denominators", (double)c->denominators);
    cJSON_AddItemToObject(j, "min_denominator", ns_json_exact_array(&c->min_denominator, 1));
    cJSON_AddNumberToObject(j, "max_score", finite_or_max(c->max_score));
    cJSON_AddNumberToObject(j, "max_p", finite_or_max(c->max_p));
    cJSON_AddNumberToObject(j, "empty_rows", (double)c->empty_rows);
    cJSON_AddNumberToObject(j, "bound_ratio", finite_or_max(c->bound_ratio));
    char words[64];
    ns_attn_broken_words(c->broken, words, sizeof words);
    cJSON_AddStringToObject(j, "broken", words);
    cJSON_AddStringToObject(j, "verdict", c->defined ? ns_attn_verdict_name(c->verdict) : "undefined");
    cJSON_AddStringToObject(j, "cause", c->cause);
    cJSON_AddStringToObject(j, "why", c->hazard ? c->hazard->why : "");
    cJSON_AddBoolToObject(j, "within_contract", c->verdict != NS_ATTN_BROKEN);
    return j;
}
