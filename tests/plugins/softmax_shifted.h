/* softmax shifted by the maximum, written against the plugin ABI operation
 * for operation as normalizers/softmax.c computes softmax.shifted: the test
 * plugins and tests/test_plugin.c that need an ordinary forward pass. */
#ifndef NSP_TEST_SOFTMAX_SHIFTED_H
#define NSP_TEST_SOFTMAX_SHIFTED_H

#include <stddef.h>

#include "../../include/normstab/plugin.h"

static inline void nsp_test_softmax_shifted(const nsp_ops *op, const nsp_num *x, nsp_num *y, size_t n)
{
    nsp_num m = op->max(op, x, n);
    for (size_t i = 0; i < n; i++)
        y[i] = op->exp(op, op->sub(op, x[i], m));
    nsp_num s = op->denominator(op, op->sum(op, y, n));
    for (size_t i = 0; i < n; i++)
        y[i] = op->div(op, y[i], s);
}

#endif
