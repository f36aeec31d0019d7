/* The checkpoint file of `normstab search` (search_checkpoint.h).
 *
 * One JSON object:
 *   "checkpoint"   "normstab search 1" (the layout)
 *   "options"      the run's options, as the command line gave them
 *   "evals", "exact_evals", "last_gain"   counters, as decimal strings
 *                  (they may pass 2^53)
 *   "seconds", "restarts", "filled", "restart_now", "objective"
 *   "rng"          the four words of the generator, as hex strings
 *   "best"         and every other double: a %a string ("nan", "inf")
 *   "population"   the first `filled` rows: {"fitness", "x", "g"}
 *   "seen"         the coverage features seen, a bitmap in hex
 *   "rejected"     the finder's count of candidates MPFR rejected,
 *                  [kind][cause]
 *   "findings"     the findings reported so far, as `search --json`
 *                  prints them, in the order they were found
 * The reader trusts nothing in it: any field missing, of the wrong type or
 * out of range makes the whole file refused. */
#include "search_checkpoint.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/json.h"
#include "../util/file.h"
#include "finding_json.h"

#define LAYOUT "normstab search 1"
/* Far more than any checkpoint holds (a population of 24 rows of at most
 * 4096 pairs, and the findings): a bigger file is not one. */
#define MAX_BYTES (256u << 20)

static void set_err(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

/* ---- writing ---------------------------------------------------------------- */

static void add_double(cJSON *o, const char *key, double v)
{
    cJSON_AddItemToObject(o, key, ns_json_exact(v));
}

static void add_u64(cJSON *o, const char *key, uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    cJSON_AddStringToObject(o, key, buf);
}

static cJSON *state_to_json(const char *key, const ns_search_state *s, const ns_finder *fd)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "checkpoint", LAYOUT);
    cJSON_AddStringToObject(o, "options", key);
    add_u64(o, "evals", s->evals);
    add_u64(o, "exact_evals", s->exact_evals);
    cJSON_AddNumberToObject(o, "seconds", s->seconds);
    cJSON_AddNumberToObject(o, "restarts", s->restarts);
    cJSON *rng = cJSON_AddArrayToObject(o, "rng");
    for (int i = 0; rng && i < 4; i++) {
        char buf[24];
        snprintf(buf, sizeof buf, "0x%016" PRIx64, s->rng.s[i]);
        cJSON_AddItemToArray(rng, cJSON_CreateString(buf));
    }
    cJSON_AddStringToObject(o, "objective", ns_kind_name(s->objective));
    cJSON_AddBoolToObject(o, "restart_now", s->restart_now);
    cJSON_AddNumberToObject(o, "filled", (double)s->filled);
    add_double(o, "best", s->best);
    add_u64(o, "last_gain", s->last_gain);
    cJSON *pop = cJSON_AddArrayToObject(o, "population");
    for (size_t i = 0; pop && i < s->filled; i++) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddItemToArray(pop, r);
        add_double(r, "fitness", s->fit[i]);
        cJSON_AddItemToObject(r, "x", ns_json_exact_array(s->pop[i].x, s->pop[i].n));
        cJSON_AddItemToObject(r, "g", ns_json_exact_array(s->pop[i].g, s->pop[i].n));
    }
    char seen[NS_FEATURES / 4 + 1];
    for (size_t i = 0; i < NS_FEATURES / 4; i++) {
        unsigned nibble = 0;
        for (size_t b = 0; b < 4; b++)
            nibble |= (unsigned)(s->seen[4 * i + b] != 0) << b;
        seen[i] = "0123456789abcdef"[nibble];
    }
    seen[NS_FEATURES / 4] = '\0';
    cJSON_AddStringToObject(o, "seen", seen);
    cJSON *rej = cJSON_AddArrayToObject(o, "rejected");
    for (int k = 0; rej && k < NS_KIND_COUNT; k++) {
        cJSON *row = cJSON_CreateArray();
        cJSON_AddItemToArray(rej, row);
        for (int c = 0; row && c < NS_CAUSE_COUNT; c++)
            cJSON_AddItemToArray(row, cJSON_CreateNumber(fd->failed[k][c]));
    }
    cJSON *found = cJSON_AddArrayToObject(o, "findings");
    for (size_t i = 0; found && i < fd->set.count; i++)
        cJSON_AddItemToArray(found, ns_finding_to_json(&fd->set.items[i]));
    return o;
}

int ns_search_checkpoint_save(const char *path, const char *key, const ns_search_state *s,
                              const ns_finder *fd, char *err, size_t errlen)
{
    cJSON *o = state_to_json(key, s, fd);
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!text) {
        set_err(err, errlen, "%s: out of memory writing the checkpoint", path);
        return -1;
    }
    /* Under a temporary name, whole on disk before it gets its own: the
     * checkpoint is the previous one or the new one, never half of one. */
    size_t len = strlen(path) + 5;
    char *tmp = malloc(len);
    FILE *f = tmp ? ns_file_begin(path, tmp, len) : NULL;
    int bad = !f || ns_file_commit(f, tmp, path, fputs(text, f) != EOF && fputc('\n', f) != EOF, true) != 0;
    if (bad)
        set_err(err, errlen, "%s: cannot write the checkpoint: %s", path, strerror(errno ? errno : ENOMEM));
    free(tmp);
    cJSON_free(text);
    return bad ? -1 : 0;
}

/* ---- reading ---------------------------------------------------------------- */

static const cJSON *field(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

static bool parse_double(const cJSON *j, double *v)
{
    if (!cJSON_IsString(j) || !*j->valuestring)
        return false;
    char *end;
    *v = strtod(j->valuestring, &end);
    return *end == '\0';
}

static bool parse_u64(const cJSON *j, uint64_t *v, int base)
{
    if (!cJSON_IsString(j) || !*j->valuestring || j->valuestring[0] == '-' || j->valuestring[0] == '+')
        return false;
    char *end;
    errno = 0;
    unsigned long long u = strtoull(j->valuestring, &end, base);
    *v = u;
    return *end == '\0' && errno == 0;
}

/* A number that is an integer in [0, max]. */
static bool parse_count(const cJSON *j, double max, double *v)
{
    if (!cJSON_IsNumber(j) || !(j->valuedouble >= 0) || j->valuedouble > max ||
        j->valuedouble != floor(j->valuedouble))
        return false;
    *v = j->valuedouble;
    return true;
}

static bool parse_doubles(const cJSON *a, double *v, size_t n)
{
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n)
        return false;
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a)
        if (!parse_double(e, &v[i++]))
            return false;
    return true;
}

/* Whether the row is one the search could have made: finishing it
 * (rounding into the input format, projecting into the domain) changes
 * nothing.  Bit by bit, so that -0 and NaN count. */
static bool finished(const ns_mutator *m, const ns_row *row)
{
    ns_row f;
    ns_row_init(&f);
    bool same = ns_row_copy(&f, row) == 0;
    if (same) {
        ns_row_finish(m, &f);
        same = f.n == row->n && memcmp(f.x, row->x, row->n * sizeof *f.x) == 0 &&
               memcmp(f.g, row->g, row->n * sizeof *f.g) == 0;
    }
    ns_row_free(&f);
    return same;
}

/* A population row: 1 to max_n entries, x and g of the same length, as the
 * search makes them. */
static const char *parse_row(const cJSON *r, const ns_mutator *m, ns_row *row, double *fitness)
{
    size_t max_n = m->max_n;
    const cJSON *x = field(r, "x"), *g = field(r, "g");
    if (!parse_double(field(r, "fitness"), fitness))
        return "'fitness' is not a number";
    if (!cJSON_IsArray(x) || !cJSON_IsArray(g))
        return "'x' or 'g' is not an array";
    size_t n = (size_t)cJSON_GetArraySize(x);
    if (n < 1 || n > max_n)
        return "a row's length is out of range";
    if (ns_row_reserve(row, n) != 0)
        return "out of memory";
    if (!parse_doubles(x, row->x, n) || !parse_doubles(g, row->g, n))
        return "a row's 'x' and 'g' are not two arrays of as many numbers";
    row->n = n;
    return finished(m, row) ? NULL : "a row of the population is outside the input format or the domain";
}

static const char *parse_findings(const cJSON *a, ns_finder *fd, char *msg, size_t msglen)
{
    if (!cJSON_IsArray(a))
        return "'findings' is not an array";
    const ns_fuzz_target *t = fd->t;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
        ns_finding f;
        ns_finding_init(&f);
        char err[200];
        const char *why = NULL;
        if (!cJSON_IsObject(e))
            why = "a finding is not an object";
        else if (ns_finding_from_json(e, &f, err, sizeof err) != 0)
            why = (snprintf(msg, msglen, "a finding: %s", err), msg);
        else if (strcmp(f.normalizer, t->job.alg->name) != 0 ||
                 strcmp(f.policy, t->job.policy->name) != 0 || f.sum != t->job.sum)
            why = "a finding of another target";
        else if (f.row.n > t->mut.max_n)
            why = "a finding's row is longer than --max-n";
        if (!why) {
            /* What the run decides, not the file. */
            memcpy(f.param, t->job.param, sizeof f.param);
            snprintf(f.engine, sizeof f.engine, "%s", fd->engine);
            f.seed = fd->seed;
            f.has_g = t->with_grad;
            int added = ns_finding_set_add(&fd->set, &f);
            if (added <= 0)
                why = added < 0 ? "out of memory" : "two findings with the same kind and cause";
        }
        ns_finding_free(&f);
        if (why)
            return why;
    }
    return NULL;
}

/* The fields of the object, into s and fd; NULL or what is wrong. */
static const char *parse_state(const cJSON *o, ns_search_state *s, ns_finder *fd, char *msg,
                               size_t msglen)
{
    const ns_fuzz_target *t = fd->t;
    double d;
    const cJSON *a, *e;
    if (!parse_u64(field(o, "evals"), &s->evals, 10) ||
        !parse_u64(field(o, "exact_evals"), &s->exact_evals, 10) ||
        !parse_u64(field(o, "last_gain"), &s->last_gain, 10))
        return "'evals', 'exact_evals' or 'last_gain' is not a count";
    if (s->exact_evals > s->evals || s->last_gain > s->evals)
        return "the counters disagree";
    a = field(o, "seconds");
    if (!cJSON_IsNumber(a) || !(a->valuedouble >= 0) || isinf(a->valuedouble))
        return "'seconds' is not a duration";
    s->seconds = a->valuedouble;
    if (!parse_count(field(o, "restarts"), UINT_MAX, &d))
        return "'restarts' is not a count";
    s->restarts = (unsigned)d;
    a = field(o, "rng");
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 4)
        return "'rng' is not four words";
    int i = 0;
    cJSON_ArrayForEach(e, a)
        if (!parse_u64(e, &s->rng.s[i++], 16))
            return "'rng' is not four words";
    /* xoshiro256's one fixed point: a generator there draws only zeros. */
    if ((s->rng.s[0] | s->rng.s[1] | s->rng.s[2] | s->rng.s[3]) == 0)
        return "'rng' is all zeros, a state no generator reaches";
    a = field(o, "objective");
    int k = cJSON_IsString(a) ? ns_kind_find(a->valuestring) : -1;
    if (k < 0 || k >= NS_OBJECTIVE_COUNT ||
        (t->objective != NS_OBJECTIVE_ALL && (ns_kind)k != t->objective))
        return "'objective' is not one of the run's";
    s->objective = (ns_kind)k;
    a = field(o, "restart_now");
    if (!cJSON_IsBool(a))
        return "'restart_now' is not true or false";
    s->restart_now = cJSON_IsTrue(a);
    if (!parse_count(field(o, "filled"), NS_SEARCH_POPULATION, &d))
        return "'filled' is not a count of rows of the population";
    s->filled = (size_t)d;
    if (!parse_double(field(o, "best"), &s->best))
        return "'best' is not a number";
    a = field(o, "population");
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != s->filled)
        return "'population' does not hold 'filled' rows";
    size_t r = 0;
    cJSON_ArrayForEach(e, a) {
        const char *why = parse_row(e, &t->mut, &s->pop[r], &s->fit[r]);
        if (why)
            return why;
        r++;
    }
    a = field(o, "seen");
    if (!cJSON_IsString(a) || strlen(a->valuestring) != NS_FEATURES / 4)
        return "'seen' is not a bitmap of the coverage features";
    for (size_t j = 0; j < NS_FEATURES / 4; j++) {
        const char *hex = "0123456789abcdef", *p = strchr(hex, a->valuestring[j]);
        if (!p || !*p)
            return "'seen' is not a bitmap of the coverage features";
        for (size_t b = 0; b < 4; b++)
            s->seen[4 * j + b] = (uint8_t)(((p - hex) >> b) & 1);
    }
    a = field(o, "rejected");
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != NS_KIND_COUNT)
        return "'rejected' is not a table of kinds and causes";
    k = 0;
    cJSON_ArrayForEach(e, a) {
        if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != NS_CAUSE_COUNT)
            return "'rejected' is not a table of kinds and causes";
        int c = 0;
        const cJSON *n;
        cJSON_ArrayForEach(n, e) {
            if (!parse_count(n, UINT_MAX, &d))
                return "'rejected' holds something other than counts";
            fd->failed[k][c++] = (unsigned)d;
        }
        k++;
    }
    return parse_findings(field(o, "findings"), fd, msg, msglen);
}

int ns_search_checkpoint_load(const char *path, const char *key, ns_search_state *s, ns_finder *fd,
                              char *err, size_t errlen)
{
    size_t len = 0;
    char *text = ns_file_read(path, MAX_BYTES, &len);
    if (!text) {
        if (errno == ENOENT)
            return 0;
        set_err(err, errlen, "%s: cannot read the checkpoint: %s", path, strerror(errno));
        return -1;
    }
    if (strlen(text) != len) {
        set_err(err, errlen, "%s: not a checkpoint (a NUL byte at byte %zu)", path, strlen(text));
        free(text);
        return -1;
    }
    const char *end = NULL;
    cJSON *o = cJSON_ParseWithOpts(text, &end, 1);
    if (!o) {
        /* The writer ends the file with a newline: a file without one was
         * cut short. */
        size_t at = end && end >= text && end <= text + len ? (size_t)(end - text) : len;
        if (len == 0 || text[len - 1] != '\n')
            set_err(err, errlen, "%s: not a whole checkpoint (truncated at byte %zu)", path, len);
        else
            set_err(err, errlen, "%s: not a checkpoint (malformed JSON at byte %zu)", path, at);
        free(text);
        return -1;
    }
    free(text);
    const cJSON *layout = field(o, "checkpoint"), *options = field(o, "options");
    int rc = -1;
    if (!cJSON_IsObject(o) || !cJSON_IsString(layout) || strcmp(layout->valuestring, LAYOUT) != 0)
        set_err(err, errlen, "%s: not a checkpoint of this version of normstab search", path);
    else if (!cJSON_IsString(options) || strcmp(options->valuestring, key) != 0)
        set_err(err, errlen, "%s: made by a run with other options or seed", path);
    else {
        char msg[320];
        const char *why = parse_state(o, s, fd, msg, sizeof msg);
        if (why)
            set_err(err, errlen, "%s: damaged checkpoint: %s", path, why);
        else
            rc = 1;
    }
    cJSON_Delete(o);
    return rc;
}
