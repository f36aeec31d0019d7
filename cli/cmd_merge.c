/* normstab merge: the parts of a sharded report (`normstab report --shard
 * I/N`) joined into the report an unsharded run writes (report/part.h). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../report/part.h"
#include "cli.h"
#include "report_cli.h"

static const char merge_help[] =
    "usage: normstab merge DIR... --out OUT [--threads N] [--baseline FILE]\n\n"
    "Joins the part directories DIR, written by 'normstab report --shard I/N --out\n"
    "DIR', into the report OUT: exactly what 'normstab report' with the same\n"
    "options writes (results.json identical but for \"generated\"; index.html,\n"
    "report.md, findings.html, plots/, rows/), written whole or not at all as\n"
    "the report is.  The parts must be parts 1 to N of one run, each once: the\n"
    "same build of normstab (this one), seed, suite (--quick, --tiny), N and\n"
    "options (--policies, --sums, --param, --data, --fuzz-evals); otherwise one\n"
    "line names the first part that differs and what differs (exit 2), and\n"
    "nothing is written.  Nothing is measured again; run it in the directory the\n"
    "parts ran in when they read a --data file by a relative name, and with the\n"
    "same --plugin and --define options.\n\n"
    "  --out OUT        the report directory (as report's --out)\n"
    "  --threads N      OpenMP threads for drawing the report (default: all cores)\n"
    "  --baseline FILE  as report's: the page compares each cell with it\n"
    "                   (default reports/baseline/results.json when it exists)\n"
    "Exit status: 0 written; 2 a bad option, a part that does not belong, or a\n"
    "file that cannot be written; 130 or 143 when interrupted.\n";

int cmd_merge(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "out", required_argument, NULL, 'o' },
        { "threads", required_argument, NULL, 't' },
        { "baseline", required_argument, NULL, 'b' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *out = NULL, *threads = NULL, *baseline = NULL;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 't': threads = optarg; break;
        case 'b': baseline = optarg; break;
        case 'h': fputs(merge_help, stdout); return ns_finish_output();
        case ':': ns_die("merge: option '%s' needs a value", argv[optind - 1]);
        default: ns_die("merge: unknown option '%s' (see 'normstab merge --help')", argv[optind - 1]);
        }
    }
    if (!out || !*out)
        ns_die("merge: --out OUT is required (the report directory)");
    size_t n = (size_t)(argc - optind);
    if (n == 0)
        ns_die("merge: no part directory given (see 'normstab merge --help')");

    ns_part *parts = calloc(n, sizeof *parts);
    const char **dirs = calloc(n, sizeof *dirs);
    if (!parts || !dirs)
        ns_die("merge: out of memory");
    char err[8400], build[128];
    for (size_t i = 0; i < n; i++)
        if (ns_part_read(argv[optind + (int)i], &parts[i], err, sizeof err) != 0)
            ns_die("merge: %s", err);
    ns_build_id(build, sizeof build);
    if (ns_parts_check(parts, n, build, err, sizeof err) != 0)
        ns_die("merge: %s", err);

    /* The report's options as the parts recorded them. */
    const ns_part *p = &parts[0];
    size_t na = 0;
    char **args = calloc(p->noptions + 10, sizeof *args);
    char seed[40];
    if (!args)
        ns_die("merge: out of memory");
    snprintf(seed, sizeof seed, "--seed=%llu", (unsigned long long)p->seed);
    args[na++] = "report";
    args[na++] = seed;
    if (strcmp(p->suite, "quick") == 0 || strcmp(p->suite, "tiny") == 0)
        args[na++] = strcmp(p->suite, "quick") == 0 ? "--quick" : "--tiny";
    else if (strcmp(p->suite, "full") != 0)
        ns_die("merge: %s: unknown suite '%s'", p->dir, p->suite);
    for (size_t i = 0; i < p->noptions; i++)
        args[na++] = p->options[i];
    args[na++] = "--out";
    args[na++] = (char *)out;
    if (threads) {
        args[na++] = "--threads";
        args[na++] = (char *)threads;
    }
    if (baseline) {
        args[na++] = "--baseline";
        args[na++] = (char *)baseline;
    }
    ns_report_cli rc;
    ns_report_cli_parse(&rc, (int)na, args);
    for (size_t i = 0; i < n; i++)
        dirs[i] = parts[i].dir;
    rc.o.parts = dirs;
    rc.o.nparts = n;
    rc.o.merged_shards = p->parts;
    rc.o.build = build;
    double seconds;
    int status = ns_report_cli_run(&rc, "merge", &seconds);
    if (status == 0)
        printf("report of %zu parts written to %s (index.html, algorithms.html, findings.html, report.md, results.json, "
               "plots/) in %.0f s\n", n, out, seconds);
    ns_report_cli_free(&rc);
    for (size_t i = 0; i < n; i++)
        ns_part_free(&parts[i]);
    free(parts);
    free(dirs);
    free(args);
    return status ? status : ns_finish_output();
}
