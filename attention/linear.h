/* Linear attention (SPEC section 7): softmax replaced by a feature map phi,
 *   O_i = phi(q_i)^T (sum_j phi(k_j) v_j^T) / phi(q_i)^T sum_j phi(k_j),
 * over every key (linear) or over j <= i (linear.causal, linear.chunked),
 * through a policy's rounded arithmetic, and its reference.
 *
 * Feature maps: elu1 = elu + 1 as fast-transformers computes it
 * (F.elu(x) + 1: x + 1 for x > 0, expm1(x) + 1 otherwise, each rounded in
 * work), relu, identity.
 *
 * Kernels:
 * - linear: S = sum_j phi(k_j) v_j^T and z = sum_j phi(k_j) once, then each
 *   query's numerator phi(q_i)^T S and denominator phi(q_i)^T z.
 * - linear.causal: the recurrence S_t = S_{t-1} + phi(k_t) v_t^T, z_t =
 *   z_{t-1} + phi(k_t), read by query t.
 * - linear.chunked: chunks of `chunk` tokens; inside a chunk the quadratic
 *   form sum_{j <= i} (phi(q_i) . phi(k_j)) v_j, across chunks the state,
 *   to which each chunk's sum is added after it.
 * Formats: inputs in in; phi and the division in work; products and running
 * sums (S, z, dot products) in acc, a finished dot product stored in tot
 * before use (tot = fp16 with acc = fp32 is a tensor-core matmul that
 * writes fp16); outputs in out.  Every denominator is shown to the probe. */
#ifndef NS_ATTENTION_LINEAR_H
#define NS_ATTENTION_LINEAR_H

#include <stdbool.h>
#include <stddef.h>

#include <mpfi.h>

#include "../formats/policy.h"

typedef enum { NS_FEATURE_ELU1, NS_FEATURE_RELU, NS_FEATURE_IDENTITY } ns_feature;
typedef enum { NS_LINEAR, NS_LINEAR_CAUSAL, NS_LINEAR_CHUNKED } ns_linear_kind;

typedef struct ns_linear_input {
    size_t n_q, n_k, d, d_v;   /* causal kernels: n_q = n_k */
    const double *q, *k, *v;   /* n_q x d, n_k x d, n_k x d_v, row-major */
    ns_feature feature;
    size_t chunk;              /* linear.chunked: tokens per chunk (>= 1) */
} ns_linear_input;

/* By name ("linear", "linear.causal", "linear.chunked"; "elu1", "relu",
 * "identity"); -1 when none. */
int ns_linear_kind_find(const char *name);
int ns_feature_find(const char *name);
const char *ns_feature_name(ns_feature f);

/* O (n_q x d_v) of the inputs rounded into p's in part; p must not be
 * "ref".  Returns 0, -1 when out of memory, -2 when a causal kernel has
 * n_q != n_k. */
int ns_linear_run(ns_linear_kind kind, const ns_policy *p, const ns_linear_input *in,
                  double *o, ns_probe *probe);

/* Backward: dQ (n_q x d), dK (n_k x d), dV (n_k x d_v) of <G, O> for the
 * upstream gradient G (n_q x d_v), from the forward's stored output o, as
 * attention/linear_backward.c computes them (linear.chunked's as
 * linear.causal's).  Returns as ns_linear_run. */
int ns_linear_backward(ns_linear_kind kind, const ns_policy *p, const ns_linear_input *in,
                       const double *o, const double *g, double *dq, double *dk, double *dv);

/* phi(x) rounded in work f, as the kernels compute it; phi'(x) given
 * phi(x) (elu1: e^x = phi(x) for x <= 0; relu'(0) = 0). */
double ns_linear_phi(const ns_format *f, ns_feature feature, double x);
double ns_linear_dphi(ns_feature feature, double x, double phi_x);

/* The reference of linear (causal false) or of linear.causal and
 * linear.chunked (causal true) at the given inputs, correctly rounded to
 * binary64: double-double enclosures first, MPFI where they do not settle.
 * Where the exact denominator is 0 (relu features that never meet, identity
 * features that cancel) the row is zeros (SPEC section 3).  Inputs must be
 * finite.  Returns the number of entries left uncertain at the precision
 * cap (0 normally), or -1 when out of memory. */
long ns_linear_reference(const ns_linear_input *in, bool causal, double *o);

/* The same by MPFI alone, for tests. */
long ns_linear_reference_mpfi(const ns_linear_input *in, bool causal, double *o);

/* O and the gradients of <G, O> (dq n_q x d, dk n_k x d, dv n_k x d_v),
 * correctly rounded, by MPFI (no double-double tier for gradients).  A row
 * whose exact denominator is 0 has O = 0 and passes no gradient. */
long ns_linear_reference_backward(const ns_linear_input *in, bool causal, const double *g,
                                  double *o, double *dq, double *dk, double *dv);

/* Enclosures of O (n_q x d_v, initialised by the caller) at precision prec,
 * MPFI over the definition (finite differences in tests). */
void ns_linear_enclose(const ns_linear_input *in, bool causal, mpfr_prec_t prec, mpfi_ptr o);

#endif
