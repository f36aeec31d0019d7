/* The options that eval, check and search share:
 *   -n NAME  -p POLICY  --sum ORDER  --param KEY=VALUE...  --json  --help
 *   -i FILE  -g GRADFILE            (the subcommands that read rows)
 * and the long options one subcommand adds (ns_option).
 *
 * Nothing here prints or exits: a usage error is one line in err, which the
 * command prints and exits 2 on (cli/opts.c), and which the reader fuzzer
 * (fuzz-readers/options.c) only checks.  The line may hold what the user
 * typed, control characters included. */
#ifndef NS_OPTIONS_H
#define NS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "../normalizers/catalogue.h"

/* A long option of one subcommand: --NAME VALUE when value is set (the
 * value is stored there; giving the option twice is an error), the flag
 * --NAME when flag is set. */
typedef struct ns_option {
    const char *name;
    const char **value;
    bool *flag;
} ns_option;

/* Most options a subcommand may add. */
#define NS_OPTIONS_EXTRA_MAX 16

typedef struct ns_target_opts {
    /* Set by the caller. */
    const char *cmd;                /* for messages */
    bool without_rows;              /* the subcommand reads no rows: no -i, -g */
    const ns_option *extra;         /* NULL, or options ended by one with a NULL name */
    /* Set by the parser. */
    const ns_family *family;
    const ns_algorithm *alg;
    const ns_policy *policy;
    ns_sum_order sum;
    double param[NS_MAX_PARAMS];
    const char *input, *grad;
    bool json;
} ns_target_opts;

enum { NS_OPTIONS_ERROR = -1, NS_OPTIONS_OK = 0, NS_OPTIONS_HELP = 1 };

/* Parses argv (argv[0] the subcommand) with getopt_long, from its start.
 * NS_OPTIONS_OK: NAME, POLICY, ORDER and every KEY=VALUE are known and set;
 * NS_OPTIONS_HELP: --help came before any error; NS_OPTIONS_ERROR: the
 * message, "CMD: what", is in err. */
int ns_target_opts_read(ns_target_opts *o, int argc, char **argv, char *err, size_t errlen);

#endif
