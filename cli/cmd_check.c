#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/error.h"
#include "../reference/ref.h"
#include "cli.h"
#include "opts.h"
#include "rows.h"

static const char check_help[] =
    "usage: normstab check -n NAME -p POLICY [--sum ORDER] [--param KEY=VALUE]...\n"
    "                      [-i FILE]\n\n"
    "For each input row: the inputs as rounded into the policy's format, the\n"
    "computed outputs, the reference at those rounded inputs, and the error of\n"
    "each output in ulps and bits of the output format (bits = log2(1 + ulps)).\n";

int cmd_check(int argc, char **argv)
{
    ns_target_opts o = { .cmd = "check" };
    ns_target_opts_parse(&o, argc, argv, check_help);
    if (ns_policy_is_ref(o.policy))
        ns_die("check: policy 'ref' is the reference itself; choose a floating-point policy");
    const ns_reference *ref = ns_reference_find(o.family->name);
    if (!ref)
        ns_die("check: no reference for family '%s'", o.family->name);
    ns_job job;
    ns_target_job(&o, &job);

    char err[512];
    ns_rows rows;
    if (ns_rows_open(&rows, o.input, err, sizeof err) != 0)
        ns_die("%s", err);
    double *x = NULL, *xr = NULL, *y = NULL, *yr = NULL;
    size_t n = 0, cap = 0, bufcap = 0;
    int r;
    const ns_format *io = o.policy->io;
    while ((r = ns_rows_next(&rows, &x, &n, &cap, err, sizeof err)) == 1) {
        if (n > bufcap) {
            free(xr); free(y); free(yr);
            xr = malloc(n * sizeof *xr);
            y = malloc(n * sizeof *y);
            yr = malloc(n * sizeof *yr);
            if (!xr || !y || !yr)
                ns_die("check: out of memory for a row of %zu", n);
            bufcap = n;
        }
        ns_job_round_inputs(&job, x, xr, n);
        if (ns_job_forward(&job, xr, y, n, NULL) != 0 ||
            ns_ref_eval(ref, o.param, xr, NULL, n, yr, NULL, NULL) != 0)
            ns_die("check: out of memory");
        double worst = 0;
        printf("%s:%zu  %s  policy %s  sum %s  n %zu\n", rows.name, rows.line, o.alg->name,
               o.policy->name, ns_sum_order_name(o.sum), n);
        printf("  %5s  %-24s %-24s %-24s %10s %6s\n", "i", "x (rounded)", "y", "reference", "ulps", "bits");
        for (size_t i = 0; i < n; i++) {
            double u = ns_ulps(io, y[i], yr[i]), b = ns_error_bits(io, u);
            if (b > worst)
                worst = b;
            char xs[40], ys[40], rs[40];
            snprintf(xs, sizeof xs, "%a", xr[i]);
            snprintf(ys, sizeof ys, "%a", y[i]);
            snprintf(rs, sizeof rs, "%a", yr[i]);
            printf("  %5zu  %-24s %-24s %-24s %10.3g %6.2f\n", i, xs, isnan(y[i]) ? "nan" : ys,
                   isnan(yr[i]) ? "nan" : rs, u, b);
        }
        printf("  worst: %.2f bits of %d\n", worst, ns_format_width(io));
    }
    free(x); free(xr); free(y); free(yr);
    ns_rows_close(&rows);
    ns_job_free(&job);
    if (r < 0) {
        fflush(stdout);
        ns_die("%s", err);
    }
    return ns_finish_output();
}
