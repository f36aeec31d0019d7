#include "policy.h"

#include <string.h>

static const ns_policy fp16 = { "fp16", "fp16 storage, arithmetic and sums", &ns_fp16, &ns_fp16, &ns_fp16 };
static const ns_policy bf16 = { "bf16", "bf16 storage, arithmetic and sums", &ns_bf16, &ns_bf16, &ns_bf16 };
static const ns_policy fp32 = { "fp32", "fp32 storage, arithmetic and sums", &ns_fp32, &ns_fp32, &ns_fp32 };
static const ns_policy fp64 = { "fp64", "fp64 storage, arithmetic and sums", &ns_fp64, &ns_fp64, &ns_fp64 };
static const ns_policy fp16_acc32 = { "fp16-acc32", "fp16 data and arithmetic, fp32 accumulators", &ns_fp16, &ns_fp16, &ns_fp32 };
static const ns_policy bf16_acc32 = { "bf16-acc32", "bf16 data and arithmetic, fp32 accumulators", &ns_bf16, &ns_bf16, &ns_fp32 };
static const ns_policy fp16_io = { "fp16-io", "fp16 inputs and outputs, fp32 inside the kernel", &ns_fp16, &ns_fp32, &ns_fp32 };
static const ns_policy bf16_io = { "bf16-io", "bf16 inputs and outputs, fp32 inside the kernel", &ns_bf16, &ns_fp32, &ns_fp32 };
static const ns_policy ref = { "ref", "exact: the MPFR reference, correctly rounded to binary64", NULL, NULL, NULL };

const ns_policy *const ns_policies[] = {
    &fp16, &bf16, &fp32, &fp64, &fp16_acc32, &bf16_acc32, &fp16_io, &bf16_io, &ref, NULL,
};

const ns_policy *ns_policy_find(const char *name)
{
    for (size_t i = 0; ns_policies[i]; i++)
        if (strcmp(ns_policies[i]->name, name) == 0)
            return ns_policies[i];
    return NULL;
}

static const char *const sum_names[] = { "seq", "pairwise", "kahan" };

const char *ns_sum_order_name(ns_sum_order s) { return sum_names[s]; }

int ns_sum_order_find(const char *name, ns_sum_order *out)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(sum_names[i], name) == 0) {
            *out = (ns_sum_order)i;
            return 0;
        }
    return -1;
}

void ns_probe_reset(ns_probe *p)
{
    p->count = 0;
    p->min_abs = INFINITY;
    p->zeros = 0;
    p->nonfinite = 0;
}

double ns_max(const ns_ops *op, const double *x, size_t n)
{
    (void)op;
    double m = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]))
            return x[i];
        if (x[i] > m)
            m = x[i];
    }
    return m;
}

/* One term of a sum: v[i], or a[i] * b[i] rounded into the accumulator. */
typedef struct terms {
    const double *a, *b;
} terms;

static inline double term(const ns_ops *op, const terms *t, size_t i)
{
    return t->b ? ns_fp_mul(op->acc, t->a[i], t->b[i]) : ns_round(op->acc, t->a[i]);
}

static double sum_pairwise(const ns_ops *op, const terms *t, size_t lo, size_t n)
{
    if (n == 1)
        return term(op, t, lo);
    size_t h = n / 2;
    return ns_acc_add(op, sum_pairwise(op, t, lo, h), sum_pairwise(op, t, lo + h, n - h));
}

static double sum_terms(const ns_ops *op, const terms *t, size_t n)
{
    if (n == 0)
        return 0.0;
    switch (op->sum) {
    case NS_SUM_PAIRWISE:
        return sum_pairwise(op, t, 0, n);
    case NS_SUM_KAHAN: {
        double s = term(op, t, 0), c = 0.0;
        for (size_t i = 1; i < n; i++) {
            double yk = ns_fp_sub(op->acc, term(op, t, i), c);
            double tk = ns_acc_add(op, s, yk);
            c = ns_fp_sub(op->acc, ns_fp_sub(op->acc, tk, s), yk);
            s = tk;
        }
        return s;
    }
    case NS_SUM_SEQ:
    default: {
        double s = term(op, t, 0);
        for (size_t i = 1; i < n; i++)
            s = ns_acc_add(op, s, term(op, t, i));
        return s;
    }
    }
}

double ns_sum(const ns_ops *op, const double *v, size_t n)
{
    terms t = { v, NULL };
    return sum_terms(op, &t, n);
}

double ns_dot(const ns_ops *op, const double *a, const double *b, size_t n)
{
    terms t = { a, b };
    return sum_terms(op, &t, n);
}
