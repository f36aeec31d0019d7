/* A head as JSON: what a finding stores and `normstab attention --finding`
 * replays.  Numbers are %a strings (exact); tensors are flat row-major
 * arrays with their shapes; keep is a flat array of 0/1 or null. */
#ifndef NS_ATTENTION_HEAD_JSON_H
#define NS_ATTENTION_HEAD_JSON_H

#include <cjson/cJSON.h>

#include "kernel.h"

/* Adds the head's shapes, tensors and options to obj; 0, or -1 when out of
 * memory. */
int ns_head_json_add(cJSON *obj, const ns_head *h);

/* A head read back from obj (policy and kernel are the caller's: "policy",
 * "kernel"); its arrays are allocated here (ns_head_json_free).  0, or -1
 * with what is wrong in err. */
int ns_head_json_read(const cJSON *obj, const ns_policy *policy, ns_head *h, char *err, size_t errlen);
void ns_head_json_free(ns_head *h);

#endif
