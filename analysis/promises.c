/* Measuring each promise of a contract on one evaluation (see promises.h). */
#include "promises.h"

#include <math.h>
#include <string.h>

#include "error.h"

/* A relative first-order bound as ulps of io: 1 + bound / u_io, or inf for
 * a bound of 1 or more (it promises nothing). */
static double in_ulps(double bound, double u_io)
{
    return bound >= 1 ? INFINITY : 1 + bound / u_io;
}

/* The row's bound in ulps of io (see worst_error): the part that grows
 * with n alone (c0 + cn n + cq n^2) stops at 2^(p-1) ulps, whatever the
 * row an output keeps its leading bit; the part that grows with the logits
 * (spread, max|x|) is added uncapped, and promises nothing at 1 or more:
 * a large enough logit may take every bit (e^z of a rounded exponent z).
 * *capped: the n part reached the cap. */
static double row_bound(const ns_bound *eb, const ns_policy *p, const double *x, size_t n,
                        const ns_format *io, double u_io, bool *capped)
{
    double base = ns_bound_eval(eb, p, x, n, 0);
    if (!isfinite(base)) {
        *capped = false;
        return INFINITY;
    }
    double dn = (double)n;
    double grows_with_n = (eb->c0 + eb->cn * dn + eb->cq * dn * dn) * ns_policy_u_work(p);
    double grows_with_x = base - grows_with_n;
    double cap = ldexp(1.0, io->p - 1), rows = in_ulps(grows_with_n, u_io);
    *capped = rows > cap;
    if (grows_with_x >= 1)
        return INFINITY;
    return (*capped ? cap : rows) + grows_with_x / u_io;
}

/* The worst ratio of an output's error to its bound, with kappa_i where
 * the contract counts the conditioning (kappa may be NULL); sets err_ulps
 * and err_bound to those of that output. */
static double worst_error(const ns_promise_input *in, const double *kappa, ns_promise_eval *e)
{
    const ns_policy *p = in->policy;
    const ns_format *io = p->out;                /* where the outputs are stored */
    const ns_bound *eb = &in->promise->error;
    const double *y = in->s->y, *yo = in->s->y_ref;
    double u_io = ns_unit_roundoff(io), u_work = ns_policy_u_work(p);
    double floor = in->promise->error_floor;
    /* The conditioning's term is not capped: an ill-conditioned output may
     * lose every bit without the algorithm's fault. */
    double row = row_bound(eb, p, in->xr, in->n, io, u_io, &e->row_capped);
    double worst = -1;
    e->err_ulps = 0;
    e->err_bound = row;
    for (size_t i = 0; i < in->n; i++) {
        if (!isfinite(y[i]))
            continue;                        /* NaN and inf are promises of their own */
        double kterm = kappa ? eb->ck * kappa[i] * u_work : 0;
        double bound = kterm >= 1 ? INFINITY : row + kterm / u_io;
        double ulps = in->s->ulps[i];
        if (floor > 0 && fabs(yo[i]) < floor && isfinite(yo[i]))
            ulps = y[i] == yo[i] ? 0 : fabs(y[i] - yo[i]) / ns_ulp(io, floor);
        double ratio = ulps / bound;
        if (isnan(ratio))
            ratio = 0;                       /* an infinite kappa_i excuses any error */
        if (ratio > worst) {
            worst = ratio;
            e->err_ulps = ulps;
            e->err_bound = bound;
        }
    }
    return worst;
}

/* What an entry v of the outputs or of the gradient is against its
 * reference r rounded into io: NaN, infinite where that is finite, or
 * neither.  An underflow (v is 0 where that is not) is counted, and a NaN. */
typedef enum { ENTRY_NAN, ENTRY_INF, ENTRY_OTHER } entry_kind;

static entry_kind check_entry(const ns_format *io, double v, double r, ns_promise_eval *e)
{
    if (v == 0 && ns_round(io, r) != 0)
        e->underflows++;
    if (isnan(v)) {
        e->nan++;
        return ENTRY_NAN;
    }
    return isinf(v) && isfinite(ns_round(io, r)) ? ENTRY_INF : ENTRY_OTHER;
}

static void measure_outputs(const ns_promise_input *in, const ns_conditioning *c, ns_promise_eval *e)
{
    const ns_format *io = in->policy->out;
    const double *y = in->s->y, *yo = in->s->y_ref;
    for (size_t i = 0; i < in->n; i++) {
        if (check_entry(io, y[i], yo[i], e) == ENTRY_INF)
            e->inf++;
        if (y[i] < e->most_negative && yo[i] >= 0)
            e->most_negative = y[i];
    }
    /* The conditioning is asked for (an MPFR backward pass per sampled row of
     * the Jacobian: costly on long rows) only where the row's own bound is
     * not capped: a row whose bound grew with n past 2^(p-1) ulps is judged
     * against the cap alone. */
    if (worst_error(in, NULL, e) > 1 && in->promise->error.ck != 0 && !e->row_capped && c && c->kappa) {
        const double *kappa = c->kappa(c->ctx);
        if (kappa)
            worst_error(in, kappa, e);
    }
    e->err_bits = ns_error_bits(io, e->err_ulps);
}

/* Each output is rounded into io: besides its relative error u_io, one that
 * underflows may lose up to half the smallest subnormal, which no algorithm
 * can help.  That much of the sum error is forgiven. */
static void measure_sum(const ns_promise_input *in, ns_promise_eval *e)
{
    const ns_metrics *m = in->m;
    const ns_format *io = in->policy->out;
    double u_io = ns_unit_roundoff(io);
    e->sum_bound = in_ulps(ns_bound_eval(&in->promise->sum, in->policy, in->xr, in->n, NAN), u_io);
    double sref = fabs(m->sum_ref);
    double excess = fabs(m->sum_err) - 0.5 * (double)in->n * ns_format_min_positive(io);
    if (!(excess > 0))
        excess = isnan(excess) ? excess : 0;
    e->sum_rel = sref > 0 ? excess / sref / u_io : (excess != 0 ? INFINITY : 0);
}

static double inf_norm(const double *v, size_t n)
{
    double r = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(v[i]) > r)
            r = fabs(v[i]);
    return r;
}

/* The backward pass reads the outputs y as the forward pass stored them,
 * rounded into out (saved=out).  Where out is coarser than the working
 * format, that rounding is not in the contract's bound (written in u_work):
 * a relative error u_io (out's) in each y_i moves dx = y (g - <g, y>) (the ratio families;
 * sigmoid's g y (1 - y) less) by at most u_io |y_i| (|g_i - <g, y>| +
 * sum_j |g_j| |y_j|) <= 3 u_io ||g|| ||y|| when sum |y| <= 1: three ulps of
 * io against the gradient's scale, to first order.  Seen in fp16-io: 1.012
 * ulps where the contract alone allowed 1.010 (softmax.shifted, n = 16). */
static double saved_output_term(const ns_policy *p)
{
    return p->saved == NS_SAVED_OUT && ns_unit_roundoff(p->out) > ns_policy_u_work(p) ? 3 : 0;
}

static void measure_gradient(const ns_promise_input *in, const ns_conditioning *c, ns_promise_eval *e)
{
    const ns_format *io = in->policy->out;
    const double *dx = in->s->dx, *dxo = in->s->dx_ref, *gr = in->gr;
    size_t n = in->n;
    double u_io = ns_unit_roundoff(io);
    e->grad_bound = in_ulps(ns_bound_eval(&in->promise->gradient, in->policy, in->xr, n, NAN), u_io) +
                    saved_output_term(in->policy);
    if (!in->m->has_grad)
        return;
    double num = 0;
    for (size_t i = 0; i < n; i++) {
        entry_kind k = check_entry(io, dx[i], dxo[i], e);
        if (k == ENTRY_INF)
            e->grad_nonfinite++;
        else if (k == ENTRY_OTHER && isfinite(dx[i]) && fabs(dx[i] - dxo[i]) > num)
            num = fabs(dx[i] - dxo[i]);
    }
    /* The scale of dx: the true one, or ||g|| ||y|| where it cancels (a
     * constant g has dx = 0), or || |J|^T |g| || (asked for only when the
     * others leave the error above its bound), and never below the smallest
     * normal of the output format times max(1, ||g||): below it gradients
     * lose relative precision by underflow (of dx itself, or of the outputs
     * y stored in io that the backward pass reads) whatever the algorithm. */
    double gnorm = inf_norm(gr, n);
    double scale = inf_norm(dxo, n), alt = gnorm * inf_norm(in->s->y_ref, n);
    double floor = ldexp(1.0, io->emin) * (gnorm > 1 ? gnorm : 1);
    scale = alt > scale ? alt : scale;
    scale = floor > scale ? floor : scale;
    e->grad_err = num == 0 ? 0 : scale > 0 ? num / scale / u_io : INFINITY;
    double jt_scale;
    if (e->grad_err > e->grad_bound && c && c->grad_scale && c->grad_scale(c->ctx, &jt_scale) &&
        jt_scale > scale)
        e->grad_err = num / jt_scale / u_io;
    e->gain = in->m->grad_gain;
    /* A row whose bound promises nothing: the same algorithm in fp64 tells
     * rounding from a wrong formula (promises.h). */
    e->grad_fp64_bound = INFINITY;
    if (isinf(e->grad_bound) && e->grad_err > 0 && c && c->grad_fp64 &&
        !c->grad_fp64(c->ctx, &e->grad_fp64_err, &e->grad_fp64_bound)) {
        e->grad_fp64_err = 0;
        e->grad_fp64_bound = INFINITY;
    }
}

static unsigned broken_promises(const ns_promise *p, const ns_metrics *m, const ns_promise_eval *e)
{
    unsigned b = 0;
    if (p->no_nan && e->nan)
        b |= 1u << NS_KIND_NAN;
    if (p->no_inf && e->inf)
        b |= 1u << NS_KIND_INF;
    if (e->err_ulps > e->err_bound)
        b |= 1u << NS_KIND_ERROR;
    if (isfinite(m->sum_err) && e->sum_rel > e->sum_bound)
        b |= 1u << NS_KIND_SUM;
    bool den_lost = m->denominator_class == NS_DEN_ZERO || m->denominator_class == NS_DEN_NONFINITE;
    if ((p->denominator == NS_DEN_PROMISE_NORMAL &&
         (den_lost || m->denominator_class == NS_DEN_SUBNORMAL)) ||
        (p->denominator == NS_DEN_PROMISE_NONZERO && den_lost))
        b |= 1u << NS_KIND_DENOMINATOR;
    if (m->has_grad && ((p->finite_gradient && e->grad_nonfinite) || e->grad_err > e->grad_bound ||
                        e->grad_fp64_err > e->grad_fp64_bound ||
                        (p->max_gain > 0 && e->gain > p->max_gain)))
        b |= 1u << NS_KIND_GRADIENT;
    if (p->no_negative && m->negatives)
        b |= 1u << NS_KIND_NEGATIVE;
    return b;
}

void ns_promises_measure(const ns_promise_input *in, const ns_conditioning *c, ns_promise_eval *e)
{
    memset(e, 0, sizeof *e);
    e->grad_fp64_bound = INFINITY;
    measure_outputs(in, c, e);
    measure_sum(in, e);
    measure_gradient(in, c, e);
    e->broken = broken_promises(in->promise, in->m, e);
}
