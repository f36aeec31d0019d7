/* Findings: rows on which an algorithm breaks a promise of its contract,
 * each with its kind and cause, the verdict (analysis/verdict.h: "expected"
 * when the contract declares it as a hazard, with the hazard's explanation;
 * "broken" otherwise) and where it came from; and sets of them, one finding
 * per key.  The finder (finder.h) makes them; they travel as JSON Lines
 * (finding_json.h) and are stored as text rows that `normstab eval` reads
 * back. */
#ifndef NS_FUZZ_FINDING_H
#define NS_FUZZ_FINDING_H

#include <stdbool.h>
#include <stdint.h>

#include "mutate.h"

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

#endif
