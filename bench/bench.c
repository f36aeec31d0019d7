/* `make bench`: runs every benchmark (bench.h) and writes the figures.
 *
 * Usage: bench-suite [--out FILE] [--round FILE.json] [--normstab BIN]
 *                    [--fuzzer BIN] [--full] [--only NAME]
 *   --out       where the JSON goes (default reports/latest/bench.json)
 *   --round     the figures of bench-round, merged in (its own run)
 *   --normstab  the command whose search and report are timed
 *   --fuzzer    the libFuzzer harness (mk/fuzz.mk builds it)
 *   --full      the reference on the full standard suite (default: quick)
 *   --only      one group: emulation, reference, fp64, scaling, attention,
 *               round, search, libfuzzer, report
 * Exit status 0 when the figures were written (aims missed or not), 2 on a
 * bad argument or when the file cannot be written. */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* /proc/loadavg as one line, or "" where there is none. */
static void load_average(char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *la = fopen("/proc/loadavg", "r");
    if (!la)
        return;
    if (!fgets(buf, (int)len, la))
        buf[0] = '\0';
    fclose(la);
    buf[strcspn(buf, "\n")] = '\0';
}

static int wanted(const char *only, const char *group)
{
    return !only || strcmp(only, group) == 0;
}

int main(int argc, char **argv)
{
    const char *out = "reports/latest/bench.json", *round_json = NULL, *normstab = NULL;
    const char *fuzzer = NULL, *only = NULL;
    int full = 0;
    for (int i = 1; i < argc; i++) {
        const char **dst = NULL;
        if (strcmp(argv[i], "--out") == 0)
            dst = &out;
        else if (strcmp(argv[i], "--round") == 0)
            dst = &round_json;
        else if (strcmp(argv[i], "--normstab") == 0)
            dst = &normstab;
        else if (strcmp(argv[i], "--fuzzer") == 0)
            dst = &fuzzer;
        else if (strcmp(argv[i], "--only") == 0)
            dst = &only;
        else if (strcmp(argv[i], "--full") == 0) {
            full = 1;
            continue;
        } else {
            fprintf(stderr, "bench-suite: unknown argument '%s' (see bench/bench.c)\n", argv[i]);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "bench-suite: %s needs a value\n", argv[i]);
            return 2;
        }
        *dst = argv[++i];
    }

    bench_figures_start();
    char load[128];
    load_average(load, sizeof load);
    printf("%-34s %14s\n", "figure", "value");
    if (wanted(only, "round"))
        bench_round(round_json);
    if (wanted(only, "emulation"))
        bench_softmax_emulation();
    if (wanted(only, "reference"))
        bench_reference_floor();
    if (wanted(only, "fp64"))
        bench_reference_vs_fp64(full);
    if (wanted(only, "scaling"))
        bench_scaling();
    if (wanted(only, "attention"))
        bench_attention();
    if (wanted(only, "rwkv"))
        bench_rwkv();
    if (wanted(only, "formula"))
        bench_formula_vs_builtin();
    if (wanted(only, "search"))
        bench_search(normstab);
    if (wanted(only, "libfuzzer"))
        bench_libfuzzer(fuzzer);
    if (wanted(only, "report"))
        bench_report(normstab);
    char load_end[128];
    load_average(load_end, sizeof load_end);
    bench_note("load_average", "/proc/loadavg at the start: %s; at the end: %s (2 cores: "
               "above 2, other processes competed for the CPUs)", load, load_end);
    bench_note("compiler", "%s", __VERSION__);
    bench_note("machine", "%ld online CPUs; every figure is a ratio or rate measured in this run",
               sysconf(_SC_NPROCESSORS_ONLN));

    if (bench_figures_save(out) != 0) {
        fprintf(stderr, "bench-suite: cannot write %s: %s\n", out, strerror(errno));
        return 2;
    }
    printf("figures written to %s\n", out);
    return 0;
}
