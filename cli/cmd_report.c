/* normstab report: measure every normalizer in every policy and write the
 * report (report/report.h). */
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../report/report.h"
#include "../normalizers/catalogue.h"
#include "args.h"
#include "cli.h"
#include "report_cli.h"
#include "../report/shard.h"
#include "../input/rows.h"
#include "../util/clock.h"

#define DEFAULT_DATA "data/lenet-mnist-presoftmax.txt"
#define DEFAULT_BASELINE "reports/baseline/results.json"

static const char report_help[] =
    "usage: normstab report [--out DIR] [--quick | --tiny] [--seed K] [--threads N]\n"
    "                       [--fuzz-evals N] [--data FILE | --no-data] [--resume]\n"
    "                       [--policies LIST] [--sums LIST] [--param KEY=VALUE]...\n"
    "                       [--shard I/N]\n\n"
    "Measures every normalizer in every policy and summation order on the standard\n"
    "suite of inputs, sweeps error against logit scale and row length, finds each\n"
    "algorithm's safe envelope (a grid scan, then bisection), fuzzes each one for\n"
    "a budget of evaluations, judges each normalizer x policy, and writes\n"
    "  DIR/index.html    the report: verdicts, matrices, envelopes, overviews\n"
    "  DIR/algorithms.html  one card per algorithm, where the numbers link\n"
    "  DIR/findings.html the findings of the fuzzing budget\n"
    "  DIR/report.md     a summary for CI\n"
    "  DIR/results.json  the numbers (schema in docs/report.md)\n"
    "  DIR/plots/        every plot as SVG, with its data and gnuplot script\n"
    "  DIR/rows/         the rows of the fuzzing's findings, read by their replay commands\n"
    "into a new directory that replaces DIR only once everything is written.\n\n"
    "  --out DIR      default reports/latest\n"
    "  --quick        a smaller deterministic suite (for CI)\n"
    "  --tiny         one input of each kind and the first 50 real rows: checks\n"
    "                 the machinery in seconds (tests), not a measurement\n"
    "  --seed K       the seed of every generated input (default 1); the same seed\n"
    "                 gives the same results.json but for its \"generated\" field\n"
    "  --threads N    OpenMP threads (default: all cores)\n"
    "  --fuzz-evals N evaluations of the built-in search per normalizer x policy\n"
    "                 (default 8000, about a minute on 2 cores; 1000 with --quick;\n"
    "                 none with --tiny); 0 skips the fuzzing.  A budget in\n"
    "                 evaluations, not seconds: the findings depend on the seed only\n"
    "  --data FILE    rows of real logits for the real-logits section (default\n"
    "                 " DEFAULT_DATA " when it exists)\n"
    "  --no-data      no real-logits section\n"
    "  --baseline F   a results.json to show each cell's change against, when it\n"
    "                 measured the same suite and seed (default " DEFAULT_BASELINE "\n"
    "                 when it exists; --baseline '' for none)\n"
    "  --resume       continue an interrupted run with the same options: the work\n"
    "                 it completed is kept in DIR.partial/\n"
    "  --policies LIST  measure these policies too, besides those of SPEC section 2:\n"
    "                 names separated by commas (e4m3-io,bf16-torch), composed\n"
    "                 policies separated by ';' or spaces ('fp16-upcast; in=bf16,\n"
    "                 work=fp32,tot=bf16')\n"
    "  --sums LIST    summation orders too, besides seq, pairwise and kahan:\n"
    "                 lanes:K, blocked:B, separated by commas\n"
    "  --param KEY=VALUE  every family declaring parameter KEY measured with VALUE\n"
    "                 (repeatable; results.json records them in \"params\", replay\n"
    "                 commands repeat them)\n"
    "  --shard I/N    measure only the I-th of N disjoint parts of the work (the\n"
    "                 pieces --resume keeps, balanced by their measured cost) and\n"
    "                 write them, with part.json, as the part directory DIR\n"
    "                 instead of a report; 'normstab merge' joins the N parts\n"
    "                 into the report (docs/scale.md)\n"
    "SIGINT or SIGTERM stops the run after the piece of work in progress, keeping\n"
    "the pieces done in DIR.partial/ and the previous report as it was (exit\n"
    "status 130 or 143).\n"
    "Progress goes to standard error when it is a terminal.\n";

typedef struct progress {
    int on;
    double start, last;
    const char *stage;
} progress;

static void show_progress(void *ctx, const char *stage, size_t done, size_t total)
{
    progress *p = ctx;
    if (!p->on)
        return;
    double t = ns_clock_monotonic();
    if (p->stage == stage && done < total && t - p->last < 0.2)
        return;
    p->stage = stage;
    p->last = t;
    fprintf(stderr, "\r  %-14s %6zu / %-6zu  %5.0f s", stage, done, total, t - p->start);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

static void warn(void *ctx, const char *message)
{
    (void)ctx;
    ns_warn("warning: %s", message);
}

/* All rows of path, one after the other; exits 2 on a bad file. */
static void read_rows(const char *path, ns_real_rows *out, double **values, size_t **offset)
{
    char err[512];
    ns_rows rows;
    if (ns_rows_open(&rows, path, err, sizeof err) != 0)
        ns_die("report: %s", err);
    double *x = NULL, *v = NULL;
    size_t *off = malloc(sizeof *off), n = 0, cap = 0, vlen = 0, vcap = 0, count = 0, ocap = 1;
    int r;
    if (!off)
        ns_die("report: out of memory reading %s", path);
    off[0] = 0;
    while ((r = ns_rows_next(&rows, &x, &n, &cap, err, sizeof err)) == 1) {
        if (vlen + n > vcap) {
            vcap = 2 * (vlen + n);
            v = realloc(v, vcap * sizeof *v);
        }
        if (count + 2 > ocap) {
            ocap = 2 * (count + 2);
            off = realloc(off, ocap * sizeof *off);
        }
        if (!v || !off)
            ns_die("report: out of memory reading %s", path);
        memcpy(v + vlen, x, n * sizeof *x);
        vlen += n;
        off[++count] = vlen;
    }
    free(x);
    ns_rows_close(&rows);
    if (r < 0)
        ns_die("report: %s", err);
    out->label = path;
    out->values = v;
    out->offset = off;
    out->count = count;
    *values = v;
    *offset = off;
}

/* --policies: items separated by ';' or blanks; an item without '=' may be
 * a comma-separated list of names.  A NULL-terminated array, exits 2 on a
 * bad policy. */
static const ns_policy **parse_policies(const char *list)
{
    size_t cap = strlen(list) + 2, n = 0;
    const ns_policy **out = malloc(cap * sizeof *out);
    char *copy = strdup(list);
    if (!out || !copy)
        ns_die("report: out of memory");
    for (char *save = NULL, *item = strtok_r(copy, "; \t\n", &save); item;
         item = strtok_r(NULL, "; \t\n", &save)) {
        bool composed = strchr(item, '=') != NULL;
        for (char *save2 = NULL, *name = composed ? item : strtok_r(item, ",", &save2); name;
             name = composed ? NULL : strtok_r(NULL, ",", &save2)) {
            char why[512];
            const ns_policy *p = ns_policy_parse(name, why, sizeof why);
            if (!p)
                ns_die("report: --policies: %s", why);
            if (ns_policy_is_ref(p))
                ns_die("report: --policies: 'ref' is the reference itself, not a policy to measure");
            out[n++] = p;
        }
    }
    if (n == 0)
        ns_die("report: --policies '%s' names no policy", list);
    out[n] = NULL;
    free(copy);
    return out;
}

/* --sums: orders separated by commas; exits 2 on a bad one. */
static ns_sum_order *parse_sums(const char *list, size_t *count)
{
    ns_sum_order *out = malloc((strlen(list) + 1) * sizeof *out);
    char *copy = strdup(list);
    size_t n = 0;
    if (!out || !copy)
        ns_die("report: out of memory");
    for (char *save = NULL, *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        char why[256];
        if (ns_sum_order_parse(name, &out[n++], why, sizeof why) != 0)
            ns_die("report: --sums: %s", why);
    }
    if (n == 0)
        ns_die("report: --sums '%s' names no summation order", list);
    free(copy);
    *count = n;
    return out;
}

static unsigned long long parse_uint(const char *opt, const char *s, unsigned long long max)
{
    unsigned long long v;
    if (ns_parse_count(s, 0, &v) != 0 || v > max)
        ns_die("report: %s '%s' is not an integer in [0, %llu]", opt, s, max);
    return v;
}

void ns_build_id(char *buf, size_t len)
{
    /* FNV-1a of the running binary: the parts' records are its own binary
     * layout, so only the very same build may merge them. */
    uint64_t h = 0xcbf29ce484222325ull;
    FILE *f = fopen("/proc/self/exe", "rb");
    unsigned char chunk[1 << 16];
    size_t n;
    while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        for (size_t i = 0; i < n; i++)
            h = (h ^ chunk[i]) * 0x100000001b3ull;
    if (f)
        fclose(f);
    snprintf(buf, len, "%s+%016llx", NS_VERSION, f ? (unsigned long long)h : 0ull);
}

void ns_report_cli_parse(ns_report_cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "out", required_argument, NULL, 'o' },
        { "quick", no_argument, NULL, 'q' },
        { "tiny", no_argument, NULL, 'T' },
        { "seed", required_argument, NULL, 's' },
        { "threads", required_argument, NULL, 't' },
        { "fuzz-evals", required_argument, NULL, 'f' },
        { "data", required_argument, NULL, 'd' },
        { "no-data", no_argument, NULL, 'D' },
        { "resume", no_argument, NULL, 'r' },
        { "policies", required_argument, NULL, 'P' },
        { "sums", required_argument, NULL, 'S' },
        { "baseline", required_argument, NULL, 'b' },
        { "param", required_argument, NULL, 'p' },
        { "shard", required_argument, NULL, 'H' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    memset(c, 0, sizeof *c);
    ns_report_opts *o = &c->o;
    *o = (ns_report_opts){ .out = "reports/latest", .size = NS_SUITE_FULL, .seed = 1, .warn = warn,
                           .fuzz_evals = NS_REPORT_FUZZ_DEFAULT };
    /* The options that choose what is measured, besides the suite and the
     * seed: recorded in a part for merge. */
    c->args = calloc((size_t)argc + 1, sizeof *c->args);
    if (!c->args)
        ns_die("report: out of memory");
    const char *data = NULL;
    int no_data = 0, sizes = 0, baseline_given = 0, opt;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o': o->out = optarg; break;
        case 'q': o->size = NS_SUITE_QUICK; sizes++; break;
        case 'T': o->size = NS_SUITE_TINY; sizes++; break;
        case 's': o->seed = parse_uint("--seed", optarg, UINT64_MAX); break;
        case 't': o->threads = (int)parse_uint("--threads", optarg, 1024); break;
        case 'f': o->fuzz_evals = (int64_t)parse_uint("--fuzz-evals", optarg, INT64_MAX); break;
        case 'd': data = optarg; break;
        case 'D': no_data = 1; break;
        case 'r': o->resume = true; break;
        case 'P':
            if (c->policies)
                ns_die("report: option --policies given twice");
            o->more_policies = c->policies = parse_policies(optarg);
            break;
        case 'S':
            if (c->sums)
                ns_die("report: option --sums given twice");
            o->more_sums = c->sums = parse_sums(optarg, &o->nmore_sums);
            break;
        case 'b': o->baseline = *optarg ? optarg : NULL; baseline_given = 1; break;
        case 'p': {
            char err[512];
            if (ns_params_override(optarg, err, sizeof err) != 0)
                ns_die("report: %s", err);
            break;
        }
        case 'H': {
            char err[256];
            if (ns_shard_parse(optarg, &o->shard, &o->shards, err, sizeof err) != 0)
                ns_die("report: %s", err);
            break;
        }
        case 'h': fputs(report_help, stdout); exit(ns_finish_output());
        case ':': ns_die("report: option '%s' needs a value", argv[optind - 1]);
        default: ns_die("report: unknown option '%s' (see 'normstab report --help')", argv[optind - 1]);
        }
        for (const struct option *lo = longopts; strchr("fdDPSp", opt) && lo->name; lo++)
            if (lo->val == opt) {
                size_t len = strlen(lo->name) + (optarg ? strlen(optarg) : 0) + 4;
                char *arg = malloc(len);
                if (!arg)
                    ns_die("report: out of memory");
                snprintf(arg, len, "--%s%s%s", lo->name, lo->has_arg ? "=" : "", lo->has_arg ? optarg : "");
                c->args[c->nargs++] = arg;
            }
    }
    if (optind < argc)
        ns_die("report: unexpected argument '%s'", argv[optind]);
    if (!baseline_given && access(DEFAULT_BASELINE, R_OK) == 0)
        o->baseline = DEFAULT_BASELINE;
    if (sizes > 1)
        ns_die("report: give at most one of --quick and --tiny");
    if (data && no_data)
        ns_die("report: --data and --no-data contradict each other");
    if (!*o->out)
        ns_die("report: --out needs a directory name");
    o->args = (const char *const *)c->args;
    o->nargs = c->nargs;

    if (!no_data && (data || access(DEFAULT_DATA, R_OK) == 0)) {
        read_rows(data ? data : DEFAULT_DATA, &c->real, &c->values, &c->offset);
        if (o->size == NS_SUITE_TINY && c->real.count > 50)
            c->real.count = 50;
        if (c->real.count)
            o->real = &c->real;
    }
}

void ns_report_cli_free(ns_report_cli *c)
{
    free(c->values);
    free(c->offset);
    free(c->policies);
    free(c->sums);
    for (size_t i = 0; i < c->nargs; i++)
        free(c->args[i]);
    free(c->args);
}

int ns_report_cli_run(ns_report_cli *c, const char *command, double *seconds)
{
    progress p = { isatty(2), ns_clock_monotonic(), 0, NULL };
    c->o.progress = show_progress;
    c->o.progress_ctx = &p;
    c->o.stop = &ns_stop_signal;
    ns_catch_stop_signals();
    char err[1024];
    int rc = ns_report_run(&c->o, err, sizeof err);
    if (rc == NS_REPORT_INTERRUPTED) {
        if (p.on)
            fputc('\n', stderr);
        ns_warn("%s: %s", command, err);
        return 128 + (int)ns_stop_signal;
    }
    if (rc != 0)
        ns_die("%s: %s", command, err);
    *seconds = ns_clock_monotonic() - p.start;
    return 0;
}

int cmd_report(int argc, char **argv)
{
    ns_report_cli c;
    ns_report_cli_parse(&c, argc, argv);
    char build[128];
    ns_build_id(build, sizeof build);
    c.o.build = build;
    double seconds;
    int rc = ns_report_cli_run(&c, "report", &seconds);
    if (rc == 0 && c.o.shards)
        printf("part %u of %u written to %s (merge the parts with 'normstab merge') in %.0f s\n", c.o.shard,
               c.o.shards, c.o.out, seconds);
    else if (rc == 0)
        printf("report written to %s (index.html, algorithms.html, findings.html, report.md, results.json, plots/) in %.0f s\n",
               c.o.out, seconds);
    ns_report_cli_free(&c);
    return rc ? rc : ns_finish_output();
}
