#include "catalogue.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_FAMILY_ENTRY(name) extern const ns_family ns_family_##name;
#include "families.gen.h"
#undef NS_FAMILY_ENTRY

static const ns_family *sorted[] = {
#define NS_FAMILY_ENTRY(name) &ns_family_##name,
#include "families.gen.h"
#undef NS_FAMILY_ENTRY
    NULL,
};

static int by_order(const void *a, const void *b)
{
    const ns_family *fa = *(const ns_family *const *)a, *fb = *(const ns_family *const *)b;
    return (fa->order > fb->order) - (fa->order < fb->order);
}

/* Built-ins and families added at run time, by .order; NULL until one is added. */
static const ns_family **everything;

const ns_family *const *ns_families(void)
{
    static int done;
    if (!done) {       /* the table is fixed at build time; sorting twice is harmless */
        qsort(sorted, sizeof sorted / sizeof sorted[0] - 1, sizeof sorted[0], by_order);
        done = 1;
    }
    return everything ? everything : sorted;
}

int ns_catalogue_add(const ns_family *f)
{
    const ns_family *const *now = ns_families();
    size_t count = 0;
    while (now[count])
        count++;
    const ns_family **grown = malloc((count + 2) * sizeof *grown);
    if (!grown)
        return -1;
    size_t at = 0;
    while (at < count && now[at]->order <= f->order)
        at++;
    memcpy(grown, now, at * sizeof *grown);
    grown[at] = f;
    memcpy(grown + at + 1, now + at, (count - at) * sizeof *grown);
    grown[count + 1] = NULL;
    free(everything);
    everything = grown;
    return 0;
}

const ns_algorithm *ns_algorithm_find(const char *name, const ns_family **family_out)
{
    for (const ns_family *const *f = ns_families(); *f; f++)
        for (const ns_algorithm *a = (*f)->algorithms; a->name; a++)
            if (strcmp(a->name, name) == 0) {
                if (family_out)
                    *family_out = *f;
                return a;
            }
    return NULL;
}

size_t ns_family_nparams(const ns_family *f)
{
    size_t k = 0;
    while (k < NS_MAX_PARAMS && f->params[k].key)
        k++;
    return k;
}

/* Parameters set for a whole run (ns_params_override). */
#define MAX_OVERRIDES 16
static struct {
    char key[64];
    double value;
} overrides[MAX_OVERRIDES];
static size_t noverrides;

void ns_params_default(const ns_family *f, double *param)
{
    for (size_t k = 0; k < NS_MAX_PARAMS; k++)
        param[k] = k < ns_family_nparams(f) ? f->params[k].value : 0.0;
    for (size_t i = 0; i < noverrides; i++)
        for (size_t k = 0; k < ns_family_nparams(f); k++)
            if (strcmp(f->params[k].key, overrides[i].key) == 0)
                param[k] = overrides[i].value;
}

int ns_params_override(const char *kv, char *err, size_t errlen)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv) {
        snprintf(err, errlen, "--param '%s': expected KEY=VALUE", kv);
        return -1;
    }
    size_t klen = (size_t)(eq - kv);
    for (const ns_family *const *f = ns_families(); *f; f++)
        for (size_t k = 0; k < ns_family_nparams(*f); k++) {
            if (strlen((*f)->params[k].key) != klen || strncmp((*f)->params[k].key, kv, klen) != 0)
                continue;
            double param[NS_MAX_PARAMS];
            if (ns_params_set(*f, param, kv, err, errlen) != 0)     /* the value's checks */
                return -1;
            size_t i = 0;
            while (i < noverrides && strcmp(overrides[i].key, (*f)->params[k].key) != 0)
                i++;
            if (i == MAX_OVERRIDES) {
                snprintf(err, errlen, "--param '%s': more than %d parameters set", kv, MAX_OVERRIDES);
                return -1;
            }
            snprintf(overrides[i].key, sizeof overrides[i].key, "%s", (*f)->params[k].key);
            overrides[i].value = param[k];
            noverrides += i == noverrides;
            return 0;
        }
    snprintf(err, errlen, "--param '%.*s': no normalizer has this parameter (see 'normstab list normalizers')",
             (int)klen, kv);
    return -1;
}

void ns_params_overrides_of(const ns_family *f, char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < noverrides; i++)
        for (size_t k = 0; k < ns_family_nparams(f); k++)
            if (strcmp(f->params[k].key, overrides[i].key) == 0 && used < len) {
                int w = snprintf(buf + used, len - used, " --param %s=%.17g", overrides[i].key, overrides[i].value);
                used += w > 0 ? (size_t)w : 0;
            }
}

void ns_family_replay_options(const ns_family *f, char *buf, size_t len)
{
    if (!len)
        return;
    buf[0] = '\0';
    size_t used = 0;
    if (f->plugin) {
        /* The path in single quotes (a quote in it as '\''): pasted, it
         * must stay one word. */
        used = (size_t)snprintf(buf, len, " --plugin '");
        for (const char *c = f->plugin->path; *c && used + 5 < len; c++) {
            if (*c == '\'') {
                memcpy(buf + used, "'\\''", 4);
                used += 4;
            } else {
                buf[used++] = *c;
            }
        }
        if (used + 1 < len)
            buf[used++] = '\'';
        buf[used < len ? used : len - 1] = '\0';
    }
    if (used < len)
        ns_params_overrides_of(f, buf + used, len - used);
}

size_t ns_params_overrides(const char **key, double *value, size_t max)
{
    size_t i = 0;
    for (; i < noverrides && i < max; i++) {
        key[i] = overrides[i].key;
        value[i] = overrides[i].value;
    }
    return i;
}

int ns_params_set(const ns_family *f, double *param, const char *kv, char *err, size_t errlen)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv) {
        snprintf(err, errlen, "--param '%s': expected KEY=VALUE", kv);
        return -1;
    }
    size_t klen = (size_t)(eq - kv);
    size_t np = ns_family_nparams(f);
    for (size_t k = 0; k < np; k++) {
        if (strlen(f->params[k].key) != klen || strncmp(f->params[k].key, kv, klen) != 0)
            continue;
        char *end;
        errno = 0;
        double v = strtod(eq + 1, &end);
        if (end == eq + 1 || *end != '\0' || isnan(v)) {
            snprintf(err, errlen, "--param '%s': '%s' is not a number", kv, eq + 1);
            return -1;
        }
        param[k] = v;
        return 0;
    }
    if (np == 0)
        snprintf(err, errlen, "--param '%.*s': %s takes no parameters", (int)klen, kv, f->name);
    else {
        char keys[128] = "";
        for (size_t k = 0; k < np; k++) {
            strncat(keys, k ? ", " : "", sizeof keys - strlen(keys) - 1);
            strncat(keys, f->params[k].key, sizeof keys - strlen(keys) - 1);
        }
        snprintf(err, errlen, "--param '%.*s': unknown for %s (known: %s)", (int)klen, kv, f->name, keys);
    }
    return -1;
}
