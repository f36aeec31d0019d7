#include "opts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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
    const char *name = NULL, *policy = NULL, *sum = "seq";
    const char *params[64];
    size_t nparams = 0;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":n:p:i:g:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': name = optarg; break;
        case 'p': policy = optarg; break;
        case 's': sum = optarg; break;
        case 'P':
            if (nparams == sizeof params / sizeof params[0])
                ns_die("%s: too many --param options", cmd);
            params[nparams++] = optarg;
            break;
        case 'i': o->input = optarg; break;
        case 'g': o->grad = optarg; break;
        case 'j': o->json = 1; break;
        case 'h': fputs(help, stdout); exit(ns_finish_output());
        case ':': ns_die("%s: option '%s' needs a value", cmd, argv[optind - 1]);
        default: ns_die("%s: unknown option '%s' (see 'normstab %s --help')", cmd, argv[optind - 1], cmd);
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
    o->policy = ns_policy_find(policy);
    if (!o->policy)
        ns_die("%s: unknown policy '%s' (see 'normstab list policies')", cmd, policy);
    if (ns_sum_order_find(sum, &o->sum) != 0)
        ns_die("%s: unknown summation order '%s' (known: seq, pairwise, kahan)", cmd, sum);
    ns_params_default(o->family, o->param);
    char err[256];
    for (size_t k = 0; k < nparams; k++)
        if (ns_params_set(o->family, o->param, params[k], err, sizeof err) != 0)
            ns_die("%s: %s", cmd, err);
}

void ns_target_job(const ns_target_opts *o, ns_job *job)
{
    if (ns_job_init(job, o->alg->name, o->policy, o->sum) != 0)
        ns_die("%s: cannot run '%s' in policy '%s'", o->cmd, o->alg->name, o->policy->name);
    memcpy(job->param, o->param, sizeof job->param);
}
