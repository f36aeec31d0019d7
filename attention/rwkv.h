/* RWKV-4's WKV operator (SPEC section 7), forward and backward, through a
 * policy's rounded arithmetic, and its reference.
 *
 * Per channel c, with E = e^{-w_c} (w > 0 decays) and a_0 = b_0 = 0:
 *   a_t = E a_{t-1} + e^{k_t} v_t,   b_t = E b_{t-1} + e^{k_t},
 *   wkv_t = (a_{t-1} + e^{u + k_t} v_t) / (b_{t-1} + e^{u + k_t}).
 * Channels never mix.  The backward pass takes the upstream gradient gy of
 * wkv (T x C) and returns the gradients of w, u (C each), k and v (T x C).
 * Note that w here is the decay itself (e^{-w}); BlinkDL/RWKV-LM's kernels
 * take w = -e^{time_decay} and multiply by e^{w}, so their gw is minus ours.
 *
 * Two kernels compute it:
 * - rwkv4.naive: the definition, a and b held as they are: e^{k} overflows
 *   fp16 once k > ln 65504 = 11.09 and fp32 once k > 88.72.
 * - rwkv4.stable: a, b held divided by e^{o}, o the running maximum of the
 *   exponents, in the order of BlinkDL/RWKV-LM RWKV-v4/cuda/wkv_cuda.cu
 *   (kernel_forward): no = max(o, u + k), A = e^{o - no}, B = e^{u + k - no},
 *   wkv = (A a + B v) / (A b + B); then no = max(o - w, k), A = e^{o - w -
 *   no}, B = e^{k - no}, a = A a + B v, b = A b + B, o = no.
 *
 * Formats: k, v, w, u and gy are rounded into the policy's in part; the
 * state (a, b, o and the backward's running sums) and its updates live in
 * acc (the published bf16 variants keep a, b, p in fp32: in=bf16,acc=fp32);
 * exponent arguments, exponentials and the division in work; results are
 * stored in out.  Every denominator is shown to the probe. */
#ifndef NS_ATTENTION_RWKV_H
#define NS_ATTENTION_RWKV_H

#include <stddef.h>

#include <mpfi.h>

#include "../formats/policy.h"

typedef enum { NS_RWKV_NAIVE, NS_RWKV_STABLE } ns_rwkv_kind;

typedef struct ns_rwkv_input {
    size_t T, C;
    const double *w, *u;   /* C each */
    const double *k, *v;   /* T x C, token t at k + t C */
} ns_rwkv_input;

typedef struct ns_rwkv_grads {
    double *w, *u;         /* C each */
    double *k, *v;         /* T x C */
} ns_rwkv_grads;

/* The kernel kind of a name ("rwkv4.naive", "rwkv4.stable"); -1 when none. */
int ns_rwkv_kind_find(const char *name);

/* wkv (T x C) of the inputs rounded into p's in part; with gy not NULL also
 * the gradients into *gr.  p must not be "ref".  Returns 0, or -1 when out
 * of memory. */
int ns_rwkv_run(ns_rwkv_kind kind, const ns_policy *p, const ns_rwkv_input *in,
                const double *gy, double *y, ns_rwkv_grads *gr, ns_probe *probe);

/* The reference: the exact function at the given inputs (as they are: round
 * them first to compare with a kernel), correctly rounded to binary64.  A
 * double-double enclosure of the scaled recurrence settles long sequences
 * (attention/rwkv_ref.c); MPFI over the plain recurrence settles the rest.
 * With gy, the gradients too.  Inputs must be finite.  Returns the number of
 * entries still uncertain at the precision cap (0 normally), or -1 when out
 * of memory. */
long ns_rwkv_reference(const ns_rwkv_input *in, const double *gy, double *y, ns_rwkv_grads *gr);

/* The same by MPFI alone (no double-double tier), for tests. */
long ns_rwkv_reference_mpfi(const ns_rwkv_input *in, const double *gy, double *y, ns_rwkv_grads *gr);

/* Enclosures of wkv of one channel at precision prec, MPFI over the plain
 * recurrence (for finite differences in tests): y[0..T) must be
 * initialised by the caller. */
void ns_rwkv_enclose_channel(const ns_rwkv_input *in, size_t c, mpfr_prec_t prec, mpfi_ptr y);

#endif
