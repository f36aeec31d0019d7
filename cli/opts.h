/* The options that eval, check and search share (input/options.h), for the
 * command: a usage error is printed and exits 2, --help prints the
 * subcommand's help and exits 0. */
#ifndef NS_OPTS_H
#define NS_OPTS_H

#include "../input/options.h"

/* Parses argv into o (o->cmd, and o->without_rows, o->extra when the
 * subcommand has them, set by the caller). */
void ns_target_opts_parse(ns_target_opts *o, int argc, char **argv, const char *help);

/* A job for the target (not for policy ref). */
void ns_target_job(const ns_target_opts *o, ns_job *job);

#endif
