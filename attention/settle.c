/* The attention references' Ziv loop (attention/settle.h). */
#include <stdlib.h>

#include "../reference/ref.h"
#include "settle.h"

long ns_attn_settle(ns_attn_enclose enclose, void *ctx, size_t n, double *out)
{
    mpfr_exp_t old_emin = mpfr_get_emin(), old_emax = mpfr_get_emax();
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    long open = -1;
    for (mpfr_prec_t prec = 128; prec <= NS_ATTN_MAX_PREC; prec *= 2) {
        mpfi_ptr v = ns_ref_intervals(n, prec);
        if (!v)
            break;
        enclose(ctx, prec, v);
        open = 0;
        for (size_t i = 0; i < n; i++) {
            if (ns_ref_round(&v[i], &out[i]))
                continue;
            open++;
            if (prec == NS_ATTN_MAX_PREC) {
                mpfr_t mid;
                mpfr_init2(mid, prec);
                mpfi_mid(mid, &v[i]);
                out[i] = mpfr_get_d(mid, MPFR_RNDN);
                mpfr_clear(mid);
            }
        }
        ns_ref_intervals_free(v, n);
        if (open == 0)
            break;
    }
    mpfr_set_emin(old_emin);
    mpfr_set_emax(old_emax);
    return open;
}
