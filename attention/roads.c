/* The three roads side by side (roads.h). */
#include "roads.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../normalizers/catalogue.h"
#include "../reference/ref.h"
#include "compare.h"
#include "generators.h"
#include "kernel.h"
#include "recurrent.h"
#include "recurrent_gen.h"
#include "reference.h"

static double normwise(const double *o, const double *ref, size_t n, bool *finite)
{
    double e = 0, m = 0;
    *finite = true;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(o[i]))
            *finite = false, e = INFINITY;
        else
            e = fmax(e, fabs(o[i] - ref[i]));
        m = fmax(m, fabs(ref[i]));
    }
    return m > 0 ? e / m : e;
}

static int softmax_road(const ns_policy *p, size_t T, size_t d, const double *q, const double *k,
                        const double *v, const unsigned char *keep, ns_road *r)
{
    const ns_kernel *kern = ns_kernel_find("flash");
    ns_head h = { .n_q = T, .n_k = T, .d = d, .d_v = d, .q = q, .k = k, .v = v, .keep = keep,
                  .scale = 1 / sqrt((double)d), .scale_exact = true, .block_q = 16, .block_k = 16,
                  .p_offset = 8, .policy = p };
    ns_attn_out out;
    ns_attn_ref ref;
    ns_attn_compare c;
    if (!kern || ns_attn_out_alloc(&h, &out) != 0)
        return -1;
    int rc = -1;
    if (ns_kernel_run(kern, &h, &out) == 0 && ns_attn_reference(&h, &ref) == 0) {
        if (ns_attn_compare_head(kern, &h, &out, &ref, &c) == 0) {
            r->normwise = normwise(out.o, ref.o, T * d, &r->finite);
            r->verdict = ns_attn_verdict_name(c.verdict);
            r->cause = c.cause ? c.cause : "";
            rc = 0;
        }
        ns_attn_ref_free(&ref);
    }
    ns_attn_out_free(&out);
    return rc;
}

/* Spherical on each causal score row, P V in acc, against the reference
 * weights times V in binary64. */
static int normalizer_road(const ns_policy *p, size_t T, size_t d, const double *q, const double *k,
                           const double *v, ns_road *r)
{
    ns_job job;
    const ns_reference *rf = ns_reference_find("spherical");
    double param[NS_MAX_PARAMS] = { 0 };
    if (!rf || ns_job_init(&job, "spherical", p, NS_SUM_SEQ) != 0)
        return -1;
    double *s = malloc(T * sizeof *s), *sr = malloc(T * sizeof *sr), *y = malloc(T * sizeof *y);
    double *ys = malloc(T * sizeof *ys), *o = malloc(T * d * sizeof *o), *oref = malloc(T * d * sizeof *oref);
    int rc = -1;
    if (!s || !sr || !y || !ys || !o || !oref)
        goto done;
    double scale = 1 / sqrt((double)d);
    for (size_t i = 0; i < T; i++) {
        size_t n = i + 1;
        for (size_t j = 0; j < n; j++) {
            double dot = 0;
            for (size_t m = 0; m < d; m++)
                dot += q[i * d + m] * k[j * d + m];
            s[j] = dot * scale;
        }
        ns_job_round_inputs(&job, s, sr, n);
        if (ns_job_forward(&job, sr, y, n, NULL) != 0 ||
            ns_ref_eval(rf, param, sr, NULL, n, ys, NULL, NULL) != 0)
            goto done;
        for (size_t c = 0; c < d; c++) {
            double acc = 0, exact = 0;
            for (size_t j = 0; j < n; j++) {
                double w = ns_round(p->p ? p->p : p->io, y[j]);
                acc = ns_fp_add(p->acc, acc, ns_fp_mul(p->acc, w, v[j * d + c]));
                exact += ys[j] * v[j * d + c];
            }
            o[i * d + c] = ns_round(p->out, acc);
            oref[i * d + c] = exact;
        }
    }
    r->normwise = normwise(o, oref, T * d, &r->finite);
    r->verdict = "-";
    r->cause = "";
    rc = 0;
done:
    free(s), free(sr), free(y), free(ys), free(o), free(oref);
    ns_job_free(&job);
    return rc;
}

static int recurrent_road(const char *kernel, ns_head *h, ns_road *r)
{
    const ns_kernel *kern = ns_kernel_find(kernel);
    ns_attn_out out;
    ns_recur_ref ref;
    ns_recur_compare c;
    if (!kern || ns_attn_out_alloc(h, &out) != 0)
        return -1;
    int rc = -1;
    if (ns_kernel_run(kern, h, &out) == 0 && ns_recur_reference(kern, h, &ref) == 0) {
        if (ns_recur_compare_head(kern, h, &out, &ref, &c) == 0) {
            r->normwise = normwise(out.o, ref.part[NS_RECUR_O], h->n_q * h->d_v, &r->finite);
            r->verdict = ns_recur_verdict_name(c.verdict);
            r->cause = c.cause;
            rc = 0;
        }
        ns_recur_ref_free(&ref);
    }
    ns_attn_out_free(&out);
    return rc;
}

int ns_roads_run(const ns_policy *p, size_t T, size_t d, uint64_t seed, ns_road out[NS_ROADS])
{
    const ns_head_generator *g = ns_head_generator_find("head.normal");
    ns_recur_tensors rw;
    double *q = malloc(T * d * sizeof *q), *k = malloc(T * d * sizeof *k), *v = malloc(T * d * sizeof *v);
    unsigned char *keep = calloc(T * T, 1);
    if (!g || !q || !k || !v || !keep ||
        ns_recur_generate(ns_recur_generator_find("rwkv.trained"), T, d, seed, 1, &rw) != 0) {
        free(q), free(k), free(v), free(keep);
        return -1;
    }
    g->fill(g->param_default, T, d, seed, q, k, v);
    /* the head as the policy's input holds it */
    double *tmp = malloc(T * d * sizeof *tmp);
    double *arrays[] = { q, k, v };
    for (int a = 0; tmp && a < 3; a++) {
        memcpy(tmp, arrays[a], T * d * sizeof *tmp);
        ns_policy_round_inputs(p, 1, tmp, arrays[a], T * d);
    }
    double wu[2];
    for (size_t c = 0; c < d; c++) {
        double in[2] = { rw.w[c], rw.u[c] };
        ns_policy_round_inputs(p, 1, in, wu, 2);
        rw.w[c] = wu[0], rw.u[c] = wu[1];
    }
    for (size_t i = 0; i < T; i++)
        for (size_t j = 0; j <= i; j++)
            keep[i * T + j] = 1;
    out[0] = (ns_road){ .road = "softmax", .how = "flash, causal mask" };
    out[1] = (ns_road){ .road = "normalizer", .how = "spherical p^2/sum p^2, causal rows" };
    out[2] = (ns_road){ .road = "linear", .how = "linear.causal, elu + 1" };
    out[3] = (ns_road){ .road = "rwkv", .how = "rwkv4.stable, RWKV-4 decays" };
    ns_head lin = { .n_q = T, .n_k = T, .d = d, .d_v = d, .q = q, .k = k, .v = v, .scale = 1,
                    .block_q = 1, .block_k = 1, .policy = p, .feature = "elu1", .chunk = 1 };
    ns_head rwkv = lin;
    rwkv.q = NULL, rwkv.w = rw.w, rwkv.u = rw.u;
    int rc = !tmp || softmax_road(p, T, d, q, k, v, keep, &out[0]) != 0 ||
             normalizer_road(p, T, d, q, k, v, &out[1]) != 0 || recurrent_road("linear.causal", &lin, &out[2]) != 0 ||
             recurrent_road("rwkv4.stable", &rwkv, &out[3]) != 0 ? -1 : 0;
    free(tmp), free(q), free(k), free(v), free(keep);
    ns_recur_tensors_free(&rw);
    return rc;
}
