/* The standard suite and the summaries (see suite.h). */
#include "suite.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t ns_seed_mix(uint64_t seed, uint64_t k)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15u * (k + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Each kind of input the suite holds, with its seeds in the quick and the
 * full suite.  Row lengths of 16 to 64 are the head-sized rows where formats
 * and algorithms differ; the long rows show the summation orders. */
static const struct setting {
    const char *gen;
    double param;
    size_t n;
    int quick, full;
} settings[] = {
    { "normal", 0.25, 16, 2, 6 },
    { "normal", 1, 16, 2, 6 },
    { "normal", 4, 16, 2, 6 },
    { "normal", 16, 16, 2, 6 },
    { "normal", 64, 16, 1, 4 },
    { "normal", 1, 64, 1, 4 },
    { "normal", 8, 64, 1, 4 },
    { "uniform", 8, 16, 2, 6 },
    { "offset", 100, 16, 2, 6 },
    { "offset", 3000, 16, 0, 4 },
    { "spike", 20, 16, 2, 6 },
    { "spike", 1000, 16, 1, 4 },
    { "ties", 2, 16, 2, 6 },
    { "masked", 0.5, 16, 2, 6 },
    { "masked", 0.9, 64, 1, 4 },
    { "allmasked", 0, 16, 1, 1 },
    { "zeros", 0, 16, 1, 1 },
    { "tiny", 20, 16, 2, 6 },
    { "tiny", 130, 16, 1, 4 },
    { "attention", 1, 64, 2, 6 },
    { "attention", 4, 64, 2, 6 },
    { "normal", 1, 256, 1, 2 },
    { "long", 1, 2048, 1, 0 },
    { "long", 1, 65536, 0, 1 },
};

const char *ns_suite_size_name(ns_suite_size size)
{
    return size == NS_SUITE_TINY ? "tiny" : size == NS_SUITE_QUICK ? "quick" : "full";
}

static int seeds_of(const struct setting *st, ns_suite_size size)
{
    if (size == NS_SUITE_TINY)
        return st->n <= 64 && st->quick > 0;
    return size == NS_SUITE_QUICK ? st->quick : st->full;
}

ns_case *ns_suite_standard(ns_suite_size size, uint64_t seed, size_t *count)
{
    size_t nsettings = sizeof settings / sizeof settings[0], total = 0;
    for (size_t i = 0; i < nsettings; i++)
        total += (size_t)seeds_of(&settings[i], size);
    ns_case *c = calloc(total ? total : 1, sizeof *c);
    if (!c)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < nsettings; i++) {
        const struct setting *st = &settings[i];
        int seeds = seeds_of(st, size);
        for (int j = 0; j < seeds; j++, k++)
            c[k] = (ns_case){
                .gen = ns_generator_find(st->gen),
                .param = st->param,
                .n = st->n,
                .seed = ns_seed_mix(seed, i * 1000 + (uint64_t)j),
                .kappa = st->n <= NS_SUITE_KAPPA_MAX_N,
                .grad = true,
            };
    }
    *count = k;
    return c;
}

const char *ns_behind_name(ns_behind b)
{
    static const char *const names[] = { "max", "p99", "p90", "median", "NaN", "inf", "grad max", "broken" };
    return (unsigned)b < NS_BEHIND_COUNT ? names[b] : "?";
}

static void max_into(double *acc, double v)
{
    if (!isnan(v) && (isnan(*acc) || v > *acc))
        *acc = v;
}

static bool all_finite(const ns_metrics *e)
{
    return e->nan_count + e->inf_count == 0;
}

/* In the distribution of errors: all outputs finite, and bits to count
 * (an output against an undefined entry of the reference has none). */
static bool in_distribution(const ns_metrics *e)
{
    return e->defined && all_finite(e) && !isnan(e->max_bits);
}

/* The q-quantile of the worst bits of the finite cases, by nearest rank:
 * the smallest value v with at least ceil(q k) of the k values <= v; the
 * first case holding it goes to *at.  Quadratic, and allocates nothing:
 * the suites hold about a hundred cases. */
static double quantile(const ns_metrics *m, size_t ncases, size_t k, double q, size_t *at)
{
    size_t rank = (size_t)ceil(q * (double)k);
    if (rank == 0)
        rank = 1;
    double best = NAN;
    *at = NS_NO_CASE;
    for (size_t c = 0; c < ncases; c++) {
        if (!in_distribution(&m[c]))
            continue;
        size_t below = 0;
        for (size_t d = 0; d < ncases; d++)
            below += in_distribution(&m[d]) && m[d].max_bits <= m[c].max_bits;
        if (below >= rank && (isnan(best) || m[c].max_bits < best)) {
            best = m[c].max_bits;
            *at = c;
        }
    }
    return best;
}

void ns_summarize(const ns_metrics *m, size_t ncases, ns_summary *s)
{
    *s = (ns_summary){
        .max_bits = NAN, .mean_bits = NAN, .max_bits_finite = NAN, .median_bits = NAN, .p90_bits = NAN,
        .p99_bits = NAN, .max_sum_err = NAN, .min_denominator = INFINITY,
        .grad_max_bits = NAN, .grad_max_bits_finite = NAN, .grad_mean_bits = NAN, .max_grad_gain = NAN,
        .max_grad_gain_ref = NAN, .max_kappa = NAN, .max_stability = NAN,
    };
    for (size_t b = 0; b < NS_BEHIND_COUNT; b++)
        s->behind[b] = NS_NO_CASE;
    size_t nan = 0, inf = 0, grads = 0, grad_bad = 0, finite_cases = 0, finite_grads = 0;
    double sum_mean = 0, sum_grad_mean = 0, beyond = 0;
    bool den_nan = false;
    for (size_t c = 0; c < ncases; c++) {
        const ns_metrics *e = &m[c];
        if (!e->defined)
            continue;
        s->cases++;
        max_into(&s->max_bits, e->max_bits);
        bool finite = all_finite(e);
        nan += e->nan_count > 0;
        inf += e->inf_count > 0;
        if (e->nan_count && s->behind[NS_BEHIND_NAN] == NS_NO_CASE)
            s->behind[NS_BEHIND_NAN] = c;
        if (e->inf_count && s->behind[NS_BEHIND_INF] == NS_NO_CASE)
            s->behind[NS_BEHIND_INF] = c;
        if (in_distribution(e)) {
            finite_cases++;
            sum_mean += e->mean_bits;
            if (isnan(s->max_bits_finite) || e->max_bits > s->max_bits_finite) {
                s->max_bits_finite = e->max_bits;
                s->behind[NS_BEHIND_MAX] = c;
            }
        }
        if (finite)
            max_into(&s->max_sum_err, fabs(e->sum_err));
        if (isnan(e->min_denominator))
            den_nan = true;
        else if (e->min_denominator < s->min_denominator)
            s->min_denominator = e->min_denominator;
        s->zero_denominators += e->denominator_class == NS_DEN_ZERO;
        s->subnormal_denominators += e->denominator_class == NS_DEN_SUBNORMAL;
        if (e->has_grad) {
            grads++;
            max_into(&s->grad_max_bits, e->grad_max_bits);
            grad_bad += e->grad_nan_count + e->grad_inf_count > 0;
            if (e->grad_nan_count + e->grad_inf_count == 0 && !isnan(e->grad_max_bits)) {
                finite_grads++;
                sum_grad_mean += e->grad_mean_bits;
                if (isnan(s->grad_max_bits_finite) || e->grad_max_bits > s->grad_max_bits_finite) {
                    s->grad_max_bits_finite = e->grad_max_bits;
                    s->behind[NS_BEHIND_GRAD_MAX] = c;
                }
            }
            if (isfinite(e->grad_gain))
                max_into(&s->max_grad_gain, e->grad_gain);
            if (isfinite(e->grad_gain_ref))
                max_into(&s->max_grad_gain_ref, e->grad_gain_ref);
        }
        max_into(&s->max_normwise_err, e->normwise_err);
        s->negatives += e->negatives > 0;
        s->support_errors += e->support_errors > 0;
        s->argmax_changes += e->argmax_changed;
        if (!e->within_contract) {
            s->contract_breaks++;
            double r = e->max_ulps / e->contract_ulps;
            if (s->behind[NS_BEHIND_BROKEN] == NS_NO_CASE || r > beyond) {
                beyond = r;
                s->behind[NS_BEHIND_BROKEN] = c;
            }
        }
        max_into(&s->max_kappa, e->kappa);
        if (finite)
            max_into(&s->max_stability, e->stability);
    }
    if (s->cases) {
        s->nan_rate = (double)nan / (double)s->cases;
        s->inf_rate = (double)inf / (double)s->cases;
    }
    if (finite_cases) {
        s->mean_bits = sum_mean / (double)finite_cases;
        s->median_bits = quantile(m, ncases, finite_cases, 0.5, &s->behind[NS_BEHIND_MEDIAN]);
        s->p90_bits = quantile(m, ncases, finite_cases, 0.9, &s->behind[NS_BEHIND_P90]);
        s->p99_bits = quantile(m, ncases, finite_cases, 0.99, &s->behind[NS_BEHIND_P99]);
    }
    if (grads)
        s->grad_nan_rate = (double)grad_bad / (double)grads;
    if (finite_grads)
        s->grad_mean_bits = sum_grad_mean / (double)finite_grads;
    if (den_nan)
        s->min_denominator = NAN;
}

void ns_case_describe(const ns_case *c, char *buf, size_t len)
{
    if (c->x)
        snprintf(buf, len, "%s row %zu", c->label ? c->label : "given", c->label_index);
    else if (c->gen->param_name)
        snprintf(buf, len, "%s %s=%g n=%zu seed=%llu", c->gen->name, c->gen->param_name, c->param,
                 c->n, (unsigned long long)c->seed);
    else
        snprintf(buf, len, "%s n=%zu seed=%llu", c->gen->name, c->n, (unsigned long long)c->seed);
}

void ns_case_replay(const ns_case *c, const ns_target *t, const char *program, char *buf, size_t len)
{
    int k = 0;
    if (c->x) {
        /* The file name in single quotes (a quote in it as '\''): a name
         * from outside must not become shell syntax when pasted. */
        char quoted[1024];
        size_t q = 0;
        const char *label = c->label ? c->label : "-";
        quoted[q++] = '\'';
        for (const char *s = label; *s && q + 6 < sizeof quoted; s++) {
            if (*s == '\'') {
                memcpy(quoted + q, "'\\''", 4);
                q += 4;
            } else {
                quoted[q++] = *s;
            }
        }
        quoted[q++] = '\'';
        quoted[q] = '\0';
        k = snprintf(buf, len, "grep -v -e '^#' -e '^$' %s | sed -n '%zup' | ", quoted, c->label_index + 1);
    }
    if (k < 0 || (size_t)k >= len)
        return;
    char more[1200] = "";
    const ns_family *fam = t->family;
    if (fam || ns_algorithm_find(t->alg->name, &fam))
        ns_family_replay_options(fam, more, sizeof more);
    k += snprintf(buf + k, len - (size_t)k, "%s check%s -n %s -p %s --sum %s", program, more, t->alg->name,
                  t->policy->name, ns_sum_order_name(t->sum));
    if (k < 0 || (size_t)k >= len)
        return;
    if (!c->x) {
        if (c->gen->param_name)
            k += snprintf(buf + k, len - (size_t)k, " --gen %s=%.17g", c->gen->name, c->param);
        else
            k += snprintf(buf + k, len - (size_t)k, " --gen %s", c->gen->name);
        if (k < 0 || (size_t)k >= len)
            return;
        k += snprintf(buf + k, len - (size_t)k, " --length %zu", c->n);
    }
    if (k >= 0 && (size_t)k < len)
        snprintf(buf + k, len - (size_t)k, " --seed %llu", (unsigned long long)c->seed);
}
