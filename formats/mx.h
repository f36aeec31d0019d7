/* MX block formats (OCP Microscaling v1.0; SPEC section 6): mxfp8-e4m3,
 * mxfp8-e5m2, mxfp6-e3m2, mxfp6-e2m3, mxfp4-e2m1, mxint8.
 *
 * Consecutive blocks of K values (32 unless --block says otherwise) share
 * one E8M0 scale X = 2^(floor(log2(amax)) - emax_elem), amax the largest
 * magnitude in the block, its exponent clamped to -127..127; each element
 * is v / X rounded into the element format with saturation.  An all-zero
 * block is zeros (each keeps its sign); a block holding NaN or +-inf is all
 * NaN (E8M0's NaN scale).  mxint8's elements are the integers -127..127
 * times 2^-6: the binary format of p = 7 bits with emin = emax = 0, whose
 * subnormals are the multiples of 2^-6 below 1.  Elements round to nearest,
 * ties to even, like every format here (microxcaling's default rounds ties
 * away from zero), or stochastically with +sr.
 *
 * MX formats round data (round, a policy's inputs and outputs); they are no
 * format of arithmetic.  Blocks run along a row and start afresh on each
 * row. */
#ifndef NS_MX_H
#define NS_MX_H

#include <stddef.h>

#include "format.h"

#define NS_MX_BLOCK 32
#define NS_MX_BLOCK_MAX 65536

typedef struct ns_mx {
    const char *name;         /* "mxfp8-e4m3" */
    const char *summary;      /* one line for `normstab list formats` */
    const ns_format *elem;    /* the element format, saturating (+sr when asked) */
    int emax_elem;            /* the element format's emax */
    /* The elementwise view: every value a block can hold, at the element's
     * precision, over the element's exponents shifted by every scale
     * (emin - 127 .. emax + 127).  Where an algorithm's inputs or outputs
     * are MX data, errors are measured in it. */
    const ns_format *view;
} ns_mx;

/* The MX formats without modifiers, in the order `list formats` shows them;
 * NULL-terminated. */
extern const ns_mx *const ns_mx_formats[];

/* An MX format by name, with +sr as its one modifier ("mxfp4-e2m1+sr").
 * Returns 1 when name is no MX format (a name that does not start with
 * "mx"), 0 with *out set, or -1 with a one-line reason in err. */
int ns_mx_parse(const char *name, ns_mx *out, char *err, size_t errlen);

/* y = x rounded in consecutive blocks of `block` values (the last may be
 * shorter).  x and y must not overlap (the element loop is vectorized). */
void ns_mx_round(const ns_mx *m, size_t block, const double *restrict x, double *restrict y, size_t n);

#endif
