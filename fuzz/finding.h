/* Findings: rows on which an algorithm breaks a promise of its contract.
 *
 * Every engine hands each evaluation that breaks a promise to a finder
 * (ns_finder_consider), which
 *   1. classifies why it fails (ns_cause, contract.h) and drops it when a
 *      finding with the same (algorithm, policy, kind, cause) is known;
 *   2. confirms it with the MPFR reference (a fast oracle may be wrong);
 *   3. minimizes it: fewer logits, simpler values (0, +-1, short
 *      significands, powers of two), a simpler gradient, with the same kind
 *      and cause and, at the end, confirmed again;
 *   4. gives it a verdict: "expected" when the contract lists it as a hazard
 *      (with the hazard's explanation), "broken" otherwise.
 * Findings travel as JSON Lines (SPEC section 4) and are stored as text rows
 * that `normstab eval` reads back. */
#ifndef NS_FUZZ_FINDING_H
#define NS_FUZZ_FINDING_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "target.h"

typedef struct ns_finding {
    char normalizer[48];
    char policy[256];           /* a name or a composed policy (formats/compose.c) */
    ns_sum_order sum;
    double param[NS_MAX_PARAMS];   /* the family's parameters */
    ns_kind kind;
    ns_cause cause;
    double value;           /* what the objective reached (ns_fuzz_eval.value) */
    ns_row row;             /* x and g, minimized */
    bool has_g;             /* g matters: the target evaluates gradients */
    bool confirmed;         /* the MPFR reference confirmed it */
    bool expected;          /* the contract lists it as a hazard */
    char why[400];          /* the hazard's explanation, or the promise broken */
    char detail[160];       /* the measured quantity against the promise */
    char engine[24];        /* "evolve", "random", "libfuzzer", "afl++" */
    uint64_t seed;
    uint64_t evals;         /* evaluations before it was found */
    double seconds;         /* since the engine started */
} ns_finding;

void ns_finding_init(ns_finding *f);
void ns_finding_free(ns_finding *f);
int ns_finding_copy(ns_finding *dst, const ns_finding *src);

/* "softmax.naive-fp16-nan-overflow" (with "-SUM" when the order is not seq):
 * the key of the finding as a file name. */
void ns_finding_slug(const ns_finding *f, char *buf, size_t len);

/* Findings deduplicated by (normalizer, policy, sum, kind, cause). */
typedef struct ns_finding_set {
    ns_finding *items;
    size_t count, cap;
} ns_finding_set;

void ns_finding_set_init(ns_finding_set *s);
void ns_finding_set_free(ns_finding_set *s);
/* Index of the finding with f's key, or -1. */
long ns_finding_set_find(const ns_finding_set *s, const ns_finding *f);
/* Adds a copy when the key is new (returns 1), or keeps the one with fewer
 * logits (returns 0); -1 when out of memory. */
int ns_finding_set_add(ns_finding_set *s, const ns_finding *f);
/* Adds a copy whatever its key (a list of findings to replay); 0 or -1. */
int ns_finding_set_append(ns_finding_set *s, const ns_finding *f);
bool ns_finding_set_has_key(const ns_finding_set *s, const char *normalizer, const char *policy,
                            ns_sum_order sum, ns_kind kind, ns_cause cause);
size_t ns_finding_set_broken(const ns_finding_set *s);

/* Why a row breaks promise `kind`, from its evaluation e (which must be
 * the latest evaluation of t: it may evaluate a variant of the row). */
ns_cause ns_fuzz_classify(ns_fuzz_target *t, const ns_row *row, const ns_fuzz_eval *e, ns_kind kind);

/* Whether the MPFR reference confirms that row breaks `kind` with `cause`;
 * fills e with the exact evaluation. */
bool ns_fuzz_confirm(ns_fuzz_target *t, const ns_row *row, ns_kind kind, ns_cause cause,
                     ns_fuzz_eval *e);

/* Shrinks row while it keeps breaking `kind` with `cause`, within `budget`
 * evaluations; the result is confirmed (or the row is left as it was). */
void ns_fuzz_minimize(ns_fuzz_target *t, ns_row *row, ns_kind kind, ns_cause cause, size_t budget);

/* Fills f from a confirmed row (classification, verdict and explanation). */
int ns_finding_fill(ns_finding *f, const ns_fuzz_target *t, const ns_row *row,
                    const ns_fuzz_eval *e, ns_kind kind, ns_cause cause);

typedef struct ns_finder {
    ns_fuzz_target *t;
    ns_finding_set set;
    const char *engine;
    uint64_t seed;
    double t0;                  /* start, ns_clock_monotonic() */
    size_t minimize_budget;
    unsigned failed[NS_KIND_COUNT][NS_CAUSE_COUNT];   /* candidates MPFR rejected */
    /* Called with each new finding; a nonzero return asks the engine to stop. */
    int (*on_new)(const ns_finding *f, void *ctx);
    void *ctx;
} ns_finder;

void ns_finder_init(ns_finder *fd, ns_fuzz_target *t, const char *engine, uint64_t seed);
void ns_finder_free(ns_finder *fd);
/* Looks at one evaluation of row (the target's latest).  Returns 1 when
 * on_new asked to stop, 0 otherwise, -1 when out of memory.  *known (may be
 * NULL) gets bit k when the row breaks promise k for a cause already found
 * before: a search should look elsewhere. */
int ns_finder_consider(ns_finder *fd, const ns_row *row, const ns_fuzz_eval *e, unsigned *known);

/* JSON (cJSON): one object per finding; fields of SPEC section 4
 * (normalizer, policy, kind, value, x as %a strings, g, confirmed) and
 * sum, param (an object, for families with parameters), cause, verdict, why,
 * detail, engine, seed, evals, seconds, unix_time, n. */
struct cJSON;
struct cJSON *ns_finding_to_json(const ns_finding *f);
/* 0, or -1 with a message in err ("field 'x': ..."). */
int ns_finding_from_json(const struct cJSON *j, ns_finding *f, char *err, size_t errlen);
/* One line of JSON and a newline, in one write (several processes may append
 * to one file). */
int ns_finding_write_jsonl(FILE *out, const ns_finding *f);

/* Reads every finding of a JSON Lines file (lines that are not findings,
 * such as the summary line, are skipped).  0, or -1 with "FILE:LINE: what". */
int ns_findings_read(const char *path, ns_finding_set *into, bool dedupe, char *err, size_t errlen);

/* The object a finding gets in findings.jsonl, before "file" and "command"
 * are added: ns_finding_to_json, or a caller's richer one (i is the
 * finding's index in the set). */
typedef struct cJSON *(*ns_finding_json_fn)(const ns_finding *f, size_t i, void *ctx);

/* Writes, per finding, DIR/SLUG.x (the logits, one row of %a) and DIR/SLUG.g
 * (the gradient) for `normstab eval -i -g`, then DIR/findings.jsonl (one
 * to_json object a line, NULL: ns_finding_to_json).  Each file is written
 * under PATH.tmp and renamed when whole, the list last: an interrupted store
 * leaves the previous list.  0, or -1 with "PATH: what" in err. */
int ns_findings_store(const ns_finding_set *s, const char *dir, ns_finding_json_fn to_json,
                      void *ctx, char *err, size_t errlen);

#endif
