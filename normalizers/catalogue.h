/* The catalogue: families of normalizers and the algorithms that compute them.
 *
 * A family is a mathematical function (its reference lives in reference/);
 * an algorithm is one way of computing it in floating point, written once
 * against ns_ops and so generic over every policy and summation order.
 *
 * To add a family, write normalizers/NAME.c defining
 *     const ns_family ns_family_NAME = { ... };
 * The build finds it (mk/gen-list.sh) and lists it by its .order. */
#ifndef NS_CATALOGUE_H
#define NS_CATALOGUE_H

#include <stddef.h>
#include <stdint.h>

#include "../formats/policy.h"

typedef struct ns_param_def {
    const char *key;
    double value;           /* default */
    const char *summary;
} ns_param_def;

struct ns_contract;   /* what an algorithm promises: normalizers/contract.h */

/* Define algorithms with designated initializers (.name = ..., ...): fields
 * may be added here later. */
typedef struct ns_algorithm {
    const char *name;       /* catalogue name, e.g. "softmax.shifted" */
    const char *summary;    /* one line for `normstab list normalizers` */
    /* y = f(x).  x holds n >= 1 values already in the input format; y is
     * stored in the output format by the caller afterwards.  op->work has
     * NS_WORK_DOUBLES(n). */
    void (*forward)(const ns_ops *op, const double *x, double *y, size_t n);
    /* dx = J(x)^T g, given y = forward(x) as the policy saves it (stored in
     * the output format, or unrounded under saved=work). */
    void (*backward)(const ns_ops *op, const double *x, const double *y,
                     const double *g, double *dx, size_t n);
    const struct ns_contract *contract;   /* NULL: the default contract */
} ns_algorithm;

#define NS_END_ALGORITHMS { .name = NULL }

#define NS_MAX_PARAMS 4

/* Where a family loaded at run time comes from (plugins/loader.h). */
typedef struct ns_plugin_origin {
    const char *path;        /* the shared library, as given */
    const char *name;        /* the plugin's own name */
    const char *reference;   /* how its reference is obtained, one line (says
                                "not certified" for the fallback) */
    int fallback;            /* 1: the fallback reference (the plugin's own
                                algorithm in MPFR), 0: the plugin's MPFR reference */
} ns_plugin_origin;

typedef struct ns_family {
    const char *name;           /* "softmax" */
    const char *definition;     /* the reference definition, one line */
    int order;                  /* position in the listing */
    ns_param_def params[NS_MAX_PARAMS];   /* terminated by key NULL; left out: none */
    const ns_algorithm *algorithms;       /* terminated by name NULL */
    const ns_plugin_origin *plugin;       /* NULL for a built-in family */
    /* The forward takes e^{x_i} of a logit itself, so an overflow starts
     * at a logit of ln(max finite): the report names that threshold. */
    bool exp_of_logit;
} ns_family;

/* Every family, by .order (built-ins, then families added at run time);
 * NULL-terminated. */
const ns_family *const *ns_families(void);

/* Adds a family at run time (a plugin's, plugins/loader.h), after the
 * families of equal or lower .order.  Call it before any command runs and
 * before threads start: the list is not locked.  The caller has checked
 * that its names are new.  0, or -1 when out of memory. */
int ns_catalogue_add(const ns_family *f);

/* Lookup by catalogue name; family_out may be NULL. */
const ns_algorithm *ns_algorithm_find(const char *name, const ns_family **family_out);

size_t ns_family_nparams(const ns_family *f);

/* Fill param[] with the family's defaults. */
void ns_params_default(const ns_family *f, double *param);

/* A parameter for a whole run (report, regress --param KEY=VALUE): every
 * family declaring KEY takes VALUE as its default from now on (call before
 * threads start).  0, or -1 with a message in err (no family declares KEY,
 * VALUE not a number). */
int ns_params_override(const char *kv, char *err, size_t errlen);

/* " --param KEY=VALUE" for each run-wide parameter family f declares, for
 * replay commands ("" when none). */
void ns_params_overrides_of(const ns_family *f, char *buf, size_t len);

/* What a command replaying f needs besides -n: " --plugin 'PATH'" for a
 * family from a plugin, then ns_params_overrides_of ("" for neither). */
void ns_family_replay_options(const ns_family *f, char *buf, size_t len);

/* The run-wide parameters set so far (at most max): their count. */
size_t ns_params_overrides(const char **key, double *value, size_t max);

/* Apply one "KEY=VALUE" to param[]; 0, or -1 with a message in err. */
int ns_params_set(const ns_family *f, double *param, const char *kv, char *err, size_t errlen);

/* One evaluation setup: algorithm, policy, summation order, parameters, and
 * a scratch area that grows with n (normalizers/job.c). */
typedef struct ns_job {
    const ns_family *family;
    const ns_algorithm *alg;
    const ns_policy *policy;    /* never "ref" here */
    ns_sum_order sum;
    double param[NS_MAX_PARAMS];
    double *work;
    size_t work_cap;
    uint64_t seed;              /* of stochastic rounding (+sr): 1 unless set */
} ns_job;

/* 0, or -1 on an unknown name or policy "ref". */
int ns_job_init(ns_job *job, const char *alg, const ns_policy *policy, ns_sum_order sum);
void ns_job_free(ns_job *job);

/* Round x into the policy's input format (values as the kernel receives
 * them; MX blocks along the row); also for upstream gradients.  x and xr
 * must not overlap. */
void ns_job_round_inputs(const ns_job *job, const double *x, double *xr, size_t n);

/* y = forward(xr), stored in the output format.  xr must be rounded already.
 * Returns 0, or -1 when scratch could not be allocated. */
int ns_job_forward(ns_job *job, const double *xr, double *y, size_t n, ns_probe *probe);

/* dx from xr, the stored y and the rounded gradient gr (under saved=work
 * the unrounded y, recomputed, instead of y); dx stored in the output
 * format. */
int ns_job_backward(ns_job *job, const double *xr, const double *y, const double *gr,
                    double *dx, size_t n, ns_probe *probe);

#endif
