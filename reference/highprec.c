/* High-precision checks of the reference (highprec.h). */
#include "highprec.h"

#include <math.h>
#include <stdlib.h>

#include "../formats/emulate.h"
#include "plain.h"

static double round64(mpfr_srcptr v)
{
    return ns_emu_round_mpfr(&ns_fp64, v);
}

/* Both ends rounded: the doubles between them. */
static ns_hp_bounds bounds_between(mpfr_srcptr lo, mpfr_srcptr hi)
{
    if (mpfr_nan_p(lo) || mpfr_nan_p(hi))
        return (ns_hp_bounds){ NAN, NAN };
    return (ns_hp_bounds){ round64(lo), round64(hi) };
}

/* v (at the higher precision) trusted to within |v - v_lo| + |v| 2^-(p-8),
 * v_lo being the same value at the lower precision. */
static ns_hp_bounds bounds_of_two(mpfr_srcptr v_lo, mpfr_srcptr v)
{
    if (mpfr_nan_p(v_lo) || mpfr_nan_p(v))
        return (ns_hp_bounds){ NAN, NAN };
    if (mpfr_inf_p(v_lo) || mpfr_inf_p(v)) {   /* -inf of logsoftmax's masked entries */
        if (mpfr_equal_p(v_lo, v))
            return (ns_hp_bounds){ round64(v), round64(v) };
        return (ns_hp_bounds){ -INFINITY, INFINITY };
    }
    mpfr_prec_t p = mpfr_get_prec(v);
    mpfr_t err, slack, lo, hi;
    mpfr_inits2(p, err, slack, lo, hi, (mpfr_ptr)0);
    mpfr_sub(err, v, v_lo, MPFR_RNDU);
    mpfr_abs(err, err, MPFR_RNDU);
    mpfr_abs(slack, v, MPFR_RNDU);
    mpfr_div_2si(slack, slack, (long)p - 8, MPFR_RNDU);
    mpfr_add(err, err, slack, MPFR_RNDU);
    mpfr_sub(lo, v, err, MPFR_RNDD);
    mpfr_add(hi, v, err, MPFR_RNDU);
    ns_hp_bounds b = bounds_between(lo, hi);
    mpfr_clears(err, slack, lo, hi, (mpfr_ptr)0);
    return b;
}

int ns_hp_plain(const ns_reference *r, const double *param, const double *x, const double *g, size_t n,
                ns_hp_bounds *y, ns_hp_bounds *dx)
{
    if (n == 0)
        return 0;
    size_t m = g ? 2 * n : n;
    mpfr_ptr v_lo = ns_plain_vec(m, NS_HP_PLAIN_PREC), v = ns_plain_vec(m, NS_HP_PLAIN_PREC_HI);
    if (!v_lo || !v) {
        ns_plain_vec_free(v_lo, m);
        ns_plain_vec_free(v, m);
        return -1;
    }
    ns_ref_input in = { x, g, param, n };
    int done = ns_plain_eval(r->family, &in, NS_HP_PLAIN_PREC, v_lo, v_lo + n) &&
               ns_plain_eval(r->family, &in, NS_HP_PLAIN_PREC_HI, v, v + n);
    mpfr_exp_t old_emin = mpfr_get_emin(), old_emax = mpfr_get_emax();
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    for (size_t i = 0; done && i < n; i++) {
        y[i] = bounds_of_two(&v_lo[i], &v[i]);
        if (g)
            dx[i] = bounds_of_two(&v_lo[n + i], &v[n + i]);
    }
    mpfr_set_emin(old_emin);
    mpfr_set_emax(old_emax);
    ns_plain_vec_free(v_lo, m);
    ns_plain_vec_free(v, m);
    return done;
}

static ns_hp_bounds bounds_of_interval(mpfi_srcptr v)
{
    if (mpfi_nan_p(v))
        return (ns_hp_bounds){ NAN, NAN };
    mpfr_t lo, hi;
    mpfr_inits2(mpfi_get_prec(v), lo, hi, (mpfr_ptr)0);
    mpfi_get_left(lo, v);
    mpfi_get_right(hi, v);
    ns_hp_bounds b = bounds_between(lo, hi);
    mpfr_clears(lo, hi, (mpfr_ptr)0);
    return b;
}

int ns_hp_enclosure(const ns_reference *r, const double *param, const double *x, const double *g, size_t n,
                    mpfr_prec_t prec, ns_hp_bounds *y, ns_hp_bounds *dx)
{
    size_t m = g ? 2 * n : n;
    mpfi_ptr v = ns_ref_intervals(m, prec);
    if (!v)
        return -1;
    ns_ref_input in = { x, g, param, n };
    mpfr_exp_t old_emin = mpfr_get_emin(), old_emax = mpfr_get_emax();
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    r->enclose(&in, prec, v, g ? v + n : NULL);
    for (size_t i = 0; i < n; i++) {
        y[i] = bounds_of_interval(&v[i]);
        if (g)
            dx[i] = bounds_of_interval(&v[n + i]);
    }
    mpfr_set_emin(old_emin);
    mpfr_set_emax(old_emax);
    ns_ref_intervals_free(v, m);
    return 1;
}

int ns_hp_allows(ns_hp_bounds b, double v)
{
    if (isnan(b.lo) || isnan(b.hi))
        return isnan(v);
    return b.lo <= v && v <= b.hi;             /* -0 == +0 */
}

int ns_hp_decided(ns_hp_bounds b)
{
    return (isnan(b.lo) && isnan(b.hi)) || b.lo == b.hi;
}
