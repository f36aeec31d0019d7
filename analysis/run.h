/* Running many evaluations: every target (algorithm x policy x summation
 * order) on every case (a generated or given input row), in parallel.
 *
 * Work is grouped so that each reference is evaluated once: a task is one
 * case for one family and one group of policies that see the same rounded
 * input (those sharing an input format; for a generator whose row depends on
 * the policy, one policy).  Tasks run under OpenMP; each thread keeps one
 * ns_metrics_scratch and one judge (judge.h), which records the contract's
 * verdict in each ns_metrics.  Results land at fixed places, so they do not
 * depend on the number of threads or the order in which tasks finish. */
#ifndef NS_RUN_H
#define NS_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "generators.h"
#include "metrics.h"

typedef struct ns_target {
    const ns_family *family;
    const ns_algorithm *alg;
    const ns_policy *policy;
    ns_sum_order sum;
} ns_target;

/* Every algorithm of every family that has a reference, in catalogue order,
 * crossed with the given policies (NULL-terminated; NULL: every policy but
 * ref) and summation orders (nsums = 0: seq, pairwise, kahan).  Returns a
 * malloc'd array (NULL when out of memory) and its length in *count. */
ns_target *ns_targets_make(const ns_policy *const *policies, const ns_sum_order *sums,
                           size_t nsums, size_t *count);

typedef struct ns_case {
    const ns_generator *gen;     /* NULL when x is given */
    double param;
    size_t n;
    uint64_t seed;               /* of the row and of its upstream gradient */
    const double *x;             /* a given row (real data), or NULL */
    const char *label;           /* for a given row: where it comes from */
    size_t label_index;          /* and its index there */
    bool kappa;                  /* compute the condition number */
    bool grad;                   /* run the backward pass */
} ns_case;

typedef struct ns_run_opts {
    int threads;                 /* 0: OpenMP's default */
    /* Called now and then (from one thread at a time) with the tasks done. */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
} ns_run_opts;

/* The input row of case c for policy p (x must hold c->n doubles). */
void ns_case_input(const ns_case *c, const ns_policy *p, double *x);

/* out[t * ncases + c] = metrics of target t on case c, judged.  Returns 0,
 * or -1 when out of memory (out is then partly filled). */
int ns_run(const ns_target *targets, size_t ntargets, const ns_case *cases, size_t ncases,
           const ns_run_opts *o, ns_metrics *out);

/* How many threads ns_run uses for opts (1 when MPFR's state is not per
 * thread: mpfr_buildopt_tls_p()). */
int ns_run_threads(const ns_run_opts *o);

/* One more of total tasks done, from any thread of a parallel loop (ns_run,
 * the envelopes): counted in *done (shared by the threads), and o->progress
 * told, one call at a time. */
void ns_run_task_done(const ns_run_opts *o, size_t *done, size_t total);

#endif
