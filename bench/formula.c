/* A formula against the built-in algorithm it spells: softmax.shifted's
 * formula (docs/formulas.md) forward in fp16 against softmax.shifted, the
 * same bits (tests/test_formula_eval.c), so the ratio is the cost of
 * evaluating the graph node by node over the row. */
#include "bench.h"

#include <math.h>
#include <stdio.h>

#include "../analysis/generators.h"
#include "../formulas/define.h"
#include "../normalizers/catalogue.h"

static volatile double sink;

#define FORMULA_N 4096
#define FORMULA_SECONDS 4.0
#define FORMULA_MIN_TRIALS 15
#define SHIFTED "exp(x - rowmax(x))/sum(exp(x - rowmax(x)))"

void bench_formula_vs_builtin(const bench_args *args)
{
    (void)args;
    static double x[FORMULA_N], xr[FORMULA_N], y[FORMULA_N];
    ns_gen_args a = { .param = 4.0, .n = FORMULA_N, .seed = 1 };
    ns_generate(ns_generator_find("normal"), &a, x);
    char err[256];
    ns_job builtin, formula;
    if (ns_formula_define("bench.shifted", SHIFTED, err, sizeof err) != 0 ||
        ns_job_init(&builtin, "softmax.shifted", ns_policy_find("fp16"), NS_SUM_SEQ) != 0 ||
        ns_job_init(&formula, "bench.shifted", ns_policy_find("fp16"), NS_SUM_SEQ) != 0) {
        bench_note("formula_vs_builtin", "not measured: %s", err);
        return;
    }
    ns_job_round_inputs(&builtin, x, xr, FORMULA_N);
    double tb = INFINITY, tf = INFINITY;
    int trials = 0;
    /* Interleaved, the least of each over the window (bench_softmax_emulation
     * says why). */
    for (double start = ns_clock_monotonic();
         trials < FORMULA_MIN_TRIALS || ns_clock_monotonic() < start + FORMULA_SECONDS; trials++) {
        double t0 = ns_clock_monotonic();
        for (int r = 0; r < 20; r++)
            ns_job_forward(&builtin, xr, y, FORMULA_N, NULL);
        tb = fmin(tb, (ns_clock_monotonic() - t0) / 20);
        sink = y[0];
        t0 = ns_clock_monotonic();
        for (int r = 0; r < 20; r++)
            ns_job_forward(&formula, xr, y, FORMULA_N, NULL);
        tf = fmin(tf, (ns_clock_monotonic() - t0) / 20);
        sink = y[0];
    }
    ns_job_free(&builtin);
    ns_job_free(&formula);
    bench_figure("formula_vs_builtin", tf / tb, "<= 2",
                 "the formula evaluates node by node over the row, each with its own loop and "
                 "a switch per entry; a loop fused over the elementwise nodes would close it");
    bench_note("formula_vs_builtin_what",
               "'%s' forward against softmax.shifted, policy fp16, sum seq, one row of n = %d "
               "normal(sigma=4) logits; min of %d interleaved trials over %.0f s (20 runs each): "
               "built-in %.1f us, formula %.1f us", SHIFTED, FORMULA_N, trials, FORMULA_SECONDS,
               tb * 1e6, tf * 1e6);
}
