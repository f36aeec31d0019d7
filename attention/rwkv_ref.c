/* The reference of RWKV-4's WKV (attention/rwkv.h), one channel at a time.
 *
 * MPFI tier: the plain recurrence of rwkv.c's header (no scaling: MPFR's
 * exponent range holds e^{k} for any double k), forward and backward, in
 * interval arithmetic, under Ziv's loop (attention/settle.h).
 *
 * Double-double tier, tried first: the same function in ddi (reference/
 * ddi.h) with a and b held relative to e^{o}, o a double chosen by this
 * code, not by the kernel: o starts at k_0, moves up to k_t when k_t - o >
 * 64 (so e^{k - o} <= e^{64}), and is renormalized to o + ln b whenever the
 * scaled b leaves [2^-64, 2^64].  Each change multiplies the state by
 * e^{o - o'} with o - o' exact (TwoSum), so every step is an enclosure; the
 * scale keeps all values within ddi's range for any length, and the one
 * exponential per token is e^{k_t - o}.  E = e^{-w} and e^{u} are computed
 * once per channel.  A channel where anything leaves ddi's range (|w|, |u|
 * > 600, tiny gradients) or an entry does not settle goes to MPFI whole.
 *
 * Backward in ddi: alpha_t = gy_t / D_t is kept relative to e^{-o_t} and
 * e^{k_t} relative to e^{o_t} (the offset in force at token t), so their
 * product needs no exponential; the reverse sums Ra, Rb are carried in the
 * frame of o_t and moved (one exponential) only where o changed. */
#include <stdlib.h>
#include <string.h>

#include "../reference/ddi.h"
#include "../reference/ref.h"
#include "rwkv.h"
#include "settle.h"

/* ---- MPFI: the plain recurrence ---- */

typedef struct chan_ctx {
    const ns_rwkv_input *in;
    const double *gy;          /* T x C or NULL */
    size_t c;
} chan_ctx;

/* Layout of one channel's entries: y[T], then gw, gu, gk[T], gv[T]. */
static size_t chan_entries(size_t T, bool grad) { return grad ? 3 * T + 2 : T; }

static void enclose_chan(void *vctx, mpfr_prec_t prec, mpfi_ptr out)
{
    const chan_ctx *cx = vctx;
    const ns_rwkv_input *in = cx->in;
    size_t T = in->T, C = in->C, c = cx->c;
    bool grad = cx->gy != NULL;
    mpfi_ptr y = out, gw = out + T, gu = gw + 1, gk = gu + 1, gv = gk + T;
    /* scalars, then per token (backward only): e^{k}, e^{u+k}, alpha */
    size_t nv = 11 + (grad ? 3 * T : 0);
    mpfi_ptr sc = ns_ref_intervals(nv, prec);
    if (!sc) {
        for (size_t i = 0; i < chan_entries(T, grad); i++)
            mpfi_set_d(&out[i], NAN);
        return;
    }
    mpfi_ptr E = sc, Eu = sc + 1, a = sc + 2, b = sc + 3, da = sc + 4, db = sc + 5;
    mpfi_ptr num = sc + 6, den = sc + 7, tmp = sc + 8, ekt = sc + 9, eukt = sc + 10;
    mpfi_ptr ek = sc + 11, euk = ek + T, alpha = euk + T;
    mpfi_set_d(E, -in->w[c]);
    mpfi_exp(E, E);
    mpfi_set_d(Eu, in->u[c]);
    mpfi_exp(Eu, Eu);
    mpfi_set_ui(a, 0);
    mpfi_set_ui(b, 0);
    mpfi_set_ui(da, 0);
    mpfi_set_ui(db, 0);
    if (grad) {
        mpfi_set_ui(gw, 0);
        mpfi_set_ui(gu, 0);
    }
    for (size_t t = 0; t < T; t++) {
        double k = in->k[t * C + c], v = in->v[t * C + c];
        mpfi_set_d(ekt, k);
        mpfi_exp(ekt, ekt);
        mpfi_mul(eukt, ekt, Eu);
        mpfi_mul_d(num, eukt, v);
        mpfi_add(num, num, a);
        mpfi_add(den, b, eukt);
        mpfi_div(&y[t], num, den);
        if (grad) {
            mpfi_set(&ek[t], ekt);
            mpfi_set(&euk[t], eukt);
            mpfi_d_div(&alpha[t], cx->gy[t * C + c], den);
            /* direct terms: gv = alpha e^{u+k}, gk = gv (v - y) */
            mpfi_mul(&gv[t], &alpha[t], eukt);
            mpfi_d_sub(tmp, v, &y[t]);
            mpfi_mul(&gk[t], &gv[t], tmp);
            mpfi_add(gu, gu, &gk[t]);
            /* gw += alpha (da - y db) */
            mpfi_mul(tmp, &y[t], db);
            mpfi_sub(tmp, da, tmp);
            mpfi_mul(tmp, tmp, &alpha[t]);
            mpfi_add(gw, gw, tmp);
            mpfi_sub(da, da, a);
            mpfi_mul(da, da, E);
            mpfi_sub(db, db, b);
            mpfi_mul(db, db, E);
        }
        mpfi_mul(a, a, E);
        mpfi_mul_d(tmp, ekt, v);
        mpfi_add(a, a, tmp);
        mpfi_mul(b, b, E);
        mpfi_add(b, b, ekt);
    }
    if (grad) {
        /* reverse: Ra = alpha_{t+1} + E Ra, Rb = -alpha_{t+1} y_{t+1} + E Rb */
        mpfi_ptr Ra = a, Rb = b;
        mpfi_set_ui(Ra, 0);
        mpfi_set_ui(Rb, 0);
        for (size_t s1 = T; s1-- > 1;) {
            size_t t = s1 - 1;
            mpfi_mul(Ra, Ra, E);
            mpfi_add(Ra, Ra, &alpha[s1]);
            mpfi_mul(Rb, Rb, E);
            mpfi_mul(tmp, &alpha[s1], &y[s1]);
            mpfi_sub(Rb, Rb, tmp);
            mpfi_mul(tmp, &ek[t], Ra);
            mpfi_add(&gv[t], &gv[t], tmp);
            mpfi_mul_d(tmp, Ra, in->v[t * C + c]);
            mpfi_add(tmp, tmp, Rb);
            mpfi_mul(tmp, tmp, &ek[t]);
            mpfi_add(&gk[t], &gk[t], tmp);
        }
    }
    ns_ref_intervals_free(sc, nv);
}

void ns_rwkv_enclose_channel(const ns_rwkv_input *in, size_t c, mpfr_prec_t prec, mpfi_ptr y)
{
    chan_ctx cx = { .in = in, .gy = NULL, .c = c };
    enclose_chan(&cx, prec, y);
}

/* ---- double-double: the scaled recurrence ---- */

static const ddi ddi_one = { 1, 0, 0 };
#define SCALE_LIMIT 0x1p64

typedef struct dd_token {
    ddi alpha, ek, y;    /* alpha e^{o}, e^{k - o}, y */
    double o;
} dd_token;

static ddi ddi_scale(ddi x, ddi f) { return ddi_mul(x, f); }

/* Settles channel c into ent (chan_entries layout); 0 when it cannot. */
static int dd_channel(const ns_rwkv_input *in, const double *gy, size_t c, double *ent, dd_token *tk)
{
    size_t T = in->T, C = in->C;
    double w = in->w[c], u = in->u[c];
    if (!(fabs(w) <= 600) || !(fabs(u) <= 600))
        return 0;
    bool grad = gy != NULL;
    double *yo = ent, *gwo = ent + T, *guo = gwo + 1, *gko = guo + 1, *gvo = gko + T;
    ddi E = ddi_exp(ddi_from_double(-w)), Eu = ddi_exp(ddi_from_double(u));
    ddi zero = { 0, 0, 0 };
    ddi A = zero, B = zero, dA = zero, dB = zero, gw = zero, gu = zero;
    double o = T ? in->k[c] : 0;
    for (size_t t = 0; t < T; t++) {
        double k = in->k[t * C + c], v = in->v[t * C + c];
        ddi d = ddi_diff(k, o), g;
        if (d.hi > 64) {
            ddi f = ddi_exp_or_tiny(ddi_diff(o, k));
            A = ddi_scale(A, f), B = ddi_scale(B, f), dA = ddi_scale(dA, f), dB = ddi_scale(dB, f);
            o = k;
            g = ddi_one;
        } else {
            g = ddi_exp_or_tiny(d);
        }
        ddi e2 = ddi_mul(g, Eu);
        ddi vv = ddi_from_double(v);
        ddi D = ddi_add(B, e2);
        ddi y = ddi_div(ddi_add(A, ddi_mul(e2, vv)), D);
        if (!ddi_round(y, &yo[t]))
            return 0;
        if (grad) {
            ddi alpha = ddi_div(ddi_from_double(gy[t * C + c]), D);
            gu = ddi_add(gu, ddi_mul(ddi_mul(alpha, e2), ddi_sub(vv, y)));
            gw = ddi_add(gw, ddi_mul(alpha, ddi_sub(dA, ddi_mul(y, dB))));
            dA = ddi_mul(E, ddi_sub(dA, A));
            dB = ddi_mul(E, ddi_sub(dB, B));
            tk[t] = (dd_token){ .alpha = alpha, .ek = g, .y = y, .o = o };
        }
        A = ddi_add(ddi_mul(E, A), ddi_mul(g, vv));
        B = ddi_add(ddi_mul(E, B), g);
        if (!ddi_valid(A) || !ddi_valid(B) || !(B.hi > 0))
            return 0;
        if (B.hi < 1 / SCALE_LIMIT || B.hi > SCALE_LIMIT) {
            double o2 = o + log(B.hi);
            ddi f = ddi_exp(ddi_diff(o, o2));
            A = ddi_scale(A, f), B = ddi_scale(B, f), dA = ddi_scale(dA, f), dB = ddi_scale(dB, f);
            o = o2;
        }
    }
    if (!grad)
        return 1;
    if (!ddi_round(gw, gwo) || !ddi_round(gu, guo))
        return 0;
    ddi Ra = zero, Rb = zero;
    double rho = T ? tk[T - 1].o : 0;
    for (size_t s = T; s-- > 0;) {
        double v = in->v[s * C + c];
        ddi e2 = ddi_mul(tk[s].ek, Eu);
        ddi gvs = ddi_mul(tk[s].alpha, e2);
        ddi gks = ddi_mul(gvs, ddi_sub(ddi_from_double(v), tk[s].y));
        if (tk[s].o != rho) {            /* Ra, Rb into the frame of o_s */
            ddi f = ddi_exp(ddi_diff(tk[s].o, rho));
            Ra = ddi_mul(Ra, f), Rb = ddi_mul(Rb, f);
            rho = tk[s].o;
        }
        /* now Ra, Rb = R_s e^{o_s}: the e^{k_s} terms of token s */
        gvs = ddi_add(gvs, ddi_mul(tk[s].ek, Ra));
        gks = ddi_add(gks, ddi_mul(tk[s].ek, ddi_add(ddi_mul(ddi_from_double(v), Ra), Rb)));
        if (!ddi_round(gvs, &gvo[s]) || !ddi_round(gks, &gko[s]))
            return 0;
        /* R_{s-1} = alpha_s + E R_s, in the frame of o_s */
        Ra = ddi_add(ddi_mul(E, Ra), tk[s].alpha);
        Rb = ddi_sub(ddi_mul(E, Rb), ddi_mul(tk[s].alpha, tk[s].y));
    }
    return 1;
}

static long reference(const ns_rwkv_input *in, const double *gy, double *y, ns_rwkv_grads *gr, bool tier)
{
    size_t T = in->T, C = in->C;
    bool grad = gy != NULL;
    size_t n = chan_entries(T, grad);
    double *ent = malloc((n ? n : 1) * sizeof *ent);
    dd_token *tk = tier && grad ? malloc((T ? T : 1) * sizeof *tk) : NULL;
    if (!ent || (tier && grad && !tk)) {
        free(ent);
        free(tk);
        return -1;
    }
    long open = 0;
    for (size_t c = 0; c < C; c++) {
        if (!tier || !dd_channel(in, gy, c, ent, tk)) {
            chan_ctx cx = { .in = in, .gy = gy, .c = c };
            long o = ns_attn_settle(enclose_chan, &cx, n, ent);
            if (o < 0) {
                open = -1;
                break;
            }
            open += o;
        }
        for (size_t t = 0; t < T; t++)
            y[t * C + c] = ent[t];
        if (grad) {
            gr->w[c] = ent[T];
            gr->u[c] = ent[T + 1];
            for (size_t t = 0; t < T; t++) {
                gr->k[t * C + c] = ent[T + 2 + t];
                gr->v[t * C + c] = ent[2 * T + 2 + t];
            }
        }
    }
    free(ent);
    free(tk);
    return open;
}

long ns_rwkv_reference(const ns_rwkv_input *in, const double *gy, double *y, ns_rwkv_grads *gr)
{
    return reference(in, gy, y, gr, true);
}

long ns_rwkv_reference_mpfi(const ns_rwkv_input *in, const double *gy, double *y, ns_rwkv_grads *gr)
{
    return reference(in, gy, y, gr, false);
}
