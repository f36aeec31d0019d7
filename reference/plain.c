/* The plain evaluations (plain.h): which formula a family has, and what
 * the formula files share. */
#include "plain.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *family;
    ns_plain_fn eval;
} formulas[] = {
    { "softmax", ns_plain_softmax },
    { "softmax1", ns_plain_softmax1 },
    { "sigmoid", ns_plain_sigmoid },
    { "ssmax", ns_plain_ssmax },
    { "logsoftmax", ns_plain_logsoftmax },
    { "softpick", ns_plain_softpick },
    { "softplus.norm", ns_plain_softplus_norm },
    { "stickbreaking", ns_plain_stickbreaking },
    { "relu.norm", ns_plain_relu_norm },
    { "relu2.norm", ns_plain_relu2_norm },
    { "spherical", ns_plain_spherical },
    { "taylor", ns_plain_taylor },
    { "relu.scaled", ns_plain_relu_scaled },
    { "sparsemax", ns_plain_sparsemax },
    { "entmax", ns_plain_entmax },
};

int ns_plain_eval(const char *family, const ns_ref_input *in, mpfr_prec_t prec, mpfr_ptr y, mpfr_ptr dx)
{
    if (in->n == 0)
        return 0;
    for (size_t k = 0; k < sizeof formulas / sizeof *formulas; k++) {
        if (strcmp(formulas[k].family, family) != 0)
            continue;
        mpfr_exp_t old_emin = mpfr_get_emin(), old_emax = mpfr_get_emax();
        mpfr_set_emin(mpfr_get_emin_min());
        mpfr_set_emax(mpfr_get_emax_max());
        int done = formulas[k].eval(in, prec, y, in->g ? dx : NULL);
        mpfr_set_emin(old_emin);
        mpfr_set_emax(old_emax);
        return done;
    }
    return 0;
}

mpfr_ptr ns_plain_vec(size_t n, mpfr_prec_t prec)
{
    mpfr_ptr v = malloc((n ? n : 1) * sizeof *v);
    if (v)
        for (size_t i = 0; i < n; i++)
            mpfr_init2(&v[i], prec);
    return v;
}

void ns_plain_vec_free(mpfr_ptr v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        mpfr_clear(&v[i]);
    free(v);
}

void ns_plain_fill(size_t n, mpfr_ptr y, mpfr_ptr dx, double v)
{
    for (size_t i = 0; i < n; i++) {
        mpfr_set_d(&y[i], v, MPFR_RNDN);
        if (dx)
            mpfr_set_d(&dx[i], v, MPFR_RNDN);
    }
}

void ns_plain_dot(mpfr_ptr out, const double *g, mpfr_srcptr w, size_t n)
{
    mpfr_t t;
    mpfr_init2(t, mpfr_get_prec(out));
    mpfr_set_ui(out, 0, MPFR_RNDN);
    for (size_t i = 0; i < n; i++) {
        mpfr_mul_d(t, &w[i], g[i], MPFR_RNDN);
        mpfr_add(out, out, t, MPFR_RNDN);
    }
    mpfr_clear(t);
}

void ns_plain_ratio_gradient(const ns_ref_input *in, mpfr_srcptr y, mpfr_srcptr f, mpfr_ptr dx)
{
    mpfr_t gy;
    mpfr_init2(gy, mpfr_get_prec(&dx[0]));
    ns_plain_dot(gy, in->g, y, in->n);
    for (size_t j = 0; j < in->n; j++) {
        mpfr_d_sub(&dx[j], in->g[j], gy, MPFR_RNDN);
        mpfr_mul(&dx[j], &dx[j], &f[j], MPFR_RNDN);
    }
    mpfr_clear(gy);
}
