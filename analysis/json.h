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

/* A struct written field by field: each field's key, where it lies and how
 * it is written, in the order of the JSON. */
typedef enum {
    NS_JSON_NUMBER,   /* double, as ns_json_number (null when not finite) */
    NS_JSON_EXACT,    /* double, as ns_json_exact ("%a" string) */
    NS_JSON_COUNT,    /* size_t, as a number */
    NS_JSON_BOOL      /* bool */
} ns_json_kind;

typedef struct ns_json_field {
    const char *key;
    size_t offset;    /* offsetof(the struct, the field) */
    ns_json_kind kind;
} ns_json_field;

/* NS_JSON_FIELD(ns_metrics, max_bits, NUMBER): the key is the field's name. */
#define NS_JSON_FIELD(type, field, kind) { #field, offsetof(type, field), NS_JSON_##kind }
#define NS_JSON_KEYED(key, type, field, kind) { key, offsetof(type, field), NS_JSON_##kind }

/* Adds the n fields of *s described by fields to obj, in order. */
void ns_json_add_fields(cJSON *obj, const void *s, const ns_json_field *fields, size_t n);
#define NS_JSON_ADD_FIELDS(obj, s, table) \
    ns_json_add_fields(obj, s, table, sizeof(table) / sizeof((table)[0]))

/* Every field of m as one object (gradient fields only when m->has_grad,
 * conditioning only when computed). */
cJSON *ns_metrics_json(const ns_metrics *m);

#endif
