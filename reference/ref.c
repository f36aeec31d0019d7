#include "ref.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../formats/emulate.h"
#include "tier.h"

#define NS_REFERENCE_ENTRY(name) extern const ns_reference ns_ref_##name;
#include "references.gen.h"
#undef NS_REFERENCE_ENTRY

static const ns_reference *const all_references[] = {
#define NS_REFERENCE_ENTRY(name) &ns_ref_##name,
#include "references.gen.h"
#undef NS_REFERENCE_ENTRY
    NULL,
};

/* References added at run time (plugins). */
static const ns_reference **added;
static size_t added_count;

const ns_reference *ns_reference_find(const char *family)
{
    for (size_t i = 0; all_references[i]; i++)
        if (strcmp(all_references[i]->family, family) == 0)
            return all_references[i];
    for (size_t i = 0; i < added_count; i++)
        if (strcmp(added[i]->family, family) == 0)
            return added[i];
    return NULL;
}

int ns_reference_add(const ns_reference *r)
{
    const ns_reference **grown = realloc(added, (added_count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    added = grown;
    added[added_count++] = r;
    return 0;
}

static int fast_tier_on = 1;

void ns_ref_set_fast_tier(int on)
{
    fast_tier_on = on;
}

ns_ref_tier ns_ref_tier_of(const ns_reference *r)
{
    return r->tier;
}

int ns_ref_tier_zeros(size_t n, double *y, double *dx)
{
    memset(y, 0, n * sizeof *y);
    if (dx)
        memset(dx, 0, n * sizeof *dx);
    return 1;
}

double *ns_ref_tier_sorted(const double *x, size_t n, double range, size_t extra, size_t *nf)
{
    double *s = malloc((n + extra) * sizeof *s);
    if (!s)
        return NULL;
    *nf = 0;
    for (size_t i = 0; i < n; i++) {
        if (x[i] == -INFINITY)
            continue;
        if (x[i] != 0 && !(fabs(x[i]) >= 1 / range && fabs(x[i]) <= range)) {
            free(s);
            return NULL;
        }
        s[(*nf)++] = x[i];
    }
    ns_ref_sort_descending(s, *nf);
    return s;
}

/* Every number passes the unbounded range (a NaN never reaches an
 * enclosure: ns_ref_eval answers NaN rows itself). */
double *ns_ref_sorted_unmasked(const double *x, size_t n, size_t *nf)
{
    return ns_ref_tier_sorted(x, n, INFINITY, 0, nf);
}

int ns_ref_round(mpfi_srcptr v, double *out)
{
    if (mpfi_nan_p(v)) {            /* the family's definition is undefined here */
        *out = NAN;
        return 1;
    }
    mpfr_t lo, hi;
    mpfr_inits2(mpfi_get_prec(v), lo, hi, (mpfr_ptr)0);
    mpfi_get_left(lo, v);
    mpfi_get_right(hi, v);
    double a = ns_emu_round_mpfr(&ns_fp64, lo);
    double b = ns_emu_round_mpfr(&ns_fp64, hi);
    int ok = a == b;                         /* NaN never equal: not certain */
    if (ok) {
        if (a != 0)
            *out = a;
        else if (mpfr_sgn(hi) <= 0 && mpfr_sgn(lo) < 0)
            *out = -0.0;
        else
            *out = 0.0;
    }
    mpfr_clears(lo, hi, (mpfr_ptr)0);
    return ok;
}

void ns_ref_set_zero_all(mpfi_ptr v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mpfi_set_ui(&v[i], 0);
}

void ns_ref_set_nan_all(mpfi_ptr v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mpfi_set_d(&v[i], NAN);
}

void ns_ref_set_zero_row(mpfi_ptr y, mpfi_ptr dx, size_t n)
{
    ns_ref_set_zero_all(y, n);
    if (dx)
        ns_ref_set_zero_all(dx, n);
}

void ns_ref_set_nan_row(mpfi_ptr y, mpfi_ptr dx, size_t n)
{
    ns_ref_set_nan_all(y, n);
    if (dx)
        ns_ref_set_nan_all(dx, n);
}

void ns_mpfi_inits2(mpfr_prec_t prec, mpfi_ptr v, ...)
{
    va_list ap;
    va_start(ap, v);
    for (; v; v = va_arg(ap, mpfi_ptr))
        mpfi_init2(v, prec);
    va_end(ap);
}

void ns_mpfi_clears(mpfi_ptr v, ...)
{
    va_list ap;
    va_start(ap, v);
    for (; v; v = va_arg(ap, mpfi_ptr))
        mpfi_clear(v);
    va_end(ap);
}

size_t ns_ref_argmax_or_zeros(const ns_ref_input *in, mpfi_ptr y, mpfi_ptr dx)
{
    size_t k = ns_ref_argmax(in->x, in->n);
    if (k == in->n)
        ns_ref_set_zero_row(y, dx, in->n);
    return k;
}

void ns_ref_div_all(mpfi_ptr v, size_t n, mpfi_srcptr s)
{
    for (size_t i = 0; i < n; i++)
        mpfi_div(&v[i], &v[i], s);
}

void ns_mpfi_diff(mpfi_ptr r, double a, double b)
{
    mpfi_set_d(r, a);
    mpfi_sub_d(r, r, b);
}

void ns_mpfi_shifted_dot(mpfi_ptr r, const double *g, mpfi_srcptr w, size_t n, mpfi_ptr t)
{
    mpfi_set_ui(r, 0);
    for (size_t i = 0; i < n; i++) {
        ns_mpfi_diff(t, g[i], g[0]);
        mpfi_mul(t, t, &w[i]);
        mpfi_add(r, r, t);
    }
}

static int descending(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u < v) - (u > v);
}

void ns_ref_sort_descending(double *v, size_t n)
{
    qsort(v, n, sizeof *v, descending);
}

/* The first index of the largest unmasked sign * x[i]; n if all are masked. */
static size_t arg_extreme(const double *x, size_t n, double sign)
{
    size_t k = n;
    for (size_t i = 0; i < n; i++)
        if (x[i] != -INFINITY && (k == n || sign * x[i] > sign * x[k]))
            k = i;
    return k;
}

size_t ns_ref_argmax(const double *x, size_t n)
{
    return arg_extreme(x, n, 1);
}

size_t ns_ref_argmin(const double *x, size_t n)
{
    return arg_extreme(x, n, -1);
}

static void fill_nan(double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = NAN;
}

mpfi_ptr ns_ref_intervals(size_t n, mpfr_prec_t prec)
{
    mpfi_ptr v = malloc((n ? n : 1) * sizeof *v);
    if (v)
        for (size_t i = 0; i < n; i++)
            mpfi_init2(&v[i], prec);
    return v;
}

void ns_ref_intervals_free(mpfi_ptr v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        mpfi_clear(&v[i]);
    free(v);
}

static void intervals_set_prec(mpfi_ptr v, size_t n, mpfr_prec_t prec)
{
    for (size_t i = 0; i < n; i++)
        mpfi_set_prec(&v[i], prec);
}

/* An entry still open at the cap: its enclosure straddles a rounding
 * boundary, and in practice that is an exact tie, a value exactly halfway
 * between two doubles (a rational value with 54 significant bits: integer
 * gradients over equal logits give them), which no enclosure of positive
 * width can exclude.  When the two ends round to adjacent doubles a < b
 * and the enclosure holds their midpoint t, t rounded to even is the
 * result, right when the value is that tie; otherwise, the rounding of the
 * enclosure's midpoint.  Either way the entry is counted as uncertain. */
static double round_at_cap(mpfi_srcptr v)
{
    mpfr_t lo, hi, t;
    mpfr_prec_t prec = mpfi_get_prec(v);
    mpfr_inits2(prec, lo, hi, t, (mpfr_ptr)0);
    mpfi_get_left(lo, v);
    mpfi_get_right(hi, v);
    double a = ns_emu_round_mpfr(&ns_fp64, lo), b = ns_emu_round_mpfr(&ns_fp64, hi), out;
    if (isfinite(a) && isfinite(b) && a < b && nextafter(a, INFINITY) == b &&
        mpfr_set_d(t, a, MPFR_RNDN) == 0 && mpfr_add_d(t, t, b, MPFR_RNDN) == 0 &&
        mpfr_div_2ui(t, t, 1, MPFR_RNDN) == 0 &&           /* exact: prec >= 64 */
        mpfr_lessequal_p(lo, t) && mpfr_lessequal_p(t, hi)) {
        out = ns_emu_round_mpfr(&ns_fp64, t);
    } else {
        mpfi_mid(t, v);
        out = ns_emu_round_mpfr(&ns_fp64, t);
    }
    mpfr_clears(lo, hi, t, (mpfr_ptr)0);
    return out;
}

/* Round every entry; returns how many are not yet certain. */
static size_t round_all(mpfi_srcptr v, size_t n, double *out, int last)
{
    size_t open = 0;
    for (size_t i = 0; i < n; i++) {
        if (ns_ref_round(&v[i], &out[i]))
            continue;
        open++;
        if (last)
            out[i] = round_at_cap(&v[i]);
    }
    return open;
}

int ns_ref_eval(const ns_reference *r, const double *param, const double *x,
                const double *g, size_t n, double *y, double *dx, ns_ref_stats *st)
{
    ns_ref_stats local = { 0, 0, 0 };
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);

    int undefined = 0, grad_undefined = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]) || x[i] == INFINITY)
            undefined = 1;
        if (g && !isfinite(g[i]))
            grad_undefined = 1;
    }
    if (undefined || n == 0) {
        fill_nan(y, n);
        if (g)
            fill_nan(dx, n);
        return 0;
    }

    ns_ref_input in = { x, grad_undefined ? NULL : g, param, n };
    ns_ref_tier tier = fast_tier_on ? ns_ref_tier_of(r) : NULL;
    if (tier && tier(&in, y, in.g ? dx : NULL)) {
        st->rounds = 1;
        st->prec = 0;
        if (g && grad_undefined)
            fill_nan(dx, n);
        return 0;
    }

    /* Start with 2 log2(n) guard bits beyond 64: a sum of n terms loses up
     * to log2(n) bits of the enclosure's width, and its quotients and
     * gradients about as many again, so most rows settle in the first round. */
    mpfr_prec_t prec = 64;
    for (size_t m = n; m > 1; m >>= 1)
        prec += 2;
    mpfi_ptr vy = ns_ref_intervals(n, prec);
    mpfi_ptr vdx = g ? ns_ref_intervals(n, prec) : NULL;
    if (!vy || (g && !vdx)) {
        ns_ref_intervals_free(vy, vy ? n : 0);
        ns_ref_intervals_free(vdx, vdx ? n : 0);
        return -1;
    }

    mpfr_exp_t old_emin = mpfr_get_emin(), old_emax = mpfr_get_emax();
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    for (;;) {
        st->rounds++;
        st->prec = prec;
        r->enclose(&in, prec, vy, in.g ? vdx : NULL);
        int last = prec >= NS_REF_MAX_PREC;
        size_t open = round_all(vy, n, y, last);
        if (in.g)
            open += round_all(vdx, n, dx, last);
        if (open == 0 || last) {
            st->uncertain = open;
            break;
        }
        prec *= 2;
        intervals_set_prec(vy, n, prec);
        if (vdx)
            intervals_set_prec(vdx, n, prec);
    }
    mpfr_set_emin(old_emin);
    mpfr_set_emax(old_emax);
    if (g && grad_undefined)
        fill_nan(dx, n);
    ns_ref_intervals_free(vy, n);
    ns_ref_intervals_free(vdx, g ? n : 0);
    return 0;
}
