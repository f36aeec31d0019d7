/* Double-double intervals beyond ddi's range (ddi.h): a value a 2^e, with
 * a a ddi kept near 1 in magnitude and e any int, for the fast tiers whose
 * values reach below 2^-900 (tiny exponentials, long products) or need the
 * correct rounding of a subnormal or zero result.
 *
 * Every operation returns an enclosure.  Parts of an operand that fall more
 * than 2^-600 below the other's magnitude are kept only as radius, and a
 * magnitude below 2^-2^29 is kept as the bound [-2^-2^29, 2^-2^29]: both only
 * widen the enclosure. */
#ifndef NS_DDI_RANGE_H
#define NS_DDI_RANGE_H

#include "ddi.h"

typedef struct ddix {
    ddi a;
    int e;
} ddix;

ddix ddix_of(ddi a);                 /* a 2^0 */
ddix ddix_add(ddix a, ddix b);
ddix ddix_mul(ddix a, ddix b);
ddix ddix_div(ddix a, ddix b);       /* invalid when b may contain 0 */
ddix ddix_exp(ddi d);                /* e^d, any d.hi <= 600 2^24 (beyond: invalid) */

static inline bool ddix_valid(ddix v) { return ddi_valid(v.a); }
static inline ddix ddix_neg(ddix v) { return (ddix){ { -v.a.hi, -v.a.lo, v.a.r }, v.e }; }
ddix ddix_abs(ddix v);               /* an enclosure of |v| */

/* Whether every member of v is above 0 (+1), below it (-1), or neither (0). */
int ddix_sign(ddix v);

/* Whether every member of v exceeds in magnitude 2^-k times every member of
 * w (so v has one sign, and keeps it through relative errors below 2^-k). */
int ddix_exceeds(ddix v, ddix w, int k);

/* The double every member of v rounds to (round to nearest even, binary64,
 * subnormals included), as ns_ref_round gives it for an MPFI enclosure of
 * the same value: 1 with *out set, 0 when v does not settle.
 *
 * A value that rounds to zero needs the sign MPFI's enclosure has:
 * ns_ref_round gives -0 only when that enclosure lies below zero, +0 when
 * it lies above or straddles zero.  mpfi_sign says what the caller knows
 * of it: +1 (above zero), -1 (below zero), 0 (nothing).  With 0, a zero
 * settles only when v itself lies above zero (the value is then positive,
 * so MPFI's enclosure cannot lie below zero). */
int ddix_round(ddix v, int mpfi_sign, double *out);

#endif
