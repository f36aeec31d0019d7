/* The published picture as this run measured it, in sentences that the page
 * and the Markdown summary both show (Blanchard, D. J. Higham & N. J. Higham,
 * "Accurate computation of the log-sum-exp and softmax functions", IMA J.
 * Numer. Anal. 41(4), 2021: shifted and unshifted softmax about equally
 * accurate, the division-free form less accurate and not summing to one in
 * low precision; and sequential low-precision sums degrading with n). */
#include "data.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Appends to the string in buf (of cap bytes), truncating. */
static void appendf(char *buf, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
}

/* Adds line + "." as the next sentence. */
static void sentence(char (*out)[NS_REPORT_LINE], size_t *k, const char *line)
{
    size_t len = strlen(line);
    if (len > NS_REPORT_LINE - 2)
        len = NS_REPORT_LINE - 2;
    memcpy(out[*k], line, len);
    out[*k][len] = '.';
    out[*k][len + 1] = '\0';
    (*k)++;
}

static void real_sentences(const ns_report_data *d, char (*out)[NS_REPORT_LINE], size_t max, size_t *k)
{
    static const char *const pols[] = { "fp16", "bf16" };
    static const char *const algs[] = { "softmax.naive", "softmax.shifted", "softmax.lse" };
    for (size_t p = 0; p < 2 && *k < max; p++) {
        char line[NS_REPORT_LINE];
        line[0] = '\0';
        appendf(line, sizeof line, "Real logits (%zu LeNet/MNIST rows) in %s: normwise error in units of u, mean (max):",
                           d->nreal, pols[p]);
        char sums[NS_REPORT_LINE];
        sums[0] = '\0';
        appendf(sums, sizeof sums, "Real logits in %s: |sum y - 1| (the reference sums to 1), mean (max):", pols[p]);
        int any = 0;
        for (size_t a = 0; a < 3; a++) {
            size_t t = ns_report_real_target(d, algs[a], pols[p]);
            if (t == d->nreal_targets)
                continue;
            ns_real_stats st;
            ns_report_real_stats(d, t, &st);
            any = 1;
            appendf(line, sizeof line, "%s %s %.2f (%.1f)", a ? ";" : "",
                            algs[a], st.err_u_mean, st.err_u_max);
            if (st.overflow_rows)
                appendf(line, sizeof line,
                                " on the %zu rows where the sum does not overflow (it overflows on %zu of %zu)",
                                st.finite_rows, st.overflow_rows, st.rows);
            appendf(sums, sizeof sums, "%s %s %.2g (%.2g)", a ? ";" : "",
                             algs[a], st.sum_dev_mean, st.sum_dev_max);
        }
        if (!any)
            continue;
        sentence(out, k, line);
        if (*k < max)
            sentence(out, k, sums);
    }
}

static void length_sentences(const ns_report_data *d, char (*out)[NS_REPORT_LINE], size_t max, size_t *k)
{
    const ns_algorithm *a = ns_algorithm_find("softmax.shifted", NULL);
    const ns_sweep *s = &d->length;
    if (!a || s->npoints < 2)
        return;
    static const char *const pols[][2] = { { "fp16", "fp16-acc32" }, { "bf16", "bf16-acc32" } };
    for (size_t p = 0; p < 2 && *k < max; p++) {
        const ns_policy *low = ns_policy_find(pols[p][0]), *acc = ns_policy_find(pols[p][1]);
        size_t first = 0, last = s->npoints - 1;
        char line[NS_REPORT_LINE];
        line[0] = '\0';
        appendf(line, sizeof line, "softmax.shifted in %s, max bits of error from n = %g to n = %g:",
                           low->name, s->points[first], s->points[last]);
        for (int o = 0; o < 3; o++) {
            size_t t = ns_sweep_find(s, a, low, (ns_sum_order)o);
            if (t == s->ntargets)
                continue;
            appendf(line, sizeof line, " %s sums %.1f to %.1f;",
                            ns_sum_order_name((ns_sum_order)o), s->at[t * s->npoints + first].max_bits,
                            s->at[t * s->npoints + last].max_bits);
        }
        size_t t = ns_sweep_find(s, a, acc, NS_SUM_SEQ);
        if (t != s->ntargets)
            appendf(line, sizeof line, " %s (fp32 sums) %.1f to %.1f",
                            acc->name, s->at[t * s->npoints + first].max_bits,
                            s->at[t * s->npoints + last].max_bits);
        sentence(out, k, line);
    }
}

static void scale_sentences(const ns_report_data *d, char (*out)[NS_REPORT_LINE], size_t max, size_t *k)
{
    const ns_sweep *s = &d->scale;
    static const char *const algs[] = { "softmax.naive", "softmax.shifted", "softmax.lse" };
    static const char *const pols[] = { "fp16", "bf16" };
    for (size_t p = 0; p < 2 && *k < max; p++) {
        const ns_policy *pol = ns_policy_find(pols[p]);
        char line[NS_REPORT_LINE];
        line[0] = '\0';
        appendf(line, sizeof line, "Normal logits in %s, worst bits over sigma = %g..%g (largest sum error):",
                           pols[p], s->points[0], s->points[s->npoints - 1]);
        for (size_t a = 0; a < 3; a++) {
            const ns_algorithm *alg = ns_algorithm_find(algs[a], NULL);
            size_t t = alg ? ns_sweep_find(s, alg, pol, NS_SUM_SEQ) : s->ntargets;
            if (t == s->ntargets)
                continue;
            double bits = 0, dev = 0;
            size_t nan_points = 0;
            for (size_t i = 0; i < s->npoints; i++) {
                const ns_summary *at = &s->at[t * s->npoints + i];
                if (at->nan_rate + at->inf_rate > 0) {
                    nan_points++;
                    continue;
                }
                if (at->max_bits > bits)
                    bits = at->max_bits;
                if (at->max_sum_err > dev)
                    dev = at->max_sum_err;
            }
            appendf(line, sizeof line, "%s %s %.1f bits (%.2g)", a ? ";" : "",
                            algs[a], bits, dev);
            if (nan_points)
                appendf(line, sizeof line, " where finite, NaN/inf at %zu of %zu scales",
                                nan_points, s->npoints);
        }
        sentence(out, k, line);
    }
}

size_t ns_report_published(const ns_report_data *d, char (*out)[NS_REPORT_LINE], size_t max)
{
    size_t k = 0;
    if (d->nreal)
        real_sentences(d, out, max, &k);
    if (d->scale.npoints)
        scale_sentences(d, out, max, &k);
    length_sentences(d, out, max, &k);
    return k;
}
