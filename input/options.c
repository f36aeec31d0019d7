#include "options.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rows.h"

/* Writes the message of a usage error; returns NS_OPTIONS_ERROR. */
static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return NS_OPTIONS_ERROR;
}

/* An option given twice is an error, not a silent override. */
static int set_once(const char **slot, const char *value, const char *cmd, const char *opt,
                    char *err, size_t errlen)
{
    if (*slot)
        return fail(err, errlen, "%s: option %s given twice", cmd, opt);
    *slot = value;
    return NS_OPTIONS_OK;
}

/* The option getopt_long refused.  An unknown short option inside a group
 * ("-Zn") leaves optind on its group, so name it by optopt. */
static int bad_option(const char *cmd, char **argv, char *err, size_t errlen)
{
    const char *arg = argv[optind - 1];
    int is_long = arg[0] == '-' && arg[1] == '-';
    if (is_long && optopt && strchr(arg, '='))
        return fail(err, errlen, "%s: option '%.*s' takes no value", cmd,
                    (int)(strchr(arg, '=') - arg), arg);
    if (!is_long && optopt)
        return fail(err, errlen, "%s: unknown option '-%c' (see 'normstab %s --help')", cmd, optopt, cmd);
    return fail(err, errlen, "%s: unknown option '%s' (see 'normstab %s --help')", cmd, arg, cmd);
}

/* --param KEY=VALUE: the family checks the key; the value must then be a
 * number as input rows write them (no blanks, no overflow), and each key is
 * given once. */
static int set_param(ns_target_opts *o, const char *kv, unsigned *seen, char *err, size_t errlen)
{
    char why_key[256];
    if (ns_params_set(o->family, o->param, kv, why_key, sizeof why_key) != 0)
        return fail(err, errlen, "%s: %s", o->cmd, why_key);
    const char *eq = strchr(kv, '=');
    double v;
    const char *why;
    if (ns_parse_number(eq + 1, strlen(eq + 1), &v, &why) != 0)
        return fail(err, errlen, "%s: --param '%s': %s", o->cmd, kv, why);
    size_t klen = (size_t)(eq - kv);
    for (size_t k = 0; k < ns_family_nparams(o->family); k++)
        if (strlen(o->family->params[k].key) == klen &&
            strncmp(o->family->params[k].key, kv, klen) == 0) {
            if (*seen & 1u << k)
                return fail(err, errlen, "%s: --param '%.*s' given twice", o->cmd, (int)klen, kv);
            *seen |= 1u << k;
        }
    return NS_OPTIONS_OK;
}

static const struct option shared_options[] = {
    { "name", required_argument, NULL, 'n' },
    { "policy", required_argument, NULL, 'p' },
    { "sum", required_argument, NULL, 's' },
    { "param", required_argument, NULL, 'P' },
    { "json", no_argument, NULL, 'j' },
    { "help", no_argument, NULL, 'h' },
};
static const struct option row_options[] = {
    { "input", required_argument, NULL, 'i' },
    { "grad", required_argument, NULL, 'g' },
};
#define COUNT(a) (sizeof (a) / sizeof (a)[0])

/* getopt_long returns EXTRA + k for the subcommand's option k. */
enum { EXTRA = 256 };

/* The options getopt_long is to know, ended by a zero entry: 0, or -1 when
 * the subcommand has more than NS_OPTIONS_EXTRA_MAX. */
static int list_options(const ns_target_opts *o, struct option *longopts)
{
    size_t n = 0;
    for (size_t k = 0; k < COUNT(shared_options); k++)
        longopts[n++] = shared_options[k];
    for (size_t k = 0; !o->without_rows && k < COUNT(row_options); k++)
        longopts[n++] = row_options[k];
    for (size_t k = 0; o->extra && o->extra[k].name; k++) {
        if (k == NS_OPTIONS_EXTRA_MAX)
            return -1;
        longopts[n++] = (struct option){ o->extra[k].name, o->extra[k].value ? required_argument : no_argument,
                                         NULL, EXTRA + (int)k };
    }
    longopts[n] = (struct option){ NULL, 0, NULL, 0 };
    return 0;
}

/* What the parser sets starts unset, so that set_once sees a second use. */
static void clear_results(ns_target_opts *o)
{
    o->family = NULL;
    o->alg = NULL;
    o->policy = NULL;
    o->input = o->grad = NULL;
    o->json = false;
    for (size_t k = 0; o->extra && o->extra[k].name; k++) {
        if (o->extra[k].value)
            *o->extra[k].value = NULL;
        if (o->extra[k].flag)
            *o->extra[k].flag = false;
    }
}

/* Sets the extra option of index k from optarg. */
static int set_extra(ns_target_opts *o, size_t k, char *err, size_t errlen)
{
    const ns_option *x = &o->extra[k];
    if (x->flag) {
        *x->flag = true;
        return NS_OPTIONS_OK;
    }
    char opt[64];
    snprintf(opt, sizeof opt, "--%s", x->name);
    return set_once(x->value, optarg, o->cmd, opt, err, errlen);
}

int ns_target_opts_read(ns_target_opts *o, int argc, char **argv, char *err, size_t errlen)
{
    const char *cmd = o->cmd;
    struct option longopts[COUNT(shared_options) + COUNT(row_options) + NS_OPTIONS_EXTRA_MAX + 1];
    if (list_options(o, longopts) != 0)
        return fail(err, errlen, "%s: more than %d options of its own", cmd, NS_OPTIONS_EXTRA_MAX);
    clear_results(o);
    const char *name = NULL, *policy = NULL, *sum = NULL;
    const char *params[64];
    size_t nparams = 0;
    int c, rc = NS_OPTIONS_OK;
    opterr = 0;
    optind = 1;
    while (rc == NS_OPTIONS_OK &&
           (c = getopt_long(argc, argv, o->without_rows ? ":n:p:h" : ":n:p:i:g:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': rc = set_once(&name, optarg, cmd, "-n", err, errlen); break;
        case 'p': rc = set_once(&policy, optarg, cmd, "-p", err, errlen); break;
        case 's': rc = set_once(&sum, optarg, cmd, "--sum", err, errlen); break;
        case 'P':
            if (nparams == sizeof params / sizeof params[0])
                return fail(err, errlen, "%s: too many --param options", cmd);
            params[nparams++] = optarg;
            break;
        case 'i': rc = set_once(&o->input, optarg, cmd, "-i", err, errlen); break;
        case 'g': rc = set_once(&o->grad, optarg, cmd, "-g", err, errlen); break;
        case 'j': o->json = true; break;
        case 'h': return NS_OPTIONS_HELP;
        case ':': return fail(err, errlen, "%s: option '%s' needs a value", cmd, argv[optind - 1]);
        case '?': return bad_option(cmd, argv, err, errlen);
        default: rc = set_extra(o, (size_t)(c - EXTRA), err, errlen); break;
        }
    }
    if (rc != NS_OPTIONS_OK)
        return rc;
    if (optind < argc)
        return fail(err, errlen, "%s: unexpected argument '%s'", cmd, argv[optind]);
    if (!name)
        return fail(err, errlen, "%s: -n NAME is required (see 'normstab list normalizers')", cmd);
    if (!policy)
        return fail(err, errlen, "%s: -p POLICY is required (see 'normstab list policies')", cmd);
    o->alg = ns_algorithm_find(name, &o->family);
    if (!o->alg)
        return fail(err, errlen, "%s: unknown normalizer '%s' (see 'normstab list normalizers')", cmd, name);
    char why[512];
    o->policy = ns_policy_parse(policy, why, sizeof why);
    if (!o->policy)
        return fail(err, errlen, "%s: %s", cmd, why);
    if (!sum)
        sum = "seq";
    if (ns_sum_order_parse(sum, &o->sum, why, sizeof why) != 0)
        return fail(err, errlen, "%s: %s", cmd, why);
    ns_params_default(o->family, o->param);
    unsigned seen = 0;
    for (size_t k = 0; k < nparams && rc == NS_OPTIONS_OK; k++)
        rc = set_param(o, params[k], &seen, err, errlen);
    return rc;
}
