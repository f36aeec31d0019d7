/* Findings and sets of them (see finding.h). */
#include "finding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ns_finding_init(ns_finding *f)
{
    memset(f, 0, sizeof *f);
    ns_row_init(&f->row);
}

void ns_finding_free(ns_finding *f)
{
    ns_row_free(&f->row);
}

int ns_finding_copy(ns_finding *dst, const ns_finding *src)
{
    ns_row keep = dst->row;
    *dst = *src;
    dst->row = keep;
    return ns_row_copy(&dst->row, &src->row);
}

void ns_finding_slug(const ns_finding *f, char *buf, size_t len)
{
    char cause[32];
    snprintf(cause, sizeof cause, "%s", ns_cause_name(f->cause));
    for (char *c = cause; *c; c++)
        if (*c == ' ')
            *c = '-';
    if (f->sum == NS_SUM_SEQ)
        snprintf(buf, len, "%s-%s-%s-%s", f->normalizer, f->policy, ns_kind_name(f->kind), cause);
    else
        snprintf(buf, len, "%s-%s-%s-%s-%s", f->normalizer, f->policy, ns_sum_order_name(f->sum),
                 ns_kind_name(f->kind), cause);
}

void ns_finding_set_init(ns_finding_set *s)
{
    memset(s, 0, sizeof *s);
}

void ns_finding_set_free(ns_finding_set *s)
{
    for (size_t i = 0; i < s->count; i++)
        ns_finding_free(&s->items[i]);
    free(s->items);
    ns_finding_set_init(s);
}

bool ns_finding_set_has_key(const ns_finding_set *s, const char *normalizer, const char *policy,
                            ns_sum_order sum, ns_kind kind, ns_cause cause)
{
    for (size_t i = 0; i < s->count; i++) {
        const ns_finding *g = &s->items[i];
        if (g->kind == kind && g->cause == cause && g->sum == sum &&
            strcmp(g->normalizer, normalizer) == 0 && strcmp(g->policy, policy) == 0)
            return true;
    }
    return false;
}

long ns_finding_set_find(const ns_finding_set *s, const ns_finding *f)
{
    for (size_t i = 0; i < s->count; i++) {
        const ns_finding *g = &s->items[i];
        if (g->kind == f->kind && g->cause == f->cause && g->sum == f->sum &&
            strcmp(g->normalizer, f->normalizer) == 0 && strcmp(g->policy, f->policy) == 0)
            return (long)i;
    }
    return -1;
}

int ns_finding_set_add(ns_finding_set *s, const ns_finding *f)
{
    long k = ns_finding_set_find(s, f);
    if (k >= 0) {
        ns_finding *g = &s->items[k];
        /* Keep the smaller row, then the earlier find. */
        if (f->row.n < g->row.n || (f->row.n == g->row.n && f->seconds < g->seconds))
            return ns_finding_copy(g, f) == 0 ? 0 : -1;
        return 0;
    }
    return ns_finding_set_append(s, f) == 0 ? 1 : -1;
}

int ns_finding_set_append(ns_finding_set *s, const ns_finding *f)
{
    if (s->count == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        ns_finding *p = realloc(s->items, cap * sizeof *p);
        if (!p)
            return -1;
        s->items = p;
        s->cap = cap;
    }
    ns_finding *g = &s->items[s->count];
    ns_finding_init(g);
    if (ns_finding_copy(g, f) != 0)
        return -1;
    s->count++;
    return 0;
}

size_t ns_finding_set_broken(const ns_finding_set *s)
{
    size_t k = 0;
    for (size_t i = 0; i < s->count; i++)
        k += !s->items[i].expected;
    return k;
}
