/* Reference for relu2.norm: ratio(relu(x)^2), in exact rationals (ratio.h).
 * h(x) = max(x, 0)^2, h'(x) = 2 max(x, 0).
 *
 * Masked (-inf) entries are the limit relu(-inf)^2 = 0 with h' = 0.  A row
 * with no positive entry has S = 0: zeros (SPEC section 3). */
#include "ratio.h"
#include "tier.h"

static int relu2_h(mpq_ptr out, double x, const double *param)
{
    (void)param;
    if (x > 0) {
        mpq_set_d(out, x);
        mpq_mul(out, out, out);
    } else {
        mpq_set_ui(out, 0, 1);
    }
    return 1;
}

static int relu2_dh(mpq_ptr out, double x, const double *param)
{
    (void)param;
    if (x > 0) {
        mpq_set_d(out, x);
        mpq_mul_2exp(out, out, 1);
    } else {
        mpq_set_ui(out, 0, 1);
    }
    return 1;
}

NS_REF_RATIO_ENCLOSE(relu2_norm_enclose, relu2_h, relu2_dh)

const ns_reference ns_ref_relu2_norm = { .family = "relu2.norm", .enclose = relu2_norm_enclose,
                                         .tier = ns_ref_relu2_norm_dd };
