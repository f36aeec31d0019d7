/* normstab plugin interface, version 1: normalizers from a shared library.
 *
 * A plugin is a shared library that defines one function,
 *
 *     const nsp_plugin *ns_plugin_v1(void);
 *
 * returning a descriptor of its families and algorithms.  normstab loads it
 * with `--plugin PATH.so` (any command) or NORMSTAB_PLUGINS=PATH[:PATH...],
 * after which its algorithms take part in list, eval, check, search, report
 * and regress like the built-in ones.  docs/plugins.md walks through one;
 * examples/plugin/ holds two that CI builds and tests.
 *
 * What this header promises.  Everything a plugin sees is declared here and
 * nowhere else: no structure of normstab's own is exposed, so normstab can
 * change inside without breaking a plugin.  The layout of every structure
 * below is fixed for NS_PLUGIN_ABI_VERSION 1; a change that is not an
 * addition at the end of nsp_ops (which normstab fills and plugins only
 * read) makes version 2, with a new entry point ns_plugin_v2.  normstab
 * refuses a descriptor whose abi_version is not the one it speaks.
 *
 * How an algorithm computes.  Forward and backward passes see numbers only
 * through the operations of an nsp_ops table, the same operations built-in
 * algorithms use (formats/policy.h): elementwise operations round into the
 * policy's elementwise format, accumulations into its accumulator format,
 * sums and dot products follow the summation order, and every denominator is
 * shown to the probe.  The same code therefore runs in every policy (fp16,
 * bf16-acc32, ...) and, for the fallback reference, in MPFR at high precision
 * (see nsp_family.reference).  An algorithm must not do arithmetic on
 * nsp_num.v itself: a value computed outside the table is neither rounded as
 * the policy says nor exact in the reference.
 *
 * Threads: forward, backward and reference may run on several threads at
 * once (one row each); they must not keep state between calls. */
#ifndef NORMSTAB_PLUGIN_H
#define NORMSTAB_PLUGIN_H

#include <stddef.h>

#include <mpfr.h>

#define NS_PLUGIN_ABI_VERSION 1

/* Parameters a family may declare (normstab --param KEY=VALUE). */
#define NSP_MAX_PARAMS 4

/* A number as the policy holds it.
 *   v     its value as a binary64: exact in every emulated policy (each
 *         format's values are doubles); in the MPFR evaluation of the
 *         fallback reference, the high-precision value rounded to nearest
 *         (overflowing to inf, underflowing to 0), so use op->less and
 *         op->sign, not v, to branch on a computed number there.  Inputs x
 *         and g are exact in every mode: tests such as x[i].v == -INFINITY
 *         are always right.
 *   host  normstab's own; a plugin never reads or sets it.  A number made by
 *         a plugin as (nsp_num){ value } (host 0) means exactly that double,
 *         as op->exact does. */
typedef struct nsp_num {
    double v;
    unsigned long long host;
} nsp_num;

typedef struct nsp_ops nsp_ops;

struct nsp_ops {
    /* Elementwise, correctly rounded into the policy's elementwise format
     * (exp, log and friends as formats/arith.h computes them). */
    nsp_num (*add)(const nsp_ops *op, nsp_num a, nsp_num b);
    nsp_num (*sub)(const nsp_ops *op, nsp_num a, nsp_num b);
    nsp_num (*mul)(const nsp_ops *op, nsp_num a, nsp_num b);
    nsp_num (*div)(const nsp_ops *op, nsp_num a, nsp_num b);
    nsp_num (*fma)(const nsp_ops *op, nsp_num a, nsp_num b, nsp_num c);   /* a b + c, one rounding */
    nsp_num (*sqrt)(const nsp_ops *op, nsp_num a);
    nsp_num (*exp)(const nsp_ops *op, nsp_num a);
    nsp_num (*expm1)(const nsp_ops *op, nsp_num a);
    nsp_num (*log)(const nsp_ops *op, nsp_num a);
    nsp_num (*log1p)(const nsp_ops *op, nsp_num a);
    nsp_num (*tanh)(const nsp_ops *op, nsp_num a);
    nsp_num (*pow)(const nsp_ops *op, nsp_num a, nsp_num b);
    /* A constant (a parameter, 1/3, ln n) as the kernel holds it: rounded
     * into the elementwise format; exact in the reference. */
    nsp_num (*constant)(const nsp_ops *op, double c);
    /* An exact number: c itself, not rounded (use it for values the
     * algorithm knows are exact, such as |x_i| of an input). */
    nsp_num (*exact)(const nsp_ops *op, double c);

    /* Scalar accumulator operations (running sums), rounded into the
     * policy's accumulator format. */
    nsp_num (*acc_add)(const nsp_ops *op, nsp_num a, nsp_num b);
    nsp_num (*acc_mul)(const nsp_ops *op, nsp_num a, nsp_num b);

    /* Reductions.  max: the largest entry, exactly; a NaN anywhere gives NaN;
     * n = 0 gives -inf.  sum: in the accumulator format and the summation
     * order (seq, pairwise, kahan); n = 0 gives 0.  dot: each product
     * rounded into the accumulator format, then summed as sum does. */
    nsp_num (*max)(const nsp_ops *op, const nsp_num *v, size_t n);
    nsp_num (*sum)(const nsp_ops *op, const nsp_num *v, size_t n);
    nsp_num (*dot)(const nsp_ops *op, const nsp_num *a, const nsp_num *b, size_t n);

    /* Show every number the algorithm divides by (or normalizes with) to the
     * probe, before using it; returns d.  The analysis reports the smallest,
     * and the fallback reference applies the zero-denominator convention
     * (all outputs zero) when one is exactly zero. */
    nsp_num (*denominator)(const nsp_ops *op, nsp_num d);

    /* Exact comparisons: less(a, b) is 1 when a < b (0 when either is NaN);
     * sign(a) is -1, 0 or 1 (0 for NaN). */
    int (*less)(const nsp_ops *op, nsp_num a, nsp_num b);
    int (*sign)(const nsp_ops *op, nsp_num a);

    /* The family's parameter k (0 <= k < number declared), as given by
     * --param or its default. */
    double (*param)(const nsp_ops *op, size_t k);

    /* count numbers of scratch, zeroed, valid until this forward or backward
     * call returns (normstab frees them).  NULL when out of memory: the
     * algorithm should then return at once (normstab reports the failure). */
    nsp_num *(*scratch)(const nsp_ops *op, size_t count);

    void *host;        /* normstab's own: a plugin never touches it */
};

typedef struct nsp_param {
    const char *key;       /* "gamma"; NULL ends the list */
    double value;          /* default */
    const char *summary;   /* one line */
} nsp_param;

typedef struct nsp_algorithm {
    const char *name;      /* catalogue name, unique among all normalizers: "poly4.scaled" */
    const char *summary;   /* one line for `normstab list normalizers` */
    /* y = f(x).  x holds n >= 1 inputs already rounded into the policy's
     * input format (finite, -inf for a masked entry, or anything else a
     * search throws at it); y[i] is rounded into the output format after
     * the call. */
    void (*forward)(const nsp_ops *op, const nsp_num *x, nsp_num *y, size_t n);
    /* dx = J(x)^T g, given y = forward(x) as stored in the output format. */
    void (*backward)(const nsp_ops *op, const nsp_num *x, const nsp_num *y,
                     const nsp_num *g, nsp_num *dx, size_t n);
} nsp_algorithm;

/* The family's mathematical definition in MPFR (optional).  Set y[0..n) to
 * f(x) and, when g is not NULL, dx[0..n) to J(x)^T g, computed at precision
 * prec: y and dx are arrays of n numbers normstab has initialised to prec;
 * the exponent range is MPFR's widest.  x_i is finite or -inf (masked), g_i
 * finite; param holds the family's parameters.  Follow SPEC's conventions:
 * all zeros where the exact normalizing sum is zero.
 *
 * The results must approach the exact values as prec grows (an error of a
 * few units in the last place of prec is what MPFR's own functions give).
 * normstab evaluates at two precisions and takes their difference as the
 * error (docs/plugins.md); it is not an interval enclosure, and reports say
 * so.  Return 0, or nonzero when the values could not be computed (the
 * reference is then NaN). */
typedef int (*nsp_reference_fn)(const double *x, const double *g, const double *param,
                                size_t n, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx);

typedef struct nsp_family {
    const char *name;          /* "poly4"; unique among all families; NULL ends the list */
    const char *definition;    /* the definition in one line */
    int order;                 /* position in listings among all families (built-ins use 10..200) */
    nsp_param params[NSP_MAX_PARAMS];   /* key NULL ends the list */
    const nsp_algorithm *algorithms;    /* name NULL ends the list; at least one */
    /* NULL: the fallback reference, fallback_algorithm (NULL: the first
     * algorithm) run through nsp_ops in MPFR at high precision, labelled
     * "not certified" wherever it is shown: its result is only as right as
     * that algorithm's formula. */
    nsp_reference_fn reference;
    const char *fallback_algorithm;
} nsp_family;

typedef struct nsp_plugin {
    int abi_version;               /* NS_PLUGIN_ABI_VERSION */
    const char *name;              /* the plugin's name, shown in listings and reports */
    const nsp_family *families;    /* name NULL ends the list; at least one */
} nsp_plugin;

/* The entry point every version-1 plugin defines. */
#define NS_PLUGIN_ENTRY "ns_plugin_v1"
const nsp_plugin *ns_plugin_v1(void);

#endif
