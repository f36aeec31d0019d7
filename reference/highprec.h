/* The reference's doubles checked against evaluations at a much higher
 * precision, by two routes that share nothing with the tiers and little
 * with the driver:
 *
 *   plain      the family's definition in plain MPFR (plain.h) at
 *              NS_HP_PLAIN_PREC and at NS_HP_PLAIN_PREC_HI bits.  Their
 *              difference estimates the error of the first, from which the
 *              second is trusted to within that difference (plus 2^-(p-8) of
 *              itself).  A heuristic, not a proof, but an independent one:
 *              it catches a wrong formula, a wrong enclosure and a wrong
 *              rounding alike.
 *   enclosure  the reference's own enclosure (ns_reference.enclose) at one
 *              fixed precision, far above the driver's first (64 + 2 log2 n
 *              bits): its ends bound every value the driver could certify.
 *              It catches a tier or a driver that rounds wrongly, and an
 *              enclosure too wide or off at low precision only.
 *
 * Each route gives, per entry, the doubles the value may round to: one
 * double when it decides the rounding, the doubles between the roundings of
 * its ends when the value lies too close to a boundary (an exact tie), NaN
 * where the value is undefined.  Zeros of either sign are the same value
 * (the sign of a zero is not certified, docs/semantics.md). */
#ifndef NS_REF_HIGHPREC_H
#define NS_REF_HIGHPREC_H

#include <stddef.h>

#include "ref.h"

#define NS_HP_PLAIN_PREC 3000
#define NS_HP_PLAIN_PREC_HI 4000
#define NS_HP_ENCLOSURE_PREC 2048

/* The doubles an entry may round to: lo <= v <= hi; NaN both when the
 * value is undefined. */
typedef struct ns_hp_bounds {
    double lo, hi;
} ns_hp_bounds;

/* y[0..n) (and dx[0..n) when g) from the plain route.  1 when evaluated;
 * 0 when plain.h has no formula for the family, its parameters or the row,
 * -1 when out of memory. */
int ns_hp_plain(const ns_reference *r, const double *param, const double *x, const double *g, size_t n,
                ns_hp_bounds *y, ns_hp_bounds *dx);

/* The same from the enclosure route at prec bits: 1, or -1 when out of
 * memory.  Rows must lie in the reference's domain as ns_ref_eval hands it
 * to the enclosure: no NaN or +inf in x, finite g, n >= 1. */
int ns_hp_enclosure(const ns_reference *r, const double *param, const double *x, const double *g, size_t n,
                    mpfr_prec_t prec, ns_hp_bounds *y, ns_hp_bounds *dx);

/* Whether v is one of the doubles b allows. */
int ns_hp_allows(ns_hp_bounds b, double v);

/* Whether b decides a single double (or NaN). */
int ns_hp_decided(ns_hp_bounds b);

#endif
