/* Findings as JSON, read and stored (see finding_json.h). */
#include "finding_json.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/clock.h"
#include "../util/file.h"
#include "../util/path.h"
#include "json_keys.h"

static void format_double(char *buf, size_t len, double v)
{
    if (isnan(v))
        snprintf(buf, len, "nan");
    else
        snprintf(buf, len, "%a", v);           /* inf, -inf as C99 prints them */
}

static cJSON *double_array(const double *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    char buf[40];
    for (size_t i = 0; a && i < n; i++) {
        format_double(buf, sizeof buf, v[i]);
        cJSON_AddItemToArray(a, cJSON_CreateString(buf));
    }
    return a;
}

/* A number where finite, else the string "inf", "-inf" or "nan". */
static void add_number(cJSON *o, const char *key, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, key, v);
    else
        cJSON_AddStringToObject(o, key, isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
}

cJSON *ns_finding_to_json(const ns_finding *f)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, NS_FJ_NORMALIZER, f->normalizer);
    cJSON_AddStringToObject(o, NS_FJ_POLICY, f->policy);
    cJSON_AddStringToObject(o, NS_FJ_SUM, ns_sum_order_name(f->sum));
    const ns_family *fam = NULL;
    if (ns_algorithm_find(f->normalizer, &fam) && ns_family_nparams(fam) > 0) {
        cJSON *p = cJSON_AddObjectToObject(o, NS_FJ_PARAM);
        for (size_t k = 0; p && k < ns_family_nparams(fam); k++)
            add_number(p, fam->params[k].key, f->param[k]);
    }
    cJSON_AddStringToObject(o, NS_FJ_KIND, ns_kind_name(f->kind));
    cJSON_AddStringToObject(o, NS_FJ_CAUSE, ns_cause_name(f->cause));
    add_number(o, NS_FJ_VALUE, f->value);
    cJSON_AddNumberToObject(o, NS_FJ_N, (double)f->row.n);
    cJSON_AddItemToObject(o, NS_FJ_X, double_array(f->row.x, f->row.n));
    if (f->has_g)
        cJSON_AddItemToObject(o, NS_FJ_G, double_array(f->row.g, f->row.n));
    cJSON_AddBoolToObject(o, NS_FJ_CONFIRMED, f->confirmed);
    cJSON_AddStringToObject(o, NS_FJ_VERDICT, f->expected ? NS_FJ_VERDICT_EXPECTED : NS_FJ_VERDICT_BROKEN);
    cJSON_AddStringToObject(o, NS_FJ_WHY, f->why);
    cJSON_AddStringToObject(o, NS_FJ_DETAIL, f->detail);
    cJSON_AddStringToObject(o, NS_FJ_ENGINE, f->engine);
    cJSON_AddNumberToObject(o, NS_FJ_SEED, (double)f->seed);
    cJSON_AddNumberToObject(o, NS_FJ_EVALS, (double)f->evals);
    cJSON_AddNumberToObject(o, NS_FJ_SECONDS, f->seconds);
    cJSON_AddNumberToObject(o, NS_FJ_UNIX_TIME, ns_clock_unix());
    return o;
}

int ns_finding_write_jsonl(FILE *out, const ns_finding *f)
{
    cJSON *o = ns_finding_to_json(f);
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!s)
        return -1;
    size_t len = strlen(s);
    char *line = malloc(len + 2);
    int rc = -1;
    if (line) {
        memcpy(line, s, len);
        line[len] = '\n';
        /* One write of the whole line: appends from several processes do
         * not interleave (O_APPEND). */
        rc = fwrite(line, 1, len + 1, out) == len + 1 && fflush(out) == 0 ? 0 : -1;
        free(line);
    }
    cJSON_free(s);
    return rc;
}

static const char *get_string(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int read_array(const cJSON *a, double **v, size_t *n)
{
    if (!cJSON_IsArray(a))
        return -1;
    size_t k = (size_t)cJSON_GetArraySize(a);
    if (k == 0 || k > NS_FUZZ_MAX_N)
        return -1;
    double *p = malloc(k * sizeof *p);
    if (!p)
        return -1;
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
        if (cJSON_IsString(e) ? parse_double(e->valuestring, &p[i]) != 0
                              : !cJSON_IsNumber(e) || ((p[i] = e->valuedouble), 0)) {
            free(p);
            return -1;
        }
        i++;
    }
    *v = p;
    *n = k;
    return 0;
}

/* A count, written as a number (a double: 2^64 - 1 comes back as 2^64, kept
 * as UINT64_MAX).  Absent or not a number: left as it is. */
static int read_count(const cJSON *j, const char *key, uint64_t *out, char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    if (!cJSON_IsNumber(v))
        return 0;
    if (!(v->valuedouble >= 0 && v->valuedouble <= 0x1p64)) {
        snprintf(err, errlen, "field '%s': %g is not a count (0 to 2^64)", key, v->valuedouble);
        return -1;
    }
    *out = v->valuedouble < 0x1p64 ? (uint64_t)v->valuedouble : UINT64_MAX;
    return 0;
}

int ns_finding_from_json(const cJSON *j, ns_finding *f, char *err, size_t errlen)
{
    const char *name = get_string(j, NS_FJ_NORMALIZER), *policy = get_string(j, NS_FJ_POLICY);
    const char *kind = get_string(j, NS_FJ_KIND), *cause = get_string(j, NS_FJ_CAUSE);
    const char *sum = get_string(j, NS_FJ_SUM);
    if (!name || !policy || !kind) {
        snprintf(err, errlen, "a finding needs 'normalizer', 'policy' and 'kind'");
        return -1;
    }
    /* Nothing of a finding read before stays (the row's memory aside). */
    ns_row row = f->row;
    memset(f, 0, sizeof *f);
    f->row = row;
    snprintf(f->normalizer, sizeof f->normalizer, "%s", name);
    snprintf(f->policy, sizeof f->policy, "%s", policy);
    int k = ns_kind_find(kind);
    if (k < 0) {
        snprintf(err, errlen, "unknown kind '%s'", kind);
        return -1;
    }
    f->kind = (ns_kind)k;
    int c = cause ? ns_cause_find(cause) : NS_CAUSE_ORDINARY;
    if (c < 0) {
        snprintf(err, errlen, "unknown cause '%s'", cause);
        return -1;
    }
    f->cause = (ns_cause)c;
    f->sum = NS_SUM_SEQ;
    if (sum && ns_sum_order_find(sum, &f->sum) != 0) {
        snprintf(err, errlen, "unknown summation order '%s'", sum);
        return -1;
    }
    const ns_family *fam = NULL;
    if (!ns_algorithm_find(name, &fam)) {
        snprintf(err, errlen, "unknown normalizer '%s'", name);
        return -1;
    }
    ns_params_default(fam, f->param);
    const cJSON *pa = cJSON_GetObjectItemCaseSensitive(j, NS_FJ_PARAM), *pv;
    cJSON_ArrayForEach(pv, pa) {
        char kv[160], why[160];
        snprintf(kv, sizeof kv, "%s=%.17g", pv->string ? pv->string : "",
                 cJSON_IsNumber(pv) ? pv->valuedouble : NAN);
        if (!cJSON_IsNumber(pv) || ns_params_set(fam, f->param, kv, why, sizeof why) != 0) {
            snprintf(err, errlen, "field 'param': '%s' is not a parameter of %s", kv, name);
            return -1;
        }
    }
    double *x = NULL, *g = NULL;
    size_t n = 0, gn = 0;
    if (read_array(cJSON_GetObjectItemCaseSensitive(j, NS_FJ_X), &x, &n) != 0) {
        snprintf(err, errlen, "field 'x': expected an array of 1 to %d numbers (%%a strings)",
                 NS_FUZZ_MAX_N);
        return -1;
    }
    const cJSON *ga = cJSON_GetObjectItemCaseSensitive(j, NS_FJ_G);
    if (ga && (read_array(ga, &g, &gn) != 0 || gn != n)) {
        free(x);
        free(g);
        snprintf(err, errlen, "field 'g': expected an array of %zu numbers, as 'x'", n);
        return -1;
    }
    f->has_g = g != NULL;
    int rc = ns_row_set(&f->row, x, g, n);
    free(x);
    free(g);
    if (rc != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, NS_FJ_VALUE);
    f->value = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (cJSON_IsString(v))
        parse_double(v->valuestring, &f->value);
    f->confirmed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, NS_FJ_CONFIRMED));
    const char *verdict = get_string(j, NS_FJ_VERDICT);
    f->expected = verdict && strcmp(verdict, NS_FJ_VERDICT_EXPECTED) == 0;
    const char *s;
    if ((s = get_string(j, NS_FJ_WHY)))
        snprintf(f->why, sizeof f->why, "%s", s);
    if ((s = get_string(j, NS_FJ_DETAIL)))
        snprintf(f->detail, sizeof f->detail, "%s", s);
    if ((s = get_string(j, NS_FJ_ENGINE)))
        snprintf(f->engine, sizeof f->engine, "%s", s);
    if (read_count(j, NS_FJ_SEED, &f->seed, err, errlen) != 0 ||
        read_count(j, NS_FJ_EVALS, &f->evals, err, errlen) != 0)
        return -1;
    const cJSON *num;
    if (cJSON_IsNumber(num = cJSON_GetObjectItemCaseSensitive(j, NS_FJ_SECONDS)))
        f->seconds = num->valuedouble;
    return 0;
}

int ns_findings_read(const char *path, ns_finding_set *into, bool dedupe, char *err, size_t errlen)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    int rc = 0;
    ns_finding f;
    ns_finding_init(&f);
    while (getline(&line, &cap, in) != -1) {
        lineno++;
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\n' || *p == '\0' || *p == '#')
            continue;
        cJSON *j = cJSON_Parse(line);
        if (!cJSON_IsObject(j)) {
            snprintf(err, errlen, "%s:%zu: not a JSON object", path, lineno);
            cJSON_Delete(j);
            rc = -1;
            break;
        }
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, NS_FJ_SUMMARY)) ||
            !cJSON_GetObjectItemCaseSensitive(j, NS_FJ_KIND)) {
            cJSON_Delete(j);                   /* a summary or another record */
            continue;
        }
        char why[200];
        if (ns_finding_from_json(j, &f, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s:%zu: %s", path, lineno, why);
            cJSON_Delete(j);
            rc = -1;
            break;
        }
        cJSON_Delete(j);
        int added = dedupe ? ns_finding_set_add(into, &f) : ns_finding_set_append(into, &f);
        if (added < 0) {
            snprintf(err, errlen, "%s:%zu: out of memory", path, lineno);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(in)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = -1;
    }
    ns_finding_free(&f);
    free(line);
    fclose(in);
    return rc;
}

static int write_row_file(const char *path, const double *v, size_t n)
{
    char tmp[4200];
    FILE *out = ns_file_begin(path, tmp, sizeof tmp);
    if (!out)
        return -1;
    char buf[40];
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        format_double(buf, sizeof buf, v[i]);
        ok = fprintf(out, "%s%s", i ? " " : "", buf) > 0 && ok;
    }
    ok = fputc('\n', out) != EOF && ok;
    return ns_file_commit(out, tmp, path, ok, false);
}

static cJSON *plain_json(const ns_finding *f, size_t i, void *ctx)
{
    (void)i;
    (void)ctx;
    return ns_finding_to_json(f);
}

int ns_findings_store(const ns_finding_set *s, const char *dir, ns_finding_json_fn to_json,
                      void *ctx, char *err, size_t errlen)
{
    if (!to_json)
        to_json = plain_json;
    if (ns_mkdir_p(dir) != 0) {
        snprintf(err, errlen, "%s: cannot create the directory: %s", dir, strerror(errno));
        return -1;
    }
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/findings.jsonl", dir);
    FILE *out = ns_file_begin(path, tmp, sizeof tmp);
    if (!out) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    bool ok = true;
    for (size_t i = 0; i < s->count && ok; i++) {
        const ns_finding *f = &s->items[i];
        char slug[160], xpath[4096], gpath[4096], command[8800];
        ns_finding_slug(f, slug, sizeof slug);
        snprintf(xpath, sizeof xpath, "%s/%s.x", dir, slug);
        snprintf(gpath, sizeof gpath, "%s/%s.g", dir, slug);
        if (write_row_file(xpath, f->row.x, f->row.n) != 0 ||
            (f->has_g && write_row_file(gpath, f->row.g, f->row.n) != 0)) {
            fclose(out);
            remove(tmp);
            snprintf(err, errlen, "%s: cannot write: %s", xpath, strerror(errno));
            return -1;
        }
        snprintf(command, sizeof command, "normstab eval -n %s -p %s%s%s -i %s%s%s", f->normalizer,
                 f->policy, f->sum == NS_SUM_SEQ ? "" : " --sum ",
                 f->sum == NS_SUM_SEQ ? "" : ns_sum_order_name(f->sum), xpath,
                 f->has_g ? " -g " : "", f->has_g ? gpath : "");
        cJSON *o = to_json(f, i, ctx);
        if (o) {
            cJSON_AddStringToObject(o, NS_FJ_FILE, xpath);
            cJSON_AddStringToObject(o, NS_FJ_COMMAND, command);
        }
        char *line = o ? cJSON_PrintUnformatted(o) : NULL;
        cJSON_Delete(o);
        ok = line && fprintf(out, "%s\n", line) >= 0;
        cJSON_free(line);
    }
    if (ns_file_commit(out, tmp, path, ok, false) != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
