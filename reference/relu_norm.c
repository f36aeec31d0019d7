/* Reference for relu.norm: ratio(relu(x)), in exact rationals (ratio.h).
 * h(x) = max(x, 0), h'(x) = 1 for x > 0 and 0 otherwise (relu'(0) = 0).
 *
 * Masked (-inf) entries are the limit relu(-inf) = 0 with h' = 0.  A row
 * with no positive entry has S = 0: zeros (SPEC section 3). */
#include "ratio.h"
#include "tier.h"

static int relu_h(mpq_ptr out, double x, const double *param)
{
    (void)param;
    if (x > 0)
        mpq_set_d(out, x);
    else
        mpq_set_ui(out, 0, 1);
    return 1;
}

static int relu_dh(mpq_ptr out, double x, const double *param)
{
    (void)param;
    mpq_set_ui(out, x > 0, 1);
    return 1;
}

NS_REF_RATIO_ENCLOSE(relu_norm_enclose, relu_h, relu_dh)

const ns_reference ns_ref_relu_norm = { .family = "relu.norm", .enclose = relu_norm_enclose,
                                        .tier = ns_ref_relu_norm_dd };
