#include "sum_order.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const fixed_names[] = { "seq", "pairwise", "kahan" };

/* The names of lanes:K and blocked:B, made once each and kept: a list that
 * only grows, under a lock (names are asked for from many threads). */
typedef struct named {
    ns_sum_order order;
    char name[24];
    struct named *next;
} named;

static named *names;
static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;

int ns_sum_order_valid(ns_sum_order s)
{
    if (s == NS_SUM_SEQ || s == NS_SUM_PAIRWISE || s == NS_SUM_KAHAN)
        return 1;
    ns_sum_order kind = ns_sum_kind(s);
    size_t p = ns_sum_param(s);
    if (kind == NS_SUM_BLOCKED)
        return p >= 1 && p <= NS_SUM_PARAM_MAX;
    return kind == NS_SUM_LANES && p >= 1 && p <= NS_SUM_PARAM_MAX && (p & (p - 1)) == 0;
}

const char *ns_sum_order_name(ns_sum_order s)
{
    if (ns_sum_kind(s) != NS_SUM_LANES && ns_sum_kind(s) != NS_SUM_BLOCKED)
        return (unsigned)s < 3 ? fixed_names[s] : "?";
    pthread_mutex_lock(&names_lock);
    named *n = names;
    while (n && n->order != s)
        n = n->next;
    if (!n && (n = malloc(sizeof *n))) {
        n->order = s;
        snprintf(n->name, sizeof n->name, "%s:%zu", ns_sum_kind(s) == NS_SUM_LANES ? "lanes" : "blocked",
                 ns_sum_param(s));
        n->next = names;
        names = n;
    }
    pthread_mutex_unlock(&names_lock);
    return n ? n->name : "?";
}

int ns_sum_order_parse(const char *name, ns_sum_order *out, char *err, size_t errlen)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(fixed_names[i], name) == 0) {
            *out = (ns_sum_order)i;
            return 0;
        }
    ns_sum_order kind = strncmp(name, "lanes:", 6) == 0 ? NS_SUM_LANES
                        : strncmp(name, "blocked:", 8) == 0 ? NS_SUM_BLOCKED : NS_SUM_SEQ;
    if (kind == NS_SUM_SEQ) {
        snprintf(err, errlen, "unknown summation order '%s' (known: %s)", name, NS_SUM_ORDERS_KNOWN);
        return -1;
    }
    const char *digits = strchr(name, ':') + 1;
    char *end;
    errno = 0;
    unsigned long long p = strtoull(digits, &end, 10);
    ns_sum_order s = (ns_sum_order)(kind | (p <= NS_SUM_PARAM_MAX ? p : 0));
    if (*digits < '0' || *digits > '9' || *end || errno || p > NS_SUM_PARAM_MAX || !ns_sum_order_valid(s)) {
        snprintf(err, errlen, "summation order '%s': %s", name,
                 kind == NS_SUM_LANES ? "K must be a power of two from 1 to 65536"
                                      : "B must be an integer from 1 to 65536");
        return -1;
    }
    *out = s;
    return 0;
}

int ns_sum_order_find(const char *name, ns_sum_order *out)
{
    char err[256];
    return ns_sum_order_parse(name, out, err, sizeof err);
}
