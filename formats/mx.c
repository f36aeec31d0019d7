#include "mx.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* mxint8's elements k * 2^-6, |k| <= 127: the multiples of 2^-6 up to
 * 127/64 are the values of p = 7, emin = emax = 0 (subnormals below 1). */
#define INT8_ELEMENT(self, nm, rnd, sr)                                            \
    static const ns_format self = { .base = &self, .name = nm, .width = 8,         \
        .summary = "mxint8 element: k * 2^-6, |k| <= 127", .p = 7, .emin = 0,       \
        .emax = 0, .subnormals = true, .max_finite = 127.0 / 64, .round = rnd,     \
        .overflow = NS_OVERFLOW_SAT, .neg_zero = true, .stochastic = sr,           \
        .magic = 0x1.8p46, .min_normal = 1.0 }
INT8_ELEMENT(int8_element, "int8", ns_round_binary, false);
INT8_ELEMENT(int8_element_sr, "int8+sr", ns_round_stochastic, true);

/* The elementwise views (mx.h): element precision, exponents widened by
 * E8M0's +-127, saturating at the element's max times 2^127. */
#define VIEW(self, nm, bits, prec, lo, min_norm, hi, max)                          \
    static const ns_format self = { .base = &self, .name = nm, .width = bits,      \
        .summary = "elementwise view of " nm, .p = prec, .emin = (lo) - 127,        \
        .emax = (hi) + 127, .subnormals = true, .max_finite = (max) * 0x1p127,     \
        .round = ns_round_binary, .overflow = NS_OVERFLOW_SAT, .neg_zero = true,   \
        .magic = 1.5 * (double)(UINT64_C(1) << (53 - (prec))), .min_normal = min_norm }
VIEW(view_e4m3, "mxfp8-e4m3", 8, 4, -6, 0x1p-133, 8, 448);
VIEW(view_e5m2, "mxfp8-e5m2", 8, 3, -14, 0x1p-141, 15, 57344);
VIEW(view_e3m2, "mxfp6-e3m2", 6, 3, -2, 0x1p-129, 4, 28);
VIEW(view_e2m3, "mxfp6-e2m3", 6, 4, 0, 0x1p-127, 2, 7.5);
VIEW(view_e2m1, "mxfp4-e2m1", 4, 2, 0, 0x1p-127, 2, 6);
VIEW(view_int8, "mxint8", 8, 7, 0, 0x1p-127, 0, 127.0 / 64);

/* The element format by name: saturating, as SPEC prescribes. */
static const struct {
    ns_mx mx;
    const char *elem;        /* the element format's name, NULL for int8 */
} table[] = {
    { { "mxfp8-e4m3", "OCP MX: blocks of 32 e4m3 (saturating) sharing an E8M0 scale", NULL, 8,
        &view_e4m3 }, "e4m3" },
    { { "mxfp8-e5m2", "OCP MX: blocks of 32 e5m2 (saturating) sharing an E8M0 scale", NULL, 15,
        &view_e5m2 }, "e5m2" },
    { { "mxfp6-e3m2", "OCP MX: blocks of 32 e3m2 sharing an E8M0 scale", NULL, 4, &view_e3m2 }, "e3m2" },
    { { "mxfp6-e2m3", "OCP MX: blocks of 32 e2m3 sharing an E8M0 scale", NULL, 2, &view_e2m3 }, "e2m3" },
    { { "mxfp4-e2m1", "OCP MX: blocks of 32 e2m1 sharing an E8M0 scale", NULL, 2, &view_e2m1 }, "e2m1" },
    { { "mxint8", "OCP MX: blocks of 32 integers -127..127 times 2^-6 sharing an E8M0 scale",
        NULL, 0, &view_int8 }, NULL },
};
#define NMX (sizeof table / sizeof table[0])

const ns_mx *const ns_mx_formats[] = {
    &table[0].mx, &table[1].mx, &table[2].mx, &table[3].mx, &table[4].mx, &table[5].mx, NULL,
};

int ns_mx_parse(const char *name, ns_mx *out, char *err, size_t errlen)
{
    if (strncmp(name, "mx", 2) != 0)
        return 1;
    const char *plus = strchr(name, '+');
    size_t len = plus ? (size_t)(plus - name) : strlen(name);
    size_t k = 0;
    while (k < NMX && !(strlen(table[k].mx.name) == len && strncmp(table[k].mx.name, name, len) == 0))
        k++;
    if (k == NMX) {
        snprintf(err, errlen, "unknown format '%.*s' (MX formats: mxfp8-e4m3, mxfp8-e5m2, "
                 "mxfp6-e3m2, mxfp6-e2m3, mxfp4-e2m1, mxint8)", (int)len, name);
        return -1;
    }
    bool sr = false;
    if (plus) {
        if (strcmp(plus, "+sr") != 0) {
            snprintf(err, errlen, "'%s': an MX format takes +sr only (its elements saturate)", name);
            return -1;
        }
        sr = true;
    }
    *out = table[k].mx;
    if (!table[k].elem) {
        out->elem = sr ? &int8_element_sr : &int8_element;
    } else {
        char elem[32];
        snprintf(elem, sizeof elem, "%s+sat%s", table[k].elem, sr ? "+sr" : "");
        out->elem = ns_format_find(elem);
    }
    return 0;
}

/* The largest magnitude, or inf when the block holds NaN or inf: the
 * maximum of the magnitudes' bit patterns, which order as the magnitudes do,
 * NaN's above inf's.  Four running maxima, not one: a chain of dependent
 * maxima would cost a block more than its rounding. */
static inline double largest_magnitude(const double *x, size_t n)
{
    const uint64_t abs = ~(UINT64_C(1) << 63);
    uint64_t m[4] = { 0, 0, 0, 0 };
    for (size_t i = 0; i < n; i++) {
        uint64_t b = ns_to_bits(x[i]) & abs;
        m[i & 3] = b > m[i & 3] ? b : m[i & 3];
    }
    m[0] = m[1] > m[0] ? m[1] : m[0];
    m[2] = m[3] > m[2] ? m[3] : m[2];
    uint64_t r = m[2] > m[0] ? m[2] : m[0];
    return r >= ns_to_bits(INFINITY) ? INFINITY : ns_from_bits(r);
}

/* v rounded to nearest, ties to even, into a saturating format that keeps
 * subnormals and -0 (an element format without +sr), given its constants.
 * The magic-constant rounding of format.h on |v| (ties to even are
 * symmetric), with the quantum of the binade of max(|v|, 2^emin): v's own,
 * or the subnormals' below 2^emin; then the smaller of that and max finite,
 * and v's sign.  No branch: a block mixes normal and subnormal elements
 * freely, and the loop vectorizes. */
static inline double round_element(double v, double magic, double min_normal, double max)
{
    double a = fabs(v);
    double b = a > min_normal ? a : min_normal;
    double c = ns_from_bits(ns_to_bits(b) & ~((UINT64_C(1) << 52) - 1)) * magic;
    double r = (a + c) - c;
    return copysign(r < max ? r : max, v);
}

/* y = x / X rounded into the element format, times X, for a block of n;
 * down = 1 / X, up = X. */
static inline void round_elements(const ns_format *f, double down, double up,
                                  const double *restrict x, double *restrict y, size_t n)
{
    if (f->stochastic) {
        for (size_t i = 0; i < n; i++)
            y[i] = ns_round(f, x[i] * down) * up;
        return;
    }
    double magic = f->magic, min_normal = f->min_normal, max = f->max_finite;
    for (size_t i = 0; i < n; i++)
        y[i] = round_element(x[i] * down, magic, min_normal, max) * up;
}

/* One block: the scale from the largest magnitude, then each element. */
static void round_block(const ns_mx *m, const double *restrict x, double *restrict y, size_t n)
{
    double amax = n == NS_MX_BLOCK ? largest_magnitude(x, NS_MX_BLOCK) : largest_magnitude(x, n);
    if (amax == INFINITY) {                              /* NaN or inf */
        for (size_t i = 0; i < n; i++)
            y[i] = NAN;
        return;
    }
    if (amax == 0) {
        for (size_t i = 0; i < n; i++)
            y[i] = x[i];
        return;
    }
    /* floor(log2(amax)): amax's exponent field (a subnormal amax has a
     * smaller exponent than any clamp lets through). */
    int e = (int)(ns_to_bits(amax) >> 52) - 1023 - m->emax_elem;
    e = e < -127 ? -127 : e > 127 ? 127 : e;
    /* Both scalings are exact: powers of two within binary64's normal range,
     * and an element times its scale is at most 2^(127+16).  v / X may
     * underflow in binary64 only far below the element format's smallest
     * value, where it rounds to a zero of its sign either way. */
    double down = ns_from_bits((uint64_t)(1023 - e) << 52), up = ns_from_bits((uint64_t)(1023 + e) << 52);
    /* The common block of 32 gets a loop of constant length, which the
     * compiler vectorizes at -O2. */
    if (n == NS_MX_BLOCK)
        round_elements(m->elem, down, up, x, y, NS_MX_BLOCK);
    else
        round_elements(m->elem, down, up, x, y, n);
}

void ns_mx_round(const ns_mx *m, size_t block, const double *restrict x, double *restrict y, size_t n)
{
    for (size_t b = 0; b < n; b += block)
        round_block(m, x + b, y + b, n - b < block ? n - b : block);
}
