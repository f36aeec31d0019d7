/* The report in parts (`normstab report --shard I/N`, `normstab merge`):
 * the pieces of work that the checkpoint keeps (checkpoint.h: blocks of the
 * suite, the sweeps, the envelopes, blocks of the fuzzing budget and of the
 * real rows), each given to one of N parts so that the parts take about
 * the same time, by the cost a measured run recorded for each piece
 * (shard_costs.c, refreshed by `make shard-costs`). */
#ifndef NS_REPORT_SHARD_H
#define NS_REPORT_SHARD_H

#include <stdbool.h>
#include <stddef.h>

#include "../analysis/suite.h"

/* The largest N of --shard I/N: far more parts than pieces only leaves
 * parts empty, which is allowed; this bounds absurd values. */
#define NS_SHARD_MAX 4096

/* One piece of a run: its checkpoint name, its cost, the part (1..N) that
 * measures it, and what this run did with it. */
typedef struct ns_report_piece {
    char name[32];
    double cost;                 /* seconds, from the cost table */
    unsigned owner;              /* 1..N; 1 when the run is not sharded */
    bool measured;               /* by this run (not taken from a checkpoint) */
    double seconds;              /* wall time it took when measured */
} ns_report_piece;

/* "I/N" with 1 <= I <= N <= NS_SHARD_MAX into *i, *n: 0, or -1 with a
 * message in err saying what is wrong. */
int ns_shard_parse(const char *s, unsigned *i, unsigned *n, char *err, size_t errlen);

/* Longest-processing-time-first: the pieces in decreasing cost (ties in
 * their order), each to the part with the least cost so far (ties to the
 * lowest I).  owner[k] in 1..n for every piece.  Every part's total is then
 * at most the ideal total / n plus the largest single cost (Graham's bound
 * for any list schedule); the same costs give the same owners on every
 * machine.  0, or -1 when out of memory. */
int ns_shard_assign(const double *cost, size_t count, unsigned n, unsigned *owner);

/* The cost of piece `name` in a run of suite size `size`: the table's
 * entry; for a piece the table lacks (a run with more policies has no more
 * pieces, but a longer data file or a larger budget may), the mean of the
 * table's pieces of the same kind (the name up to its '-'); 1 when the
 * table has none of that kind. */
double ns_shard_cost(ns_suite_size size, const char *name);

/* The cost table (shard_costs.c): NULL-terminated. */
typedef struct ns_shard_cost_entry {
    const char *suite;           /* "tiny", "quick", "full" */
    const char *piece;
    double seconds;
} ns_shard_cost_entry;
extern const ns_shard_cost_entry ns_shard_costs[];

#endif
