/* Reference for spherical: ratio(x^2 + eps), in exact rationals (ratio.h).
 * h(x) = x^2 + eps, h'(x) = 2x.
 *
 * Domain: a masked (-inf) entry has h = +inf and the ratio inf / inf has no
 * value, so a row with one is outside the family's domain: every output and
 * gradient entry is NaN.  At x = 0 with eps = 0, S = 0: zeros (SPEC
 * section 3). */
#include "ratio.h"
#include "tier.h"

static int spherical_h(mpq_ptr out, double x, const double *param)
{
    if (x == -INFINITY)
        return 0;
    mpq_t eps;
    mpq_init(eps);
    mpq_set_d(eps, param[0]);
    mpq_set_d(out, x);
    mpq_mul(out, out, out);
    mpq_add(out, out, eps);
    mpq_clear(eps);
    return 1;
}

static int spherical_dh(mpq_ptr out, double x, const double *param)
{
    (void)param;
    mpq_set_d(out, x);
    mpq_mul_2exp(out, out, 1);
    return 1;
}

NS_REF_RATIO_ENCLOSE(spherical_enclose, spherical_h, spherical_dh)

const ns_reference ns_ref_spherical = { .family = "spherical", .enclose = spherical_enclose,
                                        .tier = ns_ref_spherical_dd };
