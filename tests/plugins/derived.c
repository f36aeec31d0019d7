/* Version-2 algorithms without a backward pass (backward NULL): normstab
 * derives it from the forward pass (plugins/derive.h).  Each forward spells
 * operations whose derived backward has an independent counterpart
 * (tests/test_plugin_derive.c):
 *   dsoftmax.shifted   softmax.shifted's forward, operation for operation:
 *                      the built-in backward y (g - <g, y>);
 *   dspherical         spherical's x x / sum x x: the built-in ratio
 *                      backward 2 x / S (g - <g, y>);
 *   dpower             relu(x)^p / sum relu(x)^p (p = 3): the derived
 *                      backward of the formula of the same expression;
 *   dsigmoid.chain     1 / (1 + e^-(x - ln n)) written out: no closed form,
 *                      the chain rule through every operation.
 * Each family has the fallback reference (its algorithm in MPFR). */
#include <math.h>
#include <stddef.h>

#include <normstab/plugin.h>

#include "softmax_shifted.h"

static void spherical(const nsp_ops *op, const nsp_num *x, nsp_num *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = op->mul(op, x[i], x[i]);
    nsp_num s = op->denominator(op, op->sum(op, y, n));
    for (size_t i = 0; i < n; i++)
        y[i] = op->div(op, y[i], s);
}

/* relu(x)^p: an input may be tested on .v (it is exact). */
static void power(const nsp_ops *op, const nsp_num *x, nsp_num *y, size_t n)
{
    nsp_num p = op->constant(op, op->param(op, 0));
    for (size_t i = 0; i < n; i++)
        y[i] = op->pow(op, x[i].v > 0 ? x[i] : op->exact(op, 0), p);
    nsp_num s = op->denominator(op, op->sum(op, y, n));
    for (size_t i = 0; i < n; i++)
        y[i] = op->div(op, y[i], s);
}

static void sigmoid_chain(const nsp_ops *op, const nsp_num *x, nsp_num *y, size_t n)
{
    nsp_num bias = op->log(op, op->constant(op, (double)n)), one = op->constant(op, 1);
    for (size_t i = 0; i < n; i++) {
        nsp_num z = op->sub(op, x[i], bias);
        y[i] = op->div(op, one, op->add(op, one, op->exp(op, op->sub(op, op->exact(op, 0), z))));
    }
}

static const nsp_algorithm softmax_algorithms[] = {
    { .name = "dsoftmax.shifted", .summary = "softmax.shifted's forward, backward derived",
      .forward = nsp_test_softmax_shifted },
    { .name = NULL },
};
static const nsp_algorithm spherical_algorithms[] = {
    { .name = "dspherical", .summary = "x x / sum x x, backward derived", .forward = spherical },
    { .name = NULL },
};
static const nsp_algorithm power_algorithms[] = {
    { .name = "dpower", .summary = "relu(x)^p / sum relu(x)^p, backward derived", .forward = power },
    { .name = NULL },
};
static const nsp_algorithm sigmoid_algorithms[] = {
    { .name = "dsigmoid.chain", .summary = "1 / (1 + exp(-(x - log n))), backward derived",
      .forward = sigmoid_chain },
    { .name = NULL },
};

static const nsp_family families[] = {
    { .name = "dsoftmax", .definition = "softmax", .order = 970, .algorithms = softmax_algorithms },
    { .name = "dspherical", .definition = "ratio(x^2)", .order = 971, .algorithms = spherical_algorithms },
    { .name = "dpower", .definition = "ratio(relu(x)^p)", .order = 972,
      .params = { { "p", 3, "the power" } }, .algorithms = power_algorithms },
    { .name = "dsigmoid", .definition = "sigmoid(x - ln n)", .order = 973, .algorithms = sigmoid_algorithms },
    { .name = NULL },
};

static const nsp_plugin plugin = { .abi_version = NS_PLUGIN_ABI_VERSION, .name = "derived",
                                   .families = families };

const nsp_plugin *ns_plugin_v2(void)
{
    return &plugin;
}
