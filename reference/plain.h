/* Each family's definition evaluated plainly in MPFR at one fixed
 * precision: rounded to nearest at every step, no interval, none of the
 * references' rewritings against cancellation (no expm1 for e^x - 1, no
 * shift of g, no exact rationals), only what keeps a number inside MPFR's
 * exponent range (a shift by the maximum where the family is invariant to
 * it, or a common factor e^{-c} of numerator and denominator).  It is the
 * independent side of reference/highprec.h: the references and their tiers
 * are checked against it, so it shares no code with them beyond
 * ns_ref_argmax.  Its accuracy is not proven; highprec.c estimates it by
 * evaluating at two precisions.
 *
 * The gradients are J^T g derived from each definition, written in the
 * comment of each function (reference/plain_exp.c, plain_sparse.c). */
#ifndef NS_REF_PLAIN_H
#define NS_REF_PLAIN_H

#include <mpfr.h>

#include "ref.h"

/* y[0..n) (and dx[0..n) when in->g), already initialised at prec bits, set
 * to the family's values at prec bits.  1 when evaluated; 0 when this file
 * has no formula for the family, its parameters or this row (a row whose
 * every weight lies beyond MPFR's exponent range), or out of memory.  The
 * exponent range is widened while it runs. */
int ns_plain_eval(const char *family, const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx);

/* ---- shared by the formula files ---- */

typedef int (*ns_plain_fn)(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx);

int ns_plain_softmax(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx);
int ns_plain_softmax1(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx);
int ns_plain_sigmoid(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx);
int ns_plain_ssmax(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx);
int ns_plain_logsoftmax(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx);
int ns_plain_softpick(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx);
int ns_plain_softplus_norm(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx);
int ns_plain_stickbreaking(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx);
int ns_plain_relu_norm(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx);
int ns_plain_relu2_norm(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx);
int ns_plain_spherical(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx);
int ns_plain_taylor(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx);
int ns_plain_relu_scaled(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx);
int ns_plain_sparsemax(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx);
int ns_plain_entmax(const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx);

/* n numbers at prec bits (NULL when out of memory), and their release. */
mpfr_ptr ns_plain_vec(size_t n, mpfr_prec_t prec);
void ns_plain_vec_free(mpfr_ptr v, size_t n);

/* Every y (and dx) set to v (0 or NaN). */
void ns_plain_fill(size_t n, mpfr_ptr y, mpfr_ptr dx, double v);

/* out = sum_i g_i w_i. */
void ns_plain_dot(mpfr_ptr out, const double *g, mpfr_srcptr w, size_t n);

/* dx_j = f_j (g_j - <g, y>) for every j: the gradient of a normalizer
 * y_i = w_i / sum w whose weight w_j depends on x_j alone, with
 * f_j = w'_j / sum w (softmax: f = y). */
void ns_plain_ratio_gradient(const ns_ref_input *in, mpfr_srcptr y, mpfr_srcptr f, mpfr_ptr dx);

#endif
