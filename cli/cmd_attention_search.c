/* normstab search --kernel KERNEL: the built-in search at the attention
 * level (fuzz/attn_search.h).  Each finding is printed in words or as one
 * JSON object a line, which `normstab attention --finding FILE` replays;
 * the last JSON line is the summary.  Exit status 1 when a finding breaks
 * the kernel's contract. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../attention/recurrent.h"
#include "../fuzz/attn_finding_json.h"
#include "../fuzz/attn_search.h"
#include "cli.h"

static const char help[] =
    "usage: normstab search --kernel KERNEL [-p POLICY] --objective OBJECTIVE\n"
    "                       [--seconds S | --evals N] [--seed K] [--n N] [--d D] [--masks]\n"
    "                       [--mask-value inf|min|VALUE] [--scale-on scores|q] [--fma]\n"
    "                       [--block-k B] [--p-offset K] [--json]\n\n"
    "Searches small attention heads (up to --n tokens, default 8, max 32; head\n"
    "dimension up to --d, default 4, max 16) for one that breaks the objective\n"
    "in KERNEL run in POLICY: nan, inf, error (O or LSE beyond the contract's\n"
    "bound), denominator (a zero or subnormal row sum), gradient (not finite, or\n"
    "off by more than its norm).  The same kernel in fp64 is the fast oracle; the\n"
    "exact reference confirms; a finding is minimized (fewer tokens and channels,\n"
    "simpler values) and given the verdict of the kernel's contract.  --masks\n"
    "lets the search mask keys and whole rows.  With --json each finding is a\n"
    "JSON object on one line that 'normstab attention --finding FILE' replays,\n"
    "and the last line is {\"summary\": true, \"evaluations\", ...}.\n"
    "Exit status 1 when a finding breaks the contract.\n";

typedef struct ctx {
    const ns_kernel *k;
    int json, broken;
    size_t printed;
} ctx;

static uint64_t count_of(const char *what, const char *s, uint64_t min, uint64_t max)
{
    char *end;
    errno = 0;
    if (*s == '-' || *s == '\0')
        ns_die("search: %s '%s' is not a non-negative integer", what, s);
    unsigned long long v = strtoull(s, &end, 0);
    if (*end || errno == ERANGE || v < min || v > max)
        ns_die("search: %s '%s': expected an integer from %llu to %llu", what, s, (unsigned long long)min,
               (unsigned long long)max);
    return v;
}

static double real_of(const char *what, const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*s == '\0' || *end || errno == ERANGE || !isfinite(v))
        ns_die("search: %s '%s' is not a finite number", what, s);
    return v;
}

static int on_new(const ns_attn_finding *f, void *p)
{
    ctx *c = p;
    c->printed++;
    const ns_attn_compare *cp = &f->compare;
    if (cp->verdict == NS_ATTN_BROKEN)
        c->broken = 1;
    const char *verdict = ns_attn_finding_verdict(f);
    if (c->json) {
        cJSON *j = ns_attn_finding_json(c->k, f);
        if (!j || ns_print_json_line(j) != 0)
            ns_die("search: out of memory");
        return 0;
    }
    char words[64];
    ns_attn_broken_words(cp->broken, words, sizeof words);
    printf("%s %s %s (%s): %s%s%s\n", c->k->name, f->head.policy->name, ns_kind_name(f->kind), cp->cause,
           verdict, cp->hazard ? ": " : "", cp->hazard ? cp->hazard->why : "");
    printf("  head %zu x %zu, d %zu, d_v %zu; promises broken: %s\n", f->head.n_q, f->head.n_k, f->head.d,
           f->head.d_v, cp->broken ? words : "none");
    const double *t[4] = { f->head.q, f->head.k, f->head.v, f->head.dout };
    const char *names[4] = { "q", "k", "v", "do" };
    size_t rows[4] = { f->head.n_q, f->head.n_k, f->head.n_k, f->head.n_q };
    size_t cols[4] = { f->head.d, f->head.d, f->head.d_v, f->head.d_v };
    for (int w = 0; w < 4; w++)
        for (size_t i = 0; t[w] && i < rows[w]; i++) {
            printf("  %s[%zu]:", names[w], i);
            for (size_t x = 0; x < cols[w]; x++) {
                putchar(' ');
                ns_print_double(stdout, t[w][i * cols[w] + x]);
            }
            putchar('\n');
        }
    fflush(stdout);
    return 0;
}

int cmd_attention_search(int argc, char **argv)
{
    const char *kernel = NULL, *policy = NULL, *objective = NULL, *seconds = NULL, *evals = NULL, *seed = NULL;
    const char *n = NULL, *d = NULL, *mask_value = NULL, *scale_on = NULL, *block_k = NULL, *p_offset = NULL;
    int json = 0, fma = 0, masks = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(help, stdout);
            return ns_finish_output();
        }
        if (strcmp(a, "--json") == 0 || strcmp(a, "--fma") == 0 || strcmp(a, "--masks") == 0) {
            *(a[2] == 'j' ? &json : a[2] == 'f' ? &fma : &masks) = 1;
            continue;
        }
        static const char *const names[] = { "--kernel", "-p", "--objective", "--seconds", "--evals", "--seed",
                                             "--n", "--d", "--mask-value", "--scale-on", "--block-k", "--p-offset" };
        const char **slots[] = { &kernel, &policy, &objective, &seconds, &evals, &seed, &n, &d, &mask_value,
                                 &scale_on, &block_k, &p_offset };
        size_t w = 0;
        while (w < sizeof names / sizeof names[0] && strcmp(a, names[w]) != 0)
            w++;
        if (w == sizeof names / sizeof names[0])
            ns_die("search: unknown option '%s' with --kernel (see 'normstab search --kernel K --help')", a);
        if (i + 1 >= argc)
            ns_die("search: option '%s' needs a value", a);
        *slots[w] = argv[++i];
    }
    const ns_kernel *k = kernel ? ns_kernel_find(kernel) : NULL;
    if (!k)
        ns_die("search: unknown kernel '%s' (see 'normstab attention --help')", kernel ? kernel : "");
    if (ns_recur_kernel(k)) {
        /* linear attention and RWKV-4: their own head search (fuzz/head_search.h) */
        if (!objective)
            ns_die("search: --objective is required (nan, inf, error, denominator, gradient)");
        char *args[24];
        int na = 0;
        args[na++] = "attention", args[na++] = "--kernel", args[na++] = (char *)kernel;
        args[na++] = "--search", args[na++] = (char *)objective;
        const char *pass[][2] = { { "-p", policy }, { "--seconds", seconds }, { "--evaluations", evals },
                                  { "--seed", seed }, { "--n", n }, { "--d", d } };
        for (size_t i = 0; i < sizeof pass / sizeof pass[0]; i++)
            if (pass[i][1])
                args[na++] = (char *)pass[i][0], args[na++] = (char *)pass[i][1];
        if (json)
            args[na++] = "--json";
        args[na] = NULL;
        return cmd_attention_linear(na, args);
    }
    char err[256];
    const ns_policy *pol = ns_policy_parse(policy ? policy : k->default_policy, err, sizeof err);
    if (!pol)
        ns_die("search: -p: %s", err);
    if (ns_policy_is_ref(pol))
        ns_die("search: policy 'ref' is the reference itself; choose a floating-point policy");
    if (!objective)
        ns_die("search: --objective is required (nan, inf, error, denominator, gradient)");
    int kind = ns_kind_find(objective);
    if (kind != NS_KIND_NAN && kind != NS_KIND_INF && kind != NS_KIND_ERROR && kind != NS_KIND_DENOMINATOR &&
        kind != NS_KIND_GRADIENT)
        ns_die("search: unknown objective '%s' with --kernel (known: nan, inf, error, denominator, gradient)",
               objective);
    ns_attn_search_opts o = {
        .kernel = k, .objective = (ns_kind)kind, .masks = masks != 0,
        .n = n ? count_of("--n", n, 1, NS_ATTN_SEARCH_MAX_N) : 8,
        .d = d ? count_of("--d", d, 1, NS_ATTN_SEARCH_MAX_D) : 4,
        .seed = seed ? count_of("--seed", seed, 0, UINT64_MAX) : 1,
        .max_evals = evals ? count_of("--evals", evals, 1, UINT64_MAX) : 0,
        .seconds = seconds ? real_of("--seconds", seconds) : evals ? 0 : 10,
        .base = { .policy = pol, .scale_exact = true, .fma = fma != 0, .p_offset = 8, .block_q = 64,
                  .block_k = block_k ? count_of("--block-k", block_k, 1, NS_ATTN_SEARCH_MAX_N) : 4 },
    };
    if (o.seconds < 0 || (o.seconds == 0 && !o.max_evals))
        ns_die("search: --seconds must be positive (or give --evals)");
    if (mask_value && strcmp(mask_value, "inf") != 0) {
        if (strcmp(mask_value, "min") == 0) {
            o.base.mask_style = NS_MASK_MIN;
        } else {
            o.base.mask_style = NS_MASK_VALUE;
            o.base.mask_value = real_of("--mask-value", mask_value);
        }
    }
    if (scale_on && strcmp(scale_on, "q") != 0 && strcmp(scale_on, "scores") != 0)
        ns_die("search: --scale-on '%s' is neither scores nor q", scale_on);
    o.base.scale_on = scale_on && strcmp(scale_on, "q") == 0 ? NS_SCALE_ON_Q : NS_SCALE_ON_SCORES;
    if (p_offset)
        o.base.p_offset = real_of("--p-offset", p_offset);
    ns_catch_stop_signals();
    o.stop = &ns_stop_signal;
    ctx c = { .k = k, .json = json };
    ns_attn_search_stats st;
    if (ns_attn_search(&o, on_new, &c, &st) != 0)
        ns_die("search: out of memory");
    double rate = st.seconds > 0 ? (double)st.evals / st.seconds : 0;
    if (json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddBoolToObject(j, "summary", 1);
        cJSON_AddStringToObject(j, "kernel", k->name);
        cJSON_AddStringToObject(j, "policy", pol->name);
        cJSON_AddNumberToObject(j, "evaluations", (double)st.evals);
        cJSON_AddNumberToObject(j, "exact_evaluations", (double)st.exact_evals);
        cJSON_AddNumberToObject(j, "seconds", st.seconds);
        cJSON_AddNumberToObject(j, "evaluations_per_second", rate);
        cJSON_AddNumberToObject(j, "findings", (double)c.printed);
        if (ns_print_json_line(j) != 0)
            ns_die("search: out of memory");
    } else {
        printf("%zu findings; %llu evaluations (%llu exact) in %.3f s, %.0f per second\n", c.printed,
               (unsigned long long)st.evals, (unsigned long long)st.exact_evals, st.seconds, rate);
    }
    int out = ns_finish_output();
    if (st.interrupted)
        return 128 + (int)ns_stop_signal;
    return c.broken ? NS_EXIT_FAIL : out;
}
