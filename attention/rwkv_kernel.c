/* The RWKV-4 kernels (attention/rwkv.h) in the kernel table
 * (attention/kernel.h): k, v are T x C (n_q = n_k = T, d = d_v = C), w
 * and u have C entries; the backward pass fills dk, dv, dw and du. */
#include "kernel.h"
#include "rwkv.h"

static ns_rwkv_input input_of(const ns_head *h)
{
    return (ns_rwkv_input){ .T = h->n_q, .C = h->d, .w = h->w, .u = h->u, .k = h->k, .v = h->v };
}

/* A head without w and u is not an RWKV head: refused, not read. */
static int forward(ns_rwkv_kind kind, const ns_head *h, ns_attn_out *r)
{
    if (!h->w || !h->u)
        return -1;
    ns_rwkv_input in = input_of(h);
    return ns_rwkv_run(kind, h->policy, &in, NULL, r->o, NULL, &r->probe);
}

/* Recomputes the forward pass (the published kernels do the same). */
static int backward(ns_rwkv_kind kind, const ns_head *h, ns_attn_out *r)
{
    if (!h->w || !h->u || !r->dw || !r->du)
        return -1;
    ns_rwkv_input in = input_of(h);
    ns_rwkv_grads g = { .w = r->dw, .u = r->du, .k = r->dk, .v = r->dv };
    return ns_rwkv_run(kind, h->policy, &in, h->dout, r->o, &g, NULL);
}

static int naive_forward(const ns_head *h, ns_attn_out *r) { return forward(NS_RWKV_NAIVE, h, r); }
static int naive_backward(const ns_head *h, ns_attn_out *r) { return backward(NS_RWKV_NAIVE, h, r); }
static int stable_forward(const ns_head *h, ns_attn_out *r) { return forward(NS_RWKV_STABLE, h, r); }
static int stable_backward(const ns_head *h, ns_attn_out *r) { return backward(NS_RWKV_STABLE, h, r); }

#define RWKV_PROMISES "no NaN or inf where the reference is finite; wkv within " \
    "2 (3 (K + 8) u_work + (T' + 4) u_acc) max|v| + u_out |wkv*|, K the largest " \
    "|u + k| and |k| (plus -w (T - 1) when w < 0), T' = min(T, 1 + 1/(1 - e^-w)) the tokens a sum remembers, T' u_acc taken at most 1/16"

#define RWKV_HAZARD_STATE_SATURATION \
    { "state saturation", "with little decay b counts the tokens and stops at 2^p " \
                          "(2048 in fp16, 256 in bf16): later tokens stop counting (issue 17)" }

static const ns_attn_hazard naive_hazards[] = {
    { "exp overflow", "e^k overflows fp16 once k > 11.09 and fp32 once k > 88.72; "
                      "RWKV-LM clamped k at 60 (RWKV_K_CLAMP); tensorpro/tpu_rwkv issue 1" },
    RWKV_HAZARD_STATE_SATURATION,
    { NULL, NULL },
};

static const ns_attn_hazard stable_hazards[] = {
    RWKV_HAZARD_STATE_SATURATION,
    { NULL, NULL },
};

/* What the two RWKV-4 kernels have in common. */
#define RWKV_KERNEL_FIELDS \
    .inputs = NS_ATTN_IN_W | NS_ATTN_IN_U | NS_ATTN_IN_K | NS_ATTN_IN_V, \
    .function = "rwkv4 wkv", .default_policy = "fp32", .promises = RWKV_PROMISES

const ns_kernel ns_kernel_rwkv4_naive = {
    .name = "rwkv4.naive", .order = 50,
    .summary = "RWKV-4 WKV by its definition: a, b hold e^k sums as they are",
    RWKV_KERNEL_FIELDS,
    .forward = naive_forward, .backward = naive_backward,
    .hazards = naive_hazards,
};

const ns_kernel ns_kernel_rwkv4_stable = {
    .name = "rwkv4.stable", .order = 51,
    .summary = "RWKV-4 WKV with the running-maximum state (p, a, b) of BlinkDL/RWKV-LM wkv_cuda.cu",
    RWKV_KERNEL_FIELDS,
    .forward = stable_forward, .backward = stable_backward,
    .hazards = stable_hazards,
};
