/* A formula evaluated exactly: the reference of a formula (SPEC section 8).
 *
 * The same graph as the fast evaluation (eval.h), in interval arithmetic
 * (MPFI over MPFR): every operation's interval contains its exact result,
 * so the intervals of y and of the gradient (reverse mode, the same rules
 * as eval.c with exact operations) contain the exact values.  The
 * reference driver (reference/ref.c) raises the precision until each
 * interval rounds to one binary64 (Ziv's strategy) and sets MPFR's
 * exponent range to the widest it has (emax 2^62 - 1 on 64-bit builds), so
 * no intermediate overflows or underflows.
 *
 * Numbers and parameters are their binary64 values (0.1 is
 * 0x1.999999999999ap-4); the row length n is exact.  Where a row value
 * divides (a normalizing sum, n) and is exactly zero, y and the gradient
 * are all zeros (SPEC section 3).  Where the formula has no value (the log
 * of a negative number, 0^0, a division of a non-zero row entry by zero,
 * (-inf) - (-inf)) the entry is NaN; ns_formula_undefined() says why.
 * Where a branch (relu, abs, min, max, rowmax, rowmin) cannot be decided
 * from the intervals the enclosure holds both branches and the driver
 * raises the precision. */
#ifndef NS_FORMULA_EXACT_H
#define NS_FORMULA_EXACT_H

#include <mpfi.h>

#include "formula.h"

/* Intervals y[0..n) (and dx[0..n) when g) containing the exact values at
 * working precision prec; y and dx are initialised by the caller.  Where
 * the intervals of the graph would take more than NS_FORMULA_EXACT_BYTES,
 * y and dx are the whole line: the driver counts them as uncertain. */
#define NS_FORMULA_EXACT_BYTES (256.0 * 1024 * 1024)
void ns_formula_enclose(const ns_formula *f, const double *x, const double *g, const double *param,
                        size_t n, mpfr_prec_t prec, mpfi_ptr y, mpfi_ptr dx);

/* 1 with one line in why ("column 5: log of a negative number") when the
 * formula has no value somewhere on the row x, else 0. */
int ns_formula_undefined(const ns_formula *f, const double *x, const double *param, size_t n,
                         char *why, size_t len);

#endif
