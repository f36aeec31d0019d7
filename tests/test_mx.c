/* MX block formats (formats/mx.c) against an implementation written here
 * from the OCP Microscaling Formats v1.0 rules alone:
 *   - the shared scale is X = 2^(E - emax_elem) with E = floor(log2(amax)),
 *     taken here from frexp (amax = m 2^k, 1/2 <= m < 1, so E = k - 1), the
 *     exponent clamped to E8M0's -127..127;
 *   - each element is v / X quantized to the element format: FP elements by
 *     the value table decoded from their encodings (checks/small_formats.h,
 *     with saturation), INT8 elements as round-half-even(64 v / X) clamped to
 *     -127..127, times 2^-6;
 *   - a block holding NaN or inf is all NaN; an all-zero block stays zeros.
 * Compared bit for bit over random rows of every shape, block sizes 1 to 64,
 * rows that end inside a block, and the edge cases one by one. */
#include <criterion/criterion.h>
#include <fenv.h>
#include <float.h>
#include <math.h>

#include "../checks/small_formats.h"
#include "../formats/mx.h"
#include "../formats/stochastic.h"
#include "testlib.h"

typedef struct {
    const char *name;
    const char *elem;        /* the element format in sf_formats, NULL for int8 */
    int emax_elem;
} mx_rule;

static const mx_rule rules[] = {
    { "mxfp8-e4m3", "e4m3", 8 }, { "mxfp8-e5m2", "e5m2", 15 }, { "mxfp6-e3m2", "e3m2", 4 },
    { "mxfp6-e2m3", "e2m3", 2 }, { "mxfp4-e2m1", "e2m1", 2 }, { "mxint8", NULL, 0 },
};
#define NRULES (sizeof rules / sizeof rules[0])

static const sf_geom *geom(const char *name)
{
    for (size_t k = 0; k < SF_NFORMATS; k++)
        if (strcmp(sf_formats[k].name, name) == 0)
            return &sf_formats[k];
    return NULL;
}

/* The independent block quantizer. */
static void ocp_block(const mx_rule *r, const sf_table *t, const double *x, double *y, size_t n)
{
    double amax = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]) || isinf(x[i])) {
            for (size_t j = 0; j < n; j++)
                y[j] = NAN;
            return;
        }
        amax = fmax(amax, fabs(x[i]));
    }
    if (amax == 0) {
        memcpy(y, x, n * sizeof *y);
        return;
    }
    int k;
    frexp(amax, &k);
    int e = k - 1 - r->emax_elem;
    if (e < -127)
        e = -127;
    if (e > 127)
        e = 127;
    double scale = pow(2.0, e);
    for (size_t i = 0; i < n; i++) {
        double v = x[i] / scale, q;
        if (r->elem) {
            q = sf_round(t, v);
        } else {
            fesetround(FE_TONEAREST);
            q = nearbyint(v * 64);
            q = fmin(fmax(q, -127), 127) / 64;
            q = copysign(q, v);
        }
        y[i] = q * scale;
    }
}

static void ocp_row(const mx_rule *r, const sf_table *t, size_t block, const double *x, double *y,
                    size_t n)
{
    for (size_t b = 0; b < n; b += block)
        ocp_block(r, t, x + b, y + b, n - b < block ? n - b : block);
}

static void compare(const mx_rule *r, const sf_table *t, size_t block, const double *x, size_t n)
{
    double want[256], got[256];
    ns_mx m;
    char err[256];
    cr_assert_eq(ns_mx_parse(r->name, &m, err, sizeof err), 0, "%s: %s", r->name, err);
    ocp_row(r, t, block, x, want, n);
    ns_mx_round(&m, block, x, got, n);
    for (size_t i = 0; i < n; i++)
        cr_assert(sf_same(got[i], want[i]), "%s block %zu: x[%zu] = %a gives %a, OCP rules %a",
                  r->name, block, i, x[i], got[i], want[i]);
}

static void with_table(const mx_rule *r, sf_table *t)
{
    memset(t, 0, sizeof *t);
    if (r->elem)
        cr_assert_eq(sf_table_init(t, geom(r->elem), "+sat"), 0);
}

/* Random rows: magnitudes over 2^-150 .. 2^150 within a row (scales at and
 * beyond the clamp), zeros, both signs; lengths 1..200, blocks 1..64. */
Test(mx, random_rows_follow_the_ocp_rules)
{
    ns_test_rng rng;
    ns_test_rng_init(&rng, ns_test_seed());
    for (size_t k = 0; k < NRULES; k++) {
        sf_table t;
        with_table(&rules[k], &t);
        for (int row = 0; row < 400; row++) {
            double x[200];
            size_t n = 1 + ns_test_rng_next(&rng) % 200;
            size_t block = row % 3 == 0 ? NS_MX_BLOCK : 1 + ns_test_rng_next(&rng) % 64;
            int centre = (int)(ns_test_rng_next(&rng) % 300) - 150;
            int spread = (int)(ns_test_rng_next(&rng) % 40);
            for (size_t i = 0; i < n; i++) {
                double v = ldexp(1 + ns_test_rng_uniform(&rng),
                                 centre + (spread ? (int)(ns_test_rng_next(&rng) % (unsigned)spread) : 0));
                x[i] = ns_test_rng_next(&rng) % 16 == 0 ? 0 : ns_test_rng_next(&rng) & 1 ? -v : v;
            }
            compare(&rules[k], &t, block, x, n);
        }
        sf_table_free(&t);
    }
}

/* SPEC section 6 by hand. */
Test(mx, blocks_by_hand)
{
    ns_mx m;
    char err[256];
    double y[8];
    cr_assert_eq(ns_mx_parse("mxfp8-e4m3", &m, err, sizeof err), 0);
    /* amax 1000: E = 9, X = 2^(9-8) = 2; 1000/2 = 500 saturates to 448 */
    double a[4] = { 1, 3, 1000, 0.001 };
    ns_mx_round(&m, 32, a, y, 4);
    cr_expect_eq(y[0], 1);
    cr_expect_eq(y[1], 3);
    cr_expect_eq(y[2], 896);
    cr_expect_eq(y[3], 0);
    /* an all-zero block keeps its zeros' signs; a NaN or inf spoils only its block */
    double b[6] = { 0, -0.0, 1, INFINITY, 5, 6 };
    ns_mx_round(&m, 2, b, y, 6);
    cr_expect(y[0] == 0 && !signbit(y[0]) && signbit(y[1]));
    cr_expect(isnan(y[2]) && isnan(y[3]));
    cr_expect_eq(y[4], 5);
    cr_expect_eq(y[5], 6);
    /* the scale's exponent is clamped: 2^-127 for tiny blocks, 2^127 for huge */
    double c[2] = { 0x1p-200, 0x1p300 };
    ns_mx_round(&m, 1, c, y, 2);
    cr_expect_eq(y[0], 0);                       /* 2^-200 / 2^-127 = 2^-73: below e4m3 */
    cr_expect_eq(y[1], 448 * 0x1p127);           /* 2^300 / 2^127 saturates */
    /* mxint8: amax 1000, X = 2^9; 1000 / 512 * 64 = 125; 3 / 512 * 64 = 0.375 -> 0 */
    cr_assert_eq(ns_mx_parse("mxint8", &m, err, sizeof err), 0);
    double d[2] = { 1000, 3 };
    ns_mx_round(&m, 32, d, y, 2);
    cr_expect_eq(y[0], 1000);
    cr_expect_eq(y[1], 0);
}

Test(mx, names_and_modifiers)
{
    ns_mx m;
    char err[256];
    cr_expect_eq(ns_mx_parse("fp16", &m, err, sizeof err), 1);
    cr_expect_eq(ns_mx_parse("mxfp9", &m, err, sizeof err), -1);
    cr_expect(strstr(err, "unknown format 'mxfp9'"));
    cr_expect_eq(ns_mx_parse("mxint8+ftz", &m, err, sizeof err), -1);
    cr_expect(strstr(err, "takes +sr only"));
    cr_assert_eq(ns_mx_parse("mxfp4-e2m1+sr", &m, err, sizeof err), 0);
    cr_expect(m.elem->stochastic);
    cr_expect_eq(m.elem->overflow, NS_OVERFLOW_SAT);
    for (size_t i = 0; ns_mx_formats[i]; i++)
        cr_expect_eq(ns_mx_parse(ns_mx_formats[i]->name, &m, err, sizeof err), 0, "%s", ns_mx_formats[i]->name);
}

/* +sr: each element one of the two neighbours of v / X in the element
 * format, times X; the scale is the same as without +sr. */
Test(mx, stochastic_elements_are_neighbours)
{
    ns_mx m, sr;
    char err[256];
    cr_assert_eq(ns_mx_parse("mxfp4-e2m1", &m, err, sizeof err), 0);
    cr_assert_eq(ns_mx_parse("mxfp4-e2m1+sr", &sr, err, sizeof err), 0);
    double x[4] = { 6, 1.3, -2.2, 0.7 }, y[4];
    int up = 0;
    for (uint64_t s = 0; s < 64; s++) {
        ns_sr_begin(s, 0);
        ns_mx_round(&sr, 32, x, y, 4);
        cr_expect_eq(y[0], 6);
        cr_expect(y[1] == 1 || y[1] == 1.5, "%a", y[1]);
        cr_expect(y[2] == -2 || y[2] == -3, "%a", y[2]);
        cr_expect(y[3] == 0.5 || y[3] == 1, "%a", y[3]);
        up += y[1] == 1.5;
    }
    cr_expect(up > 0 && up < 64);
}
