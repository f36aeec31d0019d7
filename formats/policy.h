/* Policies: which formats an algorithm uses (SPEC sections 2 and 6), and
 * the operations through which an algorithm touches them.
 *
 * A policy has the parts of SPEC section 6: in (inputs and upstream
 * gradients), work (elementwise operations), acc (accumulators), tot (a
 * finished reduction: a sum, a maximum, a dot product, as stored before
 * use), out (outputs and gradients), p (attention weights stored before
 * P.V, section 7), and saved (the y the backward pass reads).  The named
 * policies are aliases of such expansions (formats/policy.c); any other
 * expansion is parsed and kept for the life of the process
 * (formats/compose.c).
 *
 * An algorithm sees only an ns_ops: elementwise operations round into
 * op->elem, accumulations (sums, dot products, running sums) into op->acc,
 * in the summation order op->sum, and reductions are stored in op->tot.
 * Inputs are rounded into the policy's input part before the algorithm
 * runs and its outputs into the output part after (formats/storage.c,
 * called by normalizers/job.c): the one place where storage formats are
 * applied. */
#ifndef NS_POLICY_H
#define NS_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "arith.h"
#include "format.h"
#include "mx.h"
#include "sum_order.h"

typedef enum {
    NS_SAVED_OUT,     /* the output rounded into out: a kernel that stores it */
    NS_SAVED_WORK,    /* the unrounded working value: an upcast wrapper that
                         keeps its fp32 y for the backward pass */
} ns_saved;

typedef struct ns_policy {
    const char *name;
    const char *summary;
    /* in, work, acc; all NULL for "ref".  (io is the input format; the name
     * is older than the split of inputs and outputs.) */
    const ns_format *io, *elem, *acc;
    const ns_format *out, *tot, *p;
    ns_saved saved;
    /* An MX part rounds in blocks of NS_MX_BLOCK along the row; io, out or p
     * is then its elementwise view (the element's precision over every
     * scale), in which errors are measured.  NULL for an elementwise part. */
    const ns_mx *in_mx, *out_mx, *p_mx;
    bool stochastic;          /* some part rounds stochastically (+sr) */
    const char *expansion;    /* "in=fp16,work=fp32,acc=fp32,out=fp16"; NULL for ref */
} ns_policy;

/* The named policies of SPEC section 2, NULL-terminated, SPEC order: what
 * the report measures unless told otherwise. */
extern const ns_policy *const ns_policies[];

/* Named policies that mirror one kernel each (e4m3-io, e5m2-io, bf16-torch,
 * fp16-upcast), NULL-terminated. */
extern const ns_policy *const ns_kernel_policies[];

/* A named policy, or an expansion in=FMT,work=FMT,... (an expansion that
 * spells a named policy is that policy); NULL when it is neither
 * (ns_policy_parse says why). */
const ns_policy *ns_policy_find(const char *name);

/* The same with a one-line reason in err on NULL: an unknown name, an
 * unknown, repeated or malformed part, a bad format in a part. */
const ns_policy *ns_policy_parse(const char *name, char *err, size_t errlen);

static inline int ns_policy_is_ref(const ns_policy *p) { return p->io == NULL; }

/* The passes of a row whose random draws are kept apart (+sr). */
enum { NS_STREAM_INPUT = 1, NS_STREAM_FORWARD, NS_STREAM_BACKWARD };

/* x (logits or upstream gradients) stored in the input part: xr, as the
 * kernel receives it (formats/storage.c).  x and xr must not overlap. */
void ns_policy_round_inputs(const ns_policy *p, uint64_t seed, const double *x, double *xr, size_t n);

/* v stored in place in the output part; stage is scratch of n. */
void ns_policy_store_outputs(const ns_policy *p, double *v, double *stage, size_t n);

/* Whether a and b round inputs alike (the same in part). */
bool ns_policy_same_inputs(const ns_policy *a, const ns_policy *b);

/* Every denominator an algorithm divides by is shown to the probe. */
typedef struct ns_probe {
    size_t count;          /* denominators seen */
    double min_abs;        /* smallest |d| (inf when none; NaN when a NaN was seen) */
    size_t zeros;          /* d == 0 */
    size_t nonfinite;      /* d is inf or NaN */
} ns_probe;

void ns_probe_reset(ns_probe *p);

typedef struct ns_ops {
    const ns_format *io, *elem, *acc;
    ns_sum_order sum;
    const double *param;   /* the family's parameters, in its declared order */
    double *work;          /* scratch: NS_WORK_DOUBLES(n) doubles */
    ns_probe *probe;       /* may be NULL */
    const ns_format *tot;  /* finished reductions; NULL: kept in acc */
} ns_ops;

#define NS_WORK_DOUBLES(n) (4 * (n) + 8)

/* Elementwise operations, rounded into op->elem. */
static inline double ns_add(const ns_ops *op, double a, double b) { return ns_fp_add(op->elem, a, b); }
static inline double ns_sub(const ns_ops *op, double a, double b) { return ns_fp_sub(op->elem, a, b); }
static inline double ns_mul(const ns_ops *op, double a, double b) { return ns_fp_mul(op->elem, a, b); }
static inline double ns_div(const ns_ops *op, double a, double b) { return ns_fp_div(op->elem, a, b); }
static inline double ns_sqrt(const ns_ops *op, double a) { return ns_fp_sqrt(op->elem, a); }
static inline double ns_fma(const ns_ops *op, double a, double b, double c) { return ns_fp_fma(op->elem, a, b, c); }
static inline double ns_exp(const ns_ops *op, double a) { return ns_fp_exp(op->elem, a); }
static inline double ns_expm1(const ns_ops *op, double a) { return ns_fp_expm1(op->elem, a); }
static inline double ns_log(const ns_ops *op, double a) { return ns_fp_log(op->elem, a); }
static inline double ns_log1p(const ns_ops *op, double a) { return ns_fp_log1p(op->elem, a); }
static inline double ns_tanh(const ns_ops *op, double a) { return ns_fp_tanh(op->elem, a); }
static inline double ns_pow(const ns_ops *op, double a, double b) { return ns_fp_pow(op->elem, a, b); }
/* A constant (a parameter such as eps, ln n) as the kernel would hold it. */
static inline double ns_const(const ns_ops *op, double c) { return ns_round(op->elem, c); }

/* Scalar accumulator operations, rounded into op->acc (running sums). */
static inline double ns_acc_add(const ns_ops *op, double a, double b) { return ns_fp_add(op->acc, a, b); }
static inline double ns_acc_mul(const ns_ops *op, double a, double b) { return ns_fp_mul(op->acc, a, b); }

/* A finished reduction as the kernel stores it before use: rounded into
 * op->tot (torch's bf16 kernels keep their sums in bf16). */
static inline double ns_total(const ns_ops *op, double v) { return op->tot ? ns_round(op->tot, v) : v; }

/* The largest entry (exact), stored as a total.  A NaN anywhere makes the
 * maximum NaN (a kernel that skipped NaNs would hide them); -inf entries
 * are ordinary; n = 0 gives -inf. */
double ns_max(const ns_ops *op, const double *x, size_t n);

/* Sum of v[0..n) in op->acc, in the order op->sum (formats/sum_order.h),
 * stored as a total; n = 0 gives 0. */
double ns_sum(const ns_ops *op, const double *v, size_t n);

/* Sum of a[i] * b[i], each product rounded into op->acc (a register
 * accumulation), then summed and stored as ns_sum does. */
double ns_dot(const ns_ops *op, const double *a, const double *b, size_t n);

/* Show a denominator to the probe; returns d. */
static inline double ns_denominator(const ns_ops *op, double d)
{
    if (op->probe) {
        ns_probe *p = op->probe;
        p->count++;
        if (d == 0)
            p->zeros++;
        if (!isfinite(d))
            p->nonfinite++;
        if (isnan(d))
            p->min_abs = NAN;
        else if (!isnan(p->min_abs) && fabs(d) < p->min_abs)
            p->min_abs = fabs(d);
    }
    return d;
}

#endif
