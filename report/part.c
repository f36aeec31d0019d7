/* The part directories of a sharded report (part.h). */
#include "part.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/file.h"
#include "../util/path.h"
#include "out_dir.h"

#define PART_MAX_BYTES ((size_t)1 << 24)

int ns_part_write(const ns_report_data *d, const char *dir, char *err, size_t errlen)
{
    const ns_report_opts *o = d->opts;
    cJSON *root = cJSON_CreateObject(), *opts, *pieces;
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    cJSON_AddNumberToObject(root, "normstab_part", 1);
    cJSON_AddStringToObject(root, "build", o->build ? o->build : "");
    cJSON_AddNumberToObject(root, "part", o->shard);
    cJSON_AddNumberToObject(root, "parts", o->shards);
    cJSON_AddStringToObject(root, "seed", seed);
    cJSON_AddStringToObject(root, "suite", ns_suite_size_name(o->size));
    cJSON_AddStringToObject(root, "key", d->key);
    opts = cJSON_AddArrayToObject(root, "options");
    for (size_t i = 0; opts && i < o->nargs; i++)
        cJSON_AddItemToArray(opts, cJSON_CreateString(o->args[i]));
    pieces = cJSON_AddArrayToObject(root, "pieces");
    for (size_t k = 0; pieces && k < d->npieces; k++) {
        const ns_report_piece *p = &d->pieces[k];
        if (p->owner != o->shard)
            continue;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "piece", p->name);
        if (p->measured)
            cJSON_AddNumberToObject(e, "seconds", p->seconds);
        else
            cJSON_AddNullToObject(e, "seconds");
        cJSON_AddItemToArray(pieces, e);
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/%s", dir, NS_PART_FILE);
    FILE *f = text ? ns_file_begin(path, tmp, sizeof tmp) : NULL;
    if (!f) {
        snprintf(err, errlen, text ? "cannot create %s: %s" : "out of memory writing %s%s", path,
                 text ? strerror(errno) : "");
        free(text);
        return -1;
    }
    fprintf(f, "%s\n", text);
    free(text);
    if (ns_file_commit(f, tmp, path, true, true) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int ns_part_replaceable(const char *out, char *err, size_t errlen)
{
    int state = ns_out_dir_state(out, err, errlen);
    if (state <= 0)
        return state;
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/%s", out, NS_PART_FILE);
    if (access(probe, F_OK) == 0)
        return 0;
    DIR *dd = opendir(out);
    struct dirent *e;
    int empty = 1;
    while (dd && (e = readdir(dd)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            empty = 0;
    if (dd)
        closedir(dd);
    if (!empty) {
        snprintf(err, errlen, "%s holds files but no %s: not a part directory; choose another --out", out,
                 NS_PART_FILE);
        return -1;
    }
    return 0;
}

int ns_part_place(const char *from, const char *out, char *err, size_t errlen)
{
    struct stat st;
    char aside[4200] = "";
    if (lstat(out, &st) == 0) {
        char prefix[4200];
        snprintf(prefix, sizeof prefix, "%s.old-", out);
        if (ns_mkdtemp(aside, sizeof aside, prefix) != 0 || rmdir(aside) != 0 || rename(out, aside) != 0) {
            snprintf(err, errlen, "cannot set the earlier %s aside: %s", out, strerror(errno));
            return -1;
        }
    }
    if (rename(from, out) != 0) {
        snprintf(err, errlen, "cannot move %s to %s: %s", from, out, strerror(errno));
        if (*aside)
            rename(aside, out);
        return -1;
    }
    if (*aside)
        ns_remove_tree(aside);
    return 0;
}

static const char *string_of(const cJSON *root, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int count_of(const cJSON *root, const char *key, unsigned *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > NS_SHARD_MAX ||
        v->valuedouble != (unsigned)v->valuedouble)
        return -1;
    *out = (unsigned)v->valuedouble;
    return 0;
}

int ns_part_read(const char *dir, ns_part *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    if (dl >= sizeof p->dir) {
        snprintf(err, errlen, "%.64s...: name too long", dir);
        return -1;
    }
    memcpy(p->dir, dir, dl);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", p->dir, NS_PART_FILE);
    char *text = ns_file_read(path, PART_MAX_BYTES, NULL);
    if (!text) {
        snprintf(err, errlen, "%s: not a part directory (%s: %s)", p->dir, NS_PART_FILE, strerror(errno));
        return -1;
    }
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "normstab_part");
    const char *build = string_of(root, "build"), *seed = string_of(root, "seed");
    const char *suite = string_of(root, "suite"), *key = string_of(root, "key");
    const cJSON *opts = cJSON_GetObjectItemCaseSensitive(root, "options");
    const char *bad = !root ? "not JSON"
                    : !cJSON_IsNumber(v) || v->valuedouble != 1 ? "'normstab_part' is not 1"
                    : !build || strlen(build) >= sizeof p->build ? "no 'build'"
                    : !seed || !*seed || strspn(seed, "0123456789") != strlen(seed) || strlen(seed) > 20 ? "no 'seed'"
                    : !suite || strlen(suite) >= sizeof p->suite ? "no 'suite'"
                    : !key || strlen(key) >= sizeof p->key ? "no 'key'"
                    : count_of(root, "parts", &p->parts) != 0 ? "'parts' is not a count from 1"
                    : count_of(root, "part", &p->part) != 0 || p->part > p->parts ? "'part' is not from 1 to 'parts'"
                    : !cJSON_IsArray(opts) ? "no 'options'" : NULL;
    if (!bad) {
        errno = 0;
        p->seed = strtoull(seed, NULL, 10);
        if (errno == ERANGE)
            bad = "'seed' is past 64 bits";
    }
    size_t n = bad ? 0 : (size_t)cJSON_GetArraySize(opts);
    if (!bad && !(p->options = calloc(n + 1, sizeof *p->options)))
        bad = "out of memory";
    const cJSON *o, *list = bad ? NULL : opts;
    cJSON_ArrayForEach(o, list) {
        if (!cJSON_IsString(o) || !(p->options[p->noptions++] = strdup(o->valuestring))) {
            bad = "'options' is not an array of strings";
            break;
        }
    }
    if (bad) {
        snprintf(err, errlen, "%s/%s: %s", p->dir, NS_PART_FILE, bad);
        cJSON_Delete(root);
        ns_part_free(p);
        return -1;
    }
    snprintf(p->build, sizeof p->build, "%s", build);
    snprintf(p->suite, sizeof p->suite, "%s", suite);
    snprintf(p->key, sizeof p->key, "%s", key);
    cJSON_Delete(root);
    return 0;
}

void ns_part_free(ns_part *p)
{
    for (size_t i = 0; i < p->noptions; i++)
        free(p->options[i]);
    free(p->options);
    p->options = NULL;
    p->noptions = 0;
}

static int same_options(const ns_part *a, const ns_part *b)
{
    if (a->noptions != b->noptions)
        return 0;
    for (size_t i = 0; i < a->noptions; i++)
        if (strcmp(a->options[i], b->options[i]) != 0)
            return 0;
    return 1;
}

int ns_parts_check(const ns_part *p, size_t n, const char *build, char *err, size_t errlen)
{
    if (n == 0) {
        snprintf(err, errlen, "no part directory given");
        return -1;
    }
    const ns_part *a = &p[0];
    for (size_t i = 0; i < n; i++) {
        const ns_part *b = &p[i];
        if (strcmp(b->build, build) != 0) {
            snprintf(err, errlen, "%s: made by build %s, but this normstab is build %s", b->dir, b->build, build);
            return -1;
        }
        if (i == 0)
            continue;
        if (b->seed != a->seed)
            snprintf(err, errlen, "%s: seed %llu, but %s has seed %llu", b->dir, (unsigned long long)b->seed,
                     a->dir, (unsigned long long)a->seed);
        else if (strcmp(b->suite, a->suite) != 0)
            snprintf(err, errlen, "%s: suite %s, but %s has suite %s", b->dir, b->suite, a->dir, a->suite);
        else if (b->parts != a->parts)
            snprintf(err, errlen, "%s: part %u of %u, but %s is part %u of %u", b->dir, b->part, b->parts,
                     a->dir, a->part, a->parts);
        else if (strcmp(b->key, a->key) != 0 || !same_options(a, b))
            snprintf(err, errlen, "%s: measured with other options than %s (policies, sums, params, data or "
                     "fuzzing budget)", b->dir, a->dir);
        else
            continue;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (p[i].part == p[j].part) {
                snprintf(err, errlen, "%s: part %u of %u again (%s is part %u too)", p[i].dir, p[i].part,
                         p[i].parts, p[j].dir, p[j].part);
                return -1;
            }
    if (n < a->parts) {
        unsigned missing = 1;
        for (; missing <= a->parts; missing++) {
            size_t i = 0;
            while (i < n && p[i].part != missing)
                i++;
            if (i == n)
                break;
        }
        snprintf(err, errlen, "part %u of %u is missing (%zu part directories given)", missing, a->parts, n);
        return -1;
    }
    return 0;
}
