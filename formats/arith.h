/* Arithmetic of a format: the exact result of each operation rounded once
 * into the format.
 *
 * Operands are doubles (every value of every format is one) and may belong to
 * a wider format than the result (an fp32 accumulator divided into an fp16
 * value).  Rounding a double result again into a narrower format could round
 * twice, so + - * / sqrt fma first compute a round-to-odd double (the rounded
 * result nudged to the odd neighbour when inexact): rounding a round-to-odd
 * value of >= p + 2 bits to p bits equals rounding the exact value once
 * (Boldo & Melquiond, IEEE TC 57(4), 2008).  The exact error comes from
 * TwoSum, or from an fma remainder for *, / and sqrt.
 *
 * exp, expm1, log, log1p, tanh, pow take libm's double result, whose error is
 * below 4 ulps (glibc's documented maxima on x86-64 are 1 to 2 ulps), and
 * accept it only when the whole interval y +- 4 ulps rounds to one value of
 * the format; otherwise MPFR decides.  So every result is correctly rounded
 * in every format below fp64.  In fp64 the elementary functions are libm's
 * own (as an fp64 kernel would call them), not certified.
 *
 * The modifiers are the format's data (formats/format.h): +daz is applied
 * to the operands here (ns_operand), +sat and +ftz by the rounding, and +sr
 * by the rounding of the round-to-odd value, which lies strictly between
 * the exact result's two neighbours in the format whenever the result is
 * inexact (p + 2 <= 53), so the neighbours are exact and the probability
 * (x - down) / (up - down) is off by at most 2^(p-52), the relative
 * distance of the round-to-odd value from x in units of the format's
 * quantum. */
#ifndef NS_ARITH_H
#define NS_ARITH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "format.h"

/* s = RN(exact) with exact - s of sign dir (-1, 0, +1): the round-to-odd value. */
static inline double ns_round_odd(double s, int dir)
{
    if (dir == 0 || !isfinite(s))
        return s;
    uint64_t b = ns_to_bits(s);
    if (b & 1)
        return s;
    if (s == 0)
        return copysign(0x1p-1074, (double)dir);
    /* |s| grows by one ulp when the exact value lies further from zero. */
    if ((dir > 0) == (s > 0))
        b++;
    else
        b--;
    return ns_from_bits(b);
}

static inline int ns_sign(double v) { return (v > 0) - (v < 0); }

/* An operand as the format's arithmetic reads it (+daz). */
static inline double ns_operand(const ns_format *f, double x)
{
    return f->daz ? ns_format_daz(f, x) : x;
}

/* Whether RN_f(s) = RN_f(round_to_odd(s)) is sure from s alone, for
 * p <= 51: when one of the 52 - p low significand bits of s is set.  A
 * rounding boundary of f (a midpoint of two neighbours, the overflow
 * threshold, normal or subnormal) has at most p + 1 significant bits, so
 * those bits of it are zero; such an s is no boundary.  round_to_odd(s) is s
 * or its odd neighbour, and an odd double is no boundary either (its last
 * bit is set), so no boundary lies between them and RN_f, monotone, gives
 * both the same value (boundaries are normal doubles: every format here has
 * emin - p > -1022).  This is the common case of an inexact double result;
 * an exact one (error zero) is left alone by round-to-odd anyway. */
static inline int ns_no_double_rounding(const ns_format *f, double s)
{
    return (ns_to_bits(s) & ((UINT64_C(1) << (52 - f->p)) - 1)) != 0;
}

/* a + b rounded once into f, a and b taken as they are (no +daz: fma adds
 * its exact product, which is no operand). */
static inline double ns_fp_add_exact(const ns_format *f, double a, double b)
{
    double s = a + b;
    if (f->p >= 53 || !isfinite(s) || ns_no_double_rounding(f, s))
        return ns_round(f, s);
    double bb = s - a;
    double err = (a - (s - bb)) + (b - bb);   /* TwoSum: exact a + b - s */
    return ns_round(f, ns_round_odd(s, ns_sign(err)));
}

static inline double ns_fp_add(const ns_format *f, double a, double b)
{
    return ns_fp_add_exact(f, ns_operand(f, a), ns_operand(f, b));
}

static inline double ns_fp_sub(const ns_format *f, double a, double b)
{
    return ns_fp_add(f, a, -b);
}

static inline double ns_fp_mul(const ns_format *f, double a, double b)
{
    a = ns_operand(f, a);
    b = ns_operand(f, b);
    double p = a * b;
    if (f->p >= 53 || !isfinite(p) || ns_no_double_rounding(f, p))
        return ns_round(f, p);
    double err = fma(a, b, -p);               /* exact unless p is deep subnormal */
    return ns_round(f, ns_round_odd(p, ns_sign(err)));
}

static inline double ns_fp_div(const ns_format *f, double a, double b)
{
    a = ns_operand(f, a);
    b = ns_operand(f, b);
    double q = a / b;
    if (f->p >= 53 || !isfinite(q) || q == 0 || ns_no_double_rounding(f, q))
        return ns_round(f, q);
    double r = fma(-q, b, a);                 /* exact remainder a - q b */
    return ns_round(f, ns_round_odd(q, ns_sign(r) * ns_sign(b)));
}

static inline double ns_fp_sqrt(const ns_format *f, double a)
{
    a = ns_operand(f, a);
    double s = sqrt(a);
    if (f->p >= 53 || !isfinite(s) || s == 0 || ns_no_double_rounding(f, s))
        return ns_round(f, s);
    return ns_round(f, ns_round_odd(s, ns_sign(fma(-s, s, a))));
}

double ns_fp_fma(const ns_format *f, double a, double b, double c);

/* Elementary functions (see the header comment for the error argument). */
double ns_fp_exp(const ns_format *f, double x);
double ns_fp_expm1(const ns_format *f, double x);
double ns_fp_log(const ns_format *f, double x);
double ns_fp_log1p(const ns_format *f, double x);
double ns_fp_tanh(const ns_format *f, double x);
double ns_fp_pow(const ns_format *f, double x, double y);

#endif
