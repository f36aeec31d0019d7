#include "mutate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ns_row_init(ns_row *r)
{
    memset(r, 0, sizeof *r);
}

void ns_row_free(ns_row *r)
{
    free(r->x);
    free(r->g);
    ns_row_init(r);
}

int ns_row_reserve(ns_row *r, size_t n)
{
    if (n <= r->cap)
        return 0;
    size_t cap = r->cap ? r->cap : 16;
    while (cap < n)
        cap *= 2;
    double *x = realloc(r->x, cap * sizeof *x);
    if (!x)
        return -1;
    r->x = x;
    double *g = realloc(r->g, cap * sizeof *g);
    if (!g)
        return -1;
    r->g = g;
    r->cap = cap;
    return 0;
}

int ns_row_set(ns_row *r, const double *x, const double *g, size_t n)
{
    if (ns_row_reserve(r, n) != 0)
        return -1;
    memcpy(r->x, x, n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        r->g[i] = g ? g[i] : 1.0;
    r->n = n;
    return 0;
}

int ns_row_copy(ns_row *dst, const ns_row *src)
{
    return ns_row_set(dst, src->x, src->g, src->n);
}

/* ---- constants of the policy's formats ---------------------------------- */

static void add_magic(ns_mutator *m, double v)
{
    v = ns_round(m->policy->io, fabs(v));
    if (!isfinite(v) || m->nmagic == NS_MUT_MAX_MAGIC)
        return;
    for (size_t i = 0; i < m->nmagic; i++)
        if (m->magic[i] == v)
            return;
    m->magic[m->nmagic++] = v;
}

/* The values where a format's arithmetic changes regime: its extremes, the
 * arguments where exp overflows or underflows to zero or to subnormals, where
 * a square does, and where 1 + x == x. */
static void add_format_magic(ns_mutator *m, const ns_format *f)
{
    double tiny = ns_format_min_positive(f), normal = ldexp(1.0, f->emin);
    add_magic(m, f->max_finite);
    add_magic(m, normal);
    add_magic(m, tiny);
    add_magic(m, normal - tiny);
    add_magic(m, log(f->max_finite));
    add_magic(m, -log(normal));
    add_magic(m, -log(tiny));
    add_magic(m, sqrt(f->max_finite));
    add_magic(m, sqrt(normal));
    add_magic(m, sqrt(tiny));
    add_magic(m, ldexp(1.0, f->p));
    add_magic(m, ldexp(1.0, f->p + 1));
}

void ns_mutator_init(ns_mutator *m, const ns_policy *p, const ns_domain *d, size_t max_n)
{
    memset(m, 0, sizeof *m);
    m->policy = p;
    m->domain = *d;
    m->max_n = max_n < 1 ? 1 : max_n > NS_FUZZ_MAX_N ? NS_FUZZ_MAX_N : max_n;
    m->typical_n = m->max_n < 64 ? m->max_n : 64;
    add_magic(m, 0.0);
    add_magic(m, 1.0);
    add_magic(m, 0.5);
    add_magic(m, 2.0);
    add_format_magic(m, p->io);
    add_format_magic(m, p->elem);
    add_format_magic(m, p->acc);
}

/* ---- helpers -------------------------------------------------------------- */

static size_t pick(ns_rng *rng, size_t n) { return ns_rng_below(rng, n); }
static bool coin(ns_rng *rng, double p) { return ns_rng_uniform(rng) < p; }
static double sign(ns_rng *rng) { return coin(rng, 0.5) ? -1.0 : 1.0; }

static bool masks_allowed(const ns_mutator *m)
{
    return m->domain.flags & NS_DOMAIN_MASKED;
}

/* A typical logit of scale sigma. */
static double typical(ns_rng *rng, double sigma)
{
    return sigma * ns_rng_normal(rng);
}

static double log_uniform_scale(ns_rng *rng, int lo, int hi)
{
    return exp2(lo + (hi - lo) * ns_rng_uniform(rng));
}

/* The next value of format f above v (v itself at the top of the range). */
static double next_up(const ns_format *f, double v)
{
    if (v >= f->max_finite || !isfinite(v))
        return v;
    if (v >= 0)
        return v + ns_ulp(f, v);
    /* Below a power of two the spacing halves (except among subnormals). */
    double a = -v, step = ns_ulp(f, a), pred = a - step;
    if (ns_ulp(f, pred) < step)
        pred = a - step / 2;
    return -pred;
}

static double next_down(const ns_format *f, double v)
{
    return -next_up(f, -v);
}

/* Moves v by k units in the last place of format f. */
static double nudge(const ns_format *f, double v, int k)
{
    for (int step = 0; step < abs(k); step++)
        v = k > 0 ? next_up(f, v) : next_down(f, v);
    return v;
}

static size_t argmax(const double *x, size_t n)
{
    size_t k = 0;
    for (size_t i = 1; i < n; i++)
        if (x[i] > x[k])
            k = i;
    return k;
}

/* Inserts (grow) or removes entries; returns false when the length would
 * leave [1, max_n]. */
static bool resize(const ns_mutator *m, ns_row *r, size_t n)
{
    if (n < 1 || n > m->max_n || ns_row_reserve(r, n) != 0)
        return false;
    r->n = n;
    return true;
}

/* ---- the mutations ---------------------------------------------------------- */

typedef void mutation_fn(const ns_mutator *m, ns_rng *rng, ns_row *r);

static void mut_nudge(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    int k = (int)(1 + pick(rng, 4));
    if (coin(rng, 0.2))
        k = 1 << pick(rng, 8);
    size_t i = pick(rng, r->n);
    r->x[i] = nudge(m->policy->io, r->x[i], coin(rng, 0.5) ? k : -k);
}

static void mut_sign(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    (void)m;
    size_t i = pick(rng, r->n);
    r->x[i] = -r->x[i];
}

/* The value's significand with the smallest or largest exponent of the format. */
static void mut_exponent_extreme(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    const ns_format *f = m->policy->io;
    size_t i = pick(rng, r->n);
    double v = isfinite(r->x[i]) && r->x[i] != 0 ? r->x[i] : sign(rng) * 1.5;
    int e;
    double s = frexp(v, &e);
    int target = coin(rng, 0.5) ? f->emax + 1 : f->emin - f->p + 2 + (int)pick(rng, f->p);
    if (coin(rng, 0.3))   /* somewhere in between, uniformly in the exponent */
        target = f->emin - f->p + 2 + (int)pick(rng, (size_t)(f->emax - f->emin + f->p));
    r->x[i] = ldexp(s, target);
}

static void mut_special(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    const ns_format *f = m->policy->io;
    size_t i = pick(rng, r->n);
    switch (pick(rng, 8)) {
    case 0: r->x[i] = 0.0; break;
    case 1: r->x[i] = -0.0; break;
    case 2: r->x[i] = masks_allowed(m) ? -INFINITY : -f->max_finite; break;
    case 3: r->x[i] = sign(rng) * f->max_finite; break;
    case 4: r->x[i] = sign(rng) * ns_format_min_positive(f); break;
    case 5: r->x[i] = sign(rng) * (ldexp(1.0, f->emin) - ns_format_min_positive(f)); break;
    case 6: r->x[i] = sign(rng) * ldexp(1.0, f->emin); break;
    default: r->x[i] = sign(rng) * 1.0; break;
    }
}

static void mut_magic(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    size_t i = pick(rng, r->n);
    r->x[i] = sign(rng) * m->magic[pick(rng, m->nmagic)];
}

/* Copies the maximum to another entry (a tie), or puts a near-tie there. */
static void mut_tie(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    size_t k = argmax(r->x, r->n), i = pick(rng, r->n);
    r->x[i] = r->x[k];
    if (coin(rng, 0.5))
        r->x[i] = nudge(m->policy->io, r->x[i], -(int)(1 + pick(rng, 3)));
}

static void mut_copy(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    (void)m;
    r->x[pick(rng, r->n)] = r->x[pick(rng, r->n)];
}

static void mut_fresh_value(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    (void)m;
    r->x[pick(rng, r->n)] = typical(rng, log_uniform_scale(rng, -6, 6));
}

/* Every entry times 2^k (exact until the format's range ends) or times a
 * random factor. */
static void mut_scale(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    (void)m;
    double c = coin(rng, 0.7) ? ldexp(1.0, (int)pick(rng, 17) - 8)
                              : sign(rng) * log_uniform_scale(rng, -8, 8);
    for (size_t i = 0; i < r->n; i++)
        r->x[i] *= c;
}

static void mut_shift(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    double c = coin(rng, 0.3) ? sign(rng) * m->magic[pick(rng, m->nmagic)]
                              : sign(rng) * log_uniform_scale(rng, -4, 10);
    for (size_t i = 0; i < r->n; i++)
        r->x[i] += c;
}

static void mut_insert(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    size_t n = r->n, i = pick(rng, n + 1);
    if (!resize(m, r, n + 1))
        return;
    memmove(r->x + i + 1, r->x + i, (n - i) * sizeof *r->x);
    memmove(r->g + i + 1, r->g + i, (n - i) * sizeof *r->g);
    size_t src = pick(rng, n);
    r->x[i] = coin(rng, 0.5) ? r->x[src + (src >= i)] : typical(rng, log_uniform_scale(rng, -6, 6));
    r->g[i] = ns_rng_normal(rng);
}

static void mut_delete(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    size_t n = r->n, i = pick(rng, n), len = 1 + (coin(rng, 0.3) ? pick(rng, n) : 0);
    if (i + len > n)
        len = n - i;
    if (!resize(m, r, n - len))
        return;
    memmove(r->x + i, r->x + i + len, (n - i - len) * sizeof *r->x);
    memmove(r->g + i, r->g + i + len, (n - i - len) * sizeof *r->g);
}

/* Doubles the row (its copy appended, up to max_n): long rows quickly. */
static void mut_repeat(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    size_t n = r->n, target = n * (2 + pick(rng, 7));
    if (target > m->max_n)
        target = m->max_n;
    if (target <= n || !resize(m, r, target))
        return;
    for (size_t i = n; i < target; i++) {
        r->x[i] = r->x[i % n];
        r->g[i] = r->g[i % n];
    }
}

static void mut_truncate(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    resize(m, r, 1 + pick(rng, r->n));
}

static void mut_mask(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    if (!masks_allowed(m))
        return;
    if (coin(rng, 0.3)) {           /* mask everything but (maybe) one entry */
        size_t keep = coin(rng, 0.5) ? pick(rng, r->n) : r->n;
        for (size_t i = 0; i < r->n; i++)
            if (i != keep)
                r->x[i] = -INFINITY;
    } else {
        r->x[pick(rng, r->n)] = -INFINITY;
    }
}

/* Flips one bit of the value's encoding in the input format's significand or
 * exponent, through the binary64 encoding it sits in. */
static void mut_bitflip(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    const ns_format *f = m->policy->io;
    size_t i = pick(rng, r->n);
    uint64_t b = ns_to_bits(r->x[i]);
    if (coin(rng, 0.5))
        b ^= 1ull << (52 - 1 - pick(rng, (size_t)f->p - 1));      /* a significand bit */
    else
        b ^= 1ull << (52 + pick(rng, 11));                         /* an exponent bit */
    r->x[i] = ns_from_bits(b);
}

static void mut_gradient(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    const ns_format *f = m->policy->io;
    size_t i = pick(rng, r->n);
    double cap = ldexp(f->max_finite, -NS_GRAD_HEADROOM_LOG2) / (double)r->n;
    switch (pick(rng, 8)) {
    case 0: r->g[i] = nudge(f, r->g[i], coin(rng, 0.5) ? 1 : -1); break;
    case 1: r->g[i] = -r->g[i]; break;
    case 2: r->g[i] = sign(rng) * cap; break;
    case 3: r->g[i] = sign(rng) * ns_format_min_positive(f); break;
    case 4:                               /* constant g: the true dx is 0 */
        for (size_t j = 0; j < r->n; j++)
            r->g[j] = r->g[i];
        break;
    case 5:                               /* one-hot g: one row of the Jacobian */
        for (size_t j = 0; j < r->n; j++)
            r->g[j] = j == i ? 1.0 : 0.0;
        break;
    case 6: {
        double c = ldexp(1.0, (int)pick(rng, 17) - 8);
        for (size_t j = 0; j < r->n; j++)
            r->g[j] *= c;
        break;
    }
    default: r->g[i] = ns_rng_normal(rng) * log_uniform_scale(rng, -8, 8); break;
    }
}

static const struct {
    mutation_fn *fn;
    const char *name;
    unsigned weight;
} mutations[] = {
    { mut_nudge, "nudge", 10 },
    { mut_sign, "sign", 4 },
    { mut_exponent_extreme, "exponent", 5 },
    { mut_special, "special", 5 },
    { mut_magic, "magic", 6 },
    { mut_tie, "tie", 5 },
    { mut_copy, "copy", 3 },
    { mut_fresh_value, "fresh", 4 },
    { mut_scale, "scale", 8 },
    { mut_shift, "shift", 8 },
    { mut_insert, "insert", 4 },
    { mut_delete, "delete", 4 },
    { mut_repeat, "repeat", 2 },
    { mut_truncate, "truncate", 2 },
    { mut_mask, "mask", 3 },
    { mut_bitflip, "bitflip", 4 },
    { mut_gradient, "gradient", 6 },
};

const char *ns_mutate_once(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    unsigned total = 0;
    for (size_t k = 0; k < sizeof mutations / sizeof mutations[0]; k++)
        total += mutations[k].weight;
    unsigned w = (unsigned)pick(rng, total);
    size_t k = 0;
    while (w >= mutations[k].weight)
        w -= mutations[k++].weight;
    if (r->n == 0) {
        if (!resize(m, r, 1))
            return "none";
        r->x[0] = 0;
        r->g[0] = 1;
    }
    mutations[k].fn(m, rng, r);
    return mutations[k].name;
}

void ns_row_finish(const ns_mutator *m, ns_row *r)
{
    const ns_format *io = m->policy->io;
    if (r->n == 0 && resize(m, r, 1)) {
        r->x[0] = 0;
        r->g[0] = 1;
    }
    if (r->n > m->max_n)
        r->n = m->max_n;
    for (size_t i = 0; i < r->n; i++) {
        r->x[i] = ns_round(io, r->x[i]);
        r->g[i] = ns_round(io, r->g[i]);
    }
    ns_domain_project(&m->domain, io, r->x, r->n);
    ns_domain_project_grad(io, r->g, r->n);
}

void ns_mutate(const ns_mutator *m, ns_rng *rng, ns_row *r, unsigned max_stack)
{
    unsigned k = 1 + (unsigned)pick(rng, max_stack ? max_stack : 1);
    for (unsigned i = 0; i < k; i++)
        ns_mutate_once(m, rng, r);
    ns_row_finish(m, r);
}

int ns_row_random(const ns_mutator *m, ns_rng *rng, ns_row *r)
{
    size_t n = (size_t)exp2(ns_rng_uniform(rng) * log2((double)m->typical_n + 1));
    if (n < 1)
        n = 1;
    if (n > m->typical_n)
        n = m->typical_n;
    if (ns_row_reserve(r, n) != 0)
        return -1;
    r->n = n;
    double sigma = log_uniform_scale(rng, -6, 6);
    double mu = coin(rng, 0.5) ? 0.0 : typical(rng, 4 * sigma);
    double pmask = masks_allowed(m) && coin(rng, 0.2) ? 0.1 : 0.0;
    for (size_t i = 0; i < n; i++) {
        r->x[i] = coin(rng, pmask) ? -INFINITY : mu + typical(rng, sigma);
        r->g[i] = ns_rng_normal(rng);
    }
    ns_row_finish(m, r);
    return 0;
}

int ns_crossover(const ns_mutator *m, ns_rng *rng, const ns_row *a, const ns_row *b, ns_row *out)
{
    if (coin(rng, 0.5)) {               /* a prefix of a, a suffix of b */
        size_t ka = 1 + pick(rng, a->n), kb = pick(rng, b->n + 1);
        size_t n = ka + (b->n - kb);
        if (n > m->max_n)
            n = m->max_n;
        if (ns_row_reserve(out, n) != 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            const ns_row *s = i < ka ? a : b;
            size_t j = i < ka ? i : kb + (i - ka);
            out->x[i] = s->x[j];
            out->g[i] = s->g[j];
        }
        out->n = n;
    } else {                            /* the length of a, entries from either */
        if (ns_row_copy(out, a) != 0)
            return -1;
        for (size_t i = 0; i < out->n && i < b->n; i++)
            if (coin(rng, 0.5)) {
                out->x[i] = b->x[i];
                out->g[i] = b->g[i];
            }
    }
    ns_row_finish(m, out);
    return 0;
}

static double get_le_double(const uint8_t *p)
{
    uint64_t b = 0;
    for (int k = 7; k >= 0; k--)
        b = b << 8 | p[k];
    return ns_from_bits(b);
}

static void put_le_double(uint8_t *p, double v)
{
    uint64_t b = ns_to_bits(v);
    for (int k = 0; k < 8; k++, b >>= 8)
        p[k] = (uint8_t)b;
}

int ns_row_decode(ns_row *r, const uint8_t *buf, size_t len, size_t max_n)
{
    size_t n = len / 16;
    if (n > max_n)
        n = max_n;
    if (n == 0) {
        double x = len >= 8 ? get_le_double(buf) : 0.0;
        return ns_row_set(r, &x, NULL, 1);
    }
    if (ns_row_reserve(r, n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        r->x[i] = get_le_double(buf + 8 * i);
        r->g[i] = get_le_double(buf + 8 * (n + i));
    }
    r->n = n;
    return 0;
}

size_t ns_row_encode(const ns_row *r, uint8_t *buf, size_t max)
{
    size_t n = r->n;
    if (16 * n > max)
        n = max / 16;
    for (size_t i = 0; i < n; i++) {
        put_le_double(buf + 8 * i, r->x[i]);
        put_le_double(buf + 8 * (n + i), r->g[i]);
    }
    return 16 * n;
}
