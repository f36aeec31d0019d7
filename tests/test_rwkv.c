/* RWKV-4 WKV (attention/rwkv.h): the reference against hand-derived
 * values, MPFI alone and finite differences; the kernels against the
 * reference; the documented failures of the naive form and the limits of
 * the stable one, each with its source. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "../attention/rwkv.h"
#include "testlib.h"

typedef struct rwkv_case {
    size_t T, C;
    double *w, *u, *k, *v, *gy;
} rwkv_case;

static rwkv_case case_new(size_t T, size_t C)
{
    rwkv_case c = { .T = T, .C = C };
    c.w = calloc(C, sizeof(double));
    c.u = calloc(C, sizeof(double));
    c.k = calloc(T * C, sizeof(double));
    c.v = calloc(T * C, sizeof(double));
    c.gy = calloc(T * C, sizeof(double));
    cr_assert(c.w && c.u && c.k && c.v && c.gy);
    return c;
}

static void case_free(rwkv_case *c)
{
    free(c->w), free(c->u), free(c->k), free(c->v), free(c->gy);
}

static ns_rwkv_input input_of(const rwkv_case *c)
{
    return (ns_rwkv_input){ .T = c->T, .C = c->C, .w = c->w, .u = c->u, .k = c->k, .v = c->v };
}

typedef struct rwkv_out {
    double *y, *gw, *gu, *gk, *gv;
    ns_rwkv_grads g;
} rwkv_out;

static rwkv_out out_new(size_t T, size_t C)
{
    rwkv_out o;
    o.y = calloc(T * C, sizeof(double));
    o.gw = calloc(C, sizeof(double));
    o.gu = calloc(C, sizeof(double));
    o.gk = calloc(T * C, sizeof(double));
    o.gv = calloc(T * C, sizeof(double));
    cr_assert(o.y && o.gw && o.gu && o.gk && o.gv);
    o.g = (ns_rwkv_grads){ .w = o.gw, .u = o.gu, .k = o.gk, .v = o.gv };
    return o;
}

static void out_free(rwkv_out *o)
{
    free(o->y), free(o->gw), free(o->gu), free(o->gk), free(o->gv);
}

static void random_case(rwkv_case *c, ns_test_rng *r, double kscale)
{
    for (size_t i = 0; i < c->C; i++) {
        c->w[i] = 0.01 + 5 * ns_test_rng_uniform(r);
        c->u[i] = 3 * ns_test_rng_normal(r);
    }
    for (size_t i = 0; i < c->T * c->C; i++) {
        c->k[i] = kscale * ns_test_rng_normal(r);
        c->v[i] = ns_test_rng_normal(r);
        c->gy[i] = ns_test_rng_normal(r);
    }
}

Test(rwkv_reference, hand_derived_values_with_no_decay_and_even_keys)
{
    /* k = u = w = 0: e^{...} = 1 and E = 1, so wkv_t is the mean of v_0..v_t.
     * v = (1, 3, 5), gy = (1, 1, 1):
     *   y = (1, 2, 3);
     *   gv: y0 = v0, y1 = (v0 + v1)/2, y2 = (v0 + v1 + v2)/3 -> (1 + 1/2 + 1/3, 1/2 + 1/3, 1/3);
     *   gk_i = sum_{t >= i} (v_i - y_t)/(t + 1) over the t whose sum holds i
     *     (y_t = sum_j e^{k_j} v_j / sum_j e^{k_j} for t >= 1, k_t weighted by e^{u}):
     *     gk0 = (1 - 2)/2 + (1 - 3)/3 = -7/6, gk1 = (3 - 2)/2 + (3 - 3)/3 = 1/2, gk2 = (5 - 3)/3 = 2/3;
     *   gu = sum_t (v_t - y_t)/(t + 1) = 0 + 1/2 + 2/3 = 7/6;
     *   gw: only y2 holds E (on v0): y2 = (E v0 + v1 + v2)/(E + 2), dE/dw = -E,
     *     dy2/dw = -(v0 (E + 2) - (E v0 + v1 + v2))/(E + 2)^2 = -(3 - 9)/9 = 2/3. */
    rwkv_case c = case_new(3, 1);
    c.v[0] = 1, c.v[1] = 3, c.v[2] = 5;
    c.gy[0] = c.gy[1] = c.gy[2] = 1;
    ns_rwkv_input in = input_of(&c);
    rwkv_out o = out_new(3, 1);
    for (int tier = 1; tier >= 0; tier--) {
        long open = tier ? ns_rwkv_reference(&in, c.gy, o.y, &o.g) : ns_rwkv_reference_mpfi(&in, c.gy, o.y, &o.g);
        cr_assert_eq(open, 0);
        cr_expect(o.y[0] == 1 && o.y[1] == 2 && o.y[2] == 3, "tier %d y %a %a %a", tier, o.y[0], o.y[1], o.y[2]);
        cr_expect_eq(o.gv[0], 11.0 / 6);
        cr_expect_eq(o.gv[1], 5.0 / 6);
        cr_expect_eq(o.gv[2], 1.0 / 3);
        cr_expect_eq(o.gk[0], -7.0 / 6);
        cr_expect_eq(o.gk[1], 0.5);
        cr_expect_eq(o.gk[2], 2.0 / 3);
        cr_expect_eq(o.gu[0], 7.0 / 6, "tier %d gu %a", tier, o.gu[0]);
        cr_expect_eq(o.gw[0], 2.0 / 3, "tier %d gw %a", tier, o.gw[0]);
    }
    out_free(&o);
    case_free(&c);
}

Test(rwkv_reference, double_double_tier_agrees_with_mpfi_alone)
{
    ns_test_rng r;
    ns_test_rng_init(&r, ns_test_seed());
    const double scales[] = { 0.5, 3, 30, 200 };
    for (size_t s = 0; s < sizeof scales / sizeof *scales; s++) {
        rwkv_case c = case_new(40, 3);
        random_case(&c, &r, scales[s]);
        ns_rwkv_input in = input_of(&c);
        rwkv_out a = out_new(40, 3), b = out_new(40, 3);
        cr_assert_eq(ns_rwkv_reference(&in, c.gy, a.y, &a.g), 0);
        cr_assert_eq(ns_rwkv_reference_mpfi(&in, c.gy, b.y, &b.g), 0);
        for (size_t i = 0; i < 40 * 3; i++) {
            cr_expect(a.y[i] == b.y[i], "seed %llu scale %g y[%zu] %a vs %a",
                      (unsigned long long)ns_test_seed(), scales[s], i, a.y[i], b.y[i]);
            cr_expect(a.gk[i] == b.gk[i], "scale %g gk[%zu] %a vs %a", scales[s], i, a.gk[i], b.gk[i]);
            cr_expect(a.gv[i] == b.gv[i], "scale %g gv[%zu] %a vs %a", scales[s], i, a.gv[i], b.gv[i]);
        }
        for (size_t i = 0; i < 3; i++)
            cr_expect(a.gw[i] == b.gw[i] && a.gu[i] == b.gu[i], "scale %g gw/gu[%zu]", scales[s], i);
        out_free(&a), out_free(&b);
        case_free(&c);
    }
}

/* phi = sum_t gy_t wkv_t of channel c at 400 bits (midpoints) into s. */
static void phi_at(const rwkv_case *c, size_t ch, mpfr_ptr s)
{
    ns_rwkv_input in = input_of(c);
    mpfi_ptr y = ns_ref_intervals(c->T, 400);
    cr_assert(y);
    ns_rwkv_enclose_channel(&in, ch, 400, y);
    mpfr_t m;
    mpfr_init2(m, 400);
    mpfr_set_ui(s, 0, MPFR_RNDN);
    for (size_t t = 0; t < c->T; t++) {
        mpfi_mid(m, &y[t]);
        mpfr_mul_d(m, m, c->gy[t * c->C + ch], MPFR_RNDN);
        mpfr_add(s, s, m, MPFR_RNDN);
    }
    mpfr_clear(m);
    ns_ref_intervals_free(y, c->T);
}

/* Central difference of phi in *x with step h = 2^(e-40), 2^e <= max(1,
 * |x|) < 2^(e+1), a multiple of x's ulp so that x +- h is exact, in 400-bit
 * arithmetic: the truncation error is O(h^2) ~ 2^-80 relative, the
 * rounding error below 2^-300: far below the 2^-45 asked. */
static double fd(rwkv_case *c, size_t ch, double *x)
{
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    double x0 = *x, h = ldexp(1, ilogb(fmax(1, fabs(x0))) - 40);
    mpfr_t p, m;
    mpfr_inits2(400, p, m, (mpfr_ptr)0);
    *x = x0 + h;
    phi_at(c, ch, p);
    *x = x0 - h;
    phi_at(c, ch, m);
    *x = x0;
    mpfr_sub(p, p, m, MPFR_RNDN);
    mpfr_div_d(p, p, 2 * h, MPFR_RNDN);
    double out = mpfr_get_d(p, MPFR_RNDN);
    mpfr_clears(p, m, (mpfr_ptr)0);
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
    return out;
}

static void expect_close(double got, double want, const char *what, size_t i)
{
    cr_expect(fabs(got - want) <= 0x1p-45 * fmax(1, fabs(want)), "%s[%zu] reference %a, difference quotient %a",
              what, i, got, want);
}

Test(rwkv_reference, gradients_agree_with_finite_differences)
{
    ns_test_rng r;
    ns_test_rng_init(&r, ns_test_seed());
    rwkv_case c = case_new(12, 2);
    random_case(&c, &r, 2);
    ns_rwkv_input in = input_of(&c);
    rwkv_out o = out_new(12, 2);
    cr_assert_eq(ns_rwkv_reference(&in, c.gy, o.y, &o.g), 0);
    for (size_t ch = 0; ch < 2; ch++) {
        expect_close(o.gw[ch], fd(&c, ch, &c.w[ch]), "gw", ch);
        expect_close(o.gu[ch], fd(&c, ch, &c.u[ch]), "gu", ch);
        for (size_t t = 0; t < 12; t++) {
            expect_close(o.gk[t * 2 + ch], fd(&c, ch, &c.k[t * 2 + ch]), "gk", t * 2 + ch);
            expect_close(o.gv[t * 2 + ch], fd(&c, ch, &c.v[t * 2 + ch]), "gv", t * 2 + ch);
        }
    }
    out_free(&o);
    case_free(&c);
}

Test(rwkv_reference, long_sequence_settles_in_the_fast_tier)
{
    /* T = 20000 with keys up to e^{+-60} and decays down to 1e-4: every
     * entry settles without MPFI (open == 0), and the last wkv is a convex
     * combination of the values, so within their range. */
    ns_test_rng r;
    ns_test_rng_init(&r, ns_test_seed());
    size_t T = 20000, C = 2;
    rwkv_case c = case_new(T, C);
    random_case(&c, &r, 20);
    c.w[0] = 1e-4;
    ns_rwkv_input in = input_of(&c);
    rwkv_out o = out_new(T, C);
    cr_assert_eq(ns_rwkv_reference(&in, c.gy, o.y, &o.g), 0);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < T * C; i++)
        lo = fmin(lo, c.v[i]), hi = fmax(hi, c.v[i]);
    for (size_t i = 0; i < T * C; i++)
        cr_assert(o.y[i] >= lo && o.y[i] <= hi, "y[%zu] = %a", i, o.y[i]);
    out_free(&o);
    case_free(&c);
}

/* Normwise error max |kernel - ref| / max |ref| of a kernel's y and of its
 * gradients (the worst of gw, gu, gk, gv) against the reference at the
 * rounded inputs. */
static double normwise(const double *a, const double *r, size_t n)
{
    double e = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        e = fmax(e, fabs(a[i] - r[i]));
        if (isnan(a[i]))
            e = INFINITY;
        m = fmax(m, fabs(r[i]));
    }
    return m > 0 ? e / m : e;
}

static double kernel_error(ns_rwkv_kind kind, const char *policy, rwkv_case *c, double *worst_grad)
{
    const ns_policy *p = ns_policy_find(policy);
    cr_assert(p);
    size_t T = c->T, C = c->C;
    ns_rwkv_input in = input_of(c);
    rwkv_out k = out_new(T, C), ref = out_new(T, C);
    cr_assert_eq(ns_rwkv_run(kind, p, &in, c->gy, k.y, &k.g, NULL), 0);
    /* the reference at the inputs as the kernel received them */
    rwkv_case r = case_new(T, C);
    ns_policy_round_inputs(p, 0, c->w, r.w, C);
    ns_policy_round_inputs(p, 0, c->u, r.u, C);
    ns_policy_round_inputs(p, 0, c->k, r.k, T * C);
    ns_policy_round_inputs(p, 0, c->v, r.v, T * C);
    ns_policy_round_inputs(p, 0, c->gy, r.gy, T * C);
    ns_rwkv_input inr = input_of(&r);
    cr_assert_eq(ns_rwkv_reference(&inr, r.gy, ref.y, &ref.g), 0);
    double e = normwise(k.y, ref.y, T * C);
    double eg = fmax(fmax(normwise(k.gw, ref.gw, C), normwise(k.gu, ref.gu, C)),
                     fmax(normwise(k.gk, ref.gk, T * C), normwise(k.gv, ref.gv, T * C)));
    *worst_grad = eg;
    case_free(&r);
    out_free(&k), out_free(&ref);
    return e;
}

Test(rwkv_kernels, both_kernels_in_fp64_agree_with_the_reference)
{
    ns_test_rng r;
    ns_test_rng_init(&r, ns_test_seed());
    rwkv_case c = case_new(64, 4);
    random_case(&c, &r, 2);
    for (int kind = NS_RWKV_NAIVE; kind <= NS_RWKV_STABLE; kind++) {
        double eg, e = kernel_error(kind, "fp64", &c, &eg);
        /* 64 tokens of a few roundings each: far below 2^-40 */
        cr_expect(e < 0x1p-40 && eg < 0x1p-36, "kind %d: y %g, gradients %g", kind, e, eg);
    }
    case_free(&c);
}

Test(rwkv_kernels, stable_kernel_in_fp32_is_accurate_where_naive_overflows)
{
    /* keys around 100: e^{k} is beyond fp32 (> 88.72) */
    ns_test_rng r;
    ns_test_rng_init(&r, ns_test_seed());
    rwkv_case c = case_new(64, 2);
    random_case(&c, &r, 1);
    for (size_t i = 0; i < 64 * 2; i++)
        c.k[i] += 100;
    double eg, e = kernel_error(NS_RWKV_STABLE, "fp32", &c, &eg);
    /* exponent arguments near 100 carry 100 * 2^-24 each: ~2^-17 relative in the weights */
    cr_expect(e < 0x1p-14 && eg < 0x1p-12, "stable fp32: y %g, gradients %g", e, eg);
    const ns_policy *p = ns_policy_find("fp32");
    ns_rwkv_input in = input_of(&c);
    rwkv_out o = out_new(64, 2);
    ns_rwkv_run(NS_RWKV_NAIVE, p, &in, NULL, o.y, NULL, NULL);
    cr_expect(isnan(o.y[0]), "naive fp32 at k ~ 100: %a", o.y[0]);
    out_free(&o);
    case_free(&c);
}

/* y of one token (T = 1, C = 1, u = 0, v = 1) by a kernel: e^{k} / e^{k} = 1. */
static double one_token(ns_rwkv_kind kind, const char *policy, double k)
{
    double w = 0.5, u = 0, v = 1, y;
    ns_rwkv_input in = { .T = 1, .C = 1, .w = &w, .u = &u, .k = &k, .v = &v };
    cr_assert_eq(ns_rwkv_run(kind, ns_policy_find(policy), &in, NULL, &y, NULL, NULL), 0);
    return y;
}

Test(rwkv_failures, naive_overflows_fp16_once_k_passes_ln_65504)
{
    /* Source: issue 17; RWKV model cards warn "may overflow in FP16".
     * ln 65504 = 11.0898: 11.0859375 is the fp16 value just below, 11.09375
     * the one above.  e^{u + k} overflows, inf / inf = NaN. */
    cr_expect_eq(one_token(NS_RWKV_NAIVE, "fp16", 11.0859375), 1);
    cr_expect(isnan(one_token(NS_RWKV_NAIVE, "fp16", 11.09375)));
    cr_expect_eq(one_token(NS_RWKV_STABLE, "fp16", 11.09375), 1);
    cr_expect_eq(one_token(NS_RWKV_STABLE, "fp16", 60000), 1);
}

Test(rwkv_failures, naive_overflows_fp32_once_k_passes_88_72)
{
    /* Source: issue 17; ln(FLT_MAX) = 88.7228 (FLT_MAX = 0x1.fffffep127). */
    cr_expect_eq(one_token(NS_RWKV_NAIVE, "fp32", 88.72), 1);
    cr_expect(isnan(one_token(NS_RWKV_NAIVE, "fp32", 88.73)));
    cr_expect_eq(one_token(NS_RWKV_STABLE, "fp32", 88.73), 1);
}

Test(rwkv_failures, k_clamp_60_keeps_fp32_finite_but_not_fp16)
{
    /* Source: BlinkDL/RWKV-LM RWKV-v4 model.py, RWKV_K_CLAMP = 60 ("e^60 =
     * 1e26"): with keys clamped at 60 the naive sums stay below FLT_MAX for
     * 1000 tokens (1000 e^60 = 1.1e29), but e^60 is far beyond fp16's 65504. */
    size_t T = 1000;
    rwkv_case c = case_new(T, 1);
    c.w[0] = 1e-3;
    for (size_t t = 0; t < T; t++)
        c.k[t] = 60, c.v[t] = (t % 3) - 1.0;
    ns_rwkv_input in = input_of(&c);
    double *y = calloc(T, sizeof *y);
    ns_rwkv_run(NS_RWKV_NAIVE, ns_policy_find("fp32"), &in, NULL, y, NULL, NULL);
    for (size_t t = 0; t < T; t++)
        cr_assert(isfinite(y[t]), "fp32 y[%zu] = %a", t, y[t]);
    ns_rwkv_run(NS_RWKV_NAIVE, ns_policy_find("fp16"), &in, NULL, y, NULL, NULL);
    cr_expect(isnan(y[0]), "fp16 y[0] = %a", y[0]);
    free(y);
    case_free(&c);
}

Test(rwkv_failures, port_without_the_running_maximum_goes_nan_in_bf16_layers)
{
    /* Source: tensorpro/tpu_rwkv issue 1: a JAX port of RWKV-4 without the
     * running maximum hit inf/NaN in 8 of 15 layers.  Mechanism: channels
     * whose keys reach past 88.7 overflow bf16's (and fp32's) range in the
     * naive sums; the stable kernel with bf16 data and an fp32 state (the
     * published bf16 variant computes in fp32: bf16-io) stays finite and
     * within bf16 accuracy.  Here
     * 15 channels with key scales 10 .. 150: the naive kernel must lose
     * some and the stable one none. */
    ns_test_rng r;
    ns_test_rng_init(&r, ns_test_seed());
    size_t T = 256, C = 15;
    rwkv_case c = case_new(T, C);
    random_case(&c, &r, 1);
    for (size_t t = 0; t < T; t++)
        for (size_t ch = 0; ch < C; ch++)
            c.k[t * C + ch] = (10 + 10 * ch) * (0.5 + 0.5 * ns_test_rng_uniform(&r));
    ns_rwkv_input in = input_of(&c);
    double *y = calloc(T * C, sizeof *y), *ref = calloc(T * C, sizeof *ref);
    const ns_policy *p = ns_policy_find("bf16-io");
    cr_assert(p);
    ns_rwkv_run(NS_RWKV_NAIVE, p, &in, NULL, y, NULL, NULL);
    size_t bad = 0;
    for (size_t ch = 0; ch < C; ch++) {
        bool lost = false;
        for (size_t t = 0; t < T; t++)
            lost |= !isfinite(y[t * C + ch]);
        bad += lost;
    }
    cr_expect(bad >= 5 && bad < C, "naive bf16: %zu of %zu channels non-finite", bad, C);
    ns_rwkv_run(NS_RWKV_STABLE, p, &in, NULL, y, NULL, NULL);
    /* the reference at the bf16-rounded inputs */
    double *kr = calloc(T * C, sizeof *kr), *vr = calloc(T * C, sizeof *vr), wr[15], ur[15];
    ns_policy_round_inputs(p, 0, c.k, kr, T * C);
    ns_policy_round_inputs(p, 0, c.v, vr, T * C);
    ns_policy_round_inputs(p, 0, c.w, wr, C);
    ns_policy_round_inputs(p, 0, c.u, ur, C);
    ns_rwkv_input inr = { .T = T, .C = C, .w = wr, .u = ur, .k = kr, .v = vr };
    cr_assert_eq(ns_rwkv_reference(&inr, NULL, ref, NULL), 0);
    for (size_t i = 0; i < T * C; i++)
        cr_assert(fabs(y[i] - ref[i]) <= 0x1p-7 * fmax(1, fabs(ref[i])), "stable y[%zu] %a vs %a", i, y[i], ref[i]);
    free(y), free(ref), free(kr), free(vr);
    case_free(&c);
}

/* The last wkv of the counting sequence: w = 0 (the limit of w near 0;
 * below 2^-12 e^{-w} rounds to 1 in fp16 anyway), k = u = 0, v = 0 for
 * the first half of T tokens and 1 after: exactly 1/2; once b stops
 * counting, (a + 1)/(b + 1) with a catching up with the stuck b gives 1. */
static double counting_last(const char *policy, size_t T, double *ref)
{
    rwkv_case c = case_new(T, 1);
    for (size_t t = T / 2; t < T; t++)
        c.v[t] = 1;
    const ns_policy *p = ns_policy_find(policy);
    cr_assert(p, "%s", policy);
    double *y = calloc(T, sizeof *y), wr;
    ns_rwkv_input in = input_of(&c);
    ns_rwkv_run(NS_RWKV_STABLE, p, &in, NULL, y, NULL, NULL);
    ns_policy_round_inputs(p, 0, c.w, &wr, 1);
    ns_rwkv_input inr = { .T = T, .C = 1, .w = &wr, .u = c.u, .k = c.k, .v = c.v };
    cr_assert_eq(ns_rwkv_reference(&inr, NULL, ref, NULL), 0);
    double last = y[T - 1];
    free(y);
    case_free(&c);
    return last;
}

Test(rwkv_failures, stable_b_stops_counting_at_2048_in_fp16_and_256_in_bf16)
{
    /* Source: issue 17: with w near 0 and even keys b counts the tokens; in
     * fp16 2048 + 1 rounds to 2048 (11 bits), in bf16 256 + 1 to 256 (8). */
    size_t T = 4096;
    double *ref = calloc(T, sizeof *ref);
    double y = counting_last("fp16", T, ref);
    cr_expect(ref[T - 1] == 0.5, "reference %a", ref[T - 1]);
    cr_expect(y == 1, "fp16 state: %a (b stuck at 2048)", y);
    y = counting_last("in=fp16,work=fp16,acc=fp32,out=fp16", T, ref);
    cr_expect(fabs(y - ref[T - 1]) < 0x1p-9, "fp32 state: %a vs %a", y, ref[T - 1]);
    /* below the limit fp16 still counts: T = 2048, b reaches 2047 */
    y = counting_last("fp16", 2048, ref);
    cr_expect(fabs(y - ref[2047]) < 0x1p-8, "fp16 at T = 2048: %a vs %a", y, ref[2047]);
    y = counting_last("bf16", 512, ref);
    cr_expect(y == 1, "bf16 state: %a (b stuck at 256)", y);
    y = counting_last("bf16", 256, ref);
    cr_expect(fabs(y - ref[255]) < 0x1p-5, "bf16 at T = 256: %a vs %a", y, ref[255]);
    free(ref);
}

#include "../attention/kernel.h"

Test(rwkv_kernels, a_head_without_w_and_u_is_refused_not_read)
{
    /* The report once ran every kernel of the table on a softmax head: an
     * RWKV kernel must refuse it (-1), not read the missing w. */
    double q[4] = { 1, 2, 3, 4 };
    ns_head h = { .n_q = 2, .n_k = 2, .d = 2, .d_v = 2, .q = q, .k = q, .v = q, .scale = 1,
                  .block_q = 1, .block_k = 1, .policy = ns_policy_find("fp32") };
    ns_attn_out r;
    cr_assert_eq(ns_attn_out_alloc(&h, &r), 0);
    cr_expect_eq(ns_kernel_run(ns_kernel_find("rwkv4.naive"), &h, &r), -1);
    cr_expect_eq(ns_kernel_run(ns_kernel_find("rwkv4.stable"), &h, &r), -1);
    ns_attn_out_free(&r);
}
