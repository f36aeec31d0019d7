#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fuzz/finding_json.h"
#include "../fuzz/search.h"
#include "../input/rows.h"
#include "args.h"
#include "cli.h"
#include "opts.h"

static const char search_help[] =
    "usage: normstab search -n NAME -p POLICY --objective OBJECTIVE [--sum ORDER]\n"
    "                       [--param KEY=VALUE]... [--seconds S] [--evals N] [--seed K]\n"
    "                       [--strategy evolve|random] [--finite] [--max-n N] [--json]\n"
    "                       [--checkpoint FILE [--checkpoint-every N] [--resume]]\n\n"
    "Looks for inputs on which normalizer NAME, run in POLICY, breaks a promise of\n"
    "its contract.  OBJECTIVE (nan, inf, error, sum, denominator, gradient, or all,\n"
    "which takes each in turn) is what the search climbs; a row that breaks any\n"
    "promise is reported, once per (kind, cause), after the MPFR reference has\n"
    "confirmed it and the row has been minimized.  A finding the contract lists\n"
    "as a hazard is 'expected'; any other one 'broken'.\n\n"
    "  --seconds S        time budget (default 10 unless --evals is given)\n"
    "  --evals N          evaluation budget: the output is then reproducible\n"
    "  --seed K           the seed (default 1): the rows tried depend only on it\n"
    "  --strategy evolve  evolutionary search with restarts (default); random:\n"
    "                     independent typical rows, the baseline\n"
    "  --finite           rows without masked (-inf) entries only\n"
    "  --max-n N          longest row tried (default 4096)\n"
    "  --json             one JSON object per finding, then a summary object\n"
    "  --checkpoint FILE  keep the search's state in FILE (written whole under a\n"
    "                     temporary name, then renamed) every N evaluations and when\n"
    "                     the run is interrupted; removed when the run completes\n"
    "  --checkpoint-every N\n"
    "                     evaluations between two checkpoints (default 20000)\n"
    "  --resume           continue from FILE (from the beginning when it does not\n"
    "                     exist) with the same options: the output is then that of\n"
    "                     the whole run, the findings before the checkpoint included\n\n"
    "SIGINT or SIGTERM stops the search after the evaluation in progress: the\n"
    "findings so far are printed, the summary says the run was interrupted, FILE\n"
    "keeps the state, and the exit status is 130 or 143.\n"
    "Exit status: 1 when a finding breaks the contract, 0 otherwise.\n"
    "--formula 'EXPR' stands for -n NAME with a normalizer written in one line\n"
    "(docs/formulas.md).\n";

typedef struct search_cli {
    ns_fuzz_spec spec;
    double param[NS_MAX_PARAMS];
    ns_search_opts opts;
    int json;
    unsigned long long printed;
    char key[1024];             /* the options a checkpoint must agree on */
} search_cli;

static double parse_nonneg(const char *opt, const char *s)
{
    double v;
    const char *why;
    if (ns_parse_number(s, strlen(s), &v, &why) != 0 || !(v >= 0) || isinf(v))
        ns_die("search: %s '%s': expected a non-negative number", opt, s);
    return v;
}

static uint64_t parse_count(const char *opt, const char *s)
{
    unsigned long long v;
    if (ns_parse_count(s, 10, &v) != 0)
        ns_die("search: %s '%s': expected a non-negative integer", opt, s);
    return (uint64_t)v;
}

/* Everything that decides the rows a run evaluates and where it ends. */
static void checkpoint_key(search_cli *c)
{
    int len = snprintf(c->key, sizeof c->key,
                       "normalizer=%s policy=%s sum=%s objective=%s strategy=%s seed=%" PRIu64
                       " evals=%" PRIu64 " seconds=%a finite=%d max_n=%zu param=",
                       c->spec.alg->name, c->spec.policy->name, ns_sum_order_name(c->spec.sum),
                       ns_objective_name(c->spec.objective), ns_strategy_name(c->opts.strategy),
                       c->opts.seed, c->opts.max_evals, c->opts.seconds, c->spec.finite_only,
                       c->spec.max_n ? c->spec.max_n : (size_t)NS_FUZZ_MAX_N);
    for (size_t k = 0; k < ns_family_nparams(c->spec.family) && len > 0 && (size_t)len < sizeof c->key; k++)
        len += snprintf(c->key + len, sizeof c->key - (size_t)len, "%s%a", k ? "," : "", c->param[k]);
}

static void parse(search_cli *c, int argc, char **argv)
{
    const char *objective, *seconds, *evals, *seed, *strategy, *maxn, *every;
    const ns_option extra[] = {
        { "objective", &objective, NULL },
        { "seconds", &seconds, NULL },
        { "evals", &evals, NULL },
        { "seed", &seed, NULL },
        { "strategy", &strategy, NULL },
        { "finite", NULL, &c->spec.finite_only },
        { "max-n", &maxn, NULL },
        { "checkpoint", &c->opts.checkpoint, NULL },
        { "checkpoint-every", &every, NULL },
        { "resume", NULL, &c->opts.resume },
        { NULL, NULL, NULL },
    };
    ns_target_opts o = { .cmd = "search", .without_rows = true, .extra = extra };
    ns_target_opts_parse(&o, argc, argv, search_help);
    if (!objective)
        ns_die("search: --objective is required (nan, inf, error, sum, denominator, gradient, all)");
    if (ns_policy_is_ref(o.policy))
        ns_die("search: policy 'ref' is the reference itself; choose a floating-point policy");
    int obj = ns_objective_find(objective);
    if (obj < 0)
        ns_die("search: unknown objective '%s' (known: nan, inf, error, sum, denominator, "
               "gradient, all)", objective);
    c->spec.objective = (ns_kind)obj;
    c->spec.family = o.family;
    c->spec.alg = o.alg;
    c->spec.policy = o.policy;
    c->spec.sum = o.sum;
    memcpy(c->param, o.param, sizeof c->param);
    c->json = o.json;
    c->spec.param = c->param;
    if (strategy) {
        int s = ns_strategy_find(strategy);
        if (s < 0)
            ns_die("search: unknown strategy '%s' (known: evolve, random)", strategy);
        c->opts.strategy = (ns_strategy)s;
    }
    c->opts.seed = seed ? parse_count("--seed", seed) : 1;
    c->opts.max_evals = evals ? parse_count("--evals", evals) : 0;
    c->opts.seconds = seconds ? parse_nonneg("--seconds", seconds) : evals ? 0 : 10;
    if (evals && c->opts.max_evals == 0)
        ns_die("search: --evals 0: nothing to do");
    if (seconds && c->opts.seconds == 0 && !evals)
        ns_die("search: --seconds 0 without --evals: nothing to do");
    if (maxn) {
        uint64_t m = parse_count("--max-n", maxn);
        if (m < 1 || m > NS_FUZZ_MAX_N)
            ns_die("search: --max-n %s: expected 1 to %d", maxn, NS_FUZZ_MAX_N);
        c->spec.max_n = (size_t)m;
    }
    if (c->opts.checkpoint && !*c->opts.checkpoint)
        ns_die("search: --checkpoint needs a file name");
    if ((c->opts.resume || every) && !c->opts.checkpoint)
        ns_die("search: %s needs --checkpoint FILE", c->opts.resume ? "--resume" : "--checkpoint-every");
    if (every && (c->opts.checkpoint_every = parse_count("--checkpoint-every", every)) == 0)
        ns_die("search: --checkpoint-every 0: expected at least 1");
    checkpoint_key(c);
}

static void print_row(const char *label, const double *v, size_t n)
{
    printf("  %s:", label);
    for (size_t i = 0; i < n; i++) {
        putchar(' ');
        ns_print_double(stdout, v[i]);
    }
    putchar('\n');
}

static int print_finding(const ns_finding *f, void *ctx)
{
    search_cli *c = ctx;
    c->printed++;
    if (c->json) {
        if (ns_finding_write_jsonl(stdout, f) != 0)
            ns_die("search: cannot write the output");
        return 0;
    }
    printf("%s %s %s (%s): %s\n", f->normalizer, f->policy, ns_kind_name(f->kind),
           ns_cause_name(f->cause), f->expected ? "expected" : "BROKEN");
    printf("  %s\n  %s\n", f->detail, f->why);
    print_row("x", f->row.x, f->row.n);
    if (f->has_g)
        print_row("g", f->row.g, f->row.n);
    printf("  found after %" PRIu64 " evaluations, %.3f s\n", f->evals, f->seconds);
    fflush(stdout);
    return 0;
}

int cmd_search(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)       /* heads, not rows: cli/cmd_attention_search.c */
        if (strcmp(argv[i], "--kernel") == 0)
            return cmd_attention_search(argc, argv);
    search_cli c = { .spec = { .sum = NS_SUM_SEQ } };
    parse(&c, argc, argv);
    ns_fuzz_target t;
    char err[256];
    if (ns_fuzz_target_init(&t, &c.spec, err, sizeof err) != 0)
        ns_die("search: %s", err);
    ns_finder fd;
    ns_finder_init(&fd, &t, ns_strategy_name(c.opts.strategy), c.opts.seed);
    fd.on_new = print_finding;
    fd.ctx = &c;
    c.opts.checkpoint_key = c.key;
    c.opts.stop = &ns_stop_signal;
    ns_catch_stop_signals();
    ns_search_stats st;
    int rc = ns_search_run(&fd, &c.opts, &st);
    if (rc < 0)
        ns_die("search: %s", st.error);
    size_t broken = ns_finding_set_broken(&fd.set);
    double rate = st.seconds > 0 ? (double)st.evals / st.seconds : 0;
    if (c.json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddBoolToObject(o, "summary", 1);
        cJSON_AddStringToObject(o, "normalizer", c.spec.alg->name);
        cJSON_AddStringToObject(o, "policy", c.spec.policy->name);
        cJSON_AddStringToObject(o, "sum", ns_sum_order_name(c.spec.sum));
        cJSON_AddStringToObject(o, "objective", ns_objective_name(c.spec.objective));
        cJSON_AddStringToObject(o, "strategy", ns_strategy_name(c.opts.strategy));
        cJSON_AddNumberToObject(o, "seed", (double)c.opts.seed);
        cJSON_AddNumberToObject(o, "evaluations", (double)st.evals);
        cJSON_AddNumberToObject(o, "exact_evaluations", (double)st.exact_evals);
        cJSON_AddNumberToObject(o, "seconds", st.seconds);
        cJSON_AddNumberToObject(o, "evaluations_per_second", rate);
        cJSON_AddNumberToObject(o, "restarts", st.restarts);
        cJSON_AddNumberToObject(o, "findings", (double)fd.set.count);
        cJSON_AddNumberToObject(o, "broken", (double)broken);
        cJSON_AddBoolToObject(o, "interrupted", st.interrupted);
        ns_print_json_line(o);
    } else {
        printf("%s %s: %" PRIu64 " evaluations in %.2f s (%.0f/s, %" PRIu64 " against MPFR), "
               "%zu findings, %zu breaking the contract%s\n", c.spec.alg->name, c.spec.policy->name,
               st.evals, st.seconds, rate, st.exact_evals, fd.set.count, broken,
               st.interrupted ? "; interrupted" : "");
    }
    ns_finder_free(&fd);
    ns_fuzz_target_free(&t);
    int out = ns_finish_output();
    if (rc == NS_SEARCH_INTERRUPTED) {
        if (c.opts.checkpoint)
            ns_warn("search: interrupted after %" PRIu64 " evaluations; the state is kept in %s "
                    "(--resume continues)", st.evals, c.opts.checkpoint);
        else
            ns_warn("search: interrupted after %" PRIu64 " evaluations", st.evals);
        return 128 + (int)ns_stop_signal;
    }
    /* The run is complete: its checkpoint has nothing left to continue. */
    if (c.opts.checkpoint && out == 0)
        unlink(c.opts.checkpoint);
    return out ? out : broken ? NS_EXIT_FAIL : NS_EXIT_OK;
}
