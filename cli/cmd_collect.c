/* normstab collect: the findings of several fuzz output directories (one
 * per machine of a campaign, each as `make fuzz` leaves it) gathered into
 * one, through the collection of make fuzz (fuzz/collect.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../fuzz/collect.h"
#include "../util/path.h"
#include "cli.h"

static const char collect_help[] =
    "usage: normstab collect DIR... --out OUT [--interrupted SIGNAL]\n\n"
    "Gathers the findings of the fuzz output directories DIR (each as 'make fuzz'\n"
    "or fuzz/run.sh leaves it, on this machine or another: FUZZ_OUT, holding\n"
    "fuzz/runs.tsv and findings/) into OUT, as 'make fuzz' collects one run: every\n"
    "finding is replayed with the MPFR reference and the current contracts and\n"
    "de-duplicated by (normalizer, policy, kind, cause), keeping the smallest row.\n"
    "Writes OUT/fuzz.json, OUT/fuzz.md and OUT/findings/ (with findings/fixed/ for\n"
    "those that no longer reproduce), each whole or not at all; 'normstab report'\n"
    "reads them from OUT.  The engine runs of every DIR are listed; the findings\n"
    "OUT already holds are carried, as from an earlier run.  Nothing under a DIR\n"
    "is written.\n\n"
    "  --out OUT             where the collection goes (made when missing)\n"
    "  --interrupted SIGNAL  the runs were stopped by SIGNAL: fuzz.json and fuzz.md\n"
    "                        say so\n\n"
    "A DIR that is missing or holds neither fuzz/runs.tsv nor findings/findings.jsonl\n"
    "is an error (exit 2).\n"
    "Exit status: 1 when a finding breaks a contract or an engine crashed (one line\n"
    "each on stderr), 0 otherwise.\n";

static int is_file(const char *dir, const char *name)
{
    char path[4400];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The source of DIR, or exit 2 with one line naming it. */
static ns_collect_source source_of(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        ns_die("collect: %s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        ns_die("collect: %s: not a directory", dir);
    if (strlen(dir) > 3000)
        ns_die("collect: %s: path too long", dir);
    bool runs = is_file(dir, "fuzz/runs.tsv");
    if (!runs && !is_file(dir, "findings/findings.jsonl"))
        ns_die("collect: %s: not a fuzz output directory (neither fuzz/runs.tsv nor "
               "findings/findings.jsonl; see 'make fuzz')", dir);
    ns_collect_source s = { NULL, dir };
    if (runs) {
        size_t len = strlen(dir) + sizeof "/fuzz/runs.tsv";
        char *p = malloc(len);
        if (!p)
            ns_die("collect: out of memory");
        snprintf(p, len, "%s/fuzz/runs.tsv", dir);
        s.runs = p;
    }
    return s;
}

int cmd_collect(int argc, char **argv)
{
    const char *out = NULL, *stopped_by = NULL;
    ns_collect_source *src = calloc((size_t)argc, sizeof *src);
    size_t n = 0;
    bool options = true;
    if (!src)
        ns_die("collect: out of memory");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            free(src);
            fputs(collect_help, stdout);
            return ns_finish_output();
        } else if (options && (strcmp(a, "--out") == 0 || strcmp(a, "--interrupted") == 0)) {
            if (i + 1 >= argc || !argv[i + 1][0])
                ns_die("collect: %s needs a value", a);
            *(a[2] == 'o' ? &out : &stopped_by) = argv[++i];
        } else if (options && strcmp(a, "--") == 0) {
            options = false;
        } else if (options && a[0] == '-' && a[1]) {
            ns_die("collect: unknown option '%s' (see 'normstab collect --help')", a);
        } else {
            src[n++].root = a;
        }
    }
    if (!out)
        ns_die("collect: no --out OUT given (see 'normstab collect --help')");
    if (n == 0)
        ns_die("collect: no DIR given (fuzz output directories, see 'normstab collect --help')");
    for (size_t i = 0; i < n; i++)
        src[i] = source_of(src[i].root);
    if (ns_mkdir_p(out) != 0)
        ns_die("collect: cannot create %s: %s", out, strerror(errno));
    fflush(stdout);
    int rc = ns_fuzz_collect(out, src, n, stopped_by);
    for (size_t i = 0; i < n; i++)
        free((char *)src[i].runs);
    free(src);
    return rc == 0 ? ns_finish_output() : rc;
}
