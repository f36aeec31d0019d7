/* RWKV-4's figures (issue 17): rwkv4.stable in emulated fp16 against the
 * same recurrence in plain C float, the reference against a plain fp64
 * evaluation, and the kernel's cost slope in T.  One head of T = 100,000
 * tokens x C = 64 channels from the generator rwkv.trained. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../attention/recurrent_gen.h"
#include "../attention/rwkv.h"
#include "bench.h"

enum { BENCH_T = 100000, BENCH_C = 64 };

/* The published kernel's forward (wkv_cuda.cu, kernel_forward) in plain C
 * float, w as SPEC's decay (their w is -e^{time_decay}). */
static void native_float(const ns_rwkv_input *in, float *y)
{
    size_t T = in->T, C = in->C;
    for (size_t c = 0; c < C; c++) {
        float w = (float)in->w[c], u = (float)in->u[c], p = 0, q = 0, o = -1e38f;
        for (size_t t = 0; t < T; t++) {
            float k = (float)in->k[t * C + c], v = (float)in->v[t * C + c];
            float no = fmaxf(o, u + k), A = expf(o - no), B = expf(u + k - no);
            y[t * C + c] = (A * p + B * v) / (A * q + B);
            no = fmaxf(o - w, k);
            A = expf(o - w - no);
            B = expf(k - no);
            p = A * p + B * v;
            q = A * q + B;
            o = no;
        }
    }
}

/* The same in plain double: the fp64 evaluation the reference is held to. */
static void native_double(const ns_rwkv_input *in, double *y)
{
    size_t T = in->T, C = in->C;
    for (size_t c = 0; c < C; c++) {
        double w = in->w[c], u = in->u[c], p = 0, q = 0, o = -1e300;
        for (size_t t = 0; t < T; t++) {
            double k = in->k[t * C + c], v = in->v[t * C + c];
            double no = fmax(o, u + k), A = exp(o - no), B = exp(u + k - no);
            y[t * C + c] = (A * p + B * v) / (A * q + B);
            no = fmax(o - w, k);
            A = exp(o - w - no);
            B = exp(k - no);
            p = A * p + B * v;
            q = A * q + B;
            o = no;
        }
    }
}

/* The least CPU time of reps runs of what (0: fp16 kernel, 1: float,
 * 2: reference, 3: double). */
static double timed(int what, const ns_rwkv_input *in, double *y, float *yf, int reps)
{
    const ns_policy *fp16 = ns_policy_find("fp16");
    double best = INFINITY;
    for (int r = 0; r < reps; r++) {
        double t0 = ns_clock_cpu();
        switch (what) {
        case 0: ns_rwkv_run(NS_RWKV_STABLE, fp16, in, NULL, y, NULL, NULL); break;
        case 1: native_float(in, yf); break;
        case 2: ns_rwkv_reference(in, NULL, y, NULL); break;
        default: native_double(in, y); break;
        }
        best = fmin(best, ns_clock_cpu() - t0);
    }
    return best;
}

void bench_rwkv(const bench_args *args)
{
    (void)args;
    ns_recur_tensors t;
    double *y = malloc((size_t)BENCH_T * BENCH_C * sizeof *y);
    float *yf = malloc((size_t)BENCH_T * BENCH_C * sizeof *yf);
    if (!y || !yf || ns_recur_generate(ns_recur_generator_find("rwkv.trained"), BENCH_T, BENCH_C, 7, 1, &t) != 0) {
        bench_note("rwkv", "not measured: out of memory");
        free(y), free(yf);
        return;
    }
    ns_rwkv_input in = { .T = BENCH_T, .C = BENCH_C, .w = t.w, .u = t.u, .k = t.k, .v = t.v };
    double kern = timed(0, &in, y, yf, 2), flt = timed(1, &in, y, yf, 3);
    double ref = timed(2, &in, y, yf, 2), dbl = timed(3, &in, y, yf, 3);
    bench_figure("rwkv_fp16_vs_native_fp32", kern / flt, "<= 5",
                 "every operation of the emulated kernel is a correctly rounded fp16 operation "
                 "(round-to-odd double, then a rounding), and each of its four exponentials a libm "
                 "exp checked against the rounding boundaries; the float loop is four expf and a "
                 "dozen instructions per token");
    bench_note("rwkv_fp16_vs_native_fp32_what",
               "ns_rwkv_run(rwkv4.stable, fp16) %.3f s vs the same recurrence in C float %.3f s, "
               "T = %d, C = %d (rwkv.trained), forward, CPU time, best of 2 and 3", kern, flt, BENCH_T, BENCH_C);
    bench_figure("rwkv_reference_vs_fp64", ref / dbl, "<= 20",
                 "the double-double tier spends one ddi exponential, four ddi products, three ddi "
                 "sums and a certified division per token and channel");
    bench_note("rwkv_reference_vs_fp64_what",
               "ns_rwkv_reference (double-double tier, MPFI where it does not settle) %.3f s vs the "
               "recurrence in plain double %.3f s, same head", ref, dbl);
    /* cost slope of the kernel in T, least squares in log-log */
    double lx[6], ly[6], mx = 0, my = 0, sxy = 0, sxx = 0;
    char pts[256] = "";
    int n = 0;
    for (size_t T = 6250; T <= BENCH_T; T *= 2, n++) {
        ns_rwkv_input part = in;
        part.T = T;
        double s = timed(0, &part, y, yf, 3);
        lx[n] = log((double)T), ly[n] = log(s);
        size_t len = strlen(pts);
        snprintf(pts + len, sizeof pts - len, "%sT %zu: %.4g s", n ? ", " : "", T, s);
    }
    for (int i = 0; i < n; i++)
        mx += lx[i] / n, my += ly[i] / n;
    for (int i = 0; i < n; i++)
        sxy += (lx[i] - mx) * (ly[i] - my), sxx += (lx[i] - mx) * (lx[i] - mx);
    bench_figure("rwkv_cost_slope", sxy / sxx, "0.9..1.1",
                 "the kernel does the same work per token; a point far off the line is the "
                 "machine's load during it");
    bench_note("rwkv_cost_slope_what", "rwkv4.stable fp16, C = %d, CPU time: %s", BENCH_C, pts);
    ns_recur_tensors_free(&t);
    free(y), free(yf);
}
