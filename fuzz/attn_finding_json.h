/* A finding of the attention search (attn_search.h) as the JSON object
 * `normstab search --kernel --json` prints and `normstab attention
 * --finding` replays (one writer: the command and the Python package). */
#ifndef NS_FUZZ_ATTN_FINDING_JSON_H
#define NS_FUZZ_ATTN_FINDING_JSON_H

#include <cjson/cJSON.h>

#include "attn_search.h"

/* The verdict's word of a finding: that of the contract when a promise
 * broke, else "outside the promises". */
const char *ns_attn_finding_verdict(const ns_attn_finding *f);

/* kernel, policy, kind, value, confirmed, verdict, cause, why, replay and
 * the head (attention/head_json.h); NULL when out of memory. */
cJSON *ns_attn_finding_json(const ns_kernel *k, const ns_attn_finding *f);

#endif
