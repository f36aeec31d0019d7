/* --plugin PATH.so and NORMSTAB_PLUGINS: plugins load before any command
 * runs, so every command sees their normalizers as it sees the built-in
 * ones (plugins/loader.h). */
#include <stdlib.h>
#include <string.h>

#include "../plugins/loader.h"
#include "cli.h"

static void load(const char *path)
{
    char err[512];
    if (ns_plugin_load(path, err, sizeof err) != 0)
        ns_die("plugin '%s': %s", path, err);
}

void ns_cli_load_plugins(int *argc, char **argv)
{
    const char *env = getenv(NS_PLUGIN_ENV);
    if (env) {
        const char *failed;
        char err[512];
        if (ns_plugin_load_list(env, &failed, err, sizeof err) != 0)
            ns_die("plugin '%s' (from %s): %s", failed, NS_PLUGIN_ENV, err);
    }
    /* Take every --plugin PATH and --plugin=PATH out of the arguments the
     * command sees, up to a "--". */
    int out = 1, i = 1;
    for (; i < *argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            break;
        if (strcmp(a, "--plugin") == 0) {
            if (i + 1 >= *argc)
                ns_die("option '--plugin' needs a value (a shared library, PATH.so)");
            load(argv[++i]);
        } else if (strncmp(a, "--plugin=", 9) == 0) {
            if (a[9] == '\0')
                ns_die("option '--plugin' needs a value (a shared library, PATH.so)");
            load(a + 9);
        } else {
            argv[out++] = argv[i];
        }
    }
    for (; i < *argc; i++)
        argv[out++] = argv[i];
    argv[out] = NULL;
    *argc = out;
}
