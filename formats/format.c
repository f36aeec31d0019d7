/* The format table and the rounding into it. */
#include "format.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* A normal result is rounded by ns_round_binary_normal (format.h); the rest
 * (a subnormal or zero result, overflow, inf, NaN) here, by the same "magic
 * constant" C = 1.5 * 2^(q+52), q the exponent of the quantum (ulp) at x:
 * (x + C) - C  is x rounded to a multiple of 2^q, ties to even, because x + C
 * stays in C's binade (|x| < 2^(q+51) since p <= 51) where the ulp is exactly
 * 2^q and C/2^q is even.  Both operations are exact but for that one
 * rounding.  Needs round-to-nearest mode and no -ffast-math (the build
 * guarantees both). */
double ns_round_binary(const ns_format *f, double x)
{
    double y;
    if (ns_round_binary_normal(x, f->p, f->emin, f->max_finite, &y))
        return y;
    uint64_t b = ns_to_bits(x);
    int biased = (int)((b >> 52) & 0x7ff);
    if (biased == 0x7ff)
        return x;                           /* inf, NaN */
    int e = biased - 1023;                  /* double subnormals and 0 land below emin */
    if (e > f->emax)
        return copysign(INFINITY, x);
    int q = (e < f->emin ? f->emin : e) - (f->p - 1);
    double c = ns_from_bits((uint64_t)(1023 + 52 + q) << 52 | (UINT64_C(1) << 51));
    y = (x + c) - c;
    y = copysign(y, x);                     /* -tiny rounds to -0 */
    if (fabs(y) > f->max_finite)
        return copysign(INFINITY, x);
    return y;
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

const ns_format ns_fp16 = {
    "fp16", "IEEE binary16: p=11, emax=15, max 65504, subnormals to 2^-24",
    NS_FP16_P, NS_FP16_EMIN, NS_FP16_EMAX, true, NS_FP16_MAX, ns_round_binary,
};
const ns_format ns_bf16 = {
    "bf16", "bfloat16: p=8, emax=127, max 0x1.fep127, subnormals to 2^-133",
    NS_BF16_P, NS_BF16_EMIN, NS_BF16_EMAX, true, NS_BF16_MAX, ns_round_binary,
};
const ns_format ns_fp32 = {
    "fp32", "IEEE binary32: p=24, emax=127, max 0x1.fffffep127, subnormals to 2^-149",
    24, -126, 127, true, FLT_MAX, round_fp32,
};
const ns_format ns_fp64 = {
    "fp64", "IEEE binary64: p=53, emax=1023, max DBL_MAX, subnormals to 2^-1074",
    53, -1022, 1023, true, DBL_MAX, round_fp64,
};

const ns_format *const ns_formats[] = { &ns_fp16, &ns_bf16, &ns_fp32, &ns_fp64, NULL };

const ns_format *ns_format_find(const char *name)
{
    for (size_t i = 0; ns_formats[i]; i++)
        if (strcmp(ns_formats[i]->name, name) == 0)
            return ns_formats[i];
    return NULL;
}

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
    return ldexp(1.0, f->emin - (f->p - 1));
}

double ns_unit_roundoff(const ns_format *f)
{
    return ldexp(1.0, -f->p);
}
