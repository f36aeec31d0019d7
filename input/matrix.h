/* A whole matrix from a file that the row readers read (text or .npy, rows.h):
 * rows of equal length, for the attention heads' Q, K, V, dO and masks. */
#ifndef NS_INPUT_MATRIX_H
#define NS_INPUT_MATRIX_H

#include <stddef.h>

/* The matrix of path, row-major, malloc'd, with *rows and *cols; at most
 * max_rows rows of at most max_cols numbers.  NULL with a one-line message
 * in err, "attention: OPT: ..." (nothing left allocated), on bad input:
 * unreadable, malformed, ragged, too large or empty. */
double *ns_matrix_read(const char *opt, const char *path, size_t max_rows, size_t max_cols, size_t *rows,
                       size_t *cols, char *err, size_t len);

#endif
