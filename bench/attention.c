/* The attention figures: the flash kernel emulated in fp16 against the
 * same kernel in plain C float, and the attention reference against a
 * plain fp64 textbook evaluation, on one head of n = 1024, d = 64. */
#include "bench.h"

#include <math.h>
#include <stdlib.h>

#include "../attention/generators.h"
#include "../attention/kernel.h"
#include "../attention/reference.h"
#include "../fuzz/attn_search.h"

#define ATTN_N 1024
#define ATTN_D 64
#define ATTN_BLOCK 64

static volatile double sink;

/* FlashAttention-2 forward and backward in float, the operation order of
 * attention/flash.c: the baseline a native kernel would be. */
static void flash_float(const float *q, const float *k, const float *v, const float *go, float *o,
                        float *lse, float *dq, float *dk, float *dv, size_t n, size_t d)
{
    float sl2 = (float)(1 / sqrt((double)d)) * 1.44269504f, scale = (float)(1 / sqrt((double)d));
    float s[ATTN_BLOCK], acc[ATTN_D];
    for (size_t i = 0; i < n; i++) {
        float m = -INFINITY, l = 0;
        for (size_t c = 0; c < d; c++)
            acc[c] = 0;
        for (size_t j0 = 0; j0 < n; j0 += ATTN_BLOCK) {
            float mb = m;
            for (size_t j = 0; j < ATTN_BLOCK; j++) {
                float x = 0;
                for (size_t t = 0; t < d; t++)
                    x += q[i * d + t] * k[(j0 + j) * d + t];
                s[j] = x;
                mb = x > mb ? x : mb;
            }
            float corr = exp2f((m - mb) * sl2), ms = mb * sl2;
            l *= corr;
            for (size_t c = 0; c < d; c++)
                acc[c] *= corr;
            for (size_t j = 0; j < ATTN_BLOCK; j++) {
                float p = exp2f(s[j] * sl2 - ms);
                l += p;
                for (size_t c = 0; c < d; c++)
                    acc[c] += p * v[(j0 + j) * d + c];
            }
            m = mb;
        }
        for (size_t c = 0; c < d; c++)
            o[i * d + c] = acc[c] / l;
        lse[i] = m * scale + logf(l);
    }
    for (size_t t = 0; t < n * d; t++)
        dq[t] = dk[t] = dv[t] = 0;
    for (size_t i = 0; i < n; i++) {
        float dd = 0, ms = lse[i] * 1.44269504f;
        for (size_t c = 0; c < d; c++)
            dd += go[i * d + c] * o[i * d + c];
        for (size_t j = 0; j < n; j++) {
            float x = 0, dp = 0;
            for (size_t t = 0; t < d; t++)
                x += q[i * d + t] * k[j * d + t];
            float p = exp2f(x * sl2 - ms);
            for (size_t c = 0; c < d; c++)
                dp += go[i * d + c] * v[j * d + c];
            float ds = p * (dp - dd);
            for (size_t c = 0; c < d; c++)
                dv[j * d + c] += p * go[i * d + c];
            for (size_t t = 0; t < d; t++) {
                dq[i * d + t] += ds * k[j * d + t];
                dk[j * d + t] += ds * q[i * d + t];
            }
        }
    }
    for (size_t t = 0; t < n * d; t++) {
        dq[t] *= scale;
        dk[t] *= scale;
    }
}

/* Softmax attention forward and backward in plain fp64, materialized. */
static void textbook_double(const double *q, const double *k, const double *v, const double *go, double *o,
                            double *dq, double *dk, double *dv, double *p, size_t n, size_t d)
{
    double scale = 1 / sqrt((double)d);
    for (size_t i = 0; i < n; i++) {
        double m = -INFINITY, z = 0;
        for (size_t j = 0; j < n; j++) {
            double x = 0;
            for (size_t t = 0; t < d; t++)
                x += q[i * d + t] * k[j * d + t];
            p[i * n + j] = x * scale;
            m = fmax(m, x * scale);
        }
        for (size_t j = 0; j < n; j++) {
            p[i * n + j] = exp(p[i * n + j] - m);
            z += p[i * n + j];
        }
        for (size_t c = 0; c < d; c++)
            o[i * d + c] = 0;
        for (size_t j = 0; j < n; j++) {
            p[i * n + j] /= z;
            for (size_t c = 0; c < d; c++)
                o[i * d + c] += p[i * n + j] * v[j * d + c];
        }
    }
    for (size_t t = 0; t < n * d; t++)
        dq[t] = dk[t] = dv[t] = 0;
    for (size_t i = 0; i < n; i++) {
        double dd = 0;
        for (size_t c = 0; c < d; c++)
            dd += go[i * d + c] * o[i * d + c];
        for (size_t j = 0; j < n; j++) {
            double dp = 0, pij = p[i * n + j];
            for (size_t c = 0; c < d; c++)
                dp += go[i * d + c] * v[j * d + c];
            double ds = pij * (dp - dd) * scale;
            for (size_t c = 0; c < d; c++)
                dv[j * d + c] += pij * go[i * d + c];
            for (size_t t = 0; t < d; t++) {
                dq[i * d + t] += ds * k[j * d + t];
                dk[j * d + t] += ds * q[i * d + t];
            }
        }
    }
}

static int count_finding(const ns_attn_finding *f, void *ctx)
{
    (void)f;
    ++*(size_t *)ctx;
    return 0;
}

/* Heads per second of `normstab search --kernel` at n <= 16, d <= 8: the
 * kernel forward and backward and the fp64 oracle for each, the exact
 * reference for the candidates. */
static void bench_attention_search(void)
{
    const char *objectives[] = { "nan", "error" };
    for (int t = 0; t < 2; t++) {
        ns_attn_search_opts o = { .kernel = ns_kernel_find("flash"), .objective = (ns_kind)ns_kind_find(objectives[t]),
                                  .n = 16, .d = 8, .masks = true, .max_evals = 40000, .seed = 1,
                                  .base = { .policy = ns_policy_find("fp16-io"), .scale_exact = true, .p_offset = 8,
                                            .block_q = 64, .block_k = 4 } };
        ns_attn_search_stats st;
        size_t found = 0;
        double t0 = ns_clock_cpu();
        if (ns_attn_search(&o, count_finding, &found, &st) != 0) {
            bench_note("attention_search_evals_per_second", "not measured: out of memory");
            return;
        }
        double rate = (double)st.evals / (ns_clock_cpu() - t0);
        if (t == 0)
            bench_figure("attention_search_evals_per_second", rate, ">= 20000",
                         "each evaluation runs the kernel forward and backward in emulated arithmetic");
        else
            bench_figure("attention_search_error_evals_per_second", rate, NULL, NULL);
    }
    bench_note("attention_search_evals_per_second_what",
               "normstab search --kernel flash -p fp16-io --objective nan --masks --n 16 --d 8 --evals 40000 "
               "(seed 1), in process, CPU time; _error_: the same with --objective error (the fp64 oracle "
               "and the contract's bound on every head)");
}

void bench_attention(const bench_args *args)
{
    (void)args;
    bench_attention_search();
    size_t n = ATTN_N, d = ATTN_D, nd = n * d;
    double *q = malloc(nd * sizeof *q), *k = malloc(nd * sizeof *k), *v = malloc(nd * sizeof *v);
    double *go = malloc(nd * sizeof *go), *p = malloc(n * n * sizeof *p), *tmp = malloc(4 * nd * sizeof *tmp);
    float *f = malloc(9 * nd * sizeof *f), *lse = malloc(n * sizeof *lse);
    if (!q || !k || !v || !go || !p || !tmp || !f || !lse) {
        bench_note("attention", "not measured: out of memory");
        goto out;
    }
    ns_head_generator_find("head.normal")->fill(1, n, d, 1, q, k, v);
    ns_head_gradient(1, n, d, go);
    const ns_policy *pol = ns_policy_find("fp16-io");
    for (size_t t = 0; t < nd; t++) {
        q[t] = ns_round(pol->io, q[t]);
        k[t] = ns_round(pol->io, k[t]);
        v[t] = ns_round(pol->io, v[t]);
        go[t] = ns_round(pol->io, go[t]);
        f[t] = (float)q[t];
        f[nd + t] = (float)k[t];
        f[2 * nd + t] = (float)v[t];
        f[3 * nd + t] = (float)go[t];
    }
    ns_head h = { .n_q = n, .n_k = n, .d = d, .d_v = d, .q = q, .k = k, .v = v, .dout = go, .scale = 1 / sqrt((double)d),
                  .scale_exact = true, .block_q = ATTN_BLOCK, .block_k = ATTN_BLOCK, .p_offset = 8, .policy = pol };
    ns_attn_out r;
    if (ns_attn_out_alloc(&h, &r) != 0) {
        bench_note("attention", "not measured: out of memory");
        goto out;
    }
    double emu = INFINITY, native = INFINITY;
    for (int trial = 0; trial < 2; trial++) {
        double t0 = ns_clock_cpu();
        ns_kernel_run(ns_kernel_find("flash"), &h, &r);
        emu = fmin(emu, ns_clock_cpu() - t0);
        sink = r.o[0];
        for (int rep = 0; rep < 3; rep++) {
            t0 = ns_clock_cpu();
            flash_float(f, f + nd, f + 2 * nd, f + 3 * nd, f + 4 * nd, lse, f + 5 * nd, f + 6 * nd, f + 7 * nd, n, d);
            native = fmin(native, ns_clock_cpu() - t0);
            sink = f[5 * nd];
        }
    }
    ns_attn_out_free(&r);
    bench_figure("attention_fp16_seconds", emu, NULL, NULL);
    bench_figure("attention_native_fp32_seconds", native, NULL, NULL);
    bench_figure("attention_fp16_vs_native_fp32", emu / native, "<= 5",
                 "every operation of the emulated kernel is a rounded operation (an fp32 add or "
                 "multiply through ns_round: a magic-constant rounding and a round-to-odd check, "
                 "~3 ns, against a fraction of a ns for a float operation the compiler can keep in "
                 "registers); the dot products (6 of the 7 n^2 d loops) dominate");
    bench_note("attention_fp16_vs_native_fp32_what",
               "flash forward + backward, n = %zu, d = %zu, block 64, policy fp16-io (fp16 data, fp32 "
               "softmax and sums: the FlashAttention-2 kernel), against the same operation order in "
               "C float; CPU time, least of 2 and of 6 runs", n, d);

    double ref = INFINITY, plain = INFINITY;
    ns_attn_ref rr;
    double t0 = ns_clock_cpu();
    if (ns_attn_reference(&h, &rr) != 0) {
        bench_note("attention_reference_vs_fp64", "not measured: out of memory");
        goto out;
    }
    ref = ns_clock_cpu() - t0;
    int tier = rr.tier;
    ns_attn_ref_free(&rr);
    for (int rep = 0; rep < 3; rep++) {
        t0 = ns_clock_cpu();
        textbook_double(q, k, v, go, tmp, tmp + nd, tmp + 2 * nd, tmp + 3 * nd, p, n, d);
        plain = fmin(plain, ns_clock_cpu() - t0);
        sink = tmp[nd];
    }
    bench_figure("attention_reference_seconds", ref, NULL, NULL);
    bench_figure("attention_fp64_seconds", plain, NULL, NULL);
    bench_figure("attention_reference_vs_fp64", ref / plain, "<= 20",
                 "the reference's dot products are double-double interval sums (~20 ns a term: an exact "
                 "product, a double-double add and the radius), against ~1 ns a term in fp64");
    bench_note("attention_reference_vs_fp64_what",
               "O, LSE, dQ, dK, dV of the same head (%s), against softmax attention forward and "
               "backward in plain fp64 (materialized P); CPU time, one reference run, least of 3 fp64 runs",
               tier ? "all settled by the double-double tier" : "MPFR was needed");
out:
    free(q);
    free(k);
    free(v);
    free(go);
    free(p);
    free(tmp);
    free(f);
    free(lse);
}
