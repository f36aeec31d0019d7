/* Plugins in the Python package: normstab.load_plugin(path) and
 * NORMSTAB_PLUGINS read at import, as the command loads --plugin PATH and
 * that variable (plugins/loader.h), with the command's messages. */
#include <stdlib.h>

#include "../plugins/loader.h"
#include "binding.h"

/* Loads the plugin at path; holds the catalogue's lock for writing (the
 * loader adds families to it).  0, or -1 with the message. */
int ns_py_load_plugin(const char *path, char *err, size_t errlen)
{
    char why[512];
    pthread_rwlock_wrlock(&ns_py_catalogue_lock);
    int r = ns_plugin_load(path, why, sizeof why);
    pthread_rwlock_unlock(&ns_py_catalogue_lock);
    return r == 0 ? 0 : ns_py_fail(err, errlen, "plugin '%s': %s", path, why);
}

/* The plugins NORMSTAB_PLUGINS names (colon-separated), when it is set. */
int ns_py_load_plugins_env(char *err, size_t errlen)
{
    const char *env = getenv(NS_PLUGIN_ENV);
    if (!env)
        return 0;
    const char *failed;
    char why[512];
    pthread_rwlock_wrlock(&ns_py_catalogue_lock);
    int r = ns_plugin_load_list(env, &failed, why, sizeof why);
    pthread_rwlock_unlock(&ns_py_catalogue_lock);
    return r == 0 ? 0 : ns_py_fail(err, errlen, "plugin '%s' (from %s): %s", failed, NS_PLUGIN_ENV, why);
}
