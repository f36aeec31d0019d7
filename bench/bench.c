/* `make bench`: runs every benchmark (bench.h) and writes the figures;
 * usage[] below says how to call it. */
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

static const char usage[] =
    "usage: bench-suite [--out FILE] [--round FILE.json] [--normstab BIN]\n"
    "                   [--fuzzer BIN] [--full] [--only NAME]\n"
    "Runs every benchmark, prints its figures and writes them to FILE as JSON.\n"
    "  --out       where the JSON goes (default reports/latest/bench.json)\n"
    "  --round     the figures of bench-round, merged in (its own run)\n"
    "  --normstab  the command whose search and report are timed\n"
    "  --fuzzer    the libFuzzer harness (mk/fuzz.mk builds it)\n"
    "  --full      the reference on the full standard suite (default: quick)\n"
    "  --only      one group: round, emulation, reference, fp64, scaling,\n"
    "              attention, rwkv, formula, search, libfuzzer, report\n"
    "Exit status 0 when the figures were written (aims missed or not), 2 on a\n"
    "bad argument or when the file cannot be written.\n";

/* The groups of figures, in the order they run; --only names one. */
static const struct group {
    const char *name;
    void (*run)(const bench_args *args);
} groups[] = {
    { "round", bench_round },
    { "emulation", bench_softmax_emulation },
    { "reference", bench_reference_floor },
    { "fp64", bench_reference_vs_fp64 },
    { "scaling", bench_scaling },
    { "attention", bench_attention },
    { "rwkv", bench_rwkv },
    { "formula", bench_formula_vs_builtin },
    { "search", bench_search },
    { "libfuzzer", bench_libfuzzer },
    { "report", bench_report },
};
#define NGROUPS (sizeof groups / sizeof groups[0])

static int known_group(const char *name)
{
    for (size_t g = 0; g < NGROUPS; g++)
        if (strcmp(groups[g].name, name) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    const char *out = "reports/latest/bench.json", *only = NULL;
    bench_args args = { 0 };
    for (int i = 1; i < argc; i++) {
        const char **dst = NULL;
        if (strcmp(argv[i], "--out") == 0)
            dst = &out;
        else if (strcmp(argv[i], "--round") == 0)
            dst = &args.round_json;
        else if (strcmp(argv[i], "--normstab") == 0)
            dst = &args.normstab;
        else if (strcmp(argv[i], "--fuzzer") == 0)
            dst = &args.fuzzer;
        else if (strcmp(argv[i], "--only") == 0)
            dst = &only;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(argv[i], "--full") == 0) {
            args.full_suite = 1;
            continue;
        } else {
            fprintf(stderr, "bench-suite: unknown argument '%s' (see bench-suite --help)\n", argv[i]);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "bench-suite: %s needs a value\n", argv[i]);
            return 2;
        }
        *dst = argv[++i];
    }
    if (only && !known_group(only)) {
        fprintf(stderr, "bench-suite: --only: unknown group '%s' (see bench-suite --help)\n", only);
        return 2;
    }

    bench_figures_start();
    char load[128];
    load_average(load, sizeof load);
    printf("%-34s %14s\n", "figure", "value");
    for (size_t g = 0; g < NGROUPS; g++)
        if (!only || strcmp(only, groups[g].name) == 0)
            groups[g].run(&args);
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
