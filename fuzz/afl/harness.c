/* AFL++ build of the harness: persistent mode (afl-clang-fast), the test
 * case read from shared memory, the target set up once before the fork
 * server starts (deferred initialization).
 *
 * The objective is coverage: every feature of an evaluation (fuzz/target.h)
 * takes its own case of a switch in a function that is never inlined, so
 * that each new bucket is a new edge.  Each case holds an asm statement with
 * its own constant, which keeps the compiler from merging the cases or
 * turning the switch into a table lookup. */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "../targets/harness.h"

#ifndef __AFL_FUZZ_TESTCASE_LEN
/* Built without afl-clang-fast: one test case from standard input. */
static ssize_t fuzz_len;
static unsigned char fuzz_buf[16 * NS_FUZZ_MAX_N + 16];
#define __AFL_FUZZ_TESTCASE_LEN fuzz_len
#define __AFL_FUZZ_TESTCASE_BUF fuzz_buf
#define __AFL_FUZZ_INIT() void ns_afl_unused(void)
#define __AFL_INIT() ((void)0)
static int loop_once(void)
{
    static int done;
    if (done)
        return 0;
    done = 1;
    fuzz_len = read(0, fuzz_buf, sizeof fuzz_buf);
    return fuzz_len >= 0;
}
#define __AFL_LOOP(n) loop_once()
#endif

__AFL_FUZZ_INIT();

#define CASE1(k) case (k): __asm__ volatile("" : : "i"(k)); break;
#define CASE4(k) CASE1(k) CASE1((k) + 1) CASE1((k) + 2) CASE1((k) + 3)
#define CASE16(k) CASE4(k) CASE4((k) + 4) CASE4((k) + 8) CASE4((k) + 12)
#define CASE64(k) CASE16(k) CASE16((k) + 16) CASE16((k) + 32) CASE16((k) + 48)
#define CASE256(k) CASE64(k) CASE64((k) + 64) CASE64((k) + 128) CASE64((k) + 192)

_Static_assert(NS_FEATURES == 8 * 256, "the switch below has one case per feature");

__attribute__((noinline)) static void feedback(unsigned feature)
{
    switch (feature) {
        CASE256(0) CASE256(256) CASE256(512) CASE256(768)
        CASE256(1024) CASE256(1280) CASE256(1536) CASE256(1792)
    default: break;
    }
}

int main(void)
{
    ns_harness_init("afl++");
    __AFL_INIT();
    unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
    while (__AFL_LOOP(1000000)) {
        size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
        uint16_t feature[NS_FEATURES_PER_EVAL];
        size_t k = ns_harness_run(buf, len, feature);
        for (size_t i = 0; i < k; i++)
            feedback(feature[i]);
    }
    return 0;
}
