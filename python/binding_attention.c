/* The attention entry points of the Python package: normstab.attention (one
 * head, as `normstab attention --json`) and normstab.attention_search (as
 * `normstab search --kernel --json`).  The options come as the command's
 * values (strings where the command takes words, numbers where it takes
 * numbers; NULL or NaN for "not given"), are checked with the command's
 * messages, and the JSON is that of the command's own writers
 * (attention/compare_json.h, attention/recur_json.h,
 * fuzz/attn_finding_json.h).  Linear attention and RWKV-4 (recurrent.h)
 * take inputs and options of their own, as in cli/cmd_attention_linear.c;
 * their search is not here. */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../attention/compare_json.h"
#include "../attention/generators.h"
#include "../attention/linear.h"
#include "../attention/recur_json.h"
#include "../attention/recurrent.h"
#include "../attention/reference.h"
#include "../fuzz/attn_finding_json.h"
#include "../fuzz/attn_search.h"
#include "../normalizers/catalogue.h"
#include "binding.h"

/* The options of a head, as the command spells them. */
typedef struct ns_py_head_opts {
    const char *kernel;
    const char *policy;         /* NULL: the kernel's default */
    const char *normalizer;     /* NULL: softmax.shifted (textbook only) */
    const char *mask_value;     /* NULL: inf; "min"; or a number as text */
    const char *scale_on;       /* NULL: scores; "q" */
    double scale;               /* NaN: 1/sqrt(d), exact in the reference */
    int fma;
    unsigned long long block_q, block_k;   /* 0: the command's default */
    double p_offset;            /* NaN: 8 */
    const char *feature;        /* linear kernels: NULL: elu1 */
    unsigned long long chunk;   /* linear.chunked: 0: 64 */
} ns_py_head_opts;

/* The kernel and its policy, with the messages of the command `cmd`. */
static int head_kernel(const char *cmd, const ns_py_head_opts *o, const ns_kernel **k,
                       const ns_policy **p, char *err, size_t errlen)
{
    *k = o->kernel ? ns_kernel_find(o->kernel) : NULL;
    if (!*k)
        return ns_py_fail(err, errlen, "%s: unknown kernel '%s' (see 'normstab attention --help')", cmd,
                          o->kernel ? o->kernel : "");
    if (strcmp(cmd, "search") == 0 && ns_recur_kernel(*k))
        return ns_py_fail(err, errlen, "search: kernel '%s': the search of linear attention and RWKV-4 "
                          "is not in the package yet (use 'normstab search --kernel %s')", (*k)->name,
                          (*k)->name);
    char why[256];
    *p = ns_policy_parse(o->policy ? o->policy : (*k)->default_policy, why, sizeof why);
    if (!*p)
        return ns_py_fail(err, errlen, "%s: -p: %s", cmd, why);
    if (ns_policy_is_ref(*p))
        return ns_py_fail(err, errlen, "%s: policy 'ref' is the reference itself; choose a "
                          "floating-point policy", cmd);
    return 0;
}

/* The head's options (not its tensors) into h, with the command's checks. */
static int head_options(const char *cmd, const ns_py_head_opts *o, const ns_kernel *k, ns_head *h,
                        char *err, size_t errlen)
{
    if (o->normalizer && strcmp(k->name, "textbook") != 0)
        return ns_py_fail(err, errlen, "%s: --normalizer is for the textbook kernel, not '%s'", cmd,
                          k->name);
    if (o->normalizer && !ns_algorithm_find(o->normalizer, NULL))
        return ns_py_fail(err, errlen, "%s: unknown normalizer '%s' (see 'normstab list normalizers')",
                          cmd, o->normalizer);
    h->normalizer = o->normalizer;
    h->fma = o->fma != 0;
    h->mask_style = NS_MASK_INF;
    if (o->mask_value && strcmp(o->mask_value, "inf") != 0) {
        if (strcmp(o->mask_value, "min") == 0) {
            h->mask_style = NS_MASK_MIN;
        } else {
            char *end;
            h->mask_style = NS_MASK_VALUE;
            h->mask_value = strtod(o->mask_value, &end);
            if (end == o->mask_value || *end || !isfinite(h->mask_value))
                return ns_py_fail(err, errlen, "%s: --mask-value '%s' is not a finite number", cmd,
                                  o->mask_value);
        }
    }
    if (o->scale_on && strcmp(o->scale_on, "q") != 0 && strcmp(o->scale_on, "scores") != 0)
        return ns_py_fail(err, errlen, "%s: --scale-on '%s' is neither scores nor q", cmd, o->scale_on);
    h->scale_on = o->scale_on && strcmp(o->scale_on, "q") == 0 ? NS_SCALE_ON_Q : NS_SCALE_ON_SCORES;
    h->scale_exact = isnan(o->scale);
    if (!h->scale_exact && isinf(o->scale))
        return ns_py_fail(err, errlen, "%s: --scale '%g' is not finite", cmd, o->scale);
    h->scale = o->scale;
    h->p_offset = isnan(o->p_offset) ? 8 : o->p_offset;
    if (isinf(h->p_offset))
        return ns_py_fail(err, errlen, "%s: --p-offset '%g' is not finite", cmd, o->p_offset);
    if (o->block_q > NS_ATTN_MAX_N || o->block_k > NS_ATTN_MAX_N)
        return ns_py_fail(err, errlen, "%s: --block-q %llu --block-k %llu: outside 1..%zu", cmd,
                          o->block_q, o->block_k, NS_ATTN_MAX_N);
    h->block_q = o->block_q ? (size_t)o->block_q : 64;
    h->block_k = o->block_k ? (size_t)o->block_k : 64;
    return 0;
}

/* m (rows x cols) rounded row by row into the policy's input format. */
static void round_rows(const ns_policy *p, const double *m, double *mr, size_t rows, size_t cols)
{
    for (size_t i = 0; i < rows; i++)
        ns_policy_round_inputs(p, 1, m + i * cols, mr + i * cols, cols);
}

/* The parts handed back to Python, in its order (bits of *parts). */
enum { PY_O, PY_LSE, PY_DQ, PY_DK, PY_DV, PY_DW, PY_DU, PY_PARTS };

/* Each part src[t] (NULL: not computed) copied into dst[t] (NULL: not
 * wanted), len[t] numbers; *parts gets a bit per part computed. */
static void copy_parts(double *const dst[PY_PARTS], const double *const src[PY_PARTS],
                       const size_t len[PY_PARTS], unsigned *parts)
{
    *parts = 0;
    for (int t = 0; t < PY_PARTS; t++)
        if (src[t]) {
            *parts |= 1u << t;
            if (dst[t])
                memcpy(dst[t], src[t], len[t] * sizeof *src[t]);
        }
}

/* j as text in *json (the caller frees it with ns_py_free), j deleted;
 * 0, or -1 when j is NULL or out of memory. */
static int json_text(cJSON *j, char **json, char *err, size_t errlen)
{
    *json = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    return *json ? 0 : ns_py_fail(err, errlen, "attention: out of memory");
}

/* The lengths of the parts of a head's results. */
static void part_lengths(const ns_head *h, size_t len[PY_PARTS])
{
    size_t l[PY_PARTS] = { h->n_q * h->d_v, h->n_q, h->n_q * h->d, h->n_k * h->d, h->n_k * h->d_v, h->d, h->d };
    memcpy(len, l, sizeof l);
}

/* A softmax attention kernel on one head (cli/cmd_attention.c). */
static int softmax_head(const ns_py_head_opts *o, const ns_kernel *kern, const ns_policy *policy,
                        const double *q, const double *k, const double *v, const double *dout,
                        const unsigned char *keep, size_t n_q, size_t n_k, size_t d, size_t d_v,
                        unsigned long long seed, const char *where, char **json,
                        double *const out[PY_PARTS], unsigned *parts, char *err, size_t errlen)
{
    ns_head h = { .policy = policy };
    if (head_options("attention", o, kern, &h, err, errlen) != 0)
        return -1;
    if (!q)
        return ns_py_fail(err, errlen, "attention: %s needs --q", kern->name);
    if (n_q > NS_ATTN_MAX_N || n_k > NS_ATTN_MAX_N || d > NS_ATTN_MAX_D || d_v > NS_ATTN_MAX_D ||
        n_q * n_k > (size_t)1 << 26)
        return ns_py_fail(err, errlen, "attention: %zu queries x %zu keys, d %zu, d_v %zu: beyond 2^26 "
                          "scores, %zu tokens or %zu channels", n_q, n_k, d, d_v, NS_ATTN_MAX_N,
                          NS_ATTN_MAX_D);
    h.n_q = n_q, h.n_k = n_k, h.d = d, h.d_v = d_v;
    if (h.scale_exact)
        h.scale = 1 / sqrt((double)d);
    double *qr = malloc(n_q * d * sizeof *qr), *kr = malloc(n_k * d * sizeof *kr);
    double *vr = malloc(n_k * d_v * sizeof *vr), *dor = malloc(n_q * d_v * sizeof *dor);
    int status = qr && kr && vr && dor ? 0 : ns_py_fail(err, errlen, "attention: out of memory");
    if (status == 0) {
        if (!dout)
            ns_head_gradient(seed, n_q, d_v, dor);
        round_rows(h.policy, q, qr, n_q, d);
        round_rows(h.policy, k, kr, n_k, d);
        round_rows(h.policy, v, vr, n_k, d_v);
        round_rows(h.policy, dout ? dout : dor, dor, n_q, d_v);
        h.q = qr, h.k = kr, h.v = vr, h.dout = dor, h.keep = keep;
    }
    ns_attn_ref ref;
    ns_attn_out r = { 0 };
    int have_ref = 0, have_out = 0;
    if (status == 0 && !(have_ref = ns_attn_reference(&h, &ref) == 0))
        status = ns_py_fail(err, errlen, "attention: out of memory for the reference");
    if (status == 0 && !(have_out = ns_attn_out_alloc(&h, &r) == 0))
        status = ns_py_fail(err, errlen, "attention: out of memory running %s", kern->name);
    if (status == 0 && ns_kernel_run(kern, &h, &r) != 0)
        status = ns_py_fail(err, errlen, "attention: out of memory running %s", kern->name);
    ns_attn_compare c;
    if (status == 0) {
        const double *back = kern->backward ? r.dq : NULL;
        const double *src[PY_PARTS] = { r.o, kern->has_lse ? r.lse : NULL, back, back ? r.dk : NULL,
                                        back ? r.dv : NULL, NULL, NULL };
        size_t len[PY_PARTS];
        part_lengths(&h, len);
        copy_parts(out, src, len, parts);
        if (ns_attn_compare_head(kern, &h, &r, &ref, &c) != 0)
            status = ns_py_fail(err, errlen, "attention: out of memory comparing %s", kern->name);
    }
    if (status == 0) {
        status = json_text(ns_attn_compare_json(kern, &h, where, &ref, &c), json, err, errlen);
    }
    if (have_out)
        ns_attn_out_free(&r);
    if (have_ref)
        ns_attn_ref_free(&ref);
    free(qr), free(kr), free(vr), free(dor);
    return status;
}

/* m (n numbers) rounded into the policy's input format into mr; a value
 * that is not finite there has no reference: -1 naming it, as the command. */
static int round_finite(const ns_policy *p, const char *what, const double *m, double *mr, size_t n,
                        char *err, size_t errlen)
{
    ns_policy_round_inputs(p, 1, m, mr, n);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(mr[i]))
            return ns_py_fail(err, errlen, "attention: %s entry %zu (%g) is not finite in %s's input "
                              "format: no reference", what, i, m[i], p->name);
    return 0;
}

/* A linear attention or RWKV-4 kernel on one head
 * (cli/cmd_attention_linear.c): linear reads q, k, v; RWKV w, u (d
 * numbers), k, v (T x C: n_q = n_k = T, d = d_v = C).  Without dout, O
 * alone, as the command without --do. */
static int recurrent_head(const ns_py_head_opts *o, const ns_kernel *kern, const ns_policy *policy,
                          const double *q, const double *k, const double *v, const double *w,
                          const double *u, const double *dout, const unsigned char *keep, size_t n_q,
                          size_t n_k, size_t d, size_t d_v, char **json, double *const out[PY_PARTS],
                          unsigned *parts, char *err, size_t errlen)
{
    bool rwkv = kern->inputs & NS_ATTN_IN_W;
    if (o->normalizer || o->mask_value || o->scale_on || !isnan(o->scale) || o->fma || o->block_q ||
        o->block_k || !isnan(o->p_offset) || keep)
        return ns_py_fail(err, errlen, "attention: kernel '%s' takes none of the softmax kernels' options "
                          "(normalizer, mask, mask_value, scale, scale_on, fma, blocks, p_offset)", kern->name);
    if (o->feature && (rwkv || ns_feature_find(o->feature) < 0))
        return ns_py_fail(err, errlen, "attention: --feature '%s' is not elu1, relu or identity of a linear "
                          "kernel", o->feature);
    if (rwkv ? !(w && u) || q : !q)
        return ns_py_fail(err, errlen, rwkv ? "attention: %s reads w, u, k, v (not q)"
                                            : "attention: %s needs --q", kern->name);
    if (n_q > (size_t)1 << 20 || n_k > (size_t)1 << 20 || d > NS_ATTN_MAX_D || d_v > NS_ATTN_MAX_D)
        return ns_py_fail(err, errlen, "attention: %zu queries, %zu keys, d %zu, d_v %zu: beyond 2^20 "
                          "tokens or %zu channels", n_q, n_k, d, d_v, NS_ATTN_MAX_D);
    if (!rwkv && strcmp(kern->name, "linear") != 0 && n_q != n_k)
        return ns_py_fail(err, errlen, "attention: %s is causal: --q has %zu rows, --k %zu", kern->name, n_q,
                          n_k);
    size_t nq = rwkv ? 0 : n_q * d, nw = rwkv ? d : 0;
    double *qr = malloc((nq + 1) * sizeof *qr), *kr = malloc(n_k * d * sizeof *kr);
    double *vr = malloc(n_k * d_v * sizeof *vr), *wr = malloc((nw + 1) * sizeof *wr);
    double *ur = malloc((nw + 1) * sizeof *ur), *dor = malloc(n_q * d_v * sizeof *dor);
    int status = qr && kr && vr && wr && ur && dor ? 0 : ns_py_fail(err, errlen, "attention: out of memory");
    if (status == 0)
        status = round_finite(policy, "--q", q, qr, nq, err, errlen) ||
                 round_finite(policy, "--k", k, kr, n_k * d, err, errlen) ||
                 round_finite(policy, "--v", v, vr, n_k * d_v, err, errlen) ||
                 round_finite(policy, "--w", w, wr, nw, err, errlen) ||
                 round_finite(policy, "--u", u, ur, nw, err, errlen) ||
                 round_finite(policy, "--do", dout, dor, dout ? n_q * d_v : 0, err, errlen) ? -1 : 0;
    ns_head h = { .n_q = n_q, .n_k = n_k, .d = d, .d_v = d_v, .q = rwkv ? NULL : qr, .k = kr, .v = vr,
                  .w = rwkv ? wr : NULL, .u = rwkv ? ur : NULL, .dout = dout ? dor : NULL, .scale = 1,
                  .block_q = 1, .block_k = 1, .policy = policy, .feature = o->feature,
                  .chunk = o->chunk ? (size_t)o->chunk : 64 };
    ns_attn_out r;
    ns_recur_ref ref;
    int have_out = 0, have_ref = 0;
    if (status == 0 && !((have_out = ns_attn_out_alloc(&h, &r) == 0) && ns_kernel_run(kern, &h, &r) == 0 &&
                         (have_ref = ns_recur_reference(kern, &h, &ref) == 0)))
        status = ns_py_fail(err, errlen, "attention: out of memory");
    ns_recur_compare c;
    if (status == 0 && ns_recur_compare_head(kern, &h, &r, &ref, &c) != 0)
        status = ns_py_fail(err, errlen, "attention: out of memory");
    if (status == 0) {
        const bool back = h.dout != NULL;
        const double *src[PY_PARTS] = { r.o, NULL, back && !rwkv ? r.dq : NULL, back ? r.dk : NULL,
                                        back ? r.dv : NULL, back && rwkv ? r.dw : NULL,
                                        back && rwkv ? r.du : NULL };
        size_t len[PY_PARTS];
        part_lengths(&h, len);
        copy_parts(out, src, len, parts);
        status = json_text(ns_recur_compare_json(kern, &h, &c), json, err, errlen);
    }
    if (have_ref)
        ns_recur_ref_free(&ref);
    if (have_out)
        ns_attn_out_free(&r);
    free(qr), free(kr), free(vr), free(wr), free(ur), free(dor);
    return status;
}

/* normstab attention --json on one head.  Softmax kernels: Q (n_q x d), K
 * (n_k x d), V (n_k x d_v), dO (n_q x d_v; NULL: N(0,1) from seed, as the
 * command), keep (n_q x n_k of 0/1; NULL: every key).  Linear attention
 * and RWKV-4: as recurrent_head.  All are rounded into the policy's input
 * format first.  *json gets the command's object (ns_py_free); out[] the
 * kernel's results in the order o, lse, dq, dk, dv, dw, du (NULL: not
 * wanted; n_q x d_v, n_q, n_q x d, n_k x d, n_k x d_v, d, d) and *parts a
 * bit per part the kernel computes. */
int ns_py_attention(const ns_py_head_opts *o, const double *q, const double *k, const double *v,
                    const double *w, const double *u, const double *dout, const unsigned char *keep,
                    size_t n_q, size_t n_k, size_t d, size_t d_v, unsigned long long seed,
                    const char *where, char **json, double *const out[PY_PARTS], unsigned *parts,
                    char *err, size_t errlen)
{
    *json = NULL;
    *parts = 0;
    pthread_rwlock_rdlock(&ns_py_catalogue_lock);
    const ns_kernel *kern;
    const ns_policy *policy;
    int r = head_kernel("attention", o, &kern, &policy, err, errlen);
    if (r == 0 && (n_q == 0 || n_k == 0 || d == 0 || d_v == 0))
        r = ns_py_fail(err, errlen, "attention: an empty head (%zu queries, %zu keys, d %zu, d_v %zu)",
                       n_q, n_k, d, d_v);
    if (r == 0 && ns_recur_kernel(kern))
        r = recurrent_head(o, kern, policy, q, k, v, w, u, dout, keep, n_q, n_k, d, d_v, json, out,
                           parts, err, errlen);
    else if (r == 0)
        r = softmax_head(o, kern, policy, q, k, v, dout, keep, n_q, n_k, d, d_v, seed, where, json, out,
                         parts, err, errlen);
    pthread_rwlock_unlock(&ns_py_catalogue_lock);
    return r;
}

/* The settings of the attention search that are not the head's. */
typedef struct ns_py_attn_search_opts {
    const char *objective;
    unsigned long long n, d;        /* 0: 8 and 4 */
    int masks;
    unsigned long long seed, evals;
    double seconds;                 /* 0 with evals 0: 10 */
} ns_py_attn_search_opts;

/* The findings gathered as JSON Lines. */
typedef struct collector {
    ns_py_lines lines;
    const ns_kernel *kernel;
} collector;

static int collect(const ns_attn_finding *f, void *ctx)
{
    collector *c = ctx;
    return ns_py_lines_add(&c->lines, ns_attn_finding_json(c->kernel, f)) == 0 ? 0 : 1;
}

static int attention_search_unlocked(const ns_py_head_opts *ho, const ns_py_attn_search_opts *so,
                                     volatile sig_atomic_t *stop, char **out,
                                     unsigned long long *evals, char *err, size_t errlen)
{
    const ns_kernel *k;
    ns_attn_search_opts o = { .seed = so->seed, .max_evals = so->evals, .seconds = so->seconds,
                              .masks = so->masks != 0, .stop = stop, .base = { .scale_exact = true } };
    if (head_kernel("search", ho, &k, &o.base.policy, err, errlen) != 0 ||
        head_options("search", ho, k, &o.base, err, errlen) != 0)
        return -1;
    o.kernel = k;
    o.base.block_k = ho->block_k ? (size_t)ho->block_k : 4;   /* the command's default */
    o.base.scale_exact = true;
    int kind = so->objective ? ns_kind_find(so->objective) : -1;
    if (kind != NS_KIND_NAN && kind != NS_KIND_INF && kind != NS_KIND_ERROR && kind != NS_KIND_DENOMINATOR &&
        kind != NS_KIND_GRADIENT)
        return ns_py_fail(err, errlen, "search: unknown objective '%s' with --kernel (known: nan, inf, "
                          "error, denominator, gradient)", so->objective ? so->objective : "");
    o.objective = (ns_kind)kind;
    if (so->n > NS_ATTN_SEARCH_MAX_N || so->d > NS_ATTN_SEARCH_MAX_D)
        return ns_py_fail(err, errlen, "search: --n %llu --d %llu: expected at most %d and %d", so->n,
                          so->d, NS_ATTN_SEARCH_MAX_N, NS_ATTN_SEARCH_MAX_D);
    o.n = so->n ? (size_t)so->n : 8;
    o.d = so->d ? (size_t)so->d : 4;
    if (!(so->seconds >= 0) || isinf(so->seconds))
        return ns_py_fail(err, errlen, "search: --seconds '%g' is not a finite number", so->seconds);
    if (so->seconds == 0 && so->evals == 0)
        o.seconds = 10;
    collector c = { .kernel = k };
    if (ns_py_lines_open(&c.lines) != 0)
        return ns_py_fail(err, errlen, "search: out of memory");
    ns_attn_search_stats st;
    int status = ns_attn_search(&o, collect, &c, &st) == 0 ? 0 : ns_py_fail(err, errlen, "search: out of memory");
    *evals = st.evals;
    *out = ns_py_lines_close(&c.lines, status == 0);
    if (status == 0 && !*out)
        status = ns_py_fail(err, errlen, "search: out of memory");
    return status;
}

/* normstab search --kernel --json: one finding a line in *out (without the
 * summary line), *evals the heads evaluated; *stop set stops the search. */
int ns_py_attention_search(const ns_py_head_opts *ho, const ns_py_attn_search_opts *so,
                           volatile sig_atomic_t *stop, char **out, unsigned long long *evals, char *err,
                           size_t errlen)
{
    *out = NULL;
    *evals = 0;
    pthread_rwlock_rdlock(&ns_py_catalogue_lock);
    int r = attention_search_unlocked(ho, so, stop, out, evals, err, errlen);
    pthread_rwlock_unlock(&ns_py_catalogue_lock);
    return r;
}
