/* libFuzzer target: the options eval, check and search share
 * (input/options.h: -n, -p, --sum, --param KEY=VALUE, -i, -g, --json,
 * --help, and options a subcommand adds), fed an argv made of the input's
 * NUL-separated pieces, parsed twice: as eval parses it, and as a
 * subcommand without rows and with options of its own, as search does.  A
 * usage error must come with a message; the message may hold what the user
 * typed, control characters included (the command's ns_die prints those
 * escaped, cli/output.c).  Any crash or undefined behaviour is the finding. */
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../input/options.h"
#include "input_text.h"

#define MAX_ARGS 64

/* One parse of argv; aborts on a broken promise of ns_target_opts_read. */
static void parse(ns_target_opts *o, int argc, char **argv)
{
    /* getopt keeps its place in the previous argv between calls: start it
     * afresh, as a new process would. */
    char *reset[] = { "reset", NULL };
    optind = 0;
    opterr = 0;
    getopt(1, reset, "");

    char err[4096] = "";
    switch (ns_target_opts_read(o, argc, argv, err, sizeof err)) {
    case NS_OPTIONS_OK:
        if (!o->family || !o->alg || !o->policy)
            abort();              /* accepted: the pieces must be real */
        break;
    case NS_OPTIONS_ERROR:
        if (err[0] == '\0')
            abort();              /* a usage error says something */
        break;
    case NS_OPTIONS_HELP:
        break;
    default:
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The arguments: the input split at NUL bytes, after the subcommand. */
    char *copy = ns_fuzz_input_text(data, size);
    if (!copy)
        return 0;
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "eval";
    for (size_t at = 0; at <= size && argc < MAX_ARGS + 1; at += strlen(copy + at) + 1)
        argv[argc++] = copy + at;
    argv[argc] = NULL;

    ns_target_opts eval = { .cmd = "eval" };
    parse(&eval, argc, argv);

    /* getopt_long permutes argv: the second parse sees the pieces reordered,
     * which is one more argv to try. */
    const char *objective;
    bool finite;
    const ns_option extra[] = {
        { "objective", &objective, NULL },
        { "finite", NULL, &finite },
        { NULL, NULL, NULL },
    };
    ns_target_opts search = { .cmd = "search", .without_rows = true, .extra = extra };
    argv[0] = "search";
    parse(&search, argc, argv);
    free(copy);
    return 0;
}
