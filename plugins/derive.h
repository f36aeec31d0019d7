/* The backward pass of a plugin algorithm that gives none (a version-2
 * algorithm whose backward is NULL), derived from its forward pass.
 *
 * The forward pass runs again from x through a taping nsp_ops: each
 * operation is performed exactly as the plain table performs it (one
 * ns_ops rounding in the policy's formats, the sum order, the probe), so
 * the values are the forward's bits, and each records its operation, its
 * operands' values and handles (tape.h).  Reverse mode then runs over the
 * tape with the rules a formula's backward uses (formats/adjoint.h), each
 * adjoint operation one rounding in the policy's work format:
 *
 *   - the outputs' values are the saved y the caller passes (as a built-in
 *     backward reads them), and their adjoints g;
 *   - add, sub, acc_add pass A on (negated for sub's b); mul, acc_mul, fma
 *     A times the other operand; div A / b and -(A y) / b; pow, sqrt, exp,
 *     expm1, log, log1p, tanh their derivative times A; sum passes A to
 *     every operand, dot A times the other row, max A to its first largest
 *     operand (NaN to all when the maximum is NaN);
 *   - a row of quotients by one value b (the normalizing sum) gives b one
 *     adjoint -<A, y> / b, the dot product gathered first; and when b is the
 *     sum of exactly those numerators, the quotient's Jacobian is taken in
 *     the closed form kernels write: dz = y (A - <A, y>) for e^z / sum(e^z),
 *     with a shift z = w - c by one value c given no adjoint (the quotient
 *     does not depend on it), and dw = h'(w) / S (A - <A, y>) for
 *     h(w) / sum(h(w)), h one of sqrt expm1 log log1p tanh or w w;
 *   - an adjoint several operations contribute to is accumulated with
 *     ns_add in work, in the order reverse mode reaches them;
 *   - constants (op->constant, op->exact, numbers a plugin makes) carry no
 *     derivative; branches on inputs are differentiated as taken
 *     (relu'(0) = 0); an input no operation used gets 0.
 *
 * So a plugin whose forward spells softmax.shifted or spherical gets their
 * built-in backward's bits (tests/test_plugin_derive.c). */
#ifndef NS_PLUGIN_DERIVE_H
#define NS_PLUGIN_DERIVE_H

#include <stddef.h>

#include "../formats/policy.h"
#include "../include/normstab/plugin.h"

/* dx = J(x)^T g for alg (nparams: its family's parameters, op->param)
 * with y its forward's output as saved.  dx is NaN everywhere when memory
 * ran out. */
void ns_plugin_derive_backward(const nsp_algorithm *alg, size_t nparams, const ns_ops *op,
                               const double *x, const double *y, const double *g, double *dx,
                               size_t n);

#endif
