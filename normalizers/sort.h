/* In-place sort of doubles into descending order, for the sort-based sparse
 * normalizers.  Heapsort: O(n log n), no allocation, no recursion (kernels
 * sort in registers or shared memory; the algorithms here may not allocate).
 * The values must contain no NaN (comparisons with NaN are not an order);
 * -inf and +-0 are ordinary. */
#ifndef NS_SORT_H
#define NS_SORT_H

#include <stddef.h>

/* Restore the min-heap property below position i of v[0..n). */
static inline void ns_sift_down_min(double *v, size_t i, size_t n)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            return;
        if (c + 1 < n && v[c + 1] < v[c])
            c++;
        if (!(v[c] < v[i]))
            return;
        double t = v[i];
        v[i] = v[c];
        v[c] = t;
        i = c;
    }
}

/* A min-heap whose minimum is moved to the end, n times, leaves v in
 * descending order. */
static inline void ns_sort_descending(double *v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        ns_sift_down_min(v, i, n);
    for (size_t end = n; end > 1; end--) {
        double t = v[0];
        v[0] = v[end - 1];
        v[end - 1] = t;
        ns_sift_down_min(v, 0, end - 1);
    }
}

#endif
