/* Plugins that normstab must refuse, one per BAD_* macro (mk/plugin.mk
 * builds each into BUILD/tests/plugins/NAME.so; tests/cli/plugin.sh checks
 * the one-line error for each). */
#include <math.h>
#include <stddef.h>

#include <normstab/plugin.h>

__attribute__((unused)) static void forward(const nsp_ops *op, const nsp_num *x, nsp_num *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = op->exact(op, x[i].v == x[i].v ? 1.0 / (double)n : NAN);
}

__attribute__((unused)) static void backward(const nsp_ops *op, const nsp_num *x, const nsp_num *y,
                                             const nsp_num *g, nsp_num *dx, size_t n)
{
    (void)x, (void)y, (void)g;
    for (size_t i = 0; i < n; i++)
        dx[i] = op->exact(op, 0);
}

#if defined BAD_NO_FORWARD
#define FORWARD NULL
#else
#define FORWARD forward
#endif

#if defined BAD_DUP_ALGORITHM
#define ALGORITHM "softmax.shifted"          /* a built-in algorithm's name */
#elif defined BAD_BLANK_NAME
#define ALGORITHM "uniform mean"
#else
#define ALGORITHM "uniform.test"
#endif

#if defined BAD_DUP_FAMILY
#define FAMILY "softmax"                     /* a built-in family's name */
#else
#define FAMILY "uniform"
#endif

#if defined BAD_NULL_NAME
#define PLUGIN_NAME NULL
#else
#define PLUGIN_NAME "bad"
#endif

#if defined BAD_ABI
#define ABI 999
#else
#define ABI NS_PLUGIN_ABI_VERSION
#endif

#if defined BAD_NO_BACKWARD
#define BACKWARD NULL
#else
#define BACKWARD backward
#endif

/* Version 2: a hazard whose kind is not one. */
#if defined BAD_HAZARD_KIND
static const nsp_hazard hazards[] = {
    { .kind = 17, .cause = NSP_CAUSE_ANY, .why = "no such kind" },
    { .why = NULL },
};
static const nsp_contract contract = { .domain = NSP_DOMAIN_MASKED, .hazards = hazards };
#define CONTRACT &contract
#else
#define CONTRACT NULL
#endif

static const nsp_algorithm algorithms[] = {
    { .name = ALGORITHM, .summary = "1/n", .forward = FORWARD, .backward = BACKWARD, .contract = CONTRACT },
    { .name = NULL },
};

static const nsp_family families[] = {
    { .name = FAMILY, .definition = "y_i = 1/n", .order = 900, .algorithms = algorithms },
    { .name = NULL },
};

static const nsp_plugin plugin = { .abi_version = ABI, .name = PLUGIN_NAME, .families = families };

#if defined BAD_NO_ENTRY
const nsp_plugin *ns_plugin_v0(void);
const nsp_plugin *ns_plugin_v0(void) { return &plugin; }
#elif defined BAD_NULL_DESCRIPTOR
const nsp_plugin *ns_plugin_v1(void) { (void)plugin; return NULL; }
#elif defined BAD_V1_NO_BACKWARD
/* The version-1 layout has no way to say "derive it": a backward is required. */
static const nsp_algorithm_v1 algorithms_v1[] = {
    { .name = "uniform.v1", .summary = "1/n", .forward = forward, .backward = NULL },
    { .name = NULL },
};
static const nsp_family_v1 families_v1[] = {
    { .name = "uniform1", .definition = "y_i = 1/n", .order = 900, .algorithms = algorithms_v1 },
    { .name = NULL },
};
static const nsp_plugin_v1 plugin_v1 = { .abi_version = 1, .name = "bad", .families = families_v1 };
const nsp_plugin_v1 *ns_plugin_v1(void);
const nsp_plugin_v1 *ns_plugin_v1(void) { (void)plugin; return &plugin_v1; }
#else
const nsp_plugin *ns_plugin_v1(void) { return &plugin; }
#endif
