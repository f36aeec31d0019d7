#include "npy.h"

#include <float.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(float) == 4 && FLT_MANT_DIG == 24, "float must be IEEE binary32");
_Static_assert(sizeof(double) == 8 && DBL_MANT_DIG == 53, "double must be IEEE binary64");

static int fail(char *err, size_t errlen, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, size_t offset, const char *fmt, ...)
{
    int k = snprintf(err, errlen, "byte offset %zu: ", offset);
    if (k >= 0 && (size_t)k < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
        va_end(ap);
    }
    /* A message is one line: header text quoted in it (a shape with a
     * newline inside) has its control characters shown as spaces. */
    for (char *p = err; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return -1;
}

/* ---- preamble ---------------------------------------------------------- */

int ns_npy_preamble(const unsigned char *p, size_t len, ns_npy *h, char *err, size_t errlen)
{
    memset(h, 0, sizeof *h);
    for (size_t i = 0; i < NS_NPY_MAGIC_LEN; i++) {
        if (i == len)
            return fail(err, errlen, i, "the file ends inside the .npy magic string");
        if (p[i] != (unsigned char)NS_NPY_MAGIC[i])
            return fail(err, errlen, i, "not a .npy file: byte 0x%02x where the magic string "
                        "\\x93NUMPY has 0x%02x", p[i], (unsigned char)NS_NPY_MAGIC[i]);
    }
    if (len < 8)
        return fail(err, errlen, len, "the file ends inside the .npy version");
    h->major = p[6];
    h->minor = p[7];
    if (h->major < 1 || h->major > 3 || h->minor != 0)
        return fail(err, errlen, 6, "unsupported .npy version %d.%d (known: 1.0, 2.0, 3.0)",
                    h->major, h->minor);
    h->header_offset = h->major == 1 ? 10 : 12;
    if (len < h->header_offset)
        return fail(err, errlen, len, "the file ends inside the header length");
    /* Little-endian uint16 (version 1) or uint32 (versions 2, 3). */
    h->header_len = (size_t)p[8] | (size_t)p[9] << 8;
    if (h->major > 1)
        h->header_len |= (size_t)p[10] << 16 | (size_t)p[11] << 24;
    if (h->header_len > NS_NPY_HEADER_MAX)
        return fail(err, errlen, 8, "header length %zu beyond the limit of %u bytes",
                    h->header_len, NS_NPY_HEADER_MAX);
    h->data_offset = h->header_offset + h->header_len;
    return 0;
}

/* ---- the header: a Python dict literal --------------------------------- */

typedef struct cursor {
    const char *p;
    size_t len, i;
    size_t base;                /* file offset of p[0], for messages */
    char *err;
    size_t errlen;
} cursor;

static int cfail(cursor *c, size_t i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* fail() at p[i]. */
static int cfail(cursor *c, size_t i, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return fail(c->err, c->errlen, c->base + i, "%s", what);
}

static void skip_space(cursor *c)
{
    while (c->i < c->len && (c->p[c->i] == ' ' || c->p[c->i] == '\t' || c->p[c->i] == '\n' ||
                             c->p[c->i] == '\r'))
        c->i++;
}

static int at(const cursor *c, char ch) { return c->i < c->len && c->p[c->i] == ch; }

/* "expected X, found Y" where Y is the character at the cursor. */
static int expected(cursor *c, const char *what)
{
    char found[32];
    if (c->i >= c->len)
        snprintf(found, sizeof found, "the end of the header");
    else {
        unsigned char ch = (unsigned char)c->p[c->i];
        if (ch > 0x20 && ch < 0x7f)
            snprintf(found, sizeof found, "'%c'", ch);
        else
            snprintf(found, sizeof found, "byte 0x%02x", ch);
    }
    return fail(c->err, c->errlen, c->base + c->i, "expected %s in the header, found %s", what, found);
}

/* A quoted string without escapes, at most 63 characters, into out. */
static int parse_string(cursor *c, char out[64])
{
    if (!at(c, '\'') && !at(c, '"'))
        return expected(c, "a quoted string");
    char quote = c->p[c->i];
    size_t start = ++c->i, k = 0;
    for (;; c->i++) {
        if (c->i >= c->len || c->p[c->i] == '\n')
            return cfail(c, start - 1, "unterminated string in the header");
        char ch = c->p[c->i];
        if (ch == quote)
            break;
        if (ch == '\\')
            return cfail(c, c->i, "escape sequences in header strings are not supported");
        if ((unsigned char)ch < 0x20 || (unsigned char)ch >= 0x7f)
            return cfail(c, c->i, "byte 0x%02x in a header string", (unsigned char)ch);
        if (k == 63)
            return cfail(c, start, "string longer than 63 characters in the header");
        out[k++] = ch;
    }
    out[k] = '\0';
    c->i++;
    return 0;
}

/* What numpy calls each kind of dtype, for the message that rejects it. */
static const char *kind_name(char kind)
{
    switch (kind) {
    case 'f': return "a float of that size";
    case 'i': return "signed integers";
    case 'u': return "unsigned integers";
    case 'b': return "booleans";
    case 'c': return "complex numbers";
    case 'V': return "raw bytes (bfloat16 and float8 are saved so)";
    case 'S': case 'a': return "byte strings";
    case 'U': return "unicode strings";
    case 'O': return "Python objects";
    case 'M': return "datetimes";
    case 'm': return "timedeltas";
    default: return "not a dtype";
    }
}

static int parse_descr(cursor *c, ns_npy *h)
{
    size_t start = c->i;
    if (at(c, '['))
        return cfail(c, start, "structured dtypes (a list as 'descr') are not supported");
    char d[64];
    if (parse_string(c, d) != 0)
        return -1;
    char order = d[0];
    const char *type = order && strchr("<>|=", order) ? d + 1 : d;
    unsigned size = 0;
    if (strcmp(type, "f2") == 0)
        size = 2;
    else if (strcmp(type, "f4") == 0)
        size = 4;
    else if (strcmp(type, "f8") == 0)
        size = 8;
    if (size == 0)
        return cfail(c, start, "unsupported dtype '%s' (%s): only float16, float32 and float64 "
                     "('<f2', '<f4', '<f8', or '>' for big-endian) are read", d, kind_name(type[0]));
    if (order != '<' && order != '>')
        return fail(c->err, c->errlen, c->base + start,
                    "dtype '%s': a float of %u bytes needs the byte order '<' or '>'", d, size);
    h->itemsize = size;
    h->big_endian = order == '>';
    return 0;
}

static int parse_bool(cursor *c, int *out)
{
    size_t start = c->i;
    while (c->i < c->len && (c->p[c->i] == '_' || (c->p[c->i] >= 'a' && c->p[c->i] <= 'z') ||
                             (c->p[c->i] >= 'A' && c->p[c->i] <= 'Z') ||
                             (c->p[c->i] >= '0' && c->p[c->i] <= '9')))
        c->i++;
    size_t n = c->i - start;
    if (n == 4 && memcmp(c->p + start, "True", 4) == 0)
        *out = 1;
    else if (n == 5 && memcmp(c->p + start, "False", 5) == 0)
        *out = 0;
    else {
        c->i = start;
        return expected(c, "True or False for 'fortran_order'");
    }
    return 0;
}

/* A tuple of non-negative integers: (), (n,), (r, c), ... The first two
 * dimensions are kept; *ndim counts them all; *zero tells whether any is 0. */
static int parse_shape(cursor *c, size_t dims[2], int *ndim, int *zero)
{
    if (!at(c, '('))
        return expected(c, "a tuple such as (3, 4) for 'shape'");
    c->i++;
    int n = 0, comma = 0;
    *zero = 0;
    for (;;) {
        skip_space(c);
        if (at(c, ')'))
            break;
        if (n > 0 && !comma)
            return expected(c, "',' or ')' in the shape");
        if (at(c, '-'))
            return cfail(c, c->i, "negative dimension in the shape");
        if (!(c->i < c->len && c->p[c->i] >= '0' && c->p[c->i] <= '9'))
            return expected(c, "a dimension in the shape");
        size_t start = c->i, v = 0;
        while (c->i < c->len && c->p[c->i] >= '0' && c->p[c->i] <= '9') {
            size_t digit = (size_t)(c->p[c->i] - '0');
            if (v > (SIZE_MAX - digit) / 10)
                return cfail(c, start, "dimension beyond the range of size_t in the shape");
            v = v * 10 + digit;
            c->i++;
        }
        if (n == 64)
            return cfail(c, start, "more than 64 dimensions in the shape");
        if (n < 2)
            dims[n] = v;
        *zero |= v == 0;
        n++;
        skip_space(c);
        comma = at(c, ',');
        if (comma)
            c->i++;
    }
    if (n == 1 && !comma)
        return cfail(c, c->i, "shape (%zu) is a number, not a tuple: a 1-D shape is written (%zu,)",
                     dims[0], dims[0]);
    c->i++;
    *ndim = n;
    return 0;
}

void ns_npy_shape_str(const ns_npy *h, char *buf, size_t len)
{
    if (h->ndim == 0)
        snprintf(buf, len, "()");
    else if (h->ndim == 1)
        snprintf(buf, len, "(%zu,)", h->cols);
    else
        snprintf(buf, len, "(%zu, %zu)", h->rows, h->cols);
}

int ns_npy_header(const char *p, ns_npy *h, size_t row_max, char *err, size_t errlen)
{
    cursor c = { .p = p, .len = h->header_len, .base = h->header_offset, .err = err, .errlen = errlen };
    enum { DESCR = 1, FORTRAN = 2, SHAPE = 4 };
    int seen = 0, ndim = 0, zero = 0;
    size_t dims[2] = { 0, 0 }, shape_at = 0, shape_end = 0;
    skip_space(&c);
    if (!at(&c, '{'))
        return expected(&c, "'{'");
    c.i++;
    for (;;) {
        skip_space(&c);
        if (at(&c, '}'))
            break;
        size_t key_at = c.i;
        char key[64];
        if (parse_string(&c, key) != 0)
            return -1;
        int which = strcmp(key, "descr") == 0 ? DESCR : strcmp(key, "fortran_order") == 0 ? FORTRAN
                  : strcmp(key, "shape") == 0 ? SHAPE : 0;
        if (!which)
            return cfail(&c, key_at, "unknown key '%s' in the header (known: descr, "
                         "fortran_order, shape)", key);
        if (seen & which)
            return cfail(&c, key_at, "key '%s' given twice in the header", key);
        seen |= which;
        skip_space(&c);
        if (!at(&c, ':'))
            return expected(&c, "':'");
        c.i++;
        skip_space(&c);
        int r;
        if (which == DESCR)
            r = parse_descr(&c, h);
        else if (which == FORTRAN)
            r = parse_bool(&c, &h->fortran_order);
        else {
            shape_at = c.i;
            r = parse_shape(&c, dims, &ndim, &zero);
            shape_end = c.i;
        }
        if (r != 0)
            return -1;
        skip_space(&c);
        if (at(&c, ','))
            c.i++;
        else if (!at(&c, '}'))
            return expected(&c, "',' or '}'");
    }
    c.i++;
    skip_space(&c);
    if (c.i < c.len)
        return expected(&c, "nothing but spaces after the dict");
    static const char *const names[] = { "descr", "fortran_order", "shape" };
    for (int k = 0; k < 3; k++)
        if (!(seen & 1 << k))
            return cfail(&c, 0, "the header has no '%s'", names[k]);

    /* The shape, read as rows. */
    const char *shape_text = p + shape_at;
    int shape_len = shape_end - shape_at > 60 ? 60 : (int)(shape_end - shape_at);
    if (ndim > 2)
        return fail(err, errlen, c.base + shape_at, "%d-D array of shape %.*s: only 0-D, 1-D and 2-D "
                    "arrays are read", ndim, shape_len, shape_text);
    if (zero)
        return fail(err, errlen, c.base + shape_at, "empty array of shape %.*s: every dimension "
                    "must be at least 1", shape_len, shape_text);
    h->ndim = ndim;
    h->rows = ndim == 2 ? dims[0] : 1;
    h->cols = ndim == 2 ? dims[1] : ndim == 1 ? dims[0] : 1;
    if (h->cols > row_max)
        return fail(err, errlen, c.base + shape_at, "rows of %zu values in shape %.*s: longer than "
                    "the limit of %zu", h->cols, shape_len, shape_text, row_max);
    if (h->rows > NS_NPY_DATA_MAX / h->itemsize / h->cols)
        return fail(err, errlen, c.base + shape_at, "shape %.*s of %u-byte values: more data than "
                    "the limit of %zu bytes", shape_len, shape_text, h->itemsize, NS_NPY_DATA_MAX);
    h->data_bytes = h->rows * h->cols * h->itemsize;
    return 0;
}

int ns_npy_parse(const unsigned char *file, size_t len, ns_npy *h, size_t row_max,
                 char *err, size_t errlen)
{
    if (ns_npy_preamble(file, len, h, err, errlen) != 0)
        return -1;
    if (len < h->data_offset)
        return fail(err, errlen, len, "the file ends inside the header (%zu of %zu bytes)",
                    len - h->header_offset, h->header_len);
    if (ns_npy_header((const char *)file + h->header_offset, h, row_max, err, errlen) != 0)
        return -1;
    return ns_npy_check_length(h, len - h->data_offset, err, errlen);
}

int ns_npy_check_length(const ns_npy *h, size_t have, char *err, size_t errlen)
{
    if (have == h->data_bytes)
        return 0;
    char shape[64];
    ns_npy_shape_str(h, shape, sizeof shape);
    if (have < h->data_bytes)
        return fail(err, errlen, h->data_offset + have, "the file ends inside the data: shape %s "
                    "of %u-byte values needs %zu bytes from byte offset %zu", shape, h->itemsize,
                    h->data_bytes, h->data_offset);
    return fail(err, errlen, h->data_offset + h->data_bytes, "bytes after the end of the data "
                "(shape %s of %u-byte values)", shape, h->itemsize);
}

/* ---- the data ---------------------------------------------------------- */

double ns_half_to_double(uint16_t h)
{
    uint64_t sign = (uint64_t)(h >> 15) << 63;
    unsigned e = (h >> 10) & 0x1f;                  /* biased by 15 */
    uint64_t m = h & 0x3ff;                         /* 10 fraction bits */
    uint64_t bits;
    if (e == 0x1f)                                  /* inf (m = 0) or NaN */
        bits = sign | (uint64_t)0x7ff << 52 | m << 42;
    else if (e != 0)                                /* normal: rebias 15 -> 1023 */
        bits = sign | (uint64_t)(e - 15 + 1023) << 52 | m << 42;
    else if (m == 0)
        bits = sign;
    else {
        /* Subnormal m 2^-24: shift the leading one up to the hidden bit
         * (2^10); the value is then (m / 2^10) 2^(-14 - shift), a normal
         * double. */
        unsigned shift = 0;
        while (!(m & 0x400)) {
            m <<= 1;
            shift++;
        }
        bits = sign | (uint64_t)(1023 - 14 - shift) << 52 | (m & 0x3ff) << 42;
    }
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* The item at p as an unsigned integer, from either byte order. */
static uint64_t load(const unsigned char *p, unsigned size, int big_endian)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < size; k++)
        v |= (uint64_t)p[big_endian ? size - 1 - k : k] << (8 * k);
    return v;
}

void ns_npy_row(const ns_npy *h, const unsigned char *data, size_t i, double *out)
{
    for (size_t j = 0; j < h->cols; j++) {
        /* Column-major storage keeps the column j contiguous. */
        size_t k = h->fortran_order ? j * h->rows + i : i * h->cols + j;
        uint64_t b = load(data + k * h->itemsize, h->itemsize, h->big_endian);
        if (h->itemsize == 2)
            out[j] = ns_half_to_double((uint16_t)b);
        else if (h->itemsize == 4) {
            uint32_t u = (uint32_t)b;
            float f;
            memcpy(&f, &u, sizeof f);
            out[j] = f;
        } else
            memcpy(&out[j], &b, sizeof b);
    }
}
