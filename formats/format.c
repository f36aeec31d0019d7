/* The format table and the rounding into it. */
#include "format.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "stochastic.h"

double ns_format_finish(const ns_format *f, double y)
{
    if (isnan(y))
        return y;
    double a = fabs(y);
    if (a > f->max_finite)
        return ns_format_overflow(f, y);
    if (!f->subnormals && a < ns_from_bits((uint64_t)(f->emin + 1023) << 52))
        y = copysign(0.0, y);
    if (y == 0 && !f->neg_zero)
        return 0.0;
    return y;
}

/* A normal result is rounded by ns_round_binary_normal (format.h); the rest
 * (a subnormal or zero result, overflow, inf, NaN) here, by the same "magic
 * constant" C = 1.5 * 2^(q+52), q the exponent of the quantum (ulp) at x:
 * (x + C) - C  is x rounded to a multiple of 2^q, ties to even, because x + C
 * stays in C's binade (|x| < 2^(q+51) since p <= 51) where the ulp is exactly
 * 2^q and C/2^q is even.  Both operations are exact but for that one
 * rounding.  Needs round-to-nearest mode and no -ffast-math (the build
 * guarantees both).  A normal result needs no flushing and is no zero, so
 * the fast path serves every format alike. */
double ns_round_binary(const ns_format *f, double x)
{
    double y;
    if (ns_round_binary_normal(x, f->p, f->emin, f->max_finite, &y))
        return y;
    uint64_t b = ns_to_bits(x);
    int biased = (int)((b >> 52) & 0x7ff);
    if (biased == 0x7ff)
        return isnan(x) ? x : ns_format_overflow(f, x);
    int e = biased - 1023;                  /* double subnormals and 0 land below emin */
    if (e > f->emax)
        return ns_format_overflow(f, x);
    int q = (e < f->emin ? f->emin : e) - (f->p - 1);
    double c = ns_from_bits((uint64_t)(1023 + 52 + q) << 52 | (UINT64_C(1) << 51));
    y = (x + c) - c;
    y = copysign(y, x);                     /* -tiny rounds to -0 */
    return ns_format_finish(f, y);
}

/* down = x rounded toward -inf to a multiple of the quantum 2^q at x, up =
 * down + 2^q: x / 2^q and floor of it are exact (|x / 2^q| < 2^p), and so
 * is x - down (a difference below 2^q of two multiples of x's ulp).  The
 * draw u is a multiple of 2^-53, so P(up) = P(u < frac) is frac rounded up
 * to a multiple of 2^-53. */
double ns_round_stochastic(const ns_format *f, double x)
{
    if (!isfinite(x))
        return isnan(x) ? x : ns_format_overflow(f, x);
    if (x == 0)
        return ns_format_finish(f, x);
    int e = ilogb(x);
    if (e > f->emax)                        /* both neighbours beyond max_finite */
        return ns_format_overflow(f, x);
    int q = (e < f->emin ? f->emin : e) - (f->p - 1);
    double quantum = ldexp(1.0, q);
    double down = floor(x / quantum) * quantum;
    double y = down;
    if (down != x && ns_sr_uniform() < (x - down) / quantum)
        y = down + quantum;
    return ns_format_finish(f, copysign(y, x));   /* a zero keeps x's sign */
}

static double round_fp32(const ns_format *f, double x)
{
    (void)f;
    return (double)(float)x;                /* the conversion rounds RNE, exactly once */
}

static double round_fp64(const ns_format *f, double x)
{
    (void)f;
    return x;
}

/* 1.5 * 2^(53-p), the constant of the inline rounding (format.h); each
 * format also gives its smallest normal 2^emin as a literal. */
#define MAGIC(prec) (1.5 * (double)(UINT64_C(1) << (53 - (prec))))

/* The IEEE formats and tf32: overflow to inf, subnormals and -0 kept. */
#define IEEE(self, nm, text, bits, prec, lo, min_norm, hi, max, fn)                \
    const ns_format self = { .base = &self, .name = nm, .summary = text,           \
        .width = bits, .p = prec, .emin = lo, .emax = hi, .subnormals = true,      \
        .max_finite = max, .round = fn, .overflow = NS_OVERFLOW_INF, .neg_zero = true, \
        .magic = MAGIC(prec), .min_normal = min_norm }

IEEE(ns_fp16, "fp16", "IEEE binary16: p=11, emax=15, max 65504, subnormals to 2^-24", 16,
     NS_FP16_P, NS_FP16_EMIN, 0x1p-14, NS_FP16_EMAX, NS_FP16_MAX, ns_round_binary);
IEEE(ns_bf16, "bf16", "bfloat16: p=8, emax=127, max 0x1.fep127, subnormals to 2^-133", 16,
     NS_BF16_P, NS_BF16_EMIN, 0x1p-126, NS_BF16_EMAX, NS_BF16_MAX, ns_round_binary);
IEEE(ns_fp32, "fp32", "IEEE binary32: p=24, emax=127, max 0x1.fffffep127, subnormals to 2^-149", 32,
     24, -126, 0x1p-126, 127, FLT_MAX, round_fp32);
IEEE(ns_fp64, "fp64", "IEEE binary64: p=53, emax=1023, max DBL_MAX, subnormals to 2^-1074", 64,
     53, -1022, 0x1p-1022, 1023, DBL_MAX, round_fp64);
IEEE(ns_tf32, "tf32", "TensorFloat-32: p=11, emax=127, max 0x1.ffcp127, subnormals to 2^-136", 19,
     11, -126, 0x1p-126, 127, 0x1.ffcp127, ns_round_binary);

/* The OCP 8-, 6- and 4-bit formats (OCP FP8 v1.0, OCP MX v1.0) and the
 * fnuz variants of FP8 (one NaN, 0x80, in place of -0; no infinities). */
#define SMALL(self, nm, text, bits, prec, lo, min_norm, hi, max, ovf, negz)        \
    const ns_format self = { .base = &self, .name = nm, .summary = text,           \
        .width = bits, .p = prec, .emin = lo, .emax = hi, .subnormals = true,      \
        .max_finite = max, .round = ns_round_binary, .overflow = ovf, .neg_zero = negz, \
        .magic = MAGIC(prec), .min_normal = min_norm }

SMALL(ns_e4m3, "e4m3", "OCP FP8 E4M3: p=4, emax=8, max 448, subnormals to 2^-9, no inf, "
      "beyond 464 NaN", 8, NS_E4M3_P, NS_E4M3_EMIN, 0x1p-6, NS_E4M3_EMAX, NS_E4M3_MAX,
      NS_OVERFLOW_NAN, true);
SMALL(ns_e5m2, "e5m2", "OCP FP8 E5M2: p=3, emax=15, max 57344, subnormals to 2^-16, "
      "inf and NaN as IEEE", 8, 3, -14, 0x1p-14, 15, 57344, NS_OVERFLOW_INF, true);
SMALL(ns_e4m3fnuz, "e4m3fnuz", "FP8 E4M3FNUZ: p=4, emax=7, max 240, subnormals to 2^-10, "
      "no inf, no -0, overflow NaN", 8, 4, -7, 0x1p-7, 7, 240, NS_OVERFLOW_NAN, false);
SMALL(ns_e5m2fnuz, "e5m2fnuz", "FP8 E5M2FNUZ: p=3, emax=15, max 57344, subnormals to 2^-17, "
      "no inf, no -0, overflow NaN", 8, 3, -15, 0x1p-15, 15, 57344, NS_OVERFLOW_NAN, false);
SMALL(ns_e3m2, "e3m2", "OCP FP6 E3M2: p=3, emax=4, max 28, subnormals to 2^-4, no inf or NaN, "
      "overflow to +-28", 6, 3, -2, 0x1p-2, 4, 28, NS_OVERFLOW_SAT, true);
SMALL(ns_e2m3, "e2m3", "OCP FP6 E2M3: p=4, emax=2, max 7.5, subnormals to 2^-3, no inf or NaN, "
      "overflow to +-7.5", 6, 4, 0, 1.0, 2, 7.5, NS_OVERFLOW_SAT, true);
SMALL(ns_e2m1, "e2m1", "OCP FP4 E2M1: p=2, emax=2, max 6, subnormals to 2^-1, no inf or NaN, "
      "overflow to +-6", 4, 2, 0, 1.0, 2, 6, NS_OVERFLOW_SAT, true);

const ns_format *const ns_formats[] = {
    &ns_fp16, &ns_bf16, &ns_fp32, &ns_fp64,
    &ns_e4m3, &ns_e5m2, &ns_e4m3fnuz, &ns_e5m2fnuz, &ns_e3m2, &ns_e2m3, &ns_e2m1, &ns_tf32,
    NULL,
};

double ns_ulp(const ns_format *f, double x)
{
    if (!isfinite(x))
        return NAN;
    int e = x == 0 ? f->emin : ilogb(x);
    if (e < f->emin)
        e = f->emin;
    return ldexp(1.0, e - (f->p - 1));
}

double ns_format_min_positive(const ns_format *f)
{
    return ldexp(1.0, f->subnormals ? f->emin - (f->p - 1) : f->emin);
}

double ns_unit_roundoff(const ns_format *f)
{
    return ldexp(1.0, f->stochastic ? 1 - f->p : -f->p);
}
