/* Double-double intervals in midpoint-radius form: the fast tier of the
 * reference (reference/tier.h).
 *
 * A ddi is the set [m - r, m + r] with m = hi + lo (a double-double, exact
 * real sum, |lo| <= ulp(hi)/2) and r >= 0 a double.  Every operation returns
 * an interval that contains every result of the operation on members of its
 * operands: the midpoint is the double-double result of the midpoints, and
 * the radius adds the operands' radii as they propagate, the proven error of
 * the double-double algorithm, the error of the radius computation itself
 * (a factor 1 + 2^-40 over at most a dozen roundings of 2^-53 each) and
 * 2^-1000 for what an underflow in it could lose.
 *
 * Double-double errors (Joldes, Muller, Popescu, "Tight and rigorous error
 * bounds for basic building blocks of double-word arithmetic", ACM TOMS 44,
 * 2017, u = 2^-53): AccurateDWPlusDW 3u^2 + 13u^3, DWTimesDW1 7u^2,
 * relative to the exact result; used here as 2^-100, eight times larger
 * or more (exp and its kin budget them as 2^-103, ddi.c).
 * Division is certified from its residual instead (ddi_div).
 *
 * Range: those bounds assume no underflow or overflow, so a nonzero
 * midpoint outside [2^-900, 2^900] makes the interval "invalid" (r = +inf),
 * which never settles: the caller falls back to MPFR.  An exact zero
 * (0 + 0, r = 0) stays exact through products and sums. */
#ifndef NS_DDI_H
#define NS_DDI_H

#include <math.h>
#include <stdbool.h>

#include "dd.h"

typedef struct ddi {
    double hi, lo, r;
} ddi;

/* Exactly x (a double), or exactly a - b (two doubles, by TwoSum). */
static inline ddi ddi_from_double(double x);   /* inline: below */
ddi ddi_diff(double a, double b);

static inline ddi ddi_add(ddi a, ddi b);
static inline ddi ddi_sub(ddi a, ddi b);
static inline ddi ddi_mul(ddi a, ddi b);
ddi ddi_div(ddi a, ddi b);        /* invalid when b may contain 0 */
ddi ddi_exp(ddi a);               /* invalid beyond |hi| <= 600 or r > 2^-20 */
/* e^a, or DDI_EXP_TINY = [0, 2^-865] where every member of a is below -600
 * (hi < -600, r <= 2^-20): a term too small for exp's range that a tier
 * only needs to bound. */
#define DDI_EXP_TINY ((ddi){ 0x1p-866, 0, 0x1p-866 })
ddi ddi_exp_or_tiny(ddi a);
ddi ddi_expm1(ddi a);             /* e^x - 1, relative to it near 0; hi <= 600, r <= 2^-20 */
ddi ddi_log(ddi a);               /* invalid unless every member > 0 (r <= hi / 2) */
ddi ddi_log1p(ddi a);             /* log(1 + x), relative to it near 0; needs r <= (1 + m) / 2 */
ddi ddi_log_of_double(double v);  /* ln v for a double v >= 1 (ln 1 = exact 0) */
ddi ddi_sqrt(ddi a);              /* ddi_sqrt.c; invalid unless every member > 0 (or a exact 0) */

/* The constants exp is built on, for tests: T_j = 2^(j/128) and
 * D_j = T_j - 1 (j = -64..63) as double-doubles; ln2/128 in three parts;
 * 1/i! for i = 3..10. */
void ddi_exp_table(int j, double t[2], double d[2]);
void ddi_exp_constants(double ln2_128[3], double inv_fact[8][2]);

/* How this build forms the exact products of dd.h: "fma" (one instruction,
 * TIER_FMA in the Makefile) or "Dekker"; for benchmarks' notes. */
const char *ddi_two_prod_kind(void);

static inline bool ddi_is_exact_zero(ddi a) { return a.hi == 0 && a.lo == 0 && a.r == 0; }
static inline bool ddi_valid(ddi a) { return a.r < INFINITY; }

/* The double every member of a rounds to (round to nearest even): 1 with
 * *out set when that is one double (strictly inside its rounding cell, so
 * never a tie), or a is exactly zero (+0); 0 otherwise. */
int ddi_round(ddi a, double *out);

/* ---- the operations the tiers chain most, inline ---- */

#define DDI_REL_ERR 0x1p-100          /* AccurateDWPlusDW, DWTimesDW1 (above) */
#define DDI_RADIUS_SLACK (1 + 0x1p-40)   /* the radius's own roundings */
#define DDI_RADIUS_FLOOR 0x1p-1000       /* what an underflow in it could lose */
#define DDI_MAG (1 + 0x1p-50)            /* |hi + lo| <= |hi| DDI_MAG */

/* The interval of midpoint m and radius bound r (before slack), or invalid
 * when m leaves the range where the error bounds hold. */
static inline ddi ddi_enclose(dd m, double r)
{
    double a = fabs(m.hi);
    if (!(a <= 0x1p900) || !(r < INFINITY) || (a != 0 && a < 0x1p-900))
        return (ddi){ NAN, NAN, INFINITY };
    return (ddi){ m.hi, m.lo, r * DDI_RADIUS_SLACK + DDI_RADIUS_FLOOR };
}

static inline ddi ddi_from_double(double x)
{
    if (!isfinite(x))
        return (ddi){ NAN, NAN, INFINITY };
    return (ddi){ x, 0, 0 };
}

static inline ddi ddi_add(ddi a, ddi b)
{
    if (!ddi_valid(a) || !ddi_valid(b))
        return (ddi){ NAN, NAN, INFINITY };
    if (ddi_is_exact_zero(a))
        return b;
    if (ddi_is_exact_zero(b))
        return a;
    dd m = dd_add((dd){ a.hi, a.lo }, (dd){ b.hi, b.lo });
    return ddi_enclose(m, a.r + b.r + DDI_REL_ERR * DDI_MAG * fabs(m.hi));
}

static inline ddi ddi_sub(ddi a, ddi b)
{
    b.hi = -b.hi;
    b.lo = -b.lo;
    return ddi_add(a, b);
}

static inline ddi ddi_mul(ddi a, ddi b)
{
    if (!ddi_valid(a) || !ddi_valid(b))
        return (ddi){ NAN, NAN, INFINITY };
    if (ddi_is_exact_zero(a) || ddi_is_exact_zero(b))
        return (ddi){ 0, 0, 0 };
    dd m = dd_mul((dd){ a.hi, a.lo }, (dd){ b.hi, b.lo });
    double ma = fabs(a.hi) * DDI_MAG, mb = fabs(b.hi) * DDI_MAG;
    return ddi_enclose(m, ma * b.r + mb * a.r + a.r * b.r + DDI_REL_ERR * DDI_MAG * fabs(m.hi));
}

#endif
