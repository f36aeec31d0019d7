/* Plugins: the loader, the adapters that run a plugin algorithm in a policy,
 * and the two kinds of plugin reference, on the example plugins
 * (examples/plugin/) and on small algorithms written here.  Expected values
 * are derived by hand (each says how) or computed with MPFR in the test. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "../plugins/loader.h"
#include "../analysis/run.h"
#include "../analysis/suite.h"
#include "../plugins/reference.h"
#include "plugins/softmax_shifted.h"
#include "testlib.h"

#ifndef NS_TEST_PLUGIN_DIR
#define NS_TEST_PLUGIN_DIR "build/examples"
#endif

static void load(const char *file)
{
    char err[512];
    cr_assert_eq(ns_plugin_load(file, err, sizeof err), 0, "%s: %s", file, err);
}

static void load_examples(void)
{
    load(NS_TEST_PLUGIN_DIR "/poly4.so");
    load(NS_TEST_PLUGIN_DIR "/clipped_softmax.so");
}

Test(plugin_load, families_join_the_catalogue_with_their_origin)
{
    load_examples();
    const ns_family *f;
    cr_assert(ns_algorithm_find("poly4.scaled", &f) != NULL);
    cr_assert_str_eq(f->name, "poly4");
    cr_assert(f->plugin != NULL && f->plugin->fallback == 0);
    cr_expect(strstr(f->plugin->path, "poly4.so") != NULL);
    cr_assert(ns_algorithm_find("clipsoftmax", &f) != NULL);
    cr_assert(f->plugin != NULL && f->plugin->fallback == 1);
    cr_expect(strstr(f->plugin->reference, "not certified") != NULL, "%s", f->plugin->reference);
    cr_expect_eq(ns_family_nparams(f), 2);
    /* Built-ins keep no origin, and the list stays sorted by .order. */
    cr_assert(ns_algorithm_find("softmax.shifted", &f) != NULL);
    cr_expect(f->plugin == NULL);
    const ns_family *const *all = ns_families();
    size_t count = 0;
    for (size_t i = 0; all[i]; i++, count++)
        if (all[i + 1])
            cr_expect(all[i]->order <= all[i + 1]->order, "%s before %s", all[i]->name, all[i + 1]->name);
    /* Loading a library again adds nothing. */
    load_examples();
    size_t again = 0;
    for (const ns_family *const *g = ns_families(); *g; g++)
        again++;
    cr_expect_eq(again, count);
}

Test(plugin_load, a_missing_file_is_refused_with_a_reason)
{
    char err[512] = "";
    cr_expect_eq(ns_plugin_load("/nonexistent/plugin.so", err, sizeof err), -1);
    cr_expect(strstr(err, "No such file") != NULL, "%s", err);
}

/* The adapters: a plugin algorithm computes in the job's policy. */

Test(plugin_adapter, poly4_in_fp16_rounds_as_the_policy_says)
{
    load_examples();
    /* [1, 2]: h = (1, 16), S = 17, all exact in fp16; 1/17 = 0x1.e1e1...p-5
     * rounds to 11 bits as 1.1110000111|1000... -> 0x1.e2p-5 (up), and
     * 16/17 = 16 * that. */
    double x[2] = { 1, 2 }, y[2];
    ns_probe probe;
    ns_probe_reset(&probe);
    ns_test_run("poly4.naive", "fp16", NS_SUM_SEQ, NULL, x, NULL, y, NULL, 2, &probe);
    cr_expect(y[0] == 0x1.e2p-5 && y[1] == 0x1.e2p-1, "%a %a", y[0], y[1]);
    cr_expect(probe.count == 1 && probe.min_abs == 17, "%zu %a", probe.count, probe.min_abs);
}

Test(plugin_adapter, naive_overflows_and_scaled_does_not)
{
    load_examples();
    /* 16^4 = 65536 > 65504: inf in fp16, S = inf, inf/inf = NaN, 1/inf = 0.
     * Scaled: t = (1, 1/16), t^4 = (1, 2^-16), S = 1 + 2^-16 -> 1 in fp16
     * (ulp 2^-10), y = (1, 2^-16), both exact. */
    double x[2] = { 16, 1 }, y[2];
    ns_test_forward("poly4.naive", "fp16", x, y, 2);
    cr_expect(isnan(y[0]) && y[1] == 0, "%a %a", y[0], y[1]);
    ns_test_forward("poly4.scaled", "fp16", x, y, 2);
    cr_expect(y[0] == 1 && y[1] == 0x1p-16, "%a %a", y[0], y[1]);
}

Test(plugin_adapter, sums_round_into_the_accumulator_format)
{
    load_examples();
    /* 15^4 = 50625 rounds to 50624 in fp16 (ulp 32 there); the sum 101248
     * overflows fp16 (y = 50624/inf = 0) but not an fp32 accumulator
     * (y = 50624/101248 = 1/2 exactly). */
    double x[2] = { 15, 15 }, y[2];
    ns_test_forward("poly4.naive", "fp16", x, y, 2);
    cr_expect(y[0] == 0 && y[1] == 0, "%a %a", y[0], y[1]);
    ns_test_forward("poly4.naive", "fp16-acc32", x, y, 2);
    cr_expect(y[0] == 0.5 && y[1] == 0.5, "%a %a", y[0], y[1]);
}

Test(plugin_adapter, parameters_reach_the_plugin)
{
    load_examples();
    /* zeta = 1, gamma = 0: z = 1 * s + 0 is s exactly, so clipsoftmax is
     * shifted softmax bit for bit; the default gamma = -0.03 is not. */
    double x[4] = { 0.5, -1.25, 2, 0.125 }, y[4], s[4];
    ns_test_forward("softmax.shifted", "fp16", x, s, 4);
    ns_test_run("clipsoftmax", "fp16", NS_SUM_SEQ, (double[]){ 1, 0 }, x, NULL, y, NULL, 4, NULL);
    for (int i = 0; i < 4; i++)
        cr_expect_eq(y[i], s[i], "%d: %a vs %a", i, y[i], s[i]);
    ns_test_run("clipsoftmax", "fp16", NS_SUM_SEQ, (double[]){ 1, -0.03 }, x, NULL, y, NULL, 4, NULL);
    cr_expect(y[1] == 0 && y[2] != s[2], "%a %a", y[1], y[2]);
}

/* The plugin's own MPFR reference (poly4). */

Test(plugin_reference, poly4_exact_rationals)
{
    load_examples();
    /* [1, 3, -2]: S = 1 + 81 + 16 = 98; g = (1, 2, 3): <g, y> = 211/98;
     * dx_j = 4 x_j^3 / 98 (g_j - 211/98) = (-113, -405, -664) / 2401. */
    double x[3] = { 1, 3, -2 }, g[3] = { 1, 2, 3 }, y[3], dx[3];
    ns_test_reference("poly4", NULL, x, g, y, dx, 3);
    cr_expect(y[0] == 1.0 / 98 && y[1] == 81.0 / 98 && y[2] == 16.0 / 98, "%a %a %a", y[0], y[1], y[2]);
    cr_expect_eq(dx[0], -113.0 / 2401, "%a", dx[0]);
    cr_expect_eq(dx[1], -405.0 / 2401, "%a", dx[1]);
    cr_expect_eq(dx[2], -664.0 / 2401, "%a", dx[2]);
    /* Masked entries weigh 0; an all-zero row has S = 0: zeros. */
    double m[3] = { 1, -INFINITY, 2 }, z[2] = { 0, -INFINITY };
    ns_test_reference("poly4", NULL, m, NULL, y, NULL, 3);
    cr_expect(y[0] == 1.0 / 17 && y[1] == 0 && y[2] == 16.0 / 17);
    ns_test_reference("poly4", NULL, z, g, y, dx, 2);
    cr_expect(y[0] == 0 && y[1] == 0 && dx[0] == 0 && dx[1] == 0);
}

Test(plugin_reference, poly4_gradient_matches_finite_differences)
{
    load_examples();
    const ns_reference *r = ns_reference_find("poly4");
    double x[4] = { 0.75, -1.5, 3, 1e-3 }, g[4] = { 0.5, -2, 1, 3 }, y[4], dx[4];
    ns_test_reference("poly4", NULL, x, g, y, dx, 4);
    for (size_t j = 0; j < 4; j++) {
        double fd = ns_test_fd_gradient(r, NULL, x, g, 4, j);
        cr_expect(fabs(fd - dx[j]) <= 4 * ldexp(1.0, ilogb(dx[j]) - 52), "dx[%zu] = %a, fd %a", j, dx[j], fd);
    }
}

/* The fallback reference (clipsoftmax has none of its own). */

Test(plugin_fallback, clipped_softmax_of_equal_logits)
{
    load_examples();
    /* s = (1/2, 1/2) exactly; z = (1 - gamma)/2 + gamma = 1/2 + gamma/2
     * exactly for the double gamma, so one rounding of that sum. */
    double gamma = -0.03, x[2] = { 0, 0 }, y[2];
    ns_test_reference("clipsoftmax", (double[]){ 1, gamma }, x, NULL, y, NULL, 2);
    cr_expect(y[0] == 0.5 + gamma / 2 && y[1] == y[0], "%a %a", y[0], y[1]);
}

Test(plugin_fallback, clipped_softmax_against_mpfr)
{
    load_examples();
    /* The definition evaluated here at 300 bits: s = e^x / sum e^x,
     * z = (zeta - gamma) s + gamma, clipped to [0, 1]. */
    double param[2] = { 1.0625, -0.03 }, x[4] = { 0, -10, 1, 2.5 }, y[4];
    ns_test_reference("clipsoftmax", param, x, NULL, y, NULL, 4);
    mpfr_t s, t;
    mpfr_inits2(300, s, t, (mpfr_ptr)0);
    mpfr_set_zero(s, 1);
    for (int i = 0; i < 4; i++) {
        mpfr_set_d(t, x[i], MPFR_RNDN);
        mpfr_exp(t, t, MPFR_RNDN);
        mpfr_add(s, s, t, MPFR_RNDN);
    }
    /* zeta - gamma taken exactly (it is not a binary64 number). */
    for (int i = 0; i < 4; i++) {
        mpfr_t w, z;
        mpfr_inits2(300, w, z, (mpfr_ptr)0);
        mpfr_set_d(w, param[0], MPFR_RNDN);
        mpfr_sub_d(w, w, param[1], MPFR_RNDN);
        mpfr_set_d(z, x[i], MPFR_RNDN);
        mpfr_exp(z, z, MPFR_RNDN);
        mpfr_div(z, z, s, MPFR_RNDN);
        mpfr_mul(z, z, w, MPFR_RNDN);
        mpfr_add_d(z, z, param[1], MPFR_RNDN);
        double want = mpfr_sgn(z) <= 0 ? 0.0 : mpfr_cmp_ui(z, 1) >= 0 ? 1.0 : mpfr_get_d(z, MPFR_RNDN);
        cr_expect_eq(y[i], want, "y[%d] = %a, want %a", i, y[i], want);
        mpfr_clears(w, z, (mpfr_ptr)0);
    }
    cr_expect(y[1] == 0, "e^-10 / sum is clipped: %a", y[1]);
    mpfr_clears(s, t, (mpfr_ptr)0);
}

Test(plugin_fallback, clipped_softmax_gradient_matches_finite_differences)
{
    load_examples();
    const ns_reference *r = ns_reference_find("clipsoftmax");
    double param[2] = { 1, -0.03 };
    double x[4] = { 0.25, -6, 1.5, 2 }, g[4] = { 1, -0.5, 2, 0.25 }, y[4], dx[4];
    ns_test_reference("clipsoftmax", param, x, g, y, dx, 4);
    /* x = -6 is clipped (y = 0), yet dx[1] is not 0: the unclipped weights
     * depend on x_1 through the softmax's sum. */
    cr_expect(y[1] == 0 && dx[1] != 0, "y %a dx %a", y[1], dx[1]);
    for (size_t j = 0; j < 4; j++) {
        double fd = ns_test_fd_gradient(r, param, x, g, 4, j);
        cr_expect(fabs(fd - dx[j]) <= 4 * ldexp(1.0, ilogb(fd) - 52), "dx[%zu] = %a, fd %a", j, dx[j], fd);
    }
}

/* The MPFR operations, on algorithms written here. */

/* (x0 * x1) / x2 and a sum that cancels: y0 = x0 x1 / x2, y1 = x0 + x3 - x0. */
static void wide_forward(const nsp_ops *op, const nsp_num *x, nsp_num *y, size_t n)
{
    (void)n;
    y[0] = op->div(op, op->mul(op, x[0], x[1]), x[2]);
    nsp_num t[3] = { x[0], x[3], op->sub(op, op->exact(op, 0), x[0]) };
    y[1] = op->sum(op, t, 3);
    y[2] = op->exact(op, 0);
    y[3] = op->denominator(op, op->exact(op, 1));
}

static void none_backward(const nsp_ops *op, const nsp_num *x, const nsp_num *y,
                          const nsp_num *g, nsp_num *dx, size_t n)
{
    (void)x, (void)y, (void)g;
    for (size_t i = 0; i < n; i++)
        dx[i] = op->exact(op, 0);
}

static mpfr_ptr values(size_t n)
{
    mpfr_ptr v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        mpfr_init2(v + i, 53);
    return v;
}

static void values_free(mpfr_ptr v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mpfr_clear(v + i);
    free(v);
}

Test(plugin_mpfr_ops, nothing_overflows_and_sums_are_exact)
{
    /* 1e300 * 1e300 / 1e300 = 1e300 in MPFR's exponent range (inf in fp64);
     * 2^100 + 1 - 2^100 = 1 at 200 bits. */
    nsp_algorithm a = { .name = "wide", .forward = wide_forward, .backward = none_backward };
    double x1[4] = { 1e300, 1e300, 1e300, 1 }, x[4] = { 0x1p100, 1, 1, 1 };
    mpfr_ptr y = values(4);
    cr_assert_eq(ns_ref_plugin_run(&a, x1, NULL, NULL, 0, 4, 200, y, NULL), 0);
    cr_expect_eq(mpfr_get_d(y, MPFR_RNDN), 1e300);
    cr_assert_eq(ns_ref_plugin_run(&a, x, NULL, NULL, 0, 4, 200, y, NULL), 0);
    cr_expect_eq(mpfr_get_d(y + 1, MPFR_RNDN), 1.0);
    values_free(y, 4);
}

/* h = x^2, a ratio: on a zero row the denominator is exactly 0. */
static void square_forward(const nsp_ops *op, const nsp_num *x, nsp_num *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = op->mul(op, x[i], x[i]);
    nsp_num s = op->denominator(op, op->sum(op, y, n));
    for (size_t i = 0; i < n; i++)
        y[i] = op->div(op, y[i], s);
}

Test(plugin_mpfr_ops, an_exact_zero_denominator_gives_zeros)
{
    nsp_algorithm a = { .name = "square", .forward = square_forward, .backward = none_backward };
    double x[2] = { 0, 0 }, g[2] = { 1, 2 };
    mpfr_ptr y = values(2), dx = values(2);
    cr_assert_eq(ns_ref_plugin_run(&a, x, g, NULL, 0, 2, 128, y, dx), 0);
    for (int i = 0; i < 2; i++)
        cr_expect(mpfr_zero_p(y + i) && mpfr_zero_p(dx + i));
    /* And not otherwise: 3^2 / (3^2 + 4^2) = 9/25. */
    double x2[2] = { 3, 4 };
    cr_assert_eq(ns_ref_plugin_run(&a, x2, NULL, NULL, 0, 2, 128, y, NULL), 0);
    cr_expect_eq(mpfr_get_d(y, MPFR_RNDN), 9.0 / 25);
    values_free(y, 2);
    values_free(dx, 2);
}

/* The fallback's gradient is the derivative of the forward pass, not the
 * algorithm's backward (none_backward returns zeros).  h = x^2 at x = (3,
 * 4), g = (1, 2): S = 25, y = (9, 16)/25, <g, y> = 41/25, dx_j = 2 x_j / S
 * (g_j - 41/25) = (6/25 (-16/25), 8/25 (9/25)) = (-96, 72)/625. */
Test(plugin_gradient, the_fallback_differentiates_the_forward_pass_not_the_backward)
{
    nsp_algorithm a = { .name = "square", .forward = square_forward, .backward = none_backward };
    double x[2] = { 3, 4 }, g[2] = { 1, 2 };
    mpfr_ptr y = values(2), dx = values(2);
    cr_assert_eq(ns_ref_plugin_run(&a, x, g, NULL, 0, 2, 128, y, dx), 0);
    cr_expect_eq(mpfr_get_d(dx, MPFR_RNDN), -96.0 / 625);
    cr_expect_eq(mpfr_get_d(dx + 1, MPFR_RNDN), 72.0 / 625);
    /* The backward pass run in MPFR is still there for --grad-check. */
    cr_assert_eq(ns_ref_plugin_run_backward(&a, x, g, NULL, 0, 2, 128, y, dx), 0);
    cr_expect(mpfr_zero_p(dx) && mpfr_zero_p(dx + 1));
    values_free(y, 2);
    values_free(dx, 2);
}

/* One operation per output, so dx_i = g_i f_i'(x_i). */
static void elementwise_forward(const nsp_ops *op, const nsp_num *x, nsp_num *y, size_t n)
{
    (void)n;
    y[0] = op->exp(op, x[0]);
    y[1] = op->log1p(op, x[1]);
    y[2] = op->tanh(op, x[2]);
    y[3] = op->sqrt(op, x[3]);
    y[4] = op->pow(op, x[4], op->exact(op, 3));
    y[5] = op->expm1(op, x[5]);
    y[6] = op->log(op, x[6]);
    y[7] = op->fma(op, x[7], x[7], op->exact(op, 1));
    y[8] = op->div(op, op->exact(op, 1), x[8]);
    y[9] = op->acc_add(op, op->sub(op, x[9], op->constant(op, 5)), x[9]);
}

/* Each derivative from its closed form, with MPFR's own functions at 200
 * bits: exp, 1/(1 + x), 1 - tanh^2, 1/(2 sqrt x), 3 x^2, e^x, 1/x, 2 x,
 * -1/x^2, 2. */
Test(plugin_gradient, each_operation_has_its_derivative)
{
    nsp_algorithm a = { .name = "ops", .forward = elementwise_forward, .backward = none_backward };
    double x[10] = { 0.75, 0.5, -1.25, 3, 1.5, -0.375, 4, -2.5, 0.2, 7 };
    double g[10] = { 1, -2, 0.5, 3, 1, 2, -1, 0.25, 1.5, -3 };
    mpfr_ptr y = values(10), dx = values(10);
    cr_assert_eq(ns_ref_plugin_run(&a, x, g, NULL, 0, 10, 200, y, dx), 0);
    mpfr_t t;
    mpfr_init2(t, 200);
    double want[10];
    mpfr_set_d(t, x[0], MPFR_RNDN); mpfr_exp(t, t, MPFR_RNDN); mpfr_mul_d(t, t, g[0], MPFR_RNDN);
    want[0] = mpfr_get_d(t, MPFR_RNDN);
    mpfr_set_d(t, x[1], MPFR_RNDN); mpfr_add_ui(t, t, 1, MPFR_RNDN); mpfr_d_div(t, g[1], t, MPFR_RNDN);
    want[1] = mpfr_get_d(t, MPFR_RNDN);
    mpfr_set_d(t, x[2], MPFR_RNDN); mpfr_sech(t, t, MPFR_RNDN); mpfr_sqr(t, t, MPFR_RNDN);
    mpfr_mul_d(t, t, g[2], MPFR_RNDN);
    want[2] = mpfr_get_d(t, MPFR_RNDN);
    mpfr_set_d(t, x[3], MPFR_RNDN); mpfr_rec_sqrt(t, t, MPFR_RNDN); mpfr_mul_d(t, t, g[3] / 2, MPFR_RNDN);
    want[3] = mpfr_get_d(t, MPFR_RNDN);
    want[4] = 3 * 1.5 * 1.5;
    mpfr_set_d(t, x[5], MPFR_RNDN); mpfr_exp(t, t, MPFR_RNDN); mpfr_mul_d(t, t, g[5], MPFR_RNDN);
    want[5] = mpfr_get_d(t, MPFR_RNDN);
    want[6] = -0.25;
    want[7] = 2 * -2.5 * 0.25;
    mpfr_set_d(t, x[8], MPFR_RNDN); mpfr_sqr(t, t, MPFR_RNDN); mpfr_d_div(t, -g[8], t, MPFR_RNDN);
    want[8] = mpfr_get_d(t, MPFR_RNDN);
    want[9] = -6;
    for (int i = 0; i < 10; i++)
        cr_expect_eq(mpfr_get_d(dx + i, MPFR_RNDN), want[i], "dx[%d] = %a, want %a", i,
                     mpfr_get_d(dx + i, MPFR_RNDN), want[i]);
    mpfr_clear(t);
    values_free(y, 10);
    values_free(dx, 10);
}

/* The maximum's derivative cancels (shift invariance) and a masked entry
 * weighs nothing: x = (0, -inf, 0), g = (1, 5, 3): y = (1/2, 0, 1/2),
 * <g, y> = 2, dx = y (g - 2) = (-1/2, 0, 1/2), with no NaN from
 * 0 * (-inf). */
Test(plugin_gradient, the_maximum_cancels_and_a_masked_entry_gets_zero)
{
    nsp_algorithm a = { .name = "sm", .forward = nsp_test_softmax_shifted, .backward = none_backward };
    double x[3] = { 0, -INFINITY, 0 }, g[3] = { 1, 5, 3 };
    mpfr_ptr y = values(3), dx = values(3);
    cr_assert_eq(ns_ref_plugin_run(&a, x, g, NULL, 0, 3, 128, y, dx), 0);
    cr_expect_eq(mpfr_get_d(dx, MPFR_RNDN), -0.5);
    cr_expect(mpfr_zero_p(dx + 1));
    cr_expect_eq(mpfr_get_d(dx + 2, MPFR_RNDN), 0.5);
    values_free(y, 3);
    values_free(dx, 3);
}

/* A replay command names what it needs besides -n: the plugin's library
 * (quoted) and the run-wide parameters its family declares. */
Test(plugin_replay, a_replay_loads_the_plugin_and_repeats_the_parameters)
{
    load_examples();
    char err[256];
    cr_assert_eq(ns_params_override("gamma=0", err, sizeof err), 0, "%s", err);
    ns_case c = { .gen = ns_generator_find("normal"), .param = 4, .n = 16, .seed = 3 };
    ns_target t = { NULL, ns_algorithm_find("clipsoftmax", NULL), ns_policy_find("fp16"), NS_SUM_SEQ };
    char buf[1024];
    ns_case_replay(&c, &t, "build/normstab", buf, sizeof buf);
    cr_expect_str_eq(buf, "build/normstab check --plugin '" NS_TEST_PLUGIN_DIR "/clipped_softmax.so' "
                          "--param gamma=0 -n clipsoftmax -p fp16 --sum seq --gen normal=4 --length 16 --seed 3");
    /* A family without the parameter does not get it. */
    t.alg = ns_algorithm_find("poly4.naive", NULL);
    ns_case_replay(&c, &t, "build/normstab", buf, sizeof buf);
    cr_expect_str_eq(buf, "build/normstab check --plugin '" NS_TEST_PLUGIN_DIR "/poly4.so' "
                          "-n poly4.naive -p fp16 --sum seq --gen normal=4 --length 16 --seed 3");
    cr_expect_eq(ns_params_override("nosuch=1", err, sizeof err), -1);
}
