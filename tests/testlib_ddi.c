/* Enclosure checks for the tiers' interval types (testlib_ddi.h). */
#include "testlib_ddi.h"

#define PREC 300

void ns_test_ddi_member(mpfr_t v, ddi a, int t)
{
    mpfr_set_d(v, a.hi, MPFR_RNDN);
    mpfr_add_d(v, v, a.lo, MPFR_RNDN);
    if (t)
        mpfr_add_d(v, v, t * a.r, MPFR_RNDN);
}

void ns_test_ddix_member(mpfr_t v, ddix a, int t)
{
    ns_test_ddi_member(v, a.a, t);
    mpfr_mul_2si(v, v, a.e, MPFR_RNDN);
}

int ns_test_ddix_contains(ddix a, mpfr_t truth)
{
    if (!ddix_valid(a))
        return 1;
    mpfr_t lo, hi;
    mpfr_inits2(PREC, lo, hi, (mpfr_ptr)0);
    ns_test_ddix_member(lo, a, -1);
    ns_test_ddix_member(hi, a, 1);
    int in = mpfr_lessequal_p(lo, truth) && mpfr_lessequal_p(truth, hi);
    mpfr_clears(lo, hi, (mpfr_ptr)0);
    return in;
}

int ns_test_ddi_contains(ddi a, mpfr_t truth)
{
    return ns_test_ddix_contains((ddix){ a, 0 }, truth);   /* times 2^0 */
}
