/* Error of one computed value against the reference, in the output format. */
#ifndef NS_ERROR_H
#define NS_ERROR_H

#include "../formats/format.h"

/* |y - ref| in units of the ulp of ref in format f: 0 when equal (and when
 * both are NaN: no reference and no value, or when y is the infinity that
 * ref rounds to in f); inf when exactly one is NaN or infinite and they
 * differ. */
double ns_ulps(const ns_format *f, double y, double ref);

/* The same in ulps of max(|ref|, floor): an absolute accuracy near 0 for
 * outputs whose contract asks for one (log-probabilities: floor 1, the
 * contract's error_floor); floor 0 is ns_ulps. */
double ns_ulps_floor(const ns_format *f, double y, double ref, double floor);

/* Bits of error log2(1 + ulps) (Herbie's measure), capped at the precision
 * p of the format (p bits wrong: no correct bit).  A NaN or infinite error
 * is not a number of bits: NaN, counted apart as a rate. */
double ns_error_bits(const ns_format *f, double ulps);

#endif
