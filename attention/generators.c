/* Generators of attention heads (generators.h). */
#include "generators.h"

#include <math.h>
#include <string.h>

#include "../analysis/generators.h"

static void normal_fill(ns_rng *r, double sigma, double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = sigma * ns_rng_normal(r);
}

static void gen_normal(double sigma, size_t n, size_t d, uint64_t seed, double *q, double *k, double *v)
{
    ns_rng r;
    ns_rng_seed(&r, seed);
    normal_fill(&r, sigma, q, n * d);
    normal_fill(&r, sigma, k, n * d);
    normal_fill(&r, 1, v, n * d);
}

/* Queries and keys of norm sigma sqrt(d): scores of order sigma^2. */
static void gen_large_norm(double sigma, size_t n, size_t d, uint64_t seed, double *q, double *k, double *v)
{
    gen_normal(1, n, d, seed, q, k, v);
    for (size_t i = 0; i < n * d; i++) {
        q[i] *= sigma;
        k[i] *= sigma;
    }
}

/* N(0, 1) activations whose first max(1, d/16) channels are `height` times
 * larger in q and k: the massive activations of LLMs (Dettmers et al.,
 * LLM.int8(), 2022; Sun et al., "Massive activations", 2024). */
static void gen_outliers(double height, size_t n, size_t d, uint64_t seed, double *q, double *k, double *v)
{
    gen_normal(1, n, d, seed, q, k, v);
    size_t wide = d / 16 ? d / 16 : 1;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < wide; c++) {
            q[i * d + c] *= height;
            k[i * d + c] *= height;
        }
}

/* Queries near one direction u, key 0 along it with score about `height`
 * for every query, the other keys N(0, 1): a long row with one dominant
 * key (an attention sink). */
static void gen_dominant(double height, size_t n, size_t d, uint64_t seed, double *q, double *k, double *v)
{
    ns_rng r;
    ns_rng_seed(&r, seed);
    double u[4096], norm = 0;
    size_t dd = d < 4096 ? d : 4096;
    for (size_t c = 0; c < dd; c++) {
        u[c] = ns_rng_normal(&r);
        norm += u[c] * u[c];
    }
    norm = sqrt(norm) > 0 ? sqrt(norm) : 1;
    for (size_t c = 0; c < dd; c++)
        u[c] /= norm;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < d; c++)
            q[i * d + c] = (c < dd ? u[c] * sqrt((double)d) : 0) + 0.5 * ns_rng_normal(&r);
    normal_fill(&r, 1, k, n * d);
    for (size_t c = 0; c < dd; c++)
        k[c] = height * u[c];
    normal_fill(&r, 1, v, n * d);
}

static const ns_head_generator normal = {
    "head.normal", "attention head: q, k ~ N(0, sigma^2), v ~ N(0, 1)", "sigma", 1, 32, 16, gen_normal,
};
static const ns_head_generator large_norm = {
    "head.large-norm", "attention head: queries and keys of large norm (scores ~ sigma^2)", "sigma", 16,
    32, 16, gen_large_norm,
};
static const ns_head_generator outliers = {
    "head.outliers", "attention head: outlier channels in q and k, as LLM activations", "height", 100,
    32, 16, gen_outliers,
};
static const ns_head_generator dominant = {
    "head.dominant", "attention head: long rows with one dominant key (an attention sink)", "height", 12,
    512, 16, gen_dominant,
};

const ns_head_generator *const ns_head_generators[] = { &normal, &large_norm, &outliers, &dominant, NULL };

const ns_head_generator *ns_head_generator_find(const char *name)
{
    for (size_t i = 0; ns_head_generators[i]; i++)
        if (strcmp(ns_head_generators[i]->name, name) == 0)
            return ns_head_generators[i];
    return NULL;
}

void ns_head_gradient(uint64_t seed, size_t n, size_t d_v, double *dout)
{
    ns_rng r;
    ns_rng_seed(&r, seed ^ UINT64_C(0x9e3779b97f4a7c15));
    normal_fill(&r, 1, dout, n * d_v);
}
