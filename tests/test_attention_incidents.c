/* The incidents of issue #16, each reproduced with the numbers of its
 * source, and each a claim that fails without the behaviour it describes. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../attention/compare.h"
#include "../attention/kernel.h"
#include "../attention/reference.h"
#include "testlib.h"

typedef struct run {
    ns_attn_out r;
    ns_attn_ref ref;
    ns_attn_compare c;
} run;

/* Kernel on h (inputs already in the policy's input format), its reference
 * and the comparison. */
static void run_head(const char *kernel, ns_head *h, run *x)
{
    const ns_kernel *k = ns_kernel_find(kernel);
    cr_assert(k, "kernel %s", kernel);
    if (!h->block_q)
        h->block_q = h->block_k = 64;
    cr_assert_eq(ns_attn_reference(h, &x->ref), 0);
    cr_assert_eq(ns_attn_out_alloc(h, &x->r), 0);
    cr_assert_eq(ns_kernel_run(k, h, &x->r), 0);
    cr_assert_eq(ns_attn_compare_head(k, h, &x->r, &x->ref, &x->c), 0);
}

static void run_free(run *x)
{
    ns_attn_out_free(&x->r);
    ns_attn_ref_free(&x->ref);
}

static bool any_nan(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isnan(v[i]))
            return true;
    return false;
}

/* PyTorch #119131: fp16 q with |q| max 576 and k with |k| max 382.75 (d =
 * 64, scale 1/8): q . k = 784,449 > 65504 overflows fp16 before the softmax,
 * inf - inf = NaN; bf16 holds it.  All entries are fp16 values: 576 * 382.75
 * * 3 + 576 * 213.625 + 9 * 1 = 784,449 exactly. */
static double q119131[64], k119131[2 * 64], v119131[2 * 2] = { 1, 2, 3, 4 };

static void head_119131(ns_head *h, const char *policy, double qscale)
{
    memset(q119131, 0, sizeof q119131);
    memset(k119131, 0, sizeof k119131);
    const double q[5] = { 576, 576, 576, 576, 9 }, k[5] = { 382.75, 382.75, 382.75, 213.625, 1 };
    for (int t = 0; t < 5; t++) {
        q119131[t] = q[t] * qscale;
        k119131[t] = k[t];
    }
    *h = (ns_head){ .n_q = 1, .n_k = 2, .d = 64, .d_v = 2, .q = q119131, .k = k119131, .v = v119131,
                    .scale = 0.125, .scale_exact = true, .policy = ns_policy_find(policy) };
}

Test(attention_incidents, pytorch_119131_fp16_scores_overflow_bf16_do_not)
{
    ns_head h;
    run x;
    head_119131(&h, "fp16", 1);
    run_head("textbook", &h, &x);
    cr_expect(any_nan(x.r.o, 2), "fp16 O: %a %a", x.r.o[0], x.r.o[1]);
    cr_expect(isinf(x.c.max_score), "the score overflowed: %g", x.c.max_score);
    cr_expect_eq(x.c.verdict, NS_ATTN_EXPECTED);
    cr_expect_str_eq(x.c.cause, "score overflow");
    cr_expect_eq(x.ref.max_score, 784449.0 / 8, "reference's largest score %.17g", x.ref.max_score);
    run_free(&x);
    head_119131(&h, "bf16", 1);
    run_head("textbook", &h, &x);
    cr_expect(!any_nan(x.r.o, 2), "bf16 O: %a %a", x.r.o[0], x.r.o[1]);
    cr_expect_eq(x.c.verdict, NS_ATTN_KEPT, "bf16: %s", x.c.cause);
    run_free(&x);
}

/* The same head: both outputs of the fp16 kernel are NaN, so no error is
 * a number of bits (as for a row in check): the worst bits over finite
 * outputs are NaN, the two NaN are counted, the normwise error is
 * infinite. */
Test(attention_incidents, pytorch_119131_nan_outputs_are_counted_never_scored_as_bits)
{
    ns_head h;
    run x;
    head_119131(&h, "fp16", 1);
    run_head("textbook", &h, &x);
    const ns_attn_err *o = &x.c.part[NS_ATTN_O];
    cr_expect(o->present);
    cr_expect_eq(o->nan, 2, "%zu NaN", o->nan);
    cr_expect(isnan(o->max_bits), "worst bits %g over no finite output", o->max_bits);
    cr_expect(isnan(o->mean_bits), "mean bits %g over no finite output", o->mean_bits);
    cr_expect(isinf(o->normwise), "normwise %g", o->normwise);
    run_free(&x);
}

/* metal-flash-attention #8: the scale applied to q divides the peak by
 * sqrt(d) before it is formed, saving every row with |q . k| / sqrt(d) <
 * 65504 -- not #119131's own (784,449 / 8 = 98,056 > 65504). */
Test(attention_incidents, scale_on_q_saves_rows_below_65504_after_scaling_only)
{
    ns_head h;
    run x;
    head_119131(&h, "fp16", 1);
    h.scale_on = NS_SCALE_ON_Q;
    run_head("textbook", &h, &x);
    cr_expect(any_nan(x.r.o, 2), "784,449 / 8 > 65504 still overflows: %a", x.r.o[0]);
    run_free(&x);
    /* q halved: q . k = 392,224.5 overflows on the scores, 49,028.06 after the scale does not */
    head_119131(&h, "fp16", 0.5);
    run_head("textbook", &h, &x);
    cr_expect(any_nan(x.r.o, 2), "scale on scores: %a", x.r.o[0]);
    run_free(&x);
    h.scale_on = NS_SCALE_ON_Q;
    run_head("textbook", &h, &x);
    cr_expect(!any_nan(x.r.o, 2), "scale on q: %a %a", x.r.o[0], x.r.o[1]);
    cr_expect_eq(x.c.verdict, NS_ATTN_KEPT, "scale on q: %s", x.c.cause);
    run_free(&x);
}

/* Fully masked rows: -inf masks give NaN (PyTorch #103749, #41508);
 * finfo.min masks uniform weights over the masked keys (PyTorch #110213,
 * #109517); a safe softmax (PyTorch's _safe_softmax, FlashAttention's
 * Check_inf) zeros, the reference's convention (SPEC section 3). */
static double qm[2] = { 1, 2 }, km[2] = { 1, 3 }, vm[2] = { 10, 30 };
static unsigned char keep_none[2] = { 0, 0 };

static ns_head masked_head(ns_mask_style style)
{
    return (ns_head){ .n_q = 1, .n_k = 2, .d = 1, .d_v = 1, .q = qm, .k = km, .v = vm, .keep = keep_none,
                      .mask_style = style, .scale = 1, .policy = ns_policy_find("fp32") };
}

Test(attention_incidents, fully_masked_rows_nan_uniform_or_zeros)
{
    run x;
    ns_head h = masked_head(NS_MASK_INF);
    run_head("textbook", &h, &x);
    cr_expect(isnan(x.r.o[0]), "-inf mask, textbook: %a (PyTorch #103749)", x.r.o[0]);
    cr_expect_eq(x.ref.o[0], 0);
    cr_expect_str_eq(x.c.cause, "fully masked row");
    cr_expect_eq(x.c.verdict, NS_ATTN_EXPECTED);
    run_free(&x);
    h = masked_head(NS_MASK_MIN);
    run_head("textbook", &h, &x);
    cr_expect_eq(x.r.o[0], 20, "finfo.min mask: the mean of v, %a (PyTorch #110213)", x.r.o[0]);
    cr_expect_str_eq(x.c.cause, "finite mask leak");
    run_free(&x);
    h = masked_head(NS_MASK_INF);
    run_head("flash", &h, &x);
    cr_expect_eq(x.r.o[0], 0, "flash's Check_inf: zeros, %a", x.r.o[0]);
    cr_expect_eq(x.r.lse[0], -INFINITY);
    cr_expect_eq(x.c.verdict, NS_ATTN_KEPT);
    run_free(&x);
}

/* ohdearquant/lattice #373: mask value -10000 added to the scores; q =
 * -20000, keys 1 and 0, v = (1, 100), key 0 alone kept: scores -20000 and
 * 0 - 10000, so the masked key wins and O = 100 instead of 1. */
Test(attention_incidents, lattice_373_a_finite_sentinel_leaks)
{
    double q[1] = { -20000 }, k[2] = { 1, 0 }, v[2] = { 1, 100 };
    unsigned char keep[2] = { 1, 0 };
    ns_head h = { .n_q = 1, .n_k = 2, .d = 1, .d_v = 1, .q = q, .k = k, .v = v, .keep = keep,
                  .mask_style = NS_MASK_VALUE, .mask_value = -10000, .scale = 1,
                  .policy = ns_policy_find("fp32") };
    run x;
    run_head("textbook", &h, &x);
    cr_expect_eq(x.r.o[0], 100, "O %a", x.r.o[0]);
    cr_expect_eq(x.ref.o[0], 1);
    cr_expect(x.c.broken & NS_ATTN_BROKE_ERROR);
    cr_expect_str_eq(x.c.cause, "finite mask leak");
    run_free(&x);
    h.mask_style = NS_MASK_INF;
    run_head("textbook", &h, &x);
    cr_expect_eq(x.r.o[0], 1, "-inf mask: O %a", x.r.o[0]);
    run_free(&x);
}

/* AMD aotriton #54: bf16 inputs of 133120; the row max from the plain
 * product, the exponent fused: q k . scale_log2 - m is the product's
 * rounding error, not 0, and exp2 overflows fp32.  With d = 1 that error is
 * exactly 989.5 (computed here by exact arithmetic: s = 133120^2 = 2^22 *
 * 4225 is an fp32 value, scale_log2 = fp32(log2 e)). */
Test(attention_incidents, aotriton_54_fused_and_unfused_paths_disagree)
{
    double q[1] = { 133120 }, k[2] = { 133120, 0 }, v[2] = { 1, 2 };
    ns_head h = { .n_q = 1, .n_k = 2, .d = 1, .d_v = 1, .q = q, .k = k, .v = v, .scale = 1, .scale_exact = true,
                  .policy = ns_policy_find("in=bf16,work=fp32,acc=fp32,out=bf16"), .fma = true };
    double s = 133120.0 * 133120.0, sl2 = ns_round(&ns_fp32, 0x1.71547652b82fep+0);
    double m = ns_round(&ns_fp32, s * sl2);
    cr_assert_eq(fma(s, sl2, -m), 989.5, "the mismatch of the fused path: %a", fma(s, sl2, -m));
    run x;
    run_head("flash", &h, &x);
    cr_expect(!isfinite(x.r.o[0]), "fused: O %a", x.r.o[0]);
    cr_expect_str_eq(x.c.cause, "fma mismatch");
    cr_expect_eq(x.c.verdict, NS_ATTN_EXPECTED);
    run_free(&x);
    h.fma = false;
    run_head("flash", &h, &x);
    cr_expect_eq(x.r.o[0], 1, "unfused: O %a", x.r.o[0]);
    cr_expect_eq(x.c.verdict, NS_ATTN_KEPT);
    run_free(&x);
}

/* FlashAttention #2716: P = exp2(s . scale - m + 8) lies in (0, 256]; once
 * it grows to 4096 (a stale maximum; here --p-offset 12) e4m3's satfinite
 * clips it to 448 while the row sum keeps it, and E4M3 comes out worse
 * than E5M2, which has the range.  Within 256, E4M3's extra bit wins. */
static double fp8_error(const char *p, double offset)
{
    double q[8 * 8], k[8 * 8], v[8 * 8];
    ns_rng r;
    ns_rng_seed(&r, ns_test_seed());
    char policy[96];
    snprintf(policy, sizeof policy, "in=e4m3,work=fp32,acc=fp32,p=%s,out=fp32", p);
    const ns_policy *pol = ns_policy_find(policy);
    for (int i = 0; i < 64; i++) {
        q[i] = ns_round(pol->io, ns_rng_normal(&r));
        k[i] = ns_round(pol->io, ns_rng_normal(&r));
        v[i] = ns_round(pol->io, ns_rng_normal(&r));
    }
    ns_head h = { .n_q = 8, .n_k = 8, .d = 8, .d_v = 8, .q = q, .k = k, .v = v, .scale = 1 / sqrt(8.0),
                  .scale_exact = true, .policy = pol, .p_offset = offset };
    run x;
    run_head("flash-fp8", &h, &x);
    double e = x.c.part[NS_ATTN_O].normwise;
    if (offset > 9) {
        cr_expect(x.r.max_p > 448, "P grows past 448: %g", x.r.max_p);
        if (strcmp(p, "e4m3+sat") == 0)
            cr_expect_str_eq(x.c.cause, "fp8 P clipping");
    }
    run_free(&x);
    return e;
}

Test(attention_incidents, flashattention_2716_e4m3_p_clipping_worse_than_e5m2)
{
    double e4 = fp8_error("e4m3+sat", 12), e5 = fp8_error("e5m2", 12);
    cr_expect_gt(e4, e5, "P up to 4096: E4M3 %g, E5M2 %g", e4, e5);
    e4 = fp8_error("e4m3+sat", 8);
    e5 = fp8_error("e5m2", 8);
    cr_expect_lt(e4, e5, "P within 256: E4M3 %g, E5M2 %g", e4, e5);
}

/* FlashAttention PR #978: a query with no keys had LSE = +inf where the
 * mathematical value is -inf.  flash gives -inf; +inf breaks the promise. */
Test(attention_incidents, flashattention_978_empty_key_set_lse_is_minus_inf)
{
    ns_head h = masked_head(NS_MASK_INF);
    run x;
    run_head("flash", &h, &x);
    cr_expect_eq(x.r.lse[0], -INFINITY);
    cr_expect_eq(x.ref.lse[0], -INFINITY);
    cr_expect_eq(x.c.broken & NS_ATTN_BROKE_LSE, 0u);
    x.r.lse[0] = INFINITY;   /* the kernel before the fix */
    ns_attn_compare c;
    cr_assert_eq(ns_attn_compare_head(ns_kernel_find("flash"), &h, &x.r, &x.ref, &c), 0);
    cr_expect(c.broken & NS_ATTN_BROKE_LSE);
    cr_expect_eq(c.verdict, NS_ATTN_BROKEN);
    run_free(&x);
}

/* FlashAttention PR #2421: zero-length blocks left accumulators unset.  A
 * block larger than the keys, and a last block shorter than the others,
 * still give every row its keys: the same O as one key per block, within
 * the contract. */
Test(attention_incidents, flashattention_2421_partial_and_oversized_blocks)
{
    double q[3] = { 0.5, -1, 2 }, k[5] = { 1, 2, -1, 0.25, 3 }, v[5] = { 1, 2, 3, 4, 5 };
    size_t blocks[3] = { 1, 2, 64 };
    double o[3][3];
    for (int b = 0; b < 3; b++) {
        ns_head h = { .n_q = 3, .n_k = 5, .d = 1, .d_v = 1, .q = q, .k = k, .v = v, .scale = 1,
                      .policy = ns_policy_find("fp64"), .block_q = 2, .block_k = blocks[b] };
        run x;
        run_head("flash", &h, &x);
        cr_expect_eq(x.c.verdict, NS_ATTN_KEPT, "block %zu", blocks[b]);
        for (int i = 0; i < 3; i++)
            o[b][i] = x.r.o[i];
        run_free(&x);
    }
    for (int i = 0; i < 3; i++) {
        cr_expect(fabs(o[1][i] - o[0][i]) <= 0x1p-48 * fabs(o[0][i]), "row %d: %a, %a", i, o[1][i], o[0][i]);
        cr_expect(fabs(o[2][i] - o[0][i]) <= 0x1p-48 * fabs(o[0][i]), "row %d: %a, %a", i, o[2][i], o[0][i]);
    }
}
