/* Classifying why a row breaks a promise (see cause.h). */
#include "cause.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

/* f with its exponent range widened: emax 1000 (inside binary64's, so that
 * the rounding functions keep working) or emin -1022, binary64's own (a
 * narrower one, -1000, left e^-704 subnormal and a row with it could not be
 * told from a precision failure; ns_round_binary's magic constant
 * 1.5 * 2^(emin+53-p) stays normal for every p <= 51); fp64 is left as it is. */
static void widen(ns_format *w, const ns_format *f, int which)
{
    *w = *f;
    if (f->p >= 53)
        return;
    w->name = which == NS_WIDE_ABOVE ? "wide above" : "wide below";
    w->round = ns_round_binary;
    if (which == NS_WIDE_ABOVE) {
        w->emax = 1000;
        w->max_finite = ldexp(2.0 - ldexp(1.0, 1 - f->p), 1000);
    } else {
        w->emin = -1022;
    }
}

void ns_policy_widen(ns_wide_policy *w, const ns_policy *p, int which)
{
    const ns_format *src[5] = { p->io, p->elem, p->acc, p->out, p->tot };
    const ns_format *dst[5];
    for (int k = 0; k < 5; k++) {
        dst[k] = &w->format[k];
        for (int j = 0; j < k; j++)
            if (src[j] == src[k])
                dst[k] = dst[j];
        if (dst[k] == &w->format[k])
            widen(&w->format[k], src[k], which);
    }
    w->policy = *p;
    w->policy.io = dst[0];
    w->policy.elem = dst[1];
    w->policy.acc = dst[2];
    w->policy.out = dst[3];
    w->policy.tot = dst[4];
}

static bool breaks(int broken, ns_kind kind)
{
    return broken >= 0 && (broken & (1 << kind));
}

/* Whether the failure needs the masked entries: it goes away both without
 * them and with them finite. */
static bool masks_matter(const ns_recheck *r, const ns_policy *p, const double *x, const double *g,
                         size_t n, ns_kind kind)
{
    double *vx = malloc(n * sizeof *vx), *vg = g ? malloc(n * sizeof *vg) : NULL;
    bool matter = true;
    const ns_recheck_kind variants[2] = { NS_RECHECK_UNMASKED, NS_RECHECK_MASKS_FINITE };
    for (int v = 0; v < 2 && matter && vx && (vg || !g); v++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (x[i] == -INFINITY && variants[v] == NS_RECHECK_UNMASKED)
                continue;
            vx[k] = x[i] == -INFINITY ? -p->io->max_finite : x[i];
            if (g)
                vg[k] = g[i];
            k++;
        }
        if (k > 0 && breaks(r->broken(r->ctx, variants[v], vx, vg, k), kind))
            matter = false;
    }
    free(vx);
    free(vg);
    return matter;
}

/* A binary64 work format has no wider one to recheck in (widen leaves it
 * as it is), so the row itself names the cause, from the exponentials an
 * algorithm may take: e^{x_i} or e^{-m} (softmax1's e^{-m}, the sigmoid's
 * e^{-x}) overflow beyond ln(max_finite); e^{x_i}, or e^{x_i - m} of two
 * logits, is subnormal or zero below ln(2^emin), with fewer bits than the
 * format (logsoftmax.naive of [-736, 0, 0] in fp64 loses 30 bits so).  A
 * bit mask of the two; a row may allow both (softmax1.shifted of [-712]
 * overflows e^{712}, logsoftmax.naive of [-736, 0, 0] underflows e^{-736}),
 * and then the contract decides (ns_hazard_of). */
enum { EXP_OVERFLOW = 1, EXP_UNDERFLOW = 2 };

static unsigned exp_range(const ns_policy *p, const double *x, size_t n)
{
    if (!p->elem || p->elem->p < 53)
        return 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) {
            lo = fmin(lo, x[i]);
            hi = fmax(hi, x[i]);
        }
    if (lo > hi)
        return 0;
    double ln_max = log(p->elem->max_finite), ln_min_normal = log(ldexp(1.0, p->elem->emin));
    unsigned r = 0;
    if (hi > ln_max || hi < -ln_max)
        r |= EXP_OVERFLOW;
    if (lo < ln_min_normal || hi - lo > -ln_min_normal)
        r |= EXP_UNDERFLOW;
    return r;
}

const ns_hazard *ns_hazard_of(const ns_contract *c, const ns_policy *p, const double *x, size_t n,
                              const ns_promise_eval *e, ns_kind kind, ns_cause *cause)
{
    const ns_hazard *h = ns_contract_hazard(c, p, kind, *cause);
    /* A row whose bound, growing with n, reached the whole precision is too
     * long for the format: where the contract declares long rows, they
     * explain its errors and its sum whatever else a wider format changed
     * (a bf16 sum of 490 terms near 1 stagnates at 256 with or without
     * subnormals). */
    if (!h && e && e->row_capped && n > 16 && (kind == NS_KIND_ERROR || kind == NS_KIND_SUM) &&
        (h = ns_contract_hazard(c, p, kind, NS_CAUSE_LONG_ROW)))
        *cause = NS_CAUSE_LONG_ROW;
    unsigned r = exp_range(p, x, n);
    if (h || (r & (EXP_OVERFLOW | EXP_UNDERFLOW)) != (EXP_OVERFLOW | EXP_UNDERFLOW))
        return h;
    ns_cause other = *cause == NS_CAUSE_OVERFLOW ? NS_CAUSE_UNDERFLOW
                   : *cause == NS_CAUSE_UNDERFLOW ? NS_CAUSE_OVERFLOW : *cause;
    if (other != *cause && (h = ns_contract_hazard(c, p, kind, other)))
        *cause = other;
    return h;
}

ns_cause ns_cause_of(const ns_recheck *r, const ns_policy *p, const double *x, const double *g,
                     size_t n, const ns_metrics *m, const ns_promise_eval *e, ns_kind kind)
{
    size_t masked = 0;
    double maxabs = 0;
    for (size_t i = 0; i < n; i++) {
        if (x[i] == -INFINITY)
            masked++;
        else if (fabs(x[i]) > maxabs)
            maxabs = fabs(x[i]);
    }
    if (masked == n)
        return NS_CAUSE_ALL_MASKED;
    int wide = r->broken(r->ctx, NS_RECHECK_WIDE_ABOVE, x, g, n);
    if (wide >= 0 && !breaks(wide, kind))
        return NS_CAUSE_OVERFLOW;
    wide = r->broken(r->ctx, NS_RECHECK_WIDE_BELOW, x, g, n);
    if (wide >= 0 && !breaks(wide, kind))
        return NS_CAUSE_UNDERFLOW;
    if (masked && masks_matter(r, p, x, g, n, kind))
        return NS_CAUSE_MASKED;
    unsigned range = exp_range(p, x, n);
    if (range)
        return range & EXP_OVERFLOW ? NS_CAUSE_OVERFLOW : NS_CAUSE_UNDERFLOW;
    switch (m->denominator_class) {
    case NS_DEN_ZERO: return NS_CAUSE_ZERO_DENOMINATOR;
    case NS_DEN_NONFINITE: return NS_CAUSE_OVERFLOW;
    case NS_DEN_SUBNORMAL: return NS_CAUSE_SUBNORMAL_DENOMINATOR;
    default: break;
    }
    if (e->inf || e->grad_nonfinite)
        return NS_CAUSE_OVERFLOW;
    if (e->underflows)
        return NS_CAUSE_UNDERFLOW;
    /* long enough that the bound, growing with n, reached the whole
     * precision (a bf16 sum of 513 logits of -256, whatever their size;
     * stickbreaking's product in bf16 at 61 entries) */
    if (e->row_capped && n > 16)
        return NS_CAUSE_LONG_ROW;
    if (maxabs >= 16)
        return NS_CAUSE_LARGE_LOGITS;
    if (n > 64)
        return NS_CAUSE_LONG_ROW;
    if (maxabs < 0x1p-6)
        return NS_CAUSE_TINY_LOGITS;
    return NS_CAUSE_ORDINARY;
}
