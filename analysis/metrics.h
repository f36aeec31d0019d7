/* Metrics of one evaluation: an algorithm in a policy and summation order
 * (an ns_job), on one input row x and one upstream gradient g, compared with
 * the family's reference evaluated at the *rounded* inputs (SPEC section 2:
 * the rounding of the inputs is not charged to the algorithm).
 *
 * Errors are counted in the output format (the policy's io format): ulps of
 * the reference value in that format (of max(|y_ref|, 1) for outputs whose
 * contract asks an absolute accuracy near 0: log-probabilities), and bits =
 * log2(1 + ulps) as Herbie counts them, capped at the precision p.  A NaN or
 * an infinity where the reference is finite is not a number of bits: it is
 * counted (nan_count, inf_count), and the bits are over the other outputs.
 *
 * Conditioning: kappa_i = sum_j |dy_i/dx_j| |x_j| / |y_i| is the componentwise
 * relative condition number of output i (how much a relative perturbation of
 * the inputs of size u can move y_i, relatively, to first order); kappa is
 * its maximum over i.  It comes from rows of the reference Jacobian (one
 * reference backward pass with g = e_i per row): every row when
 * n <= NS_KAPPA_EXACT_MAX_N, otherwise the rows of a fixed sample of
 * components (the largest and smallest outputs, the largest |x_i|, and evenly
 * spaced ones), which gives a lower bound attained at a sampled component.
 *
 * Stability: stability = max_i ulps_i / (1 + kappa_i).  An algorithm that
 * returns the exact result of slightly perturbed inputs (relative
 * perturbations c u) and then rounds its outputs has ulps_i <= about
 * (1 + c kappa_i): a ratio near 1 (up to the length of the row for
 * sequential sums) means the error is the problem's conditioning, a ratio
 * far larger means the algorithm is unstable on this input.
 *
 * Use: one ns_metrics_scratch per thread, reused for every call; once its
 * buffers have grown to the longest row, calls allocate nothing of their own
 * (the MPFR reference, when this module evaluates it, allocates its
 * intervals).  The scratch caches the last few references, keyed by family,
 * parameters and rounded inputs, so evaluating several algorithms, policies
 * sharing an input format (fp16, fp16-acc32, fp16-io) and summation orders
 * on one input costs one reference evaluation. */
#ifndef NS_METRICS_H
#define NS_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "../normalizers/catalogue.h"

/* Rows of the Jacobian computed exactly up to this length; sampled beyond. */
#define NS_KAPPA_EXACT_MAX_N 32
/* Number of Jacobian rows sampled beyond it. */
#define NS_KAPPA_SAMPLES 16

/* Where the smallest denominator lies in the accumulator format. */
typedef enum {
    NS_DEN_NONE,        /* the algorithm divided by nothing it showed */
    NS_DEN_NORMAL,
    NS_DEN_SUBNORMAL,   /* nonzero, below the smallest normal: precision lost */
    NS_DEN_ZERO,
    NS_DEN_NONFINITE,   /* inf or NaN */
} ns_den_class;

const char *ns_den_class_name(ns_den_class c);   /* "none", "normal", ... */

/* Flags of ns_metrics_eval. */
enum {
    NS_METRICS_KAPPA = 1u << 0,   /* compute kappa and stability (n more reference passes) */
};

typedef struct ns_metrics {
    size_t n;
    bool defined;            /* false when the reference is undefined (a NaN or
                                +inf input): then nothing below is meaningful */
    double u;                /* unit roundoff of the output format */
    double input_rounding;   /* max_i |xr_i - x_i| / |x_i|: the rounding of the
                                inputs, shown apart, not charged */

    /* Forward pass, in ulps/bits of the output format. */
    double max_ulps;         /* inf when a NaN/inf is wrong */
    double max_bits;         /* over the outputs whose error is finite (NaN: none) */
    double mean_bits;        /* mean over the same outputs: never above max_bits */
    size_t worst;            /* index of the component with max_ulps */
    double normwise_err;     /* ||y - y_ref||_inf / ||y_ref||_inf (0 when both 0) */
    double sum, sum_ref;     /* sum y_i and sum y_ref_i (compensated, in binary64) */
    double sum_err;          /* sum - sum_ref */
    size_t negatives;        /* y_i < 0 where y_ref_i >= 0 */
    size_t support_errors;   /* y_i != 0 where y_ref_i == 0, or y_i == 0 where
                                y_ref_i rounded into the output format is not:
                                a wrong support for the sparse families */
    bool argmax_changed;     /* argmax y is not one of the reference's maxima
                                (a NaN in y counts as changed) */
    size_t nan_count;        /* NaN entries of y where the reference is a number */
    size_t inf_count;        /* infinite entries of y where the reference, rounded
                                into the output format, is finite */

    /* Denominators the forward pass divided by (the ns_probe). */
    size_t denominators;
    double min_denominator;  /* smallest |d|: inf when none, NaN when a NaN was seen */
    ns_den_class denominator_class;   /* of min_denominator, in the accumulator format */
    double min_denominator_rel;       /* min_denominator / smallest normal of that format */

    /* Backward pass (when g was given). */
    bool has_grad;
    double grad_max_ulps, grad_max_bits, grad_mean_bits;   /* bits as for y */
    double grad_normwise_err;        /* ||dx - dx_ref||_inf / ||dx_ref||_inf */
    size_t grad_nan_count, grad_inf_count;   /* as nan_count, inf_count for dx */
    double grad_gain;                /* ||dx||_2 / ||g||_2 (g as rounded) */
    double grad_gain_ref;            /* the true gain ||dx_ref||_2 / ||g||_2 */

    /* Conditioning (with NS_METRICS_KAPPA; NaN otherwise). */
    double kappa;            /* max_i kappa_i */
    bool kappa_exact;        /* every row of the Jacobian (else a sampled lower bound) */
    double stability;        /* max_i ulps_i / (1 + kappa_i) */

    /* The verdict of the algorithm's contract on this row, recorded by the
     * judge (judge.h): the error bound in ulps of the output format that
     * the worst output was held to (inf when it promises none), and whether
     * the contract is kept or failed only as it declares (not broken).
     * Until judged: inf and true. */
    double contract_ulps;
    bool within_contract;
    /* The verdict itself (verdict.h): its kind (ns_verdict_kind), the
     * promise it is about (ns_kind) and that promise's cause (ns_cause);
     * kind and cause are -1 when kept. */
    int verdict, verdict_kind, verdict_cause;
} ns_metrics;

/* Reusable buffers.  After a call, the arrays below hold that call's values
 * (n entries each) and may be read: check prints them. */
#define NS_METRICS_CACHE 4
typedef struct ns_metrics_ref_slot {
    const ns_family *family;
    double param[NS_MAX_PARAMS];
    size_t n, cap;
    bool has_grad, has_kappa, kappa_exact;
    unsigned long long stamp;       /* for least-recently-used replacement */
    double *xr, *gr, *y, *dx, *kappa;
} ns_metrics_ref_slot;

typedef struct ns_metrics_scratch {
    size_t cap;
    double *xr, *gr;         /* inputs rounded into the io format */
    double *y, *dx;          /* the algorithm's outputs */
    const double *y_ref, *dx_ref, *kappa_i;   /* the reference used (kappa_i may be NULL) */
    double *ulps, *grad_ulps;                 /* per component */
    double *jac, *unit;      /* work for the Jacobian rows */
    size_t *order;           /* work for the kappa sample */
    ns_metrics_ref_slot cache[NS_METRICS_CACHE];
    unsigned long long clock;
    size_t ref_evals;        /* reference evaluations done (cache misses), for measuring */
} ns_metrics_scratch;

void ns_metrics_scratch_init(ns_metrics_scratch *s);
void ns_metrics_scratch_free(ns_metrics_scratch *s);
/* Grows the buffers for rows of n (done by every call; call it first to
 * pre-warm).  0, or -1 when out of memory. */
int ns_metrics_reserve(ns_metrics_scratch *s, size_t n);

/* The whole evaluation: rounds x (and g, when not NULL) into the job's input
 * format, evaluates the reference there (or takes it from the cache), runs
 * the forward pass (and the backward pass with g), and fills *m.  flags:
 * NS_METRICS_KAPPA or 0.  Returns 0, or -1 when out of memory or when the
 * family has no reference. */
int ns_metrics_eval(ns_job *job, const double *x, const double *g, size_t n,
                    unsigned flags, ns_metrics_scratch *s, ns_metrics *m);

/* The same with a reference supplied by the caller (a fast oracle, or one
 * computed once for many jobs): xr and gr must already be rounded into the
 * job's input format; y_ref and dx_ref (dx_ref may be NULL when gr is) are
 * the reference at xr; kappa_i (n entries, or NULL: no kappa) its
 * conditioning, kappa_exact whether every entry is exact.  Runs the job and
 * fills *m. */
int ns_metrics_compare(ns_job *job, const double *xr, const double *gr, size_t n,
                       const double *y_ref, const double *dx_ref,
                       const double *kappa_i, bool kappa_exact,
                       ns_metrics_scratch *s, ns_metrics *m);

/* The forward-output part alone, from given outputs y (no job): fills the
 * forward fields of *m (errors in format io, in ulps of max(|y_ref|, floor)
 * with floor 0 for relative errors; sums, negatives, support,
 * argmax, NaN/inf; stability from kappa_i when not NULL) and ulps[] when not
 * NULL.  The denominator, gradient and kappa fields are left as "none". */
void ns_metrics_outputs(const ns_format *io, double floor, const double *y, const double *y_ref,
                        const double *kappa_i, size_t n, double *ulps, ns_metrics *m);

/* The gradient part from a given dx (no job): fills the gradient fields of
 * *m (errors of dx against dx_ref in format io, NaN/inf, normwise error,
 * gains against the rounded upstream gradient gr) and grad_ulps[] when not
 * NULL. */
void ns_metrics_gradient(const ns_format *io, const double *gr, const double *dx,
                         const double *dx_ref, size_t n, double *grad_ulps, ns_metrics *m);

/* kappa_i of the family at the rounded input xr, from rows of the reference
 * Jacobian (all of them when n <= NS_KAPPA_EXACT_MAX_N, a sample otherwise);
 * y_ref is the reference output at xr.  Entries not sampled are set to the
 * largest sampled value.  Returns 1 when exact, 0 when sampled, -1 on error. */
int ns_metrics_kappa(const ns_family *f, const double *param, const double *xr,
                     const double *y_ref, size_t n, ns_metrics_scratch *s, double *kappa_i);

#endif
