/* `make exhaustive`: formats/ against independent references, on every input
 * where that is possible and on 10^7 random ones per operation elsewhere.
 * Progress goes to stderr, the summary to stdout; exit status 1 on any
 * mismatch, 2 when the run cannot be trusted (MPFR without thread-local
 * state).
 *
 *  1. ns_round of all 2^32 float32 bit patterns into fp16 and bf16 (the
 *     inline path of ns_round and the format's own function), against the
 *     integer reference of arith_check.h, MPFR (the format's exponent
 *     range, precision p, mpfr_subnormalize), the F16C conversion for fp16
 *     and the AVX512-BF16 one for bf16 on normal inputs (it flushes
 *     subnormal inputs), where the CPU has them.  Measured before writing
 *     it: MPFR this way costs ~55 ns a pattern and format (ns_emu_round, which
 *     sets up its variables on every call, ~140 ns), so the whole MPFR
 *     comparison is ~8 CPU minutes (the phase ~15 in all), affordable on two
 *     cores; ns_emu_round, the oracle of every other check, gets the dense
 *     subsets 2 and 3 below, where rounding errors live.
 *  2. ns_emu_round against the integer reference on the float32 patterns
 *     where rounding errors live: every pattern whose bits below the rounding
 *     position are within 2 of a midpoint or of a representable value, in
 *     every binade and both signs.
 *  3. ns_round of doubles (inputs with more bits than a float, as a round-
 *     to-odd sum gives it) near every kind of midpoint and representable
 *     value, against the integer reference and ns_emu_round.
 *  4. exp, expm1, log, log1p, tanh, sqrt of fp16 and bf16 on all 65,536
 *     inputs; of fp32 on random inputs; against formats/emulate.c and the
 *     test's own MPFR emulation.
 *  5. add, sub, mul, div, pow on random pairs, fma on random triples, of
 *     fp16, bf16 and fp32, likewise.
 *  6. The same on all pairs (triples for fma) of special values.
 *  7. fp32 operands with fp16 and bf16 results near a midpoint (the
 *     round-to-odd path), against formats/emulate.c and, where the exact
 *     result is a double, the integer reference.
 *
 * Usage: exhaustive [N]   N random cases per operation (default 10^7). */
#include <cpuid.h>
#include <immintrin.h>
#include <omp.h>
#include <stdlib.h>

#include "arith_check.h"

#define NFIRST 5
#define SEED UINT64_C(0x6e6f726d73746162)

typedef struct {
    char name[80];
    unsigned long long checked, mismatches;
    chk_mismatch first[NFIRST];
    int nfirst;
    double seconds;
} phase;

#define MAXPHASES 64
static phase phases[MAXPHASES];
static int nphases;
static unsigned long long ncases = 10000000;
static bool have_f16c, have_avx512bf16;

static void record(phase *ph, const chk_mismatch *m)
{
#pragma omp critical(record)
    {
        ph->mismatches++;
        if (ph->nfirst < NFIRST)
            ph->first[ph->nfirst++] = *m;
    }
}

/* A block of checks: returns how many it made, records its mismatches. */
typedef unsigned long long (*block_fn)(const void *arg, unsigned long long block, phase *ph);

static void run_phase(const char *name, unsigned long long nblocks, block_fn fn, const void *arg)
{
    phase *ph = &phases[nphases++];
    snprintf(ph->name, sizeof ph->name, "%s", name);
    double t0 = omp_get_wtime(), last = t0;
    unsigned long long done = 0;
    fprintf(stderr, "%s ...\n", name);
#pragma omp parallel for schedule(dynamic, 1)
    for (long long b = 0; b < (long long)nblocks; b++) {
        unsigned long long n = fn(arg, (unsigned long long)b, ph), d;
#pragma omp atomic
        ph->checked += n;
#pragma omp atomic capture
        d = ++done;
        double now = omp_get_wtime();
        if (omp_get_thread_num() == 0 && now - last > 10) {
            unsigned long long bad;
#pragma omp atomic read
            bad = ph->mismatches;
            last = now;
            double el = now - t0;
            fprintf(stderr, "  %5.1f%%  %6.0f s elapsed, ~%.0f s left, %llu mismatches\n",
                    100.0 * (double)d / (double)nblocks, el,
                    el * (double)(nblocks - d) / (double)d, bad);
        }
    }
    ph->seconds = omp_get_wtime() - t0;
    fprintf(stderr, "  done in %.1f s: %llu checked, %llu mismatches\n", ph->seconds,
            ph->checked, ph->mismatches);
}

/* ---- 1. every float32 pattern ---- */

__attribute__((target("f16c"))) static double f16c_round(float x)
{
    return _cvtsh_ss(_cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT));
}

__attribute__((target("avx512bf16,avx512vl"))) static double avx512bf16_round(float x)
{
    __m128bh h = _mm_cvtneps_pbh(_mm_set_ss(x));
    uint32_t b = (uint32_t)(uint16_t)_mm_extract_epi16((__m128i)h, 0) << 16;
    float y;
    memcpy(&y, &b, sizeof y);
    return y;
}

/* x rounded into g by MPFR in g's own exponent range (the manual's way). */
static double mpfr_round_float(const chk_geom *g, mpfr_ptr r, float x)
{
    chk_mpfr_saved s = chk_mpfr_enter(g);
    int t = mpfr_set_flt(r, x, MPFR_RNDN);
    mpfr_subnormalize(r, t, MPFR_RNDN);
    chk_mpfr_leave(s);
    return mpfr_get_d(r, MPFR_RNDN);
}

static void mismatch1(phase *ph, const chk_geom *g, const char *what, double x, double got,
                      double want)
{
    chk_mismatch m;
    chk_agree(&m, what, g->f->name, 1, &x, got, want, false, NAN);
    record(ph, &m);
}

static unsigned long long all_floats_block(const void *arg, unsigned long long block, phase *ph)
{
    (void)arg;
    const chk_geom *gs[2] = { &chk_fp16, &chk_bf16 };
    mpfr_t r[2];
    mpfr_init2(r[0], chk_fp16.p);
    mpfr_init2(r[1], chk_bf16.p);
    unsigned long long n = 0;
    for (uint32_t i = 0; i < (UINT32_C(1) << 20); i++) {
        uint32_t bits = (uint32_t)block << 20 | i;
        float fx;
        memcpy(&fx, &bits, sizeof fx);
        double x = fx;
        double want[2];
        for (int k = 0; k < 2; k++) {
            const chk_geom *g = gs[k];
            want[k] = chk_round_ref(g, x);
            double got = ns_round(g->f, x), got_fn = g->f->round(g->f, x);
            double mp = mpfr_round_float(g, r[k], fx);
            if (!chk_same(got, want[k]))
                mismatch1(ph, g, "ns_round vs integer reference", x, got, want[k]);
            if (!chk_same(got_fn, want[k]))
                mismatch1(ph, g, "format->round vs integer reference", x, got_fn, want[k]);
            if (!chk_same(mp, want[k]))
                mismatch1(ph, g, "MPFR vs integer reference", x, mp, want[k]);
        }
        if (have_f16c) {
            double hw = f16c_round(fx);
            if (!chk_same(hw, want[0]))
                mismatch1(ph, &chk_fp16, "F16C vs integer reference", x, hw, want[0]);
        }
        if (have_avx512bf16 && (bits & 0x7f800000) != 0) {   /* not zero or subnormal */
            double hw = avx512bf16_round(fx);
            if (!chk_same(hw, want[1]))
                mismatch1(ph, &chk_bf16, "AVX512-BF16 vs integer reference", x, hw, want[1]);
        }
        n++;
    }
    mpfr_clears(r[0], r[1], (mpfr_ptr)0);
    return n;
}

/* ---- 2. float32 patterns near the rounding boundaries ---- */

/* block = (format, sign, float exponent field 0..254) */
static unsigned long long boundary_floats_block(const void *arg, unsigned long long block,
                                                phase *ph)
{
    (void)arg;
    const chk_geom *g = block / 510 ? &chk_bf16 : &chk_fp16;
    uint32_t sign = (uint32_t)(block / 255 % 2) << 31, field = (uint32_t)(block % 255);
    int e = field ? (int)field - 127 : -126;
    int drop = 23 - (g->p - 1) + (g->emin > e ? g->emin - e : 0);   /* float bits below the quantum */
    unsigned long long n = 0;
    uint32_t full = UINT32_C(1) << 23;
    uint32_t kept = drop <= 23 ? full >> drop : 1;
    for (uint32_t k = 0; k < kept; k++)
        for (int point = 0; point < 2; point++)       /* the representable value, the midpoint */
            for (int off = -2; off <= 2; off++) {
                long long mant;
                if (drop <= 23)
                    mant = ((long long)k << drop) + (point ? 1LL << (drop - 1) : 0) + off;
                else
                    mant = point ? (long long)full + off : off;   /* both ends of the binade */
                if (mant < 0 || mant >= (long long)full)
                    continue;
                uint32_t bits = sign | field << 23 | (uint32_t)mant;
                float fx;
                memcpy(&fx, &bits, sizeof fx);
                chk_mismatch m;
                if (!chk_round(g, fx, true, &m))
                    record(ph, &m);
                n++;
            }
    return n;
}

/* ---- 3. doubles near midpoints and representable values ---- */

static double random_double_near(const chk_geom *g, chk_rng *r)
{
    double ulp, m = chk_random_midpoint(g, r, &ulp);
    double v = m - copysign(ulp / 2, m);             /* the representable value below */
    switch (chk_below(r, 4)) {
    case 0:                                          /* a midpoint, a few double ulps off */
        return ns_from_bits(ns_to_bits(m) + chk_below(r, 7) - 3);
    case 1:                                          /* a representable value, likewise */
        return ns_from_bits(ns_to_bits(v) + chk_below(r, 7) - 3);
    case 2:                                          /* off a midpoint by 2^-j of an ulp */
        return m + (chk_next(r) & 1 ? 1 : -1) * ldexp(ulp, -(int)chk_below(r, 50) - 1);
    default: {                                       /* any double of the format's range */
        int e = g->emin - g->p - 3 + (int)chk_below(r, (uint64_t)(g->emax - g->emin + g->p + 6));
        uint64_t b = (chk_next(r) & (UINT64_C(1) << 63)) | (uint64_t)(e + 1023) << 52 |
                     (chk_next(r) >> 12);
        return ns_from_bits(b);
    }
    }
}

static unsigned long long doubles_block(const void *arg, unsigned long long block, phase *ph)
{
    const chk_geom *g = arg;
    chk_rng r = chk_seed(SEED ^ 3, block);
    for (int i = 0; i < 10000; i++) {
        chk_mismatch m;
        if (!chk_round(g, random_double_near(g, &r), true, &m))
            record(ph, &m);
    }
    return 10000;
}

/* ---- 4. unary operations ---- */

typedef struct {
    const chk_geom *g;
    int op;
} op_arg;

static unsigned long long unary_all_block(const void *arg, unsigned long long block, phase *ph)
{
    const op_arg *a = arg;
    unsigned long long n = 0;
    for (uint64_t enc = block << 12; enc < (block + 1) << 12; enc++) {
        chk_mismatch m;
        if (!chk_unary(a->g, &chk_unary_ops[a->op], chk_decode(a->g, enc), &m))
            record(ph, &m);
        n++;
    }
    return n;
}

/* fp32: uniformly random encodings, or uniform in [-20, 20] (where exp,
 * tanh, expm1 do not saturate). */
static unsigned long long unary_random_block(const void *arg, unsigned long long block, phase *ph)
{
    const op_arg *a = arg;
    chk_rng r = chk_seed(SEED ^ 4 ^ (uint64_t)a->op << 8, block);
    for (int i = 0; i < 10000; i++) {
        double x = chk_next(&r) & 1 ? chk_random(a->g, &r)
                                    : chk_round_ref(a->g, -20 + 40 * (double)(chk_next(&r) >> 11) * 0x1p-53);
        chk_mismatch m;
        if (!chk_unary(a->g, &chk_unary_ops[a->op], x, &m))
            record(ph, &m);
    }
    return 10000;
}

/* ---- 5. binary operations and fma ---- */

static unsigned long long binary_block(const void *arg, unsigned long long block, phase *ph)
{
    const op_arg *a = arg;
    chk_rng r = chk_seed(SEED ^ 5 ^ (uint64_t)a->op << 8 ^ (uint64_t)a->g->p << 16, block);
    for (int i = 0; i < 10000; i++) {
        double x, y, z;
        chk_mismatch m;
        bool ok;
        if (a->op == CHK_NBINARY) {
            chk_random_triple(a->g, &r, &x, &y, &z);
            ok = chk_fma(a->g, x, y, z, true, &m);
        } else {
            chk_random_pair(a->g, &r, &x, &y);
            ok = chk_binary(a->g, &chk_binary_ops[a->op], x, y, true, &m);
        }
        if (!ok)
            record(ph, &m);
    }
    return 10000;
}

/* ---- 6. special values ---- */

static unsigned long long specials_block(const void *arg, unsigned long long block, phase *ph)
{
    const chk_geom *gs[3] = { &chk_fp16, &chk_bf16, &chk_fp32 };
    const chk_geom *g = gs[block];
    (void)arg;
    double v[CHK_NSPECIAL];
    chk_specials(g, v);
    unsigned long long n = 0;
    chk_mismatch m;
    for (int i = 0; i < CHK_NSPECIAL; i++) {
        for (int op = 0; op < CHK_NUNARY; op++, n++)
            if (!chk_unary(g, &chk_unary_ops[op], v[i], &m))
                record(ph, &m);
        for (int j = 0; j < CHK_NSPECIAL; j++) {
            for (int op = 0; op < CHK_NBINARY; op++, n++)
                if (!chk_binary(g, &chk_binary_ops[op], v[i], v[j], true, &m))
                    record(ph, &m);
            for (int k = 0; k < CHK_NSPECIAL; k++, n++)
                if (!chk_fma(g, v[i], v[j], v[k], true, &m))
                    record(ph, &m);
        }
    }
    return n;
}

/* ---- 7. fp32 operands, fp16/bf16 results near midpoints ---- */

static unsigned long long mixed_block(const void *arg, unsigned long long block, phase *ph)
{
    const op_arg *a = arg;
    chk_rng r = chk_seed(SEED ^ 7 ^ (uint64_t)a->op << 8 ^ (uint64_t)a->g->p << 16, block);
    for (int i = 0; i < 10000; i++) {
        chk_mismatch m;
        if (!chk_mixed(a->g, &r, a->op, &m))
            record(ph, &m);
    }
    return 10000;
}

static bool cpu_has_avx512bf16(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 16)) || !(b & (1u << 31)))
        return false;                                /* AVX512F, AVX512VL */
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d) || !(a & (1u << 5)))
        return false;                                /* AVX512_BF16 */
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
        return false;
    unsigned lo, hi;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 0xe6) == 0xe6;                      /* the OS saves the AVX-512 state */
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        char *end;
        ncases = strtoull(argv[1], &end, 10);
        if (*end || ncases < 10000) {
            fprintf(stderr, "exhaustive: N must be an integer >= 10000, not '%s'\n", argv[1]);
            return 2;
        }
    }
    if (!mpfr_buildopt_tls_p()) {
        fprintf(stderr, "exhaustive: this MPFR keeps its exponent range in global state "
                        "(mpfr_buildopt_tls_p() is false); threads would corrupt each other\n");
        return 2;
    }
    unsigned a, b, c, d;
    have_f16c = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
    have_avx512bf16 = cpu_has_avx512bf16();
    fprintf(stderr, "%d threads; F16C %s; AVX512-BF16 %s; %llu random cases per operation\n",
            omp_get_max_threads(), have_f16c ? "yes" : "no (skipped)",
            have_avx512bf16 ? "yes" : "no (skipped)", ncases);
    double t0 = omp_get_wtime();
    unsigned long long nb = ncases / 10000;

    run_phase("1. round all 2^32 float32 patterns into fp16 and bf16", 4096, all_floats_block, NULL);
    run_phase("2. ns_emu_round on float32 patterns near rounding boundaries", 1020,
              boundary_floats_block, NULL);
    run_phase("3. round doubles near fp16 boundaries", nb, doubles_block, &chk_fp16);
    run_phase("3. round doubles near bf16 boundaries", nb, doubles_block, &chk_bf16);

    const chk_geom *low[2] = { &chk_fp16, &chk_bf16 };
    static op_arg args[3][8];
    char name[80];
    for (int k = 0; k < 2; k++)
        for (int op = 0; op < CHK_NUNARY; op++) {
            args[k][op] = (op_arg){ low[k], op };
            snprintf(name, sizeof name, "4. %s %s, all 65536 inputs", low[k]->f->name,
                     chk_unary_ops[op].name);
            run_phase(name, 16, unary_all_block, &args[k][op]);
        }
    for (int op = 0; op < CHK_NUNARY; op++) {
        args[2][op] = (op_arg){ &chk_fp32, op };
        snprintf(name, sizeof name, "4. fp32 %s, random inputs", chk_unary_ops[op].name);
        run_phase(name, nb / 10 ? nb / 10 : 1, unary_random_block, &args[2][op]);
    }
    const chk_geom *all[3] = { &chk_fp16, &chk_bf16, &chk_fp32 };
    for (int k = 0; k < 3; k++)
        for (int op = 0; op <= CHK_NBINARY; op++) {
            args[k][op] = (op_arg){ all[k], op };
            snprintf(name, sizeof name, "5. %s %s, random %s", all[k]->f->name,
                     op < CHK_NBINARY ? chk_binary_ops[op].name : "fma",
                     op < CHK_NBINARY ? "pairs" : "triples");
            run_phase(name, nb, binary_block, &args[k][op]);
        }
    run_phase("6. special values, all pairs and triples, fp16 bf16 fp32", 3, specials_block, NULL);
    static op_arg mixed[2][5];
    static const char *const mixed_names[5] = { "add", "sub", "mul", "div", "fma" };
    for (int k = 0; k < 2; k++)
        for (int op = 0; op < 5; op++) {
            mixed[k][op] = (op_arg){ low[k], op };
            snprintf(name, sizeof name, "7. %s %s of fp32 operands near midpoints",
                     low[k]->f->name, mixed_names[op]);
            run_phase(name, nb, mixed_block, &mixed[k][op]);
        }

    unsigned long long checked = 0, mismatches = 0;
    printf("\n%-62s %14s %10s %9s\n", "check", "checked", "mismatches", "seconds");
    for (int i = 0; i < nphases; i++) {
        phase *ph = &phases[i];
        printf("%-62s %14llu %10llu %9.1f\n", ph->name, ph->checked, ph->mismatches, ph->seconds);
        checked += ph->checked;
        mismatches += ph->mismatches;
    }
    printf("%-62s %14llu %10llu %9.1f\n", "total", checked, mismatches, omp_get_wtime() - t0);
    for (int i = 0; i < nphases; i++)
        for (int j = 0; j < phases[i].nfirst; j++) {
            if (j == 0)
                printf("\nfirst mismatches of %s:\n", phases[i].name);
            chk_print(stdout, &phases[i].first[j]);
        }
    printf("\nexhaustive: %llu checked, %llu mismatches%s\n", checked, mismatches,
           have_f16c ? "" : " (F16C not checked: not on this CPU)");
    return mismatches ? 1 : 0;
}
