/* Sweeps: the metrics of many targets along one axis of the inputs, with a
 * few seeds at each point: error against the logit scale sigma (normal
 * rows), and against the row length n (for each summation order). */
#ifndef NS_SWEEP_H
#define NS_SWEEP_H

#include "suite.h"

typedef struct ns_sweep {
    const char *axis;            /* "sigma" or "n" */
    double *points;              /* the axis values */
    size_t npoints, seeds;
    ns_target *targets;
    size_t ntargets;
    ns_case *cases;              /* point-major: cases[p * seeds + s] */
    size_t ncases;
    ns_metrics *metrics;         /* metrics[t * ncases + c] */
    ns_summary *at;              /* at[t * npoints + p]: over the seeds of point p */
} ns_sweep;

/* Error against scale: normal rows of length n with sigma = 2^k for k from
 * lo to hi in steps of step, seeds seeds each, with gradients; targets: every
 * algorithm in every policy (policies NULL) or the given ones, sequential
 * sums.  0, or -1 when out of memory. */
int ns_sweep_scale(ns_sweep *s, double lo, double hi, double step, size_t n, size_t seeds,
                   const ns_policy *const *policies, uint64_t seed, const ns_run_opts *o);

/* Error against length: normal(1) rows with n = 2^k, k from lo to hi in
 * steps of step (rounded to integers), forward only; targets: every
 * algorithm in the given policies and every summation order. */
int ns_sweep_length(ns_sweep *s, double lo, double hi, double step, size_t seeds,
                    const ns_policy *const *policies, uint64_t seed, const ns_run_opts *o);

void ns_sweep_free(ns_sweep *s);

/* Index of the target (alg, policy, sum) in s, or s->ntargets. */
size_t ns_sweep_find(const ns_sweep *s, const ns_algorithm *alg, const ns_policy *p, ns_sum_order sum);

/* Median over the seeds at point p of target t of a metric picked by get. */
double ns_sweep_median(const ns_sweep *s, size_t t, size_t p, double (*get)(const ns_metrics *m));

#endif
