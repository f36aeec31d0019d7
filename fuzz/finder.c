/* The finder: classifies, confirms and minimizes the rows on which a target
 * breaks a promise, and turns them into findings (see finder.h). */
#include "finder.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../analysis/verdict.h"
#include "../util/clock.h"

/* Candidates of one (kind, cause) that MPFR rejected before the finder
 * starts confirming only one in SKIP_PERIOD of them. */
#define TRUSTED_FAILURES 8
#define SKIP_PERIOD 64

/* ---- classification ---------------------------------------------------------- */

/* The evaluations a classification asks for (analysis/cause.h), made by the
 * target's own oracles: the exact one when the row's evaluation was exact. */
typedef struct fuzz_recheck {
    ns_fuzz_target *t;
    const ns_row *row;
    int mode;
    ns_row variant;
} fuzz_recheck;

static int broken_again(void *ctx, ns_recheck_kind which, const double *x, const double *g, size_t n)
{
    fuzz_recheck *c = ctx;
    ns_fuzz_eval e;
    int rc;
    if (which == NS_RECHECK_WIDE_ABOVE || which == NS_RECHECK_WIDE_BELOW)
        rc = ns_fuzz_eval_wide(c->t, c->row, which == NS_RECHECK_WIDE_ABOVE ? NS_WIDE_ABOVE : NS_WIDE_BELOW,
                               c->mode, &e);
    else
        rc = ns_row_set(&c->variant, x, g, n) == 0 ? ns_fuzz_eval_row(c->t, &c->variant, c->mode, &e) : -1;
    return rc == 0 && e.in_domain ? (int)e.promises.broken : -1;
}

ns_cause ns_fuzz_classify(ns_fuzz_target *t, const ns_row *row, const ns_fuzz_eval *e, ns_kind kind)
{
    fuzz_recheck c = { .t = t, .row = row, .mode = e->exact ? NS_EVAL_EXACT : NS_EVAL_FAST };
    ns_row_init(&c.variant);
    ns_recheck r = { broken_again, &c };
    ns_cause cause = ns_cause_of(&r, t->job.policy, row->x, row->g, row->n, &e->m, &e->promises, kind);
    ns_row_free(&c.variant);
    return cause;
}

/* ---- confirmation and minimization --------------------------------------------- */

static bool breaks(const ns_fuzz_eval *e, ns_kind kind)
{
    return e->in_domain && (e->promises.broken & (1u << kind));
}
static bool still_fails(ns_fuzz_target *t, const ns_row *row, ns_kind kind, ns_cause cause,
                        int mode, ns_fuzz_eval *e)
{
    if (ns_fuzz_eval_row(t, row, mode, e) != 0 || !breaks(e, kind))
        return false;
    ns_fuzz_eval keep = *e;
    bool same = ns_fuzz_classify(t, row, &keep, kind) == cause;
    *e = keep;
    return same;
}

bool ns_fuzz_confirm(ns_fuzz_target *t, const ns_row *row, ns_kind kind, ns_cause cause,
                     ns_fuzz_eval *e)
{
    return still_fails(t, row, kind, cause, NS_EVAL_EXACT, e);
}

/* How complicated a value is: 0 for 0, 1 for +-1, else its significant bits
 * plus one for a nonzero exponent; -inf counts as simple. */
static int complexity(double v)
{
    if (v == 0 || isinf(v))
        return 0;
    if (fabs(v) == 1)
        return 1;
    int e;
    double s = fabs(frexp(v, &e));
    int bits = 0;
    while (s != 0 && bits < 60) {
        s = s * 2;
        s -= floor(s);
        bits++;
    }
    return 2 + bits + (e != 1);
}

/* v with only its k leading significant bits (toward zero). */
static double leading_bits(double v, int k)
{
    if (v == 0 || !isfinite(v))
        return v;
    int e;
    double s = frexp(v, &e);
    return ldexp(trunc(ldexp(s, k)), e - k);
}

typedef struct minimizer {
    ns_fuzz_target *t;
    ns_kind kind;
    ns_cause cause;
    size_t budget, used;
    ns_row cand;
} minimizer;

static int mode_for(const ns_row *r)
{
    return r->n <= 64 ? NS_EVAL_EXACT : NS_EVAL_FAST;
}

/* Tries cand; on success copies it into row. */
static bool try_candidate(minimizer *mz, ns_row *row)
{
    if (mz->used >= mz->budget)
        return false;
    mz->used++;
    ns_row_finish(&mz->t->mut, &mz->cand);
    ns_fuzz_eval e;
    if (!still_fails(mz->t, &mz->cand, mz->kind, mz->cause, mode_for(&mz->cand), &e))
        return false;
    return ns_row_copy(row, &mz->cand) == 0;
}

static bool remove_chunks(minimizer *mz, ns_row *row)
{
    bool progress = false;
    for (size_t len = row->n / 2; len >= 1; len /= 2) {
        for (size_t i = 0; i + len <= row->n && row->n > len;) {
            if (ns_row_reserve(&mz->cand, row->n) != 0)
                return progress;
            size_t k = 0;
            for (size_t j = 0; j < row->n; j++)
                if (j < i || j >= i + len) {
                    mz->cand.x[k] = row->x[j];
                    mz->cand.g[k] = row->g[j];
                    k++;
                }
            mz->cand.n = k;
            if (try_candidate(mz, row))
                progress = true;
            else
                i += len;
            if (mz->used >= mz->budget)
                return progress;
        }
    }
    return progress;
}

/* Simpler values for v[i], simplest first. */
static bool simplify_values(minimizer *mz, ns_row *row, bool grad)
{
    bool progress = false;
    int p = mz->t->job.policy->io->p;
    for (size_t i = 0; i < row->n && mz->used < mz->budget; i++) {
        double *v = grad ? row->g : row->x;
        double cur = v[i];
        double options[72];
        size_t no = 0;
        options[no++] = grad ? 1.0 : 0.0;
        options[no++] = grad ? 0.0 : 1.0;
        options[no++] = -1.0;
        options[no++] = nearbyint(cur);
        if (cur != 0 && isfinite(cur))
            options[no++] = copysign(exp2(nearbyint(log2(fabs(cur)))), cur);
        for (int k = 1; k < p && no < 72; k++)
            options[no++] = leading_bits(cur, k);
        for (size_t o = 0; o < no; o++) {
            if (complexity(options[o]) >= complexity(cur) || options[o] == cur)
                continue;
            if (ns_row_copy(&mz->cand, row) != 0)
                return progress;
            (grad ? mz->cand.g : mz->cand.x)[i] = options[o];
            if (try_candidate(mz, row)) {
                progress = true;
                break;
            }
        }
    }
    return progress;
}

void ns_fuzz_minimize(ns_fuzz_target *t, ns_row *row, ns_kind kind, ns_cause cause, size_t budget)
{
    minimizer mz = { .t = t, .kind = kind, .cause = cause, .budget = budget };
    ns_row_init(&mz.cand);
    ns_row orig;
    ns_row_init(&orig);
    if (ns_row_copy(&orig, row) != 0) {
        ns_row_free(&mz.cand);
        return;
    }
    bool progress = true;
    while (progress && mz.used < mz.budget) {
        progress = remove_chunks(&mz, row);
        progress |= simplify_values(&mz, row, false);
        if (t->with_grad)
            progress |= simplify_values(&mz, row, true);
    }
    ns_fuzz_eval e;
    if (!ns_fuzz_confirm(t, row, kind, cause, &e))
        ns_row_copy(row, &orig);           /* the fast oracle misled us: keep the original */
    ns_row_free(&orig);
    ns_row_free(&mz.cand);
}

/* ---- findings -------------------------------------------------------------- */

int ns_finding_fill(ns_finding *f, const ns_fuzz_target *t, const ns_row *row,
                    const ns_fuzz_eval *e, ns_kind kind, ns_cause cause)
{
    snprintf(f->normalizer, sizeof f->normalizer, "%s", t->job.alg->name);
    snprintf(f->policy, sizeof f->policy, "%s", t->job.policy->name);
    f->sum = t->job.sum;
    memcpy(f->param, t->job.param, sizeof f->param);
    f->kind = kind;
    f->value = e->value[kind];
    f->has_g = t->with_grad;
    f->confirmed = e->exact;
    const ns_hazard *h = ns_hazard_of(t->contract, t->job.policy, row->x, row->n, &e->promises, kind, &cause);
    f->cause = cause;
    f->expected = h != NULL;
    if (h)
        snprintf(f->why, sizeof f->why, "%s", h->why);
    else
        ns_promise_describe(t->promise, kind, f->why, sizeof f->why);
    ns_promise_detail(&e->m, &e->promises, kind, f->detail, sizeof f->detail);
    return ns_row_copy(&f->row, row);
}

/* ---- the finder -------------------------------------------------------------- */

void ns_finder_init(ns_finder *fd, ns_fuzz_target *t, const char *engine, uint64_t seed)
{
    memset(fd, 0, sizeof *fd);
    fd->t = t;
    fd->engine = engine;
    fd->seed = seed;
    fd->t0 = ns_clock_monotonic();
    fd->minimize_budget = 400;
    ns_finding_set_init(&fd->set);
}

void ns_finder_free(ns_finder *fd)
{
    ns_finding_set_free(&fd->set);
}

int ns_finder_consider(ns_finder *fd, const ns_row *row, const ns_fuzz_eval *e, unsigned *known)
{
    if (known)
        *known = 0;
    if (!e->in_domain || !e->promises.broken)
        return 0;
    ns_fuzz_target *t = fd->t;
    uint64_t found_at = t->evals;
    double seconds = ns_clock_monotonic() - fd->t0;
    for (int k = 0; k < NS_KIND_COUNT; k++) {
        if (!(e->promises.broken & (1u << k)))
            continue;
        ns_kind kind = (ns_kind)k;
        ns_cause cause = ns_fuzz_classify(t, row, e, kind);
        if (ns_finding_set_has_key(&fd->set, t->job.alg->name, t->job.policy->name, t->job.sum,
                                   kind, cause)) {
            if (known)
                *known |= 1u << kind;
            continue;
        }
        unsigned *failed = &fd->failed[kind][cause];
        if (*failed >= TRUSTED_FAILURES && (*failed)++ % SKIP_PERIOD != 0)
            continue;
        ns_row cand;
        ns_row_init(&cand);
        ns_fuzz_eval ce;
        int rc = 0;
        if (ns_row_copy(&cand, row) != 0) {
            ns_row_free(&cand);
            return -1;
        }
        if (!ns_fuzz_confirm(t, &cand, kind, cause, &ce)) {
            if (*failed < TRUSTED_FAILURES)
                (*failed)++;
            ns_row_free(&cand);
            continue;
        }
        ns_fuzz_minimize(t, &cand, kind, cause, fd->minimize_budget);
        ns_finding f;
        ns_finding_init(&f);
        if (ns_fuzz_confirm(t, &cand, kind, cause, &ce) &&
            ns_finding_fill(&f, t, &cand, &ce, kind, cause) == 0) {
            snprintf(f.engine, sizeof f.engine, "%s", fd->engine);
            f.seed = fd->seed;
            f.evals = found_at;
            f.seconds = seconds;
            if (ns_finding_set_add(&fd->set, &f) < 0)
                rc = -1;
            else if (fd->on_new && fd->on_new(&f, fd->ctx))
                rc = 1;
        }
        ns_finding_free(&f);
        ns_row_free(&cand);
        if (rc)
            return rc;
    }
    return 0;
}
