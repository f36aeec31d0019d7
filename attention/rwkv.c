/* The RWKV-4 kernels (attention/rwkv.h): rwkv4.naive and rwkv4.stable,
 * forward and backward, one channel at a time.
 *
 * Backward, derived from the definition (per channel, y_t = N_t / D_t with
 * N_t = a_{t-1} + e^{u+k_t} v_t, D_t = b_{t-1} + e^{u+k_t}):
 *   alpha_t = gy_t / D_t, the gradient reaching N_t; -alpha_t y_t reaches D_t.
 *   gu   = sum_t alpha_t (v_t - y_t) e^{u+k_t}
 *   gw   = sum_t alpha_t (a'_{t-1} - y_t b'_{t-1}), a' = da/dw:
 *          a'_t = E (a'_{t-1} - a_{t-1}), b'_t = E (b'_{t-1} - b_{t-1})
 *   gv_t = alpha_t e^{u+k_t} + e^{k_t} Ra_t
 *   gk_t = alpha_t (v_t - y_t) e^{u+k_t} + e^{k_t} (v_t Ra_t + Rb_t)
 *   with Ra_t = sum_{s>t} E^{s-1-t} alpha_s and Rb_t the same of
 *   -alpha_s y_s, run backwards: R_t = alpha_{t+1} + E R_{t+1}.
 * The stable kernel holds every one of these relative to a running
 * exponent as its forward does: a, b, a', b' divided by e^{o}; alpha_t
 * times e^{no_t}; Ra, Rb times e^{m_t}, m_t = min(m_{t+1} + w, no_{t+1}) the
 * exponent of their largest term, so that e^{k_t - m_t} <= 1. */
#include <stdlib.h>
#include <string.h>

#include "../util/names.h"
#include "rwkv.h"

static const char *const kind_names[] = { [NS_RWKV_NAIVE] = "rwkv4.naive",
                                           [NS_RWKV_STABLE] = "rwkv4.stable" };

int ns_rwkv_kind_find(const char *name)
{
    return ns_name_index(kind_names, 2, name);
}

/* One channel's data, rounded into the policy's in part, and its formats. */
typedef struct channel {
    size_t T;
    double w, u;
    const double *k, *v, *gy;   /* T each (contiguous copies) */
    const ns_format *work, *acc;
    ns_probe *probe;
} channel;

static double work_div(const channel *ch, double a, double b)
{
    if (ch->probe) {
        ns_ops op = { .probe = ch->probe };
        ns_denominator(&op, b);
    }
    return ns_fp_div(ch->work, a, b);
}

/* acc: x * y + z, each operation rounded (no fused multiply-add). */
static double acc_mad(const channel *ch, double x, double y, double z)
{
    return ns_fp_add(ch->acc, ns_fp_mul(ch->acc, x, y), z);
}

static void naive_forward(const channel *ch, double *y)
{
    const ns_format *wf = ch->work, *af = ch->acc;
    double E = ns_fp_exp(wf, -ch->w), a = 0, b = 0;
    for (size_t t = 0; t < ch->T; t++) {
        double k = ch->k[t], v = ch->v[t];
        double euk = ns_fp_exp(wf, ns_fp_add(wf, ch->u, k)), ek = ns_fp_exp(wf, k);
        double num = acc_mad(ch, euk, v, a), den = ns_fp_add(af, b, euk);
        y[t] = work_div(ch, num, den);
        a = acc_mad(ch, E, a, ns_fp_mul(af, ek, v));
        b = acc_mad(ch, E, b, ek);
    }
}

/* e^{a - b} in work.  One of the two exponentials of each half-step of the
 * stable kernel has a == b (b is the maximum): e^0 = 1 exactly, which the
 * shortcut returns without the two operations (the same value). */
static double exp_diff(const ns_format *wf, double a, double b)
{
    if (a == b && isfinite(a))
        return 1;
    return ns_fp_exp(wf, ns_fp_sub(wf, a, b));
}

/* The published kernel's state starts at MIN_VALUE = -1e38 (the exponent
 * of an empty sum), as the state's format holds it (-inf in fp16). */
#define RWKV_MIN_VALUE (-1e38)

/* The stable kernel's state: a, b relative to e^{o}. */
typedef struct stable_state {
    double a, b, o;
} stable_state;

static stable_state stable_start(const channel *ch)
{
    return (stable_state){ 0, 0, ns_round(ch->acc, RWKV_MIN_VALUE) };
}

/* wkv_t from the state before token t; *A = e^{o - no}, *B = e^{u + k -
 * no}, *den and *no for the backward pass. */
static double stable_read(const channel *ch, const stable_state *s, double k, double v,
                          double *A, double *B, double *den, double *no)
{
    const ns_format *wf = ch->work, *af = ch->acc;
    double uk = ns_fp_add(wf, ch->u, k);
    *no = fmax(s->o, uk);
    *A = exp_diff(wf, s->o, *no);
    *B = exp_diff(wf, uk, *no);
    double num = ns_fp_add(af, ns_fp_mul(af, *A, s->a), ns_fp_mul(af, *B, v));
    *den = ns_fp_add(af, ns_fp_mul(af, *A, s->b), *B);
    return work_div(ch, num, *den);
}

/* The state after token t; returns e^{o - w - no}, the factor the old
 * sums were multiplied by. */
static double stable_advance(const channel *ch, stable_state *s, double k, double v)
{
    const ns_format *wf = ch->work, *af = ch->acc;
    double ow = ns_fp_sub(af, s->o, ch->w);
    double no = fmax(ow, k);
    double A = exp_diff(wf, ow, no), B = exp_diff(wf, k, no);
    s->a = ns_fp_add(af, ns_fp_mul(af, A, s->a), ns_fp_mul(af, B, v));
    s->b = ns_fp_add(af, ns_fp_mul(af, A, s->b), B);
    s->o = no;
    return A;
}

static void stable_forward(const channel *ch, double *y)
{
    stable_state s = stable_start(ch);
    for (size_t t = 0; t < ch->T; t++) {
        double A, B, den, no;
        y[t] = stable_read(ch, &s, ch->k[t], ch->v[t], &A, &B, &den, &no);
        stable_advance(ch, &s, ch->k[t], ch->v[t]);
    }
}

/* What the forward sweep of a backward pass leaves per token for the
 * reverse sweep: alpha (relative to e^{-sc}), y, and the scale sc. */
typedef struct token {
    double alpha, y, sc;
} token;

typedef struct grads1 {
    double gw, gu, *gk, *gv;
} grads1;

/* The reverse sweep shared by both kernels: Ra, Rb relative to e^{-m}
 * (m = 0 for the naive kernel, scaled = 0), the e^{k_t} terms of gk, gv. */
static void reverse_sweep(const channel *ch, const token *tk, bool scaled, grads1 *g)
{
    const ns_format *wf = ch->work, *af = ch->acc;
    double E = ns_fp_exp(wf, -ch->w);
    double Ra = 0, Rb = 0, m = INFINITY;
    for (size_t s = ch->T; s-- > 1;) {
        size_t t = s - 1;          /* R_t takes token s = t + 1 */
        double beta = ns_fp_mul(wf, -tk[s].alpha, tk[s].y);
        double ek;
        if (scaled) {
            double mw = ns_fp_add(af, m, ch->w);
            double nm = fmin(mw, tk[s].sc);
            double F = exp_diff(wf, nm, mw), G = exp_diff(wf, nm, tk[s].sc);
            Ra = ns_fp_add(af, ns_fp_mul(af, F, Ra), ns_fp_mul(af, G, tk[s].alpha));
            Rb = ns_fp_add(af, ns_fp_mul(af, F, Rb), ns_fp_mul(af, G, beta));
            m = nm;
            ek = ns_fp_exp(wf, ns_fp_sub(wf, ch->k[t], m));
        } else {
            Ra = acc_mad(ch, E, Ra, tk[s].alpha);
            Rb = acc_mad(ch, E, Rb, beta);
            ek = ns_fp_exp(wf, ch->k[t]);
        }
        g->gv[t] = ns_fp_add(af, g->gv[t], ns_fp_mul(af, ek, Ra));
        g->gk[t] = ns_fp_add(af, g->gk[t], ns_fp_mul(af, ek, acc_mad(ch, ch->v[t], Ra, Rb)));
    }
}

/* The direct terms of token t: alpha e^{u+k} (relative: eu = e^{u+k-sc}). */
static void direct_terms(const channel *ch, size_t t, const token *tk, double eu, grads1 *g)
{
    const ns_format *wf = ch->work, *af = ch->acc;
    double ae = ns_fp_mul(wf, tk[t].alpha, eu);
    double dv = ns_fp_mul(wf, ae, ns_fp_sub(wf, ch->v[t], tk[t].y));
    g->gv[t] = ae;
    g->gk[t] = dv;
    g->gu = ns_fp_add(af, g->gu, dv);
}

static void naive_backward(const channel *ch, double *y, token *tk, grads1 *g)
{
    const ns_format *wf = ch->work, *af = ch->acc;
    double E = ns_fp_exp(wf, -ch->w), a = 0, b = 0, da = 0, db = 0;
    for (size_t t = 0; t < ch->T; t++) {
        double k = ch->k[t], v = ch->v[t];
        double euk = ns_fp_exp(wf, ns_fp_add(wf, ch->u, k)), ek = ns_fp_exp(wf, k);
        double num = acc_mad(ch, euk, v, a), den = ns_fp_add(af, b, euk);
        y[t] = work_div(ch, num, den);
        tk[t] = (token){ .alpha = ns_fp_div(wf, ch->gy[t], den), .y = y[t], .sc = 0 };
        direct_terms(ch, t, tk, euk, g);
        g->gw = ns_fp_add(af, g->gw, ns_fp_mul(af, tk[t].alpha, acc_mad(ch, -y[t], db, da)));
        da = ns_fp_mul(af, E, ns_fp_sub(af, da, a));
        db = ns_fp_mul(af, E, ns_fp_sub(af, db, b));
        a = acc_mad(ch, E, a, ns_fp_mul(af, ek, v));
        b = acc_mad(ch, E, b, ek);
    }
    reverse_sweep(ch, tk, false, g);
}

static void stable_backward(const channel *ch, double *y, token *tk, grads1 *g)
{
    const ns_format *wf = ch->work, *af = ch->acc;
    stable_state s = stable_start(ch);
    double da = 0, db = 0;
    for (size_t t = 0; t < ch->T; t++) {
        double A, B, den, no;
        y[t] = stable_read(ch, &s, ch->k[t], ch->v[t], &A, &B, &den, &no);
        tk[t] = (token){ .alpha = ns_fp_div(wf, ch->gy[t], den), .y = y[t], .sc = no };
        direct_terms(ch, t, tk, B, g);
        /* alpha_t (a'_{t-1} - y b'_{t-1}): both relative to e^{o}, alpha to e^{-no} */
        double rel = ns_fp_mul(wf, tk[t].alpha, A);
        g->gw = ns_fp_add(af, g->gw, ns_fp_mul(af, rel, acc_mad(ch, -y[t], db, da)));
        double a0 = s.a, b0 = s.b;
        double F = stable_advance(ch, &s, ch->k[t], ch->v[t]);
        da = ns_fp_mul(af, F, ns_fp_sub(af, da, a0));
        db = ns_fp_mul(af, F, ns_fp_sub(af, db, b0));
    }
    reverse_sweep(ch, tk, true, g);
}

/* Channels are read and written in groups of GROUP: one cache line of a
 * token's row serves them all (a channel at a time would walk T x C with a
 * stride of C). */
enum { GROUP = 8 };

int ns_rwkv_run(ns_rwkv_kind kind, const ns_policy *p, const ns_rwkv_input *in,
                const double *gy, double *y, ns_rwkv_grads *gr, ns_probe *probe)
{
    size_t T = in->T, C = in->C, TT = T ? T : 1;
    /* per channel of a group: k, v, gy (then gv), y, gk; and one stage */
    double *buf = malloc((5 * GROUP * TT + TT + 4) * sizeof *buf);
    token *tk = gy ? malloc(TT * sizeof *tk) : NULL;
    if (!buf || (gy && !tk)) {
        free(buf);
        free(tk);
        return -1;
    }
    double *stage = buf + 5 * GROUP * TT, *wu = stage + TT;
    for (size_t c0 = 0; c0 < C; c0 += GROUP) {
        size_t G = C - c0 < GROUP ? C - c0 : GROUP;
        double *k = buf, *v = k + GROUP * TT, *g = v + GROUP * TT, *yc = g + GROUP * TT, *gk = yc + GROUP * TT;
        for (size_t t = 0; t < T; t++)
            for (size_t j = 0; j < G; j++) {
                k[j * TT + t] = in->k[t * C + c0 + j];
                v[j * TT + t] = in->v[t * C + c0 + j];
                g[j * TT + t] = gy ? gy[t * C + c0 + j] : 0;
            }
        for (size_t j = 0; j < G; j++) {
            double *kj = k + j * TT, *vj = v + j * TT, *gj = g + j * TT, *yj = yc + j * TT, *gkj = gk + j * TT;
            size_t c = c0 + j;
            wu[0] = in->w[c];
            wu[1] = in->u[c];
            ns_policy_round_inputs(p, 0, wu, wu + 2, 2);
            ns_policy_round_inputs(p, 0, kj, stage, T);
            memcpy(kj, stage, T * sizeof *kj);
            ns_policy_round_inputs(p, 0, vj, stage, T);
            memcpy(vj, stage, T * sizeof *vj);
            ns_policy_round_inputs(p, 0, gj, stage, T);
            memcpy(gj, stage, T * sizeof *gj);
            channel ch = { .T = T, .w = wu[2], .u = wu[3], .k = kj, .v = vj, .gy = gj,
                           .work = p->elem, .acc = p->acc, .probe = probe };
            if (!gy) {
                (kind == NS_RWKV_NAIVE ? naive_forward : stable_forward)(&ch, yj);
            } else {
                /* gv overwrites gy token by token only after reading it: the
                 * forward sweep reads gy[t] before direct_terms writes gv[t]. */
                grads1 g1 = { .gw = 0, .gu = 0, .gk = gkj, .gv = gj };
                (kind == NS_RWKV_NAIVE ? naive_backward : stable_backward)(&ch, yj, tk, &g1);
                double gwu[2] = { g1.gw, g1.gu };
                ns_policy_store_outputs(p, gwu, wu, 2);
                gr->w[c] = gwu[0];
                gr->u[c] = gwu[1];
                ns_policy_store_outputs(p, gkj, stage, T);
                ns_policy_store_outputs(p, gj, stage, T);
            }
            ns_policy_store_outputs(p, yj, stage, T);
        }
        for (size_t t = 0; t < T; t++)
            for (size_t j = 0; j < G; j++) {
                y[t * C + c0 + j] = yc[j * TT + t];
                if (gy) {
                    gr->k[t * C + c0 + j] = gk[j * TT + t];
                    gr->v[t * C + c0 + j] = g[j * TT + t];
                }
            }
    }
    free(buf);
    free(tk);
    return 0;
}
