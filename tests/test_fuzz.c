/* Fuzz targets, findings and the built-in search (fuzz/): the documented
 * hazards found and classified, a deliberately broken algorithm caught,
 * determinism for a seed, minimization, JSON and replay. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "../fuzz/finding_json.h"
#include "../fuzz/replay.h"
#include "../fuzz/search.h"
#include "testlib.h"

static void open_target(ns_fuzz_target *t, const char *alg, const char *policy, const char *objective)
{
    char err[256];
    cr_assert_eq(ns_fuzz_target_open(t, alg, policy, objective, err, sizeof err), 0, "%s", err);
}

/* Evaluates x exactly; returns the bits of broken promises and the cause of
 * the given kind (when broken). */
static unsigned evaluate(ns_fuzz_target *t, const double *x, size_t n, ns_kind kind, ns_cause *cause)
{
    ns_row r;
    ns_row_init(&r);
    cr_assert_eq(ns_row_set(&r, x, NULL, n), 0);
    ns_row_finish(&t->mut, &r);
    ns_fuzz_eval e;
    cr_assert_eq(ns_fuzz_eval_row(t, &r, NS_EVAL_EXACT, &e), 0);
    cr_assert(e.in_domain);
    if (cause && (e.promises.broken & (1u << kind)))
        *cause = ns_fuzz_classify(t, &r, &e, kind);
    ns_row_free(&r);
    return e.promises.broken;
}

Test(fuzz_target, the_documented_hazards_and_their_causes)
{
    ns_fuzz_target t;
    ns_cause c = NS_CAUSE_COUNT;

    /* e^11.09375 = 65625.6 > 65504: inf / inf (tests/test_softmax.c). */
    double over[2] = { 11.09375, 0 };
    open_target(&t, "softmax.naive", "fp16", "nan");
    cr_expect(evaluate(&t, over, 2, NS_KIND_NAN, &c) & (1u << NS_KIND_NAN));
    cr_expect_eq(c, NS_CAUSE_OVERFLOW);
    ns_fuzz_target_free(&t);

    /* The same row is harmless shifted. */
    open_target(&t, "softmax.shifted", "fp16", "nan");
    cr_expect_eq(evaluate(&t, over, 2, NS_KIND_NAN, NULL), 0u);
    double masked[2] = { -INFINITY, -INFINITY };
    cr_expect(evaluate(&t, masked, 2, NS_KIND_NAN, &c) & (1u << NS_KIND_NAN));
    cr_expect_eq(c, NS_CAUSE_ALL_MASKED);
    ns_fuzz_target_free(&t);

    /* No positive entry: the exact sum is 0 (with any exponent range). */
    double neg[2] = { -1, -2 };
    open_target(&t, "relu.norm", "fp16", "nan");
    cr_expect(evaluate(&t, neg, 2, NS_KIND_NAN, &c) & (1u << NS_KIND_NAN));
    cr_expect_eq(c, NS_CAUSE_ZERO_DENOMINATOR);
    ns_fuzz_target_free(&t);

    /* (2^-13)^2 = 2^-26 is below half of fp16's smallest subnormal 2^-24:
     * both squares round to 0 and 0 / 0 = NaN; with a wider exponent range
     * they would not: the cause is underflow. */
    double tiny[2] = { 0x1p-13, -0x1p-13 };
    open_target(&t, "spherical", "fp16", "nan");
    cr_expect(evaluate(&t, tiny, 2, NS_KIND_NAN, &c) & (1u << NS_KIND_NAN));
    cr_expect_eq(c, NS_CAUSE_UNDERFLOW);
    ns_fuzz_target_free(&t);

    /* Found by make fuzz: e^-96 < 2^-126 is subnormal in fp32, so y_0 =
     * e^-96 / e^-64 = e^-32 loses most of its bits; the cause is underflow
     * although e^-704 ~ 2^-1015.7 would underflow a format reaching down to
     * 2^-1000 as well: a wider range must reach binary64's 2^-1022 to tell. */
    double under[3] = { -96, -64, -704 };
    open_target(&t, "softmax.naive", "fp32", "error");
    cr_expect(evaluate(&t, under, 3, NS_KIND_ERROR, &c) & (1u << NS_KIND_ERROR));
    cr_expect_eq(c, NS_CAUSE_UNDERFLOW, "cause %s", ns_cause_name(c));
    ns_fuzz_target_free(&t);

    /* softmax.lse at logits near 200: sum 1.03 (tests/test_softmax.c). */
    double lse[3] = { 200, 199, 198 };
    open_target(&t, "softmax.lse", "fp16", "sum");
    cr_expect(evaluate(&t, lse, 3, NS_KIND_SUM, &c) & (1u << NS_KIND_SUM));
    cr_expect(ns_contract_hazard(t.contract, t.job.policy, NS_KIND_SUM, c));
    ns_fuzz_target_free(&t);
}

Test(fuzz_target, masks_that_matter_are_told_apart)
{
    /* softmax.online meets (-inf) - (-inf) on a leading mask; without the
     * mask the row is fine. */
    ns_fuzz_target t;
    ns_cause c = NS_CAUSE_COUNT;
    open_target(&t, "softmax.online", "fp32", "nan");
    double x[3] = { -INFINITY, 1, 2 };
    cr_expect(evaluate(&t, x, 3, NS_KIND_NAN, &c) & (1u << NS_KIND_NAN));
    cr_expect_eq(c, NS_CAUSE_MASKED);
    ns_fuzz_target_free(&t);
}

static int count_broken(const ns_finding *f, void *ctx)
{
    if (!f->expected)
        ++*(int *)ctx;
    return 0;
}

Test(fuzz_search, a_broken_promise_is_found)
{
    const ns_family *fam;
    const ns_algorithm *broken = ns_test_softmax_forgot_shift(&fam);
    ns_fuzz_spec spec = { .alg = broken, .family = fam, .policy = ns_policy_find("fp16"),
                          .objective = NS_KIND_NAN, .finite_only = true };
    ns_fuzz_target t;
    char err[256];
    cr_assert_eq(ns_fuzz_target_init(&t, &spec, err, sizeof err), 0, "%s", err);
    ns_finder fd;
    ns_finder_init(&fd, &t, "evolve", 1);
    int nbroken = 0;
    fd.on_new = count_broken;
    fd.ctx = &nbroken;
    ns_search_opts o = { .strategy = NS_STRATEGY_EVOLVE, .max_evals = 20000, .seed = ns_test_seed() };
    ns_search_stats st;
    cr_assert_eq(ns_search_run(&fd, &o, &st), 0);
    cr_expect(nbroken > 0, "seed %llu: no broken promise found", (unsigned long long)o.seed);
    int nan_overflow = 0;
    for (size_t i = 0; i < fd.set.count; i++)
        nan_overflow |= fd.set.items[i].kind == NS_KIND_NAN && fd.set.items[i].cause == NS_CAUSE_OVERFLOW &&
                        !fd.set.items[i].expected && fd.set.items[i].confirmed;
    cr_expect(nan_overflow, "seed %llu: the NaN of the overflow was not reported",
              (unsigned long long)o.seed);
    ns_finder_free(&fd);
    ns_fuzz_target_free(&t);
}

Test(fuzz_search, no_nan_where_none_can_be)
{
    /* softmax.shifted and softmax1.stable cannot produce a NaN on finite
     * rows: a search for one finds nothing. */
    const char *algs[] = { "softmax.shifted", "softmax1.stable" };
    for (int k = 0; k < 2; k++) {
        ns_fuzz_spec spec = { .objective = NS_KIND_NAN, .finite_only = true, .policy = ns_policy_find("fp16") };
        spec.alg = ns_algorithm_find(algs[k], &spec.family);
        ns_fuzz_target t;
        char err[256];
        cr_assert_eq(ns_fuzz_target_init(&t, &spec, err, sizeof err), 0);
        ns_finder fd;
        ns_finder_init(&fd, &t, "evolve", 3);
        ns_search_opts o = { .max_evals = 20000, .seed = ns_test_seed() };
        ns_search_stats st;
        cr_assert_eq(ns_search_run(&fd, &o, &st), 0);
        for (size_t i = 0; i < fd.set.count; i++)
            cr_expect(fd.set.items[i].kind != NS_KIND_NAN, "%s: %s", algs[k], fd.set.items[i].detail);
        ns_finder_free(&fd);
        ns_fuzz_target_free(&t);
    }
}

/* The findings of a search as JSON text without the timings. */
static void findings_text(uint64_t seed, ns_strategy strategy, char *buf, size_t len)
{
    ns_fuzz_target t;
    open_target(&t, "spherical", "fp16", "nan");
    ns_finder fd;
    ns_finder_init(&fd, &t, "evolve", seed);
    ns_search_opts o = { .strategy = strategy, .max_evals = 5000, .seed = seed };
    ns_search_stats st;
    cr_assert_eq(ns_search_run(&fd, &o, &st), 0);
    buf[0] = '\0';
    for (size_t i = 0; i < fd.set.count; i++) {
        fd.set.items[i].seconds = 0;
        cJSON *j = ns_finding_to_json(&fd.set.items[i]);
        cJSON_DeleteItemFromObject(j, "unix_time");
        char *s = cJSON_PrintUnformatted(j);
        strncat(buf, s, len - strlen(buf) - 1);
        cJSON_free(s);
        cJSON_Delete(j);
    }
    ns_finder_free(&fd);
    ns_fuzz_target_free(&t);
}

Test(fuzz_search, deterministic_for_a_seed)
{
    static char a[1 << 16], b[1 << 16], c[1 << 16];
    findings_text(11, NS_STRATEGY_EVOLVE, a, sizeof a);
    findings_text(11, NS_STRATEGY_EVOLVE, b, sizeof b);
    findings_text(12, NS_STRATEGY_EVOLVE, c, sizeof c);
    cr_expect(strlen(a) > 0, "nothing found");
    cr_expect_str_eq(a, b);
    cr_expect_str_neq(a, c, "another seed, other rows");
}

Test(fuzz_search, evolve_beats_random_on_a_hard_hazard)
{
    /* fp32 squares underflow only when every |x| < 2^-75: typical rows
     * (scales 2^-6 to 2^6) never get there; the objective leads evolve there. */
    ns_fuzz_target t;
    int found[2] = { 0, 0 };
    for (int s = 0; s < 2; s++) {
        open_target(&t, "spherical", "fp32", "nan");
        ns_finder fd;
        ns_finder_init(&fd, &t, "x", 5);
        ns_search_opts o = { .strategy = s ? NS_STRATEGY_EVOLVE : NS_STRATEGY_RANDOM,
                             .max_evals = 20000, .seed = ns_test_seed() };
        ns_search_stats st;
        cr_assert_eq(ns_search_run(&fd, &o, &st), 0);
        for (size_t i = 0; i < fd.set.count; i++)
            found[s] |= fd.set.items[i].kind == NS_KIND_NAN && fd.set.items[i].cause == NS_CAUSE_UNDERFLOW;
        ns_finder_free(&fd);
        ns_fuzz_target_free(&t);
    }
    cr_expect(!found[0], "random found it: the hazard is not hard");
    cr_expect(found[1], "evolve did not find it in 20000 evaluations");
}

Test(fuzz_finding, minimized_and_confirmed)
{
    /* A long row that overflows in naive softmax shrinks to one logit of a
     * simple value that still overflows: 2^4 = 16 > 11.09. */
    ns_fuzz_target t;
    open_target(&t, "softmax.naive", "fp16", "nan");
    ns_row r;
    ns_row_init(&r);
    double x[6] = { 0.3, -1.7, 13.171875, 2.5, 0.1, -4 };
    cr_assert_eq(ns_row_set(&r, x, NULL, 6), 0);
    ns_row_finish(&t.mut, &r);
    ns_fuzz_minimize(&t, &r, NS_KIND_NAN, NS_CAUSE_OVERFLOW, 400);
    cr_expect_eq(r.n, 1u);
    cr_expect(r.x[0] > 11.09375 && r.x[0] == exp2(round(log2(r.x[0]))), "%a", r.x[0]);
    ns_fuzz_eval e;
    cr_expect(ns_fuzz_confirm(&t, &r, NS_KIND_NAN, NS_CAUSE_OVERFLOW, &e));
    ns_row_free(&r);
    ns_fuzz_target_free(&t);
}

Test(fuzz_finding, json_round_trip_and_replay)
{
    ns_fuzz_target t;
    open_target(&t, "softmax.naive", "fp16", "nan");
    double x[2] = { 16, -0.0 };
    ns_row r;
    ns_row_init(&r);
    cr_assert_eq(ns_row_set(&r, x, NULL, 2), 0);
    ns_fuzz_eval e;
    cr_assert_eq(ns_fuzz_eval_row(&t, &r, NS_EVAL_EXACT, &e), 0);
    ns_finding f, back;
    ns_finding_init(&f);
    ns_finding_init(&back);
    cr_assert_eq(ns_finding_fill(&f, &t, &r, &e, NS_KIND_NAN, NS_CAUSE_OVERFLOW), 0);
    cr_expect(f.expected);
    cJSON *j = ns_finding_to_json(&f);
    cr_expect_str_eq(cJSON_GetObjectItem(j, "x")->child->valuestring, "0x1p+4");
    cr_expect_str_eq(cJSON_GetObjectItem(j, "x")->child->next->valuestring, "-0x0p+0");
    char err[200];
    cr_assert_eq(ns_finding_from_json(j, &back, err, sizeof err), 0, "%s", err);
    cJSON_Delete(j);
    cr_expect_str_eq(back.normalizer, "softmax.naive");
    cr_expect_eq(back.kind, NS_KIND_NAN);
    cr_expect_eq(back.cause, NS_CAUSE_OVERFLOW);
    cr_expect(back.row.n == 2 && back.row.x[0] == 16 && signbit(back.row.x[1]));

    ns_replay_result rr;
    cr_assert_eq(ns_replay(&back, &rr, err, sizeof err), 0, "%s", err);
    cr_expect_eq(rr.verdict, NS_REPLAY_EXPECTED);
    ns_replay_result_free(&rr);
    /* The same finding on a row that no longer fails: fixed. */
    back.row.x[0] = 1;
    cr_assert_eq(ns_replay(&back, &rr, err, sizeof err), 0);
    cr_expect_eq(rr.verdict, NS_REPLAY_FIXED);
    ns_replay_result_free(&rr);
    ns_finding_free(&f);
    ns_finding_free(&back);
    ns_row_free(&r);
    ns_fuzz_target_free(&t);
}

Test(fuzz_finding, sets_deduplicate_by_key)
{
    ns_finding_set s;
    ns_finding_set_init(&s);
    ns_finding f;
    ns_finding_init(&f);
    snprintf(f.normalizer, sizeof f.normalizer, "relu.norm");
    snprintf(f.policy, sizeof f.policy, "fp16");
    f.kind = NS_KIND_NAN;
    f.cause = NS_CAUSE_ZERO_DENOMINATOR;
    double three[3] = { -1, -2, -3 }, one[1] = { -1 };
    ns_row_set(&f.row, three, NULL, 3);
    cr_expect_eq(ns_finding_set_add(&s, &f), 1);
    ns_row_set(&f.row, one, NULL, 1);
    cr_expect_eq(ns_finding_set_add(&s, &f), 0);
    cr_expect_eq(s.count, 1u);
    cr_expect_eq(s.items[0].row.n, 1u, "the smaller row is kept");
    f.cause = NS_CAUSE_ALL_MASKED;
    cr_expect_eq(ns_finding_set_add(&s, &f), 1);
    cr_expect_eq(s.count, 2u);
    char slug[160];
    ns_finding_slug(&s.items[0], slug, sizeof slug);
    cr_expect_str_eq(slug, "relu.norm-fp16-nan-zero-denominator");
    ns_finding_free(&f);
    ns_finding_set_free(&s);
}
