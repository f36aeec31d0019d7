/* The exponentials of the shifted-softmax tiers (exp_terms.h). */
#include "exp_terms.h"

#include <math.h>
#include <stdlib.h>

int exp_terms_compute(exp_terms *t, const double *x, size_t n, double c, const ddi *scale,
                      double near_one_radius, ddi_sum *sum)
{
    t->e = malloc((n ? n : 1) * sizeof *t->e);
    t->ex = malloc((n ? n : 1) * sizeof *t->ex);
    t->ntiny = 0;
    if (!t->e || !t->ex) {
        exp_terms_free(t);
        return 0;
    }
    const ddi near_one = { 1, 0, near_one_radius };
    for (size_t i = 0; i < n; i++) {
        ddi *e = &t->e[i];
        if (x[i] == -INFINITY) {
            *e = ddi_from_double(0);
            t->ex[i] = ddix_of(*e);
            continue;
        }
        ddi d = ddi_diff(x[i], c);
        if (!ddi_valid(d) && fabs(x[i] - c) < 0x1p-899 && near_one_radius < INFINITY) {
            *e = near_one;                   /* a difference below ddi's range */
            t->ex[i] = ddix_of(*e);
            ddi_sum_add(sum, *e);
            continue;
        }
        if (scale)
            d = ddi_mul(d, *scale);
        if (d.hi < EXP_TERMS_TINY) {
            t->ex[i] = ddix_exp(d);
            *e = (ddi){ 0, 0, EXP_TERMS_TINY_BOUND };   /* only ever added to the sum */
            t->ntiny++;
            continue;
        }
        *e = ddi_exp(d);
        t->ex[i] = ddix_of(*e);
        ddi_sum_add(sum, *e);
    }
    return 1;
}

ddi exp_terms_total(const exp_terms *t, const ddi_sum *sum)
{
    ddi s = ddi_sum_total(sum);
    return t->ntiny ? ddi_add(s, (ddi){ 0, 0, (double)t->ntiny * EXP_TERMS_TINY_BOUND }) : s;
}

void exp_terms_free(exp_terms *t)
{
    free(t->e);
    free(t->ex);
    t->e = NULL;
    t->ex = NULL;
}

ddix exp_terms_gradient_sum(const exp_terms *t, const double *g, size_t n, double G, int wide,
                            ddi *ge, double *max_g)
{
    double M = 0;
    ddi_sum sum;
    ddi_sum_init(&sum);
    ddix gex = ddix_of(ddi_from_double(0));
    for (size_t i = 0; i < n; i++) {
        M = fmax(M, fabs(g[i]));
        ddi gi = ddi_diff(g[i], G);
        if (wide)
            gex = ddix_add(gex, ddix_mul(ddix_of(gi), t->ex[i]));
        else
            ddi_sum_add(&sum, ddi_mul(gi, t->e[i]));
    }
    *ge = ddi_sum_total(&sum);
    *max_g = M;
    return wide ? gex : ddix_of(*ge);
}

int exp_terms_weights(const exp_terms *t, size_t n, ddi inv_s, ddix sx, double *y)
{
    for (size_t i = 0; i < n; i++)
        if (t->e[i].hi == 0 || !ddi_round(ddi_mul(t->e[i], inv_s), &y[i]))   /* masked or tiny */
            if (!ddix_round(ddix_div(t->ex[i], sx), 1, &y[i]))
                return 0;
    return 1;
}
