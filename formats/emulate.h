/* MPFR emulation of the formats: the independent check every fast path is
 * held to (SPEC section 1).
 *
 * A format of precision p and IEEE range [emin, emax] is emulated by MPFR
 * precision p, emin_mpfr = emin - p + 2, emax_mpfr = emax + 1 (MPFR's
 * significands lie in [1/2, 1)), mpfr_check_range and mpfr_subnormalize with
 * the ternary value of the operation, so that a subnormal result is rounded
 * once.  The operation itself runs in MPFR's default (wide) exponent range and
 * the format's range is set only for the final check, so operands outside the
 * format's range are fine.  The exponent range is saved and restored around
 * every call.
 *
 * What MPFR has no notion of, the format's own rules, comes from the format:
 * overflow, flushing and -0 through ns_format_finish, +daz on the operands,
 * and +sr by rounding the round-to-odd binary64 value of the exact result
 * stochastically (ns_round), which draws from the calling thread's stream. */
#ifndef NS_EMULATE_H
#define NS_EMULATE_H

#include <mpfr.h>

#include "format.h"

typedef enum {
    NS_EMU_EXP, NS_EMU_EXPM1, NS_EMU_LOG, NS_EMU_LOG1P, NS_EMU_TANH, NS_EMU_SQRT,
} ns_emu_unary;

typedef enum {
    NS_EMU_ADD, NS_EMU_SUB, NS_EMU_MUL, NS_EMU_DIV, NS_EMU_POW,
} ns_emu_binary;

/* x (a double) rounded into f. */
double ns_emu_round(const ns_format *f, double x);

/* v (any precision, any exponent) rounded into f, correctly, once. */
double ns_emu_round_mpfr(const ns_format *f, mpfr_srcptr v);

double ns_emu_unary_op(const ns_format *f, ns_emu_unary op, double x);
double ns_emu_binary_op(const ns_format *f, ns_emu_binary op, double a, double b);
double ns_emu_fma(const ns_format *f, double a, double b, double c);

#endif
