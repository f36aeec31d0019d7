/* The harness every external engine runs: one build for libFuzzer
 * (libfuzzer.c), one for AFL++ (../afl/harness.c), one plain replay main
 * (replay_main.c), all calling these functions.
 *
 * The target is chosen at start-up from the environment, not by building
 * one binary per pair:
 *   NS_FUZZ_TARGET     the algorithm (catalogue name; required)
 *   NS_FUZZ_POLICY     the policy (default fp16)
 *   NS_FUZZ_SUM        the summation order (default seq)
 *   NS_FUZZ_OBJECTIVE  nan, inf, error, sum, denominator, gradient or all
 *                      (default all: gradients are evaluated too)
 *   NS_FUZZ_FINITE     1: rows without masks only
 *   NS_FUZZ_MAX_N      longest row (default 4096)
 *   NS_FUZZ_FINDINGS   file that new findings are appended to, as JSON Lines
 *                      (default: none, findings go to standard error)
 *   NS_FUZZ_STOP       KIND or KIND:CAUSE: exit(0) as soon as such a finding
 *                      is made (time-to-first-finding measurements)
 *   NS_FUZZ_ABORT_BROKEN  1: abort() on a finding that breaks the contract
 *                      (after writing it), so that crash-only services
 *                      (OSS-Fuzz, ClusterFuzzLite) report it
 * A test case is the byte encoding of a row (fuzz/mutate.h). */
#ifndef NS_FUZZ_HARNESS_H
#define NS_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "../target.h"

/* Reads the environment and sets the target up; on a bad setting prints one
 * line and exits with status 2. */
void ns_harness_init(const char *engine);

/* Evaluates one test case; fills feature[] (NS_FEATURES_PER_EVAL entries at
 * most) with its coverage features and returns how many. */
size_t ns_harness_run(const uint8_t *data, size_t size, uint16_t *feature);

/* The float-aware mutation of a test case in place (at most max bytes);
 * returns the new size. */
size_t ns_harness_mutate(uint8_t *data, size_t size, size_t max, unsigned seed);

/* A child of two test cases in out (at most max bytes); returns its size. */
size_t ns_harness_crossover(const uint8_t *a, size_t asize, const uint8_t *b, size_t bsize,
                            uint8_t *out, size_t max, unsigned seed);

/* The target, for the replay main. */
ns_fuzz_target *ns_harness_target(void);

/* Findings made so far by this process. */
size_t ns_harness_findings(void);

#endif
