/* Stochastic rounding (+sr, SPEC section 6): exact where it can be (every
 * result is one of the two neighbours of the exact value, computed by MPFR
 * rounding down and up in the format; representable values stay), and
 * statistical where it must be (the mean over many seeds converges to the
 * exact value at the rate Hoeffding's inequality gives); reproducible for a
 * seed, whatever the number of threads. */
#include <criterion/criterion.h>
#include <math.h>
#include <mpfr.h>
#include <omp.h>

#include "../formats/arith.h"
#include "../formats/stochastic.h"
#include "testlib.h"

static const char *const sr_formats[] = { "fp16+sr", "bf16+sr", "fp32+sr", "tf32+sr", "e4m3+sr",
                                          "e5m2+sr", "e3m2+sr", "e2m1+sr", "e4m3fnuz+sr" };
#define NSR (sizeof sr_formats / sizeof sr_formats[0])

typedef enum { OP_ROUND, OP_ADD, OP_MUL, OP_DIV, OP_SQRT, OP_EXP, NOPS } op_kind;
static const char *const op_names[] = { "round", "add", "mul", "div", "sqrt", "exp" };

/* The exact result of op rounded in direction rnd into f's precision and
 * exponent range, by MPFR alone: the operation at p bits in MPFR's wide
 * range, then mpfr_check_range and mpfr_subnormalize in the format's (the
 * format's -0 and overflow rules do not arise: the caller leaves out
 * results beyond the finite range). */
static double mpfr_directed(const ns_format *f, op_kind op, double a, double b, mpfr_rnd_t rnd)
{
    mpfr_t x, y, r;
    mpfr_inits2(53, x, y, (mpfr_ptr)0);
    mpfr_init2(r, f->p);
    mpfr_set_d(x, a, MPFR_RNDN);
    mpfr_set_d(y, b, MPFR_RNDN);
    int t = 0;
    switch (op) {
    case OP_ROUND: t = mpfr_set(r, x, rnd); break;
    case OP_ADD:   t = mpfr_add(r, x, y, rnd); break;
    case OP_MUL:   t = mpfr_mul(r, x, y, rnd); break;
    case OP_DIV:   t = mpfr_div(r, x, y, rnd); break;
    case OP_SQRT:  t = mpfr_sqrt(r, x, rnd); break;
    default:       t = mpfr_exp(r, x, rnd); break;
    }
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_set_emin(f->emin - f->p + 2);
    mpfr_set_emax(f->emax + 1);
    t = mpfr_check_range(r, t, rnd);
    mpfr_subnormalize(r, t, rnd);
    double d = mpfr_get_d(r, MPFR_RNDN);
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
    mpfr_clears(x, y, r, (mpfr_ptr)0);
    return d;
}

static double run_op(const ns_format *f, op_kind op, double a, double b)
{
    switch (op) {
    case OP_ROUND: return ns_round(f, a);
    case OP_ADD:   return ns_fp_add(f, a, b);
    case OP_MUL:   return ns_fp_mul(f, a, b);
    case OP_DIV:   return ns_fp_div(f, a, b);
    case OP_SQRT:  return ns_fp_sqrt(f, a);
    default:       return ns_fp_exp(f, a);
    }
}

/* Operands: values of the format (or doubles, for round) of magnitude
 * 2^-3 .. 2^3; the few results beyond a small format's range are left out
 * by the caller. */
static double operand(const ns_format *f, ns_test_rng *r, op_kind op)
{
    double v = ldexp(1 + ns_test_rng_uniform(r), (int)(ns_test_rng_next(r) % 6) - 3);
    if (op == OP_EXP)
        v = ldexp(v, -2);
    if (op != OP_SQRT && ns_test_rng_next(r) & 1)
        v = -v;
    return op == OP_ROUND ? v : ns_round(f->base, v);
}

Test(stochastic, every_result_is_a_neighbour_of_the_exact_value)
{
    ns_test_rng r;
    ns_test_rng_init(&r, ns_test_seed());
    unsigned long long bad = 0, both = 0;
    for (size_t k = 0; k < NSR; k++) {
        const ns_format *f = ns_format_find(sr_formats[k]);
        cr_assert(f && f->stochastic, "%s", sr_formats[k]);
        for (int op = 0; op < NOPS; op++)
            for (int i = 0; i < 300; i++) {
                double a = operand(f, &r, (op_kind)op), b = operand(f, &r, (op_kind)op);
                double down = mpfr_directed(f, (op_kind)op, a, b, MPFR_RNDD);
                double up = mpfr_directed(f, (op_kind)op, a, b, MPFR_RNDU);
                if (!isfinite(down) || !isfinite(up))
                    continue;                   /* overflow: overflow_follows_the_format */
                bool seen_down = false, seen_up = false;
                for (uint64_t seed = 1; seed <= 16; seed++) {
                    ns_sr_begin(seed, (uint64_t)i);
                    double y = run_op(f, (op_kind)op, a, b);
                    seen_down |= y == down;
                    seen_up |= y == up;
                    if (y != down && y != up && bad++ < 5)
                        cr_log_error("%s %s(%a, %a) = %a, neighbours %a and %a", f->name,
                                     op_names[op], a, b, y, down, up);
                }
                both += seen_down && seen_up && down != up;
            }
    }
    cr_expect_eq(bad, 0, "%llu results are no neighbour (seed %llu)", bad,
                 (unsigned long long)ns_test_seed());
    cr_expect(both > 1000, "only %llu cases saw both neighbours: not random", both);
}

Test(stochastic, representable_values_stay)
{
    for (size_t k = 0; k < NSR; k++) {
        const ns_format *f = ns_format_find(sr_formats[k]);
        double vals[] = { 0, 1, -1.5, f->max_finite, -f->max_finite, ns_format_min_positive(f),
                          ldexp(1, f->emin) };
        for (uint64_t seed = 1; seed <= 50; seed++) {
            ns_sr_begin(seed, 0);
            for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
                cr_expect_eq(ns_round(f, vals[i]), vals[i], "%s(%a)", f->name, vals[i]);
        }
    }
}

/* The mean of N stochastic roundings of x is down + q * (k / N), k the
 * number of draws that went up: a sum of N independent Bernoulli(phi)
 * variables, phi = (x - down) / q.  Hoeffding's inequality (1963):
 *   P(|k/N - phi| >= t) <= 2 exp(-2 N t^2),
 * so |mean - x| < q * t_N with t_N = sqrt(ln(2 / delta) / (2 N)) but with
 * probability delta, here 10^-9 for each of the 36 checks below: the error
 * shrinks as N^(-1/2), and the test fails by chance with probability below
 * 4 * 10^-8.  (The draws are multiples of 2^-53, so the true probability is
 * phi rounded up to one: 2^-53, far below t_N.)  Each N takes N seeds. */
Test(stochastic, mean_over_seeds_converges_at_the_hoeffding_rate)
{
    static const struct { const char *f; double x; } cases[] = {
        { "e4m3+sr", 1.1 },            /* phi = 0.8 of the quantum 1/8 */
        { "e2m1+sr", 2.2 },            /* phi = 0.2 of the quantum 1 */
        { "fp16+sr", 1 + 0x1p-14 },    /* phi = 1/16 of 2^-10 */
        { "bf16+sr", -3.0001 },
    };
    static const unsigned ns[] = { 256, 4096, 65536 };
    const double delta = 1e-9;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const ns_format *f = ns_format_find(cases[c].f);
        double x = cases[c].x;
        for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++)
            for (int op = 0; op < 3; op++) {       /* round; x + 0; x * 1 */
                unsigned n = ns[j];
                double sum = 0;
                for (unsigned s = 0; s < n; s++) {
                    ns_sr_begin(ns_test_seed() + s, 7);
                    double xr = op == 0 ? x : ns_round(&ns_fp64, x);
                    sum += op == 0 ? ns_round(f, xr) : op == 1 ? ns_fp_add(f, xr, 0) : ns_fp_mul(f, xr, 1);
                }
                double q = ns_ulp(f, x), t = sqrt(log(2 / delta) / (2.0 * n));
                double err = fabs(sum / n - x);
                cr_expect(err < q * t, "%s: |mean of %u - %a| = %g >= %g = q t_N", f->name, n, x,
                          err, q * t);
            }
    }
}

Test(stochastic, a_seed_and_stream_give_the_same_results)
{
    const ns_format *f = ns_format_find("e4m3+sr");
    double a[64], b[64];
    for (int pass = 0; pass < 2; pass++) {
        ns_sr_begin(42, 3);
        for (int i = 0; i < 64; i++)
            (pass ? b : a)[i] = ns_round(f, 1.03);
    }
    cr_expect(memcmp(a, b, sizeof a) == 0);
    ns_sr_begin(43, 3);
    int same = 0;
    for (int i = 0; i < 64; i++)
        same += ns_round(f, 1.03) == a[i];
    cr_expect(same < 64, "seed 43 repeats seed 42");
}

/* One stream per row: rows rounded by 1 thread or by 4, in any order, give
 * the same bits. */
Test(stochastic, threads_do_not_change_results)
{
    enum { ROWS = 64, N = 32 };
    static double one[ROWS][N], four[ROWS][N];
    const ns_format *f = ns_format_find("fp16+sr");
    for (int pass = 0; pass < 2; pass++) {
        double (*out)[N] = pass ? four : one;
#pragma omp parallel for num_threads(pass ? 4 : 1) schedule(dynamic, 1)
        for (int row = ROWS - 1; row >= 0; row--) {
            ns_sr_begin(5, (uint64_t)row);
            for (int i = 0; i < N; i++)
                out[row][i] = ns_fp_div(f, 1.0 + row, 3.0 + i);
        }
    }
    cr_expect(memcmp(one, four, sizeof one) == 0);
}

Test(stochastic, overflow_follows_the_format)
{
    const ns_format *e4m3 = ns_format_find("e4m3+sr"), *sat = ns_format_find("e4m3+sat+sr");
    int nan = 0;
    for (uint64_t s = 0; s < 200; s++) {
        ns_sr_begin(s, 0);
        double y = ns_round(e4m3, 460), z = ns_round(sat, 460);
        nan += isnan(y);
        cr_expect(isnan(y) || y == 448, "e4m3+sr(460) = %a", y);
        cr_expect_eq(z, 448);
    }
    cr_expect(nan > 0 && nan < 200, "460 lies between 448 and the NaN of 480: %d NaN of 200", nan);
}
