/* Double-double arithmetic: a value hi + lo (an exact real sum, |lo| <=
 * ulp(hi)/2), the error-free transformations and the algorithms of Joldes,
 * Muller, Popescu, "Tight and rigorous error bounds for basic building
 * blocks of double-word arithmetic", ACM TOMS 44, 2017 (u = 2^-53).  The
 * building blocks of ddi (ddi.h, ddi.c), inline because the tiers chain
 * many of them. */
#ifndef NS_DD_H
#define NS_DD_H

#include <math.h>

typedef struct dd {
    double hi, lo;
} dd;

static inline dd dd_two_sum(double a, double b)
{
    double s = a + b, bb = s - a;
    return (dd){ s, (a - (s - bb)) + (b - bb) };
}

static inline dd dd_fast_two_sum(double a, double b)   /* |a| >= |b| or a = 0 */
{
    double s = a + b;
    return (dd){ s, b - (s - a) };
}

#ifdef FP_FAST_FMA
static inline dd dd_two_prod(double a, double b)
{
    double p = a * b;
    return (dd){ p, fma(a, b, -p) };
}
#else
/* Dekker's product with Veltkamp's splitting (2^27 + 1): exact when nothing
 * overflows (|a|, |b| < 2^995) and no partial product underflows; an
 * underflow costs at most 2^-1074, below DDI_RADIUS_FLOOR (ddi.h).  Used where fma is
 * not a single instruction: a libm call per fma was most of exp's time. */
static inline dd dd_two_prod(double a, double b)
{
    double p = a * b;
    double ca = 0x1.0000002p27 * a, ah = ca - (ca - a), al = a - ah;
    double cb = 0x1.0000002p27 * b, bh = cb - (cb - b), bl = b - bh;
    return (dd){ p, ((ah * bh - p) + ah * bl + al * bh) + al * bl };
}
#endif

/* AccurateDWPlusDW (Joldes, Muller, Popescu 2017, Algorithm 6). */
static inline dd dd_add(dd a, dd b)
{
    dd s = dd_two_sum(a.hi, b.hi), t = dd_two_sum(a.lo, b.lo);
    dd v = dd_fast_two_sum(s.hi, s.lo + t.hi);
    return dd_fast_two_sum(v.hi, t.lo + v.lo);
}

/* a + b where |b| <= 2^-8 |a| (no cancellation), as SloppyDWPlusDW (ibid.,
 * Algorithm 5): (s, e) = TwoSum(a.hi, b.hi) is exact, a.lo + b.lo rounds by
 * u^2 (|a.hi| + |b.hi|), e + that by u (u |s| + u (|a.hi| + |b.hi|)), and
 * the last Fast2Sum is exact; with |a.hi| + |b.hi| <= 1.008 |a + b| the
 * relative error is below 3.02 u^2 < 2^-104.4, within 2^-103. */
static inline dd dd_add_small(dd a, dd b)
{
    dd s = dd_two_sum(a.hi, b.hi);
    return dd_fast_two_sum(s.hi, s.lo + (a.lo + b.lo));
}

/* DWTimesDW1 (ibid., Algorithm 10; relative error <= 7u^2). */
static inline dd dd_mul(dd a, dd b)
{
    dd c = dd_two_prod(a.hi, b.hi);
    double t = a.hi * b.lo + a.lo * b.hi;
    return dd_fast_two_sum(c.hi, c.lo + t);
}

static inline dd dd_neg(dd a) { return (dd){ -a.hi, -a.lo }; }

#endif
