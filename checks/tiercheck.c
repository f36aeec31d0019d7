/* `make check-tiers`: the fast tiers of the reference (reference/tier.h)
 * against MPFR alone, bit for bit, on many more and much nastier rows than
 * tests/test_tier*.c.  Progress goes to stderr, the summary to stdout; exit
 * status 1 on any mismatch, 2 on bad options or when the run cannot be
 * trusted (MPFR without thread-local state).
 *
 * Every built-in family whose reference has a .tier is checked, for its
 * default parameters and, when it has parameters, for three more parameter
 * sets drawn from the ranges below.  A row is a pure function of (seed,
 * family, row number), so any row can be replayed alone (--row).  Its kinds:
 * normal rows of every sigma from 1e-12 to 1e3; values rounded to fp16,
 * bf16 or fp32; integers and small-denominator rationals (exact ties);
 * equal values; one spike among tiny values; spreads around the thresholds
 * the tiers use (|x| near 600, 745, 1000, 2^450, differences near 2^-900,
 * subnormal logits, huge offsets); tiny rows (every |x| between 2^-1074
 * and 2^-890, where softpick's denominator is eps alone); masked -inf
 * entries (some rows all masked); and rows mixing all of these entry by
 * entry.  Lengths 1, 2, 3, powers of two and log-uniform up to 4096, the
 * first --long rows 2^16.
 * Gradients random, constant, integer, zero, huge, tiny, fp16, one-hot or
 * of mixed magnitudes; every fourth row is also evaluated without one.
 *
 * How the two sides are computed.  ns_ref_set_fast_tier is a global switch
 * ("set it before threads start"), so the threads run with it off and call
 * the tier itself, as ns_ref_eval does (reference/ref.c: the rows here have
 * no NaN, no +inf and finite gradients, so ns_ref_eval hands the tier the
 * row as it is): a row the tier settles must equal ns_ref_eval's MPFR
 * result; a row it leaves to MPFR gets that very MPFR result, so only the
 * settled rows can differ.  Each mismatch is then replayed serially through
 * ns_ref_eval itself, with ns_ref_set_fast_tier(0) and (1).
 *
 * Both sides are also held to evaluations at a much higher precision
 * (reference/highprec.h), on every row of at most --highprec-n entries:
 * the family's definition in plain MPFR at 3000 and 4000 bits (all but
 * entmax at alpha other than 2 and 1.5), and the reference's own enclosure
 * at 2048 bits.  A result either rejects is a high-precision mismatch: the
 * agreement of tier and MPFR alone does not show that either is right.
 *
 * Usage: tiercheck [--seconds S] [--rows N] [--seed S] [--family A,B,...]
 *                  [--threads T] [--long N] [--slow S] [--settled-only]
 *                  [--highprec-n N]
 *        tiercheck --family NAME --seed S --row K     (replay one row)
 *   --seconds S    time budget per family (default 40; 0: no limit)
 *   --rows N       at most N rows per family (default 0: no limit)
 *   --long N       the first N rows of each family have length 2^16 (3)
 *   --slow S       an MPFR evaluation longer than S seconds is listed (2)
 *   --settled-only skip MPFR on the rows the tier leaves open (they cannot
 *                  differ; only their timing is lost)
 *   --highprec-n N the high-precision check on rows of at most N entries
 *                  (16; 0: none) */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <mpfr.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../formats/format.h"
#include "../normalizers/catalogue.h"
#include "../reference/highprec.h"
#include "../reference/ref.h"
#include "../reference/tier.h"

#define MAX_N ((size_t)1 << 16)
#define NFIRST 5          /* mismatching rows printed in full per family */
#define NSLOWLIST 5       /* slow rows listed per family */
#define MAX_FAMILIES 64
#define MAX_PSETS 4
#define PRINT_FULL_N 4096 /* longer rows are written to a file instead */
#define DEFAULT_LONG 3    /* rows of 2^16 at the start of each family */
#define DEFAULT_HIGHPREC_N 16

/* ---- random numbers: splitmix64, one stream per row ---- */

typedef struct { uint64_t s; } rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static double rng_uniform(rng *r) { return (double)(rng_next(r) >> 11) * 0x1p-53; }
static size_t rng_below(rng *r, size_t n) { return (size_t)(rng_next(r) % n); }
static double rng_sign(rng *r) { return rng_next(r) & 1 ? -1.0 : 1.0; }
static double rng_pow10(rng *r, double lo, double hi) { return pow(10, lo + (hi - lo) * rng_uniform(r)); }

static double rng_normal(rng *r)
{
    double u = rng_uniform(r), v = rng_uniform(r);
    return sqrt(-2 * log(u > 0 ? u : 0x1p-60)) * cos(6.283185307179586 * v);
}

static uint64_t hash_name(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
    return h;
}

static rng rng_for(uint64_t seed, uint64_t family, uint64_t stream)
{
    rng r = { seed ^ family * UINT64_C(0x9e3779b97f4a7c15) ^ stream * UINT64_C(0xd1b54a32d192ed03) };
    rng_next(&r);
    return r;
}

/* ---- rows ---- */

typedef enum { K_NORMAL, K_FORMAT, K_INTEGER, K_RATIONAL, K_EQUAL, K_SPIKE, K_THRESHOLD, K_TINY,
               K_MASKED, K_MIXED, NKINDS } row_kind;
static const char *const kind_names[NKINDS] = { "normal", "format", "integer", "rational", "equal",
                                                "spike", "threshold", "tiny", "masked", "mixed" };

typedef enum { G_NORMAL, G_CONST, G_INTEGER, G_ZERO, G_HUGE, G_TINY, G_FP16, G_ONEHOT, G_MIXED,
               NGKINDS } grad_kind;
static const char *const grad_names[NGKINDS] = { "normal", "constant", "integer", "zero", "huge",
                                                 "tiny", "fp16", "one-hot", "mixed" };

/* What one row's entries share. */
typedef struct {
    row_kind kind;
    double sigma, mu;
    const ns_format *fmt;
    double intmax, denom, scale;
    double equal;
    size_t spike_at;
    double spike, tiny;
    int thr;                   /* which threshold (entry_threshold) */
    double base, delta;
    int e;
    int tiny_e;                /* binade of the tiny rows */
    double mask_p;
} row_ctx;

typedef struct {
    uint64_t id;
    row_kind kind;
    grad_kind gkind;
    int pset;
    size_t n;
    double *x, *g;
    const double *param;
} row;

static const double threshold_bases[] = { 600, 745, 709.782712893384, 708.3964185322641, 744.44007192138126,
                                          1000, 1100, 1024, 3000 };
static const int binades[] = { 450, -450, 449, -449, 511, -511, 900, -900, 1000, -1000, 1022, -1022 };

/* No +inf (ns_ref_eval answers NaN to a row with one, before any tier):
 * an overflow becomes the largest double of its sign. */
static double clamp_finite(double v) { return isinf(v) ? copysign(DBL_MAX, v) : v; }

/* v rounded to the format, an overflow to its largest finite value. */
static double fmt_round(const ns_format *f, double v)
{
    double r = ns_round(f, v);
    return isinf(r) ? copysign(f->max_finite, r) : r;
}

static double entry_threshold(rng *r, const row_ctx *c)
{
    switch (c->thr) {
    case 0: {   /* around +-T, 0 and -+T: differences near T and 2T */
        size_t w = rng_below(r, 4);
        double v = w == 0 ? c->base : w == 1 ? -c->base : w == 2 ? 0 : c->base;
        return v + c->delta * rng_normal(r);
    }
    case 1:     /* magnitudes near 2^e: squares near 2^{2e}, 2^900's range edge */
        if (rng_below(r, 8) == 0)
            return 0;
        return rng_sign(r) * ldexp(1 + rng_uniform(r), c->e + (int)rng_below(r, 5) - 2);
    case 2:     /* differences near 2^-900 around a base */
        return c->base + (double)((int)rng_below(r, 7) - 3) * ldexp(1 + rng_uniform(r), -905 + (int)rng_below(r, 11));
    case 3: {   /* subnormal logits */
        size_t w = rng_below(r, 6);
        if (w == 0)
            return rng_next(r) & 1 ? 0.0 : -0.0;
        if (w == 1)
            return (double)((int)rng_below(r, 9) - 4) * 0x1p-1074;
        return rng_sign(r) * ldexp((double)(rng_next(r) >> 12), -1074);
    }
    default:    /* a huge offset */
        return c->base + c->delta * rng_normal(r);
    }
}

static double entry(rng *r, const row_ctx *c, row_kind k, size_t i)
{
    switch (k) {
    case K_NORMAL:
    case K_MASKED:
        return c->mu + c->sigma * rng_normal(r);
    case K_FORMAT:
        return fmt_round(c->fmt, c->mu + c->sigma * rng_normal(r));
    case K_INTEGER:
        return c->scale * (double)((int64_t)rng_below(r, 2 * (size_t)c->intmax + 1) - (int64_t)c->intmax);
    case K_RATIONAL:
        return c->scale * (double)((int64_t)rng_below(r, 2 * (size_t)c->intmax + 1) - (int64_t)c->intmax) / c->denom;
    case K_EQUAL:
        return c->equal;
    case K_SPIKE:
        return i == c->spike_at ? c->spike : c->tiny * rng_normal(r);
    case K_THRESHOLD:
        return entry_threshold(r, c);
    case K_TINY:                /* one in eight zero, else +-[1, 2) 2^(tiny_e + 0..3) */
        if (rng_below(r, 8) == 0)
            return 0;
        return rng_sign(r) * ldexp(1 + rng_uniform(r), c->tiny_e + (int)rng_below(r, 4));
    default:
        return 0;
    }
}

static void make_ctx(rng *r, row_ctx *c, row_kind kind)
{
    static const ns_format *const fmts[] = { &ns_fp16, &ns_bf16, &ns_fp32 };
    static const double intmaxes[] = { 1, 2, 3, 10, 1000, 1 << 20 };
    static const double denoms[] = { 2, 4, 8, 16, 3, 5, 6, 10, 12, 1024 };
    static const double equals[] = { 0, -0.0, 1, -1, 0.5, 700, -745, 1e300, -1e300, 0x1p-1074, 0x1p-1022, 3.0 };
    static const double spikes[] = { 1, 8, 30, 100, 600, 745, 1000, 3000, 1e5 };
    static const double tinies[] = { 0, 1e-300, 0x1p-1070, 1e-20, 1e-8, 1e-3 };
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->sigma = rng_pow10(r, -12, 3);
    c->mu = rng_below(r, 3) == 0 ? rng_sign(r) * rng_pow10(r, -3, 3) : 0;
    c->fmt = fmts[rng_below(r, 3)];
    if (kind == K_FORMAT)
        c->sigma = rng_pow10(r, -6, 3);
    c->intmax = intmaxes[rng_below(r, sizeof intmaxes / sizeof *intmaxes)];
    c->denom = denoms[rng_below(r, sizeof denoms / sizeof *denoms)];
    c->scale = rng_below(r, 4) == 0 ? ldexp(1, (int)rng_below(r, 41) - 20) : 1;
    c->equal = rng_below(r, 3) == 0 ? rng_normal(r) * rng_pow10(r, -12, 3)
                                    : equals[rng_below(r, sizeof equals / sizeof *equals)];
    c->spike = rng_sign(r) * spikes[rng_below(r, sizeof spikes / sizeof *spikes)];
    c->tiny = tinies[rng_below(r, sizeof tinies / sizeof *tinies)];
    c->thr = (int)rng_below(r, 5);
    c->tiny_e = -1074 + (int)rng_below(r, 181);          /* -1074 .. -894 */
    c->e = binades[rng_below(r, sizeof binades / sizeof *binades)];
    c->delta = rng_pow10(r, -15, 1);
    if (c->thr == 0)
        c->base = rng_sign(r) * threshold_bases[rng_below(r, sizeof threshold_bases / sizeof *threshold_bases)];
    else if (c->thr == 2) {
        static const double bases[] = { 0, 0x1p-800, 0x1p-1000, -0x1p-850, 0x1p-1022 };
        c->base = bases[rng_below(r, sizeof bases / sizeof *bases)];
    } else if (c->thr == 4) {
        static const double offsets[] = { 3000, -3000, 1e5, -1e5, 1e300, -1e300, 700, -700 };
        c->base = offsets[rng_below(r, sizeof offsets / sizeof *offsets)];
        c->delta = rng_pow10(r, -2, 2);
    }
    c->mask_p = kind == K_MASKED ? (double[]){ 0.1, 0.5, 0.9 }[rng_below(r, 3)]
                                 : rng_below(r, 10) == 0 ? 0.25 : 0;
}

static size_t row_length(rng *r)
{
    size_t u = rng_below(r, 100);
    if (u < 8)
        return 1;
    if (u < 16)
        return 2;
    if (u < 24)
        return 3;
    if (u < 50)
        return (size_t)1 << (2 + rng_below(r, 11));       /* 4 .. 4096 */
    return 1 + (size_t)floor(exp(rng_uniform(r) * log(4096.0)));   /* log-uniform 1 .. 4096 */
}

static void make_gradient(rng *r, grad_kind gk, double *g, size_t n)
{
    double c = rng_below(r, 4) == 0 ? 0.25 : rng_normal(r) * rng_pow10(r, -3, 3);
    size_t hot = rng_below(r, n);
    for (size_t i = 0; i < n; i++) {
        double z = rng_normal(r);
        switch (gk) {
        case G_NORMAL: g[i] = z; break;
        case G_CONST: g[i] = c; break;
        case G_INTEGER: g[i] = (double)((int)rng_below(r, 7) - 3); break;
        case G_ZERO: g[i] = 0; break;
        case G_HUGE: g[i] = z * (rng_next(r) & 1 ? 1e300 : 0x1p1000); break;
        case G_TINY: g[i] = rng_next(r) & 1 ? z * 1e-300 : ldexp(z, -1060); break;
        case G_FP16: g[i] = fmt_round(&ns_fp16, z); break;
        case G_ONEHOT: g[i] = i == hot ? 1 : 0; break;
        default: g[i] = z * rng_pow10(r, -300, 300); break;
        }
    }
}

/* The row `id` of a family: x, g (always made; the caller decides whether
 * to pass it) and its parameter set. */
static void make_row(uint64_t seed, uint64_t fam_hash, uint64_t id, size_t nlong, int npsets, row *rw)
{
    rng r = rng_for(seed, fam_hash, id + 1);
    rw->id = id;
    rw->kind = (row_kind)(id % NKINDS);
    rw->gkind = (grad_kind)rng_below(&r, NGKINDS);
    rw->pset = npsets > 1 && id % 2 ? 1 + (int)((id / 2) % (uint64_t)(npsets - 1)) : 0;
    rw->n = id < nlong ? MAX_N : row_length(&r);
    row_ctx c;
    make_ctx(&r, &c, rw->kind);
    c.spike_at = rng_below(&r, rw->n);
    int all_masked = rw->kind == K_MASKED && rng_below(&r, 6) == 0;
    int one_left = rw->kind == K_MASKED && !all_masked && rng_below(&r, 5) == 0;
    size_t left = rng_below(&r, rw->n);
    row_ctx mixed[NKINDS - 1];
    if (rw->kind == K_MIXED)
        for (int k = 0; k < NKINDS - 1; k++) {
            make_ctx(&r, &mixed[k], (row_kind)k);
            mixed[k].spike_at = rng_below(&r, rw->n);
        }
    for (size_t i = 0; i < rw->n; i++) {
        if (rw->kind == K_MIXED) {
            row_kind k = (row_kind)rng_below(&r, NKINDS - 1);
            rw->x[i] = clamp_finite(entry(&r, &mixed[k], k, i));
            if (rng_uniform(&r) < mixed[k].mask_p)
                rw->x[i] = -INFINITY;
        } else {
            rw->x[i] = clamp_finite(entry(&r, &c, rw->kind, i));
            if (all_masked || (one_left && i != left) || rng_uniform(&r) < c.mask_p)
                rw->x[i] = -INFINITY;
        }
    }
    make_gradient(&r, rw->gkind, rw->g, rw->n);
    for (size_t i = 0; i < rw->n; i++)
        if (isnan(rw->x[i]) || rw->x[i] == INFINITY || !isfinite(rw->g[i])) {
            fprintf(stderr, "tiercheck: row %" PRIu64 " entry %zu is outside the tier's domain\n", id, i);
            exit(2);
        }
}

/* ---- families and their parameter sets ---- */

typedef struct {
    const ns_family *f;
    const ns_reference *ref;
    ns_ref_tier tier;
    uint64_t hash;
    int npsets;
    double param[MAX_PSETS][NS_MAX_PARAMS];
} family;

/* Parameter values drawn from the ranges the definitions admit (SPEC section
 * 3; the catalogue declares defaults only): ssmax's s log-uniform in
 * [1/32, 8], one time in eight negative; eps (softpick, spherical) 0 or
 * log-uniform in [1e-30, 1]; entmax's alpha 2 (sparsemax, the tier's closed
 * form) in the first set, else 1 + log-uniform in [0.1, 3] (the tier leaves
 * those to MPFR's bisection). */
static void draw_params(const ns_family *f, rng *r, int set, double *param)
{
    ns_params_default(f, param);
    for (size_t k = 0; k < ns_family_nparams(f); k++) {
        const char *key = f->params[k].key;
        if (strcmp(key, "s") == 0)
            param[k] = (rng_below(r, 8) == 0 ? -1 : 1) * pow(2, -5 + 8 * rng_uniform(r));
        else if (strcmp(key, "eps") == 0)
            param[k] = rng_below(r, 4) == 0 ? 0 : rng_pow10(r, -30, 0);
        else if (strcmp(key, "alpha") == 0)
            param[k] = set == 1 ? 2 : 1 + rng_pow10(r, -1, log10(3.0));
    }
}

static void family_init(family *fa, const ns_family *f, uint64_t seed)
{
    fa->f = f;
    fa->ref = ns_reference_find(f->name);
    fa->tier = fa->ref ? ns_ref_tier_of(fa->ref) : NULL;
    fa->hash = hash_name(f->name);
    ns_params_default(f, fa->param[0]);
    fa->npsets = ns_family_nparams(f) ? MAX_PSETS : 1;
    rng r = rng_for(seed, fa->hash, 0);
    for (int s = 1; s < fa->npsets; s++)
        draw_params(f, &r, s, fa->param[s]);
}

/* ---- one evaluation, both ways ---- */

/* A row kept to be printed: what replays it, and copies of x and g. */
typedef struct {
    uint64_t id;
    int with_g, pset;
    row_kind kind;
    grad_kind gkind;
    size_t n;
    double *x, *g;              /* copies */
} kept_row;

typedef struct {
    kept_row row;
    size_t nbad, first_bad;
} mismatch;

typedef struct {
    uint64_t id;
    int with_g;
    row_kind kind;
    size_t n;
    double seconds;
    int settled;
} slow_row;

/* A result the high-precision check rejected: the first entry of one
 * route against one side. */
typedef struct {
    kept_row row;
    const char *route, *side;
    size_t entry, nbad;
    int is_dx;
    double got;
    ns_hp_bounds want, other;   /* the route's bounds, the other route's */
} hp_mismatch;

typedef struct {
    unsigned long long rows, with_g, settled, mismatches, uncertain, mpfr_rows, slow;
    unsigned long long kind_rows[NKINDS], kind_settled[NKINDS];
    double mpfr_seconds, tier_seconds;
    slow_row slowest;
    mismatch first[NFIRST];
    int nfirst;
    slow_row slow_list[NSLOWLIST];
    int nslow;
    slow_row uncertain_list[NSLOWLIST];   /* rows MPFR left uncertain at its cap */
    int nuncertain;
    unsigned long long hp_rows, hp_plain_rows, hp_undecided, hp_mismatches;
    hp_mismatch hp_first[NFIRST];
    int nhp_first;
} tally;

typedef struct {
    double *x, *g, *y1, *dx1, *y2, *dx2;
} buffers;

static int buffers_init(buffers *b)
{
    double *p = malloc(6 * MAX_N * sizeof *p);
    if (!p)
        return -1;
    *b = (buffers){ p, p + MAX_N, p + 2 * MAX_N, p + 3 * MAX_N, p + 4 * MAX_N, p + 5 * MAX_N };
    return 0;
}

static int same(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* Entries where the two sides differ; *first the first of them. */
static size_t count_diff(const double *y1, const double *dx1, const double *y2, const double *dx2,
                         size_t n, int with_g, size_t *first)
{
    size_t bad = 0;
    *first = n;
    for (size_t i = 0; i < n; i++)
        if (!same(y1[i], y2[i]) || (with_g && !same(dx1[i], dx2[i]))) {
            if (!bad)
                *first = i;
            bad++;
        }
    return bad;
}

static double *copy_of(const double *v, size_t n)
{
    double *c = malloc(n * sizeof *c);
    if (c)
        memcpy(c, v, n * sizeof *c);
    return c;
}

static kept_row keep_row(const row *rw, int with_g, size_t n)
{
    return (kept_row){ rw->id, with_g, rw->pset, rw->kind, rw->gkind, n, copy_of(rw->x, n), copy_of(rw->g, n) };
}

static void kept_row_free(kept_row *k)
{
    free(k->x);
    free(k->g);
}

typedef struct {
    int settled_only;
    double slow_after;
    size_t highprec_n;
} check_opts;

/* ---- the high-precision check (reference/highprec.h) ---- */

/* Entries of y (and dx) that the bounds reject; *first the first of them
 * (n + j for dx_j). */
static size_t hp_rejected(const ns_hp_bounds *by, const ns_hp_bounds *bdx, const double *y, const double *dx,
                          size_t n, int with_g, size_t *first)
{
    size_t bad = 0;
    *first = 2 * n;
    for (size_t i = 0; i < 2 * n; i++) {
        int is_dx = i >= n;
        if (is_dx && !with_g)
            break;
        size_t j = is_dx ? i - n : i;
        if (!ns_hp_allows(is_dx ? bdx[j] : by[j], is_dx ? dx[j] : y[j]) && !bad++)
            *first = i;
    }
    return bad;
}

/* The row's results, MPFR alone (y1, dx1) and the tier's when it settled
 * (y2, dx2), against both routes; the plain route counts the entries it
 * leaves undecided. */
static void check_highprec(const family *fa, const row *rw, int with_g, const buffers *b, int settled, tally *t)
{
    size_t n = rw->n;
    const double *g = with_g ? rw->g : NULL;
    ns_hp_bounds *hb = malloc(4 * n * sizeof *hb);
    int plain = hb ? ns_hp_plain(fa->ref, rw->param, rw->x, g, n, hb, hb + n) : -1;
    if (plain < 0 || ns_hp_enclosure(fa->ref, rw->param, rw->x, g, n, NS_HP_ENCLOSURE_PREC, hb + 2 * n, hb + 3 * n) < 0) {
        fprintf(stderr, "tiercheck: out of memory in the high-precision check\n");
        exit(2);
    }
    t->hp_rows++;
    t->hp_plain_rows += plain;
    for (size_t i = 0; plain && i < (with_g ? 2 * n : n); i++)
        t->hp_undecided += !ns_hp_decided(hb[i]);
    const struct { const char *name; const ns_hp_bounds *y, *dx, *other; } routes[2] = {
        { "plain MPFR", hb, hb + n, hb + 2 * n }, { "enclosure", hb + 2 * n, hb + 3 * n, hb } };
    const struct { const char *name; const double *y, *dx; } sides[2] = {
        { "MPFR alone", b->y1, b->dx1 }, { "tier", b->y2, b->dx2 } };
    int rejected = 0;
    for (int r = plain ? 0 : 1; r < 2; r++)
        for (int s = 0; s < 1 + settled; s++) {
            size_t first, bad = hp_rejected(routes[r].y, routes[r].dx, sides[s].y, sides[s].dx, n, with_g, &first);
            if (!bad)
                continue;
            rejected = 1;
            if (t->nhp_first == NFIRST)
                continue;
            int is_dx = first >= n;
            size_t j = is_dx ? first - n : first;
            const ns_hp_bounds *other = routes[r].other + (is_dx ? n : 0);
            t->hp_first[t->nhp_first++] = (hp_mismatch){
                keep_row(rw, with_g, n),
                routes[r].name, sides[s].name, j, bad, is_dx, is_dx ? sides[s].dx[j] : sides[s].y[j],
                is_dx ? routes[r].dx[j] : routes[r].y[j],
                plain ? other[j] : (ns_hp_bounds){ NAN, NAN } };
        }
    t->hp_mismatches += rejected;
    free(hb);
}

/* Evaluates the row with or without its gradient, both ways, into t. */
static void check_eval(const family *fa, const row *rw, int with_g, buffers *b, const check_opts *o,
                       tally *t)
{
    size_t n = rw->n;
    const double *g = with_g ? rw->g : NULL;
    ns_ref_input in = { rw->x, g, rw->param, n };
    double t0 = omp_get_wtime();
    int settled = fa->tier(&in, b->y2, g ? b->dx2 : NULL);
    double t1 = omp_get_wtime();
    t->rows++;
    t->with_g += with_g;
    t->settled += settled;
    t->kind_rows[rw->kind]++;
    t->kind_settled[rw->kind] += settled;
    t->tier_seconds += t1 - t0;
    if (!settled && o->settled_only)
        return;
    ns_ref_stats st;
    if (ns_ref_eval(fa->ref, rw->param, rw->x, g, n, b->y1, g ? b->dx1 : NULL, &st) != 0) {
        fprintf(stderr, "tiercheck: out of memory in MPFR (%s row %" PRIu64 ")\n", fa->f->name, rw->id);
        exit(2);
    }
    double secs = omp_get_wtime() - t1;
    t->mpfr_rows++;
    t->mpfr_seconds += secs;
    slow_row s = { rw->id, with_g, rw->kind, n, secs, settled };
    if (st.uncertain) {
        t->uncertain++;
        if (t->nuncertain < NSLOWLIST)
            t->uncertain_list[t->nuncertain++] = s;
    }
    if (secs > t->slowest.seconds)
        t->slowest = s;
    if (secs > o->slow_after) {
        t->slow++;
        if (t->nslow < NSLOWLIST)
            t->slow_list[t->nslow++] = s;
    }
    if (n <= o->highprec_n)
        check_highprec(fa, rw, with_g, b, settled, t);
    if (!settled)
        return;             /* ns_ref_eval would have run this very MPFR code */
    size_t first;
    size_t bad = count_diff(b->y1, b->dx1, b->y2, b->dx2, n, with_g, &first);
    if (!bad)
        return;
    t->mismatches++;
    if (t->nfirst < NFIRST)
        t->first[t->nfirst++] = (mismatch){ keep_row(rw, with_g, n), bad, first };
}

/* ---- the run over one family ---- */

typedef struct {
    double seconds;
    unsigned long long max_rows;
    uint64_t seed;
    size_t nlong;
    int threads;
    check_opts check;
} run_opts;

static void merge(tally *into, tally *from)
{
    into->rows += from->rows;
    into->with_g += from->with_g;
    into->settled += from->settled;
    into->mismatches += from->mismatches;
    into->uncertain += from->uncertain;
    into->mpfr_rows += from->mpfr_rows;
    into->slow += from->slow;
    for (int k = 0; k < NKINDS; k++) {
        into->kind_rows[k] += from->kind_rows[k];
        into->kind_settled[k] += from->kind_settled[k];
    }
    into->mpfr_seconds += from->mpfr_seconds;
    into->tier_seconds += from->tier_seconds;
    if (from->slowest.seconds > into->slowest.seconds)
        into->slowest = from->slowest;
    for (int i = 0; i < from->nfirst; i++) {
        if (into->nfirst < NFIRST)
            into->first[into->nfirst++] = from->first[i];
        else
            kept_row_free(&from->first[i].row);
    }
    for (int i = 0; i < from->nslow && into->nslow < NSLOWLIST; i++)
        into->slow_list[into->nslow++] = from->slow_list[i];
    for (int i = 0; i < from->nuncertain && into->nuncertain < NSLOWLIST; i++)
        into->uncertain_list[into->nuncertain++] = from->uncertain_list[i];
    into->hp_rows += from->hp_rows;
    into->hp_plain_rows += from->hp_plain_rows;
    into->hp_undecided += from->hp_undecided;
    into->hp_mismatches += from->hp_mismatches;
    for (int i = 0; i < from->nhp_first; i++) {
        if (into->nhp_first < NFIRST)
            into->hp_first[into->nhp_first++] = from->hp_first[i];
        else
            kept_row_free(&from->hp_first[i].row);
    }
}

static void run_family(const family *fa, int index, int count, const run_opts *o, tally *total)
{
    double start = omp_get_wtime();
    uint64_t next_id = 0;
    unsigned long long done = 0, settled = 0, mism = 0;
    double last_progress = start;
    int failed = 0;
#pragma omp parallel num_threads(o->threads)
    {
        buffers b;
        tally t;
        memset(&t, 0, sizeof t);
        int ok = buffers_init(&b) == 0;
        if (!ok) {
#pragma omp atomic write
            failed = 1;
        }
        while (ok) {
            uint64_t id;
#pragma omp atomic capture
            id = next_id++;
            double now = omp_get_wtime();
            if ((o->max_rows && id >= o->max_rows) || (o->seconds > 0 && now - start >= o->seconds))
                break;
            row rw = { .x = b.x, .g = b.g };
            make_row(o->seed, fa->hash, id, o->nlong, fa->npsets, &rw);
            rw.param = fa->param[rw.pset];
            unsigned long long before_s = t.settled, before_m = t.mismatches + t.hp_mismatches, before_r = t.rows;
            check_eval(fa, &rw, 1, &b, &o->check, &t);
            if (id % 4 == 0)
                check_eval(fa, &rw, 0, &b, &o->check, &t);
#pragma omp atomic
            done += t.rows - before_r;
#pragma omp atomic
            settled += t.settled - before_s;
#pragma omp atomic
            mism += t.mismatches + t.hp_mismatches - before_m;
            if (omp_get_thread_num() == 0 && now - last_progress >= 2) {
                last_progress = now;
                unsigned long long d, s, m;
#pragma omp atomic read
                d = done;
#pragma omp atomic read
                s = settled;
#pragma omp atomic read
                m = mism;
                fprintf(stderr, "\r[%d/%d] %-14s %6.0fs  rows %llu  settled %llu  mismatches %llu   ",
                        index + 1, count, fa->f->name, now - start, d, s, m);
            }
        }
        if (ok)
            free(b.x);
#pragma omp critical(tiercheck_merge)
        merge(total, &t);
    }
    if (failed) {
        fprintf(stderr, "tiercheck: out of memory\n");
        exit(2);
    }
    fprintf(stderr, "\r[%d/%d] %-14s %6.0fs  rows %llu  settled %llu  mismatches %llu   \n", index + 1,
            count, fa->f->name, omp_get_wtime() - start, total->rows, total->settled,
            total->mismatches + total->hp_mismatches);
}

/* ---- reports ---- */

static void print_params(FILE *out, const family *fa, const double *param)
{
    size_t np = ns_family_nparams(fa->f);
    if (!np)
        fprintf(out, "(none)");
    for (size_t k = 0; k < np; k++)
        fprintf(out, "%s%s=%a", k ? " " : "", fa->f->params[k].key, param[k]);
}

static void print_vector(FILE *out, const char *name, const double *v, size_t n)
{
    fprintf(out, "  %s:", name);
    for (size_t i = 0; i < n; i++)
        fprintf(out, " %a", v[i]);
    fprintf(out, "\n");
}

/* The row's parameters and the command that replays it. */
static void print_replay(FILE *out, const family *fa, const kept_row *r, uint64_t seed, size_t nlong)
{
    fprintf(out, "  params: ");
    print_params(out, fa, fa->param[r->pset]);
    fprintf(out, "\n  replay: tiercheck --family %s --seed 0x%" PRIx64 " --row %" PRIu64, fa->f->name, seed, r->id);
    if (nlong != DEFAULT_LONG)
        fprintf(out, " --long %zu", nlong);      /* the first rows' lengths depend on it */
    fprintf(out, "\n");
}

/* The row in full, MPFR's and the tier's values of every differing entry,
 * and the verdict of ns_ref_eval itself with the switch off and on. */
static void print_mismatch(FILE *out, const family *fa, const mismatch *m, uint64_t seed, size_t nlong)
{
    const kept_row *r = &m->row;
    const double *param = fa->param[r->pset];
    fprintf(out, "  MISMATCH %s row %" PRIu64 " (%s, gradient %s), n = %zu, %s gradient, %zu entries differ\n",
            fa->f->name, r->id, kind_names[r->kind], grad_names[r->gkind], r->n,
            r->with_g ? "with" : "without", m->nbad);
    print_replay(out, fa, r, seed, nlong);
    FILE *dst = out;
    char path[256] = "";
    if (r->n > PRINT_FULL_N) {
        snprintf(path, sizeof path, "tiercheck-%s-row%" PRIu64 ".txt", fa->f->name, r->id);
        dst = fopen(path, "w");
        if (!dst)
            dst = out;
        else
            fprintf(out, "  x and g (n = %zu) written to %s\n", r->n, path);
    }
    print_vector(dst, "x", r->x, r->n);
    if (r->with_g)
        print_vector(dst, "g", r->g, r->n);
    if (dst != out)
        fclose(dst);

    buffers b;
    if (buffers_init(&b) != 0)
        return;
    const double *g = r->with_g ? r->g : NULL;
    ns_ref_stats st0, st1;
    ns_ref_set_fast_tier(0);
    int e0 = ns_ref_eval(fa->ref, param, r->x, g, r->n, b.y1, g ? b.dx1 : NULL, &st0);
    ns_ref_set_fast_tier(1);
    int e1 = ns_ref_eval(fa->ref, param, r->x, g, r->n, b.y2, g ? b.dx2 : NULL, &st1);
    ns_ref_set_fast_tier(0);
    size_t first, shown = 0;
    size_t bad = e0 || e1 ? 0 : count_diff(b.y1, b.dx1, b.y2, b.dx2, r->n, r->with_g, &first);
    fprintf(out, "  through ns_ref_eval: %zu entries differ (MPFR alone: precision %ld, %zu uncertain; "
                 "tier on: %s)\n",
            bad, (long)st0.prec, st0.uncertain, st1.prec == 0 ? "settled by the tier" : "MPFR");
    for (size_t i = 0; i < r->n && shown < 10; i++) {
        int by = !same(b.y1[i], b.y2[i]), bd = r->with_g && !same(b.dx1[i], b.dx2[i]);
        if (by)
            fprintf(out, "    entry %zu y:  MPFR %a  tier %a   (x %a)\n", i, b.y1[i], b.y2[i], r->x[i]);
        if (bd)
            fprintf(out, "    entry %zu dx: MPFR %a  tier %a   (x %a, g %a)\n", i, b.dx1[i], b.dx2[i], r->x[i],
                    r->g[i]);
        shown += by || bd;
    }
    free(b.x);
}

static void print_bounds(FILE *out, ns_hp_bounds b)
{
    if (b.lo == b.hi || (isnan(b.lo) && isnan(b.hi)))
        fprintf(out, "%a", b.lo);
    else
        fprintf(out, "[%a, %a]", b.lo, b.hi);
}

/* The row in full and the first entry the route rejected. */
static void print_hp_mismatch(FILE *out, const family *fa, const hp_mismatch *m, uint64_t seed, size_t nlong)
{
    const kept_row *r = &m->row;
    fprintf(out, "  HIGH-PRECISION MISMATCH %s row %" PRIu64 " (%s, gradient %s), n = %zu, %s gradient: "
                 "%s rejects %zu entries of %s\n",
            fa->f->name, r->id, kind_names[r->kind], grad_names[r->gkind], r->n, r->with_g ? "with" : "without",
            m->route, m->nbad, m->side);
    print_replay(out, fa, r, seed, nlong);
    print_vector(out, "x", r->x, r->n);
    if (r->with_g)
        print_vector(out, "g", r->g, r->n);
    fprintf(out, "    entry %zu %s: %s %a, %s ", m->entry, m->is_dx ? "dx" : "y", m->side, m->got, m->route);
    print_bounds(out, m->want);
    if (!isnan(m->other.lo)) {
        fprintf(out, ", the other route ");
        print_bounds(out, m->other);
    }
    fprintf(out, "\n");
}

static void print_rows(const char *what, const slow_row *list, int n)
{
    printf("  %s:", what);
    for (int i = 0; i < n; i++)
        printf(" row %" PRIu64 "%s (%s, n %zu, %.1fs)", list[i].id, list[i].with_g ? "" : " without g",
               kind_names[list[i].kind], list[i].n, list[i].seconds);
    printf("\n");
}

static void print_summary(const family *fa, const tally *t, uint64_t seed, const run_opts *o)
{
    printf("%-14s rows %9llu (%llu with g)  settled %9llu (%5.1f%%)  mismatches %llu  "
           "MPFR uncertain %llu  MPFR %.1fs/%llu rows  tier %.2fs\n",
           fa->f->name, t->rows, t->with_g, t->settled, t->rows ? 100.0 * (double)t->settled / (double)t->rows : 0,
           t->mismatches, t->uncertain, t->mpfr_seconds, t->mpfr_rows, t->tier_seconds);
    printf("  settled by kind:");
    for (int k = 0; k < NKINDS; k++)
        printf(" %s %llu/%llu", kind_names[k], t->kind_settled[k], t->kind_rows[k]);
    printf("\n");
    if (t->slowest.seconds > 0)
        printf("  slowest MPFR row: %.2fs, row %" PRIu64 " (%s, n = %zu, %s gradient, tier %s)\n", t->slowest.seconds,
               t->slowest.id, kind_names[t->slowest.kind], t->slowest.n, t->slowest.with_g ? "with" : "without",
               t->slowest.settled ? "settled" : "open");
    if (t->slow) {
        char what[64];
        snprintf(what, sizeof what, "%llu MPFR evaluations over %gs", t->slow, o->check.slow_after);
        print_rows(what, t->slow_list, t->nslow);
    }
    if (t->uncertain)
        print_rows("rows MPFR left uncertain at its precision cap", t->uncertain_list, t->nuncertain);
    if (t->hp_rows)
        printf("  high precision: %llu rows of n <= %zu, %llu through the plain formula (%llu entries left "
               "undecided), %llu rejected\n",
               t->hp_rows, o->check.highprec_n, t->hp_plain_rows, t->hp_undecided, t->hp_mismatches);
    for (int i = 0; i < t->nfirst; i++)
        print_mismatch(stdout, fa, &t->first[i], seed, o->nlong);
    for (int i = 0; i < t->nhp_first; i++)
        print_hp_mismatch(stdout, fa, &t->hp_first[i], seed, o->nlong);
    fflush(stdout);
}

/* ---- replay of one row ---- */

static int replay(const family *fa, uint64_t seed, uint64_t id, size_t nlong, size_t highprec_n)
{
    buffers b;
    if (buffers_init(&b) != 0)
        return 2;
    row rw = { .x = b.x, .g = b.g };
    make_row(seed, fa->hash, id, nlong, fa->npsets, &rw);
    rw.param = fa->param[rw.pset];
    printf("%s row %" PRIu64 " (%s, gradient %s), n = %zu, params ", fa->f->name, id, kind_names[rw.kind],
           grad_names[rw.gkind], rw.n);
    print_params(stdout, fa, rw.param);
    printf("\n");
    print_vector(stdout, "x", rw.x, rw.n);
    print_vector(stdout, "g", rw.g, rw.n);
    double *y = malloc(4 * rw.n * sizeof *y);
    if (!y)
        return 2;
    int status = 0;
    for (int with_g = 1; with_g >= 0; with_g--) {
        const double *g = with_g ? rw.g : NULL;
        double *dx1 = y + rw.n, *y2 = y + 2 * rw.n, *dx2 = y + 3 * rw.n;
        ns_ref_stats st0, st1;
        ns_ref_set_fast_tier(0);
        double t0 = omp_get_wtime();
        ns_ref_eval(fa->ref, rw.param, rw.x, g, rw.n, y, g ? dx1 : NULL, &st0);
        double t1 = omp_get_wtime();
        ns_ref_set_fast_tier(1);
        ns_ref_eval(fa->ref, rw.param, rw.x, g, rw.n, y2, g ? dx2 : NULL, &st1);
        size_t first;
        size_t bad = count_diff(y, dx1, y2, dx2, rw.n, with_g, &first);
        printf("%s gradient: MPFR %.3fs (precision %ld, %zu uncertain), tier %s, %zu entries differ\n",
               with_g ? "with" : "without", t1 - t0, (long)st0.prec, st0.uncertain,
               st1.prec == 0 ? "settled" : "left it to MPFR", bad);
        for (size_t i = 0; i < rw.n; i++) {
            if (!same(y[i], y2[i]))
                printf("  entry %zu y:  MPFR %a  tier %a\n", i, y[i], y2[i]);
            if (with_g && !same(dx1[i], dx2[i]))
                printf("  entry %zu dx: MPFR %a  tier %a\n", i, dx1[i], dx2[i]);
        }
        status |= bad > 0;
        if (rw.n > highprec_n)
            continue;
        tally t;
        memset(&t, 0, sizeof t);
        buffers views = { b.x, b.g, y, dx1, y2, dx2 };
        check_highprec(fa, &rw, with_g, &views, st1.prec == 0, &t);
        printf("%s gradient, high precision: %s, %llu entries left undecided by the plain formula, %s\n",
               with_g ? "with" : "without", t.hp_plain_rows ? "plain formula and enclosure" : "enclosure only",
               t.hp_undecided, t.hp_mismatches ? "REJECTED" : "agrees");
        for (int i = 0; i < t.nhp_first; i++) {
            print_hp_mismatch(stdout, fa, &t.hp_first[i], seed, nlong);
            kept_row_free(&t.hp_first[i].row);
        }
        status |= t.hp_mismatches > 0;
    }
    free(y);
    free(b.x);
    return status;
}

/* ---- options ---- */

static void usage_error(const char *what, const char *value)
{
    fprintf(stderr, "tiercheck: %s '%s'\n", what, value ? value : "");
    exit(2);
}

static double parse_double(const char *opt, const char *s)
{
    char *end;
    errno = 0;
    double v = s ? strtod(s, &end) : NAN;
    if (!s || end == s || *end || errno || !(v >= 0))
        usage_error(opt, s);
    return v;
}

static uint64_t parse_u64(const char *opt, const char *s)
{
    char *end;
    errno = 0;
    if (!s || *s == '-')
        usage_error(opt, s);
    unsigned long long v = strtoull(s, &end, 0);
    if (end == s || *end || errno)
        usage_error(opt, s);
    return v;
}

static int wanted(const char *list, const char *name)
{
    if (!list || !*list)
        return 1;
    size_t len = strlen(name);
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t l = comma ? (size_t)(comma - p) : strlen(p);
        if (l == len && strncmp(p, name, len) == 0)
            return 1;
        p += l + (comma != NULL);
    }
    return 0;
}

int main(int argc, char **argv)
{
    run_opts o = { .seconds = 40, .max_rows = 0, .nlong = DEFAULT_LONG, .threads = omp_get_max_threads(),
                   .check = { .settled_only = 0, .slow_after = 2, .highprec_n = DEFAULT_HIGHPREC_N } };
    o.seed = (uint64_t)time(NULL) * UINT64_C(0x9e3779b97f4a7c15);
    const char *families_arg = NULL;
    int replay_row = 0;
    uint64_t row_id = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--seconds") == 0)
            o.seconds = parse_double(a, v), i++;
        else if (strcmp(a, "--rows") == 0)
            o.max_rows = parse_u64(a, v), i++;
        else if (strcmp(a, "--seed") == 0)
            o.seed = parse_u64(a, v), i++;
        else if (strcmp(a, "--family") == 0)
            families_arg = v, i++;
        else if (strcmp(a, "--threads") == 0)
            o.threads = (int)parse_u64(a, v), i++;
        else if (strcmp(a, "--long") == 0)
            o.nlong = parse_u64(a, v), i++;
        else if (strcmp(a, "--slow") == 0)
            o.check.slow_after = parse_double(a, v), i++;
        else if (strcmp(a, "--row") == 0)
            row_id = parse_u64(a, v), replay_row = 1, i++;
        else if (strcmp(a, "--settled-only") == 0)
            o.check.settled_only = 1;
        else if (strcmp(a, "--highprec-n") == 0)
            o.check.highprec_n = parse_u64(a, v), i++;
        else
            usage_error("unknown option", a);
    }
    if (o.threads < 1)
        o.threads = 1;
    if (!mpfr_buildopt_tls_p()) {
        fprintf(stderr, "tiercheck: this MPFR keeps its exponent range in global state "
                        "(mpfr_buildopt_tls_p() is false); threads would corrupt each other\n");
        return 2;
    }

    /* Families and their parameter sets, before threads start. */
    static family fams[MAX_FAMILIES];
    int nfam = 0;
    for (const ns_family *const *f = ns_families(); *f && nfam < MAX_FAMILIES; f++) {
        if ((*f)->plugin || !wanted(families_arg, (*f)->name))
            continue;
        family_init(&fams[nfam], *f, o.seed);
        if (!fams[nfam].tier) {
            printf("%-14s no fast tier: skipped\n", (*f)->name);
            continue;
        }
        nfam++;
    }
    if (nfam == 0)
        usage_error("no tiered family matches", families_arg);
    ns_ref_set_fast_tier(0);

    if (replay_row) {
        if (nfam != 1)
            usage_error("--row needs exactly one family in --family, not", families_arg);
        return replay(&fams[0], o.seed, row_id, o.nlong, o.check.highprec_n);
    }

    printf("tiercheck: seed 0x%" PRIx64 ", %d threads, %g s and %llu rows per family (0: no limit), "
           "%zu rows of 2^16%s\n",
           o.seed, o.threads, o.seconds, o.max_rows, o.nlong,
           o.check.settled_only ? ", MPFR on settled rows only" : "");
    for (int f = 0; f < nfam; f++) {
        printf("%-14s parameter sets:", fams[f].f->name);
        for (int s = 0; s < fams[f].npsets; s++) {
            printf(" [");
            print_params(stdout, &fams[f], fams[f].param[s]);
            printf("]");
        }
        printf("\n");
    }
    fflush(stdout);

    unsigned long long rows = 0, settled = 0, mismatches = 0, hp_mismatches = 0;
    double start = omp_get_wtime();
    for (int f = 0; f < nfam; f++) {
        tally t;
        memset(&t, 0, sizeof t);
        run_family(&fams[f], f, nfam, &o, &t);
        print_summary(&fams[f], &t, o.seed, &o);
        rows += t.rows;
        settled += t.settled;
        mismatches += t.mismatches;
        hp_mismatches += t.hp_mismatches;
        for (int i = 0; i < t.nfirst; i++)
            kept_row_free(&t.first[i].row);
        for (int i = 0; i < t.nhp_first; i++)
            kept_row_free(&t.hp_first[i].row);
    }
    printf("tiercheck: %d families, %llu rows, %llu settled by the tiers, %llu mismatches, "
           "%llu high-precision mismatches, %.0f s (seed 0x%" PRIx64 ")\n",
           nfam, rows, settled, mismatches, hp_mismatches, omp_get_wtime() - start, o.seed);
    return mismatches || hp_mismatches ? 1 : 0;
}
