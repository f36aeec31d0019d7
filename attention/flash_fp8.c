/* The flash-fp8 kernel: FlashAttention-3's FP8 forward pass (Shah et al.,
 * "FlashAttention-3", 2024; hopper/softmax.h, Max_offset = 8).  Q, K, V
 * are held in e4m3 with one scale per tensor, scores and the softmax run in
 * the policy's fp32 parts, and P, which peaks at 2^8 = 256 after the
 * max_offset, is converted to the policy's p (e4m3+sat) before P V, while
 * the row sum keeps the unconverted P.  O leaves in the policy's out.
 *
 * The per-tensor scale here is a power of two, 2^ceil(log2(amax / 448)):
 * a tensor already in e4m3 is then held exactly (but for values pushed
 * below e4m3's subnormals), so what the analysis measures is the kernel,
 * not a re-quantization.  FlashAttention-3 has no FP8 backward pass, and
 * neither has this kernel. */
#include "flash.h"

#include <math.h>
#include <stdlib.h>

#include "ops.h"

/* The power-of-two scale of a tensor of n values for e4m3. */
static double tensor_scale(const double *x, size_t n)
{
    double amax = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(x[i]) > amax)
            amax = fabs(x[i]);
    if (!(amax > 0) || !isfinite(amax))
        return 1;
    int e;
    frexp(amax / ns_e4m3.max_finite, &e);   /* amax / 448 in [2^(e-1), 2^e) */
    double s = ldexp(1, e);
    return amax / s * 2 <= ns_e4m3.max_finite ? s / 2 : s;
}

/* x / scale rounded into e4m3+sat, into out. */
static void quantize(const double *x, size_t n, double scale, double *out)
{
    const ns_format *f8 = ns_format_find("e4m3+sat");
    for (size_t i = 0; i < n; i++)
        out[i] = ns_round(f8, x[i] / scale);
}

static int forward(const ns_head *h, ns_attn_out *r)
{
    size_t nq = h->n_q * h->d, nk = h->n_k * h->d, nv = h->n_k * h->d_v;
    double *q8 = malloc((nq + 1) * sizeof *q8), *k8 = malloc((nk + 1) * sizeof *k8);
    double *v8 = malloc((nv + 1) * sizeof *v8);
    if (!q8 || !k8 || !v8) {
        free(q8);
        free(k8);
        free(v8);
        return -1;
    }
    double sq = tensor_scale(h->q, nq), sk = tensor_scale(h->k, nk), sv = tensor_scale(h->v, nv);
    quantize(h->q, nq, sq, q8);
    quantize(h->k, nk, sk, k8);
    quantize(h->v, nv, sv, v8);
    ns_flash_in in = { .q = q8, .k = k8, .v = v8, .score_scale = h->scale * sq * sk,
                       .v_scale = sv, .offset = h->p_offset, .p = h->policy->p };
    int rc = ns_flash_forward(h, &in, r);
    free(q8);
    free(k8);
    free(v8);
    return rc;
}

static const ns_attn_hazard hazards[] = {
    { "score overflow", "q . k beyond fp32's range" },
    { "fp8 P clipping", "P above 448 (a stale maximum, or --p-offset beyond 8) is clipped by "
                        "e4m3's satfinite while the row sum keeps it: E4M3 worse than E5M2 "
                        "(FlashAttention #2716)" },
    { "fp8 inputs", "Q, K, V held in e4m3 with one power-of-two scale per tensor: small "
                    "entries of a tensor with a large one lose their bits" },
    NS_ATTN_HAZARD_FINITE_MASK_LEAK,
    { NULL, NULL },
};

const ns_kernel ns_kernel_flash_fp8 = {
    .name = "flash-fp8", .order = 30,
    .summary = "FlashAttention-3 FP8: e4m3 Q, K, V with per-tensor scales, fp32 softmax, P to "
               "e4m3+sat (peak 2^8) before P V; forward only",
    NS_ATTN_SOFTMAX_FIELDS,
    .has_lse = true,
    .default_policy = "in=e4m3,work=fp32,acc=fp32,p=e4m3+sat,out=bf16",
    .held = "e4m3",
    .forward = forward, .backward = NULL,
    .promises = "no NaN or inf where the reference is finite; O within the first-order bound "
                "of e4m3 weights and fp32 sums",
    .hazards = hazards,
};
