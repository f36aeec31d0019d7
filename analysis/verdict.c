/* The verdict: kept, expected or broken (see verdict.h), and its words. */
#include "verdict.h"

#include <stdio.h>
#include <string.h>

const char *ns_verdict_name(ns_verdict_kind k)
{
    static const char *const names[] = { "kept", "expected", "broken" };
    return names[k];
}

void ns_verdict_nothing_promised(ns_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->kind = NS_VERDICT_KEPT;
}

void ns_verdict_decide(ns_verdict *v, const ns_contract *c, const ns_policy *p, const ns_recheck *r,
                       const double *x, const double *g, size_t n, const ns_metrics *m,
                       const ns_promise_eval *e)
{
    ns_verdict_nothing_promised(v);
    v->e = *e;
    for (int k = 0; k < NS_KIND_COUNT; k++) {
        if (!(e->broken & (1u << k)))
            continue;
        ns_kind kind = (ns_kind)k;
        v->cause[k] = ns_cause_of(r, p, x, g, n, m, e, kind);
        v->hazard[k] = ns_hazard_of(c, p, x, n, e, kind, &v->cause[k]);
        if (!v->hazard[k] && v->kind != NS_VERDICT_BROKEN) {
            v->kind = NS_VERDICT_BROKEN;
            v->what = kind;
        } else if (v->kind == NS_VERDICT_KEPT) {
            v->kind = NS_VERDICT_EXPECTED;
            v->what = kind;
        }
    }
}

void ns_bound_describe(const ns_bound *b, char *buf, size_t len)
{
    if (!ns_bound_is_set(b)) {
        snprintf(buf, len, "none");
        return;
    }
    const double c[7] = { b->c0, b->cn, b->cs, b->cx, b->cnx, b->cq, b->ck };
    static const char *const what[7] = {
        "", "n", "spread", "max|x|", "n max|x|", "n^2 (1 + max|x|)", "kappa_i",
    };
    size_t k = (size_t)snprintf(buf, len, "(");
    bool first = true;
    for (int i = 0; i < 7 && k < len; i++) {
        if (c[i] == 0)
            continue;
        k += (size_t)snprintf(buf + k, len - k, "%s%g%s%s", first ? "" : " + ", c[i],
                              *what[i] ? " " : "", what[i]);
        first = false;
    }
    if (k < len)
        snprintf(buf + k, len - k, ") u");
}

void ns_promise_describe(const ns_promise *p, ns_kind kind, char *buf, size_t len)
{
    char b[128];
    switch (kind) {
    case NS_KIND_NAN: snprintf(buf, len, "the contract promises no NaN on its domain"); break;
    case NS_KIND_INF:
        snprintf(buf, len, "the contract promises no infinite output where the reference is finite");
        break;
    case NS_KIND_ERROR:
        ns_bound_describe(&p->error, b, sizeof b);
        snprintf(buf, len, "the contract promises errors within %s", b);
        break;
    case NS_KIND_SUM:
        ns_bound_describe(&p->sum, b, sizeof b);
        snprintf(buf, len, "the contract promises sums within %s of the reference's", b);
        break;
    case NS_KIND_DENOMINATOR:
        snprintf(buf, len, "the contract promises %s denominators",
                 p->denominator == NS_DEN_PROMISE_NORMAL ? "finite, normal" : "finite, nonzero");
        break;
    case NS_KIND_GRADIENT:
        ns_bound_describe(&p->gradient, b, sizeof b);
        snprintf(buf, len, "the contract promises finite gradients within %s (and 3 ulps more "
                 "where the outputs the backward pass reads are stored coarser than it works)", b);
        break;
    default: snprintf(buf, len, "the contract promises no negative weight"); break;
    }
}

void ns_promise_detail(const ns_metrics *m, const ns_promise_eval *e, ns_kind kind, char *buf,
                       size_t len)
{
    switch (kind) {
    case NS_KIND_NAN: snprintf(buf, len, "%zu NaN entries where the reference is a number", e->nan); break;
    case NS_KIND_INF: snprintf(buf, len, "%zu infinite outputs where the reference is finite", e->inf); break;
    case NS_KIND_ERROR:
        snprintf(buf, len, "%.2f bits of error (%.4g ulps) above the bound of %.4g ulps",
                 e->err_bits, e->err_ulps, e->err_bound);
        break;
    case NS_KIND_SUM:
        snprintf(buf, len, "sum %.17g against %.17g: %.4g u above the bound of %.4g u",
                 m->sum, m->sum_ref, e->sum_rel, e->sum_bound);
        break;
    case NS_KIND_DENOMINATOR:
        snprintf(buf, len, "smallest denominator %a (%s)", m->min_denominator,
                 ns_den_class_name(m->denominator_class));
        break;
    case NS_KIND_GRADIENT:
        if (e->grad_fp64_err > e->grad_fp64_bound)
            snprintf(buf, len, "gradient error %.4g u (the row's bound promises nothing), and %.4g u "
                     "with the algorithm in fp64 (bound %.4g u): not rounding, the backward pass is "
                     "wrong", e->grad_err, e->grad_fp64_err, e->grad_fp64_bound);
        else
            snprintf(buf, len, "gradient error %.4g u (bound %.4g u), gain %.4g (true %.4g), "
                     "%zu infinite entries", e->grad_err, e->grad_bound, e->gain, m->grad_gain_ref,
                     e->grad_nonfinite);
        break;
    default:
        snprintf(buf, len, "%zu negative outputs, the most negative %a", m->negatives,
                 e->most_negative);
        break;
    }
}

const char *ns_verdict_summary(void)
{
    return "within the contract: every promise kept (no NaN, no infinite output where the reference "
           "is finite, errors, sums and gradients within the contract's first-order bounds for the "
           "row, denominators as promised), or broken only for a cause the contract declares as a "
           "hazard: expected (normalizers/contract.h; u is the unit roundoff of the coarser of the "
           "policy's elementwise and accumulator formats)";
}

double ns_half_precision_bits(const ns_policy *p)
{
    return p->out->p / 2.0;
}
