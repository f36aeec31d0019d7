/* Checks of formats/ against references that do not share its code, used by
 * tests/test_arith.c (samples, in `make test`) and checks/exhaustive.c (every
 * input, or 10^7 random ones, in `make exhaustive`).
 *
 * The references:
 *  - chk_round_bits: rounding into a format by integer arithmetic on the bits
 *    of a double (RNE on the significand, subnormals, overflow), written from
 *    IEEE 754 alone; the formats' geometry comes from SPEC section 1
 *    (chk_fp16, chk_bf16, chk_fp32), not from formats/format.c.
 *  - chk_mpfr_*: MPFR as its manual prescribes for emulating a format: set
 *    the format's exponent range, operate at precision p, mpfr_subnormalize
 *    with the ternary value.  formats/emulate.c does it differently (operate
 *    in MPFR's wide range, then mpfr_check_range), so each checks the other.
 *    The operands must lie in the format's range (same-format operands do).
 * Every comparison is of bit patterns, except that any NaN matches any NaN. */
#ifndef NS_ARITH_CHECK_H
#define NS_ARITH_CHECK_H

#include <math.h>
#include <mpfr.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../formats/arith.h"
#include "../formats/emulate.h"

/* ---- formats as SPEC section 1 gives them ---- */

typedef struct {
    const ns_format *f;     /* the format under test */
    int p, emin, emax;      /* SPEC's numbers */
    int ebits;              /* exponent field width: emax = 2^(ebits-1) - 1 */
} chk_geom;

static const chk_geom chk_fp16 = { &ns_fp16, 11, -14, 15, 5 };
static const chk_geom chk_bf16 = { &ns_bf16, 8, -126, 127, 8 };
static const chk_geom chk_fp32 = { &ns_fp32, 24, -126, 127, 8 };

static inline int chk_width(const chk_geom *g) { return g->ebits + g->p; }   /* bits per value */

static inline bool chk_same(double a, double b)
{
    return (isnan(a) && isnan(b)) || ns_to_bits(a) == ns_to_bits(b);
}

/* ---- the integer reference ---- */

/* The encoding (sign, exponent field, trailing significand) of the double
 * with bits xb rounded to nearest, ties to even, into g.  NaN gives the quiet
 * NaN of x's sign. */
static inline uint64_t chk_round_bits(const chk_geom *g, uint64_t xb)
{
    uint64_t sign = (xb >> 63) << (chk_width(g) - 1);
    uint64_t emask = ((uint64_t)1 << g->ebits) - 1;
    uint64_t inf = sign | emask << (g->p - 1);
    int biased = (int)((xb >> 52) & 0x7ff);
    uint64_t frac = xb & (((uint64_t)1 << 52) - 1);
    if (biased == 0x7ff)
        return frac ? inf | (uint64_t)1 << (g->p - 2) : inf;
    /* |x| = sig * 2^(e - 52) */
    uint64_t sig = biased ? frac | (uint64_t)1 << 52 : frac;
    int e = biased ? biased - 1023 : -1022;
    /* The result is q * 2^qe, qe the quantum of the binade (or of the
     * subnormals), so q = sig / 2^shift rounded, shift >= 53 - p >= 2. */
    int qe = (e > g->emin ? e : g->emin) - (g->p - 1);
    int shift = qe - (e - 52);
    uint64_t q;
    if (shift >= 60) {
        q = 0;                                   /* sig < 2^53 < half of 2^shift */
    } else {
        uint64_t rest = sig & (((uint64_t)1 << shift) - 1), half = (uint64_t)1 << (shift - 1);
        q = sig >> shift;
        if (rest > half || (rest == half && (q & 1)))
            q++;
    }
    if (q == (uint64_t)1 << g->p) {              /* carried into the next binade */
        q >>= 1;
        qe++;
    }
    if (q < (uint64_t)1 << (g->p - 1))           /* subnormal or zero: qe is the least */
        return sign | q;
    int field = qe + (g->p - 1) + g->emax;       /* biased exponent */
    if (field >= (int)emask)
        return inf;
    return sign | (uint64_t)field << (g->p - 1) | (q - ((uint64_t)1 << (g->p - 1)));
}

/* The value of an encoding of g, as a double. */
static inline double chk_decode(const chk_geom *g, uint64_t enc)
{
    int w = chk_width(g);
    uint64_t emask = ((uint64_t)1 << g->ebits) - 1;
    int field = (int)((enc >> (g->p - 1)) & emask);
    uint64_t frac = enc & (((uint64_t)1 << (g->p - 1)) - 1);
    double v;
    if (field == (int)emask)
        v = frac ? NAN : INFINITY;
    else if (field == 0)
        v = ldexp((double)frac, g->emin - (g->p - 1));
    else
        v = ldexp((double)(frac | (uint64_t)1 << (g->p - 1)), field - g->emax - (g->p - 1));
    return (enc >> (w - 1)) & 1 ? -v : v;
}

static inline double chk_round_ref(const chk_geom *g, double x)
{
    return chk_decode(g, chk_round_bits(g, ns_to_bits(x)));
}

/* ---- MPFR, emulating the format in its own exponent range ---- */

typedef int (*chk_mpfr1)(mpfr_ptr, mpfr_srcptr, mpfr_rnd_t);
typedef int (*chk_mpfr2)(mpfr_ptr, mpfr_srcptr, mpfr_srcptr, mpfr_rnd_t);

/* Runs between chk_mpfr_enter and chk_mpfr_leave see g's exponent range:
 * emin = emin_IEEE - p + 2, emax = emax_IEEE + 1 (MPFR's significands lie in
 * [1/2, 1)). */
typedef struct { mpfr_exp_t emin, emax; } chk_mpfr_saved;

static inline chk_mpfr_saved chk_mpfr_enter(const chk_geom *g)
{
    chk_mpfr_saved s = { mpfr_get_emin(), mpfr_get_emax() };
    mpfr_set_emin(g->emin - g->p + 2);
    mpfr_set_emax(g->emax + 1);
    return s;
}

static inline void chk_mpfr_leave(chk_mpfr_saved s)
{
    mpfr_set_emin(s.emin);
    mpfr_set_emax(s.emax);
}

/* The operation on the nin doubles in[] (fn1 for one, fn2 for two, fma for
 * three), each read exactly in the wide range, rounded once into g. */
static inline double chk_mpfr_op(const chk_geom *g, chk_mpfr1 fn1, chk_mpfr2 fn2, int nin, const double *in)
{
    mpfr_t a[3], r;
    for (int i = 0; i < nin; i++) {
        mpfr_init2(a[i], 53);
        mpfr_set_d(a[i], in[i], MPFR_RNDN);
    }
    mpfr_init2(r, g->p);
    chk_mpfr_saved s = chk_mpfr_enter(g);
    int t = nin == 1 ? fn1(r, a[0], MPFR_RNDN)
          : nin == 2 ? fn2(r, a[0], a[1], MPFR_RNDN)
          : mpfr_fma(r, a[0], a[1], a[2], MPFR_RNDN);
    mpfr_subnormalize(r, t, MPFR_RNDN);
    chk_mpfr_leave(s);
    double d = mpfr_get_d(r, MPFR_RNDN);
    for (int i = 0; i < nin; i++)
        mpfr_clear(a[i]);
    mpfr_clear(r);
    return d;
}

static inline double chk_mpfr_unary(const chk_geom *g, chk_mpfr1 fn, double x)
{
    return chk_mpfr_op(g, fn, NULL, 1, (const double[]){ x });
}

static inline double chk_mpfr_binary(const chk_geom *g, chk_mpfr2 fn, double x, double y)
{
    return chk_mpfr_op(g, NULL, fn, 2, (const double[]){ x, y });
}

static inline double chk_mpfr_fma(const chk_geom *g, double x, double y, double z)
{
    return chk_mpfr_op(g, NULL, NULL, 3, (const double[]){ x, y, z });
}

/* ---- the operations: formats/arith.h beside its two MPFR references ---- */

typedef struct {
    const char *name;
    double (*fp)(const ns_format *, double);
    ns_emu_unary emu;
    chk_mpfr1 mpfr;
} chk_unary_op;

typedef struct {
    const char *name;
    double (*fp)(const ns_format *, double, double);
    ns_emu_binary emu;
    chk_mpfr2 mpfr;
} chk_binary_op;

static const chk_unary_op chk_unary_ops[] = {
    { "exp", ns_fp_exp, NS_EMU_EXP, mpfr_exp },
    { "expm1", ns_fp_expm1, NS_EMU_EXPM1, mpfr_expm1 },
    { "log", ns_fp_log, NS_EMU_LOG, mpfr_log },
    { "log1p", ns_fp_log1p, NS_EMU_LOG1P, mpfr_log1p },
    { "tanh", ns_fp_tanh, NS_EMU_TANH, mpfr_tanh },
    { "sqrt", ns_fp_sqrt, NS_EMU_SQRT, mpfr_sqrt },
};
#define CHK_NUNARY 6

static const chk_binary_op chk_binary_ops[] = {
    { "add", ns_fp_add, NS_EMU_ADD, mpfr_add },
    { "sub", ns_fp_sub, NS_EMU_SUB, mpfr_sub },
    { "mul", ns_fp_mul, NS_EMU_MUL, mpfr_mul },
    { "div", ns_fp_div, NS_EMU_DIV, mpfr_div },
    { "pow", ns_fp_pow, NS_EMU_POW, mpfr_pow },
};
#define CHK_NBINARY 5

/* ---- one check: the result under test against the references ---- */

typedef struct {
    char what[96];          /* "fp16 add", "round bf16", ... */
    double in[3];
    int nin;
    double got;
    double want;            /* formats/emulate.c (or the integer reference when alone) */
    double want2;           /* the independent reference when there is one, else NaN */
    bool has_want2;
} chk_mismatch;

/* Compares got with want (and want2 unless NAN is passed with check2 false);
 * fills *m and returns false on a difference. */
static inline bool chk_agree(chk_mismatch *m, const char *what, const char *fmt, int nin,
                             const double *in, double got, double want, bool check2, double want2)
{
    if (chk_same(got, want) && (!check2 || chk_same(want, want2)))
        return true;
    snprintf(m->what, sizeof m->what, "%s %s", fmt, what);
    for (int i = 0; i < 3; i++)
        m->in[i] = i < nin ? in[i] : 0;
    m->nin = nin;
    m->got = got;
    m->want = want;
    m->want2 = check2 ? want2 : NAN;
    m->has_want2 = check2;
    return false;
}

static inline void chk_print(FILE *out, const chk_mismatch *m)
{
    fprintf(out, "%s(", m->what);
    for (int i = 0; i < m->nin; i++)
        fprintf(out, "%s%a", i ? ", " : "", m->in[i]);
    fprintf(out, ") = %a, expected %a", m->got, m->want);
    if (m->has_want2)
        fprintf(out, ", independent reference %a", m->want2);
    fputc('\n', out);
}

/* Unary op of g at x: ns_fp_* against ns_emu_* and the test's MPFR. */
static inline bool chk_unary(const chk_geom *g, const chk_unary_op *op, double x, chk_mismatch *m)
{
    double got = op->fp(g->f, x);
    double want = ns_emu_unary_op(g->f, op->emu, x);
    double want2 = chk_mpfr_unary(g, op->mpfr, x);
    return chk_agree(m, op->name, g->f->name, 1, &x, got, want, true, want2);
}

/* Binary op.  same_format: the operands are values of g, so the test's MPFR
 * (which needs operands in g's range) applies too. */
static inline bool chk_binary(const chk_geom *g, const chk_binary_op *op, double a, double b,
                              bool same_format, chk_mismatch *m)
{
    double in[2] = { a, b };
    double got = op->fp(g->f, a, b);
    double want = ns_emu_binary_op(g->f, op->emu, a, b);
    double want2 = same_format ? chk_mpfr_binary(g, op->mpfr, a, b) : NAN;
    return chk_agree(m, op->name, g->f->name, 2, in, got, want, same_format, want2);
}

static inline bool chk_fma(const chk_geom *g, double a, double b, double c, bool same_format,
                           chk_mismatch *m)
{
    double in[3] = { a, b, c };
    double got = ns_fp_fma(g->f, a, b, c);
    double want = ns_emu_fma(g->f, a, b, c);
    double want2 = same_format ? chk_mpfr_fma(g, a, b, c) : NAN;
    return chk_agree(m, "fma", g->f->name, 3, in, got, want, same_format, want2);
}

/* ns_round (inline path and the format's function) against the integer
 * reference and ns_emu_round. */
static inline bool chk_round(const chk_geom *g, double x, bool with_mpfr, chk_mismatch *m)
{
    double want = chk_round_ref(g, x);
    double got = ns_round(g->f, x), got_fn = g->f->round(g->f, x);
    if (!chk_same(got, got_fn))
        return chk_agree(m, "round (ns_round vs format->round)", g->f->name, 1, &x, got_fn,
                         got, false, NAN);
    double emu = with_mpfr ? ns_emu_round(g->f, x) : want;
    return chk_agree(m, "round", g->f->name, 1, &x, got, emu, true, want);
}

/* ---- inputs ---- */

/* splitmix64 (Steele, Lea, Flood 2014): seeded per block, so a run is the
 * same whatever the threads do. */
typedef struct { uint64_t s; } chk_rng;

static inline uint64_t chk_next(chk_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static inline chk_rng chk_seed(uint64_t seed, uint64_t block)
{
    chk_rng r = { seed ^ (block * 0xd1b54a32d192ed03u) };
    chk_next(&r);
    return r;
}

static inline uint64_t chk_below(chk_rng *r, uint64_t n) { return chk_next(r) % n; }

/* A uniformly random encoding of g (NaN, inf, subnormals included). */
static inline uint64_t chk_random_enc(const chk_geom *g, chk_rng *r)
{
    return chk_next(r) & (((uint64_t)1 << chk_width(g)) - 1);
}

static inline double chk_random(const chk_geom *g, chk_rng *r)
{
    return chk_decode(g, chk_random_enc(g, r));
}

/* A finite value of g with a random significand and sign whose exponent field
 * is within 3 of that of enc (so that sums cancel and align closely). */
static inline double chk_random_near(const chk_geom *g, chk_rng *r, uint64_t enc)
{
    int emax_field = (1 << g->ebits) - 2;
    int field = (int)((enc >> (g->p - 1)) & (uint64_t)((1 << g->ebits) - 1));
    field += (int)chk_below(r, 7) - 3;
    field = field < 0 ? 0 : field > emax_field ? emax_field : field;
    uint64_t out = (chk_next(r) & 1) << (chk_width(g) - 1) | (uint64_t)field << (g->p - 1) |
                   (chk_next(r) & (((uint64_t)1 << (g->p - 1)) - 1));
    return chk_decode(g, out);
}

/* A random operand pair of g, in one of four kinds: both uniform encodings;
 * b of about a's magnitude; b a few encodings from a (cancellation, quotients
 * near 1); b a small integer or half or quarter (exact results and ties, pow
 * with integer exponents). */
static inline void chk_random_pair(const chk_geom *g, chk_rng *r, double *a, double *b)
{
    uint64_t ea = chk_random_enc(g, r);
    *a = chk_decode(g, ea);
    switch (chk_below(r, 4)) {
    case 0:
        *b = chk_random(g, r);
        break;
    case 1:
        *b = chk_random_near(g, r, ea);
        break;
    case 2: {
        uint64_t mask = ((uint64_t)1 << chk_width(g)) - 1;
        uint64_t eb = (ea + chk_below(r, 33) - 16) & mask;
        *b = chk_decode(g, eb ^ ((chk_next(r) & 1) << (chk_width(g) - 1)));
        break;
    }
    default:
        *b = ldexp((double)((int)chk_below(r, 33) - 16), -(int)chk_below(r, 3));
        break;
    }
    if (chk_next(r) & 1) {                       /* either operand may be the odd one */
        double t = *a;
        *a = *b;
        *b = t;
    }
}

/* A random fma triple: a, b as chk_random_pair, c uniform or near a*b. */
static inline void chk_random_triple(const chk_geom *g, chk_rng *r, double *a, double *b,
                                     double *c)
{
    chk_random_pair(g, r, a, b);
    double p = *a * *b;
    if (chk_next(r) & 1 && isfinite(p) && p != 0)
        *c = -chk_round_ref(g, p) * (double)(1 + (int)chk_below(r, 2));
    else
        *c = chk_random(g, r);
    if (chk_below(r, 4) == 0)
        *c = chk_random_near(g, r, chk_round_bits(g, ns_to_bits(p)));
}

/* Special values: +-0, +-inf, NaN, +-max, +-min subnormal, +-min normal,
 * +-1, 2, 0.5. */
#define CHK_NSPECIAL 15
static inline void chk_specials(const chk_geom *g, double v[CHK_NSPECIAL])
{
    double max = ldexp(2 - ldexp(1, 1 - g->p), g->emax);
    double sub = ldexp(1, g->emin - g->p + 1), nrm = ldexp(1, g->emin);
    double s[CHK_NSPECIAL] = { 0.0, -0.0, INFINITY, -INFINITY, NAN, max, -max, sub, -sub,
                               nrm, -nrm, 1, -1, 2, 0.5 };
    memcpy(v, s, sizeof s);
}

/* A random midpoint of g: half way between a finite value and the next one
 * away from zero (max's midpoint is the overflow threshold); *ulp (unless
 * NULL) is the distance between the two. */
static inline double chk_random_midpoint(const chk_geom *g, chk_rng *r, double *ulp_out)
{
    uint64_t enc;
    double v;
    do {
        enc = chk_random_enc(g, r);
        v = chk_decode(g, enc);
    } while (!isfinite(v));
    int field = (int)((enc >> (g->p - 1)) & (uint64_t)((1 << g->ebits) - 1));
    double ulp = ldexp(1, (field ? field - g->emax : g->emin) - (g->p - 1));
    if (ulp_out)
        *ulp_out = ulp;
    return v + copysign(ulp / 2, signbit(v) ? -1.0 : 1.0);
}

/* x moved by k ulps of fp32 (k in -2..2), x a float. */
static inline double chk_nudge32(double x, int k)
{
    float f = (float)x;
    for (; k > 0; k--)
        f = nextafterf(f, INFINITY);
    for (; k < 0; k++)
        f = nextafterf(f, -INFINITY);
    return f;
}

/* fp32 operands of an op (0 add, 1 sub, 2 mul, 3 div, 4 fma) whose exact
 * result lies near a random midpoint of g: the case where rounding twice (to
 * double, then to g) would go wrong, and where ns_fp_* relies on
 * round-to-odd.  Half the time for add, sub and fma, the result is the
 * midpoint plus or minus a term 2^-30 to 2^-70 times smaller (below half an
 * ulp of a double: the double sum is the midpoint itself, and only
 * round-to-odd remembers on which side the exact value was); otherwise it
 * lies within a few fp32 ulps of the midpoint. */
static inline void chk_mixed_operands(const chk_geom *g, chk_rng *r, int op, double in[3])
{
    double m = chk_random_midpoint(g, r, NULL);
    int k = (int)chk_below(r, 5) - 2;
    double sig = 1 + (double)(chk_next(r) >> 40) * 0x1p-24;   /* random fp32 significand */
    double sign = chk_next(r) & 1 ? -1 : 1;
    int e = ilogb(m == 0 ? 1 : m);
    if (op != 2 && op != 3 && chk_next(r) & 1) {
        /* m has p + 1 <= 25 bits and lies in fp32's range: a float */
        double tiny = (float)(sign * ldexp(sig, e - 30 - (int)chk_below(r, 41)));
        int s = (int)chk_below(r, 9) - 4;          /* fma: m = (m 2^-s) * 2^s */
        in[0] = op == 4 ? ldexp(m, -s) : m;
        in[1] = op == 4 ? ldexp(1, s) : op == 0 ? tiny : -tiny;
        in[2] = tiny;
        return;
    }
    switch (op) {
    case 0:
    case 1: {
        double a = (float)(sign * ldexp(sig, e + (int)chk_below(r, 7) - 3));
        in[0] = a;
        in[1] = op == 0 ? chk_nudge32(m - a, k) : chk_nudge32(a - m, k);
        break;
    }
    case 2:
    case 3: {
        double a = (float)(sign * ldexp(sig, e / 2 + (int)chk_below(r, 7) - 3));
        in[0] = a;
        in[1] = op == 2 ? chk_nudge32(m / a, k) : chk_nudge32(a / m, k);
        break;
    }
    default: {
        double a = (float)(sign * ldexp(sig, e / 2 + (int)chk_below(r, 5) - 2));
        double b = (float)ldexp(1 + (double)(chk_next(r) >> 40) * 0x1p-24,
                                e - e / 2 + (int)chk_below(r, 5) - 2);
        in[0] = a;
        in[1] = b;
        in[2] = chk_nudge32(m - a * b, k);   /* a*b exact in double */
        break;
    }
    }
}

/* One mixed-operand check (op as in chk_mixed_operands): ns_fp_* against
 * ns_emu_*, and, when the exact result is a double (always for mul, mostly
 * for add and sub, ties included), against the integer reference applied to
 * that double. */
static inline bool chk_mixed(const chk_geom *g, chk_rng *r, int op, chk_mismatch *m)
{
    double in[3] = { 0, 0, 0 };
    chk_mixed_operands(g, r, op, in);
    mpfr_t a, b, c, x;
    mpfr_inits2(53, a, b, c, x, (mpfr_ptr)0);
    mpfr_set_d(a, in[0], MPFR_RNDN);
    mpfr_set_d(b, in[1], MPFR_RNDN);
    mpfr_set_d(c, in[2], MPFR_RNDN);
    int t = op == 0 ? mpfr_add(x, a, b, MPFR_RNDN) : op == 1 ? mpfr_sub(x, a, b, MPFR_RNDN)
          : op == 2 ? mpfr_mul(x, a, b, MPFR_RNDN) : op == 3 ? mpfr_div(x, a, b, MPFR_RNDN)
          : mpfr_fma(x, a, b, c, MPFR_RNDN);
    double exact = mpfr_get_d(x, MPFR_RNDN);
    mpfr_clears(a, b, c, x, (mpfr_ptr)0);
    double got = op == 4 ? ns_fp_fma(g->f, in[0], in[1], in[2])
                         : chk_binary_ops[op].fp(g->f, in[0], in[1]);
    double want = op == 4 ? ns_emu_fma(g->f, in[0], in[1], in[2])
                          : ns_emu_binary_op(g->f, chk_binary_ops[op].emu, in[0], in[1]);
    const char *name = op == 4 ? "fma (fp32 operands)" : op == 0 ? "add (fp32 operands)"
                     : op == 1 ? "sub (fp32 operands)" : op == 2 ? "mul (fp32 operands)"
                     : "div (fp32 operands)";
    bool exact_double = t == 0 && isfinite(exact);
    return chk_agree(m, name, g->f->name, op == 4 ? 3 : 2, in, got, want, exact_double,
                     exact_double ? chk_round_ref(g, exact) : NAN);
}

#endif
