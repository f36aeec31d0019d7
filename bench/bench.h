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

/* What bench-suite was told (bench/bench.c); every group of figures is
 * run with it and takes what it needs. */
typedef struct bench_args {
    const char *round_json;  /* the figures of bench-round, or NULL */
    const char *normstab;    /* the command whose search and report are timed */
    const char *fuzzer;      /* the libFuzzer harness */
    int full_suite;          /* the reference on the full standard suite */
} bench_args;

/* In-process figures (measure.c). */
void bench_softmax_emulation(const bench_args *args);
void bench_reference_floor(const bench_args *args);
void bench_reference_vs_fp64(const bench_args *args);
void bench_scaling(const bench_args *args);
/* attention.c */
void bench_attention(const bench_args *args);
/* RWKV-4 (bench/rwkv.c) */
void bench_rwkv(const bench_args *args);
/* A formula against the built-in it spells (formula.c). */
void bench_formula_vs_builtin(const bench_args *args);

/* Figures of commands (commands.c); a missing program becomes a note. */
void bench_round(const bench_args *args);
void bench_search(const bench_args *args);
void bench_libfuzzer(const bench_args *args);
void bench_report(const bench_args *args);

#endif
