/* Double-double intervals beyond ddi's range (ddi_range.h). */
#include "ddi_range.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define SLACK (1 + 0x1p-50)          /* covers a few roundings of a bound */
#define KEEP_BELOW 600               /* parts further below go to the radius */
#define E_FLOOR (-(1 << 29))         /* magnitudes below 2^E_FLOOR are bounded */
#define E_CEIL (1 << 29)

static const ddix invalid = { { NAN, NAN, INFINITY }, 0 };
static const ddix zero = { { 0, 0, 0 }, 0 };

/* An upper bound of |m| + r over a's members. */
static double magnitude(ddi a)
{
    return (fabs(a.hi) + fabs(a.lo) + a.r) * SLACK;
}

/* Part p of a ddi times 2^k, k <= 0: exact, or 0 with an upper bound of
 * what was lost (|p| 2^k and ldexp's rounding, <= 2^-1075) added to *lost. */
static double part_down(double p, int k, double *lost)
{
    double s = ldexp(p, k);
    if (ldexp(s, -k) == p)
        return s;
    *lost += ldexp(fabs(p), k) + 0x1p-1074;
    return 0;
}

/* An enclosure of a 2^k for k <= 0: exact unless a part falls below the
 * normal range, which then goes to the radius. */
static ddi scale_down(ddi a, int k)
{
    double lost = 0;
    double hi = part_down(a.hi, k, &lost), lo = part_down(a.lo, k, &lost);
    if (hi == 0 && lo != 0) {    /* keep hi the leading part */
        lost += fabs(lo);
        lo = 0;
    }
    double r = ldexp(a.r, k);
    if (ldexp(r, -k) != a.r)
        lost += 0x1p-1074;
    return (ddi){ hi, lo, lost == 0 ? r : (r + lost) * SLACK };
}

/* For an addend far below the other: |a| 2^k as a radius, k < -(KEEP_BELOW). */
static ddi negligible(ddi a, int k)
{
    double m = magnitude(a);     /* < 8 2^-50 ... at most 8 (SLACK) */
    return (ddi){ 0, 0, k >= -900 ? ldexp(m, k) * SLACK + 0x1p-1074 : 0x1p-890 };
}

/* 2^k for -1022 <= k <= 1023, from its bits. */
static inline double pow2(int k)
{
    uint64_t bits = (uint64_t)(k + 1023) << 52;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* The exponent of a normal double x (x = 1.f 2^k); INT_MIN for zero,
 * subnormals, infinities and NaN. */
static inline int exponent_of(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int be = (int)(bits >> 52) & 0x7ff;
    return be == 0 || be == 0x7ff ? INT_MIN : be - 1023;
}

/* a 2^-k, k the exponent of a's largest part: by a multiplication, which
 * is exact unless a part becomes subnormal (then 0 is returned), ... */
static int rescale_fast(ddi *a, int k)
{
    double p = pow2(-k);
    ddi s = { a->hi * p, a->lo * p, a->r * p };
    if (k > 0 && ((a->hi != 0 && fabs(s.hi) < 0x1p-1022) || (a->lo != 0 && fabs(s.lo) < 0x1p-1022) ||
                  (a->r != 0 && s.r < 0x1p-1022)))
        return 0;
    *a = s;
    return 1;
}

/* ... or through ldexp (scaling up is exact; down, scale_down). */
static ddi rescale_slow(ddi a, int k)
{
    if (k > 0)
        return scale_down(a, -k);
    return (ddi){ ldexp(a.hi, -k), ldexp(a.lo, -k), ldexp(a.r, -k) };
}

/* v with its ddi rescaled so that max(|hi|, r) lies in [1, 2). */
static ddix norm(ddix v)
{
    if (!ddi_valid(v.a))
        return invalid;
    if (ddi_is_exact_zero(v.a))
        return zero;
    double big = fmax(fabs(v.a.hi), v.a.r);
    if (big == 0)
        return invalid;              /* hi = 0, r = 0, lo != 0: not a ddi */
    int k = exponent_of(big);
    if (k == INT_MIN || k == 1023) {
        k = ilogb(big);
        v.a = rescale_slow(v.a, k);
    } else if (k != 0 && !rescale_fast(&v.a, k)) {
        v.a = rescale_slow(v.a, k);
    }
    if (k > 0 && v.e > E_CEIL - k)
        return invalid;
    v.e = v.e < E_FLOOR - k ? E_FLOOR : v.e + k;
    if (v.e == E_FLOOR)
        v.a = (ddi){ 0, 0, 8 };      /* |value| < 8 2^E_FLOOR, whatever it was below it */
    return v;
}

ddix ddix_of(ddi a)
{
    return norm((ddix){ a, 0 });
}

ddix ddix_add(ddix a, ddix b)
{
    if (!ddix_valid(a) || !ddix_valid(b))
        return invalid;
    if (ddi_is_exact_zero(a.a))
        return b;
    if (ddi_is_exact_zero(b.a))
        return a;
    if (a.e < b.e) {
        ddix t = a;
        a = b;
        b = t;
    }
    /* a.e >= b.e; b.e - a.e may be as low as 2 E_FLOOR: no int overflow */
    long diff = (long)b.e - (long)a.e;
    ddi bs = diff < -KEEP_BELOW ? negligible(b.a, diff < -2000 ? -2000 : (int)diff)
                                : scale_down(b.a, (int)diff);
    return norm((ddix){ ddi_add(a.a, bs), a.e });
}

/* m 2^e for the product or quotient m of two mantissas and the sum or
 * difference e of their exponents: invalid above 2^E_CEIL, the bound
 * 8 2^E_FLOOR below 2^E_FLOOR (as norm). */
static ddix times_pow2(ddi m, long e)
{
    if (e > E_CEIL)
        return invalid;
    ddix v = norm((ddix){ m, 0 });
    if (!ddix_valid(v) || ddi_is_exact_zero(v.a))
        return v;
    e += v.e;
    if (e < E_FLOOR)
        return (ddix){ { 0, 0, 8 }, E_FLOOR };
    v.e = (int)e;
    return v;
}

ddix ddix_mul(ddix a, ddix b)
{
    if (!ddix_valid(a) || !ddix_valid(b))
        return invalid;
    if (ddi_is_exact_zero(a.a) || ddi_is_exact_zero(b.a))
        return zero;
    return times_pow2(ddi_mul(a.a, b.a), (long)a.e + b.e);
}

ddix ddix_div(ddix a, ddix b)
{
    if (!ddix_valid(a) || !ddix_valid(b))
        return invalid;
    return times_pow2(ddi_div(a.a, b.a), (long)a.e - b.e);
}

#define EXP_MAX_HALVINGS 24

/* e^d: directly for |d| <= 600 (ddi_exp's range); beyond, as
 * (e^{d/2^j})^{2^j} with the least j that brings d/2^j within 600 (d/2^j
 * exact: hi, lo and r scaled by a power of two, a lo that would lose bits
 * going to the radius), squared with renormalisation so that nothing leaves
 * ddi's range; each squaring about doubles the relative radius, so j <= 24
 * keeps it below 2^-84 2^24 = 2^-60.  Below -600 2^24, e^d < 2^-2^33 is
 * bounded as [0, 2^E_FLOOR]. */
ddix ddix_exp(ddi d)
{
    if (!ddi_valid(d))
        return invalid;
    if (fabs(d.hi) <= 600)
        return ddix_of(ddi_exp(d));
    int j = 0;
    while (j <= EXP_MAX_HALVINGS && !(fabs(ldexp(d.hi, -j)) <= 600))
        j++;
    if (j > EXP_MAX_HALVINGS) {
        if (d.hi < 0 && d.r <= 1)      /* members <= d.hi + 2 < -2^33 */
            return (ddix){ { 0, 0, 1 }, E_FLOOR };
        return invalid;
    }
    ddix v = ddix_of(ddi_exp(scale_down(d, -j)));
    for (int i = 0; i < j; i++)
        v = ddix_mul(v, v);
    return v;
}

int ddix_sign(ddix v)
{
    if (!ddix_valid(v))
        return 0;
    double spread = (fabs(v.a.lo) + v.a.r) * SLACK;
    return v.a.hi > spread ? 1 : v.a.hi < -spread ? -1 : 0;
}

ddix ddix_abs(ddix v)
{
    int s = ddix_sign(v);
    if (s != 0 || ddi_is_exact_zero(v.a) || !ddix_valid(v))
        return s < 0 ? ddix_neg(v) : v;
    return (ddix){ { 0, 0, magnitude(v.a) }, v.e };   /* [-M, M] holds |v| */
}

int ddix_exceeds(ddix v, ddix w, int k)
{
    if (!ddix_valid(v) || !ddix_valid(w) || ddix_sign(v) == 0)
        return 0;
    if (ddi_is_exact_zero(w.a))
        return 1;
    /* a lower bound of |v|'s members: |hi| lowered by 2^-51 of itself,
     * |lo| + r raised, and the difference's own rounding taken off */
    double vmin = (fabs(v.a.hi) * (1 - 0x1p-50) - (fabs(v.a.lo) + v.a.r) * SLACK) * (1 - 0x1p-50);
    double wmax = magnitude(w.a);
    long shift = (long)w.e - k - v.e;                              /* compare vmin, wmax 2^shift */
    if (shift < -1000)
        return 1;
    if (shift > 1000)
        return 0;
    return vmin > ldexp(wmax, (int)shift) * SLACK;
}

/* A value below 2^-1075 in magnitude rounds to a zero; its sign is
 * ns_ref_round's for MPFI's enclosure (ddi_range.h). */
static int round_to_zero(ddix v, int mpfi_sign, double *out)
{
    int s = ddix_sign(v);
    if (s > 0 || (s == 0 && mpfi_sign > 0)) {
        *out = 0.0;
        return 1;
    }
    if (mpfi_sign < 0) {
        *out = -0.0;
        return 1;
    }
    return 0;
}

/* Rounding to binary64.  In v's own scale, with q = 2^(-1074 - e) the
 * spacing of the doubles below 2^-1021 (the subnormals and the first normal
 * binade):
 *   - |v 2^e| < 2^-1075 everywhere: rounds to zero, signed as ns_ref_round
 *     would sign MPFI's enclosure (ddi_range.h);
 *   - |hi 2^e| >= 2^-1021: the cell of hi in v's scale maps onto the cell of
 *     hi 2^e (the same spacing relative to the binade; ddi_round);
 *   - below: k = hi / q rounded to an integer (hi / q is exact), d = hi - k q
 *     exact (both are multiples of the smaller of ulp(hi) and q, and
 *     |d| <= |hi|), w = d + lo moved by one q if it passed q / 2 (exact by
 *     Sterbenz); settled as k 2^-1074 when |w| + r < q / 2. */
int ddix_round(ddix v, int mpfi_sign, double *out)
{
    if (!ddix_valid(v))
        return 0;
    if (ddi_is_exact_zero(v.a)) {
        *out = 0.0;
        return 1;
    }
    ddi a = v.a;
    double m = magnitude(a);         /* < 8 */
    if ((long)ilogb(m) + 1 + v.e <= -1075)                /* |v| < 2^-1075 */
        return round_to_zero(v, mpfi_sign, out);
    if (a.hi == 0 || v.e > 1100)
        return 0;
    if ((long)ilogb(a.hi) + v.e >= -1021) {
        double h;
        if (!ddi_round(a, &h))
            return 0;
        double o = ldexp(h, v.e);
        if (!isfinite(o))
            return 0;
        *out = o;
        return 1;
    }
    int qe = -1074 - v.e;
    double q = ldexp(1, qe), k = nearbyint(ldexp(a.hi, -qe));
    double w = (a.hi - k * q) + a.lo;
    if (fabs(w) > q / 2) {
        double step = w > 0 ? 1 : -1;
        k += step;
        w -= step * q;
    }
    double spread = (fabs(w) + a.r) * SLACK;
    if (!(spread < q / 2))
        return 0;
    if (k == 0)                      /* |v| < q / 2 = 2^-1075 */
        return round_to_zero(v, mpfi_sign, out);
    *out = ldexp(k, -1074);
    return 1;
}
