/* A plugin whose names, summaries, definition and parameter say hostile
 * things (markup, quotes, ampersands, newlines, a gnuplot command
 * substitution), for tests/cli/page_safety.sh: the report must show them
 * only escaped.  Built three times (mk/plugin.mk): as it is (names the
 * loader accepts), and with -DHOSTILE_QUOTE or -DHOSTILE_NEWLINE, an
 * algorithm name the loader must refuse. */
#include <stddef.h>

#include <normstab/plugin.h>

#include "softmax_shifted.h"

static void backward(const nsp_ops *op, const nsp_num *x, const nsp_num *y,
                     const nsp_num *g, nsp_num *dx, size_t n)
{
    (void)x;
    nsp_num gy = op->dot(op, g, y, n);
    for (size_t i = 0; i < n; i++)
        dx[i] = op->mul(op, y[i], op->sub(op, g[i], gy));
}

#if defined HOSTILE_QUOTE
#define SECOND_NAME "a\"b"
#elif defined HOSTILE_NEWLINE
#define SECOND_NAME "a\nb"
#else
#define SECOND_NAME "`touch${IFS}PWNED`/../a&b"
#endif

static const nsp_algorithm algorithms[] = {
    { .name = "</td><script>x</script>",
      .summary = "summary \"quoted\" <script>alert(1)</script> & more\nsecond line | `code` *em*",
      .forward = nsp_test_softmax_shifted, .backward = backward },
    { .name = SECOND_NAME, .summary = "<img src=x onerror=alert(2)>",
      .forward = nsp_test_softmax_shifted, .backward = backward },
    { .name = NULL },
};

static const nsp_family families[] = {
    { .name = "<i>fam&amp;'", .definition = "y = <b>\"softmax\"</b> & 'co'\n<!-- -->", .order = 990,
      .params = { { "k<i>", 1.0, "<svg onload=alert(3)>" }, { NULL, 0, NULL } },
      .algorithms = algorithms },
    { .name = NULL },
};

static const nsp_plugin plugin = {
    .abi_version = NS_PLUGIN_ABI_VERSION, .name = "<script>alert(1)</script>", .families = families,
};

const nsp_plugin *ns_plugin_v1(void)
{
    return &plugin;
}
