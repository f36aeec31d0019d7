/* A plugin algorithm's contract (include/normstab/plugin.h, version 2) made
 * into normstab's own (normalizers/contract.h), which the verdict, search,
 * the fuzzers and the report then apply as to a built-in algorithm. */
#ifndef NS_PLUGIN_CONTRACT_H
#define NS_PLUGIN_CONTRACT_H

#include <stddef.h>

#include "../include/normstab/plugin.h"
#include "../normalizers/contract.h"

/* Whether c can be taken as it is: 0, or -1 with one line in err (the list
 * and entry at fault: "hazard 2: kind 9 is not an NSP_KIND_ value"). */
int ns_plugin_contract_check(const nsp_contract *c, char *err, size_t errlen);

/* normstab's contract for a checked c, in memory that lives as long as the
 * process (plugins are never unloaded); NULL when out of memory.  Promises
 * NULL: the default contract's. */
const ns_contract *ns_plugin_contract_make(const nsp_contract *c);

#endif
