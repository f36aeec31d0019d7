/* `make bench`: runs every benchmark (bench.h) and writes the figures.
 *
 * Usage: bench-suite [--out FILE] [--round FILE.json] [--normstab BIN]
 *                    [--fuzzer BIN] [--full] [--only NAME]
 *   --out       where the JSON goes (default reports/latest/bench.json)
 *   --round     the figures of bench-round, merged in (its own run)
 *   --normstab  the command whose search and report are timed
 *   --fuzzer    the libFuzzer harness (mk/fuzz.mk builds it)
 *   --full      the reference on the full standard suite (default: quick)
 *   --only      one group: emulation, reference, fp64, scaling, round,
 *               search, libfuzzer, report
 * Exit status 0 when the figures were written (aims missed or not), 2 on a
 * bad argument or when the file cannot be written. */
#include "bench.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static cJSON *figures, *notes;

/* Whether v meets "<= A", ">= A" or "A..B". */
static int aim_met(const char *aim, double v)
{
    double a, b;
    if (sscanf(aim, "<= %lf", &a) == 1)
        return v <= a;
    if (sscanf(aim, ">= %lf", &a) == 1)
        return v >= a;
    if (sscanf(aim, "%lf..%lf", &a, &b) == 2)
        return v >= a && v <= b;
    return 0;
}

void bench_figure(const char *name, double value, const char *aim, const char *why_missed)
{
    if (!isfinite(value)) {
        bench_note(name, "not measured: the measurement gave %g", value);
        printf("%-34s %14s\n", name, "-");
        return;
    }
    cJSON_AddNumberToObject(figures, name, value);
    if (!aim) {
        printf("%-34s %14.4g\n", name, value);
        return;
    }
    int met = aim_met(aim, value);
    printf("%-34s %14.4g   aim %-12s %s\n", name, value, aim, met ? "met" : "MISSED");
    char key[128];
    snprintf(key, sizeof key, "aim_%s", name);
    bench_note(key, "%s: %s", aim, met ? "met" : "missed");
    if (!met && why_missed) {
        snprintf(key, sizeof key, "why_%s", name);
        bench_note(key, "%s", why_missed);
    }
}

void bench_note(const char *name, const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    cJSON_DeleteItemFromObjectCaseSensitive(notes, name);
    cJSON_AddStringToObject(notes, name, text);
}

static void mkdir_parents(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return;
    *slash = 0;
    for (char *p = dir + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(dir, 0755);
            *p = '/';
        }
    mkdir(dir, 0755);
}

/* Atomically: a temporary file next to path, then rename. */
static int write_json(const char *path, const cJSON *root)
{
    char *text = cJSON_Print(root);
    if (!text)
        return -1;
    mkdir_parents(path);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *fp = fopen(tmp, "w");
    int ok = fp && fputs(text, fp) >= 0 && fputc('\n', fp) != EOF;
    if (fp && fclose(fp) != 0)
        ok = 0;
    free(text);
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return -1;
    }
    return 0;
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

    cJSON *root = cJSON_CreateObject();
    figures = cJSON_AddObjectToObject(root, "figures");
    notes = cJSON_AddObjectToObject(root, "notes");
    char load[128] = "";
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (!fgets(load, sizeof load, la))
            load[0] = 0;
        fclose(la);
        load[strcspn(load, "\n")] = 0;
    }
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
    if (wanted(only, "search"))
        bench_search(normstab);
    if (wanted(only, "libfuzzer"))
        bench_libfuzzer(fuzzer);
    if (wanted(only, "report"))
        bench_report(normstab);
    char load_end[128] = "";
    la = fopen("/proc/loadavg", "r");
    if (la) {
        if (!fgets(load_end, sizeof load_end, la))
            load_end[0] = 0;
        fclose(la);
        load_end[strcspn(load_end, "\n")] = 0;
    }
    bench_note("load_average", "/proc/loadavg at the start: %s; at the end: %s (2 cores: "
               "above 2, other processes competed for the CPUs)", load, load_end);
    bench_note("compiler", "%s", __VERSION__);
    bench_note("machine", "%ld online CPUs; every figure is a ratio or rate measured in this run",
               sysconf(_SC_NPROCESSORS_ONLN));

    int rc = 0;
    if (write_json(out, root) != 0) {
        fprintf(stderr, "bench-suite: cannot write %s: %s\n", out, strerror(errno));
        rc = 2;
    } else {
        printf("figures written to %s\n", out);
    }
    cJSON_Delete(root);
    return rc;
}
