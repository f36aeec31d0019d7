/* The default error bound of a formula: a first-order a priori analysis of
 * its expression graph, node after node, or none with the reason.
 *
 * Each node gets a bound r on the relative error of its computed value
 * (|computed - exact| <= r u |exact|, u the unit roundoff of the coarsest of
 * the policy's work, acc and tot formats: every rounding costs at most one
 * u), and where it can, a bound a on its absolute error (in u) and m on its
 * magnitude, all three as the contract's terms c0 + cn n + cs spread +
 * cx max|x| + cnx n max|x| + cq n^2 (normalizers/contract.h).  The rules,
 * first order (Higham, "Accuracy and Stability of Numerical Algorithms",
 * 2nd ed., SIAM 2002, ch. 3-4), each rounding adding 1:
 *
 *   x                       exact (inputs are not charged: SPEC section 2)
 *   n, a number, a param    r 1 (held in work); a number of two significant
 *                           bits or fewer, in [2^-6, 2^7], r 0
 *   -a, abs, relu, min, max r as their operands (no rounding)
 *   a * b, a / b            r_a + r_b + 1
 *   a + b, a - b            max(r_a, r_b) + 1 when the terms cannot have
 *                           opposite signs (no cancellation); 1 when both
 *                           operands are exact; otherwise none
 *   a ^ c (c a number)      |c| r_a + 1; an exponent that is not a number
 *                           written in the formula (a parameter): none
 *   exp a                   a_a + 1 (the condition number of e^a is |a|)
 *   sigmoid a               a_a + 3, softplus a: a_a + 2 (1 / (1 + e^-a) and
 *                           log1p(e^a): three and two roundings, condition
 *                           numbers below |a|)
 *   expm1 a                 r_a + a_a + 1 (condition number <= 1 + |a|)
 *   tanh a, log1p a (a>=0)  r_a + 1 (condition number <= 1); sqrt a: r_a/2 + 1
 *   log a                   none (condition number 1 / |log a|), but its
 *                           absolute error r_a + |log a| is known: log n <= n
 *   sum(a)                  r_a + n (n - 1 additions in any --sum order,
 *                           the total's rounding) for terms of one sign;
 *                           otherwise none; mean: r_a + n + 2
 *   rowmax(a), rowmin(a)    r_a (+ 1 where tot may not hold the value)
 *
 * and a = m r where one of the two is a constant.  The output's bound is
 * doubled: gamma_k = k u / (1 - k u) <= 2 k u while k u <= 1/2 (Higham,
 * Lemma 3.1), which covers the higher-order terms the rules drop (a bound
 * of 1 or more promises nothing: contract.h).  It holds where nothing
 * overflows or underflows; the sum of the outputs gets the same bound when
 * the outputs have one sign. */
#ifndef NS_FORMULA_BOUND_H
#define NS_FORMULA_BOUND_H

#include <stdbool.h>
#include <stddef.h>

#include "../normalizers/contract.h"
#include "formula.h"

typedef struct ns_formula_bound {
    bool derived;          /* false: none, why says */
    ns_bound error;        /* each output's relative error, in u_work */
    bool one_sign;         /* the outputs cannot have opposite signs: the sum's bound is error's */
    char why[160];         /* "column 9: ..." when not derived */
} ns_formula_bound;

/* The bound of f.  tot_exact: the policy's tot format holds every value of
 * its input format (every named policy), so rowmax(x) is exact. */
ns_formula_bound ns_formula_bound_of(const ns_formula *f, bool tot_exact);

#endif
