/* Forward and reverse-mode evaluation of a formula in a policy (eval.h). */
#include "eval.h"

#include <stdlib.h>
#include <string.h>

#include "../formats/adjoint.h"
#include "../normalizers/ratio.h"

/* ---- the operations ------------------------------------------------------ */

/* sigma(z) = 1 / (1 + e^-z) as the sigmoid and softplus.norm kernels
 * write it. */
static double sigmoid(const ns_ops *op, double z)
{
    return ns_div(op, 1.0, ns_add(op, 1.0, ns_exp(op, -z)));
}

static double unary_value(const ns_ops *op, ns_fop f, double a)
{
    switch (f) {
    case NS_F_NEG: return -a;
    case NS_F_EXP: return ns_exp(op, a);
    case NS_F_EXPM1: return ns_expm1(op, a);
    case NS_F_LOG: return ns_log(op, a);
    case NS_F_LOG1P: return ns_log1p(op, a);
    case NS_F_SQRT: return ns_sqrt(op, a);
    case NS_F_ABS: return fabs(a);
    case NS_F_TANH: return ns_tanh(op, a);
    case NS_F_SIGMOID: return sigmoid(op, a);
    case NS_F_SOFTPLUS: return ns_log1p(op, ns_exp(op, a));
    case NS_F_RELU: return ns_relu(a);
    default: return NAN;
    }
}

/* max(a, b) is a when a > b, else b: max(x, 0) at x = 0 is the 0, so its
 * derivative there is 0, as relu'(0) = 0.  A NaN operand gives NaN. */
static int max_takes_a(double a, double b) { return a > b; }
static int min_takes_a(double a, double b) { return a < b; }

static double binary_value(const ns_ops *op, ns_fop f, double a, double b)
{
    switch (f) {
    case NS_F_ADD: return ns_add(op, a, b);
    case NS_F_SUB: return ns_sub(op, a, b);
    case NS_F_MUL: return ns_mul(op, a, b);
    case NS_F_DIV: return ns_div(op, a, b);
    case NS_F_POW: return ns_pow(op, a, b);
    case NS_F_MAX: return isnan(a) || isnan(b) ? NAN : max_takes_a(a, b) ? a : b;
    case NS_F_MIN: return isnan(a) || isnan(b) ? NAN : min_takes_a(a, b) ? a : b;
    default: return NAN;
    }
}

static int is_unary(ns_fop f) { return f >= NS_F_NEG && f <= NS_F_RELU; }

/* ---- storage ------------------------------------------------------------- */

/* Values (and adjoints) of every node up to the output: a row node holds
 * one double, any other n. */
typedef struct values {
    const ns_formula *f;
    size_t n;
    double **v;            /* v[k]: node k's values */
    double *block;
} values;

static int values_init(values *s, const ns_formula *f, size_t n)
{
    size_t total = 0, count = (size_t)f->out + 1;
    for (size_t k = 0; k < count; k++)
        total += f->node[k].row ? 1 : n;
    s->f = f;
    s->n = n;
    s->v = malloc(count * sizeof *s->v);
    s->block = malloc((total ? total : 1) * sizeof *s->block);
    if (!s->v || !s->block) {
        free(s->v);
        free(s->block);
        return -1;
    }
    double *p = s->block;
    for (size_t k = 0; k < count; k++) {
        s->v[k] = p;
        p += f->node[k].row ? 1 : n;
    }
    return 0;
}

static void values_free(values *s)
{
    free(s->v);
    free(s->block);
}

/* The n values of node k as a row (a row node's one value repeated), in
 * tmp when it must be spread. */
static const double *spread(const values *s, int k, double *tmp)
{
    if (!s->f->node[k].row)
        return s->v[k];
    for (size_t i = 0; i < s->n; i++)
        tmp[i] = s->v[k][0];
    return tmp;
}

/* Index of the first largest (smallest, when sign < 0) entry; n when
 * there is none or a NaN.  Found again rather than by equality with the
 * reduction's result, which is stored in tot and may be rounded. */
static size_t first_extreme(const double *v, size_t n, int sign)
{
    size_t at = n;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]))
            return n;
        if (at == n || sign * v[i] > sign * v[at])
            at = i;
    }
    return at;
}

static double row_min(const ns_ops *op, const double *v, size_t n)
{
    double m = INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]))
            return ns_total(op, v[i]);
        if (v[i] < m)
            m = v[i];
    }
    return ns_total(op, m);
}

/* ---- forward ------------------------------------------------------------- */

/* Every node up to the output; tmp is scratch of n. */
static void run_forward(values *s, const ns_ops *op, const double *x, double *tmp)
{
    const ns_formula *f = s->f;
    size_t n = s->n;
    for (int k = 0; k <= f->out; k++) {
        const ns_fnode *nd = &f->node[k];
        double *v = s->v[k];
        size_t m = nd->row ? 1 : n;
        switch (nd->op) {
        case NS_F_X:
            memcpy(v, x, n * sizeof *v);
            continue;
        case NS_F_N:
            v[0] = ns_const(op, (double)n);
            continue;
        case NS_F_NUM:
            v[0] = ns_const(op, nd->num);
            continue;
        case NS_F_PARAM:
            v[0] = ns_const(op, op->param[nd->param]);
            continue;
        case NS_F_SUM:
            v[0] = ns_sum(op, spread(s, nd->a, tmp), n);
            continue;
        case NS_F_MEAN:
            v[0] = ns_div(op, ns_sum(op, spread(s, nd->a, tmp), n), ns_const(op, (double)n));
            continue;
        case NS_F_ROWMAX:
            v[0] = ns_max(op, spread(s, nd->a, tmp), n);
            continue;
        case NS_F_ROWMIN:
            v[0] = row_min(op, spread(s, nd->a, tmp), n);
            continue;
        default:
            break;
        }
        const double *a = s->v[nd->a];
        size_t sa = f->node[nd->a].row ? 0 : 1;
        if (is_unary(nd->op)) {
            for (size_t i = 0; i < m; i++)
                v[i] = unary_value(op, nd->op, a[i * sa]);
            continue;
        }
        const double *b = s->v[nd->b];
        size_t sb = f->node[nd->b].row ? 0 : 1;
        if (nd->op == NS_F_DIV && sb == 0)
            ns_denominator(op, b[0]);
        for (size_t i = 0; i < m; i++)
            v[i] = binary_value(op, nd->op, a[i * sa], b[i * sb]);
    }
}

static void copy_out(const values *s, double *y)
{
    const double *v = s->v[s->f->out];
    int row = s->f->node[s->f->out].row;
    for (size_t i = 0; i < s->n; i++)
        y[i] = row ? v[0] : v[i];
}

int ns_formula_forward(const ns_formula *f, const ns_ops *op, const double *x, double *y, size_t n)
{
    values s;
    double *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp || values_init(&s, f, n) != 0) {
        free(tmp);
        for (size_t i = 0; i < n; i++)
            y[i] = NAN;
        return -1;
    }
    run_forward(&s, op, x, tmp);
    copy_out(&s, y);
    values_free(&s);
    free(tmp);
    return 0;
}

/* ---- backward ------------------------------------------------------------ */

typedef struct adjoints {
    values v;              /* the forward's values */
    values a;              /* the adjoints */
    unsigned char *has;    /* has[k]: node k has received an adjoint */
    const ns_ops *op;
    double *c;             /* a contribution, n */
    double *tmp;           /* scratch, n */
} adjoints;

/* Adds the scalar c to the adjoint of node k (spread over the row when k
 * is not a row node: the adjoint of a reduction's operand). */
static void give_scalar(adjoints *d, int k, double c)
{
    double *a = d->a.v[k];
    size_t m = d->v.f->node[k].row ? 1 : d->v.n;
    for (size_t i = 0; i < m; i++)
        a[i] = d->has[k] ? ns_add(d->op, a[i], c) : c;
    d->has[k] = 1;
}

/* Adds the contributions c[0..m) to the adjoint of node k: m = 1 for a
 * row's value, n for a row of them, gathered by one reduction when k is a
 * row node. */
static void give(adjoints *d, int k, const double *c, size_t m)
{
    const ns_fnode *nd = &d->v.f->node[k];
    if (!nd->varies)
        return;
    if (m == 1 || nd->row) {
        give_scalar(d, k, m == 1 ? c[0] : ns_sum(d->op, c, m));
        return;
    }
    double *a = d->a.v[k];
    for (size_t i = 0; i < m; i++)
        a[i] = d->has[k] ? ns_add(d->op, a[i], c[i]) : c[i];
    d->has[k] = 1;
}

/* The derivative of a unary operation at a with value v, times the adjoint
 * A; each factor rounded as the forward rounds it (formats/adjoint.h). */
static double unary_adjoint(const ns_ops *op, ns_fop f, double A, double a, double v)
{
    switch (f) {
    case NS_F_NEG: return -A;
    case NS_F_EXP: return ns_adjoint_unary(op, NS_ADJ_EXP, A, a, v);
    case NS_F_EXPM1: return ns_adjoint_unary(op, NS_ADJ_EXPM1, A, a, v);
    case NS_F_LOG: return ns_adjoint_unary(op, NS_ADJ_LOG, A, a, v);
    case NS_F_LOG1P: return ns_adjoint_unary(op, NS_ADJ_LOG1P, A, a, v);
    case NS_F_SQRT: return ns_adjoint_unary(op, NS_ADJ_SQRT, A, a, v);
    case NS_F_ABS: return isnan(a) ? NAN : a > 0 ? A : a < 0 ? -A : 0.0;
    case NS_F_TANH: return ns_adjoint_unary(op, NS_ADJ_TANH, A, a, v);
    case NS_F_SIGMOID: return ns_adjoint_unary(op, NS_ADJ_SIGMOID, A, a, v);
    case NS_F_SOFTPLUS: return ns_mul(op, A, sigmoid(op, a));
    case NS_F_RELU: return isnan(a) ? NAN : a > 0 ? A : 0.0;
    default: return NAN;
    }
}

/* The adjoints of a binary node k's operands from its adjoint A. */
static void binary_adjoints(adjoints *d, int k)
{
    const ns_formula *f = d->v.f;
    const ns_fnode *nd = &f->node[k];
    const ns_ops *op = d->op;
    size_t n = d->v.n, m = nd->row ? 1 : n;
    const double *A = d->a.v[k], *v = d->v.v[k];
    const double *a = d->v.v[nd->a], *b = d->v.v[nd->b];
    size_t sa = f->node[nd->a].row ? 0 : 1, sb = f->node[nd->b].row ? 0 : 1;
    int a_gathers = !nd->row && sa == 0, b_gathers = !nd->row && sb == 0;
    double *c = d->c;

    switch (nd->op) {
    case NS_F_ADD:
    case NS_F_SUB:
        give(d, nd->a, A, m);
        for (size_t i = 0; i < m; i++)
            c[i] = nd->op == NS_F_ADD ? A[i] : -A[i];
        give(d, nd->b, c, m);
        return;
    case NS_F_MUL:
        /* d(ab) = A b da + A a db; gathered into a row operand as a dot
         * product, as a kernel's <g, y>. */
        for (int side = 0; side < 2; side++) {
            int to = side ? nd->b : nd->a;
            const double *other = side ? a : b;
            size_t so = side ? sa : sb;
            if (!f->node[to].varies)
                continue;
            if (side ? b_gathers : a_gathers) {
                /* the other operand is then a row of values */
                give_scalar(d, to, ns_dot(op, A, other, n));
                continue;
            }
            for (size_t i = 0; i < m; i++)
                c[i] = ns_adjoint_mul(op, A[i], other[i * so]);
            give(d, to, c, m);
        }
        return;
    case NS_F_DIV:
        /* d(a/b) = A / b da - A (a/b) / b db. */
        if (f->node[nd->a].varies) {
            for (size_t i = 0; i < m; i++)
                c[i] = ns_adjoint_div_a(op, A[i], b[i * sb]);
            give(d, nd->a, c, m);
        }
        if (f->node[nd->b].varies) {
            if (b_gathers) {
                give_scalar(d, nd->b, ns_adjoint_div_shared_b(op, ns_dot(op, A, v, n), b[0]));
                return;
            }
            for (size_t i = 0; i < m; i++)
                c[i] = ns_adjoint_div_b(op, A[i], v[i], b[i * sb]);
            give(d, nd->b, c, m);
        }
        return;
    case NS_F_POW:
        /* d(a^b) = A b a^(b-1) da + A a^b log(a) db. */
        if (f->node[nd->a].varies) {
            for (size_t i = 0; i < m; i++) {
                c[i] = ns_adjoint_pow_a(op, A[i], a[i * sa], b[i * sb]);
            }
            give(d, nd->a, c, m);
        }
        if (f->node[nd->b].varies) {
            for (size_t i = 0; i < m; i++)
                c[i] = ns_adjoint_pow_b(op, A[i], a[i * sa], v[i]);
            give(d, nd->b, c, m);
        }
        return;
    case NS_F_MAX:
    case NS_F_MIN:
        for (int side = 0; side < 2; side++) {
            for (size_t i = 0; i < m; i++) {
                double ai = a[i * sa], bi = b[i * sb];
                int takes_a = nd->op == NS_F_MAX ? max_takes_a(ai, bi) : min_takes_a(ai, bi);
                c[i] = isnan(ai) || isnan(bi) ? NAN : (side ? !takes_a : takes_a) ? A[i] : 0.0;
            }
            give(d, side ? nd->b : nd->a, c, m);
        }
        return;
    default:
        return;
    }
}

/* The adjoint of a reduction's operand. */
static void reduction_adjoint(adjoints *d, int k)
{
    const ns_fnode *nd = &d->v.f->node[k];
    const ns_ops *op = d->op;
    size_t n = d->v.n;
    double A = d->a.v[k][0], *c = d->c;
    switch (nd->op) {
    case NS_F_SUM:
        for (size_t i = 0; i < n; i++)
            c[i] = A;
        break;
    case NS_F_MEAN: {
        double each = ns_div(op, A, ns_const(op, (double)n));
        for (size_t i = 0; i < n; i++)
            c[i] = each;
        break;
    }
    default: {
        /* rowmax, rowmin: the whole adjoint to the first entry that is the
         * extreme (a choice where several are; any is a subgradient). */
        const double *a = spread(&d->v, nd->a, d->tmp);
        double m = d->v.v[k][0];
        size_t at = first_extreme(a, n, nd->op == NS_F_ROWMAX ? 1 : -1);
        for (size_t i = 0; i < n; i++)
            c[i] = isnan(m) ? NAN : i == at ? A : 0.0;
        break;
    }
    }
    give(d, nd->a, c, n);
}

/* e^z / sum(e^z) (node k): the softmax Jacobian's form, as the built-in
 * softmax kernels write their backward pass, dz = y (A - <A, y>) with y the
 * node's value, rather than the chain through the division, the sum and
 * the exponential.  When z = w - c with c a row value (the shift by the
 * maximum) the quotient does not depend on c: the adjoint goes to w alone,
 * where reverse mode would add to c (and through rowmax to one entry) a sum
 * that is zero in exact arithmetic but not once rounded.  1 when node k is
 * such a quotient. */
static int softmax_adjoint(adjoints *d, int k)
{
    const ns_formula *f = d->v.f;
    const ns_fnode *nd = &f->node[k];
    if (nd->op != NS_F_DIV || nd->row || f->node[nd->a].op != NS_F_EXP || f->node[nd->b].op != NS_F_SUM ||
        f->node[nd->b].a != nd->a)
        return 0;
    const ns_ops *op = d->op;
    size_t n = d->v.n;
    const double *A = d->a.v[k], *y = d->v.v[k];
    double gy = ns_dot(op, A, y, n);
    for (size_t i = 0; i < n; i++)
        d->c[i] = ns_adjoint_softmax(op, A[i], y[i], gy);
    int z = f->node[nd->a].a;
    if (f->node[z].op == NS_F_SUB && f->node[f->node[z].b].row && !f->node[f->node[z].a].row)
        z = f->node[z].a;
    give(d, z, d->c, n);
    return 1;
}

/* h(w) / sum(h(w)) (node k) for h one operation on a row w (a function,
 * or w * w): the ratio(h) Jacobian's form, as normalizers/ratio.h writes
 * its backward pass, dw = h'(w) / S (A - <A, y>), rather than the chain
 * through the division and the sum.  1 when node k is such a quotient. */
static int ratio_adjoint(adjoints *d, int k)
{
    const ns_formula *f = d->v.f;
    const ns_fnode *nd = &f->node[k], *h = &f->node[nd->a];
    if (nd->op != NS_F_DIV || nd->row || f->node[nd->b].op != NS_F_SUM || f->node[nd->b].a != nd->a)
        return 0;
    int square = h->op == NS_F_MUL && h->a == h->b;
    if (!(is_unary(h->op) || square) || f->node[h->a].row)
        return 0;
    const ns_ops *op = d->op;
    size_t n = d->v.n;
    const double *A = d->a.v[k], *y = d->v.v[k], *w = d->v.v[h->a], *hw = d->v.v[nd->a];
    double s = d->v.v[nd->b][0];
    double gy = ns_dot(op, A, y, n);
    for (size_t i = 0; i < n; i++) {
        double dh = square ? ns_mul(op, 2.0, w[i]) : unary_adjoint(op, h->op, 1.0, w[i], hw[i]);
        d->c[i] = ns_adjoint_ratio(op, A[i], dh, s, gy);
    }
    give(d, h->a, d->c, n);
    return 1;
}

int ns_formula_backward(const ns_formula *f, const ns_ops *op, const double *x, const double *y,
                        const double *g, double *dx, size_t n)
{
    adjoints d = { .op = op };
    size_t count = (size_t)f->out + 1;
    int ok = values_init(&d.v, f, n) == 0;
    if (ok && values_init(&d.a, f, n) != 0) {
        values_free(&d.v);
        ok = 0;
    }
    d.has = ok ? calloc(count, 1) : NULL;
    d.c = ok ? malloc((n ? n : 1) * sizeof *d.c) : NULL;
    d.tmp = ok ? malloc((n ? n : 1) * sizeof *d.tmp) : NULL;
    if (!ok || !d.has || !d.c || !d.tmp) {
        if (ok) {
            values_free(&d.v);
            values_free(&d.a);
        }
        free(d.has);
        free(d.c);
        free(d.tmp);
        for (size_t i = 0; i < n; i++)
            dx[i] = NAN;
        return -1;
    }
    run_forward(&d.v, op, x, d.tmp);
    /* The output's value is y as saved, which the backward reads. */
    if (!f->node[f->out].row)
        memcpy(d.v.v[f->out], y, n * sizeof *y);
    give(&d, f->out, g, n);

    int xk = -1;
    for (int k = f->out; k >= 0; k--) {
        const ns_fnode *nd = &f->node[k];
        if (nd->op == NS_F_X)
            xk = k;
        if (!d.has[k] || nd->op <= NS_F_PARAM)
            continue;
        if (softmax_adjoint(&d, k) || ratio_adjoint(&d, k)) {
            continue;
        } else if (nd->op >= NS_F_SUM) {
            reduction_adjoint(&d, k);
        } else if (is_unary(nd->op)) {
            size_t m = nd->row ? 1 : n, sa = f->node[nd->a].row ? 0 : 1;
            const double *A = d.a.v[k], *a = d.v.v[nd->a], *v = d.v.v[k];
            for (size_t i = 0; i < m; i++)
                d.c[i] = unary_adjoint(op, nd->op, A[i], a[i * sa], v[i]);
            give(&d, nd->a, d.c, m);
        } else {
            binary_adjoints(&d, k);
        }
    }
    for (size_t i = 0; i < n; i++)
        dx[i] = xk >= 0 && d.has[xk] ? d.a.v[xk][i] : 0.0;
    values_free(&d.v);
    values_free(&d.a);
    free(d.has);
    free(d.c);
    free(d.tmp);
    return 0;
}
