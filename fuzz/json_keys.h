/* The names in the JSON that the fuzzers write and the report reads: a
 * finding (findings.jsonl, one object a line, SPEC section 4), an engine run
 * and the whole of fuzz.json (fuzz/collect.c).  A name shared by
 * several objects is defined once, under the first. */
#ifndef NS_FUZZ_JSON_KEYS_H
#define NS_FUZZ_JSON_KEYS_H

/* A finding (fuzz/finding.h). */
#define NS_FJ_NORMALIZER "normalizer"
#define NS_FJ_POLICY "policy"
#define NS_FJ_SUM "sum"                  /* the summation order */
#define NS_FJ_PARAM "param"              /* {KEY: value}, the family's parameters */
#define NS_FJ_KIND "kind"
#define NS_FJ_CAUSE "cause"
#define NS_FJ_VALUE "value"              /* what the objective reached */
#define NS_FJ_N "n"                      /* the row's length */
#define NS_FJ_X "x"                      /* the row, %a strings */
#define NS_FJ_G "g"                      /* the upstream gradient, when it matters */
#define NS_FJ_CONFIRMED "confirmed"
#define NS_FJ_VERDICT "verdict"          /* NS_FJ_VERDICT_EXPECTED or _BROKEN */
#define NS_FJ_WHY "why"
#define NS_FJ_DETAIL "detail"
#define NS_FJ_ENGINE "engine"
#define NS_FJ_SEED "seed"
#define NS_FJ_EVALS "evals"
#define NS_FJ_SECONDS "seconds"          /* since the engine started; of a run: its length */
#define NS_FJ_UNIX_TIME "unix_time"
#define NS_FJ_SUMMARY "summary"          /* true on a line that is not a finding */

/* The verdicts. */
#define NS_FJ_VERDICT_EXPECTED "expected"
#define NS_FJ_VERDICT_BROKEN "broken"

/* What findings.jsonl adds to a finding: its row file and how to replay it. */
#define NS_FJ_FILE "file"
#define NS_FJ_COMMAND "command"

/* What collect adds to a finding (the engines that found its key, when it
 * was first found) and, in fuzz.json, whether an earlier run found it first
 * or, for one that no longer reproduces, what it does now, since when, and
 * whether that began with this run. */
#define NS_FJ_ENGINES "engines"
#define NS_FJ_FIRST_FOUND "first_found"
#define NS_FJ_CARRIED "carried"          /* of fuzz.json too: how many were */
#define NS_FJ_NO_LONGER "no_longer"
#define NS_FJ_FIXED_AT "fixed_at"
#define NS_FJ_NEWLY "newly"

/* An engine run on one (normalizer, policy), besides NS_FJ_ENGINE,
 * NS_FJ_NORMALIZER, NS_FJ_POLICY and NS_FJ_SECONDS. */
#define NS_FJ_EXECUTIONS "executions"    /* absent when the engine did not say */
#define NS_FJ_EXECUTIONS_PER_SECOND "executions_per_second"
#define NS_FJ_FINDINGS "findings"        /* a count; of fuzz.json: the findings */
#define NS_FJ_BROKEN "broken"            /* how many break a contract */
#define NS_FJ_CRASHES "crashes"
#define NS_FJ_STATUS "status"

/* fuzz.json, besides NS_FJ_FINDINGS, NS_FJ_BROKEN, NS_FJ_CARRIED and
 * NS_FJ_CRASHES. */
#define NS_FJ_SCHEMA "schema"
#define NS_FJ_RUNS "runs"
#define NS_FJ_NO_LONGER_REPRODUCES "no_longer_reproduces"
#define NS_FJ_ENGINE_SECONDS "engine_seconds"
#define NS_FJ_INTERRUPTED "interrupted"
#define NS_FJ_STOPPED_BY "stopped_by"

#endif
