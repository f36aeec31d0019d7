/* The head search (head_search.h). */
#include "head_search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/generators.h"
#include "../util/clock.h"
#include "../util/names.h"

static const char *const objective_names[] = { "nan", "inf", "error", "denominator", "gradient" };

int ns_hs_objective_find(const char *name)
{
    return ns_name_index(objective_names, 5, name);
}

const char *ns_hs_objective_name(ns_hs_objective o) { return objective_names[o]; }

static const char *const rwkv_gens[] = { "rwkv.trained", "rwkv.large-keys", "rwkv.no-decay" };
static const char *const linear_gens[] = { "linear.gaussian", "linear.growing-keys" };

static bool is_rwkv(const ns_hs_opts *o) { return (o->kernel->inputs & NS_ATTN_IN_W) != 0; }

static int fresh(const ns_hs_opts *o, ns_rng *r, ns_recur_tensors *t)
{
    const char *name = is_rwkv(o) ? rwkv_gens[ns_rng_below(r, 3)] : linear_gens[ns_rng_below(r, 2)];
    double scale = ldexp(1, (int)ns_rng_below(r, 4) - 1);
    return ns_recur_generate(ns_recur_generator_find(name), o->n, o->d, ns_rng_next(r), scale, t);
}

static int copy(const ns_recur_tensors *a, ns_recur_tensors *b)
{
    size_t nd = a->n * a->d + 1;
    *b = (ns_recur_tensors){ .n = a->n, .d = a->d };
    b->q = malloc(nd * sizeof(double)), b->k = malloc(nd * sizeof(double));
    b->v = malloc(nd * sizeof(double)), b->dout = malloc(nd * sizeof(double));
    b->w = malloc((a->d + 1) * sizeof(double)), b->u = malloc((a->d + 1) * sizeof(double));
    if (!b->q || !b->k || !b->v || !b->dout || !b->w || !b->u) {
        ns_recur_tensors_free(b);
        return -1;
    }
    memcpy(b->q, a->q, nd * sizeof(double)), memcpy(b->k, a->k, nd * sizeof(double));
    memcpy(b->v, a->v, nd * sizeof(double)), memcpy(b->dout, a->dout, nd * sizeof(double));
    memcpy(b->w, a->w, (a->d + 1) * sizeof(double)), memcpy(b->u, a->u, (a->d + 1) * sizeof(double));
    return 0;
}

static void mutate(const ns_hs_opts *o, ns_rng *r, ns_recur_tensors *t)
{
    size_t nd = t->n * t->d;
    if (ns_rng_below(r, 8) == 0) {           /* every key scaled */
        double f = ns_rng_below(r, 2) ? 2 : 0.5;
        for (size_t i = 0; i < nd; i++)
            t->k[i] *= f;
        return;
    }
    double *x;
    size_t n;
    size_t which = ns_rng_below(r, is_rwkv(o) ? 4 : 3);
    if (which == 0)
        x = t->k, n = nd;
    else if (which == 1)
        x = t->v, n = nd;
    else if (which == 2)
        x = is_rwkv(o) ? t->w : t->q, n = is_rwkv(o) ? t->d : nd;
    else
        x = t->u, n = t->d;
    size_t i = ns_rng_below(r, n);
    switch (ns_rng_below(r, 4)) {
    case 0: x[i] *= exp2(2 * ns_rng_normal(r)); break;
    case 1: x[i] += ns_rng_normal(r); break;
    case 2: x[i] = -x[i]; break;
    default: x[i] = (ns_rng_below(r, 2) ? 1 : -1) * exp2((double)ns_rng_below(r, 8)); break;
    }
}

/* The head as the kernel receives it: a copy rounded into the policy's
 * input part.  Returns false when an input is not finite there (no
 * reference: not a head to judge). */
static bool rounded(const ns_hs_opts *o, const ns_recur_tensors *t, ns_recur_tensors *r)
{
    if (copy(t, r) != 0)
        return false;
    size_t nd = t->n * t->d;
    double *arrays[] = { r->q, r->k, r->v, r->dout, r->w, r->u };
    size_t sizes[] = { nd, nd, nd, nd, t->d, t->d };
    for (int a = 0; a < 6; a++) {
        double *tmp = malloc((sizes[a] + 1) * sizeof *tmp);
        if (!tmp)
            return false;
        memcpy(tmp, arrays[a], sizes[a] * sizeof *tmp);
        ns_policy_round_inputs(o->policy, 0, tmp, arrays[a], sizes[a]);
        free(tmp);
        for (size_t i = 0; i < sizes[a]; i++)
            if (!isfinite(arrays[a][i]))
                return false;
    }
    return true;
}

/* One evaluation: the score of head t (-inf when it cannot be judged). */
static double evaluate(const ns_hs_opts *o, const ns_recur_tensors *t, ns_recur_compare *c)
{
    ns_recur_tensors r;
    double score = -INFINITY;
    if (!rounded(o, t, &r)) {
        ns_recur_tensors_free(&r);
        return score;
    }
    bool rwkv = is_rwkv(o), grad = o->objective == NS_HS_GRADIENT;
    ns_head h = { .n_q = r.n, .n_k = r.n, .d = r.d, .d_v = r.d, .q = rwkv ? NULL : r.q, .k = r.k, .v = r.v,
                  .w = rwkv ? r.w : NULL, .u = rwkv ? r.u : NULL, .dout = grad ? r.dout : NULL,
                  .scale = 1, .block_q = 1, .block_k = 1, .policy = o->policy,
                  .feature = o->feature, .chunk = o->chunk ? o->chunk : 1 };
    ns_attn_out out;
    ns_recur_ref ref;
    if (ns_attn_out_alloc(&h, &out) == 0) {
        if (ns_kernel_run(o->kernel, &h, &out) == 0 && ns_recur_reference(o->kernel, &h, &ref) == 0) {
            if (ns_recur_compare_head(o->kernel, &h, &out, &ref, c) == 0) {
                switch (o->objective) {
                case NS_HS_NAN: score = (double)c->part[NS_RECUR_O].nan; break;
                case NS_HS_INF: score = (double)c->part[NS_RECUR_O].inf; break;
                case NS_HS_ERROR: score = c->bound_ratio; break;
                case NS_HS_DENOMINATOR: score = -log2(c->min_denominator); break;
                case NS_HS_GRADIENT:
                default:
                    score = fmax(c->part[NS_RECUR_DK].normwise, c->part[NS_RECUR_DV].normwise);
                    break;
                }
                if (isnan(score))
                    score = INFINITY;
            }
            ns_recur_ref_free(&ref);
        }
        ns_attn_out_free(&out);
    }
    ns_recur_tensors_free(&r);
    return score;
}

/* The best score per cause reported so far (a small table). */
typedef struct seen {
    const char *cause[16];
    double best[16];
    int n;
} seen;

static bool is_new(seen *s, const char *cause, double value)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->cause[i], cause) == 0) {
            if (!(value > s->best[i]))
                return false;
            s->best[i] = value;
            return true;
        }
    if (s->n < 16) {
        s->cause[s->n] = cause;
        s->best[s->n++] = value;
    }
    return true;
}

int ns_hs_run(const ns_hs_opts *o, void (*found)(const ns_hs_finding *f, void *ctx), void *ctx,
              ns_hs_stats *st)
{
    memset(st, 0, sizeof *st);
    ns_rng r;
    ns_rng_seed(&r, o->seed);
    double t0 = ns_clock_monotonic();
    ns_recur_tensors best, child;
    if (fresh(o, &r, &best) != 0)
        return -1;
    ns_recur_compare c;
    double best_score = evaluate(o, &best, &c);
    uint64_t stale = 0;
    seen s = { .n = 0 };
    int rc = 0;
    for (;;) {
        if (o->max_evals && st->evals >= o->max_evals)
            break;
        if (o->seconds > 0 && ns_clock_monotonic() - t0 >= o->seconds)
            break;
        if (stale >= 200) {
            ns_recur_tensors_free(&best);
            if (fresh(o, &r, &best) != 0) {
                rc = -1;
                break;
            }
            best_score = evaluate(o, &best, &c);
            stale = 0;
            st->evals++;
            continue;
        }
        if (copy(&best, &child) != 0) {
            rc = -1;
            break;
        }
        mutate(o, &r, &child);
        double score = evaluate(o, &child, &c);
        st->evals++;
        if (score > -INFINITY && c.verdict != NS_RECUR_KEPT && score > 0 && is_new(&s, c.cause, score)) {
            ns_hs_finding f = { .value = score, .compare = &c, .head = &child, .evaluation = st->evals };
            st->findings++;
            st->broken += c.verdict == NS_RECUR_BROKEN;
            found(&f, ctx);
        }
        if (score >= best_score && score > -INFINITY) {
            stale = score > best_score ? 0 : stale + 1;
            best_score = score;
            ns_recur_tensors_free(&best);
            best = child;
        } else {
            stale++;
            ns_recur_tensors_free(&child);
        }
    }
    ns_recur_tensors_free(&best);
    st->seconds = ns_clock_monotonic() - t0;
    return rc;
}
