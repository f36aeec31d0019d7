/* Checks of the formats of SPEC section 6 (e4m3, e5m2, e4m3fnuz, e5m2fnuz,
 * e3m2, e2m3, e2m1, tf32) and of the modifiers +sat, +ftz, +daz against a
 * reference that shares no code with formats/: used by
 * tests/test_small_formats.c (samples, in `make test`) and by
 * checks/exhaustive_small.c (every value, every pair, in `make exhaustive`).
 *
 * The reference:
 *  - The value set of a format comes from its encodings as OCP FP8 v1.0 and
 *    OCP MX v1.0 define them (sign, exponent field, mantissa field, bias,
 *    which codes are NaN or inf), decoded here, not from formats/format.c.
 *  - An operation's exact result comes from MPFR, as the double rounded to
 *    odd (53 bits toward zero, last bit set when inexact), which rounds into
 *    any format of p <= 51 bits as the exact value does (Boldo & Melquiond,
 *    IEEE TC 57(4), 2008).
 *  - That double is rounded by searching the sorted value set: the nearest
 *    value, a tie to the value whose mantissa field is even; the value one
 *    quantum above max finite (480 for e4m3) stands for overflow.  Then the
 *    format's rules: overflow and inf give inf, NaN or +-max (the encodings
 *    say which; +sat: +-max), a subnormal result flushes under +ftz, no -0
 *    in fnuz, and +daz reads a subnormal operand as a zero of its sign.
 * Every comparison is of bit patterns, except that any NaN matches any NaN. */
#ifndef NS_CHECKS_SMALL_FORMATS_H
#define NS_CHECKS_SMALL_FORMATS_H

#include <math.h>
#include <mpfr.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../formats/arith.h"
#include "../formats/emulate.h"

/* ---- the formats as their encodings define them ---- */

typedef enum {
    SF_IEEE,     /* top exponent field: inf (mantissa 0) and NaN (e5m2, tf32) */
    SF_FN,       /* no inf; only S.1..1.1..1 is NaN (e4m3) */
    SF_FNUZ,     /* no inf, no -0: the code of -0 is the one NaN; bias one more */
    SF_FINITE,   /* every code a finite value (FP6, FP4) */
} sf_kind;

typedef struct {
    const char *name;       /* the format as ns_format_find knows it */
    int ebits, mbits;
    sf_kind kind;
} sf_geom;

static const sf_geom sf_formats[] = {
    { "e4m3", 4, 3, SF_FN },
    { "e5m2", 5, 2, SF_IEEE },
    { "e4m3fnuz", 4, 3, SF_FNUZ },
    { "e5m2fnuz", 5, 2, SF_FNUZ },
    { "e3m2", 3, 2, SF_FINITE },
    { "e2m3", 2, 3, SF_FINITE },
    { "e2m1", 2, 1, SF_FINITE },
    { "tf32", 8, 10, SF_IEEE },
};
#define SF_NFORMATS (sizeof sf_formats / sizeof sf_formats[0])

static inline uint32_t sf_ncodes(const sf_geom *g) { return UINT32_C(1) << (1 + g->ebits + g->mbits); }

/* The value of a code, NaN for the NaN codes. */
static inline double sf_decode(const sf_geom *g, uint32_t code)
{
    uint32_t emask = (UINT32_C(1) << g->ebits) - 1, mmask = (UINT32_C(1) << g->mbits) - 1;
    uint32_t sign = code >> (g->ebits + g->mbits), e = (code >> g->mbits) & emask, m = code & mmask;
    int bias = (1 << (g->ebits - 1)) - (g->kind == SF_FNUZ ? 0 : 1);
    if (g->kind == SF_FNUZ && sign && e == 0 && m == 0)
        return NAN;
    if (g->kind == SF_IEEE && e == emask)
        return m ? NAN : (sign ? -INFINITY : INFINITY);
    if (g->kind == SF_FN && e == emask && m == mmask)
        return NAN;
    double v = e ? ldexp((double)((UINT32_C(1) << g->mbits) | m), (int)e - bias - g->mbits)
                 : ldexp((double)m, 1 - bias - g->mbits);
    return sign ? -v : v;
}

/* The non-negative finite values in increasing order, each with the parity
 * of its mantissa field, and what overflow gives. */
typedef struct {
    const sf_geom *g;
    const ns_format *f;     /* the format (with modifiers) under test */
    double *v;              /* v[0] = 0 < v[1] < ... < v[n-1] = max finite */
    bool *even;
    size_t n;
    double min_normal;
    double next;            /* one quantum above max: the first overflowing value */
    bool sat, ftz, daz;     /* the modifiers, as the reference applies them */
} sf_table;

static inline int sf_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* mods: any of "+sat", "+ftz", "+daz" ("" for none). */
static inline int sf_table_init(sf_table *t, const sf_geom *g, const char *mods)
{
    char name[64];
    snprintf(name, sizeof name, "%s%s", g->name, mods);
    memset(t, 0, sizeof *t);
    t->g = g;
    t->f = ns_format_find(name);
    t->sat = strstr(mods, "+sat") != NULL;
    t->ftz = strstr(mods, "+ftz") != NULL;
    t->daz = strstr(mods, "+daz") != NULL;
    uint32_t half = sf_ncodes(g) / 2;       /* the codes of sign 0 */
    t->v = malloc(half * sizeof *t->v);
    t->even = malloc(half * sizeof *t->even);
    if (!t->f || !t->v || !t->even)
        return -1;
    for (uint32_t c = 0; c < half; c++) {
        double x = sf_decode(g, c);
        if (isfinite(x))
            t->v[t->n++] = x;
    }
    qsort(t->v, t->n, sizeof *t->v, sf_cmp);
    /* Increasing codes give increasing values, so value k has code k and
     * its mantissa field's parity is k's. */
    for (size_t k = 0; k < t->n; k++)
        t->even[k] = (k & 1) == 0;
    int bias = (1 << (g->ebits - 1)) - (g->kind == SF_FNUZ ? 0 : 1);
    t->min_normal = ldexp(1.0, 1 - bias);
    t->next = t->v[t->n - 1] + (t->v[t->n - 1] - t->v[t->n - 2]);
    return 0;
}

static inline void sf_table_free(sf_table *t)
{
    free(t->v);
    free(t->even);
}

static inline double sf_overflow(const sf_table *t, double sign_of)
{
    if (t->sat || t->g->kind == SF_FINITE)
        return copysign(t->v[t->n - 1], sign_of);
    return t->g->kind == SF_IEEE ? copysign(INFINITY, sign_of) : NAN;
}

/* A double rounded into the format by the value table, with its rules. */
static inline double sf_round(const sf_table *t, double x)
{
    if (isnan(x))
        return NAN;
    double a = fabs(x), max = t->v[t->n - 1], r;
    if (a > max) {
        double mid = (max + t->next) / 2;
        if (a > mid || (a == mid && !t->even[t->n - 1]))
            return sf_overflow(t, x);
        r = max;
    } else {
        size_t lo = 0, hi = t->n - 1;          /* v[lo] <= a <= v[hi] */
        while (hi - lo > 1) {
            size_t m = (lo + hi) / 2;
            if (t->v[m] <= a)
                lo = m;
            else
                hi = m;
        }
        double mid = (t->v[lo] + t->v[hi]) / 2;
        if (a == t->v[lo])
            r = a;
        else if (a < mid || (a == mid && t->even[lo]))
            r = t->v[lo];
        else
            r = t->v[hi];
    }
    if (t->ftz && r < t->min_normal)
        r = 0;
    r = copysign(r, x);
    if (r == 0 && t->g->kind == SF_FNUZ)
        r = 0.0;
    return r;
}

/* An operand as the format's arithmetic reads it. */
static inline double sf_operand(const sf_table *t, double x)
{
    return t->daz && fabs(x) < t->min_normal ? copysign(0.0, x) : x;
}

static inline bool sf_same(double a, double b)
{
    return (isnan(a) && isnan(b)) || ns_to_bits(a) == ns_to_bits(b);
}

/* ---- operations: MPFR's exact result, rounded to odd, then sf_round ---- */

typedef enum { SF_ADD, SF_SUB, SF_MUL, SF_DIV, SF_POW, SF_NBINARY } sf_binary;
typedef enum { SF_SQRT, SF_EXP, SF_EXPM1, SF_LOG, SF_LOG1P, SF_TANH, SF_NUNARY } sf_unary;
static const char *const sf_binary_names[] = { "add", "sub", "mul", "div", "pow" };
static const char *const sf_unary_names[] = { "sqrt", "exp", "expm1", "log", "log1p", "tanh" };

static inline double sf_odd(mpfr_ptr r, int t)
{
    if (mpfr_nan_p(r))
        return NAN;
    double d = mpfr_get_d(r, MPFR_RNDZ);
    if (t != 0 || mpfr_cmp_d(r, d) != 0)
        d = ns_from_bits(ns_to_bits(d) | 1);
    return d;
}

static inline double sf_ref_binary(const sf_table *t, sf_binary op, double x, double y)
{
    mpfr_t a, b, r;
    mpfr_inits2(53, a, b, r, (mpfr_ptr)0);
    mpfr_set_d(a, sf_operand(t, x), MPFR_RNDN);
    mpfr_set_d(b, sf_operand(t, y), MPFR_RNDN);
    int s = 0;
    switch (op) {
    case SF_ADD: s = mpfr_add(r, a, b, MPFR_RNDZ); break;
    case SF_SUB: s = mpfr_sub(r, a, b, MPFR_RNDZ); break;
    case SF_MUL: s = mpfr_mul(r, a, b, MPFR_RNDZ); break;
    case SF_DIV: s = mpfr_div(r, a, b, MPFR_RNDZ); break;
    default:     s = mpfr_pow(r, a, b, MPFR_RNDZ); break;
    }
    double d = sf_round(t, sf_odd(r, s));
    mpfr_clears(a, b, r, (mpfr_ptr)0);
    return d;
}

static inline double sf_ref_unary(const sf_table *t, sf_unary op, double x)
{
    mpfr_t a, r;
    mpfr_inits2(53, a, r, (mpfr_ptr)0);
    mpfr_set_d(a, sf_operand(t, x), MPFR_RNDN);
    int s = 0;
    switch (op) {
    case SF_SQRT:  s = mpfr_sqrt(r, a, MPFR_RNDZ); break;
    case SF_EXP:   s = mpfr_exp(r, a, MPFR_RNDZ); break;
    case SF_EXPM1: s = mpfr_expm1(r, a, MPFR_RNDZ); break;
    case SF_LOG:   s = mpfr_log(r, a, MPFR_RNDZ); break;
    case SF_LOG1P: s = mpfr_log1p(r, a, MPFR_RNDZ); break;
    default:       s = mpfr_tanh(r, a, MPFR_RNDZ); break;
    }
    double d = sf_round(t, sf_odd(r, s));
    mpfr_clears(a, r, (mpfr_ptr)0);
    return d;
}

static inline double sf_ref_fma(const sf_table *t, double x, double y, double z)
{
    mpfr_t a, b, c, r;
    mpfr_inits2(53, a, b, c, r, (mpfr_ptr)0);
    mpfr_set_d(a, sf_operand(t, x), MPFR_RNDN);
    mpfr_set_d(b, sf_operand(t, y), MPFR_RNDN);
    mpfr_set_d(c, sf_operand(t, z), MPFR_RNDN);
    int s = mpfr_fma(r, a, b, c, MPFR_RNDZ);
    double d = sf_round(t, sf_odd(r, s));
    mpfr_clears(a, b, c, r, (mpfr_ptr)0);
    return d;
}

/* formats/arith.h and formats/emulate.c on the same operation. */
static inline double sf_fast_binary(const ns_format *f, sf_binary op, double a, double b)
{
    switch (op) {
    case SF_ADD: return ns_fp_add(f, a, b);
    case SF_SUB: return ns_fp_sub(f, a, b);
    case SF_MUL: return ns_fp_mul(f, a, b);
    case SF_DIV: return ns_fp_div(f, a, b);
    default:     return ns_fp_pow(f, a, b);
    }
}

static inline double sf_emu_binary(const ns_format *f, sf_binary op, double a, double b)
{
    static const ns_emu_binary emu[] = { NS_EMU_ADD, NS_EMU_SUB, NS_EMU_MUL, NS_EMU_DIV, NS_EMU_POW };
    return ns_emu_binary_op(f, emu[op], a, b);
}

static inline double sf_fast_unary(const ns_format *f, sf_unary op, double x)
{
    switch (op) {
    case SF_SQRT:  return ns_fp_sqrt(f, x);
    case SF_EXP:   return ns_fp_exp(f, x);
    case SF_EXPM1: return ns_fp_expm1(f, x);
    case SF_LOG:   return ns_fp_log(f, x);
    case SF_LOG1P: return ns_fp_log1p(f, x);
    default:       return ns_fp_tanh(f, x);
    }
}

static inline double sf_emu_unary(const ns_format *f, sf_unary op, double x)
{
    static const ns_emu_unary emu[] = { NS_EMU_SQRT, NS_EMU_EXP, NS_EMU_EXPM1, NS_EMU_LOG,
                                        NS_EMU_LOG1P, NS_EMU_TANH };
    return ns_emu_unary_op(f, emu[op], x);
}

/* ---- one case: the reference against ns_round / arith and emulate ---- */

typedef struct {
    char what[96];          /* "e4m3+sat add(0x1p+0, 0x1p-3)" */
    double got, emu, want;
} sf_mismatch;

/* What went wrong first, kept by the caller. */
static inline bool sf_check(sf_mismatch *m, const char *what, double got, double emu, double want)
{
    if (sf_same(got, want) && sf_same(emu, want))
        return true;
    snprintf(m->what, sizeof m->what, "%s", what);
    m->got = got;
    m->emu = emu;
    m->want = want;
    return false;
}

static inline bool sf_check_round(const sf_table *t, double x, sf_mismatch *m)
{
    char what[96];
    snprintf(what, sizeof what, "%s round(%a)", t->f->name, x);
    return sf_check(m, what, ns_round(t->f, x), ns_emu_round(t->f, x), sf_round(t, x));
}

static inline bool sf_check_binary(const sf_table *t, sf_binary op, double a, double b,
                                   sf_mismatch *m)
{
    char what[96];
    snprintf(what, sizeof what, "%s %s(%a, %a)", t->f->name, sf_binary_names[op], a, b);
    return sf_check(m, what, sf_fast_binary(t->f, op, a, b), sf_emu_binary(t->f, op, a, b),
                    sf_ref_binary(t, op, a, b));
}

static inline bool sf_check_unary(const sf_table *t, sf_unary op, double x, sf_mismatch *m)
{
    char what[96];
    snprintf(what, sizeof what, "%s %s(%a)", t->f->name, sf_unary_names[op], x);
    return sf_check(m, what, sf_fast_unary(t->f, op, x), sf_emu_unary(t->f, op, x),
                    sf_ref_unary(t, op, x));
}

static inline bool sf_check_fma(const sf_table *t, double a, double b, double c, sf_mismatch *m)
{
    char what[96];
    snprintf(what, sizeof what, "%s fma(%a, %a, %a)", t->f->name, a, b, c);
    return sf_check(m, what, ns_fp_fma(t->f, a, b, c), ns_emu_fma(t->f, a, b, c),
                    sf_ref_fma(t, a, b, c));
}

/* Doubles around the k-th gap of the table (k < n - 1: between v[k] and
 * v[k+1]; k = n - 1: between max and the overflow value), both signs: the
 * values, the midpoint and its neighbouring doubles, a quarter either side.
 * Returns how many were written (at most 16). */
static inline int sf_gap_points(const sf_table *t, size_t k, double *out)
{
    double lo = t->v[k], hi = k + 1 < t->n ? t->v[k + 1] : t->next, mid = (lo + hi) / 2;
    double pts[8] = { lo, hi, mid, nextafter(mid, 0), nextafter(mid, INFINITY),
                      lo + (hi - lo) / 4, hi - (hi - lo) / 4, nextafter(lo, INFINITY) };
    int n = 0;
    for (int i = 0; i < 8; i++) {
        out[n++] = pts[i];
        out[n++] = -pts[i];
    }
    return n;
}

/* A format's geometry against the value set: p, width, emin, emax, max
 * finite, the smallest subnormal.  Returns a reason, or NULL. */
static inline const char *sf_geometry_differs(const sf_table *t)
{
    const ns_format *f = t->f;
    if (f->p != t->g->mbits + 1)
        return "precision";
    if (f->width != 1 + t->g->ebits + t->g->mbits)
        return "width of an encoding";
    if (ldexp(1.0, f->emin) != t->min_normal)
        return "smallest normal";
    if (f->max_finite != t->v[t->n - 1] || ilogb(f->max_finite) != f->emax)
        return "largest finite value or emax";
    if (ns_format_min_positive(f) != (t->ftz ? t->min_normal : t->v[1]))
        return "smallest positive value";
    return NULL;
}

#endif
