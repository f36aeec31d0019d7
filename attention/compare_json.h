/* One compared head as the JSON object `normstab attention --json` prints
 * (one writer: the command and the Python package, python/binding_attention.c). */
#ifndef NS_ATTENTION_COMPARE_JSON_H
#define NS_ATTENTION_COMPARE_JSON_H

#include <cjson/cJSON.h>

#include "compare.h"

/* kernel, policy, input (where), shapes, the reference's tier, per part
 * (o, lse, dq, dk, dv) its errors, the denominators, scores, verdict, cause
 * and why; NULL when out of memory. */
cJSON *ns_attn_compare_json(const ns_kernel *k, const ns_head *h, const char *where,
                            const ns_attn_ref *ref, const ns_attn_compare *c);

#endif
