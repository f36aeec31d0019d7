/* A formula evaluated in a policy, forward and backward, through the
 * operations the built-in algorithms use (formats/policy.h):
 *
 *   - each operation of the formula is one rounding in the policy's work
 *     format (ns_add, ns_exp ...); numbers, parameters and n are held as
 *     the kernel holds a constant (ns_const); unary minus, abs, relu, min
 *     and max are exact;
 *   - sigmoid(z) is 1 / (1 + e^-z) and softplus(z) is log1p(e^z), as the
 *     built-in kernels write them (three and two roundings);
 *   - sum, mean and the adjoints that gather a row into one value are
 *     reductions in acc, in the --sum order, stored as totals (ns_sum,
 *     ns_dot); rowmax and rowmin are exact (ns_max);
 *   - a division by a row value (a sum, n) shows it to the probe once per
 *     row, as the built-in kernels show their normalizing sums.
 *
 * The graph is evaluated node after node over the whole row; each node
 * once, however often it is written.
 *
 * The backward pass is reverse mode over the same graph: the forward
 * values computed again from x (the output node's value is the saved y the
 * caller passes, as a built-in backward reads it), then each node's adjoint
 * passed to its operands with one rounded operation per step (the rules
 * are in eval.c), except for two quotients whose Jacobians have a
 * closed form that kernels use:
 *   - e^z / sum(e^z): dz = y (A - <A, y>), and a shift of z by a row value
 *     (the maximum) gets no adjoint, since the quotient does not depend on
 *     it (reverse mode would give it a sum that is zero only in exact
 *     arithmetic);
 *   - h(w) / sum(h(w)) for h one operation: dw = h'(w) / S (A - <A, y>)
 *     (normalizers/ratio.h).
 * So the backward pass gives the built-in's bits for softmax.naive,
 * softmax.shifted, spherical, relu.norm, softplus.norm and sigmoid
 * (tests/test_formula_eval.c).  Not for relu.scaled, whose kernel
 * multiplies relu'(x) by g before dividing by n: a masked or non-positive
 * entry gets relu'(x) g / n = -0 for a negative g where reverse mode gives
 * +0, and a NaN entry 0 where reverse mode gives NaN. */
#ifndef NS_FORMULA_EVAL_H
#define NS_FORMULA_EVAL_H

#include "formula.h"

/* y = f(x) in op (op->param: the formula's parameters).  0, or -1 when
 * scratch could not be allocated (y is then NaN). */
int ns_formula_forward(const ns_formula *f, const ns_ops *op, const double *x, double *y, size_t n);

/* dx = J(x)^T g, y the forward's output as saved.  0, or -1 as above. */
int ns_formula_backward(const ns_formula *f, const ns_ops *op, const double *x, const double *y,
                        const double *g, double *dx, size_t n);

#endif
