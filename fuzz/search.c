#include "search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define POPULATION 24
#define TOURNAMENT 3
/* Evaluations without a better best score before a restart. */
#define STALL 4000

int ns_strategy_find(const char *name)
{
    if (strcmp(name, "evolve") == 0)
        return NS_STRATEGY_EVOLVE;
    if (strcmp(name, "random") == 0)
        return NS_STRATEGY_RANDOM;
    return -1;
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
    ns_rng rng;
    double start;
    bool stop;
    uint64_t evals0;         /* the target's evaluations before the search */
    ns_kind objective;       /* the objective being pursued now */
    size_t findings_seen;    /* fd->set.count when last looked */
    bool restart_now;
    ns_row pop[POPULATION];
    double fit[POPULATION];
    uint8_t *seen;           /* coverage features reached since the restart */
} search;

static bool out_of_budget(search *s)
{
    if (s->stop)
        return true;
    if (s->o->max_evals && s->t->evals - s->evals0 >= s->o->max_evals)
        return true;
    /* The clock is read once in a while: it is the only thing that is not
     * reproducible. */
    if (s->o->seconds > 0 && ((s->t->evals - s->evals0) & 63) == 0 &&
        ns_fuzz_now() - s->start >= s->o->seconds)
        return true;
    return false;
}

/* Evaluates a finished row, hands it to the finder, returns its fitness;
 * *novel tells whether it reached a feature not seen since the restart. */
static int evaluate(search *s, const ns_row *row, double *fitness, bool *novel)
{
    ns_fuzz_eval e;
    if (ns_fuzz_eval_row(s->t, row, NS_EVAL_FAST, &e) != 0)
        return -1;
    /* Between equal scores, the shorter row (it is cheaper to evaluate). */
    *fitness = ns_fuzz_score(&e, s->objective) - 0x1p-10 * log2((double)row->n);
    if (novel) {
        uint16_t feat[NS_FEATURES_PER_EVAL];
        size_t k = ns_fuzz_features(&e, feat);
        *novel = false;
        for (size_t i = 0; i < k; i++)
            if (!s->seen[feat[i]]) {
                s->seen[feat[i]] = 1;
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
    bool proxy = s->objective == NS_KIND_NAN || s->objective == NS_KIND_INF ||
                 s->objective == NS_KIND_NEGATIVE;
    if (s->objective < NS_OBJECTIVE_COUNT && ((known & (1u << s->objective)) || (proxy && known)))
        *fitness = -64;
    if (rc > 0)
        s->stop = true;
    /* A new finding of the kind pursued: look elsewhere. */
    for (; s->findings_seen < s->fd->set.count; s->findings_seen++)
        if (s->fd->set.items[s->findings_seen].kind == s->objective)
            s->restart_now = true;
    return 0;
}

static ns_kind next_objective(ns_kind k)
{
    return (ns_kind)((k + 1) % NS_OBJECTIVE_COUNT);
}

static int populate(search *s)
{
    memset(s->seen, 0, NS_FEATURES);
    for (size_t i = 0; i < POPULATION; i++) {
        if (ns_row_random(&s->t->mut, &s->rng, &s->pop[i]) != 0 ||
            evaluate(s, &s->pop[i], &s->fit[i], NULL) != 0)
            return -1;
        if (out_of_budget(s))
            break;
    }
    return 0;
}

static size_t tournament(search *s)
{
    size_t best = ns_rng_below(&s->rng, POPULATION);
    for (int k = 1; k < TOURNAMENT; k++) {
        size_t c = ns_rng_below(&s->rng, POPULATION);
        if (s->fit[c] > s->fit[best])
            best = c;
    }
    return best;
}

static int evolve(search *s)
{
    ns_row child;
    ns_row_init(&child);
    int rc = 0;
    while (!out_of_budget(s)) {
        if (populate(s) != 0) {
            rc = -1;
            break;
        }
        s->restart_now = false;
        double best = -INFINITY;
        for (size_t i = 0; i < POPULATION; i++)
            best = s->fit[i] > best ? s->fit[i] : best;
        uint64_t last_gain = s->t->evals;
        while (!out_of_budget(s) && !s->restart_now && s->t->evals - last_gain < STALL) {
            size_t p = tournament(s);
            if (ns_rng_uniform(&s->rng) < 0.15) {
                if (ns_crossover(&s->t->mut, &s->rng, &s->pop[p], &s->pop[tournament(s)], &child) != 0) {
                    rc = -1;
                    break;
                }
            } else if (ns_row_copy(&child, &s->pop[p]) != 0) {
                rc = -1;
                break;
            }
            ns_mutate(&s->t->mut, &s->rng, &child, ns_rng_uniform(&s->rng) < 0.3 ? 8 : 3);
            double f;
            bool novel;
            if (evaluate(s, &child, &f, &novel) != 0) {
                rc = -1;
                break;
            }
            size_t worst = 0;
            for (size_t i = 1; i < POPULATION; i++)
                if (s->fit[i] < s->fit[worst])
                    worst = i;
            size_t slot = POPULATION;
            if (f >= s->fit[worst])
                slot = worst;
            else if (novel)
                slot = ns_rng_below(&s->rng, POPULATION);
            if (slot < POPULATION && (slot == worst || s->fit[slot] < best)) {
                ns_row swap = s->pop[slot];
                s->pop[slot] = child;
                child = swap;
                s->fit[slot] = f;
            }
            if (f > best) {
                best = f;
                last_gain = s->t->evals;
            }
        }
        if (rc)
            break;
        s->st->restarts++;
        if (s->t->objective == NS_OBJECTIVE_ALL)
            s->objective = next_objective(s->objective);
    }
    ns_row_free(&child);
    return rc;
}

static int random_search(search *s)
{
    ns_row row;
    ns_row_init(&row);
    int rc = 0;
    while (!out_of_budget(s)) {
        double f;
        if (ns_row_random(&s->t->mut, &s->rng, &row) != 0 || evaluate(s, &row, &f, NULL) != 0) {
            rc = -1;
            break;
        }
        if (s->t->objective == NS_OBJECTIVE_ALL && s->restart_now) {
            s->objective = next_objective(s->objective);
            s->restart_now = false;
        }
    }
    ns_row_free(&row);
    return rc;
}

int ns_search_run(ns_finder *fd, const ns_search_opts *o, ns_search_stats *st)
{
    search s = { .fd = fd, .t = fd->t, .o = o, .st = st };
    memset(st, 0, sizeof *st);
    ns_rng_seed(&s.rng, o->seed);
    s.start = ns_fuzz_now();
    s.objective = fd->t->objective == NS_OBJECTIVE_ALL ? NS_KIND_NAN : fd->t->objective;
    s.findings_seen = fd->set.count;
    s.evals0 = fd->t->evals;
    s.seen = calloc(NS_FEATURES, 1);
    for (size_t i = 0; i < POPULATION; i++)
        ns_row_init(&s.pop[i]);
    uint64_t evals0 = fd->t->evals, exact0 = fd->t->exact_evals;
    int rc = !s.seen ? -1 : o->strategy == NS_STRATEGY_RANDOM ? random_search(&s) : evolve(&s);
    for (size_t i = 0; i < POPULATION; i++)
        ns_row_free(&s.pop[i]);
    free(s.seen);
    st->evals = fd->t->evals - evals0;
    st->exact_evals = fd->t->exact_evals - exact0;
    st->seconds = ns_fuzz_now() - s.start;
    return rc;
}
