/* Re-running a stored finding with the current algorithms, reference and
 * contracts (`normstab replay`, the collector of `make fuzz`). */
#ifndef NS_FUZZ_REPLAY_H
#define NS_FUZZ_REPLAY_H

#include "finding.h"

typedef enum {
    NS_REPLAY_BROKEN,      /* still breaks a promise of the contract */
    NS_REPLAY_EXPECTED,    /* still fails, as a hazard of the contract */
    NS_REPLAY_FIXED,       /* no longer fails this way */
    NS_REPLAY_OUTSIDE,     /* the row is no longer in the contract's domain */
} ns_replay_verdict;

const char *ns_replay_verdict_name(ns_replay_verdict v);   /* "broken", ... */

typedef struct ns_replay_result {
    ns_replay_verdict verdict;
    ns_finding now;        /* the finding as it stands now (cause, detail, why) */
} ns_replay_result;

/* Evaluates f's row exactly (MPFR) for f's normalizer, policy, summation
 * order and parameters.  0, or -1 with a message (unknown normalizer...). */
int ns_replay(const ns_finding *f, ns_replay_result *r, char *err, size_t errlen);
void ns_replay_result_free(ns_replay_result *r);

#endif
