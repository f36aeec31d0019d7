/* The report in parts: parsing I/N, the assignment, the costs (shard.h). */
#include "shard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_count(const char *s, const char *end, unsigned long *v)
{
    if (s == end || *s < '0' || *s > '9')
        return -1;
    char *stop;
    errno = 0;
    *v = strtoul(s, &stop, 10);
    return stop == end && errno == 0 ? 0 : -1;
}

int ns_shard_parse(const char *s, unsigned *i, unsigned *n, char *err, size_t errlen)
{
    const char *slash = strchr(s, '/');
    unsigned long a, b;
    if (!slash || parse_count(s, slash, &a) != 0 || parse_count(slash + 1, slash + strlen(slash), &b) != 0) {
        snprintf(err, errlen, "--shard '%s': expected I/N, two whole numbers (the I-th of N parts)", s);
        return -1;
    }
    if (b < 1 || b > NS_SHARD_MAX) {
        snprintf(err, errlen, "--shard '%s': N must be from 1 to %d", s, NS_SHARD_MAX);
        return -1;
    }
    if (a < 1 || a > b) {
        snprintf(err, errlen, "--shard '%s': I must be from 1 to N (%lu)", s, b);
        return -1;
    }
    *i = (unsigned)a;
    *n = (unsigned)b;
    return 0;
}

typedef struct by_cost {
    const double *cost;
    size_t k;
} by_cost;

static int longest_first(const void *pa, const void *pb)
{
    const by_cost *a = pa, *b = pb;
    double ca = a->cost[a->k], cb = b->cost[b->k];
    if (ca != cb)
        return ca > cb ? -1 : 1;
    return a->k < b->k ? -1 : a->k > b->k;
}

int ns_shard_assign(const double *cost, size_t count, unsigned n, unsigned *owner)
{
    by_cost *order = malloc((count + 1) * sizeof *order);
    double *load = calloc(n + 1, sizeof *load);
    if (!order || !load) {
        free(order);
        free(load);
        return -1;
    }
    for (size_t k = 0; k < count; k++)
        order[k] = (by_cost){ cost, k };
    qsort(order, count, sizeof *order, longest_first);
    for (size_t j = 0; j < count; j++) {
        unsigned best = 0;
        for (unsigned p = 1; p < n; p++)
            if (load[p] < load[best])
                best = p;
        load[best] += cost[order[j].k];
        owner[order[j].k] = best + 1;
    }
    free(order);
    free(load);
    return 0;
}

double ns_shard_cost(ns_suite_size size, const char *name)
{
    const char *suite = ns_suite_size_name(size);
    size_t kind = strcspn(name, "-"), same = 0;
    double sum = 0;
    for (const ns_shard_cost_entry *e = ns_shard_costs; e->suite; e++) {
        if (strcmp(e->suite, suite) != 0)
            continue;
        if (strcmp(e->piece, name) == 0)
            return e->seconds;
        if (strncmp(e->piece, name, kind) == 0 && (e->piece[kind] == '-' || e->piece[kind] == '\0')) {
            sum += e->seconds;
            same++;
        }
    }
    return same ? sum / (double)same : 1.0;
}
