/* Policies: which formats an algorithm uses (SPEC section 2), and the
 * operations through which an algorithm touches them.
 *
 * An algorithm sees only an ns_ops: elementwise operations round into
 * op->elem, accumulations (sums, dot products, running sums) into op->acc,
 * in the summation order op->sum.  Inputs are rounded into op->io before the
 * algorithm runs and its outputs after (ns_job_round_inputs, ns_job_forward
 * and ns_job_backward in normalizers/catalogue.c): that is the one place
 * where storage formats are applied. */
#ifndef NS_POLICY_H
#define NS_POLICY_H

#include <stddef.h>

#include "arith.h"
#include "format.h"

typedef enum { NS_SUM_SEQ, NS_SUM_PAIRWISE, NS_SUM_KAHAN } ns_sum_order;

typedef struct ns_policy {
    const char *name;
    const char *summary;
    const ns_format *io, *elem, *acc;   /* all NULL for "ref" */
} ns_policy;

extern const ns_policy *const ns_policies[];   /* NULL-terminated, SPEC order */
const ns_policy *ns_policy_find(const char *name);
static inline int ns_policy_is_ref(const ns_policy *p) { return p->io == NULL; }

const char *ns_sum_order_name(ns_sum_order s);
int ns_sum_order_find(const char *name, ns_sum_order *out);   /* 0 or -1 */

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

/* The largest entry (exact).  A NaN anywhere makes the maximum NaN (a kernel
 * that skipped NaNs would hide them); -inf entries are ordinary; n = 0 gives
 * -inf. */
double ns_max(const ns_ops *op, const double *x, size_t n);

/* Sum of v[0..n) in op->acc, in the order op->sum; n = 0 gives 0.
 *   seq: ((v0 + v1) + v2) + ...;  pairwise: sum(first n/2) + sum(rest),
 *   recursively down to single terms;  kahan: compensated (Kahan 1965). */
double ns_sum(const ns_ops *op, const double *v, size_t n);

/* Sum of a[i] * b[i], each product rounded into op->acc (a register
 * accumulation), then summed as ns_sum does. */
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
