#include "contract.h"

#include "../util/names.h"

#include <math.h>
#include <string.h>

static const char *const kind_names[NS_KIND_COUNT] = {
    "nan", "inf", "error", "sum", "denominator", "gradient", "negative",
};

static const char *const cause_names[NS_CAUSE_COUNT] = {
    "all-masked row", "masked entries", "zero denominator", "overflow",
    "subnormal denominator", "underflow", "large logits", "long row", "tiny logits",
    "ordinary row",
};

const char *ns_kind_name(ns_kind k)
{
    return k >= 0 && k < NS_KIND_COUNT ? kind_names[k] : "any";
}

int ns_kind_find(const char *name)
{
    return ns_name_index(kind_names, NS_KIND_COUNT, name);
}

const char *ns_cause_name(ns_cause c)
{
    return c >= 0 && c < NS_CAUSE_COUNT ? cause_names[c] : "any";
}

int ns_cause_find(const char *name)
{
    return ns_name_index(cause_names, NS_CAUSE_COUNT, name);
}

/* What a textbook kernel can be held to without knowing more about it.  The
 * bounds are those of a softmax or ratio(h) kernel with a sequential sum
 * (n + 2c) u (normalizers/ratio.h) with room for an elementwise h of a few
 * roundings; an algorithm that needs more says so in its own contract. */
static const ns_promise default_promises[] = {
    { .policies = "*", NS_PROMISES_STRICT,
      .error = { .c0 = 8, .cn = 2 }, .sum = { .c0 = 8, .cn = 2 },
      .gradient = { .c0 = 16, .cn = 4 } },
    { .policies = NULL },
};

static const ns_hazard default_hazards[] = {
    { .kind = NS_KIND_ANY, .policies = "*", .cause = NS_CAUSE_ALL_MASKED,
      .why = "an all-masked row has no finite maximum and a zero normalizing sum: "
             "the textbook kernel computes (-inf) - (-inf) or 0 / 0 = NaN where the "
             "reference gives zeros (SPEC section 3)" },
    { .why = NULL },
};

const ns_contract ns_contract_default = {
    .summary = "finite or masked rows; no NaN, inf or negative weight, normal denominators, "
               "finite gradients; errors within (8 + 2n) u",
    .domain = { .flags = NS_DOMAIN_MASKED | NS_DOMAIN_ALL_MASKED },
    .promises = default_promises,
    .hazards = default_hazards,
};

const ns_contract *ns_contract_of(const ns_algorithm *a)
{
    return a->contract ? a->contract : &ns_contract_default;
}

bool ns_policies_match(const char *pattern, const char *policy)
{
    size_t plen = strlen(policy);
    for (const char *p = pattern; *p;) {
        size_t len = strcspn(p, ",");
        if (len == 1 && p[0] == '*')
            return true;
        if (len > 0 && p[len - 1] == '*') {
            if (plen >= len - 1 && strncmp(p, policy, len - 1) == 0)
                return true;
        } else if (len == plen && strncmp(p, policy, len) == 0) {
            return true;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return false;
}

const ns_promise *ns_contract_promise(const ns_contract *c, const ns_policy *p)
{
    static const ns_promise nothing = { .policies = "*" };
    for (const ns_promise *q = c->promises; q && q->policies; q++)
        if (ns_policies_match(q->policies, p->name))
            return q;
    return &nothing;
}

/* Whether some part of the policy that arithmetic or storage goes through
 * has the property. */
static bool some_part(const ns_policy *p, bool (*has)(const ns_format *f))
{
    const ns_format *parts[5] = { p->io, p->elem, p->acc, p->out, p->tot };
    for (int k = 0; k < 5; k++)
        if (parts[k] && has(parts[k]))
            return true;
    return false;
}

static bool overflows_to_nan(const ns_format *f) { return f->overflow == NS_OVERFLOW_NAN; }
static bool saturates(const ns_format *f) { return f->overflow == NS_OVERFLOW_SAT; }
static bool flushes(const ns_format *f) { return !f->subnormals || f->daz; }

static bool nan_overflow_policy(const ns_policy *p) { return some_part(p, overflows_to_nan); }
static bool saturating_policy(const ns_policy *p) { return some_part(p, saturates); }
static bool flushing_policy(const ns_policy *p) { return some_part(p, flushes); }
static bool mx_output_policy(const ns_policy *p) { return p->out_mx != NULL; }

/* What a policy's formats do at their edges, whatever the algorithm: the
 * format's behaviour, expected of every algorithm that reaches the edge. */
static const struct {
    bool (*applies)(const ns_policy *p);
    ns_hazard hazard;
} format_hazards[] = {
    { nan_overflow_policy, NS_HAZARD(NS_KIND_ANY, NS_CAUSE_OVERFLOW,
      "a value beyond the largest finite value of a format without infinities becomes NaN "
      "(e4m3: past 464, as ml_dtypes and PyTorch eager before 2.12 have it; the fnuz formats)") },
    { saturating_policy, NS_HAZARD(NS_KIND_ANY, NS_CAUSE_OVERFLOW,
      "a value beyond the largest finite value saturates to it (+sat, e3m2, e2m3, e2m1): finite, "
      "and as wrong as an overflow") },
    { flushing_policy, NS_HAZARD(NS_KIND_ANY, NS_CAUSE_UNDERFLOW,
      "a subnormal result flushed to zero (+ftz) or a subnormal operand read as zero (+daz) "
      "leaves 0 where the reference is not, and can make a denominator 0: 0 / 0 = NaN") },
    { flushing_policy, NS_HAZARD(NS_KIND_ANY, NS_CAUSE_ZERO_DENOMINATOR,
      "a subnormal denominator flushed to zero (+ftz, +daz): 0 / 0 = NaN or x / 0 = inf") },
    { flushing_policy, NS_HAZARD(NS_KIND_ANY, NS_CAUSE_SUBNORMAL_DENOMINATOR,
      "a subnormal denominator flushed to zero (+ftz, +daz): 0 / 0 = NaN or x / 0 = inf") },
    { mx_output_policy, NS_HAZARD(NS_KIND_ANY, NS_CAUSE_ANY,
      "MX outputs share their block's scale: an entry far below the largest of its block keeps "
      "few bits or none") },
};

const ns_hazard *ns_contract_hazard(const ns_contract *c, const ns_policy *p,
                                    ns_kind kind, ns_cause cause)
{
    for (const ns_hazard *h = c->hazards; h && h->why; h++)
        if ((h->kind == NS_KIND_ANY || h->kind == kind) &&
            (h->cause == NS_CAUSE_ANY || h->cause == cause) &&
            ns_policies_match(h->policies, p->name))
            return h;
    for (size_t k = 0; k < sizeof format_hazards / sizeof format_hazards[0]; k++) {
        const ns_hazard *h = &format_hazards[k].hazard;
        if (format_hazards[k].applies(p) && (h->kind == NS_KIND_ANY || h->kind == kind) &&
            (h->cause == NS_CAUSE_ANY || h->cause == cause))
            return h;
    }
    return NULL;
}

bool ns_domain_contains(const ns_domain *d, const double *x, size_t n)
{
    size_t masked = 0;
    for (size_t i = 0; i < n; i++) {
        if (x[i] == -INFINITY) {
            if (!(d->flags & NS_DOMAIN_MASKED))
                return false;
            masked++;
        } else if (!isfinite(x[i]) || (d->max_abs > 0 && fabs(x[i]) > d->max_abs)) {
            return false;
        }
    }
    return n > 0 && (masked < n || (d->flags & NS_DOMAIN_ALL_MASKED));
}

/* The largest value of io not above m (m > 0). */
static double largest_below(const ns_format *io, double m)
{
    double v = ns_round(io, m);
    if (v > m)
        v -= ns_ulp(io, nextafter(v, 0));
    return v;
}

void ns_domain_project(const ns_domain *d, const ns_format *io, double *x, size_t n)
{
    size_t masked = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]))
            x[i] = 0;
        else if (x[i] == INFINITY)
            x[i] = io->max_finite;
        else if (x[i] == -INFINITY && !(d->flags & NS_DOMAIN_MASKED))
            x[i] = -io->max_finite;
        if (x[i] == -INFINITY)
            masked++;
        else if (d->max_abs > 0 && fabs(x[i]) > d->max_abs)
            x[i] = copysign(largest_below(io, d->max_abs), x[i]);
    }
    if (n > 0 && masked == n && !(d->flags & NS_DOMAIN_ALL_MASKED))
        x[0] = 0;
}

void ns_domain_project_grad(const ns_format *io, double *g, size_t n)
{
    /* The 1-norm and its bound, both scaled by 2^-64: in fp64 the norm of
     * a few entries near the largest double overflows (and halving an
     * infinity never brings it under the bound), scaled it cannot; the
     * scaling is exact but where terms fall below 2^-958, which then count
     * for less than an ulp of the bound's comparison anyway. */
    double cap = ldexp(io->max_finite, -NS_GRAD_HEADROOM_LOG2 - 64), norm = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(g[i]))
            g[i] = 0;
        else if (isinf(g[i]))
            g[i] = copysign(io->max_finite, g[i]);
        norm += ldexp(fabs(g[i]), -64);
    }
    int shift = 0;
    while (norm > cap) {
        norm /= 2;
        shift++;
    }
    /* Scaling down by 2^shift is exact except where it makes subnormals;
     * round again to stay in the format. */
    for (size_t i = 0; shift && i < n; i++)
        g[i] = ns_round(io, ldexp(g[i], -shift));
}

double ns_policy_u_work(const ns_policy *p)
{
    double ue = ns_unit_roundoff(p->elem), ua = ns_unit_roundoff(p->acc);
    double ut = p->tot ? ns_unit_roundoff(p->tot) : ua;       /* a total is rounded once more */
    double u = ue > ua ? ue : ua;
    return ut > u ? ut : u;
}

bool ns_bound_is_set(const ns_bound *b)
{
    return b->c0 != 0 || b->cn != 0 || b->cs != 0 || b->cx != 0 || b->cnx != 0 || b->cq != 0 ||
           b->ck != 0;
}

double ns_bound_eval(const ns_bound *b, const ns_policy *p, const double *x, size_t n,
                     double kappa)
{
    if (!ns_bound_is_set(b))
        return INFINITY;
    double lo = INFINITY, hi = -INFINITY, maxabs = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            continue;
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
        maxabs = fabs(x[i]) > maxabs ? fabs(x[i]) : maxabs;
    }
    double spread = hi > lo ? hi - lo : 0;
    double cap = -log(ns_format_min_positive(p->elem));   /* e^{-cap} underflows */
    if (spread > cap)
        spread = cap;
    double dn = (double)n;
    double c = b->c0 + b->cn * dn + b->cs * spread + b->cx * maxabs + b->cnx * dn * maxabs +
               b->cq * dn * dn * (1 + maxabs);
    if (b->ck != 0)
        c += b->ck * (isnan(kappa) ? 0 : kappa);
    return c * ns_policy_u_work(p);
}
