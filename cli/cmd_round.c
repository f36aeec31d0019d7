#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../formats/format.h"
#include "../input/rows.h"
#include "cli.h"

static const char round_help[] =
    "usage: normstab round -f FORMAT [-i FILE]\n\n"
    "Prints every input number rounded into FORMAT (round to nearest, ties to\n"
    "even; subnormals kept; overflow to inf), one per line as C99 %a.\n"
    "Input: rows of numbers (decimal, hex-float, inf, -inf, nan), standard\n"
    "input when no FILE is given.  FORMAT: fp16, bf16, fp32, fp64.\n";

int cmd_round(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "format", required_argument, NULL, 'f' },
        { "input", required_argument, NULL, 'i' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt_name = NULL, *path = NULL;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":f:i:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt_name = optarg; break;
        case 'i': path = optarg; break;
        case 'h': fputs(round_help, stdout); return ns_finish_output();
        case ':': ns_die("round: option '%s' needs a value", argv[optind - 1]);
        default: ns_die("round: unknown option '%s' (see 'normstab round --help')", argv[optind - 1]);
        }
    }
    if (optind < argc)
        ns_die("round: unexpected argument '%s'", argv[optind]);
    if (!fmt_name)
        ns_die("round: -f FORMAT is required (fp16, bf16, fp32, fp64)");
    const ns_format *f = ns_format_find(fmt_name);
    if (!f)
        ns_die("round: unknown format '%s' (known: fp16, bf16, fp32, fp64)", fmt_name);

    char err[512];
    ns_rows rows;
    if (ns_rows_open(&rows, path, err, sizeof err) != 0)
        ns_die("%s", err);
    double *v = NULL;
    size_t n = 0, cap = 0;
    int r;
    while ((r = ns_rows_next(&rows, &v, &n, &cap, err, sizeof err)) == 1)
        for (size_t i = 0; i < n; i++) {
            ns_print_double(stdout, ns_round(f, v[i]));
            fputc('\n', stdout);
        }
    free(v);
    ns_rows_close(&rows);
    if (r < 0) {
        fflush(stdout);
        ns_die("%s", err);
    }
    return ns_finish_output();
}
