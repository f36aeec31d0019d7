#include "arith.h"

#include "emulate.h"

double ns_fp_fma(const ns_format *f, double a, double b, double c)
{
    if (f->p >= 53)
        return fma(a, b, c);
    double p = a * b;
    if (isfinite(p) && fma(a, b, -p) == 0)    /* product exact: one rounded add */
        return ns_fp_add(f, p, c);
    if (!isfinite(p) || !isfinite(c))
        return ns_round(f, fma(a, b, c));
    return ns_emu_fma(f, a, b, c);
}

/* y is libm's double value of a function at x, within 4 ulps of the truth.
 * Return its rounding into f when every double within 4 ulps of y rounds to
 * the same value (same bits, so the sign of zero counts), else NAN to ask
 * MPFR.  Results far below any format's range or beyond it are settled by y:
 * the functions here underflow to +0 and overflow to inf only when the true
 * value does so in every format up to fp32. */
static double certified(const ns_format *f, double y)
{
    if (isnan(y) || y == 0 || isinf(y) || fabs(y) < 0x1p-1000 || fabs(y) > 0x1p1000)
        return ns_round(f, y);
    uint64_t b = ns_to_bits(y);
    double lo = ns_round(f, ns_from_bits(b - 4));
    double hi = ns_round(f, ns_from_bits(b + 4));
    return ns_to_bits(lo) == ns_to_bits(hi) ? lo : NAN;
}

#define CERTIFIED_UNARY(name, libm, emu)                          \
    double name(const ns_format *f, double x)                     \
    {                                                             \
        double y = libm(x);                                       \
        if (f->p >= 53 || isnan(x))                               \
            return y;                                             \
        double r = certified(f, y);                               \
        return isnan(r) && !isnan(y) ? ns_emu_unary_op(f, emu, x) : r; \
    }

CERTIFIED_UNARY(ns_fp_exp, exp, NS_EMU_EXP)
CERTIFIED_UNARY(ns_fp_expm1, expm1, NS_EMU_EXPM1)
CERTIFIED_UNARY(ns_fp_log, log, NS_EMU_LOG)
CERTIFIED_UNARY(ns_fp_log1p, log1p, NS_EMU_LOG1P)
CERTIFIED_UNARY(ns_fp_tanh, tanh, NS_EMU_TANH)

double ns_fp_pow(const ns_format *f, double x, double e)
{
    double y = pow(x, e);
    if (f->p >= 53 || isnan(x) || isnan(e))
        return y;
    double r = certified(f, y);
    return isnan(r) && !isnan(y) ? ns_emu_binary_op(f, NS_EMU_POW, x, e) : r;
}
