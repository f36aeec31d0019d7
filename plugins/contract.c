/* Plugin contracts into normstab's (contract.h). */
#include "contract.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* The plugin's enumerations are normstab's, value for value. */
_Static_assert(NSP_KIND_NAN == (int)NS_KIND_NAN && NSP_KIND_INF == (int)NS_KIND_INF &&
               NSP_KIND_ERROR == (int)NS_KIND_ERROR && NSP_KIND_SUM == (int)NS_KIND_SUM &&
               NSP_KIND_DENOMINATOR == (int)NS_KIND_DENOMINATOR &&
               NSP_KIND_GRADIENT == (int)NS_KIND_GRADIENT && NSP_KIND_NEGATIVE == (int)NS_KIND_NEGATIVE &&
               NSP_KIND_ANY == (int)NS_KIND_ANY && NSP_KIND_NEGATIVE + 1 == (int)NS_KIND_COUNT,
               "plugin kinds differ from normstab's");
_Static_assert(NSP_CAUSE_ALL_MASKED == (int)NS_CAUSE_ALL_MASKED && NSP_CAUSE_MASKED == (int)NS_CAUSE_MASKED &&
               NSP_CAUSE_ZERO_DENOMINATOR == (int)NS_CAUSE_ZERO_DENOMINATOR &&
               NSP_CAUSE_OVERFLOW == (int)NS_CAUSE_OVERFLOW &&
               NSP_CAUSE_SUBNORMAL_DENOMINATOR == (int)NS_CAUSE_SUBNORMAL_DENOMINATOR &&
               NSP_CAUSE_UNDERFLOW == (int)NS_CAUSE_UNDERFLOW &&
               NSP_CAUSE_LARGE_LOGITS == (int)NS_CAUSE_LARGE_LOGITS &&
               NSP_CAUSE_LONG_ROW == (int)NS_CAUSE_LONG_ROW && NSP_CAUSE_TINY_LOGITS == (int)NS_CAUSE_TINY_LOGITS &&
               NSP_CAUSE_ORDINARY == (int)NS_CAUSE_ORDINARY && NSP_CAUSE_ANY == (int)NS_CAUSE_ANY &&
               NSP_CAUSE_ORDINARY + 1 == (int)NS_CAUSE_COUNT,
               "plugin causes differ from normstab's");
_Static_assert(NSP_DOMAIN_MASKED == NS_DOMAIN_MASKED && NSP_DOMAIN_ALL_MASKED == NS_DOMAIN_ALL_MASKED,
               "plugin domain flags differ from normstab's");
_Static_assert(NSP_DEN_NONE == (int)NS_DEN_PROMISE_NONE && NSP_DEN_NONZERO == (int)NS_DEN_PROMISE_NONZERO &&
               NSP_DEN_NORMAL == (int)NS_DEN_PROMISE_NORMAL, "plugin denominator promises differ");

/* Lists longer than this are taken as unterminated. */
#define MAX_LIST 256

static size_t count_promises(const nsp_promise *p)
{
    size_t k = 0;
    while (p && k <= MAX_LIST && p[k].policies)
        k++;
    return k;
}

static size_t count_hazards(const nsp_hazard *h)
{
    size_t k = 0;
    while (h && k <= MAX_LIST && h[k].why)
        k++;
    return k;
}

static int bad_coefficient(double c) { return !(c >= 0) || isinf(c); }

static const char *bad_bound(const nsp_bound *b)
{
    const double c[7] = { b->c0, b->cn, b->cs, b->cx, b->cnx, b->cq, b->ck };
    for (int i = 0; i < 7; i++)
        if (bad_coefficient(c[i]))
            return "a coefficient is negative, infinite or NaN";
    return NULL;
}

static int fail(char *err, size_t errlen, const char *what, size_t k, const char *why)
{
    snprintf(err, errlen, "%s %zu: %s", what, k, why);
    return -1;
}

int ns_plugin_contract_check(const nsp_contract *c, char *err, size_t errlen)
{
    if (c->domain & ~(unsigned)(NSP_DOMAIN_MASKED | NSP_DOMAIN_ALL_MASKED)) {
        snprintf(err, errlen, "domain flags 0x%x are not NSP_DOMAIN_ values", c->domain);
        return -1;
    }
    if (bad_coefficient(c->max_abs)) {
        snprintf(err, errlen, "max_abs %g is not a non-negative number", c->max_abs);
        return -1;
    }
    size_t np = count_promises(c->promises), nh = count_hazards(c->hazards);
    if (np > MAX_LIST || nh > MAX_LIST) {
        snprintf(err, errlen, "more than %d %s (is the list ended by NULL %s?)", MAX_LIST,
                 np > MAX_LIST ? "promises" : "hazards", np > MAX_LIST ? "policies" : "why");
        return -1;
    }
    if (c->promises && np == 0) {
        snprintf(err, errlen, "the promises list is empty (NULL promises: the default ones)");
        return -1;
    }
    for (size_t k = 0; k < np; k++) {
        const nsp_promise *p = &c->promises[k];
        const char *why;
        if (p->denominator < NSP_DEN_NONE || p->denominator > NSP_DEN_NORMAL)
            return fail(err, errlen, "promise", k, "denominator is not an NSP_DEN_ value");
        if ((why = bad_bound(&p->error)) || (why = bad_bound(&p->sum)) || (why = bad_bound(&p->gradient)))
            return fail(err, errlen, "promise", k, why);
        if (bad_coefficient(p->error_floor) || bad_coefficient(p->max_gain))
            return fail(err, errlen, "promise", k, "error_floor or max_gain is negative, infinite or NaN");
    }
    for (size_t k = 0; k < nh; k++) {
        const nsp_hazard *h = &c->hazards[k];
        if (h->kind < NSP_KIND_ANY || h->kind > NSP_KIND_NEGATIVE)
            return fail(err, errlen, "hazard", k, "its kind is not an NSP_KIND_ value");
        if (h->cause < NSP_CAUSE_ANY || h->cause > NSP_CAUSE_ORDINARY)
            return fail(err, errlen, "hazard", k, "its cause is not an NSP_CAUSE_ value");
    }
    return 0;
}

static ns_bound bound(const nsp_bound *b)
{
    return (ns_bound){ b->c0, b->cn, b->cs, b->cx, b->cnx, b->cq, b->ck };
}

const ns_contract *ns_plugin_contract_make(const nsp_contract *c)
{
    size_t np = count_promises(c->promises), nh = count_hazards(c->hazards);
    ns_contract *r = calloc(1, sizeof *r);
    ns_promise *p = c->promises ? calloc(np + 1, sizeof *p) : NULL;
    ns_hazard *h = calloc(nh + 1, sizeof *h);
    if (!r || (c->promises && !p) || !h) {
        free(r);
        free(p);
        free(h);
        return NULL;
    }
    for (size_t k = 0; k < np; k++) {
        const nsp_promise *q = &c->promises[k];
        p[k] = (ns_promise){ .policies = q->policies, .no_nan = q->no_nan != 0, .no_inf = q->no_inf != 0,
                             .no_negative = q->no_negative != 0, .finite_gradient = q->finite_gradient != 0,
                             .denominator = (ns_den_promise)q->denominator, .error = bound(&q->error),
                             .error_floor = q->error_floor, .sum = bound(&q->sum),
                             .gradient = bound(&q->gradient), .max_gain = q->max_gain };
    }
    for (size_t k = 0; k < nh; k++) {
        const nsp_hazard *q = &c->hazards[k];
        h[k] = (ns_hazard){ .kind = (ns_kind)q->kind, .policies = q->policies ? q->policies : "*",
                            .cause = (ns_cause)q->cause, .why = q->why };
    }
    *r = (ns_contract){
        .summary = c->summary ? c->summary : "the plugin's contract",
        .domain = { .flags = c->domain, .max_abs = c->max_abs, .why = c->domain_why },
        .promises = p ? p : ns_contract_default.promises,
        .hazards = h,
    };
    return r;
}
