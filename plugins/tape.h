/* The tape of a plugin's forward pass: how each number an algorithm made
 * through nsp_ops was made (the operation and the handles of its
 * operands), so that the pass can be differentiated afterwards by reverse
 * mode.  Two hosts of nsp_ops record it: MPFR at high precision for the
 * fallback reference (mpfr_ops.h, adjoint.h) and the policy's rounded
 * operations for a plugin without a backward pass (derive.h).
 *
 * A handle names a number: its index on the tape + 1, held in
 * nsp_num.host; 0 is a constant (nsp_num.v itself), through which no
 * derivative passes. */
#ifndef NS_PLUGIN_TAPE_H
#define NS_PLUGIN_TAPE_H

#include <stddef.h>

typedef enum {
    NS_TAPE_LEAF,     /* a constant */
    NS_TAPE_INPUT,    /* input x[index] */
    NS_TAPE_ADD, NS_TAPE_SUB, NS_TAPE_MUL, NS_TAPE_DIV, NS_TAPE_FMA, NS_TAPE_POW,
    NS_TAPE_SQRT, NS_TAPE_EXP, NS_TAPE_EXPM1, NS_TAPE_LOG, NS_TAPE_LOG1P, NS_TAPE_TANH,
    NS_TAPE_SUM,      /* links[first .. first + count): the handles summed */
    /* Recorded by the rounded tape only (derive.c): MPFR takes the
     * maximum's entry itself and a dot product as products and a sum. */
    NS_TAPE_MAX,      /* the largest of links[first .. first + count) */
    NS_TAPE_DOT,      /* links[first .. +count) times links[first + count .. +count) */
} ns_tape_op;

typedef struct ns_tape_entry {
    ns_tape_op op;
    unsigned long long a, b, c;   /* operands' handles (0: none) */
    size_t first, count;          /* NS_TAPE_SUM, MAX, DOT: its operands in links; NS_TAPE_INPUT: first = index */
} ns_tape_entry;

#endif
