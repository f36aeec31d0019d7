/* The plain replay main: runs the harness on test case files (from
 * libFuzzer's corpus and crash files, or AFL++'s queue and crashes) without
 * any engine, and prints what each one does.  Same environment as the
 * engines (harness.h).
 *   NS_FUZZ_TARGET=softmax.naive NS_FUZZ_POLICY=fp16 build/fuzz/replay FILE... */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../finder.h"
#include "harness.h"

static int replay_file(const char *path)
{
    FILE *in = fopen(path, "rb");
    if (!in) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 2;
    }
    size_t cap = 16 * NS_FUZZ_MAX_N + 16, len;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        fclose(in);
        fprintf(stderr, "replay: out of memory\n");
        return 2;
    }
    len = fread(buf, 1, cap, in);
    fclose(in);
    ns_fuzz_target *t = ns_harness_target();
    ns_row row;
    ns_row_init(&row);
    ns_fuzz_eval e;
    int rc = 0;
    if (ns_row_decode(&row, buf, len, t->mut.max_n) != 0) {
        fprintf(stderr, "replay: out of memory\n");
        rc = 2;
    } else {
        ns_row_finish(&t->mut, &row);
        if (ns_fuzz_eval_row(t, &row, NS_EVAL_EXACT, &e) != 0) {
            fprintf(stderr, "replay: out of memory\n");
            rc = 2;
        } else {
            printf("%s: n %zu:", path, row.n);
            for (size_t i = 0; i < row.n && i < 8; i++)
                printf(" %a", row.x[i]);
            printf("%s\n", row.n > 8 ? " ..." : "");
            if (!e.in_domain)
                printf("  outside the domain\n");
            for (int k = 0; e.in_domain && k < NS_KIND_COUNT; k++)
                if (e.promises.broken & (1u << k)) {
                    ns_cause c = ns_fuzz_classify(t, &row, &e, (ns_kind)k);
                    const ns_hazard *h = ns_contract_hazard(t->contract, t->job.policy, (ns_kind)k, c);
                    printf("  %s (%s): %s\n", ns_kind_name((ns_kind)k), ns_cause_name(c),
                           h ? "expected" : "BROKEN");
                    rc = rc ? rc : h ? 0 : 1;
                }
            if (e.in_domain && !e.promises.broken)
                printf("  keeps every promise\n");
        }
    }
    ns_row_free(&row);
    free(buf);
    return rc;
}

/* Writes a few starting test cases into dir: typical rows of the target's
 * mutator and two simple ones. */
static int write_seeds(const char *dir)
{
    ns_fuzz_target *t = ns_harness_target();
    static uint8_t buf[16 * 64];
    ns_row row;
    ns_row_init(&row);
    int rc = 0;
    for (unsigned k = 0; k < 10 && rc == 0; k++) {
        if (k < 8) {
            ns_rng rng;
            ns_rng_seed(&rng, k + 1);
            rc = ns_row_random(&t->mut, &rng, &row);
        } else {
            double x[4] = { 0, 0, 0, 0 }, one[2] = { 1, -1 };
            rc = k == 8 ? ns_row_set(&row, x, NULL, 4) : ns_row_set(&row, one, NULL, 2);
        }
        if (row.n > 64)
            row.n = 64;
        size_t len = ns_row_encode(&row, buf, sizeof buf);
        char path[4096];
        snprintf(path, sizeof path, "%s/seed-%u", dir, k);
        FILE *out = fopen(path, "wb");
        if (!out || fwrite(buf, 1, len, out) != len || fclose(out) != 0) {
            fprintf(stderr, "replay: cannot write %s\n", path);
            rc = 2;
        }
    }
    ns_row_free(&row);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--seeds") == 0) {
        ns_harness_init("replay");
        return write_seeds(argv[2]);
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fputs("usage: NS_FUZZ_TARGET=ALG [NS_FUZZ_POLICY=P] replay FILE...\n"
              "       NS_FUZZ_TARGET=ALG [NS_FUZZ_POLICY=P] replay --seeds DIR\n"
              "Evaluates each test case exactly and says which promises it breaks;\n"
              "or writes starting test cases for the engines into DIR.\n"
              "Exit status: 1 when one breaks the contract, 2 on an unreadable file.\n",
              argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    ns_harness_init("replay");
    int status = 0;
    for (int i = 1; i < argc; i++) {
        int rc = replay_file(argv[i]);
        if (rc > status)
            status = rc;
    }
    return status;
}
