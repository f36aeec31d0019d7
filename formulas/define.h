/* Named formulas: a formula made a family of the catalogue, with its
 * reference beside the built-in ones, as the plugin loader does for a
 * plugin's algorithms (plugins/loader.h).
 *
 * A defined formula NAME is a family NAME with one algorithm NAME (its
 * forward and backward passes formulas/eval.h, its reference
 * formulas/exact.h) and the formula's parameters with their declared
 * defaults; every command, the report and regress then accept it.  The
 * catalogue's function types carry no context, so each formula is bound to
 * one of NS_FORMULA_MAX_DEFINED adapter slots.
 *
 * Its contract, unless the definition file declares one:
 *   - no NaN and no inf where the reference is finite, finite gradients;
 *   - the first-order error bound derived from the expression (bound.h),
 *     for each output and, when the outputs have one sign, for their sum,
 *     with overflow, underflow and subnormal denominators declared as
 *     hazards of those bounds (a first-order bound assumes none); or, where
 *     the expression may cancel or is otherwise unbounded, no error bound,
 *     the summary saying so and ns_formula_no_bound() why;
 *   - no gradient bound;
 *   - rows with masked (-inf) entries in the domain.
 * A definitions file may replace the bounds and add expected hazards:
 *     NAME.contract: error = 8 + 2n; sum = 8 + 2n; gradient = 16 + 4n; hazard = overflow
 * (terms: a number, a number times n, spread or maxabs; hazards by cause
 * name, as `normstab check` prints them). */
#ifndef NS_FORMULA_DEFINE_H
#define NS_FORMULA_DEFINE_H

#include <stddef.h>

#include "formula.h"

#define NS_FORMULA_MAX_DEFINED 64

/* The environment variable naming a definitions file. */
#define NS_FORMULA_ENV "NORMSTAB_FORMULAS"

/* The name --formula EXPR gives its formula. */
#define NS_FORMULA_ANONYMOUS "formula"

/* Defines text under name (1..63 characters of letters, digits, '_', '.',
 * '-', '+', not a name the catalogue has).  0, or -1 with one line in err
 * (a parse error keeps its "column C: ..."). */
int ns_formula_define(const char *name, const char *text, char *err, size_t errlen);

/* "NAME=EXPR" (--define): as ns_formula_define; columns in err count from
 * the start of EXPR. */
int ns_formula_define_arg(const char *arg, char *err, size_t errlen);

/* Reads a definitions file: lines "NAME = EXPR" and "NAME.contract: ...",
 * '#' comments, blank lines.  0, or -1 with err ("line L, column C: ...",
 * columns counted in the line). */
int ns_formula_define_file(const char *path, char *err, size_t errlen);

/* The definitions file NORMSTAB_FORMULAS names, when it names one (the
 * command, the fuzz harnesses and fuzz/tools/collect.c read it alike): 0,
 * or -1 with err ("FILE: line L, column C: ...").  Once per process. */
int ns_formula_define_env(char *err, size_t errlen);

/* Why the formula defined as name has no error bound ("column 7: a - b of
 * terms that may have the same sign: they may cancel"); NULL when it has
 * one (derived or declared) or is not a formula. */
const char *ns_formula_no_bound(const char *name);

/* The formula defined under a family or algorithm name, or NULL. */
const ns_formula *ns_formula_find(const char *name);

#endif
