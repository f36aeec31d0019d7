/* The safe envelope of each algorithm in each policy: the largest logit
 * scale and the longest row on which it keeps its contract (every promise
 * of the forward pass held, an expected failure counting as a failure:
 * verdict.h), each the point just below the FIRST failure met going up.
 *
 * Scale: rows of scale_n entries from normal(sigma), `seeds` rows per sigma,
 * over log2 sigma in [scale_lo, scale_hi], capped where the inputs
 * themselves would overflow the policy's input format (sigma at most
 * max_finite / 16).  Length: `length_seeds` rows of normal(1) (`seeds` when
 * 0), n in [2, length_hi].  Both use the sequential summation order.
 *
 * Failures need not be monotone (a row of 2048 may fail where one of 65536
 * passes), so each axis is scanned on a grid, log-spaced (scale_step,
 * length_step in log2), from the bottom up; between the last point within
 * and the first failing one, bisection refines the limit until the bracket
 * is narrower than scale_tol (in log2) or length_tol (relatively, or 1).
 * Failures between grid points below the first failing one go unseen. */
#ifndef NS_ENVELOPE_H
#define NS_ENVELOPE_H

#include "run.h"

typedef struct ns_envelope_opts {
    size_t scale_n, seeds;
    double scale_lo, scale_hi, scale_step, scale_tol;   /* log2 sigma */
    size_t length_hi;
    double length_step, length_tol;                     /* log2 n; relative */
    size_t length_seeds;        /* 0: seeds */
    uint64_t seed;              /* row k of a point has generator seed seed + k: the row
                                   `normstab check --gen normal=SIGMA --length N --seed
                                   SEED+K` evaluates */
    const ns_policy *const *policies;   /* NULL: the named policies (ns_policies) */
} ns_envelope_opts;

/* The row of a first failure: normal(sigma) of n entries from generator
 * seed `seed`; and the verdict on it, as ns_metrics records it (verdict -1
 * when none failed). */
typedef struct ns_envelope_row {
    double sigma;
    size_t n;
    uint64_t seed;
    int verdict, kind, cause;
} ns_envelope_row;

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
    ns_envelope_row scale_row, length_row;
    size_t evaluations;         /* rows evaluated */
} ns_envelope;

/* The envelope of target t alone (its sum order is taken as sequential)
 * into *env: 0, or -1 when out of memory. */
int ns_envelope_of(const ns_envelope_opts *eo, const ns_target *t, ns_envelope *env);

/* Envelopes of every algorithm (families with a reference) in every policy
 * but ref: a malloc'd array of *count, NULL when out of memory. */
ns_envelope *ns_envelopes(const ns_envelope_opts *eo, const ns_run_opts *o, size_t *count);

#endif
