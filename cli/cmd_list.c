#include <string.h>

#include "../analysis/generators.h"
#include "../attention/generators.h"
#include "../attention/recurrent_gen.h"
#include "../formats/mx.h"
#include "../normalizers/catalogue.h"
#include "cli.h"

static void list_normalizers(void)
{
    for (const ns_family *const *f = ns_families(); *f; f++)
        for (const ns_algorithm *a = (*f)->algorithms; a->name; a++)
            printf("%s\t%s\n", a->name, a->summary);
}

/* The formats of arithmetic, then the MX block formats (data only). */
static void list_formats(void)
{
    for (size_t i = 0; ns_formats[i]; i++)
        printf("%s\t%s\n", ns_formats[i]->name, ns_formats[i]->summary);
    for (size_t i = 0; ns_mx_formats[i]; i++)
        printf("%s\t%s\n", ns_mx_formats[i]->name, ns_mx_formats[i]->summary);
}

/* NAME<TAB>summary, and the expansion each name is an alias of: SPEC
 * section 2's, then those that mirror a kernel. */
static void list_policies(void)
{
    const ns_policy *const *lists[] = { ns_policies, ns_kernel_policies };
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; lists[l][i]; i++) {
            const ns_policy *p = lists[l][i];
            if (p->expansion)
                printf("%s\t%s (%s)\n", p->name, p->summary, p->expansion);
            else
                printf("%s\t%s\n", p->name, p->summary);
        }
}

/* NAME<TAB>summary; the parameter (default) and the default row length. */
static void list_generators(void)
{
    for (size_t i = 0; ns_generators[i]; i++) {
        const ns_generator *g = ns_generators[i];
        printf("%s\t%s", g->name, g->summary);
        if (g->param_name)
            printf(" [%s=%g, n=%zu]\n", g->param_name, g->param_default, g->n_default);
        else
            printf(" [n=%zu]\n", g->n_default);
    }
    for (size_t i = 0; ns_head_generators[i]; i++) {
        const ns_head_generator *g = ns_head_generators[i];
        printf("%s\t%s [%s=%g, n=%zu, d=%zu]\n", g->name, g->summary, g->param_name, g->param_default,
               g->n_default, g->d_default);
    }
    /* heads for `normstab attention --gen` (linear attention, RWKV-4) */
    for (size_t i = 0; ns_recur_generators[i]; i++)
        printf("%s\t%s [attention]\n", ns_recur_generators[i]->name, ns_recur_generators[i]->summary);
}

static const struct {
    const char *what;
    void (*run)(void);
} lists[] = {
    { "normalizers", list_normalizers },
    { "formats", list_formats },
    { "policies", list_policies },
    { "generators", list_generators },
};

int cmd_list(int argc, char **argv)
{
    const size_t nlists = sizeof lists / sizeof lists[0];
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs("usage: normstab list [WHAT]\n\nOne name per line, a tab, a one-line summary.\nWHAT:", stdout);
        for (size_t i = 0; i < nlists; i++)
            printf(" %s", lists[i].what);
        fputs(" (default normalizers)\n", stdout);
        return ns_finish_output();
    }
    if (argc > 2)
        ns_die("list: too many arguments (see 'normstab list --help')");
    const char *what = argc > 1 ? argv[1] : "normalizers";
    for (size_t i = 0; i < nlists; i++)
        if (strcmp(what, lists[i].what) == 0) {
            lists[i].run();
            return ns_finish_output();
        }
    ns_die("list: unknown list '%s' (known: normalizers, formats, policies, generators)", what);
}
