/* The exact evaluation of a formula in interval arithmetic (exact.h). */
#include "exact.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../reference/ref.h"
#include "message.h"

typedef struct exact {
    const ns_formula *f;
    size_t n;
    mpfi_ptr *v, *adj;       /* per node: one interval for a row node, else n */
    unsigned char *has;      /* has[k]: node k has an adjoint */
    mpfi_ptr c;              /* a contribution, n */
    mpfi_t t, u;             /* scratch */
    int zero_row;            /* a row value that divides is exactly zero */
    char *why;               /* the first undefined operation, or NULL */
    size_t whylen;
    int undefined;
} exact;

static size_t width(const exact *e, int k) { return e->f->node[k].row ? 1 : e->n; }

static mpfi_ptr at(mpfi_ptr v, int row, size_t i) { return row ? &v[0] : &v[i]; }

static void undefined(exact *e, const ns_fnode *nd, const char *fmt, ...)
{
    if (e->undefined++ || !e->why)
        return;
    va_list ap;
    va_start(ap, fmt);
    ns_formula_vmessage(e->why, e->whylen, nd->column, fmt, ap);
    va_end(ap);
}

static int is_zero(mpfi_srcptr a) { return !mpfi_nan_p(a) && mpfi_is_zero(a); }
static int is_point(mpfi_srcptr a) { return mpfr_equal_p(&a->left, &a->right); }
static int above(mpfi_srcptr a, double c) { return mpfr_cmp_d(&a->left, c) > 0; }     /* a > c */
static int at_most(mpfi_srcptr a, double c) { return mpfr_cmp_d(&a->right, c) <= 0; } /* a <= c */
static int below(mpfi_srcptr a, double c) { return mpfr_cmp_d(&a->right, c) < 0; }    /* a < c */

static void set_nan(mpfi_ptr r) { mpfr_set_nan(&r->left); mpfr_set_nan(&r->right); }
static void set_entire(mpfi_ptr r) { mpfi_interv_d(r, -INFINITY, INFINITY); }

/* r = a^k for an integer k, by squaring (so that even powers stay
 * non-negative); a^0 = 1 (the caller rules out 0^0). */
static void power_int(exact *e, mpfi_ptr r, mpfi_srcptr a, long k)
{
    unsigned long m = k < 0 ? -(unsigned long)k : (unsigned long)k;
    mpfi_set_ui(r, 1);
    mpfi_set(e->u, a);
    while (m) {
        if (m & 1)
            mpfi_mul(r, r, e->u);
        m >>= 1;
        if (m)
            mpfi_sqr(e->u, e->u);
    }
    if (k < 0)
        mpfi_ui_div(r, 1, r);
}

/* The integer a point interval holds, when it holds one of moderate size. */
static int integer_of(mpfi_srcptr b, long *k)
{
    if (mpfi_nan_p(b) || !is_point(b) || !mpfr_integer_p(&b->left) ||
        mpfr_cmpabs_ui(&b->left, 1UL << 30) > 0)
        return 0;
    *k = mpfr_get_si(&b->left, MPFR_RNDN);
    return 1;
}

/* r = a^b; derivative: 0^0 is 1 there (the d/da of a^1). */
static void power(exact *e, const ns_fnode *nd, mpfi_ptr r, mpfi_srcptr a, mpfi_srcptr b, int derivative)
{
    long k;
    if (mpfi_nan_p(a) || mpfi_nan_p(b)) {
        set_nan(r);
    } else if (integer_of(b, &k)) {
        if (is_zero(a) && k == 0 && !derivative) {
            undefined(e, nd, "0^0 has no value");
            set_nan(r);
        } else if (is_zero(a) && k < 0) {
            undefined(e, nd, "0 to a negative power has no value");
            set_nan(r);
        } else if (k < 0 && mpfi_has_zero(a)) {
            set_entire(r);
        } else {
            power_int(e, r, a, k);
        }
    } else if (above(a, 0)) {
        mpfi_log(r, a);
        mpfi_mul(r, r, b);
        mpfi_exp(r, r);
    } else if (is_zero(a)) {
        if (above(b, 0)) {
            mpfi_set_ui(r, 0);
        } else {
            if (!mpfi_has_zero(b) || is_zero(b))
                undefined(e, nd, is_zero(b) ? "0^0 has no value" : "0 to a negative power has no value");
            if (!mpfi_has_zero(b) || is_zero(b))
                set_nan(r);
            else
                set_entire(r);
        }
    } else if (below(a, 0)) {
        undefined(e, nd, "a negative number to a power that is not an integer has no real value");
        set_nan(r);
    } else {
        set_entire(r);
    }
}

/* r = e^{a} (e^{-a} when neg) for a = node k's entry i.  Where a is
 * p - log q or p + log q (or log q), the log is not taken: e^{p} q^{-1}
 * (or q) is the same number, and exact where p = 0, so that a tie such as
 * sigma(0 - log 3) = 1/4 (times a gradient) settles, which an interval of
 * e^{log 3} never does. */
static void exp_of(exact *e, int k, size_t i, int neg, mpfi_ptr r)
{
    const ns_fnode *nd = &e->f->node[k];
    int plus_log = nd->op == NS_F_ADD || nd->op == NS_F_SUB;
    int lg = nd->op == NS_F_LOG ? k : plus_log && e->f->node[nd->b].op == NS_F_LOG ? nd->b : -1;
    mpfi_ptr q = lg >= 0 ? at(e->v[e->f->node[lg].a], e->f->node[e->f->node[lg].a].row, i) : NULL;
    if (!q || !above(q, 0) || !mpfr_number_p(&q->right)) {
        mpfi_ptr a = at(e->v[k], nd->row, i);
        if (neg)
            mpfi_neg(r, a);
        else
            mpfi_set(r, a);
        mpfi_exp(r, r);
        return;
    }
    int q_up = (nd->op == NS_F_SUB ? -1 : 1) * (neg ? -1 : 1) > 0;   /* q or 1/q */
    if (nd->op == NS_F_LOG) {
        mpfi_set_ui(r, 1);
    } else {
        mpfi_ptr p = at(e->v[nd->a], e->f->node[nd->a].row, i);
        if (neg)
            mpfi_neg(r, p);
        else
            mpfi_set(r, p);
        mpfi_exp(r, r);
    }
    if (q_up)
        mpfi_mul(r, r, q);
    else
        mpfi_div(r, r, q);
}

/* sigma(a) = 1 / (1 + e^-a) for node k's entry i. */
static void sigmoid_of(exact *e, int k, size_t i, mpfi_ptr r)
{
    exp_of(e, k, i, 1, r);
    mpfi_add_ui(r, r, 1);
    mpfi_ui_div(r, 1, r);
}

static void unary(exact *e, const ns_fnode *nd, size_t i, mpfi_ptr r, mpfi_srcptr a)
{
    if (mpfi_nan_p(a)) {
        set_nan(r);
        return;
    }
    switch (nd->op) {
    case NS_F_NEG: mpfi_neg(r, a); return;
    case NS_F_EXP: exp_of(e, nd->a, i, 0, r); return;
    case NS_F_EXPM1: mpfi_expm1(r, a); return;
    case NS_F_ABS: mpfi_abs(r, a); return;
    case NS_F_TANH: mpfi_tanh(r, a); return;
    case NS_F_SIGMOID: sigmoid_of(e, nd->a, i, r); return;
    case NS_F_SOFTPLUS: exp_of(e, nd->a, i, 0, r); mpfi_log1p(r, r); return;
    case NS_F_LOG:
    case NS_F_LOG1P:
    case NS_F_SQRT: {
        /* log(0) = -inf is a value, as is log1p(-1) */
        double lo = nd->op == NS_F_LOG1P ? -1 : 0;
        if (below(a, lo)) {
            undefined(e, nd, "%s of a number below %g has no real value", ns_fop_name(nd->op), lo);
            set_nan(r);
        } else if (mpfr_cmp_d(&a->left, lo) < 0) {
            set_entire(r);                /* straddles: undecided at this precision */
        } else if (nd->op == NS_F_LOG) {
            mpfi_log(r, a);
        } else if (nd->op == NS_F_LOG1P) {
            mpfi_log1p(r, a);
        } else {
            mpfi_sqrt(r, a);
        }
        return;
    }
    case NS_F_RELU:
        if (above(a, 0))
            mpfi_set(r, a);
        else if (at_most(a, 0))
            mpfi_set_ui(r, 0);
        else
            mpfr_set_ui(&r->left, 0, MPFR_RNDD), mpfr_set(&r->right, &a->right, MPFR_RNDU);
        return;
    default:
        set_nan(r);
        return;
    }
}

/* Which operand max (min) takes: 1 a, 0 b, -1 undecided.  Ties take b, as
 * eval.c does. */
static int takes_a(ns_fop op, mpfi_srcptr a, mpfi_srcptr b)
{
    if (op == NS_F_MAX)
        return mpfr_greater_p(&a->left, &b->right) ? 1 : mpfr_lessequal_p(&a->right, &b->left) ? 0 : -1;
    return mpfr_less_p(&a->right, &b->left) ? 1 : mpfr_greaterequal_p(&a->left, &b->right) ? 0 : -1;
}

/* The enclosure of max(a, b) (max) or min(a, b): each end the max (min)
 * of the operands' ends, rounded outward; r may be a or b. */
static void max_or_min(mpfi_ptr r, mpfi_srcptr a, mpfi_srcptr b, int max)
{
    if (max) {
        mpfr_max(&r->left, &a->left, &b->left, MPFR_RNDD);
        mpfr_max(&r->right, &a->right, &b->right, MPFR_RNDU);
    } else {
        mpfr_min(&r->left, &a->left, &b->left, MPFR_RNDD);
        mpfr_min(&r->right, &a->right, &b->right, MPFR_RNDU);
    }
}

static void binary(exact *e, const ns_fnode *nd, mpfi_ptr r, mpfi_srcptr a, mpfi_srcptr b)
{
    if (mpfi_nan_p(a) || mpfi_nan_p(b)) {
        set_nan(r);
        return;
    }
    switch (nd->op) {
    case NS_F_ADD: mpfi_add(r, a, b); break;
    case NS_F_SUB: mpfi_sub(r, a, b); break;
    case NS_F_MUL:
        if (nd->a == nd->b)
            mpfi_sqr(r, a);
        else
            mpfi_mul(r, a, b);
        break;
    case NS_F_DIV:
        if (is_zero(b)) {
            if (e->f->node[nd->b].row) {
                e->zero_row = 1;           /* SPEC section 3: zeros */
                mpfi_set_ui(r, 0);
                return;
            }
            undefined(e, nd, "division by zero");
            set_nan(r);
            return;
        }
        if (mpfi_has_zero(b)) {
            set_entire(r);
            return;
        }
        mpfi_div(r, a, b);
        break;
    case NS_F_POW: power(e, nd, r, a, b, 0); return;
    case NS_F_MAX:
    case NS_F_MIN: {
        int t = takes_a(nd->op, a, b);
        if (t >= 0) {
            mpfi_set(r, t ? a : b);
        } else {
            max_or_min(r, a, b, nd->op == NS_F_MAX);
        }
        return;
    }
    default: set_nan(r); return;
    }
    if (mpfi_nan_p(r))
        undefined(e, nd, "'%s' has no value here (an infinity against an infinity, or zero "
                         "times an infinity)", ns_fop_name(nd->op));
}

/* The index of the entry a reduction rowmax/rowmin takes: the first whose
 * interval is the extreme, or -1 when the intervals do not decide it. */
static long extreme_index(const exact *e, const ns_fnode *nd, mpfi_ptr a, int row)
{
    size_t n = e->n, best = 0;
    int max = nd->op == NS_F_ROWMAX;
    for (size_t i = 1; i < n; i++) {
        mpfi_ptr ai = at(a, row, i), bi = at(a, row, best);
        if (max ? mpfr_greater_p(&ai->left, &bi->left) : mpfr_less_p(&ai->right, &bi->right))
            best = i;
    }
    mpfi_ptr m = at(a, row, best);
    for (size_t i = 0; i < n; i++) {
        mpfi_ptr ai = at(a, row, i);
        if (i == best || (is_point(ai) && is_point(m) && mpfr_equal_p(&ai->left, &m->left)))
            continue;
        if (max ? mpfr_greaterequal_p(&ai->right, &m->left) : mpfr_lessequal_p(&ai->left, &m->right))
            return -1;
    }
    return (long)best;
}

static void reduction(exact *e, const ns_fnode *nd, mpfi_ptr r, mpfi_ptr a, int row)
{
    size_t n = e->n;
    mpfi_set(r, at(a, row, 0));
    for (size_t i = 1; i < n; i++) {
        mpfi_ptr ai = at(a, row, i);
        if (mpfi_nan_p(ai) || mpfi_nan_p(r)) {
            set_nan(r);
            return;
        }
        if (nd->op == NS_F_SUM || nd->op == NS_F_MEAN) {
            mpfi_add(r, r, ai);
        } else {
            max_or_min(r, r, ai, nd->op == NS_F_ROWMAX);
        }
    }
    if (nd->op == NS_F_MEAN)
        mpfi_div_ui(r, r, (unsigned long)n);
    if (mpfi_nan_p(r) && !mpfi_nan_p(at(a, row, 0)))
        undefined(e, nd, "sum has no value (+inf and -inf in one row)");
}

static void forward(exact *e, const double *x, const double *param)
{
    const ns_formula *f = e->f;
    for (int k = 0; k <= f->out; k++) {
        const ns_fnode *nd = &f->node[k];
        mpfi_ptr v = e->v[k];
        size_t m = width(e, k);
        switch (nd->op) {
        case NS_F_X:
            for (size_t i = 0; i < m; i++)
                mpfi_set_d(&v[i], x[i]);
            continue;
        case NS_F_N: mpfi_set_ui(v, (unsigned long)e->n); continue;
        case NS_F_NUM: mpfi_set_d(v, nd->num); continue;
        case NS_F_PARAM: mpfi_set_d(v, param[nd->param]); continue;
        case NS_F_SUM: case NS_F_MEAN: case NS_F_ROWMAX: case NS_F_ROWMIN:
            reduction(e, nd, v, e->v[nd->a], f->node[nd->a].row);
            continue;
        default:
            break;
        }
        int ra = f->node[nd->a].row;
        if (nd->op < NS_F_ADD) {
            for (size_t i = 0; i < m; i++)
                unary(e, nd, i, &v[i], at(e->v[nd->a], ra, i));
            continue;
        }
        int rb = f->node[nd->b].row;
        for (size_t i = 0; i < m; i++)
            binary(e, nd, &v[i], at(e->v[nd->a], ra, i), at(e->v[nd->b], rb, i));
    }
}

/* ---- reverse mode ---------------------------------------------------------- */

/* Adds c[0..m) to node k's adjoint, summed when k is a row node. */
static void give(exact *e, int k, mpfi_ptr c, size_t m)
{
    const ns_fnode *nd = &e->f->node[k];
    if (!nd->varies)
        return;
    mpfi_ptr a = e->adj[k];
    if (nd->row) {
        mpfi_set(e->t, &c[0]);
        for (size_t i = 1; i < m; i++)
            mpfi_add(e->t, e->t, &c[i]);
        if (e->has[k])
            mpfi_add(a, a, e->t);
        else
            mpfi_set(a, e->t);
    } else {
        for (size_t i = 0; i < e->n; i++) {
            mpfi_ptr ci = at(c, m == 1, i);
            if (e->has[k])
                mpfi_add(&a[i], &a[i], ci);
            else
                mpfi_set(&a[i], ci);
        }
    }
    e->has[k] = 1;
}

/* r = A times the derivative of the unary node at a (value v). */
static void unary_adjoint(exact *e, const ns_fnode *nd, size_t i, mpfi_ptr r, mpfi_srcptr A, mpfi_srcptr a,
                          mpfi_srcptr v)
{
    switch (nd->op) {
    case NS_F_NEG: mpfi_neg(r, A); return;
    case NS_F_EXP: mpfi_mul(r, A, v); return;
    case NS_F_EXPM1: mpfi_add_ui(r, v, 1); mpfi_mul(r, r, A); return;
    case NS_F_LOG: mpfi_div(r, A, a); return;
    case NS_F_LOG1P: mpfi_add_ui(r, a, 1); mpfi_div(r, A, r); return;
    case NS_F_SQRT: mpfi_mul_ui(r, v, 2); mpfi_div(r, A, r); return;
    case NS_F_TANH: mpfi_sqr(r, v); mpfi_ui_sub(r, 1, r); mpfi_mul(r, r, A); return;
    case NS_F_SIGMOID: mpfi_ui_sub(r, 1, v); mpfi_mul(r, r, v); mpfi_mul(r, r, A); return;
    case NS_F_SOFTPLUS: sigmoid_of(e, nd->a, i, r); mpfi_mul(r, r, A); return;
    case NS_F_RELU:
    case NS_F_ABS:
        if (mpfi_nan_p(a))
            set_nan(r);
        else if (above(a, 0))
            mpfi_set(r, A);
        else if (nd->op == NS_F_ABS && below(a, 0))
            mpfi_neg(r, A);
        else if (at_most(a, 0) && (nd->op == NS_F_RELU || is_zero(a)))
            mpfi_set_ui(r, 0);
        else {
            mpfi_interv_si(e->u, nd->op == NS_F_ABS ? -1 : 0, 1);
            mpfi_mul(r, A, e->u);          /* undecided: both branches */
        }
        return;
    default: set_nan(r); return;
    }
}

static void binary_adjoint(exact *e, int k)
{
    const ns_formula *f = e->f;
    const ns_fnode *nd = &f->node[k];
    size_t m = width(e, k);
    int ra = f->node[nd->a].row, rb = f->node[nd->b].row, rk = nd->row;
    mpfi_ptr A = e->adj[k], v = e->v[k], a = e->v[nd->a], b = e->v[nd->b], c = e->c;
    for (int side = 0; side < 2; side++) {
        int to = side ? nd->b : nd->a;
        if (!f->node[to].varies)
            continue;
        for (size_t i = 0; i < m; i++) {
            mpfi_ptr ci = &c[i], Ai = at(A, rk, i), ai = at(a, ra, i), bi = at(b, rb, i), vi = at(v, rk, i);
            switch (nd->op) {
            case NS_F_ADD: mpfi_set(ci, Ai); break;
            case NS_F_SUB: if (side) mpfi_neg(ci, Ai); else mpfi_set(ci, Ai); break;
            case NS_F_MUL: mpfi_mul(ci, Ai, side ? ai : bi); break;
            case NS_F_DIV:
                if (side) {                              /* -A v / b */
                    mpfi_mul(ci, Ai, vi);
                    mpfi_div(ci, ci, bi);
                    mpfi_neg(ci, ci);
                } else {
                    mpfi_div(ci, Ai, bi);
                }
                break;
            case NS_F_POW:
                if (side) {                              /* A v log a */
                    mpfi_log(ci, ai);
                    mpfi_mul(ci, ci, vi);
                    mpfi_mul(ci, ci, Ai);
                } else {                                 /* A b a^(b-1) */
                    mpfi_sub_ui(e->t, bi, 1);
                    power(e, nd, ci, ai, e->t, 1);
                    mpfi_mul(ci, ci, bi);
                    mpfi_mul(ci, ci, Ai);
                }
                break;
            default: {                                   /* max, min */
                int t = takes_a(nd->op, ai, bi);
                if (mpfi_nan_p(ai) || mpfi_nan_p(bi)) {
                    set_nan(ci);
                } else if (t < 0) {
                    mpfi_interv_si(e->u, 0, 1);
                    mpfi_mul(ci, Ai, e->u);
                } else if (t == !side) {
                    mpfi_set(ci, Ai);
                } else {
                    mpfi_set_ui(ci, 0);
                }
                break;
            }
            }
        }
        give(e, to, c, m);
    }
}

static void reduction_adjoint(exact *e, int k)
{
    const ns_fnode *nd = &e->f->node[k];
    int row = e->f->node[nd->a].row;
    mpfi_ptr A = e->adj[k], c = e->c;
    size_t n = e->n;
    long best = nd->op == NS_F_ROWMAX || nd->op == NS_F_ROWMIN ? extreme_index(e, nd, e->v[nd->a], row) : 0;
    for (size_t i = 0; i < n; i++) {
        switch (nd->op) {
        case NS_F_SUM: mpfi_set(&c[i], A); break;
        case NS_F_MEAN: mpfi_div_ui(&c[i], A, (unsigned long)n); break;
        default:
            if (best < 0) {
                mpfi_interv_si(e->u, 0, 1);
                mpfi_mul(&c[i], A, e->u);
            } else if ((long)i == best) {
                mpfi_set(&c[i], A);
            } else {
                mpfi_set_ui(&c[i], 0);
            }
            break;
        }
    }
    give(e, nd->a, c, n);
}

static void backward(exact *e, const double *g)
{
    const ns_formula *f = e->f;
    size_t n = e->n;
    for (size_t i = 0; i < n; i++)
        mpfi_set_d(&e->c[i], g[i]);
    give(e, f->out, e->c, n);
    for (int k = f->out; k >= 0; k--) {
        const ns_fnode *nd = &f->node[k];
        if (!e->has[k] || nd->op <= NS_F_PARAM)
            continue;
        if (nd->op >= NS_F_SUM) {
            reduction_adjoint(e, k);
        } else if (nd->op < NS_F_ADD) {
            size_t m = width(e, k);
            int ra = f->node[nd->a].row;
            for (size_t i = 0; i < m; i++)
                unary_adjoint(e, nd, i, &e->c[i], &e->adj[k][i], at(e->v[nd->a], ra, i), &e->v[k][i]);
            give(e, nd->a, e->c, m);
        } else {
            binary_adjoint(e, k);
        }
    }
}

/* ---- driver ------------------------------------------------------------------- */

static void exact_free(exact *e)
{
    size_t count = (size_t)e->f->out + 1;
    for (size_t k = 0; k < count; k++) {
        if (e->v)
            ns_ref_intervals_free(e->v[k], e->v[k] ? width(e, (int)k) : 0);
        if (e->adj)
            ns_ref_intervals_free(e->adj[k], e->adj[k] ? width(e, (int)k) : 0);
    }
    free(e->v);
    free(e->adj);
    free(e->has);
    ns_ref_intervals_free(e->c, e->c ? e->n : 0);
    mpfi_clear(e->t);
    mpfi_clear(e->u);
}

static int exact_init(exact *e, const ns_formula *f, size_t n, mpfr_prec_t prec, int adjoints)
{
    size_t count = (size_t)f->out + 1;
    *e = (exact){ .f = f, .n = n };
    mpfi_init2(e->t, prec);
    mpfi_init2(e->u, prec);
    e->v = calloc(count, sizeof *e->v);
    e->adj = adjoints ? calloc(count, sizeof *e->adj) : NULL;
    e->has = calloc(count, 1);
    e->c = ns_ref_intervals(n ? n : 1, prec);
    if (!e->v || (adjoints && !e->adj) || !e->has || !e->c)
        return -1;
    for (size_t k = 0; k < count; k++) {
        e->v[k] = ns_ref_intervals(width(e, (int)k), prec);
        if (!e->v[k])
            return -1;
        if (adjoints && f->node[k].varies && !(e->adj[k] = ns_ref_intervals(width(e, (int)k), prec)))
            return -1;
    }
    return 0;
}

/* The memory of the intervals of one evaluation, in bytes (two endpoints
 * of prec bits and their headers per interval, values and adjoints). */
static double exact_bytes(const ns_formula *f, size_t n, mpfr_prec_t prec, int adjoints)
{
    double intervals = (double)n;
    for (int k = 0; k <= f->out; k++)
        intervals += (f->node[k].row ? 1.0 : (double)n) * (adjoints && f->node[k].varies ? 2 : 1);
    return intervals * 2 * ((double)prec / 8 + 32);
}

void ns_formula_enclose(const ns_formula *f, const double *x, const double *g, const double *param,
                        size_t n, mpfr_prec_t prec, mpfi_ptr y, mpfi_ptr dx)
{
    exact e;
    /* A row that has not settled by the time its intervals would take more
     * than NS_FORMULA_EXACT_BYTES (a long row of many nodes near the
     * driver's cap of 65536 bits: gigabytes) is left unsettled. */
    if (exact_bytes(f, n, prec, g != NULL) > NS_FORMULA_EXACT_BYTES) {
        for (size_t i = 0; i < n; i++) {
            set_entire(&y[i]);
            if (g)
                set_entire(&dx[i]);
        }
        return;
    }
    if (exact_init(&e, f, n, prec, g != NULL) != 0) {
        exact_free(&e);
        ns_ref_set_nan_row(y, g ? dx : NULL, n);
        return;
    }
    forward(&e, x, param);
    if (e.zero_row) {
        ns_ref_set_zero_row(y, g ? dx : NULL, n);
        exact_free(&e);
        return;
    }
    int row = f->node[f->out].row;
    for (size_t i = 0; i < n; i++) {
        mpfi_set(&y[i], at(e.v[f->out], row, i));
        /* An entry without a value leaves the row without one, as a
         * built-in reference outside its family's domain. */
        if (mpfi_nan_p(&y[i])) {
            ns_ref_set_nan_row(y, g ? dx : NULL, n);
            exact_free(&e);
            return;
        }
    }
    if (g) {
        int xk = -1;
        for (int k = 0; k <= f->out; k++)
            if (f->node[k].op == NS_F_X)
                xk = k;
        if (f->node[f->out].varies)
            backward(&e, g);
        for (size_t i = 0; i < n; i++) {
            if (xk >= 0 && e.has[xk])
                mpfi_set(&dx[i], &e.adj[xk][i]);
            else
                mpfi_set_ui(&dx[i], 0);
        }
    }
    exact_free(&e);
}

int ns_formula_undefined(const ns_formula *f, const double *x, const double *param, size_t n,
                         char *why, size_t len)
{
    exact e;
    mpfr_exp_t old_emin = mpfr_get_emin(), old_emax = mpfr_get_emax();
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    int r = 0;
    if (exact_init(&e, f, n, 128, 0) == 0) {
        e.why = why;
        e.whylen = len;
        forward(&e, x, param);
        r = e.undefined > 0 && !e.zero_row;
    }
    exact_free(&e);
    mpfr_set_emin(old_emin);
    mpfr_set_emax(old_emax);
    return r;
}
