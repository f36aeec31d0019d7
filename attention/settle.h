/* Ziv's strategy for the attention references: enclose every entry in MPFI
 * at a working precision, raise the precision until both ends of every
 * enclosure round to one double (reference/ref.h, ns_ref_round), which
 * proves it is the correctly rounded value. */
#ifndef NS_ATTENTION_SETTLE_H
#define NS_ATTENTION_SETTLE_H

#include <stddef.h>
#include <mpfi.h>

/* Fills v[0..n) (initialised to prec by the caller) with enclosures. */
typedef void (*ns_attn_enclose)(void *ctx, mpfr_prec_t prec, mpfi_ptr v);

/* The highest working precision tried: enough for an exact sum of products
 * of three doubles over 2^40 terms (about 3 x 2150 + 160 bits), so rational
 * functions of the inputs settle, exact zeros included. */
#define NS_ATTN_MAX_PREC 8192

/* out[0..n) correctly rounded from enclosures at precisions 128, 256, ...,
 * NS_ATTN_MAX_PREC, run with MPFR's widest exponent range.  An entry still
 * open at the cap gets its enclosure's midpoint rounded.  Returns the
 * number of such entries, or -1 when out of memory. */
long ns_attn_settle(ns_attn_enclose enclose, void *ctx, size_t n, double *out);

#endif
