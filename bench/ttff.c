/* Time to first finding: how long each engine takes to find documented
 * hazards, side by side (make bench-ttff).
 *
 *   bench-ttff [--fuzz-build DIR] [--out DIR] [--budget S] [--seeds K] [--only NAME]
 *
 * Engines: the built-in search with --strategy random (the baseline) and
 * evolve, run in this process; libFuzzer and AFL++ (from the builds in
 * --fuzz-build, when present) run as child processes whose findings file is
 * watched.  Each hazard is a target (algorithm, policy) and the (kind,
 * cause) of the finding that documents it; an engine's time is the median
 * over K seeds of the wall-clock time until that finding is confirmed, or
 * "> budget".  Also measured: executions per second of each engine on
 * softmax.shifted in fp16 with rows of at most 64 logits.  Writes the tables
 * to standard output and to OUT/ttff.md. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../fuzz/search.h"
#include "../util/clock.h"

typedef struct hazard {
    const char *name;
    const char *alg, *policy;
    ns_kind kind;
    int cause;              /* ns_cause, or -1: any */
    const char *note;
} hazard;

static const hazard hazards[] = {
    { "naive softmax overflows (fp16)", "softmax.naive", "fp16", NS_KIND_NAN, NS_CAUSE_OVERFLOW,
      "e^x > 65504 for x > 11.09" },
    { "all-masked row (fp16)", "softmax.shifted", "fp16", NS_KIND_NAN, NS_CAUSE_ALL_MASKED,
      "(-inf) - (-inf)" },
    { "relu.norm 0/0 (fp16)", "relu.norm", "fp16", NS_KIND_NAN, NS_CAUSE_ZERO_DENOMINATOR,
      "no positive logit" },
    { "spherical 0/0 from underflowed squares (fp16)", "spherical", "fp16", NS_KIND_NAN,
      NS_CAUSE_UNDERFLOW, "every |x| < 2^-12.5" },
    { "softmax.lse sum drift (fp16)", "softmax.lse", "fp16", NS_KIND_SUM, -1,
      "|lse| u amplified by exp" },
    { "spherical 0/0 from underflowed squares (fp32)", "spherical", "fp32", NS_KIND_NAN,
      NS_CAUSE_UNDERFLOW, "every |x| < 2^-75" },
    { "relu2.norm 0/0 from underflowed squares (bf16)", "relu2.norm", "bf16", NS_KIND_NAN,
      NS_CAUSE_UNDERFLOW, "positive x < 2^-66.5 only" },
    { "softmax1.shifted loses the one (fp16)", "softmax1.shifted", "fp16", NS_KIND_ERROR,
      NS_CAUSE_OVERFLOW, "every x < -11.09: e^-m = inf" },
};
#define NHAZARDS (sizeof hazards / sizeof hazards[0])

enum { E_RANDOM, E_EVOLVE, E_LIBFUZZER, E_AFL, NENGINES };
static const char *const engine_names[NENGINES] = { "random", "evolve", "libFuzzer", "AFL++" };

static double budget = 60;
static unsigned nseeds = 3;
static const char *fuzz_build = "build/fuzz";
static const char *out_dir = "reports/latest";

/* ---- the built-in search ------------------------------------------------ */

typedef struct stop_at {
    ns_kind kind;
    int cause;
    double found;           /* seconds, or -1 */
    double t0;
} stop_at;

static int on_new(const ns_finding *f, void *ctx)
{
    stop_at *s = ctx;
    if (f->kind == s->kind && (s->cause < 0 || (int)f->cause == s->cause)) {
        s->found = ns_clock_monotonic() - s->t0;
        return 1;
    }
    return 0;
}

static double run_search(const hazard *h, ns_strategy strategy, uint64_t seed)
{
    ns_fuzz_target t;
    char err[256];
    if (ns_fuzz_target_open(&t, h->alg, h->policy, ns_kind_name(h->kind), err, sizeof err) != 0) {
        fprintf(stderr, "bench-ttff: %s\n", err);
        exit(2);
    }
    ns_finder fd;
    ns_finder_init(&fd, &t, ns_strategy_name(strategy), seed);
    stop_at s = { .kind = h->kind, .cause = h->cause, .found = -1, .t0 = ns_clock_monotonic() };
    fd.on_new = on_new;
    fd.ctx = &s;
    ns_search_opts o = { .strategy = strategy, .seconds = budget, .seed = seed };
    ns_search_stats st;
    if (ns_search_run(&fd, &o, &st) != 0) {
        fprintf(stderr, "bench-ttff: out of memory\n");
        exit(2);
    }
    ns_finder_free(&fd);
    ns_fuzz_target_free(&t);
    return s.found;
}

/* ---- external engines ------------------------------------------------------- */

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Whether the findings file has a line of the hazard's kind and cause. */
static int file_has(const char *path, const hazard *h)
{
    FILE *in = fopen(path, "r");
    if (!in)
        return 0;
    char line[65536], kind[64], cause[64];
    snprintf(kind, sizeof kind, "\"kind\":\"%s\"", ns_kind_name(h->kind));
    snprintf(cause, sizeof cause, "\"cause\":\"%s\"", h->cause < 0 ? "" : ns_cause_name((ns_cause)h->cause));
    int found = 0;
    while (!found && fgets(line, sizeof line, in))
        found = strstr(line, kind) && (h->cause < 0 || strstr(line, cause));
    fclose(in);
    return found;
}

/* Runs argv with the target's environment in a new process group until the
 * findings file shows the hazard or the budget ends; the seconds it took, or
 * -1. */
static double run_child(const hazard *h, char *const argv[], const char *findings, const char *extra_env)
{
    unlink(findings);
    double t0 = ns_clock_monotonic();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setpgid(0, 0);
        setenv("NS_FUZZ_TARGET", h->alg, 1);
        setenv("NS_FUZZ_POLICY", h->policy, 1);
        setenv("NS_FUZZ_FINDINGS", findings, 1);
        if (extra_env) {
            char buf[4096];
            snprintf(buf, sizeof buf, "%s", extra_env);
            for (char *kv = strtok(buf, " "); kv; kv = strtok(NULL, " ")) {
                char *eq = strchr(kv, '=');
                if (eq) {
                    *eq = '\0';
                    setenv(kv, eq + 1, 1);
                }
            }
        }
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    setpgid(pid, pid);
    double found = -1;
    int status, done = 0;
    while (ns_clock_monotonic() - t0 < budget + 5) {
        if (file_has(findings, h)) {
            found = ns_clock_monotonic() - t0;
            break;
        }
        if (!done && waitpid(pid, &status, WNOHANG) == pid)
            done = 1;
        if (done && !file_has(findings, h))
            break;
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    if (!done) {
        kill(-pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    return found > budget ? -1 : found;
}

static char work[4096];

static double run_libfuzzer(const hazard *h, unsigned seed)
{
    char bin[4096], corpus[4200], findings[4200], seeds_arg[64], time_arg[64], cmd[8600];
    snprintf(bin, sizeof bin, "%s/libfuzzer/normstab-fuzz", fuzz_build);
    snprintf(corpus, sizeof corpus, "%s/corpus-%u", work, seed);
    snprintf(findings, sizeof findings, "%s/libfuzzer.jsonl", work);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", corpus, corpus);
    if (system(cmd) != 0)
        return -1;
    snprintf(seeds_arg, sizeof seeds_arg, "-seed=%u", seed);
    snprintf(time_arg, sizeof time_arg, "-max_total_time=%d", (int)ceil(budget));
    char *const argv[] = { bin, seeds_arg, time_arg, "-max_len=16384", "-timeout=30", corpus, NULL };
    /* The harness exits as soon as it makes the finding (harness.h). */
    char stop[128];
    snprintf(stop, sizeof stop, "%s%s%s", ns_kind_name(h->kind), h->cause < 0 ? "" : ":",
             h->cause < 0 ? "" : ns_cause_name((ns_cause)h->cause));
    setenv("NS_FUZZ_STOP", stop, 1);
    double t = run_child(h, argv, findings,
                         "ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:suppressions=fuzz/ubsan.supp");
    unsetenv("NS_FUZZ_STOP");
    return t;
}

static double run_afl(const hazard *h, unsigned seed)
{
    char bin[4096], mut[4096], seeds[4200], outd[4200], findings[4200], cmd[32768], time_arg[32], seed_arg[32];
    snprintf(bin, sizeof bin, "%s/afl/normstab-afl", fuzz_build);
    snprintf(mut, sizeof mut, "%s/afl/mutator.so", fuzz_build);
    snprintf(seeds, sizeof seeds, "%s/afl-seeds", work);
    snprintf(outd, sizeof outd, "%s/afl-out-%u", work, seed);
    snprintf(findings, sizeof findings, "%s/afl.jsonl", work);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s' && mkdir -p '%s' && NS_FUZZ_TARGET='%s' NS_FUZZ_POLICY='%s' "
             "'%s/replay' --seeds '%s'", seeds, outd, seeds, h->alg, h->policy, fuzz_build, seeds);
    if (system(cmd) != 0)
        return -1;
    snprintf(time_arg, sizeof time_arg, "%d", (int)ceil(budget));
    snprintf(seed_arg, sizeof seed_arg, "%u", seed);
    setenv("AFL_CUSTOM_MUTATOR_LIBRARY", mut, 1);
    char *const argv[] = { "afl-fuzz", "-i", seeds, "-o", outd, "-V", time_arg, "-s", seed_arg,
                           "-m", "none", "-t", "5000", "--", bin, NULL };
    double t = run_child(h, argv, findings,
                         "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 "
                         "AFL_NO_AFFINITY=1 AFL_FAST_CAL=1 AFL_NO_STARTUP_CALIBRATION=1");
    unsetenv("AFL_CUSTOM_MUTATOR_LIBRARY");
    return t;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    /* not found (-1) sorts last */
    if (x < 0)
        x = INFINITY;
    if (y < 0)
        y = INFINITY;
    return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
    qsort(v, n, sizeof *v, by_value);
    double m = v[n / 2];
    return m < 0 ? -1 : m;
}

static void cell(char *buf, size_t len, double t, unsigned found, unsigned runs)
{
    if (t < 0)
        snprintf(buf, len, "> %.0f s (%u/%u)", budget, found, runs);
    else if (t < 0.01)
        snprintf(buf, len, "%.4f s (%u/%u)", t, found, runs);
    else
        snprintf(buf, len, "%.2f s (%u/%u)", t, found, runs);
}

/* Executions per second of each engine on softmax.shifted fp16, rows <= 64. */
static void throughput(FILE *md, int have_lf, int have_afl)
{
    fprintf(md, "\n## Executions per second (softmax.shifted, fp16, rows of at most 64 logits)\n\n"
                "| engine | executions/s |\n|---|---:|\n");
    for (int st = 0; st < 2; st++) {
        ns_fuzz_target t;
        char err[256];
        ns_fuzz_spec spec = { .sum = NS_SUM_SEQ, .objective = NS_OBJECTIVE_ALL, .max_n = 64 };
        spec.alg = ns_algorithm_find("softmax.shifted", &spec.family);
        spec.policy = ns_policy_find("fp16");
        if (ns_fuzz_target_init(&t, &spec, err, sizeof err) != 0)
            continue;
        ns_finder fd;
        ns_finder_init(&fd, &t, "bench", 1);
        ns_search_opts o = { .strategy = st ? NS_STRATEGY_EVOLVE : NS_STRATEGY_RANDOM, .seconds = 5, .seed = 1 };
        ns_search_stats s;
        ns_search_run(&fd, &o, &s);
        fprintf(md, "| search %s | %.0f |\n", st ? "evolve" : "random", (double)s.evals / s.seconds);
        ns_finder_free(&fd);
        ns_fuzz_target_free(&t);
    }
    char cmd[65536], line[512];
    if (have_lf) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s/tp' && mkdir -p '%s/tp' && NS_FUZZ_TARGET=softmax.shifted "
                 "NS_FUZZ_POLICY=fp16 NS_FUZZ_MAX_N=64 ASAN_OPTIONS=detect_leaks=0 "
                 "UBSAN_OPTIONS=halt_on_error=1:suppressions=fuzz/ubsan.supp "
                 "'%s/libfuzzer/normstab-fuzz' -max_total_time=10 -max_len=1024 -print_final_stats=1 "
                 "'%s/tp' 2>&1 | sed -n 's/^stat::average_exec_per_sec: *//p'", work, work, fuzz_build, work);
        FILE *p = popen(cmd, "r");
        if (p && fgets(line, sizeof line, p))
            fprintf(md, "| libFuzzer (as built: %s/libfuzzer/flags) | %s |\n", fuzz_build, strtok(line, "\n"));
        if (p)
            pclose(p);
    }
    if (have_afl) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s/tpa' '%s/tps' && mkdir -p '%s/tps' && NS_FUZZ_TARGET=softmax.shifted "
                 "NS_FUZZ_POLICY=fp16 NS_FUZZ_MAX_N=64 '%s/replay' --seeds '%s/tps' && "
                 "NS_FUZZ_TARGET=softmax.shifted NS_FUZZ_POLICY=fp16 NS_FUZZ_MAX_N=64 "
                 "AFL_CUSTOM_MUTATOR_LIBRARY='%s/afl/mutator.so' AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 "
                 "AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_FAST_CAL=1 "
                 "afl-fuzz -i '%s/tps' -o '%s/tpa' -V 10 -m none -- '%s/afl/normstab-afl' >/dev/null 2>&1; "
                 "sed -n 's/^execs_per_sec *: *//p' '%s/tpa/default/fuzzer_stats'",
                 work, work, work, fuzz_build, work, fuzz_build, work, work, fuzz_build, work);
        FILE *p = popen(cmd, "r");
        if (p && fgets(line, sizeof line, p))
            fprintf(md, "| AFL++ (persistent) | %s |\n", strtok(line, "\n"));
        if (p)
            pclose(p);
    }
}

int main(int argc, char **argv)
{
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--fuzz-build") == 0 && i + 1 < argc)
            fuzz_build = argv[++i];
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out_dir = argv[++i];
        else if (strcmp(argv[i], "--budget") == 0 && i + 1 < argc)
            budget = atof(argv[++i]);
        else if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc)
            nseeds = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else {
            fprintf(stderr, "usage: bench-ttff [--fuzz-build DIR] [--out DIR] [--budget S] "
                            "[--seeds K] [--only ENGINE]\n");
            return 2;
        }
    }
    if (!(budget > 0) || nseeds < 1 || nseeds > 99) {
        fprintf(stderr, "bench-ttff: --budget must be positive and --seeds 1 to 99\n");
        return 2;
    }
    snprintf(work, sizeof work, "%s/fuzz/ttff", out_dir);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", work);
    if (system(cmd) != 0) {
        fprintf(stderr, "bench-ttff: cannot create %s\n", work);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/libfuzzer/normstab-fuzz", fuzz_build);
    int have_lf = exists(path);
    snprintf(path, sizeof path, "%s/afl/normstab-afl", fuzz_build);
    int have_afl = exists(path) && system("command -v afl-fuzz >/dev/null 2>&1") == 0;
    int run_engine[NENGINES] = { 1, 1, have_lf, have_afl };
    if (only)
        for (int e = 0; e < NENGINES; e++)
            run_engine[e] = run_engine[e] && strcmp(only, engine_names[e]) == 0;

    snprintf(path, sizeof path, "%s/ttff.md", out_dir);
    FILE *md = fopen(path, "w");
    if (!md) {
        fprintf(stderr, "bench-ttff: cannot write %s\n", path);
        return 2;
    }
    fprintf(md, "# Time to first finding\n\nMedian over %u seeds of the wall-clock time until the "
                "finding is confirmed by the MPFR reference (found/runs in brackets); budget %.0f s.\n\n"
                "| hazard | target | kind (cause) | random | evolve | libFuzzer | AFL++ | random / evolve |\n"
                "|---|---|---|---:|---:|---:|---:|---:|\n", nseeds, budget);
    for (size_t k = 0; k < NHAZARDS; k++) {
        const hazard *h = &hazards[k];
        double med[NENGINES];
        unsigned found[NENGINES];
        for (int e = 0; e < NENGINES; e++) {
            double v[99];
            found[e] = 0;
            med[e] = NAN;
            if (!run_engine[e])
                continue;
            for (unsigned s = 0; s < nseeds; s++) {
                switch (e) {
                case E_RANDOM: v[s] = run_search(h, NS_STRATEGY_RANDOM, s + 1); break;
                case E_EVOLVE: v[s] = run_search(h, NS_STRATEGY_EVOLVE, s + 1); break;
                case E_LIBFUZZER: v[s] = run_libfuzzer(h, s + 1); break;
                default: v[s] = run_afl(h, s + 1); break;
                }
                found[e] += v[s] >= 0;
                fprintf(stderr, "  %s / %s seed %u: %s\n", h->name, engine_names[e], s + 1,
                        v[s] >= 0 ? "found" : "not found");
            }
            med[e] = median(v, nseeds);
        }
        char c[NENGINES][48], ratio[48] = "-";
        for (int e = 0; e < NENGINES; e++) {
            if (isnan(med[e]))
                snprintf(c[e], sizeof c[e], "not run");
            else
                cell(c[e], sizeof c[e], med[e], found[e], nseeds);
        }
        if (!isnan(med[E_RANDOM]) && !isnan(med[E_EVOLVE]) && med[E_EVOLVE] > 0) {
            double r = med[E_RANDOM] < 0 ? budget : med[E_RANDOM];
            snprintf(ratio, sizeof ratio, "%s%.0f x", med[E_RANDOM] < 0 ? "> " : "", r / med[E_EVOLVE]);
        }
        fprintf(md, "| %s | %s %s | %s (%s) | %s | %s | %s | %s | %s |\n", h->name, h->alg, h->policy,
                ns_kind_name(h->kind), h->cause < 0 ? "any" : ns_cause_name((ns_cause)h->cause),
                c[E_RANDOM], c[E_EVOLVE], c[E_LIBFUZZER], c[E_AFL], ratio);
        fflush(md);
    }
    throughput(md, run_engine[E_LIBFUZZER], run_engine[E_AFL]);
    fclose(md);
    FILE *in = fopen(path, "r");
    int ch;
    while (in && (ch = fgetc(in)) != EOF)
        putchar(ch);
    if (in)
        fclose(in);
    return 0;
}
