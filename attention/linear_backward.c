/* The linear attention kernels' backward pass (attention/linear.h).
 *
 * With a_ij = phi(q_i).phi(k_j), D_i = sum_j a_ij, N_i = sum_j a_ij v_j,
 * O_i = N_i / D_i and the upstream gradient G:
 *   dN_i = G_i / D_i,  dD_i = -<G_i, O_i> / D_i,
 *   dphi(q_i) = S_i dN_i + dD_i z_i     (S_i, z_i: the forward's state seen by query i),
 *   dphi(k_j) = P_j v_j + R_j,  dv_j = P_j^T phi(k_j),
 *   P_j = sum_{i sees j} phi(q_i) dN_i^T,  R_j = sum_{i sees j} phi(q_i) dD_i,
 *   dq = dphi(q) phi'(q),  dk = dphi(k) phi'(k).
 * Non-causal: every query sees every key; causal: query i sees j <= i, so
 * S, z run forward and P, R backward (linear.chunked's backward is the
 * causal recurrence too).  Formats as the forward's: phi, phi', the
 * divisions and the final products in work; the state, P, R and every dot
 * product in acc, finished dot products stored in tot; O read as the
 * forward stored it; results stored in out. */
#include <stdlib.h>
#include <string.h>

#include "linear.h"

typedef struct back {
    const ns_linear_input *in;
    const ns_format *work, *acc, *tot;
    bool causal;
} back;

static double total(const back *b, double s) { return b->tot ? ns_round(b->tot, s) : s; }

static double mad(const back *b, double acc, double x, double y)
{
    return ns_fp_add(b->acc, acc, ns_fp_mul(b->acc, x, y));
}

/* S += phi(k_j) v_j^T, z += phi(k_j). */
static void add_key(const back *b, const double *fk, const double *v, size_t j, double *S, double *z)
{
    size_t d = b->in->d, dv = b->in->d_v;
    for (size_t m = 0; m < d; m++) {
        z[m] = ns_fp_add(b->acc, z[m], fk[j * d + m]);
        for (size_t c = 0; c < dv; c++)
            S[m * dv + c] = mad(b, S[m * dv + c], fk[j * d + m], v[j * dv + c]);
    }
}

/* Query i against the state (S, z): dN_i, dD_i, and dphi(q_i) into dfq. */
static void query_grad(const back *b, size_t i, const double *fq, const double *o, const double *g,
                       const double *S, const double *z, double *dN, double *dD, double *dfq)
{
    size_t d = b->in->d, dv = b->in->d_v;
    const ns_format *wf = b->work;
    double den = 0, go = 0;
    for (size_t m = 0; m < d; m++)
        den = mad(b, den, fq[i * d + m], z[m]);
    den = total(b, den);
    for (size_t c = 0; c < dv; c++)
        go = mad(b, go, g[i * dv + c], o[i * dv + c]);
    go = total(b, go);
    for (size_t c = 0; c < dv; c++)
        dN[i * dv + c] = ns_fp_div(wf, g[i * dv + c], den);
    dD[i] = -ns_fp_div(wf, go, den);
    for (size_t m = 0; m < d; m++) {
        double s = ns_fp_mul(b->acc, dD[i], z[m]);
        for (size_t c = 0; c < dv; c++)
            s = mad(b, s, S[m * dv + c], dN[i * dv + c]);
        dfq[i * d + m] = total(b, s);
    }
}

/* P += phi(q_i) dN_i^T, R += phi(q_i) dD_i. */
static void add_query(const back *b, const double *fq, const double *dN, const double *dD, size_t i,
                      double *P, double *R)
{
    size_t d = b->in->d, dv = b->in->d_v;
    for (size_t m = 0; m < d; m++) {
        R[m] = mad(b, R[m], fq[i * d + m], dD[i]);
        for (size_t c = 0; c < dv; c++)
            P[m * dv + c] = mad(b, P[m * dv + c], fq[i * d + m], dN[i * dv + c]);
    }
}

/* Key j against (P, R): dphi(k_j) into dfk, dv_j. */
static void key_grad(const back *b, size_t j, const double *fk, const double *v, const double *P,
                     const double *R, double *dfk, double *dvo)
{
    size_t d = b->in->d, dv = b->in->d_v;
    for (size_t m = 0; m < d; m++) {
        double s = R[m];
        for (size_t c = 0; c < dv; c++)
            s = mad(b, s, P[m * dv + c], v[j * dv + c]);
        dfk[j * d + m] = total(b, s);
    }
    for (size_t c = 0; c < dv; c++) {
        double s = 0;
        for (size_t m = 0; m < d; m++)
            s = mad(b, s, fk[j * d + m], P[m * dv + c]);
        dvo[j * dv + c] = total(b, s);
    }
}

int ns_linear_backward(ns_linear_kind kind, const ns_policy *p, const ns_linear_input *in,
                       const double *o, const double *g, double *dq, double *dk, double *dv)
{
    size_t d = in->d, dvn = in->d_v, nq = in->n_q, nk = in->n_k;
    if (kind != NS_LINEAR && nq != nk)
        return -2;
    size_t big = nq * d > nk * d ? nq * d : nk * d;
    if (big < nk * dvn)
        big = nk * dvn;
    size_t total_n = 2 * nq * d + 2 * nk * d + nk * dvn + 2 * nq * dvn + nq + 2 * (d * dvn + d) + big + 1;
    double *buf = calloc(total_n, sizeof *buf);
    if (!buf)
        return -1;
    double *q = buf, *fq = q + nq * d, *k = fq + nq * d, *fk = k + nk * d, *v = fk + nk * d;
    double *gr = v + nk * dvn, *dN = gr + nq * dvn, *dD = dN + nq * dvn;
    double *S = dD + nq, *z = S + d * dvn, *P = z + d, *R = P + d * dvn, *stage = R + d;
    back b = { .in = in, .work = p->elem, .acc = p->acc, .tot = p->tot, .causal = kind != NS_LINEAR };
    ns_policy_round_inputs(p, 0, in->q, q, nq * d);
    ns_policy_round_inputs(p, 0, in->k, k, nk * d);
    ns_policy_round_inputs(p, 0, in->v, v, nk * dvn);
    ns_policy_round_inputs(p, 0, g, gr, nq * dvn);
    for (size_t i = 0; i < nq * d; i++)
        fq[i] = ns_linear_phi(p->elem, in->feature, q[i]);
    for (size_t i = 0; i < nk * d; i++)
        fk[i] = ns_linear_phi(p->elem, in->feature, k[i]);
    if (!b.causal) {
        for (size_t j = 0; j < nk; j++)
            add_key(&b, fk, v, j, S, z);
        for (size_t m = 0; m < d * dvn; m++)
            S[m] = total(&b, S[m]);
        for (size_t m = 0; m < d; m++)
            z[m] = total(&b, z[m]);
    }
    for (size_t i = 0; i < nq; i++) {
        if (b.causal)
            add_key(&b, fk, v, i, S, z);
        query_grad(&b, i, fq, o, gr, S, z, dN, dD, dq);
    }
    if (!b.causal)
        for (size_t i = 0; i < nq; i++)
            add_query(&b, fq, dN, dD, i, P, R);
    for (size_t j = nk; j-- > 0;) {
        if (b.causal)
            add_query(&b, fq, dN, dD, j, P, R);
        key_grad(&b, j, fk, v, P, R, dk, dv);
    }
    for (size_t i = 0; i < nq * d; i++)
        dq[i] = ns_fp_mul(p->elem, dq[i], ns_linear_dphi(in->feature, q[i], fq[i]));
    for (size_t j = 0; j < nk * d; j++)
        dk[j] = ns_fp_mul(p->elem, dk[j], ns_linear_dphi(in->feature, k[j], fk[j]));
    ns_policy_store_outputs(p, dq, stage, nq * d);
    ns_policy_store_outputs(p, dk, stage, nk * d);
    ns_policy_store_outputs(p, dv, stage, nk * dvn);
    free(buf);
    return 0;
}
