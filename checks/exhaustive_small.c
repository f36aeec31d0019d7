/* `make exhaustive` (part): the formats of SPEC section 6 and the modifiers
 * +sat, +ftz, +daz against the reference of checks/small_formats.h (value
 * sets decoded from the encodings, exact results from MPFR), and against
 * formats/emulate.c, on every input where that is cheap:
 *
 *  e4m3 e5m2 e4m3fnuz e5m2fnuz e3m2 e2m3 e2m1, each bare and with +sat,
 *  +ftz, +daz, +sat+ftz+daz:
 *    1. the geometry (p, emin, emax, max finite, smallest positive);
 *    2. every code rounds to itself; doubles around every gap between
 *       neighbouring values and beyond max finite, both signs;
 *    3. add, sub, mul, div, pow on every pair of values (NaN, inf included);
 *    4. sqrt, exp, expm1, log, log1p, tanh on every value;
 *    5. fma on every triple of the FP6 and FP4 formats, on N random triples
 *       of the FP8 ones.
 *  tf32 (19 bits), bare and with +ftz: 1, 2 and 4 on every value, 3 and 5
 *  on N random pairs and triples.
 * (+sr is statistical: tests/test_stochastic.c.)  Progress goes to stderr,
 * the summary to stdout; exit status 1 on any mismatch, 2 when MPFR keeps
 * no per-thread state (the threads would share its exponent range).
 *
 * Usage: exhaustive-small [N]   (default N = 10^6) */
#include <omp.h>
#include <stdlib.h>

#include "small_formats.h"

#define NFIRST 5

static const char *const mod_sets[] = { "", "+sat", "+ftz", "+daz", "+sat+ftz+daz" };
#define NMODSETS (sizeof mod_sets / sizeof mod_sets[0])

static unsigned long long ncases = 1000000;
static unsigned long long total_checked, total_bad;

typedef struct {
    unsigned long long checked, bad;
    sf_mismatch first[NFIRST];
} tally;

static void note(tally *t, bool ok, const sf_mismatch *m)
{
    t->checked++;
    if (!ok && t->bad++ < NFIRST)
        t->first[t->bad - 1] = *m;
}

/* A thread's tally into the phase's. */
static void merge(tally *into, const tally *t)
{
#pragma omp critical(merge)
    {
        for (unsigned long long i = 0; i < t->bad && i < NFIRST; i++)
            if (into->bad + i < NFIRST)
                into->first[into->bad + i] = t->first[i];
        into->checked += t->checked;
        into->bad += t->bad;
    }
}

static void report(const char *what, const tally *t, double seconds)
{
    printf("%-44s %14llu %10llu %8.1f\n", what, t->checked, t->bad, seconds);
    for (unsigned long long i = 0; i < t->bad && i < NFIRST; i++)
        printf("    %s = %a, MPFR emulation %a, expected %a\n", t->first[i].what, t->first[i].got,
               t->first[i].emu, t->first[i].want);
    fflush(stdout);
    total_checked += t->checked;
    total_bad += t->bad;
}

/* splitmix64: the random operands of the larger formats, from a fixed seed. */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void check_values(const sf_table *t, tally *all)
{
    const char *why = sf_geometry_differs(t);
    sf_mismatch m = { "", 0, 0, 0 };
    if (why)
        snprintf(m.what, sizeof m.what, "%s geometry: %s", t->f->name, why);
    note(all, why == NULL, &m);
    uint32_t n = sf_ncodes(t->g);
#pragma omp parallel
    {
        tally mine = { 0, 0, { { "", 0, 0, 0 } } };
#pragma omp for schedule(dynamic, 1024)
        for (uint32_t c = 0; c < n; c++) {
            double v = sf_decode(t->g, c);
            sf_mismatch mm;
            note(&mine, sf_check_round(t, v, &mm), &mm);
            if (c < t->n) {
                double pts[16];
                int np = sf_gap_points(t, c, pts);
                for (int i = 0; i < np; i++)
                    note(&mine, sf_check_round(t, pts[i], &mm), &mm);
            }
        }
        merge(all, &mine);
    }
}

static void check_unary(const sf_table *t, tally *all)
{
    uint32_t n = sf_ncodes(t->g);
#pragma omp parallel
    {
        tally mine = { 0, 0, { { "", 0, 0, 0 } } };
#pragma omp for schedule(dynamic, 256)
        for (uint32_t c = 0; c < n; c++)
            for (int op = 0; op < SF_NUNARY; op++) {
                sf_mismatch m;
                note(&mine, sf_check_unary(t, (sf_unary)op, sf_decode(t->g, c), &m), &m);
            }
        merge(all, &mine);
    }
}

/* Every pair when the format has at most 8 bits, else ncases random ones. */
static void check_binary(const sf_table *t, tally *all)
{
    uint64_t n = sf_ncodes(t->g);
    bool every = n <= 256;
    long long rows = every ? (long long)n : (long long)(ncases / 1000);
#pragma omp parallel
    {
        tally mine = { 0, 0, { { "", 0, 0, 0 } } };
#pragma omp for schedule(dynamic, 1)
        for (long long i = 0; i < rows; i++) {
            uint64_t s = (uint64_t)i;
            for (uint64_t j = 0; j < (every ? n : 1000); j++) {
                uint32_t ca = every ? (uint32_t)i : (uint32_t)(next(&s) % n);
                uint32_t cb = every ? (uint32_t)j : (uint32_t)(next(&s) % n);
                double a = sf_decode(t->g, ca), b = sf_decode(t->g, cb);
                for (int op = 0; op < SF_NBINARY; op++) {
                    sf_mismatch m;
                    note(&mine, sf_check_binary(t, (sf_binary)op, a, b, &m), &m);
                }
            }
        }
        merge(all, &mine);
    }
}

/* Every triple of the formats of at most 6 bits, else ncases random ones. */
static void check_fma(const sf_table *t, tally *all)
{
    uint64_t n = sf_ncodes(t->g);
    bool every = n <= 64;
    long long rows = every ? (long long)(n * n) : (long long)(ncases / 1000);
#pragma omp parallel
    {
        tally mine = { 0, 0, { { "", 0, 0, 0 } } };
#pragma omp for schedule(dynamic, 1)
        for (long long i = 0; i < rows; i++) {
            uint64_t s = (uint64_t)i + 0x5eed;
            for (uint64_t j = 0; j < (every ? n : 1000); j++) {
                uint32_t ca = every ? (uint32_t)((uint64_t)i / n) : (uint32_t)(next(&s) % n);
                uint32_t cb = every ? (uint32_t)((uint64_t)i % n) : (uint32_t)(next(&s) % n);
                uint32_t cc = every ? (uint32_t)j : (uint32_t)(next(&s) % n);
                sf_mismatch m;
                note(&mine, sf_check_fma(t, sf_decode(t->g, ca), sf_decode(t->g, cb),
                                         sf_decode(t->g, cc), &m), &m);
            }
        }
        merge(all, &mine);
    }
}

static void run(const sf_geom *g, const char *mods)
{
    static void (*const checks[])(const sf_table *, tally *) = {
        check_values, check_binary, check_unary, check_fma,
    };
    static const char *const names[] = { "values and rounding", "add sub mul div pow",
                                         "sqrt exp expm1 log log1p tanh", "fma" };
    sf_table t;
    if (sf_table_init(&t, g, mods) != 0) {
        fprintf(stderr, "exhaustive-small: no format %s%s\n", g->name, mods);
        exit(2);
    }
    for (size_t k = 0; k < sizeof checks / sizeof checks[0]; k++) {
        char what[96];
        snprintf(what, sizeof what, "%s %s", t.f->name, names[k]);
        fprintf(stderr, "%s ...\n", what);
        tally all = { 0, 0, { { "", 0, 0, 0 } } };
        double t0 = omp_get_wtime();
        checks[k](&t, &all);
        report(what, &all, omp_get_wtime() - t0);
    }
    sf_table_free(&t);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        char *end;
        ncases = strtoull(argv[1], &end, 10);
        if (*end || ncases < 1000) {
            fprintf(stderr, "usage: exhaustive-small [N >= 1000]\n");
            return 2;
        }
    }
    if (!mpfr_buildopt_tls_p()) {
        fprintf(stderr, "exhaustive-small: this MPFR keeps no per-thread state\n");
        return 2;
    }
    double t0 = omp_get_wtime();
    fprintf(stderr, "%d threads; %llu random cases where not every one\n", omp_get_max_threads(), ncases);
    printf("%-44s %14s %10s %8s\n", "check", "checked", "mismatches", "seconds");
    for (size_t k = 0; k < SF_NFORMATS; k++) {
        bool tf32 = strcmp(sf_formats[k].name, "tf32") == 0;
        for (size_t s = 0; s < NMODSETS; s++)
            if (!tf32 || s == 0 || strcmp(mod_sets[s], "+ftz") == 0)
                run(&sf_formats[k], mod_sets[s]);
    }
    printf("\nexhaustive-small: %llu checked, %llu mismatches, %.0f s\n", total_checked, total_bad,
           omp_get_wtime() - t0);
    return total_bad ? 1 : 0;
}
