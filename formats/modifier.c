/* Formats with modifiers (SPEC section 6), appended with '+' to a format's
 * name:
 *   +sat  overflow and +-inf become +-max finite (overflow = SAT)
 *   +ftz  a result whose rounded value is subnormal becomes a zero of the
 *         same sign (subnormals = false)
 *   +daz  a subnormal operand of the format's arithmetic reads as a zero of
 *         the same sign (daz = true; formats/arith.h applies it)
 *   +sr   stochastic rounding (round = ns_round_stochastic)
 * Each (format, set of modifiers) is one ns_format, made once for the life
 * of the process: formats compare by address (a policy's parts, caches),
 * and the same modifiers in another order name the same format, whose name
 * lists them in the order above.  `round` converts a binary64 value, no
 * operand of the format, so +daz leaves it alone. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "format.h"

enum { MOD_SAT = 1, MOD_FTZ = 2, MOD_DAZ = 4, MOD_SR = 8, NMODSETS = 16 };

static const struct {
    const char *name;        /* without the '+' */
    const char *effect;      /* for the summary */
} modifiers[] = {
    { "sat", "overflow saturating" },
    { "ftz", "subnormal results flushed" },
    { "daz", "subnormal operands read as zero" },
    { "sr", "stochastic rounding" },
};
#define NMODS (sizeof modifiers / sizeof modifiers[0])

#define MAX_BASES 32
#define NAME_LEN 48
#define SUMMARY_LEN 160

typedef struct {
    ns_format f;
    char name[NAME_LEN];
    char summary[SUMMARY_LEN];
} variant;

static variant variants[MAX_BASES][NMODSETS];
static pthread_once_t variants_once = PTHREAD_ONCE_INIT;

static void make_variant(variant *v, const ns_format *base, unsigned mods)
{
    v->f = *base;
    snprintf(v->name, sizeof v->name, "%s", base->name);
    snprintf(v->summary, sizeof v->summary, "%s with", base->name);
    const char *sep = " ";
    for (size_t m = 0; m < NMODS; m++)
        if (mods & 1u << m) {
            size_t len = strlen(v->name), slen = strlen(v->summary);
            snprintf(v->name + len, sizeof v->name - len, "+%s", modifiers[m].name);
            snprintf(v->summary + slen, sizeof v->summary - slen, "%s%s", sep, modifiers[m].effect);
            sep = ", ";
        }
    v->f.name = v->name;
    v->f.summary = v->summary;
    /* The cast of fp32 knows no modifiers; the generic rounding does (p <= 51). */
    v->f.round = base->p >= 53 ? ns_format_finish : ns_round_binary;
    if (mods & MOD_SAT)
        v->f.overflow = NS_OVERFLOW_SAT;
    if (mods & MOD_FTZ)
        v->f.subnormals = false;
    if (mods & MOD_DAZ)
        v->f.daz = true;
    if (mods & MOD_SR) {
        v->f.stochastic = true;
        v->f.round = ns_round_stochastic;
    }
}

static void make_variants(void)
{
    for (size_t b = 0; ns_formats[b] && b < MAX_BASES; b++)
        for (unsigned mods = 1; mods < NMODSETS; mods++)
            make_variant(&variants[b][mods], ns_formats[b], mods);
}

static void known_formats(char *out, size_t len)
{
    out[0] = 0;
    for (size_t b = 0; ns_formats[b]; b++) {
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%s", b ? ", " : "", ns_formats[b]->name);
    }
}

const ns_format *ns_format_parse(const char *spec, char *err, size_t errlen)
{
    const char *plus = strchr(spec, '+');
    size_t blen = plus ? (size_t)(plus - spec) : strlen(spec);
    size_t b = 0;
    while (ns_formats[b] && !(strlen(ns_formats[b]->name) == blen &&
                              strncmp(ns_formats[b]->name, spec, blen) == 0))
        b++;
    if (!ns_formats[b]) {
        char known[256];
        known_formats(known, sizeof known);
        snprintf(err, errlen, "unknown format '%.*s' (known: %s; modifiers +sat +ftz +daz +sr)",
                 (int)blen, spec, known);
        return NULL;
    }
    unsigned mods = 0;
    for (const char *m = plus; m; m = strchr(m + 1, '+')) {
        const char *end = strchr(m + 1, '+');
        size_t mlen = end ? (size_t)(end - m - 1) : strlen(m + 1);
        size_t k = 0;
        while (k < NMODS && !(strlen(modifiers[k].name) == mlen &&
                              strncmp(modifiers[k].name, m + 1, mlen) == 0))
            k++;
        if (k == NMODS) {
            snprintf(err, errlen, "unknown modifier '+%.*s' in '%s' (known: +sat, +ftz, +daz, +sr)",
                     (int)mlen, m + 1, spec);
            return NULL;
        }
        if (mods & 1u << k) {
            snprintf(err, errlen, "modifier '+%s' given twice in '%s'", modifiers[k].name, spec);
            return NULL;
        }
        mods |= 1u << k;
    }
    const ns_format *base = ns_formats[b];
    if ((mods & MOD_SR) && base->p >= 53) {
        snprintf(err, errlen, "'%s': stochastic rounding needs each exact result, which "
                 "binary64 arithmetic does not keep", spec);
        return NULL;
    }
    if (mods == 0)
        return base;
    pthread_once(&variants_once, make_variants);
    return &variants[b][mods].f;
}

const ns_format *ns_format_find(const char *name)
{
    char err[512];
    return ns_format_parse(name, err, sizeof err);
}
