/* Each promise of a contract (normalizers/contract.h) measured on one
 * evaluation, and which of them the evaluation breaks: the facts the
 * verdict (verdict.h) judges and the quantities the fuzzers climb.
 *
 * The promises are held as the contract states them:
 *   - no NaN (outputs and gradient), no infinite output or gradient entry
 *     where the reference rounded into the output format is finite, no
 *     negative weight where the reference is non-negative;
 *   - the error of each finite output, in ulps of the output format (of
 *     max(|y_ref_i|, error_floor) where the contract sets a floor), within
 *     min(1 + bound of the row / u_io, 2^(p-1)) + ck kappa_i u_work / u_io
 *     (a bound growing with n never lets an output lose its leading bit);
 *   - the sum, less the half of the smallest subnormal that each output may
 *     lose by underflow, within u_io + bound u_work of the reference's sum;
 *   - the denominators normal or nonzero, as promised;
 *   - the gradient's normwise error, relative to its scale (contract.h),
 *     within u_io + bound u_work, and its gain within max_gain.
 * Elsewhere a first-order bound of 1 or more promises nothing (an infinite
 * bound).  Not so for the gradient where the same algorithm run in fp64
 * breaks fp64's (finite) bound on the row: an error that no precision
 * removes is not rounding but the backward pass's formula (a wrong
 * derivative, issue 18: 24 bits of gradient error said "kept" in fp16 on
 * a row of 1024, whose bound (16 + 4 n) u exceeds 1).
 *
 * The conditioning costs backward passes, so it is asked for only where an
 * error exceeds its bound without it (it can only widen the bound): kappa_i
 * where the contract counts it, || |J|^T |g| || for the gradient's scale. */
#ifndef NS_PROMISES_H
#define NS_PROMISES_H

#include <stdbool.h>
#include <stddef.h>

#include "../normalizers/contract.h"
#include "metrics.h"

typedef struct ns_promise_eval {
    size_t nan;                 /* NaN entries of y and dx */
    size_t inf;                 /* infinite y where the reference rounded into io is finite */
    size_t grad_nonfinite;      /* infinite dx where the reference rounded into io is finite */
    size_t underflows;          /* zero entries of y or dx where the reference rounded
                                   into io is not zero */
    double err_ulps, err_bound; /* ulps and promised ulps of the finite output
                                   closest to (or furthest beyond) its bound */
    double err_bits;            /* err_ulps as bits of the output format */
    bool row_capped;            /* the row's bound grew past 2^(p-1) ulps and stopped there */
    double sum_rel, sum_bound;  /* |sum y - sum y_ref| / |sum y_ref|, in u_io */
    double grad_err, grad_bound;/* scaled gradient error (contract.h), in u_io */
    double grad_fp64_err, grad_fp64_bound; /* the same with the algorithm in fp64, in u of
                                   fp64, where the row's own bound promises nothing
                                   (0 and inf otherwise) */
    double gain;                /* ||dx||_2 / ||g||_2 */
    double most_negative;       /* the most negative y where the reference is >= 0 (or 0) */
    unsigned broken;            /* bit k: the promise of kind k is broken */
} ns_promise_eval;

/* Where the conditioning comes from when it is asked for; either function
 * may be NULL (then the bound goes without it). */
typedef struct ns_conditioning {
    /* kappa_i of every output at the row, or NULL when it cannot be had. */
    const double *(*kappa)(void *ctx);
    /* || |J|^T |g| ||_inf into *scale; false when it cannot be had. */
    bool (*grad_scale)(void *ctx, double *scale);
    /* The gradient promise measured on the same row with the algorithm in
     * fp64 (the same order, against the same reference): its scaled error
     * and bound, in u of fp64; false when it cannot be had. */
    bool (*grad_fp64)(void *ctx, double *err, double *bound);
    void *ctx;
} ns_conditioning;

/* One evaluation as ns_metrics_compare left it: the outputs y and dx, the
 * reference y_ref and dx_ref and the ulps of each output are those of s;
 * xr and gr (NULL: no backward pass) are the rounded inputs, m the metrics. */
typedef struct ns_promise_input {
    const ns_policy *policy;
    const ns_promise *promise;
    const double *xr, *gr;
    size_t n;
    const ns_metrics_scratch *s;
    const ns_metrics *m;
} ns_promise_input;

void ns_promises_measure(const ns_promise_input *in, const ns_conditioning *c, ns_promise_eval *e);

#endif
