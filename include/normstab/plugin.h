/* normstab plugin interface, version 2: normalizers from a shared library.
 *
 * A plugin is a shared library that defines one function,
 *
 *     const nsp_plugin *ns_plugin_v2(void);
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
 * below is fixed for its version; a change that is not an addition at the
 * end of nsp_ops (which normstab fills and plugins only read) makes a new
 * version with a new entry point.  normstab refuses a descriptor whose
 * abi_version it does not speak.
 *
 * Versions.  Version 2 adds to version 1 a contract per algorithm
 * (nsp_algorithm.contract: promises and declared hazards, as the built-in
 * algorithms have them) and an optional backward pass (NULL: derived).  Version 1 plugins keep loading: their entry point
 * ns_plugin_v1 returns the version-1 layout (nsp_plugin_v1, at the end of
 * this header), and their algorithms get the default contract.  A plugin's
 * source written for version 1 builds against this header unchanged as a
 * version-2 plugin (its abi_version NS_PLUGIN_ABI_VERSION, its contracts
 * NULL: the default), whichever entry point it names.
 *
 * How an algorithm computes.  Forward and backward passes see numbers only
 * through the operations of an nsp_ops table, the same operations built-in
 * algorithms use (formats/policy.h): elementwise operations round into the
 * policy's elementwise format, accumulations into its accumulator format,
 * sums and dot products follow the summation order, and every denominator is
 * shown to the probe.  The same code therefore runs in every policy (fp16,
 * bf16-acc32, ...) and, for the fallback reference, in MPFR at high precision
 * (see nsp_family.reference), where the forward pass is also differentiated
 * to give the reference gradient.  An algorithm must not do arithmetic on
 * nsp_num.v itself: a value computed outside the table is neither rounded as
 * the policy says nor exact in the reference, nor differentiated.
 *
 * Threads: forward, backward and reference may run on several threads at
 * once (one row each); they must not keep state between calls. */
#ifndef NORMSTAB_PLUGIN_H
#define NORMSTAB_PLUGIN_H

#include <stddef.h>

#include <mpfr.h>

#define NS_PLUGIN_ABI_VERSION 2

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

/* ---- contracts (version 2) ---------------------------------------------
 *
 * What an algorithm promises and which failures it declares as expected,
 * with the meaning of normstab's own contracts (docs/plugins.md, and
 * normalizers/contract.h in normstab's source, which these mirror): a row
 * that breaks a promise for a cause a hazard declares is "expected", not
 * "BROKEN"; `check`, `search`, the fuzzers and the report judge a plugin
 * algorithm exactly as a built-in one. */

/* What a finding is about. */
enum {
    NSP_KIND_ANY = -1,        /* in a hazard: every kind */
    NSP_KIND_NAN,             /* a NaN output or gradient where the reference is a number */
    NSP_KIND_INF,             /* an infinite output where the reference is finite */
    NSP_KIND_ERROR,           /* error of the outputs above the promised bound */
    NSP_KIND_SUM,             /* sum of the outputs off the reference's by more than promised */
    NSP_KIND_DENOMINATOR,     /* a zero, subnormal or non-finite denominator */
    NSP_KIND_GRADIENT,        /* a non-finite, inaccurate or exploding gradient */
    NSP_KIND_NEGATIVE,        /* a negative output where the reference is >= 0 */
};

/* Why it happens, as normstab classifies it (the first that applies). */
enum {
    NSP_CAUSE_ANY = -1,       /* in a hazard: every cause */
    NSP_CAUSE_ALL_MASKED,     /* every entry is -inf */
    NSP_CAUSE_MASKED,         /* -inf entries, and the failure goes without them */
    NSP_CAUSE_ZERO_DENOMINATOR,     /* a denominator exactly zero (a wider range too) */
    NSP_CAUSE_OVERFLOW,       /* goes away when the formats reach higher */
    NSP_CAUSE_SUBNORMAL_DENOMINATOR,
    NSP_CAUSE_UNDERFLOW,      /* goes away when the formats reach lower */
    NSP_CAUSE_LARGE_LOGITS,   /* max |x| >= 16 */
    NSP_CAUSE_LONG_ROW,       /* n > 64 */
    NSP_CAUSE_TINY_LOGITS,    /* max |x| < 2^-6 */
    NSP_CAUSE_ORDINARY,       /* none of the above */
};

/* Domain flags: which rows the algorithm accepts besides finite ones. */
#define NSP_DOMAIN_MASKED     1u   /* -inf entries (some entry finite) */
#define NSP_DOMAIN_ALL_MASKED 2u   /* rows of -inf only */

/* Denominator promises. */
enum { NSP_DEN_NONE, NSP_DEN_NONZERO, NSP_DEN_NORMAL };

/* A first-order bound on a relative error, in units of u_work (the unit
 * roundoff of the coarsest of the policy's elementwise, accumulator and
 * total formats):
 *   (c0 + cn n + cs spread + cx max|x| + cnx n max|x| + cq n^2 (1 + max|x|)
 *    + ck kappa_i) u_work.
 * All zero: no promise. */
typedef struct nsp_bound {
    double c0, cn, cs, cx, cnx, cq, ck;
} nsp_bound;

typedef struct nsp_promise {
    /* Policies covered: comma-separated names, "*" for all, "fp16*" for
     * every name starting with fp16; the first matching promise applies.
     * NULL ends the list. */
    const char *policies;
    int no_nan, no_inf, no_negative, finite_gradient;   /* 1: promised */
    int denominator;       /* NSP_DEN_NONE, NSP_DEN_NONZERO or NSP_DEN_NORMAL */
    nsp_bound error;       /* each output's error in ulps of the output format */
    double error_floor;    /* errors in ulps of max(|y_ref|, error_floor) (0: relative) */
    nsp_bound sum;         /* |sum y - sum y_ref| / |sum y_ref| */
    nsp_bound gradient;    /* ||dx - dx_ref||_inf against the gradient's scale */
    double max_gain;       /* ||dx||_2 / ||g||_2 at most this (0: no promise) */
} nsp_promise;

typedef struct nsp_hazard {
    int kind;              /* NSP_KIND_*: the promise it excuses */
    const char *policies;  /* as in nsp_promise; NULL: every policy */
    int cause;             /* NSP_CAUSE_*: for this cause only */
    const char *why;       /* the explanation a reader needs; NULL ends the list */
} nsp_hazard;

typedef struct nsp_contract {
    const char *summary;          /* one line (NULL: none) */
    unsigned domain;              /* NSP_DOMAIN_* flags */
    double max_abs;               /* |x_i| <= max_abs for finite x_i (0: no bound) */
    const char *domain_why;       /* why the domain is narrower (NULL if it is not) */
    /* NULL: the default promises (no NaN, inf or negative weight, normal
     * denominators, finite gradients; errors and sums within (8 + 2 n) u,
     * gradients within (16 + 4 n) u). */
    const nsp_promise *promises;
    const nsp_hazard *hazards;    /* NULL: none */
} nsp_contract;

typedef struct nsp_algorithm {
    const char *name;      /* catalogue name, unique among all normalizers: "poly4.scaled" */
    const char *summary;   /* one line for `normstab list normalizers` */
    /* y = f(x).  x holds n >= 1 inputs already rounded into the policy's
     * input format (finite, -inf for a masked entry, or anything else a
     * search throws at it); y[i] is rounded into the output format after
     * the call. */
    void (*forward)(const nsp_ops *op, const nsp_num *x, nsp_num *y, size_t n);
    /* dx = J(x)^T g, given y = forward(x) as stored in the output format.
     * NULL (version 2 only; a version-1 algorithm must give one): normstab
     * derives it from forward by reverse mode, as it does a formula's.  The
     * forward pass runs again through a table that performs each operation
     * as the plain one does and records it, then each operation's
     * derivative is applied backwards, every adjoint operation one rounding
     * in the policy's elementwise format (docs/plugins.md says which
     * quotients take a kernel's closed form).  Values made outside the table
     * (exact(), constant(), a computed .v) are constants to it. */
    void (*backward)(const nsp_ops *op, const nsp_num *x, const nsp_num *y,
                     const nsp_num *g, nsp_num *dx, size_t n);
    /* Version 2: the algorithm's contract; NULL: normstab's default one. */
    const nsp_contract *contract;
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

/* The entry point every version-2 plugin defines. */
#define NS_PLUGIN_ENTRY "ns_plugin_v2"
const nsp_plugin *ns_plugin_v2(void);

/* ---- version 1, still loaded ---------------------------------------------
 * The layout of a version-1 plugin: as version 2 without contracts.  Its
 * entry point is ns_plugin_v1, returning an nsp_plugin_v1 whose abi_version
 * is 1 (or, for a version-1 source built against this header, an
 * nsp_plugin whose abi_version is 2: normstab reads the layout that
 * abi_version names). */
#define NS_PLUGIN_ENTRY_V1 "ns_plugin_v1"

typedef struct nsp_algorithm_v1 {
    const char *name, *summary;
    void (*forward)(const nsp_ops *op, const nsp_num *x, nsp_num *y, size_t n);
    void (*backward)(const nsp_ops *op, const nsp_num *x, const nsp_num *y,
                     const nsp_num *g, nsp_num *dx, size_t n);
} nsp_algorithm_v1;

typedef struct nsp_family_v1 {
    const char *name, *definition;
    int order;
    nsp_param params[NSP_MAX_PARAMS];
    const nsp_algorithm_v1 *algorithms;
    nsp_reference_fn reference;
    const char *fallback_algorithm;
} nsp_family_v1;

typedef struct nsp_plugin_v1 {
    int abi_version;               /* 1 */
    const char *name;
    const nsp_family_v1 *families;
} nsp_plugin_v1;

#endif
