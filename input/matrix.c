/* A whole matrix from a file of rows (see matrix.h). */
#include "matrix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"

double *ns_matrix_read(const char *opt, const char *path, size_t max_rows, size_t max_cols, size_t *rows,
                       size_t *cols, char *err, size_t len)
{
    ns_rows in;
    char why[512];
    if (ns_rows_open(&in, path, why, sizeof why) != 0) {
        snprintf(err, len, "attention: %s: %s", opt, why);
        return NULL;
    }
    double *m = NULL, *row = NULL;
    size_t n = 0, cap = 0, count = 0, mcap = 0;
    int bad = 0;
    *cols = 0;
    for (;;) {
        int r = ns_rows_next(&in, &row, &n, &cap, why, sizeof why);
        if (r < 0) {
            snprintf(err, len, "attention: %s: %s", opt, why);
            bad = 1;
        }
        if (r <= 0)
            break;
        char where[300];
        ns_rows_where(&in, where, sizeof where);
        if (count == 0 && n > max_cols) {
            snprintf(err, len, "attention: %s: %s has %zu numbers, more than the limit %zu", opt, where, n,
                     max_cols);
            bad = 1;
            break;
        }
        if (count > 0 && n != *cols) {
            snprintf(err, len, "attention: %s: %s has %zu numbers, the first row %zu", opt, where, n, *cols);
            bad = 1;
            break;
        }
        if (count >= max_rows) {
            snprintf(err, len, "attention: %s: more than %zu rows", opt, max_rows);
            bad = 1;
            break;
        }
        *cols = n;
        if ((count + 1) * n > mcap) {
            mcap = 2 * (count + 1) * n;
            double *g = realloc(m, mcap * sizeof *m);
            if (!g) {
                snprintf(err, len, "attention: out of memory reading %s", path);
                bad = 1;
                break;
            }
            m = g;
        }
        memcpy(m + count * n, row, n * sizeof *row);
        count++;
    }
    ns_rows_close(&in);
    free(row);
    if (!bad && count == 0) {
        snprintf(err, len, "attention: %s: %s holds no rows", opt, path);
        bad = 1;
    }
    if (bad) {
        free(m);
        return NULL;
    }
    *rows = count;
    return m;
}
