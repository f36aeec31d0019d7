#include "verdict.h"

#include <stdio.h>
#include <string.h>

bool ns_within_contract(const ns_metrics *m)
{
    return !m->defined || m->within_contract;
}

double ns_half_precision_bits(const ns_policy *p)
{
    return p->out->p / 2.0;
}

const char *ns_verdict_summary(void)
{
    return "within the contract: no NaN output, no infinite output where the reference is finite, "
           "and an error within the contract's first-order bound for the row (normalizers/contract.h; "
           "u is the unit roundoff of the coarser of the policy's elementwise and accumulator formats)";
}

void ns_bound_describe(const ns_bound *b, char *buf, size_t len)
{
    if (!ns_bound_is_set(b)) {
        snprintf(buf, len, "none");
        return;
    }
    const double c[5] = { b->c0, b->cn, b->cs, b->cx, b->ck };
    static const char *const what[5] = { "", "n", "spread", "max|x|", "kappa" };
    size_t k = 0;
    k += (size_t)snprintf(buf, len, "(");
    int first = 1;
    for (int i = 0; i < 5 && k < len; i++) {
        if (c[i] == 0)
            continue;
        k += (size_t)snprintf(buf + k, len - k, "%s%g%s%s", first ? "" : " + ", c[i], *what[i] ? " " : "", what[i]);
        first = 0;
    }
    if (k < len)
        snprintf(buf + k, len - k, ") u");
}
