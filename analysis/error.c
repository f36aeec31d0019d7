#include "error.h"

#include <math.h>

double ns_ulps(const ns_format *f, double y, double ref)
{
    if (isnan(ref))
        return isnan(y) ? 0.0 : INFINITY;
    if (isnan(y))
        return INFINITY;
    if (y == ref)
        return 0.0;
    if (isinf(y) && ns_round(f, ref) == y)
        return 0.0;                  /* the reference overflows the format: inf is its rounding */
    if (isinf(y) || isinf(ref))
        return INFINITY;
    return fabs(y - ref) / ns_ulp(f, ref);
}

double ns_ulps_floor(const ns_format *f, double y, double ref, double floor)
{
    if (floor > 0 && isfinite(ref) && isfinite(y) && fabs(ref) < floor)
        return y == ref ? 0.0 : fabs(y - ref) / ns_ulp(f, floor);
    return ns_ulps(f, y, ref);
}

double ns_error_bits(const ns_format *f, double ulps)
{
    if (!(ulps < INFINITY))
        return NAN;
    double b = log2(1.0 + ulps);
    return b > f->p ? f->p : b;
}
