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

cJSON *ns_metrics_json(const ns_metrics *m)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "n", (double)m->n);
    cJSON_AddBoolToObject(o, "defined", m->defined);
    ns_json_add_number(o, "u", m->u);
    ns_json_add_number(o, "input_rounding", m->input_rounding);
    ns_json_add_number(o, "max_ulps", m->max_ulps);
    ns_json_add_number(o, "max_bits", m->max_bits);
    ns_json_add_number(o, "mean_bits", m->mean_bits);
    cJSON_AddNumberToObject(o, "worst_index", (double)m->worst);
    ns_json_add_number(o, "normwise_err", m->normwise_err);
    cJSON_AddItemToObject(o, "sum", ns_json_exact(m->sum));
    cJSON_AddItemToObject(o, "sum_ref", ns_json_exact(m->sum_ref));
    ns_json_add_number(o, "sum_err", m->sum_err);
    cJSON_AddNumberToObject(o, "negatives", (double)m->negatives);
    cJSON_AddNumberToObject(o, "support_errors", (double)m->support_errors);
    cJSON_AddBoolToObject(o, "argmax_changed", m->argmax_changed);
    cJSON_AddNumberToObject(o, "nan_count", (double)m->nan_count);
    cJSON_AddNumberToObject(o, "inf_count", (double)m->inf_count);
    cJSON_AddNumberToObject(o, "denominators", (double)m->denominators);
    if (m->denominators) {
        cJSON_AddItemToObject(o, "min_denominator", ns_json_exact(m->min_denominator));
        ns_json_add_number(o, "min_denominator_rel", m->min_denominator_rel);
    } else {
        cJSON_AddNullToObject(o, "min_denominator");
        cJSON_AddNullToObject(o, "min_denominator_rel");
    }
    cJSON_AddStringToObject(o, "denominator_class", ns_den_class_name(m->denominator_class));
    if (m->has_grad) {
        ns_json_add_number(o, "grad_max_ulps", m->grad_max_ulps);
        ns_json_add_number(o, "grad_max_bits", m->grad_max_bits);
        ns_json_add_number(o, "grad_mean_bits", m->grad_mean_bits);
        ns_json_add_number(o, "grad_normwise_err", m->grad_normwise_err);
        cJSON_AddNumberToObject(o, "grad_nan_count", (double)m->grad_nan_count);
        cJSON_AddNumberToObject(o, "grad_inf_count", (double)m->grad_inf_count);
        ns_json_add_number(o, "grad_gain", m->grad_gain);
        ns_json_add_number(o, "grad_gain_ref", m->grad_gain_ref);
    }
    ns_json_add_number(o, "contract_ulps", m->contract_ulps);
    cJSON_AddBoolToObject(o, "within_contract", m->within_contract);
    if (!isnan(m->kappa)) {
        ns_json_add_number(o, "kappa", m->kappa);
        cJSON_AddBoolToObject(o, "kappa_exact", m->kappa_exact);
        ns_json_add_number(o, "stability", m->stability);
    }
    return o;
}
