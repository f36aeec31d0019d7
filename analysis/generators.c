/* The input generators (see generators.h). */
#include "generators.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void ns_rng_seed(ns_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {          /* splitmix64 fills the state */
        seed += 0x9e3779b97f4a7c15u;
        uint64_t z = seed;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        r->s[i] = z ^ (z >> 31);
    }
}

uint64_t ns_rng_next(ns_rng *r)
{
    uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double ns_rng_uniform(ns_rng *r)
{
    return (double)(ns_rng_next(r) >> 11) * 0x1p-53;
}

double ns_rng_normal(ns_rng *r)
{
    double u = ns_rng_uniform(r), v = ns_rng_uniform(r);
    return sqrt(-2.0 * log1p(-u)) * cos(0x1.921fb54442d18p+2 * v);   /* 2 pi v */
}

size_t ns_rng_below(ns_rng *r, size_t n)
{
    return (size_t)(ns_rng_uniform(r) * (double)n);
}

static void gen_normal(const ns_gen_args *a, ns_rng *r, double *x)
{
    for (size_t i = 0; i < a->n; i++)
        x[i] = a->param * ns_rng_normal(r);
}

static void gen_uniform(const ns_gen_args *a, ns_rng *r, double *x)
{
    for (size_t i = 0; i < a->n; i++)
        x[i] = a->param * (2 * ns_rng_uniform(r) - 1);
}

static void gen_offset(const ns_gen_args *a, ns_rng *r, double *x)
{
    for (size_t i = 0; i < a->n; i++)
        x[i] = a->param + ns_rng_normal(r);
}

static void gen_spike(const ns_gen_args *a, ns_rng *r, double *x)
{
    for (size_t i = 0; i < a->n; i++)
        x[i] = ns_rng_normal(r);
    x[ns_rng_below(r, a->n)] = a->param;
}

/* A quarter of the entries (at least two, when n allows) equal the maximum. */
static void gen_ties(const ns_gen_args *a, ns_rng *r, double *x)
{
    size_t n = a->n, k = n / 4 < 2 ? 2 : n / 4;
    if (k > n)
        k = n;
    for (size_t i = 0; i < n; i++)
        x[i] = a->param * ns_rng_normal(r);
    double m = x[0];
    for (size_t i = 1; i < n; i++)
        if (x[i] > m)
            m = x[i];
    for (size_t t = 0; t < k; t++)
        x[ns_rng_below(r, n)] = m;
}

/* A fraction of the entries masked with -inf; at least one entry is kept. */
static void gen_masked(const ns_gen_args *a, ns_rng *r, double *x)
{
    size_t n = a->n, keep = ns_rng_below(r, n);
    for (size_t i = 0; i < n; i++) {
        double v = ns_rng_normal(r);
        x[i] = i != keep && ns_rng_uniform(r) < a->param ? -INFINITY : v;
    }
}

static void gen_allmasked(const ns_gen_args *a, ns_rng *r, double *x)
{
    (void)r;
    for (size_t i = 0; i < a->n; i++)
        x[i] = -INFINITY;
}

static void gen_zeros(const ns_gen_args *a, ns_rng *r, double *x)
{
    (void)r;
    for (size_t i = 0; i < a->n; i++)
        x[i] = 0;
}

/* Magnitudes log-uniform over the 8 binades above 2^-e, random signs:
 * e = 20 reaches fp16's subnormals (below 2^-14), e = 130 bf16's. */
static void gen_tiny(const ns_gen_args *a, ns_rng *r, double *x)
{
    for (size_t i = 0; i < a->n; i++) {
        double m = exp2(-a->param + 8 * ns_rng_uniform(r));
        x[i] = ns_rng_uniform(r) < 0.5 ? -m : m;
    }
}

/* Attention logits x_j = (q . k_j) / sqrt(d) as a kernel computes them in
 * the policy: q and the keys k_j have N(0, s^2) entries rounded into the
 * input format, each dot product is accumulated in the policy's accumulator
 * and summation order, and the scaling by 1/sqrt(d) = 1/8 is an elementwise
 * product.  The logits have standard deviation about s^2: s grows with the
 * logit growth of large models. */
static void gen_attention(const ns_gen_args *a, ns_rng *r, double *x)
{
    enum { d = NS_GEN_ATTENTION_D };
    const ns_policy *p = a->policy && !ns_policy_is_ref(a->policy) ? a->policy : ns_policy_find("fp64");
    double q[d], k[d], work[NS_WORK_DOUBLES(d)];
    ns_ops op = { .io = p->io, .elem = p->elem, .acc = p->acc, .sum = a->sum,
                  .param = NULL, .work = work, .probe = NULL };
    for (size_t i = 0; i < d; i++)
        q[i] = ns_round(p->io, a->param * ns_rng_normal(r));
    double scale = ns_const(&op, 0.125);        /* 1 / sqrt(64), exact */
    for (size_t j = 0; j < a->n; j++) {
        for (size_t i = 0; i < d; i++)
            k[i] = ns_round(p->io, a->param * ns_rng_normal(r));
        x[j] = ns_mul(&op, ns_round(p->elem, ns_dot(&op, q, k, d)), scale);
    }
}

static const ns_generator normal = {
    .name = "normal",
    .summary = "x_i ~ N(0, sigma^2): the logit scale",
    .param_name = "sigma", .param_default = 1,
    .n_default = 16, .fill = gen_normal,
};
static const ns_generator uniform = {
    .name = "uniform",
    .summary = "x_i ~ U(-a, a)",
    .param_name = "a", .param_default = 1,
    .n_default = 16, .fill = gen_uniform,
};
static const ns_generator offset = {
    .name = "offset",
    .summary = "x_i = c + N(0, 1): a large common offset (shift invariance)",
    .param_name = "c", .param_default = 100,
    .n_default = 16, .fill = gen_offset,
};
static const ns_generator spike = {
    .name = "spike",
    .summary = "N(0, 1) noise with one entry set to h",
    .param_name = "h", .param_default = 20,
    .n_default = 16, .fill = gen_spike,
};
static const ns_generator ties = {
    .name = "ties",
    .summary = "N(0, sigma^2) with a quarter of the entries (at least 2) equal to the maximum",
    .param_name = "sigma", .param_default = 1,
    .n_default = 16, .fill = gen_ties,
};
static const ns_generator masked = {
    .name = "masked",
    .summary = "N(0, 1) with each entry masked (-inf) with probability f, one kept",
    .param_name = "f", .param_default = 0.5,
    .n_default = 16, .fill = gen_masked,
};
static const ns_generator allmasked = {
    .name = "allmasked",
    .summary = "every entry -inf: a zero normalizing sum",
    .n_default = 16, .fill = gen_allmasked,
};
static const ns_generator zeros = {
    .name = "zeros",
    .summary = "every entry 0",
    .n_default = 16, .fill = gen_zeros,
};
static const ns_generator tiny = {
    .name = "tiny",
    .summary = "+-2^(-e + 8U): tiny magnitudes down to the subnormals (e = 20 for fp16)",
    .param_name = "e", .param_default = 20,
    .n_default = 16, .fill = gen_tiny,
};
static const ns_generator long_rows = {
    .name = "long",
    .summary = "x_i ~ N(0, sigma^2) in long rows (n = 65536 by default, up to 2^20)",
    .param_name = "sigma", .param_default = 1,
    .n_default = 65536, .fill = gen_normal,
};
static const ns_generator attention = {
    .name = "attention",
    .summary = "q.k_j/sqrt(64) computed in the policy's format, q, k ~ N(0, s^2) (logit growth)",
    .param_name = "s", .param_default = 1,
    .n_default = 16, .uses_policy = 1, .fill = gen_attention,
};

const ns_generator *const ns_generators[] = {
    &normal, &uniform, &offset, &spike, &ties, &masked, &allmasked, &zeros, &tiny,
    &long_rows, &attention, NULL,
};

const ns_generator *ns_generator_find(const char *name)
{
    for (size_t i = 0; ns_generators[i]; i++)
        if (strcmp(ns_generators[i]->name, name) == 0)
            return ns_generators[i];
    return NULL;
}

void ns_generate(const ns_generator *g, const ns_gen_args *a, double *x)
{
    ns_rng r;
    ns_rng_seed(&r, a->seed);
    g->fill(a, &r, x);
}

void ns_gen_gradient(uint64_t seed, size_t n, double *g)
{
    ns_rng r;
    ns_rng_seed(&r, seed ^ 0x6772616469656e74u);   /* "gradient": a stream of its own */
    for (size_t i = 0; i < n; i++)
        g[i] = ns_rng_normal(&r);
}

int ns_generator_parse(const char *spec, const ns_generator **g, double *param,
                       char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    size_t len = eq ? (size_t)(eq - spec) : strlen(spec);
    for (size_t i = 0; ns_generators[i]; i++) {
        const ns_generator *c = ns_generators[i];
        if (strlen(c->name) != len || strncmp(c->name, spec, len) != 0)
            continue;
        *g = c;
        *param = c->param_default;
        if (!eq)
            return 0;
        char *end;
        double v = strtod(eq + 1, &end);
        if (end == eq + 1 || *end != '\0' || !isfinite(v)) {
            snprintf(err, errlen, "generator '%s': '%s' is not a finite number", c->name, eq + 1);
            return -1;
        }
        if (!c->param_name) {
            snprintf(err, errlen, "generator '%s' takes no parameter", c->name);
            return -1;
        }
        *param = v;
        return 0;
    }
    snprintf(err, errlen, "unknown generator '%.*s' (see 'normstab list generators')", (int)len, spec);
    return -1;
}
