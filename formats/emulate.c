#include "emulate.h"

#include <math.h>

/* Round r (the value correctly rounded to p bits in the wide range, with
 * ternary t) into the format's exponent range, and return it as a double. */
static double finish(const ns_format *f, mpfr_ptr r, int t)
{
    mpfr_exp_t old_emin = mpfr_get_emin(), old_emax = mpfr_get_emax();
    mpfr_set_emin(f->emin - f->p + 2);
    mpfr_set_emax(f->emax + 1);
    t = mpfr_check_range(r, t, MPFR_RNDN);
    mpfr_subnormalize(r, t, MPFR_RNDN);
    double d = mpfr_get_d(r, MPFR_RNDN);     /* exact: r has p <= 53 bits */
    mpfr_set_emin(old_emin);
    mpfr_set_emax(old_emax);
    return d;
}

double ns_emu_round_mpfr(const ns_format *f, mpfr_srcptr v)
{
    if (mpfr_nan_p(v))
        return NAN;
    mpfr_t r;
    mpfr_init2(r, f->p);
    int t = mpfr_set(r, v, MPFR_RNDN);
    double d = finish(f, r, t);
    mpfr_clear(r);
    return d;
}

double ns_emu_round(const ns_format *f, double x)
{
    mpfr_t v;
    mpfr_init2(v, 53);
    mpfr_set_d(v, x, MPFR_RNDN);             /* exact */
    double d = ns_emu_round_mpfr(f, v);
    mpfr_clear(v);
    return isnan(x) ? x : d;
}

double ns_emu_unary_op(const ns_format *f, ns_emu_unary op, double x)
{
    mpfr_t a, r;
    mpfr_init2(a, 53);
    mpfr_init2(r, f->p);
    mpfr_set_d(a, x, MPFR_RNDN);
    int t = 0;
    switch (op) {
    case NS_EMU_EXP:   t = mpfr_exp(r, a, MPFR_RNDN); break;
    case NS_EMU_EXPM1: t = mpfr_expm1(r, a, MPFR_RNDN); break;
    case NS_EMU_LOG:   t = mpfr_log(r, a, MPFR_RNDN); break;
    case NS_EMU_LOG1P: t = mpfr_log1p(r, a, MPFR_RNDN); break;
    case NS_EMU_TANH:  t = mpfr_tanh(r, a, MPFR_RNDN); break;
    case NS_EMU_SQRT:  t = mpfr_sqrt(r, a, MPFR_RNDN); break;
    }
    double d = mpfr_nan_p(r) ? NAN : finish(f, r, t);
    mpfr_clear(a);
    mpfr_clear(r);
    return d;
}

double ns_emu_binary_op(const ns_format *f, ns_emu_binary op, double x, double y)
{
    mpfr_t a, b, r;
    mpfr_init2(a, 53);
    mpfr_init2(b, 53);
    mpfr_init2(r, f->p);
    mpfr_set_d(a, x, MPFR_RNDN);
    mpfr_set_d(b, y, MPFR_RNDN);
    int t = 0;
    switch (op) {
    case NS_EMU_ADD: t = mpfr_add(r, a, b, MPFR_RNDN); break;
    case NS_EMU_SUB: t = mpfr_sub(r, a, b, MPFR_RNDN); break;
    case NS_EMU_MUL: t = mpfr_mul(r, a, b, MPFR_RNDN); break;
    case NS_EMU_DIV: t = mpfr_div(r, a, b, MPFR_RNDN); break;
    case NS_EMU_POW: t = mpfr_pow(r, a, b, MPFR_RNDN); break;
    }
    double d = mpfr_nan_p(r) ? NAN : finish(f, r, t);
    mpfr_clear(a);
    mpfr_clear(b);
    mpfr_clear(r);
    return d;
}

double ns_emu_fma(const ns_format *f, double x, double y, double z)
{
    mpfr_t a, b, c, r;
    mpfr_inits2(53, a, b, c, (mpfr_ptr)0);
    mpfr_init2(r, f->p);
    mpfr_set_d(a, x, MPFR_RNDN);
    mpfr_set_d(b, y, MPFR_RNDN);
    mpfr_set_d(c, z, MPFR_RNDN);
    int t = mpfr_fma(r, a, b, c, MPFR_RNDN);
    double d = mpfr_nan_p(r) ? NAN : finish(f, r, t);
    mpfr_clears(a, b, c, r, (mpfr_ptr)0);
    return d;
}
