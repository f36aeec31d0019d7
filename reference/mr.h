/* Midpoint-radius values over MPFR: a value v stands for every real within
 * v.rad of v.mid.  Every operation returns a value that contains every
 * result of the operation on members of its operands, so a chain of them
 * encloses the exact result as interval arithmetic does, at about the cost
 * of one MPFR call per operation instead of two (one per endpoint): the
 * midpoint is computed once, rounded to nearest, and the radius carries a
 * running bound on everything that rounding and the operands' radii can
 * move it by (running error analysis: Higham, "Accuracy and Stability of
 * Numerical Algorithms", 2nd ed., SIAM 2002, section 3.3).
 *
 * The bounds used, with p the midpoint's precision and u = 2^-p:
 * - MPFR rounds every result correctly (MPFR manual, "Rounding").  A
 *   rounding to nearest z' = RN(z) in range satisfies z = z' (1 + d),
 *   |d| <= u (Higham eq. (2.5): relative to the computed value), so
 *   |z' - z| <= u |z'|.  MPFR has no subnormals: a result below its
 *   smallest positive number 2^(emin-1) underflows to 0 or +-2^(emin-1),
 *   an error below 2^(emin-1), so 2^emin is added whenever the midpoint is
 *   0 or has exponent emin.  An exact operation (ternary value 0) adds
 *   nothing, so exact values stay exact (radius 0).
 * - Operands a = A + alpha, b = B + beta, |alpha| <= ra, |beta| <= rb:
 *     a + b - (A + B)         <= ra + rb
 *     ab - AB = A beta + B alpha + alpha beta    <= |A| rb + |B| ra + ra rb
 *     a/b - A/B = (alpha B - A beta) / (b B)     <= (ra + |A/B| rb) / (|B| - rb)
 *                                                   when |B| > rb
 *     e^a - e^A = e^A (e^alpha - 1)              <= e^A (e^ra - 1)
 *   each plus the rounding of the midpoint.
 * - Radii are MPFR numbers of NS_MR_RAD_PREC bits, every radius operation
 *   rounded upward (|A| and |A/B| rounded away from zero), so each computed
 *   radius is at least the exact value of its formula.
 *
 * A radius is symmetric: a one-sided fact (v <= 1 exactly, v >= 0) is lost
 * unless the caller cuts the interval it converts to; where the sign of a
 * result too small for any double depends on such a bound, inf-sup
 * arithmetic (MPFI) keeps it and midpoint-radius does not.
 *
 * A radius is +inf when no finite bound is known (a divisor whose
 * enclosure holds 0, an overflow); such a value converts to [-inf, +inf],
 * which never settles.  Values are finite or that. */
#ifndef NS_MR_H
#define NS_MR_H

#include <mpfi.h>
#include <mpfr.h>

#define NS_MR_RAD_PREC 32

typedef struct ns_mr {
    mpfr_t mid;
    mpfr_t rad;
} ns_mr;

/* The midpoint gets precision prec; the value is 0 (radius 0). */
void ns_mr_init2(ns_mr *v, mpfr_prec_t prec);
void ns_mr_clear(ns_mr *v);

void ns_mr_set_ui(ns_mr *v, unsigned long a);         /* exactly a */
void ns_mr_diff_d(ns_mr *v, double a, double b);      /* a - b, rounded */

/* v = op(a, b); v may be a or b. */
void ns_mr_add(ns_mr *v, const ns_mr *a, const ns_mr *b);
void ns_mr_sub(ns_mr *v, const ns_mr *a, const ns_mr *b);
void ns_mr_mul(ns_mr *v, const ns_mr *a, const ns_mr *b);
void ns_mr_div(ns_mr *v, const ns_mr *a, const ns_mr *b);
void ns_mr_exp(ns_mr *v, const ns_mr *a);

/* v = e^{a - b} for finite doubles a, b, the argument a - b taken exactly
 * (in a temporary as wide as it needs, at most 2151 bits), so the radius is
 * only the rounding of the exponential. */
void ns_mr_exp_diff_d(ns_mr *v, double a, double b);

/* The same for a plain MPFR number: rop = e^{a - b} rounded to nearest, the
 * argument exact; returns MPFR's ternary value (0: rop is exact). */
int ns_exp_diff_d(mpfr_ptr rop, double a, double b);

/* out = [mid - rad, mid + rad] rounded outward to out's precision, with
 * MPFI's signed-zero convention (no -0 lower end, no +0 upper end). */
void ns_mr_get_mpfi(mpfi_ptr out, const ns_mr *v);

#endif
