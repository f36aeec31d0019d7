#include "error.h"

#include <math.h>

int ns_format_width(const ns_format *f)
{
    if (f->width)
        return f->width;
    /* A format made by hand: the exponent field holds emax - emin + 1
     * normal exponents plus the codes of zero/subnormals and of inf/NaN. */
    int ebits = 0;
    while ((1 << ebits) < f->emax - f->emin + 3)
        ebits++;
    return 1 + ebits + f->p - 1;
}

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

double ns_error_bits(const ns_format *f, double ulps)
{
    double w = ns_format_width(f);
    if (!(ulps < INFINITY))
        return w;
    double b = log2(1.0 + ulps);
    return b > w ? w : b;
}
