#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/json.h"
#include "../input/rows.h"
#include "../reference/ref.h"
#include "../formulas/define.h"
#include "../formulas/exact.h"
#include "cli.h"
#include "opts.h"

static const char eval_help[] =
    "usage: normstab eval -n NAME -p POLICY [--sum ORDER] [--param KEY=VALUE]...\n"
    "                     [-i FILE] [-g GRADFILE] [--json]\n\n"
    "For each input row, one line with the n outputs of normalizer NAME run in\n"
    "POLICY (inputs first rounded into the policy's input format), as C99 %a.\n"
    "With -g (rows of upstream gradients, same shape) each output line is\n"
    "followed by one line with dx = J^T g.  -p ref prints the MPFR reference\n"
    "correctly rounded to binary64.  ORDER: seq (default), pairwise, kahan,\n"
    "lanes:K, blocked:B.  POLICY: a name (normstab list policies) or its parts,\n"
    "in=FMT,work=FMT,acc=FMT,out=FMT[,tot=FMT][,p=FMT][,saved=out|work].\n"
    "With --json, one JSON object per row instead: normalizer, policy, sum, input\n"
    "(where the row came from), y and, with -g, dx, the numbers as %a strings.\n"
    "Input: standard input when no FILE is given.\n"
    "--formula 'EXPR' stands for -n NAME with a normalizer written in one line\n"
    "(docs/formulas.md).\n";

/* One row's outputs (and dx when not NULL) as one JSON object. */
static void print_json(const ns_target_opts *o, const char *where, const double *y, const double *dx,
                       size_t n)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "normalizer", o->alg->name);
    cJSON_AddStringToObject(j, "policy", o->policy->name);
    cJSON_AddStringToObject(j, "sum", ns_sum_order_name(o->sum));
    cJSON_AddStringToObject(j, "input", where);
    cJSON_AddItemToObject(j, "y", ns_json_exact_array(y, n));
    if (dx)
        cJSON_AddItemToObject(j, "dx", ns_json_exact_array(dx, n));
    if (ns_print_json_line(j) != 0)
        ns_die("eval: out of memory");
}

int cmd_eval(int argc, char **argv)
{
    ns_target_opts o = { .cmd = "eval" };
    ns_target_opts_parse(&o, argc, argv, eval_help);
    const ns_reference *ref = NULL;
    ns_job job;
    int use_ref = ns_policy_is_ref(o.policy);
    if (use_ref) {
        ref = ns_reference_find(o.family->name);
        if (!ref)
            ns_die("eval: no reference for family '%s'", o.family->name);
    } else {
        ns_target_job(&o, &job);
    }

    char err[512];
    ns_rows rows, grads;
    if (o.grad && strcmp(o.grad, "-") == 0 && (!o.input || strcmp(o.input, "-") == 0))
        ns_die("eval: -i and -g cannot both read standard input");
    if (ns_rows_open(&rows, o.input, err, sizeof err) != 0)
        ns_die("%s", err);
    if (o.grad && ns_rows_open(&grads, o.grad, err, sizeof err) != 0)
        ns_die("%s", err);
    if (o.grad && ns_rows_same_shape(&rows, &grads, err, sizeof err) != 0)
        ns_die("%s", err);
    char where[2][300];

    double *x = NULL, *g = NULL, *xr = NULL, *gr = NULL, *y = NULL, *dx = NULL;
    size_t n = 0, xcap = 0, gn = 0, gcap = 0, bufcap = 0;
    int r, status = NS_EXIT_OK;
    while ((r = ns_rows_next(&rows, &x, &n, &xcap, err, sizeof err)) == 1) {
        if (o.grad) {
            int rg = ns_rows_next(&grads, &g, &gn, &gcap, err, sizeof err);
            if (rg == 0) {
                snprintf(err, sizeof err, "%s: no gradient row for %s", grads.name,
                         ns_rows_where(&rows, where[0], sizeof where[0]));
                r = -1;
                break;
            }
            if (rg < 0) {
                r = -1;
                break;
            }
            if (gn != n) {
                snprintf(err, sizeof err, "%s: gradient row has %zu numbers, %s has %zu",
                         ns_rows_where(&grads, where[1], sizeof where[1]), gn,
                         ns_rows_where(&rows, where[0], sizeof where[0]), n);
                r = -1;
                break;
            }
        }
        if (n > bufcap) {
            free(xr); free(gr); free(y); free(dx);
            xr = malloc(n * sizeof *xr);
            gr = malloc(n * sizeof *gr);
            y = malloc(n * sizeof *y);
            dx = malloc(n * sizeof *dx);
            if (!xr || !gr || !y || !dx)
                ns_die("eval: out of memory for a row of %zu", n);
            bufcap = n;
        }
        int undefined = 0;
        char why[256];
        if (use_ref) {
            if (ns_ref_eval(ref, o.param, x, o.grad ? g : NULL, n, y, dx, NULL) != 0)
                ns_die("eval: out of memory in the reference");
            /* A formula without a value here: which operation, after the row. */
            const ns_formula *formula = ns_formula_find(o.family->name);
            undefined = formula && n > 0 && isnan(y[0]) &&
                        ns_formula_undefined(formula, x, o.param, n, why, sizeof why);
        } else {
            ns_job_round_inputs(&job, x, xr, n);
            if (ns_job_forward(&job, xr, y, n, NULL) != 0)
                ns_die("eval: out of memory");
            if (o.grad) {
                ns_job_round_inputs(&job, g, gr, n);
                if (ns_job_backward(&job, xr, y, gr, dx, n, NULL) != 0)
                    ns_die("eval: out of memory");
            }
        }
        if (o.json) {
            print_json(&o, ns_rows_where(&rows, where[0], sizeof where[0]), y, o.grad ? dx : NULL, n);
        } else {
            ns_print_row(stdout, y, n);
            if (o.grad)
                ns_print_row(stdout, dx, n);
        }
        if (undefined) {
            fflush(stdout);
            ns_warn("eval: %s: the formula has no value: %s", ns_rows_where(&rows, where[0], sizeof where[0]), why);
        }
    }
    if (r == 0 && o.grad && (r = ns_rows_next(&grads, &g, &gn, &gcap, err, sizeof err)) > 0) {
        snprintf(err, sizeof err, "%s: a gradient row after the last row of %s",
                 ns_rows_where(&grads, where[1], sizeof where[1]), rows.name);
        r = -1;
    }
    if (r < 0) {
        fflush(stdout);
        ns_warn("%s", err);
        status = NS_EXIT_USAGE;
    }
    free(x); free(g); free(xr); free(gr); free(y); free(dx);
    ns_rows_close(&rows);
    if (o.grad)
        ns_rows_close(&grads);
    if (!use_ref)
        ns_job_free(&job);
    int out = ns_finish_output();
    return status ? status : out;
}
