/* The linear attention kernels (attention/linear.h) in the kernel table
 * (attention/kernel.h); the backward pass fills dq, dk, dv from the
 * forward's stored O (attention/linear_backward.c). */
#include "kernel.h"
#include "linear.h"

static ns_linear_input input_of(const ns_head *h)
{
    int f = ns_feature_find(h->feature ? h->feature : "elu1");
    return (ns_linear_input){ .n_q = h->n_q, .n_k = h->n_k, .d = h->d, .d_v = h->d_v,
                              .q = h->q, .k = h->k, .v = h->v,
                              .feature = f < 0 ? NS_FEATURE_ELU1 : (ns_feature)f,
                              .chunk = h->chunk ? h->chunk : 1 };
}

static int forward(ns_linear_kind kind, const ns_head *h, ns_attn_out *r)
{
    ns_linear_input in = input_of(h);
    return ns_linear_run(kind, h->policy, &in, r->o, &r->probe) == 0 ? 0 : -1;
}

static int backward(ns_linear_kind kind, const ns_head *h, ns_attn_out *r)
{
    ns_linear_input in = input_of(h);
    return ns_linear_backward(kind, h->policy, &in, r->o, h->dout, r->dq, r->dk, r->dv) == 0 ? 0 : -1;
}

static int linear_forward(const ns_head *h, ns_attn_out *r) { return forward(NS_LINEAR, h, r); }
static int linear_backward(const ns_head *h, ns_attn_out *r) { return backward(NS_LINEAR, h, r); }
static int causal_backward(const ns_head *h, ns_attn_out *r) { return backward(NS_LINEAR_CAUSAL, h, r); }
static int causal_forward(const ns_head *h, ns_attn_out *r) { return forward(NS_LINEAR_CAUSAL, h, r); }
static int chunked_forward(const ns_head *h, ns_attn_out *r) { return forward(NS_LINEAR_CHUNKED, h, r); }

/* The hazards every linear kernel shares (causes: attention/recurrent.h). */
static const ns_attn_hazard linear_hazards[] = {
    { "zero denominator", "relu features of q and of every key never meet: 0/0 (issue 17)" },
    { "denominator underflow", "features so small that phi(q).z underflows to 0: 0/0 "
                               "(issue 17: elu + 1 is positive but can underflow)" },
    { "cancellation", "identity features: phi(q).z changes sign and crosses 0 (issue 17's seed)" },
    { "sum overflow", "a sum (the key sum z, the state S, a dot product) overflows a 16-bit "
                      "format over a long sequence (idiap/fast-transformers issue 32)" },
    { "state saturation", "a running sum stops growing once half its ulp exceeds a term: "
                          "fp16 adds 1 to 2048 no more (issue 17)" },
    { NULL, NULL },
};

#define LINEAR_PROMISES "no NaN or inf where the reference is finite; O within " \
    "2 g k (max|v| + |O*|) + u_out |O*|, g = (d + n + 4) u_acc + 3 u_work + 2 u_tot (+ 2 u_work / phi_min for elu1), " \
    "k = sum|a| / |sum a| the denominator's condition, g k taken at most 1/16"

/* What the three linear kernels have in common. */
#define LINEAR_KERNEL_FIELDS \
    .inputs = NS_ATTN_IN_Q | NS_ATTN_IN_K | NS_ATTN_IN_V, .default_policy = "fp32", \
    .promises = LINEAR_PROMISES, .hazards = linear_hazards

const ns_kernel ns_kernel_linear = {
    .name = "linear", .order = 40,
    .summary = "linear attention phi(q)^T S / phi(q)^T z over all keys, --feature elu1|relu|identity",
    .function = "linear attention",
    .forward = linear_forward, .backward = linear_backward,
    LINEAR_KERNEL_FIELDS,
};

const ns_kernel ns_kernel_linear_causal = {
    .name = "linear.causal", .order = 41,
    .summary = "causal linear attention as the recurrence S_t = S_{t-1} + phi(k_t) v_t^T, z_t = z_{t-1} + phi(k_t)",
    .function = "causal linear attention",
    .forward = causal_forward, .backward = causal_backward,
    LINEAR_KERNEL_FIELDS,
};

const ns_kernel ns_kernel_linear_chunked = {
    .name = "linear.chunked", .order = 42,
    .summary = "causal linear attention in chunks of --chunk C: quadratic inside, state across",
    .function = "causal linear attention",
    /* the backward is the causal recurrence's (linear.h) */
    .forward = chunked_forward, .backward = causal_backward,
    LINEAR_KERNEL_FIELDS,
};
