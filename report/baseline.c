/* A baseline (baseline.h): the rules that say what a regression is, and
 * reading a results.json by them. */
#include "baseline.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "../util/file.h"

/* A full report's results.json is a few megabytes; docs/input.md. */
#define BASELINE_MAX_BYTES ((size_t)1 << 30)

/* ---- the rules: the one place that says what a regression is ----------
 *
 * Measurements are deterministic: the same code on the same machine gives
 * the same results.json.  What moves them is a change of code, and a change
 * that computes the same thing slightly differently (a reordered sum, a
 * rounding tie resolved the other way, one more rounding) moves the errors
 * by about one ulp somewhere.  The slack below admits that much and no more;
 * events that never happen by rounding alone (a NaN, an overflow, a zero or
 * subnormal denominator, a negative weight, a wrong support, a changed
 * argmax) have none. */
const ns_regress_rule ns_regress_rules[] = {
    { "nan_rate", NS_WORSE_HIGHER, 0, 0, 0,
      "a case with a NaN output where there was none is never rounding noise" },
    { "inf_rate", NS_WORSE_HIGHER, 0, 0, 0, "likewise for an infinite output" },
    { "grad_nan_rate", NS_WORSE_HIGHER, 0, 0, 0, "likewise for a NaN or infinite gradient" },
    { "zero_denominators", NS_WORSE_HIGHER, 0, 0, 0, "a denominator that became exactly zero (cases)" },
    { "subnormal_denominators", NS_WORSE_HIGHER, 0, 0, 0, "a denominator that became subnormal (cases)" },
    { "negatives", NS_WORSE_HIGHER, 0, 0, 0, "cases with a negative weight" },
    { "support_errors", NS_WORSE_HIGHER, 0, 0, 0, "cases with a wrong support (sparse families)" },
    { "argmax_changes", NS_WORSE_HIGHER, 0, 0, 0, "cases whose largest weight moved" },
    { "max_bits", NS_WORSE_HIGHER, 0, 0.6, 0,
      "one ulp more at the worst component, of error e ulps: log2(2 + e) - log2(1 + e) <= log2(3/2) = 0.58 bits once e >= 1" },
    { "max_bits_finite", NS_WORSE_HIGHER, 0, 0.6, 0, "as max_bits, over the cases with finite outputs" },
    { "grad_max_bits", NS_WORSE_HIGHER, 0, 0.6, 0, "as max_bits, for the gradient" },
    { "mean_bits", NS_WORSE_HIGHER, 0, 0.05, 0,
      "a mean over the components of the cases with finite outputs: an ulp here and there moves it by hundredths" },
    { "grad_mean_bits", NS_WORSE_HIGHER, 0, 0.05, 0, "as mean_bits, for the gradient" },
    { "max_sum_err", NS_WORSE_HIGHER, 2, 0, 1,
      "abs(sum y - sum y_ref) at worst: doubling, beyond one unit roundoff u of the output format" },
    { "max_normwise_err", NS_WORSE_HIGHER, 2, 0, 1, "relative normwise error: doubling, beyond one u" },
    { "max_grad_gain", NS_WORSE_HIGHER, 2, 0, 0, "norm(dx) / norm(g) at worst: doubling is a gradient blowing up" },
    { "max_stability", NS_WORSE_HIGHER, 2, 0, 0,
      "error / (1 + kappa): doubling means the algorithm, not the problem, lost accuracy" },
    { "min_denominator", NS_WORSE_LOWER, 2, 0, 0,
      "the smallest denominator halving (or reaching NaN) brings underflow closer" },
    { NULL, 0, 0, 0, 0, NULL },
};

static size_t nrules(void)
{
    size_t k = 0;
    while (ns_regress_rules[k].metric)
        k++;
    return k;
}

/* ---- reading a baseline ------------------------------------------------ */

static void set_err(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

/* "LINE:COL" of offset in text, and up to 24 printable characters there. */
static void where(const char *text, size_t offset, size_t *line, size_t *col, char *near, size_t nearlen)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
    size_t k = 0;
    for (const char *p = text + offset; *p && *p != '\n' && k + 1 < nearlen && k < 24; p++)
        near[k++] = isprint((unsigned char)*p) ? *p : ' ';
    near[k] = '\0';
}

static char *dup_string(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) && v->valuestring ? strdup(v->valuestring) : NULL;
}

void ns_regress_baseline_free(ns_regress_baseline *b)
{
    for (size_t i = 0; b->entries && i < b->count; i++) {
        free(b->entries[i].normalizer);
        free(b->entries[i].policy);
        free(b->entries[i].sum);
        free(b->entries[i].plugin);
        free(b->entries[i].value);
        free(b->entries[i].present);
    }
    free(b->entries);
    for (size_t i = 0; i < b->nnormalizers; i++)
        free(b->normalizers[i]);
    free(b->normalizers);
    for (size_t i = 0; i < b->nparams; i++)
        free(b->params[i]);
    free(b->params);
    free(b->path);
    memset(b, 0, sizeof *b);
}

static int load_entry(const cJSON *item, size_t i, ns_regress_entry *e, const char *path,
                      char *err, size_t errlen)
{
    size_t nr = nrules();
    if (!cJSON_IsObject(item)) {
        set_err(err, errlen, "%s: results[%zu] is not an object", path, i);
        return -1;
    }
    e->normalizer = dup_string(item, "normalizer");
    e->policy = dup_string(item, "policy");
    e->sum = dup_string(item, "sum");
    e->plugin = dup_string(item, "plugin");
    const char *key = !e->normalizer ? "normalizer" : !e->policy ? "policy" : !e->sum ? "sum" : NULL;
    if (key) {
        set_err(err, errlen, "%s: results[%zu]: \"%s\" is missing or not a string", path, i, key);
        return -1;
    }
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(item, "metrics");
    if (!cJSON_IsObject(m)) {
        set_err(err, errlen, "%s: results[%zu] (%s %s %s): \"metrics\" is missing or not an object",
                path, i, e->normalizer, e->policy, e->sum);
        return -1;
    }
    e->value = calloc(nr, sizeof *e->value);
    e->present = calloc(nr, sizeof *e->present);
    if (!e->value || !e->present) {
        set_err(err, errlen, "%s: out of memory", path);
        return -1;
    }
    for (size_t k = 0; k < nr; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, ns_regress_rules[k].metric);
        if (!v)
            continue;
        if (!cJSON_IsNumber(v) && !cJSON_IsNull(v)) {
            set_err(err, errlen, "%s: results[%zu] (%s %s %s): metric \"%s\" is neither a number nor null",
                    path, i, e->normalizer, e->policy, e->sum, ns_regress_rules[k].metric);
            return -1;
        }
        e->present[k] = true;
        e->value[k] = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    }
    e->nan_denominator = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "nan_denominator"));
    return 0;
}

static int parse_suite(const char *name, ns_suite_size *out)
{
    for (int s = NS_SUITE_TINY; s <= NS_SUITE_FULL; s++)
        if (strcmp(name, ns_suite_size_name((ns_suite_size)s)) == 0) {
            *out = (ns_suite_size)s;
            return 0;
        }
    return -1;
}

/* "normalizers" (strings) and "params" (numbers), both optional. */
static int load_selection(const cJSON *root, ns_regress_baseline *b, const char *path, char *err, size_t errlen)
{
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(root, "normalizers");
    if (names) {
        size_t n = cJSON_IsArray(names) ? (size_t)cJSON_GetArraySize(names) : 0;
        if (!cJSON_IsArray(names) || n == 0) {
            set_err(err, errlen, "%s: \"normalizers\" is not a non-empty array of names", path);
            return -1;
        }
        if (!(b->normalizers = calloc(n, sizeof *b->normalizers)))
            goto oom;
        for (const cJSON *v = names->child; v; v = v->next) {
            if (!cJSON_IsString(v) || !v->valuestring[0]) {
                set_err(err, errlen, "%s: \"normalizers\"[%zu] is not a name", path, b->nnormalizers);
                return -1;
            }
            if (!(b->normalizers[b->nnormalizers++] = strdup(v->valuestring)))
                goto oom;
        }
    }
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(root, "params");
    if (params) {
        if (!cJSON_IsObject(params)) {
            set_err(err, errlen, "%s: \"params\" is not an object", path);
            return -1;
        }
        size_t n = (size_t)cJSON_GetArraySize(params);
        if (!(b->params = calloc(n ? n : 1, sizeof *b->params)))
            goto oom;
        for (const cJSON *v = params->child; v; v = v->next) {
            if (!cJSON_IsNumber(v) || !v->string) {
                set_err(err, errlen, "%s: \"params\": \"%s\" is not a number", path, v->string ? v->string : "");
                return -1;
            }
            char kv[128];
            snprintf(kv, sizeof kv, "%s=%.17g", v->string, v->valuedouble);
            if (!(b->params[b->nparams++] = strdup(kv)))
                goto oom;
        }
    }
    return 0;
oom:
    set_err(err, errlen, "%s: out of memory", path);
    return -1;
}

static int load_root(const cJSON *root, ns_regress_baseline *b, const char *path, char *err, size_t errlen)
{
    if (!cJSON_IsObject(root)) {
        set_err(err, errlen, "%s: not a results.json (the top level is not an object)", path);
        return -1;
    }
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    if (!cJSON_IsNumber(schema)) {
        set_err(err, errlen, "%s: not a results.json (no \"schema\" number)", path);
        return -1;
    }
    if (schema->valuedouble != NS_REPORT_SCHEMA) {
        set_err(err, errlen, "%s: results.json schema %g; this normstab reads schema %d", path,
                schema->valuedouble, NS_REPORT_SCHEMA);
        return -1;
    }
    const cJSON *suite = cJSON_GetObjectItemCaseSensitive(root, "suite");
    if (!cJSON_IsString(suite) || parse_suite(suite->valuestring, &b->size) != 0) {
        set_err(err, errlen, "%s: \"suite\" is missing or not one of tiny, quick, full", path);
        return -1;
    }
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(root, "seed");
    char *end = NULL;
    errno = 0;
    if (cJSON_IsString(seed) && seed->valuestring[0] >= '0' && seed->valuestring[0] <= '9')
        b->seed = strtoull(seed->valuestring, &end, 10);
    if (!end || *end != '\0' || errno == ERANGE) {
        set_err(err, errlen, "%s: \"seed\" is missing or not a decimal string", path);
        return -1;
    }
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(root, "cases");
    if (!cJSON_IsArray(cases)) {
        set_err(err, errlen, "%s: \"cases\" is missing or not an array", path);
        return -1;
    }
    b->ncases = (size_t)cJSON_GetArraySize(cases);
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(root, "results");
    if (!cJSON_IsArray(results)) {
        set_err(err, errlen, "%s: \"results\" is missing or not an array", path);
        return -1;
    }
    size_t count = (size_t)cJSON_GetArraySize(results);
    b->entries = calloc(count ? count : 1, sizeof *b->entries);
    if (!b->entries) {
        set_err(err, errlen, "%s: out of memory", path);
        return -1;
    }
    size_t i = 0;
    for (const cJSON *item = results->child; item; item = item->next, i++) {
        b->count = i + 1;
        if (load_entry(item, i, &b->entries[i], path, err, errlen) != 0)
            return -1;
    }
    return load_selection(root, b, path, err, errlen);
}

int ns_regress_load(const char *path, ns_regress_baseline *b, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    size_t len;
    char *text = ns_file_read(path, BASELINE_MAX_BYTES, &len);
    if (!text) {
        set_err(err, errlen, "%s: cannot read it (%s)", path, strerror(errno));
        return -1;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        /* Where cJSON stopped; but a text that does not end with its closing
         * brace was cut short, and the end is the place to say so. */
        size_t at = end && end >= text && end <= text + len ? (size_t)(end - text) : len, last = len;
        while (last > 0 && isspace((unsigned char)text[last - 1]))
            last--;
        int truncated = last == 0 || text[last - 1] != '}';
        size_t line, col;
        char near[32];
        where(text, truncated ? last : at, &line, &col, near, sizeof near);
        if (truncated)
            set_err(err, errlen, "%s:%zu:%zu: malformed JSON: the text ends too early (truncated?)", path, line, col);
        else
            set_err(err, errlen, "%s:%zu:%zu: malformed JSON near '%s'", path, line, col, near);
        free(text);
        return -1;
    }
    free(text);
    b->path = strdup(path);
    int rc = b->path ? load_root(root, b, path, err, errlen) : -1;
    if (!b->path)
        set_err(err, errlen, "%s: out of memory", path);
    cJSON_Delete(root);
    if (rc != 0)
        ns_regress_baseline_free(b);
    return rc;
}
