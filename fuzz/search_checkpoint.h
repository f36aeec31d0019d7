/* The state of `normstab search` between two evaluations, and the
 * checkpoint file that holds it (docs/fuzzing.md, "Interrupted searches").
 *
 * search.c runs the search on this state; search_checkpoint.c writes it to a
 * file (under a temporary name, renamed when whole) and reads it back.  The
 * file is JSON: the run's options as one string (a file made with other
 * options is refused), the rng, the counters, the population, the coverage
 * features seen, the finder's rejected candidates and the findings already
 * reported.  Restored, the search continues exactly as if it had not
 * stopped: same rows, same findings, same summary (timings aside). */
#ifndef NS_FUZZ_SEARCH_CHECKPOINT_H
#define NS_FUZZ_SEARCH_CHECKPOINT_H

#include "finder.h"

#define NS_SEARCH_POPULATION 24

typedef struct ns_search_state {
    ns_rng rng;
    uint64_t evals;          /* evaluations of the target since the search began */
    uint64_t exact_evals;    /* of which against the MPFR reference */
    double seconds;          /* spent before this process took over */
    unsigned restarts;
    ns_kind objective;       /* the objective being pursued now */
    bool restart_now;
    /* evolve: rows of the population built since the last restart
     * (NS_SEARCH_POPULATION: the population is complete and evolving) */
    size_t filled;
    double best;             /* the best fitness since the population was complete */
    uint64_t last_gain;      /* evals when best last improved */
    ns_row pop[NS_SEARCH_POPULATION];
    double fit[NS_SEARCH_POPULATION];
    uint8_t seen[NS_FEATURES];   /* coverage features reached since the restart (0 or 1) */
} ns_search_state;

/* Writes the state and fd's findings and rejection counters to path, with
 * key (the run's options).  0, or -1 with "PATH: what" in err. */
int ns_search_checkpoint_save(const char *path, const char *key, const ns_search_state *s,
                              const ns_finder *fd, char *err, size_t errlen);

/* Reads path back into s (whose rows are initialized) and fd (its findings
 * appended, its counters set).  1 when read, 0 when path does not exist, -1
 * with "PATH: what" in err when it is not a whole checkpoint of a run with
 * this key and target. */
int ns_search_checkpoint_load(const char *path, const char *key, ns_search_state *s, ns_finder *fd,
                              char *err, size_t errlen);

#endif
