/* The finder: every engine hands it each evaluation that breaks a promise
 * (ns_finder_consider), and it
 *   1. classifies why it fails (analysis/cause.h) and drops it when a
 *      finding with the same (algorithm, policy, kind, cause) is known;
 *   2. confirms it with the MPFR reference (a fast oracle may be wrong);
 *   3. minimizes it: fewer logits, simpler values (0, +-1, short
 *      significands, powers of two), a simpler gradient, with the same kind
 *      and cause and, at the end, confirmed again;
 *   4. gives it the verdict (analysis/verdict.h): "expected" when the
 *      contract declares it as a hazard (with the hazard's explanation),
 *      "broken" otherwise. */
#ifndef NS_FUZZ_FINDER_H
#define NS_FUZZ_FINDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "finding.h"
#include "target.h"

/* Why a row breaks promise `kind`, from its evaluation e (which must be
 * the latest evaluation of t: it may evaluate a variant of the row). */
ns_cause ns_fuzz_classify(ns_fuzz_target *t, const ns_row *row, const ns_fuzz_eval *e, ns_kind kind);

/* Whether the MPFR reference confirms that row breaks `kind` with `cause`;
 * fills e with the exact evaluation. */
bool ns_fuzz_confirm(ns_fuzz_target *t, const ns_row *row, ns_kind kind, ns_cause cause,
                     ns_fuzz_eval *e);

/* Shrinks row while it keeps breaking `kind` with `cause`, within `budget`
 * evaluations; the result is confirmed (or the row is left as it was). */
void ns_fuzz_minimize(ns_fuzz_target *t, ns_row *row, ns_kind kind, ns_cause cause, size_t budget);

/* Fills f from a confirmed row (classification, verdict and explanation). */
int ns_finding_fill(ns_finding *f, const ns_fuzz_target *t, const ns_row *row,
                    const ns_fuzz_eval *e, ns_kind kind, ns_cause cause);

typedef struct ns_finder {
    ns_fuzz_target *t;
    ns_finding_set set;
    const char *engine;
    uint64_t seed;
    double t0;                  /* start, ns_clock_monotonic() */
    size_t minimize_budget;
    unsigned failed[NS_KIND_COUNT][NS_CAUSE_COUNT];   /* candidates MPFR rejected */
    /* Called with each new finding; a nonzero return asks the engine to stop. */
    int (*on_new)(const ns_finding *f, void *ctx);
    void *ctx;
} ns_finder;

void ns_finder_init(ns_finder *fd, ns_fuzz_target *t, const char *engine, uint64_t seed);
void ns_finder_free(ns_finder *fd);
/* Looks at one evaluation of row (the target's latest).  Returns 1 when
 * on_new asked to stop, 0 otherwise, -1 when out of memory.  *known (may be
 * NULL) gets bit k when the row breaks promise k for a cause already found
 * before: a search should look elsewhere. */
int ns_finder_consider(ns_finder *fd, const ns_row *row, const ns_fuzz_eval *e, unsigned *known);

#endif
