/* Reverse mode over the tape of MPFR-backed nsp_ops (adjoint.h). */
#include "adjoint.h"

#include <stdlib.h>

/* The adjoints, one per handle, initialised when first reached. */
typedef struct adjoints {
    const ns_mp_host *h;
    __mpfr_struct *v;
    unsigned char *set;
} adjoints;

/* adj[k] += t, for a handle k that is not a constant. */
static void accumulate(adjoints *a, unsigned long long k, mpfr_srcptr t)
{
    if (k == 0 || a->h->tape[k - 1].op == NS_TAPE_LEAF || mpfr_zero_p(t))
        return;
    if (!a->set[k - 1]) {
        mpfr_init2(&a->v[k - 1], a->h->prec);
        mpfr_set(&a->v[k - 1], t, MPFR_RNDN);
        a->set[k - 1] = 1;
    } else {
        mpfr_add(&a->v[k - 1], &a->v[k - 1], t, MPFR_RNDN);
    }
}

/* The partial derivatives of entry e (value r, adjoint adj) passed on to
 * its operands; t and u are temporaries. */
static void propagate(adjoints *a, const ns_tape_entry *e, mpfr_srcptr r, mpfr_srcptr adj,
                      mpfr_ptr t, mpfr_ptr u)
{
    const ns_mp_host *h = a->h;
    mpfr_srcptr va = e->a ? ns_mp_at(h, e->a) : NULL, vb = e->b ? ns_mp_at(h, e->b) : NULL;
    switch (e->op) {
    case NS_TAPE_LEAF:
    case NS_TAPE_INPUT:
        break;
    case NS_TAPE_ADD:
        accumulate(a, e->a, adj);
        accumulate(a, e->b, adj);
        break;
    case NS_TAPE_SUB:
        accumulate(a, e->a, adj);
        mpfr_neg(t, adj, MPFR_RNDN);
        accumulate(a, e->b, t);
        break;
    case NS_TAPE_FMA:                               /* a b + c */
    case NS_TAPE_MUL:
        if (e->op == NS_TAPE_FMA)
            accumulate(a, e->c, adj);
        mpfr_mul(t, adj, vb, MPFR_RNDN);
        accumulate(a, e->a, t);
        mpfr_mul(t, adj, va, MPFR_RNDN);
        accumulate(a, e->b, t);
        break;
    case NS_TAPE_DIV:                               /* r = a / b: 1/b, -r/b */
        mpfr_div(t, adj, vb, MPFR_RNDN);
        accumulate(a, e->a, t);
        mpfr_mul(t, t, r, MPFR_RNDN);
        mpfr_neg(t, t, MPFR_RNDN);
        accumulate(a, e->b, t);
        break;
    case NS_TAPE_POW:                               /* r = a^b: b a^(b-1), r log a */
        mpfr_sub_ui(u, vb, 1, MPFR_RNDN);
        mpfr_pow(t, va, u, MPFR_RNDN);
        mpfr_mul(t, t, vb, MPFR_RNDN);
        mpfr_mul(t, t, adj, MPFR_RNDN);
        accumulate(a, e->a, t);
        if (e->b && h->tape[e->b - 1].op != NS_TAPE_LEAF) {
            mpfr_log(t, va, MPFR_RNDN);
            mpfr_mul(t, t, r, MPFR_RNDN);
            mpfr_mul(t, t, adj, MPFR_RNDN);
            accumulate(a, e->b, t);
        }
        break;
    case NS_TAPE_SQRT:                              /* 1 / (2 r) */
        mpfr_mul_2ui(t, r, 1, MPFR_RNDN);
        mpfr_div(t, adj, t, MPFR_RNDN);
        accumulate(a, e->a, t);
        break;
    case NS_TAPE_EXP:                               /* r */
        mpfr_mul(t, adj, r, MPFR_RNDN);
        accumulate(a, e->a, t);
        break;
    case NS_TAPE_EXPM1:                             /* r + 1 */
        mpfr_add_ui(t, r, 1, MPFR_RNDN);
        mpfr_mul(t, t, adj, MPFR_RNDN);
        accumulate(a, e->a, t);
        break;
    case NS_TAPE_LOG:                               /* 1 / a */
        mpfr_div(t, adj, va, MPFR_RNDN);
        accumulate(a, e->a, t);
        break;
    case NS_TAPE_LOG1P:                             /* 1 / (1 + a) */
        mpfr_add_ui(t, va, 1, MPFR_RNDN);
        mpfr_div(t, adj, t, MPFR_RNDN);
        accumulate(a, e->a, t);
        break;
    case NS_TAPE_TANH:                              /* 1 - r^2 */
        mpfr_sqr(t, r, MPFR_RNDN);
        mpfr_ui_sub(t, 1, t, MPFR_RNDN);
        mpfr_mul(t, t, adj, MPFR_RNDN);
        accumulate(a, e->a, t);
        break;
    case NS_TAPE_SUM:
        for (size_t i = 0; i < e->count; i++)
            accumulate(a, h->links[e->first + i], adj);
        break;
    case NS_TAPE_MAX:                               /* never on the MPFR tape */
    case NS_TAPE_DOT:
        break;
    }
}

int ns_mp_adjoint(ns_mp_host *h, const nsp_num *y, const double *g, size_t n, mpfr_ptr dx)
{
    for (size_t i = 0; i < n; i++)
        mpfr_set_zero(dx + i, 1);
    size_t used = h->used;
    adjoints a = { h, malloc((used ? used : 1) * sizeof *a.v), calloc(used ? used : 1, 1) };
    if (!a.v || !a.set) {
        free(a.v);
        free(a.set);
        return -1;
    }
    mpfr_t seed, t, u;
    mpfr_inits2(h->prec, seed, t, u, (mpfr_ptr)0);
    for (size_t k = 0; k < n; k++)
        if (y[k].host != 0 && y[k].host <= used) {
            mpfr_set_d(seed, g[k], MPFR_RNDN);
            accumulate(&a, y[k].host, seed);
        }
    /* Every entry's operands were made before it: one sweep down. */
    for (size_t k = used; k > 0; k--) {
        if (!a.set[k - 1])
            continue;
        const ns_tape_entry *e = &h->tape[k - 1];
        if (e->op == NS_TAPE_INPUT && e->first < n)
            mpfr_set(dx + e->first, &a.v[k - 1], MPFR_RNDN);
        else if (!mpfr_zero_p(&a.v[k - 1]))
            propagate(&a, e, ns_mp_at(h, k), &a.v[k - 1], t, u);
    }
    for (size_t k = 0; k < used; k++)
        if (a.set[k])
            mpfr_clear(&a.v[k]);
    mpfr_clears(seed, t, u, (mpfr_ptr)0);
    free(a.v);
    free(a.set);
    return 0;
}
