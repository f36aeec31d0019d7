/* libFuzzer build of the harness (clang -fsanitize=fuzzer; mk/fuzz.mk).
 *
 * Coverage of branch-free numeric code says little, so the objective is
 * coverage too: each evaluation sets one extra counter per feature (the
 * bucketed log2 of the error, of the sum error, of the denominator, of the
 * gradient error and gain ...: fuzz/target.h), and every new bucket is a new
 * feature for libFuzzer.  (clang 14 does not trace float comparisons.)
 * The library has no edge coverage (mk/fuzz.mk, FUZZ_COVERED): libFuzzer's
 * time per execution grows with the edges an execution touches, and the
 * loops of the algorithms touch the same ones every time.  Mutations are the
 * float-aware mutator's, with one in 16 left to libFuzzer's byte mutations. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"

__attribute__((used, section("__libfuzzer_extra_counters")))
static uint8_t extra_counters[NS_FEATURES];

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *a, size_t asize, const uint8_t *b, size_t bsize,
                                 uint8_t *out, size_t max_out, unsigned int seed);

/* A binary for one pair (.clusterfuzzlite/build.sh: services that cannot
 * set the environment) has it built in; the environment still wins. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
#ifdef NS_FUZZ_BUILT_IN_TARGET
    setenv("NS_FUZZ_TARGET", NS_FUZZ_BUILT_IN_TARGET, 0);
    setenv("NS_FUZZ_POLICY", NS_FUZZ_BUILT_IN_POLICY, 0);
    setenv("NS_FUZZ_ABORT_BROKEN", "1", 0);
#endif
    ns_harness_init("libfuzzer");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint16_t feature[NS_FEATURES_PER_EVAL];
    size_t k = ns_harness_run(data, size, feature);
    for (size_t i = 0; i < k; i++)
        extra_counters[feature[i]] = 1;
    return 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    if (seed % 16 == 0)
        return LLVMFuzzerMutate(data, size, max_size);
    return ns_harness_mutate(data, size, max_size, seed);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *a, size_t asize, const uint8_t *b, size_t bsize,
                                 uint8_t *out, size_t max_out, unsigned int seed)
{
    return ns_harness_crossover(a, asize, b, bsize, out, max_out, seed);
}
