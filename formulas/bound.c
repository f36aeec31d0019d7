/* A formula's first-order error bound (bound.h). */
#include "bound.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- terms: c0 + cn n + cs spread + cx max|x| + cnx n max|x| + cq n^2 ---- */

static ns_bound plus(ns_bound a, ns_bound b)
{
    return (ns_bound){ a.c0 + b.c0, a.cn + b.cn, a.cs + b.cs, a.cx + b.cx, a.cnx + b.cnx, a.cq + b.cq, 0 };
}

static ns_bound scaled(ns_bound a, double k)
{
    return (ns_bound){ k * a.c0, k * a.cn, k * a.cs, k * a.cx, k * a.cnx, k * a.cq, 0 };
}

static ns_bound constant(double c) { return (ns_bound){ .c0 = c }; }

/* Each term the larger of the two: a bound on both. */
static ns_bound larger(ns_bound a, ns_bound b)
{
    return (ns_bound){ fmax(a.c0, b.c0), fmax(a.cn, b.cn), fmax(a.cs, b.cs), fmax(a.cx, b.cx),
                       fmax(a.cnx, b.cnx), fmax(a.cq, b.cq), 0 };
}

static bool only_c0(ns_bound a) { return a.cn == 0 && a.cs == 0 && a.cx == 0 && a.cnx == 0 && a.cq == 0; }

/* a b as terms: 1 where a product has no term of its own (spread max|x|,
 * max|x|^2 ...), or when an operand has cnx or cq.  n n is covered by
 * cq n^2 (1 + max|x|), n max|x| by cnx. */
static bool product(ns_bound a, ns_bound b, ns_bound *r)
{
    if (only_c0(a) || only_c0(b)) {
        *r = only_c0(a) ? scaled(b, a.c0) : scaled(a, b.c0);
        return true;
    }
    if (a.cs || b.cs || a.cnx || b.cnx || a.cq || b.cq || (a.cx && b.cx))
        return false;
    /* (a0 + an n + ax M)(b0 + bn n + bx M), ax bx = 0 */
    *r = (ns_bound){ .c0 = a.c0 * b.c0, .cn = a.c0 * b.cn + a.cn * b.c0, .cx = a.c0 * b.cx + a.cx * b.c0,
                     .cnx = a.cn * b.cx + a.cx * b.cn, .cq = a.cn * b.cn };
    return true;
}

/* ---- what is known of one node ------------------------------------------------- */

typedef struct known {
    bool rel_ok, abs_ok, mag_ok;
    ns_bound rel;          /* relative error, in u */
    ns_bound abs;          /* absolute error, in u */
    ns_bound mag;          /* |exact value| */
    bool exact;            /* computed without error */
    int sign;              /* 1: >= 0, -1: <= 0, 0: either */
    const char *why;       /* without a relative bound: why (first met) */
    int column;            /* and where */
} known;

typedef struct analysis {
    const ns_formula *f;
    known *k;
    bool tot_exact;
} analysis;

/* No relative bound at node j: why, unless an operand without one said
 * why first. */
static void stop(analysis *an, int j, const char *why)
{
    const ns_fnode *nd = &an->f->node[j];
    known *k = &an->k[j];
    const known *ops[2] = { nd->a >= 0 ? &an->k[nd->a] : NULL, nd->b >= 0 ? &an->k[nd->b] : NULL };
    k->rel_ok = false;
    for (int i = 0; i < 2; i++)
        if (ops[i] && !ops[i]->rel_ok && ops[i]->why) {
            k->why = ops[i]->why, k->column = ops[i]->column;
            return;
        }
    k->why = why, k->column = nd->column;
}

/* Whether node j has what its bound needs (ok); when not, it stops
 * there with why. */
static bool needs(analysis *an, int j, bool ok, const char *why)
{
    if (!ok)
        stop(an, j, why);
    return ok;
}

/* a = m r where one of them is a constant. */
static void absolute_from(known *k)
{
    k->abs_ok = k->rel_ok && k->mag_ok && product(k->mag, k->rel, &k->abs);
    if (k->exact) {
        k->abs_ok = true;
        k->abs = constant(0);
    }
}

/* A number written in the formula: exact in every format when it has two
 * significant bits or fewer and a modest exponent (e5m2 holds it). */
static bool exact_number(double c)
{
    if (c == 0)
        return true;
    int e;
    double m = frexp(fabs(c), &e);         /* c = m 2^e, m in [1/2, 1) */
    return e >= -5 && e <= 8 && m * 4 == floor(m * 4);
}

static void leaf(analysis *an, int j, known *k)
{
    const ns_fnode *nd = &an->f->node[j];
    switch (nd->op) {
    case NS_F_X:
        *k = (known){ .rel_ok = true, .mag_ok = true, .mag = { .cx = 1 }, .exact = true };
        break;
    case NS_F_N:
        *k = (known){ .rel_ok = true, .rel = constant(1), .mag_ok = true, .mag = { .cn = 1 }, .sign = 1 };
        break;
    case NS_F_NUM:
        *k = (known){ .rel_ok = true, .exact = exact_number(nd->num), .mag_ok = true,
                      .mag = constant(fabs(nd->num)), .sign = nd->num >= 0 ? 1 : -1 };
        k->rel = constant(k->exact ? 0 : 1);
        break;
    default:      /* a parameter: any value --param gives, rounded */
        *k = (known){ .rel_ok = true, .rel = constant(1) };
        break;
    }
    absolute_from(k);
}

/* x - rowmax(x) and friends: |value| <= spread. */
static bool within_spread(const ns_formula *f, const ns_fnode *nd)
{
    const ns_fnode *a = &f->node[nd->a], *b = &f->node[nd->b];
    bool a_x = a->op == NS_F_X, b_x = b->op == NS_F_X;
    bool a_ext = (a->op == NS_F_ROWMAX || a->op == NS_F_ROWMIN) && f->node[a->a].op == NS_F_X;
    bool b_ext = (b->op == NS_F_ROWMAX || b->op == NS_F_ROWMIN) && f->node[b->a].op == NS_F_X;
    return nd->op == NS_F_SUB && ((a_x && b_ext) || (a_ext && b_x));
}

/* The sign of a - b (or a + b) where known. */
static int sign_of_sum(const ns_formula *f, const ns_fnode *nd, const known *a, const known *b)
{
    int sb = nd->op == NS_F_SUB ? -b->sign : b->sign;
    if (within_spread(f, nd))                /* x - rowmax(x) <= 0, x - rowmin(x) >= 0 */
        return (f->node[nd->a].op == NS_F_X) == (f->node[nd->b].op == NS_F_ROWMIN) ? 1 : -1;
    return a->sign == sb ? sb : 0;
}

static void add_or_sub(analysis *an, int j, const known *a, const known *b, known *k)
{
    const ns_fnode *nd = &an->f->node[j];
    k->sign = sign_of_sum(an->f, nd, a, b);
    bool one_sign = nd->op == NS_F_ADD ? (a->sign != 0 && a->sign == b->sign)
                                       : (a->sign != 0 && a->sign == -b->sign);
    if (a->exact && b->exact) {
        k->rel_ok = true, k->rel = constant(1);
    } else if (one_sign && a->rel_ok && b->rel_ok) {
        k->rel_ok = true, k->rel = plus(larger(a->rel, b->rel), constant(1));
    } else {
        stop(an, j, nd->op == NS_F_ADD ? "a + b of terms that may have opposite signs: they may cancel"
                                       : "a - b of terms that may have the same sign: they may cancel");
    }
    if (within_spread(an->f, nd)) {
        k->mag_ok = true, k->mag = (ns_bound){ .cs = 1 };
    } else if (a->mag_ok && b->mag_ok) {
        k->mag_ok = true, k->mag = plus(a->mag, b->mag);
    }
    /* |a +- b| u for the rounding, and the operands' errors as they are */
    if (a->abs_ok && b->abs_ok && k->mag_ok) {
        k->abs_ok = true;
        k->abs = plus(plus(a->abs, b->abs), k->mag);
    }
}

static void multiply_or_divide(analysis *an, int j, const known *a, const known *b, known *k)
{
    const ns_fnode *nd = &an->f->node[j];
    k->sign = nd->a == nd->b && nd->op == NS_F_MUL ? 1 : a->sign * b->sign;
    if (a->rel_ok && b->rel_ok)
        k->rel_ok = true, k->rel = plus(plus(a->rel, b->rel), constant(1));
    else
        stop(an, j, "a product or quotient of a value without a bound");
    if (nd->op == NS_F_MUL && a->mag_ok && b->mag_ok)
        k->mag_ok = product(a->mag, b->mag, &k->mag);
    absolute_from(k);
}

static void power(analysis *an, int j, const known *a, const known *b, known *k)
{
    const ns_fnode *nd = &an->f->node[j];
    const ns_fnode *e = &an->f->node[nd->b];
    if (!needs(an, j, e->op == NS_F_NUM && b->exact,
               "a ^ b with an exponent that is not a short number written in the formula: its "
               "error b log(a) depends on the value"))
        return;
    double c = e->num;
    k->sign = a->sign == 1 || (c == floor(c) && fmod(c, 2) == 0) ? 1 : 0;
    if (a->rel_ok)
        k->rel_ok = true, k->rel = plus(scaled(a->rel, fabs(c)), constant(1));
    else
        stop(an, j, "a power of a value without a bound");
    absolute_from(k);
}

/* The functions of one operand: exp and its kin need the operand's
 * absolute error (their condition number is the operand's size). */
static void function(analysis *an, int j, const known *a, known *k)
{
    const ns_fnode *nd = &an->f->node[j];
    const char *needs_abs = "exp (sigmoid, softplus, expm1) of an operand whose absolute error has no "
                            "bound: their condition number is the operand's size";
    switch (nd->op) {
    case NS_F_NEG:
    case NS_F_ABS:
    case NS_F_RELU:
        *k = *a;
        if (nd->op == NS_F_NEG)
            k->sign = -a->sign;
        else
            k->sign = 1;
        return;
    case NS_F_EXP:
    case NS_F_SIGMOID:
    case NS_F_SOFTPLUS:
        k->sign = 1;
        if (!needs(an, j, a->abs_ok, needs_abs))
            return;
        k->rel_ok = true;
        k->rel = plus(a->abs, constant(nd->op == NS_F_EXP ? 1 : nd->op == NS_F_SIGMOID ? 3 : 2));
        if (nd->op == NS_F_SIGMOID)
            k->mag_ok = true, k->mag = constant(1);
        break;
    case NS_F_EXPM1:
        k->sign = a->sign;
        if (!needs(an, j, a->abs_ok && a->rel_ok, needs_abs))
            return;
        k->rel_ok = true, k->rel = plus(plus(a->rel, a->abs), constant(1));
        break;
    case NS_F_TANH:
    case NS_F_SQRT:
    case NS_F_LOG1P:
        k->sign = nd->op == NS_F_TANH ? a->sign : 1;
        if (!needs(an, j, nd->op != NS_F_LOG1P || a->sign == 1,
                   "log1p of a value that may be near -1: its condition number is unbounded"))
            return;
        if (!needs(an, j, a->rel_ok, "a function of a value without a bound"))
            return;
        k->rel_ok = true;
        k->rel = plus(scaled(a->rel, nd->op == NS_F_SQRT ? 0.5 : 1), constant(1));
        if (nd->op == NS_F_TANH)
            k->mag_ok = true, k->mag = constant(1);
        break;
    case NS_F_LOG: {
        /* no relative bound (log 1 = 0), but an absolute one: the operand's
         * relative error and |log a| u for the rounding; log n <= n. */
        const ns_fnode *o = &an->f->node[nd->a];
        stop(an, j, "log(a): its condition number 1 / |log a| is unbounded near a = 1");
        if (a->rel_ok && (o->op == NS_F_N || (o->op == NS_F_NUM && o->num > 0))) {
            k->mag_ok = true;
            k->mag = o->op == NS_F_N ? (ns_bound){ .cn = 1 } : constant(fabs(log(o->num)));
            k->abs_ok = true, k->abs = plus(a->rel, k->mag);
        }
        return;
    }
    default:
        return;
    }
    absolute_from(k);
}

static void reduction(analysis *an, int j, const known *a, known *k)
{
    const ns_fnode *nd = &an->f->node[j];
    k->sign = a->sign;
    if (nd->op == NS_F_ROWMAX || nd->op == NS_F_ROWMIN) {
        *k = *a;
        k->exact = a->exact && an->tot_exact;
        if (!k->exact && k->rel_ok)
            k->rel = plus(k->rel, constant(1));
        absolute_from(k);
        return;
    }
    if (!needs(an, j, a->sign != 0, "a sum of terms that may have opposite signs: they may cancel"))
        return;
    if (!needs(an, j, a->rel_ok, "a sum of terms without a bound"))
        return;
    k->rel_ok = true;
    k->rel = plus(a->rel, (ns_bound){ .c0 = nd->op == NS_F_MEAN ? 2 : 0, .cn = 1 });
    if (a->mag_ok)
        k->mag_ok = product(a->mag, nd->op == NS_F_MEAN ? constant(1) : (ns_bound){ .cn = 1 }, &k->mag);
    absolute_from(k);
}

ns_formula_bound ns_formula_bound_of(const ns_formula *f, bool tot_exact)
{
    ns_formula_bound r = { 0 };
    analysis an = { f, calloc(f->count ? f->count : 1, sizeof(known)), tot_exact };
    if (!an.k) {
        snprintf(r.why, sizeof r.why, "out of memory");
        return r;
    }
    for (int j = 0; j <= f->out; j++) {
        const ns_fnode *nd = &f->node[j];
        known *k = &an.k[j];
        const known *a = nd->a >= 0 ? &an.k[nd->a] : NULL, *b = nd->b >= 0 ? &an.k[nd->b] : NULL;
        if (nd->op <= NS_F_PARAM)
            leaf(&an, j, k);
        else if (nd->op >= NS_F_SUM)
            reduction(&an, j, a, k);
        else if (nd->op == NS_F_ADD || nd->op == NS_F_SUB)
            add_or_sub(&an, j, a, b, k);
        else if (nd->op == NS_F_MUL || nd->op == NS_F_DIV)
            multiply_or_divide(&an, j, a, b, k);
        else if (nd->op == NS_F_POW)
            power(&an, j, a, b, k);
        else if (nd->op == NS_F_MIN || nd->op == NS_F_MAX) {
            k->exact = a->exact && b->exact;
            k->rel_ok = a->rel_ok && b->rel_ok, k->rel = larger(a->rel, b->rel);
            k->mag_ok = a->mag_ok && b->mag_ok, k->mag = larger(a->mag, b->mag);
            k->sign = nd->op == NS_F_MAX ? (a->sign == 1 || b->sign == 1 ? 1 : a->sign == b->sign ? a->sign : 0)
                                         : (a->sign == -1 || b->sign == -1 ? -1 : a->sign == b->sign ? a->sign : 0);
            absolute_from(k);
        } else
            function(&an, j, a, k);
    }
    const known *y = &an.k[f->out];
    if (y->rel_ok) {
        r.derived = true;
        r.error = scaled(y->rel, 2);
        r.one_sign = y->sign != 0;
    } else {
        snprintf(r.why, sizeof r.why, "column %d: %s", y->column, y->why ? y->why : "no bound");
    }
    free(an.k);
    return r;
}
