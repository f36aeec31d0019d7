/* The report's checkpoint (see checkpoint.h). */
#include "checkpoint.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../fuzz/finding_json.h"
#include "../util/file.h"

/* The real rows' metrics are the largest file (77 MB in a quick report);
 * one beyond this is not one of ours. */
#define CHECKPOINT_MAX_BYTES ((size_t)1 << 34)

#define MAGIC "normstab report checkpoint 1\n"

static void set_err(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

/* Removes the files of dir (it holds no subdirectories). */
static void clear_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[4096 + 300];
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    closedir(d);
}

int ns_checkpoint_open(ns_checkpoint *c, const char *out, const char *key, bool resume,
                       char *err, size_t errlen)
{
    if (strlen(out) >= sizeof c->dir - 16 || strlen(key) >= sizeof c->key) {
        set_err(err, errlen, "%s: name too long for a checkpoint", out);
        return -1;
    }
    snprintf(c->dir, sizeof c->dir, "%s.partial", out);
    snprintf(c->key, sizeof c->key, "%s", key);
    struct stat st;
    if (lstat(c->dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        set_err(err, errlen, "%s exists and is not a directory", c->dir);
        return -1;
    }
    if (!resume)
        clear_dir(c->dir);
    if (mkdir(c->dir, 0777) != 0 && errno != EEXIST) {
        set_err(err, errlen, "cannot create %s: %s", c->dir, strerror(errno));
        return -1;
    }
    return 0;
}

void ns_checkpoint_remove(ns_checkpoint *c)
{
    clear_dir(c->dir);
    rmdir(c->dir);
}

/* ---- files: the magic line, the key line, then length-prefixed blobs ---- */

typedef struct blob {
    const void *p;
    size_t len;
} blob;

static int write_blobs(const ns_checkpoint *c, const char *name, const blob *b, size_t nb,
                       char *err, size_t errlen)
{
    char path[sizeof c->dir + 128], tmp[sizeof path + 8];
    snprintf(path, sizeof path, "%s/%s", c->dir, name);
    FILE *f = ns_file_begin(path, tmp, sizeof tmp);
    if (!f) {
        set_err(err, errlen, "cannot create %s.tmp: %s", path, strerror(errno));
        return -1;
    }
    fputs(MAGIC, f);
    fprintf(f, "%s\n", c->key);
    for (size_t i = 0; i < nb; i++) {
        uint64_t len = b[i].len;
        fwrite(&len, sizeof len, 1, f);
        if (b[i].len)
            fwrite(b[i].p, 1, b[i].len, f);
    }
    /* Whole on disk before it is given its name. */
    if (ns_file_commit(f, tmp, path, true, true) != 0) {
        set_err(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The blobs of a file, read whole: out[i] points into *buf (free it). 1, 0
 * when the file is absent, -1 when it does not hold exactly nb blobs of
 * this run. */
static int read_blobs(const ns_checkpoint *c, const char *name, blob *out, size_t nb, char **buf,
                      char *err, size_t errlen)
{
    char path[sizeof c->dir + 128];
    snprintf(path, sizeof path, "%s/%s", c->dir, name);
    *buf = NULL;
    size_t len;
    char *b = ns_file_read(path, CHECKPOINT_MAX_BYTES, &len);
    for (size_t i = 0; !b && errno == ENOENT && i < c->nparts; i++) {
        snprintf(path, sizeof path, "%s/%s", c->parts[i], name);
        b = ns_file_read(path, CHECKPOINT_MAX_BYTES, &len);
    }
    if (!b) {
        if (errno == ENOENT)
            return 0;
        set_err(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    *buf = b;
    size_t ml = strlen(MAGIC), kl = strlen(c->key);
    if (len < ml + kl + 1 || memcmp(b, MAGIC, ml) != 0) {
        set_err(err, errlen, "%s: not a report checkpoint", path);
        return -1;
    }
    if (memcmp(b + ml, c->key, kl) != 0 || b[ml + kl] != '\n') {
        if (c->nparts)
            set_err(err, errlen, "%s: measured other inputs than this merge would (run it where the parts "
                    "ran, with their --data file, --plugin and --define)", path);
        else
            set_err(err, errlen, "%s: made by a run with other options or another build "
                    "(run without --resume to start again)", path);
        return -1;
    }
    size_t at = ml + kl + 1;
    for (size_t i = 0; i < nb; i++) {
        uint64_t bl;
        if (len - at < sizeof bl) {
            set_err(err, errlen, "%s: truncated at byte %zu", path, at);
            return -1;
        }
        memcpy(&bl, b + at, sizeof bl);
        at += sizeof bl;
        if (bl > len - at) {
            set_err(err, errlen, "%s: truncated at byte %zu", path, at);
            return -1;
        }
        out[i].p = b + at;
        out[i].len = (size_t)bl;
        at += (size_t)bl;
    }
    if (at != len) {
        set_err(err, errlen, "%s: %zu unexpected bytes at byte %zu", path, len - at, at);
        return -1;
    }
    return 1;
}

static int wrong_size(const ns_checkpoint *c, const char *name, char *err, size_t errlen)
{
    set_err(err, errlen, "%s/%s: holds records of another size than this run's", c->dir, name);
    return -1;
}

/* ---- metrics ---- */

int ns_checkpoint_save_metrics(const ns_checkpoint *c, const char *name, const ns_metrics *m,
                               size_t count, char *err, size_t errlen)
{
    blob b = { m, count * sizeof *m };
    return write_blobs(c, name, &b, 1, err, errlen);
}

int ns_checkpoint_load_metrics(const ns_checkpoint *c, const char *name, ns_metrics *m, size_t count,
                               char *err, size_t errlen)
{
    blob b;
    char *buf;
    int rc = read_blobs(c, name, &b, 1, &buf, err, errlen);
    if (rc == 1 && b.len != count * sizeof *m)
        rc = wrong_size(c, name, err, errlen);
    if (rc == 1)
        memcpy(m, b.p, b.len);
    free(buf);
    return rc;
}

/* ---- targets and cases by name (pointers differ from run to run) ---- */

/* "alg policy sum\n" for each target, in a malloc'd string. */
static char *targets_text(const ns_target *t, size_t n)
{
    size_t cap = 1, len = 0;
    for (size_t i = 0; i < n; i++)
        cap += strlen(t[i].alg->name) + strlen(t[i].policy->name) + 32;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s %s %s\n", t[i].alg->name, t[i].policy->name,
                                ns_sum_order_name(t[i].sum));
    return s;
}

/* Parses what targets_text wrote into t[0 .. n). */
static int targets_parse(const blob *b, ns_target *t, size_t n)
{
    const char *p = b->p, *end = p + b->len;
    for (size_t i = 0; i < n; i++) {
        char alg[128], pol[128], sum[32];
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl || nl - p >= 280)
            return -1;
        char line[288];
        memcpy(line, p, (size_t)(nl - p));
        line[nl - p] = '\0';
        p = nl + 1;
        if (sscanf(line, "%127s %127s %31s", alg, pol, sum) != 3)
            return -1;
        t[i].alg = ns_algorithm_find(alg, &t[i].family);
        t[i].policy = ns_policy_find(pol);
        if (!t[i].alg || !t[i].policy || ns_sum_order_find(sum, &t[i].sum) != 0)
            return -1;
    }
    return p == end ? 0 : -1;
}

/* A generated case, as stored (the generator by its index in names). */
typedef struct stored_case {
    double param;
    uint64_t n, seed;
    uint8_t grad, kappa;
} stored_case;

int ns_checkpoint_save_sweep(const ns_checkpoint *c, const char *name, const ns_sweep *s,
                             char *err, size_t errlen)
{
    char *targets = targets_text(s->targets, s->ntargets);
    stored_case *sc = calloc(s->ncases + 1, sizeof *sc);
    size_t glen = 1;
    for (size_t i = 0; i < s->ncases; i++)
        glen += strlen(s->cases[i].gen->name) + 1;
    char *gens = malloc(glen);
    if (!targets || !sc || !gens) {
        free(targets); free(sc); free(gens);
        set_err(err, errlen, "out of memory writing the checkpoint");
        return -1;
    }
    size_t at = 0;
    for (size_t i = 0; i < s->ncases; i++) {
        const ns_case *k = &s->cases[i];
        sc[i] = (stored_case){ k->param, k->n, k->seed, k->grad, k->kappa };
        at += (size_t)snprintf(gens + at, glen - at, "%s\n", k->gen->name);
    }
    uint64_t dims[3] = { s->npoints, s->seeds, s->ntargets };
    blob b[] = {
        { s->axis, strlen(s->axis) },
        { dims, sizeof dims },
        { s->points, s->npoints * sizeof *s->points },
        { targets, strlen(targets) },
        { sc, s->ncases * sizeof *sc },
        { gens, at },
        { s->metrics, s->ntargets * s->ncases * sizeof *s->metrics },
    };
    int rc = write_blobs(c, name, b, sizeof b / sizeof b[0], err, errlen);
    free(targets);
    free(sc);
    free(gens);
    return rc;
}

int ns_checkpoint_load_sweep(const ns_checkpoint *c, const char *name, ns_sweep *s, char *err, size_t errlen)
{
    blob b[7];
    char *buf;
    memset(s, 0, sizeof *s);
    int rc = read_blobs(c, name, b, 7, &buf, err, errlen);
    if (rc != 1) {
        free(buf);
        return rc;
    }
    uint64_t dims[3];
    if (b[1].len != sizeof dims)
        goto bad;
    memcpy(dims, b[1].p, sizeof dims);
    /* Bounds far above any report's, so that the products below cannot wrap. */
    if (dims[0] > 1u << 16 || dims[1] > 1u << 12 || dims[2] > 1u << 16)
        goto bad;
    s->npoints = dims[0];
    s->seeds = dims[1];
    s->ntargets = dims[2];
    s->ncases = s->npoints * s->seeds;
    if (b[0].len == 5 && memcmp(b[0].p, "sigma", 5) == 0)
        s->axis = "sigma";
    else if (b[0].len == 1 && memcmp(b[0].p, "n", 1) == 0)
        s->axis = "n";
    else
        goto bad;
    if (b[2].len != s->npoints * sizeof *s->points || b[4].len != s->ncases * sizeof(stored_case) ||
        b[6].len != s->ntargets * s->ncases * sizeof *s->metrics)
        goto bad;
    s->points = malloc(b[2].len + 1);
    s->targets = calloc(s->ntargets + 1, sizeof *s->targets);
    s->cases = calloc(s->ncases + 1, sizeof *s->cases);
    s->metrics = malloc(b[6].len + 1);
    s->at = calloc(s->ntargets * s->npoints + 1, sizeof *s->at);
    if (!s->points || !s->targets || !s->cases || !s->metrics || !s->at) {
        ns_sweep_free(s);
        free(buf);
        set_err(err, errlen, "out of memory reading %s/%s", c->dir, name);
        return -1;
    }
    memcpy(s->points, b[2].p, b[2].len);
    memcpy(s->metrics, b[6].p, b[6].len);
    if (targets_parse(&b[3], s->targets, s->ntargets) != 0)
        goto bad;
    const char *g = b[5].p, *gend = g + b[5].len;
    for (size_t i = 0; i < s->ncases; i++) {
        stored_case k;
        memcpy(&k, (const char *)b[4].p + i * sizeof k, sizeof k);
        const char *nl = memchr(g, '\n', (size_t)(gend - g));
        char gname[64];
        if (!nl || nl - g >= (long)sizeof gname)
            goto bad;
        memcpy(gname, g, (size_t)(nl - g));
        gname[nl - g] = '\0';
        g = nl + 1;
        s->cases[i] = (ns_case){ .gen = ns_generator_find(gname), .param = k.param, .n = k.n,
                                 .seed = k.seed, .grad = k.grad, .kappa = k.kappa };
        if (!s->cases[i].gen)
            goto bad;
    }
    for (size_t t = 0; t < s->ntargets; t++)
        for (size_t p = 0; p < s->npoints; p++)
            ns_summarize(&s->metrics[t * s->ncases + p * s->seeds], s->seeds, &s->at[t * s->npoints + p]);
    free(buf);
    return 1;
bad:
    ns_sweep_free(s);
    free(buf);
    return wrong_size(c, name, err, errlen);
}

/* ---- envelopes: the records with their targets by name ---- */

/* The same for a first failure's row. */
static ns_envelope_row plain_row(const ns_envelope_row *r)
{
    ns_envelope_row p;
    memset(&p, 0, sizeof p);
    p.sigma = r->sigma;
    p.n = r->n;
    p.seed = r->seed;
    p.verdict = r->verdict;
    p.kind = r->kind;
    p.cause = r->cause;
    return p;
}

int ns_checkpoint_save_envelopes(const ns_checkpoint *c, const ns_envelope *env, size_t count,
                                 char *err, size_t errlen)
{
    ns_target *t = calloc(count + 1, sizeof *t);
    ns_envelope *plain = calloc(count + 1, sizeof *plain);
    char *names = NULL;
    if (t && plain) {
        for (size_t i = 0; i < count; i++) {
            /* Field by field (every field of ns_envelope, analysis/envelope.h) into
             * a zeroed record: its padding and the bytes after each
             * string's end stay 0, so that the file is the same for the
             * same measurements. */
            const ns_envelope *e = &env[i];
            ns_envelope *p = &plain[i];
            t[i] = e->target;
            p->scale_top = e->scale_top;
            p->scale_max = e->scale_max;
            p->scale_capped = e->scale_capped;
            p->scale_fail = e->scale_fail;
            memcpy(p->scale_break, e->scale_break, strnlen(e->scale_break, sizeof p->scale_break - 1));
            p->length_max = e->length_max;
            p->length_capped = e->length_capped;
            p->length_fail = e->length_fail;
            memcpy(p->length_break, e->length_break, strnlen(e->length_break, sizeof p->length_break - 1));
            p->evaluations = e->evaluations;
            p->scale_row = plain_row(&e->scale_row);
            p->length_row = plain_row(&e->length_row);
        }
        names = targets_text(t, count);
    }
    int rc = -1;
    if (names) {
        blob b[] = { { names, strlen(names) }, { plain, count * sizeof *plain } };
        rc = write_blobs(c, "envelopes", b, 2, err, errlen);
    } else {
        set_err(err, errlen, "out of memory writing the checkpoint");
    }
    free(t);
    free(plain);
    free(names);
    return rc;
}

int ns_checkpoint_load_envelopes(const ns_checkpoint *c, ns_envelope **env, size_t *count,
                                 char *err, size_t errlen)
{
    blob b[2];
    char *buf;
    *env = NULL;
    *count = 0;
    int rc = read_blobs(c, "envelopes", b, 2, &buf, err, errlen);
    if (rc != 1) {
        free(buf);
        return rc;
    }
    size_t n = b[1].len / sizeof **env;
    ns_envelope *e = calloc(n + 1, sizeof *e);
    ns_target *t = calloc(n + 1, sizeof *t);
    if (!e || !t) {
        free(e); free(t); free(buf);
        set_err(err, errlen, "out of memory reading %s/envelopes", c->dir);
        return -1;
    }
    if (b[1].len % sizeof *e != 0 || targets_parse(&b[0], t, n) != 0) {
        free(e); free(t); free(buf);
        return wrong_size(c, "envelopes", err, errlen);
    }
    memcpy(e, b[1].p, b[1].len);
    for (size_t i = 0; i < n; i++)
        e[i].target = t[i];
    free(t);
    free(buf);
    *env = e;
    *count = n;
    return 1;
}

/* ---- findings: JSON Lines (fuzz/finding_json.h), exact as %a ---- */

int ns_checkpoint_save_findings(const ns_checkpoint *c, const char *name, const ns_finding_set *set,
                                char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    int rc = f ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < set->count; i++)
        rc = ns_finding_write_jsonl(f, &set->items[i]);
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc != 0) {
        free(text);
        set_err(err, errlen, "out of memory writing the checkpoint");
        return -1;
    }
    blob b = { text, len };
    rc = write_blobs(c, name, &b, 1, err, errlen);
    free(text);
    return rc;
}

int ns_checkpoint_load_findings(const ns_checkpoint *c, const char *name, ns_finding_set *set,
                                char *err, size_t errlen)
{
    blob b;
    char *buf;
    int rc = read_blobs(c, name, &b, 1, &buf, err, errlen);
    if (rc != 1) {
        free(buf);
        return rc;
    }
    const char *p = b.p, *end = p + b.len;
    ns_finding f;
    ns_finding_init(&f);
    while (rc == 1 && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        cJSON *j = cJSON_ParseWithLength(p, n);
        char why[256];
        if (!j || ns_finding_from_json(j, &f, why, sizeof why) != 0) {
            set_err(err, errlen, "%s/%s: a finding that does not read", c->dir, name);
            rc = -1;
        } else if (ns_finding_set_append(set, &f) != 0) {
            set_err(err, errlen, "out of memory reading %s/%s", c->dir, name);
            rc = -1;
        }
        cJSON_Delete(j);
        p += n + 1;
    }
    ns_finding_free(&f);
    free(buf);
    return rc;
}
