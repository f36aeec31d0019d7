/* A plugin's backward pass derived by reverse mode over the rounded tape
 * of its forward pass (derive.h). */
#include "derive.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../formats/adjoint.h"
#include "scratch.h"
#include "tape.h"

/* ---- the taping nsp_ops ---------------------------------------------------- */

/* One number made by an operation: the tape entry, its value and its
 * operands' values as the operation used them (a constant operand has
 * handle 0 and lives only here). */
typedef struct entry {
    ns_tape_entry e;
    double v, va, vb, vc;
} entry;

typedef struct tape_host {
    const ns_ops *op;
    size_t nparams;
    ns_scratch_block *scratch;
    int out_of_memory;
    entry *tape;             /* tape[handle - 1] */
    size_t used, cap;
    nsp_num *links;          /* operands of sum, max and dot */
    size_t nlinks, links_cap;
    double *tmp;             /* values of a reduction's operands */
    size_t tmp_cap;
} tape_host;

static tape_host *host_of(const nsp_ops *o) { return o->host; }
static const ns_ops *ops_of(const nsp_ops *o) { return host_of(o)->op; }

/* The handle of a, 0 when a is a constant or a number the tape never made. */
static unsigned long long handle(const tape_host *h, nsp_num a)
{
    return a.host <= h->used ? a.host : 0;
}

/* Records an entry made with value v; the number it is.  Out of memory,
 * the value without a handle (the caller reports NaN). */
static nsp_num record(tape_host *h, ns_tape_op what, nsp_num a, nsp_num b, nsp_num c, double v)
{
    if (h->used == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 256;
        entry *t = realloc(h->tape, cap * sizeof *t);
        if (!t) {
            h->out_of_memory = 1;
            return (nsp_num){ v, 0 };
        }
        h->tape = t;
        h->cap = cap;
    }
    h->tape[h->used] = (entry){ .e = { .op = what, .a = handle(h, a), .b = handle(h, b), .c = handle(h, c) },
                                .v = v, .va = a.v, .vb = b.v, .vc = c.v };
    return (nsp_num){ v, ++h->used };
}

static const nsp_num none = { 0, 0 };

static nsp_num t_add(const nsp_ops *o, nsp_num a, nsp_num b)
{
    return record(o->host, NS_TAPE_ADD, a, b, none, ns_add(ops_of(o), a.v, b.v));
}
static nsp_num t_sub(const nsp_ops *o, nsp_num a, nsp_num b)
{
    return record(o->host, NS_TAPE_SUB, a, b, none, ns_sub(ops_of(o), a.v, b.v));
}
static nsp_num t_mul(const nsp_ops *o, nsp_num a, nsp_num b)
{
    return record(o->host, NS_TAPE_MUL, a, b, none, ns_mul(ops_of(o), a.v, b.v));
}
static nsp_num t_div(const nsp_ops *o, nsp_num a, nsp_num b)
{
    return record(o->host, NS_TAPE_DIV, a, b, none, ns_div(ops_of(o), a.v, b.v));
}
static nsp_num t_pow(const nsp_ops *o, nsp_num a, nsp_num b)
{
    return record(o->host, NS_TAPE_POW, a, b, none, ns_pow(ops_of(o), a.v, b.v));
}
static nsp_num t_fma(const nsp_ops *o, nsp_num a, nsp_num b, nsp_num c)
{
    return record(o->host, NS_TAPE_FMA, a, b, c, ns_fma(ops_of(o), a.v, b.v, c.v));
}
static nsp_num t_acc_add(const nsp_ops *o, nsp_num a, nsp_num b)
{
    return record(o->host, NS_TAPE_ADD, a, b, none, ns_acc_add(ops_of(o), a.v, b.v));
}
static nsp_num t_acc_mul(const nsp_ops *o, nsp_num a, nsp_num b)
{
    return record(o->host, NS_TAPE_MUL, a, b, none, ns_acc_mul(ops_of(o), a.v, b.v));
}

#define UNARY(name, TAPE, fn)                                                       \
    static nsp_num name(const nsp_ops *o, nsp_num a)                               \
    {                                                                              \
        return record(o->host, TAPE, a, none, none, fn(ops_of(o), a.v));           \
    }
UNARY(t_sqrt, NS_TAPE_SQRT, ns_sqrt)
UNARY(t_exp, NS_TAPE_EXP, ns_exp)
UNARY(t_expm1, NS_TAPE_EXPM1, ns_expm1)
UNARY(t_log, NS_TAPE_LOG, ns_log)
UNARY(t_log1p, NS_TAPE_LOG1P, ns_log1p)
UNARY(t_tanh, NS_TAPE_TANH, ns_tanh)

static nsp_num t_constant(const nsp_ops *o, double c) { return (nsp_num){ ns_const(ops_of(o), c), 0 }; }
static nsp_num t_exact(const nsp_ops *o, double c) { (void)o; return (nsp_num){ c, 0 }; }

/* Room for count more links and count values in tmp; 0, or -1. */
static int reserve(tape_host *h, size_t count)
{
    if (h->nlinks + count > h->links_cap) {
        size_t cap = h->links_cap ? h->links_cap : 256;
        while (cap < h->nlinks + count)
            cap *= 2;
        nsp_num *l = realloc(h->links, cap * sizeof *l);
        if (!l)
            goto out_of_memory;
        h->links = l;
        h->links_cap = cap;
    }
    if (count > h->tmp_cap) {
        double *t = realloc(h->tmp, count * sizeof *t);
        if (!t)
            goto out_of_memory;
        h->tmp = t;
        h->tmp_cap = count;
    }
    return 0;
out_of_memory:
    h->out_of_memory = 1;
    return -1;
}

/* A reduction over rows (one row v, or two for dot) of n numbers: its
 * operands linked, their values in tmp (and tmp + n). */
static nsp_num reduction(const nsp_ops *o, ns_tape_op what, const nsp_num *v, const nsp_num *w, size_t n)
{
    tape_host *h = o->host;
    size_t rows = w ? 2 : 1;
    if (reserve(h, rows * n + 1) != 0)
        return (nsp_num){ NAN, 0 };
    size_t first = h->nlinks;
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < n; i++) {
            nsp_num a = (r ? w : v)[i];
            h->links[first + r * n + i] = (nsp_num){ a.v, handle(h, a) };
            h->tmp[r * n + i] = a.v;
        }
    double value = what == NS_TAPE_SUM ? ns_sum(h->op, h->tmp, n)
                 : what == NS_TAPE_MAX ? ns_max(h->op, h->tmp, n)
                                       : ns_dot(h->op, h->tmp, h->tmp + n, n);
    nsp_num r = record(h, what, none, none, none, value);
    if (r.host) {
        h->nlinks += rows * n;
        h->tape[r.host - 1].e.first = first;
        h->tape[r.host - 1].e.count = n;
    }
    return r;
}

static nsp_num t_sum(const nsp_ops *o, const nsp_num *v, size_t n) { return reduction(o, NS_TAPE_SUM, v, NULL, n); }
static nsp_num t_max(const nsp_ops *o, const nsp_num *v, size_t n) { return reduction(o, NS_TAPE_MAX, v, NULL, n); }
static nsp_num t_dot(const nsp_ops *o, const nsp_num *a, const nsp_num *b, size_t n)
{
    return reduction(o, NS_TAPE_DOT, a, b, n);
}

static nsp_num t_denominator(const nsp_ops *o, nsp_num d)
{
    ns_denominator(ops_of(o), d.v);
    return d;
}
static int t_less(const nsp_ops *o, nsp_num a, nsp_num b) { (void)o; return a.v < b.v; }
static int t_sign(const nsp_ops *o, nsp_num a) { (void)o; return (a.v > 0) - (a.v < 0); }

static double t_param(const nsp_ops *o, size_t k)
{
    tape_host *h = o->host;
    return k < h->nparams ? h->op->param[k] : NAN;
}

static nsp_num *t_scratch(const nsp_ops *o, size_t count)
{
    tape_host *h = o->host;
    nsp_num *p = ns_scratch_alloc(&h->scratch, count * sizeof *p);
    if (!p)
        h->out_of_memory = 1;
    return p;
}

static const nsp_ops taping_ops = {
    .add = t_add, .sub = t_sub, .mul = t_mul, .div = t_div, .fma = t_fma,
    .sqrt = t_sqrt, .exp = t_exp, .expm1 = t_expm1, .log = t_log, .log1p = t_log1p,
    .tanh = t_tanh, .pow = t_pow,
    .constant = t_constant, .exact = t_exact,
    .acc_add = t_acc_add, .acc_mul = t_acc_mul,
    .max = t_max, .sum = t_sum, .dot = t_dot,
    .denominator = t_denominator,
    .less = t_less, .sign = t_sign,
    .param = t_param, .scratch = t_scratch,
};

/* ---- reverse mode ------------------------------------------------------------ */

typedef struct sweep {
    const tape_host *h;
    const ns_ops *op;
    double *adj;             /* adj[k]: the adjoint of handle k + 1 */
    unsigned char *has;      /* has[k]: it received one */
    size_t *group;           /* group[k]: for a quotient, the next quotient by the same
                                value + 1 (0: the last); see quotient_groups */
    unsigned char *role;     /* QUOTIENT_*: how entry k is differentiated */
    double *A, *y;           /* a group's adjoints and values */
} sweep;

/* adj[k] += c for a handle k (0: a constant, nothing). */
static void give(sweep *s, unsigned long long k, double c)
{
    if (k == 0)
        return;
    s->adj[k - 1] = s->has[k - 1] ? ns_add(s->op, s->adj[k - 1], c) : c;
    s->has[k - 1] = 1;
}

enum { QUOTIENT_ALONE, QUOTIENT_FIRST, QUOTIENT_LATER };

/* Quotients by one value b (the same handle) form a group, differentiated
 * together when the sweep reaches the first of them, provided every
 * numerator and b come before it (then every adjoint of the group is
 * complete there): a row of two or more, or one quotient by a reduction. */
static void quotient_groups(sweep *s)
{
    const entry *t = s->h->tape;
    size_t used = s->h->used;
    size_t *first = calloc(used ? used : 1, sizeof *first), *last = calloc(used ? used : 1, sizeof *last);
    size_t *count = calloc(used ? used : 1, sizeof *count);
    if (!first || !last || !count)
        goto out;
    for (size_t k = 0; k < used; k++) {
        unsigned long long b = t[k].e.b;
        if (t[k].e.op != NS_TAPE_DIV || b == 0)
            continue;
        if (count[b - 1]++ == 0)
            first[b - 1] = k + 1;
        else
            s->group[last[b - 1] - 1] = k + 1;
        last[b - 1] = k + 1;
    }
    for (size_t b = 0; b < used; b++) {
        if (count[b] == 0)
            continue;
        size_t k0 = first[b] - 1;
        ns_tape_op made_by = t[b].e.op;
        int grouped = count[b] >= 2 || made_by == NS_TAPE_SUM || made_by == NS_TAPE_DOT || made_by == NS_TAPE_MAX;
        for (size_t k = k0 + 1; grouped && k; k = s->group[k - 1])
            grouped = t[k - 1].e.a <= k0;     /* numerators before the first quotient */
        for (size_t k = k0 + 1; grouped && k; k = s->group[k - 1])
            s->role[k - 1] = k - 1 == k0 ? QUOTIENT_FIRST : QUOTIENT_LATER;
    }
out:
    free(first);
    free(last);
    free(count);
}

/* The numerators of group k0 are the operands of the sum b, in order. */
static int sums_its_numerators(const sweep *s, size_t k0, const entry *b)
{
    const entry *t = s->h->tape;
    if (b->e.op != NS_TAPE_SUM)
        return 0;
    size_t j = 0;
    for (size_t k = k0 + 1; k; k = s->group[k - 1], j++)
        if (j >= b->e.count || t[k - 1].e.a == 0 || s->h->links[b->e.first + j].host != t[k - 1].e.a)
            return 0;
    return j == b->e.count;
}

/* The function of numerator entry e as a ratio's h (its adjoint rule), or
 * -1; *square for w w. */
static int ratio_function(const entry *e, int *square)
{
    *square = e->e.op == NS_TAPE_MUL && e->e.a != 0 && e->e.a == e->e.b;
    switch (e->e.op) {
    case NS_TAPE_SQRT: return NS_ADJ_SQRT;
    case NS_TAPE_EXPM1: return NS_ADJ_EXPM1;
    case NS_TAPE_LOG: return NS_ADJ_LOG;
    case NS_TAPE_LOG1P: return NS_ADJ_LOG1P;
    case NS_TAPE_TANH: return NS_ADJ_TANH;
    default: return *square ? NS_ADJ_EXP : -1;      /* any value: unused for w w */
    }
}

/* The group of quotients starting at k0, y_j = a_j / b. */
static void quotient_group(sweep *s, size_t k0)
{
    const entry *t = s->h->tape;
    const ns_ops *op = s->op;
    unsigned long long hb = t[k0].e.b;
    const entry *b = &t[hb - 1];
    size_t m = 0;
    int reached = 0;
    for (size_t k = k0 + 1; k; k = s->group[k - 1], m++) {
        reached = reached || s->has[k - 1];
        s->A[m] = s->has[k - 1] ? s->adj[k - 1] : 0.0;
        s->y[m] = t[k - 1].v;
    }
    if (!reached)
        return;
    double gy = ns_dot(op, s->A, s->y, m);
    int softmax = 0, ratio = 0, fn = -1, square = 0;
    unsigned long long shift = 0;
    if (sums_its_numerators(s, k0, b)) {
        softmax = ratio = 1;
        for (size_t k = k0 + 1; k; k = s->group[k - 1]) {
            const entry *h = &t[t[k - 1].e.a - 1];
            int sq, f = ratio_function(h, &sq);
            softmax = softmax && h->e.op == NS_TAPE_EXP;
            ratio = ratio && f >= 0 && (k - 1 == k0 || (f == fn && sq == square));
            fn = f;
            square = sq;
        }
        /* e^(w - c) / sum e^(w - c) for one c does not depend on c. */
        for (size_t k = k0 + 1; softmax && k; k = s->group[k - 1]) {
            unsigned long long z = t[t[k - 1].e.a - 1].e.a;
            const entry *ze = z ? &t[z - 1] : NULL;
            int shifted = ze && ze->e.op == NS_TAPE_SUB && ze->e.b != 0 && (k - 1 == k0 || ze->e.b == shift);
            shift = shifted ? ze->e.b : 0;
            if (!shifted)
                break;
        }
    }
    size_t j = 0;
    for (size_t k = k0 + 1; k; k = s->group[k - 1], j++) {
        const entry *q = &t[k - 1], *h = q->e.a ? &t[q->e.a - 1] : NULL;
        if (softmax) {
            unsigned long long z = h->e.a;
            give(s, shift ? t[z - 1].e.a : z, ns_adjoint_softmax(op, s->A[j], s->y[j], gy));
        } else if (ratio) {
            double dh = square ? ns_mul(op, 2.0, h->va) : ns_adjoint_unary(op, (ns_adjoint_fn)fn, 1.0, h->va, h->v);
            give(s, h->e.a, ns_adjoint_ratio(op, s->A[j], dh, b->v, gy));
        } else {
            give(s, q->e.a, ns_adjoint_div_a(op, s->A[j], q->vb));
        }
    }
    if (!softmax && !ratio)
        give(s, hb, ns_adjoint_div_shared_b(op, gy, t[k0].vb));
}

/* Index of the first largest of v (n when one is NaN). */
static size_t first_largest(const nsp_num *v, size_t n)
{
    size_t at = n;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i].v))
            return n;
        if (at == n || v[i].v > v[at].v)
            at = i;
    }
    return at;
}

/* The adjoint A of entry e passed on to its operands. */
static void pass_on(sweep *s, const entry *e, double A, double *dx, size_t n)
{
    const ns_ops *op = s->op;
    const nsp_num *l = s->h->links + e->e.first;
    size_t count = e->e.count;
    switch (e->e.op) {
    case NS_TAPE_LEAF:
        return;
    case NS_TAPE_INPUT:
        if (e->e.first < n)
            dx[e->e.first] = A;
        return;
    case NS_TAPE_ADD:
    case NS_TAPE_SUB:
        give(s, e->e.a, A);
        give(s, e->e.b, e->e.op == NS_TAPE_SUB ? -A : A);
        return;
    case NS_TAPE_FMA:                   /* a b + c */
    case NS_TAPE_MUL:
        give(s, e->e.c, A);
        give(s, e->e.a, ns_adjoint_mul(op, A, e->vb));
        give(s, e->e.b, ns_adjoint_mul(op, A, e->va));
        return;
    case NS_TAPE_DIV:
        give(s, e->e.a, ns_adjoint_div_a(op, A, e->vb));
        give(s, e->e.b, ns_adjoint_div_b(op, A, e->v, e->vb));
        return;
    case NS_TAPE_POW:
        give(s, e->e.a, ns_adjoint_pow_a(op, A, e->va, e->vb));
        give(s, e->e.b, ns_adjoint_pow_b(op, A, e->va, e->v));
        return;
    case NS_TAPE_SQRT: give(s, e->e.a, ns_adjoint_unary(op, NS_ADJ_SQRT, A, e->va, e->v)); return;
    case NS_TAPE_EXP: give(s, e->e.a, ns_adjoint_unary(op, NS_ADJ_EXP, A, e->va, e->v)); return;
    case NS_TAPE_EXPM1: give(s, e->e.a, ns_adjoint_unary(op, NS_ADJ_EXPM1, A, e->va, e->v)); return;
    case NS_TAPE_LOG: give(s, e->e.a, ns_adjoint_unary(op, NS_ADJ_LOG, A, e->va, e->v)); return;
    case NS_TAPE_LOG1P: give(s, e->e.a, ns_adjoint_unary(op, NS_ADJ_LOG1P, A, e->va, e->v)); return;
    case NS_TAPE_TANH: give(s, e->e.a, ns_adjoint_unary(op, NS_ADJ_TANH, A, e->va, e->v)); return;
    case NS_TAPE_SUM:
        for (size_t i = 0; i < count; i++)
            give(s, l[i].host, A);
        return;
    case NS_TAPE_DOT:
        for (size_t i = 0; i < count; i++) {
            give(s, l[i].host, ns_adjoint_mul(op, A, l[count + i].v));
            give(s, l[count + i].host, ns_adjoint_mul(op, A, l[i].v));
        }
        return;
    case NS_TAPE_MAX: {
        size_t at = first_largest(l, count);
        for (size_t i = 0; i < count; i++)
            if (at == count || i == at)
                give(s, l[i].host, at == count ? NAN : A);
        return;
    }
    }
}

/* Reverse mode over h's tape; 0, or -1 when out of memory. */
static int reverse(tape_host *h, const nsp_num *yn, const double *y, const double *g, double *dx, size_t n)
{
    size_t used = h->used, cells = used ? used : 1;
    sweep s = { .h = h, .op = h->op, .adj = malloc(cells * sizeof *s.adj), .has = calloc(cells, 1),
                .group = calloc(cells, sizeof *s.group), .role = calloc(cells, 1),
                .A = malloc(cells * sizeof *s.A), .y = malloc(cells * sizeof *s.y) };
    int status = -1;
    if (!s.adj || !s.has || !s.group || !s.role || !s.A || !s.y)
        goto out;
    quotient_groups(&s);
    /* The outputs are the saved y, their adjoints g. */
    for (size_t i = 0; i < n; i++) {
        unsigned long long k = handle(h, yn[i]);
        if (k && h->tape[k - 1].e.op != NS_TAPE_INPUT)
            h->tape[k - 1].v = y[i];
    }
    for (size_t i = 0; i < n; i++)
        give(&s, handle(h, yn[i]), g[i]);
    for (size_t i = 0; i < n; i++)
        dx[i] = 0.0;
    /* Every entry's operands were made before it: one sweep down. */
    for (size_t k = used; k-- > 0;) {
        if (s.role[k] == QUOTIENT_FIRST)
            quotient_group(&s, k);
        else if (s.role[k] == QUOTIENT_ALONE && s.has[k])
            pass_on(&s, &h->tape[k], s.adj[k], dx, n);
    }
    status = 0;
out:
    free(s.adj);
    free(s.has);
    free(s.group);
    free(s.role);
    free(s.A);
    free(s.y);
    return status;
}

void ns_plugin_derive_backward(const nsp_algorithm *alg, size_t nparams, const ns_ops *op,
                               const double *x, const double *y, const double *g, double *dx,
                               size_t n)
{
    tape_host h = { .op = op, .nparams = nparams };
    nsp_ops o = taping_ops;
    o.host = &h;
    nsp_num *xn = t_scratch(&o, n), *yn = t_scratch(&o, n);
    int ok = xn && yn;
    for (size_t i = 0; ok && i < n; i++) {
        xn[i] = record(&h, NS_TAPE_INPUT, none, none, none, x[i]);
        if (xn[i].host)
            h.tape[xn[i].host - 1].e.first = i;
    }
    if (ok && !h.out_of_memory)
        alg->forward(&o, xn, yn, n);
    ok = ok && !h.out_of_memory && reverse(&h, yn, y, g, dx, n) == 0;
    for (size_t i = 0; !ok && i < n; i++)
        dx[i] = NAN;
    ns_scratch_free(&h.scratch);
    free(h.tape);
    free(h.links);
    free(h.tmp);
}
