/* Reading vectors: rows of numbers from a text file (SPEC section 4) or a
 * NumPy .npy file, told apart by the file's first bytes (the .npy magic
 * string), not by its name, so standard input can be either.
 *
 * Text: one row per line, numbers separated by white space or commas;
 * decimal, C99 hex-float, inf, infinity, nan in any case, with an optional
 * sign; '#' starts a comment; blank lines are skipped; a UTF-8 byte order mark
 * at the start is skipped.  Rows are streamed: memory holds one row.
 * .npy: see npy.h (float16/32/64, 0-D to 2-D, either byte order and layout).
 *
 * Every error is one line naming the file and the place:
 *   "FILE:LINE:COL: what: 'token'"  (text; COL counts bytes from 1)
 *   "FILE: byte offset N: what"     (.npy; N counts bytes from 0)
 * Nothing here prints or exits, so fuzzers and tests can drive it. */
#ifndef NS_ROWS_H
#define NS_ROWS_H

#include <stddef.h>
#include <stdio.h>

#include "npy.h"

/* Longest row accepted, in numbers (2^24: 128 MiB of doubles): checked
 * before anything is allocated for it. */
#define NS_ROW_MAX ((size_t)1 << 24)

/* Longest number accepted in a text row, in characters: enough for any
 * double written out with all 767 significant digits of its decimal
 * expansion in exponent notation. */
#define NS_TOKEN_MAX 1024

typedef struct ns_rows {
    FILE *f;
    const char *name;       /* for messages: the path, or "<stdin>" */
    size_t line;            /* text: the line last read; .npy: the row last read, from 1 */
    int owned;              /* fclose on ns_rows_close */
    int is_npy;
    unsigned char back[4];  /* bytes read ahead and given back, last first */
    size_t nback;
    ns_npy npy;             /* .npy: the header */
    unsigned char *data;    /* .npy: the data part */
} ns_rows;

/* Opens path ("-" or NULL: standard input) and reads what tells the format
 * apart (for .npy: the header and the data).  0, or -1 with a message and
 * nothing left open. */
int ns_rows_open(ns_rows *r, const char *path, char *err, size_t errlen);

/* The same on an open stream (not closed by ns_rows_close), named name. */
int ns_rows_open_stream(ns_rows *r, FILE *f, const char *name, char *err, size_t errlen);

void ns_rows_close(ns_rows *r);

/* Reads the next row into *v (grown as needed, *cap its capacity).
 * 1: a row of *n >= 1 numbers; 0: end of input; -1: error (message in err). */
int ns_rows_next(ns_rows *r, double **v, size_t *n, size_t *cap, char *err, size_t errlen);

/* Where the row last read came from, for messages: "FILE:LINE" for text,
 * "FILE row N" for .npy. */
const char *ns_rows_where(const ns_rows *r, char *buf, size_t len);

/* The header of a .npy input, NULL for text. */
const ns_npy *ns_rows_npy(const ns_rows *r);

/* 0 when the rows of a and b can have the same lengths as far as known before
 * reading them (two .npy inputs: the same rows and columns); otherwise -1 and
 * a message naming both. */
int ns_rows_same_shape(const ns_rows *a, const ns_rows *b, char *err, size_t errlen);

/* Parses one number token s[0..len) as text rows allow; 0, or -1 with *why
 * ("not a number", "magnitude beyond binary64", ...).  A decimal too small
 * for binary64 rounds to a subnormal or a signed zero as strtod rounds it. */
int ns_parse_number(const char *s, size_t len, double *out, const char **why);

#endif
