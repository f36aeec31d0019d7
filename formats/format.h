/* Number formats as data.
 *
 * A format is a binary floating-point format described by its precision p
 * (significand bits including the hidden one), its IEEE exponent range
 * [emin, emax], its largest finite value, what overflow gives, whether it
 * keeps subnormals and -0, and the function that rounds a binary64 value
 * into it.  Every value of every format here is exactly a double, so
 * emulated values live in doubles.
 *
 * The modifiers of SPEC section 6 (+sat, +ftz, +daz, +sr) are data too: a
 * format with modifiers is a copy of its base format with the fields below
 * changed (formats/modifier.c), found by ns_format_find("e4m3+sat").  Every
 * rule about NaN, overflow, flushing and stochastic rounding lives in the
 * formats layer, never in an algorithm; no algorithm names a concrete
 * format. */
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

/* What a result beyond max_finite (and an infinite operand) becomes. */
typedef enum {
    NS_OVERFLOW_INF,      /* +-inf (IEEE formats, e5m2) */
    NS_OVERFLOW_NAN,      /* NaN (e4m3 and the fnuz formats: no infinities) */
    NS_OVERFLOW_SAT,      /* +-max_finite (the FP6 and FP4 formats; +sat) */
} ns_overflow;

struct ns_format {
    const char *name;       /* "fp16", "e4m3+sat" */
    const char *summary;    /* one line for `normstab list formats` */
    int p;                  /* precision in bits, hidden bit included */
    int emin, emax;         /* IEEE exponents: min normal 2^emin */
    int width;              /* bits of an encoding (16 for fp16, 8 for e4m3) */
    bool subnormals;        /* false: a subnormal result becomes a zero of
                               its sign (+ftz) */
    double max_finite;      /* largest finite value */
    double (*round)(const ns_format *f, double x); /* into the format */
    ns_overflow overflow;
    bool neg_zero;          /* false: -0 does not exist and reads as +0 (fnuz) */
    bool daz;               /* a subnormal operand of the format's arithmetic
                               reads as a zero of its sign (+daz) */
    bool stochastic;        /* inexact results round stochastically (+sr) */
    const ns_format *base;  /* the format without modifiers (itself for one) */
    /* The constants of the inline rounding of a format known only at run
     * time (ns_round_binary_normal_by): 1.5 * 2^(53-p) and 2^emin.  A copy
     * with a wider exponent range may keep min_normal: the inline path then
     * only declines more results to the format's function. */
    double magic, min_normal;
};

extern const ns_format ns_fp16, ns_bf16, ns_fp32, ns_fp64, ns_tf32;
extern const ns_format ns_e4m3, ns_e5m2, ns_e4m3fnuz, ns_e5m2fnuz, ns_e3m2, ns_e2m3, ns_e2m1;

/* fp16, bf16 and e4m3 as constants: the table in format.c is made of them,
 * and ns_round's inline paths use them. */
#define NS_FP16_P 11
#define NS_FP16_EMIN (-14)
#define NS_FP16_EMAX 15
#define NS_FP16_MAX 65504.0
#define NS_BF16_P 8
#define NS_BF16_EMIN (-126)
#define NS_BF16_EMAX 127
#define NS_BF16_MAX 0x1.fep127
#define NS_E4M3_P 4
#define NS_E4M3_EMIN (-6)
#define NS_E4M3_EMAX 8
#define NS_E4M3_MAX 448.0

/* The formats without modifiers in the order `list formats` shows them;
 * NULL-terminated. */
extern const ns_format *const ns_formats[];

/* A format by name, with modifiers ("e4m3", "fp16+ftz+daz"); NULL when the
 * name is not one (ns_format_parse says why). */
const ns_format *ns_format_find(const char *name);

/* The same, with a one-line reason in err when NULL: an unknown format, an
 * unknown or repeated modifier, or a modifier the format cannot take. */
const ns_format *ns_format_parse(const char *name, char *err, size_t errlen);

static inline uint64_t ns_to_bits(double x) { uint64_t b; memcpy(&b, &x, sizeof b); return b; }
static inline double ns_from_bits(uint64_t b) { double x; memcpy(&x, &b, sizeof x); return x; }

/* Round-to-nearest-even into any binary format with p <= 51 given as data:
 * overflow (a result beyond max_finite, an infinite x) as f->overflow says,
 * subnormal results flushed unless f->subnormals, -0 kept unless it does not
 * exist, NaN returned as is (also in a format without NaN: the analysis
 * reports it as the algorithm's error). */
double ns_round_binary(const ns_format *f, double x);

/* Stochastic rounding into a format with p <= 51 (SPEC section 6): an
 * inexact x becomes the neighbour above with probability (x - down) /
 * (up - down), else the one below, drawing from the calling thread's stream
 * (formats/stochastic.h); then overflow, flushing and -0 as ns_round_binary. */
double ns_round_stochastic(const ns_format *f, double x);

/* y, a value of f's grid with the exponent range unbounded above, as the
 * format stores it: beyond max_finite it overflows as f->overflow says;
 * subnormal, it is flushed unless f->subnormals; -0 becomes +0 unless
 * f->neg_zero.  NaN stays. */
double ns_format_finish(const ns_format *f, double y);

/* What an overflow of sign s (the sign of x) gives in f. */
static inline double ns_format_overflow(const ns_format *f, double x)
{
    switch (f->overflow) {
    case NS_OVERFLOW_NAN: return NAN;
    case NS_OVERFLOW_SAT: return copysign(f->max_finite, x);
    case NS_OVERFLOW_INF:
    default: return copysign(INFINITY, x);
    }
}

/* An operand as a +daz format reads it: below 2^emin, a zero of its sign. */
static inline double ns_format_daz(const ns_format *f, double x)
{
    return fabs(x) < ns_from_bits((uint64_t)(f->emin + 1023) << 52) ? copysign(0.0, x) : x;
}

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
 * land outside, NaN compares false) it returns false and leaves *y alone.
 * magic = 1.5 * 2^(53-p), min_normal = 2^emin. */
static inline bool ns_round_binary_normal_by(double x, double magic, double min_normal,
                                             double max_finite, double *y)
{
    double c = ns_sign_and_binade(x) * magic;
    double r = (x + c) - c;
    double a = fabs(r);
    if (!(a >= min_normal && a <= max_finite))
        return false;
    *y = r;
    return true;
}

/* The same with the constants made from p and emin (folded when they are
 * constants). */
static inline bool ns_round_binary_normal(double x, int p, int emin, double max_finite, double *y)
{
    return ns_round_binary_normal_by(x, ns_from_bits((uint64_t)(1023 + 53 - p) << 52 | UINT64_C(1) << 51),
                                     ns_from_bits((uint64_t)(emin + 1023) << 52), max_finite, y);
}

/* ns_round_binary_normal extended to subnormal and zero results.  When the
 * normal path declines and the result it found is below 2^emin, x is below
 * 2^emin too (or x was rounded up onto 2^emin, which ns_round_binary_normal
 * accepts), so its quantum is the subnormals' 2^(emin-p+1), and the same
 * magic-constant rounding with c = +-1.5 * 2^(emin+53-p) gives it; a zero
 * result takes x's sign (RNE gives -0 for -tiny).  The normal case, first,
 * keeps the latency of a rounding low (sums are chains of them).  Overflow,
 * inf and NaN return false and leave *y alone.  For a format that keeps
 * subnormals and -0 (not +ftz, not fnuz). */
static inline bool ns_round_binary_finite_by(double x, double magic, double min_normal,
                                             double max_finite, double *y)
{
    if (ns_round_binary_normal_by(x, magic, min_normal, max_finite, y))
        return true;
    if (!(fabs(x) < min_normal))
        return false;
    double c = copysign(min_normal * magic, x);
    *y = copysign((x + c) - c, x);
    return true;
}

static inline bool ns_round_binary_finite(double x, int p, int emin, double max_finite, double *y)
{
    return ns_round_binary_finite_by(x, ns_from_bits((uint64_t)(1023 + 53 - p) << 52 | UINT64_C(1) << 51),
                                     ns_from_bits((uint64_t)(emin + 1023) << 52), max_finite, y);
}

/* x rounded into f.  A result of fp16 or bf16 that is finite, and a normal
 * result of e4m3, are rounded inline with the formats' constants (the
 * storage formats of attention kernels; each test here costs every format
 * after it); a normal result of any other format that ns_round_binary
 * rounds (the formats of SPEC section 6 and their modifiers but +sr, which
 * leave a normal result alone) inline with the constants it carries;
 * everything else goes through the format's function. */
static inline double ns_round(const ns_format *f, double x)
{
    double y;
    if (f == &ns_fp16 && ns_round_binary_finite(x, NS_FP16_P, NS_FP16_EMIN, NS_FP16_MAX, &y))
        return y;
    if (f == &ns_bf16 && ns_round_binary_finite(x, NS_BF16_P, NS_BF16_EMIN, NS_BF16_MAX, &y))
        return y;
    if (f == &ns_e4m3 && ns_round_binary_normal(x, NS_E4M3_P, NS_E4M3_EMIN, NS_E4M3_MAX, &y))
        return y;
    if (f->round == ns_round_binary &&
        ns_round_binary_normal_by(x, f->magic, f->min_normal, f->max_finite, &y))
        return y;
    return f->round(f, x);
}

/* Unit in the last place of |x| in format f (for x = 0: the smallest
 * subnormal); for inf/NaN: NaN. */
double ns_ulp(const ns_format *f, double x);

/* Smallest positive value of the format (subnormal when kept, else 2^emin). */
double ns_format_min_positive(const ns_format *f);

/* Unit roundoff: u = 2^-p, the largest relative error of a rounding to
 * nearest; 2^(1-p) for a stochastic format, whose rounding errs by up to an
 * ulp. */
double ns_unit_roundoff(const ns_format *f);

#endif
