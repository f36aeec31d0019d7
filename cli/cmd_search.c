#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fuzz/search.h"
#include "cli.h"
#include "rows.h"

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
    "Exit status: 1 when a finding breaks the contract, 0 otherwise.\n";

typedef struct search_cli {
    ns_fuzz_spec spec;
    double param[NS_MAX_PARAMS];
    ns_search_opts opts;
    int json;
    unsigned long long printed;
    char key[1024];             /* the options a checkpoint must agree on */
} search_cli;

static void set_once(const char **slot, const char *value, const char *opt)
{
    if (*slot)
        ns_die("search: option %s given twice", opt);
    *slot = value;
}

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
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || *end || errno || s[0] == '-')
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
    enum { O_SUM = 256, O_PARAM, O_OBJ, O_SEC, O_EVALS, O_SEED, O_STRAT, O_FINITE, O_MAXN, O_JSON,
           O_CKPT, O_EVERY, O_RESUME };
    static const struct option longopts[] = {
        { "name", required_argument, NULL, 'n' },
        { "policy", required_argument, NULL, 'p' },
        { "sum", required_argument, NULL, O_SUM },
        { "param", required_argument, NULL, O_PARAM },
        { "objective", required_argument, NULL, O_OBJ },
        { "seconds", required_argument, NULL, O_SEC },
        { "evals", required_argument, NULL, O_EVALS },
        { "seed", required_argument, NULL, O_SEED },
        { "strategy", required_argument, NULL, O_STRAT },
        { "finite", no_argument, NULL, O_FINITE },
        { "max-n", required_argument, NULL, O_MAXN },
        { "json", no_argument, NULL, O_JSON },
        { "checkpoint", required_argument, NULL, O_CKPT },
        { "checkpoint-every", required_argument, NULL, O_EVERY },
        { "resume", no_argument, NULL, O_RESUME },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *name = NULL, *policy = NULL, *sum = NULL, *objective = NULL, *seconds = NULL;
    const char *evals = NULL, *seed = NULL, *strategy = NULL, *maxn = NULL, *every = NULL;
    const char *params[NS_MAX_PARAMS * 4];
    size_t nparams = 0;
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":n:p:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'n': set_once(&name, optarg, "-n"); break;
        case 'p': set_once(&policy, optarg, "-p"); break;
        case O_SUM: set_once(&sum, optarg, "--sum"); break;
        case O_PARAM:
            if (nparams == sizeof params / sizeof params[0])
                ns_die("search: too many --param options");
            params[nparams++] = optarg;
            break;
        case O_OBJ: set_once(&objective, optarg, "--objective"); break;
        case O_SEC: set_once(&seconds, optarg, "--seconds"); break;
        case O_EVALS: set_once(&evals, optarg, "--evals"); break;
        case O_SEED: set_once(&seed, optarg, "--seed"); break;
        case O_STRAT: set_once(&strategy, optarg, "--strategy"); break;
        case O_FINITE: c->spec.finite_only = true; break;
        case O_MAXN: set_once(&maxn, optarg, "--max-n"); break;
        case O_JSON: c->json = 1; break;
        case O_CKPT: set_once(&c->opts.checkpoint, optarg, "--checkpoint"); break;
        case O_EVERY: set_once(&every, optarg, "--checkpoint-every"); break;
        case O_RESUME: c->opts.resume = true; break;
        case 'h': fputs(search_help, stdout); exit(ns_finish_output());
        case ':': ns_die("search: option '%s' needs a value", argv[optind - 1]);
        default: ns_die("search: unknown option '%s' (see 'normstab search --help')", argv[optind - 1]);
        }
    }
    if (optind < argc)
        ns_die("search: unexpected argument '%s'", argv[optind]);
    if (!name)
        ns_die("search: -n NAME is required (see 'normstab list normalizers')");
    if (!policy)
        ns_die("search: -p POLICY is required (see 'normstab list policies')");
    if (!objective)
        ns_die("search: --objective is required (nan, inf, error, sum, denominator, gradient, all)");
    c->spec.alg = ns_algorithm_find(name, &c->spec.family);
    if (!c->spec.alg)
        ns_die("search: unknown normalizer '%s' (see 'normstab list normalizers')", name);
    char why[512];
    c->spec.policy = ns_policy_parse(policy, why, sizeof why);
    if (!c->spec.policy)
        ns_die("search: %s", why);
    if (ns_policy_is_ref(c->spec.policy))
        ns_die("search: policy 'ref' is the reference itself; choose a floating-point policy");
    if (sum && ns_sum_order_parse(sum, &c->spec.sum, why, sizeof why) != 0)
        ns_die("search: %s", why);
    int o = ns_objective_find(objective);
    if (o < 0)
        ns_die("search: unknown objective '%s' (known: nan, inf, error, sum, denominator, "
               "gradient, all)", objective);
    c->spec.objective = (ns_kind)o;
    ns_params_default(c->spec.family, c->param);
    char err[256];
    for (size_t k = 0; k < nparams; k++)
        if (ns_params_set(c->spec.family, c->param, params[k], err, sizeof err) != 0)
            ns_die("search: %s", err);
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
        char *s = cJSON_PrintUnformatted(o);
        if (s)
            printf("%s\n", s);
        cJSON_free(s);
        cJSON_Delete(o);
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
