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

#define NS_SUMMARY_WORST 3

/* A target over a list of cases.  "Cases" counts those with a defined
 * reference; rates are fractions of them. */
typedef struct ns_summary {
    size_t cases;
    double max_bits;          /* NaN/inf outputs read as the format's width */
    double mean_bits;         /* mean over cases of the mean over components */
    double max_bits_finite;   /* over the cases whose outputs are all finite (NaN: none) */
    double nan_rate, inf_rate;   /* cases with a NaN (an infinite) output */
    double max_sum_err;       /* max |sum y - sum y_ref| over cases with finite outputs */
    double min_denominator;   /* smallest |denominator| (inf: none; NaN: a NaN one) */
    size_t zero_denominators, subnormal_denominators;   /* cases */
    double grad_max_bits;     /* over cases with a gradient (NaN/inf: the width) */
    double grad_max_bits_finite;   /* over those whose dx is finite */
    double grad_mean_bits;
    double grad_nan_rate;     /* cases with a NaN or infinite dx */
    double max_grad_gain, max_grad_gain_ref;   /* over cases with finite gains */
    double max_normwise_err;
    size_t negatives, support_errors, argmax_changes;   /* cases with at least one */
    size_t contract_breaks;   /* cases that break the contract (verdict.h; not expected ones) */
    double max_kappa;         /* over cases where kappa was computed */
    double max_stability;     /* the same, cases with finite outputs */
    size_t worst[NS_SUMMARY_WORST];    /* case indices, worst first */
    size_t nworst;
} ns_summary;

/* Summary of metrics m[0..ncases) of one target over cases[]; the worst
 * cases are those with NaN/inf outputs first, then by error relative to
 * the contract's bound, then by stability ratio. */
void ns_summarize(const ns_metrics *m, size_t ncases, ns_summary *s);

/* "normal sigma=4 n=16 seed=0x1234" (or "FILE row K"). */
void ns_case_describe(const ns_case *c, char *buf, size_t len);

/* The command line that replays case c for target t, with program the
 * name of normstab to run ("build/normstab"):
 * "PROGRAM check -n ALG -p POLICY --sum ORDER --gen NAME=PARAM --length N --seed K"
 * (a given row is piped in from its file). */
void ns_case_replay(const ns_case *c, const ns_target *t, const char *program, char *buf, size_t len);

#endif
