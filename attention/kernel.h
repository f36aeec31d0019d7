/* Attention kernels: a whole head, forward and backward, as a kernel
 * computes it (SPEC section 7).
 *
 * A head holds its tensors already rounded into the policy's input format
 * (the reference is evaluated at those rounded values: the rounding of the
 * inputs is not charged to the kernel) and the options every kernel reads:
 * the mask and how masked scores are written, the scale and where it is
 * applied, fused multiply-adds, block sizes, the policy.  A kernel is an
 * entry of a table (ns_kernel) that other kernel families join by defining
 *     const ns_kernel ns_kernel_NAME = { ... };
 * in a file of attention/: the build finds it (mk/gen-list.sh) and lists it
 * by .order.  Kernels with other inputs (RWKV reads w, u, k, v) say so in
 * .inputs and read the fields they need.
 *
 * Every operation of a kernel goes through the policy's rounded arithmetic
 * (formats/arith.h): elementwise operations in work, running sums and dot
 * products in acc, finished reductions stored in tot, attention weights
 * stored in p before P.V, outputs and gradients stored in out. */
#ifndef NS_ATTENTION_KERNEL_H
#define NS_ATTENTION_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "../formats/policy.h"

/* How a masked score is written (--mask-value). */
typedef enum {
    NS_MASK_INF,      /* -inf */
    NS_MASK_MIN,      /* the most negative finite value of the score's format */
    NS_MASK_VALUE,    /* a finite bias added to the score (a sentinel such as -10000) */
} ns_mask_style;

/* Where the scale is applied (--scale-on). */
typedef enum {
    NS_SCALE_ON_SCORES,   /* scale . (q . k) */
    NS_SCALE_ON_Q,        /* (scale . q) . k: the peak of q . k divided before it is formed */
} ns_scale_on;

/* The tensors a kernel reads (ns_kernel.inputs). */
enum {
    NS_ATTN_IN_Q = 1u << 0, NS_ATTN_IN_K = 1u << 1, NS_ATTN_IN_V = 1u << 2,
    NS_ATTN_IN_W = 1u << 3, NS_ATTN_IN_U = 1u << 4,
};

/* Upper limits on shapes: a head of more is refused before anything is
 * allocated for it (2^16 tokens, 2^12 channels). */
#define NS_ATTN_MAX_N ((size_t)1 << 16)
#define NS_ATTN_MAX_D ((size_t)1 << 12)

typedef struct ns_head {
    size_t n_q, n_k, d, d_v;
    /* Row-major, in the policy's input format: q n_q x d, k n_k x d,
     * v n_k x d_v.  RWKV: k, v are T x C (n_k = n_q = T, d = d_v = C) and
     * w, u have C entries; NULL for the kernels that do not read them. */
    const double *q, *k, *v, *w, *u;
    const double *dout;             /* n_q x d_v upstream gradient of O; NULL: forward only */
    const unsigned char *keep;      /* n_q x n_k, 1 keeps key j for query i; NULL: all kept */
    ns_mask_style mask_style;
    double mask_value;              /* NS_MASK_VALUE: the bias added to masked scores */
    /* The scale as binary64: 1/sqrt(d) rounded to binary64 when scale_exact
     * (the reference then uses the exact 1/sqrt(d)), else the value given,
     * which the reference uses as it is.  A kernel rounds it into its format. */
    double scale;
    bool scale_exact;
    ns_scale_on scale_on;
    bool fma;                       /* each multiply-add of a dot product one fused op in acc */
    size_t block_q, block_k;        /* tiles of the tiled kernels (>= 1) */
    double p_offset;                /* flash-fp8: log2 of P's peak (FlashAttention-3: 8) */
    const ns_policy *policy;        /* never "ref" */
    const char *normalizer;         /* textbook: the catalogue algorithm */
    /* linear kernels (attention/linear.h): the feature map (--feature,
     * "elu1" when NULL) and linear.chunked's tokens per chunk (--chunk) */
    const char *feature;
    size_t chunk;
} ns_head;

/* What a kernel computes, and what the analysis sees on the way. */
typedef struct ns_attn_out {
    double *o;                      /* n_q x d_v */
    double *lse;                    /* n_q: log sum_j e^{s_ij} (natural log), when has_lse */
    double *dq, *dk, *dv;           /* n_q x d, n_k x d, n_k x d_v: when the head has dout */
    double *dw, *du;                /* RWKV (h->w): C each, when the head has dout */
    ns_probe probe;                 /* every denominator (row sums) */
    double max_score;               /* largest |score| the kernel formed (inf when one overflowed) */
    double max_p;                   /* largest attention weight before it was stored in p */
} ns_attn_out;

/* A hazard a kernel declares: a known failure inside its domain. */
typedef struct ns_attn_hazard {
    const char *cause;              /* ns_attn_cause_name(): "score overflow", ... */
    const char *why;                /* one line for the reader, with its source */
} ns_attn_hazard;

/* Hazards several kernels declare in the same words. */
#define NS_ATTN_HAZARD_GRADIENT_OVERFLOW \
    { "gradient overflow", "dS K, dS^T Q or P^T dO beyond the accumulator's range (fp16: keys or " \
                           "queries near 65504 times gradients of order 1): inf - inf = NaN" }
#define NS_ATTN_HAZARD_FINITE_MASK_LEAK \
    { "finite mask leak", "a finite mask value is a score like any other (ohdearquant/lattice #373)" }

/* The fields of a kernel of softmax attention of Q, K and V: the function
 * whose one reference (attention/reference.c) every such kernel shares. */
#define NS_ATTN_SOFTMAX_FIELDS \
    .inputs = NS_ATTN_IN_Q | NS_ATTN_IN_K | NS_ATTN_IN_V, .function = "softmax attention"

typedef struct ns_kernel {
    const char *name;               /* "flash" */
    const char *summary;            /* one line for `normstab attention --help` */
    int order;                      /* position in the listing */
    unsigned inputs;                /* NS_ATTN_IN_* */
    const char *function;           /* the function computed; kernels of one function
                                       share one reference ("softmax attention") */
    bool has_lse;
    const char *default_policy;     /* when -p is not given */
    const char *held;               /* the format Q, K, V are held in when the kernel
                                       narrows them (flash-fp8: "e4m3"); NULL */
    /* O (and lse) from the head; 0, or -1 when out of memory (RWKV: or
     * when the head has no w, u). */
    int (*forward)(const ns_head *h, ns_attn_out *r);
    /* dq, dk, dv from the head and the forward's r->o, r->lse (what the
     * kernel saved); NULL for a forward-only kernel. */
    int (*backward)(const ns_head *h, ns_attn_out *r);
    const char *promises;           /* what it promises, one line */
    const ns_attn_hazard *hazards;  /* terminated by cause NULL */
} ns_kernel;

/* Every kernel, by .order; NULL-terminated. */
const ns_kernel *const *ns_kernel_list(void);
const ns_kernel *ns_kernel_find(const char *name);

/* The arrays of a head's results, zeroed: o (n_q x d_v), lse (n_q) and,
 * when h->dout, dq, dk, dv; 0, or -1 when out of memory (then none is
 * left allocated).  ns_attn_arrays_free frees what is not NULL. */
int ns_attn_arrays_alloc(const ns_head *h, double **o, double **lse, double **dq, double **dk, double **dv);
void ns_attn_arrays_free(double *o, double *lse, double *dq, double *dk, double *dv);

/* Results of a head: arrays for o, lse and (when h->dout) the gradients;
 * 0, or -1 when out of memory (nothing left allocated). */
int ns_attn_out_alloc(const ns_head *h, ns_attn_out *r);
void ns_attn_out_free(ns_attn_out *r);
void ns_attn_out_reset(ns_attn_out *r);   /* probe, max_score, max_p */

/* Runs the kernel forward and, when h->dout and it has one, backward. */
int ns_kernel_run(const ns_kernel *k, const ns_head *h, ns_attn_out *r);

/* Whether key j is kept for query i. */
static inline bool ns_head_keeps(const ns_head *h, size_t i, size_t j)
{
    return h->keep == NULL || h->keep[i * h->n_k + j] != 0;
}

#endif
