/* The options that eval and check share:
 *   -n NAME  -p POLICY  --sum ORDER  --param KEY=VALUE...  -i FILE  -g GRADFILE  --json */
#ifndef NS_OPTS_H
#define NS_OPTS_H

#include "../normalizers/catalogue.h"

typedef struct ns_target_opts {
    const char *cmd;                /* for messages */
    const ns_family *family;
    const ns_algorithm *alg;
    const ns_policy *policy;
    ns_sum_order sum;
    double param[NS_MAX_PARAMS];
    const char *input, *grad;
    int json;
} ns_target_opts;

/* Parses argv: the options above (also as --name, --policy, --input, --grad)
 * and --help.  Exits 2 on a usage error and 0 after printing help. */
void ns_target_opts_parse(ns_target_opts *o, int argc, char **argv, const char *help);

/* A job for the target (not for policy ref). */
void ns_target_job(const ns_target_opts *o, ns_job *job);

#endif
