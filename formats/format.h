/* Number formats as data.
 *
 * A format is a binary floating-point format described by its precision p
 * (significand bits including the hidden one), its IEEE exponent range
 * [emin, emax], whether it keeps subnormals, and the function that rounds a
 * binary64 value into it.  Every value of every format here is exactly a
 * double, so emulated values live in doubles.
 *
 * A new format (fp8 E4M3/E5M2, TF32, a flush-to-zero or stochastically
 * rounding variant) is one more row in the table of format.c plus, when the
 * generic ns_round_binary does not describe it, its own rounding function.
 * No algorithm names a concrete format. */
#ifndef NS_FORMAT_H
#define NS_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ns_format ns_format;

struct ns_format {
    const char *name;       /* "fp16" */
    const char *summary;    /* one line for `normstab list formats` */
    int p;                  /* precision in bits, hidden bit included */
    int emin, emax;         /* IEEE exponents: min normal 2^emin */
    bool subnormals;        /* all formats here keep them; a flushing format
                               brings its own round function */
    double max_finite;      /* largest finite value */
    double (*round)(const ns_format *f, double x); /* RNE into the format */
};

extern const ns_format ns_fp16, ns_bf16, ns_fp32, ns_fp64;

/* The formats in the order `list formats` shows them; NULL-terminated. */
extern const ns_format *const ns_formats[];

const ns_format *ns_format_find(const char *name);

static inline double ns_round(const ns_format *f, double x) { return f->round(f, x); }

/* Round-to-nearest-even into any binary format with p <= 51 given as data:
 * subnormals kept, overflow to +-inf, the sign of a zero kept, NaN returned
 * as is. */
double ns_round_binary(const ns_format *f, double x);

/* Unit in the last place of |x| in format f (for x = 0: the smallest
 * subnormal); for inf/NaN: NaN. */
double ns_ulp(const ns_format *f, double x);

/* Smallest positive value of the format (subnormal when kept). */
double ns_format_min_positive(const ns_format *f);

/* Unit roundoff u = 2^-p. */
double ns_unit_roundoff(const ns_format *f);

#endif
