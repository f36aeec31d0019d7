/* The figures measured in this process: emulation against native float,
 * the reference against its MPFR floor and against plain fp64, and how the
 * analysis scales with the row length. */
#include "bench.h"

#include <math.h>
#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/generators.h"
#include "../analysis/run.h"
#include "../analysis/suite.h"
#include "../normalizers/catalogue.h"
#include "../reference/ddi.h"
#include "../reference/ref.h"

static volatile double sink;

/* ---- softmax.shifted in emulated fp16 against the same loop in float ---- */

/* The algorithm of softmax.shifted written in plain C float: the baseline
 * a kernel would be. */
static void softmax_float(const float *x, float *y, size_t n)
{
    float m = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (x[i] > m)
            m = x[i];
    for (size_t i = 0; i < n; i++)
        y[i] = expf(x[i] - m);
    float s = 0;
    for (size_t i = 0; i < n; i++)
        s += y[i];
    for (size_t i = 0; i < n; i++)
        y[i] = y[i] / s;
}

#define SOFTMAX_N 4096
/* Interleaved trials for six seconds (at least 15): on this shared machine
 * the other tenants slow the emulation (table lookups, a chain of
 * dependent roundings) by up to 2x for spells of one to three seconds, and
 * the least over a longer window reaches the quiet machine. */
#define TRIAL_SECONDS 6.0
#define MIN_TRIALS 15

void bench_softmax_emulation(const bench_args *args)
{
    (void)args;
    static double x[SOFTMAX_N], xr[SOFTMAX_N], y[SOFTMAX_N];
    static float xf[SOFTMAX_N], yf[SOFTMAX_N];
    ns_gen_args a = { .param = 4.0, .n = SOFTMAX_N, .seed = 1 };
    ns_generate(ns_generator_find("normal"), &a, x);
    ns_job job;
    if (ns_job_init(&job, "softmax.shifted", ns_policy_find("fp16"), NS_SUM_SEQ) != 0) {
        bench_note("softmax_fp16_vs_native_fp32", "not measured: no softmax.shifted");
        return;
    }
    ns_job_round_inputs(&job, x, xr, SOFTMAX_N);
    for (size_t i = 0; i < SOFTMAX_N; i++)
        xf[i] = (float)xr[i];
    double emu = INFINITY, native = INFINITY;
    int trials = 0;
    for (double start = ns_clock_monotonic(); trials < MIN_TRIALS || ns_clock_monotonic() < start + TRIAL_SECONDS; trials++) {
        double t0 = ns_clock_monotonic();
        for (int r = 0; r < 20; r++)
            ns_job_forward(&job, xr, y, SOFTMAX_N, NULL);
        double e = (ns_clock_monotonic() - t0) / 20;
        emu = fmin(emu, e);
        sink = y[0];
        t0 = ns_clock_monotonic();
        for (int r = 0; r < 200; r++) {
            softmax_float(xf, yf, SOFTMAX_N);
            __asm__ volatile("" : : "r"(yf) : "memory");
        }
        native = fmin(native, (ns_clock_monotonic() - t0) / 200);
        sink = yf[0];
    }
    ns_job_free(&job);
    bench_figure("softmax_fp16_us", emu * 1e6, NULL, NULL);
    bench_figure("softmax_native_fp32_us", native * 1e6, NULL, NULL);
    bench_figure("softmax_fp16_vs_native_fp32", emu / native, "<= 3",
        "perf (make bench, then perf record on this figure): the fp16 row spends about a "
        "third in the sequential sum (a chain of dependent roundings: add, then the "
        "magic-constant rounding, ~12 cycles of latency an element against 4 for a float add), "
        "a third in the subtraction and division loops (TwoSum or remainder, the "
        "double-rounding test, the rounding) and the rest in exp (a table lookup for fp16 "
        "arguments) and the output rounding.  Closing it: a vectorized (AVX2) rounding of "
        "whole arrays for the elementwise loops, and a pairwise order where the algorithm allows it.  "
        "On this shared machine the same binary measures 2.8-2.9 when the host is quiet and up "
        "to 4.7 during another tenant's busy spell, which slows the emulated loop (not the float "
        "one) for seconds at a time; see load_average.");
    bench_note("softmax_fp16_vs_native_fp32_what",
               "softmax.shifted forward, policy fp16, sum seq, one row of n = %d normal(sigma=4) "
               "logits, against the same algorithm in plain C float (expf); min of %d interleaved trials "
               "over %.0f s (20 and 200 runs each)", SOFTMAX_N, trials, TRIAL_SECONDS);
}

/* ---- the reference against n mpfr_exp at its working precision ---- */

#define FLOOR_TRIALS 20

void bench_reference_floor(const bench_args *args)
{
    (void)args;
    const size_t n = 1024;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    const ns_reference *r = ns_reference_find("softmax");
    if (!x || !y || !r) {
        free(x);
        free(y);
        bench_note("reference_vs_mpfr_floor", "not measured: out of memory or no softmax reference");
        return;
    }
    ns_gen_args a = { .param = 4.0, .n = n, .seed = 2 };
    ns_generate(ns_generator_find("normal"), &a, x);

    /* The working precision first, then the three interleaved, so that a
     * busy spell of the machine's other tenants hits all of them. */
    ns_ref_stats st;
    ns_ref_set_fast_tier(0);                     /* a row that needs MPFR */
    ns_ref_eval(r, NULL, x, NULL, n, y, NULL, &st);
    mpfr_t v, e;                                 /* one mpfr_exp a logit at that precision */
    mpfr_inits2(st.prec, v, e, (mpfr_ptr)0);
    double ref = INFINITY, tiered = INFINITY, floor = INFINITY, m = x[ns_ref_argmax(x, n)];
    for (int t = 0; t < FLOOR_TRIALS; t++) {
        ns_ref_set_fast_tier(0);
        double t0 = ns_clock_cpu();
        ns_ref_eval(r, NULL, x, NULL, n, y, NULL, NULL);
        ref = fmin(ref, ns_clock_cpu() - t0);
        ns_ref_set_fast_tier(1);
        t0 = ns_clock_cpu();
        ns_ref_eval(r, NULL, x, NULL, n, y, NULL, NULL);
        tiered = fmin(tiered, ns_clock_cpu() - t0);
        t0 = ns_clock_cpu();
        for (size_t i = 0; i < n; i++) {
            mpfr_set_d(v, x[i] - m, MPFR_RNDN);
            mpfr_exp(e, v, MPFR_RNDD);
        }
        floor = fmin(floor, ns_clock_cpu() - t0);
    }
    mpfr_clears(v, e, (mpfr_ptr)0);
    free(x);
    free(y);
    bench_figure("reference_row_us", ref * 1e6, NULL, NULL);
    bench_figure("reference_tiered_row_us", tiered * 1e6, NULL, NULL);
    bench_figure("mpfr_exp_floor_row_us", floor * 1e6, NULL, NULL);
    bench_figure("reference_vs_mpfr_floor", ref / floor, "<= 2",
        "the softmax reference's forward pass is a midpoint-radius enclosure (reference/mr.h): "
        "one mpfr_exp an entry at the exact argument, the sum and quotients rounded to nearest, "
        "an a priori radius, so about 1.6 floors (2.7 when it was MPFI, whose mpfi_exp "
        "evaluates both ends).  "
        "perf of ns_ref_eval on this row (MPFR only): mpfr_exp_2 and the GMP routines of its "
        "series (mpn_rshift, mpz_fdiv_q_2exp, mpz_mul, mpn_invert_limb ...) take about half "
        "of the self time, MPFR's thread-local state lookups (__tls_get_addr) ~6%; callgrind: "
        "mpfr_exp 64% of the instructions, the driver's rounding of every enclosure to a double "
        "(ns_ref_round: endpoint copies, two roundings) 15%, the quotients, radii and enclosure "
        "ends 7%, the exact arguments 5%, the intervals' allocation 5%, the sum 2%.  "
        "Closing it further: round the enclosure ends in place; around it: the fast tier "
        "(reference_tiered_row_us).");
    bench_note("reference_vs_mpfr_floor_what",
               "softmax reference (forward, no gradient) on one row of n = %zu normal(sigma=4) "
               "logits, settled at %ld bits in %zu round(s), against n mpfr_exp at that "
               "precision; min of %d interleaved trials, CPU time", n, (long)st.prec, st.rounds,
               FLOOR_TRIALS);
}

/* ---- the reference against plain fp64 on the standard suite ---- */

/* Seconds of the reference always in MPFR (mpfr, one run), with its fast
 * tier (its first run, and the least of five: tiered_first, tiered), and of
 * the family's first algorithm in the fp64 policy (fp64, the least of 20),
 * over every case for every family with a reference; entries where the two
 * references differ in a bit (mismatches: there must be none). */
typedef struct suite_times {
    double mpfr, tiered_first, tiered, fp64;
} suite_times;

static int time_suite(const ns_case *cases, size_t ncases, suite_times *st, size_t *entries,
                      size_t *mismatches)
{
    const ns_policy *fp64 = ns_policy_find("fp64");
    *st = (suite_times){ 0 };
    *entries = *mismatches = 0;
    for (const ns_family *const *f = ns_families(); *f; f++) {
        const ns_reference *r = ns_reference_find((*f)->name);
        if (!r || (*f)->plugin)
            continue;
        double param[NS_MAX_PARAMS];
        ns_params_default(*f, param);
        ns_job job;
        if (ns_job_init(&job, (*f)->algorithms[0].name, fp64, NS_SUM_SEQ) != 0)
            continue;
        for (size_t c = 0; c < ncases; c++) {
            size_t n = cases[c].n;
            double *buf = malloc(6 * n * sizeof *buf);
            if (!buf) {
                ns_job_free(&job);
                return -1;
            }
            double *x = buf, *g = buf + n, *y = buf + 2 * n, *dx = buf + 3 * n;
            double *yr = buf + 4 * n, *dxr = buf + 5 * n;
            ns_case_input(&cases[c], fp64, x);
            ns_gen_gradient(cases[c].seed, n, g);
            ns_ref_set_fast_tier(0);
            double t0 = ns_clock_cpu();
            ns_ref_eval(r, param, x, g, n, yr, dxr, NULL);
            st->mpfr += ns_clock_cpu() - t0;
            ns_ref_set_fast_tier(1);
            double best = INFINITY;
            for (int t = 0; t < 5; t++) {
                t0 = ns_clock_cpu();
                ns_ref_eval(r, param, x, g, n, y, dx, NULL);
                double d = ns_clock_cpu() - t0;
                st->tiered_first += t == 0 ? d : 0;
                best = fmin(best, d);
            }
            st->tiered += best;
            for (size_t i = 0; i < n; i++)
                *mismatches += memcmp(&y[i], &yr[i], sizeof y[i]) != 0 ||
                               memcmp(&dx[i], &dxr[i], sizeof dx[i]) != 0;
            best = INFINITY;
            for (int t = 0; t < 20; t++) {
                t0 = ns_clock_cpu();
                ns_job_forward(&job, x, y, n, NULL);
                ns_job_backward(&job, x, y, g, dx, n, NULL);
                best = fmin(best, ns_clock_cpu() - t0);
            }
            sink = y[0] + dx[0] + yr[0] + dxr[0];
            st->fp64 += best;
            *entries += n;
            free(buf);
        }
        ns_job_free(&job);
    }
    return 0;
}

void bench_reference_vs_fp64(const bench_args *args)
{
    size_t ncases;
    ns_suite_size size = args->full_suite ? NS_SUITE_FULL : NS_SUITE_QUICK;
    ns_case *cases = ns_suite_standard(size, 1, &ncases);
    suite_times st;
    size_t entries, mismatches;
    if (!cases || time_suite(cases, ncases, &st, &entries, &mismatches) != 0) {
        free(cases);
        bench_note("reference_vs_fp64", "not measured: out of memory");
        return;
    }
    free(cases);
    bench_figure("reference_suite_mpfr_seconds", st.mpfr, NULL, NULL);
    bench_figure("reference_suite_tiered_seconds", st.tiered_first, NULL, NULL);
    bench_figure("tier_mismatches", (double)mismatches, "<= 0", "a bug: the tiers must agree bit for bit");
    /* One run each: MPFR is too slow to repeat. */
    bench_figure("tiered_vs_mpfr_speedup", st.mpfr / st.tiered_first, ">= 10",
        "every family has a tier (reference/*_dd.c), and on the quick suite all but a handful of "
        "rows settle there (docs/tiered-oracle.md lists those left to MPFR: a zero whose sign only "
        "MPFI decides, gradients within 2^-120 of a tie).  The tiered time is the tiers' own: the "
        "table-driven exp enclosure (~70 ns with fma as one instruction, ~95 ns without), ddi "
        "operations (~20 ns each, the latency of their dependent double operations), one ddi_div "
        "per entry in softplus.norm.  The MPFR time moves by 20% from run to run on a loaded "
        "machine.");
    /* Both the least of several runs, as a rate is best measured. */
    bench_figure("reference_vs_fp64", st.tiered / st.fp64, "<= 5",
        "the reference (forward and gradient) is a double-double interval computation: an exp "
        "enclosure costs ~70 ns (perf: the largest single cost of the exponential tiers) and "
        "each ddi operation ~20 ns, against ~5 ns for a libm exp and a few ns an entry for the "
        "fp64 algorithm.  Rows left to MPFR take about a tenth of the tiered time.  Closing it "
        "further: a shorter polynomial with a proven bound, and leaving out the gradient's "
        "second pass when it settles (docs/tiered-oracle.md, What is left).");
    bench_figure("reference_vs_fp64_first_run", st.tiered_first / st.fp64, NULL,
        "as reference_vs_fp64, with the tiers' first run on each row instead of the least of "
        "five (colder caches, and MPFR's constant caches filled on the rows left to it)");
    bench_note("reference_vs_fp64_what",
               "%s standard suite (seed 1, %zu cases, %zu entries over all families), every built-in "
               "family with a reference: ns_ref_eval (fast tier on) with the gradient against the family's "
               "first algorithm in policy fp64 (forward + backward, min of 20), the tiers min of 5; "
               "CPU time; the tiers' exact products by %s",
               ns_suite_size_name(size), ncases, entries, ddi_two_prod_kind());
}

/* ---- analysis time against n ---- */

void bench_scaling(const bench_args *args)
{
    (void)args;
    const ns_policy *pols[] = { ns_policy_find("fp16"), ns_policy_find("fp32"), NULL };
    const ns_sum_order seq[] = { NS_SUM_SEQ };
    size_t nall;
    ns_target *all = ns_targets_make(pols, seq, 1, &nall);
    if (!all) {
        bench_note("scaling_slope", "not measured: out of memory");
        return;
    }
    size_t nt = 0;                            /* the softmax family only */
    for (size_t i = 0; i < nall; i++)
        if (strcmp(all[i].family->name, "softmax") == 0)
            all[nt++] = all[i];
    ns_metrics *m = malloc((nt ? nt : 1) * sizeof *m);
    double lx[8], ly[8];
    int k = 0;
    char pts[512] = "";
    for (int e = 8; e <= 20 && m; e += 2, k++) {
        ns_case c = { .gen = ns_generator_find("normal"), .param = 4.0, .n = (size_t)1 << e,
                      .seed = 3, .grad = true };
        ns_run_opts o = { .threads = 1 };
        int reps = e <= 12 ? 1 << (13 - e) : 1;
        double best = INFINITY;
        for (int t = 0; t < (e <= 12 ? 3 : 1); t++) {
            double t0 = ns_clock_cpu();
            for (int r = 0; r < reps; r++)
                ns_run(all, nt, &c, 1, &o, m);
            best = fmin(best, (ns_clock_cpu() - t0) / reps);
        }
        lx[k] = e * log(2.0);
        ly[k] = log(best);
        size_t len = strlen(pts);
        snprintf(pts + len, sizeof pts - len, "%s2^%d: %.4g s", k ? ", " : "", e, best);
    }
    free(m);
    free(all);
    double mx = 0, my = 0, sxy = 0, sxx = 0;      /* least squares in log-log */
    for (int i = 0; i < k; i++) {
        mx += lx[i] / k;
        my += ly[i] / k;
    }
    for (int i = 0; i < k; i++) {
        sxy += (lx[i] - mx) * (ly[i] - my);
        sxx += (lx[i] - mx) * (lx[i] - mx);
    }
    bench_figure("scaling_slope", sxy / sxx, "0.9..1.1",
        "every row up to 2^20 should settle in the double-double tier (pairwise sums and an "
        "exp bound of 2^-101 settle the 2^20 gradient, whose entries cancel 20 bits); a row "
        "that falls back to MPFR (at 64 + 2 log2 n bits) lifts the slope.  Look at the times "
        "in scaling_slope_what: a point far above the line is such a row, or the machine's "
        "load during that point.");
    bench_note("scaling_slope_what",
               "ns_run of every softmax algorithm in fp16 and fp32 (sum seq) with the reference "
               "and the gradient on one normal(sigma=4) row, one thread, CPU time, n = 2^8 .. 2^20; "
               "least-squares slope of log time on log n; times: %s", pts);
}
