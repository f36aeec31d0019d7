/* Normalizers from shared libraries: the loader of include/normstab/plugin.h.
 *
 * ns_plugin_load() opens a plugin, checks its descriptor whole (ABI version,
 * names present, new and without blanks, a forward pass, a backward pass
 * in version 1; in version 2 a NULL one is derived: derive.h), and
 * only then adds its families to the catalogue (ns_catalogue_add) and their
 * references to the references (ns_ref_plugin_make).  From there on a
 * plugin algorithm is an ns_algorithm like any other: its forward and
 * backward passes are adapters that hand the plugin an nsp_ops backed by the
 * job's ns_ops, so every policy, summation order and probe applies to it
 * exactly as to a built-in.
 *
 * The catalogue's function types carry no context, so each plugin algorithm
 * is bound to one of NS_PLUGIN_MAX_ALGORITHMS adapter functions that know
 * their slot; that is the limit on plugin algorithms in one run.  A plugin
 * is never unloaded. */
#ifndef NS_PLUGIN_LOADER_H
#define NS_PLUGIN_LOADER_H

#include <stddef.h>

#define NS_PLUGIN_MAX_ALGORITHMS 64

/* The environment variable naming plugins to load (colon-separated). */
#define NS_PLUGIN_ENV "NORMSTAB_PLUGINS"

/* Loads the plugin at path.  Loading the same library again does nothing.
 * Returns 0, or -1 with one line in err saying what is wrong (without the
 * path, which the caller names).  Call it before threads start. */
int ns_plugin_load(const char *path, char *err, size_t errlen);

/* The checks ns_plugin_load applies to a descriptor before adding anything
 * (d may be NULL): 0, or -1 with one line in err.  Adds nothing. */
struct nsp_plugin;
int ns_plugin_check(const struct nsp_plugin *d, char *err, size_t errlen);

/* Loads every path of a colon-separated list (empty entries skipped).
 * Returns 0, or -1 with err set and *failed pointing into a static copy of
 * the failing path. */
int ns_plugin_load_list(const char *list, const char **failed, char *err, size_t errlen);

/* The plugin algorithm behind the catalogue algorithm named name and the
 * number of its family's parameters, or NULL when no plugin defines it. */
const struct nsp_algorithm *ns_plugin_algorithm(const char *name, size_t *nparams);

#endif
