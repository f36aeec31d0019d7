/* Double-double intervals (ddi.h): the algorithms and their error budgets. */
#include "ddi.h"

#include <stdint.h>

typedef struct dd {
    double hi, lo;
} dd;

#define DD_REL_ERR 0x1p-100          /* AccurateDWPlusDW, DWTimesDW3 (ddi.h) */
#define RADIUS_SLACK (1 + 0x1p-40)   /* the radius's own roundings */
#define RADIUS_FLOOR 0x1p-1000       /* what an underflow in it could lose */
#define MAG (1 + 0x1p-50)            /* |hi + lo| <= |hi| MAG */

static const ddi invalid = { NAN, NAN, INFINITY };

static inline dd two_sum(double a, double b)
{
    double s = a + b, bb = s - a;
    return (dd){ s, (a - (s - bb)) + (b - bb) };
}

static inline dd fast_two_sum(double a, double b)   /* |a| >= |b| or a = 0 */
{
    double s = a + b;
    return (dd){ s, b - (s - a) };
}

static inline dd two_prod(double a, double b)
{
    double p = a * b;
    return (dd){ p, fma(a, b, -p) };
}

/* AccurateDWPlusDW (Joldes, Muller, Popescu 2017, Algorithm 6). */
static inline dd dd_add(dd a, dd b)
{
    dd s = two_sum(a.hi, b.hi), t = two_sum(a.lo, b.lo);
    dd v = fast_two_sum(s.hi, s.lo + t.hi);
    return fast_two_sum(v.hi, t.lo + v.lo);
}

/* DWTimesDW3 (ibid., Algorithm 12). */
static inline dd dd_mul(dd a, dd b)
{
    dd c = two_prod(a.hi, b.hi);
    double t = fma(a.lo, b.hi, fma(a.hi, b.lo, a.lo * b.lo));
    return fast_two_sum(c.hi, c.lo + t);
}

static inline dd dd_neg(dd a) { return (dd){ -a.hi, -a.lo }; }

/* The interval of midpoint m and radius bound r (before slack), or invalid
 * when m leaves the range where the error bounds hold. */
static inline ddi make(dd m, double r)
{
    double a = fabs(m.hi);
    if (!(a <= 0x1p900) || !(r < INFINITY) || (a != 0 && a < 0x1p-900))
        return invalid;
    return (ddi){ m.hi, m.lo, r * RADIUS_SLACK + RADIUS_FLOOR };
}

ddi ddi_from_double(double x)
{
    if (!isfinite(x))
        return invalid;
    return (ddi){ x, 0, 0 };
}

ddi ddi_diff(double a, double b)
{
    if (!isfinite(a) || !isfinite(b))
        return invalid;
    dd d = two_sum(a, -b);
    if (d.hi == 0)
        return (ddi){ 0, 0, 0 };
    ddi v = make(d, 0);
    if (ddi_valid(v))
        v.r = 0;                       /* TwoSum is exact */
    return v;
}

ddi ddi_add(ddi a, ddi b)
{
    if (!ddi_valid(a) || !ddi_valid(b))
        return invalid;
    if (ddi_is_exact_zero(a))
        return b;
    if (ddi_is_exact_zero(b))
        return a;
    dd m = dd_add((dd){ a.hi, a.lo }, (dd){ b.hi, b.lo });
    return make(m, a.r + b.r + DD_REL_ERR * MAG * fabs(m.hi));
}

ddi ddi_sub(ddi a, ddi b)
{
    b.hi = -b.hi;
    b.lo = -b.lo;
    return ddi_add(a, b);
}

ddi ddi_mul(ddi a, ddi b)
{
    if (!ddi_valid(a) || !ddi_valid(b))
        return invalid;
    if (ddi_is_exact_zero(a) || ddi_is_exact_zero(b))
        return (ddi){ 0, 0, 0 };
    dd m = dd_mul((dd){ a.hi, a.lo }, (dd){ b.hi, b.lo });
    double ma = fabs(a.hi) * MAG, mb = fabs(b.hi) * MAG;
    return make(m, ma * b.r + mb * a.r + a.r * b.r + DD_REL_ERR * MAG * fabs(m.hi));
}

/* q = a/b from q1 = a.hi/b.hi and one correction; its error is bounded by
 * the residual a - q b, computed in double-double: |a/b - q| = |a - q b| / |b|.
 * For members a' of a and b' of b, |a'/b' - a/b| <= (r_a + |a/b| r_b) /
 * (|b| - r_b). */
ddi ddi_div(ddi a, ddi b)
{
    if (!ddi_valid(a) || !ddi_valid(b) || b.hi == 0 || !(b.r <= fabs(b.hi) * 0.5))
        return invalid;
    if (ddi_is_exact_zero(a))
        return (ddi){ 0, 0, 0 };
    dd ma = { a.hi, a.lo }, mb = { b.hi, b.lo };
    double q1 = a.hi / b.hi;
    dd res = dd_add(ma, dd_neg(dd_mul((dd){ q1, 0 }, mb)));
    dd q = fast_two_sum(q1, res.hi / b.hi);
    dd p = dd_mul(q, mb);                          /* the certified residual */
    dd d = dd_add(ma, dd_neg(p));
    double resid = fabs(d.hi) * MAG + DD_REL_ERR * MAG * (fabs(p.hi) + fabs(d.hi));
    double bmin = fabs(b.hi) / MAG;                /* <= |mb| */
    double eq = resid / bmin;
    double qmax = fabs(q.hi) * MAG + eq;
    return make(q, eq + (a.r + qmax * b.r) / (bmin - b.r));
}

/* ---- exp ---- */

/* ln 2 = L1 + L2 + L3 + O(2^-140); L1 has 32 significant bits (fdlibm's
 * ln2_hi), so k L1 is exact for |k| < 2^21. */
static const double L1 = 0x1.62e42feep-1, L2 = 0x1.a39ef35793c76p-33, L3 = 0x1.cc01f97b57a08p-87;

/* 1/j! for j = 0..9 as double-doubles (rounded from MPFR at 400 bits). */
static const dd inv_fact[10] = {
    { 0x1p+0, 0 },
    { 0x1p+0, 0 },
    { 0x1p-1, 0 },
    { 0x1.5555555555555p-3, 0x1.5555555555555p-57 },
    { 0x1.5555555555555p-5, 0x1.5555555555555p-59 },
    { 0x1.1111111111111p-7, 0x1.1111111111111p-63 },
    { 0x1.6c16c16c16c17p-10, -0x1.f49f49f49f49fp-65 },
    { 0x1.a01a01a01a01ap-13, 0x1.a01a01a01a01ap-73 },
    { 0x1.a01a01a01a01ap-16, 0x1.a01a01a01a01ap-76 },
    { 0x1.71de3a556c734p-19, -0x1.c154f8ddc6cp-73 },
};

#define EXP_SQUARINGS 10

/* e^x for a double-double x with |x.hi| <= 600, relative error at most
 * 2^-84 + 2^-97 (|x.hi| + 1):
 *   x = k ln2 + r, |r| <= 0.35, computed with three double-double additions
 *     (absolute error <= 3 2^-100 (|x| + 1), plus |k| 2^-140 for ln 2);
 *   e^r = (e^s)^1024, s = r / 1024, |s| < 2^-11;
 *   e^s by its Taylor polynomial of degree 9 in Horner form: truncation
 *     <= |s|^10 / 10! < 2^-130; each Horner step adds at most 2^-100 of
 *     its value and the steps' errors shrink by |s| < 2^-11 as they
 *     propagate, so with the coefficients' 2^-106 the total is below
 *     2^-99 relative, taken as 2^-95;
 *   ten squarings: each doubles the relative error and adds 2^-100, so
 *     2^10 (2^-95 + 2^-100) < 2^-84.9; the error d of r becomes a relative
 *     error e^d - 1 < 1.01 d;
 *   times 2^k: exact (the result stays a normal double-double, see the
 *     range guard of ddi_exp). */
static dd dd_exp(dd x)
{
    double k = nearbyint(x.hi * 0x1.71547652b82fep0);   /* 1/ln2 */
    dd r = dd_add(x, (dd){ -k * L1, 0 });
    r = dd_add(r, dd_neg(two_prod(k, L2)));
    r = dd_add(r, (dd){ -k * L3, 0 });
    dd s = { ldexp(r.hi, -EXP_SQUARINGS), ldexp(r.lo, -EXP_SQUARINGS) };
    dd q = inv_fact[9];
    for (int j = 8; j >= 0; j--)
        q = dd_add(dd_mul(q, s), inv_fact[j]);
    for (int i = 0; i < EXP_SQUARINGS; i++)
        q = dd_mul(q, q);
    return (dd){ ldexp(q.hi, (int)k), ldexp(q.lo, (int)k) };
}

/* For members x of a: |e^x - e^m| <= e^m (e^r - 1) <= e^m r (1 + r) when
 * r <= 1. */
ddi ddi_exp(ddi a)
{
    if (!ddi_valid(a))
        return invalid;
    if (ddi_is_exact_zero(a))
        return (ddi){ 1, 0, 0 };
    if (!(fabs(a.hi) <= 600) || !(a.r <= 0x1p-20))
        return invalid;
    dd e = dd_exp((dd){ a.hi, a.lo });
    double rel = 0x1p-84 + 0x1p-97 * (fabs(a.hi) + 1);
    double mag = fabs(e.hi) * MAG * (1 + 0x1p-60);      /* >= e^m */
    return make(e, mag * (rel + a.r * (1 + a.r)));
}

/* Whether every member of a lies below v (sign -1) or above it (+1). */
static int beyond(ddi a, double v, int sign)
{
    if (!ddi_valid(a))
        return 0;
    dd d = dd_add((dd){ a.hi, a.lo }, (dd){ -v, 0 });   /* error <= 2^-100 |d| */
    double slack = (fabs(d.lo) + a.r + DD_REL_ERR * MAG * fabs(d.hi)) * (1 + 0x1p-50);
    return sign * d.hi > slack;
}

/* ln v, v >= 1, from a bracket that exp itself certifies: y from libm's log
 * and one Newton step in double-double, then L = y - d and U = y + d
 * (d = 2^-80 + 2^-94 (|y| + 1), at least eight times exp's error bound, so
 * that the enclosures of e^L and e^U can fall on either side of v) with
 * e^L < v < e^U checked by those enclosures, so L < ln v < U; the interval
 * y +- 2d contains [L, U] (their own rounding, 2^-100 |y|, is far below d). */
ddi ddi_log_of_double(double v)
{
    if (v == 1)
        return (ddi){ 0, 0, 0 };
    if (!(v > 1 && v <= 0x1p900))
        return invalid;
    double y0 = log(v);
    dd e = dd_exp((dd){ y0, 0 });
    dd diff = dd_add((dd){ v, 0 }, dd_neg(e));
    dd y = fast_two_sum(y0, diff.hi / e.hi);
    double d = 0x1p-80 + 0x1p-94 * (fabs(y.hi) + 1);   /* above exp's error bound */
    dd lo = dd_add(y, (dd){ -d, 0 }), hi = dd_add(y, (dd){ d, 0 });
    if (!beyond(ddi_exp((ddi){ lo.hi, lo.lo, 0 }), v, -1) ||
        !beyond(ddi_exp((ddi){ hi.hi, hi.lo, 0 }), v, 1))
        return invalid;
    return make(y, 2 * d);
}

/* ---- rounding ---- */

int ddi_round(ddi a, double *out)
{
    if (ddi_is_exact_zero(a)) {
        *out = 0.0;
        return 1;
    }
    if (!ddi_valid(a) || a.hi == 0)
        return 0;
    /* The smaller of the gaps to hi's neighbours (the one toward zero);
     * every member within less than half of it from hi rounds to hi. */
    double half = fabs(a.hi - nextafter(a.hi, 0)) * 0.5;
    double spread = (fabs(a.lo) + a.r) * (1 + 0x1p-50);
    if (!(spread < half))
        return 0;
    *out = a.hi;
    return 1;
}
