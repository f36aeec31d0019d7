/* libFuzzer target: text rows and .npy through the one entry the commands
 * use (input/rows.h): the bytes as a stream, every row read to the end.  A
 * reader must stop with 0 rows or an error message; a crash, a hang, a read
 * out of bounds or undefined behaviour is the finding. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../input/rows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* fmemopen refuses size 0: an empty file is a stream at its end. */
    FILE *f = size ? fmemopen((void *)data, size, "rb") : fopen("/dev/null", "rb");
    if (!f)
        return 0;
    char err[512];
    ns_rows r;
    if (ns_rows_open_stream(&r, f, "fuzz", err, sizeof err) == 0) {
        double *v = NULL;
        size_t n = 0, cap = 0;
        int rc;
        while ((rc = ns_rows_next(&r, &v, &n, &cap, err, sizeof err)) == 1) {
            if (n == 0 || n > cap)
                abort();          /* the contract of ns_rows_next */
        }
        if (rc < 0 && (err[0] == '\0' || strchr(err, '\n')))
            abort();              /* an error is one line */
        free(v);
        ns_rows_close(&r);
    } else if (err[0] == '\0' || strchr(err, '\n')) {
        abort();
    }
    fclose(f);
    return 0;
}
