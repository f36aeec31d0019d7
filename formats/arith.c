#include "arith.h"

#include <pthread.h>
#include <stdatomic.h>

#include "emulate.h"

double ns_fp_fma(const ns_format *f, double a, double b, double c)
{
    a = ns_operand(f, a);
    b = ns_operand(f, b);
    c = ns_operand(f, c);
    if (f->p >= 53)
        return ns_round(f, fma(a, b, c));
    double p = a * b;
    if (isfinite(p) && fma(a, b, -p) == 0)    /* product exact: one rounded add */
        return ns_fp_add_exact(f, p, c);
    if (!isfinite(p) || !isfinite(c))
        return ns_round(f, fma(a, b, c));
    return ns_emu_fma(f, a, b, c);
}

/* y is libm's double value of a function at x, within 4 ulps of the truth.
 * Return its rounding into f when every double within 4 ulps of y rounds to
 * the same value (same bits, so the sign of zero counts), else NAN to ask
 * MPFR.  Results far below any format's range or beyond it are settled by y:
 * the functions here underflow to +0 and overflow to inf only when the true
 * value does so in every format up to fp32.  A stochastic format asks MPFR
 * whenever a value of the format lies within those 4 ulps: its two
 * neighbours of y are then uncertain, and two roundings would draw twice. */
static double certified(const ns_format *f, double y)
{
    if (isnan(y) || y == 0 || isinf(y) || fabs(y) < 0x1p-1000 || fabs(y) > 0x1p1000)
        return ns_round(f, y);
    uint64_t b = ns_to_bits(y);
    /* The doubles within 4 ulps of y are the bit patterns b - 4 .. b + 4 (y
     * is far from zero).  Every rounding boundary of f has its 52 - p low
     * bits zero (see ns_no_double_rounding); when no pattern in that range
     * does, RN_f is constant on it: the common case, one rounding. */
    uint64_t low = b & ((UINT64_C(1) << (52 - f->p)) - 1);
    if (low > 4 && low < (UINT64_C(1) << (52 - f->p)) - 4)
        return ns_round(f, y);
    if (f->stochastic)
        return NAN;
    double lo = ns_round(f, ns_from_bits(b - 4));
    double hi = ns_round(f, ns_from_bits(b + 4));
    return ns_to_bits(lo) == ns_to_bits(hi) ? lo : NAN;
}

#define CERTIFIED_UNARY(name, libm, emu)                          \
    double name(const ns_format *f, double x)                     \
    {                                                             \
        x = ns_operand(f, x);                                     \
        double y = libm(x);                                       \
        if (f->p >= 53 || isnan(x))                               \
            return ns_round(f, y);                                \
        double r = certified(f, y);                               \
        return isnan(r) && !isnan(y) ? ns_emu_unary_op(f, emu, x) : r; \
    }

static CERTIFIED_UNARY(exp_certified, exp, NS_EMU_EXP)
CERTIFIED_UNARY(ns_fp_expm1, expm1, NS_EMU_EXPM1)
CERTIFIED_UNARY(ns_fp_log, log, NS_EMU_LOG)
CERTIFIED_UNARY(ns_fp_log1p, log1p, NS_EMU_LOG1P)
CERTIFIED_UNARY(ns_fp_tanh, tanh, NS_EMU_TANH)

/* exp of an fp16 argument in fp16 (softmax's exp(x_i - m) in an fp16
 * kernel) is looked up in a table of exp_certified's own results, filled
 * once: the same bits, at the cost of a load.  It covers the normal fp16
 * values with 2^-14 <= |x| < 2^5 (beyond, the result is 0, inf or settled
 * at once by exp_certified anyway), indexed by sign, exponent and the 10
 * fraction bits; stored as floats (fp16 values are floats). */
#define EXP16_BINADES 19                     /* exponents -14 .. 4 */
#define EXP16_SIZE (2 * EXP16_BINADES * 1024)
static float exp16_table[EXP16_SIZE];
static pthread_once_t exp16_once = PTHREAD_ONCE_INIT;
static atomic_bool exp16_ready;              /* the fast check before pthread_once */

static double exp16_argument(int index)
{
    int sign = index / (EXP16_BINADES * 1024), rest = index % (EXP16_BINADES * 1024);
    double x = ldexp(1.0 + (rest % 1024) / 1024.0, rest / 1024 - 14);
    return sign ? -x : x;
}

static void exp16_fill(void)
{
    for (int i = 0; i < EXP16_SIZE; i++)
        exp16_table[i] = (float)exp_certified(&ns_fp16, exp16_argument(i));
    atomic_store_explicit(&exp16_ready, true, memory_order_release);
}

/* The table index of x, or -1 when x is no fp16 value the table covers. */
static inline int exp16_index(double x)
{
    uint64_t b = ns_to_bits(x);
    unsigned binade = (unsigned)((b >> 52) & 0x7ff) - (1023 - 14);
    if ((b & ((UINT64_C(1) << 42) - 1)) != 0 || binade >= EXP16_BINADES)
        return -1;
    return (int)((b >> 63) * (EXP16_BINADES * 1024) + binade * 1024 + ((b >> 42) & 1023));
}

double ns_fp_exp(const ns_format *f, double x)
{
    if (f == &ns_fp16) {
        int i = exp16_index(x);
        if (i >= 0) {
            if (!atomic_load_explicit(&exp16_ready, memory_order_acquire))
                pthread_once(&exp16_once, exp16_fill);
            return exp16_table[i];
        }
    }
    return exp_certified(f, x);
}

double ns_fp_pow(const ns_format *f, double x, double e)
{
    x = ns_operand(f, x);
    e = ns_operand(f, e);
    double y = pow(x, e);
    if (f->p >= 53 || isnan(x) || isnan(e))
        return ns_round(f, y);
    double r = certified(f, y);
    return isnan(r) && !isnan(y) ? ns_emu_binary_op(f, NS_EMU_POW, x, e) : r;
}
