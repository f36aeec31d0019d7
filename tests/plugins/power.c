/* Power attention, y_i = relu(x_i)^3 / sum_j relu(x_j)^3, the plugin of
 * issue 18, built five ways (mk/plugin.mk):
 *   power-good.so          a right backward, the fallback reference;
 *   power-wrong.so         WRONG_BACKWARD: the slope 2 relu(x)^2 where it is
 *                          3 relu(x)^2 (dx is 2/3 of the truth), fallback;
 *   power-wrong-own.so     the same wrong backward with an MPFR reference of
 *                          its own (OWN_REFERENCE);
 *   power-v2.so            ABI_V2: version 2 of the interface, the algorithm
 *                          power3.scaled (divided by the largest entry first:
 *                          nothing overflows, and S >= 1 where an entry is
 *                          positive) with a contract declaring the 0/0 of a
 *                          row without a positive entry as a hazard;
 *   power-v2-nocontract.so the same without the contract (NO_CONTRACT).
 * dx_j = 3 relu(x_j)^2 / S (g_j - <g, y>), as for every ratio(h) (SPEC
 * section 3); a row without a positive entry has S = 0: zeros. */
#include <math.h>
#include <stddef.h>

#include <normstab/plugin.h>

#ifdef WRONG_BACKWARD
#define SLOPE 2.0
#else
#define SLOPE 3.0
#endif

static nsp_num cubed(const nsp_ops *op, nsp_num t)
{
    return op->mul(op, op->mul(op, t, t), t);
}

#ifndef ABI_V2
/* relu(x)^3 of an input x (exact, so .v may be tested) */
static nsp_num cube(const nsp_ops *op, nsp_num x)
{
    return x.v > 0 ? cubed(op, x) : op->exact(op, 0);
}
#endif

#ifdef ABI_V2
/* t_i = relu(x_i) / M, M = max x > 0; S_t = sum t^3 >= 1.  A row without a
 * positive entry computes 0 / 0: the declared hazard. */
static nsp_num scaled_terms(const nsp_ops *op, const nsp_num *x, nsp_num *t, size_t n, nsp_num *m)
{
    *m = op->max(op, x, n);
    for (size_t i = 0; i < n; i++)
        t[i] = x[i].v > 0 ? cubed(op, op->div(op, x[i], *m)) : op->exact(op, 0);
    return op->denominator(op, op->sum(op, t, n));
}

static void scaled_forward(const nsp_ops *op, const nsp_num *x, nsp_num *y, size_t n)
{
    nsp_num m;
    nsp_num s = scaled_terms(op, x, y, n, &m);
    for (size_t i = 0; i < n; i++)
        y[i] = op->div(op, y[i], s);
}

/* dx_j = 3 t_j^2 / (M S_t) (g_j - <g, y>) */
static void scaled_backward(const nsp_ops *op, const nsp_num *x, const nsp_num *y,
                            const nsp_num *g, nsp_num *dx, size_t n)
{
    nsp_num *t = op->scratch(op, n), m;
    if (!t)
        return;
    nsp_num s = scaled_terms(op, x, t, n, &m);
    nsp_num ms = op->denominator(op, op->mul(op, m, s));
    nsp_num gy = op->dot(op, g, y, n);
    for (size_t j = 0; j < n; j++) {
        nsp_num r = x[j].v > 0 ? op->div(op, x[j], m) : op->exact(op, 0);
        nsp_num d = op->mul(op, op->constant(op, 3), op->mul(op, r, r));
        dx[j] = op->mul(op, op->div(op, d, ms), op->sub(op, g[j], gy));
    }
}
#else
static void forward(const nsp_ops *op, const nsp_num *x, nsp_num *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = cube(op, x[i]);
    nsp_num s = op->denominator(op, op->sum(op, y, n));
    for (size_t i = 0; i < n; i++)
        y[i] = op->div(op, y[i], s);
}

static void backward(const nsp_ops *op, const nsp_num *x, const nsp_num *y,
                     const nsp_num *g, nsp_num *dx, size_t n)
{
    nsp_num *h = op->scratch(op, n);
    if (!h)
        return;
    for (size_t i = 0; i < n; i++)
        h[i] = cube(op, x[i]);
    nsp_num s = op->denominator(op, op->sum(op, h, n));
    nsp_num gy = op->dot(op, g, y, n);
    for (size_t j = 0; j < n; j++) {
        nsp_num r = x[j].v > 0 ? x[j] : op->exact(op, 0);
        nsp_num d = op->mul(op, op->constant(op, SLOPE), op->mul(op, r, r));
        dx[j] = op->mul(op, op->div(op, d, s), op->sub(op, g[j], gy));
    }
}
#endif

#ifdef OWN_REFERENCE
/* Exact: relu(x)^3 at precision prec, S their sum, y = h / S. */
static int reference(const double *x, const double *g, const double *param, size_t n,
                     mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    (void)param;
    mpfr_t s, gy, t;
    mpfr_inits2(prec, s, gy, t, (mpfr_ptr)0);
    mpfr_set_zero(s, 1);
    for (size_t i = 0; i < n; i++) {
        mpfr_set_d(&y[i], x[i] > 0 ? x[i] : 0, MPFR_RNDN);
        mpfr_pow_ui(&y[i], &y[i], 3, MPFR_RNDN);
        mpfr_add(s, s, &y[i], MPFR_RNDN);
    }
    int zero = mpfr_zero_p(s);
    for (size_t i = 0; i < n; i++)
        if (zero)
            mpfr_set_zero(&y[i], 1);
        else
            mpfr_div(&y[i], &y[i], s, MPFR_RNDN);
    if (g) {
        mpfr_set_zero(gy, 1);
        for (size_t i = 0; i < n; i++) {
            mpfr_mul_d(t, &y[i], g[i], MPFR_RNDN);
            mpfr_add(gy, gy, t, MPFR_RNDN);
        }
        for (size_t j = 0; j < n; j++) {
            if (zero || !(x[j] > 0)) {
                mpfr_set_zero(&dx[j], 1);
                continue;
            }
            mpfr_set_d(t, x[j], MPFR_RNDN);
            mpfr_sqr(t, t, MPFR_RNDN);
            mpfr_mul_ui(t, t, 3, MPFR_RNDN);
            mpfr_div(t, t, s, MPFR_RNDN);
            mpfr_d_sub(&dx[j], g[j], gy, MPFR_RNDN);
            mpfr_mul(&dx[j], &dx[j], t, MPFR_RNDN);
        }
    }
    mpfr_clears(s, gy, t, (mpfr_ptr)0);
    return 0;
}
#define REFERENCE reference
#else
#define REFERENCE NULL
#endif

#ifdef ABI_V2
/* A row without a positive entry has S = 0 whatever the precision (the
 * exact sum is 0 too): 0 / 0, declared.  The default promises stand. */
#ifndef NO_CONTRACT
static const nsp_hazard hazards[] = {
    { .kind = NSP_KIND_ANY, .cause = NSP_CAUSE_ZERO_DENOMINATOR,
      .why = "a row without a positive entry has relu(x)^3 = 0 everywhere: S = 0 and y = 0 / 0 "
             "where the reference gives zeros (SPEC section 3)" },
    { .kind = NSP_KIND_ANY, .cause = NSP_CAUSE_ALL_MASKED,
      .why = "an all-masked row has no positive entry either" },
    { .why = NULL },
};
static const nsp_contract contract = {
    .summary = "finite or masked rows; the default promises; 0 / 0 without a positive entry",
    .domain = NSP_DOMAIN_MASKED | NSP_DOMAIN_ALL_MASKED,
    .hazards = hazards,
};
#endif

#ifdef NO_CONTRACT
#define CONTRACT NULL
#else
#define CONTRACT &contract
#endif

static const nsp_algorithm algorithms[] = {
    { .name = "power3.scaled", .summary = "relu(x / max x)^3 / sum relu(x / max x)^3",
      .forward = scaled_forward, .backward = scaled_backward, .contract = CONTRACT },
    { .name = NULL },
};
#else
static const nsp_algorithm algorithms[] = {
    { .name = "power3", .summary = "relu(x)^3 / sum relu(x)^3", .forward = forward,
      .backward = backward },
    { .name = NULL },
};
#endif

static const nsp_family families[] = {
    { .name = "power", .definition = "ratio(relu(x)^3)", .order = 960,
      .algorithms = algorithms, .reference = REFERENCE },
    { .name = NULL },
};

static const nsp_plugin plugin = { .abi_version = NS_PLUGIN_ABI_VERSION, .name = "power",
                                   .families = families };

const nsp_plugin *ns_plugin_v2(void)
{
    return &plugin;
}
