/* The report's fuzzing budget (fuzzing.h). */
#include "fuzzing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/search.h"
#include "../util/omp.h"

uint64_t ns_report_fuzz_budget(const ns_report_opts *o)
{
    if (o->fuzz_evals >= 0)
        return (uint64_t)o->fuzz_evals;
    return o->size == NS_SUITE_FULL ? NS_REPORT_FUZZ_EVALS_FULL
         : o->size == NS_SUITE_QUICK ? NS_REPORT_FUZZ_EVALS_QUICK : 0;
}

/* One target's search into set; 0, or -1 with a message in err. */
static int search_one(const ns_report_data *d, const ns_target *tg, uint64_t seed, uint64_t evals,
                      ns_finding_set *set, char *err, size_t errlen)
{
    ns_fuzz_spec spec = { .alg = tg->alg, .family = tg->family, .policy = tg->policy, .sum = NS_SUM_SEQ,
                          .objective = NS_OBJECTIVE_ALL, .max_n = NS_REPORT_FUZZ_MAX_N };
    ns_fuzz_target t;
    if (ns_fuzz_target_init(&t, &spec, err, errlen) != 0)
        return -1;
    ns_finder fd;
    ns_finder_init(&fd, &t, ns_strategy_name(NS_STRATEGY_EVOLVE), seed);
    ns_search_opts so = { .strategy = NS_STRATEGY_EVOLVE, .max_evals = evals, .seed = seed,
                          .stop = d->opts->stop };
    ns_search_stats st;
    int rc = ns_search_run(&fd, &so, &st);
    if (rc < 0)
        snprintf(err, errlen, "fuzzing %s in %s: %s", tg->alg->name, tg->policy->name, st.error);
    for (size_t i = 0; rc == 0 && i < fd.set.count; i++)
        if (ns_finding_set_append(set, &fd.set.items[i]) != 0) {
            snprintf(err, errlen, "out of memory while fuzzing");
            rc = -1;
        }
    ns_finder_free(&fd);
    ns_fuzz_target_free(&t);
    return rc == NS_SEARCH_INTERRUPTED ? 0 : rc;
}

int ns_report_fuzz(const ns_report_data *d, const ns_target *t, size_t i0, size_t i1,
                   const ns_run_opts *ro, ns_finding_set *into, char *err, size_t errlen)
{
    uint64_t evals = ns_report_fuzz_budget(d->opts);
    size_t nt = i1 - i0;
    if (evals == 0 || nt == 0)
        return 0;
    ns_finding_set *sets = calloc(nt, sizeof *sets);
    if (!sets) {
        snprintf(err, errlen, "out of memory while fuzzing");
        return -1;
    }
    int failed = 0, threads = ns_run_threads(ro);
    size_t done = 0;
    char first_err[1024] = "";
    (void)threads;
    NS_OMP("omp parallel for schedule(dynamic, 1) num_threads(threads)")
    for (size_t i = 0; i < nt; i++) {
        char e[1024];
        ns_finding_set_init(&sets[i]);
        int stop;
        NS_OMP("omp atomic read")
        stop = failed;
        if (stop)
            continue;
        uint64_t seed = ns_seed_mix(d->opts->seed, 300000 + i0 + i);
        if (search_one(d, &t[i0 + i], seed, evals, &sets[i], e, sizeof e) != 0) {
            NS_OMP("omp critical(ns_report_fuzz_error)")
            if (!failed) {
                failed = 1;
                snprintf(first_err, sizeof first_err, "%s", e);
            }
        }
        size_t now;
        NS_OMP("omp atomic capture")
        now = ++done;
        if (ro->progress) {
            NS_OMP("omp critical(ns_report_fuzz_progress)")
            ro->progress(ro->progress_ctx, now, nt);
        }
    }
    /* Merged in target order: the same findings in the same order whatever
     * the threads did. */
    for (size_t i = 0; i < nt; i++) {
        for (size_t k = 0; !failed && k < sets[i].count; k++)
            if (ns_finding_set_append(into, &sets[i].items[k]) != 0) {
                snprintf(first_err, sizeof first_err, "out of memory while fuzzing");
                failed = 1;
            }
        ns_finding_set_free(&sets[i]);
    }
    free(sets);
    if (failed)
        snprintf(err, errlen, "%s", first_err);
    return failed ? -1 : 0;
}
