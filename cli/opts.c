#include "opts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rows.h"

/* An option given twice is an error, not a silent override. */
static void set_once(const char **slot, const char *value, const char *cmd, const char *opt)
{
    if (*slot)
        ns_die("%s: option %s given twice", cmd, opt);
    *slot = value;
}

/* The option getopt_long refused.  An unknown short option inside a group
 * ("-Zn") leaves optind on its group, so name it by optopt. */
static void bad_option(const char *cmd, char **argv)
{
    const char *arg = argv[optind - 1];
    int is_long = arg[0] == '-' && arg[1] == '-';
    if (is_long && optopt && strchr(arg, '='))
        ns_die("%s: option '%.*s' takes no value", cmd, (int)(strchr(arg, '=') - arg), arg);
    if (!is_long && optopt)
        ns_die("%s: unknown option '-%c' (see 'normstab %s --help')", cmd, optopt, cmd);
    ns_die("%s: unknown option '%s' (see 'normstab %s --help')", cmd, arg, cmd);
}

/* --param KEY=VALUE: the family checks the key; the value must then be a
 * number as input rows write them (no blanks, no overflow), and each key is
 * given once. */
static void set_param(ns_target_opts *o, const char *kv, unsigned *seen)
{
    char err[256];
    if (ns_params_set(o->family, o->param, kv, err, sizeof err) != 0)
        ns_die("%s: %s", o->cmd, err);
    const char *eq = strchr(kv, '=');
    double v;
    const char *why;
    if (ns_parse_number(eq + 1, strlen(eq + 1), &v, &why) != 0)
        ns_die("%s: --param '%s': %s", o->cmd, kv, why);
    size_t klen = (size_t)(eq - kv);
    for (size_t k = 0; k < ns_family_nparams(o->family); k++)
        if (strlen(o->family->params[k].key) == klen &&
            strncmp(o->family->params[k].key, kv, klen) == 0) {
            if (*seen & 1u << k)
                ns_die("%s: --param '%.*s' given twice", o->cmd, (int)klen, kv);
            *seen |= 1u << k;
        }
}

void ns_target_opts_parse(ns_target_opts *o, int argc, char **argv, const char *help)
{
    static const struct option longopts[] = {
        { "name", required_argument, NULL, 'n' },
        { "policy", required_argument, NULL, 'p' },
        { "sum", required_argument, NULL, 's' },
        { "param", required_argument, NULL, 'P' },
        { "input", required_argument, NULL, 'i' },
        { "grad", required_argument, NULL, 'g' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *cmd = o->cmd;
    const char *name = NULL, *policy = NULL, *sum = NULL;
    const char *params[64];
    size_t nparams = 0;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":n:p:i:g:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': set_once(&name, optarg, cmd, "-n"); break;
        case 'p': set_once(&policy, optarg, cmd, "-p"); break;
        case 's': set_once(&sum, optarg, cmd, "--sum"); break;
        case 'P':
            if (nparams == sizeof params / sizeof params[0])
                ns_die("%s: too many --param options", cmd);
            params[nparams++] = optarg;
            break;
        case 'i': set_once(&o->input, optarg, cmd, "-i"); break;
        case 'g': set_once(&o->grad, optarg, cmd, "-g"); break;
        case 'j': o->json = 1; break;
        case 'h': fputs(help, stdout); exit(ns_finish_output());
        case ':': ns_die("%s: option '%s' needs a value", cmd, argv[optind - 1]);
        default: bad_option(cmd, argv);
        }
    }
    if (optind < argc)
        ns_die("%s: unexpected argument '%s'", cmd, argv[optind]);
    if (!name)
        ns_die("%s: -n NAME is required (see 'normstab list normalizers')", cmd);
    if (!policy)
        ns_die("%s: -p POLICY is required (see 'normstab list policies')", cmd);
    o->alg = ns_algorithm_find(name, &o->family);
    if (!o->alg)
        ns_die("%s: unknown normalizer '%s' (see 'normstab list normalizers')", cmd, name);
    char why[512];
    o->policy = ns_policy_parse(policy, why, sizeof why);
    if (!o->policy)
        ns_die("%s: %s", cmd, why);
    if (!sum)
        sum = "seq";
    if (ns_sum_order_parse(sum, &o->sum, why, sizeof why) != 0)
        ns_die("%s: %s", cmd, why);
    ns_params_default(o->family, o->param);
    unsigned seen = 0;
    for (size_t k = 0; k < nparams; k++)
        set_param(o, params[k], &seen);
}

void ns_target_job(const ns_target_opts *o, ns_job *job)
{
    if (ns_job_init(job, o->alg->name, o->policy, o->sum) != 0)
        ns_die("%s: cannot run '%s' in policy '%s'", o->cmd, o->alg->name, o->policy->name);
    memcpy(job->param, o->param, sizeof job->param);
}
