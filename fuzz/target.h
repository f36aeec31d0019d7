/* A fuzz target: one algorithm in one policy and summation order, its
 * contract, and the evaluation every engine runs on a row.
 *
 * An evaluation compares the algorithm with an oracle through
 * analysis/metrics.h and measures each promise of the contract as the
 * verdict does (analysis/promises.h).  Two oracles:
 *   - fast: the same algorithm in fp64 on the same rounded inputs.  It is
 *     used only where it can be trusted: no NaN, inf or tiny denominator in
 *     its own run, and the contract's own error bound for fp64 at most 1/8
 *     of an ulp of the target's output format.  Every 256th evaluation of a
 *     row of at most 256 logits uses the exact oracle instead, which
 *     catches an algorithm whose fp64 run is wrong in a way no bound
 *     describes;
 *     Rows of the Jacobian from n fp64 backward passes (rows of at most 64
 *     logits: analysis/jacobian.h) give kappa_i, where the contract's error
 *     bound has a conditioning term, and the scale |J|^T |g| of the
 *     gradient's error;
 *   - exact: the MPFR reference (reference/ref.h), for everything else, for
 *     policies that are fp64 throughout, and to confirm every finding before
 *     it is reported.
 *
 * Scores measure how close a row comes to breaking each promise (positive:
 * broken) and drive the search; features bucket the same quantities on a
 * log scale and are the coverage libFuzzer and AFL++ see. */
#ifndef NS_FUZZ_TARGET_H
#define NS_FUZZ_TARGET_H

#include <stdbool.h>
#include <stdint.h>

#include "../analysis/cause.h"
#include "../analysis/jacobian.h"
#include "../analysis/metrics.h"
#include "../analysis/promises.h"
#include "../reference/ref.h"
#include "mutate.h"

/* Objectives beyond the kinds: NS_OBJECTIVE_ALL cycles through them. */
#define NS_OBJECTIVE_ALL ((ns_kind)NS_KIND_COUNT)

/* Parses "nan", "inf", "error", "sum", "denominator", "gradient" or "all". */
int ns_objective_find(const char *name);
const char *ns_objective_name(ns_kind objective);

typedef struct ns_fuzz_target {
    ns_job job;                 /* the algorithm under test */
    ns_job oracle;              /* the same algorithm in fp64 */
    const ns_reference *ref;
    const ns_contract *contract;
    const ns_promise *promise;
    ns_domain domain;           /* the contract's, possibly narrowed */
    ns_kind objective;          /* a kind < NS_OBJECTIVE_COUNT, or NS_OBJECTIVE_ALL */
    bool with_grad;             /* evaluate the backward pass too */
    bool fast_oracle;           /* the policy is not fp64 throughout */
    ns_mutator mut;
    ns_metrics_scratch scratch;
    /* The policy with the exponent range of its formats widened above
     * (no overflow) or below (no underflow): ns_fuzz_eval_wide. */
    ns_wide_policy wide[2];
    ns_jacobian jacobian;
    double *xr, *gr, *yo, *dxo, *kappa;
    size_t cap;
    uint64_t evals, exact_evals;
} ns_fuzz_target;

typedef struct ns_fuzz_spec {
    const ns_algorithm *alg;    /* the algorithm (need not be in the catalogue) */
    const ns_family *family;    /* its family (its reference is the truth) */
    const ns_policy *policy;    /* not "ref" */
    ns_sum_order sum;
    const double *param;        /* NULL: the family's defaults */
    ns_kind objective;
    bool finite_only;           /* narrow the domain to rows without masks */
    size_t max_n;               /* 0: NS_FUZZ_MAX_N */
    /* The algorithm the fast oracle runs in fp64; NULL: alg.  A kernel from
     * outside (the Python package's) runs in its own format only, so the
     * oracle must be another algorithm of the family. */
    const ns_algorithm *oracle_alg;
} ns_fuzz_spec;

/* 0, or -1 with a message in err. */
int ns_fuzz_target_init(ns_fuzz_target *t, const ns_fuzz_spec *spec, char *err, size_t errlen);
/* By catalogue name and policy name; objective by name ("all" allowed). */
int ns_fuzz_target_open(ns_fuzz_target *t, const char *alg, const char *policy,
                        const char *objective, char *err, size_t errlen);
void ns_fuzz_target_free(ns_fuzz_target *t);

/* Every target: "ALG/POLICY" for messages and file names. */
void ns_fuzz_target_label(const ns_fuzz_target *t, char *buf, size_t len);

enum { NS_EVAL_FAST = 0, NS_EVAL_EXACT = 1 };

typedef struct ns_fuzz_eval {
    bool in_domain;             /* false: nothing below is meaningful */
    bool exact;                 /* the oracle was the MPFR reference */
    ns_metrics m;
    ns_promise_eval promises;   /* each promise measured; .broken: bit k, kind k broken */
    double value[NS_KIND_COUNT];/* what was reached, per kind (reported) */
    double score[NS_KIND_COUNT];/* closeness to breaking, per kind (> 0: broken) */
} ns_fuzz_eval;

/* Evaluates a finished row (ns_row_finish).  0, or -1 when out of memory. */
int ns_fuzz_eval_row(ns_fuzz_target *t, const ns_row *row, int mode, ns_fuzz_eval *e);

/* The same evaluation with the policy's formats given a wider exponent
 * range (same precisions): above (NS_WIDE_ABOVE: nothing overflows) or below
 * (NS_WIDE_BELOW: nothing underflows; analysis/cause.h).  A failure that
 * goes away there is a failure of the format's range, not of its precision. */
int ns_fuzz_eval_wide(ns_fuzz_target *t, const ns_row *row, int which, int mode, ns_fuzz_eval *e);

/* The search fitness of an evaluation for an objective (a kind). */
double ns_fuzz_score(const ns_fuzz_eval *e, ns_kind objective);

/* Coverage features of an evaluation: indexes below NS_FEATURES, at most
 * NS_FEATURES_PER_EVAL of them. */
#define NS_FEATURE_BUCKETS 256
#define NS_FEATURE_GROUPS 8
#define NS_FEATURES (NS_FEATURE_BUCKETS * NS_FEATURE_GROUPS)
#define NS_FEATURES_PER_EVAL NS_FEATURE_GROUPS
size_t ns_fuzz_features(const ns_fuzz_eval *e, uint16_t *feature);

#endif
