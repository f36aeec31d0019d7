/* The one verdict on an evaluation, which `check`, the report, the
 * envelopes, `search` and the fuzzers all ask: the algorithm
 *   - kept its contract (normalizers/contract.h): every promise held
 *     (promises.h measures them);
 *   - failed as expected: each promise it broke, it broke for a cause
 *     (cause.h) that the contract declares as a hazard, which names it;
 *   - or broke its contract: some promise failed in a way no hazard declares.
 * A row outside the contract's domain, or whose reference is undefined (a
 * NaN or +inf input), is promised nothing: kept.
 *
 * judge.h gives the verdict with the exact reference (check, the report,
 * the envelopes); the fuzzers measure with their own oracles and confirm
 * every finding with the exact one before it is reported (fuzz/finder.h).
 * An expected failure is a failure all the same where the question is
 * where an algorithm works rather than what it promised: the envelopes
 * hold an algorithm to "kept". */
#ifndef NS_VERDICT_H
#define NS_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "../normalizers/contract.h"
#include "cause.h"
#include "metrics.h"
#include "promises.h"

typedef enum { NS_VERDICT_KEPT, NS_VERDICT_EXPECTED, NS_VERDICT_BROKEN } ns_verdict_kind;

const char *ns_verdict_name(ns_verdict_kind k);   /* "kept", "expected", "broken" */

typedef struct ns_verdict {
    ns_verdict_kind kind;
    ns_promise_eval e;                      /* the promises as measured */
    ns_cause cause[NS_KIND_COUNT];          /* of each promise broken (a bit of e.broken) */
    const ns_hazard *hazard[NS_KIND_COUNT]; /* the hazard declaring it, or NULL */
    ns_kind what;   /* broken: the first promise broken that no hazard declares;
                       expected: the first promise broken */
} ns_verdict;

/* Decides from the promises e measured on the row (x, g; n entries, g may
 * be NULL) in policy p with metrics m: classifies each broken promise
 * through r and looks its hazard up in contract c. */
void ns_verdict_decide(ns_verdict *v, const ns_contract *c, const ns_policy *p, const ns_recheck *r,
                       const double *x, const double *g, size_t n, const ns_metrics *m,
                       const ns_promise_eval *e);

/* A verdict of "kept" on a row the contract promises nothing about. */
void ns_verdict_nothing_promised(ns_verdict *v);

/* "the contract promises no NaN on its domain", ...: what promise `kind`
 * of p says. */
void ns_promise_describe(const ns_promise *p, ns_kind kind, char *buf, size_t len);

/* What was measured against promise `kind`: "2 NaN entries where the
 * reference is a number", "7.21 bits of error (147 ulps) above the bound of
 * 41 ulps", ... */
void ns_promise_detail(const ns_metrics *m, const ns_promise_eval *e, ns_kind kind, char *buf,
                       size_t len);

/* A bound as "(8 + 2 n + 2 spread) u", its nonzero terms ("none" when unset). */
void ns_bound_describe(const ns_bound *b, char *buf, size_t len);

/* One line saying what the verdicts mean, for the page and docs. */
const char *ns_verdict_summary(void);

/* Half the precision of the output format, p/2 bits (5.5 in fp16, 4 in
 * bf16, 12 in fp32, 26.5 in fp64): where the page's colours turn from
 * yellow to orange. */
double ns_half_precision_bits(const ns_policy *p);

#endif
