/* The reference of a family loaded from a plugin (include/normstab/plugin.h).
 *
 * A built-in reference is an interval enclosure, so the driver (ref.c) can
 * prove the double it returns.  A plugin gives one of two things, neither an
 * enclosure:
 *   - its own MPFR reference (nsp_family.reference), or
 *   - nothing: the fallback runs one of its algorithms' forward pass
 *     through nsp_ops backed by MPFR (every operation rounded to the
 *     working precision, the exponent range MPFR's widest, so nothing
 *     overflows or underflows; mpfr_ops.h), and takes the gradient as the
 *     derivative of that forward pass by reverse mode (adjoint.h): the
 *     plugin's backward pass is never its own truth.
 * Both are evaluated at two precisions, p1 = 2 prec and p2 = 4 prec (prec
 * being the driver's working precision, 64 + log2 n bits at first), and the
 * interval handed to the driver is the two values widened by their
 * difference and by 2^-p1 relatively.  The driver's loop then raises the
 * precision until that interval rounds to one double.  This certifies
 * nothing: an evaluation that converges to a wrong value (a formula that is
 * not the function, a cancellation the precision does not outgrow) passes.
 * Listings and reports therefore carry the label this module writes. */
#ifndef NS_PLUGIN_REFERENCE_H
#define NS_PLUGIN_REFERENCE_H

#include "../include/normstab/plugin.h"
#include "../reference/ref.h"

/* References of plugin families that can be loaded in one process. */
#define NS_REF_PLUGIN_MAX 32

/* The reference of plugin family pf with nparams parameters: pf->reference
 * when set, else the fallback evaluating algorithm fallback.  label gets one
 * line saying which (for listings and reports).  NULL with a message in err
 * when every slot is taken or memory ran out. */
const ns_reference *ns_ref_plugin_make(const nsp_family *pf, const nsp_algorithm *fallback,
                                       size_t nparams, char *label, size_t labellen,
                                       char *err, size_t errlen);

/* alg's forward pass on x, run through nsp_ops in MPFR at precision prec,
 * and when g is not NULL dx = J(x)^T g, the derivative of that forward pass
 * taken by reverse mode (adjoint.h), never alg's own backward pass: y[0..n)
 * and dx[0..n) must be initialised by the caller (any precision).  Where a
 * denominator shown to the probe is exactly zero, y and dx are all zeros
 * (SPEC section 3).  Returns 0, or -1 when out of memory (y and dx are then
 * NaN). */
int ns_ref_plugin_run(const nsp_algorithm *alg, const double *x, const double *g,
                      const double *param, size_t nparams, size_t n, mpfr_prec_t prec,
                      mpfr_ptr y, mpfr_ptr dx);

/* The same, but dx from alg's own backward pass run in MPFR: what the
 * plugin's backward formula gives without rounding (check --grad-check
 * compares it with the derivative). */
int ns_ref_plugin_run_backward(const nsp_algorithm *alg, const double *x, const double *g,
                               const double *param, size_t nparams, size_t n, mpfr_prec_t prec,
                               mpfr_ptr y, mpfr_ptr dx);

/* The plugin's backward pass without rounding, as doubles: run as
 * ns_ref_plugin_run_backward at 128, 256, ... bits until two precisions in a
 * row give the same doubles (at most 8192).  0, or -1 when they never did
 * or memory ran out. */
int ns_ref_plugin_backward_d(const nsp_algorithm *alg, const double *x, const double *g,
                             const double *param, size_t nparams, size_t n, double *dx);

#endif
