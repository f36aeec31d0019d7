/* normstab attention: one attention head run by a kernel (attention/) and
 * compared with the reference at the rounded inputs, as `check` compares a
 * row: errors of O, LSE, dQ, dK, dV, NaN/inf, the smallest denominator, the
 * largest score and the verdict of the kernel's contract.  Exit status 1
 * only when the contract is broken. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../attention/compare.h"
#include "../attention/compare_json.h"
#include "../attention/generators.h"
#include "../attention/head_json.h"
#include "../attention/kernel.h"
#include "../attention/recurrent.h"
#include "../attention/reference.h"
#include "../input/matrix.h"
#include "../input/rows.h"
#include "../normalizers/catalogue.h"
#include "../util/file.h"
#include "args.h"
#include "cli.h"

static const char attention_help[] =
    "usage: normstab attention --kernel KERNEL [-p POLICY]\n"
    "                          (--q FILE --k FILE --v FILE [--do FILE]\n"
    "                           | --gen GENERATOR[=PARAM] [--n N] [--d D]) [--seed K]\n"
    "                          [--normalizer NAME] [--mask none|causal|FILE]\n"
    "                          [--mask-value inf|min|VALUE] [--scale S] [--scale-on scores|q]\n"
    "                          [--fma] [--block-q B] [--block-k B] [--p-offset K]\n"
    "                          [--print o|lse|dq|dk|dv] [--json]\n"
    "       normstab attention --finding FILE [--print X] [--json]\n\n"
    "Runs one attention head, forward and backward, the way KERNEL computes it\n"
    "in POLICY, and compares O, the log-sum-exp and dQ, dK, dV with the reference\n"
    "(softmax attention at the rounded inputs, exact scale, correctly rounded to\n"
    "binary64): errors in ulps and bits of the output format, normwise errors,\n"
    "NaN/inf, the smallest denominator, the largest score, and the verdict.\n\n"
    "kernels:\n%s\n"
    "The linear attention and RWKV-4 kernels (linear*, rwkv4.*) take their own\n"
    "options: normstab attention --kernel linear --help; so does --roads, the\n"
    "three roads (softmax, normalizers, linear and RWKV) side by side.\n\n"
    "  -p POLICY        any policy (default: the kernel's); 'ref' with --print\n"
    "                   prints the reference\n"
    "  --q/--k/--v FILE Q (n_q x d), K (n_k x d), V (n_k x d_v): text, one token per\n"
    "                   line, or .npy\n"
    "  --do FILE        upstream gradient of O (n_q x d_v); default N(0,1) of --seed\n"
    "  --gen G[=P]      a generated head ('normstab list generators', head.*)\n"
    "  --n N, --d D     its tokens and head dimension (default: the generator's)\n"
    "  --seed K         seed of the generated head and of dO (default 1)\n"
    "  --normalizer A   textbook: any catalogue algorithm (default softmax.shifted);\n"
    "                   outside softmax the reference is that family's at the\n"
    "                   scores rounded to binary64 (faithful), and O's error is\n"
    "                   shown, not promised\n"
    "  --mask M         none (default), causal, or FILE of n_q x n_k 0/1 (1 keeps)\n"
    "  --mask-value V   masked scores: inf (-inf, default), min (the most negative\n"
    "                   finite score), or VALUE added as a bias (e.g. -10000)\n"
    "  --scale S        default 1/sqrt(d) (exact in the reference)\n"
    "  --scale-on W     scores (default) or q: scale q before q . k\n"
    "  --fma            each multiply-add of a dot product one fused op in acc;\n"
    "                   flash: the exp2 argument s . scale_log2 - m fused too\n"
    "  --block-q/-k B   tiles of flash (default 64 and 64)\n"
    "  --p-offset K     flash-fp8: log2 of P's peak (default 8, FlashAttention-3)\n"
    "  --print X        print the kernel's X (one row per line, %%a) instead\n"
    "  --json           one JSON object instead of words\n"
    "  --finding FILE   replay a finding of 'normstab search --kernel --json' (its\n"
    "                   JSON line: kernel, policy, head and options)\n\n"
    "The reference masks a key by leaving it out: a finite mask value that leaks\n"
    "is an error.  A query with no kept key has O = 0, LSE = -inf, no gradient.\n"
    "Verdict: kept (every promise held), expected (a hazard the kernel declares,\n"
    "named with its source) or BROKEN; exit status 1 only when broken.\n";

typedef struct attn_opts {
    const char *kernel, *policy, *q, *k, *v, *dout, *gen, *n, *d, *seed, *normalizer;
    const char *mask, *mask_value, *scale, *scale_on, *block_q, *block_k, *p_offset, *print, *finding;
    int fma, json;
} attn_opts;

static void print_help(void)
{
    char list[2048];
    size_t at = 0;
    list[0] = '\0';
    for (const ns_kernel *const *k = ns_kernel_list(); *k && at < sizeof list; k++)
        at += (size_t)snprintf(list + at, sizeof list - at, "  %-16s %s\n", (*k)->name, (*k)->summary);
    printf(attention_help, list);
}

static void parse_args(int argc, char **argv, attn_opts *o)
{
    static const struct { const char *name; size_t off; } valued[] = {
#define V(n, f) { n, offsetof(attn_opts, f) }
        V("--kernel", kernel), V("-p", policy), V("--policy", policy), V("--q", q), V("--k", k),
        V("--v", v), V("--do", dout), V("--gen", gen), V("--n", n), V("--d", d), V("--seed", seed),
        V("--normalizer", normalizer), V("--mask", mask), V("--mask-value", mask_value),
        V("--scale", scale), V("--scale-on", scale_on), V("--block-q", block_q),
        V("--block-k", block_k), V("--p-offset", p_offset), V("--print", print), V("--finding", finding),
#undef V
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_help();
            exit(ns_finish_output());
        }
        if (strcmp(a, "--fma") == 0) {
            o->fma = 1;
            continue;
        }
        if (strcmp(a, "--json") == 0) {
            o->json = 1;
            continue;
        }
        size_t found = sizeof valued / sizeof valued[0];
        const char *value = NULL;
        for (size_t t = 0; t < sizeof valued / sizeof valued[0]; t++) {
            size_t len = strlen(valued[t].name);
            if (strncmp(a, valued[t].name, len) == 0 && (a[len] == '\0' || a[len] == '=')) {
                found = t;
                if (a[len] == '=')
                    value = a + len + 1;
                else if (i + 1 < argc)
                    value = argv[++i];
                else
                    ns_die("attention: option '%s' needs a value", valued[t].name);
                break;
            }
        }
        if (found == sizeof valued / sizeof valued[0])
            ns_die("attention: unknown option '%s' (see 'normstab attention --help')", a);
        const char **slot = (const char **)((char *)o + valued[found].off);
        if (*slot)
            ns_die("attention: option '%s' given twice", valued[found].name);
        *slot = value;
    }
}

static unsigned long long parse_count(const char *what, const char *s, unsigned long long min,
                                      unsigned long long max)
{
    unsigned long long v;
    if (ns_parse_count(s, 0, &v) != 0)
        ns_die("attention: %s '%s' is not a non-negative integer", what, s);
    if (v < min || v > max)
        ns_die("attention: %s %llu is outside %llu..%llu", what, v, min, max);
    return v;
}

static double parse_real(const char *what, const char *s)
{
    double v;
    const char *why;
    if (ns_parse_number(s, strlen(s), &v, &why) != 0)
        ns_die("attention: %s '%s': %s", what, s, why);
    if (!isfinite(v))
        ns_die("attention: %s '%s' is not finite", what, s);
    return v;
}

/* The same, or exit 2 with the message (freeing `also`, the matrices read
 * before, first). */
static double *read_matrix(const char *opt, const char *path, size_t *rows, size_t *cols, double *also[3])
{
    char err[1024];
    double *m = ns_matrix_read(opt, path, NS_ATTN_MAX_N, NS_ATTN_MAX_D, rows, cols, err, sizeof err);
    if (!m) {
        for (int i = 0; also && i < 3; i++)
            free(also[i]);
        ns_die("%s", err);
    }
    return m;
}

/* Each row of x (rows x cols) rounded into the policy's input format. */
static void round_rows(const ns_policy *p, double *x, size_t rows, size_t cols)
{
    double *tmp = malloc(cols * sizeof *tmp);
    if (!tmp)
        ns_die("attention: out of memory");
    for (size_t i = 0; i < rows; i++) {
        memcpy(tmp, x + i * cols, cols * sizeof *tmp);
        ns_policy_round_inputs(p, 1, tmp, x + i * cols, cols);
    }
    free(tmp);
}

/* The mask of --mask; on bad input exit 2, freeing the head's tensors
 * (also) first. */
static unsigned char *read_mask(const char *spec, size_t nq, size_t nk, double *also[4])
{
    if (!spec || strcmp(spec, "none") == 0)
        return NULL;
    unsigned char *keep = malloc(nq * nk + 1);
    if (!keep) {
        for (int i = 0; i < 4; i++)
            free(also[i]);
        ns_die("attention: out of memory for a mask of %zu x %zu", nq, nk);
    }
    if (strcmp(spec, "causal") == 0) {
        for (size_t i = 0; i < nq; i++)
            for (size_t j = 0; j < nk; j++)
                keep[i * nk + j] = j <= i + (nk > nq ? nk - nq : 0);
        return keep;
    }
    size_t rows, cols;
    char err[1024];
    double *m = ns_matrix_read("--mask", spec, NS_ATTN_MAX_N, NS_ATTN_MAX_D, &rows, &cols, err, sizeof err);
    if (m && (rows != nq || cols != nk))
        snprintf(err, sizeof err, "attention: --mask: %s is %zu x %zu, the head needs %zu x %zu", spec, rows,
                 cols, nq, nk);
    int ok = m && rows == nq && cols == nk;
    for (size_t t = 0; ok && t < nq * nk; t++) {
        if (m[t] != 0 && m[t] != 1) {
            snprintf(err, sizeof err, "attention: --mask: %s row %zu column %zu is %g, not 0 or 1", spec,
                     t / nk + 1, t % nk + 1, m[t]);
            ok = 0;
        }
        keep[t] = m[t] == 1;
    }
    free(m);
    if (!ok) {
        free(keep);
        for (int i = 0; i < 4; i++)
            free(also[i]);
        ns_die("%s", err);
    }
    return keep;
}

static void print_part(const char *name, const ns_attn_err *e, const ns_format *f)
{
    if (!e->present)
        return;
    if (isnan(e->max_bits))
        printf("  %-4s no finite output (%.3g ulps at %zu), normwise %.3g, %zu NaN, %zu inf\n", name, e->max_ulps,
               e->worst, e->normwise, e->nan, e->inf);
    else
        printf("  %-4s worst %.2f bits of %d over the finite outputs (%.3g ulps at %zu), mean %.2f bits, normwise "
               "%.3g, %zu NaN, %zu inf\n", name, e->max_bits, f->p, e->max_ulps, e->worst, e->mean_bits, e->normwise,
               e->nan, e->inf);
}

static void print_words(const ns_kernel *k, const ns_head *h, const char *where, const ns_attn_ref *ref,
                        const ns_attn_compare *c)
{
    const ns_policy *p = h->policy;
    printf("%s  kernel %s  policy %s  n_q %zu  n_k %zu  d %zu  d_v %zu\n", where, k->name, p->name, h->n_q,
           h->n_k, h->d, h->d_v);
    printf("  scale %a%s on %s, mask value %s, fma %s, blocks %zu x %zu\n", h->scale,
           h->scale_exact ? " (1/sqrt(d), exact in the reference)" : "",
           h->scale_on == NS_SCALE_ON_Q ? "q" : "scores",
           h->mask_style == NS_MASK_INF ? "-inf" : h->mask_style == NS_MASK_MIN ? "min" : "bias",
           h->fma ? "on" : "off", h->block_q, h->block_k);
    if (!c->defined) {
        printf("  the reference is undefined for this head (an input is NaN or infinite in %s)\n", p->io->name);
        return;
    }
    printf("  reference: %s%s\n", ref->faithful ? "the normalizer family's, at binary64 scores (faithful)"
                               : ref->tier ? "double-double tier" : "MPFR",
           ref->uncertain ? " (some entries uncertain at the precision cap)" : "");
    const ns_format *fmt[NS_ATTN_PARTS] = { p->out, p->acc, p->out, p->out, p->out };
    for (int t = 0; t < NS_ATTN_PARTS; t++)
        print_part(ns_attn_part_name(t), &c->part[t], fmt[t]);
    if (!k->backward && h->dout)
        printf("  gradients: none (%s is forward only)\n", k->name);
    printf("  denominators: %zu, smallest |l| = %a, %zu zero; %zu queries without keys\n", c->denominators,
           c->min_denominator, c->zero_denominators, c->empty_rows);
    printf("  scores: largest |q . k| formed %.6g, reference largest |s| %.6g; largest P before storing %.6g\n",
           c->max_score, c->max_score_ref, c->max_p);
    printf("  O error / bound: %.3g\n", c->bound_ratio);
    if (c->verdict == NS_ATTN_KEPT) {
        printf("  contract: kept (%s)\n", k->promises);
        return;
    }
    char words[64];
    ns_attn_broken_words(c->broken, words, sizeof words);
    printf("  contract: %s: %s at query %zu (%s): %s\n", c->verdict == NS_ATTN_EXPECTED ? "expected" : "BROKEN",
           words, c->row, c->cause, c->hazard ? c->hazard->why : "not a hazard this kernel declares");
}

static void print_json(const ns_kernel *k, const ns_head *h, const char *where, const ns_attn_ref *ref,
                       const ns_attn_compare *c)
{
    cJSON *j = ns_attn_compare_json(k, h, where, ref, c);
    if (!j || ns_print_json_line(j) != 0)
        ns_die("attention: out of memory");
}

static void print_matrix(const char *what, const double *m, size_t rows, size_t cols)
{
    if (!m)
        ns_die("attention: --print %s: the kernel does not compute it", what);
    for (size_t i = 0; i < rows; i++)
        ns_print_row(stdout, m + i * cols, cols);
}

static int run_head(const ns_kernel *k, ns_head *h, const char *where, const attn_opts *o);

/* Why --print X cannot be printed for kernel k (NULL: the reference, which
 * has every part) into err, or NULL. */
static const char *print_problem(const ns_kernel *k, const char *print, char *err, size_t len)
{
    if (!print)
        return NULL;
    if (strcmp(print, "o") && strcmp(print, "lse") && strcmp(print, "dq") && strcmp(print, "dk") && strcmp(print, "dv"))
        snprintf(err, len, "attention: --print '%s' is none of o, lse, dq, dk, dv", print);
    else if (k && strcmp(print, "lse") == 0 && !k->has_lse)
        snprintf(err, len, "attention: --print lse: kernel %s has no log-sum-exp", k->name);
    else if (k && print[0] == 'd' && !k->backward)
        snprintf(err, len, "attention: --print %s: kernel %s is forward only", print, k->name);
    else
        return NULL;
    return err;
}

/* A finding of `search --kernel --json` replayed: kernel, policy, head. */
static int replay_finding(const attn_opts *o)
{
    if (o->kernel || o->policy || o->q || o->k || o->v || o->dout || o->gen || o->n || o->d || o->seed ||
        o->normalizer || o->mask || o->mask_value || o->scale || o->scale_on || o->block_q || o->block_k ||
        o->p_offset || o->fma)
        ns_die("attention: --finding takes the kernel, policy, head and options from %s", o->finding);
    size_t len;
    char *text = ns_file_read(o->finding, (size_t)1 << 28, &len);
    if (!text)
        ns_die("attention: --finding: cannot read %s", o->finding);
    cJSON *j = cJSON_ParseWithLength(text, len);
    free(text);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        ns_die("attention: --finding: %s is not a JSON object (one finding line)", o->finding);
    }
    const cJSON *kn = cJSON_GetObjectItemCaseSensitive(j, "kernel"), *pn = cJSON_GetObjectItemCaseSensitive(j, "policy");
    const ns_kernel *k = cJSON_IsString(kn) ? ns_kernel_find(kn->valuestring) : NULL;
    char err[512];
    if (!k || print_problem(k, o->print, err, sizeof err)) {
        cJSON_Delete(j);
        if (!k)
            ns_die("attention: --finding: %s: no known \"kernel\"", o->finding);
        ns_die("%s", err);
    }
    const ns_policy *p = cJSON_IsString(pn) ? ns_policy_parse(pn->valuestring, err, sizeof err) : NULL;
    if (!p || ns_policy_is_ref(p)) {
        cJSON_Delete(j);
        ns_die("attention: --finding: %s: \"policy\" is not a floating-point policy", o->finding);
    }
    ns_head h;
    int read = ns_head_json_read(j, p, &h, err, sizeof err);
    cJSON_Delete(j);
    if (read != 0)
        ns_die("attention: --finding: %s: %s", o->finding, err);
    int status = run_head(k, &h, o->finding, o);
    ns_head_json_free(&h);
    return status;
}

int cmd_attention(int argc, char **argv)
{
    /* linear attention and RWKV-4 take their own options (w, u, features,
     * chunks, envelopes, --roads): cli/cmd_attention_linear.c */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--roads") == 0 ||
            (strcmp(argv[i], "--kernel") == 0 && i + 1 < argc && ns_kernel_find(argv[i + 1]) &&
             ns_recur_kernel(ns_kernel_find(argv[i + 1]))))
            return cmd_attention_linear(argc, argv);
    attn_opts o = { 0 };
    parse_args(argc, argv, &o);
    if (o.finding)
        return replay_finding(&o);
    if (!o.kernel)
        ns_die("attention: --kernel is needed (see 'normstab attention --help')");
    const ns_kernel *k = ns_kernel_find(o.kernel);
    if (!k)
        ns_die("attention: unknown kernel '%s' (see 'normstab attention --help')", o.kernel);
    if (k->inputs & (NS_ATTN_IN_W | NS_ATTN_IN_U))
        ns_die("attention: kernel '%s' reads inputs this command does not take yet", k->name);
    char err[512];
    const ns_policy *policy = ns_policy_parse(o.policy ? o.policy : k->default_policy, err, sizeof err);
    if (!policy)
        ns_die("attention: -p: %s", err);
    int is_ref = ns_policy_is_ref(policy);
    if (is_ref && !o.print)
        ns_die("attention: policy 'ref' is the reference itself; give --print or a floating-point policy");
    if (o.normalizer && strcmp(k->name, "textbook") != 0)
        ns_die("attention: --normalizer is for the textbook kernel, not '%s'", k->name);
    if (o.normalizer && !ns_algorithm_find(o.normalizer, NULL))
        ns_die("attention: unknown normalizer '%s' (see 'normstab list normalizers')", o.normalizer);
    if (o.gen && (o.q || o.k || o.v))
        ns_die("attention: give either --q/--k/--v or --gen, not both");
    if (!o.gen && !(o.q && o.k && o.v))
        ns_die("attention: give --q, --k and --v, or --gen (see 'normstab attention --help')");
    if (!o.gen && (o.n || o.d))
        ns_die("attention: --n and --d go with --gen");
    uint64_t seed = o.seed ? parse_count("--seed", o.seed, 0, UINT64_MAX) : 1;

    ns_head h = { .policy = policy, .normalizer = o.normalizer, .fma = o.fma != 0, .p_offset = 8 };
    h.mask_style = NS_MASK_INF;
    if (o.mask_value && strcmp(o.mask_value, "inf") != 0) {
        if (strcmp(o.mask_value, "min") == 0) {
            h.mask_style = NS_MASK_MIN;
        } else {
            h.mask_style = NS_MASK_VALUE;
            h.mask_value = parse_real("--mask-value", o.mask_value);
        }
    }
    h.scale_exact = o.scale == NULL;
    if (o.scale)
        h.scale = parse_real("--scale", o.scale);
    h.scale_on = NS_SCALE_ON_SCORES;
    if (o.scale_on && strcmp(o.scale_on, "q") == 0)
        h.scale_on = NS_SCALE_ON_Q;
    else if (o.scale_on && strcmp(o.scale_on, "scores") != 0)
        ns_die("attention: --scale-on '%s' is neither scores nor q", o.scale_on);
    h.block_q = o.block_q ? parse_count("--block-q", o.block_q, 1, NS_ATTN_MAX_N) : 64;
    h.block_k = o.block_k ? parse_count("--block-k", o.block_k, 1, NS_ATTN_MAX_N) : 64;
    if (o.p_offset)
        h.p_offset = parse_real("--p-offset", o.p_offset);
    char perr[256];
    if (print_problem(is_ref ? NULL : k, o.print, perr, sizeof perr))
        ns_die("%s", perr);
    /* the options are checked before anything is read: no error below leaves
       memory behind but the tensors' own readers, which free what they hold */
    double *q, *kk, *v, *dout = NULL;
    char where[256];
    if (o.gen) {
        char name[128];
        const char *eq = strchr(o.gen, '=');
        size_t len = eq ? (size_t)(eq - o.gen) : strlen(o.gen);
        if (len >= sizeof name)
            ns_die("attention: --gen: unknown generator '%s'", o.gen);
        memcpy(name, o.gen, len);
        name[len] = '\0';
        const ns_head_generator *g = ns_head_generator_find(name);
        if (!g)
            ns_die("attention: --gen: unknown generator '%s' (the head.* of 'normstab list generators')", name);
        double param = eq ? parse_real("--gen parameter", eq + 1) : g->param_default;
        size_t n = o.n ? parse_count("--n", o.n, 1, NS_ATTN_MAX_N) : g->n_default;
        size_t d = o.d ? parse_count("--d", o.d, 1, NS_ATTN_MAX_D) : g->d_default;
        if (n * n > (size_t)1 << 26 || n * d > (size_t)1 << 24)
            ns_die("attention: --n %zu --d %zu: a head beyond 2^26 scores or 2^24 entries", n, d);
        q = malloc(n * d * sizeof *q);
        kk = malloc(n * d * sizeof *kk);
        v = malloc(n * d * sizeof *v);
        if (!q || !kk || !v)
            ns_die("attention: out of memory for a head of %zu x %zu", n, d);
        g->fill(param, n, d, seed, q, kk, v);
        h.n_q = h.n_k = n;
        h.d = h.d_v = d;
        snprintf(where, sizeof where, "%s %s=%g n=%zu d=%zu seed=%llu", g->name, g->param_name, param, n, d,
                 (unsigned long long)seed);
    } else {
        size_t rq, cq, rk, ck, rv, cv;
        q = read_matrix("--q", o.q, &rq, &cq, NULL);
        kk = read_matrix("--k", o.k, &rk, &ck, (double *[3]){ q, NULL, NULL });
        v = read_matrix("--v", o.v, &rv, &cv, (double *[3]){ q, kk, NULL });
        double *all[3] = { q, kk, v };
        if (ck != cq) {
            for (int i = 0; i < 3; i++)
                free(all[i]);
            ns_die("attention: --k: %s has rows of %zu numbers, --q %s of %zu: q and k need one d", o.k, ck,
                   o.q, cq);
        }
        if (rv != rk) {
            for (int i = 0; i < 3; i++)
                free(all[i]);
            ns_die("attention: --v: %s has %zu rows, --k %s has %zu: one value per key", o.v, rv, o.k, rk);
        }
        h.n_q = rq;
        h.n_k = rk;
        h.d = cq;
        h.d_v = cv;
        if (rq * rk > (size_t)1 << 26) {
            free(q);
            free(kk);
            free(v);
            ns_die("attention: %zu queries x %zu keys: beyond 2^26 scores", rq, rk);
        }
        snprintf(where, sizeof where, "%s %s %s", o.q, o.k, o.v);
    }
    if (o.dout) {
        size_t r, c;
        dout = read_matrix("--do", o.dout, &r, &c, (double *[3]){ q, kk, v });
        if (r != h.n_q || c != h.d_v) {
            free(q);
            free(kk);
            free(v);
            free(dout);
            ns_die("attention: --do: %s is %zu x %zu, O is %zu x %zu", o.dout, r, c, h.n_q, h.d_v);
        }
    } else {
        dout = malloc((h.n_q * h.d_v + 1) * sizeof *dout);
        if (!dout)
            ns_die("attention: out of memory");
        ns_head_gradient(seed, h.n_q, h.d_v, dout);
    }
    if (!is_ref) {
        round_rows(policy, q, h.n_q, h.d);
        round_rows(policy, kk, h.n_k, h.d);
        round_rows(policy, v, h.n_k, h.d_v);
        round_rows(policy, dout, h.n_q, h.d_v);
    }
    h.q = q;
    h.k = kk;
    h.v = v;
    h.dout = dout;
    h.scale = o.scale ? h.scale : 1 / sqrt((double)h.d);
    h.keep = read_mask(o.mask, h.n_q, h.n_k, (double *[4]){ q, kk, v, dout });
    int status = run_head(k, &h, where, &o);
    free(q);
    free(kk);
    free(v);
    free(dout);
    free((void *)h.keep);
    return status;
}

/* The head run by k and compared (or one matrix printed, with -p ref the
 * reference's); the exit status. */
static int run_head(const ns_kernel *k, ns_head *h_in, const char *where, const attn_opts *op)
{
    attn_opts o = *op;
    ns_head h = *h_in;
    int is_ref = ns_policy_is_ref(h.policy);
    static const char *const printable[] = { "o", "lse", "dq", "dk", "dv" };
    int print = -1;
    if (o.print) {
        for (int t = 0; t < NS_ATTN_PARTS; t++)
            if (strcmp(o.print, printable[t]) == 0)
                print = t;
        if (print < 0)
            ns_die("attention: --print '%s' is none of o, lse, dq, dk, dv", o.print);
    }

    ns_attn_ref ref;
    ns_attn_out r = { 0 };
    if (ns_attn_reference(&h, &ref) != 0)
        ns_die("attention: out of memory for the reference");
    int status = NS_EXIT_OK;
    if (is_ref) {
        double *m[] = { ref.o, ref.lse, ref.dq, ref.dk, ref.dv };
        size_t rows[] = { h.n_q, h.n_q, h.n_q, h.n_k, h.n_k }, cols[] = { h.d_v, 1, h.d, h.d, h.d_v };
        print_matrix(o.print, m[print], rows[print], cols[print]);
    } else {
        if (ns_attn_out_alloc(&h, &r) != 0 || ns_kernel_run(k, &h, &r) != 0)
            ns_die("attention: out of memory running %s", k->name);
        if (print >= 0) {
            double *m[] = { r.o, r.lse, r.dq, r.dk, r.dv };
            size_t rows[] = { h.n_q, h.n_q, h.n_q, h.n_k, h.n_k }, cols[] = { h.d_v, 1, h.d, h.d, h.d_v };
            print_matrix(o.print, m[print], rows[print], cols[print]);
        } else {
            ns_attn_compare c;
            if (ns_attn_compare_head(k, &h, &r, &ref, &c) != 0)
                ns_die("attention: out of memory comparing %s", k->name);
            if (o.json)
                print_json(k, &h, where, &ref, &c);
            else
                print_words(k, &h, where, &ref, &c);
            if (c.defined && c.verdict == NS_ATTN_BROKEN)
                status = NS_EXIT_FAIL;
        }
        ns_attn_out_free(&r);
    }
    ns_attn_ref_free(&ref);
    int out = ns_finish_output();
    return status != NS_EXIT_OK ? status : out;
}
