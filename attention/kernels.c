/* The kernel table (kernel.h): every `const ns_kernel ns_kernel_NAME` of
 * attention/ found by the build, sorted by .order; results of a head. */
#include "kernel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NS_KERNEL_ENTRY(name) extern const ns_kernel ns_kernel_##name;
#include "kernels.gen.h"
#undef NS_KERNEL_ENTRY

#define NS_KERNEL_ENTRY(name) &ns_kernel_##name,
static const ns_kernel *const unsorted[] = {
#include "kernels.gen.h"
};
#undef NS_KERNEL_ENTRY

#define NKERNELS (sizeof unsorted / sizeof unsorted[0])

/* Sorted once, by insertion (a handful of entries), before main runs. */
static const ns_kernel *sorted[NKERNELS + 1];

__attribute__((constructor)) static void sort_kernels(void)
{
    for (size_t i = 0; i < NKERNELS; i++) {
        size_t j = i;
        while (j > 0 && sorted[j - 1]->order > unsorted[i]->order) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = unsorted[i];
    }
}

const ns_kernel *const *ns_kernel_list(void)
{
    return sorted;
}

const ns_kernel *ns_kernel_find(const char *name)
{
    for (size_t i = 0; sorted[i]; i++)
        if (strcmp(sorted[i]->name, name) == 0)
            return sorted[i];
    return NULL;
}

void ns_attn_out_reset(ns_attn_out *r)
{
    ns_probe_reset(&r->probe);
    r->max_score = 0;
    r->max_p = 0;
}

int ns_attn_arrays_alloc(const ns_head *h, double **o, double **lse, double **dq, double **dk, double **dv)
{
    *o = calloc(h->n_q * h->d_v + 1, sizeof **o);
    *lse = calloc(h->n_q + 1, sizeof **lse);
    *dq = *dk = *dv = NULL;
    if (h->dout) {
        *dq = calloc(h->n_q * h->d + 1, sizeof **dq);
        *dk = calloc(h->n_k * h->d + 1, sizeof **dk);
        *dv = calloc(h->n_k * h->d_v + 1, sizeof **dv);
    }
    if (!*o || !*lse || (h->dout && (!*dq || !*dk || !*dv))) {
        ns_attn_arrays_free(*o, *lse, *dq, *dk, *dv);
        *o = *lse = *dq = *dk = *dv = NULL;
        return -1;
    }
    return 0;
}

void ns_attn_arrays_free(double *o, double *lse, double *dq, double *dk, double *dv)
{
    free(o);
    free(lse);
    free(dq);
    free(dk);
    free(dv);
}

int ns_attn_out_alloc(const ns_head *h, ns_attn_out *r)
{
    memset(r, 0, sizeof *r);
    if (ns_attn_arrays_alloc(h, &r->o, &r->lse, &r->dq, &r->dk, &r->dv) != 0)
        return -1;
    if (h->dout && h->w) {                 /* RWKV's dw, du */
        r->dw = calloc(h->d + 1, sizeof *r->dw);
        r->du = calloc(h->d + 1, sizeof *r->du);
        if (!r->dw || !r->du) {
            ns_attn_out_free(r);
            return -1;
        }
    }
    ns_attn_out_reset(r);
    return 0;
}

void ns_attn_out_free(ns_attn_out *r)
{
    ns_attn_arrays_free(r->o, r->lse, r->dq, r->dk, r->dv);
    free(r->dw);
    free(r->du);
    memset(r, 0, sizeof *r);
}

int ns_kernel_run(const ns_kernel *k, const ns_head *h, ns_attn_out *r)
{
    ns_attn_out_reset(r);
    if (!k->has_lse)
        for (size_t i = 0; i < h->n_q; i++)
            r->lse[i] = NAN;
    if (k->forward(h, r) != 0)
        return -1;
    if (h->dout && k->backward)
        return k->backward(h, r);
    return 0;
}
