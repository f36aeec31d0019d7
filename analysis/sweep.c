/* Sweeps (see sweep.h). */
#include "sweep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int sweep_run(ns_sweep *s, const ns_generator *gen, bool scale_axis, size_t n_fixed,
                     double param_fixed, bool grad, uint64_t seed, const ns_run_opts *o)
{
    s->ncases = s->npoints * s->seeds;
    s->cases = calloc(s->ncases + 1, sizeof *s->cases);
    s->metrics = calloc(s->ntargets * s->ncases + 1, sizeof *s->metrics);
    s->at = calloc(s->ntargets * s->npoints + 1, sizeof *s->at);
    if (!s->cases || !s->metrics || !s->at)
        return -1;
    for (size_t p = 0; p < s->npoints; p++)
        for (size_t k = 0; k < s->seeds; k++)
            s->cases[p * s->seeds + k] = (ns_case){
                .gen = gen,
                .param = scale_axis ? s->points[p] : param_fixed,
                .n = scale_axis ? n_fixed : (size_t)s->points[p],
                .seed = ns_seed_mix(seed, k),    /* the same seeds at every point */
                .grad = grad,
            };
    if (ns_run(s->targets, s->ntargets, s->cases, s->ncases, o, s->metrics) != 0)
        return -1;
    for (size_t t = 0; t < s->ntargets; t++)
        for (size_t p = 0; p < s->npoints; p++)
            ns_summarize(&s->metrics[t * s->ncases + p * s->seeds], s->seeds, &s->at[t * s->npoints + p]);
    return 0;
}

static int make_points(ns_sweep *s, double lo, double hi, double step, bool integer)
{
    size_t count = (size_t)floor((hi - lo) / step + 1e-9) + 1;
    s->points = malloc(count * sizeof *s->points);
    if (!s->points)
        return -1;
    s->npoints = 0;
    for (size_t k = 0; k < count; k++) {
        double v = exp2(lo + step * (double)k);
        if (integer)
            v = nearbyint(v);
        if (s->npoints && v == s->points[s->npoints - 1])
            continue;
        s->points[s->npoints++] = v;
    }
    return 0;
}

int ns_sweep_scale(ns_sweep *s, double lo, double hi, double step, size_t n, size_t seeds,
                   const ns_policy *const *policies, uint64_t seed, const ns_run_opts *o)
{
    memset(s, 0, sizeof *s);
    s->axis = "sigma";
    s->seeds = seeds;
    static const ns_sum_order seq[] = { NS_SUM_SEQ };
    if (make_points(s, lo, hi, step, false) != 0)
        return -1;
    s->targets = ns_targets_make(policies, seq, 1, &s->ntargets);
    if (!s->targets)
        return -1;
    return sweep_run(s, ns_generator_find("normal"), true, n, 0, true, seed, o);
}

int ns_sweep_length(ns_sweep *s, double lo, double hi, double step, size_t seeds,
                    const ns_policy *const *policies, uint64_t seed, const ns_run_opts *o)
{
    memset(s, 0, sizeof *s);
    s->axis = "n";
    s->seeds = seeds;
    if (make_points(s, lo, hi, step, true) != 0)
        return -1;
    s->targets = ns_targets_make(policies, NULL, 0, &s->ntargets);
    if (!s->targets)
        return -1;
    return sweep_run(s, ns_generator_find("normal"), false, 0, 1.0, false, seed, o);
}

void ns_sweep_free(ns_sweep *s)
{
    free(s->points);
    free(s->targets);
    free(s->cases);
    free(s->metrics);
    free(s->at);
    memset(s, 0, sizeof *s);
}

size_t ns_sweep_find(const ns_sweep *s, const ns_algorithm *alg, const ns_policy *p, ns_sum_order sum)
{
    for (size_t t = 0; t < s->ntargets; t++)
        if (s->targets[t].alg == alg && s->targets[t].policy == p && s->targets[t].sum == sum)
            return t;
    return s->ntargets;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double ns_sweep_median(const ns_sweep *s, size_t t, size_t p, double (*get)(const ns_metrics *m))
{
    double v[64];
    size_t k = 0;
    for (size_t j = 0; j < s->seeds && k < 64; j++) {
        const ns_metrics *m = &s->metrics[t * s->ncases + p * s->seeds + j];
        double x = m->defined ? get(m) : NAN;
        if (!isnan(x))
            v[k++] = x;
    }
    if (k == 0)
        return NAN;
    qsort(v, k, sizeof *v, cmp_double);
    return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}
