/* What the report's writers look up in the measurements of a run, and how
 * they format numbers (data.h). */
#include "data.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ns_report_length_policies[] = { "fp16", "bf16", "fp16-acc32", "bf16-acc32", "fp32", NULL };
const char *const ns_report_real_policies[] = { "fp16", "bf16", "fp16-acc32", "bf16-acc32", "fp32", NULL };

size_t ns_report_target(const ns_report_data *d, const char *alg, const char *policy, ns_sum_order sum)
{
    for (size_t t = 0; t < d->ntargets; t++)
        if (strcmp(d->targets[t].alg->name, alg) == 0 && strcmp(d->targets[t].policy->name, policy) == 0 &&
            d->targets[t].sum == sum)
            return t;
    return d->ntargets;
}

size_t ns_report_real_target(const ns_report_data *d, const char *alg, const char *policy)
{
    for (size_t t = 0; t < d->nreal_targets; t++)
        if (strcmp(d->real_targets[t].alg->name, alg) == 0 &&
            strcmp(d->real_targets[t].policy->name, policy) == 0)
            return t;
    return d->nreal_targets;
}

const ns_envelope *ns_report_envelope(const ns_report_data *d, const ns_algorithm *alg, const ns_policy *p)
{
    for (size_t i = 0; i < d->nenv; i++)
        if (d->env[i].target.alg == alg && d->env[i].target.policy == p)
            return &d->env[i];
    return NULL;
}

const ns_report_plot *ns_report_plot_find(const ns_report_data *d, const char *name)
{
    for (size_t i = 0; i < d->nplots; i++)
        if (strcmp(d->plots[i].name, name) == 0)
            return &d->plots[i];
    return NULL;
}

void ns_report_plot_stem(char *buf, size_t len, const char *prefix, const char *alg)
{
    size_t k = (size_t)snprintf(buf, len, "%s-", prefix);
    uint32_t h = 2166136261u;       /* FNV-1a, 32 bits */
    bool plain = true;
    for (const char *s = alg; *s; s++) {
        char c = *s;
        h = (h ^ (unsigned char)c) * 16777619u;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-';
        plain &= ok;
        if (k + 1 < len)
            buf[k++] = ok ? c : '-';
    }
    if (k < len)
        buf[k] = '\0';
    if (!plain && k < len)
        snprintf(buf + k, len - k, "-%08x", (unsigned)h);
}

void ns_report_real_stats(const ns_report_data *d, size_t t, ns_real_stats *s)
{
    memset(s, 0, sizeof *s);
    for (size_t r = 0; r < d->nreal; r++) {
        const ns_metrics *m = &d->real_metrics[t * d->nreal + r];
        if (!m->defined)
            continue;
        s->rows++;
        bool overflow = m->denominator_class == NS_DEN_NONFINITE;
        s->overflow_rows += overflow;
        s->nonfinite_rows += m->nan_count + m->inf_count > 0;
        if (overflow || m->nan_count + m->inf_count)
            continue;
        if (m->max_bits > s->max_bits)
            s->max_bits = m->max_bits;
        s->finite_rows++;
        double e = m->normwise_err / m->u, dev = fabs(m->sum_err);
        s->err_u_mean += e;
        s->sum_dev_mean += dev;
        if (e > s->err_u_max)
            s->err_u_max = e;
        if (dev > s->sum_dev_max)
            s->sum_dev_max = dev;
    }
    if (s->finite_rows) {
        s->err_u_mean /= (double)s->finite_rows;
        s->sum_dev_mean /= (double)s->finite_rows;
    }
}

void ns_report_real_shown(const ns_report_data *d, size_t t, ns_real_shown *r)
{
    ns_report_real_stats(d, t, &r->st);
    ns_fmt_sci(r->err_u_mean, sizeof r->err_u_mean, r->st.err_u_mean);
    ns_fmt_sci(r->err_u_max, sizeof r->err_u_max, r->st.err_u_max);
    ns_fmt_sci(r->sum_dev_mean, sizeof r->sum_dev_mean, r->st.sum_dev_mean);
    ns_fmt_sci(r->sum_dev_max, sizeof r->sum_dev_max, r->st.sum_dev_max);
    ns_fmt_bits(r->max_bits, sizeof r->max_bits, r->st.max_bits);
}

double ns_fmt_bits(char *buf, size_t len, double bits)
{
    if (isnan(bits)) {
        snprintf(buf, len, "-");
        return NAN;
    }
    snprintf(buf, len, "%.1f", bits);
    return strtod(buf, NULL);
}

void ns_fmt_sci(char *buf, size_t len, double v)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else if (isinf(v))
        snprintf(buf, len, v > 0 ? "inf" : "-inf");
    else if (v == 0)
        snprintf(buf, len, "0");
    else
        snprintf(buf, len, "%.2g", v);
}

void ns_fmt_scale(char *buf, size_t len, double sigma)
{
    if (isnan(sigma))
        snprintf(buf, len, "-");
    else if (sigma == 0)
        snprintf(buf, len, "none");
    else if (sigma >= 1000)
        snprintf(buf, len, "%.0f", sigma);
    else
        snprintf(buf, len, "%.3g", sigma);
}
