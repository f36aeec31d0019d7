/* Square root of a double-double interval (ddi.h), certified from its
 * residual as ddi_div is, with nothing but the other ddi operations:
 *
 * q = hi + lo is sqrt(m) to about 2^-104, from sqrt(a.hi) and one Newton
 * step (its accuracy only decides the width).  E = a - q^2 is then computed
 * as an interval (ddi_mul, ddi_sub: exact q, so E contains a' - q^2 for
 * every member a' of a), and for every such a' > 0
 *     |sqrt(a') - q| = |a' - q^2| / (sqrt(a') + q) <= e / q,
 * e >= |E| everywhere on E.  So q +- e/q contains sqrt of every member,
 * the square's rounding and the operand's radius in one bound (about twice
 * the true r / (2 sqrt(m)), which costs nothing that matters). */
#include "ddi.h"

#define UP (1 + 0x1p-50)        /* covers a handful of roundings of 2^-53 */

ddi ddi_sqrt(ddi a)
{
    if (!ddi_valid(a))
        return a;
    if (ddi_is_exact_zero(a))
        return a;
    if (!(a.hi > 0) || !(a.r <= a.hi * 0.5))     /* a member may be <= 0 */
        return (ddi){ NAN, NAN, INFINITY };
    double q1 = sqrt(a.hi);
    double q2 = (fma(-q1, q1, a.hi) + a.lo) / (2 * q1);
    double s = q1 + q2;                          /* Fast2Sum: |q2| < ulp(q1) */
    ddi q = { s, q2 - (s - q1), 0 };
    ddi err = ddi_sub(a, ddi_mul(q, q));
    if (!ddi_valid(err))
        return err;
    /* e >= |E|; q.hi + q.lo >= q.hi (1 - 2^-53) > q.hi / UP. */
    double e = (fabs(err.hi) + fabs(err.lo) + err.r) * UP;
    q.r = e / (q.hi / UP) * UP + 0x1p-1000;      /* 2^-1000: an underflow in it */
    return q;
}
