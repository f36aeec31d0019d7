/* References of plugin families: the plugin's MPFR reference or the
 * fallback (its algorithm through nsp_ops in MPFR), made into intervals for
 * the driver by evaluating at two precisions (reference.h says why that is not
 * a certificate). */
#include "reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scratch.h"

/* ---- nsp_ops backed by MPFR ------------------------------------------- */

/* Every number an operation makes is a fresh MPFR value in an arena, named
 * by its index + 1 in nsp_num.host (0: the double v itself, exactly). */
#define ARENA_BLOCK 256

typedef struct mp_host {
    mpfr_prec_t prec;
    const double *param;
    size_t nparams;
    __mpfr_struct **blocks;       /* blocks of ARENA_BLOCK values */
    size_t nblocks, used;
    ns_scratch_block *scratch;
    int zero_denominator;         /* a denominator was exactly 0 */
    int out_of_memory;
} mp_host;

static mp_host *host_of(const nsp_ops *op) { return op->host; }

static const nsp_num nan_num = { NAN, 0 };

/* A new value at the working precision; NULL when out of memory. */
static mpfr_ptr fresh(mp_host *h, unsigned long long *handle)
{
    if (h->used == h->nblocks * ARENA_BLOCK) {
        __mpfr_struct **grown = realloc(h->blocks, (h->nblocks + 1) * sizeof *grown);
        if (!grown) {
            h->out_of_memory = 1;
            return NULL;
        }
        h->blocks = grown;
        grown[h->nblocks] = malloc(ARENA_BLOCK * sizeof(__mpfr_struct));
        if (!grown[h->nblocks]) {
            h->out_of_memory = 1;
            return NULL;
        }
        for (size_t i = 0; i < ARENA_BLOCK; i++)
            mpfr_init2(&grown[h->nblocks][i], h->prec);
        h->nblocks++;
    }
    *handle = ++h->used;
    return &h->blocks[(*handle - 1) / ARENA_BLOCK][(*handle - 1) % ARENA_BLOCK];
}

/* The MPFR value of a; NULL when out of memory.  A handle the arena never
 * gave (a plugin that wrote into .host) reads as NaN. */
static mpfr_ptr value(mp_host *h, nsp_num a)
{
    unsigned long long k;
    if (a.host != 0 && a.host <= h->used)
        return &h->blocks[(a.host - 1) / ARENA_BLOCK][(a.host - 1) % ARENA_BLOCK];
    mpfr_ptr r = fresh(h, &k);
    if (r) {
        if (a.host != 0)
            mpfr_set_nan(r);
        else
            mpfr_set_d(r, a.v, MPFR_RNDN);     /* exact: prec >= 53 */
    }
    return r;
}

static nsp_num number(mpfr_srcptr r, unsigned long long handle)
{
    return (nsp_num){ mpfr_get_d(r, MPFR_RNDN), handle };
}

typedef int (*mp_binary)(mpfr_ptr, mpfr_srcptr, mpfr_srcptr, mpfr_rnd_t);
typedef int (*mp_unary)(mpfr_ptr, mpfr_srcptr, mpfr_rnd_t);

static nsp_num binary(const nsp_ops *op, mp_binary f, nsp_num a, nsp_num b)
{
    mp_host *h = host_of(op);
    mpfr_ptr x = value(h, a), y = value(h, b);
    unsigned long long k;
    mpfr_ptr r = x && y ? fresh(h, &k) : NULL;
    if (!r)
        return nan_num;
    f(r, x, y, MPFR_RNDN);
    return number(r, k);
}

static nsp_num unary(const nsp_ops *op, mp_unary f, nsp_num a)
{
    mp_host *h = host_of(op);
    mpfr_ptr x = value(h, a);
    unsigned long long k;
    mpfr_ptr r = x ? fresh(h, &k) : NULL;
    if (!r)
        return nan_num;
    f(r, x, MPFR_RNDN);
    return number(r, k);
}

static nsp_num mp_add(const nsp_ops *op, nsp_num a, nsp_num b) { return binary(op, mpfr_add, a, b); }
static nsp_num mp_sub(const nsp_ops *op, nsp_num a, nsp_num b) { return binary(op, mpfr_sub, a, b); }
static nsp_num mp_mul(const nsp_ops *op, nsp_num a, nsp_num b) { return binary(op, mpfr_mul, a, b); }
static nsp_num mp_div(const nsp_ops *op, nsp_num a, nsp_num b) { return binary(op, mpfr_div, a, b); }
static nsp_num mp_pow(const nsp_ops *op, nsp_num a, nsp_num b) { return binary(op, mpfr_pow, a, b); }
static nsp_num mp_sqrt(const nsp_ops *op, nsp_num a) { return unary(op, mpfr_sqrt, a); }
static nsp_num mp_exp(const nsp_ops *op, nsp_num a) { return unary(op, mpfr_exp, a); }
static nsp_num mp_expm1(const nsp_ops *op, nsp_num a) { return unary(op, mpfr_expm1, a); }
static nsp_num mp_log(const nsp_ops *op, nsp_num a) { return unary(op, mpfr_log, a); }
static nsp_num mp_log1p(const nsp_ops *op, nsp_num a) { return unary(op, mpfr_log1p, a); }
static nsp_num mp_tanh(const nsp_ops *op, nsp_num a) { return unary(op, mpfr_tanh, a); }

static nsp_num mp_fma(const nsp_ops *op, nsp_num a, nsp_num b, nsp_num c)
{
    mp_host *h = host_of(op);
    mpfr_ptr x = value(h, a), y = value(h, b), z = value(h, c);
    unsigned long long k;
    mpfr_ptr r = x && y && z ? fresh(h, &k) : NULL;
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

static nsp_num mp_max(const nsp_ops *op, const nsp_num *v, size_t n)
{
    mp_host *h = host_of(op);
    nsp_num best = { -INFINITY, 0 };
    mpfr_ptr b = NULL;
    for (size_t i = 0; i < n; i++) {
        mpfr_ptr x = value(h, v[i]);
        if (!x)
            return nan_num;
        if (mpfr_nan_p(x))
            return v[i];
        if (!b || mpfr_greater_p(x, b)) {
            b = x;
            best = v[i];
        }
    }
    return best;
}

/* The exact sum of t[0..n), rounded once to the working precision. */
static nsp_num sum_values(mp_host *h, mpfr_ptr *t, size_t n)
{
    unsigned long long k;
    mpfr_ptr r = fresh(h, &k);
    if (!r)
        return nan_num;
    mpfr_sum(r, t, n, MPFR_RNDN);
    return number(r, k);
}

static nsp_num mp_sum(const nsp_ops *op, const nsp_num *v, size_t n)
{
    mp_host *h = host_of(op);
    mpfr_ptr *t = malloc((n ? n : 1) * sizeof *t);
    if (!t) {
        h->out_of_memory = 1;
        return nan_num;
    }
    nsp_num r = nan_num;
    size_t i = 0;
    for (; i < n; i++)
        if (!(t[i] = value(h, v[i])))
            break;
    if (i == n)
        r = sum_values(h, t, n);
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
    mp_host *h = host_of(op);
    mpfr_ptr x = value(h, d);
    if (x && mpfr_zero_p(x))
        h->zero_denominator = 1;
    return d;
}

static int mp_less(const nsp_ops *op, nsp_num a, nsp_num b)
{
    mp_host *h = host_of(op);
    mpfr_ptr x = value(h, a), y = value(h, b);
    return x && y && mpfr_less_p(x, y);
}

static int mp_sign(const nsp_ops *op, nsp_num a)
{
    mpfr_ptr x = value(host_of(op), a);
    return !x || mpfr_nan_p(x) ? 0 : mpfr_sgn(x);
}

static double mp_param(const nsp_ops *op, size_t k)
{
    mp_host *h = host_of(op);
    return k < h->nparams ? h->param[k] : NAN;
}

static nsp_num *mp_scratch(const nsp_ops *op, size_t count)
{
    mp_host *h = host_of(op);
    nsp_num *p = ns_scratch_alloc(&h->scratch, count * sizeof(nsp_num));
    if (!p)
        h->out_of_memory = 1;
    return p;
}

static const nsp_ops mp_ops = {
    .add = mp_add, .sub = mp_sub, .mul = mp_mul, .div = mp_div, .fma = mp_fma,
    .sqrt = mp_sqrt, .exp = mp_exp, .expm1 = mp_expm1, .log = mp_log, .log1p = mp_log1p,
    .tanh = mp_tanh, .pow = mp_pow,
    .constant = mp_exact, .exact = mp_exact,
    .acc_add = mp_add, .acc_mul = mp_mul,
    .max = mp_max, .sum = mp_sum, .dot = mp_dot,
    .denominator = mp_denominator,
    .less = mp_less, .sign = mp_sign,
    .param = mp_param, .scratch = mp_scratch,
};

static void host_free(mp_host *h)
{
    for (size_t b = 0; b < h->nblocks; b++) {
        for (size_t i = 0; i < ARENA_BLOCK; i++)
            mpfr_clear(&h->blocks[b][i]);
        free(h->blocks[b]);
    }
    free(h->blocks);
    ns_scratch_free(&h->scratch);
}

static void set_all(mpfr_ptr v, size_t n, int zero)
{
    for (size_t i = 0; v && i < n; i++) {
        if (zero)
            mpfr_set_zero(v + i, 1);
        else
            mpfr_set_nan(v + i);
    }
}

/* Copies the numbers of a pass into out; 0, or -1 when one is unreadable. */
static int copy_out(mp_host *h, const nsp_num *v, mpfr_ptr out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mpfr_ptr x = value(h, v[i]);
        if (!x)
            return -1;
        mpfr_set(out + i, x, MPFR_RNDN);
    }
    return 0;
}

int ns_ref_plugin_run(const nsp_algorithm *alg, const double *x, const double *g,
                      const double *param, size_t nparams, size_t n, mpfr_prec_t prec,
                      mpfr_ptr y, mpfr_ptr dx)
{
    mp_host h = { .prec = prec, .param = param, .nparams = nparams };
    nsp_ops op = mp_ops;
    op.host = &h;
    nsp_num *xn = mp_scratch(&op, n), *yn = mp_scratch(&op, n);
    nsp_num *gn = g ? mp_scratch(&op, n) : NULL, *dxn = g ? mp_scratch(&op, n) : NULL;
    int status = -1;
    if (xn && yn && (!g || (gn && dxn))) {
        for (size_t i = 0; i < n; i++)
            xn[i] = (nsp_num){ x[i], 0 };
        alg->forward(&op, xn, yn, n);
        if (g) {
            for (size_t i = 0; i < n; i++)
                gn[i] = (nsp_num){ g[i], 0 };
            alg->backward(&op, xn, yn, gn, dxn, n);
        }
        if (!h.out_of_memory && h.zero_denominator) {
            set_all(y, n, 1);
            set_all(g ? dx : NULL, n, 1);
            status = 0;
        } else if (!h.out_of_memory && copy_out(&h, yn, y, n) == 0 &&
                   (!g || copy_out(&h, dxn, dx, n) == 0)) {
            status = 0;
        }
    }
    if (status != 0) {
        set_all(y, n, 0);
        set_all(g ? dx : NULL, n, 0);
    }
    host_free(&h);
    return status;
}

/* ---- two precisions made into an interval ------------------------------ */

typedef struct slot {
    const nsp_family *family;
    const nsp_algorithm *fallback;    /* NULL when the family has its own reference */
    size_t nparams;
} slot;

static slot slots[NS_REF_PLUGIN_MAX];
static size_t slots_used;

static mpfr_ptr values_new(size_t n, mpfr_prec_t prec)
{
    mpfr_ptr v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; v && i < n; i++)
        mpfr_init2(v + i, prec);
    return v;
}

static void values_free(mpfr_ptr v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        mpfr_clear(v + i);
    free(v);
}

static int evaluate(const slot *s, const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    if (s->fallback)
        return ns_ref_plugin_run(s->fallback, in->x, in->g, in->param, s->nparams, in->n,
                                 prec, y, dx);
    if (s->family->reference(in->x, in->g, in->param, in->n, prec, y, dx) == 0)
        return 0;
    set_all(y, in->n, 0);
    set_all(in->g ? dx : NULL, in->n, 0);
    return -1;
}

/* out = [min(a, b) - d, max(a, b) + d], d = |a - b| + 2^-p1 max(|a|, |b|):
 * the difference of two precisions taken as the error of the coarser one. */
static void widen(mpfi_ptr out, mpfr_srcptr a, mpfr_srcptr b, mpfr_prec_t p1)
{
    if (mpfr_nan_p(a) || mpfr_nan_p(b)) {
        mpfi_set_d(out, NAN);
        return;
    }
    if (mpfr_equal_p(a, b) && (mpfr_zero_p(a) || mpfr_inf_p(a))) {
        mpfi_set_fr(out, a);
        return;
    }
    mpfr_prec_t wp = mpfr_get_prec(b) + 8;
    mpfr_t d, t, lo, hi;
    mpfr_inits2(wp, d, t, lo, hi, (mpfr_ptr)0);
    mpfr_sub(d, a, b, MPFR_RNDU);
    mpfr_abs(d, d, MPFR_RNDU);
    mpfr_abs(t, mpfr_cmpabs(a, b) > 0 ? a : b, MPFR_RNDU);
    mpfr_mul_2si(t, t, -(long)p1, MPFR_RNDU);
    mpfr_add(d, d, t, MPFR_RNDU);
    mpfr_min(lo, a, b, MPFR_RNDD);
    mpfr_sub(lo, lo, d, MPFR_RNDD);
    mpfr_max(hi, a, b, MPFR_RNDU);
    mpfr_add(hi, hi, d, MPFR_RNDU);
    mpfi_interv_fr(out, lo, hi);
    mpfr_clears(d, t, lo, hi, (mpfr_ptr)0);
}

static void slot_enclose(size_t k, const ns_ref_input *in, mpfr_prec_t prec, mpfi_ptr y, mpfi_ptr dx)
{
    const slot *s = &slots[k];
    size_t n = in->n;
    mpfr_prec_t p1 = 2 * prec, p2 = 4 * prec;
    mpfr_ptr y1 = values_new(n, p1), y2 = values_new(n, p2);
    mpfr_ptr d1 = dx ? values_new(n, p1) : NULL, d2 = dx ? values_new(n, p2) : NULL;
    ns_ref_input one = *in;
    one.g = dx ? in->g : NULL;
    int ok = y1 && y2 && (!dx || (d1 && d2)) && evaluate(s, &one, p1, y1, d1) == 0 &&
             evaluate(s, &one, p2, y2, d2) == 0;
    for (size_t i = 0; i < n; i++) {
        if (ok)
            widen(&y[i], y1 + i, y2 + i, p1);
        else
            mpfi_set_d(&y[i], NAN);
        if (dx) {
            if (ok)
                widen(&dx[i], d1 + i, d2 + i, p1);
            else
                mpfi_set_d(&dx[i], NAN);
        }
    }
    values_free(y1, y1 ? n : 0);
    values_free(y2, y2 ? n : 0);
    values_free(d1, d1 ? n : 0);
    values_free(d2, d2 ? n : 0);
}

/* ns_reference carries no context, so each plugin family is bound to one of
 * NS_REF_PLUGIN_MAX functions that know their slot. */
#define SLOT(a, b)                                                                 \
    static void enclose_##a##b(const ns_ref_input *in, mpfr_prec_t prec, mpfi_ptr y, \
                               mpfi_ptr dx)                                        \
    {                                                                              \
        slot_enclose(a * 8 + b, in, prec, y, dx);                                  \
    }
#define SLOTS8(a) SLOT(a, 0) SLOT(a, 1) SLOT(a, 2) SLOT(a, 3) SLOT(a, 4) SLOT(a, 5) SLOT(a, 6) SLOT(a, 7)
SLOTS8(0)
SLOTS8(1)
SLOTS8(2)
SLOTS8(3)
#define ENTRY(a, b) enclose_##a##b,
#define ENTRIES8(a) ENTRY(a, 0) ENTRY(a, 1) ENTRY(a, 2) ENTRY(a, 3) ENTRY(a, 4) ENTRY(a, 5) ENTRY(a, 6) ENTRY(a, 7)
static void (*const enclosers[NS_REF_PLUGIN_MAX])(const ns_ref_input *, mpfr_prec_t, mpfi_ptr, mpfi_ptr) = {
    ENTRIES8(0) ENTRIES8(1) ENTRIES8(2) ENTRIES8(3)
};

const ns_reference *ns_ref_plugin_make(const nsp_family *pf, const nsp_algorithm *fallback,
                                       size_t nparams, char *label, size_t labellen,
                                       char *err, size_t errlen)
{
    if (slots_used == NS_REF_PLUGIN_MAX) {
        snprintf(err, errlen, "too many plugin families (at most %d in one run)", NS_REF_PLUGIN_MAX);
        return NULL;
    }
    ns_reference *r = malloc(sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t k = slots_used;
    slots[k] = (slot){ pf, pf->reference ? NULL : fallback, nparams };
    *r = (ns_reference){ .family = pf->name, .enclose = enclosers[k] };
    if (ns_reference_add(r) != 0) {
        free(r);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    slots_used++;
    if (pf->reference)
        snprintf(label, labellen, "the plugin's MPFR reference, checked at two precisions "
                 "(not an interval enclosure)");
    else
        snprintf(label, labellen, "fallback reference: plugin algorithm %s in MPFR at >= 128 bits, "
                 "not certified", fallback->name);
    return r;
}
