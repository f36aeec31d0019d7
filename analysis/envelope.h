/* The safe envelope of each algorithm in each policy: the largest logit
 * scale and the longest row on which it keeps its contract (every promise
 * of the forward pass held, an expected failure counting as a failure:
 * verdict.h), found by bisection.
 *
 * Scale: rows of scale_n entries from normal(sigma), `seeds` rows per sigma;
 * the search runs over log2 sigma in [scale_lo, scale_hi], capped where the
 * inputs themselves would overflow the policy's input format (sigma at most
 * max_finite / 16), and stops when the bracket is narrower than scale_tol
 * (in log2).  Length: `length_seeds` rows of normal(1) (`seeds` when 0), n in
 * [2, length_hi], stopping when the bracket is narrower than length_tol
 * relatively (or 1).  Both use the
 * sequential summation order.  The search assumes that a failure at some
 * value implies failure beyond it; where the error is not monotone it finds
 * one boundary, not necessarily the lowest. */
#ifndef NS_ENVELOPE_H
#define NS_ENVELOPE_H

#include "run.h"

typedef struct ns_envelope_opts {
    size_t scale_n, seeds;
    double scale_lo, scale_hi, scale_tol;   /* log2 sigma */
    size_t length_hi;
    double length_tol;
    size_t length_seeds;        /* 0: seeds */
    uint64_t seed;
    const ns_policy *const *policies;   /* NULL: the named policies (ns_policies) */
} ns_envelope_opts;

typedef struct ns_envelope {
    ns_target target;
    double scale_top;           /* the top of the range searched for this policy */
    double scale_max;           /* largest sigma within the contract; 0 when the smallest fails */
    bool scale_capped;          /* within at scale_top */
    double scale_fail;          /* the smallest sigma seen failing (0 when none) */
    char scale_break[40];       /* what failed there: "NaN", "inf", "7.3 bits" */
    size_t length_max;          /* longest n within the contract; 0 when n = 2 fails */
    bool length_capped;         /* within at length_hi */
    size_t length_fail;         /* the shortest n seen failing (0 when none) */
    char length_break[40];
    size_t evaluations;         /* rows evaluated */
} ns_envelope;

/* Envelopes of every algorithm (families with a reference) in every policy
 * but ref: a malloc'd array of *count, NULL when out of memory. */
ns_envelope *ns_envelopes(const ns_envelope_opts *eo, const ns_run_opts *o, size_t *count);

#endif
