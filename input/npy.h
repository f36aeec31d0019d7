/* NumPy .npy arrays as rows of doubles.
 *
 * The format (numpy.lib.format): the magic bytes "\x93NUMPY", a version byte
 * pair (1.0, 2.0 or 3.0), the length of the header as a little-endian
 * uint16 (version 1) or uint32 (versions 2 and 3), the header -- a Python
 * dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)} padded
 * with spaces and a newline -- and then the data.
 *
 * Read here: dtypes float16, float32, float64 ('<f2', '<f4', '<f8' and the
 * big-endian '>f2', '>f4', '>f8'); C or Fortran order; shapes
 *   ()      a scalar: one row of one value,
 *   (n,)    one row of n values,
 *   (r, c)  r rows of c values (also when stored column-major);
 * every dimension at least 1 (an empty row is an error everywhere in
 * normstab).  Anything else is rejected with a message.
 *
 * Nothing here reads files, prints or exits: every function works on bytes in
 * memory and returns 0, or -1 with a message "byte offset N: what" (N counted
 * from the start of the file, 0 first) that the caller prefixes with the file
 * name.  So the same code serves the command, the unit tests and fuzzers. */
#ifndef NS_NPY_H
#define NS_NPY_H

#include <stddef.h>
#include <stdint.h>

/* The magic string and its length. */
#define NS_NPY_MAGIC "\x93NUMPY"
#define NS_NPY_MAGIC_LEN 6

/* Bytes before the header: magic, version, header length (10 for version 1,
 * 12 for versions 2 and 3). */
#define NS_NPY_PREAMBLE_MAX 12

/* Longest header accepted (the dict; numpy writes < 200 bytes for the arrays
 * read here, padded to a multiple of 64). */
#define NS_NPY_HEADER_MAX 65536u

/* Largest data part accepted: 2 GiB.  Checked against the shape before
 * anything is allocated for the data. */
#define NS_NPY_DATA_MAX ((size_t)1 << 31)

typedef struct ns_npy {
    int major, minor;           /* version */
    size_t header_offset;       /* where the dict starts: 10 or 12 */
    size_t header_len;          /* its length in bytes */
    size_t data_offset;         /* header_offset + header_len */
    unsigned itemsize;          /* 2, 4 or 8 */
    int big_endian;
    int fortran_order;
    int ndim;                   /* 0, 1 or 2 */
    size_t rows, cols;          /* rows of cols values (0-D, 1-D: one row) */
    size_t data_bytes;          /* rows * cols * itemsize */
} ns_npy;

/* Reads magic, version and header length from p[0..len), len >= the bytes
 * needed (10 or 12) or the whole file when shorter; sets major, minor,
 * header_offset, header_len, data_offset. */
int ns_npy_preamble(const unsigned char *p, size_t len, ns_npy *h, char *err, size_t errlen);

/* Parses the header dict p[0..h->header_len) (the bytes at h->header_offset)
 * and checks the shape: dimensions >= 1, at most row_max values a row, at
 * most NS_NPY_DATA_MAX bytes of data.  Sets itemsize .. data_bytes. */
int ns_npy_header(const char *p, ns_npy *h, size_t row_max, char *err, size_t errlen);

/* A whole file in memory: preamble, header, and a data part of exactly
 * h->data_bytes bytes.  The data then is file + h->data_offset. */
int ns_npy_parse(const unsigned char *file, size_t len, ns_npy *h, size_t row_max,
                 char *err, size_t errlen);

/* 0 when the data part, of have bytes, is exactly h->data_bytes long;
 * otherwise -1 and where it ends too soon or the extra bytes start. */
int ns_npy_check_length(const ns_npy *h, size_t have, char *err, size_t errlen);

/* The shape as rows are read, in Python's notation: "()", "(5,)", "(3, 4)". */
void ns_npy_shape_str(const ns_npy *h, char *buf, size_t len);

/* Row i (< h->rows) of the data as h->cols doubles, converted exactly. */
void ns_npy_row(const ns_npy *h, const unsigned char *data, size_t i, double *out);

/* The binary16 value with bits h as a double (exact: every binary16 value is
 * a double).  NaNs keep their sign and payload. */
double ns_half_to_double(uint16_t h);

#endif
