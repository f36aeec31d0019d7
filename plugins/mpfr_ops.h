/* nsp_ops backed by MPFR, for the references of plugin families
 * (reference.h): every number an operation makes is a fresh MPFR value in
 * an arena, at the working precision and in MPFR's widest exponent range
 * (nothing overflows or underflows), named by its index + 1 in
 * nsp_num.host (0: the double v itself, exactly).
 *
 * Each value also records how it was made (the tape, tape.h: the operation
 * and the handles of its operands), so that the derivative of what an algorithm
 * computed can be taken afterwards by reverse mode (adjoint.h), exactly at
 * the working precision, without the algorithm's own backward pass.
 * Constants (op->constant, op->exact, numbers a plugin makes itself) are
 * leaves: the derivative does not pass through them. */
#ifndef NS_PLUGIN_MPFR_OPS_H
#define NS_PLUGIN_MPFR_OPS_H

#include <stddef.h>

#include "../include/normstab/plugin.h"
#include "scratch.h"
#include "tape.h"

typedef struct ns_mp_host {
    mpfr_prec_t prec;
    const double *param;
    size_t nparams;
    __mpfr_struct **blocks;       /* the arena: blocks of NS_MP_ARENA_BLOCK values */
    size_t nblocks, used;
    ns_tape_entry *tape;          /* tape[handle - 1] */
    size_t tape_cap;
    unsigned long long *links;    /* operands of sums */
    size_t nlinks, links_cap;
    ns_scratch_block *scratch;
    int zero_denominator;         /* a denominator was exactly 0 */
    int out_of_memory;
} ns_mp_host;

#define NS_MP_ARENA_BLOCK 256

/* An operation table whose host is h (zeroed but for prec, param and
 * nparams, which the caller sets). */
nsp_ops ns_mp_ops(ns_mp_host *h);

void ns_mp_host_free(ns_mp_host *h);

/* Input x[index] on the tape (the derivative is taken with respect to it). */
nsp_num ns_mp_input(ns_mp_host *h, double x, size_t index);

/* The MPFR value of a (a handle the arena never gave reads as NaN); the
 * handle it has in *handle.  NULL when out of memory. */
mpfr_ptr ns_mp_value(ns_mp_host *h, nsp_num a, unsigned long long *handle);

/* The value and tape entry of a handle the arena gave (1 .. used). */
mpfr_ptr ns_mp_at(const ns_mp_host *h, unsigned long long handle);

#endif
