/* The derivative of what an algorithm computed through MPFR-backed nsp_ops
 * (mpfr_ops.h), by reverse mode over the tape: dx = J(x)^T g where J is the
 * Jacobian of the outputs y with respect to the inputs, each adjoint
 * operation done in MPFR at the working precision.
 *
 * This is the derivative of the forward pass as evaluated, operation by
 * operation, with the usual one-sided conventions where a function is not
 * differentiable: a branch the algorithm takes (relu's x > 0, a maximum)
 * is differentiated as taken, so relu'(0) = 0 as SPEC section 3 says, and
 * the maximum passes its adjoint to the entry it chose.  A zero adjoint
 * stops there (0 times an infinite partial derivative is 0, not NaN: a
 * masked entry weighs nothing).  Values the algorithm made outside the
 * table (op->exact of a computed .v) are constants to it. */
#ifndef NS_PLUGIN_ADJOINT_H
#define NS_PLUGIN_ADJOINT_H

#include "mpfr_ops.h"

/* dx[i] = sum_k g[k] dy[k]/dx_i for the inputs x_0 .. x_{n-1} put on the
 * tape by ns_mp_input(h, ., i), y[0..n) the outputs; dx must be
 * initialised (any precision).  Returns 0, or -1 when out of memory. */
int ns_mp_adjoint(ns_mp_host *h, const nsp_num *y, const double *g, size_t n, mpfr_ptr dx);

#endif
