/* input/npy.c: the binary16 conversion on all 65,536 patterns against MPFR,
 * hand-assembled .npy files read back value by value, and malformed files
 * rejected with the byte offset where they go wrong.  Offsets are found in
 * the test's own header text (with strstr), not taken from the reader. */
#include <criterion/criterion.h>
#include <math.h>
#include <mpfr.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../input/npy.h"
#include "../formats/format.h"

static uint64_t bits_of(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* ---- binary16 -> binary64 ---------------------------------------------- */

/* Each finite binary16 value is M 2^E with the integer significand M =
 * 1024 + m (normal, e >= 1) or m (subnormal, e = 0) and E = max(e, 1) - 25
 * (IEEE 754-2008, 3.4).  MPFR builds M 2^E exactly (M < 2^11) and returns the
 * double, which is exact too; the bits must agree, zeros' signs included. */
Test(npy_half, all_65536_patterns_match_mpfr)
{
    mpfr_t x;
    mpfr_init2(x, 53);
    for (uint32_t h = 0; h < 65536; h++) {
        unsigned s = h >> 15, e = (h >> 10) & 0x1f, m = h & 0x3ff;
        double got = ns_half_to_double((uint16_t)h);
        cr_assert_eq(signbit(got) != 0, s == 1, "0x%04x: sign of %a", h, got);
        if (e == 0x1f) {
            if (m == 0)
                cr_assert(isinf(got), "0x%04x: %a, expected inf", h, got);
            else {
                /* NaN with the payload in the top fraction bits (the
                 * quiet bit of binary16 becomes that of binary64). */
                cr_assert(isnan(got), "0x%04x: %a, expected nan", h, got);
                cr_assert_eq((bits_of(got) >> 42) & 0x3ff, m, "0x%04x: payload", h);
            }
            continue;
        }
        unsigned long M = e ? 1024u + m : m;
        long E = (long)(e ? e : 1) - 25;
        mpfr_set_ui_2exp(x, M, E, MPFR_RNDN);
        if (s)
            mpfr_neg(x, x, MPFR_RNDN);
        double want = mpfr_get_d(x, MPFR_RNDN);
        if (M == 0)
            want = s ? -0.0 : 0.0;
        cr_assert_eq(bits_of(got), bits_of(want), "0x%04x: %a, MPFR %a", h, got, want);
        /* And every such double is a binary16 value: rounding keeps it. */
        cr_assert_eq(bits_of(ns_round(&ns_fp16, got)), bits_of(got), "0x%04x: %a", h, got);
    }
    mpfr_clear(x);
}

Test(npy_half, landmarks)
{
    cr_expect_eq(ns_half_to_double(0x3c00), 1.0);
    cr_expect_eq(ns_half_to_double(0xc000), -2.0);
    cr_expect_eq(ns_half_to_double(0x7bff), 65504.0);          /* largest finite */
    cr_expect_eq(ns_half_to_double(0x0400), 0x1p-14);          /* smallest normal */
    cr_expect_eq(ns_half_to_double(0x03ff), 0x1.ff8p-15);      /* largest subnormal */
    cr_expect_eq(ns_half_to_double(0x0001), 0x1p-24);          /* smallest subnormal */
    cr_expect_eq(ns_half_to_double(0x3555), 0x1.554p-2);       /* nearest to 1/3 */
    cr_expect_eq(ns_half_to_double(0xfc00), -INFINITY);
}

/* ---- building files ----------------------------------------------------- */

/* magic, version major.0, header length, header, data. */
static size_t build(unsigned char *out, int major, const char *header, const void *data, size_t datalen)
{
    size_t hl = strlen(header), pre = major == 1 ? 10 : 12;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (unsigned char)major;
    out[7] = 0;
    out[8] = hl & 0xff;
    out[9] = (hl >> 8) & 0xff;
    if (major != 1) {
        out[10] = (hl >> 16) & 0xff;
        out[11] = (hl >> 24) & 0xff;
    }
    memcpy(out + pre, header, hl);
    if (datalen)
        memcpy(out + pre + hl, data, datalen);
    return pre + hl + datalen;
}

static unsigned char file[4096];

static void read_rows(size_t len, size_t rows, size_t cols, const double *want)
{
    ns_npy h;
    char err[400] = "";
    cr_assert_eq(ns_npy_parse(file, len, &h, 1u << 24, err, sizeof err), 0, "%s", err);
    cr_assert_eq(h.rows, rows);
    cr_assert_eq(h.cols, cols);
    double out[16];
    for (size_t i = 0; i < rows; i++) {
        ns_npy_row(&h, file + h.data_offset, i, out);
        for (size_t j = 0; j < cols; j++) {
            double w = want[i * cols + j];
            if (isnan(w))
                cr_expect(isnan(out[j]), "row %zu col %zu: %a", i, j, out[j]);
            else
                cr_expect_eq(bits_of(out[j]), bits_of(w), "row %zu col %zu: %a, expected %a", i, j,
                             out[j], w);
        }
    }
}

/* ---- reading ------------------------------------------------------------ */

Test(npy_read, float32_little_endian_c_order)
{
    /* 1.0f = 0x3f800000, -0.5f = 0xbf000000, 0.1f = 0x3dcccccd = 0x1.99999ap-4,
     * 2^-149 = 0x00000001, inf = 0x7f800000, 3.0f = 0x40400000. */
    const unsigned char d[] = { 0, 0, 0x80, 0x3f, 0, 0, 0, 0xbf, 0xcd, 0xcc, 0xcc, 0x3d,
                                1, 0, 0, 0,    0, 0, 0x80, 0x7f, 0, 0, 0x40, 0x40 };
    const double want[] = { 1, -0.5, 0x1.99999ap-4, 0x1p-149, INFINITY, 3 };
    size_t len = build(file, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", d, sizeof d);
    read_rows(len, 2, 3, want);
}

Test(npy_read, float64_big_endian_fortran_order_comes_out_as_rows)
{
    /* The matrix [[1, 2, 3], [4, 5, 6]] stored column by column: 1 4 2 5 3 6,
     * each as big-endian binary64 (1 = 3ff0..., 2 = 4000..., 3 = 4008...,
     * 4 = 4010..., 5 = 4014..., 6 = 4018...). */
    const unsigned char hi[] = { 0xf0, 0x10, 0x00, 0x14, 0x08, 0x18 };
    const unsigned char top[] = { 0x3f, 0x40, 0x40, 0x40, 0x40, 0x40 };
    unsigned char d[48] = { 0 };
    for (int k = 0; k < 6; k++) {
        d[8 * k] = top[k];
        d[8 * k + 1] = hi[k];
    }
    const double want[] = { 1, 2, 3, 4, 5, 6 };
    size_t len = build(file, 1, "{'descr': '>f8', 'fortran_order': True, 'shape': (2, 3), }", d, sizeof d);
    read_rows(len, 2, 3, want);
}

Test(npy_read, float16_both_byte_orders)
{
    /* 0x3c00 = 1, 0xc000 = -2, 0x7bff = 65504, 0x0001 = 2^-24. */
    const unsigned char le[] = { 0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00 };
    const double want[] = { 1, -2, 65504, 0x1p-24 };
    size_t len = build(file, 1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 2), }", le, sizeof le);
    read_rows(len, 2, 2, want);
    /* 0x7c00 = inf, 0x8000 = -0, 0x7e00 = nan, one row. */
    const unsigned char be[] = { 0x7c, 0x00, 0x80, 0x00, 0x7e, 0x00 };
    const double want_be[] = { INFINITY, -0.0, NAN };
    len = build(file, 1, "{'descr': '>f2', 'fortran_order': False, 'shape': (3,), }", be, sizeof be);
    read_rows(len, 1, 3, want_be);
}

Test(npy_read, float16_fortran_order)
{
    /* [[1, -2], [65504, 2^-24]] column by column: 1, 65504, -2, 2^-24. */
    const unsigned char d[] = { 0x00, 0x3c, 0xff, 0x7b, 0x00, 0xc0, 0x01, 0x00 };
    const double want[] = { 1, -2, 65504, 0x1p-24 };
    size_t len = build(file, 1, "{'descr': '<f2', 'fortran_order': True, 'shape': (2, 2), }", d, sizeof d);
    read_rows(len, 2, 2, want);
}

Test(npy_read, scalar_is_one_row_of_one_value)
{
    /* 2.5 = 0x4004000000000000 */
    const unsigned char d[] = { 0, 0, 0, 0, 0, 0, 0x04, 0x40 };
    const double want[] = { 2.5 };
    size_t len = build(file, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", d, sizeof d);
    read_rows(len, 1, 1, want);
}

Test(npy_read, big_endian_float32_one_row_versions_2_and_3)
{
    /* 1.0f = 3f800000, -pi rounded to float = c0490fdb = -0x1.921fb6p+1. */
    const unsigned char d[] = { 0x3f, 0x80, 0, 0, 0xc0, 0x49, 0x0f, 0xdb };
    const double want[] = { 1, -0x1.921fb6p+1 };
    for (int major = 2; major <= 3; major++) {
        size_t len = build(file, major, "{'descr': '>f4', 'fortran_order': True, 'shape': (2,), }", d, sizeof d);
        read_rows(len, 1, 2, want);
    }
}

Test(npy_read, header_as_numpy_pads_it_and_other_spellings)
{
    /* numpy pads with spaces to a multiple of 64 and ends with a newline;
     * keys may come in any order, with double quotes, without the trailing
     * comma; a tuple may end with a comma. */
    const unsigned char d[] = { 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40 };  /* 1.0f, 2.0f */
    const double want[] = { 1, 2 };
    char padded[128];
    snprintf(padded, sizeof padded, "%-117s\n", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }");
    size_t len = build(file, 1, padded, d, sizeof d);
    cr_assert_eq((len - sizeof d) % 64, 0);
    read_rows(len, 2, 1, want);
    len = build(file, 1, "{ \"shape\" : ( 1 , 2 , ) ,\"fortran_order\":False,'descr':\"<f4\"}", d, sizeof d);
    read_rows(len, 1, 2, want);
}

/* ---- rejecting ---------------------------------------------------------- */

static void expect_reject(size_t len, size_t row_max, const char *want)
{
    ns_npy h;
    char err[400] = "";
    cr_assert_eq(ns_npy_parse(file, len, &h, row_max, err, sizeof err), -1, "accepted, expected '%s'", want);
    cr_expect_str_eq(err, want);
}

/* The file offset of needle in a version-1 header (NULL: its end). */
static size_t at(const char *header, const char *needle)
{
    if (!needle)
        return 10 + strlen(header);
    const char *p = strstr(header, needle);
    cr_assert(p, "'%s' not in '%s'", needle, header);
    return 10 + (size_t)(p - header);
}

/* A version-1 file with header hd and datalen zero bytes of data; expects the
 * message "byte offset N: what" with N the offset of needle in the header. */
static void header_case(const char *hd, size_t datalen, const char *needle, const char *what)
{
    static const unsigned char zeros[256];
    cr_assert(datalen <= sizeof zeros);
    size_t len = build(file, 1, hd, zeros, datalen);
    char want[400];
    snprintf(want, sizeof want, "byte offset %zu: %s", at(hd, needle), what);
    expect_reject(len, 1u << 24, want);
}

Test(npy_reject, preamble)
{
    memcpy(file, "\x93NUMPX\x01\x00", 8);
    expect_reject(8, 16, "byte offset 5: not a .npy file: byte 0x58 where the magic string \\x93NUMPY has 0x59");
    expect_reject(4, 16, "byte offset 4: the file ends inside the .npy magic string");
    memcpy(file, "\x93NUMPY\x04\x00\x10\x00", 10);
    expect_reject(10, 16, "byte offset 6: unsupported .npy version 4.0 (known: 1.0, 2.0, 3.0)");
    file[6] = 1;
    file[7] = 1;
    expect_reject(10, 16, "byte offset 6: unsupported .npy version 1.1 (known: 1.0, 2.0, 3.0)");
    expect_reject(7, 16, "byte offset 7: the file ends inside the .npy version");
    memcpy(file, "\x93NUMPY\x02\x00\x10\x00", 10);
    expect_reject(10, 16, "byte offset 10: the file ends inside the header length");
    /* Version 2: a uint32 header length 0x00010001 = 65537. */
    memcpy(file, "\x93NUMPY\x02\x00\x01\x00\x01\x00", 12);
    expect_reject(12, 16, "byte offset 8: header length 65537 beyond the limit of 65536 bytes");
    /* A header length of 200 in a file that ends after hl bytes of it. */
    const char *h = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}";
    size_t hl = strlen(h), len = build(file, 1, h, "", 0);
    file[8] = 200;
    char want[200];
    snprintf(want, sizeof want, "byte offset %zu: the file ends inside the header (%zu of 200 bytes)",
             10 + hl, hl);
    expect_reject(len, 16, want);
    len = build(file, 1, "", "", 0);
    expect_reject(len, 16, "byte offset 10: expected '{' in the header, found the end of the header");
}

Test(npy_reject, dict_syntax)
{
    const char *h;
    h = "['descr', '<f4']";
    header_case(h, 4, "[", "expected '{' in the header, found '['");
    h = "{'dtype': '<f4', 'fortran_order': False, 'shape': (1,)}";
    header_case(h, 4, "'dtype'", "unknown key 'dtype' in the header (known: descr, fortran_order, shape)");
    h = "{'descr': '<f4', 'shape': (1,), 'fortran_order': False, 'shape': (1,)}";
    header_case(h, 4, "'shape': (1,)}", "key 'shape' given twice in the header");
    h = "{'descr': '<f4', 'fortran_order': False}";
    header_case(h, 4, "{", "the header has no 'shape'");
    h = "{'fortran_order': False, 'shape': (1,)}";
    header_case(h, 4, "{", "the header has no 'descr'");
    h = "{'descr': '<f4'; 'fortran_order': False, 'shape': (1,)}";
    header_case(h, 4, ";", "expected ',' or '}' in the header, found ';'");
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x";
    header_case(h, 4, "x", "expected nothing but spaces after the dict in the header, found 'x'");
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)";
    header_case(h, 4, NULL, "expected ',' or '}' in the header, found the end of the header");
    h = "{'descr: <f4}";
    header_case(h, 4, "'descr", "unterminated string in the header");
    h = "{'de\\x73cr': '<f4'}";
    header_case(h, 4, "\\", "escape sequences in header strings are not supported");
    h = "{'descr' = '<f4'}";
    header_case(h, 4, "=", "expected ':' in the header, found '='");
    h = "{'descr': '<f4', 'fortran_order': true, 'shape': (1,)}";
    header_case(h, 4, "true", "expected True or False for 'fortran_order' in the header, found 't'");
    h = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}";
    header_case(h, 4, "[", "structured dtypes (a list as 'descr') are not supported");
}

Test(npy_reject, nul_byte_in_header)
{
    static const char hd[] = "{'descr'\0: '<f4', 'fortran_order': False, 'shape': (1,)}";
    size_t hl = sizeof hd - 1;
    memcpy(file, "\x93NUMPY\x01\x00", 8);
    file[8] = (unsigned char)hl;
    file[9] = 0;
    memcpy(file + 10, hd, hl);
    memset(file + 10 + hl, 0, 4);
    /* The NUL is the 9th byte of the header: offset 10 + 8. */
    expect_reject(10 + hl + 4, 16, "byte offset 18: expected ':' in the header, found byte 0x00");
}

Test(npy_reject, dtypes)
{
    const char *h;
    h = "{'descr': '<i4', 'fortran_order': False, 'shape': (1,)}";
    header_case(h, 4, "'<i4'", "unsupported dtype '<i4' (signed integers): only float16, float32 and "
                "float64 ('<f2', '<f4', '<f8', or '>' for big-endian) are read");
    h = "{'descr': '|u1', 'fortran_order': False, 'shape': (1,)}";
    header_case(h, 1, "'|u1'", "unsupported dtype '|u1' (unsigned integers): only float16, float32 and "
                "float64 ('<f2', '<f4', '<f8', or '>' for big-endian) are read");
    h = "{'descr': '<f16', 'fortran_order': False, 'shape': (1,)}";
    header_case(h, 16, "'<f16'", "unsupported dtype '<f16' (a float of that size): only float16, float32 "
                "and float64 ('<f2', '<f4', '<f8', or '>' for big-endian) are read");
    h = "{'descr': '|V2', 'fortran_order': False, 'shape': (1,)}";
    header_case(h, 2, "'|V2'", "unsupported dtype '|V2' (raw bytes (bfloat16 and float8 are saved so)): "
                "only float16, float32 and float64 ('<f2', '<f4', '<f8', or '>' for big-endian) are read");
    h = "{'descr': '<c16', 'fortran_order': False, 'shape': (1,)}";
    header_case(h, 16, "'<c16'", "unsupported dtype '<c16' (complex numbers): only float16, float32 "
                "and float64 ('<f2', '<f4', '<f8', or '>' for big-endian) are read");
    h = "{'descr': '|f4', 'fortran_order': False, 'shape': (1,)}";
    header_case(h, 4, "'|f4'", "dtype '|f4': a float of 4 bytes needs the byte order '<' or '>'");
    h = "{'descr': 'f8', 'fortran_order': False, 'shape': (1,)}";
    header_case(h, 8, "'f8'", "dtype 'f8': a float of 8 bytes needs the byte order '<' or '>'");
    h = "{'descr': '=f2', 'fortran_order': False, 'shape': (1,)}";
    header_case(h, 2, "'=f2'", "dtype '=f2': a float of 2 bytes needs the byte order '<' or '>'");
}

Test(npy_reject, shapes)
{
    const char *h;
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (3)}";
    header_case(h, 12, ")", "shape (3) is a number, not a tuple: a 1-D shape is written (3,)");
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}";
    header_case(h, 4, "-", "negative dimension in the shape");
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3)}";
    header_case(h, 0, "(", "empty array of shape (0, 3): every dimension must be at least 1");
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 0)}";
    header_case(h, 0, "(", "empty array of shape (3, 0): every dimension must be at least 1");
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4)}";
    header_case(h, 96, "(", "3-D array of shape (2, 3, 4): only 0-D, 1-D and 2-D arrays are read");
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (1 2)}";
    header_case(h, 8, "2)", "expected ',' or ')' in the shape in the header, found '2'");
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (,)}";
    header_case(h, 0, ",)", "expected a dimension in the shape in the header, found ','");
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3]}";
    header_case(h, 24, "[", "expected a tuple such as (3, 4) for 'shape' in the header, found '['");
    /* A newline inside the shape (found by the .npy fuzz target): the
     * message quotes the shape and stays one line, the newline a space. */
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,\n1,1,1,1,1,1,1,1,1,1,1)}";
    header_case(h, 0, "(", "12-D array of shape (1, 1,1,1,1,1,1,1,1,1,1,1): only 0-D, 1-D and 2-D "
                "arrays are read");
    /* 2^64 - 1 = 18446744073709551615 is the largest size_t; one more
     * digit overflows. */
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (184467440737095516150,)}";
    header_case(h, 0, "1844", "dimension beyond the range of size_t in the shape");
    /* 2^60 rows of 16 values: the count 2^64 overflows size_t itself. */
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (1152921504606846976, 16)}";
    header_case(h, 0, "(", "shape (1152921504606846976, 16) of 4-byte values: more data than the "
                "limit of 2147483648 bytes");
    /* 65536 x 4097 x 8 bytes = 2^31 + 2^19: just over the limit. */
    h = "{'descr': '<f8', 'fortran_order': False, 'shape': (65536, 4097)}";
    header_case(h, 0, "(", "shape (65536, 4097) of 8-byte values: more data than the limit of "
                "2147483648 bytes");
}

Test(npy_reject, limits_exactly)
{
    /* 65536 x 4096 x 8 = 2^31 bytes is allowed: the data check comes next. */
    const char *h = "{'descr': '<f8', 'fortran_order': False, 'shape': (65536, 4096)}";
    size_t len = build(file, 1, h, "", 0);
    char want[200];
    snprintf(want, sizeof want, "byte offset %zu: the file ends inside the data: shape (65536, 4096) of "
             "8-byte values needs 2147483648 bytes from byte offset %zu", len, len);
    expect_reject(len, 1u << 24, want);
    /* Rows of 5 values against a limit of 4 and 5. */
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 5)}";
    len = build(file, 1, h, "", 0);
    snprintf(want, sizeof want, "byte offset %zu: rows of 5 values in shape (2, 5): longer than the limit of 4",
             at(h, "("));
    expect_reject(len, 4, want);
    snprintf(want, sizeof want, "byte offset %zu: the file ends inside the data: shape (2, 5) of 4-byte "
             "values needs 40 bytes from byte offset %zu", len, len);
    expect_reject(len, 5, want);
}

Test(npy_reject, data_length)
{
    const char *h = "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3)}";
    static const unsigned char d[13];
    size_t len = build(file, 1, h, d, 11);           /* 12 bytes needed */
    char want[200];
    snprintf(want, sizeof want, "byte offset %zu: the file ends inside the data: shape (2, 3) of 2-byte "
             "values needs 12 bytes from byte offset %zu", len, len - 11);
    expect_reject(len, 1u << 24, want);
    len = build(file, 1, h, d, 13);
    snprintf(want, sizeof want, "byte offset %zu: bytes after the end of the data (shape (2, 3) of "
             "2-byte values)", len - 1);
    expect_reject(len, 1u << 24, want);
}
