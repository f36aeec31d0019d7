/* A finding of the attention search as JSON (attn_finding_json.h). */
#include "attn_finding_json.h"

#include <math.h>

#include "../attention/head_json.h"

const char *ns_attn_finding_verdict(const ns_attn_finding *f)
{
    return f->compare.broken ? ns_attn_verdict_name(f->compare.verdict) : "outside the promises";
}

cJSON *ns_attn_finding_json(const ns_kernel *k, const ns_attn_finding *f)
{
    const ns_attn_compare *cp = &f->compare;
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    cJSON_AddStringToObject(j, "kernel", k->name);
    cJSON_AddStringToObject(j, "policy", f->head.policy->name);
    cJSON_AddStringToObject(j, "kind", ns_kind_name(f->kind));
    cJSON_AddNumberToObject(j, "value", isfinite(f->value) ? f->value : 1e308);
    cJSON_AddBoolToObject(j, "confirmed", f->confirmed);
    cJSON_AddStringToObject(j, "verdict", ns_attn_finding_verdict(f));
    cJSON_AddStringToObject(j, "cause", cp->cause);
    cJSON_AddStringToObject(j, "why", cp->hazard ? cp->hazard->why : "");
    cJSON_AddStringToObject(j, "replay", "normstab attention --finding FILE (this line saved as FILE)");
    if (ns_head_json_add(j, &f->head) != 0) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}
