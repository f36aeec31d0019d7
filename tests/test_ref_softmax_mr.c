/* The softmax reference in midpoint-radius form (reference/softmax.c,
 * reference/mr.h) against an independent MPFI evaluation of the same
 * definition: the correctly rounded results must be the same bit for bit,
 * signs of zero included, and every enclosure must contain the MPFI
 * enclosure computed at 2000 bits (which contains the exact value and is far
 * narrower than a double).  The last tests check the midpoint-radius
 * operations of mr.h on their own. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/generators.h"
#include "../analysis/suite.h"
#include "../reference/mr.h"
#include "testlib.h"

/* ---- the independent implementation: every operation in MPFI ---- */

static void mpfi_softmax_enclose(const ns_ref_input *in, mpfr_prec_t prec, mpfi_ptr y, mpfi_ptr dx)
{
    size_t n = in->n, k = ns_ref_argmax(in->x, n);
    if (k == n) {
        ns_ref_set_zero_row(y, dx, n);
        return;
    }
    mpfi_t s, t;
    mpfi_init2(s, prec);
    mpfi_init2(t, prec);
    mpfi_set_ui(s, 0);
    for (size_t i = 0; i < n; i++) {
        if (in->x[i] == -INFINITY) {
            mpfi_set_ui(&y[i], 0);
            continue;
        }
        mpfi_set_d(&y[i], in->x[i]);
        mpfi_sub_d(&y[i], &y[i], in->x[k]);
        mpfi_exp(&y[i], &y[i]);
        mpfi_add(s, s, &y[i]);
    }
    for (size_t i = 0; i < n; i++)
        mpfi_div(&y[i], &y[i], s);
    if (dx) {
        mpfi_set_ui(s, 0);                   /* s = <g', y>, g' = g - g_0 */
        for (size_t i = 0; i < n; i++) {
            mpfi_set_d(t, in->g[i]);
            mpfi_sub_d(t, t, in->g[0]);
            mpfi_mul(&dx[i], t, &y[i]);
            mpfi_add(s, s, &dx[i]);
        }
        for (size_t i = 0; i < n; i++) {
            mpfi_set_d(t, in->g[i]);
            mpfi_sub_d(t, t, in->g[0]);
            mpfi_sub(t, t, s);
            mpfi_mul(&dx[i], &y[i], t);
        }
    }
    mpfi_clear(s);
    mpfi_clear(t);
}

static const ns_reference mpfi_softmax = {
    .family = "softmax in MPFI",
    .enclose = mpfi_softmax_enclose,
};

/* ---- checks ---- */

static mpfi_ptr intervals(size_t n, mpfr_prec_t prec)
{
    mpfi_ptr v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        mpfi_init2(&v[i], prec);
    return v;
}

static void intervals_free(mpfi_ptr v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mpfi_clear(&v[i]);
    free(v);
}

/* The enclosures of the reference at each of precs[0..nprec) contain the
 * MPFI ones at 2000 bits, entry by entry. */
static void check_contains(const double *x, const double *g, size_t n, const mpfr_prec_t *precs,
                           size_t nprec, const char *what)
{
    mpfi_ptr yt = intervals(n, 2000), dxt = intervals(n, 2000);
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_set_emin(mpfr_get_emin_min());      /* as the driver runs enclose() */
    mpfr_set_emax(mpfr_get_emax_max());
    ns_ref_input in = { x, g, NULL, n };
    mpfi_softmax_enclose(&in, 2000, yt, g ? dxt : NULL);
    for (size_t p = 0; p < nprec; p++) {
        mpfi_ptr y = intervals(n, precs[p]), dx = intervals(n, precs[p]);
        ns_reference_find("softmax")->enclose(&in, precs[p], y, g ? dx : NULL);
        for (size_t i = 0; i < n; i++) {
            cr_assert(mpfi_is_inside(&yt[i], &y[i]),
                      "%s: n=%zu prec=%ld y[%zu] does not hold the exact value", what, n,
                      (long)precs[p], i);
            if (g)
                cr_assert(mpfi_is_inside(&dxt[i], &dx[i]),
                          "%s: n=%zu prec=%ld dx[%zu] does not hold the exact value", what, n,
                          (long)precs[p], i);
        }
        intervals_free(y, n);
        intervals_free(dx, n);
    }
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
    intervals_free(yt, n);
    intervals_free(dxt, n);
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Both references, MPFR only, give the same doubles, all settled; and the
 * enclosures hold the exact values at the driver's first precision, at a
 * lower one and at one too low for the forward's a priori bound (a
 * precision below log2(n + 1) + 20 bits: the radius must then be +inf). */
static void check_row(const double *x, const double *g, size_t n, const char *what)
{
    double *y = malloc(4 * (n ? n : 1) * sizeof *y);
    double *dx = y + n, *yo = y + 2 * n, *dxo = y + 3 * n;
    ns_ref_stats st, sto;
    ns_ref_set_fast_tier(0);
    cr_assert_eq(ns_ref_eval(ns_reference_find("softmax"), NULL, x, g, n, y, dx, &st), 0);
    cr_assert_eq(ns_ref_eval(&mpfi_softmax, NULL, x, g, n, yo, dxo, &sto), 0);
    ns_ref_set_fast_tier(1);
    cr_assert_eq(st.uncertain, 0, "%s: %zu entries unsettled", what, st.uncertain);
    cr_assert_eq(sto.uncertain, 0, "%s: %zu entries unsettled in MPFI", what, sto.uncertain);
    for (size_t i = 0; i < n; i++) {
        cr_assert(same_bits(y[i], yo[i]), "%s: n=%zu y[%zu] = %a, MPFI gives %a", what, n, i, y[i], yo[i]);
        if (g)
            cr_assert(same_bits(dx[i], dxo[i]), "%s: n=%zu dx[%zu] = %a, MPFI gives %a", what, n, i,
                      dx[i], dxo[i]);
    }
    free(y);

    int defined = n > 0;
    for (size_t i = 0; i < n; i++)
        defined &= !isnan(x[i]) && x[i] != INFINITY && (!g || isfinite(g[i]));
    if (defined) {
        mpfr_prec_t precs[] = { 64, 53, 20 };
        for (size_t m = n; m > 1; m >>= 1)
            precs[0] += 2;
        check_contains(x, g, n, precs, 3, what);
    }
}

/* The row with a random gradient, a constant one, and none. */
static void check_row_gradients(const double *x, size_t n, uint64_t seed, const char *what)
{
    double *g = malloc((n ? n : 1) * sizeof *g);
    ns_gen_gradient(seed, n, g);
    check_row(x, g, n, what);
    for (size_t i = 0; i < n; i++)
        g[i] = -2.75;
    check_row(x, g, n, what);
    check_row(x, NULL, n, what);
    free(g);
}

/* ---- the rows ---- */

Test(softmax_mr, quick_standard_suite)
{
    size_t ncases;
    ns_case *cases = ns_suite_standard(NS_SUITE_QUICK, ns_test_seed(), &ncases);
    cr_assert(cases && ncases > 0);
    const char *policies[] = { "fp64", "fp16" };
    for (size_t p = 0; p < 2; p++)
        for (size_t c = 0; c < ncases; c++) {
            size_t n = cases[c].n;
            double *x = malloc(2 * n * sizeof *x), *g = x + n;
            ns_case_input(&cases[c], ns_policy_find(policies[p]), x);
            ns_gen_gradient(cases[c].seed, n, g);
            char what[160];
            ns_case_describe(&cases[c], what, sizeof what);
            check_row(x, g, n, what);
            free(x);
        }
    free(cases);
}

Test(softmax_mr, huge_spreads)
{
    /* -1e19 - 5 underflows e^{x - m} even in MPFR's widest exponent range
     * (below e^{-3.2e18}); 1.7e308 - (-1.7e308) overflows binary64, so the
     * argument needs the exact wide difference. */
    double a[] = { 0, -1e300, 5, -1e10, -745.25, -1e19, 1e-300, -4e18 };
    check_row_gradients(a, 8, 1, "huge spread");
    double b[] = { 1.7e308, -1.7e308, 0, 1.7e308 };
    check_row_gradients(b, 4, 2, "extreme magnitudes");
    double c[] = { 1e300, -1e300, 1e300 - 1e284, -0.0 };
    check_row_gradients(c, 4, 3, "huge spread with a near tie");
    double d[] = { -1e19, -1e19 + 4096, -1e19 - 1e7 };
    check_row_gradients(d, 3, 4, "large logits, small spread");
    /* x_2 dominates (the others are e^{-1.4e6} of it or less): g'_2 - t is
     * about 2^-2000000 of g and dx_2 a zero whose sign only the exact
     * bound y_2 <= 1 shows. */
    double x[] = { -0x1.ff1d227384469p+21, -0x1.f0339c46f1704p+19, 0x1.62e798809e21ep+21,
                   0x1.687906a0a209p+20,   -0x1.65b41b1b028ecp+20, 0x1.1557ec3e3073ap+20 };
    double g[] = { -0x1.10cff12a2f0f3p+75, 0x1.c813096ce5bf6p+70,  -0x1.308ef9aacefc4p+75,
                   -0x1.3f34325ee469p+73,  0x1.95b8e4ebe5d6fp+73,  -0x1.9940215af2434p+74 };
    check_row(x, g, 6, "one dominant entry, a vanishing gradient entry");
}

Test(softmax_mr, tiny_spreads)
{
    double e = 0x1p-52;
    double a[] = { 1, 1 + e, 1 - e / 2, 1, 1 + 2 * e };
    check_row_gradients(a, 5, 5, "one-ulp spread");
    double b[] = { 1e-300, 2e-300, -1e-300, 0 };
    check_row_gradients(b, 4, 6, "tiny logits");
    double c[] = { 0x1p-1074, 0, -0x1p-1074, 1e-310, -0.0 };
    check_row_gradients(c, 5, 7, "subnormal logits");
    double d[] = { 1e15, 1e15 + 0.125, 1e15 - 0.25, 1e15 + 0.5 };
    check_row_gradients(d, 4, 8, "large logits, spread of ulps");
}

Test(softmax_mr, masks_and_undefined_rows)
{
    double a[] = { -INFINITY, 3, -INFINITY, 2 };
    check_row_gradients(a, 4, 9, "masked");
    double b[] = { -INFINITY, -INFINITY, -INFINITY };
    check_row_gradients(b, 3, 10, "all masked");
    double c[] = { -INFINITY, 7 };
    check_row_gradients(c, 2, 11, "one unmasked");
    double d[] = { 1, NAN, 2 };
    check_row_gradients(d, 3, 12, "NaN logit");
    double e[] = { 1, INFINITY, 2 };
    check_row_gradients(e, 3, 13, "+inf logit");
    double f[] = { 0.5, -1 }, gf[] = { 1, NAN };
    check_row(f, gf, 2, "NaN gradient");
}

Test(softmax_mr, exact_ties)
{
    double x[4096];
    for (size_t n = 1; n <= 9; n++) {
        for (size_t i = 0; i < n; i++)
            x[i] = -3.5;
        check_row_gradients(x, n, 14 + n, "all equal");
    }
    for (size_t i = 0; i < 4096; i++)
        x[i] = 0.75;
    check_row_gradients(x, 4096, 30, "4096 equal");
    double two[] = { 2, -1, 2, 0.5 };
    check_row_gradients(two, 4, 31, "two maxima");
    /* y = 1/4 exactly and dx_0 = -(1 + 2^-53) / 16, exactly halfway
     * between two doubles: it settles only if the enclosure is exact. */
    double u[] = { 1, 1, 1, 1 }, g[] = { 0, 1, 0x1p-53, 0 };
    check_row(u, g, 4, "a gradient entry on a rounding tie");
}

Test(softmax_mr, long_rows)
{
    static double x[4096];
    ns_gen_args a = { .param = 4.0, .n = 4096, .seed = 32 };
    ns_generate(ns_generator_find("normal"), &a, x);
    check_row_gradients(x, 4096, 33, "normal(4), n = 4096");
    a.param = 1000.0;
    a.n = 1024;
    ns_generate(ns_generator_find("normal"), &a, x);
    check_row_gradients(x, 1024, 34, "normal(1000), n = 1024");
}

Test(softmax_mr, random_scales_and_masks)
{
    ns_test_rng r;
    ns_test_rng_init(&r, ns_test_seed());
    double x[300], g[300];
    for (int row = 0; row < 40; row++) {
        size_t n = 1 + ns_test_rng_next(&r) % 300;
        double sx = ldexp(1.0, (int)(ns_test_rng_next(&r) % 80) - 40);
        double sg = ldexp(1.0, (int)(ns_test_rng_next(&r) % 200) - 100);
        double mask = ns_test_rng_uniform(&r) * 0.8;
        for (size_t i = 0; i < n; i++) {
            x[i] = ns_test_rng_uniform(&r) < mask ? -INFINITY : sx * ns_test_rng_normal(&r);
            g[i] = sg * ns_test_rng_normal(&r);
        }
        char what[96];
        snprintf(what, sizeof what, "random row %d (seed %llu)", row, (unsigned long long)ns_test_seed());
        check_row(x, g, n, what);
    }
}

/* ---- the midpoint-radius operations themselves ---- */

/* v = mid with radius mid 2^-k (k >= 0), or 0. */
static void set_value(ns_mr *v, ns_test_rng *r, int exact)
{
    mpfr_set_d(v->mid, ns_test_rng_normal(r) * ldexp(1.0, (int)(ns_test_rng_next(r) % 40) - 20),
               MPFR_RNDN);
    if (exact)
        mpfr_set_zero(v->rad, 1);
    else
        mpfr_mul_2si(v->rad, v->mid, -(long)(ns_test_rng_next(r) % 150), MPFR_RNDU);
    mpfr_abs(v->rad, v->rad, MPFR_RNDU);
}

/* The corners of v: mid - rad and mid + rad, exactly (2000 bits). */
static void corner(mpfi_ptr c, const ns_mr *v, int side)
{
    mpfr_t t;
    mpfr_init2(t, 2000);
    if (side)
        mpfr_add(t, v->mid, v->rad, MPFR_RNDN);
    else
        mpfr_sub(t, v->mid, v->rad, MPFR_RNDN);
    mpfi_set_fr(c, t);
    mpfr_clear(t);
}

Test(softmax_mr, operations_enclose_their_operands_images)
{
    ns_test_rng r;
    ns_test_rng_init(&r, ns_test_seed() + 1);
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    for (int trial = 0; trial < 3000; trial++) {
        mpfr_prec_t prec = 53 + (mpfr_prec_t)(ns_test_rng_next(&r) % 200);
        ns_mr a, b, v;
        ns_mr_init2(&a, prec);
        ns_mr_init2(&b, prec);
        ns_mr_init2(&v, prec);
        set_value(&a, &r, ns_test_rng_next(&r) % 4 == 0);
        set_value(&b, &r, ns_test_rng_next(&r) % 4 == 0);
        int op = trial % 5;
        if (op == 4) {                       /* exp: keep the argument moderate */
            mpfr_mul_2si(a.mid, a.mid, -20, MPFR_RNDN);
            mpfr_mul_2si(a.rad, a.rad, -20, MPFR_RNDU);
        }
        switch (op) {
        case 0: ns_mr_add(&v, &a, &b); break;
        case 1: ns_mr_sub(&v, &a, &b); break;
        case 2: ns_mr_mul(&v, &a, &b); break;
        case 3: ns_mr_div(&v, &a, &b); break;
        default: ns_mr_exp(&v, &a); break;
        }
        mpfi_t got, ca, cb, f;
        mpfi_init2(got, prec);
        mpfi_init2(ca, 2000);
        mpfi_init2(cb, 2000);
        mpfi_init2(f, 2000);
        ns_mr_get_mpfi(got, &v);
        /* Each operation is monotone in each operand over these boxes (the
         * divisor's box avoids 0 or the result is unbounded), so its image
         * is spanned by its values at the corners. */
        for (int sa = 0; sa < 2; sa++)
            for (int sb = 0; sb < 2; sb++) {
                corner(ca, &a, sa);
                corner(cb, &b, sb);
                switch (op) {
                case 0: mpfi_add(f, ca, cb); break;
                case 1: mpfi_sub(f, ca, cb); break;
                case 2: mpfi_mul(f, ca, cb); break;
                case 3: mpfi_div(f, ca, cb); break;
                default: mpfi_exp(f, ca); break;
                }
                if (op == 3 && mpfr_inf_p(v.rad))
                    continue;                /* unbounded: [-inf, +inf] */
                cr_assert(mpfi_is_inside(f, got), "op %d, prec %ld, trial %d: a corner's image is outside",
                          op, (long)prec, trial);
            }
        mpfi_clear(got);
        mpfi_clear(ca);
        mpfi_clear(cb);
        mpfi_clear(f);
        ns_mr_clear(&a);
        ns_mr_clear(&b);
        ns_mr_clear(&v);
    }
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
}

Test(softmax_mr, exact_operations_stay_exact)
{
    ns_mr a, b, v;
    ns_mr_init2(&a, 64);
    ns_mr_init2(&b, 64);
    ns_mr_init2(&v, 64);
    ns_mr_set_ui(&a, 3);
    ns_mr_diff_d(&b, 1.5, -0.5);             /* 2 */
    ns_mr_mul(&v, &a, &b);                   /* 6 */
    ns_mr_div(&v, &v, &b);                   /* 3 */
    ns_mr_sub(&v, &v, &a);                   /* 0 */
    cr_assert(mpfr_zero_p(v.mid) && mpfr_zero_p(v.rad));
    ns_mr_exp_diff_d(&v, 1e300, 1e300);      /* e^0 = 1 */
    cr_assert(mpfr_cmp_ui(v.mid, 1) == 0 && mpfr_zero_p(v.rad));
    ns_mr_div(&v, &a, &b);                   /* 3/2 */
    cr_assert(mpfr_cmp_d(v.mid, 1.5) == 0 && mpfr_zero_p(v.rad));
    ns_mr_div(&v, &b, &a);                   /* 2/3: inexact, radius within 2^-64 |mid| */
    cr_assert(!mpfr_zero_p(v.rad));
    cr_assert(mpfr_cmp_d(v.rad, ldexp(mpfr_get_d(v.mid, MPFR_RNDN), -63)) <= 0);
    ns_mr_clear(&a);
    ns_mr_clear(&b);
    ns_mr_clear(&v);
}
