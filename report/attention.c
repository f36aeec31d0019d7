/* The attention section of the report (attention.h). */
#include "attention.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../attention/compare.h"
#include "../attention/generators.h"
#include "../attention/kernel.h"
#include "../attention/recurrent.h"
#include "../attention/reference.h"
#include "../util/escape.h"

#define HEAD_N 16
#define HEAD_D 8

typedef enum { MASK_NONE, MASK_CAUSAL, MASK_EMPTY_INF, MASK_EMPTY_MIN, MASK_EMPTY_BIAS, MASK_STYLES } mask_kind;

static const char *const mask_names[MASK_STYLES] = {
    "none", "causal, -inf", "empty row, -inf", "empty row, min", "empty row, -10000",
};

/* The policies a kernel is shown in: its default first. */
static size_t policies_of(const ns_kernel *k, const char *out[4])
{
    out[0] = k->default_policy;
    if (k->held)
        return 1;
    const char *more[] = { "fp16", "bf16", "fp16-io", "fp32" };
    size_t n = 1;
    for (size_t i = 0; i < 4; i++)
        if (strcmp(more[i], k->default_policy) != 0 && n < 4)
            out[n++] = more[i];
    return n;
}

typedef struct cell {
    ns_attn_verdict verdict;
    const char *cause;
    double bits;            /* worst bits of O */
    bool ok;                /* measured */
} cell;

/* One head of `gen` (parameter param, n tokens) run by k in policy p with
 * mask m; the comparison's verdict. */
static cell measure(const ns_kernel *k, const char *policy, const char *gen, double param, size_t n, mask_kind m)
{
    cell c = { .ok = false, .cause = "" };
    const ns_policy *p = ns_policy_find(policy);
    const ns_head_generator *g = ns_head_generator_find(gen);
    size_t nd = n * HEAD_D;
    double *t = malloc(4 * nd * sizeof *t);
    unsigned char *keep = malloc(n * n);
    if (!p || !g || !t || !keep) {
        free(t);
        free(keep);
        return c;
    }
    double *q = t, *kk = t + nd, *v = t + 2 * nd, *go = t + 3 * nd;
    g->fill(param, n, HEAD_D, 1, q, kk, v);
    ns_head_gradient(1, n, HEAD_D, go);
    for (size_t i = 0; i < 4 * nd; i++)
        t[i] = ns_round(p->io, t[i]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            keep[i * n + j] = m == MASK_NONE || j <= i;
    if (m >= MASK_EMPTY_INF)
        memset(keep, 0, n);
    ns_head h = { .n_q = n, .n_k = n, .d = HEAD_D, .d_v = HEAD_D, .q = q, .k = kk, .v = v, .dout = go,
                  .keep = m == MASK_NONE ? NULL : keep, .mask_style = m == MASK_EMPTY_MIN ? NS_MASK_MIN
                                                            : m == MASK_EMPTY_BIAS ? NS_MASK_VALUE : NS_MASK_INF,
                  .mask_value = -10000, .scale = 1 / sqrt((double)HEAD_D), .scale_exact = true,
                  .block_q = 64, .block_k = 4, .p_offset = 8, .policy = p };
    ns_attn_ref ref;
    ns_attn_out r;
    ns_attn_compare cmp;
    if (ns_attn_reference(&h, &ref) == 0) {
        if (ns_attn_out_alloc(&h, &r) == 0) {
            if (ns_kernel_run(k, &h, &r) == 0 && ns_attn_compare_head(k, &h, &r, &ref, &cmp) == 0) {
                c.ok = cmp.defined;
                c.verdict = cmp.verdict;
                c.cause = cmp.cause;
                c.bits = cmp.part[NS_ATTN_O].max_bits;
            }
            ns_attn_out_free(&r);
        }
        ns_attn_ref_free(&ref);
    }
    free(t);
    free(keep);
    return c;
}

static void cell_words(const cell *c, char *buf, size_t len)
{
    if (!c->ok)
        snprintf(buf, len, "not measured");
    else if (c->verdict == NS_ATTN_KEPT)
        snprintf(buf, len, "kept (%.1f bits)", c->bits);
    else
        snprintf(buf, len, "%s: %s", c->verdict == NS_ATTN_EXPECTED ? "expected" : "BROKEN", c->cause);
}

/* The largest sigma = 2^e (e = 0..12) of head.large-norm, and the longest
 * n of head.dominant (16, 64, 256), for which the contract is kept; the
 * first that broke, in words. */
static void envelope(const ns_kernel *k, const char *policy, char *buf, size_t len)
{
    double sigma = 0;
    cell bad = { .ok = false };
    for (int e = 0; e <= 12; e++) {
        cell c = measure(k, policy, "head.large-norm", ldexp(1, e), HEAD_N, MASK_NONE);
        if (!c.ok || c.verdict != NS_ATTN_KEPT) {
            bad = c;
            break;
        }
        sigma = ldexp(1, e);
    }
    size_t longest = 0;
    for (size_t n = 16; n <= 256; n *= 4) {
        cell c = measure(k, policy, "head.dominant", 12, n, MASK_NONE);
        if (!c.ok || c.verdict != NS_ATTN_KEPT)
            break;
        longest = n;
    }
    char s[96];
    if (bad.ok)
        snprintf(s, sizeof s, "sigma %g (beyond: %s)", sigma, bad.cause);
    else
        snprintf(s, sizeof s, "sigma >= %g", sigma);
    snprintf(buf, len, "%s; rows with one dominant key: n %s %zu", s, longest == 256 ? ">=" : "=", longest);
}

static const struct incident {
    const char *what, *source, *test;
} incidents[] = {
    { "fp16 q . k = 784,449 > 65504 overflows before the softmax; bf16 holds it", "PyTorch #119131",
      "pytorch_119131_fp16_scores_overflow_bf16_do_not" },
    { "the scale applied to q saves rows with |q . k| / sqrt(d) < 65504 only",
      "metal-flash-attention #8", "scale_on_q_saves_rows_below_65504_after_scaling_only" },
    { "fully masked rows: NaN with -inf, uniform weights with finfo.min, zeros with a safe softmax",
      "PyTorch #103749, #41508, #110213, #109517", "fully_masked_rows_nan_uniform_or_zeros" },
    { "a finite mask value -10000 leaks: O = 100 instead of 1", "ohdearquant/lattice #373",
      "lattice_373_a_finite_sentinel_leaks" },
    { "max from plain products, exponent fused: 989.5 instead of 0, exp2 overflows", "AMD aotriton #54",
      "aotriton_54_fused_and_unfused_paths_disagree" },
    { "FP8 P clipped to 448 by satfinite: E4M3 worse than E5M2", "FlashAttention #2716",
      "flashattention_2716_e4m3_p_clipping_worse_than_e5m2" },
    { "LSE of an empty key set is -inf, not +inf", "FlashAttention PR #978",
      "flashattention_978_empty_key_set_lse_is_minus_inf" },
    { "partial and oversized key blocks give every row all its keys", "FlashAttention PR #2421",
      "flashattention_2421_partial_and_oversized_blocks" },
};

#define NINCIDENTS (sizeof incidents / sizeof incidents[0])

/* An item per incident: open, what happened (its source), then where
 * test_before is given the test that reproduces it after it, close; text
 * escapes into the markup. */
static void incident_items(FILE *f, void (*text)(FILE *, const char *), const char *open, const char *test_before,
                           const char *close)
{
    for (size_t i = 0; i < NINCIDENTS; i++) {
        fputs(open, f);
        text(f, incidents[i].what);
        fputs(" (", f);
        text(f, incidents[i].source);
        fputc(')', f);
        if (test_before) {
            fputs(test_before, f);
            text(f, incidents[i].test);
        }
        fputs(close, f);
    }
}

/* The table of the section: every softmax-attention kernel in each of its
 * policies, a cell per mask style, and its envelope. */
enum { GRID_ROWS = 64 };
typedef struct grid_row {
    const ns_kernel *k;
    const char *policy;
    cell c[MASK_STYLES];
    char envelope[256];
} grid_row;
typedef struct grid {
    grid_row rows[GRID_ROWS];
    size_t n;
} grid;

/* The heads are fixed (seed 1), so the table is measured once per process,
 * for the page and the summary alike; the writers run on one thread. */
static const grid *attention_grid(void)
{
    static grid g;
    static bool measured;
    if (measured)
        return &g;
    measured = true;
    for (const ns_kernel *const *k = ns_kernel_list(); *k; k++) {
        if (ns_recur_kernel(*k))       /* linear attention, RWKV-4: no softmax heads */
            continue;
        const char *pols[4];
        size_t np = policies_of(*k, pols);
        for (size_t p = 0; p < np && g.n < GRID_ROWS; p++) {
            grid_row *row = &g.rows[g.n++];
            row->k = *k;
            row->policy = pols[p];
            for (int m = 0; m < MASK_STYLES; m++)
                row->c[m] = measure(*k, pols[p], "head.normal", 1, HEAD_N, (mask_kind)m);
            envelope(*k, pols[p], row->envelope, sizeof row->envelope);
        }
    }
    return &g;
}

/* The names of the mask styles, each between open and close. */
static void mask_heads(FILE *f, const char *open, const char *close)
{
    for (int m = 0; m < MASK_STYLES; m++)
        fprintf(f, "%s%s%s", open, mask_names[m], close);
}

/* A cell of the page: the verdict's words in its colour. */
static void html_grid_cell(FILE *f, const cell *c)
{
    char w[128];
    cell_words(c, w, sizeof w);
    fprintf(f, "<td class=\"%s\">", !c->ok ? "bx" : c->verdict == NS_ATTN_KEPT ? "b0"
                                       : c->verdict == NS_ATTN_EXPECTED ? "b3" : "b5");
    ns_html_escape(f, w);
    fputs("</td>", f);
}

/* A cell of report.md: the verdict's words. */
static void md_grid_cell(FILE *f, const cell *c)
{
    char w[128];
    cell_words(c, w, sizeof w);
    fputc(' ', f);
    ns_md_text(f, w);
    fputs(" |", f);
}

/* How a markup writes a row of the grid: open, the kernel's name, between,
 * the policy's (each written by name), after, a cell per mask style, then
 * where envelope_open is given the envelope (escaped by text) after it,
 * close. */
typedef struct grid_markup {
    void (*name)(FILE *f, const char *s);
    const char *open, *between, *after;
    void (*cell)(FILE *f, const cell *c);
    void (*text)(FILE *f, const char *s);
    const char *envelope_open, *close;
} grid_markup;

static const grid_markup html_grid = { ns_html_escape, "<tr><td>", "</td><td>", "</td>", html_grid_cell,
                                       ns_html_escape, "<td>", "</td></tr>\n" };
static const grid_markup md_grid = { ns_md_name, "| ", " | ", " |", md_grid_cell, ns_md_text, NULL, "\n" };

static void grid_rows(FILE *f, const grid_markup *mk)
{
    const grid *g = attention_grid();
    for (size_t r = 0; r < g->n; r++) {
        const grid_row *row = &g->rows[r];
        fputs(mk->open, f);
        mk->name(f, row->k->name);
        fputs(mk->between, f);
        mk->name(f, row->policy);
        fputs(mk->after, f);
        for (int m = 0; m < MASK_STYLES; m++)
            mk->cell(f, &row->c[m]);
        if (mk->envelope_open) {
            fputs(mk->envelope_open, f);
            mk->text(f, row->envelope);
        }
        fputs(mk->close, f);
    }
}

void ns_report_attention_html(FILE *f)
{
    fputs("<section id=\"attention\"><h2>Attention kernels</h2>\n<p>Each kernel of <code>normstab attention</code> "
          "(docs/attention.md) on one head (head.normal, 16 tokens, d = 8, seed 1) in each policy and under each mask "
          "style, against the correctly rounded reference: the verdict of its contract, with the worst bits of O when "
          "kept and the cause otherwise (&ldquo;empty row&rdquo;: the first query has no key). Envelope: the largest "
          "&sigma; of head.large-norm (scores of order &sigma;<sup>2</sup>) kept, and the longest rows with one "
          "dominant key.</p>\n<div class=\"scroll\"><table class=\"attention\"><tr><th>kernel</th><th>policy</th>", f);
    mask_heads(f, "<th>", "</th>");
    fputs("<th>envelope</th></tr>\n", f);
    grid_rows(f, &html_grid);
    fputs("</table></div>\n<h3>Incidents reproduced</h3>\n<ul class=\"findings\">\n", f);
    incident_items(f, ns_html_escape, "<li>", ": <code>tests/test_attention_incidents.c</code> ", "</li>\n");
    fputs("</ul></section>\n", f);
}

void ns_report_attention_md(FILE *f)
{
    fputs("\n## Attention kernels\n\nOne head (head.normal, 16 tokens, d = 8, seed 1) per kernel, policy and mask "
          "style: the verdict of the kernel's contract (docs/attention.md).\n\n| kernel | policy |", f);
    mask_heads(f, " ", " |");
    fputs("\n|---|---|", f);
    for (int m = 0; m < MASK_STYLES; m++)
        fputs("---|", f);
    fputc('\n', f);
    grid_rows(f, &md_grid);
    fputs("\nIncidents reproduced by tests/test_attention_incidents.c:\n\n", f);
    incident_items(f, ns_md_text, "- ", NULL, "\n");
    fputc('\n', f);
}
