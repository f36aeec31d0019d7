/* libFuzzer target: the .npy parser (input/npy.h) on a whole file in memory,
 * then every row converted.  Any crash, out-of-bounds read or undefined
 * behaviour is the finding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../input/npy.h"
#include "../input/rows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ns_npy h;
    char err[512];
    /* A small row limit, so that a header may claim a long row cheaply. */
    if (ns_npy_parse(data, size, &h, 1u << 16, err, sizeof err) != 0) {
        if (err[0] == '\0' || strchr(err, '\n'))
            abort();
        return 0;
    }
    char shape[128];
    ns_npy_shape_str(&h, shape, sizeof shape);
    if (h.cols == 0 || h.cols > 1u << 16 || h.data_offset > size || size - h.data_offset != h.data_bytes ||
        h.data_bytes != h.rows * h.cols * h.itemsize)
        abort();                  /* the promises of ns_npy_parse */
    double *row = malloc(h.cols * sizeof *row);
    if (!row)
        return 0;
    for (size_t i = 0; i < h.rows; i++)
        ns_npy_row(&h, data + h.data_offset, i, row);
    free(row);
    return 0;
}
