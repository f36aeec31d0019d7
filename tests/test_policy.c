/* Policies (SPEC section 6): the named ones are aliases of their
 * expansions; composed ones are found by any spelling of their parts, with
 * the defaults SPEC gives; bad spellings say what is wrong; and the parts do
 * what they say: tot stores reductions, saved picks the y of the backward
 * pass, MX parts round in blocks, +sr parts draw from the row's stream. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "../formats/policy.h"
#include "testlib.h"

Test(policy, every_named_policy_is_its_expansion)
{
    const ns_policy *const *lists[] = { ns_policies, ns_kernel_policies };
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; lists[l][i]; i++) {
            const ns_policy *p = lists[l][i];
            if (ns_policy_is_ref(p))
                continue;
            cr_assert(p->expansion, "%s has no expansion", p->name);
            cr_expect_eq(ns_policy_find(p->expansion), p, "%s is not %s", p->expansion, p->name);
            cr_expect_eq(ns_policy_find(p->name), p, "%s", p->name);
            cr_expect_eq(p->p, p->io, "%s", p->name);
        }
    for (size_t i = 0; ns_policies[i]; i++)
        if (!ns_policy_is_ref(ns_policies[i])) {
            cr_expect_eq(ns_policies[i]->tot, ns_policies[i]->acc, "%s", ns_policies[i]->name);
            cr_expect_eq(ns_policies[i]->out, ns_policies[i]->io, "%s", ns_policies[i]->name);
        }
    cr_expect_eq(ns_policy_find("in=fp16,work=fp32,acc=fp32,out=fp16"), ns_policy_find("fp16-io"));
    cr_expect_eq(ns_policy_find("in=fp16,work=fp32,saved=work"), ns_policy_find("fp16-upcast"));
    cr_expect_eq(ns_policy_find("in=bf16,work=fp32,tot=bf16"), ns_policy_find("bf16-torch"));
}

Test(policy, omitted_parts_take_the_spec_defaults)
{
    cr_expect_eq(ns_policy_find("in=fp16"), ns_policy_find("fp16"));
    cr_expect_eq(ns_policy_find("in=bf16,work=fp32"), ns_policy_find("bf16-io"));
    cr_expect_eq(ns_policy_find("acc=fp32,in=fp16"), ns_policy_find("fp16-acc32"));
    const ns_policy *p = ns_policy_find("in=bf16,work=fp32,tot=fp16");
    cr_assert(p);
    cr_expect_eq(p->acc, &ns_fp32);
    cr_expect_eq(p->out, &ns_bf16);
    cr_expect_eq(p->tot, &ns_fp16);
    cr_expect_eq(p->p, &ns_bf16);
    cr_expect_eq(p->saved, NS_SAVED_OUT);
    cr_expect_str_eq(p->name, "in=bf16,work=fp32,acc=fp32,out=bf16,tot=fp16");
}

Test(policy, one_policy_whatever_the_spelling)
{
    const ns_policy *a = ns_policy_find("in=e4m3+sat+ftz,work=fp32,saved=work");
    const ns_policy *b = ns_policy_find("saved=work,work=fp32,acc=fp32,in=e4m3+ftz+sat,out=e4m3+sat+ftz");
    cr_assert(a && a == b);
    cr_expect_str_eq(a->name, "in=e4m3+sat+ftz,work=fp32,acc=fp32,out=e4m3+sat+ftz,saved=work");
    cr_expect_eq(ns_policy_find(a->name), a);
}

Test(policy, bad_spellings_say_what_is_wrong)
{
    static const struct { const char *text, *why; } cases[] = {
        { "fp17", "unknown policy 'fp17'" },
        { "in=fp16,wrk=fp32", "unknown part 'wrk'" },
        { "in=fp16,in=bf16", "part 'in' given twice" },
        { "work=fp32", "in=FORMAT is required" },
        { "in=fp17", "in=fp17: unknown format 'fp17'" },
        { "in=fp16,work=e4m3+fast", "unknown modifier '+fast'" },
        { "in=fp16,acc=mxint8", "acc=mxint8: an MX format rounds data" },
        { "in=mxint8", "in=mxint8 is MX data; say work=FORMAT" },
        { "in=fp16,saved=both", "expected saved=out or saved=work" },
        { "in=fp16,,acc=fp32", "'' is not PART=VALUE" },
        { "in=", "'in=' is not PART=VALUE" },
        { "in=fp64+sr", "stochastic rounding needs each exact result" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[512] = "";
        cr_expect_null(ns_policy_parse(cases[i].text, err, sizeof err), "%s", cases[i].text);
        cr_expect(strstr(err, cases[i].why), "%s: said '%s'", cases[i].text, err);
    }
}

static void run(const char *alg, const char *policy, const double *x, const double *g, double *y,
                double *dx, size_t n)
{
    ns_job job;
    double xr[16], gr[16];
    cr_assert_eq(ns_job_init(&job, alg, ns_policy_find(policy), NS_SUM_SEQ), 0, "%s", policy);
    ns_job_round_inputs(&job, x, xr, n);
    cr_assert_eq(ns_job_forward(&job, xr, y, n, NULL), 0);
    if (g) {
        ns_job_round_inputs(&job, g, gr, n);
        cr_assert_eq(ns_job_backward(&job, xr, y, gr, dx, n, NULL), 0);
    }
    ns_job_free(&job);
}

/* The reproducer, torch 1.13's upcast wrapper
 * softmax(x.float()).half(): its backward reads the fp32 y (saved=work) and
 * gives dx = 0x1.8p-16 -0x1.7fp-16; a kernel that stores its fp16 output
 * (the default, saved=out) gives 0x1p-17 -0x1.7ep-16.  Both against the
 * reference 0x1.7eafd552fb9edp-16 -0x1.7eafd552fb9edp-16. */
Test(policy, saved_work_gives_the_upcast_wrappers_gradient)
{
    const double x[2] = { 11.09375, 0 }, g[2] = { 1, -0.5 };
    double y[2], dx[2];
    run("softmax.shifted", "in=fp16,work=fp32,acc=fp32,out=fp16,saved=work", x, g, y, dx, 2);
    cr_expect_eq(dx[0], 0x1.8p-16, "%a", dx[0]);
    cr_expect_eq(dx[1], -0x1.7fp-16, "%a", dx[1]);
    run("softmax.shifted", "fp16-upcast", x, g, y, dx, 2);
    cr_expect_eq(dx[0], 0x1.8p-16, "%a", dx[0]);
    run("softmax.shifted", "fp16-io", x, g, y, dx, 2);
    cr_expect_eq(dx[0], 0x1p-17, "%a", dx[0]);
    cr_expect_eq(dx[1], -0x1.7ep-16, "%a", dx[1]);
}

/* torch's native bf16 log_softmax keeps its sum and its log in bf16: of
 * 0 -5 -5 -5 it gives y_0 = -0x1.7cp-6 (1 + 3e^-5 = 1.0202 is stored as
 * 1.0234375, whose log 0.02317 rounds to 0x1.7cp-6), bf16-io -0x1.48p-6,
 * the reference -0x1.47e1796cba30ap-6. */
Test(policy, tot_stores_reductions_as_torch_bf16_does)
{
    const double x[4] = { 0, -5, -5, -5 };
    double y[4];
    run("logsoftmax.shifted", "in=bf16,work=fp32,acc=fp32,tot=bf16,out=bf16", x, NULL, y, NULL, 4);
    cr_expect_eq(y[0], -0x1.7cp-6, "%a", y[0]);
    run("logsoftmax.shifted", "bf16-torch", x, NULL, y, NULL, 4);
    cr_expect_eq(y[0], -0x1.7cp-6, "%a", y[0]);
    run("logsoftmax.shifted", "bf16-io", x, NULL, y, NULL, 4);
    cr_expect_eq(y[0], -0x1.48p-6, "%a", y[0]);
}

/* in=mxfp8-e4m3: 1 2 3 1000 share 2^(9-8): 1000/2 = 500 saturates to 448,
 * 3/2 = 1.5 stays; the kernel receives 1 2 3 896. */
Test(policy, mx_inputs_round_in_blocks)
{
    const double x[4] = { 1, 2, 3, 1000 };
    double xr[4];
    ns_job job;
    cr_assert_eq(ns_job_init(&job, "softmax.shifted", ns_policy_find("in=mxfp8-e4m3,work=fp32,out=fp32"),
                             NS_SUM_SEQ), 0);
    ns_job_round_inputs(&job, x, xr, 4);
    cr_expect(xr[0] == 1 && xr[1] == 2 && xr[2] == 3 && xr[3] == 896);
    ns_job_free(&job);
}

/* A row with +sr parts rounds the same way every time it is evaluated (its
 * streams are keyed by its values), and two rows draw differently. */
Test(policy, stochastic_rows_repeat_and_differ)
{
    const char *p = "in=fp32,work=fp16+sr,acc=fp32,out=fp16+sr";
    double x[8], y1[8], y2[8], z[8];
    for (int i = 0; i < 8; i++)
        x[i] = 0.1 * i;
    run("softmax.shifted", p, x, NULL, y1, NULL, 8);
    run("softmax.shifted", p, x, NULL, y2, NULL, 8);
    cr_expect(memcmp(y1, y2, sizeof y1) == 0);
    int differ = 0;
    for (int k = 1; k < 20 && !differ; k++) {
        x[7] = 0.7 + k * 0x1p-20;
        run("softmax.shifted", p, x, NULL, z, NULL, 8);
        for (int i = 0; i < 6; i++)
            differ |= z[i] != y1[i];
    }
    cr_expect(differ, "twenty rows drew the same numbers");
}
