/* The reader of finding files (ns_findings_read, ns_finding_from_json):
 * what one line leaves unsaid is not taken from the line before, and counts
 * out of the range of uint64_t are refused rather than converted. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../fuzz/finding_json.h"
#include "testlib.h"

/* Reads the lines into s; returns ns_findings_read's status, err its message. */
static int read_lines(const char *lines, ns_finding_set *s, char *err, size_t errlen)
{
    char path[] = "/tmp/ns-test-findings-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, lines, strlen(lines)), (ssize_t)strlen(lines));
    close(fd);
    ns_finding_set_init(s);
    err[0] = '\0';
    int rc = ns_findings_read(path, s, false, err, errlen);
    unlink(path);
    return rc;
}

Test(finding_read, fields_of_one_finding_stay_with_it)
{
    const char *lines =
        "{\"normalizer\":\"softmax.naive\",\"policy\":\"fp16\",\"kind\":\"nan\",\"x\":[1],"
        "\"why\":\"first\",\"detail\":\"d1\",\"engine\":\"afl++\",\"seed\":7,\"evals\":9,\"seconds\":2,"
        "\"confirmed\":true,\"verdict\":\"expected\",\"g\":[1]}\n"
        "{\"normalizer\":\"softmax.naive\",\"policy\":\"fp16\",\"kind\":\"inf\",\"x\":[2]}\n";
    ns_finding_set s;
    char err[256];
    cr_assert_eq(read_lines(lines, &s, err, sizeof err), 0, "%s", err);
    cr_assert_eq(s.count, 2);
    const ns_finding *a = &s.items[0], *b = &s.items[1];
    cr_assert_str_eq(a->engine, "afl++");
    cr_assert_eq(a->seed, 7);
    cr_assert(a->has_g && a->confirmed && a->expected);
    /* The second line says none of these: they are empty, zero or false. */
    cr_assert_str_eq(b->why, "");
    cr_assert_str_eq(b->detail, "");
    cr_assert_str_eq(b->engine, "");
    cr_assert_eq(b->seed, 0);
    cr_assert_eq(b->evals, 0);
    cr_assert_eq(b->seconds, 0);
    cr_assert(!b->has_g && !b->confirmed && !b->expected);
    cr_assert_eq(b->row.n, 1);
    cr_assert_eq(b->row.x[0], 2);
    ns_finding_set_free(&s);
}

Test(finding_read, counts_beyond_uint64_are_refused)
{
    static const struct { const char *field, *message; } bad[] = {
        { "\"seed\":-3", "field 'seed': -3 is not a count (0 to 2^64)" },
        { "\"evals\":1e300", "field 'evals': 1e+300 is not a count (0 to 2^64)" },
        /* 2^64 + 2^12, the next double above 2^64 */
        { "\"seed\":18446744073709555712", "field 'seed': 1.84467e+19 is not a count (0 to 2^64)" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char line[256], err[512], want[300];
        snprintf(line, sizeof line, "{\"normalizer\":\"softmax.naive\",\"policy\":\"fp16\","
                 "\"kind\":\"nan\",\"x\":[1],%s}\n", bad[i].field);
        ns_finding_set s;
        cr_assert_eq(read_lines(line, &s, err, sizeof err), -1, "%s", bad[i].field);
        snprintf(want, sizeof want, ":1: %s", bad[i].message);
        cr_assert(strstr(err, want) != NULL, "'%s': got '%s'", bad[i].field, err);
        ns_finding_set_free(&s);
    }
}

Test(finding_read, counts_as_the_writer_rounds_them)
{
    /* A seed of 2^64 - 1 is written as the double 2^64 and read back as
     * 2^64 - 1; 2^53 + 1 cannot be written, 2^53 is exact. */
    const char *lines =
        "{\"normalizer\":\"softmax.naive\",\"policy\":\"fp16\",\"kind\":\"nan\",\"x\":[1],"
        "\"seed\":18446744073709551616,\"evals\":9007199254740992}\n";
    ns_finding_set s;
    char err[256];
    cr_assert_eq(read_lines(lines, &s, err, sizeof err), 0, "%s", err);
    cr_assert_eq(s.count, 1);
    cr_assert_eq(s.items[0].seed, UINT64_MAX);
    cr_assert_eq(s.items[0].evals, (uint64_t)1 << 53);
    ns_finding_set_free(&s);
}
