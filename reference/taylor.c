/* Reference for taylor: ratio(1 + x + x^2/2), in exact rationals (ratio.h).
 * h(x) = 1 + x + x^2/2 = ((1 + x)^2 + 1) / 2 >= 1/2, h'(x) = 1 + x.
 *
 * Domain: a masked (-inf) entry has h = +inf and the ratio inf / inf has no
 * value, so a row with one is outside the family's domain: every output and
 * gradient entry is NaN.  S > 0 otherwise. */
#include "ratio.h"
#include "tier.h"

static int taylor_h(mpq_ptr out, double x, const double *param)
{
    (void)param;
    if (x == -INFINITY)
        return 0;
    mpq_t half_square;
    mpq_init(half_square);
    mpq_set_d(half_square, x);
    mpq_mul(half_square, half_square, half_square);
    mpq_div_2exp(half_square, half_square, 1);
    mpq_set_d(out, x);
    mpq_add(out, out, half_square);
    mpq_set_ui(half_square, 1, 1);
    mpq_add(out, out, half_square);
    mpq_clear(half_square);
    return 1;
}

static int taylor_dh(mpq_ptr out, double x, const double *param)
{
    (void)param;
    mpq_t one;
    mpq_init(one);
    mpq_set_ui(one, 1, 1);
    mpq_set_d(out, x);
    mpq_add(out, out, one);
    mpq_clear(one);
    return 1;
}

NS_REF_RATIO_ENCLOSE(taylor_enclose, taylor_h, taylor_dh)

const ns_reference ns_ref_taylor = { .family = "taylor", .enclose = taylor_enclose,
                                     .tier = ns_ref_taylor_dd };
