#include "json.h"

#include <math.h>
#include <stdio.h>

cJSON *ns_json_number(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

cJSON *ns_json_exact(double v)
{
    char buf[40];
    if (isnan(v))
        snprintf(buf, sizeof buf, "nan");
    else
        snprintf(buf, sizeof buf, "%a", v);
    return cJSON_CreateString(buf);
}

cJSON *ns_json_exact_array(const double *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, ns_json_exact(v[i]));
    return a;
}

cJSON *ns_json_number_array(const double *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, ns_json_number(v[i]));
    return a;
}

void ns_json_add_number(cJSON *obj, const char *key, double v)
{
    cJSON_AddItemToObject(obj, key, ns_json_number(v));
}

void ns_json_add_fields(cJSON *obj, const void *s, const ns_json_field *fields, size_t n)
{
    const char *base = s;
    for (size_t i = 0; i < n; i++) {
        const ns_json_field *f = &fields[i];
        const void *at = base + f->offset;
        cJSON *item = NULL;
        switch (f->kind) {
        case NS_JSON_NUMBER: item = ns_json_number(*(const double *)at); break;
        case NS_JSON_EXACT:  item = ns_json_exact(*(const double *)at); break;
        case NS_JSON_COUNT:  item = cJSON_CreateNumber((double)*(const size_t *)at); break;
        case NS_JSON_BOOL:   item = cJSON_CreateBool(*(const bool *)at); break;
        }
        cJSON_AddItemToObject(obj, f->key, item);
    }
}

#define FIELD(field, kind) NS_JSON_FIELD(ns_metrics, field, kind)

static const ns_json_field outputs[] = {
    FIELD(n, COUNT), FIELD(defined, BOOL), FIELD(u, NUMBER), FIELD(input_rounding, NUMBER),
    FIELD(max_ulps, NUMBER), FIELD(max_bits, NUMBER), FIELD(mean_bits, NUMBER),
    NS_JSON_KEYED("worst_index", ns_metrics, worst, COUNT),
    FIELD(normwise_err, NUMBER), FIELD(sum, EXACT), FIELD(sum_ref, EXACT), FIELD(sum_err, NUMBER),
    FIELD(negatives, COUNT), FIELD(support_errors, COUNT), FIELD(argmax_changed, BOOL),
    FIELD(nan_count, COUNT), FIELD(inf_count, COUNT), FIELD(denominators, COUNT),
};

static const ns_json_field gradient[] = {
    FIELD(grad_max_ulps, NUMBER), FIELD(grad_max_bits, NUMBER), FIELD(grad_mean_bits, NUMBER),
    FIELD(grad_normwise_err, NUMBER), FIELD(grad_nan_count, COUNT), FIELD(grad_inf_count, COUNT),
    FIELD(grad_gain, NUMBER), FIELD(grad_gain_ref, NUMBER),
};

static const ns_json_field contract[] = {
    FIELD(contract_ulps, NUMBER), FIELD(within_contract, BOOL),
};

static const ns_json_field conditioning[] = {
    FIELD(kappa, NUMBER), FIELD(kappa_exact, BOOL), FIELD(stability, NUMBER),
};

#undef FIELD

cJSON *ns_metrics_json(const ns_metrics *m)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    NS_JSON_ADD_FIELDS(o, m, outputs);
    if (m->denominators) {
        cJSON_AddItemToObject(o, "min_denominator", ns_json_exact(m->min_denominator));
        ns_json_add_number(o, "min_denominator_rel", m->min_denominator_rel);
    } else {
        cJSON_AddNullToObject(o, "min_denominator");
        cJSON_AddNullToObject(o, "min_denominator_rel");
    }
    cJSON_AddStringToObject(o, "denominator_class", ns_den_class_name(m->denominator_class));
    if (m->has_grad)
        NS_JSON_ADD_FIELDS(o, m, gradient);
    NS_JSON_ADD_FIELDS(o, m, contract);
    if (!isnan(m->kappa))
        NS_JSON_ADD_FIELDS(o, m, conditioning);
    return o;
}
