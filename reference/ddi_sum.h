/* A sum of many double-double intervals by cascade (pairwise) summation:
 * each term enters a binary counter of partial sums, so that every term
 * passes through at most log2(n) + 1 additions.  ddi_add's radius grows by
 * 2^-100 of each partial sum it forms (ddi.h); summed left to right that is
 * up to n 2^-100 of the total (2^-80 at n = 2^20, enough to leave a
 * gradient entry that cancels 20 bits open), pairwise about log2(n) 2^-100.
 * The enclosure is as rigorous either way: only its width changes. */
#ifndef NS_DDI_SUM_H
#define NS_DDI_SUM_H

#include <stddef.h>

#include "ddi.h"

#define DDI_SUM_LEVELS 64

typedef struct ddi_sum {
    ddi level[DDI_SUM_LEVELS];   /* level[l] holds 2^l terms when count has bit l */
    size_t count;
} ddi_sum;

void ddi_sum_init(ddi_sum *s);
void ddi_sum_add(ddi_sum *s, ddi term);
ddi ddi_sum_total(const ddi_sum *s);

#endif
