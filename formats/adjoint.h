/* The adjoint rules of reverse mode through a policy's rounded operations,
 * one place for the two backward passes normstab derives: a formula's
 * (formulas/eval.c, over its expression graph) and a plugin's without a
 * backward of its own (plugins/derive.c, over the tape of its forward pass).
 *
 * Each rule returns the adjoint A of an operation's value times one partial
 * derivative, every factor one rounding in the policy's work format (ns_mul,
 * ns_div ...), as the forward pass rounds: a is the operand, v the
 * operation's value as the forward computed it.  So the two derivations
 * give the same bits for the same operations. */
#ifndef NS_FORMATS_ADJOINT_H
#define NS_FORMATS_ADJOINT_H

#include "policy.h"

/* The elementwise functions whose derivative is written with their value. */
typedef enum ns_adjoint_fn {
    NS_ADJ_EXP,          /* e^a:            A v */
    NS_ADJ_EXPM1,        /* e^a - 1:        A (v + 1) */
    NS_ADJ_LOG,          /* log a:          A / a */
    NS_ADJ_LOG1P,        /* log(1 + a):     A / (1 + a) */
    NS_ADJ_SQRT,         /* sqrt a:         A / (2 v) */
    NS_ADJ_TANH,         /* tanh a:         A (1 - v v) */
    NS_ADJ_SIGMOID,      /* sigma(a):       A (v (1 - v)), the sigmoid kernel's backward */
} ns_adjoint_fn;

static inline double ns_adjoint_unary(const ns_ops *op, ns_adjoint_fn f, double A, double a, double v)
{
    switch (f) {
    case NS_ADJ_EXP: return ns_mul(op, A, v);
    case NS_ADJ_EXPM1: return ns_mul(op, A, ns_add(op, v, 1.0));
    case NS_ADJ_LOG: return ns_div(op, A, a);
    case NS_ADJ_LOG1P: return ns_div(op, A, ns_add(op, 1.0, a));
    case NS_ADJ_SQRT: return ns_div(op, A, ns_mul(op, 2.0, v));
    case NS_ADJ_TANH: return ns_mul(op, A, ns_sub(op, 1.0, ns_mul(op, v, v)));
    case NS_ADJ_SIGMOID: return ns_mul(op, A, ns_mul(op, v, ns_sub(op, 1.0, v)));
    }
    return NAN;
}

/* v = a b: A b to a (and A a to b). */
static inline double ns_adjoint_mul(const ns_ops *op, double A, double other) { return ns_mul(op, A, other); }

/* v = a / b: A / b to a, -(A v) / b to b. */
static inline double ns_adjoint_div_a(const ns_ops *op, double A, double b) { return ns_div(op, A, b); }
static inline double ns_adjoint_div_b(const ns_ops *op, double A, double v, double b)
{
    return -ns_div(op, ns_mul(op, A, v), b);
}

/* v_i = a_i / b for a whole row by one b: -<A, v> / b to b, the dot
 * product (ns_dot) gathered first, as a kernel's <g, y>. */
static inline double ns_adjoint_div_shared_b(const ns_ops *op, double dot_Av, double b)
{
    return -ns_div(op, dot_Av, b);
}

/* v = a^b: A (b a^(b - 1)) to a, A (v log a) to b. */
static inline double ns_adjoint_pow_a(const ns_ops *op, double A, double a, double b)
{
    return ns_mul(op, A, ns_mul(op, b, ns_pow(op, a, ns_sub(op, b, 1.0))));
}
static inline double ns_adjoint_pow_b(const ns_ops *op, double A, double a, double v)
{
    return ns_mul(op, A, ns_mul(op, v, ns_log(op, a)));
}

/* The two quotients whose Jacobians kernels write in closed form, with
 * gy = <A, y> (ns_dot):
 *   e^z / sum(e^z):     dz = y (A - gy)            (normalizers/softmax.c)
 *   h(w) / sum(h(w)):   dw = h'(w) / S (A - gy)    (normalizers/ratio.h),
 * dh = h'(w) as ns_adjoint_unary gives it for A = 1 (2 w for w w). */
static inline double ns_adjoint_softmax(const ns_ops *op, double A, double y, double gy)
{
    return ns_mul(op, y, ns_sub(op, A, gy));
}
static inline double ns_adjoint_ratio(const ns_ops *op, double A, double dh, double s, double gy)
{
    return ns_mul(op, ns_div(op, dh, s), ns_sub(op, A, gy));
}

#endif
