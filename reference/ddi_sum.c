/* Cascade summation of double-double intervals (ddi_sum.h). */
#include "ddi_sum.h"

void ddi_sum_init(ddi_sum *s)
{
    s->count = 0;
}

/* Adding one to the counter: every set low bit merges its partial sum into
 * the carry, as in a binary increment. */
void ddi_sum_add(ddi_sum *s, ddi term)
{
    int l = 0;
    for (size_t c = s->count; c & 1; c >>= 1, l++)
        term = ddi_add(s->level[l], term);
    s->level[l] = term;
    s->count++;
}

/* The partial sums from the smallest level up: the largest last. */
ddi ddi_sum_total(const ddi_sum *s)
{
    ddi t = ddi_from_double(0);
    int l = 0;
    for (size_t c = s->count; c; c >>= 1, l++)
        if (c & 1)
            t = ddi_add(t, s->level[l]);
    return t;
}
