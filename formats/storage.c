/* A policy's data parts applied to a row: inputs (and upstream gradients)
 * into in, outputs (and gradients) into out; MX parts in blocks of
 * NS_MX_BLOCK along the row, elementwise parts value by value.  An input
 * part with +sr draws from a stream keyed by the seed and the row's values
 * (formats/stochastic.h). */
#include <string.h>

#include "policy.h"
#include "stochastic.h"

static void store(const ns_format *f, const ns_mx *mx, const double *x, double *y, size_t n)
{
    if (mx) {
        ns_mx_round(mx, NS_MX_BLOCK, x, y, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        y[i] = ns_round(f, x[i]);
}

void ns_policy_round_inputs(const ns_policy *p, uint64_t seed, const double *x, double *xr, size_t n)
{
    if (p->stochastic)
        ns_sr_begin(seed, ns_sr_row_key(x, n, NS_STREAM_INPUT));
    store(p->io, p->in_mx, x, xr, n);
}

void ns_policy_store_outputs(const ns_policy *p, double *v, double *stage, size_t n)
{
    if (p->out_mx)
        memcpy(stage, v, n * sizeof *v);
    store(p->out, p->out_mx, p->out_mx ? stage : v, v, n);
}

bool ns_policy_same_inputs(const ns_policy *a, const ns_policy *b)
{
    if (a->io != b->io || !a->in_mx != !b->in_mx)
        return false;
    return !a->in_mx || a->in_mx->elem == b->in_mx->elem;
}
