/* Why a row breaks a promise: its cause (ns_cause, normalizers/contract.h),
 * classified from the row and from evaluations of it under other conditions,
 * in the order of contract.h.
 *
 * The format's range or its precision?  The same formats with a wider
 * exponent range tell: a failure that goes away when they reach higher is
 * an overflow, lower an underflow.  Do masked entries matter?  Not when the
 * failure stays with them removed (they weigh nothing), or replaced by the
 * most negative finite value (for the families whose function depends on
 * n).  Who evaluates (the exact reference for `check` and the report, the
 * fuzzers' own oracles for them) is the caller's: an ns_recheck. */
#ifndef NS_CAUSE_H
#define NS_CAUSE_H

#include <stddef.h>

#include "../normalizers/contract.h"
#include "metrics.h"
#include "promises.h"

/* A policy whose formats have a wider exponent range, same precisions:
 * above (NS_WIDE_ABOVE: emax 1000, nothing overflows) or below
 * (NS_WIDE_BELOW: emin -1022, nothing underflows); fp64 stays as it is.
 * The policy points into the formats: not to be copied. */
enum { NS_WIDE_ABOVE = 0, NS_WIDE_BELOW = 1 };
typedef struct ns_wide_policy {
    ns_format format[5];        /* in, work, acc, out, tot */
    ns_policy policy;           /* same name as the original: the same promises */
} ns_wide_policy;

void ns_policy_widen(ns_wide_policy *w, const ns_policy *p, int which);

/* The evaluations a classification asks for. */
typedef enum {
    NS_RECHECK_WIDE_ABOVE,      /* the row, in the policy widened above */
    NS_RECHECK_WIDE_BELOW,      /* the row, in the policy widened below */
    NS_RECHECK_UNMASKED,        /* the row without its masked entries */
    NS_RECHECK_MASKS_FINITE,    /* the row with them at the most negative finite value */
} ns_recheck_kind;

typedef struct ns_recheck {
    /* The promises that (x, g; n entries, g may be NULL) breaks when
     * evaluated as `which` says, as a bit mask (promises.h), or -1 when it
     * could not be evaluated or lies outside the domain. */
    int (*broken)(void *ctx, ns_recheck_kind which, const double *x, const double *g, size_t n);
    void *ctx;
} ns_recheck;

/* Why the row (x, g; n entries, as evaluated in policy p, with metrics m
 * and promises e) breaks promise `kind`. */
ns_cause ns_cause_of(const ns_recheck *r, const ns_policy *p, const double *x, const double *g,
                     size_t n, const ns_metrics *m, const ns_promise_eval *e, ns_kind kind);

/* The hazard of contract c that declares the failure of promise `kind`
 * for *cause, or NULL.  In binary64, where a row beyond the exponent range
 * may both overflow and underflow an exponential and no wider format can
 * tell which, the other of the two is asked too, and *cause becomes it
 * when the contract declares it; so is a long row (when e says the row's
 * bound reached the whole precision) for errors and sums. */
const ns_hazard *ns_hazard_of(const ns_contract *c, const ns_policy *p, const double *x, size_t n,
                              const ns_promise_eval *e, ns_kind kind, ns_cause *cause);

#endif
