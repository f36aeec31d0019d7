/* `make bench`: every figure of the performance aims, measured in one run
 * as a ratio or a rate against a baseline timed in the same run (the
 * machine is shared and noisy: each timing is the minimum over repetitions).
 *
 * bench/bench.c runs them all: bench/measure.c times what runs in this
 * process (emulation, reference, analysis), bench/commands.c what runs as a
 * command (search, libFuzzer, report); each records its figures and notes
 * (figures.h), which bench.c writes into reports/latest/bench.json. */
#ifndef NS_BENCH_H
#define NS_BENCH_H

#include <stddef.h>

/* Wall time is ns_clock_monotonic(); long single-threaded runs on a shared
 * machine, where another process's load would otherwise count, take
 * ns_clock_cpu(). */
#include "../util/clock.h"
/* Every benchmark records its figures and notes there. */
#include "figures.h"

/* In-process figures (measure.c). */
void bench_softmax_emulation(void);
void bench_reference_floor(void);
void bench_reference_vs_fp64(int full_suite);
void bench_scaling(void);
/* attention.c */
void bench_attention(void);
/* RWKV-4 (bench/rwkv.c) */
void bench_rwkv(void);
/* A formula against the built-in it spells (formula.c). */
void bench_formula_vs_builtin(void);

/* Figures of commands (commands.c); a missing program becomes a note. */
void bench_round(const char *round_json);
void bench_search(const char *normstab);
void bench_libfuzzer(const char *fuzzer);
void bench_report(const char *normstab);

#endif
