#include "search.h"

#include "search_checkpoint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/clock.h"
#include "../util/names.h"

#define POPULATION NS_SEARCH_POPULATION
#define TOURNAMENT 3
/* Evaluations without a better best score before a restart. */
#define STALL 4000

static const char *const strategy_names[] = { [NS_STRATEGY_EVOLVE] = "evolve",
                                               [NS_STRATEGY_RANDOM] = "random" };

int ns_strategy_find(const char *name)
{
    return ns_name_index(strategy_names, 2, name);
}

const char *ns_strategy_name(ns_strategy s)
{
    return s == NS_STRATEGY_RANDOM ? "random" : "evolve";
}

typedef struct search {
    ns_finder *fd;
    ns_fuzz_target *t;
    const ns_search_opts *o;
    ns_search_stats *st;
    ns_search_state state;   /* everything a checkpoint keeps */
    double start;            /* ns_clock_monotonic() at the start, less the time spent before a resume */
    bool stop;               /* on_new asked to stop */
    bool interrupted;        /* *o->stop was set */
    uint64_t evals0;         /* the target's evaluations before the search */
    uint64_t exact0;         /* and those against the reference */
    uint64_t saved_at;       /* evaluations of the search at the last checkpoint */
    size_t findings_seen;    /* fd->set.count when last looked */
} search;

static uint64_t evals_done(const search *s)
{
    return s->t->evals - s->evals0;
}

static bool out_of_budget(search *s)
{
    if (s->stop)
        return true;
    if (s->o->stop && *s->o->stop) {
        s->interrupted = true;
        return true;
    }
    if (s->o->max_evals && evals_done(s) >= s->o->max_evals)
        return true;
    /* The clock is read once in a while: it is the only thing that is not
     * reproducible. */
    if (s->o->seconds > 0 && (evals_done(s) & 63) == 0 && ns_clock_monotonic() - s->start >= s->o->seconds)
        return true;
    return false;
}

/* The state as the checkpoint sees it: counters relative to the search. */
static int save(search *s)
{
    ns_search_state *ss = &s->state;
    ss->evals = evals_done(s);
    ss->exact_evals = s->t->exact_evals - s->exact0;
    ss->seconds = ns_clock_monotonic() - s->start;
    ss->restarts = s->st->restarts;
    uint64_t gain = ss->last_gain;
    ss->last_gain = gain - s->evals0;
    int rc = ns_search_checkpoint_save(s->o->checkpoint, s->o->checkpoint_key, ss, s->fd,
                                       s->st->error, sizeof s->st->error);
    ss->last_gain = gain;
    s->saved_at = ss->evals;
    return rc;
}

/* Called between two evaluations, where the state is whole: writes the
 * checkpoint every checkpoint_every evaluations. */
static int maybe_save(search *s)
{
    if (!s->o->checkpoint)
        return 0;
    uint64_t every = s->o->checkpoint_every ? s->o->checkpoint_every : NS_SEARCH_CHECKPOINT_EVERY;
    return evals_done(s) - s->saved_at >= every ? save(s) : 0;
}

/* Evaluates a finished row, hands it to the finder, returns its fitness;
 * *novel tells whether it reached a feature not seen since the restart. */
static int evaluate(search *s, const ns_row *row, double *fitness, bool *novel)
{
    ns_fuzz_eval e;
    if (ns_fuzz_eval_row(s->t, row, NS_EVAL_FAST, &e) != 0)
        return -1;
    ns_kind objective = s->state.objective;
    /* Between equal scores, the shorter row (it is cheaper to evaluate). */
    *fitness = ns_fuzz_score(&e, objective) - 0x1p-10 * log2((double)row->n);
    if (novel) {
        uint16_t feat[NS_FEATURES_PER_EVAL];
        size_t k = ns_fuzz_features(&e, feat);
        *novel = false;
        for (size_t i = 0; i < k; i++)
            if (!s->state.seen[feat[i]]) {
                s->state.seen[feat[i]] = 1;
                *novel = true;
            }
    }
    unsigned known;
    int rc = ns_finder_consider(s->fd, row, &e, &known);
    if (rc < 0)
        return -1;
    /* A failure already found is a place the search has been: push away.
     * The proxies of nan, inf and negative (extreme denominators) would
     * also lead back to failures of other kinds found already. */
    bool proxy = objective == NS_KIND_NAN || objective == NS_KIND_INF || objective == NS_KIND_NEGATIVE;
    if (objective < NS_OBJECTIVE_COUNT && ((known & (1u << objective)) || (proxy && known)))
        *fitness = -64;
    if (rc > 0)
        s->stop = true;
    /* A new finding of the kind pursued: look elsewhere. */
    for (; s->findings_seen < s->fd->set.count; s->findings_seen++)
        if (s->fd->set.items[s->findings_seen].kind == objective)
            s->state.restart_now = true;
    return 0;
}

static ns_kind next_objective(ns_kind k)
{
    return (ns_kind)((k + 1) % NS_OBJECTIVE_COUNT);
}

static size_t tournament(search *s)
{
    ns_search_state *ss = &s->state;
    size_t best = ns_rng_below(&ss->rng, POPULATION);
    for (int k = 1; k < TOURNAMENT; k++) {
        size_t c = ns_rng_below(&ss->rng, POPULATION);
        if (ss->fit[c] > ss->fit[best])
            best = c;
    }
    return best;
}

/* One fresh row of the population. */
static int populate_one(search *s)
{
    ns_search_state *ss = &s->state;
    if (ss->filled == 0)
        memset(ss->seen, 0, sizeof ss->seen);
    size_t i = ss->filled;
    if (ns_row_random(&s->t->mut, &ss->rng, &ss->pop[i]) != 0 ||
        evaluate(s, &ss->pop[i], &ss->fit[i], NULL) != 0)
        return -1;
    if (++ss->filled == POPULATION) {
        ss->restart_now = false;
        ss->best = -INFINITY;
        for (size_t k = 0; k < POPULATION; k++)
            ss->best = ss->fit[k] > ss->best ? ss->fit[k] : ss->best;
        ss->last_gain = s->t->evals;
    }
    return 0;
}

/* One child: bred, evaluated, and kept in the population or not. */
static int breed_one(search *s, ns_row *child)
{
    ns_search_state *ss = &s->state;
    size_t p = tournament(s);
    if (ns_rng_uniform(&ss->rng) < 0.15) {
        if (ns_crossover(&s->t->mut, &ss->rng, &ss->pop[p], &ss->pop[tournament(s)], child) != 0)
            return -1;
    } else if (ns_row_copy(child, &ss->pop[p]) != 0) {
        return -1;
    }
    ns_mutate(&s->t->mut, &ss->rng, child, ns_rng_uniform(&ss->rng) < 0.3 ? 8 : 3);
    double f;
    bool novel;
    if (evaluate(s, child, &f, &novel) != 0)
        return -1;
    size_t worst = 0;
    for (size_t i = 1; i < POPULATION; i++)
        if (ss->fit[i] < ss->fit[worst])
            worst = i;
    size_t slot = POPULATION;
    if (f >= ss->fit[worst])
        slot = worst;
    else if (novel)
        slot = ns_rng_below(&ss->rng, POPULATION);
    if (slot < POPULATION && (slot == worst || ss->fit[slot] < ss->best)) {
        ns_row swap = ss->pop[slot];
        ss->pop[slot] = *child;
        *child = swap;
        ss->fit[slot] = f;
    }
    if (f > ss->best) {
        ss->best = f;
        ss->last_gain = s->t->evals;
    }
    return 0;
}

/* One step of a strategy, at most one evaluation, with a row to work in:
 * 0, or -1 on an error. */
typedef int strategy_step(search *s, ns_row *row);

/* Steps until the budget ends or a step fails, saving the checkpoint
 * between two steps when it is due: the state between two steps is what a
 * checkpoint keeps. */
static int run_steps(search *s, strategy_step *step)
{
    ns_row row;
    ns_row_init(&row);
    int rc = 0;
    while (rc == 0 && (rc = maybe_save(s)) == 0 && !out_of_budget(s))
        rc = step(s, &row);
    ns_row_free(&row);
    return rc;
}

static int evolve_step(search *s, ns_row *child)
{
    ns_search_state *ss = &s->state;
    if (ss->filled < POPULATION)
        return populate_one(s);
    if (ss->restart_now || s->t->evals - ss->last_gain >= STALL) {
        s->st->restarts++;
        if (s->t->objective == NS_OBJECTIVE_ALL)
            ss->objective = next_objective(ss->objective);
        ss->filled = 0;
        return 0;
    }
    return breed_one(s, child);
}

/* A round: the population built afresh, then evolved until the best score
 * stalls or a finding of the objective's kind comes; then a restart. */
static int evolve(search *s)
{
    int rc = run_steps(s, evolve_step);
    /* A round cut short by the budget counts as one (as a round ended by
     * a restart does); an interrupted run's round goes on when resumed. */
    if (rc == 0 && s->state.filled > 0 && !s->interrupted)
        s->st->restarts++;
    return rc;
}

static int random_step(search *s, ns_row *row)
{
    ns_search_state *ss = &s->state;
    double f;
    if (ns_row_random(&s->t->mut, &ss->rng, row) != 0 || evaluate(s, row, &f, NULL) != 0)
        return -1;
    if (s->t->objective == NS_OBJECTIVE_ALL && ss->restart_now) {
        ss->objective = next_objective(ss->objective);
        ss->restart_now = false;
    }
    return 0;
}

/* Continues from the checkpoint: the state, the counters, the clock, and
 * the findings already reported, handed to on_new again. */
static int resume(search *s)
{
    ns_search_state *ss = &s->state;
    int rc = ns_search_checkpoint_load(s->o->checkpoint, s->o->checkpoint_key, ss, s->fd,
                                       s->st->error, sizeof s->st->error);
    if (rc <= 0)
        return rc;
    s->t->evals = s->evals0 + ss->evals;
    s->t->exact_evals += ss->exact_evals;
    s->st->restarts = ss->restarts;
    ss->last_gain += s->evals0;
    s->start -= ss->seconds;
    s->fd->t0 -= ss->seconds;
    s->saved_at = ss->evals;
    s->st->resumed = true;
    for (size_t i = 0; i < s->fd->set.count; i++)
        if (s->fd->on_new && s->fd->on_new(&s->fd->set.items[i], s->fd->ctx))
            s->stop = true;
    s->findings_seen = s->fd->set.count;
    return 0;
}

int ns_search_run(ns_finder *fd, const ns_search_opts *o, ns_search_stats *st)
{
    memset(st, 0, sizeof *st);
    search *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(st->error, sizeof st->error, "out of memory");
        return -1;
    }
    *s = (search){ .fd = fd, .t = fd->t, .o = o, .st = st };
    ns_search_state *ss = &s->state;
    ns_rng_seed(&ss->rng, o->seed);
    s->start = ns_clock_monotonic();
    ss->objective = fd->t->objective == NS_OBJECTIVE_ALL ? NS_KIND_NAN : fd->t->objective;
    s->findings_seen = fd->set.count;
    s->evals0 = fd->t->evals;
    s->exact0 = fd->t->exact_evals;
    ss->last_gain = s->evals0;
    for (size_t i = 0; i < POPULATION; i++)
        ns_row_init(&ss->pop[i]);
    int rc = o->resume && o->checkpoint ? resume(s) : 0;
    if (rc == 0)
        rc = o->strategy == NS_STRATEGY_RANDOM ? run_steps(s, random_step) : evolve(s);
    if (rc == 0 && s->interrupted && o->checkpoint)
        rc = save(s);
    if (rc == 0 && s->interrupted)
        rc = NS_SEARCH_INTERRUPTED;
    if (rc < 0 && !st->error[0])
        snprintf(st->error, sizeof st->error, "out of memory");
    st->interrupted = s->interrupted;
    st->evals = evals_done(s);
    st->exact_evals = fd->t->exact_evals - s->exact0;
    st->seconds = ns_clock_monotonic() - s->start;
    for (size_t i = 0; i < POPULATION; i++)
        ns_row_free(&ss->pop[i]);
    free(s);
    return rc;
}
