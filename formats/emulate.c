#include "emulate.h"

#include <math.h>

/* The precision and rounding direction of an operation's result: the
 * format's p, to nearest; for a stochastic format 53 bits toward zero, made
 * round-to-odd by finish. */
static mpfr_prec_t result_prec(const ns_format *f) { return f->stochastic ? 53 : f->p; }
static mpfr_rnd_t result_rnd(const ns_format *f) { return f->stochastic ? MPFR_RNDZ : MPFR_RNDN; }

/* An operand as the format reads it (+daz), exactly in a 53-bit variable. */
static void set_operand(mpfr_ptr a, const ns_format *f, double x)
{
    mpfr_set_d(a, f->daz ? ns_format_daz(f, x) : x, MPFR_RNDN);
}

/* The double nearest r toward zero with its last bit set when inexact: the
 * round-to-odd value of r (t is the ternary value of r itself), which
 * rounds into any format of p <= 51 bits as r does, stochastically too. */
static double round_to_odd(mpfr_ptr r, int t)
{
    double d = mpfr_get_d(r, MPFR_RNDZ);
    if (t != 0 || mpfr_cmp_d(r, d) != 0)
        d = ns_from_bits(ns_to_bits(d) | 1);
    return d;
}

/* Round r (the value correctly rounded to p bits in the wide range, with
 * ternary t) into the format's exponent range, and return it as the format
 * stores it (ns_format_finish: overflow, flushing, -0). */
static double finish(const ns_format *f, mpfr_ptr r, int t)
{
    if (mpfr_nan_p(r))
        return NAN;
    if (f->stochastic)
        return ns_round(f, round_to_odd(r, t));
    mpfr_exp_t old_emin = mpfr_get_emin(), old_emax = mpfr_get_emax();
    mpfr_set_emin(f->emin - f->p + 2);
    mpfr_set_emax(f->emax + 1);
    t = mpfr_check_range(r, t, MPFR_RNDN);
    mpfr_subnormalize(r, t, MPFR_RNDN);
    double d = mpfr_get_d(r, MPFR_RNDN);     /* exact: r has p <= 53 bits */
    mpfr_set_emin(old_emin);
    mpfr_set_emax(old_emax);
    return ns_format_finish(f, d);
}

double ns_emu_round_mpfr(const ns_format *f, mpfr_srcptr v)
{
    if (mpfr_nan_p(v))
        return NAN;
    mpfr_t r;
    mpfr_init2(r, result_prec(f));
    int t = mpfr_set(r, v, result_rnd(f));
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
    mpfr_init2(r, result_prec(f));
    set_operand(a, f, x);
    mpfr_rnd_t rnd = result_rnd(f);
    int t = 0;
    switch (op) {
    case NS_EMU_EXP:   t = mpfr_exp(r, a, rnd); break;
    case NS_EMU_EXPM1: t = mpfr_expm1(r, a, rnd); break;
    case NS_EMU_LOG:   t = mpfr_log(r, a, rnd); break;
    case NS_EMU_LOG1P: t = mpfr_log1p(r, a, rnd); break;
    case NS_EMU_TANH:  t = mpfr_tanh(r, a, rnd); break;
    case NS_EMU_SQRT:  t = mpfr_sqrt(r, a, rnd); break;
    }
    double d = finish(f, r, t);
    mpfr_clear(a);
    mpfr_clear(r);
    return d;
}

double ns_emu_binary_op(const ns_format *f, ns_emu_binary op, double x, double y)
{
    mpfr_t a, b, r;
    mpfr_init2(a, 53);
    mpfr_init2(b, 53);
    mpfr_init2(r, result_prec(f));
    set_operand(a, f, x);
    set_operand(b, f, y);
    mpfr_rnd_t rnd = result_rnd(f);
    int t = 0;
    switch (op) {
    case NS_EMU_ADD: t = mpfr_add(r, a, b, rnd); break;
    case NS_EMU_SUB: t = mpfr_sub(r, a, b, rnd); break;
    case NS_EMU_MUL: t = mpfr_mul(r, a, b, rnd); break;
    case NS_EMU_DIV: t = mpfr_div(r, a, b, rnd); break;
    case NS_EMU_POW: t = mpfr_pow(r, a, b, rnd); break;
    }
    double d = finish(f, r, t);
    mpfr_clear(a);
    mpfr_clear(b);
    mpfr_clear(r);
    return d;
}

double ns_emu_fma(const ns_format *f, double x, double y, double z)
{
    mpfr_t a, b, c, r;
    mpfr_inits2(53, a, b, c, (mpfr_ptr)0);
    mpfr_init2(r, result_prec(f));
    set_operand(a, f, x);
    set_operand(b, f, y);
    set_operand(c, f, z);
    int t = mpfr_fma(r, a, b, c, result_rnd(f));
    double d = finish(f, r, t);
    mpfr_clears(a, b, c, r, (mpfr_ptr)0);
    return d;
}
