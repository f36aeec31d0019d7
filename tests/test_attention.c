/* The attention reference and kernels: the reference against plain MPFR at
 * 2048 bits (an independent evaluation, no intervals, no tiers) and its
 * gradients against central differences of its own forward pass; flash and
 * textbook within their contracts on the head generators. */
#include <criterion/criterion.h>
#include <math.h>
#include <mpfr.h>
#include <stdlib.h>
#include <string.h>

#include "../attention/compare.h"
#include "../attention/generators.h"
#include "../attention/kernel.h"
#include "../attention/reference.h"
#include "testlib.h"

/* A generated head of n tokens, dimension d, rounded into fmt. */
typedef struct test_head {
    ns_head h;
    double *q, *k, *v, *dout;
    unsigned char *keep;
} test_head;

static void head_make(test_head *t, const char *gen, double param, size_t n, size_t d, uint64_t seed,
                      const char *policy)
{
    const ns_head_generator *g = ns_head_generator_find(gen);
    cr_assert(g, "generator %s", gen);
    t->q = malloc(n * d * sizeof *t->q);
    t->k = malloc(n * d * sizeof *t->k);
    t->v = malloc(n * d * sizeof *t->v);
    t->dout = malloc(n * d * sizeof *t->dout);
    t->keep = NULL;
    g->fill(param, n, d, seed, t->q, t->k, t->v);
    ns_head_gradient(seed, n, d, t->dout);
    const ns_policy *p = ns_policy_find(policy);
    cr_assert(p, "policy %s", policy);
    for (size_t i = 0; i < n * d; i++) {
        t->q[i] = ns_round(p->io, t->q[i]);
        t->k[i] = ns_round(p->io, t->k[i]);
        t->v[i] = ns_round(p->io, t->v[i]);
        t->dout[i] = ns_round(p->io, t->dout[i]);
    }
    t->h = (ns_head){ .n_q = n, .n_k = n, .d = d, .d_v = d, .q = t->q, .k = t->k, .v = t->v,
                      .dout = t->dout, .scale = 1 / sqrt((double)d), .scale_exact = true,
                      .block_q = 4, .block_k = 4, .p_offset = 8, .policy = p };
}

static void head_free(test_head *t)
{
    free(t->q);
    free(t->k);
    free(t->v);
    free(t->dout);
    free(t->keep);
}

/* ---- plain MPFR at 2048 bits: the definitions of reference.h, no tiers.
 * A large-norm head cancels: dS of the dominant key is 2^-280 or less
 * where its terms are of order 1, so 256 bits would not do. ---- */

#define PREC 2048

static void mp_dot(mpfr_t out, const double *a, size_t sa, const double *b, size_t sb, size_t n)
{
    mpfr_t t;
    mpfr_init2(t, PREC);
    mpfr_set_ui(out, 0, MPFR_RNDN);
    for (size_t i = 0; i < n; i++) {
        mpfr_set_d(t, a[i * sa], MPFR_RNDN);
        mpfr_mul_d(t, t, b[i * sb], MPFR_RNDN);
        mpfr_add(out, out, t, MPFR_RNDN);
    }
    mpfr_clear(t);
}

/* o (n_q x d_v), lse, and the gradients of a head, from MPFR. */
static void mp_attention(const ns_head *h, double *o, double *lse, double *dq, double *dk, double *dv)
{
    size_t nq = h->n_q, nk = h->n_k, d = h->d, dvn = h->d_v;
    mpfr_t scale, t, z, dd;
    mpfr_inits2(PREC, scale, t, z, dd, (mpfr_ptr)0);
    mpfr_set_ui(scale, (unsigned long)d, MPFR_RNDN);
    mpfr_rec_sqrt(scale, scale, MPFR_RNDN);
    mpfr_t *p = malloc(nk * sizeof *p), *dp = malloc(nk * sizeof *dp), *ds = malloc(nq * nk * sizeof *ds);
    for (size_t j = 0; j < nk; j++)
        mpfr_inits2(PREC, p[j], dp[j], (mpfr_ptr)0);
    for (size_t j = 0; j < nq * nk; j++)
        mpfr_init2(ds[j], PREC);
    mpfr_t *acc = malloc(nk * dvn * sizeof *acc);
    for (size_t j = 0; j < nk * dvn; j++) {
        mpfr_init2(acc[j], PREC);
        mpfr_set_ui(acc[j], 0, MPFR_RNDN);
    }
    for (size_t i = 0; i < nq; i++) {
        mpfr_set_ui(z, 0, MPFR_RNDN);
        for (size_t j = 0; j < nk; j++) {
            mp_dot(p[j], h->q + i * d, 1, h->k + j * d, 1, d);
            mpfr_mul(p[j], p[j], scale, MPFR_RNDN);
            mpfr_exp(p[j], p[j], MPFR_RNDN);
            mpfr_add(z, z, p[j], MPFR_RNDN);
        }
        mpfr_log(t, z, MPFR_RNDN);
        lse[i] = mpfr_get_d(t, MPFR_RNDN);
        for (size_t j = 0; j < nk; j++)
            mpfr_div(p[j], p[j], z, MPFR_RNDN);
        for (size_t c = 0; c < dvn; c++) {
            mpfr_set_ui(t, 0, MPFR_RNDN);
            for (size_t j = 0; j < nk; j++) {
                mpfr_t u;
                mpfr_init2(u, PREC);
                mpfr_mul_d(u, p[j], h->v[j * dvn + c], MPFR_RNDN);
                mpfr_add(t, t, u, MPFR_RNDN);
                mpfr_clear(u);
            }
            o[i * dvn + c] = mpfr_get_d(t, MPFR_RNDN);
        }
        mpfr_set_ui(dd, 0, MPFR_RNDN);
        for (size_t j = 0; j < nk; j++) {
            mp_dot(dp[j], h->dout + i * dvn, 1, h->v + j * dvn, 1, dvn);
            mpfr_mul(t, p[j], dp[j], MPFR_RNDN);
            mpfr_add(dd, dd, t, MPFR_RNDN);
        }
        for (size_t j = 0; j < nk; j++) {
            mpfr_sub(t, dp[j], dd, MPFR_RNDN);
            mpfr_mul(ds[i * nk + j], p[j], t, MPFR_RNDN);
            for (size_t c = 0; c < dvn; c++) {      /* dV_j += P_ij dO_i */
                mpfr_mul_d(t, p[j], h->dout[i * dvn + c], MPFR_RNDN);
                mpfr_add(acc[j * dvn + c], acc[j * dvn + c], t, MPFR_RNDN);
            }
        }
    }
    for (size_t j = 0; j < nk * dvn; j++) {
        dv[j] = mpfr_get_d(acc[j], MPFR_RNDN);
        mpfr_clear(acc[j]);
    }
    free(acc);
    for (size_t i = 0; i < nq; i++)
        for (size_t c = 0; c < d; c++) {
            mpfr_set_ui(dd, 0, MPFR_RNDN);
            for (size_t j = 0; j < nk; j++) {
                mpfr_mul_d(t, ds[i * nk + j], h->k[j * d + c], MPFR_RNDN);
                mpfr_add(dd, dd, t, MPFR_RNDN);
            }
            mpfr_mul(dd, dd, scale, MPFR_RNDN);
            dq[i * d + c] = mpfr_get_d(dd, MPFR_RNDN);
        }
    for (size_t j = 0; j < nk; j++)
        for (size_t c = 0; c < d; c++) {
            mpfr_set_ui(dd, 0, MPFR_RNDN);
            for (size_t i = 0; i < nq; i++) {
                mpfr_mul_d(t, ds[i * nk + j], h->q[i * d + c], MPFR_RNDN);
                mpfr_add(dd, dd, t, MPFR_RNDN);
            }
            mpfr_mul(dd, dd, scale, MPFR_RNDN);
            dk[j * d + c] = mpfr_get_d(dd, MPFR_RNDN);
        }
    for (size_t j = 0; j < nk; j++)
        mpfr_clears(p[j], dp[j], (mpfr_ptr)0);
    for (size_t j = 0; j < nq * nk; j++)
        mpfr_clear(ds[j]);
    free(p);
    free(dp);
    free(ds);
    mpfr_clears(scale, t, z, dd, (mpfr_ptr)0);
}

static void expect_same(const char *what, const double *a, const double *b, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        cr_expect(a[i] == b[i] || (isnan(a[i]) && isnan(b[i])), "%s[%zu]: %a, MPFR %a (seed %llu)", what, i,
                  a[i], b[i], (unsigned long long)seed);
}

static void reference_matches_mpfr(const char *gen, double param, const char *policy, int mpfi_alone)
{
    uint64_t seed = ns_test_seed();
    for (uint64_t s = seed; s < seed + 3; s++) {
        test_head t;
        head_make(&t, gen, param, 6, 4, s, policy);
        size_t n = 6, d = 4;
        double o[24], lse[6], dq[24], dk[24], dv[24];
        mp_attention(&t.h, o, lse, dq, dk, dv);
        ns_attn_ref ref;
        cr_assert_eq(mpfi_alone ? ns_attn_reference_mpfi(&t.h, &ref) : ns_attn_reference(&t.h, &ref), 0);
        cr_expect_eq(ref.uncertain, 0);
        if (!mpfi_alone && strcmp(gen, "head.normal") == 0)
            cr_expect_eq(ref.tier, 1, "the double-double tier settles an ordinary head (seed %llu)",
                         (unsigned long long)s);
        expect_same("O", ref.o, o, n * d, s);
        expect_same("LSE", ref.lse, lse, n, s);
        expect_same("dQ", ref.dq, dq, n * d, s);
        expect_same("dK", ref.dk, dk, n * d, s);
        expect_same("dV", ref.dv, dv, n * d, s);
        ns_attn_ref_free(&ref);
        head_free(&t);
    }
}

Test(attention_reference, the_double_double_tier_is_plain_mpfr_correctly_rounded)
{
    reference_matches_mpfr("head.normal", 1, "fp16", 0);
    reference_matches_mpfr("head.large-norm", 4, "bf16", 0);
    reference_matches_mpfr("head.outliers", 30, "fp32", 0);
}

Test(attention_reference, mpfi_alone_is_plain_mpfr_correctly_rounded)
{
    reference_matches_mpfr("head.normal", 1, "fp16", 1);
    reference_matches_mpfr("head.large-norm", 4, "bf16", 1);
}

/* phi(q) = sum_ic dO_ic O_ic(q) from the reference's O; d phi / d q_it by a
 * central difference of step h = 2^-20 |q_it| (or 2^-20): truncation
 * O(h^2), rounding ulp(phi) / h, both below 1e-9 relative here. */
static double phi(const ns_head *h)
{
    ns_head f = *h;
    f.dout = NULL;
    ns_attn_ref ref;
    cr_assert_eq(ns_attn_reference(&f, &ref), 0);
    double s = 0;
    for (size_t i = 0; i < h->n_q * h->d_v; i++)
        s += h->dout[i] * ref.o[i];
    ns_attn_ref_free(&ref);
    return s;
}

static void expect_fd(const char *what, double *x, size_t n, const ns_head *h, const double *grad)
{
    for (size_t i = 0; i < n; i++) {
        double x0 = x[i], step = ldexp(fabs(x0) > 0 ? fabs(x0) : 1, -20);
        x[i] = x0 + step;
        double up = phi(h);
        x[i] = x0 - step;
        double down = phi(h);
        x[i] = x0;
        double fd = (up - down) / (2 * step);
        cr_expect(fabs(fd - grad[i]) <= 1e-7 * (fabs(grad[i]) + 1e-3), "%s[%zu]: reference %.17g, difference %.17g",
                  what, i, grad[i], fd);
    }
}

Test(attention_reference, gradients_are_finite_differences_of_the_forward_pass)
{
    test_head t;
    head_make(&t, "head.normal", 1, 5, 3, ns_test_seed(), "fp32");
    ns_attn_ref ref;
    cr_assert_eq(ns_attn_reference(&t.h, &ref), 0);
    expect_fd("dQ", t.q, 15, &t.h, ref.dq);
    expect_fd("dK", t.k, 15, &t.h, ref.dk);
    expect_fd("dV", t.v, 15, &t.h, ref.dv);
    ns_attn_ref_free(&ref);
    head_free(&t);
}

Test(attention_reference, hand_derived_values)
{
    /* d = 1, scale 1: scores (0, ln 3) give P = (1/4, 3/4); v = (4, 8): O = 7,
     * LSE = ln 4.  q = 1, k = (0, ln 3) is not exact; use scale ln 3 and
     * k = (0, 1) instead. */
    double q[1] = { 1 }, k[2] = { 0, 1 }, v[2] = { 4, 8 };
    ns_head h = { .n_q = 1, .n_k = 2, .d = 1, .d_v = 1, .q = q, .k = k, .v = v, .scale = log(3.0),
                  .policy = ns_policy_find("fp32") };
    ns_attn_ref ref;
    cr_assert_eq(ns_attn_reference(&h, &ref), 0);
    /* log(3.0) is ln 3 rounded: P_1 = 3'/(1 + 3') with 3' = e^{log(3.0)} = 3(1 + t), |t| < 2^-53 */
    cr_expect(fabs(ref.o[0] - 7) <= 0x1p-49, "O = %a", ref.o[0]);
    cr_expect(fabs(ref.lse[0] - log(4.0)) <= 0x1p-51, "LSE = %a", ref.lse[0]);
    ns_attn_ref_free(&ref);
    /* an empty key set: O = 0, LSE = -inf (FlashAttention PR #978) */
    unsigned char keep[2] = { 0, 0 };
    h.keep = keep;
    cr_assert_eq(ns_attn_reference(&h, &ref), 0);
    cr_expect_eq(ref.o[0], 0);
    cr_expect_eq(ref.lse[0], -INFINITY);
    ns_attn_ref_free(&ref);
}

/* flash and textbook keep their contracts on the generators' heads. */
static void kernel_keeps(const char *kernel, const char *policy, const char *gen, double param, size_t n)
{
    const ns_kernel *k = ns_kernel_find(kernel);
    cr_assert(k);
    test_head t;
    head_make(&t, gen, param, n, 8, ns_test_seed(), policy);
    ns_attn_ref ref;
    ns_attn_out r;
    ns_attn_compare c;
    cr_assert_eq(ns_attn_reference(&t.h, &ref), 0);
    cr_assert_eq(ns_attn_out_alloc(&t.h, &r), 0);
    cr_assert_eq(ns_kernel_run(k, &t.h, &r), 0);
    cr_assert_eq(ns_attn_compare_head(k, &t.h, &r, &ref, &c), 0);
    cr_expect_eq(c.verdict, NS_ATTN_KEPT, "%s %s %s: %s (%s), bound ratio %g", kernel, policy, gen,
                 ns_attn_verdict_name(c.verdict), c.cause, c.bound_ratio);
    ns_attn_out_free(&r);
    ns_attn_ref_free(&ref);
    head_free(&t);
}

Test(attention_kernels, flash_and_textbook_keep_their_contracts_on_the_generators)
{
    const char *gens[] = { "head.normal", "head.large-norm", "head.outliers", "head.dominant" };
    const double params[] = { 1, 4, 20, 12 };
    const char *policies[] = { "fp16", "bf16", "fp16-io", "fp32", "fp64" };
    for (size_t g = 0; g < 4; g++)
        for (size_t p = 0; p < 5; p++) {
            kernel_keeps("textbook", policies[p], gens[g], params[g], g == 3 ? 48 : 12);
            kernel_keeps("flash", policies[p], gens[g], params[g], g == 3 ? 48 : 12);
        }
    kernel_keeps("flash-fp8", "in=e4m3,work=fp32,acc=fp32,p=e4m3+sat,out=bf16", "head.normal", 1, 12);
}

Test(attention_kernels, flash_in_fp64_is_within_a_few_ulps_of_the_reference)
{
    test_head t;
    head_make(&t, "head.normal", 1, 10, 8, ns_test_seed(), "fp64");
    const ns_kernel *k = ns_kernel_find("flash");
    ns_attn_ref ref;
    ns_attn_out r;
    cr_assert_eq(ns_attn_reference(&t.h, &ref), 0);
    cr_assert_eq(ns_attn_out_alloc(&t.h, &r), 0);
    cr_assert_eq(ns_kernel_run(k, &t.h, &r), 0);
    for (size_t i = 0; i < 80; i++)
        cr_expect(fabs(r.o[i] - ref.o[i]) <= 64 * 0x1p-53 * 4, "O[%zu] %a, reference %a", i, r.o[i], ref.o[i]);
    ns_attn_out_free(&r);
    ns_attn_ref_free(&ref);
    head_free(&t);
}

Test(attention_kernels, the_table_lists_the_three_kernels_in_order)
{
    const ns_kernel *const *k = ns_kernel_list();
    cr_assert(k[0] && k[1] && k[2]);
    cr_expect_str_eq(k[0]->name, "textbook");
    cr_expect_str_eq(k[1]->name, "flash");
    cr_expect_str_eq(k[2]->name, "flash-fp8");
    cr_expect(ns_kernel_find("flash")->has_lse);
    cr_expect(!ns_kernel_find("textbook")->has_lse);
    cr_expect_null(ns_kernel_find("flash-fp8")->backward);
}

/* The binary32 shortcuts of attention/ops.h compute what formats/arith.h
 * spells: random binary32 operands across the range, subnormals, overflow
 * and signed zeros, with and without fused multiply-adds. */
#include "../attention/ops.h"

static double random_float(ns_rng *r)
{
    switch (ns_rng_below(r, 6)) {
    case 0:
        return (float)ldexp(ns_rng_normal(r), -140);          /* subnormal */
    case 1:
        return (float)ldexp(ns_rng_normal(r), 126);           /* near overflow */
    case 2:
        return ns_rng_below(r, 2) ? 0.0 : -0.0;
    default:
        return (float)ldexp(ns_rng_normal(r), (int)ns_rng_below(r, 40) - 20);
    }
}

Test(attention_kernels, binary32_shortcuts_equal_the_rounded_arithmetic)
{
    ns_rng r;
    ns_rng_seed(&r, ns_test_seed());
    for (int fused = 0; fused < 2; fused++) {
        ns_head h = { .policy = ns_policy_find("fp32"), .fma = fused };
        for (int k = 0; k < 20000; k++) {
            double a = random_float(&r), b = random_float(&r), c = random_float(&r);
            double want = ns_attn_madd_generic(&ns_fp32, fused, a, b, c), got = ns_attn_madd(&h, a, b, c);
            cr_assert(ns_to_bits(got) == ns_to_bits(want), "madd(%a, %a, %a) fma %d: %a, arith %a", a, b, c,
                      fused, got, want);
            cr_assert(ns_to_bits(ns_attn_mul(&ns_fp32, a, b)) == ns_to_bits(ns_fp_mul(&ns_fp32, a, b)));
            cr_assert(ns_to_bits(ns_attn_sub(&ns_fp32, a, b)) == ns_to_bits(ns_fp_sub(&ns_fp32, a, b)));
        }
        double x[16], y[16], y2[16], dot = 0;
        for (int t = 0; t < 200; t++) {
            double alpha = random_float(&r);
            for (int i = 0; i < 16; i++) {
                x[i] = random_float(&r);
                y[i] = y2[i] = random_float(&r);
            }
            ns_attn_axpy(&h, true, alpha, x, y, 16);
            dot = 0;
            for (int i = 0; i < 16; i++) {
                y2[i] = ns_attn_madd_generic(&ns_fp32, fused, alpha, x[i], y2[i]);
                cr_assert(ns_to_bits(y[i]) == ns_to_bits(y2[i]), "axpy[%d]: %a, arith %a", i, y[i], y2[i]);
                dot = ns_attn_madd_generic(&ns_fp32, fused, x[i], y2[i], dot);
            }
            double got = ns_attn_dot(&h, x, 1, y2, 1, 16);
            cr_assert(ns_to_bits(got) == ns_to_bits(dot) || (isnan(got) && isnan(dot)), "dot: %a, arith %a", got, dot);
        }
    }
}

/* Another normalizer's attention, by hand: d = 1, scale 1, q = 1, keys 2
 * and 1 (scores 2 and 1), v = (3, 6).  relu.norm: P = (2/3, 1/3), O = 4;
 * sparsemax: 2 - 1 >= 1, so P = (1, 0) and O = 3.  The textbook kernel in
 * fp64 lands on them within an ulp or two. */
Test(attention_reference, other_normalizers_by_hand)
{
    double q[1] = { 1 }, k[2] = { 2, 1 }, v[2] = { 3, 6 };
    const char *names[2] = { "relu.norm", "sparsemax" };
    const double want[2] = { 4, 3 };
    for (int t = 0; t < 2; t++) {
        ns_head h = { .n_q = 1, .n_k = 2, .d = 1, .d_v = 1, .q = q, .k = k, .v = v, .scale = 1,
                      .policy = ns_policy_find("fp64"), .normalizer = names[t], .block_q = 1, .block_k = 1 };
        ns_attn_ref ref;
        cr_assert_eq(ns_attn_reference(&h, &ref), 0);
        cr_expect(ref.faithful);
        cr_expect_eq(ref.o[0], want[t], "%s: reference O %a", names[t], ref.o[0]);
        ns_attn_out r;
        cr_assert_eq(ns_attn_out_alloc(&h, &r), 0);
        cr_assert_eq(ns_kernel_run(ns_kernel_find("textbook"), &h, &r), 0);
        cr_expect(fabs(r.o[0] - want[t]) <= 2 * 0x1p-52 * want[t], "%s: kernel O %a", names[t], r.o[0]);
        ns_attn_out_free(&r);
        ns_attn_ref_free(&ref);
    }
}
