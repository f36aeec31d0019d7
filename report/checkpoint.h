/* The report's checkpoint: the measurements completed so far, kept in
 * OUT.partial/ next to the report directory so that an interrupted run can
 * continue (`normstab report --resume`).
 *
 * Each piece of work (a block of the suite, a sweep, the envelopes, the real
 * rows) is one file, written under a temporary name and renamed when whole:
 * a file present is complete.  Every file starts with the run's key (suite
 * size, seed, targets, real rows, layout of the records); a file with another
 * key is refused, never mixed in.  The records are this build's own binary
 * layout: a checkpoint is for resuming on the same machine with the same
 * build, not for exchange.
 *
 * The parts of a sharded run (shard.h) are such checkpoints too, each
 * holding the pieces of one part; `normstab merge` reads the pieces from
 * them (parts below) as a resumed run reads its own. */
#ifndef NS_REPORT_CHECKPOINT_H
#define NS_REPORT_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "../analysis/envelope.h"
#include "../analysis/sweep.h"
#include "../fuzz/finding.h"

typedef struct ns_checkpoint {
    char dir[4096 + 16];         /* OUT.partial */
    char key[512];
    /* Directories where a piece absent from dir is looked for, in order
     * (the parts a merge joins); none when nparts is 0. */
    const char *const *parts;
    size_t nparts;
} ns_checkpoint;

/* Opens the checkpoint of the report directory out (without trailing '/')
 * for a run with the given key.  resume: keeps the files there; otherwise
 * they are removed first.  0, or -1 with a message in err. */
int ns_checkpoint_open(ns_checkpoint *c, const char *out, const char *key, bool resume,
                       char *err, size_t errlen);
/* Removes the checkpoint (once the report is in place). */
void ns_checkpoint_remove(ns_checkpoint *c);

/* A record of metrics (count entries) under name: save writes it; load
 * returns 1 when it was there and read whole, 0 when absent, -1 (message in
 * err) when it is there but damaged or made by another run. */
int ns_checkpoint_save_metrics(const ns_checkpoint *c, const char *name, const ns_metrics *m,
                               size_t count, char *err, size_t errlen);
int ns_checkpoint_load_metrics(const ns_checkpoint *c, const char *name, ns_metrics *m, size_t count,
                               char *err, size_t errlen);

/* A whole sweep (points, targets, cases, metrics); load rebuilds *s (its
 * summaries recomputed) and returns as above. */
int ns_checkpoint_save_sweep(const ns_checkpoint *c, const char *name, const ns_sweep *s,
                             char *err, size_t errlen);
int ns_checkpoint_load_sweep(const ns_checkpoint *c, const char *name, ns_sweep *s, char *err, size_t errlen);

/* The envelopes; load allocates *env and sets *count. */
int ns_checkpoint_save_envelopes(const ns_checkpoint *c, const ns_envelope *env, size_t count,
                                 char *err, size_t errlen);
int ns_checkpoint_load_envelopes(const ns_checkpoint *c, ns_envelope **env, size_t *count,
                                 char *err, size_t errlen);

/* The findings of a block of the fuzzing budget, in their order; load
 * appends them to *set. */
int ns_checkpoint_save_findings(const ns_checkpoint *c, const char *name, const ns_finding_set *set,
                                char *err, size_t errlen);
int ns_checkpoint_load_findings(const ns_checkpoint *c, const char *name, ns_finding_set *set,
                                char *err, size_t errlen);

#endif
