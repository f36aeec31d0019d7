#include "opts.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

void ns_target_opts_parse(ns_target_opts *o, int argc, char **argv, const char *help)
{
    char err[4096];              /* as long as the line ns_die prints */
    switch (ns_target_opts_read(o, argc, argv, err, sizeof err)) {
    case NS_OPTIONS_OK: return;
    case NS_OPTIONS_HELP: fputs(help, stdout); exit(ns_finish_output());
    default: ns_die("%s", err);
    }
}

void ns_target_job(const ns_target_opts *o, ns_job *job)
{
    if (ns_job_init(job, o->alg->name, o->policy, o->sum) != 0)
        ns_die("%s: cannot run '%s' in policy '%s'", o->cmd, o->alg->name, o->policy->name);
    memcpy(job->param, o->param, sizeof job->param);
}
