/* Exact decisions for the fast tiers (ddi_exact.h). */
#include "ddi_exact.h"

size_t ns_exp_compress(double *e, size_t len)
{
    if (len < 2)
        return len;
    size_t bottom = len - 1;
    double q = e[len - 1];
    for (size_t i = len - 1; i-- > 0;) {
        double s = q + e[i], low = e[i] - (s - q);   /* FastTwoSum */
        if (low != 0) {
            e[bottom--] = s;
            q = low;
        } else {
            q = s;
        }
    }
    e[bottom] = q;
    size_t top = 0;
    for (size_t i = bottom + 1; i < len; i++) {
        double s = e[i] + q, low = q - (s - e[i]);    /* FastTwoSum */
        if (low != 0)
            e[top++] = low;
        q = s;
    }
    e[top++] = q;
    return top;
}

void ns_exact_add(ns_exact *a, double v)
{
    if (!isfinite(v)) {
        a->ok = 0;
        return;
    }
    if (a->len > 32)
        a->len = ns_exp_compress(a->e, a->len);
    if (a->len >= NS_EXACT_CAP) {
        a->ok = 0;
        return;
    }
    ns_exp_add(a->e, &a->len, v);
}

/* TwoProduct (p = x y rounded, x y - p by fma) is exact when |p| >= 2^-960
 * or a factor is 0.  A product of nonzero factors below that is refused,
 * including one that underflows all the way to 0: its fma error term is
 * then 0 as well, and the term would vanish without a trace. */
void ns_exact_add_product(ns_exact *a, double x, double y)
{
    double p = x * y;
    if (x != 0 && y != 0 && !(fabs(p) >= 0x1p-960)) {
        a->ok = 0;
        return;
    }
    ns_exact_add(a, fma(x, y, -p));
    ns_exact_add(a, p);
}

void ns_exact_add_scaled(ns_exact *a, const ns_exact *b, double x)
{
    a->ok &= b->ok;
    for (size_t i = 0; i < b->len; i++)
        ns_exact_add_product(a, b->e[i], x);
}

static int is_even(double d)   /* its last significand bit is 0 (d normal) */
{
    int e;
    return fmod(ldexp(frexp(d, &e), 53), 2) == 0;
}

/* The sign of num - (q + half) den, exactly; *ok = 0 when it cannot tell. */
static int side(const ns_exact *num, const ns_exact *den, double q, double half, int *ok)
{
    ns_exact t = *num;
    ns_exact_add_scaled(&t, den, -q);
    ns_exact_add_scaled(&t, den, -half);
    *ok &= t.ok;
    return ns_exact_sign(&t);
}

/* From q = the quotient of the leading components (within a few ulps of
 * v = num / den), step to the double whose rounding cell holds v: the
 * cell of q is bounded by q - gap_down / 2 and q + gap_up / 2 (exact as
 * two doubles each), and the signs of v minus those bounds say whether v
 * lies above, below, inside, or on a bound (a tie: the even neighbour). */
int ns_exact_round_quotient(ns_exact *num, ns_exact *den, double *out)
{
    if (!num->ok || !den->ok)
        return 0;
    num->len = ns_exp_compress(num->e, num->len);
    den->len = ns_exp_compress(den->e, den->len);
    int sd = ns_exact_sign(den);
    if (sd == 0)
        return 0;
    if (ns_exact_sign(num) == 0) {
        *out = 0.0;
        return 1;
    }
    double q = num->e[num->len - 1] / den->e[den->len - 1];
    for (int step = 0; step < 16; step++) {
        if (!(fabs(q) >= 0x1p-900 && fabs(q) <= 0x1p900))
            return 0;
        double up = nextafter(q, INFINITY), down = nextafter(q, -INFINITY);
        int ok = 1;
        int above = sd * side(num, den, q, (up - q) * 0.5, &ok);     /* sign(v - upper bound) */
        if (!ok)
            return 0;
        if (above > 0) {
            q = up;
            continue;
        }
        int below = sd * side(num, den, q, -(q - down) * 0.5, &ok);  /* sign(v - lower bound) */
        if (!ok)
            return 0;
        if (below < 0) {
            q = down;
            continue;
        }
        if (above == 0)
            *out = is_even(q) ? q : up;
        else if (below == 0)
            *out = is_even(q) ? q : down;
        else
            *out = q;
        return 1;
    }
    return 0;
}

int ns_ddi_round(ddi a, double *out)
{
    if (ddi_round(a, out))
        return 1;
    if (!ddi_valid(a) || a.hi == 0 || a.lo == 0)
        return 0;
    /* The enclosure lies in (hi - gap_back / 2, hi + gap / 2), gap the gap
     * on lo's side, strictly: every member rounds to hi. */
    double dir = a.lo > 0 ? INFINITY : -INFINITY;
    double gap = fabs(nextafter(a.hi, dir) - a.hi), gap_back = fabs(a.hi - nextafter(a.hi, -dir));
    double slack = 1 + 0x1p-50;
    if (!((fabs(a.lo) + a.r) * slack < gap * 0.5) || !((a.r - fabs(a.lo)) * slack < gap_back * 0.5))
        return 0;
    *out = a.hi;
    return 1;
}
