/* The normalizer-free kernels' generators (recurrent_gen.h). */
#include "recurrent_gen.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/generators.h"

static void normals(ns_rng *r, double *x, size_t n, double scale, double mean)
{
    for (size_t i = 0; i < n; i++)
        x[i] = mean + scale * ns_rng_normal(r);
}

/* RWKV-4's initialisation (BlinkDL/RWKV-LM, RWKV-v4 model.py): channel c
 * of C decays with w = e^{-5 + 8 (c / (C - 1))^{0.7 + 1.3 r}} (r = 0.5
 * here: a middle layer), from e^-5 = 0.0067 to e^3 = 20, and time_first u
 * = ln 0.3 + a zigzag of +-0.5; keys and values as a trained layer gives
 * them, N(0, 1) times 2 for keys. */
static void rwkv_init(ns_recur_tensors *t, ns_rng *r)
{
    size_t C = t->d;
    for (size_t c = 0; c < C; c++) {
        double x = C > 1 ? (double)c / (double)(C - 1) : 0;
        t->w[c] = exp(-5 + 8 * pow(x, 0.7 + 1.3 * 0.5));
        t->u[c] = log(0.3) + 0.5 * (((c + 1) % 3) - 1.0);
    }
    normals(r, t->v, t->n * C, 1, 0);
    normals(r, t->dout, t->n * C, 1, 0);
}

static void rwkv_trained(ns_recur_tensors *t, uint64_t seed, double s)
{
    ns_rng r;
    ns_rng_seed(&r, seed);
    rwkv_init(t, &r);
    normals(&r, t->k, t->n * t->d, 2 * s, 0);
}

/* Keys of a layer whose keys grew: N(20, 30) times s, past fp16's 11.09 and
 * fp32's 88.72 in places. */
static void rwkv_large_keys(ns_recur_tensors *t, uint64_t seed, double s)
{
    ns_rng r;
    ns_rng_seed(&r, seed);
    rwkv_init(t, &r);
    normals(&r, t->k, t->n * t->d, 30 * s, 20 * s);
}

/* No decay, even keys: b counts the tokens (issue 17's saturation case);
 * values 0 for the first half, 1 after, so the exact wkv ends near 1/2. */
static void rwkv_no_decay(ns_recur_tensors *t, uint64_t seed, double s)
{
    ns_rng r;
    ns_rng_seed(&r, seed);
    rwkv_init(t, &r);
    for (size_t c = 0; c < t->d; c++)
        t->w[c] = 0, t->u[c] = 0;
    for (size_t i = 0; i < t->n * t->d; i++) {
        t->k[i] = 0 * s;
        t->v[i] = i / t->d >= t->n / 2 ? 1 : 0;
    }
}

static void linear_gaussian(ns_recur_tensors *t, uint64_t seed, double s)
{
    ns_rng r;
    ns_rng_seed(&r, seed);
    normals(&r, t->q, t->n * t->d, 1, 0);
    normals(&r, t->k, t->n * t->d, s, 0);
    normals(&r, t->v, t->n * t->d, 1, 0);
    normals(&r, t->dout, t->n * t->d, 1, 0);
}

/* Keys grown in training (idiap/fast-transformers issue 32): N(0, 8 s),
 * values of mean 1: sum_j phi(k_j) passes 65504 after some 16000 tokens. */
static void linear_growing_keys(ns_recur_tensors *t, uint64_t seed, double s)
{
    ns_rng r;
    ns_rng_seed(&r, seed);
    normals(&r, t->q, t->n * t->d, 1, 0);
    normals(&r, t->k, t->n * t->d, 8 * s, 0);
    normals(&r, t->v, t->n * t->d, 0.5, 1);
    normals(&r, t->dout, t->n * t->d, 1, 0);
}

static const ns_recur_generator gens[] = {
    { "rwkv.trained", "RWKV-4: decays of its initialisation (e^-5 .. e^3), keys N(0, 2)", true, rwkv_trained },
    { "rwkv.large-keys", "RWKV-4: keys N(20, 30), past fp16's 11.09 and fp32's 88.72", true, rwkv_large_keys },
    { "rwkv.no-decay", "RWKV-4: w = 0, even keys, values 0 then 1: b counts the tokens", true, rwkv_no_decay },
    { "linear.gaussian", "linear attention: q, k, v N(0, 1)", false, linear_gaussian },
    { "linear.growing-keys", "linear attention: keys N(0, 8), values of mean 1 (fast-transformers #32)", false,
      linear_growing_keys },
};

const ns_recur_generator *const ns_recur_generators[] = { &gens[0], &gens[1], &gens[2], &gens[3], &gens[4], NULL };

const ns_recur_generator *ns_recur_generator_find(const char *name)
{
    for (size_t i = 0; ns_recur_generators[i]; i++)
        if (strcmp(ns_recur_generators[i]->name, name) == 0)
            return ns_recur_generators[i];
    return NULL;
}

void ns_recur_tensors_free(ns_recur_tensors *t)
{
    free(t->q), free(t->k), free(t->v), free(t->w), free(t->u), free(t->dout);
    memset(t, 0, sizeof *t);
}

int ns_recur_generate(const ns_recur_generator *g, size_t n, size_t d, uint64_t seed,
                      double key_scale, ns_recur_tensors *t)
{
    memset(t, 0, sizeof *t);
    t->n = n, t->d = d;
    t->q = calloc(n * d + 1, sizeof *t->q);
    t->k = calloc(n * d + 1, sizeof *t->k);
    t->v = calloc(n * d + 1, sizeof *t->v);
    t->dout = calloc(n * d + 1, sizeof *t->dout);
    t->w = calloc(d + 1, sizeof *t->w);
    t->u = calloc(d + 1, sizeof *t->u);
    if (!t->q || !t->k || !t->v || !t->dout || !t->w || !t->u) {
        ns_recur_tensors_free(t);
        return -1;
    }
    g->fill(t, seed, key_scale);
    return 0;
}
