/* A head as JSON (head_json.h). */
#include "head_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/json.h"
#include "../input/rows.h"

int ns_head_json_add(cJSON *j, const ns_head *h)
{
    cJSON_AddNumberToObject(j, "n_q", (double)h->n_q);
    cJSON_AddNumberToObject(j, "n_k", (double)h->n_k);
    cJSON_AddNumberToObject(j, "d", (double)h->d);
    cJSON_AddNumberToObject(j, "d_v", (double)h->d_v);
    cJSON_AddItemToObject(j, "q", ns_json_exact_array(h->q, h->n_q * h->d));
    cJSON_AddItemToObject(j, "k", ns_json_exact_array(h->k, h->n_k * h->d));
    cJSON_AddItemToObject(j, "v", ns_json_exact_array(h->v, h->n_k * h->d_v));
    if (h->dout)
        cJSON_AddItemToObject(j, "do", ns_json_exact_array(h->dout, h->n_q * h->d_v));
    if (h->keep) {
        cJSON *k = cJSON_AddArrayToObject(j, "keep");
        for (size_t t = 0; k && t < h->n_q * h->n_k; t++)
            cJSON_AddItemToArray(k, cJSON_CreateNumber(h->keep[t]));
    } else {
        cJSON_AddNullToObject(j, "keep");
    }
    char buf[64];
    if (h->mask_style == NS_MASK_VALUE)
        snprintf(buf, sizeof buf, "%a", h->mask_value);
    cJSON_AddStringToObject(j, "mask_value", h->mask_style == NS_MASK_INF ? "inf"
                                             : h->mask_style == NS_MASK_MIN ? "min" : buf);
    snprintf(buf, sizeof buf, "%a", h->scale);
    cJSON_AddStringToObject(j, "scale", buf);
    cJSON_AddBoolToObject(j, "scale_exact", h->scale_exact);
    cJSON_AddStringToObject(j, "scale_on", h->scale_on == NS_SCALE_ON_Q ? "q" : "scores");
    cJSON_AddBoolToObject(j, "fma", h->fma);
    cJSON_AddNumberToObject(j, "block_q", (double)h->block_q);
    cJSON_AddNumberToObject(j, "block_k", (double)h->block_k);
    snprintf(buf, sizeof buf, "%a", h->p_offset);
    cJSON_AddStringToObject(j, "p_offset", buf);
    if (h->normalizer)
        cJSON_AddStringToObject(j, "normalizer", h->normalizer);
    return cJSON_IsInvalid(j) ? -1 : 0;
}

static int size_of(const cJSON *obj, const char *key, size_t max, size_t *out, char *err, size_t len)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1 && v->valuedouble <= (double)max) ||
        v->valuedouble != floor(v->valuedouble)) {
        snprintf(err, len, "\"%s\" is not an integer from 1 to %zu", key, max);
        return -1;
    }
    *out = (size_t)v->valuedouble;
    return 0;
}

static int number_of(const cJSON *v, double *out)
{
    const char *why;
    if (cJSON_IsString(v))
        return ns_parse_number(v->valuestring, strlen(v->valuestring), out, &why);
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return 0;
    }
    return -1;
}

static double *tensor(const cJSON *obj, const char *key, size_t n, char *err, size_t len)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n) {
        snprintf(err, len, "\"%s\" is not an array of %zu numbers", key, n);
        return NULL;
    }
    double *v = malloc((n + 1) * sizeof *v);
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a)
    {
        if (!v || number_of(e, &v[i]) != 0) {
            snprintf(err, len, v ? "\"%s\"[%zu] is not a number" : "out of memory", key, i);
            free(v);
            return NULL;
        }
        i++;
    }
    return v;
}

int ns_head_json_read(const cJSON *j, const ns_policy *policy, ns_head *h, char *err, size_t len)
{
    memset(h, 0, sizeof *h);
    h->policy = policy;
    if (size_of(j, "n_q", NS_ATTN_MAX_N, &h->n_q, err, len) || size_of(j, "n_k", NS_ATTN_MAX_N, &h->n_k, err, len) ||
        size_of(j, "d", NS_ATTN_MAX_D, &h->d, err, len) || size_of(j, "d_v", NS_ATTN_MAX_D, &h->d_v, err, len) ||
        size_of(j, "block_q", NS_ATTN_MAX_N, &h->block_q, err, len) ||
        size_of(j, "block_k", NS_ATTN_MAX_N, &h->block_k, err, len))
        return -1;
    if (h->n_q * h->n_k > (size_t)1 << 26) {
        snprintf(err, len, "%zu x %zu scores: beyond 2^26", h->n_q, h->n_k);
        return -1;
    }
    h->q = tensor(j, "q", h->n_q * h->d, err, len);
    h->k = h->q ? tensor(j, "k", h->n_k * h->d, err, len) : NULL;
    h->v = h->k ? tensor(j, "v", h->n_k * h->d_v, err, len) : NULL;
    if (!h->v)
        goto bad;
    if (cJSON_GetObjectItemCaseSensitive(j, "do") && !(h->dout = tensor(j, "do", h->n_q * h->d_v, err, len)))
        goto bad;
    const cJSON *keep = cJSON_GetObjectItemCaseSensitive(j, "keep");
    if (keep && !cJSON_IsNull(keep)) {
        double *kv = tensor(j, "keep", h->n_q * h->n_k, err, len);
        unsigned char *kb = kv ? malloc(h->n_q * h->n_k + 1) : NULL;
        for (size_t t = 0; kb && t < h->n_q * h->n_k; t++) {
            if (kv[t] != 0 && kv[t] != 1) {
                snprintf(err, len, "\"keep\"[%zu] is neither 0 nor 1", t);
                free(kb);
                kb = NULL;
                break;
            }
            kb[t] = kv[t] == 1;
        }
        free(kv);
        if (!kb)
            goto bad;
        h->keep = kb;
    }
    const cJSON *mv = cJSON_GetObjectItemCaseSensitive(j, "mask_value");
    const cJSON *so = cJSON_GetObjectItemCaseSensitive(j, "scale_on");
    if (!cJSON_IsString(mv) || !cJSON_IsString(so) || number_of(cJSON_GetObjectItemCaseSensitive(j, "scale"), &h->scale) ||
        number_of(cJSON_GetObjectItemCaseSensitive(j, "p_offset"), &h->p_offset)) {
        snprintf(err, len, "\"mask_value\", \"scale_on\", \"scale\" or \"p_offset\" missing or malformed");
        goto bad;
    }
    if (strcmp(mv->valuestring, "inf") == 0) {
        h->mask_style = NS_MASK_INF;
    } else if (strcmp(mv->valuestring, "min") == 0) {
        h->mask_style = NS_MASK_MIN;
    } else {
        h->mask_style = NS_MASK_VALUE;
        if (number_of(mv, &h->mask_value) != 0 || !isfinite(h->mask_value)) {
            snprintf(err, len, "\"mask_value\" is not inf, min or a finite number");
            goto bad;
        }
    }
    h->scale_on = strcmp(so->valuestring, "q") == 0 ? NS_SCALE_ON_Q : NS_SCALE_ON_SCORES;
    h->scale_exact = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "scale_exact"));
    h->fma = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "fma"));
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(j, "normalizer");
    if (cJSON_IsString(nm) && !(h->normalizer = strdup(nm->valuestring))) {
        snprintf(err, len, "out of memory");
        goto bad;
    }
    return 0;
bad:
    ns_head_json_free(h);
    return -1;
}

void ns_head_json_free(ns_head *h)
{
    free((void *)h->q);
    free((void *)h->k);
    free((void *)h->v);
    free((void *)h->dout);
    free((void *)h->keep);
    free((void *)h->normalizer);
    h->q = h->k = h->v = h->dout = NULL;
    h->keep = NULL;
    h->normalizer = NULL;
}
