/* Composable policies (SPEC section 6):
 *   in=FMT,work=FMT,acc=FMT,out=FMT[,tot=FMT][,p=FMT][,saved=out|work]
 * Parts in any order, each once; in is required; omitted parts default to
 * work = in, acc = work, out = in, tot = acc, p = in, saved = out.  FMT is
 * any format with modifiers; in, out and p (data) may also be MX formats,
 * whose blocks hold 32 values; work, acc and tot (arithmetic) may not.  An
 * expansion that spells a named policy is that policy; any other is made
 * once, named by its canonical spelling (the four main parts, then tot, p
 * and saved where they differ from their defaults), and kept for the life
 * of the process, so that a policy is found by name and compares by
 * address wherever it is named. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

enum { IN, WORK, ACC, OUT, TOT, P, SAVED, NPARTS };
static const char *const part_names[NPARTS] = { "in", "work", "acc", "out", "tot", "p", "saved" };

#define TEXT_MAX 256

/* A part's format: elementwise, or MX (fmt is then the MX format's view). */
typedef struct {
    const ns_format *fmt;
    ns_mx mx;
    bool is_mx;
    char name[48];             /* the canonical spelling */
} part;

typedef struct composed {
    ns_policy policy;
    ns_mx mx[3];               /* in, out, p when MX */
    char name[TEXT_MAX];
    struct composed *next;
} composed;

static composed *made;
static pthread_mutex_t made_lock = PTHREAD_MUTEX_INITIALIZER;

static int parse_part(part *pt, int which, const char *value, char *err, size_t errlen)
{
    char why[300];
    memset(pt, 0, sizeof *pt);
    int mx = ns_mx_parse(value, &pt->mx, why, sizeof why);
    if (mx == 0 && (which == WORK || which == ACC || which == TOT)) {
        snprintf(err, errlen, "%s=%s: an MX format rounds data (in, out, p), not arithmetic",
                 part_names[which], value);
        return -1;
    }
    if (mx == 0) {
        pt->fmt = pt->mx.view;
        pt->is_mx = true;
        snprintf(pt->name, sizeof pt->name, "%s%s", pt->mx.name, pt->mx.elem->stochastic ? "+sr" : "");
        return 0;
    }
    pt->fmt = mx < 0 ? NULL : ns_format_parse(value, why, sizeof why);
    if (!pt->fmt) {
        snprintf(err, errlen, "%s=%s: %s", part_names[which], value, why);
        return -1;
    }
    snprintf(pt->name, sizeof pt->name, "%s", pt->fmt->name);
    return 0;
}

/* Splits "k=v,k=v" into parts; 0, or -1 with a reason. */
static int split(const char *text, part parts[NPARTS], bool given[NPARTS], ns_saved *saved,
                 char *err, size_t errlen)
{
    char buf[TEXT_MAX];
    if (strlen(text) >= sizeof buf) {
        snprintf(err, errlen, "policy '%.40s...': longer than %d characters", text, TEXT_MAX - 1);
        return -1;
    }
    strcpy(buf, text);
    for (char *item = buf, *next; item; item = next) {
        next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        char *eq = strchr(item, '=');
        if (!eq || eq == item || !eq[1]) {
            snprintf(err, errlen, "policy '%s': '%s' is not PART=VALUE (parts: in, work, acc, "
                     "out, tot, p, saved)", text, item);
            return -1;
        }
        *eq = '\0';
        int k = 0;
        while (k < NPARTS && strcmp(part_names[k], item) != 0)
            k++;
        if (k == NPARTS) {
            snprintf(err, errlen, "policy '%s': unknown part '%s' (parts: in, work, acc, out, "
                     "tot, p, saved)", text, item);
            return -1;
        }
        if (given[k]) {
            snprintf(err, errlen, "policy '%s': part '%s' given twice", text, item);
            return -1;
        }
        given[k] = true;
        if (k == SAVED) {
            if (strcmp(eq + 1, "out") != 0 && strcmp(eq + 1, "work") != 0) {
                snprintf(err, errlen, "policy '%s': saved=%s: expected saved=out or saved=work",
                         text, eq + 1);
                return -1;
            }
            *saved = strcmp(eq + 1, "work") == 0 ? NS_SAVED_WORK : NS_SAVED_OUT;
        } else {
            char why[400];
            if (parse_part(&parts[k], k, eq + 1, why, sizeof why) != 0) {
                snprintf(err, errlen, "policy '%s': %s", text, why);
                return -1;
            }
        }
    }
    if (!given[IN]) {
        snprintf(err, errlen, "policy '%s': in=FORMAT is required", text);
        return -1;
    }
    if (parts[IN].is_mx && !given[WORK]) {
        snprintf(err, errlen, "policy '%s': in=%s is MX data; say work=FORMAT", text, parts[IN].name);
        return -1;
    }
    return 0;
}

static bool same_formats(const ns_policy *a, const ns_policy *b)
{
    return a->io == b->io && a->elem == b->elem && a->acc == b->acc && a->out == b->out &&
           a->tot == b->tot && a->p == b->p && a->saved == b->saved && !a->in_mx && !a->out_mx &&
           !a->p_mx && !b->in_mx && !b->out_mx && !b->p_mx;
}

static void canonical(char *out, size_t len, const part parts[NPARTS], ns_saved saved)
{
    int k = snprintf(out, len, "in=%s,work=%s,acc=%s,out=%s", parts[IN].name, parts[WORK].name,
                     parts[ACC].name, parts[OUT].name);
    if (strcmp(parts[TOT].name, parts[ACC].name) != 0)
        k += snprintf(out + k, len - (size_t)k, ",tot=%s", parts[TOT].name);
    if (strcmp(parts[P].name, parts[IN].name) != 0)
        k += snprintf(out + k, len - (size_t)k, ",p=%s", parts[P].name);
    if (saved == NS_SAVED_WORK)
        snprintf(out + k, len - (size_t)k, ",saved=work");
}

/* The policy the parts describe (its MX parts pointing into mx[3]), without
 * a name. */
static void fill(ns_policy *p, ns_mx mx[3], const part parts[NPARTS], ns_saved saved)
{
    memset(p, 0, sizeof *p);
    p->io = parts[IN].fmt;
    p->elem = parts[WORK].fmt;
    p->acc = parts[ACC].fmt;
    p->out = parts[OUT].fmt;
    p->tot = parts[TOT].fmt;
    p->p = parts[P].fmt;
    p->saved = saved;
    const int data[3] = { IN, OUT, P };
    const ns_mx **slot[3] = { &p->in_mx, &p->out_mx, &p->p_mx };
    for (int i = 0; i < 3; i++)
        if (parts[data[i]].is_mx) {
            mx[i] = parts[data[i]].mx;
            *slot[i] = &mx[i];
        }
    for (int k = 0; k < SAVED; k++)
        p->stochastic |= parts[k].fmt->stochastic || (parts[k].is_mx && parts[k].mx.elem->stochastic);
}

/* The kept policy of that spelling, made on first use; NULL when out of memory. */
static const ns_policy *keep(const part parts[NPARTS], ns_saved saved)
{
    char name[TEXT_MAX];
    canonical(name, sizeof name, parts, saved);
    pthread_mutex_lock(&made_lock);
    composed *c = made;
    while (c && strcmp(c->name, name) != 0)
        c = c->next;
    if (!c && (c = calloc(1, sizeof *c))) {
        snprintf(c->name, sizeof c->name, "%s", name);
        fill(&c->policy, c->mx, parts, saved);
        c->policy.name = c->policy.expansion = c->name;
        c->policy.summary = "composed policy";
        c->next = made;
        made = c;
    }
    pthread_mutex_unlock(&made_lock);
    return c ? &c->policy : NULL;
}

static const ns_policy *const *const named[] = { ns_policies, ns_kernel_policies };

const ns_policy *ns_policy_parse(const char *name, char *err, size_t errlen)
{
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; named[l][i]; i++)
            if (strcmp(named[l][i]->name, name) == 0)
                return named[l][i];
    if (!strchr(name, '=')) {
        snprintf(err, errlen, "unknown policy '%s' (see 'normstab list policies', or compose one: "
                 "in=FMT,work=FMT,acc=FMT,out=FMT[,tot=FMT][,p=FMT][,saved=out|work])", name);
        return NULL;
    }
    part parts[NPARTS];
    bool given[NPARTS] = { false };
    ns_saved saved = NS_SAVED_OUT;
    memset(parts, 0, sizeof parts);
    if (split(name, parts, given, &saved, err, errlen) != 0)
        return NULL;
    const int defaults[NPARTS] = { IN, IN, WORK, IN, ACC, IN, SAVED };
    for (int k = WORK; k < SAVED; k++)
        if (!given[k])
            parts[k] = parts[defaults[k]];
    ns_policy candidate;
    ns_mx mx[3];
    fill(&candidate, mx, parts, saved);
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; named[l][i]; i++)
            if (!ns_policy_is_ref(named[l][i]) && same_formats(named[l][i], &candidate))
                return named[l][i];
    const ns_policy *p = keep(parts, saved);
    if (!p)
        snprintf(err, errlen, "policy '%s': out of memory", name);
    return p;
}

const ns_policy *ns_policy_find(const char *name)
{
    char err[512];
    return ns_policy_parse(name, err, sizeof err);
}
