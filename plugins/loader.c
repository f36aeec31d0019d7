/* The plugin loader and the adapters that make a plugin algorithm an
 * ns_algorithm (loader.h). */
#include "loader.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../include/normstab/plugin.h"
#include "../normalizers/catalogue.h"
#include "../normalizers/slots.h"
#include "contract.h"
#include "derive.h"
#include "reference.h"
#include "scratch.h"

_Static_assert(NSP_MAX_PARAMS == NS_MAX_PARAMS, "plugin and catalogue parameter counts differ");

/* ---- nsp_ops backed by the job's ns_ops -------------------------------- */

typedef struct fast_host {
    const ns_ops *op;
    size_t nparams;
    ns_scratch_block *scratch;
    int out_of_memory;
} fast_host;

static const ns_ops *ops_of(const nsp_ops *o) { return ((fast_host *)o->host)->op; }
static nsp_num num(double v) { return (nsp_num){ v, 0 }; }

/* Zeroed memory that lives until the adapter returns; NULL when out of memory. */
static void *scratch_bytes(fast_host *h, size_t bytes)
{
    void *p = ns_scratch_alloc(&h->scratch, bytes);
    if (!p)
        h->out_of_memory = 1;
    return p;
}

static nsp_num *f_scratch(const nsp_ops *o, size_t count)
{
    return scratch_bytes(o->host, count * sizeof(nsp_num));
}

/* The values of v as doubles, for the policy's reductions. */
static double *doubles(const nsp_ops *o, const nsp_num *v, size_t n)
{
    double *d = scratch_bytes(o->host, n * sizeof *d);
    for (size_t i = 0; d && i < n; i++)
        d[i] = v[i].v;
    return d;
}

static nsp_num f_add(const nsp_ops *o, nsp_num a, nsp_num b) { return num(ns_add(ops_of(o), a.v, b.v)); }
static nsp_num f_sub(const nsp_ops *o, nsp_num a, nsp_num b) { return num(ns_sub(ops_of(o), a.v, b.v)); }
static nsp_num f_mul(const nsp_ops *o, nsp_num a, nsp_num b) { return num(ns_mul(ops_of(o), a.v, b.v)); }
static nsp_num f_div(const nsp_ops *o, nsp_num a, nsp_num b) { return num(ns_div(ops_of(o), a.v, b.v)); }
static nsp_num f_pow(const nsp_ops *o, nsp_num a, nsp_num b) { return num(ns_pow(ops_of(o), a.v, b.v)); }
static nsp_num f_fma(const nsp_ops *o, nsp_num a, nsp_num b, nsp_num c)
{
    return num(ns_fma(ops_of(o), a.v, b.v, c.v));
}
static nsp_num f_sqrt(const nsp_ops *o, nsp_num a) { return num(ns_sqrt(ops_of(o), a.v)); }
static nsp_num f_exp(const nsp_ops *o, nsp_num a) { return num(ns_exp(ops_of(o), a.v)); }
static nsp_num f_expm1(const nsp_ops *o, nsp_num a) { return num(ns_expm1(ops_of(o), a.v)); }
static nsp_num f_log(const nsp_ops *o, nsp_num a) { return num(ns_log(ops_of(o), a.v)); }
static nsp_num f_log1p(const nsp_ops *o, nsp_num a) { return num(ns_log1p(ops_of(o), a.v)); }
static nsp_num f_tanh(const nsp_ops *o, nsp_num a) { return num(ns_tanh(ops_of(o), a.v)); }
static nsp_num f_constant(const nsp_ops *o, double c) { return num(ns_const(ops_of(o), c)); }
static nsp_num f_exact(const nsp_ops *o, double c) { (void)o; return num(c); }
static nsp_num f_acc_add(const nsp_ops *o, nsp_num a, nsp_num b) { return num(ns_acc_add(ops_of(o), a.v, b.v)); }
static nsp_num f_acc_mul(const nsp_ops *o, nsp_num a, nsp_num b) { return num(ns_acc_mul(ops_of(o), a.v, b.v)); }

static nsp_num f_max(const nsp_ops *o, const nsp_num *v, size_t n)
{
    double *d = doubles(o, v, n);
    return num(d ? ns_max(ops_of(o), d, n) : NAN);
}

static nsp_num f_sum(const nsp_ops *o, const nsp_num *v, size_t n)
{
    double *d = doubles(o, v, n);
    return num(d ? ns_sum(ops_of(o), d, n) : NAN);
}

static nsp_num f_dot(const nsp_ops *o, const nsp_num *a, const nsp_num *b, size_t n)
{
    double *da = doubles(o, a, n), *db = doubles(o, b, n);
    return num(da && db ? ns_dot(ops_of(o), da, db, n) : NAN);
}

static nsp_num f_denominator(const nsp_ops *o, nsp_num d) { return num(ns_denominator(ops_of(o), d.v)); }
static int f_less(const nsp_ops *o, nsp_num a, nsp_num b) { (void)o; return a.v < b.v; }
static int f_sign(const nsp_ops *o, nsp_num a) { (void)o; return (a.v > 0) - (a.v < 0); }

static double f_param(const nsp_ops *o, size_t k)
{
    fast_host *h = o->host;
    return k < h->nparams ? h->op->param[k] : NAN;
}

static const nsp_ops fast_ops = {
    .add = f_add, .sub = f_sub, .mul = f_mul, .div = f_div, .fma = f_fma,
    .sqrt = f_sqrt, .exp = f_exp, .expm1 = f_expm1, .log = f_log, .log1p = f_log1p,
    .tanh = f_tanh, .pow = f_pow,
    .constant = f_constant, .exact = f_exact,
    .acc_add = f_acc_add, .acc_mul = f_acc_mul,
    .max = f_max, .sum = f_sum, .dot = f_dot,
    .denominator = f_denominator,
    .less = f_less, .sign = f_sign,
    .param = f_param, .scratch = f_scratch,
};

static void host_free(fast_host *h)
{
    ns_scratch_free(&h->scratch);
}

/* ---- adapters: one per slot -------------------------------------------- */

typedef struct slot {
    const nsp_algorithm *alg;
    size_t nparams;
} slot;

static slot slots[NS_PLUGIN_MAX_ALGORITHMS];
static size_t slots_used;

/* Numbers from doubles, in scratch. */
static nsp_num *numbers(nsp_ops *o, const double *v, size_t n)
{
    nsp_num *r = f_scratch(o, n);
    for (size_t i = 0; r && i < n; i++)
        r[i] = num(v[i]);
    return r;
}

/* out[i] = v[i], or NaN everywhere when memory ran out on the way (a result
 * the analysis then reports rather than one computed from garbage). */
static void results(const fast_host *h, const nsp_num *v, double *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = v && !h->out_of_memory ? v[i].v : NAN;
}

static void slot_forward(size_t k, const ns_ops *op, const double *x, double *y, size_t n)
{
    fast_host h = { op, slots[k].nparams, NULL, 0 };
    nsp_ops o = fast_ops;
    o.host = &h;
    nsp_num *xn = numbers(&o, x, n), *yn = f_scratch(&o, n);
    if (xn && yn)
        slots[k].alg->forward(&o, xn, yn, n);
    results(&h, yn, y, n);
    host_free(&h);
}

static void slot_backward(size_t k, const ns_ops *op, const double *x, const double *y,
                          const double *g, double *dx, size_t n)
{
    fast_host h = { op, slots[k].nparams, NULL, 0 };
    nsp_ops o = fast_ops;
    o.host = &h;
    nsp_num *xn = numbers(&o, x, n), *yn = numbers(&o, y, n), *gn = numbers(&o, g, n);
    nsp_num *dxn = f_scratch(&o, n);
    if (!slots[k].alg->backward) {
        host_free(&h);
        ns_plugin_derive_backward(slots[k].alg, slots[k].nparams, op, x, y, g, dx, n);
        return;
    }
    if (xn && yn && gn && dxn)
        slots[k].alg->backward(&o, xn, yn, gn, dxn, n);
    results(&h, dxn, dx, n);
    host_free(&h);
}

#define SLOT(a, b)                                                                         \
    static void forward_##a##b(const ns_ops *op, const double *x, double *y, size_t n)     \
    {                                                                                      \
        slot_forward(a * 8 + b, op, x, y, n);                                              \
    }                                                                                      \
    static void backward_##a##b(const ns_ops *op, const double *x, const double *y,        \
                                const double *g, double *dx, size_t n)                     \
    {                                                                                      \
        slot_backward(a * 8 + b, op, x, y, g, dx, n);                                      \
    }
NS_SLOTS64(SLOT)

static const struct {
    void (*forward)(const ns_ops *, const double *, double *, size_t);
    void (*backward)(const ns_ops *, const double *, const double *, const double *, double *, size_t);
} adapters[NS_PLUGIN_MAX_ALGORITHMS] = {
#define ENTRY(a, b) { forward_##a##b, backward_##a##b },
    NS_SLOTS64(ENTRY)
};

const nsp_algorithm *ns_plugin_algorithm(const char *name, size_t *nparams)
{
    for (size_t k = 0; k < slots_used; k++)
        if (strcmp(slots[k].alg->name, name) == 0) {
            *nparams = slots[k].nparams;
            return slots[k].alg;
        }
    return NULL;
}

/* ---- checking a descriptor --------------------------------------------- */

/* Lists longer than this are taken as unterminated. */
#define MAX_LIST 256

/* A name is 1..63 printable characters without blanks (it is typed on
 * command lines and written into JSON and Markdown). */
static const char *bad_name(const char *s)
{
    if (!s)
        return "is NULL";
    size_t len = strlen(s);
    if (len == 0)
        return "is empty";
    if (len > 63)
        return "is longer than 63 characters";
    for (size_t i = 0; i < len; i++)
        if (!isgraph((unsigned char)s[i]) || s[i] == '"' || s[i] == '\\' || s[i] == '|')
            return "has a blank, a control character, a quote, a backslash or a '|'";
    return NULL;
}

static size_t count_families(const nsp_family *f)
{
    size_t k = 0;
    while (k <= MAX_LIST && f[k].name)
        k++;
    return k;
}

static size_t count_algorithms(const nsp_algorithm *a)
{
    size_t k = 0;
    while (k <= MAX_LIST && a[k].name)
        k++;
    return k;
}

static size_t count_params(const nsp_family *f)
{
    size_t k = 0;
    while (k < NSP_MAX_PARAMS && f->params[k].key)
        k++;
    return k;
}

/* Who defined a name already: "normstab" or "plugin NAME (PATH)". */
static void owner(const ns_family *f, char *buf, size_t len)
{
    if (f->plugin)
        snprintf(buf, len, "plugin %s (%s)", f->plugin->name, f->plugin->path);
    else
        snprintf(buf, len, "normstab");
}

static const ns_family *family_known(const char *name)
{
    for (const ns_family *const *f = ns_families(); *f; f++)
        if (strcmp((*f)->name, name) == 0)
            return *f;
    return NULL;
}

/* Checks the whole descriptor; 0, or -1 with err. */
static int check_descriptor(const nsp_plugin *d, char *err, size_t errlen)
{
    const char *why;
    if ((why = bad_name(d->name))) {
        snprintf(err, errlen, "malformed descriptor: the plugin's name %s", why);
        return -1;
    }
    if (!d->families || !d->families[0].name) {
        snprintf(err, errlen, "malformed descriptor: no families");
        return -1;
    }
    size_t nfam = count_families(d->families), nalg_total = 0;
    if (nfam > MAX_LIST) {
        snprintf(err, errlen, "malformed descriptor: more than %d families "
                 "(is the list ended by a family whose name is NULL?)", MAX_LIST);
        return -1;
    }
    for (size_t i = 0; i < nfam; i++) {
        const nsp_family *f = &d->families[i];
        if ((why = bad_name(f->name))) {
            snprintf(err, errlen, "malformed descriptor: family %zu: its name %s", i, why);
            return -1;
        }
        const ns_family *known = family_known(f->name);
        if (known) {
            char by[512];
            owner(known, by, sizeof by);
            snprintf(err, errlen, "family '%s' is already defined by %s", f->name, by);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(d->families[j].name, f->name) == 0) {
                snprintf(err, errlen, "malformed descriptor: family '%s' is defined twice", f->name);
                return -1;
            }
        for (size_t p = 0; p < count_params(f); p++)
            if ((why = bad_name(f->params[p].key))) {
                snprintf(err, errlen, "malformed descriptor: family '%s': parameter %zu: its key %s",
                         f->name, p, why);
                return -1;
            }
        if (!f->algorithms || !f->algorithms[0].name) {
            snprintf(err, errlen, "malformed descriptor: family '%s' has no algorithms", f->name);
            return -1;
        }
        size_t nalg = count_algorithms(f->algorithms);
        if (nalg > MAX_LIST) {
            snprintf(err, errlen, "malformed descriptor: family '%s': more than %d algorithms "
                     "(is the list ended by an algorithm whose name is NULL?)", f->name, MAX_LIST);
            return -1;
        }
        int fallback_found = f->reference || !f->fallback_algorithm;
        for (size_t j = 0; j < nalg; j++) {
            const nsp_algorithm *a = &f->algorithms[j];
            if ((why = bad_name(a->name))) {
                snprintf(err, errlen, "malformed descriptor: family '%s': algorithm %zu ('%.64s'): its name %s",
                         f->name, j, a->name ? a->name : "", why);
                return -1;
            }
            const ns_family *in;
            if (ns_algorithm_find(a->name, &in)) {
                char by[512];
                owner(in, by, sizeof by);
                snprintf(err, errlen, "algorithm '%s' is already defined by %s", a->name, by);
                return -1;
            }
            if (!a->forward) {
                snprintf(err, errlen, "malformed descriptor: algorithm '%s' has no forward pass", a->name);
                return -1;
            }
            char why_contract[256];
            if (a->contract && ns_plugin_contract_check(a->contract, why_contract, sizeof why_contract) != 0) {
                snprintf(err, errlen, "malformed descriptor: algorithm '%s': contract: %s", a->name,
                         why_contract);
                return -1;
            }
            for (size_t fi = 0; fi <= i; fi++)
                for (size_t aj = 0; aj < (fi < i ? count_algorithms(d->families[fi].algorithms) : j); aj++)
                    if (strcmp(d->families[fi].algorithms[aj].name, a->name) == 0) {
                        snprintf(err, errlen, "malformed descriptor: algorithm '%s' is defined twice", a->name);
                        return -1;
                    }
            if (!fallback_found && strcmp(a->name, f->fallback_algorithm) == 0)
                fallback_found = 1;
        }
        if (!fallback_found) {
            snprintf(err, errlen, "malformed descriptor: family '%s': fallback_algorithm '%s' is not one of its algorithms",
                     f->name, f->fallback_algorithm);
            return -1;
        }
        nalg_total += nalg;
    }
    if (slots_used + nalg_total > NS_PLUGIN_MAX_ALGORITHMS) {
        snprintf(err, errlen, "too many plugin algorithms (at most %d in one run)", NS_PLUGIN_MAX_ALGORITHMS);
        return -1;
    }
    return 0;
}

/* ---- registering ------------------------------------------------------- */

static const nsp_algorithm *fallback_of(const nsp_family *pf)
{
    if (pf->fallback_algorithm)
        for (const nsp_algorithm *a = pf->algorithms; a->name; a++)
            if (strcmp(a->name, pf->fallback_algorithm) == 0)
                return a;
    return &pf->algorithms[0];
}

static char *format_new(const char *fmt, const char *a, const char *b)
{
    size_t len = strlen(fmt) + strlen(a) + strlen(b) + 1;
    char *s = malloc(len);
    if (s)
        snprintf(s, len, fmt, a, b);
    return s;
}

/* Adds one checked family; 0, or -1 with err. */
static int add_family(const char *path, const nsp_plugin *d, const nsp_family *pf, char *err, size_t errlen)
{
    size_t nparams = count_params(pf), nalg = count_algorithms(pf->algorithms);
    ns_family *f = calloc(1, sizeof *f);
    ns_plugin_origin *origin = calloc(1, sizeof *origin);
    ns_algorithm *algs = calloc(nalg + 1, sizeof *algs);
    char *label = malloc(256), *copy = strdup(path);
    if (!f || !origin || !algs || !label || !copy)
        goto out_of_memory;
    if (!ns_ref_plugin_make(pf, fallback_of(pf), nparams, label, 256, err, errlen))
        goto fail;
    *origin = (ns_plugin_origin){ .path = copy, .name = d->name, .reference = label,
                                  .fallback = pf->reference == NULL };
    for (size_t j = 0; j < nalg; j++) {
        const nsp_algorithm *a = &pf->algorithms[j];
        char *summary = format_new(origin->fallback ? "%s [plugin %s, fallback reference]" : "%s [plugin %s]",
                                   a->summary ? a->summary : "", d->name);
        if (!summary)
            goto out_of_memory;
        const ns_contract *contract = NULL;
        if (a->contract && !(contract = ns_plugin_contract_make(a->contract)))
            goto out_of_memory;
        size_t k = slots_used++;
        slots[k] = (slot){ a, nparams };
        algs[j] = (ns_algorithm){ .name = a->name, .summary = summary, .contract = contract,
                                  .forward = adapters[k].forward, .backward = adapters[k].backward };
    }
    f->name = pf->name;
    f->definition = pf->definition ? pf->definition : "";
    f->order = pf->order;
    for (size_t p = 0; p < nparams; p++)
        f->params[p] = (ns_param_def){ pf->params[p].key, pf->params[p].value,
                                       pf->params[p].summary ? pf->params[p].summary : "" };
    f->algorithms = algs;
    f->plugin = origin;
    if (ns_catalogue_add(f) != 0)
        goto out_of_memory;
    return 0;
out_of_memory:
    snprintf(err, errlen, "out of memory");
fail:
    free(f);
    free(origin);
    free(algs);
    free(label);
    free(copy);
    return -1;
}

int ns_plugin_check(const nsp_plugin *d, char *err, size_t errlen)
{
    if (!d) {
        snprintf(err, errlen, "malformed descriptor: %s() returned NULL", NS_PLUGIN_ENTRY);
        return -1;
    }
    if (d->abi_version != NS_PLUGIN_ABI_VERSION) {
        snprintf(err, errlen, "built for plugin ABI version %d; this normstab speaks versions 1 and %d",
                 d->abi_version, NS_PLUGIN_ABI_VERSION);
        return -1;
    }
    return check_descriptor(d, err, errlen);
}

/* ---- version 1 ---------------------------------------------------------- */

/* A version-1 descriptor in the version-2 layout (contracts NULL: the
 * default), in memory that lives as long as the plugin (never unloaded);
 * NULL with err when a list is unterminated or memory ran out.  What the
 * copy holds is checked as any descriptor is. */
static const nsp_plugin *from_v1(const nsp_plugin_v1 *d1, char *err, size_t errlen)
{
    size_t nfam = 0;
    while (d1->families && nfam <= MAX_LIST && d1->families[nfam].name)
        nfam++;
    if (nfam > MAX_LIST) {
        snprintf(err, errlen, "malformed descriptor: more than %d families "
                 "(is the list ended by a family whose name is NULL?)", MAX_LIST);
        return NULL;
    }
    nsp_plugin *d = calloc(1, sizeof *d);
    nsp_family *fam = calloc(nfam + 1, sizeof *fam);
    if (!d || !fam)
        goto out_of_memory;
    *d = (nsp_plugin){ .abi_version = NS_PLUGIN_ABI_VERSION, .name = d1->name,
                       .families = d1->families ? fam : NULL };
    for (size_t i = 0; i < nfam; i++) {
        const nsp_family_v1 *f1 = &d1->families[i];
        size_t nalg = 0;
        while (f1->algorithms && nalg <= MAX_LIST && f1->algorithms[nalg].name)
            nalg++;
        if (nalg > MAX_LIST) {
            snprintf(err, errlen, "malformed descriptor: family '%.64s': more than %d algorithms "
                     "(is the list ended by an algorithm whose name is NULL?)", f1->name, MAX_LIST);
            free(d);
            free(fam);
            return NULL;
        }
        nsp_algorithm *alg = calloc(nalg + 1, sizeof *alg);
        if (!alg)
            goto out_of_memory;
        for (size_t j = 0; j < nalg; j++) {
            const nsp_algorithm_v1 *a1 = &f1->algorithms[j];
            if (!a1->backward) {
                snprintf(err, errlen, "malformed descriptor: algorithm '%.64s' has no backward pass "
                         "(a version-1 plugin must give one; version 2 derives it: docs/plugins.md)",
                         a1->name ? a1->name : "");
                free(alg);
                goto refused;
            }
            alg[j] = (nsp_algorithm){ .name = a1->name, .summary = a1->summary,
                                      .forward = a1->forward, .backward = a1->backward };
        }
        if (!f1->algorithms) {
            free(alg);
            alg = NULL;
        }
        fam[i] = (nsp_family){ .name = f1->name, .definition = f1->definition, .order = f1->order,
                               .algorithms = alg, .reference = f1->reference,
                               .fallback_algorithm = f1->fallback_algorithm };
        memcpy(fam[i].params, f1->params, sizeof fam[i].params);
    }
    return d;
out_of_memory:
    snprintf(err, errlen, "out of memory");
refused:
    for (size_t i = 0; fam && i < nfam; i++)
        free((void *)fam[i].algorithms);
    free(d);
    free(fam);
    return NULL;
}

/* A converted version-1 descriptor refused: all of it. */
static void free_copy(nsp_plugin *d)
{
    if (!d)
        return;
    for (const nsp_family *f = d->families; f && f->name; f++)
        free((void *)f->algorithms);
    free((void *)d->families);
    free(d);
}

/* The descriptor behind the library's entry point: ns_plugin_v2, else
 * ns_plugin_v1 (whose descriptor has the layout its abi_version names).
 * NULL with err.  *copy: the converted version-1 descriptor, or NULL. */
static const nsp_plugin *descriptor(void *h, nsp_plugin **copy, char *err, size_t errlen)
{
    *copy = NULL;
    void *sym = dlsym(h, NS_PLUGIN_ENTRY);
    int v1 = !sym;
    if (v1)
        sym = dlsym(h, NS_PLUGIN_ENTRY_V1);
    if (!sym) {
        snprintf(err, errlen, "no entry point %s or %s (not a normstab plugin, or one for another ABI version)",
                 NS_PLUGIN_ENTRY, NS_PLUGIN_ENTRY_V1);
        return NULL;
    }
    const void *(*entry)(void);
    memcpy(&entry, &sym, sizeof entry);
    const void *raw = entry();
    if (!raw) {
        snprintf(err, errlen, "malformed descriptor: %s() returned NULL", v1 ? NS_PLUGIN_ENTRY_V1 : NS_PLUGIN_ENTRY);
        return NULL;
    }
    /* abi_version comes first in every version's layout. */
    const nsp_plugin_v1 *d1 = raw;
    if (d1->abi_version == 1)
        return *copy = (nsp_plugin *)from_v1(d1, err, errlen);
    return raw;                  /* checked by the caller, as every descriptor */
}

static void **handles;
static size_t nhandles;

int ns_plugin_load(const char *path, char *err, size_t errlen)
{
    if (access(path, F_OK) != 0) {
        snprintf(err, errlen, "cannot read it (%s)", strerror(errno));
        return -1;
    }
    /* dlopen searches the library path for a name without a '/'; a plugin
     * is a file, so name it as one. */
    char local[4096];
    const char *open_as = path;
    if (!strchr(path, '/')) {
        snprintf(local, sizeof local, "./%s", path);
        open_as = local;
    }
    dlerror();
    void *h = dlopen(open_as, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        const char *colon = why ? strstr(why, ": ") : NULL;  /* dlerror repeats the path */
        snprintf(err, errlen, "not a loadable shared library (%s)", colon ? colon + 2 : why ? why : "dlopen failed");
        return -1;
    }
    for (size_t i = 0; i < nhandles; i++)
        if (handles[i] == h) {
            dlclose(h);           /* already loaded: drop the extra reference */
            return 0;
        }
    nsp_plugin *copy;
    const nsp_plugin *d = descriptor(h, &copy, err, errlen);
    int ok = d && ns_plugin_check(d, err, errlen) == 0;
    void **grown = ok ? realloc(handles, (nhandles + 1) * sizeof *grown) : NULL;
    if (ok && !grown) {
        snprintf(err, errlen, "out of memory");
        ok = 0;
    }
    if (!ok) {
        free_copy(copy);
        dlclose(h);
        return -1;
    }
    handles = grown;
    handles[nhandles++] = h;
    int status = 0;
    for (const nsp_family *pf = d->families; status == 0 && pf->name; pf++)
        status = add_family(path, d, pf, err, errlen);  /* out of memory: the families added so far stay */
    free(copy);             /* the families it points to stay: the catalogue holds them */
    return status;
}

int ns_plugin_load_list(const char *list, const char **failed, char *err, size_t errlen)
{
    static char path[4096];
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ":");
        if (len > 0) {
            if (len >= sizeof path) {
                snprintf(path, sizeof path, "%.*s...", 64, p);
                snprintf(err, errlen, "path too long");
                *failed = path;
                return -1;
            }
            memcpy(path, p, len);
            path[len] = '\0';
            if (ns_plugin_load(path, err, errlen) != 0) {
                *failed = path;
                return -1;
            }
        }
        p += len;
        if (*p == ':')
            p++;
    }
    return 0;
}
