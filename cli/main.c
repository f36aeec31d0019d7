/* normstab: the command.  Dispatches to one function per subcommand. */
#include <string.h>

#include "cli.h"

static const struct command {
    const char *name;
    ns_command *run;
    const char *summary;
} commands[] = {
    { "list", cmd_list, "list normalizers, formats, policies or generators" },
    { "round", cmd_round, "round numbers into a format" },
    { "eval", cmd_eval, "evaluate a normalizer (forward, and backward with -g)" },
    { "check", cmd_check, "compare one normalizer with the reference on each input row" },
    { "search", cmd_search, "search for inputs that break a normalizer's contract" },
    { "attention", cmd_attention, "run an attention head by a kernel and compare it with the reference" },
    { "replay", cmd_replay, "re-run stored findings against the current contracts" },
    { "collect", cmd_collect, "gather the findings of several fuzz output directories into one" },
    { "report", cmd_report, "measure every normalizer in every policy; write the report" },
    { "merge", cmd_merge, "join the parts of a sharded report (report --shard) into the report" },
    { "regress", cmd_regress, "compare with the committed baseline; exit 1 on a regression" },
};

static void usage(FILE *out)
{
    fputs("usage: normstab COMMAND [OPTIONS]\n\n"
          "Numerical stability of attention normalizers in fp16, bf16, fp32 and fp64,\n"
          "measured against a correctly rounded MPFR reference.\n\ncommands:\n", out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fputs("\n'normstab COMMAND --help' describes each command.\n"
          "Exit status: 0 success, 1 a check failed, 2 usage or input error.\n"
          "\n--plugin PATH.so (with any command, repeatable) or NORMSTAB_PLUGINS=PATH[:PATH...]\n"
          "loads normalizers from shared libraries (docs/plugins.md).\n"
          "--formula 'EXPR' (in place of -n NAME), --define NAME='EXPR' (with any command) or\n"
          "NORMSTAB_FORMULAS=FILE (lines NAME = EXPR) define normalizers in one line (docs/formulas.md).\n", out);
}

int main(int argc, char **argv)
{
    ns_cli_load_plugins(&argc, argv);
    ns_cli_load_formulas(&argc, &argv);
    if (argc < 2) {
        usage(stderr);
        return NS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return ns_finish_output();
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("normstab %s\n", NS_VERSION);
        return ns_finish_output();
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    ns_die("unknown command '%s' (see 'normstab --help')", argv[1]);
}
