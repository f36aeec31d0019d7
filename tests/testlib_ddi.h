/* Enclosure checks for the tiers' interval types (reference/ddi.h, a
 * midpoint hi + lo and a radius r; reference/ddi_range.h, the same times
 * 2^e) against values computed with MPFR. */
#ifndef NS_TESTLIB_DDI_H
#define NS_TESTLIB_DDI_H

#include <mpfr.h>

#include "../reference/ddi.h"
#include "../reference/ddi_range.h"

/* v = hi + lo + t r (t = -1, 0 or +1), rounded to v's precision. */
void ns_test_ddi_member(mpfr_t v, ddi a, int t);
void ns_test_ddix_member(mpfr_t v, ddix a, int t);   /* times 2^e, exactly */

/* Whether truth lies in [m - r, m + r] (computed at 300 bits); an invalid
 * interval claims nothing and contains everything. */
int ns_test_ddi_contains(ddi a, mpfr_t truth);
int ns_test_ddix_contains(ddix a, mpfr_t truth);

#endif
