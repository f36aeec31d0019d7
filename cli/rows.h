/* Reading vectors (SPEC section 4): one row per line, numbers separated by
 * white space or commas; decimal, C99 hex-float, inf, -inf, nan in any case;
 * '#' starts a comment; blank lines are skipped.  A malformed row is an error
 * naming the file, line and column. */
#ifndef NS_ROWS_H
#define NS_ROWS_H

#include <stddef.h>
#include <stdio.h>

/* Longest row accepted: checked before anything is allocated for it. */
#define NS_ROW_MAX (1u << 24)

typedef struct ns_rows {
    FILE *f;
    const char *name;       /* for messages: the path, or "<stdin>" */
    size_t line;            /* number of the line last read */
    char *buf;
    size_t cap;
    int owned;              /* fclose on ns_rows_close */
} ns_rows;

/* Opens path ("-" or NULL: standard input).  0, or -1 with a message. */
int ns_rows_open(ns_rows *r, const char *path, char *err, size_t errlen);
void ns_rows_close(ns_rows *r);

/* Reads the next row into *v (grown as needed, *cap its capacity).
 * 1: a row of *n >= 1 numbers; 0: end of input; -1: error (message in err:
 * "FILE:LINE:COL: what"). */
int ns_rows_next(ns_rows *r, double **v, size_t *n, size_t *cap, char *err, size_t errlen);

/* Parses one number token s[0..len) as SPEC section 4 allows; 0 or -1. */
int ns_parse_number(const char *s, size_t len, double *out, const char **why);

#endif
