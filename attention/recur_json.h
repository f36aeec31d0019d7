/* One compared head of a linear attention or RWKV-4 kernel as the JSON
 * object `normstab attention --kernel linear…|rwkv4.… --json` prints (one
 * writer: the command and the Python package). */
#ifndef NS_ATTENTION_RECUR_JSON_H
#define NS_ATTENTION_RECUR_JSON_H

#include <cjson/cJSON.h>

#include "recurrent.h"

/* kernel, policy, function, shapes, per part its errors, the denominators,
 * bound_ratio, verdict and cause; NULL when out of memory. */
cJSON *ns_recur_compare_json(const ns_kernel *k, const ns_head *h, const ns_recur_compare *c);

#endif
