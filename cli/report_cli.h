/* The options of `normstab report`, shared with `normstab merge`, which
 * runs the report again from the options its parts recorded. */
#ifndef NS_CLI_REPORT_CLI_H
#define NS_CLI_REPORT_CLI_H

#include <stddef.h>

#include "../report/report.h"

typedef struct ns_report_cli {
    ns_report_opts o;
    ns_real_rows real;           /* the rows of --data, read */
    double *values;
    size_t *offset;
    const ns_policy **policies;  /* --policies */
    ns_sum_order *sums;          /* --sums */
    char **args;                 /* the options a part records (ns_report_opts.args),
                                    each as one --name=value */
    size_t nargs;
} ns_report_cli;

/* Parses report's options (argv[0] the command's name) into c, reading the
 * data file; --help prints the help and exits; a bad option is exit 2. */
void ns_report_cli_parse(ns_report_cli *c, int argc, char **argv);
void ns_report_cli_free(ns_report_cli *c);

/* Runs the report of c (progress on a terminal, SIGINT and SIGTERM
 * stopping it): 0 with the wall time in *seconds; the exit status
 * 128 + signal when interrupted; a failure is exit 2 with one line naming
 * command. */
int ns_report_cli_run(ns_report_cli *c, const char *command, double *seconds);

/* The build, as parts record it: the version and a hash of the running
 * binary. */
void ns_build_id(char *buf, size_t len);

#endif
