#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../formulas/define.h"
#include "../finder.h"
#include "../finding_json.h"

static ns_fuzz_target target;
static ns_finder finder;
static ns_row row, other, child;     /* reused: no allocation per execution */
static FILE *findings_out;
static int stop_kind = -1, stop_cause = -1;
static int abort_broken;
static int ready;

static void die(const char *fmt, const char *what)
{
    fputs("normstab fuzz harness: ", stderr);
    fprintf(stderr, fmt, what);
    fputc('\n', stderr);
    exit(2);
}

static const char *env(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

/* KIND or KIND:CAUSE. */
static void parse_stop(const char *s)
{
    char kind[32];
    const char *colon = strchr(s, ':');
    size_t len = colon ? (size_t)(colon - s) : strlen(s);
    if (len >= sizeof kind)
        die("NS_FUZZ_STOP '%s': expected KIND or KIND:CAUSE", s);
    memcpy(kind, s, len);
    kind[len] = '\0';
    stop_kind = ns_kind_find(kind);
    if (stop_kind < 0)
        die("NS_FUZZ_STOP '%s': unknown kind", s);
    if (colon && (stop_cause = ns_cause_find(colon + 1)) < 0)
        die("NS_FUZZ_STOP '%s': unknown cause", s);
}

static int on_new(const ns_finding *f, void *ctx)
{
    (void)ctx;
    if (ns_finding_write_jsonl(findings_out ? findings_out : stderr, f) != 0)
        die("cannot write the findings to %s", env("NS_FUZZ_FINDINGS", "stderr"));
    if (stop_kind >= 0 && (int)f->kind == stop_kind && (stop_cause < 0 || (int)f->cause == stop_cause))
        _exit(0);   /* the engine's own exit handlers would call this a crash */
    if (abort_broken && !f->expected) {
        fflush(findings_out ? findings_out : stderr);
        abort();    /* a crash: what OSS-Fuzz and ClusterFuzzLite report */
    }
    return 0;
}

void ns_harness_init(const char *engine)
{
    if (ready)
        return;
    char defined[1200];
    if (ns_formula_define_env(defined, sizeof defined) != 0)   /* formulas are targets too */
        die("%s", defined);
    const char *alg = getenv("NS_FUZZ_TARGET");
    if (!alg || !*alg)
        die("%s", "NS_FUZZ_TARGET is not set (an algorithm, see 'normstab list normalizers')");
    ns_fuzz_spec spec = { .sum = NS_SUM_SEQ };
    spec.alg = ns_algorithm_find(alg, &spec.family);
    if (!spec.alg)
        die("NS_FUZZ_TARGET: unknown normalizer '%s'", alg);
    const char *policy = env("NS_FUZZ_POLICY", "fp16");
    spec.policy = ns_policy_find(policy);
    if (!spec.policy || ns_policy_is_ref(spec.policy))
        die("NS_FUZZ_POLICY: '%s' is not a floating-point policy", policy);
    const char *sum = env("NS_FUZZ_SUM", "seq");
    if (ns_sum_order_find(sum, &spec.sum) != 0)
        die("NS_FUZZ_SUM: unknown summation order '%s'", sum);
    const char *objective = env("NS_FUZZ_OBJECTIVE", "all");
    int o = ns_objective_find(objective);
    if (o < 0)
        die("NS_FUZZ_OBJECTIVE: unknown objective '%s'", objective);
    spec.objective = (ns_kind)o;
    spec.finite_only = strcmp(env("NS_FUZZ_FINITE", "0"), "1") == 0;
    const char *maxn = env("NS_FUZZ_MAX_N", NULL);
    if (maxn) {
        long m = atol(maxn);
        if (m < 1 || m > NS_FUZZ_MAX_N)
            die("NS_FUZZ_MAX_N '%s': expected 1 to 4096", maxn);
        spec.max_n = (size_t)m;
    }
    const char *stop = env("NS_FUZZ_STOP", NULL);
    if (stop)
        parse_stop(stop);
    abort_broken = strcmp(env("NS_FUZZ_ABORT_BROKEN", "0"), "1") == 0;
    char err[256];
    if (ns_fuzz_target_init(&target, &spec, err, sizeof err) != 0)
        die("%s", err);
    const char *path = env("NS_FUZZ_FINDINGS", NULL);
    if (path && !(findings_out = fopen(path, "a")))
        die("NS_FUZZ_FINDINGS: cannot open '%s'", path);
    ns_finder_init(&finder, &target, engine, 0);
    finder.on_new = on_new;
    ns_row_init(&row);
    ns_row_init(&other);
    ns_row_init(&child);
    ready = 1;
}

ns_fuzz_target *ns_harness_target(void)
{
    return &target;
}

size_t ns_harness_findings(void)
{
    return finder.set.count;
}

size_t ns_harness_run(const uint8_t *data, size_t size, uint16_t *feature)
{
    if (ns_row_decode(&row, data, size, target.mut.max_n) != 0)
        return 0;
    ns_row_finish(&target.mut, &row);
    ns_fuzz_eval e;
    if (ns_fuzz_eval_row(&target, &row, NS_EVAL_FAST, &e) != 0)
        return 0;
    size_t k = ns_fuzz_features(&e, feature);
    if (ns_finder_consider(&finder, &row, &e, NULL) < 0)
        die("%s", "out of memory");
    return k;
}

size_t ns_harness_mutate(uint8_t *data, size_t size, size_t max, unsigned seed)
{
    ns_rng rng;
    ns_rng_seed(&rng, seed);
    if (ns_row_decode(&row, data, size, target.mut.max_n) != 0)
        return size;
    ns_row_finish(&target.mut, &row);
    if (ns_rng_uniform(&rng) < 0.02)
        ns_row_random(&target.mut, &rng, &row);
    else
        ns_mutate(&target.mut, &rng, &row, ns_rng_uniform(&rng) < 0.3 ? 8 : 3);
    return ns_row_encode(&row, data, max);
}

size_t ns_harness_crossover(const uint8_t *a, size_t asize, const uint8_t *b, size_t bsize,
                            uint8_t *out, size_t max, unsigned seed)
{
    ns_rng rng;
    ns_rng_seed(&rng, seed);
    size_t len = 0;
    if (ns_row_decode(&row, a, asize, target.mut.max_n) == 0 &&
        ns_row_decode(&other, b, bsize, target.mut.max_n) == 0 &&
        ns_crossover(&target.mut, &rng, &row, &other, &child) == 0)
        len = ns_row_encode(&child, out, max);
    return len;
}
