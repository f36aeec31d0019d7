/* Contracts: what an algorithm promises, per policy, on its input domain.
 *
 * A contract has three parts:
 *   - a domain: which rows the algorithm accepts (finite logits always;
 *     masked -inf entries, all-masked rows, a bound on |x| where stated);
 *   - promises, per policy: no NaN, no inf, no negative weight where the
 *     reference is non-negative, normal denominators, finite gradients, and
 *     first-order bounds on the error of the outputs, of their sum and of
 *     the gradient;
 *   - expected findings (hazards): known failures of the textbook algorithm
 *     inside its domain, each with the explanation a reader needs.  A
 *     finding that matches one is reported as expected; any other finding
 *     breaks the contract.
 *
 * Each algorithm's contract sits in its family's file, next to its code
 * (ns_algorithm.contract); an algorithm without one gets ns_contract_default.
 * The failures a contract lists are of two sorts:
 *   - the format's range: an intermediate overflows, or underflows to zero
 *     or to subnormals, where a wider exponent range would not (the fuzzers
 *     tell these apart by evaluating again with the same precisions and a
 *     wider range: ns_cause);
 *   - the algorithm: a zero or NaN it computes by construction (an
 *     all-masked row, 0 / 0), or an error its own analysis does not bound.
 * Error bounds are first-order, in units of u_work: the constants of the
 * analyses cited in each family's file, rounded up to leave room for
 * elementwise functions of a few roundings each.
 *
 * The fuzzers and `normstab search` hunt for inputs that break promises;
 * `make fuzz` fails when one is broken. */
#ifndef NS_CONTRACT_H
#define NS_CONTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include "catalogue.h"

/* What a finding is about.  The first six are the objectives of
 * `normstab search --objective`. */
typedef enum ns_kind {
    NS_KIND_NAN,          /* a NaN output (or gradient) where the reference is a number */
    NS_KIND_INF,          /* an infinite output where the reference is finite */
    NS_KIND_ERROR,        /* error of the outputs above the promised bound */
    NS_KIND_SUM,          /* sum of the outputs off the reference's sum by more than promised */
    NS_KIND_DENOMINATOR,  /* a zero, subnormal or non-finite denominator */
    NS_KIND_GRADIENT,     /* a non-finite, inaccurate or exploding gradient */
    NS_KIND_NEGATIVE,     /* a negative output where the reference is >= 0 */
    NS_KIND_COUNT,
    NS_KIND_ANY = -1,     /* in a hazard: every kind */
} ns_kind;

#define NS_OBJECTIVE_COUNT NS_KIND_NEGATIVE   /* kinds that are search objectives */

const char *ns_kind_name(ns_kind k);          /* "nan", "inf", ...; "any" */
int ns_kind_find(const char *name);           /* the kind, or -1 */

/* Why a finding happens, as classified from the input and the evaluation
 * (analysis/cause.c), in this order of precedence: the first that applies.
 * Overflow and underflow are told apart from the precision by evaluating
 * again with the same formats given a wider exponent range. */
typedef enum ns_cause {
    NS_CAUSE_ALL_MASKED,       /* every entry is -inf */
    NS_CAUSE_MASKED,           /* -inf entries, and the failure goes once they are removed
                                  or made finite (tested after overflow and underflow) */
    NS_CAUSE_ZERO_DENOMINATOR, /* a denominator was exactly zero (with the wider range too) */
    NS_CAUSE_OVERFLOW,         /* the failure goes when the formats reach higher (tested
                                  first); or a denominator or an output was infinite */
    NS_CAUSE_SUBNORMAL_DENOMINATOR, /* a denominator below the smallest normal */
    NS_CAUSE_UNDERFLOW,        /* the failure goes when the formats reach lower (tested
                                  second); or an output or gradient entry is 0 where the
                                  reference, rounded into the output format, is not */
    NS_CAUSE_LARGE_LOGITS,     /* max |x| >= 16 */
    NS_CAUSE_LONG_ROW,         /* n > 64, or a bound grown with n to the whole precision */
    NS_CAUSE_TINY_LOGITS,      /* max |x| < 2^-6 */
    NS_CAUSE_ORDINARY,         /* none of the above */
    NS_CAUSE_COUNT,
    NS_CAUSE_ANY = -1,         /* in a hazard: every cause */
} ns_cause;

const char *ns_cause_name(ns_cause c);        /* "all-masked row", ...; "any" */
int ns_cause_find(const char *name);          /* the cause, or -1 */

/* Domain flags. */
enum {
    NS_DOMAIN_MASKED = 1u << 0,      /* -inf entries allowed (some entry stays finite) */
    NS_DOMAIN_ALL_MASKED = 1u << 1,  /* rows of -inf only allowed too */
};

/* Upstream gradients are finite with sum_i |g_i| <= max_finite(io) /
 * 2^NS_GRAD_HEADROOM_LOG2 in every domain: a kernel's <g, y> or sum g
 * overflows for gradients near the largest finite value, which says nothing
 * about the normalizer. */
#define NS_GRAD_HEADROOM_LOG2 4

typedef struct ns_domain {
    unsigned flags;
    double max_abs;        /* |x_i| <= max_abs for finite x_i; 0: no bound but the format's */
    const char *why;       /* why the domain is narrower than the default (NULL if it is not) */
} ns_domain;

/* A first-order bound
 *     (c0 + cn n + cs spread + cx max|x| + cnx n max|x| + cq n^2 (1 + max|x|)
 *      + ck kappa_i) u_work
 * on a relative error, where u_work is the unit roundoff of the coarsest of
 * the policy's elementwise, accumulator and total formats, spread = max x - min x
 * over finite entries, capped at ln(1 / smallest subnormal of the
 * elementwise format) (further entries underflow to zero in a shifted
 * exponential), and kappa the problem's condition number (analysis/metrics.h;
 * only when ck != 0).  A bound left out (all coefficients 0) promises
 * nothing, and so does a bound of 1 or more on a relative error: first-order
 * analysis says nothing once the error is as large as the value. */
typedef struct ns_bound {
    double c0, cn, cs, cx, cnx, cq, ck;
} ns_bound;

bool ns_bound_is_set(const ns_bound *b);

/* Denominator promises. */
typedef enum {
    NS_DEN_PROMISE_NONE,      /* nothing promised */
    NS_DEN_PROMISE_NONZERO,   /* finite and nonzero (subnormal allowed) */
    NS_DEN_PROMISE_NORMAL,    /* finite and at least the accumulator's smallest normal */
} ns_den_promise;

/* The yes/no promises of the default contract, for designated initializers:
 *     { .policies = "*", NS_PROMISES_STRICT, .error = { ... }, ... } */
#define NS_PROMISES_STRICT \
    .no_nan = true, .no_inf = true, .no_negative = true, .finite_gradient = true, \
    .denominator = NS_DEN_PROMISE_NORMAL

typedef struct ns_promise {
    /* Policies this promise covers: comma-separated names, "*" for all,
     * "fp16*" for every policy whose name starts with fp16.  The first
     * promise of a contract that matches applies.  NULL ends the list. */
    const char *policies;
    bool no_nan, no_inf, no_negative, finite_gradient;
    ns_den_promise denominator;
    ns_bound error;        /* max over i of ulps_i, bounded by 1 + bound u_work / u_io */
    double error_floor;    /* errors in ulps of max(|y_ref_i|, error_floor) rather than of
                              y_ref_i: an absolute accuracy near 0 (logsoftmax) */
    ns_bound sum;          /* (|sum y - sum y_ref| - n eta / 2) / |sum y_ref| <= u_io +
                              bound u_work, eta the smallest subnormal of io */
    ns_bound gradient;     /* ||dx - dx_ref||_inf / scale <= u_io + bound u_work (+ 3 u_io
                              where io is coarser than work: the stored outputs the
                              backward reads, analysis/promises.c), where
                              scale = max(||dx_ref||_inf, || |J|^T |g| ||_inf,
                              ||g||_inf ||y_ref||_inf, smallest normal of io times
                              max(1, ||g||_inf)) */
    double max_gain;       /* ||dx||_2 / ||g||_2 at most this (0: no promise) */
} ns_promise;

typedef struct ns_hazard {
    ns_kind kind;          /* NS_KIND_ANY: findings of every kind */
    const char *policies;  /* as in ns_promise */
    ns_cause cause;        /* NS_CAUSE_ANY: every cause */
    const char *why;       /* the explanation; NULL ends the list */
} ns_hazard;

struct ns_contract {
    const char *summary;            /* one line */
    ns_domain domain;
    const ns_promise *promises;     /* terminated by policies NULL */
    const ns_hazard *hazards;       /* terminated by why NULL */
};
typedef struct ns_contract ns_contract;

extern const ns_contract ns_contract_default;

/* The contract that applies to algorithm a: its own, else the default. */
const ns_contract *ns_contract_of(const ns_algorithm *a);

/* The promises of the threshold families (sparsemax, entmax), a list for
 * .promises: y_i = x_i - tau (or its power) cancels near the threshold, so
 * the error is the problem's conditioning kappa_i (analysis/metrics.h)
 * times ck_ u, plus the roundings of the shift, of k z_(k) and of the sums. */
#define NS_THRESHOLD_PROMISES(ck_) (const ns_promise[]){ \
    { .policies = "*", NS_PROMISES_STRICT, \
      .error = { .c0 = 8, .cn = 4, .ck = (ck_) }, .sum = { .c0 = 8, .cn = 4 }, \
      .gradient = { .c0 = 16, .cn = 4 } }, \
    NS_END_PROMISES }

/* Writing a contract: a hazard for every policy, the list terminators, and
 * the hazards many families share. */
#define NS_HAZARD(k, c, text) { .kind = (k), .policies = "*", .cause = (c), .why = (text) }
#define NS_END_HAZARDS { .why = NULL }
#define NS_END_PROMISES { .policies = NULL }

#define NS_HAZARD_ALL_MASKED NS_HAZARD(NS_KIND_ANY, NS_CAUSE_ALL_MASKED, \
    "an all-masked row has no finite maximum and a zero normalizing sum: the kernel " \
    "computes (-inf) - (-inf) or 0 / 0 = NaN where the reference gives zeros (SPEC section 3)")

/* The gradient of a ratio(h) kernel, dx_j = h'(x_j) / S (g_j - <g, y>), divides
 * by S; so does any kernel where a weight's derivative is large. */
#define NS_HAZARD_GRADIENT_RANGE NS_HAZARD(NS_KIND_GRADIENT, NS_CAUSE_UNDERFLOW, \
    "the backward pass works with products such as y_i g_i that underflow to zero or to " \
    "subnormals while the true gradient, scaled by a large 1 / S, is a normal number")

/* A bound that grows with n stops at 2^(p-1) ulps (analysis/promises.c):
 * past it, a row is too long for the format, and a sequential sum says so
 * first. */
#define NS_HAZARD_LONG_ROW_SUM \
    NS_HAZARD(NS_KIND_ERROR, NS_CAUSE_LONG_ROW, \
        "a sum of n terms in a p-bit accumulator stagnates once the partial sum is 2^p times the next " \
        "term (bf16: about 256 like terms, fp16: 2048): later terms are lost and the weights are off by " \
        "up to the whole precision; pairwise or Kahan sums, or an fp32 accumulator, keep long rows"), \
    NS_HAZARD(NS_KIND_SUM, NS_CAUSE_LONG_ROW, \
        "the normalizing sum of a long row stagnates in a p-bit accumulator (bf16: past about 256 like " \
        "terms, fp16: 2048), and the outputs no longer sum to one")

/* e^z of a rounded exponent z: the absolute error u |z| of z becomes a
 * relative error of the weight, beyond any fixed bound for large logits. */
#define NS_HAZARD_LARGE_EXPONENT NS_HAZARD(NS_KIND_ERROR, NS_CAUSE_LARGE_LOGITS, \
    "the weight is e^z of an exponent z formed in the work format: z's absolute error u |z| " \
    "becomes a relative error of about u |z| of the weight, which exceeds the whole precision " \
    "once |z| nears 2^p")

/* A weight e^z below 2^emin, or a sum of such weights, in a format whose
 * subnormals keep fewer bits (the exp families). */
#define NS_HAZARD_SUBNORMAL_WEIGHTS NS_HAZARD(NS_KIND_ERROR, NS_CAUSE_UNDERFLOW, \
    "a weight e^z whose exponent z lies far below the format's range is subnormal or zero: it " \
    "keeps fewer bits than the format, or none")

/* A denominator below the smallest normal keeps fewer bits than the format. */
#define NS_HAZARD_SUBNORMAL_SUM NS_HAZARD(NS_KIND_ANY, NS_CAUSE_SUBNORMAL_DENOMINATOR, \
    "a subnormal sum has lost its relative precision")

/* Every e^x of a row below the smallest subnormal: the sum is exactly 0. */
#define NS_HAZARD_EXP_ZERO_SUM NS_HAZARD(NS_KIND_ANY, NS_CAUSE_ZERO_DENOMINATOR, \
    "every e^x underflows to 0: 0 / 0 = NaN")

/* Whether a policies pattern ("*", "fp16,bf16", "fp16*") covers a policy name. */
bool ns_policies_match(const char *pattern, const char *policy);

/* The promise for a policy, or a promise of nothing when none matches. */
const ns_promise *ns_contract_promise(const ns_contract *c, const ns_policy *p);

/* The first hazard of c matching (policy, kind, cause), else the first of
 * the policy's formats (overflow to NaN, saturation, flushing, MX outputs:
 * normalizers/contract.c), or NULL. */
const ns_hazard *ns_contract_hazard(const ns_contract *c, const ns_policy *p,
                                    ns_kind kind, ns_cause cause);

/* Whether x[0..n) lies in the domain (finite entries, -inf where allowed,
 * |x| bounded where stated). */
bool ns_domain_contains(const ns_domain *d, const double *x, size_t n);

/* Moves g into the gradient domain: NaN becomes 0, an infinity the largest
 * finite value, and a g whose 1-norm exceeds the bound above is scaled by a
 * power of two (exactly) until it fits.  g must be rounded into io already. */
void ns_domain_project_grad(const ns_format *io, double *g, size_t n);

/* Moves x into the domain, changing as little as it can: NaN becomes 0, +inf
 * the largest finite value of io, a forbidden -inf the smallest, |x| above
 * max_abs is clamped, and an all-masked row where not allowed gets x_0 = 0.
 * x must be rounded into io already; the result is too. */
void ns_domain_project(const ns_domain *d, const ns_format *io, double *x, size_t n);

/* The bound's value (c0 + ...) u_work for a row; kappa may be NaN when
 * b->ck is 0.  Returns inf for a bound that is not set. */
double ns_bound_eval(const ns_bound *b, const ns_policy *p, const double *x, size_t n,
                     double kappa);

/* Unit roundoff of the coarsest of the elementwise, accumulator and total
 * formats. */
double ns_policy_u_work(const ns_policy *p);

#endif
