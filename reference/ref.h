/* The reference: each family's mathematical definition evaluated in interval
 * arithmetic (MPFI over MPFR), independently of the algorithms, and returned
 * correctly rounded to binary64.
 *
 * A family supplies enclose(): enclosures of every output and gradient entry
 * at a working precision.  The driver (ref.c) raises the precision (Ziv's
 * strategy) until both ends of every enclosure round to the same double,
 * which proves that double is the correctly rounded value.  So the only
 * correctness obligation on a family is that its intervals contain the truth,
 * which interval arithmetic gives by construction; accuracy only decides how
 * many rounds the driver needs.
 *
 * Domain: x_i finite or -inf (a masked entry).  A row containing NaN or +inf
 * has no reference: every output (and gradient) is NaN.  Where the exact
 * normalizing sum is zero (all-masked rows, relu on non-positive rows,
 * spherical at 0) output and gradient are all zeros (SPEC section 3). */
#ifndef NS_REF_H
#define NS_REF_H

#include <stddef.h>
#include <mpfi.h>

typedef struct ns_ref_input {
    const double *x;        /* n logits: finite or -inf */
    const double *g;        /* n upstream gradients (finite), or NULL */
    const double *param;    /* the family's parameters */
    size_t n;
} ns_ref_input;

typedef struct ns_reference {
    const char *family;
    /* Set y[0..n) (and dx[0..n) when in->g) to intervals containing the
     * exact values, computed at working precision prec.  The caller has
     * initialised every interval to precision prec.  The exponent range is
     * the widest MPFR allows while this runs. */
    void (*enclose)(const ns_ref_input *in, mpfr_prec_t prec, mpfi_ptr y, mpfi_ptr dx);
    /* The fast tier (tier.h), tried before MPFR, or NULL: 1 when it settled
     * every entry of y (and dx when in->g), 0 when the row needs MPFR. */
    int (*tier)(const ns_ref_input *in, double *y, double *dx);
} ns_reference;

const ns_reference *ns_reference_find(const char *family);

/* Adds a reference at run time (a plugin's, plugins/reference.h), found by
 * ns_reference_find after the built-ins.  Call it before threads start.
 * 0, or -1 when out of memory. */
int ns_reference_add(const ns_reference *r);

typedef struct ns_ref_stats {
    mpfr_prec_t prec;       /* working precision of the last round (0: the
                               fast tier, reference/tier.h, settled the row) */
    size_t rounds;          /* enclosure rounds */
    size_t uncertain;       /* entries still uncertain at the precision cap */
} ns_ref_stats;

#define NS_REF_MAX_PREC 65536

/* y (and dx when g) correctly rounded to binary64.  Entries that the cap did
 * not settle are counted in st->uncertain (st may be NULL); one whose
 * enclosure holds the midpoint of two adjacent doubles gets that midpoint
 * rounded to even (right for an exact tie), any other the rounding of its
 * enclosure's midpoint.  Returns 0, or -1 when out of memory. */
int ns_ref_eval(const ns_reference *r, const double *param, const double *x,
                const double *g, size_t n, double *y, double *dx, ns_ref_stats *st);

/* The fast tier (reference/tier.h) is tried first for the references that
 * have one; off, every row goes to MPFR (the results are the same either
 * way: the tests and benchmarks compare the two).  On by default; set it
 * before threads start. */
void ns_ref_set_fast_tier(int on);

/* Rounds an enclosure to binary64: 1 with *out set when both ends round to
 * the same double (a zero takes the sign of the interval, +0 when it
 * straddles zero: the sign of a zero result is not certified), or to NaN
 * when the enclosure is NaN (a family returns NaN where its definition is
 * undefined, e.g. spherical at -inf: a NaN there does not shrink with
 * precision); 0 when the ends round to different doubles. */
int ns_ref_round(mpfi_srcptr v, double *out);

/* Small pieces that every family's enclosure needs (the enclosures
 * themselves, such as v = e^{a - b} - 1, each family writes). */
void ns_ref_set_zero_all(mpfi_ptr v, size_t n);           /* v[i] = [0, 0] */
void ns_ref_set_nan_all(mpfi_ptr v, size_t n);            /* v[i] = NaN: no value */
/* The same for a row's outputs and, when dx is not NULL, its gradient: the
 * zeros of an all-masked row, the NaN of a row with no value. */
void ns_ref_set_zero_row(mpfi_ptr y, mpfi_ptr dx, size_t n);
void ns_ref_set_nan_row(mpfi_ptr y, mpfi_ptr dx, size_t n);
/* The index of the row's largest entry, as ns_ref_argmax; for a row of -inf
 * only, n after setting the zeros of its zero normalizing sum. */
size_t ns_ref_argmax_or_zeros(const ns_ref_input *in, mpfi_ptr y, mpfi_ptr dx);
/* v[i] = v[i] / s for i < n: the normalization of the weights. */
void ns_ref_div_all(mpfi_ptr v, size_t n, mpfi_srcptr s);
/* Several intervals initialised to precision prec, or cleared, in one call,
 * as mpfr_inits2 and mpfr_clears do for MPFR numbers (MPFI has neither): the
 * list ends with (mpfi_ptr)0. */
void ns_mpfi_inits2(mpfr_prec_t prec, mpfi_ptr v, ...);
void ns_mpfi_clears(mpfi_ptr v, ...);
/* r = [a - b], the difference of two doubles (which a double need not hold),
 * as the interval ddi_diff is for the tiers. */
void ns_mpfi_diff(mpfi_ptr r, double a, double b);
/* r = sum_i (g_i - g_0) w_i, term by term in this order, t as scratch:
 * <g', w> for g' = g - g_0, which a family whose weights sum to 1 may take
 * in place of g (a constant g then gives exactly 0). */
void ns_mpfi_shifted_dot(mpfi_ptr r, const double *g, mpfi_srcptr w, size_t n, mpfi_ptr t);
/* n intervals initialised to precision prec, or NULL when out of memory;
 * freed (cleared first) by ns_ref_intervals_free, which accepts NULL. */
mpfi_ptr ns_ref_intervals(size_t n, mpfr_prec_t prec);
void ns_ref_intervals_free(mpfi_ptr v, size_t n);
/* The unmasked entries of x[0..n) sorted from the largest down, at the
 * start of a new array of n doubles (free it), their count in *nf; NULL
 * when out of memory. */
double *ns_ref_sorted_unmasked(const double *x, size_t n, size_t *nf);
/* Sorts v[0..n) from the largest down (the sort-based families). */
void ns_ref_sort_descending(double *v, size_t n);
/* Index of the largest finite-or-masked entry (first one on ties); n if the
 * row is all -inf. */
size_t ns_ref_argmax(const double *x, size_t n);
/* Index of the smallest unmasked entry (first one on ties); n if the row is
 * all -inf. */
size_t ns_ref_argmin(const double *x, size_t n);

#endif
