/* Named formulas into the catalogue and the references (define.h). */
#include "define.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../normalizers/contract.h"
#include "../normalizers/slots.h"
#include "../reference/ref.h"
#include "bound.h"
#include "eval.h"
#include "exact.h"

typedef struct slot {
    ns_formula *formula;
    ns_family *family;
    ns_algorithm *alg;
    ns_contract *contract;    /* the formula's own, to be filled in */
    char *no_bound;           /* why no error bound was derived (NULL: one was, or declared) */
} slot;

static slot slots[NS_FORMULA_MAX_DEFINED];
static size_t slots_used;

/* ---- adapters: one per slot ------------------------------------------------ */

#define SLOT(a, b)                                                                           \
    static void forward_##a##b(const ns_ops *op, const double *x, double *y, size_t n)       \
    {                                                                                        \
        ns_formula_forward(slots[a * 8 + b].formula, op, x, y, n);                            \
    }                                                                                        \
    static void backward_##a##b(const ns_ops *op, const double *x, const double *y,          \
                                const double *g, double *dx, size_t n)                       \
    {                                                                                        \
        ns_formula_backward(slots[a * 8 + b].formula, op, x, y, g, dx, n);                    \
    }                                                                                        \
    static void enclose_##a##b(const ns_ref_input *in, mpfr_prec_t prec, mpfi_ptr y,         \
                               mpfi_ptr dx)                                                  \
    {                                                                                        \
        ns_formula_enclose(slots[a * 8 + b].formula, in->x, in->g, in->param, in->n, prec,   \
                           y, dx);                                                           \
    }
NS_SLOTS64(SLOT)

static const struct {
    void (*forward)(const ns_ops *, const double *, double *, size_t);
    void (*backward)(const ns_ops *, const double *, const double *, const double *, double *, size_t);
    void (*enclose)(const ns_ref_input *, mpfr_prec_t, mpfi_ptr, mpfi_ptr);
} adapters[NS_FORMULA_MAX_DEFINED] = {
#define ENTRY(a, b) { forward_##a##b, backward_##a##b, enclose_##a##b },
    NS_SLOTS64(ENTRY)
};

/* ---- the default contract ---------------------------------------------------- */

static const ns_promise default_promises[] = {
    { .policies = "*", .no_nan = true, .no_inf = true, .finite_gradient = true },
    NS_END_PROMISES,
};

static const ns_hazard no_hazards[] = { NS_END_HAZARDS };

/* A first-order bound says nothing where a value leaves the format's
 * range: the rows where it does are expected to break it. */
#define RANGE_WHY "the first-order error bound derived from the expression assumes that nothing " \
                  "overflows or underflows"
#define LONG_WHY "the first-order error bound derived from the expression grows with n: on a row this " \
                 "long it is 1/2 or more and promises nothing (a p-bit sum stagnates)"
static const ns_hazard range_hazards[] = {
    NS_HAZARD(NS_KIND_ERROR, NS_CAUSE_OVERFLOW, RANGE_WHY),
    NS_HAZARD(NS_KIND_SUM, NS_CAUSE_OVERFLOW, RANGE_WHY),
    NS_HAZARD(NS_KIND_ERROR, NS_CAUSE_UNDERFLOW, RANGE_WHY),
    NS_HAZARD(NS_KIND_SUM, NS_CAUSE_UNDERFLOW, RANGE_WHY),
    NS_HAZARD(NS_KIND_ERROR, NS_CAUSE_SUBNORMAL_DENOMINATOR, RANGE_WHY),
    NS_HAZARD(NS_KIND_SUM, NS_CAUSE_SUBNORMAL_DENOMINATOR, RANGE_WHY),
    /* the judge holds a row whose bound grew past 1/2 to its leading bit */
    NS_HAZARD(NS_KIND_ERROR, NS_CAUSE_LONG_ROW, LONG_WHY),
    NS_HAZARD(NS_KIND_SUM, NS_CAUSE_LONG_ROW, LONG_WHY),
    NS_END_HAZARDS,
};

#define DEFAULT_SUMMARY "formula: no NaN or inf where the reference is finite; no error bound declared"
#define DERIVED_SUMMARY "formula: no NaN or inf where the reference is finite; first-order error bound " \
                        "derived from the expression"

/* The named policies whose tot holds every value of their input format,
 * comma-separated (where rowmax(x) is exact); NULL when out of memory. */
static char *tot_exact_policies(void)
{
    static char *names;
    if (names)
        return names;
    size_t len = 1;
    const ns_policy *const *lists[2] = { ns_policies, ns_kernel_policies };
    for (int l = 0; l < 2; l++)
        for (const ns_policy *const *p = lists[l]; *p; p++)
            len += strlen((*p)->name) + 1;
    if (!(names = malloc(len)))
        return NULL;
    names[0] = '\0';
    for (int l = 0; l < 2; l++)
        for (const ns_policy *const *p = lists[l]; *p; p++) {
            const ns_policy *q = *p;
            const ns_format *tot = q->tot ? q->tot : q->acc;
            if (ns_policy_is_ref(q) || q->in_mx || tot->p < q->io->p || tot->emax < q->io->emax ||
                tot->emin > q->io->emin)
                continue;
            strcat(strcat(names, names[0] ? "," : ""), q->name);
        }
    return names;
}

/* The default promises of f: its derived bound where one is derived (one
 * promise for the policies where rowmax(x) is exact, one for the others),
 * the promises without a bound elsewhere.  *why: why none was derived
 * (malloc'd), NULL when one was.  NULL when out of memory. */
static ns_promise *default_promises_of(const ns_formula *f, char **why)
{
    ns_formula_bound exact = ns_formula_bound_of(f, true), rounded = ns_formula_bound_of(f, false);
    ns_promise *pr = calloc(3, sizeof *pr);
    const char *names = tot_exact_policies();
    *why = NULL;
    if (!pr || !names) {
        free(pr);
        return NULL;
    }
    size_t k = 0;
    if (exact.derived && names[0]) {
        pr[k] = default_promises[0];
        pr[k].policies = names;
        pr[k].error = exact.error;
        if (exact.one_sign)
            pr[k].sum = exact.error;
        k++;
    }
    pr[k] = default_promises[0];
    if (rounded.derived) {
        pr[k].error = rounded.error;
        if (rounded.one_sign)
            pr[k].sum = rounded.error;
    }
    if (!exact.derived && !(*why = strdup(exact.why))) {
        free(pr);
        return NULL;
    }
    return pr;
}

/* ---- defining ------------------------------------------------------------------- */

const char *ns_formula_no_bound(const char *name)
{
    for (size_t k = 0; k < slots_used; k++)
        if (strcmp(slots[k].family->name, name) == 0)
            return slots[k].no_bound;
    return NULL;
}

const ns_formula *ns_formula_find(const char *name)
{
    for (size_t k = 0; k < slots_used; k++)
        if (strcmp(slots[k].family->name, name) == 0)
            return slots[k].formula;
    return NULL;
}

static const char *bad_name(const char *s)
{
    size_t len = strlen(s);
    if (len == 0)
        return "is empty";
    if (len > 63)
        return "is longer than 63 characters";
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("_.-+", s[i]))
            return "may hold only letters, digits and _ . - +";
    return NULL;
}

static int name_taken(const char *name)
{
    if (ns_algorithm_find(name, NULL))
        return 1;
    for (const ns_family *const *f = ns_families(); *f; f++)
        if (strcmp((*f)->name, name) == 0)
            return 1;
    return 0;
}

int ns_formula_define(const char *name, const char *text, char *err, size_t errlen)
{
    const char *why = bad_name(name);
    if (why) {
        snprintf(err, errlen, "the name '%.64s' %s", name, why);
        return -1;
    }
    if (name_taken(name)) {
        snprintf(err, errlen, "the name '%s' is taken (by a built-in, a plugin or another formula)", name);
        return -1;
    }
    if (slots_used >= NS_FORMULA_MAX_DEFINED) {
        snprintf(err, errlen, "too many formulas (at most %d in one run)", NS_FORMULA_MAX_DEFINED);
        return -1;
    }
    ns_formula *f = ns_formula_parse(text, err, errlen);
    if (!f)
        return -1;
    ns_family *fam = calloc(1, sizeof *fam);
    ns_algorithm *algs = calloc(2, sizeof *algs);
    ns_contract *contract = calloc(1, sizeof *contract);
    ns_reference *ref = calloc(1, sizeof *ref);
    char *copy = strdup(name), *no_bound = NULL;
    size_t slen = strlen(text) + 16;
    char *summary = malloc(slen);
    ns_promise *promises = f ? default_promises_of(f, &no_bound) : NULL;
    if (!fam || !algs || !contract || !ref || !copy || !summary || !promises) {
        free(fam), free(algs), free(contract), free(ref), free(copy), free(summary), free(promises);
        free(no_bound);
        ns_formula_free(f);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t k = slots_used;
    snprintf(summary, slen, "formula: %s", text);
    *contract = (ns_contract){ .summary = no_bound ? DEFAULT_SUMMARY : DERIVED_SUMMARY,
                               .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
                               .promises = promises,
                               .hazards = no_bound ? no_hazards : range_hazards };
    algs[0] = (ns_algorithm){ .name = copy, .summary = summary, .forward = adapters[k].forward,
                              .backward = adapters[k].backward, .contract = contract };
    fam->name = copy;
    fam->definition = f->text;
    fam->order = 10000 + (int)k;
    for (size_t p = 0; p < f->nparams; p++)
        fam->params[p] = (ns_param_def){ f->param_name[p], f->param_value[p], "declared in the formula" };
    fam->algorithms = algs;
    for (size_t j = 0; j < f->count; j++)      /* e^x of a logit itself: the report's threshold */
        if (f->node[j].op == NS_F_EXP && f->node[f->node[j].a].op == NS_F_X)
            fam->exp_of_logit = true;
    *ref = (ns_reference){ .family = copy, .enclose = adapters[k].enclose, .tier = NULL };
    slots[k] = (slot){ f, fam, algs, contract, no_bound };
    slots_used++;
    if (ns_catalogue_add(fam) != 0 || ns_reference_add(ref) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int ns_formula_define_arg(const char *arg, char *err, size_t errlen)
{
    const char *eq = strchr(arg, '=');
    if (!eq) {
        snprintf(err, errlen, "expected NAME='EXPR', found no '='");
        return -1;
    }
    char name[128];
    size_t len = (size_t)(eq - arg);
    while (len > 0 && arg[len - 1] == ' ')
        len--;
    if (len >= sizeof name) {
        snprintf(err, errlen, "the name is longer than 63 characters");
        return -1;
    }
    memcpy(name, arg, len);
    name[len] = '\0';
    return ns_formula_define(name, eq + 1, err, errlen);
}

/* ---- contracts in a definitions file --------------------------------------------- */

/* "8 + 2n + 1 spread + 0.5 maxabs" into b; 0, or -1 with err. */
static int read_bound(const char *s, ns_bound *b, char *err, size_t errlen)
{
    *b = (ns_bound){ 0 };
    const char *p = s;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        char *end;
        double c = strtod(p, &end);
        if (end == p || !(c >= 0) || c > 1e9) {
            snprintf(err, errlen, "expected a non-negative number in the bound '%s'", s);
            return -1;
        }
        p = end;
        while (*p == ' ' || *p == '\t' || *p == '*')
            p++;
        if (*p == 'n' && !isalpha((unsigned char)p[1])) {
            b->cn += c, p++;
        } else if (strncmp(p, "spread", 6) == 0) {
            b->cs += c, p += 6;
        } else if (strncmp(p, "maxabs", 6) == 0) {
            b->cx += c, p += 6;
        } else {
            b->c0 += c;
        }
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            return 0;
        if (*p != '+') {
            snprintf(err, errlen, "expected '+' or the end in the bound '%s', found '%c'", s, *p);
            return -1;
        }
        p++;
    }
}

/* "error = B; sum = B; gradient = B; hazard = CAUSE; ..." for the formula
 * defined as name. */
static int read_contract(const char *name, char *spec, char *err, size_t errlen)
{
    slot *sl = NULL;
    for (size_t k = 0; k < slots_used; k++)
        if (strcmp(slots[k].family->name, name) == 0)
            sl = &slots[k];
    if (!sl) {
        snprintf(err, errlen, "a contract for '%s', which no line above defines", name);
        return -1;
    }
    ns_promise *pr = calloc(2, sizeof *pr);
    ns_hazard *hz = calloc(NS_CAUSE_COUNT + 1, sizeof *hz);
    char *summary = malloc(strlen(spec) + 32);
    if (!pr || !hz || !summary) {
        free(pr), free(hz), free(summary);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    sprintf(summary, "formula: declared %s", spec);
    pr[0] = default_promises[0];
    size_t nh = 0;
    for (char *item = strtok(spec, ";"); item; item = strtok(NULL, ";")) {
        char *eq = strchr(item, '=');
        char key[32] = "";
        if (eq)
            sscanf(item, " %31[a-z]", key);
        char *value = eq ? eq + 1 : NULL;
        while (value && (*value == ' ' || *value == '\t'))
            value++;
        size_t vl = value ? strlen(value) : 0;
        while (vl > 0 && (value[vl - 1] == ' ' || value[vl - 1] == '\t'))
            value[--vl] = '\0';
        int r = 0;
        if (!eq) {
            snprintf(err, errlen, "expected KEY = VALUE (error, sum, gradient, hazard), found '%.64s'", item);
            r = -1;
        } else if (strcmp(key, "error") == 0) {
            r = read_bound(value, &pr[0].error, err, errlen);
        } else if (strcmp(key, "sum") == 0) {
            r = read_bound(value, &pr[0].sum, err, errlen);
        } else if (strcmp(key, "gradient") == 0) {
            r = read_bound(value, &pr[0].gradient, err, errlen);
        } else if (strcmp(key, "hazard") == 0) {
            int c = ns_cause_find(value);
            if (c < 0 || nh >= NS_CAUSE_COUNT) {
                snprintf(err, errlen, "unknown cause '%.64s' (the causes `normstab check` names, "
                         "such as overflow, underflow, zero denominator)", value);
                r = -1;
            } else {
                hz[nh++] = (ns_hazard)NS_HAZARD(NS_KIND_ANY, (ns_cause)c, "declared in the formula's contract");
            }
        } else {
            snprintf(err, errlen, "unknown key '%.32s' (error, sum, gradient, hazard)", key);
            r = -1;
        }
        if (r != 0) {
            free(pr), free(hz), free(summary);
            return -1;
        }
    }
    sl->contract->summary = summary;
    free((ns_promise *)sl->contract->promises);     /* the default's, or an earlier line's */
    sl->contract->promises = pr;
    sl->contract->hazards = hz;
    free(sl->no_bound);
    sl->no_bound = NULL;
    return 0;
}

/* ---- a definitions file ------------------------------------------------------------ */

/* One line, without its newline; lineno for messages.  0, or -1 with err. */
static int define_line(char *line, size_t lineno, char *err, size_t errlen)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0')
        return 0;
    size_t nlen = 0;
    while (p[nlen] && !strchr(" \t=:", p[nlen]))
        nlen++;
    char name[128];
    if (nlen == 0 || nlen >= sizeof name) {
        snprintf(err, errlen, "line %zu, column %zu: expected NAME = EXPR", lineno, (size_t)(p - line) + 1);
        return -1;
    }
    memcpy(name, p, nlen);
    name[nlen] = '\0';
    char *q = p + nlen;
    while (*q == ' ' || *q == '\t')
        q++;
    char inner[400];
    size_t dot = nlen > 9 ? nlen - 9 : 0;
    if (*q == ':' && nlen > 9 && strcmp(name + dot, ".contract") == 0) {
        name[dot] = '\0';
        if (read_contract(name, q + 1, inner, sizeof inner) != 0) {
            snprintf(err, errlen, "line %zu: %s", lineno, inner);
            return -1;
        }
        return 0;
    }
    if (*q != '=') {
        snprintf(err, errlen, "line %zu, column %zu: expected '=' after the name '%s'", lineno,
                 (size_t)(q - line) + 1, name);
        return -1;
    }
    const char *expr = q + 1;
    if (ns_formula_define(name, expr, inner, sizeof inner) != 0) {
        size_t col;
        if (sscanf(inner, "column %zu:", &col) == 1) {
            const char *rest = strchr(inner, ':') + 1;
            snprintf(err, errlen, "line %zu, column %zu:%s", lineno, col + (size_t)(expr - line), rest);
        } else {
            snprintf(err, errlen, "line %zu: %s", lineno, inner);
        }
        return -1;
    }
    return 0;
}

int ns_formula_define_file(const char *path, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        snprintf(err, errlen, "cannot read it");
        return -1;
    }
    char line[NS_FORMULA_MAX_TEXT + 256];
    size_t lineno = 0;
    int r = 0;
    while (r == 0 && fgets(line, sizeof line, fp)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            snprintf(err, errlen, "line %zu: longer than %zu characters", lineno, sizeof line - 2);
            r = -1;
            break;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        r = define_line(line, lineno, err, errlen);
    }
    fclose(fp);
    return r;
}

int ns_formula_define_env(char *err, size_t errlen)
{
    static int done;
    const char *path = getenv(NS_FORMULA_ENV);
    if (done || !path || !*path)
        return 0;
    done = 1;
    char inner[1024];
    if (ns_formula_define_file(path, inner, sizeof inner) != 0) {
        snprintf(err, errlen, "%s (from %s): %s", path, NS_FORMULA_ENV, inner);
        return -1;
    }
    return 0;
}
