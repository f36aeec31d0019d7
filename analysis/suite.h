/* The standard suite of inputs and what a target did over it.
 *
 * The suite is a fixed list of generator settings (generators.h), each with
 * a number of seeds, derived from one master seed: the same seed gives the
 * same rows.  The quick suite keeps every kind of input with fewer seeds and
 * shorter long rows, for CI; the tiny one keeps one row of each kind up to
 * n = 64, for tests of the machinery (seconds, not a measurement). */
#ifndef NS_SUITE_H
#define NS_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "run.h"

/* The condition number is computed for rows up to this length. */
#define NS_SUITE_KAPPA_MAX_N 1024

/* The cases of the standard suite (malloc'd; *count set), NULL when out of
 * memory. */
typedef enum { NS_SUITE_TINY, NS_SUITE_QUICK, NS_SUITE_FULL } ns_suite_size;

const char *ns_suite_size_name(ns_suite_size size);    /* "tiny", "quick", "full" */
ns_case *ns_suite_standard(ns_suite_size size, uint64_t seed, size_t *count);

/* A seed for item k of a list derived from seed (splitmix64 of both). */
uint64_t ns_seed_mix(uint64_t seed, uint64_t k);

/* The inputs behind a summary's numbers: each number that a report prints
 * names the case that produced it, so that a reader can replay it. */
typedef enum {
    NS_BEHIND_MAX,          /* max_bits_finite */
    NS_BEHIND_P99,
    NS_BEHIND_P90,
    NS_BEHIND_MEDIAN,
    NS_BEHIND_NAN,          /* the first case with a NaN output */
    NS_BEHIND_INF,          /* the first case with an infinite output */
    NS_BEHIND_GRAD_MAX,     /* grad_max_bits_finite */
    NS_BEHIND_BROKEN,       /* the case furthest beyond the contract's bound */
    NS_BEHIND_COUNT
} ns_behind;

#define NS_NO_CASE ((size_t)-1)

const char *ns_behind_name(ns_behind b);   /* "max", "p99", ..., "NaN", "grad max", "broken" */

/* A target over a list of cases.  "Cases" counts those with a defined
 * reference; rates are fractions of them.  Bits are never NaN or inf
 * outputs read as bits (metrics.h): those are the rates.  The distribution
 * of errors (median, p90, p99, max, mean) is over the cases whose outputs
 * are all finite, one value per case (its worst output); quantiles are by
 * nearest rank, so each is the error of one case. */
typedef struct ns_summary {
    size_t cases;
    double max_bits;          /* over every finite output of every case */
    double mean_bits;         /* mean over the finite cases of their mean bits: <= max_bits_finite */
    double max_bits_finite;   /* over the cases whose outputs are all finite (NaN: none) */
    double median_bits, p90_bits, p99_bits;   /* of the finite cases' worst bits */
    double nan_rate, inf_rate;   /* cases with a NaN (an infinite) output */
    double max_sum_err;       /* max |sum y - sum y_ref| over cases with finite outputs */
    double min_denominator;   /* smallest |denominator| (inf: none; NaN: a NaN one) */
    size_t zero_denominators, subnormal_denominators;   /* cases */
    double grad_max_bits;     /* over the finite entries of dx of every case with a gradient */
    double grad_max_bits_finite;   /* over the cases whose dx is finite */
    double grad_mean_bits;    /* over the same cases: <= grad_max_bits_finite */
    double grad_nan_rate;     /* cases with a NaN or infinite dx */
    double max_grad_gain, max_grad_gain_ref;   /* over cases with finite gains */
    double max_normwise_err;
    size_t negatives, support_errors, argmax_changes;   /* cases with at least one */
    size_t contract_breaks;   /* cases that break the contract (verdict.h; not expected ones) */
    double max_kappa;         /* over cases where kappa was computed */
    double max_stability;     /* the same, cases with finite outputs: error / ((1 + kappa) u) */
    size_t behind[NS_BEHIND_COUNT];   /* case indices, NS_NO_CASE when none */
} ns_summary;

/* Summary of metrics m[0..ncases) of one target over cases[]. */
void ns_summarize(const ns_metrics *m, size_t ncases, ns_summary *s);

/* "normal sigma=4 n=16 seed=0x1234" (or "FILE row K"). */
void ns_case_describe(const ns_case *c, char *buf, size_t len);

/* The command line that replays case c for target t, with program the
 * name of normstab to run ("build/normstab"):
 * "PROGRAM check -n ALG -p POLICY --sum ORDER --gen NAME=PARAM --length N --seed K"
 * (a given row is piped in from its file). */
void ns_case_replay(const ns_case *c, const ns_target *t, const char *program, char *buf, size_t len);

#endif
