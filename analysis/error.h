/* Error of one computed value against the reference, in the output format. */
#ifndef NS_ERROR_H
#define NS_ERROR_H

#include "../formats/format.h"

/* Width of the format in bits (16, 16, 32, 64): the worst bits of error. */
int ns_format_width(const ns_format *f);

/* |y - ref| in units of the ulp of ref in format f: 0 when equal (and when
 * both are NaN: no reference and no value, or when y is the infinity that
 * ref rounds to in f); inf when exactly one is NaN or infinite and they
 * differ. */
double ns_ulps(const ns_format *f, double y, double ref);

/* Bits of error log2(1 + ulps) (Herbie's measure), capped at the width of
 * the format; NaN and inf errors read as the width: the worst. */
double ns_error_bits(const ns_format *f, double ulps);

#endif
