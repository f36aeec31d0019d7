/* The exponentials of the shifted-softmax tiers (softmax1, ssmax):
 * e_i = e^{a (x_i - c)} for every entry of a row, their sum, and the
 * weights e_i / s, in double-double intervals with an exponent where they
 * fall below ddi's range (ddi_range.h).
 *
 * An exponent a (x_i - c) below EXP_TERMS_TINY is a tiny entry: its e_i
 * counts as [0, EXP_TERMS_TINY_BOUND] in a sum that is >= 1, and only its
 * ex_i (with an exponent) is exact enough for anything else.  A difference
 * x_i - c below 2^-899, which ddi_diff does not represent, gives e_i within
 * 1 +- near_one_radius (the caller's bound for |a| 2^-899; with INFINITY,
 * no bound, such an entry is left invalid and the row to MPFR). */
#ifndef NS_EXP_TERMS_H
#define NS_EXP_TERMS_H

#include <stddef.h>

#include "ddi.h"
#include "ddi_range.h"
#include "ddi_sum.h"

#define EXP_TERMS_TINY (-580.0)
#define EXP_TERMS_TINY_BOUND 0x1p-835          /* > e^{-580 + 2^-40} */

typedef struct exp_terms {
    ddi *e;         /* in range: e_i; masked: exact 0; tiny: [0, EXP_TERMS_TINY_BOUND] */
    ddix *ex;       /* every e_i with an exponent */
    size_t ntiny;   /* the tiny entries */
} exp_terms;

/* Allocates and fills t for x[0..n) (a NULL scale is a = 1), adding every
 * e_i but the tiny ones to sum; 0 when out of memory (t is then empty).
 * exp_terms_free releases it. */
int exp_terms_compute(exp_terms *t, const double *x, size_t n, double c, const ddi *scale,
                      double near_one_radius, ddi_sum *sum);
void exp_terms_free(exp_terms *t);

/* The sum's total with the tiny entries' bound added. */
ddi exp_terms_total(const exp_terms *t, const ddi_sum *sum);

/* y_i = e_i / s, each rounded as ns_ref_round would (inv_s encloses 1/s,
 * sx is s with an exponent); 1 when every y_i settled. */
int exp_terms_weights(const exp_terms *t, size_t n, ddi inv_s, ddix sx, double *y);

/* The gradient's sum_i (g_i - G) e_i over g[0..n): in range into *ge unless
 * wide (*ge is then the empty sum), with an exponent from the ex_i when
 * wide; returns it with an exponent (*ge's when not wide), and max_i |g_i|
 * in *max_g. */
ddix exp_terms_gradient_sum(const exp_terms *t, const double *g, size_t n, double G, int wide,
                            ddi *ge, double *max_g);

#endif
