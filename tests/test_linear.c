/* Linear attention (attention/linear.h): the reference against
 * hand-derived values and MPFI alone; the kernels against the reference;
 * the documented failures of its denominators, each with its source. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "../attention/linear.h"
#include "testlib.h"

Test(linear_reference, hand_derived_identity_head)
{
    /* d = d_v = 1, identity: q = (1, 2), k = (1, 2), v = (3, 5).
     * non-causal: O_i = q_i (1*3 + 2*5) / (q_i (1 + 2)) = 13/3 for both;
     * causal: O_0 = 3, O_1 = 2 * 13 / (2 * 3) = 13/3. */
    double q[2] = { 1, 2 }, k[2] = { 1, 2 }, v[2] = { 3, 5 }, o[2];
    ns_linear_input in = { .n_q = 2, .n_k = 2, .d = 1, .d_v = 1, .q = q, .k = k, .v = v,
                           .feature = NS_FEATURE_IDENTITY };
    for (int tier = 1; tier >= 0; tier--) {
        long (*ref)(const ns_linear_input *, bool, double *) = tier ? ns_linear_reference : ns_linear_reference_mpfi;
        cr_assert_eq(ref(&in, false, o), 0);
        cr_expect(o[0] == 13.0 / 3 && o[1] == 13.0 / 3, "tier %d: %a %a", tier, o[0], o[1]);
        cr_assert_eq(ref(&in, true, o), 0);
        cr_expect(o[0] == 3 && o[1] == 13.0 / 3, "tier %d causal: %a %a", tier, o[0], o[1]);
    }
}

Test(linear_reference, hand_derived_elu1_head)
{
    /* elu1 of 1 is 2, of 0 is 1.  d = 1: q = (0), k = (1, 0), v = (1, 4):
     * O = (2 * 1 + 1 * 4) / (2 + 1) = 2. */
    double q[1] = { 0 }, k[2] = { 1, 0 }, v[2] = { 1, 4 }, o[1];
    ns_linear_input in = { .n_q = 1, .n_k = 2, .d = 1, .d_v = 1, .q = q, .k = k, .v = v,
                           .feature = NS_FEATURE_ELU1 };
    cr_assert_eq(ns_linear_reference(&in, false, o), 0);
    cr_expect_eq(o[0], 2);
}

Test(linear_reference, zero_denominator_gives_zeros)
{
    /* SPEC section 3: relu features of q and of every key on disjoint
     * coordinates make the denominator exactly 0; the reference row is 0.
     * The same with identity features that cancel exactly:
     * q = (1, 1), keys (1, 0) and (0, -1): phi(q) . z = 1 - 1 = 0. */
    double q[2] = { 1, -1 }, k[4] = { -1, 2, -3, 0.5 }, v[4] = { 1, 2, 3, 4 }, o[2];
    ns_linear_input in = { .n_q = 1, .n_k = 2, .d = 2, .d_v = 2, .q = q, .k = k, .v = v,
                           .feature = NS_FEATURE_RELU };
    for (int tier = 1; tier >= 0; tier--) {
        long (*ref)(const ns_linear_input *, bool, double *) = tier ? ns_linear_reference : ns_linear_reference_mpfi;
        o[0] = o[1] = NAN;
        cr_assert_eq(ref(&in, false, o), 0);
        cr_expect(o[0] == 0 && o[1] == 0, "relu tier %d: %a %a", tier, o[0], o[1]);
    }
    double qi[2] = { 1, 1 }, ki[4] = { 1, 0, 0, -1 };
    ns_linear_input id = { .n_q = 1, .n_k = 2, .d = 2, .d_v = 2, .q = qi, .k = ki, .v = v,
                           .feature = NS_FEATURE_IDENTITY };
    o[0] = o[1] = NAN;
    cr_assert_eq(ns_linear_reference(&id, false, o), 0);
    cr_expect(o[0] == 0 && o[1] == 0, "identity: %a %a", o[0], o[1]);
}

static void random_head(ns_test_rng *r, double *x, size_t n, double scale)
{
    for (size_t i = 0; i < n; i++)
        x[i] = scale * ns_test_rng_normal(r);
}

Test(linear_reference, double_double_tier_agrees_with_mpfi_alone)
{
    ns_test_rng r;
    ns_test_rng_init(&r, ns_test_seed());
    enum { N = 24, D = 4, DV = 3 };
    double q[N * D], k[N * D], v[N * DV], a[N * DV], b[N * DV];
    for (int f = NS_FEATURE_ELU1; f <= NS_FEATURE_IDENTITY; f++)
        for (int causal = 0; causal <= 1; causal++) {
            random_head(&r, q, N * D, 2);
            random_head(&r, k, N * D, 2);
            random_head(&r, v, N * DV, 1);
            ns_linear_input in = { .n_q = N, .n_k = N, .d = D, .d_v = DV, .q = q, .k = k, .v = v, .feature = f };
            cr_assert_eq(ns_linear_reference(&in, causal, a), 0);
            cr_assert_eq(ns_linear_reference_mpfi(&in, causal, b), 0);
            for (size_t i = 0; i < N * DV; i++)
                cr_expect(a[i] == b[i], "seed %llu feature %d causal %d: o[%zu] %a vs %a",
                          (unsigned long long)ns_test_seed(), f, causal, i, a[i], b[i]);
        }
}

/* Normwise error of a kernel against the reference at its rounded inputs. */
static double kernel_error(ns_linear_kind kind, const char *policy, const ns_linear_input *in0)
{
    const ns_policy *p = ns_policy_find(policy);
    cr_assert(p, "%s", policy);
    size_t nq = in0->n_q, nk = in0->n_k, d = in0->d, dv = in0->d_v;
    double *q = malloc(nq * d * sizeof *q), *k = malloc(nk * d * sizeof *k), *v = malloc(nk * dv * sizeof *v);
    double *o = malloc(nq * dv * sizeof *o), *ref = malloc(nq * dv * sizeof *ref);
    cr_assert(q && k && v && o && ref);
    ns_policy_round_inputs(p, 0, in0->q, q, nq * d);
    ns_policy_round_inputs(p, 0, in0->k, k, nk * d);
    ns_policy_round_inputs(p, 0, in0->v, v, nk * dv);
    ns_linear_input in = *in0;
    in.q = q, in.k = k, in.v = v;
    cr_assert_eq(ns_linear_run(kind, p, in0, o, NULL), 0);
    cr_assert_eq(ns_linear_reference(&in, kind != NS_LINEAR, ref), 0);
    double e = 0, m = 0;
    for (size_t i = 0; i < nq * dv; i++) {
        e = isnan(o[i]) ? INFINITY : fmax(e, fabs(o[i] - ref[i]));
        m = fmax(m, fabs(ref[i]));
    }
    free(q), free(k), free(v), free(o), free(ref);
    return m > 0 ? e / m : e;
}

Test(linear_kernels, every_kernel_in_fp64_and_fp32_agrees_with_the_reference)
{
    ns_test_rng r;
    ns_test_rng_init(&r, ns_test_seed());
    enum { N = 40, D = 8, DV = 4 };
    double q[N * D], k[N * D], v[N * DV];
    random_head(&r, q, N * D, 1);
    random_head(&r, k, N * D, 1);
    random_head(&r, v, N * DV, 1);
    for (int f = NS_FEATURE_ELU1; f <= NS_FEATURE_RELU; f++)
        for (int kind = NS_LINEAR; kind <= NS_LINEAR_CHUNKED; kind++) {
            ns_linear_input in = { .n_q = N, .n_k = N, .d = D, .d_v = DV, .q = q, .k = k, .v = v,
                                   .feature = f, .chunk = 16 };
            double e64 = kernel_error(kind, "fp64", &in), e32 = kernel_error(kind, "fp32", &in);
            /* positive features, no cancellation in the denominator: a few
             * hundred roundings at most */
            cr_expect(e64 < 0x1p-42 && e32 < 0x1p-13, "feature %d kind %d: fp64 %g fp32 %g", f, kind, e64, e32);
        }
}

Test(linear_failures, relu_features_that_never_meet_give_0_over_0)
{
    /* Source: issue 17 (with phi = relu the denominator is exactly 0 when
     * no feature of q meets a feature of any key): 0/0 = NaN in every
     * format, where the reference (SPEC section 3) is 0. */
    double q[2] = { 1, -1 }, k[4] = { -1, 2, -3, 0.5 }, v[4] = { 1, 2, 3, 4 }, o[2];
    ns_linear_input in = { .n_q = 1, .n_k = 2, .d = 2, .d_v = 2, .q = q, .k = k, .v = v,
                           .feature = NS_FEATURE_RELU };
    ns_probe probe;
    ns_probe_reset(&probe);
    cr_assert_eq(ns_linear_run(NS_LINEAR, ns_policy_find("fp32"), &in, o, &probe), 0);
    cr_expect(isnan(o[0]) && isnan(o[1]));
    cr_expect(probe.zeros > 0, "the zero denominator is seen");
    double ref[2];
    cr_assert_eq(ns_linear_reference(&in, false, ref), 0);
    cr_expect(ref[0] == 0 && ref[1] == 0);
}

Test(linear_failures, identity_denominator_crossing_zero)
{
    /* Source: issue 17's seed: with phi = identity the denominator
     * phi(q_i)^T sum_j phi(k_j) changes sign and crosses 0, "as the
     * denominator might get to 0, or close to 0".  Keys k_0 = (1, 0) with
     * v_0 = 1 and k_1 = (0, -1 + 2^-12) with v_1 = 3 (exact in fp32; in
     * fp16 a tie that rounds to -1).  At q = (1, 1): den = 2^-12, num = 1 +
     * 3 (-1 + 2^-12), O = 3 - 2^13 exactly; fp16 sees den = 0. */
    double k[4] = { 1, 0, 0, -1 + 0x1p-12 }, v[2] = { 1, 3 };
    double q[2] = { 1, 1 }, o[1], ref[1];
    ns_linear_input in = { .n_q = 1, .n_k = 2, .d = 2, .d_v = 1, .q = q, .k = k, .v = v,
                           .feature = NS_FEATURE_IDENTITY };
    cr_assert_eq(ns_linear_reference(&in, false, ref), 0);
    cr_expect_eq(ref[0], 3 - 0x1p13);
    cr_assert_eq(ns_linear_run(NS_LINEAR, ns_policy_find("fp32"), &in, o, NULL), 0);
    cr_expect_eq(o[0], ref[0], "fp32 holds every bit: %a", o[0]);
    cr_assert_eq(ns_linear_run(NS_LINEAR, ns_policy_find("fp16"), &in, o, NULL), 0);
    cr_expect(!(fabs(o[0] - ref[0]) < 0.5 * fabs(ref[0])), "fp16 off by more than half: %a vs %a", o[0], ref[0]);
    /* on the other side of the crossing the sign flips: q = (1, 1 + 2^-10) */
    q[1] = 1 + 0x1p-10;
    double ref2[1];
    cr_assert_eq(ns_linear_reference(&in, false, ref2), 0);
    cr_expect(ref2[0] > 0 && ref[0] < 0, "the denominator crossed 0: %a then %a", ref[0], ref2[0]);
}

Test(linear_failures, key_sum_overflows_fp16_over_a_long_sequence)
{
    /* Source: idiap/fast-transformers issue 32: linear attention under
     * mixed precision goes NaN after 100-1000 training steps; the key sum
     * sum_j phi(k_j) is stored in fp16 and overflows 65504 over a long
     * sequence as keys grow.  Policy: fp16 data, fp32 accumulation, results
     * of sums stored in fp16 (torch's fp16 sum and einsum under autocast).
     * Keys N(0, 1) * 8: phi = elu + 1 averages about 3.7, so 32768 tokens
     * sum past 65504; values of mean 1 make the numerators overflow as
     * well (inf/inf = NaN; with zero-mean values the outputs collapse to
     * 0 instead).  512 tokens stay far below. */
    ns_test_rng r;
    ns_test_rng_init(&r, ns_test_seed());
    enum { D = 4, DV = 2 };
    size_t T = 32768;
    double *q = malloc(T * D * sizeof *q), *k = malloc(T * D * sizeof *k), *v = malloc(T * DV * sizeof *v);
    double *o = malloc(T * DV * sizeof *o);
    cr_assert(q && k && v && o);
    random_head(&r, q, T * D, 1);
    random_head(&r, k, T * D, 8);
    random_head(&r, v, T * DV, 0.5);
    for (size_t i = 0; i < T * DV; i++)
        v[i] += 1;
    const ns_policy *mixed = ns_policy_find("in=fp16,work=fp16,acc=fp32,tot=fp16,out=fp16");
    cr_assert(mixed);
    ns_linear_input in = { .n_q = 4, .n_k = T, .d = D, .d_v = DV, .q = q, .k = k, .v = v,
                           .feature = NS_FEATURE_ELU1 };
    ns_probe probe;
    ns_probe_reset(&probe);
    cr_assert_eq(ns_linear_run(NS_LINEAR, mixed, &in, o, &probe), 0);
    cr_expect(probe.nonfinite == 4, "every denominator is inf: %zu", probe.nonfinite);
    size_t nonfinite = 0;
    for (size_t i = 0; i < 4 * DV; i++)
        nonfinite += isnan(o[i]);
    cr_expect(nonfinite == 4 * DV, "T = %zu: %zu of %d outputs non-finite", T, nonfinite, 4 * DV);
    /* the same sums stored in fp32 (fp16-io) stay finite and accurate */
    cr_expect(kernel_error(NS_LINEAR, "fp16-io", &in) < 0x1p-9);
    in.n_k = 512;
    cr_expect(kernel_error(NS_LINEAR, "in=fp16,work=fp16,acc=fp32,tot=fp16,out=fp16", &in) < 0x1p-6,
              "512 tokens stay within fp16");
    free(q), free(k), free(v), free(o);
}

Test(linear_reference, hand_derived_gradients)
{
    /* identity, d = d_v = 1, q = (1), k = (1, 2), v = (3, 5), G = (1):
     * O = (k1 v1 + k2 v2) / (k1 + k2) = 13/3;
     * dO/dk1 = (v1 (k1 + k2) - 13) / 9 = -4/9, dO/dk2 = (5 * 3 - 13) / 9 = 2/9;
     * dO/dv_j = k_j / 3: 1/3, 2/3.  (dO/dq = 0: O does not depend on a
     * scalar q; that exact zero of a rational expression is not checked.) */
    double q[1] = { 1 }, k[2] = { 1, 2 }, v[2] = { 3, 5 }, g[1] = { 1 }, o[1], dq[1], dk[2], dv[2];
    ns_linear_input in = { .n_q = 1, .n_k = 2, .d = 1, .d_v = 1, .q = q, .k = k, .v = v,
                           .feature = NS_FEATURE_IDENTITY };
    ns_linear_reference_backward(&in, false, g, o, dq, dk, dv);
    cr_expect_eq(o[0], 13.0 / 3);
    cr_expect_eq(dk[0], -4.0 / 9);
    cr_expect_eq(dk[1], 2.0 / 9);
    cr_expect_eq(dv[0], 1.0 / 3);
    cr_expect_eq(dv[1], 2.0 / 3);
}

/* Central difference of <G, O> in *x at 400 bits, step a power of two
 * 2^-40 relative (x +- h exact): truncation ~2^-80 relative. */
static double fd_linear(const ns_linear_input *in, bool causal, const double *g, double *x)
{
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    size_t n = in->n_q * in->d_v;
    double x0 = *x, h = ldexp(1, ilogb(fmax(1, fabs(x0))) - 40);
    mpfr_t s[2], m;
    mpfr_inits2(400, s[0], s[1], m, (mpfr_ptr)0);
    for (int side = 0; side < 2; side++) {
        *x = side ? x0 - h : x0 + h;
        mpfi_ptr o = ns_ref_intervals(n, 400);
        cr_assert(o);
        ns_linear_enclose(in, causal, 400, o);
        mpfr_set_ui(s[side], 0, MPFR_RNDN);
        for (size_t i = 0; i < n; i++) {
            mpfi_mid(m, &o[i]);
            mpfr_mul_d(m, m, g[i], MPFR_RNDN);
            mpfr_add(s[side], s[side], m, MPFR_RNDN);
        }
        ns_ref_intervals_free(o, n);
    }
    *x = x0;
    mpfr_sub(m, s[0], s[1], MPFR_RNDN);
    mpfr_div_d(m, m, 2 * h, MPFR_RNDN);
    double out = mpfr_get_d(m, MPFR_RNDN);
    mpfr_clears(s[0], s[1], m, (mpfr_ptr)0);
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
    return out;
}

Test(linear_reference, gradients_agree_with_finite_differences)
{
    ns_test_rng r;
    ns_test_rng_init(&r, ns_test_seed());
    enum { N = 6, D = 3, DV = 2 };
    double q[N * D], k[N * D], v[N * DV], g[N * DV], o[N * DV], dq[N * D], dk[N * D], dv[N * DV];
    for (int f = NS_FEATURE_ELU1; f <= NS_FEATURE_IDENTITY; f++)
        for (int causal = 0; causal <= 1; causal++) {
            random_head(&r, q, N * D, 1);
            random_head(&r, k, N * D, 1);
            random_head(&r, v, N * DV, 1);
            random_head(&r, g, N * DV, 1);
            ns_linear_input in = { .n_q = N, .n_k = N, .d = D, .d_v = DV, .q = q, .k = k, .v = v, .feature = f };
            cr_assert_eq(ns_linear_reference_backward(&in, causal, g, o, dq, dk, dv), 0);
            for (size_t i = 0; i < N * D; i++) {
                double want = fd_linear(&in, causal, g, &q[i]);
                cr_expect(fabs(dq[i] - want) <= 0x1p-45 * fmax(1, fabs(want)),
                          "feature %d causal %d dq[%zu] %a vs %a", f, causal, i, dq[i], want);
                want = fd_linear(&in, causal, g, &k[i]);
                cr_expect(fabs(dk[i] - want) <= 0x1p-45 * fmax(1, fabs(want)),
                          "feature %d causal %d dk[%zu] %a vs %a", f, causal, i, dk[i], want);
            }
            for (size_t i = 0; i < N * DV; i++) {
                double want = fd_linear(&in, causal, g, &v[i]);
                cr_expect(fabs(dv[i] - want) <= 0x1p-45 * fmax(1, fabs(want)),
                          "feature %d causal %d dv[%zu] %a vs %a", f, causal, i, dv[i], want);
            }
        }
}

Test(linear_kernels, backward_in_fp64_agrees_with_the_reference)
{
    ns_test_rng r;
    ns_test_rng_init(&r, ns_test_seed());
    enum { N = 24, D = 4, DV = 3 };
    double q[N * D], k[N * D], v[N * DV], g[N * DV], o[N * DV], ro[N * DV];
    double dq[N * D], dk[N * D], dv[N * DV], rq[N * D], rk[N * D], rv[N * DV];
    random_head(&r, q, N * D, 1);
    random_head(&r, k, N * D, 1);
    random_head(&r, v, N * DV, 1);
    random_head(&r, g, N * DV, 1);
    const ns_policy *p = ns_policy_find("fp64");
    for (int f = NS_FEATURE_ELU1; f <= NS_FEATURE_RELU; f++)
        for (int kind = NS_LINEAR; kind <= NS_LINEAR_CHUNKED; kind++) {
            ns_linear_input in = { .n_q = N, .n_k = N, .d = D, .d_v = DV, .q = q, .k = k, .v = v,
                                   .feature = f, .chunk = 5 };
            cr_assert_eq(ns_linear_run(kind, p, &in, o, NULL), 0);
            cr_assert_eq(ns_linear_backward(kind, p, &in, o, g, dq, dk, dv), 0);
            cr_assert_eq(ns_linear_reference_backward(&in, kind != NS_LINEAR, g, ro, rq, rk, rv), 0);
            double e = 0, m = 0;
            for (size_t i = 0; i < N * D; i++) {
                e = fmax(e, fmax(fabs(dq[i] - rq[i]), fabs(dk[i] - rk[i])));
                m = fmax(m, fmax(fabs(rq[i]), fabs(rk[i])));
            }
            for (size_t i = 0; i < N * DV; i++) {
                e = fmax(e, fabs(dv[i] - rv[i]));
                m = fmax(m, fabs(rv[i]));
            }
            cr_expect(e <= 0x1p-40 * m, "feature %d kind %d: gradient error %g of %g", f, kind, e, m);
        }
}

#include "../attention/recurrent.h"

Test(linear_failures, elu1_features_swamped_in_fp16_are_a_declared_underflow)
{
    /* Source: issue 17 (with phi = elu + 1 the denominator is positive but
     * can underflow or be swamped).  elu1(-10) = e^-10 = 4.5e-5, but fp16
     * computes expm1(-10) + 1 = -1 + 1 = 0 (-0.99995 rounds to -1): every
     * feature is 0 and 0/0 = NaN, where the reference is the values' mean.
     * The contract of the kernel declares it: the verdict is expected, cause
     * "denominator underflow".  (fp32 is swamped the same way below -17.) */
    double q[2] = { -10, -10 }, k[4] = { -10, -10, -10, -10 }, v[2] = { 1, 3 };
    const ns_kernel *kern = ns_kernel_find("linear");
    cr_assert(kern);
    ns_head h = { .n_q = 1, .n_k = 2, .d = 2, .d_v = 1, .q = q, .k = k, .v = v, .scale = 1,
                  .block_q = 1, .block_k = 1, .policy = ns_policy_find("fp16"), .feature = "elu1" };
    ns_attn_out r;
    ns_recur_ref ref;
    ns_recur_compare c;
    cr_assert_eq(ns_attn_out_alloc(&h, &r), 0);
    cr_assert_eq(ns_kernel_run(kern, &h, &r), 0);
    cr_assert_eq(ns_recur_reference(kern, &h, &ref), 0);
    cr_expect(isnan(r.o[0]), "fp16: %a", r.o[0]);
    cr_expect_eq(ref.part[NS_RECUR_O][0], 2);
    cr_assert_eq(ns_recur_compare_head(kern, &h, &r, &ref, &c), 0);
    cr_expect_eq(c.verdict, NS_RECUR_EXPECTED);
    cr_expect_str_eq(c.cause, "denominator underflow");
    /* fp32 holds 1 - e^-10 and keeps the contract */
    h.policy = ns_policy_find("fp32");
    cr_assert_eq(ns_kernel_run(kern, &h, &r), 0);
    cr_assert_eq(ns_recur_compare_head(kern, &h, &r, &ref, &c), 0);
    cr_expect_eq(c.verdict, NS_RECUR_KEPT, "fp32: %a, cause %s", r.o[0], c.cause);
    ns_recur_ref_free(&ref);
    ns_attn_out_free(&r);
}
