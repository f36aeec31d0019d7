/* Exact decisions for the fast tiers (tier.h), where an interval cannot
 * decide: the support of sparsemax and entmax (an entry exactly on the
 * threshold), and an output exactly on a rounding boundary (a tie) or
 * exactly zero.
 *
 * Exact sums are floating-point expansions (J. R. Shewchuk, "Adaptive
 * precision floating-point arithmetic and fast robust geometric
 * predicates", Discrete Comput. Geom. 18, 1997): a list of nonoverlapping
 * doubles of increasing magnitude whose exact sum is the value, so its sign
 * is the sign of its last component.  TwoSum is exact for any two finite
 * doubles whose sum does not overflow; a product a b enters as two
 * components (TwoProduct by fma), exact when a factor is 0 or the rounded
 * |a b| >= 2^-960 (its error term is then not below the subnormals); a
 * product of nonzero factors that underflows, even to 0, is not. */
#ifndef NS_DDI_EXACT_H
#define NS_DDI_EXACT_H

#include <math.h>
#include <stddef.h>

#include "ddi.h"

/* ---- raw expansions (the caller provides the room) ---- */

/* e (len components) += b exactly: Grow-Expansion with zero elimination
 * (Shewchuk, section 2.4); len grows by one at most. */
static inline void ns_exp_add(double *e, size_t *len, double b)
{
    size_t k = 0;
    double q = b;
    for (size_t i = 0; i < *len; i++) {
        double s = q + e[i], bb = s - q;
        double err = (q - (s - bb)) + (e[i] - bb);   /* TwoSum */
        if (err != 0)
            e[k++] = err;
        q = s;
    }
    if (q != 0)
        e[k++] = q;
    *len = k;
}

/* e += a b exactly (two components), for a or b = 0 or |a b| >= 2^-960
 * (the caller checks: an a b that underflows to 0 would be lost). */
static inline void ns_exp_add_product(double *e, size_t *len, double a, double b)
{
    double p = a * b;
    ns_exp_add(e, len, fma(a, b, -p));
    ns_exp_add(e, len, p);
}

/* The sign of the value: -1, 0 or 1. */
static inline int ns_exp_sign(const double *e, size_t len)
{
    return len == 0 ? 0 : (e[len - 1] > 0) - (e[len - 1] < 0);
}

/* Compress (Shewchuk, section 2.8): the same value in as few components,
 * in place, still nonoverlapping and increasing, its last component within
 * an ulp of the value; returns the new length. */
size_t ns_exp_compress(double *e, size_t len);

/* ---- exact accumulators ---- */

/* An expansion with room for NS_EXACT_CAP components, compressed as it
 * grows, and a flag that turns 0 when a term cannot enter exactly (not
 * finite, a product that may underflow, or no room left).  Its value means
 * something only while ok. */
#define NS_EXACT_CAP 200

typedef struct ns_exact {
    double e[NS_EXACT_CAP];
    size_t len;
    int ok;
} ns_exact;

static inline void ns_exact_init(ns_exact *a)
{
    a->len = 0;
    a->ok = 1;
}

void ns_exact_add(ns_exact *a, double v);
void ns_exact_add_product(ns_exact *a, double x, double y);   /* a += x y */
void ns_exact_add_scaled(ns_exact *a, const ns_exact *b, double x);   /* a += x b */

static inline int ns_exact_sign(const ns_exact *a)
{
    return ns_exp_sign(a->e, a->len);
}

/* The correctly rounded double (to nearest, ties to even, as the MPFR
 * reference rounds an exact value) of num / den: 1 with *out set, +0 for
 * an exact zero; 0 when it cannot tell (an accumulator not ok, den = 0, a
 * quotient outside [2^-900, 2^900] in magnitude).  Compresses both. */
int ns_exact_round_quotient(ns_exact *num, ns_exact *den, double *out);

/* ---- intervals ---- */

/* Whether every member of a lies above 0 (1) or below 0 (-1); 0 when
 * neither is certain. */
static inline int ns_ddi_sign(ddi a)
{
    if (!ddi_valid(a))
        return 0;
    double slack = (fabs(a.lo) + a.r) * (1 + 0x1p-50);   /* |lo| + r, rounded up */
    return (a.hi > slack) - (-a.hi > slack);
}

/* ddi_round, and where that gives up only because it measures both sides
 * with the smaller gap (a hi that is a power of two, with lo above it),
 * the same test with the gap on lo's side. */
int ns_ddi_round(ddi a, double *out);

#endif
