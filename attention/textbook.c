/* The textbook kernel: S = scale . Q K^T materialized, masked, P =
 * normalizer(S) row by row, P stored in the policy's p, O = P V; the
 * backward pass through the normalizer's own backward (SPEC section 7).
 * This is attention as `torch.nn.functional.scaled_dot_product_attention`'s
 * math backend writes it: every intermediate a tensor of the working dtype. */
#include "kernel.h"

#include <math.h>
#include <stdlib.h>

#include "../normalizers/catalogue.h"
#include "ops.h"

/* Scratch of one head: a row of scores, weights, upstream gradients and
 * their gradient, the scaled query, a staging row. */
typedef struct scratch {
    ns_job job;
    double *s, *p, *g, *ds, *qs, *stage, *pv;
} scratch;

static void scratch_free(scratch *w)
{
    ns_job_free(&w->job);
    free(w->s);
    free(w->p);
    free(w->g);
    free(w->ds);
    free(w->qs);
    free(w->stage);
    free(w->pv);
}

static int scratch_init(const ns_head *h, scratch *w)
{
    *w = (scratch){ 0 };
    size_t n = h->n_k, wide = h->n_k > h->d ? h->n_k : h->d;
    if (wide < h->d_v)
        wide = h->d_v;
    if (ns_job_init(&w->job, h->normalizer ? h->normalizer : "softmax.shifted", h->policy, NS_SUM_SEQ) != 0)
        return -1;
    w->s = malloc(n * sizeof *w->s);
    w->p = malloc(h->n_q * n * sizeof *w->p);
    w->g = malloc(n * sizeof *w->g);
    w->ds = malloc(h->n_q * n * sizeof *w->ds);
    w->qs = malloc(h->d * sizeof *w->qs);
    w->stage = malloc(wide * sizeof *w->stage);
    w->pv = malloc(wide * sizeof *w->pv);
    if (!w->s || !w->p || !w->g || !w->ds || !w->qs || !w->stage || !w->pv) {
        scratch_free(w);
        return -1;
    }
    return 0;
}

/* Row i of S: scale . (q_i . k_j) (or (scale q_i) . k_j), masked. */
static void scores(const ns_head *h, size_t i, scratch *w, ns_attn_out *r)
{
    const ns_format *sf = ns_attn_score_format(h);
    double scale = ns_attn_scale(h);
    const double *q = ns_attn_query(h, i, scale, w->qs);
    for (size_t j = 0; j < h->n_k; j++) {
        double s = ns_attn_dot(h, q, 1, h->k + j * h->d, 1, h->d);
        if (h->scale_on == NS_SCALE_ON_SCORES)
            s = ns_fp_mul(h->policy->elem, s, scale);
        if (fabs(s) > r->max_score || isnan(s))
            r->max_score = isnan(s) ? INFINITY : fabs(s);
        w->s[j] = ns_head_keeps(h, i, j) ? s : ns_attn_masked(h, sf, s, h->mask_value);
    }
}

/* Every row of P, stored in p; the normalizer's outputs are stored in out
 * first (it is a kernel of its own) and then in p. */
static int weights(const ns_head *h, scratch *w, ns_attn_out *r)
{
    for (size_t i = 0; i < h->n_q; i++) {
        double *p = w->p + i * h->n_k;
        scores(h, i, w, r);
        if (ns_job_forward(&w->job, w->s, p, h->n_k, &r->probe) != 0)
            return -1;
        for (size_t j = 0; j < h->n_k; j++) {
            if (fabs(p[j]) > r->max_p)
                r->max_p = fabs(p[j]);
            p[j] = ns_round(h->policy->p, p[j]);
        }
    }
    return 0;
}

static int forward(const ns_head *h, ns_attn_out *r)
{
    scratch w;
    if (scratch_init(h, &w) != 0 || weights(h, &w, r) != 0) {
        scratch_free(&w);
        return -1;
    }
    for (size_t i = 0; i < h->n_q; i++) {
        double *o = r->o + i * h->d_v;
        for (size_t c = 0; c < h->d_v; c++)
            o[c] = ns_attn_dot(h, w.p + i * h->n_k, 1, h->v + c, h->d_v, h->n_k);
        ns_attn_store(h, o, w.stage, h->d_v);
    }
    scratch_free(&w);
    return 0;
}

/* dV = P^T dO, dP = dO V^T, dS = the normalizer's backward at (S, P, dP),
 * dQ = scale dS K, dK = scale dS^T Q (Q scaled already under --scale-on q,
 * then dK = dS^T (scale Q)).  S and P are formed again as the forward did. */
static int backward(const ns_head *h, ns_attn_out *r)
{
    scratch w;
    ns_attn_out quiet = *r;
    if (scratch_init(h, &w) != 0 || weights(h, &w, &quiet) != 0) {
        scratch_free(&w);
        return -1;
    }
    double scale = ns_attn_scale(h);
    for (size_t i = 0; i < h->n_q; i++) {
        const double *go = h->dout + i * h->d_v;
        scores(h, i, &w, &quiet);
        for (size_t j = 0; j < h->n_k; j++)
            w.g[j] = ns_attn_dot(h, go, 1, h->v + j * h->d_v, 1, h->d_v);
        /* the normalizer reads its y as it stored it (in out) */
        double *y = w.pv;
        if (ns_job_forward(&w.job, w.s, y, h->n_k, NULL) != 0 ||
            ns_job_backward(&w.job, w.s, y, w.g, w.ds + i * h->n_k, h->n_k, &r->probe) != 0) {
            scratch_free(&w);
            return -1;
        }
    }
    for (size_t j = 0; j < h->n_k; j++) {
        double *dv = r->dv + j * h->d_v, *dk = r->dk + j * h->d;
        for (size_t c = 0; c < h->d_v; c++)
            dv[c] = ns_attn_dot(h, w.p + j, h->n_k, h->dout + c, h->d_v, h->n_q);
        ns_attn_store(h, dv, w.stage, h->d_v);
        for (size_t t = 0; t < h->d; t++) {
            double a;
            if (h->scale_on == NS_SCALE_ON_Q) {
                a = 0;
                for (size_t i = 0; i < h->n_q; i++) {
                    double qs = ns_fp_mul(h->policy->elem, h->q[i * h->d + t], scale);
                    a = ns_attn_madd(h, w.ds[i * h->n_k + j], qs, a);
                }
                a = h->policy->tot ? ns_round(h->policy->tot, a) : a;
            } else {
                a = ns_fp_mul(h->policy->elem,
                              ns_attn_dot(h, w.ds + j, h->n_k, h->q + t, h->d, h->n_q), scale);
            }
            dk[t] = a;
        }
        ns_attn_store(h, dk, w.stage, h->d);
    }
    for (size_t i = 0; i < h->n_q; i++) {
        double *dq = r->dq + i * h->d;
        for (size_t t = 0; t < h->d; t++)
            dq[t] = ns_fp_mul(h->policy->elem,
                              ns_attn_dot(h, w.ds + i * h->n_k, 1, h->k + t, h->d, h->n_k), scale);
        ns_attn_store(h, dq, w.stage, h->d);
    }
    scratch_free(&w);
    return 0;
}

static const ns_attn_hazard hazards[] = {
    { "score overflow", "q . k beyond the largest finite score (PyTorch #119131: fp16 scores of "
                        "784,449 > 65504 become inf, then NaN)" },
    { "fully masked row", "every key masked: -inf masks give (-inf) - (-inf) = NaN, finite "
                          "masks uniform weights over masked keys (PyTorch #103749, #110213)" },
    NS_ATTN_HAZARD_GRADIENT_OVERFLOW,
    { "finite mask leak", "a finite mask value is a score like any other: a kept key below it "
                          "loses to masked ones (ohdearquant/lattice #373)" },
    { NULL, NULL },
};

const ns_kernel ns_kernel_textbook = {
    .name = "textbook", .order = 10,
    .summary = "S = scale Q K^T materialized and masked, P = normalizer(S), P stored in p, O = P V",
    NS_ATTN_SOFTMAX_FIELDS,
    .has_lse = false,
    .default_policy = "fp16",
    .forward = forward, .backward = backward,
    .promises = "no NaN or inf where the reference is finite; O within the first-order bound "
                "of its scores, sums and stored weights",
    .hazards = hazards,
};
