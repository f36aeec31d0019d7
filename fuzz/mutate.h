/* The float-aware mutator shared by every engine: libFuzzer's custom
 * mutator, the AFL++ custom-mutator library and `normstab search`.
 *
 * A test case is a row: logits x[0..n) and an upstream gradient g[0..n).
 * Mutations work on values, not bytes: ulp nudges, sign flips, exponent
 * extremes, specials (+-0, -inf masks, subnormals, the format's maxima),
 * the thresholds where exp, squares and sums of the policy's formats
 * overflow or underflow, duplicated maxima and near-ties, whole-row scaling
 * and shifting, length changes (1 to max_n entries), and mutations of g.
 * After every mutation the row is rounded into the policy's input format
 * and moved into the contract's domain (ns_domain_project), so every engine
 * only ever evaluates rows the contract covers.
 *
 * Deterministic: the same rng state and row give the same result. */
#ifndef NS_FUZZ_MUTATE_H
#define NS_FUZZ_MUTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../analysis/generators.h"
#include "../normalizers/contract.h"

typedef struct ns_row {
    double *x, *g;
    size_t n, cap;
} ns_row;

void ns_row_init(ns_row *r);
void ns_row_free(ns_row *r);
int ns_row_reserve(ns_row *r, size_t n);                 /* 0, or -1: out of memory */
int ns_row_copy(ns_row *dst, const ns_row *src);
/* Sets the row to x (and g, or all ones when g is NULL). */
int ns_row_set(ns_row *r, const double *x, const double *g, size_t n);

/* The longest row any engine builds. */
#define NS_FUZZ_MAX_N 4096

/* Format-aware constants offered by the "magic" mutation. */
#define NS_MUT_MAX_MAGIC 48

typedef struct ns_mutator {
    const ns_policy *policy;
    ns_domain domain;
    size_t max_n;          /* <= NS_FUZZ_MAX_N */
    size_t typical_n;      /* fresh rows have 1 .. typical_n entries */
    double magic[NS_MUT_MAX_MAGIC];
    size_t nmagic;
} ns_mutator;

void ns_mutator_init(ns_mutator *m, const ns_policy *p, const ns_domain *d, size_t max_n);

/* A fresh row of typical logits: length log-uniform in [1, typical_n],
 * entries N(mu, sigma^2) with sigma log-uniform in [2^-6, 2^6], an
 * occasional mask where allowed; g ~ N(0, 1). */
int ns_row_random(const ns_mutator *m, ns_rng *rng, ns_row *r);

/* Applies one mutation chosen at random; returns its name. */
const char *ns_mutate_once(const ns_mutator *m, ns_rng *rng, ns_row *r);

/* Applies 1 to max_stack mutations; the row is finished afterwards. */
void ns_mutate(const ns_mutator *m, ns_rng *rng, ns_row *r, unsigned max_stack);

/* A child of a and b: a prefix of one and a suffix of the other, or
 * entries picked from either. */
int ns_crossover(const ns_mutator *m, ns_rng *rng, const ns_row *a, const ns_row *b, ns_row *out);

/* Rounds x and g into the input format and projects them into the domain. */
void ns_row_finish(const ns_mutator *m, ns_row *r);

/* Bytes of a test case for libFuzzer and AFL++: little-endian binary64
 * x[0..n) then g[0..n), n = len / 16.  A shorter input reads as one logit
 * (the first 8 bytes, or 0) with g = 1; n is capped at max_n. */
int ns_row_decode(ns_row *r, const uint8_t *buf, size_t len, size_t max_n);
/* Writes the encoding if it fits in max bytes (truncating the row
 * otherwise); returns the number of bytes written. */
size_t ns_row_encode(const ns_row *r, uint8_t *buf, size_t max);

#endif
