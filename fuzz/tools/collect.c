/* The last step of fuzz/run.sh: collects one run's engine runs into OUT
 * (fuzz/collect.h).
 *
 *   collect OUT RUNS.tsv [--interrupted SIGNAL]
 * --interrupted: the runs were stopped by SIGNAL (fuzz.json and fuzz.md say
 * so; the findings are those made before it, and those carried).
 * Exit status 1 when a finding breaks a contract or an engine crashed. */
#include <stdio.h>
#include <string.h>

#include "../../formulas/define.h"
#include "../collect.h"

int main(int argc, char **argv)
{
    if (argc != 3 && !(argc == 5 && strcmp(argv[3], "--interrupted") == 0)) {
        fputs("usage: collect OUT RUNS.tsv [--interrupted SIGNAL]\n", stderr);
        return 2;
    }
    char ferr[1200];
    if (ns_formula_define_env(ferr, sizeof ferr) != 0) {   /* findings of formulas replay too */
        fprintf(stderr, "collect: %s\n", ferr);
        return 2;
    }
    ns_collect_source run = { argv[2], NULL };
    return ns_fuzz_collect(argv[1], &run, 1, argc == 5 ? argv[4] : NULL);
}
