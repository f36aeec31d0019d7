/* The linear attention kernels (attention/linear.h). */
#include <stdlib.h>
#include <string.h>

#include "../util/names.h"
#include "linear.h"

int ns_linear_kind_find(const char *name)
{
    if (strcmp(name, "linear") == 0)
        return NS_LINEAR;
    if (strcmp(name, "linear.causal") == 0)
        return NS_LINEAR_CAUSAL;
    if (strcmp(name, "linear.chunked") == 0)
        return NS_LINEAR_CHUNKED;
    return -1;
}

static const char *const feature_names[] = { "elu1", "relu", "identity" };

int ns_feature_find(const char *name)
{
    return ns_name_index(feature_names, 3, name);
}

const char *ns_feature_name(ns_feature f) { return feature_names[f]; }

typedef struct head {
    const ns_linear_input *in;
    const ns_format *work, *acc, *tot;
    ns_probe *probe;
    double *fq, *fk, *v;       /* phi(q), phi(k), v as the kernel holds them */
} head;

double ns_linear_phi(const ns_format *f, ns_feature feature, double x)
{
    switch (feature) {
    case NS_FEATURE_ELU1:
        return x > 0 ? ns_fp_add(f, x, 1) : ns_fp_add(f, ns_fp_expm1(f, x), 1);
    case NS_FEATURE_RELU:
        return x > 0 ? x : 0;
    case NS_FEATURE_IDENTITY:
    default:
        return x;
    }
}

double ns_linear_dphi(ns_feature feature, double x, double phi_x)
{
    switch (feature) {
    case NS_FEATURE_ELU1:
        return x > 0 ? 1 : phi_x;
    case NS_FEATURE_RELU:
        return x > 0 ? 1 : 0;
    case NS_FEATURE_IDENTITY:
    default:
        return 1;
    }
}

static double phi(const head *h, double x) { return ns_linear_phi(h->work, h->in->feature, x); }

static double total(const head *h, double s) { return h->tot ? ns_round(h->tot, s) : s; }

/* acc += a * b, the product rounded into acc first. */
static double acc_mad(const head *h, double acc, double a, double b)
{
    return ns_fp_add(h->acc, acc, ns_fp_mul(h->acc, a, b));
}

/* A row's denominator, shown to the probe once. */
static void show_denominator(const head *h, double den)
{
    if (h->probe) {
        ns_ops op = { .probe = h->probe };
        ns_denominator(&op, den);
    }
}

/* Row i of O from the state (S, z) (d x d_v and d, as stored), plus, for
 * a chunk, the keys j0..j1 within it read quadratically. */
static void read_state(const head *h, size_t i, const double *S, const double *z,
                       size_t j0, size_t j1, double *num, double *o)
{
    const ns_linear_input *in = h->in;
    size_t d = in->d, dv = in->d_v;
    const double *fq = h->fq + i * d;
    double den = 0;
    for (size_t m = 0; m < d; m++)
        den = acc_mad(h, den, fq[m], z[m]);
    den = total(h, den);
    for (size_t c = 0; c < dv; c++) {
        double s = 0;
        for (size_t m = 0; m < d; m++)
            s = acc_mad(h, s, fq[m], S[m * dv + c]);
        num[c] = total(h, s);
    }
    for (size_t j = j0; j < j1; j++) {
        double a = 0;
        for (size_t m = 0; m < d; m++)
            a = acc_mad(h, a, fq[m], h->fk[j * d + m]);
        a = total(h, a);
        den = ns_fp_add(h->acc, den, a);
        for (size_t c = 0; c < dv; c++)
            num[c] = acc_mad(h, num[c], a, h->v[j * dv + c]);
    }
    if (j1 > j0) {
        den = total(h, den);
        for (size_t c = 0; c < dv; c++)
            num[c] = total(h, num[c]);
    }
    show_denominator(h, den);
    for (size_t c = 0; c < dv; c++)
        o[i * dv + c] = ns_fp_div(h->work, num[c], den);
}

/* S += phi(k_j) v_j^T, z += phi(k_j) for j in [j0, j1), in acc. */
static void add_keys(const head *h, size_t j0, size_t j1, double *S, double *z)
{
    size_t d = h->in->d, dv = h->in->d_v;
    for (size_t j = j0; j < j1; j++)
        for (size_t m = 0; m < d; m++) {
            double f = h->fk[j * d + m];
            z[m] = ns_fp_add(h->acc, z[m], f);
            for (size_t c = 0; c < dv; c++)
                S[m * dv + c] = acc_mad(h, S[m * dv + c], f, h->v[j * dv + c]);
        }
}

static void store_total(const head *h, double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = total(h, x[i]);
}

static void run(ns_linear_kind kind, const head *h, double *S, double *z, double *S2, double *z2,
                double *num, double *o)
{
    const ns_linear_input *in = h->in;
    size_t d = in->d, dv = in->d_v;
    switch (kind) {
    case NS_LINEAR:
        add_keys(h, 0, in->n_k, S, z);
        store_total(h, S, d * dv);
        store_total(h, z, d);
        for (size_t i = 0; i < in->n_q; i++)
            read_state(h, i, S, z, 0, 0, num, o);
        break;
    case NS_LINEAR_CAUSAL:
        for (size_t i = 0; i < in->n_q; i++) {
            add_keys(h, i, i + 1, S, z);
            read_state(h, i, S, z, 0, 0, num, o);
        }
        break;
    case NS_LINEAR_CHUNKED:
    default: {
        size_t C = in->chunk ? in->chunk : 1;
        for (size_t c0 = 0; c0 < in->n_q; c0 += C) {
            size_t c1 = c0 + C < in->n_q ? c0 + C : in->n_q;
            for (size_t i = c0; i < c1; i++)
                read_state(h, i, S, z, c0, i + 1, num, o);
            memset(S2, 0, d * dv * sizeof *S2);
            memset(z2, 0, d * sizeof *z2);
            add_keys(h, c0, c1, S2, z2);
            for (size_t m = 0; m < d * dv; m++)
                S[m] = ns_fp_add(h->acc, S[m], total(h, S2[m]));
            for (size_t m = 0; m < d; m++)
                z[m] = ns_fp_add(h->acc, z[m], total(h, z2[m]));
        }
        break;
    }
    }
}

int ns_linear_run(ns_linear_kind kind, const ns_policy *p, const ns_linear_input *in,
                  double *o, ns_probe *probe)
{
    size_t d = in->d, dv = in->d_v, nq = in->n_q, nk = in->n_k;
    size_t nout = nq * dv;
    if (kind != NS_LINEAR && nq != nk)
        return -2;
    size_t total_n = nq * d + nk * d + nk * dv + 2 * (d * dv + d) + dv + nout + 1;
    double *buf = calloc(total_n, sizeof *buf);
    if (!buf)
        return -1;
    head h = { .in = in, .work = p->elem, .acc = p->acc, .tot = p->tot, .probe = probe };
    h.fq = buf;
    h.fk = h.fq + nq * d;
    h.v = h.fk + nk * d;
    double *S = h.v + nk * dv, *z = S + d * dv, *S2 = z + d, *z2 = S2 + d * dv;
    double *num = z2 + d, *stage = num + dv;
    ns_policy_round_inputs(p, 0, in->q, h.fq, nq * d);
    ns_policy_round_inputs(p, 0, in->k, h.fk, nk * d);
    ns_policy_round_inputs(p, 0, in->v, h.v, nk * dv);
    for (size_t i = 0; i < nq * d; i++)
        h.fq[i] = phi(&h, h.fq[i]);
    for (size_t i = 0; i < nk * d; i++)
        h.fk[i] = phi(&h, h.fk[i]);
    run(kind, &h, S, z, S2, z2, num, o);
    ns_policy_store_outputs(p, o, stage, nout);
    free(buf);
    return 0;
}
