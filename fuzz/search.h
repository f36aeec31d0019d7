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
 *   evolve must beat.
 *
 * A search can stop on request (*stop, set by a signal handler) after the
 * evaluation in progress, keep its state in a checkpoint file and continue
 * from it later to the same end as a run that never stopped
 * (search_checkpoint.h). */
#ifndef NS_FUZZ_SEARCH_H
#define NS_FUZZ_SEARCH_H

#include <signal.h>

#include "finder.h"

typedef enum { NS_STRATEGY_EVOLVE, NS_STRATEGY_RANDOM } ns_strategy;

int ns_strategy_find(const char *name);        /* the strategy or -1 */
const char *ns_strategy_name(ns_strategy s);

typedef struct ns_search_opts {
    ns_strategy strategy;
    double seconds;         /* wall-clock budget; 0: none */
    uint64_t max_evals;     /* evaluation budget; 0: none (one of the two is needed) */
    uint64_t seed;
    /* Optional.  checkpoint: the file the state is kept in, written every
     * checkpoint_every evaluations (0: NS_SEARCH_CHECKPOINT_EVERY) and when
     * the run is interrupted; checkpoint_key: the run's options, which a
     * checkpoint must have been made with; resume: start from the
     * checkpoint (from the beginning when the file does not exist);
     * stop: nonzero asks the run to stop after the evaluation in progress. */
    const char *checkpoint;
    const char *checkpoint_key;
    uint64_t checkpoint_every;
    bool resume;
    volatile sig_atomic_t *stop;
} ns_search_opts;

#define NS_SEARCH_CHECKPOINT_EVERY 20000

typedef struct ns_search_stats {
    uint64_t evals;         /* evaluations of the target (minimization included) */
    uint64_t exact_evals;   /* of which against the MPFR reference */
    double seconds;
    unsigned restarts;
    bool resumed;           /* it continued from a checkpoint */
    bool interrupted;       /* *stop ended it */
    char error[640];        /* why ns_search_run returned -1 */
} ns_search_stats;

/* Runs the search; new findings go to fd (whose on_new may stop it).  A
 * resumed run first hands the checkpoint's findings to on_new, in the order
 * they were found, so that its output is that of the whole run.  Counters
 * and seconds are those of the whole run too.  0 when done,
 * NS_SEARCH_INTERRUPTED when *stop ended it (the checkpoint, if any, is
 * written), -1 with a message in st->error (out of memory, a checkpoint
 * that cannot be written, or one that cannot be resumed). */
enum { NS_SEARCH_INTERRUPTED = 1 };
int ns_search_run(ns_finder *fd, const ns_search_opts *o, ns_search_stats *st);

#endif
