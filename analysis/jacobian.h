/* Rows of an algorithm's Jacobian J_ij = dy_i/dx_j from its own backward
 * pass in fp64, with g = e_i for row i: a cheap stand-in for the
 * reference's Jacobian (metrics.h) where the algorithm is trusted in fp64.
 * They give
 *   kappa_i = sum_j |J_ij| |x_j| / |y_i|, the conditioning of output i, and
 *   || |J|^T |g| ||_inf, the scale of a gradient's error (contract.h).
 * Rows of at most NS_JACOBIAN_MAX_N logits: n backward passes per row. */
#ifndef NS_JACOBIAN_H
#define NS_JACOBIAN_H

#include <stdbool.h>
#include <stddef.h>

#include "../normalizers/catalogue.h"

#define NS_JACOBIAN_MAX_N 64

/* Buffers that grow with n; zero-initialize, free with ns_jacobian_free. */
typedef struct ns_jacobian {
    double *unit, *row, *jtg;
    size_t cap;
} ns_jacobian;

void ns_jacobian_free(ns_jacobian *w);

/* From job (an fp64 job of the algorithm) at xr, with y the outputs there:
 * kappa_i into kappa (when not NULL) and || |J|^T |gr| ||_inf into *gscale
 * (when not NULL).  false when n > NS_JACOBIAN_MAX_N, a pass is not finite,
 * or memory runs out. */
bool ns_jacobian_fp64(ns_jacobian *w, ns_job *job, const double *xr, const double *y,
                      const double *gr, size_t n, double *kappa, double *gscale);

#endif
