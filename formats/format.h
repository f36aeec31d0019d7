/* Number formats as data.
 *
 * A format is a binary floating-point format described by its precision p
 * (significand bits including the hidden one), its IEEE exponent range
 * [emin, emax], whether it keeps subnormals, and the function that rounds a
 * binary64 value into it.  Every value of every format here is exactly a
 * double, so emulated values live in doubles.
 *
 * A new format (fp8 E4M3/E5M2, TF32, a flush-to-zero or stochastically
 * rounding variant) is one more row in the table of format.c plus, when the
 * generic ns_round_binary does not describe it, its own rounding function.
 * No algorithm names a concrete format. */
#ifndef NS_FORMAT_H
#define NS_FORMAT_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct ns_format ns_format;

struct ns_format {
    const char *name;       /* "fp16" */
    const char *summary;    /* one line for `normstab list formats` */
    int p;                  /* precision in bits, hidden bit included */
    int emin, emax;         /* IEEE exponents: min normal 2^emin */
    bool subnormals;        /* all formats here keep them; a flushing format
                               brings its own round function */
    double max_finite;      /* largest finite value */
    double (*round)(const ns_format *f, double x); /* RNE into the format */
};

extern const ns_format ns_fp16, ns_bf16, ns_fp32, ns_fp64;

/* fp16 and bf16 as constants: the table in format.c is made of them, and
 * ns_round's inline paths use them. */
#define NS_FP16_P 11
#define NS_FP16_EMIN (-14)
#define NS_FP16_EMAX 15
#define NS_FP16_MAX 65504.0
#define NS_BF16_P 8
#define NS_BF16_EMIN (-126)
#define NS_BF16_EMAX 127
#define NS_BF16_MAX 0x1.fep127

/* The formats in the order `list formats` shows them; NULL-terminated. */
extern const ns_format *const ns_formats[];

const ns_format *ns_format_find(const char *name);

static inline uint64_t ns_to_bits(double x) { uint64_t b; memcpy(&b, &x, sizeof b); return b; }
static inline double ns_from_bits(uint64_t b) { double x; memcpy(&x, &b, sizeof x); return x; }

/* Round-to-nearest-even into any binary format with p <= 51 given as data:
 * subnormals kept, overflow to +-inf, the sign of a zero kept, NaN returned
 * as is. */
double ns_round_binary(const ns_format *f, double x);

/* +-2^e for a normal double x = +-1.f * 2^e (its sign and exponent bits);
 * +-0 for zero and subnormals, +-inf for inf and NaN.  On SSE2 the mask is
 * applied where x is, in a vector register (a move to an integer register
 * and back would cost as much as the rest of a rounding). */
static inline double ns_sign_and_binade(double x)
{
#ifdef __SSE2__
    __m128d mask = _mm_castsi128_pd(_mm_set_epi64x(0, -(INT64_C(1) << 52)));
    return _mm_cvtsd_f64(_mm_and_pd(_mm_set_sd(x), mask));
#else
    return ns_from_bits(ns_to_bits(x) & ~((UINT64_C(1) << 52) - 1));
#endif
}

/* The common case of ns_round_binary: RNE of x into the binary format
 * (p <= 51, emin, max_finite) when the result is a normal number of it.
 * With c = 1.5 * 2^(e+53-p), e the exponent of x, (x + c) - c is x rounded to
 * a multiple of 2^(e-p+1), ties to even: x + c stays in c's binade, where the
 * ulp is that quantum and c/ulp is even, and the subtraction is exact.  That
 * is the format's quantum for |x| >= 2^emin.  Below, the format's quantum is
 * coarser, but a result of exactly 2^emin from below is still right (it needs
 * x >= 2^emin - 2^(emin-p-1), above the midpoint 2^emin - 2^(emin-p) of the
 * subnormal grid).  So the result is accepted when 2^emin <= |y| <=
 * max_finite; otherwise (a subnormal or zero result, overflow, inf, NaN: all
 * land outside, NaN compares false) it returns false and leaves *y alone. */
static inline bool ns_round_binary_normal(double x, int p, int emin, double max_finite, double *y)
{
    double c = ns_sign_and_binade(x) * ns_from_bits((uint64_t)(1023 + 53 - p) << 52 |
                                                    UINT64_C(1) << 51);  /* 1.5 * 2^(53-p) */
    double r = (x + c) - c;
    double a = fabs(r);
    if (!(a >= ns_from_bits((uint64_t)(emin + 1023) << 52) && a <= max_finite))
        return false;
    *y = r;
    return true;
}

/* ns_round_binary_normal extended to subnormal and zero results.  When the
 * normal path declines and the result it found is below 2^emin, x is below
 * 2^emin too (or x was rounded up onto 2^emin, which ns_round_binary_normal
 * accepts), so its quantum is the subnormals' 2^(emin-p+1), and the same
 * magic-constant rounding with c = +-1.5 * 2^(emin+53-p) gives it; a zero
 * result takes x's sign (RNE gives -0 for -tiny).  The normal case, first,
 * keeps the latency of a rounding low (sums are chains of them).  Overflow,
 * inf and NaN return false and leave *y alone. */
static inline bool ns_round_binary_finite(double x, int p, int emin, double max_finite, double *y)
{
    if (ns_round_binary_normal(x, p, emin, max_finite, y))
        return true;
    double min_normal = ns_from_bits((uint64_t)(emin + 1023) << 52);
    if (!(fabs(x) < min_normal))
        return false;
    double c = copysign(min_normal * ns_from_bits((uint64_t)(1023 + 53 - p) << 52 | UINT64_C(1) << 51), x);
    *y = copysign((x + c) - c, x);
    return true;
}

/* x rounded into f.  fp16 and bf16 with a finite result are rounded inline;
 * everything else goes through the format's function. */
static inline double ns_round(const ns_format *f, double x)
{
    double y;
    if (f == &ns_fp16 && ns_round_binary_finite(x, NS_FP16_P, NS_FP16_EMIN, NS_FP16_MAX, &y))
        return y;
    if (f == &ns_bf16 && ns_round_binary_finite(x, NS_BF16_P, NS_BF16_EMIN, NS_BF16_MAX, &y))
        return y;
    return f->round(f, x);
}

/* Unit in the last place of |x| in format f (for x = 0: the smallest
 * subnormal); for inf/NaN: NaN. */
double ns_ulp(const ns_format *f, double x);

/* Smallest positive value of the format (subnormal when kept). */
double ns_format_min_positive(const ns_format *f);

/* Unit roundoff u = 2^-p. */
double ns_unit_roundoff(const ns_format *f);

#endif
