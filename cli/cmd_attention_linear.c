/* normstab attention for the normalizer-free kernels (linear, linear.causal,
 * linear.chunked, rwkv4.naive, rwkv4.stable): one head compared with its
 * reference (attention/recurrent.h), in words or as one JSON object, the
 * kernel's output printed (--print), or an envelope in sequence length and
 * key scale (--envelope).  Exit status 1 when the head breaks the kernel's
 * contract.  The softmax kernels' `attention` (textbook, flash) joins this
 * command by handing it the kernels for which ns_recur_kernel holds. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/json.h"
#include "../attention/kernel.h"
#include "../attention/linear.h"
#include "../attention/recur_json.h"
#include "../attention/recurrent.h"
#include "../attention/recurrent_gen.h"
#include "../attention/roads.h"
#include "../fuzz/head_search.h"
#include "../input/matrix.h"
#include "cli.h"

static const char help[] =
    "usage: normstab attention --kernel KERNEL [-p POLICY] [options]\n\n"
    "Runs one attention head through KERNEL in POLICY and compares it with the\n"
    "reference at the rounded inputs (correctly rounded to binary64): the error\n"
    "of O (and with --do or --gen of dQ, dK, dV; RWKV: dK, dV, dW, dU) in ulps\n"
    "and bits of the output format, the normwise error, NaN/inf, the\n"
    "denominators, and\n"
    "the contract's verdict: kept, expected (a hazard the kernel declares,\n"
    "named) or BROKEN (exit status 1).\n\n"
    "Kernels here: linear, linear.causal, linear.chunked (--feature\n"
    "elu1|relu|identity, default elu1; --chunk C, default 64), rwkv4.naive,\n"
    "rwkv4.stable.\n\n"
    "  --kernel K       the kernel\n"
    "  -p POLICY        a policy or in=...,work=...,acc=... (default: the kernel's)\n"
    "  --q F --k F --v F  linear: Q (n_q x d), K (n_k x d), V (n_k x d_v), text\n"
    "                   (one token per line) or .npy\n"
    "  --w F --u F --k F --v F  RWKV: w, u (C numbers), k, v (T x C)\n"
    "  --do F           the upstream gradient of O (n_q x d_v; RWKV: T x C)\n"
    "  --gen G          a generated head ('normstab list generators': rwkv.*,\n"
    "                   linear.*), with --n N tokens (default 256), --d D\n"
    "                   channels (default 8), --seed K (default 1) and\n"
    "                   --key-scale S (keys times S, default 1)\n"
    "  --feature F      linear kernels' feature map\n"
    "  --chunk C        linear.chunked's tokens per chunk\n"
    "  --print P        print o, dq, dk, dv, dw or du (one row per line, %a) instead\n"
    "                   of the comparison; with -p ref the reference's\n"
    "  --json           one JSON object instead of words\n"
    "  --envelope       with --gen: the verdict for T = 64, 128, ... up to --n and\n"
    "                   key scales 1, 2, 4, ... up to --key-scale, one line each,\n"
    "                   then the largest T kept at scale 1 and the largest scale\n"
    "                   kept at T = 64\n"
    "  --search OBJ     search for heads that break the contract: OBJ nan, inf,\n"
    "                   error, denominator or gradient; heads of --n tokens\n"
    "                   (default 16) x --d channels (default 4), evolved from\n"
    "                   the generators from --seed; stops after --seconds S\n"
    "                   or --evaluations N (default 2000); each finding (a\n"
    "                   head whose verdict is not kept, better than the last of\n"
    "                   its cause) is a line, with --json a JSON object with the\n"
    "                   head; the last line sums up.  Exit status 1 when a\n"
    "                   finding broke the contract\n\n"
    "  --roads          no kernel: the three roads side by side on one causal head\n"
    "                   of --n tokens (default 256) x --d channels (default 8) from\n"
    "                   --seed, in fp16, bf16, fp32 (or -p POLICY): softmax (flash),\n"
    "                   a normalizer (spherical), linear attention (linear.causal,\n"
    "                   elu + 1) and RWKV-4 (rwkv4.stable): whether O is finite, its\n"
    "                   normwise error and the contract's verdict, as a Markdown\n"
    "                   table\n\n"
    "Limits: 2^20 tokens, 4096 channels.\n";

#define MAX_TOKENS ((size_t)1 << 20)
#define MAX_CHANNELS NS_ATTN_MAX_D

typedef struct opts {
    const char *kernel, *policy, *q, *k, *v, *w, *u, *dout, *gen, *feature, *print, *search;
    size_t n, d, chunk;
    bool n_given, d_given;
    double seconds;
    unsigned long long evaluations;
    unsigned long long seed;
    double key_scale;
    bool json, envelope, roads;
} opts;

static size_t parse_count(const char *opt, const char *s, size_t max)
{
    char *end;
    unsigned long long v = *s == '-' ? 0 : strtoull(s, &end, 10);
    if (*s == '-' || *s == '\0' || *end != '\0' || v < 1 || v > max)
        ns_die("attention: %s '%s' is not a whole number from 1 to %zu", opt, s, max);
    return (size_t)v;
}

static double parse_scale(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || !(v > 0) || !isfinite(v))
        ns_die("attention: --key-scale '%s' is not a positive number", s);
    return v;
}

static double parse_seconds(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || !(v > 0) || v > 1e6)
        ns_die("attention: --seconds '%s' is not a number of seconds above 0 (at most 1e6)", s);
    return v;
}

static void parse(opts *o, int argc, char **argv)
{
    *o = (opts){ .n = 256, .d = 8, .chunk = 64, .seed = 1, .key_scale = 1 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(help, stdout);
            exit(ns_finish_output());
        }
        if (strcmp(a, "--json") == 0) {
            o->json = true;
            continue;
        }
        if (strcmp(a, "--envelope") == 0) {
            o->envelope = true;
            continue;
        }
        if (strcmp(a, "--roads") == 0) {
            o->roads = true;
            continue;
        }
        if (i + 1 >= argc)
            ns_die("attention: %s needs a value (see --help)", a);
        const char *val = argv[++i];
        if (strcmp(a, "--kernel") == 0) o->kernel = val;
        else if (strcmp(a, "-p") == 0 || strcmp(a, "--policy") == 0) o->policy = val;
        else if (strcmp(a, "--q") == 0) o->q = val;
        else if (strcmp(a, "--k") == 0) o->k = val;
        else if (strcmp(a, "--v") == 0) o->v = val;
        else if (strcmp(a, "--w") == 0) o->w = val;
        else if (strcmp(a, "--u") == 0) o->u = val;
        else if (strcmp(a, "--do") == 0) o->dout = val;
        else if (strcmp(a, "--gen") == 0) o->gen = val;
        else if (strcmp(a, "--feature") == 0) o->feature = val;
        else if (strcmp(a, "--print") == 0) o->print = val;
        else if (strcmp(a, "--n") == 0) o->n = parse_count("--n", val, MAX_TOKENS), o->n_given = true;
        else if (strcmp(a, "--d") == 0) o->d = parse_count("--d", val, MAX_CHANNELS), o->d_given = true;
        else if (strcmp(a, "--search") == 0) o->search = val;
        else if (strcmp(a, "--seconds") == 0) o->seconds = parse_seconds(val);
        else if (strcmp(a, "--evaluations") == 0) o->evaluations = parse_count("--evaluations", val, (size_t)1 << 40);
        else if (strcmp(a, "--chunk") == 0) o->chunk = parse_count("--chunk", val, MAX_TOKENS);
        else if (strcmp(a, "--seed") == 0) o->seed = parse_count("--seed", val, (size_t)-1);
        else if (strcmp(a, "--key-scale") == 0) o->key_scale = parse_scale(val);
        else ns_die("attention: unknown option '%s' (see --help)", a);
    }
    if (!o->kernel && !o->roads)
        ns_die("attention: --kernel is required (see --help)");
}

/* A whole matrix from a file (input/matrix.h), with RWKV's longer limit in
 * rows; exit 2 with the message on bad input. */
static double *read_matrix(const char *opt, const char *path, size_t *rows, size_t *cols)
{
    char err[1024];
    double *m = ns_matrix_read(opt, path, MAX_TOKENS, MAX_CHANNELS, rows, cols, err, sizeof err);
    if (!m)
        ns_die("%s", err);
    return m;
}

/* The tensors of the head, from files or a generator, as given. */
typedef struct tensors {
    size_t n_q, n_k, d, d_v;
    double *q, *k, *v, *w, *u, *dout;
} tensors;

static void need(const char *what, const char *opt, const char *kernel)
{
    if (!what)
        ns_die("attention: %s needs %s (or --gen)", kernel, opt);
}

static void read_files(const opts *o, bool rwkv, tensors *t)
{
    size_t r, c;
    if (rwkv) {
        need(o->w, "--w", o->kernel), need(o->u, "--u", o->kernel);
        need(o->k, "--k", o->kernel), need(o->v, "--v", o->kernel);
        t->k = read_matrix("--k", o->k, &t->n_q, &t->d);
        t->v = read_matrix("--v", o->v, &r, &c);
        if (r != t->n_q || c != t->d)
            ns_die("attention: --v is %zu x %zu, --k %zu x %zu", r, c, t->n_q, t->d);
        t->n_k = t->n_q, t->d_v = t->d;
        t->w = read_matrix("--w", o->w, &r, &c);
        if (r * c != t->d)
            ns_die("attention: --w holds %zu numbers, --k has %zu channels", r * c, t->d);
        t->u = read_matrix("--u", o->u, &r, &c);
        if (r * c != t->d)
            ns_die("attention: --u holds %zu numbers, --k has %zu channels", r * c, t->d);
        if (o->dout) {
            t->dout = read_matrix("--do", o->dout, &r, &c);
            if (r != t->n_q || c != t->d)
                ns_die("attention: --do is %zu x %zu, --k %zu x %zu", r, c, t->n_q, t->d);
        }
        return;
    }
    need(o->q, "--q", o->kernel), need(o->k, "--k", o->kernel), need(o->v, "--v", o->kernel);
    t->q = read_matrix("--q", o->q, &t->n_q, &t->d);
    t->k = read_matrix("--k", o->k, &t->n_k, &c);
    if (c != t->d)
        ns_die("attention: --k has %zu columns, --q %zu", c, t->d);
    t->v = read_matrix("--v", o->v, &r, &t->d_v);
    if (r != t->n_k)
        ns_die("attention: --v has %zu rows, --k %zu", r, t->n_k);
    if (o->dout) {
        t->dout = read_matrix("--do", o->dout, &r, &c);
        if (r != t->n_q || c != t->d_v)
            ns_die("attention: --do is %zu x %zu, O is %zu x %zu", r, c, t->n_q, t->d_v);
    }
}

static void generate(const opts *o, bool rwkv, size_t n, double scale, tensors *t)
{
    const ns_recur_generator *g = ns_recur_generator_find(o->gen);
    if (!g)
        ns_die("attention: unknown generator '%s' (see 'normstab list generators')", o->gen);
    if (g->rwkv != rwkv)
        ns_die("attention: generator '%s' makes %s heads, kernel %s reads %s", o->gen,
               g->rwkv ? "RWKV" : "linear attention", o->kernel, rwkv ? "w, u, k, v" : "q, k, v");
    ns_recur_tensors gt;
    if (ns_recur_generate(g, n, o->d, o->seed, scale, &gt) != 0)
        ns_die("attention: out of memory generating %zu x %zu", n, o->d);
    /* each kernel reads its own tensors: the rest is freed here */
    *t = (tensors){ .n_q = n, .n_k = n, .d = o->d, .d_v = o->d, .k = gt.k, .v = gt.v };
    if (rwkv) {
        t->w = gt.w, t->u = gt.u, t->dout = gt.dout;
        free(gt.q);
    } else {
        t->q = gt.q, t->dout = gt.dout;
        free(gt.w), free(gt.u);
    }
}

static void tensors_free(tensors *t)
{
    free(t->q), free(t->k), free(t->v), free(t->w), free(t->u), free(t->dout);
}

/* x rounded into the policy's input part in place; a value that is not
 * finite there has no reference: exit 2 naming it. */
static void round_in(const ns_policy *p, const char *what, double *x, size_t n)
{
    if (!x)
        return;
    double *tmp = malloc((n + 1) * sizeof *tmp);
    if (!tmp)
        ns_die("attention: out of memory");
    memcpy(tmp, x, n * sizeof *tmp);
    ns_policy_round_inputs(p, 1, tmp, x, n);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            ns_die("attention: %s entry %zu (%g) is not finite in %s's input format: no reference", what, i,
                   tmp[i], p->name);
    free(tmp);
}

static ns_head head_of(const opts *o, const ns_policy *p, const tensors *t)
{
    return (ns_head){ .n_q = t->n_q, .n_k = t->n_k, .d = t->d, .d_v = t->d_v,
                      .q = t->q, .k = t->k, .v = t->v, .w = t->w, .u = t->u, .dout = t->dout,
                      .scale = 1, .block_q = 1, .block_k = 1, .policy = p,
                      .feature = o->feature, .chunk = o->chunk };
}

static void print_matrix(const double *m, size_t rows, size_t cols)
{
    for (size_t i = 0; i < rows; i++)
        ns_print_row(stdout, m + i * cols, cols);
}

static int do_print(const opts *o, const ns_kernel *k, const ns_head *h, bool ref_policy)
{
    static const char *const names[] = { "o", "dq", "dk", "dv", "dw", "du" };
    int part = -1;
    for (int i = 0; i < NS_RECUR_PARTS; i++)
        if (strcmp(o->print, names[i]) == 0)
            part = i;
    if (part < 0)
        ns_die("attention: --print '%s' is not one of o, dq, dk, dv, dw, du", o->print);
    if (part != NS_RECUR_O && !h->dout)
        ns_die("attention: --print %s needs --do (or --gen)", o->print);
    if ((part == NS_RECUR_DQ && h->w) || ((part == NS_RECUR_DW || part == NS_RECUR_DU) && !h->w))
        ns_die("attention: --print %s: kernel %s has no such gradient", o->print, k->name);
    size_t rows[] = { h->n_q, h->n_q, h->n_k, h->n_k, 1, 1 };
    size_t cols[] = { h->d_v, h->d, h->d, h->d_v, h->d, h->d };
    if (ref_policy) {
        ns_recur_ref ref;
        if (ns_recur_reference(k, h, &ref) != 0)
            ns_die("attention: out of memory");
        print_matrix(ref.part[part], rows[part], cols[part]);
        ns_recur_ref_free(&ref);
    } else {
        ns_attn_out r;
        if (ns_attn_out_alloc(h, &r) != 0 || ns_kernel_run(k, h, &r) != 0)
            ns_die("attention: out of memory");
        const double *m[] = { r.o, r.dq, r.dk, r.dv, r.dw, r.du };
        print_matrix(m[part], rows[part], cols[part]);
        ns_attn_out_free(&r);
    }
    return ns_finish_output();
}

/* Kernel k on h against its reference into c. */
static void compare(const ns_kernel *k, const ns_head *h, ns_recur_compare *c)
{
    ns_attn_out r;
    ns_recur_ref ref;
    if (ns_attn_out_alloc(h, &r) != 0 || ns_kernel_run(k, h, &r) != 0 || ns_recur_reference(k, h, &ref) != 0 ||
        ns_recur_compare_head(k, h, &r, &ref, c) != 0)
        ns_die("attention: out of memory");
    ns_recur_ref_free(&ref);
    ns_attn_out_free(&r);
}

static void print_words(const ns_kernel *k, const ns_head *h, const ns_recur_compare *c)
{
    printf("kernel %s  policy %s  function %s  ", k->name, h->policy->name, k->function);
    if (h->w)
        printf("T %zu  C %zu\n", h->n_q, h->d);
    else
        printf("n_q %zu  n_k %zu  d %zu  d_v %zu  feature %s\n", h->n_q, h->n_k, h->d, h->d_v,
               h->feature ? h->feature : "elu1");
    printf("%-4s %12s %9s %12s %6s %6s\n", "part", "max ulps", "max bits", "normwise", "nan", "inf");
    for (int p = 0; p < NS_RECUR_PARTS; p++) {
        const ns_recur_err *e = &c->part[p];
        if (e->present)
            printf("%-4s %12.4g %9.2f %12.4g %6zu %6zu\n", ns_recur_part_name(p), e->max_ulps, e->max_bits,
                   e->normwise, e->nan, e->inf);
    }
    printf("denominators %zu (zero %zu, non-finite %zu), smallest %g\n", c->denominators, c->zero_denominators,
           c->nonfinite_denominators, c->min_denominator);
    printf("error / bound %.4g (premise %.4g, promised up to 1/16)\n", c->bound_ratio, c->premise);
    if (c->verdict == NS_RECUR_KEPT)
        printf("verdict: kept\n");
    else if (c->verdict == NS_RECUR_EXPECTED)
        printf("verdict: expected (%s: %s), at O entry %zu\n", c->cause, c->hazard->why, c->index);
    else
        printf("verdict: BROKEN (%s), at O entry %zu\n", c->cause, c->index);
}

static void print_json(const ns_kernel *k, const ns_head *h, const ns_recur_compare *c)
{
    cJSON *j = ns_recur_compare_json(k, h, c);
    if (!j || ns_print_json_line(j) != 0)
        ns_die("attention: out of memory");
}

static void prepare(const opts *o, const ns_policy *p, bool rwkv, tensors *t)
{
    round_in(p, "--q", t->q, t->n_q * t->d);
    round_in(p, "--k", t->k, t->n_k * t->d);
    round_in(p, "--v", t->v, t->n_k * t->d_v);
    round_in(p, "--w", t->w, rwkv ? t->d : 0);
    round_in(p, "--u", t->u, rwkv ? t->d : 0);
    round_in(p, "--do", t->dout, t->dout ? t->n_q * t->d_v : 0);
    if (!rwkv && strcmp(o->kernel, "linear") != 0 && t->n_q != t->n_k)
        ns_die("attention: %s is causal: --q has %zu rows, --k %zu", o->kernel, t->n_q, t->n_k);
}

static int envelope(const opts *o, const ns_kernel *k, const ns_policy *p, bool rwkv)
{
    if (!o->gen)
        ns_die("attention: --envelope needs --gen");
    size_t n_max = 0;
    double s_max = 0;
    printf("%-8s %-9s %-9s %-18s %s\n", "T", "scale", "verdict", "cause", "error/bound");
    for (size_t n = 64; n <= o->n; n *= 2)
        for (double s = 1; s <= o->key_scale; s *= 2) {
            tensors t;
            generate(o, rwkv, n, s, &t);
            prepare(o, p, rwkv, &t);
            ns_head h = head_of(o, p, &t);
            h.dout = NULL;
            ns_recur_compare c;
            compare(k, &h, &c);
            printf("%-8zu %-9g %-9s %-18s %.4g\n", n, s, ns_recur_verdict_name(c.verdict),
                   *c.cause ? c.cause : "-", c.bound_ratio);
            if (c.verdict == NS_RECUR_KEPT && s == 1 && n == n_max * 2 + (n_max ? 0 : 64))
                n_max = n;
            if (c.verdict == NS_RECUR_KEPT && n == 64 && s == (s_max ? 2 * s_max : 1))
                s_max = s;
            tensors_free(&t);
        }
    printf("envelope: T kept up to %zu at scale 1; key scale kept up to %g at T = 64\n", n_max, s_max);
    return ns_finish_output();
}

typedef struct search_ctx {
    const opts *o;
    const ns_kernel *k;
    const ns_policy *p;
} search_ctx;

static void on_finding(const ns_hs_finding *f, void *vctx)
{
    const search_ctx *cx = vctx;
    const ns_recur_compare *c = f->compare;
    const ns_recur_tensors *t = f->head;
    bool rwkv = cx->k->inputs & NS_ATTN_IN_W;
    if (!cx->o->json) {
        printf("finding: %s %.6g, verdict %s (%s), evaluation %llu\n", cx->o->search, f->value,
               ns_recur_verdict_name(c->verdict), c->cause, (unsigned long long)f->evaluation);
        return;
    }
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "kernel", cx->k->name);
    cJSON_AddStringToObject(j, "policy", cx->p->name);
    cJSON_AddStringToObject(j, "kind", cx->o->search);
    if (isfinite(f->value))
        cJSON_AddNumberToObject(j, "value", f->value);
    else
        cJSON_AddStringToObject(j, "value", "inf");
    cJSON_AddStringToObject(j, "verdict", ns_recur_verdict_name(c->verdict));
    cJSON_AddStringToObject(j, "cause", c->cause);
    cJSON_AddNumberToObject(j, "evaluation", (double)f->evaluation);
    cJSON_AddNumberToObject(j, "n", (double)t->n);
    cJSON_AddNumberToObject(j, "d", (double)t->d);
    if (rwkv) {
        cJSON_AddItemToObject(j, "w", ns_json_exact_array(t->w, t->d));
        cJSON_AddItemToObject(j, "u", ns_json_exact_array(t->u, t->d));
    } else {
        cJSON_AddItemToObject(j, "q", ns_json_exact_array(t->q, t->n * t->d));
    }
    cJSON_AddItemToObject(j, "k", ns_json_exact_array(t->k, t->n * t->d));
    cJSON_AddItemToObject(j, "v", ns_json_exact_array(t->v, t->n * t->d));
    if (strcmp(cx->o->search, "gradient") == 0)
        cJSON_AddItemToObject(j, "do", ns_json_exact_array(t->dout, t->n * t->d));
    if (ns_print_json_line(j) != 0)
        ns_die("attention: out of memory");
}

static int search(const opts *o, const ns_kernel *k, const ns_policy *p)
{
    int obj = ns_hs_objective_find(o->search);
    if (obj < 0)
        ns_die("attention: --search '%s' is not one of nan, inf, error, denominator, gradient", o->search);
    ns_hs_opts so = { .kernel = k, .policy = p, .feature = o->feature, .chunk = o->chunk,
                      .objective = (ns_hs_objective)obj, .n = o->n_given ? o->n : 16, .d = o->d_given ? o->d : 4,
                      .seed = o->seed, .seconds = o->seconds,
                      .max_evals = o->evaluations ? o->evaluations : (o->seconds > 0 ? 0 : 2000) };
    search_ctx cx = { .o = o, .k = k, .p = p };
    ns_hs_stats st;
    if (ns_hs_run(&so, on_finding, &cx, &st) != 0)
        ns_die("attention: out of memory");
    double rate = st.seconds > 0 ? (double)st.evals / st.seconds : 0;
    if (o->json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddBoolToObject(j, "summary", true);
        cJSON_AddNumberToObject(j, "evaluations", (double)st.evals);
        cJSON_AddNumberToObject(j, "evaluations_per_second", rate);
        cJSON_AddNumberToObject(j, "findings", (double)st.findings);
        cJSON_AddNumberToObject(j, "broken", (double)st.broken);
        if (ns_print_json_line(j) != 0)
            ns_die("attention: out of memory");
    } else {
        printf("evaluations %llu (%.4g per second), findings %llu, broken %llu\n", (unsigned long long)st.evals,
               rate, (unsigned long long)st.findings, (unsigned long long)st.broken);
    }
    int rc = ns_finish_output();
    return rc ? rc : st.broken ? NS_EXIT_FAIL : NS_EXIT_OK;
}

/* The roads table (attention/roads.h), one line per policy and road. */
static int roads(const opts *o)
{
    const char *names[] = { "fp16", "bf16", "fp32", NULL };
    const char *one[] = { o->policy, NULL };
    size_t T = o->n, d = o->d_given ? o->d : 8;
    printf("| policy | road | how | O finite | normwise error | verdict |\n|---|---|---|---|---|---|\n");
    for (const char *const *n = o->policy ? one : names; *n; n++) {
        char err[256];
        const ns_policy *p = ns_policy_parse(*n, err, sizeof err);
        if (!p || ns_policy_is_ref(p))
            ns_die("attention: -p: %s", p ? "--roads needs a floating-point policy" : err);
        ns_road r[NS_ROADS];
        if (ns_roads_run(p, T, d, o->seed, r) != 0)
            ns_die("attention: out of memory");
        for (int i = 0; i < NS_ROADS; i++) {
            printf("| %s | %s | %s | %s | %.3g | %s%s%s%s |\n", p->name, r[i].road, r[i].how, r[i].finite ? "yes" : "no",
                   r[i].normwise, r[i].verdict, *r[i].cause ? " (" : "", r[i].cause, *r[i].cause ? ")" : "");
        }
    }
    printf("\nT = %zu tokens, d = %zu, seed %llu\n", T, d, o->seed);
    return ns_finish_output();
}

int cmd_attention_linear(int argc, char **argv)
{
    opts o;
    parse(&o, argc, argv);
    if (o.roads)
        return roads(&o);
    const ns_kernel *k = ns_kernel_find(o.kernel);
    if (!k || !ns_recur_kernel(k))
        ns_die("attention: unknown kernel '%s' (known here: linear, linear.causal, linear.chunked, "
               "rwkv4.naive, rwkv4.stable)", o.kernel);
    bool rwkv = k->inputs & NS_ATTN_IN_W;
    if (o.feature && (rwkv || ns_feature_find(o.feature) < 0))
        ns_die("attention: --feature '%s' is not elu1, relu or identity of a linear kernel", o.feature);
    const char *pname = o.policy ? o.policy : k->default_policy;
    bool ref_policy = strcmp(pname, "ref") == 0;
    char err[256];
    const ns_policy *p = ref_policy ? ns_policy_find("fp64") : ns_policy_parse(pname, err, sizeof err);
    if (!p)
        ns_die("attention: -p: %s", err);
    if (ref_policy && !o.print)
        ns_die("attention: -p ref prints the reference: it needs --print");
    if (o.envelope)
        return envelope(&o, k, p, rwkv);
    if (o.search)
        return search(&o, k, p);
    tensors t = { 0 };
    if (o.gen)
        generate(&o, rwkv, o.n, o.key_scale, &t);
    else
        read_files(&o, rwkv, &t);
    prepare(&o, p, rwkv, &t);
    ns_head h = head_of(&o, p, &t);
    if (o.print) {
        int rc = do_print(&o, k, &h, ref_policy);
        tensors_free(&t);
        return rc;
    }
    ns_recur_compare c;
    compare(k, &h, &c);
    if (o.json)
        print_json(k, &h, &c);
    else
        print_words(k, &h, &c);
    tensors_free(&t);
    int rc = ns_finish_output();
    return rc ? rc : c.verdict == NS_RECUR_BROKEN ? NS_EXIT_FAIL : NS_EXIT_OK;
}
