/* Shared helpers for the unit tests. */
#ifndef NS_TESTLIB_H
#define NS_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../analysis/generators.h"
#include "../normalizers/catalogue.h"
#include "../reference/ref.h"

/* The seed of every randomized test: NS_TEST_SEED from the environment, or a
 * fixed default.  Printed with every failure message that uses it. */
uint64_t ns_test_seed(void);

/* The generator of the analysis (analysis/generators.h: xoshiro256**
 * seeded by splitmix64) under the names the tests use. */
typedef ns_rng ns_test_rng;
static inline void ns_test_rng_init(ns_test_rng *r, uint64_t seed) { ns_rng_seed(r, seed); }
static inline uint64_t ns_test_rng_next(ns_test_rng *r) { return ns_rng_next(r); }
static inline double ns_test_rng_uniform(ns_test_rng *r) { return ns_rng_uniform(r); }  /* [0, 1) */
static inline double ns_test_rng_normal(ns_test_rng *r) { return ns_rng_normal(r); }    /* N(0, 1) */

/* d(phi)/d(x_j) of phi(x) = <g, y(x)> for the family's exact forward y,
 * by a central difference with step h = 2^-50 max(1, |x_j|) (exact in
 * binary64) of phi evaluated from the reference enclosures at 400 bits.
 * The truncation error is O(h^2) ~ 2^-100 relative, far below one ulp of a
 * double; the rounding error is below 2^-300. */
double ns_test_fd_gradient(const ns_reference *r, const double *param,
                           const double *x, const double *g, size_t n, size_t j);

/* Algorithm alg in a policy (by name) with summation order sum and the
 * family's parameters param (NULL: its defaults), on x and g rounded into
 * the policy's input format as a kernel receives them: y and, when g is not
 * NULL, dx as it returns them.  probe may be NULL. */
void ns_test_run(const char *alg, const char *policy, ns_sum_order sum, const double *param,
                 const double *x, const double *g, double *y, double *dx, size_t n, ns_probe *probe);

/* The forward pass alone, with sequential sums and the default parameters. */
void ns_test_forward(const char *alg, const char *policy, const double *x, double *y, size_t n);

/* The family's reference at x (and g when not NULL, giving dx), with the
 * parameters param (NULL: the catalogue family's defaults, zeros for a
 * reference without one); every entry settled below the precision cap. */
void ns_test_reference(const char *family, const double *param, const double *x, const double *g,
                       double *y, double *dx, size_t n);

/* softmax.shifted that forgets the shift (e^x overflows fp16 from 11.09
 * on: inf / inf = NaN), held to the contract of softmax.shifted, which
 * promises no NaN: an algorithm that breaks its contract.  *family (may be
 * NULL) gets the softmax family. */
const ns_algorithm *ns_test_softmax_forgot_shift(const ns_family **family);

/* a and b are the same double to the bit, or both NaN. */
int ns_test_same_bits(double a, double b);

/* Algorithms a and b (by name) in policy with order sum and the default
 * parameters, on x, and on g too when backward: asserts the same outputs
 * bit for bit (ns_test_same_bits), the same gradients when backward, and the
 * same denominators shown to the probe (how many, how many zero).  where
 * names the row and order in a failure. */
void ns_test_assert_same_run(const char *a, const char *b, const char *policy, ns_sum_order sum,
                             const double *x, const double *g, size_t n, bool backward, const char *where);

/* Distance in units of the ulp of b, in binary64 (0 when both NaN). */
double ns_test_ulps64(double a, double b);

/* Rows of a family evaluated by its reference with the fast tier off (MPFR
 * alone) and on (reference/tier.h): how many, how many the tier settled,
 * how many differed in a bit. */
typedef struct ns_test_tally {
    size_t rows, settled, mismatches;
} ns_test_tally;

/* One row both ways at the family's default parameters (g may be NULL),
 * counted in t; the first differences are logged.  1 when the tier settled
 * the row. */
int ns_test_compare_tier(const char *family, ns_test_tally *t, const double *x, const double *g,
                         size_t n);

/* The same at the parameters param (NULL: the defaults), leaving the
 * tiered results in y and dx (n each) when they are not NULL. */
int ns_test_compare_tier_at(const char *family, const double *param, ns_test_tally *t,
                            const double *x, const double *g, size_t n, double *y, double *dx);

#endif
