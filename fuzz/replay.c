#include "replay.h"

#include <stdio.h>
#include <string.h>

#include "finder.h"

const char *ns_replay_verdict_name(ns_replay_verdict v)
{
    static const char *const names[] = { "broken", "expected", "fixed", "outside the domain" };
    return names[v];
}

void ns_replay_result_free(ns_replay_result *r)
{
    ns_finding_free(&r->now);
}

int ns_replay(const ns_finding *f, ns_replay_result *r, char *err, size_t errlen)
{
    ns_finding_init(&r->now);
    if (ns_finding_copy(&r->now, f) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    ns_fuzz_spec spec = { .sum = f->sum, .param = f->param };
    spec.alg = ns_algorithm_find(f->normalizer, &spec.family);
    if (!spec.alg) {
        snprintf(err, errlen, "unknown normalizer '%s'", f->normalizer);
        return -1;
    }
    spec.policy = ns_policy_find(f->policy);
    if (!spec.policy) {
        snprintf(err, errlen, "unknown policy '%s'", f->policy);
        return -1;
    }
    /* Gradients are evaluated when the finding has one. */
    spec.objective = f->has_g ? NS_OBJECTIVE_ALL
                   : f->kind < NS_OBJECTIVE_COUNT ? f->kind : NS_KIND_NAN;
    ns_fuzz_target t;
    if (ns_fuzz_target_init(&t, &spec, err, errlen) != 0)
        return -1;
    ns_row row;
    ns_row_init(&row);
    ns_fuzz_eval e;
    int rc = ns_row_copy(&row, &f->row);
    if (rc == 0)
        rc = ns_fuzz_eval_row(&t, &row, NS_EVAL_EXACT, &e);
    if (rc != 0) {
        snprintf(err, errlen, "out of memory");
    } else if (!e.in_domain) {
        r->verdict = NS_REPLAY_OUTSIDE;
    } else if (!(e.promises.broken & (1u << f->kind))) {
        r->verdict = NS_REPLAY_FIXED;
    } else {
        ns_fuzz_eval keep = e;
        ns_cause cause = ns_fuzz_classify(&t, &row, &keep, f->kind);
        rc = ns_finding_fill(&r->now, &t, &row, &keep, f->kind, cause);
        if (rc != 0)
            snprintf(err, errlen, "out of memory");
        r->verdict = r->now.expected ? NS_REPLAY_EXPECTED : NS_REPLAY_BROKEN;
    }
    r->now.has_g = f->has_g;
    ns_row_free(&row);
    ns_fuzz_target_free(&t);
    return rc;
}
