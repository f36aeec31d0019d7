#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../formats/format.h"
#include "../input/rows.h"
#include "../formats/mx.h"
#include "../formats/stochastic.h"
#include "args.h"
#include "cli.h"

static const char round_help[] =
    "usage: normstab round -f FORMAT [--seed K] [--block K] [-i FILE]\n\n"
    "Prints every input number rounded into FORMAT (round to nearest, ties to\n"
    "even; subnormals kept; overflow as the format has it), one per line as\n"
    "C99 %a.  Input: rows of numbers (decimal, hex-float, inf, -inf, nan),\n"
    "standard input when no FILE is given.\n"
    "FORMAT: fp16, bf16, fp32, fp64, e4m3, e5m2, e4m3fnuz, e5m2fnuz, e3m2,\n"
    "e2m3, e2m1, tf32 ('normstab list formats'), each with any of the modifiers\n"
    "+sat (overflow and inf become the largest finite value), +ftz (a subnormal\n"
    "result becomes zero), +daz (subnormal operands of arithmetic read as zero;\n"
    "no effect on rounding a number), +sr (stochastic rounding, drawn from\n"
    "--seed K, default 1, one stream per input line): e4m3+sat, fp16+ftz+sr.\n"
    "MX block formats (mxfp8-e4m3, mxfp8-e5m2, mxfp6-e3m2, mxfp6-e2m3,\n"
    "mxfp4-e2m1, mxint8; +sr allowed): consecutive blocks of --block K values\n"
    "(default 32) of each line share one power-of-two scale.\n";

static uint64_t parse_seed(const char *s)
{
    unsigned long long v;
    if (ns_parse_count(s, 10, &v) != 0)
        ns_die("round: --seed '%s': expected a non-negative integer", s);
    return (uint64_t)v;
}

static size_t parse_block(const char *s)
{
    unsigned long long v;
    if (ns_parse_count(s, 10, &v) != 0 || v < 1 || v > NS_MX_BLOCK_MAX)
        ns_die("round: --block '%s': expected a block size from 1 to %d", s, NS_MX_BLOCK_MAX);
    return (size_t)v;
}

int cmd_round(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "format", required_argument, NULL, 'f' },
        { "input", required_argument, NULL, 'i' },
        { "seed", required_argument, NULL, 's' },
        { "block", required_argument, NULL, 'b' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt_name = NULL, *path = NULL;
    uint64_t seed = 1;
    size_t block = 0;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":f:i:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': fmt_name = optarg; break;
        case 'i': path = optarg; break;
        case 's': seed = parse_seed(optarg); break;
        case 'b': block = parse_block(optarg); break;
        case 'h': fputs(round_help, stdout); return ns_finish_output();
        case ':': ns_die("round: option '%s' needs a value", argv[optind - 1]);
        default: ns_die("round: unknown option '%s' (see 'normstab round --help')", argv[optind - 1]);
        }
    }
    if (optind < argc)
        ns_die("round: unexpected argument '%s'", argv[optind]);
    if (!fmt_name)
        ns_die("round: -f FORMAT is required (see 'normstab list formats')");
    char err[512];
    ns_mx mx;
    int is_mx = ns_mx_parse(fmt_name, &mx, err, sizeof err);
    if (is_mx < 0)
        ns_die("round: %s", err);
    const ns_format *f = is_mx == 0 ? mx.elem : ns_format_parse(fmt_name, err, sizeof err);
    if (!f)
        ns_die("round: %s", err);
    if (block && is_mx != 0)
        ns_die("round: --block applies to the MX formats, not to '%s'", fmt_name);

    ns_rows rows;
    if (ns_rows_open(&rows, path, err, sizeof err) != 0)
        ns_die("%s", err);
    double *v = NULL, *blocks = NULL;
    size_t n = 0, cap = 0, blocks_cap = 0;
    uint64_t line = 0;
    int r;
    while ((r = ns_rows_next(&rows, &v, &n, &cap, err, sizeof err)) == 1) {
        ns_sr_begin(seed, line++);
        if (is_mx == 0) {
            if (n > blocks_cap) {
                free(blocks);
                blocks_cap = cap;
                if (!(blocks = malloc(blocks_cap * sizeof *blocks)))
                    ns_die("round: out of memory");
            }
            ns_mx_round(&mx, block ? block : NS_MX_BLOCK, v, blocks, n);
        }
        for (size_t i = 0; i < n; i++) {
            ns_print_double(stdout, is_mx == 0 ? blocks[i] : ns_round(f, v[i]));
            fputc('\n', stdout);
        }
    }
    free(v);
    free(blocks);
    ns_rows_close(&rows);
    if (r < 0) {
        fflush(stdout);
        ns_die("%s", err);
    }
    return ns_finish_output();
}
