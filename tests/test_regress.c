/* Regression checks (report/regress.h): the rules name metrics that
 * results.json holds, a baseline's JSON problems are named with their
 * place, and targets that are gone are counted as missing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../report/regress.h"
#include "testlib.h"

#define COMMITTED "reports/baseline/results.json"

static char *write_temp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/ns-test-regress-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

/* A rule whose metric the report does not write would silently compare
 * nothing: every rule's metric is in every entry of the committed baseline
 * (written by the report's own writer). */
Test(regress_rules, every_rule_names_a_metric_of_results_json)
{
    ns_regress_baseline b;
    char err[512];
    cr_assert_eq(ns_regress_load(COMMITTED, &b, err, sizeof err), 0, "%s", err);
    cr_assert(b.count > 0);
    for (size_t i = 0; i < b.count; i++)
        for (size_t k = 0; ns_regress_rules[k].metric; k++)
            cr_expect(b.entries[i].present[k], "%s %s %s: no \"%s\"", b.entries[i].normalizer,
                      b.entries[i].policy, b.entries[i].sum, ns_regress_rules[k].metric);
    ns_regress_baseline_free(&b);
}

Test(regress_load, json_errors_name_the_line_and_column)
{
    char err[512];
    ns_regress_baseline b;
    /* The bad token 'tiny' starts at line 3, column 12 (counting from 1). */
    char *path = write_temp("{\n  \"schema\": 1,\n  \"suite\": tiny,\n  \"seed\": \"1\"\n}\n");
    cr_expect_eq(ns_regress_load(path, &b, err, sizeof err), -1);
    char want[128];
    snprintf(want, sizeof want, "%s:3:12: malformed JSON near 'tiny,'", path);
    cr_expect_str_eq(err, want);
    unlink(path);
    /* Cut short after the second line: the end (line 3, column 1) is named. */
    path = write_temp("{\n  \"schema\": 1,\n");
    cr_expect_eq(ns_regress_load(path, &b, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:2:15: malformed JSON: the text ends too early (truncated?)", path);
    cr_expect_str_eq(err, want);
    unlink(path);
}

Test(regress_load, structural_problems_are_named)
{
    char err[512];
    ns_regress_baseline b;
    char *path = write_temp("{\"schema\": 1, \"suite\": \"tiny\", \"seed\": \"1\", \"cases\": [],"
                            " \"results\": [{\"normalizer\": \"softmax.shifted\", \"policy\": \"fp16\","
                            " \"sum\": \"seq\", \"metrics\": {\"max_bits\": \"high\"}}]}");
    cr_expect_eq(ns_regress_load(path, &b, err, sizeof err), -1);
    cr_expect(strstr(err, "results[0] (softmax.shifted fp16 seq): metric \"max_bits\" is neither a number nor null"),
              "%s", err);
    unlink(path);
    path = write_temp("{\"schema\": 1, \"suite\": \"huge\", \"seed\": \"1\", \"cases\": [], \"results\": []}");
    cr_expect_eq(ns_regress_load(path, &b, err, sizeof err), -1);
    cr_expect(strstr(err, "\"suite\" is missing or not one of tiny, quick, full"), "%s", err);
    unlink(path);
}

/* A baseline of the tiny suite with one target normstab no longer has and
 * one it has: the first is missing (a failure), the second compared. */
Test(regress_check, a_target_no_longer_measured_is_missing)
{
    size_t ncases;
    ns_case *cases = ns_suite_standard(NS_SUITE_TINY, 1, &ncases);
    cr_assert(cases != NULL);
    free(cases);
    size_t len = 4096 + 4 * ncases;
    char *text = malloc(len);
    size_t at = (size_t)snprintf(text, len, "{\"schema\": 1, \"suite\": \"tiny\", \"seed\": \"1\", \"cases\": [");
    for (size_t c = 0; c < ncases; c++)
        at += (size_t)snprintf(text + at, len - at, c ? ",{}" : "{}");
    snprintf(text + at, len - at, "], \"results\": ["
             "{\"normalizer\": \"gone.algo\", \"policy\": \"fp16\", \"sum\": \"seq\", \"metrics\": {}},"
             "{\"normalizer\": \"softmax.shifted\", \"policy\": \"fp16\", \"sum\": \"seq\", \"metrics\": {}}]}");
    char *path = write_temp(text);
    free(text);
    ns_regress_baseline b;
    char err[512];
    cr_assert_eq(ns_regress_load(path, &b, err, sizeof err), 0, "%s", err);
    const char *only[] = { "gone.algo", "softmax.shifted" };
    ns_regress_opts o = { .threads = 1, .only = only, .nonly = 2 };
    ns_regress_result r;
    cr_assert_eq(ns_regress_check(&b, &o, &r, err, sizeof err), 0, "%s", err);
    cr_expect_eq(r.nmissing, 1);
    cr_expect_str_eq(r.missing[0].normalizer, "gone.algo");
    cr_expect_eq(r.compared, 1);
    cr_expect_eq(r.nchanges, 0, "no metric given, none compared");
    cr_expect_eq(r.nadded, 23, "softmax.shifted in the other 23 policy x order targets");
    cr_expect(ns_regress_failed(&r));
    ns_regress_result_free(&r);
    ns_regress_baseline_free(&b);
    unlink(path);
}
