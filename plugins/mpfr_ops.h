/* nsp_ops backed by MPFR, for the references of plugin families
 * (reference.h): every number an operation makes is a fresh MPFR value in
 * an arena, at the working precision and in MPFR's widest exponent range
 * (nothing overflows or underflows), named by its index + 1 in
 * nsp_num.host (0: the double v itself, exactly).
 *
 * Each value also records how it was made (the tape: the operation and the
 * handles of its operands), so that the derivative of what an algorithm
 * computed can be taken afterwards by reverse mode (adjoint.h), exactly at
 * the working precision, without the algorithm's own backward pass.
 * Constants (op->constant, op->exact, numbers a plugin makes itself) are
 * leaves: the derivative does not pass through them. */
#ifndef NS_PLUGIN_MPFR_OPS_H
#define NS_PLUGIN_MPFR_OPS_H

#include <stddef.h>

#include "../include/normstab/plugin.h"
#include "scratch.h"

typedef enum {
    NS_TAPE_LEAF,     /* a constant */
    NS_TAPE_INPUT,    /* input x[index] */
    NS_TAPE_ADD, NS_TAPE_SUB, NS_TAPE_MUL, NS_TAPE_DIV, NS_TAPE_FMA, NS_TAPE_POW,
    NS_TAPE_SQRT, NS_TAPE_EXP, NS_TAPE_EXPM1, NS_TAPE_LOG, NS_TAPE_LOG1P, NS_TAPE_TANH,
    NS_TAPE_SUM,      /* links[first .. first + count): the handles summed */
} ns_tape_op;

typedef struct ns_tape_entry {
    ns_tape_op op;
    unsigned long long a, b, c;   /* operands' handles (0: none) */
    size_t first, count;          /* NS_TAPE_SUM: its operands in links; NS_TAPE_INPUT: first = index */
} ns_tape_entry;

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
