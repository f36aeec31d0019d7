/* References of plugin families: the plugin's MPFR reference or the
 * fallback (its algorithm through nsp_ops in MPFR), made into intervals for
 * the driver by evaluating at two precisions (reference.h says why that is not
 * a certificate). */
#include "reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adjoint.h"

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
static int copy_out(ns_mp_host *h, const nsp_num *v, mpfr_ptr out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned long long k;
        mpfr_ptr x = ns_mp_value(h, v[i], &k);
        if (!x)
            return -1;
        mpfr_set(out + i, x, MPFR_RNDN);
    }
    return 0;
}

/* ---- the fallback: an algorithm through nsp_ops in MPFR --------------- */

typedef enum { GRADIENT_DERIVED, GRADIENT_PLUGIN } gradient_source;

static int run(const nsp_algorithm *alg, gradient_source source, const double *x, const double *g,
               const double *param, size_t nparams, size_t n, mpfr_prec_t prec, mpfr_ptr y,
               mpfr_ptr dx)
{
    ns_mp_host h = { .prec = prec, .param = param, .nparams = nparams };
    nsp_ops op = ns_mp_ops(&h);
    nsp_num *xn = op.scratch(&op, n), *yn = op.scratch(&op, n);
    nsp_num *gn = g ? op.scratch(&op, n) : NULL, *dxn = g ? op.scratch(&op, n) : NULL;
    int status = -1;
    if (g && source == GRADIENT_PLUGIN && !alg->backward)
        xn = NULL;                  /* no backward of its own to run */
    if (xn && yn && (!g || (gn && dxn))) {
        for (size_t i = 0; i < n; i++)
            xn[i] = ns_mp_input(&h, x[i], i);
        alg->forward(&op, xn, yn, n);
        int derived = -1;
        if (g && source == GRADIENT_DERIVED && !h.out_of_memory && !h.zero_denominator)
            derived = ns_mp_adjoint(&h, yn, g, n, dx);
        if (g && source == GRADIENT_PLUGIN) {
            for (size_t i = 0; i < n; i++)
                gn[i] = (nsp_num){ g[i], 0 };
            alg->backward(&op, xn, yn, gn, dxn, n);
        }
        if (!h.out_of_memory && h.zero_denominator) {
            set_all(y, n, 1);
            set_all(g ? dx : NULL, n, 1);
            status = 0;
        } else if (!h.out_of_memory && copy_out(&h, yn, y, n) == 0 &&
                   (!g || (source == GRADIENT_DERIVED ? derived == 0 : copy_out(&h, dxn, dx, n) == 0))) {
            status = 0;
        }
    }
    if (status != 0) {
        set_all(y, n, 0);
        set_all(g ? dx : NULL, n, 0);
    }
    ns_mp_host_free(&h);
    return status;
}

int ns_ref_plugin_run(const nsp_algorithm *alg, const double *x, const double *g,
                      const double *param, size_t nparams, size_t n, mpfr_prec_t prec,
                      mpfr_ptr y, mpfr_ptr dx)
{
    return run(alg, GRADIENT_DERIVED, x, g, param, nparams, n, prec, y, dx);
}

int ns_ref_plugin_run_backward(const nsp_algorithm *alg, const double *x, const double *g,
                               const double *param, size_t nparams, size_t n, mpfr_prec_t prec,
                               mpfr_ptr y, mpfr_ptr dx)
{
    return run(alg, GRADIENT_PLUGIN, x, g, param, nparams, n, prec, y, dx);
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
                 "its gradient the derivative of that forward pass; not certified", fallback->name);
    return r;
}

/* ---- the plugin's backward pass without rounding ---------------------- */

int ns_ref_plugin_backward_d(const nsp_algorithm *alg, const double *x, const double *g,
                             const double *param, size_t nparams, size_t n, double *dx)
{
    mpfr_ptr y = values_new(n, 53), d = values_new(n, 53);
    double *prev = malloc((n ? n : 1) * sizeof *prev);
    int status = -1;
    /* Raise the precision until two in a row round to the same doubles. */
    for (mpfr_prec_t p = 128; y && d && prev && p <= 8192; p *= 2) {
        if (ns_ref_plugin_run_backward(alg, x, g, param, nparams, n, p, y, d) != 0)
            break;
        int same = p > 128;
        for (size_t i = 0; i < n; i++) {
            double v = mpfr_get_d(d + i, MPFR_RNDN);
            same = same && (v == prev[i] || (isnan(v) && isnan(prev[i])));
            prev[i] = v;
        }
        if (same) {
            memcpy(dx, prev, n * sizeof *dx);
            status = 0;
            break;
        }
    }
    values_free(y, y ? n : 0);
    values_free(d, d ? n : 0);
    free(prev);
    return status;
}
