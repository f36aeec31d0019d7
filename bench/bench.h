/* `make bench`: every figure of the performance aims, measured in one run
 * as a ratio or a rate against a baseline timed in the same run (the
 * machine is shared and noisy: each timing is the minimum over repetitions).
 *
 * bench/bench.c collects the figures into reports/latest/bench.json,
 *   {"figures": {NAME: number, ...}, "notes": {NAME: text, ...}}
 * and a table on stdout; bench/measure.c times what runs in this process
 * (emulation, reference, analysis), bench/commands.c what runs as a command
 * (search, libFuzzer, report).  A figure that could not be measured is left
 * out of "figures" and explained in "notes". */
#ifndef NS_BENCH_H
#define NS_BENCH_H

#include <stddef.h>

/* Wall time is ns_clock_monotonic(); long single-threaded runs on a shared
 * machine, where another process's load would otherwise count, take
 * ns_clock_cpu(). */
#include "../util/clock.h"

/* Records a figure.  aim: "<= 1.5", ">= 50000", "0.9..1.1" or NULL (no
 * aim); the figure is then marked met or missed.  why_missed (may be NULL)
 * is the note kept when the aim is missed: where the time goes and what
 * would close the gap. */
void bench_figure(const char *name, double value, const char *aim, const char *why_missed);

/* A note (what a figure measures, or why it is missing); copied. */
void bench_note(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* In-process figures (measure.c). */
void bench_softmax_emulation(void);
void bench_reference_floor(void);
void bench_reference_vs_fp64(int full_suite);
void bench_scaling(void);

/* Figures of commands (commands.c); a missing program becomes a note. */
void bench_round(const char *round_json);
void bench_search(const char *normstab);
void bench_libfuzzer(const char *fuzzer);
void bench_report(const char *normstab);

#endif
