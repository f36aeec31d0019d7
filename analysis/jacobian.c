/* Rows of the Jacobian from fp64 backward passes (see jacobian.h). */
#include "jacobian.h"

#include <math.h>
#include <stdlib.h>

void ns_jacobian_free(ns_jacobian *w)
{
    free(w->unit);
    free(w->row);
    free(w->jtg);
    *w = (ns_jacobian){ 0 };
}

static int reserve(ns_jacobian *w, size_t n)
{
    if (n <= w->cap)
        return 0;
    double **v[] = { &w->unit, &w->row, &w->jtg };
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        double *p = realloc(*v[k], n * sizeof *p);
        if (!p)
            return -1;
        *v[k] = p;
    }
    for (size_t i = 0; i < n; i++)
        w->unit[i] = 0;
    w->cap = n;
    return 0;
}

bool ns_jacobian_fp64(ns_jacobian *w, ns_job *job, const double *xr, const double *y,
                      const double *gr, size_t n, double *kappa, double *gscale)
{
    if (n > NS_JACOBIAN_MAX_N || reserve(w, n) != 0)
        return false;
    for (size_t j = 0; j < n; j++)
        w->jtg[j] = 0;
    for (size_t i = 0; i < n; i++) {
        w->unit[i] = 1;
        int rc = ns_job_backward(job, xr, y, w->unit, w->row, n, NULL);
        w->unit[i] = 0;
        if (rc != 0)
            return false;
        double num = 0;
        for (size_t j = 0; j < n; j++) {
            if (!isfinite(w->row[j]))
                return false;
            if (isfinite(xr[j]))
                num += fabs(w->row[j]) * fabs(xr[j]);
            if (gscale)
                w->jtg[j] += fabs(w->row[j]) * fabs(gr[i]);
        }
        if (kappa)
            kappa[i] = num == 0 ? 0 : y[i] == 0 ? INFINITY : num / fabs(y[i]);
    }
    if (gscale) {
        *gscale = 0;
        for (size_t j = 0; j < n; j++)
            *gscale = w->jtg[j] > *gscale ? w->jtg[j] : *gscale;
    }
    return true;
}
