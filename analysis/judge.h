/* The verdict (verdict.h) on an evaluation against the exact reference:
 * what `check`, the report and the envelopes ask.
 *
 * After ns_metrics_eval or ns_metrics_compare has left an evaluation in a
 * scratch, the judge measures each promise of the job's contract on it: the
 * conditioning from the scratch's kappa_i where the evaluation computed it,
 * else from rows of the reference's Jacobian; || |J|^T |g| || from rows of
 * the algorithm's own in fp64 (jacobian.h), as the fuzzers do.  It
 * classifies each broken promise by evaluating again, on scratch of its own
 * (the caller's evaluation stays as it was, to be printed): in the policy
 * widened, against the same reference, and for a masked row without its
 * masks, against references of their own.  One judge per thread. */
#ifndef NS_JUDGE_H
#define NS_JUDGE_H

#include "cause.h"
#include "jacobian.h"
#include "metrics.h"
#include "verdict.h"

typedef struct ns_judge {
    ns_metrics_scratch scratch;  /* the evaluations again */
    ns_metrics_scratch fp64_scratch; /* the gradient again in fp64 (promises.h) */
    ns_job fp64;                 /* the algorithm judged, in fp64 */
    ns_jacobian jacobian;
    double *kappa;
    size_t cap;
    ns_wide_policy wide[2];      /* NS_WIDE_ABOVE, NS_WIDE_BELOW */
} ns_judge;

void ns_judge_init(ns_judge *j);
void ns_judge_free(ns_judge *j);

/* The promises of job's contract measured on the evaluation of job left in
 * s, at the rounded inputs xr and gr (NULL: no backward pass) of n entries,
 * with metrics m.  Sets *promised to whether the contract promises anything
 * on the row (it lies in the domain and its reference is defined); e is all
 * zeros otherwise.  0, or -1 when out of memory. */
int ns_judge_promises(ns_judge *j, ns_job *job, const double *xr, const double *gr, size_t n,
                      const ns_metrics_scratch *s, const ns_metrics *m, bool *promised,
                      ns_promise_eval *e);

/* The verdict on the same, recorded in m as well: contract_ulps (the bound
 * the worst output was held to) and within_contract (not broken). */
int ns_judge_verdict(ns_judge *j, ns_job *job, const double *xr, const double *gr, size_t n,
                     const ns_metrics_scratch *s, ns_metrics *m, ns_verdict *v);

#endif
