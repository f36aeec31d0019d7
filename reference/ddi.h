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

typedef struct ddi {
    double hi, lo, r;
} ddi;

/* Exactly x (a double), or exactly a - b (two doubles, by TwoSum). */
ddi ddi_from_double(double x);
ddi ddi_diff(double a, double b);

ddi ddi_add(ddi a, ddi b);
ddi ddi_sub(ddi a, ddi b);
ddi ddi_mul(ddi a, ddi b);
ddi ddi_div(ddi a, ddi b);        /* invalid when b may contain 0 */
ddi ddi_exp(ddi a);               /* invalid beyond |hi| <= 600 or r > 2^-20 */
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

static inline bool ddi_is_exact_zero(ddi a) { return a.hi == 0 && a.lo == 0 && a.r == 0; }
static inline bool ddi_valid(ddi a) { return a.r < INFINITY; }

/* The double every member of a rounds to (round to nearest even): 1 with
 * *out set when that is one double (strictly inside its rounding cell, so
 * never a tie), or a is exactly zero (+0); 0 otherwise. */
int ddi_round(ddi a, double *out);

#endif
