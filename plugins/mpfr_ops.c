/* nsp_ops backed by MPFR, recording the tape (mpfr_ops.h). */
#include "mpfr_ops.h"

#include <math.h>
#include <stdlib.h>

static ns_mp_host *host_of(const nsp_ops *op) { return op->host; }

static const nsp_num nan_num = { NAN, 0 };

mpfr_ptr ns_mp_at(const ns_mp_host *h, unsigned long long handle)
{
    return &h->blocks[(handle - 1) / NS_MP_ARENA_BLOCK][(handle - 1) % NS_MP_ARENA_BLOCK];
}

/* Room for one more value and its tape entry; 0, or -1 when out of memory. */
static int grow(ns_mp_host *h)
{
    if (h->used == h->tape_cap) {
        size_t cap = h->tape_cap ? 2 * h->tape_cap : NS_MP_ARENA_BLOCK;
        ns_tape_entry *t = realloc(h->tape, cap * sizeof *t);
        if (!t)
            return -1;
        h->tape = t;
        h->tape_cap = cap;
    }
    if (h->used == h->nblocks * NS_MP_ARENA_BLOCK) {
        __mpfr_struct **grown = realloc(h->blocks, (h->nblocks + 1) * sizeof *grown);
        if (!grown)
            return -1;
        h->blocks = grown;
        grown[h->nblocks] = malloc(NS_MP_ARENA_BLOCK * sizeof(__mpfr_struct));
        if (!grown[h->nblocks])
            return -1;
        for (size_t i = 0; i < NS_MP_ARENA_BLOCK; i++)
            mpfr_init2(&grown[h->nblocks][i], h->prec);
        h->nblocks++;
    }
    return 0;
}

/* A new value at the working precision, made by `entry`; NULL when out of
 * memory. */
static mpfr_ptr fresh(ns_mp_host *h, ns_tape_entry entry, unsigned long long *handle)
{
    if (grow(h) != 0) {
        h->out_of_memory = 1;
        return NULL;
    }
    h->tape[h->used] = entry;
    *handle = ++h->used;
    return ns_mp_at(h, *handle);
}

static const ns_tape_entry leaf = { .op = NS_TAPE_LEAF };

mpfr_ptr ns_mp_value(ns_mp_host *h, nsp_num a, unsigned long long *handle)
{
    if (a.host != 0 && a.host <= h->used) {
        *handle = a.host;
        return ns_mp_at(h, a.host);
    }
    mpfr_ptr r = fresh(h, leaf, handle);
    if (r) {
        if (a.host != 0)
            mpfr_set_nan(r);
        else
            mpfr_set_d(r, a.v, MPFR_RNDN);     /* exact: prec >= 53 */
    }
    return r;
}

nsp_num ns_mp_input(ns_mp_host *h, double x, size_t index)
{
    unsigned long long k;
    mpfr_ptr r = fresh(h, (ns_tape_entry){ .op = NS_TAPE_INPUT, .first = index }, &k);
    if (!r)
        return nan_num;
    mpfr_set_d(r, x, MPFR_RNDN);
    return (nsp_num){ x, k };
}

static nsp_num number(mpfr_srcptr r, unsigned long long handle)
{
    return (nsp_num){ mpfr_get_d(r, MPFR_RNDN), handle };
}

typedef int (*mp_binary)(mpfr_ptr, mpfr_srcptr, mpfr_srcptr, mpfr_rnd_t);
typedef int (*mp_unary)(mpfr_ptr, mpfr_srcptr, mpfr_rnd_t);

static nsp_num binary(const nsp_ops *op, ns_tape_op what, mp_binary f, nsp_num a, nsp_num b)
{
    ns_mp_host *h = host_of(op);
    unsigned long long ka, kb, k;
    mpfr_ptr x = ns_mp_value(h, a, &ka), y = x ? ns_mp_value(h, b, &kb) : NULL;
    mpfr_ptr r = y ? fresh(h, (ns_tape_entry){ .op = what, .a = ka, .b = kb }, &k) : NULL;
    if (!r)
        return nan_num;
    /* x and y stay valid across fresh(): blocks of values are never
     * reallocated, only the list of them. */
    f(r, x, y, MPFR_RNDN);
    return number(r, k);
}

static nsp_num unary(const nsp_ops *op, ns_tape_op what, mp_unary f, nsp_num a)
{
    ns_mp_host *h = host_of(op);
    unsigned long long ka, k;
    mpfr_ptr x = ns_mp_value(h, a, &ka);
    mpfr_ptr r = x ? fresh(h, (ns_tape_entry){ .op = what, .a = ka }, &k) : NULL;
    if (!r)
        return nan_num;
    f(r, x, MPFR_RNDN);
    return number(r, k);
}

static nsp_num mp_add(const nsp_ops *op, nsp_num a, nsp_num b) { return binary(op, NS_TAPE_ADD, mpfr_add, a, b); }
static nsp_num mp_sub(const nsp_ops *op, nsp_num a, nsp_num b) { return binary(op, NS_TAPE_SUB, mpfr_sub, a, b); }
static nsp_num mp_mul(const nsp_ops *op, nsp_num a, nsp_num b) { return binary(op, NS_TAPE_MUL, mpfr_mul, a, b); }
static nsp_num mp_div(const nsp_ops *op, nsp_num a, nsp_num b) { return binary(op, NS_TAPE_DIV, mpfr_div, a, b); }
static nsp_num mp_pow(const nsp_ops *op, nsp_num a, nsp_num b) { return binary(op, NS_TAPE_POW, mpfr_pow, a, b); }
static nsp_num mp_sqrt(const nsp_ops *op, nsp_num a) { return unary(op, NS_TAPE_SQRT, mpfr_sqrt, a); }
static nsp_num mp_exp(const nsp_ops *op, nsp_num a) { return unary(op, NS_TAPE_EXP, mpfr_exp, a); }
static nsp_num mp_expm1(const nsp_ops *op, nsp_num a) { return unary(op, NS_TAPE_EXPM1, mpfr_expm1, a); }
static nsp_num mp_log(const nsp_ops *op, nsp_num a) { return unary(op, NS_TAPE_LOG, mpfr_log, a); }
static nsp_num mp_log1p(const nsp_ops *op, nsp_num a) { return unary(op, NS_TAPE_LOG1P, mpfr_log1p, a); }
static nsp_num mp_tanh(const nsp_ops *op, nsp_num a) { return unary(op, NS_TAPE_TANH, mpfr_tanh, a); }

static nsp_num mp_fma(const nsp_ops *op, nsp_num a, nsp_num b, nsp_num c)
{
    ns_mp_host *h = host_of(op);
    unsigned long long ka, kb, kc, k;
    mpfr_ptr x = ns_mp_value(h, a, &ka), y = x ? ns_mp_value(h, b, &kb) : NULL;
    mpfr_ptr z = y ? ns_mp_value(h, c, &kc) : NULL;
    mpfr_ptr r = z ? fresh(h, (ns_tape_entry){ .op = NS_TAPE_FMA, .a = ka, .b = kb, .c = kc }, &k) : NULL;
    if (!r)
        return nan_num;
    mpfr_fma(r, x, y, z, MPFR_RNDN);
    return number(r, k);
}

/* Constants are exact in the reference: the parameter as given. */
static nsp_num mp_exact(const nsp_ops *op, double c)
{
    (void)op;
    return (nsp_num){ c, 0 };
}

/* The largest entry itself (its handle too: the derivative goes to it). */
static nsp_num mp_max(const nsp_ops *op, const nsp_num *v, size_t n)
{
    ns_mp_host *h = host_of(op);
    nsp_num best = { -INFINITY, 0 };
    mpfr_ptr b = NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned long long k;
        mpfr_ptr x = ns_mp_value(h, v[i], &k);
        if (!x)
            return nan_num;
        if (mpfr_nan_p(x))
            return v[i];
        if (!b || mpfr_greater_p(x, b)) {
            b = x;
            best = (nsp_num){ v[i].v, k };
        }
    }
    return best;
}

/* links[first .. first + n) made room for; 0, or -1 when out of memory. */
static int links_reserve(ns_mp_host *h, size_t n)
{
    if (h->nlinks + n <= h->links_cap)
        return 0;
    size_t cap = h->links_cap ? h->links_cap : 256;
    while (cap < h->nlinks + n)
        cap *= 2;
    unsigned long long *l = realloc(h->links, cap * sizeof *l);
    if (!l) {
        h->out_of_memory = 1;
        return -1;
    }
    h->links = l;
    h->links_cap = cap;
    return 0;
}

/* The exact sum of v, rounded once to the working precision. */
static nsp_num mp_sum(const nsp_ops *op, const nsp_num *v, size_t n)
{
    ns_mp_host *h = host_of(op);
    mpfr_ptr *t = malloc((n ? n : 1) * sizeof *t);
    if (!t || links_reserve(h, n) != 0) {
        free(t);
        h->out_of_memory = 1;
        return nan_num;
    }
    size_t first = h->nlinks, i = 0;
    for (; i < n; i++)
        if (!(t[i] = ns_mp_value(h, v[i], &h->links[first + i])))
            break;
    nsp_num r = nan_num;
    unsigned long long k;
    mpfr_ptr s = i == n ? fresh(h, (ns_tape_entry){ .op = NS_TAPE_SUM, .first = first, .count = n }, &k)
                        : NULL;
    if (s) {
        h->nlinks = first + n;
        mpfr_sum(s, t, n, MPFR_RNDN);
        r = number(s, k);
    }
    free(t);
    return r;
}

static nsp_num mp_dot(const nsp_ops *op, const nsp_num *a, const nsp_num *b, size_t n)
{
    nsp_num *p = op->scratch(op, n ? n : 1);
    if (!p)
        return nan_num;
    for (size_t i = 0; i < n; i++)
        p[i] = mp_mul(op, a[i], b[i]);
    return mp_sum(op, p, n);
}

static nsp_num mp_denominator(const nsp_ops *op, nsp_num d)
{
    ns_mp_host *h = host_of(op);
    unsigned long long k;
    mpfr_ptr x = ns_mp_value(h, d, &k);
    if (x && mpfr_zero_p(x))
        h->zero_denominator = 1;
    return d;
}

static int mp_less(const nsp_ops *op, nsp_num a, nsp_num b)
{
    ns_mp_host *h = host_of(op);
    unsigned long long ka, kb;
    mpfr_ptr x = ns_mp_value(h, a, &ka), y = x ? ns_mp_value(h, b, &kb) : NULL;
    return x && y && mpfr_less_p(x, y);
}

static int mp_sign(const nsp_ops *op, nsp_num a)
{
    unsigned long long k;
    mpfr_ptr x = ns_mp_value(host_of(op), a, &k);
    return !x || mpfr_nan_p(x) ? 0 : mpfr_sgn(x);
}

static double mp_param(const nsp_ops *op, size_t k)
{
    ns_mp_host *h = host_of(op);
    return k < h->nparams ? h->param[k] : NAN;
}

static nsp_num *mp_scratch(const nsp_ops *op, size_t count)
{
    ns_mp_host *h = host_of(op);
    nsp_num *p = ns_scratch_alloc(&h->scratch, count * sizeof(nsp_num));
    if (!p)
        h->out_of_memory = 1;
    return p;
}

nsp_ops ns_mp_ops(ns_mp_host *h)
{
    return (nsp_ops){
        .add = mp_add, .sub = mp_sub, .mul = mp_mul, .div = mp_div, .fma = mp_fma,
        .sqrt = mp_sqrt, .exp = mp_exp, .expm1 = mp_expm1, .log = mp_log, .log1p = mp_log1p,
        .tanh = mp_tanh, .pow = mp_pow,
        .constant = mp_exact, .exact = mp_exact,
        .acc_add = mp_add, .acc_mul = mp_mul,
        .max = mp_max, .sum = mp_sum, .dot = mp_dot,
        .denominator = mp_denominator,
        .less = mp_less, .sign = mp_sign,
        .param = mp_param, .scratch = mp_scratch,
        .host = h,
    };
}

void ns_mp_host_free(ns_mp_host *h)
{
    for (size_t b = 0; b < h->nblocks; b++) {
        for (size_t i = 0; i < NS_MP_ARENA_BLOCK; i++)
            mpfr_clear(&h->blocks[b][i]);
        free(h->blocks[b]);
    }
    free(h->blocks);
    free(h->tape);
    free(h->links);
    ns_scratch_free(&h->scratch);
}
