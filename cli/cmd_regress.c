/* normstab regress: compare with a baseline (report/regress.h), or
 * rewrite the baseline with --update. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../report/regress.h"
#include "../report/report.h"
#include "../normalizers/catalogue.h"
#include "args.h"
#include "cli.h"
#include "../util/clock.h"
#include "../util/file.h"
#include "../util/path.h"

#define DEFAULT_BASELINE "reports/baseline/results.json"

static const char regress_help[] =
    "usage: normstab regress [--baseline FILE] [-n NAME]... [--param KEY=VALUE]...\n"
    "                        [--markdown FILE] [--threads N]\n"
    "       normstab regress --update [--baseline FILE] [-n NAME]... [--param KEY=VALUE]...\n"
    "                        [--suite tiny|quick|full] [--seed K]\n\n"
    "Measures the baseline's suite again with every normalizer (plugins too) and\n"
    "compares each result with the baseline metric by metric; prints every\n"
    "regression (algorithm, policy, summation order, metric, before -> after, the\n"
    "input behind it and the command that replays it) and every improvement.\n"
    "Tolerances: docs/regress.md ('--rules' prints them).\n\n"
    "  --baseline FILE  a results.json of 'normstab report' (default\n"
    "                   " DEFAULT_BASELINE ")\n"
    "  -n NAME          only this normalizer (repeatable): the others are neither\n"
    "                   measured nor compared (default: those the baseline names in\n"
    "                   \"normalizers\", else all).  With --update: a baseline of just\n"
    "                   those, which a check then measures alone\n"
    "  --param KEY=VALUE  measure every family declaring KEY with VALUE (repeatable;\n"
    "                   default: the baseline's \"params\"); --update records them\n"
    "  --markdown FILE  also write the tables as Markdown (for a pull-request\n"
    "                   comment); '-' writes them to standard output instead\n"
    "  --threads N      OpenMP threads (default: all cores)\n"
    "  --update         measure and rewrite FILE (and the report.md beside it;\n"
    "                   with -n, FILE alone) instead of comparing: deliberately,\n"
    "                   and atomically\n"
    "  --suite S        with --update: tiny, quick or full (default: the old\n"
    "                   baseline's, else quick)\n"
    "  --seed K         with --update: the seed (default: the old baseline's, else 1)\n"
    "  --rules          print the tolerance rules as a Markdown table\n"
    "Exit status: 0 no regression, 1 a regression or a baseline target no longer\n"
    "measured, 2 a usage error or a bad baseline (named with line and column).\n";

typedef struct progress {
    int on;
    double last;
} progress;

static void show_progress(void *ctx, size_t done, size_t total)
{
    progress *p = ctx;
    double t = ns_clock_monotonic();
    if (!p->on || (done < total && t - p->last < 0.2))
        return;
    p->last = t;
    fprintf(stderr, "\r  measuring %6zu / %-6zu", done, total);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

static void show_stage(void *ctx, const char *stage, size_t done, size_t total)
{
    progress *p = ctx;
    double t = ns_clock_monotonic();
    if (!p->on || (done < total && t - p->last < 0.2))
        return;
    p->last = t;
    fprintf(stderr, "\r  %-14s %6zu / %-6zu", stage, done, total);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

static void no_warning(void *ctx, const char *message)
{
    (void)ctx, (void)message;     /* plots are not kept in a baseline */
}

static unsigned long long parse_uint(const char *opt, const char *s, unsigned long long max)
{
    unsigned long long v;
    if (ns_parse_count(s, 0, &v) != 0 || v > max)
        ns_die("regress: %s '%s' is not an integer in [0, %llu]", opt, s, max);
    return v;
}

/* The directory part of path ("." when none). */
static void dir_of(const char *path, char *dir, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, len, ".");
    else if (slash == path)
        snprintf(dir, len, "/");
    else
        snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

/* The Markdown summary written beside a baseline: report.md beside
 * results.json, else FILE.md for FILE.json. */
static void md_beside(const char *baseline, char *out, size_t len)
{
    char dir[PATH_MAX];
    dir_of(baseline, dir, sizeof dir);
    const char *base = strrchr(baseline, '/') ? strrchr(baseline, '/') + 1 : baseline;
    size_t n = strlen(baseline);
    if (strcmp(base, "results.json") == 0)
        snprintf(out, len, "%s/report.md", dir);
    else if (n > 5 && strcmp(baseline + n - 5, ".json") == 0)
        snprintf(out, len, "%.*s.md", (int)(n - 5), baseline);
    else
        snprintf(out, len, "%s.md", baseline);
}

/* Measures the report of the given suite into a scratch directory beside
 * the baseline, then renames its report.md and results.json into place:
 * each rename is atomic, results.json (the baseline proper) goes last, and
 * a failure before it leaves the old baseline as it was. */
static int update(const char *baseline, ns_suite_size size, uint64_t seed, int threads)
{
    char dir[PATH_MAX], prefix[PATH_MAX + 24], scratch[PATH_MAX + 32], out[PATH_MAX + 64], from[PATH_MAX + 96],
         md[PATH_MAX + 16];
    dir_of(baseline, dir, sizeof dir);
    md_beside(baseline, md, sizeof md);
    /* What cannot be replaced is said before minutes of measuring. */
    struct stat st;
    if (stat(baseline, &st) == 0 && S_ISDIR(st.st_mode))
        ns_die("regress: --update: %s is a directory", baseline);
    if (stat(md, &st) == 0 && S_ISDIR(st.st_mode))
        ns_die("regress: --update: %s is a directory", md);
    if (ns_mkdir_p(dir) != 0)
        ns_die("regress: cannot create the directory %s (%s)", dir, strerror(errno));
    snprintf(prefix, sizeof prefix, "%s/.regress-update-", dir);
    if (ns_mkdtemp(scratch, sizeof scratch, prefix) != 0)
        ns_die("regress: cannot create a scratch directory in %s (%s)", dir, strerror(errno));
    snprintf(out, sizeof out, "%s/report", scratch);
    progress p = { isatty(2), 0 };
    ns_report_opts o = { .out = out, .size = size, .seed = seed, .threads = threads,
                         .progress = show_stage, .progress_ctx = &p, .warn = no_warning };
    double start = ns_clock_monotonic();
    char err[1024];
    if (ns_report_run(&o, err, sizeof err) != 0) {
        ns_remove_tree(scratch);
        ns_die("regress: --update: %s", err);
    }
    snprintf(from, sizeof from, "%s/report.md", out);
    int bad = rename(from, md) != 0;
    snprintf(from, sizeof from, "%s/results.json", out);
    if (!bad)
        bad = rename(from, baseline) != 0;
    int saved = errno;
    ns_remove_tree(scratch);
    if (bad)
        ns_die("regress: --update: cannot move the new baseline into place at %s (%s)", baseline, strerror(saved));
    printf("regress: baseline %s rewritten (suite %s, seed %llu) with %s, in %.0f s\n", baseline,
           ns_suite_size_name(size), (unsigned long long)seed, md, ns_clock_monotonic() - start);
    return ns_finish_output();
}

/* The run-wide parameters kv[0..n); from names where they come from (NULL:
 * the command line). */
static void set_params(const char *const *kv, size_t n, const char *from)
{
    char err[512];
    for (size_t i = 0; i < n; i++)
        if (ns_params_override(kv[i], err, sizeof err) != 0) {
            if (from)
                ns_die("regress: %s: %s", from, err);
            ns_die("regress: %s", err);
        }
}

/* only with name added (a baseline's selection: names a plugin not loaded
 * now stay, and their targets are then missing). */
static const char **grow_only(const char **only, size_t *n, const char *name)
{
    const char **grown = realloc(only, (*n + 2) * sizeof *grown);
    if (!grown)
        ns_die("regress: out of memory");
    grown[(*n)++] = name;
    grown[*n] = NULL;
    return grown;
}

/* A baseline of only[0..nonly) alone (ns_regress_write_subset). */
static int update_subset(const char *baseline, ns_suite_size size, uint64_t seed, const char **only,
                         size_t nonly, int threads)
{
    struct stat st;
    if (stat(baseline, &st) == 0 && S_ISDIR(st.st_mode))
        ns_die("regress: --update: %s is a directory", baseline);
    char dir[PATH_MAX], err[1024];
    dir_of(baseline, dir, sizeof dir);
    if (ns_mkdir_p(dir) != 0)
        ns_die("regress: cannot create the directory %s (%s)", dir, strerror(errno));
    progress p = { isatty(2), 0 };
    double start = ns_clock_monotonic();
    if (ns_regress_write_subset(baseline, size, seed, only, nonly, threads, show_progress, &p, err,
                                sizeof err) != 0)
        ns_die("regress: --update: %s", err);
    printf("regress: baseline %s rewritten (suite %s, seed %llu) with %zu normalizer%s, in %.0f s\n", baseline,
           ns_suite_size_name(size), (unsigned long long)seed, nonly, nonly == 1 ? "" : "s",
           ns_clock_monotonic() - start);
    return ns_finish_output();
}

static int parse_suite(const char *s, ns_suite_size *out)
{
    for (int k = NS_SUITE_TINY; k <= NS_SUITE_FULL; k++)
        if (strcmp(s, ns_suite_size_name((ns_suite_size)k)) == 0) {
            *out = (ns_suite_size)k;
            return 0;
        }
    return -1;
}

int cmd_regress(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "name", required_argument, NULL, 'n' },
        { "baseline", required_argument, NULL, 'b' },
        { "markdown", required_argument, NULL, 'm' },
        { "threads", required_argument, NULL, 't' },
        { "update", no_argument, NULL, 'u' },
        { "suite", required_argument, NULL, 'S' },
        { "seed", required_argument, NULL, 's' },
        { "rules", no_argument, NULL, 'r' },
        { "param", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *baseline = DEFAULT_BASELINE, *markdown = NULL, *suite = NULL;
    const char **only = calloc((size_t)argc + 1, sizeof *only);
    const char **params = calloc((size_t)argc + 1, sizeof *params);
    size_t nonly = 0, nparams = 0;
    if (!only || !params)
        ns_die("regress: out of memory");
    int threads = 0, do_update = 0, have_seed = 0, c;
    uint64_t seed = 1;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":n:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (!ns_algorithm_find(optarg, NULL))
                ns_die("regress: unknown normalizer '%s' (see 'normstab list normalizers')", optarg);
            only[nonly++] = optarg;
            break;
        case 'b': baseline = optarg; break;
        case 'p': params[nparams++] = optarg; break;
        case 'm': markdown = optarg; break;
        case 't': threads = (int)parse_uint("--threads", optarg, 1024); break;
        case 'u': do_update = 1; break;
        case 'S': suite = optarg; break;
        case 's': seed = parse_uint("--seed", optarg, UINT64_MAX); have_seed = 1; break;
        case 'r':
            free(only);
            free(params);
            ns_regress_write_rules(stdout);
            return ns_finish_output();
        case 'h': free(only); free(params); fputs(regress_help, stdout); return ns_finish_output();
        case ':': ns_die("regress: option '%s' needs a value", argv[optind - 1]);
        default: ns_die("regress: unknown option '%s' (see 'normstab regress --help')", argv[optind - 1]);
        }
    }
    if (optind < argc)
        ns_die("regress: unexpected argument '%s'", argv[optind]);
    if (!*baseline)
        ns_die("regress: --baseline needs a file name");
    if (!do_update && (suite || have_seed))
        ns_die("regress: --suite and --seed go with --update (a check uses the baseline's)");
    if (do_update && markdown)
        ns_die("regress: --markdown goes with a check, not with --update");

    char err[1024];
    ns_regress_baseline b;
    if (do_update) {
        ns_suite_size size = NS_SUITE_QUICK;
        if (access(baseline, F_OK) == 0 && ns_regress_load(baseline, &b, err, sizeof err) == 0) {
            size = b.size;               /* keep what the old baseline measured */
            if (!have_seed)
                seed = b.seed;
            if (!nparams)
                set_params((const char *const *)b.params, b.nparams, "the old baseline's");
            ns_regress_baseline_free(&b);
        }
        set_params(params, nparams, NULL);
        if (suite && parse_suite(suite, &size) != 0)
            ns_die("regress: unknown suite '%s' (known: tiny, quick, full)", suite);
        int rc = nonly ? update_subset(baseline, size, seed, only, nonly, threads)
                       : update(baseline, size, seed, threads);
        free(only);
        free(params);
        return rc;
    }

    if (ns_regress_load(baseline, &b, err, sizeof err) != 0)
        ns_die("regress: %s", err);
    /* The baseline's parameters, then the command line's over them; its
     * selection of normalizers unless -n chose. */
    set_params((const char *const *)b.params, b.nparams, b.path);
    set_params(params, nparams, NULL);
    free(params);
    if (!nonly)
        for (size_t i = 0; i < b.nnormalizers; i++)
            only = grow_only(only, &nonly, b.normalizers[i]);
    /* The Markdown goes to a temporary file beside FILE, renamed over it
     * when whole; made now, so that an unwritable FILE is said before the
     * measuring. */
    char md_tmp[PATH_MAX + 16] = "";
    FILE *md = NULL;
    if (markdown && strcmp(markdown, "-") != 0) {
        struct stat st;
        if (stat(markdown, &st) == 0 && S_ISDIR(st.st_mode)) {
            ns_regress_baseline_free(&b);
            ns_die("regress: cannot write %s (it is a directory)", markdown);
        }
        if (!(md = ns_file_begin(markdown, md_tmp, sizeof md_tmp))) {
            int saved = errno;
            ns_regress_baseline_free(&b);
            ns_die("regress: cannot write %s (%s)", markdown, strerror(saved));
        }
    }
    progress p = { isatty(2), 0 };
    ns_regress_opts o = { .threads = threads, .only = only, .nonly = nonly,
                          .progress = show_progress, .progress_ctx = &p };
    ns_regress_result r;
    if (ns_regress_check(&b, &o, &r, err, sizeof err) != 0) {
        ns_regress_baseline_free(&b);
        if (md)
            ns_file_commit(md, md_tmp, markdown, false, false);
        ns_die("regress: %s", err);
    }
    int failed = ns_regress_failed(&r);
    int write_error = 0;
    if (!markdown || strcmp(markdown, "-") != 0)
        write_error |= ns_regress_write_text(&b, &r, stdout) != 0;
    if (markdown) {
        FILE *f = md ? md : stdout;
        write_error |= ns_regress_write_md(&b, &r, f) != 0;
        if (md && ns_file_commit(md, md_tmp, markdown, true, true) != 0) {
            int saved = errno;
            ns_regress_result_free(&r);
            ns_regress_baseline_free(&b);
            ns_die("regress: cannot write %s (%s)", markdown, strerror(saved ? saved : EIO));
        }
    }
    ns_regress_result_free(&r);
    ns_regress_baseline_free(&b);
    free(only);
    if (write_error)
        ns_die("regress: cannot write the tables");
    int rc = ns_finish_output();
    return rc != NS_EXIT_OK ? rc : failed ? NS_EXIT_FAIL : NS_EXIT_OK;
}
