/* The built-in search (`normstab search`): needs no clang, and the rows it
 * evaluates depend only on the seed (a time budget only decides where the
 * sequence stops; an evaluation budget makes the whole output reproducible).
 *
 * evolve: a steady-state evolutionary search over rows, driven by the
 *   objective's score (target.h).  Parents are picked by tournament, children
 *   made by the float-aware mutator (and sometimes crossover); a child
 *   replaces the worst row when it scores at least as well, or a random row
 *   when it reaches a coverage feature no row has reached before (so the
 *   population keeps some variety).  The search restarts from fresh rows when
 *   the best score has not improved for a while, and after each new finding
 *   of the objective's kind; objective "all" moves to the next objective at
 *   every restart.
 * random: fresh typical rows (ns_row_random), independently: the baseline
 *   evolve must beat. */
#ifndef NS_FUZZ_SEARCH_H
#define NS_FUZZ_SEARCH_H

#include "finding.h"

typedef enum { NS_STRATEGY_EVOLVE, NS_STRATEGY_RANDOM } ns_strategy;

int ns_strategy_find(const char *name);        /* the strategy or -1 */
const char *ns_strategy_name(ns_strategy s);

typedef struct ns_search_opts {
    ns_strategy strategy;
    double seconds;         /* wall-clock budget; 0: none */
    uint64_t max_evals;     /* evaluation budget; 0: none (one of the two is needed) */
    uint64_t seed;
} ns_search_opts;

typedef struct ns_search_stats {
    uint64_t evals;         /* evaluations of the target (minimization included) */
    uint64_t exact_evals;   /* of which against the MPFR reference */
    double seconds;
    unsigned restarts;
} ns_search_stats;

/* Runs the search; new findings go to fd (whose on_new may stop it).
 * 0, or -1 when out of memory. */
int ns_search_run(ns_finder *fd, const ns_search_opts *o, ns_search_stats *st);

#endif
