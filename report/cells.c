/* The verdict of each normalizer x policy, from the suite's rows, the
 * envelopes and the fuzzing's findings (cells.h). */
#include "cells.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"

const char *ns_cell_verdict_name(ns_cell_verdict v)
{
    static const char *const names[] = { "safe", "safe-within", "unsafe" };
    return names[v];
}

static const char *promise_words(ns_kind k)
{
    switch (k) {
    case NS_KIND_NAN: return "NaN outputs";
    case NS_KIND_INF: return "infinite outputs";
    case NS_KIND_ERROR: return "errors beyond the contract";
    case NS_KIND_SUM: return "a sum beyond the contract";
    case NS_KIND_DENOMINATOR: return "a lost denominator";
    case NS_KIND_GRADIENT: return "a gradient beyond the contract";
    default: return "negative weights";
    }
}

void ns_cell_cause_words(const ns_cell_failure *f, char *buf, size_t len)
{
    const ns_format *elem = f->policy->elem, *acc = f->policy->acc;
    const char *pass = f->kind == NS_KIND_GRADIENT ? "backward pass: " : "";
    double exp_top = log(elem->max_finite);
    switch (f->cause) {
    case NS_CAUSE_OVERFLOW:
        if (f->exp_of_logit && f->max_x > exp_top)
            snprintf(buf, len, "%sexp overflows for a logit above %.2f (%s)", pass, exp_top, elem->name);
        else if (f->exp_of_logit)
            snprintf(buf, len, "%sa sum overflows the range of %s (max %g)", pass, acc->name, acc->max_finite);
        else
            snprintf(buf, len, "%san overflow in %s for logits as large as %.3g", pass, elem->name,
                     fmax(fabs(f->max_x), fabs(f->min_x)));
        break;
    case NS_CAUSE_UNDERFLOW:
        snprintf(buf, len, "%sunderflow: values below 2^%d, the smallest normal of %s, lose bits or vanish (%s)",
                 pass, elem->emin, elem->name, promise_words(f->kind));
        break;
    case NS_CAUSE_ZERO_DENOMINATOR:
        if (f->max_x <= 0)
            snprintf(buf, len, "%s0/0 when no logit is positive", pass);
        else
            snprintf(buf, len, "%s0/0: the normalizing sum is zero in %s", pass, acc->name);
        break;
    case NS_CAUSE_SUBNORMAL_DENOMINATOR:
        snprintf(buf, len, "%sthe normalizing sum is subnormal in %s: its bits are lost", pass, acc->name);
        break;
    case NS_CAUSE_LONG_ROW:
        if (f->kind == NS_KIND_ERROR || f->kind == NS_KIND_SUM)
            snprintf(buf, len, "the %s sum stagnates past n = %zu (%.1f bits lost)", acc->name,
                     f->length_fail ? f->length_fail : f->n, f->bits);
        else
            snprintf(buf, len, "%s%s on long rows (n = %zu)", pass, promise_words(f->kind),
                     f->length_fail ? f->length_fail : f->n);
        break;
    case NS_CAUSE_LARGE_LOGITS:
        snprintf(buf, len, "%s%s for large logits (max |x| = %.3g)", pass, promise_words(f->kind),
                 fmax(fabs(f->max_x), fabs(f->min_x)));
        break;
    case NS_CAUSE_TINY_LOGITS:
        snprintf(buf, len, "%s%s for tiny logits (max |x| = %.3g)", pass, promise_words(f->kind),
                 fmax(fabs(f->max_x), fabs(f->min_x)));
        break;
    case NS_CAUSE_ALL_MASKED:
        snprintf(buf, len, "%s%s on an all-masked row", pass, promise_words(f->kind));
        break;
    case NS_CAUSE_MASKED:
        snprintf(buf, len, "%s%s with masked entries", pass, promise_words(f->kind));
        break;
    default:
        if (f->kind == NS_KIND_ERROR)
            snprintf(buf, len, "%.1f bits of error on an ordinary row (n = %zu)", f->bits, f->n);
        else
            snprintf(buf, len, "%s%s on an ordinary row (n = %zu)", pass, promise_words(f->kind), f->n);
        break;
    }
}

/* A failing row of a cell and where it comes from. */
typedef struct candidate {
    ns_cell_failure f;
    double severity;            /* which failure is the worst: bits, the width for NaN/inf */
    enum { FROM_SUITE, FROM_SCALE, FROM_LENGTH, FROM_FUZZ } from;
    size_t index;               /* the case, or the finding */
} candidate;

static void extremes(const double *x, size_t n, double *max_x, double *min_x)
{
    *max_x = -INFINITY;
    *min_x = INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) {
            *max_x = fmax(*max_x, x[i]);
            *min_x = fmin(*min_x, x[i]);
        }
}

static bool avoidable(ns_cause c)
{
    return c == NS_CAUSE_ALL_MASKED || c == NS_CAUSE_MASKED;
}

/* Whether a is the worse failure: broken before expected, then by severity. */
static bool worse(const candidate *a, const candidate *b)
{
    if (a->f.verdict != b->f.verdict)
        return a->f.verdict == NS_VERDICT_BROKEN;
    return a->severity > b->severity;
}

/* The row of the candidate into the cell (x, g, replay). */
static int take_row(const ns_report_data *d, ns_report_cell *cell, const candidate *c, const ns_target *t)
{
    const ns_envelope *env = ns_report_envelope(d, cell->alg, cell->policy);
    size_t n = c->f.n;
    cell->x = malloc((n ? n : 1) * sizeof *cell->x);
    if (!cell->x)
        return -1;
    cell->n = n;
    if (c->from == FROM_SUITE) {
        const ns_case *k = &d->cases[c->index];
        ns_case_input(k, cell->policy, cell->x);
        if (k->grad) {
            if (!(cell->g = malloc(n * sizeof *cell->g)))
                return -1;
            ns_gen_gradient(k->seed, n, cell->g);
        }
        ns_case_replay(k, t, d->program, cell->replay, sizeof cell->replay);
    } else if (c->from == FROM_FUZZ) {
        const ns_finding *f = &d->found.items[c->index];
        memcpy(cell->x, f->row.x, n * sizeof *cell->x);
        if (f->has_g) {
            if (!(cell->g = malloc(n * sizeof *cell->g)))
                return -1;
            memcpy(cell->g, f->row.g, n * sizeof *cell->g);
        }
        ns_report_finding_replay(d, f, cell->replay, sizeof cell->replay);
    } else {
        /* The envelope's rows are those `check --gen normal` makes. */
        const ns_envelope_row *r = c->from == FROM_SCALE ? &env->scale_row : &env->length_row;
        ns_gen_args a = { .param = r->sigma, .n = n, .seed = r->seed };
        ns_generate(ns_generator_find("normal"), &a, cell->x);
        char more[1200] = "";
        const ns_family *fam;
        if (ns_algorithm_find(cell->alg->name, &fam))
            ns_family_replay_options(fam, more, sizeof more);
        snprintf(cell->replay, sizeof cell->replay,
                 "%s check%s -n %s -p %s --sum seq --gen normal=%.17g --length %zu --seed %llu", d->program,
                 more, cell->alg->name, cell->policy->name, r->sigma, n, (unsigned long long)r->seed);
    }
    return 0;
}

/* The all-masked row's outcome, as a badge. */
static void masked_badge(const ns_report_data *d, size_t t, ns_report_cell *cell)
{
    for (size_t c = 0; c < d->ncases; c++) {
        const ns_metrics *m = &d->metrics[t * d->ncases + c];
        if (!d->cases[c].gen || strcmp(d->cases[c].gen->name, "allmasked") != 0)
            continue;
        const char *what = m->nan_count ? "NaN" : m->inf_count ? "inf"
                         : m->verdict == NS_VERDICT_KEPT ? "zeros" : "wrong weights";
        snprintf(cell->masked, sizeof cell->masked, "all-masked row \xe2\x86\x92 %s", what);
        return;
    }
}

static void add(candidate *worst, bool *any, const candidate *c)
{
    if (!*any || worse(c, worst))
        *worst = *c;
    *any = true;
}

/* The limits a declared failure of the suite or the fuzzing sets: the
 * smallest logit magnitude at which a large logit failed, the shortest row
 * on which a long-row failure came. */
static void note_limit(ns_report_cell *cell, const ns_cell_failure *f)
{
    if (f->verdict != NS_VERDICT_EXPECTED)
        return;
    if (f->cause == NS_CAUSE_OVERFLOW || f->cause == NS_CAUSE_LARGE_LOGITS)
        cell->x_fail = fmin(cell->x_fail, fmax(fabs(f->max_x), fabs(f->min_x)));
    else if (f->cause == NS_CAUSE_LONG_ROW && (cell->n_fail == 0 || f->n < cell->n_fail))
        cell->n_fail = f->n;
}

static int envelope_candidates(const ns_envelope *env, const ns_policy *p, candidate *worst, bool *any,
                               bool *broken)
{
    for (int axis = 0; axis < 2 && env; axis++) {
        const ns_envelope_row *r = axis == 0 ? &env->scale_row : &env->length_row;
        const char *why = axis == 0 ? env->scale_break : env->length_break;
        if (r->verdict <= 0)
            continue;
        candidate c = { .from = axis == 0 ? FROM_SCALE : FROM_LENGTH };
        size_t n = r->n;
        double *x = malloc(n * sizeof *x);
        if (!x)
            return -1;
        ns_gen_args a = { .param = r->sigma, .n = n, .seed = r->seed };
        ns_generate(ns_generator_find("normal"), &a, x);
        c.f = (ns_cell_failure){ (ns_verdict_kind)r->verdict, (ns_kind)r->kind, (ns_cause)r->cause, p,
                                 n, 0, 0, strtod(why, NULL), env->length_capped ? 0 : env->length_fail, false };
        extremes(x, n, &c.f.max_x, &c.f.min_x);
        free(x);
        if (strcmp(why, "NaN") == 0 || strcmp(why, "inf") == 0)
            c.f.bits = p->io->p;
        c.severity = c.f.bits;
        *broken |= r->verdict == NS_VERDICT_BROKEN;
        add(worst, any, &c);
    }
    return 0;
}

static int cell_of(const ns_report_data *d, ns_report_cell *cell, double *x)
{
    size_t t = ns_report_target(d, cell->alg->name, cell->policy->name, NS_SUM_SEQ);
    const ns_envelope *env = ns_report_envelope(d, cell->alg, cell->policy);
    candidate worst;
    bool any = false, broken = false;
    cell->x_fail = INFINITY;
    cell->n_fail = 0;
    for (size_t c = 0; t < d->ntargets && c < d->ncases; c++) {
        const ns_metrics *m = &d->metrics[t * d->ncases + c];
        if (!m->defined || m->verdict == NS_VERDICT_KEPT || avoidable((ns_cause)m->verdict_cause))
            continue;
        candidate k = { .from = FROM_SUITE, .index = c };
        ns_case_input(&d->cases[c], cell->policy, x);
        k.f = (ns_cell_failure){ (ns_verdict_kind)m->verdict, (ns_kind)m->verdict_kind,
                                 (ns_cause)m->verdict_cause, cell->policy, m->n, 0, 0,
                                 m->verdict_kind == NS_KIND_GRADIENT ? m->grad_max_bits : m->max_bits,
                                 env && !env->length_capped ? env->length_fail : 0, false };
        extremes(x, m->n, &k.f.max_x, &k.f.min_x);
        k.severity = k.f.bits;
        broken |= m->verdict == NS_VERDICT_BROKEN;
        note_limit(cell, &k.f);
        add(&worst, &any, &k);
    }
    if (envelope_candidates(env, cell->policy, &worst, &any, &broken) != 0)
        return -1;
    for (size_t i = 0; i < d->found.count; i++) {
        const ns_finding *f = &d->found.items[i];
        if (strcmp(f->normalizer, cell->alg->name) != 0 || strcmp(f->policy, cell->policy->name) != 0 ||
            f->sum != NS_SUM_SEQ || !f->confirmed || avoidable(f->cause))
            continue;
        candidate k = { .from = FROM_FUZZ, .index = i };
        k.f = (ns_cell_failure){ f->expected ? NS_VERDICT_EXPECTED : NS_VERDICT_BROKEN, f->kind, f->cause,
                                 cell->policy, f->row.n, 0, 0, 0, 0, false };
        extremes(f->row.x, f->row.n, &k.f.max_x, &k.f.min_x);
        bool lost = f->kind == NS_KIND_NAN || f->kind == NS_KIND_INF || f->kind == NS_KIND_DENOMINATOR;
        k.severity = lost ? cell->policy->io->p : 0;
        broken |= !f->expected;
        note_limit(cell, &k.f);
        add(&worst, &any, &k);
    }
    if (env) {
        cell->sigma_limited = !env->scale_capped;
        cell->sigma_max = env->scale_max;
        cell->n_limited = !env->length_capped;
        cell->n_max = env->length_max;
    }
    bool empty = env && (env->scale_max == 0 || env->length_max < 2);
    cell->verdict = broken || empty ? NS_CELL_UNSAFE
                  : any || cell->sigma_limited || cell->n_limited ? NS_CELL_SAFE_WITHIN : NS_CELL_SAFE;
    if (t < d->ntargets)
        masked_badge(d, t, cell);
    if (!any)
        return 0;
    const ns_family *family = NULL;
    ns_algorithm_find(cell->alg->name, &family);
    worst.f.exp_of_logit = family && family->exp_of_logit;
    ns_cell_cause_words(&worst.f, cell->cause, sizeof cell->cause);
    return take_row(d, cell, &worst, t < d->ntargets ? &d->targets[t] : &env->target);
}

int ns_report_cells(ns_report_data *d)
{
    size_t longest = 1;
    for (size_t c = 0; c < d->ncases; c++)
        longest = d->cases[c].n > longest ? d->cases[c].n : longest;
    double *x = malloc(longest * sizeof *x);
    d->cells = calloc(d->nenv + 1, sizeof *d->cells);
    if (!x || !d->cells) {
        free(x);
        return -1;
    }
    /* One cell per envelope: every algorithm with a reference, every policy. */
    for (size_t i = 0; i < d->nenv; i++) {
        ns_report_cell *cell = &d->cells[d->ncells++];
        cell->alg = d->env[i].target.alg;
        cell->policy = d->env[i].target.policy;
        if (cell_of(d, cell, x) != 0) {
            free(x);
            return -1;
        }
    }
    free(x);
    return 0;
}

void ns_report_cells_free(ns_report_data *d)
{
    for (size_t i = 0; i < d->ncells; i++) {
        free(d->cells[i].x);
        free(d->cells[i].g);
    }
    free(d->cells);
    d->cells = NULL;
    d->ncells = 0;
}
