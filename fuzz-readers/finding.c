/* libFuzzer target: the reader of finding files (fuzz/finding.h,
 * ns_findings_read: JSON Lines as `normstab search --json` prints them and
 * `make fuzz` stores them), on the input as a file, as `normstab replay`
 * reads them (a list); the list is then deduplicated as fuzz/tools/collect.c
 * reads them.
 * Any crash, leak or undefined behaviour is the finding, and so is a broken
 * promise of the reader: a refusal without "FILE:..." in front of what is
 * wrong, or a finding taken in that is not one (an unknown normalizer, kind,
 * cause or summation order, a row of 0 or more than NS_FUZZ_MAX_N entries,
 * two findings with one key in a deduplicated set).  Names quoted in a
 * message may hold control characters: the command prints them escaped
 * (cli/output.c). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../fuzz/finding_json.h"
#include "input_file.h"

static bool terminated(const char *s, size_t size)
{
    return memchr(s, '\0', size) != NULL;
}

/* What the reader promises of each finding it returns. */
static void check_finding(const ns_finding *f)
{
    if (!terminated(f->normalizer, sizeof f->normalizer) || !terminated(f->policy, sizeof f->policy) ||
        !terminated(f->why, sizeof f->why) || !terminated(f->detail, sizeof f->detail) ||
        !terminated(f->engine, sizeof f->engine))
        abort();
    const ns_family *fam = NULL;
    if (!ns_algorithm_find(f->normalizer, &fam) || !fam)
        abort();
    if ((unsigned)f->kind >= NS_KIND_COUNT || (unsigned)f->cause >= NS_CAUSE_COUNT ||
        !ns_sum_order_valid(f->sum))
        abort();
    if (f->row.n < 1 || f->row.n > NS_FUZZ_MAX_N || f->row.n > f->row.cap || !f->row.x || !f->row.g)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = ns_fuzz_input_file("findings.jsonl", data, size);
    ns_finding_set list, set;
    ns_finding_set_init(&list);
    ns_finding_set_init(&set);
    char err[1024];
    err[0] = '\0';
    if (ns_findings_read(path, &list, false, err, sizeof err) != 0) {
        /* "FILE:LINE: what" (or "FILE: what"). */
        size_t len = strlen(path);
        if (strncmp(err, path, len) != 0 || err[len] != ':' || err[len + 1] == '\0')
            abort();
    } else {
        if (list.count > list.cap || (list.count && !list.items))
            abort();
        /* What fuzz/tools/collect.c reads (ns_findings_read with dedupe
         * adds each finding so), without reading the file again. */
        for (size_t i = 0; i < list.count; i++) {
            check_finding(&list.items[i]);
            if (ns_finding_set_add(&set, &list.items[i]) < 0)
                abort();
        }
        for (size_t i = 0; i < set.count; i++)
            if (ns_finding_set_find(&set, &set.items[i]) != (long)i)
                abort();          /* two findings with one key */
    }
    ns_finding_set_free(&set);
    ns_finding_set_free(&list);
    return 0;
}
