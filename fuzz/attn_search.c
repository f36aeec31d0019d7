/* The built-in search at the attention level (attn_search.h). */
#include "attn_search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/generators.h"
#include "../attention/reference.h"
#include "../util/clock.h"

#define MAXN NS_ATTN_SEARCH_MAX_N
#define MAXD NS_ATTN_SEARCH_MAX_D
#define STALE_EVALS 2000          /* a restart after this many without progress */
#define MINIMIZE_BUDGET 120       /* heads a minimization may try */
#define MAX_CAUSES 16

typedef ns_attn_finding cand;     /* a head under search: the same arrays */

typedef struct search {
    const ns_attn_search_opts *o;
    ns_rng rng;
    ns_attn_out r, r64;           /* room for the largest head */
    ns_head oracle;               /* flash in fp64, masked keys left out */
    ns_attn_search_stats *st;
    const char *found[MAX_CAUSES];
    size_t nfound;
} search;

/* The head of c, pointing into its arrays. */
static void bind(const search *s, cand *c, size_t nq, size_t nk, size_t d, size_t dv, bool masked)
{
    c->head = s->o->base;
    c->head.n_q = nq;
    c->head.n_k = nk;
    c->head.d = d;
    c->head.d_v = dv;
    c->head.q = c->q;
    c->head.k = c->k;
    c->head.v = c->v;
    c->head.dout = s->o->kernel->backward ? c->dout : NULL;
    c->head.keep = masked ? c->keep : NULL;
    if (c->head.scale_exact)
        c->head.scale = 1 / sqrt((double)d);
}

static double in_round(const search *s, double x)
{
    return ns_round(s->o->base.policy->io, x);
}

static void fill_normal(search *s, double *x, size_t n, double sigma)
{
    for (size_t i = 0; i < n; i++)
        x[i] = in_round(s, sigma * ns_rng_normal(&s->rng));
}

static void keep_finite(const ns_format *in, double *x, size_t n);

static void random_head(search *s, cand *c)
{
    size_t n = 1 + ns_rng_below(&s->rng, s->o->n), d = 1 + ns_rng_below(&s->rng, s->o->d);
    double sigma = ldexp(1, (int)ns_rng_below(&s->rng, 9) - 3);
    fill_normal(s, c->q, n * d, sigma);
    fill_normal(s, c->k, n * d, sigma);
    fill_normal(s, c->v, n * d, 1);
    fill_normal(s, c->dout, n * d, 1);
    keep_finite(s->o->base.policy->io, c->q, n * d);
    keep_finite(s->o->base.policy->io, c->k, n * d);
    bool masked = s->o->masks && ns_rng_below(&s->rng, 2);
    for (size_t t = 0; t < n * n; t++)
        c->keep[t] = !masked || ns_rng_below(&s->rng, 5) != 0;
    bind(s, c, n, n, d, d, masked);
}

static void mutate(search *s, cand *c)
{
    ns_head *h = &c->head;
    size_t nq = h->n_q, nk = h->n_k, d = h->d;
    const ns_format *in = h->policy->io;
    double *t = ns_rng_below(&s->rng, 2) ? c->q : c->k;
    size_t rows = t == c->q ? nq : nk;
    switch (ns_rng_below(&s->rng, 7)) {
    case 0: {       /* scale a tensor by a power of two */
        double f = ldexp(1, (int)ns_rng_below(&s->rng, 13) - 4);
        for (size_t i = 0; i < rows * d; i++)
            t[i] = in_round(s, t[i] * f);
        break;
    }
    case 1:         /* an entry near the largest of the format */
        t[ns_rng_below(&s->rng, rows * d)] =
            in_round(s, (ns_rng_below(&s->rng, 2) ? 1 : -1) * in->max_finite * ns_rng_uniform(&s->rng));
        break;
    case 2: {       /* a key along a query: a large score */
        size_t i = ns_rng_below(&s->rng, nq), j = ns_rng_below(&s->rng, nk);
        memcpy(c->k + j * d, c->q + i * d, d * sizeof *c->q);
        break;
    }
    case 3:
        t[ns_rng_below(&s->rng, rows * d)] *= -1;
        break;
    case 4:         /* a mask bit, or a whole row masked */
        if (s->o->masks) {
            h->keep = c->keep;
            if (ns_rng_below(&s->rng, 4) == 0) {
                size_t i = ns_rng_below(&s->rng, nq);
                memset(c->keep + i * nk, 0, nk);
            } else {
                c->keep[ns_rng_below(&s->rng, nq * nk)] ^= 1;
            }
        }
        break;
    case 5:
        fill_normal(s, t, rows * d, ldexp(1, (int)ns_rng_below(&s->rng, 12) - 3));
        break;
    default: {      /* an ulp nudge */
        size_t i = ns_rng_below(&s->rng, rows * d);
        t[i] = in_round(s, nextafter(t[i], ns_rng_below(&s->rng, 2) ? INFINITY : -INFINITY) * (1 + 0x1p-12));
        break;
    }
    }
    keep_finite(in, c->q, nq * d);
    keep_finite(in, c->k, nk * d);
}

/* Inputs stay finite (a head with an infinite input has no reference):
 * overflow becomes the largest finite value, NaN zero. */
static void keep_finite(const ns_format *in, double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            x[i] = isnan(x[i]) ? 0 : copysign(in->max_finite, x[i]);
}

static size_t nonfinite(const double *v, size_t n, bool nan)
{
    size_t count = 0;
    for (size_t i = 0; v && i < n; i++)
        count += nan ? isnan(v[i]) != 0 : isinf(v[i]) != 0;
    return count;
}

static bool row_has_keys(const ns_head *h, size_t i)
{
    for (size_t j = 0; j < h->n_k; j++)
        if (ns_head_keeps(h, i, j))
            return true;
    return false;
}

static double grad_error(const ns_head *h, const ns_attn_out *r, const double *dq, const double *dk,
                         const double *dv)
{
    double num = 0, den = 0;
    const double *a[3] = { r->dq, r->dk, r->dv }, *b[3] = { dq, dk, dv };
    size_t n[3] = { h->n_q * h->d, h->n_k * h->d, h->n_k * h->d_v };
    for (int t = 0; t < 3; t++)
        for (size_t i = 0; i < n[t]; i++) {
            if (!isfinite(a[t][i]))
                return INFINITY;
            num += (a[t][i] - b[t][i]) * (a[t][i] - b[t][i]);
            den += b[t][i] * b[t][i];
        }
    return den > 0 ? sqrt(num / den) : (num > 0 ? INFINITY : 0);
}

/* The objective's score of c with the fast oracle (higher is worse), and
 * whether it is worth confirming. */
static double score(search *s, cand *c, bool *candidate)
{
    const ns_head *h = &c->head;
    ns_kind k = s->o->objective;
    *candidate = false;
    s->st->evals++;
    if (ns_kernel_run(s->o->kernel, h, &s->r) != 0)
        return 0;
    size_t no = h->n_q * h->d_v;
    if (k == NS_KIND_NAN || k == NS_KIND_INF) {
        bool nan = k == NS_KIND_NAN;
        size_t bad = nonfinite(s->r.o, no, nan) + (s->o->kernel->has_lse ? nonfinite(s->r.lse, h->n_q, true) : 0);
        if (h->dout && s->o->kernel->backward)
            bad += nonfinite(s->r.dq, h->n_q * h->d, nan) + nonfinite(s->r.dk, h->n_k * h->d, nan) +
                   nonfinite(s->r.dv, h->n_k * h->d_v, nan);
        *candidate = bad > 0;
        return (double)bad;
    }
    if (k == NS_KIND_DENOMINATOR) {
        double m = s->r.probe.min_abs;
        bool keys = true;
        for (size_t i = 0; i < h->n_q; i++)
            keys = keys && row_has_keys(h, i);
        *candidate = keys && (m < h->policy->acc->min_normal || isnan(m));
        return isnan(m) || m == 0 ? 2000 : -log2(m);
    }
    ns_head o = *h;
    o.policy = s->oracle.policy;
    o.mask_style = NS_MASK_INF;
    o.fma = false;
    o.scale_on = NS_SCALE_ON_SCORES;
    if (ns_kernel_run(ns_kernel_find("flash"), &o, &s->r64) != 0)
        return 0;
    if (k == NS_KIND_GRADIENT) {
        if (!h->dout || !s->o->kernel->backward)
            return 0;
        double e = grad_error(h, &s->r, s->r64.dq, s->r64.dk, s->r64.dv);
        *candidate = !(e <= 1);
        return isfinite(e) ? e : 1e300;
    }
    /* error: the contract's own bound, against the oracle in place of the
       reference (a candidate when it looks broken) */
    ns_attn_ref pseudo = { .o = s->r64.o, .lse = s->r64.lse, .dq = s->r64.dq, .dk = s->r64.dk, .dv = s->r64.dv };
    ns_attn_compare cmp;
    ns_head plain = *h;
    plain.fma = false;       /* no second run for the cause here */
    if (ns_attn_compare_head(s->o->kernel, &plain, &s->r, &pseudo, &cmp) != 0)
        return 0;
    *candidate = (cmp.broken & (NS_ATTN_BROKE_ERROR | NS_ATTN_BROKE_LSE)) != 0;
    return isfinite(cmp.bound_ratio) ? cmp.bound_ratio : 1e300;
}

/* The cause of c's failure judged against the fp64 oracle instead of the
 * reference: cheap, and enough to skip a cause already found. */
static const char *quick_cause(search *s, cand *c)
{
    const ns_head *h = &c->head;
    ns_head o = *h;
    o.policy = s->oracle.policy;
    o.mask_style = NS_MASK_INF;
    o.fma = false;
    o.scale_on = NS_SCALE_ON_SCORES;
    if (ns_kernel_run(ns_kernel_find("flash"), &o, &s->r64) != 0 || ns_kernel_run(s->o->kernel, h, &s->r) != 0)
        return "";
    ns_attn_ref pseudo = { .o = s->r64.o, .lse = s->r64.lse, .dq = s->r64.dq, .dk = s->r64.dk, .dv = s->r64.dv };
    for (size_t i = 0; i < h->n_q; i++)
        for (size_t j = 0; j < h->n_k; j++) {
            double t = 0;
            for (size_t x = 0; x < h->d; x++)
                t += h->q[i * h->d + x] * h->k[j * h->d + x];
            if (ns_head_keeps(h, i, j) && fabs(t * h->scale) > pseudo.max_score)
                pseudo.max_score = fabs(t * h->scale);
        }
    if (ns_attn_compare_head(s->o->kernel, h, &s->r, &pseudo, &c->compare) != 0)
        return "";
    return c->compare.broken ? c->compare.cause : "outside the promises";
}

/* Whether the exact reference confirms that c breaks the objective. */
static bool confirm(search *s, cand *c)
{
    const ns_head *h = &c->head;
    ns_attn_ref ref;
    s->st->exact_evals++;
    if (ns_kernel_run(s->o->kernel, h, &s->r) != 0 || ns_attn_reference(h, &ref) != 0)
        return false;
    int rc = ns_attn_compare_head(s->o->kernel, h, &s->r, &ref, &c->compare);
    bool yes = false;
    const ns_attn_compare *cp = &c->compare;
    if (rc == 0 && cp->defined) {
        switch (s->o->objective) {
        case NS_KIND_NAN:
            yes = cp->broken & NS_ATTN_BROKE_NAN;
            break;
        case NS_KIND_INF:
            yes = cp->broken & NS_ATTN_BROKE_INF;
            break;
        case NS_KIND_ERROR:
            yes = cp->broken & (NS_ATTN_BROKE_ERROR | NS_ATTN_BROKE_LSE);
            break;
        case NS_KIND_DENOMINATOR:
            yes = cp->empty_rows == 0 && (cp->min_denominator < h->policy->acc->min_normal ||
                                          isnan(cp->min_denominator));
            break;
        default: {
            double e = grad_error(h, &s->r, ref.dq, ref.dk, ref.dv);
            yes = h->dout && s->o->kernel->backward && !(e <= 1);
        }
        }
        if (yes && cp->broken == 0)
            c->compare.cause = "outside the promises";
    }
    ns_attn_ref_free(&ref);
    return yes;
}

/* The rows x cols matrix from, of elements of size bytes, into to without
 * its row r and its column c (an index past the end: none dropped). */
static void copy_without(void *to, const void *from, size_t size, size_t rows, size_t cols,
                         size_t r, size_t c)
{
    unsigned char *out = to;
    const unsigned char *in = from;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            if (i != r && j != c) {
                memcpy(out, in + (i * cols + j) * size, size);
                out += size;
            }
}

/* c without query i, key j, channel t or value channel u (SIZE_MAX: keep). */
static void drop(search *s, const cand *from, cand *to, size_t qi, size_t kj, size_t ch, size_t vc)
{
    const ns_head *h = &from->head;
    size_t nq = h->n_q - (qi < h->n_q), nk = h->n_k - (kj < h->n_k);
    size_t d = h->d - (ch < h->d), dv = h->d_v - (vc < h->d_v);
    copy_without(to->q, from->q, sizeof *to->q, h->n_q, h->d, qi, ch);
    copy_without(to->dout, from->dout, sizeof *to->dout, h->n_q, h->d_v, qi, vc);
    copy_without(to->keep, from->keep, sizeof *to->keep, h->n_q, h->n_k, qi, kj);
    copy_without(to->k, from->k, sizeof *to->k, h->n_k, h->d, kj, ch);
    copy_without(to->v, from->v, sizeof *to->v, h->n_k, h->d_v, kj, vc);
    bind(s, to, nq, nk, d, dv, h->keep != NULL);
}

/* Fewer queries, keys and channels, then simpler values, while the exact
 * reference still confirms the same cause. */
static void minimize(search *s, cand *c)
{
    cand *t = malloc(sizeof *t);
    if (!t)
        return;
    const char *cause = c->compare.cause;
    size_t budget = MINIMIZE_BUDGET;
    for (bool progress = true; progress && budget > 0;) {
        progress = false;
        const ns_head *h = &c->head;
        size_t dims[4] = { h->n_q, h->n_k, h->d, h->d_v };
        for (int which = 0; which < 4 && !progress; which++)
            for (size_t x = 0; x < dims[which] && dims[which] > 1 && budget > 0 && !progress; x++, budget--) {
                drop(s, c, t, which == 0 ? x : SIZE_MAX, which == 1 ? x : SIZE_MAX, which == 2 ? x : SIZE_MAX,
                     which == 3 ? x : SIZE_MAX);
                if (strcmp(quick_cause(s, t), cause) == 0 && confirm(s, t) && strcmp(t->compare.cause, cause) == 0) {
                    *c = *t;
                    bind(s, c, t->head.n_q, t->head.n_k, t->head.d, t->head.d_v, t->head.keep != NULL);
                    progress = true;
                }
            }
    }
    /* simpler values: each entry of v and dout as 1, of q and k with one significant bit */
    double *tensors[4] = { c->v, c->dout, c->q, c->k };
    size_t sizes[4] = { c->head.n_k * c->head.d_v, c->head.n_q * c->head.d_v, c->head.n_q * c->head.d,
                        c->head.n_k * c->head.d };
    for (int w = 0; w < 4 && budget > 0; w++)
        for (size_t i = 0; i < sizes[w] && budget > 0; i++, budget--) {
            double old = tensors[w][i], simple;
            if (w < 2)
                simple = old == 0 ? 0 : copysign(1, old);
            else
                simple = old == 0 ? 0 : in_round(s, copysign(ldexp(1, ilogb(old)), old));
            if (simple == old)
                continue;
            tensors[w][i] = simple;
            if (!(strcmp(quick_cause(s, c), cause) == 0 && confirm(s, c) && strcmp(c->compare.cause, cause) == 0))
                tensors[w][i] = old;
        }
    confirm(s, c);
    free(t);
}

static bool known(search *s, const char *cause)
{
    for (size_t i = 0; i < s->nfound; i++)
        if (strcmp(s->found[i], cause) == 0)
            return true;
    return false;
}

static bool out_of_budget(const search *s, double start)
{
    const ns_attn_search_opts *o = s->o;
    if (o->stop && *o->stop) {
        s->st->interrupted = true;
        return true;
    }
    if (o->max_evals && s->st->evals >= o->max_evals)
        return true;
    return o->seconds > 0 && (s->st->evals & 63) == 0 && ns_clock_monotonic() - start >= o->seconds;
}

int ns_attn_search(const ns_attn_search_opts *o, int (*on_new)(const ns_attn_finding *f, void *ctx),
                   void *ctx, ns_attn_search_stats *st)
{
    memset(st, 0, sizeof *st);
    search s = { .o = o, .st = st };
    ns_rng_seed(&s.rng, o->seed);
    ns_head big = o->base;
    big.n_q = big.n_k = MAXN;
    big.d = big.d_v = MAXD;
    big.dout = (const double *)1;    /* room for the gradients */
    s.oracle.policy = ns_policy_find("fp64");
    cand *best = malloc(sizeof *best), *child = malloc(sizeof *child);
    if (!best || !child || ns_attn_out_alloc(&big, &s.r) != 0 || ns_attn_out_alloc(&big, &s.r64) != 0) {
        free(best);
        free(child);
        ns_attn_out_free(&s.r);
        return -1;
    }
    double start = ns_clock_monotonic(), best_score = -INFINITY;
    uint64_t last_progress = 0;
    bool fresh = true;
    while (!out_of_budget(&s, start)) {
        if (fresh) {
            random_head(&s, child);
        } else {
            *child = *best;
            bind(&s, child, best->head.n_q, best->head.n_k, best->head.d, best->head.d_v, best->head.keep != NULL);
            mutate(&s, child);
        }
        bool candidate;
        double sc = score(&s, child, &candidate);
        if (candidate) {
            /* a candidate ends this line of search, confirmed or not: the
               next heads would be near copies of it */
            fresh = true;
            best_score = -INFINITY;
            if (known(&s, quick_cause(&s, child)) || !confirm(&s, child) || known(&s, child->compare.cause))
                continue;
            minimize(&s, child);
            child->kind = o->objective;
            child->value = sc;
            child->confirmed = true;
            if (s.nfound < MAX_CAUSES)
                s.found[s.nfound++] = child->compare.cause;
            if (on_new(child, ctx) != 0)
                break;
            continue;
        }
        if (fresh || sc >= best_score) {
            if (sc > best_score)
                last_progress = st->evals;
            best_score = sc;
            *best = *child;
            bind(&s, best, child->head.n_q, child->head.n_k, child->head.d, child->head.d_v, child->head.keep != NULL);
        }
        fresh = st->evals - last_progress > STALE_EVALS;
        if (fresh) {
            last_progress = st->evals;
            best_score = -INFINITY;
        }
    }
    st->seconds = ns_clock_monotonic() - start;
    ns_attn_out_free(&s.r);
    ns_attn_out_free(&s.r64);
    free(best);
    free(child);
    return 0;
}
