/* The entry points of the Python package (python/normstab/_lib.py loads
 * them with ctypes from build/python/normstab/libnormstab.so).
 *
 * Each takes the options as the command line spells them (args: "-n",
 * NAME, "-p", POLICY, "--sum", ORDER, "--param", "K=V", ...), so that the
 * names, the defaults and every usage message are those of `normstab eval`,
 * `check` and `search`; and rows as one C-contiguous array of binary64
 * (rows x n).  Nothing here prints or exits: 0 on success, -1 with the
 * command's one-line message in err.  check and search hand back the JSON
 * Lines that `normstab check --json` and `normstab search --json` print
 * (analysis/check_json.h, fuzz/finding_json.h), in a string the caller
 * frees with ns_py_free.
 *
 * Python releases its lock during these calls: the option parser (getopt
 * keeps global state) runs under a mutex; everything else uses only what
 * the call allocates. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/check_json.h"
#include "../analysis/generators.h"
#include "../analysis/json.h"
#include "../analysis/judge.h"
#include "../analysis/metrics.h"
#include "../fuzz/finding_json.h"
#include "../fuzz/search.h"
#include "../input/options.h"
#include "../reference/ref.h"
#include "binding.h"

#define NS_PY_MAX_ARGS 64

static pthread_mutex_t options_lock = PTHREAD_MUTEX_INITIALIZER;

/* The command's options from args (without the subcommand's name). */
static int read_options(ns_target_opts *o, const char *const *args, int nargs, char *err,
                        size_t errlen)
{
    char *argv[NS_PY_MAX_ARGS + 2];
    if (nargs < 0 || nargs > NS_PY_MAX_ARGS)
        return ns_py_fail(err, errlen, "%s: %d options, at most %d", o->cmd, nargs, NS_PY_MAX_ARGS);
    argv[0] = (char *)o->cmd;
    for (int i = 0; i < nargs; i++)
        argv[i + 1] = (char *)args[i];
    argv[nargs + 1] = NULL;
    pthread_mutex_lock(&options_lock);
    int r = ns_target_opts_read(o, nargs + 1, argv, err, errlen);
    pthread_mutex_unlock(&options_lock);
    if (r == NS_OPTIONS_HELP)
        return ns_py_fail(err, errlen, "%s: --help is not an option here", o->cmd);
    return r == NS_OPTIONS_OK ? 0 : -1;
}

static int open_job(const ns_target_opts *o, ns_job *job, char *err, size_t errlen)
{
    if (ns_job_init(job, o->alg->name, o->policy, o->sum) != 0)
        return ns_py_fail(err, errlen, "%s: cannot run '%s' in policy '%s'", o->cmd, o->alg->name,
                    o->policy->name);
    memcpy(job->param, o->param, sizeof job->param);
    return 0;
}

/* The options of check (not policy ref), and a job for rows of n. */
static int open_check_job(const char *const *args, int nargs, size_t n, ns_target_opts *o,
                          ns_job *job, char *err, size_t errlen)
{
    *o = (ns_target_opts){ .cmd = "check" };
    if (read_options(o, args, nargs, err, errlen) != 0)
        return -1;
    if (ns_policy_is_ref(o->policy))
        return ns_py_fail(err, errlen,
                    "check: policy 'ref' is the reference itself; choose a floating-point policy");
    if (n == 0)
        return ns_py_fail(err, errlen, "check: rows of 0 numbers");
    return open_job(o, job, err, errlen);
}

/* normstab eval: y (and dx when g is not NULL) of each of the rows of x,
 * rows x n, as `normstab eval` computes them (policy "ref": the reference
 * correctly rounded to binary64). */
static int eval_unlocked(const char *const *args, int nargs, const double *x, const double *g,
                         size_t rows, size_t n, double *y, double *dx, char *err, size_t errlen)
{
    ns_target_opts o = { .cmd = "eval" };
    if (read_options(&o, args, nargs, err, errlen) != 0)
        return -1;
    if (n == 0)
        return ns_py_fail(err, errlen, "eval: rows of 0 numbers");
    const ns_reference *ref = NULL;
    ns_job job;
    int use_ref = ns_policy_is_ref(o.policy);
    if (use_ref) {
        if (!(ref = ns_reference_find(o.family->name)))
            return ns_py_fail(err, errlen, "eval: no reference for family '%s'", o.family->name);
    } else if (open_job(&o, &job, err, errlen) != 0) {
        return -1;
    }
    double *xr = malloc(n * sizeof *xr), *gr = malloc(n * sizeof *gr);
    int status = xr && gr ? 0 : ns_py_fail(err, errlen, "eval: out of memory for a row of %zu", n);
    for (size_t r = 0; status == 0 && r < rows; r++) {
        const double *xi = x + r * n, *gi = g ? g + r * n : NULL;
        double *yi = y + r * n, *dxi = dx + r * n;
        if (use_ref) {
            if (ns_ref_eval(ref, o.param, xi, gi, n, yi, dxi, NULL) != 0)
                status = ns_py_fail(err, errlen, "eval: out of memory in the reference");
            continue;
        }
        ns_job_round_inputs(&job, xi, xr, n);
        if (ns_job_forward(&job, xr, yi, n, NULL) != 0)
            status = ns_py_fail(err, errlen, "eval: out of memory");
        else if (gi) {
            ns_job_round_inputs(&job, gi, gr, n);
            if (ns_job_backward(&job, xr, yi, gr, dxi, n, NULL) != 0)
                status = ns_py_fail(err, errlen, "eval: out of memory");
        }
    }
    free(xr);
    free(gr);
    if (!use_ref)
        ns_job_free(&job);
    return status;
}

/* normstab check --json on each row: *out gets one object a line.  Without
 * g, row r's upstream gradient is N(0,1) from seed + r, as in the command.
 * *broken gets the number of rows that break the contract. */
static int check_unlocked(const char *const *args, int nargs, const double *x, const double *g,
                          size_t rows, size_t n, unsigned long long seed, char **out,
                          size_t *broken, char *err, size_t errlen)
{
    *out = NULL;
    *broken = 0;
    ns_target_opts o;
    ns_job job;
    if (open_check_job(args, nargs, n, &o, &job, err, errlen) != 0)
        return -1;
    ns_metrics_scratch s;
    ns_metrics_scratch_init(&s);
    ns_judge judge;
    ns_judge_init(&judge);
    ns_py_lines l = { NULL, 0, NULL };
    double *gs = malloc(n * sizeof *gs);
    int status = gs && ns_py_lines_open(&l) == 0 ? 0 : ns_py_fail(err, errlen, "check: out of memory");
    for (size_t r = 0; status == 0 && r < rows; r++) {
        const double *xi = x + r * n;
        uint64_t gseed = seed + r;
        const double *gi = g ? g + r * n : gs;
        if (!g)
            ns_gen_gradient(gseed, n, gs);
        char where[64];
        snprintf(where, sizeof where, "row %zu", r);
        ns_metrics m;
        ns_verdict v;
        if (ns_metrics_eval(&job, xi, gi, n, NS_METRICS_KAPPA, &s, &m) != 0 ||
            ns_judge_verdict(&judge, &job, s.xr, s.gr, n, &s, &m, &v) != 0) {
            status = ns_py_fail(err, errlen, "check: out of memory (or no reference for '%s')",
                          o.family->name);
            break;
        }
        if (ns_py_lines_add(&l, ns_check_row_json(o.alg, o.policy, o.sum, where, g ? NULL : &gseed, &s,
                                            &m, &v)) != 0)
            status = ns_py_fail(err, errlen, "check: out of memory");
        if (v.kind == NS_VERDICT_BROKEN)
            (*broken)++;
    }
    if (l.f)
        *out = ns_py_lines_close(&l, status == 0);
    if (status == 0 && !*out)
        status = ns_py_fail(err, errlen, "check: out of memory");
    free(gs);
    ns_metrics_scratch_free(&s);
    ns_judge_free(&judge);
    ns_job_free(&job);
    return status;
}

/* A kernel outside the library against the reference: y (rows x n) are
 * the outputs some other code computed from the rows x, which are first
 * rounded into the input format of the policy (-p) as that code saw them.
 * *out gets per row an object with input, x (rounded), y, y_ref, ulps and
 * the metrics of the outputs (ns_metrics_outputs: errors in the policy's
 * output format, with the error floor of the contract of -n NAME in that
 * policy; no denominators or kappa, which need the kernel's insides).
 * With dx (not NULL): the gradients dx that code computed from the
 * upstream gradients g (rounded into the input format too), compared with
 * the reference's at the rounded x and g (ns_metrics_gradient), and the
 * object also has g, dx and dx_ref. */
static int compare_unlocked(const char *const *args, int nargs, const double *x, const double *y,
                            const double *g, const double *dx, size_t rows, size_t n, char **out,
                            char *err, size_t errlen)
{
    *out = NULL;
    ns_target_opts o;
    ns_job job;
    if (open_check_job(args, nargs, n, &o, &job, err, errlen) != 0)
        return -1;
    const ns_reference *ref = ns_reference_find(o.family->name);
    if (!ref) {
        ns_job_free(&job);
        return ns_py_fail(err, errlen, "check: no reference for family '%s'", o.family->name);
    }
    double floor = ns_contract_promise(ns_contract_of(o.alg), o.policy)->error_floor;
    double *xr = malloc(n * sizeof *xr), *yref = malloc(n * sizeof *yref),
           *ulps = malloc(n * sizeof *ulps), *gr = malloc(n * sizeof *gr),
           *dxref = malloc(n * sizeof *dxref);
    ns_py_lines l = { NULL, 0, NULL };
    int status = xr && yref && ulps && gr && dxref && ns_py_lines_open(&l) == 0
                     ? 0
                     : ns_py_fail(err, errlen, "check: out of memory");
    for (size_t r = 0; status == 0 && r < rows; r++) {
        const double *yi = y + r * n, *dxi = dx ? dx + r * n : NULL;
        ns_job_round_inputs(&job, x + r * n, xr, n);
        if (dxi)
            ns_job_round_inputs(&job, g + r * n, gr, n);
        if (ns_ref_eval(ref, o.param, xr, dxi ? gr : NULL, n, yref, dxi ? dxref : NULL, NULL) != 0) {
            status = ns_py_fail(err, errlen, "check: out of memory in the reference");
            break;
        }
        ns_metrics m;
        ns_metrics_outputs(o.policy->out, floor, yi, yref, NULL, n, ulps, &m);
        if (dxi)
            ns_metrics_gradient(o.policy->out, gr, dxi, dxref, n, NULL, &m);
        char where[64];
        snprintf(where, sizeof where, "row %zu", r);
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "normalizer", o.alg->name);
        cJSON_AddStringToObject(j, "policy", o.policy->name);
        cJSON_AddStringToObject(j, "input", where);
        cJSON_AddItemToObject(j, "x", ns_json_exact_array(xr, n));
        cJSON_AddItemToObject(j, "y", ns_json_exact_array(yi, n));
        cJSON_AddItemToObject(j, "y_ref", ns_json_exact_array(yref, n));
        cJSON_AddItemToObject(j, "ulps", ns_json_number_array(ulps, n));
        if (dxi) {
            cJSON_AddItemToObject(j, "g", ns_json_exact_array(gr, n));
            cJSON_AddItemToObject(j, "dx", ns_json_exact_array(dxi, n));
            cJSON_AddItemToObject(j, "dx_ref", ns_json_exact_array(dxref, n));
        }
        cJSON_AddItemToObject(j, "metrics", ns_metrics_json(&m));
        if (ns_py_lines_add(&l, j) != 0)
            status = ns_py_fail(err, errlen, "check: out of memory");
    }
    if (l.f)
        *out = ns_py_lines_close(&l, status == 0);
    if (status == 0 && !*out)
        status = ns_py_fail(err, errlen, "check: out of memory");
    free(xr);
    free(yref);
    free(ulps);
    free(gr);
    free(dxref);
    ns_job_free(&job);
    return status;
}

/* The search's settings that are not shared options. */
typedef struct ns_py_search_opts {
    const char *objective;
    const char *strategy;       /* NULL: evolve */
    unsigned long long seed;
    unsigned long long evals;   /* 0: none */
    double seconds;             /* 0: none (one of the two is needed) */
    int finite;
    unsigned long long max_n;   /* 0: the default */
} ns_py_search_opts;

static int collect_finding(const ns_finding *f, void *ctx)
{
    return ns_py_lines_add(ctx, ns_finding_to_json(f)) == 0 ? 0 : 1;
}

/* The search of spec (its objective set by the caller from so) with the
 * budget of so: findings in *out, evaluations in *evals. */
static int run_search(ns_fuzz_spec *spec, const ns_py_search_opts *so,
                      volatile sig_atomic_t *stop, char **out, unsigned long long *evals,
                      char *err, size_t errlen)
{
    ns_search_opts sopts = { .seed = so->seed, .max_evals = so->evals, .seconds = so->seconds,
                             .stop = stop };
    if (so->strategy) {
        int st = ns_strategy_find(so->strategy);
        if (st < 0)
            return ns_py_fail(err, errlen, "search: unknown strategy '%s' (known: evolve, random)",
                        so->strategy);
        sopts.strategy = (ns_strategy)st;
    }
    if (!(so->seconds >= 0) || isinf(so->seconds))
        return ns_py_fail(err, errlen, "search: seconds %g: expected a non-negative number", so->seconds);
    if (so->evals == 0 && so->seconds == 0)
        return ns_py_fail(err, errlen, "search: no budget: give evals or seconds");
    if (so->max_n > NS_FUZZ_MAX_N)
        return ns_py_fail(err, errlen, "search: max_n %llu: expected 1 to %d", so->max_n, NS_FUZZ_MAX_N);
    spec->finite_only = so->finite != 0;
    spec->max_n = (size_t)so->max_n;
    ns_fuzz_target t;
    char why[256];
    if (ns_fuzz_target_init(&t, spec, why, sizeof why) != 0)
        return ns_py_fail(err, errlen, "search: %s", why);
    ns_py_lines l;
    if (ns_py_lines_open(&l) != 0) {
        ns_fuzz_target_free(&t);
        return ns_py_fail(err, errlen, "search: out of memory");
    }
    ns_finder fd;
    ns_finder_init(&fd, &t, ns_strategy_name(sopts.strategy), sopts.seed);
    fd.on_new = collect_finding;
    fd.ctx = &l;
    ns_search_stats st;
    int rc = ns_search_run(&fd, &sopts, &st);
    *evals = st.evals;
    int status = rc < 0 ? ns_py_fail(err, errlen, "search: %s", st.error) : 0;
    *out = ns_py_lines_close(&l, status == 0);
    if (status == 0 && !*out)
        status = ns_py_fail(err, errlen, "search: out of memory");
    ns_finder_free(&fd);
    ns_fuzz_target_free(&t);
    return status;
}

/* The shared options of search (not policy ref) and the objective. */
static int search_options(ns_target_opts *o, const char *const *args, int nargs,
                          const ns_py_search_opts *so, int *objective, char *err, size_t errlen)
{
    *o = (ns_target_opts){ .cmd = "search", .without_rows = true };
    if (read_options(o, args, nargs, err, errlen) != 0)
        return -1;
    if (ns_policy_is_ref(o->policy))
        return ns_py_fail(err, errlen,
                    "search: policy 'ref' is the reference itself; choose a floating-point policy");
    *objective = so->objective ? ns_objective_find(so->objective) : -1;
    if (*objective < 0)
        return ns_py_fail(err, errlen, "search: unknown objective '%s' (known: nan, inf, error, sum, "
                    "denominator, gradient, all)", so->objective ? so->objective : "");
    return 0;
}

/* normstab search --json: one finding a line in *out (no summary line);
 * *evals gets the evaluations made. */
static int search_unlocked(const char *const *args, int nargs, const ns_py_search_opts *so,
                           char **out, unsigned long long *evals, char *err, size_t errlen)
{
    *out = NULL;
    *evals = 0;
    ns_target_opts o;
    int obj;
    if (search_options(&o, args, nargs, so, &obj, err, errlen) != 0)
        return -1;
    double param[NS_MAX_PARAMS];
    memcpy(param, o.param, sizeof param);
    ns_fuzz_spec spec = { .alg = o.alg, .family = o.family, .policy = o.policy, .sum = o.sum,
                          .param = param, .objective = (ns_kind)obj };
    return run_search(&spec, so, NULL, out, evals, err, errlen);
}

/* A kernel outside the library: kernel(x, y, n) computes the n outputs y of
 * the row x (already rounded into the policy's input format); a nonzero
 * return stops the search (Python sets *stop when its callable raised). */
typedef int (*ns_py_kernel)(const double *x, double *y, size_t n);

/* Its backward pass: backward(x, g, dx, n) computes dx = J(x)^T g from the
 * row x and the upstream gradient g (both rounded into the input format);
 * nonzero stops the search as for the kernel. */
typedef int (*ns_py_backward)(const double *x, const double *g, double *dx, size_t n);

/* The kernel the search on this thread runs, and its backward pass (the
 * algorithms' passes take no context). */
static _Thread_local ns_py_kernel current_kernel;
static _Thread_local ns_py_backward current_backward;

static void kernel_forward(const ns_ops *op, const double *x, double *y, size_t n)
{
    (void)op;
    if (current_kernel(x, y, n) != 0)
        for (size_t i = 0; i < n; i++)
            y[i] = NAN;
}

static void kernel_backward(const ns_ops *op, const double *x, const double *y, const double *g,
                            double *dx, size_t n)
{
    (void)op, (void)y;
    if (current_backward(x, g, dx, n) != 0)
        for (size_t i = 0; i < n; i++)
            dx[i] = NAN;
}

/* Never called without a backward pass: the objectives that take
 * gradients are refused. */
static void kernel_no_backward(const ns_ops *op, const double *x, const double *y, const double *g,
                               double *dx, size_t n)
{
    (void)op, (void)x, (void)y, (void)g;
    for (size_t i = 0; i < n; i++)
        dx[i] = NAN;
}

/* normstab search on a kernel from outside: the search of ns_py_search,
 * with `kernel` (named `label` in the findings) in the place of -n NAME,
 * held to NAME's contract and compared with its family's reference; the
 * fast oracle runs NAME itself in fp64.  backward (NULL: none) is its
 * backward pass; without one, objectives gradient and all are refused.
 * *stop set stops the search after the evaluation in progress. */
static int search_kernel_unlocked(const char *const *args, int nargs, const ns_py_search_opts *so,
                                  ns_py_kernel kernel, ns_py_backward backward, const char *label,
                                  volatile sig_atomic_t *stop, char **out,
                                  unsigned long long *evals, char *err, size_t errlen)
{
    *out = NULL;
    *evals = 0;
    ns_target_opts o;
    int obj;
    if (search_options(&o, args, nargs, so, &obj, err, errlen) != 0)
        return -1;
    if (!backward && (obj == NS_KIND_GRADIENT || obj == NS_OBJECTIVE_ALL))
        return ns_py_fail(err, errlen, "search: objective '%s' takes gradients, which a kernel without "
                    "a backward pass has not; choose nan, inf, error, sum or denominator",
                    so->objective);
    const ns_algorithm alg = { .name = label, .summary = "a kernel from outside",
                               .forward = kernel_forward,
                               .backward = backward ? kernel_backward : kernel_no_backward,
                               .contract = o.alg->contract };
    double param[NS_MAX_PARAMS];
    memcpy(param, o.param, sizeof param);
    ns_fuzz_spec spec = { .alg = &alg, .family = o.family, .policy = o.policy, .sum = o.sum,
                          .param = param, .objective = (ns_kind)obj, .oracle_alg = o.alg };
    current_kernel = kernel;
    current_backward = backward;
    int status = run_search(&spec, so, stop, out, evals, err, errlen);
    current_kernel = NULL;
    current_backward = NULL;
    return status;
}

/* ---- the entry points: each reads the catalogue under its lock (binding.h) ---- */

#define READING(call)                                                                              \
    do {                                                                                           \
        pthread_rwlock_rdlock(&ns_py_catalogue_lock);                                              \
        int r_ = (call);                                                                           \
        pthread_rwlock_unlock(&ns_py_catalogue_lock);                                              \
        return r_;                                                                                 \
    } while (0)

int ns_py_eval(const char *const *args, int nargs, const double *x, const double *g, size_t rows,
               size_t n, double *y, double *dx, char *err, size_t errlen)
{
    READING(eval_unlocked(args, nargs, x, g, rows, n, y, dx, err, errlen));
}

int ns_py_check(const char *const *args, int nargs, const double *x, const double *g, size_t rows,
                size_t n, unsigned long long seed, char **out, size_t *broken, char *err,
                size_t errlen)
{
    READING(check_unlocked(args, nargs, x, g, rows, n, seed, out, broken, err, errlen));
}

int ns_py_compare(const char *const *args, int nargs, const double *x, const double *y,
                  const double *g, const double *dx, size_t rows, size_t n, char **out, char *err,
                  size_t errlen)
{
    READING(compare_unlocked(args, nargs, x, y, g, dx, rows, n, out, err, errlen));
}

/* Row r's upstream gradient when none is given: N(0,1) from seed + r, as
 * `normstab check` draws it (analysis/generators.h). */
void ns_py_gradient(unsigned long long seed, size_t n, double *g)
{
    ns_gen_gradient(seed, n, g);
}

int ns_py_search(const char *const *args, int nargs, const ns_py_search_opts *so, char **out,
                 unsigned long long *evals, char *err, size_t errlen)
{
    READING(search_unlocked(args, nargs, so, out, evals, err, errlen));
}

int ns_py_search_kernel(const char *const *args, int nargs, const ns_py_search_opts *so,
                        ns_py_kernel kernel, ns_py_backward backward, const char *label,
                        volatile sig_atomic_t *stop, char **out, unsigned long long *evals,
                        char *err, size_t errlen)
{
    READING(search_kernel_unlocked(args, nargs, so, kernel, backward, label, stop, out, evals, err,
                                   errlen));
}
