/* Reference for stickbreaking: y_i = sigma(x_i) prod_{k>i} sigma(-x_k)
 * (1 - sigma(x) = sigma(-x), so no factor is formed by cancellation), and
 *     dx_j = g_j y_j sigma(-x_j) - sigma(x_j) sum_{i<j} g_i y_i
 * (from dy_i/dx_j = y_i ([i = j] (1 - sigma_j) - [i < j] sigma_j)).
 *
 * A product of factors in (0, 1], each an enclosure as tight as the working
 * precision, in a suffix scan: the relative width grows about 2n 2^-prec,
 * and MPFR's exponent range holds products far below binary64's (a row of
 * a million zeros gives 2^-1000001, which rounds to 0).  The algorithms work
 * in log space; this is the product itself.  sigma(x) = 1 / (1 + e^{-x}):
 * where e^{-x} overflows MPFR's range, sigma lies in [0, tiny], a valid
 * enclosure of a value that rounds to 0.
 *
 * Masked entries (x_i = -inf): sigma = 0 and 1 - sigma = 1 exactly, so
 * y_i = 0, dx_i = 0, and the entry does not change the others (the limit of
 * the definition).  There is no denominator: an all-masked row gives zeros
 * by the definition itself. */
#include "ref.h"
#include "tier.h"

#include <math.h>

/* out = sigma(x) = 1 / (1 + e^{-x}); sigma(-inf) = 0 and sigma(inf) = 1
 * exactly. */
static void sigma(mpfi_ptr out, double x)
{
    if (isinf(x)) {
        mpfi_set_ui(out, x > 0);
        return;
    }
    mpfi_set_d(out, -x);
    mpfi_exp(out, out);
    mpfi_add_ui(out, out, 1);
    mpfi_ui_div(out, 1, out);
}

static void stickbreaking_enclose(const ns_ref_input *in, mpfr_prec_t prec, mpfi_ptr y, mpfi_ptr dx)
{
    size_t n = in->n;
    mpfi_t rest, f, p;
    mpfi_init2(rest, prec);                  /* prod_{k>i} sigma(-x_k) */
    ns_mpfi_inits2(prec, f, p, (mpfi_ptr)0);
    mpfi_set_ui(rest, 1);
    for (size_t i = n; i-- > 0;) {
        sigma(&y[i], in->x[i]);
        mpfi_mul(&y[i], &y[i], rest);
        sigma(f, -in->x[i]);
        mpfi_mul(rest, rest, f);
    }
    if (dx) {
        mpfi_set_ui(p, 0);                   /* sum_{i<j} g_i y_i */
        for (size_t j = 0; j < n; j++) {
            sigma(f, -in->x[j]);
            mpfi_mul(&dx[j], &y[j], f);
            mpfi_mul_d(&dx[j], &dx[j], in->g[j]);
            sigma(f, in->x[j]);
            mpfi_mul(f, f, p);
            mpfi_sub(&dx[j], &dx[j], f);
            mpfi_mul_d(f, &y[j], in->g[j]);
            mpfi_add(p, p, f);
        }
    }
    ns_mpfi_clears(rest, f, p, (mpfi_ptr)0);
}

const ns_reference ns_ref_stickbreaking = { .family = "stickbreaking", .enclose = stickbreaking_enclose,
                                            .tier = ns_ref_stickbreaking_dd };
