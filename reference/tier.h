/* The fast tier of the reference: a family's definition evaluated in
 * double-double intervals (ddi.h) instead of MPFI.
 *
 * A tier returns 1 when every output (and gradient) entry settled, that is
 * when its enclosure lies strictly inside the rounding cell of one double:
 * that double is then the correctly rounded value, the very one the MPFR
 * driver certifies, so the tier changes no result, only the time.  It
 * returns 0 (the driver then runs MPFR on the row) when any entry did not
 * settle, when a value left double-double's range, or when out of memory.
 * The outputs are unspecified after a 0.
 *
 * Where an exact zero is the value (a masked entry, a constant gradient)
 * the tier gives +0, as MPFI's exact [0, 0] does. */
#ifndef NS_REF_TIER_H
#define NS_REF_TIER_H

#include "ref.h"

typedef int (*ns_ref_tier)(const ns_ref_input *in, double *y, double *dx);

/* y (and dx when not NULL) all +0, as MPFI's exact [0, 0] rounds (an
 * all-masked row); returns 1, a settled row. */
int ns_ref_tier_zeros(size_t n, double *y, double *dx);

/* For the sort-based tiers' exact support tests: a new array of n + extra
 * doubles that starts with the *nf unmasked entries of x[0..n), sorted
 * from the largest down (free it).  NULL (the row stays with MPFR) when out
 * of memory or when an entry is neither 0 nor of magnitude within
 * [1 / range, range]. */
double *ns_ref_tier_sorted(const double *x, size_t n, double range, size_t extra, size_t *nf);

/* The tier of a reference, or NULL when it has none. */
ns_ref_tier ns_ref_tier_of(const ns_reference *r);

int ns_ref_softmax_dd(const ns_ref_input *in, double *y, double *dx);
int ns_ref_softmax1_dd(const ns_ref_input *in, double *y, double *dx);
int ns_ref_sigmoid_dd(const ns_ref_input *in, double *y, double *dx);
int ns_ref_ssmax_dd(const ns_ref_input *in, double *y, double *dx);
int ns_ref_stickbreaking_dd(const ns_ref_input *in, double *y, double *dx);
int ns_ref_relu_norm_dd(const ns_ref_input *in, double *y, double *dx);    /* ratio_dd.c */
int ns_ref_relu2_norm_dd(const ns_ref_input *in, double *y, double *dx);   /* ratio_dd.c */
int ns_ref_spherical_dd(const ns_ref_input *in, double *y, double *dx);    /* ratio_dd.c */
int ns_ref_taylor_dd(const ns_ref_input *in, double *y, double *dx);       /* ratio_dd.c */
int ns_ref_relu_scaled_dd(const ns_ref_input *in, double *y, double *dx);
int ns_ref_sparsemax_dd(const ns_ref_input *in, double *y, double *dx);
int ns_ref_entmax_dd(const ns_ref_input *in, double *y, double *dx);
int ns_ref_logsoftmax_dd(const ns_ref_input *in, double *y, double *dx);
int ns_ref_softpick_dd(const ns_ref_input *in, double *y, double *dx);
int ns_ref_softplus_norm_dd(const ns_ref_input *in, double *y, double *dx);

#endif
