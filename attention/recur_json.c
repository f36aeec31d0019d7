/* One compared head of a recurrent kernel as JSON (recur_json.h). */
#include "recur_json.h"

#include <math.h>

cJSON *ns_recur_compare_json(const ns_kernel *k, const ns_head *h, const ns_recur_compare *c)
{
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    cJSON_AddStringToObject(j, "kernel", k->name);
    cJSON_AddStringToObject(j, "policy", h->policy->name);
    cJSON_AddStringToObject(j, "function", k->function);
    cJSON_AddNumberToObject(j, "n_q", (double)h->n_q);
    cJSON_AddNumberToObject(j, "n_k", (double)h->n_k);
    cJSON_AddNumberToObject(j, "d", (double)h->d);
    cJSON_AddNumberToObject(j, "d_v", (double)h->d_v);
    cJSON *parts = cJSON_AddObjectToObject(j, "parts");
    for (int p = 0; p < NS_RECUR_PARTS; p++) {
        const ns_recur_err *e = &c->part[p];
        if (!e->present)
            continue;
        cJSON *pj = cJSON_AddObjectToObject(parts, ns_recur_part_name(p));
        /* JSON has no inf or NaN: an unbounded error is null */
        if (isfinite(e->max_ulps)) {
            cJSON_AddNumberToObject(pj, "max_ulps", e->max_ulps);
            cJSON_AddNumberToObject(pj, "normwise", e->normwise);
        } else {
            cJSON_AddNullToObject(pj, "max_ulps");
            cJSON_AddNullToObject(pj, "normwise");
        }
        if (isfinite(e->max_bits))
            cJSON_AddNumberToObject(pj, "max_bits", e->max_bits);
        else
            cJSON_AddNullToObject(pj, "max_bits");
        cJSON_AddNumberToObject(pj, "nan", (double)e->nan);
        cJSON_AddNumberToObject(pj, "inf", (double)e->inf);
    }
    cJSON_AddNumberToObject(j, "denominators", (double)c->denominators);
    cJSON_AddNumberToObject(j, "zero_denominators", (double)c->zero_denominators);
    cJSON_AddNumberToObject(j, "nonfinite_denominators", (double)c->nonfinite_denominators);
    if (isfinite(c->min_denominator))
        cJSON_AddNumberToObject(j, "min_denominator", c->min_denominator);
    else
        cJSON_AddNullToObject(j, "min_denominator");
    if (isfinite(c->bound_ratio))
        cJSON_AddNumberToObject(j, "bound_ratio", c->bound_ratio);
    else
        cJSON_AddNullToObject(j, "bound_ratio");
    cJSON_AddStringToObject(j, "verdict", ns_recur_verdict_name(c->verdict));
    cJSON_AddStringToObject(j, "cause", c->cause);
    return j;
}
