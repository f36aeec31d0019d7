/* --formula EXPR, --define NAME='EXPR' and NORMSTAB_FORMULAS: formulas are
 * defined before any command runs, so every command sees them as it sees
 * the built-in normalizers (formulas/define.h).  --formula EXPR defines the
 * formula "formula" and stands for -n formula where the command takes -n
 * (eval, check, search, regress); report and list show it with the rest. */
#include <stdlib.h>
#include <string.h>

#include "../formulas/define.h"
#include "cli.h"

static int takes_name(const char *command)
{
    static const char *const with_n[] = { "eval", "check", "search", "regress" };
    for (size_t i = 0; i < sizeof with_n / sizeof with_n[0]; i++)
        if (command && strcmp(command, with_n[i]) == 0)
            return 1;
    return 0;
}

static void define_arg(const char *arg)
{
    char err[512];
    if (ns_formula_define_arg(arg, err, sizeof err) != 0)
        ns_die("--define '%s': %s", arg, err);
}

static void define_anonymous(const char *expr)
{
    char err[512];
    if (ns_formula_define(NS_FORMULA_ANONYMOUS, expr, err, sizeof err) != 0)
        ns_die("--formula '%s': %s", expr, err);
}

/* The value of option opt at argv[*i] ("--opt VALUE" or "--opt=VALUE"), or
 * NULL when argv[*i] is not that option. */
static const char *value_of(const char *opt, int argc, char **argv, int *i)
{
    size_t len = strlen(opt);
    const char *a = argv[*i];
    if (strncmp(a, opt, len) != 0)
        return NULL;
    if (a[len] == '=')
        return a + len + 1;
    if (a[len] != '\0')
        return NULL;
    if (*i + 1 >= argc)
        ns_die("option '%s' needs a value (%s)", opt,
               strcmp(opt, "--define") == 0 ? "NAME='EXPR'" : "'EXPR', docs/formulas.md");
    return argv[++*i];
}

void ns_cli_load_formulas(int *argc, char ***argvp)
{
    char **argv = *argvp;
    char err[1200];
    if (ns_formula_define_env(err, sizeof err) != 0)
        ns_die("%s", err);
    /* The arguments again, without --define and with -n formula for
     * --formula: at most one more than before. */
    char **out = malloc(((size_t)*argc + 2) * sizeof *out);
    if (!out)
        ns_die("out of memory");
    const char *command = *argc > 1 ? argv[1] : NULL;
    int k = 0, i = 0, formulas = 0;
    for (; i < *argc; i++) {
        if (i == 0 || strcmp(argv[i], "--") == 0) {
            if (i > 0)
                break;
            out[k++] = argv[i];
            continue;
        }
        const char *v;
        if ((v = value_of("--define", *argc, argv, &i))) {
            define_arg(v);
        } else if ((v = value_of("--formula", *argc, argv, &i))) {
            if (formulas++)
                ns_die("option '--formula' given twice (name formulas with --define NAME='EXPR')");
            define_anonymous(v);
            if (takes_name(command)) {
                out[k++] = "-n";
                out[k++] = NS_FORMULA_ANONYMOUS;
            }
        } else {
            out[k++] = argv[i];
        }
    }
    for (; i < *argc; i++)
        out[k++] = argv[i];
    out[k] = NULL;
    *argc = k;
    *argvp = out;
}
