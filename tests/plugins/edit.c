/* One algorithm, edit.softmax, built twice (mk/plugin.mk): edit-good.so
 * subtracts the maximum before exponentiating, edit-worse.so does not (the
 * edit a regression check must catch: e^x overflows for x > 11.09 in fp16,
 * so NaN appears where there was none).  tests/cli/regress.sh measures a
 * baseline with one and checks the other against it.
 *
 * It is a version-1 plugin, in the version-1 layout (nsp_plugin_v1 from
 * ns_plugin_v1, abi_version 1) as one built before version 2 existed:
 * normstab keeps loading those (tests/cli/plugin.sh). */
#include <math.h>
#include <stddef.h>

#include <normstab/plugin.h>

static void forward(const nsp_ops *op, const nsp_num *x, nsp_num *y, size_t n)
{
#ifdef EDIT_WORSE
    nsp_num m = op->exact(op, 0);
#else
    nsp_num m = op->max(op, x, n);
#endif
    for (size_t i = 0; i < n; i++)
        y[i] = op->exp(op, op->sub(op, x[i], m));
    nsp_num s = op->denominator(op, op->sum(op, y, n));
    for (size_t i = 0; i < n; i++)
        y[i] = op->div(op, y[i], s);
}

/* dx = y (g - <g, y>) */
static void backward(const nsp_ops *op, const nsp_num *x, const nsp_num *y,
                     const nsp_num *g, nsp_num *dx, size_t n)
{
    (void)x;
    nsp_num gy = op->dot(op, g, y, n);
    for (size_t i = 0; i < n; i++)
        dx[i] = op->mul(op, y[i], op->sub(op, g[i], gy));
}

static const nsp_algorithm_v1 algorithms[] = {
    { .name = "edit.softmax", .summary = "softmax, edited between two builds",
      .forward = forward, .backward = backward },
    { .name = NULL },
};

/* No reference of its own: the fallback evaluates the algorithm in MPFR,
 * where neither version overflows, so both have the same reference. */
static const nsp_family_v1 families[] = {
    { .name = "edit", .definition = "y_i = e^{x_i} / sum_j e^{x_j}", .order = 950,
      .algorithms = algorithms },
    { .name = NULL },
};

static const nsp_plugin_v1 plugin = { .abi_version = 1, .name = "edit", .families = families };

const nsp_plugin_v1 *ns_plugin_v1(void);
const nsp_plugin_v1 *ns_plugin_v1(void)
{
    return &plugin;
}
