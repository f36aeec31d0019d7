/* clipsoftmax: clipped softmax,
 *     y_i = clip((zeta - gamma) softmax(x)_i + gamma, 0, 1),
 * which lets an attention head give exactly zero weight without pushing its
 * logits to extremes (Bondarenko, Nagel & Blankevoort, "Quantizable
 * Transformers: Removing Outliers by Helping Attention Heads Do Nothing",
 * NeurIPS 2023, eq. 4.1).  Parameters zeta >= 1 (default 1) and gamma <= 0
 * (default -0.03).  Weights s_i < -gamma / (zeta - gamma) (about 0.029 by
 * default) are clipped to exactly 0.
 *
 * Backward: with z = (zeta - gamma) s + gamma and U the entries with
 * 0 < z_i < 1 (a clipped entry has derivative 0, at the edges too, as
 * relu'(0) = 0), dx_j = (zeta - gamma) s_j (g'_j - <g', s>) where
 * g'_i = g_i on U and 0 elsewhere.
 *
 * This plugin gives no MPFR reference: normstab's fallback runs the
 * algorithm below in MPFR at high precision, and says "not certified"
 * wherever it shows the result.  That is sound here because the algorithm
 * is the definition written step by step (the shift by the maximum changes
 * nothing in exact arithmetic); it inherits the definition's choices, e.g.
 * an all-masked row gives NaN ((-inf) - (-inf)) in the reference too.
 *
 * Error where nothing is clipped: shifted softmax's (n + 2 + 2 (max x -
 * min x)) u (Blanchard, Higham & Higham, IMA J. Numer. Anal. 2021) times
 * zeta - gamma, plus the two roundings of the affine map and the
 * cancellation of z near 0, where the relative error of z grows as
 * |gamma| / z: entries just above the threshold lose most of their bits, and
 * entries within rounding of it may be clipped wrongly (a wrong support). */
#include <math.h>

#include <normstab/plugin.h>

enum { ZETA, GAMMA };

/* s = softmax(x), shifted by the maximum; returns nothing, fills s. */
static void softmax(const nsp_ops *op, const nsp_num *x, nsp_num *s, size_t n)
{
    nsp_num m = op->max(op, x, n);
    for (size_t i = 0; i < n; i++)
        s[i] = op->exp(op, op->sub(op, x[i], m));
    nsp_num sum = op->denominator(op, op->sum(op, s, n));
    for (size_t i = 0; i < n; i++)
        s[i] = op->div(op, s[i], sum);
}

/* z = (zeta - gamma) s + gamma, before clipping. */
static nsp_num affine(const nsp_ops *op, nsp_num width, nsp_num s)
{
    return op->add(op, op->mul(op, width, s), op->constant(op, op->param(op, GAMMA)));
}

static nsp_num width_of(const nsp_ops *op)
{
    return op->sub(op, op->constant(op, op->param(op, ZETA)), op->constant(op, op->param(op, GAMMA)));
}

static int inside(const nsp_ops *op, nsp_num z)   /* 0 < z < 1 */
{
    return op->sign(op, z) > 0 && op->less(op, z, op->exact(op, 1));
}

static void clipped_forward(const nsp_ops *op, const nsp_num *x, nsp_num *y, size_t n)
{
    softmax(op, x, y, n);
    nsp_num width = width_of(op);
    for (size_t i = 0; i < n; i++) {
        nsp_num z = affine(op, width, y[i]);
        if (op->sign(op, z) <= 0 && !isnan(z.v))
            y[i] = op->exact(op, 0);
        else if (!op->less(op, z, op->exact(op, 1)) && !isnan(z.v))
            y[i] = op->exact(op, 1);
        else
            y[i] = z;
    }
}

/* Recomputes s and z from x (y is clipped, so s cannot be recovered from it). */
static void clipped_backward(const nsp_ops *op, const nsp_num *x, const nsp_num *y,
                             const nsp_num *g, nsp_num *dx, size_t n)
{
    (void)y;
    nsp_num *s = op->scratch(op, n), *gu = op->scratch(op, n);
    if (!s || !gu)
        return;
    softmax(op, x, s, n);
    nsp_num width = width_of(op);
    for (size_t i = 0; i < n; i++)
        gu[i] = inside(op, affine(op, width, s[i])) ? g[i] : op->exact(op, 0);
    nsp_num gs = op->dot(op, gu, s, n);
    for (size_t j = 0; j < n; j++)
        dx[j] = op->mul(op, width, op->mul(op, s[j], op->sub(op, gu[j], gs)));
}

static const nsp_algorithm clipped_algorithms[] = {
    { .name = "clipsoftmax", .summary = "clip((zeta - gamma) softmax(x) + gamma, 0, 1), softmax shifted by the max",
      .forward = clipped_forward, .backward = clipped_backward },
    { .name = NULL },
};

static const nsp_family families[] = {
    { .name = "clipsoftmax",
      .definition = "y_i = clip((zeta - gamma) softmax(x)_i + gamma, 0, 1)",
      .order = 510,
      .params = { { "zeta", 1.0, "stretch of the softmax (>= 1)" },
                  { "gamma", -0.03, "shift of the softmax (<= 0)" },
                  { NULL, 0, NULL } },
      .algorithms = clipped_algorithms,
      .reference = NULL,                       /* the fallback: clipsoftmax in MPFR */
      .fallback_algorithm = "clipsoftmax" },
    { .name = NULL },
};

static const nsp_plugin plugin = {
    .abi_version = NS_PLUGIN_ABI_VERSION,
    .name = "clipsoftmax",
    .families = families,
};

const nsp_plugin *ns_plugin_v2(void)
{
    return &plugin;
}
