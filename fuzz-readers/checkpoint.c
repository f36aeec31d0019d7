/* libFuzzer target: the reader of search checkpoints (fuzz/search_checkpoint.h,
 * ns_search_checkpoint_load: what `normstab search --checkpoint FILE --resume`
 * reads), on the input as a file, for one small run:
 *
 *   normstab search -n ssmax -p fp16 --objective all --evals 1000000 --max-n 4
 *
 * its key built as cli/cmd_search.c builds it (the seeds are checkpoints of
 * that run, so that the fuzzer starts past the check of the options).  Any
 * crash, leak or undefined behaviour is the finding, and so is a broken
 * promise of the reader: a refusal without "FILE: " in front of what is
 * wrong, or a state taken in that the search could not have reached (a
 * population of more than NS_SEARCH_POPULATION rows or a row of 0 or more
 * than --max-n entries, a row outside the input format or the domain,
 * counters that disagree, a finding of another target or a second one with
 * the same key, a coverage bitmap of other values than 0 and 1). */
#define _GNU_SOURCE
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../fuzz/search.h"
#include "../fuzz/search_checkpoint.h"
#include "input_file.h"

#define NAME "ssmax"
#define POLICY "fp16"
#define MAX_EVALS 1000000
#define MAX_N 4

static ns_fuzz_target target;
static double param[NS_MAX_PARAMS];
static char key[1024];

/* The run's target and its key, as cli/cmd_search.c makes them (checkpoint_key). */
static void open_target(void)
{
    ns_fuzz_spec spec = { .sum = NS_SUM_SEQ, .objective = NS_OBJECTIVE_ALL, .max_n = MAX_N };
    spec.alg = ns_algorithm_find(NAME, &spec.family);
    spec.policy = ns_policy_find(POLICY);
    if (!spec.alg || !spec.policy)
        abort();
    ns_params_default(spec.family, param);
    spec.param = param;
    char err[256];
    if (ns_fuzz_target_init(&target, &spec, err, sizeof err) != 0)
        abort();
    int len = snprintf(key, sizeof key,
                       "normalizer=%s policy=%s sum=%s objective=%s strategy=%s seed=%" PRIu64
                       " evals=%" PRIu64 " seconds=%a finite=%d max_n=%zu param=",
                       spec.alg->name, spec.policy->name, ns_sum_order_name(spec.sum),
                       ns_objective_name(spec.objective), ns_strategy_name(NS_STRATEGY_EVOLVE),
                       (uint64_t)1, (uint64_t)MAX_EVALS, 0.0, 0, (size_t)MAX_N);
    for (size_t k = 0; k < ns_family_nparams(spec.family) && len > 0 && (size_t)len < sizeof key; k++)
        len += snprintf(key + len, sizeof key - (size_t)len, "%s%a", k ? "," : "", param[k]);
}

/* A row as the search makes it: finishing it changes nothing. */
static bool finished(const ns_row *row)
{
    ns_row f;
    ns_row_init(&f);
    if (ns_row_copy(&f, row) != 0)
        abort();
    ns_row_finish(&target.mut, &f);
    bool same = f.n == row->n && memcmp(f.x, row->x, row->n * sizeof *f.x) == 0 &&
                memcmp(f.g, row->g, row->n * sizeof *f.g) == 0;
    ns_row_free(&f);
    return same;
}

/* What the reader promises of a state it returns. */
static void check_state(const ns_search_state *s, const ns_finder *fd)
{
    if (s->exact_evals > s->evals || s->last_gain > s->evals || !(s->seconds >= 0) || isinf(s->seconds))
        abort();
    if ((unsigned)s->objective >= NS_OBJECTIVE_COUNT || s->filled > NS_SEARCH_POPULATION)
        abort();
    for (size_t i = 0; i < s->filled; i++) {
        const ns_row *r = &s->pop[i];
        if (r->n < 1 || r->n > MAX_N || !r->x || !r->g || !finished(r))
            abort();
    }
    for (size_t i = 0; i < NS_FEATURES; i++)
        if (s->seen[i] > 1)
            abort();
    const ns_finding_set *set = &fd->set;
    if (set->count > (size_t)NS_KIND_COUNT * NS_CAUSE_COUNT)
        abort();
    for (size_t i = 0; i < set->count; i++) {
        const ns_finding *f = &set->items[i];
        if (strcmp(f->normalizer, target.job.alg->name) != 0 ||
            strcmp(f->policy, target.job.policy->name) != 0 || f->sum != target.job.sum)
            abort();
        if ((unsigned)f->kind >= NS_KIND_COUNT || (unsigned)f->cause >= NS_CAUSE_COUNT ||
            f->row.n < 1 || f->row.n > MAX_N || f->has_g != target.with_grad)
            abort();
        if (ns_finding_set_find(set, f) != (long)i)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool opened;
    if (!opened) {
        open_target();
        opened = true;
    }
    const char *path = ns_fuzz_input_file("checkpoint.json", data, size);
    /* As fuzz/search.c's resume: rows initialized, a fresh finder. */
    ns_search_state s;
    memset(&s, 0, sizeof s);
    for (size_t i = 0; i < NS_SEARCH_POPULATION; i++)
        ns_row_init(&s.pop[i]);
    ns_finder finder;
    ns_finder_init(&finder, &target, ns_strategy_name(NS_STRATEGY_EVOLVE), 1);
    char err[1024];
    err[0] = '\0';
    int rc = ns_search_checkpoint_load(path, key, &s, &finder, err, sizeof err);
    size_t len = strlen(path);
    if (rc == 0)
        abort();                  /* the file exists */
    if (rc < 0 && (strncmp(err, path, len) != 0 || strncmp(err + len, ": ", 2) != 0 || !err[len + 2]))
        abort();                  /* "PATH: what" */
    if (rc > 0)
        check_state(&s, &finder);
    for (size_t i = 0; i < NS_SEARCH_POPULATION; i++)
        ns_row_free(&s.pop[i]);
    ns_finder_free(&finder);
    return 0;
}
