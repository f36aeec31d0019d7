/* libFuzzer target: the options eval, check and search share (cli/opts.c:
 * -n, -p, --sum, --param KEY=VALUE, -i, -g, --json, --help), fed an argv
 * made of the input's NUL-separated pieces.  The parser reports a usage
 * error through ns_die and help through exit; here both return to the
 * harness (ns_die is this file's, exit is wrapped: -Wl,--wrap=exit).  The
 * message may hold what the user typed, control characters included: the
 * command's ns_die prints those escaped (cli/main.c).  Any crash or undefined
 * behaviour is the finding. */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/cli.h"
#include "../../cli/opts.h"

static jmp_buf back;
static int parsing;

void ns_die(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!parsing || msg[0] == '\0')
        abort();                  /* a usage error says something */
    longjmp(back, 1);
}

int ns_finish_output(void)
{
    return 0;
}

void __real_exit(int status) __attribute__((noreturn));
void __wrap_exit(int status) __attribute__((noreturn));
void __wrap_exit(int status)
{
    if (parsing)
        longjmp(back, 2);
    __real_exit(status);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* --help prints to stdout: keep the fuzzer's output readable. */
    if (!freopen("/dev/null", "w", stdout))
        abort();
    return 0;
}

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The arguments: the input split at NUL bytes, after "eval". */
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "eval";
    for (size_t at = 0; at <= size && argc < MAX_ARGS + 1; at += strlen(copy + at) + 1)
        argv[argc++] = copy + at;
    argv[argc] = NULL;

    /* getopt keeps its place in the previous argv between calls: start it
     * afresh, as a new process would. */
    char *reset[] = { "reset", NULL };
    optind = 0;
    opterr = 0;
    getopt(1, reset, "");

    ns_target_opts o;
    memset(&o, 0, sizeof o);
    o.cmd = "eval";
    parsing = 1;
    if (setjmp(back) == 0) {
        ns_target_opts_parse(&o, argc, argv, "usage: fuzz\n");
        /* Accepted: the pieces must be real. */
        if (!o.family || !o.alg || !o.policy)
            abort();
    }
    parsing = 0;
    free(copy);
    return 0;
}
