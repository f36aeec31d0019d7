/* JSON pieces shared by `check`, the report and the findings (cJSON).
 * Numbers that are not finite have no JSON form: they are written as null,
 * and exact values as C99 %a strings ("inf", "-inf", "nan" for the others). */
#ifndef NS_JSON_H
#define NS_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "metrics.h"

cJSON *ns_json_number(double v);                       /* a number, or null */
cJSON *ns_json_exact(double v);                        /* "%a" string */
cJSON *ns_json_exact_array(const double *v, size_t n);
cJSON *ns_json_number_array(const double *v, size_t n);

/* Adds key = ns_json_number(v) to obj. */
void ns_json_add_number(cJSON *obj, const char *key, double v);

/* Every field of m as one object (gradient fields only when m->has_grad,
 * conditioning only when computed). */
cJSON *ns_metrics_json(const ns_metrics *m);

#endif
