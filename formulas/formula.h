/* Formulas: a normalizer written as one expression (SPEC section 8).
 *
 * A formula is an expression in the entry x of the row, the row length n,
 * numbers and declared parameters, with + - * / ^, unary minus,
 * parentheses, the functions exp expm1 log log1p sqrt abs tanh sigmoid
 * softplus relu min max, and the row reductions sum rowmax rowmin mean:
 *
 *     relu(x)^p / sum(relu(x)^p); p = 3
 *
 * ns_formula_parse() reads it into a graph of nodes (formulas/parse.c),
 * each node after its operands, equal subexpressions shared: the graph is
 * evaluated in node order, forward and backward (formulas/eval.c), and
 * exactly in interval arithmetic for the reference (formulas/exact.c).
 * formulas/define.c makes a formula a family of the catalogue. */
#ifndef NS_FORMULA_H
#define NS_FORMULA_H

#include <stdbool.h>
#include <stddef.h>

#include "../normalizers/catalogue.h"

typedef enum ns_fop {
    /* leaves */
    NS_F_X, NS_F_N, NS_F_NUM, NS_F_PARAM,
    /* one operand */
    NS_F_NEG, NS_F_EXP, NS_F_EXPM1, NS_F_LOG, NS_F_LOG1P, NS_F_SQRT, NS_F_ABS,
    NS_F_TANH, NS_F_SIGMOID, NS_F_SOFTPLUS, NS_F_RELU,
    /* two operands */
    NS_F_ADD, NS_F_SUB, NS_F_MUL, NS_F_DIV, NS_F_POW, NS_F_MIN, NS_F_MAX,
    /* row reductions of one operand */
    NS_F_SUM, NS_F_ROWMAX, NS_F_ROWMIN, NS_F_MEAN,
} ns_fop;

typedef struct ns_fnode {
    ns_fop op;
    int a, b;          /* operands (earlier nodes), -1 where there is none */
    double num;        /* NS_F_NUM: the number as written, rounded to binary64 */
    int param;         /* NS_F_PARAM: its index */
    bool row;          /* one value for the whole row (n, numbers, parameters,
                          reductions and what is computed from these alone) */
    bool varies;       /* depends on x */
    int column;        /* where it is written, from 1 */
} ns_fnode;

/* Limits that keep any input cheap to read (the parser is fuzzed). */
#define NS_FORMULA_MAX_TEXT 4096
#define NS_FORMULA_MAX_NODES 512
#define NS_FORMULA_MAX_DEPTH 64

typedef struct ns_formula {
    ns_fnode *node;
    size_t count;
    int out;                                 /* the node that is y */
    size_t nparams;
    char *param_name[NS_MAX_PARAMS];
    double param_value[NS_MAX_PARAMS];       /* defaults as declared */
    char *text;                              /* the formula as given */
} ns_formula;

/* Reads "EXPR" or "EXPR; NAME = NUMBER; ...".  NULL with one line in err
 * ("column 7: expected ')' ...", columns counted from 1 in text) when the
 * text is not a formula, or "out of memory". */
ns_formula *ns_formula_parse(const char *text, char *err, size_t errlen);

void ns_formula_free(ns_formula *f);

/* The name of an operation as written ("exp", "+", "sum"). */
const char *ns_fop_name(ns_fop op);

#endif
