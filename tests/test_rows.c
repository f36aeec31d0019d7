/* input/rows.c: text rows as SPEC section 4 writes them and .npy files through
 * the same reader, from memory streams (as standard input would be) and from
 * regular files; every malformed input rejected with the place it goes
 * wrong.  Expected values are written by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../input/rows.h"

static uint64_t bits_of(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* A reader over the bytes s[0..len), named "<mem>". */
typedef struct {
    FILE *f;
    ns_rows r;
    double *v;
    size_t n, cap;
    char err[512];
} reader;

static int open_mem(reader *t, const void *s, size_t len)
{
    memset(t, 0, sizeof *t);
    t->f = fmemopen((void *)s, len, "r");
    cr_assert(t->f);
    return ns_rows_open_stream(&t->r, t->f, "<mem>", t->err, sizeof t->err);
}

static int next(reader *t) { return ns_rows_next(&t->r, &t->v, &t->n, &t->cap, t->err, sizeof t->err); }

static void done(reader *t)
{
    ns_rows_close(&t->r);
    fclose(t->f);
    free(t->v);
}

static void expect_row(reader *t, size_t line, const double *want, size_t n)
{
    cr_assert_eq(next(t), 1, "expected a row: %s", t->err);
    cr_expect_eq(t->r.line, line);
    cr_assert_eq(t->n, n, "row of %zu numbers, expected %zu", t->n, n);
    for (size_t i = 0; i < n; i++) {
        if (isnan(want[i]))
            cr_expect(isnan(t->v[i]), "line %zu [%zu]: %a", line, i, t->v[i]);
        else
            cr_expect_eq(bits_of(t->v[i]), bits_of(want[i]), "line %zu [%zu]: %a, expected %a", line, i,
                         t->v[i], want[i]);
    }
}

/* ---- text ---------------------------------------------------------------- */

Test(rows_text, numbers_comments_blank_lines)
{
    static const char in[] = "1, 2 3\n\n   # a comment\n0x1p-3 -inf NaN INFINITY\r\n"
                             "\t+4.5e1,-.5 , 5. # tail, 7\n# last\n";
    reader t;
    cr_assert_eq(open_mem(&t, in, strlen(in)), 0, "%s", t.err);
    expect_row(&t, 1, (double[]){ 1, 2, 3 }, 3);
    expect_row(&t, 4, (double[]){ 0.125, -INFINITY, NAN, INFINITY }, 4);
    expect_row(&t, 5, (double[]){ 45, -0.5, 5 }, 3);
    cr_expect_eq(next(&t), 0);
    cr_expect_eq(next(&t), 0);
    done(&t);
}

Test(rows_text, byte_order_mark_and_no_final_newline)
{
    static const char in[] = "\xef\xbb\xbf" "7 8";
    reader t;
    cr_assert_eq(open_mem(&t, in, strlen(in)), 0, "%s", t.err);
    expect_row(&t, 1, (double[]){ 7, 8 }, 2);
    cr_expect_eq(next(&t), 0);
    done(&t);
}

Test(rows_text, empty_input_has_no_rows)
{
    reader t;
    cr_assert_eq(open_mem(&t, "# nothing\n\n  \n", 14), 0, "%s", t.err);
    cr_expect_eq(next(&t), 0);
    done(&t);
    cr_assert_eq(open_mem(&t, "", 0), 0, "%s", t.err);
    cr_expect_eq(next(&t), 0);
    done(&t);
}

/* Decimal below binary64's range rounds as IEEE 754 round-to-nearest does:
 * 4.9406564584124654e-324 is nearest 2^-1074; 2^-1075 is the midpoint of 0
 * and 2^-1074 and ties to the even 0; 1.5 2^-1075 rounds up to 2^-1074. */
Test(rows_text, underflow_rounds_to_subnormal_or_zero)
{
    static const char in[] = "1e-400 -1e-400 4.9406564584124654e-324 0x1p-1075 0x1.8p-1075\n";
    reader t;
    cr_assert_eq(open_mem(&t, in, strlen(in)), 0, "%s", t.err);
    expect_row(&t, 1, (double[]){ 0.0, -0.0, 0x1p-1074, 0.0, 0x1p-1074 }, 5);
    done(&t);
}

Test(rows_text, longest_number_accepted)
{
    /* 1024 characters: "0x1." and 1020 zeros: 1 exactly. */
    static char in[1100];
    strcpy(in, "0x1.");
    memset(in + 4, '0', 1020);
    in[1024] = '\n';
    reader t;
    cr_assert_eq(open_mem(&t, in, 1025), 0, "%s", t.err);
    expect_row(&t, 1, (double[]){ 1 }, 1);
    done(&t);
}

static void text_rejects(const char *in, size_t len, const char *want)
{
    reader t;
    cr_assert_eq(open_mem(&t, in, len), 0, "%s", t.err);
    int r;
    while ((r = next(&t)) == 1)
        ;
    cr_expect_eq(r, -1, "'%s' accepted, expected '%s'", in, want);
    cr_expect_str_eq(t.err, want);
    done(&t);
}

#define REJECTS(lit, want) text_rejects(lit, sizeof lit - 1, want)

Test(rows_text, malformed_rows)
{
    REJECTS("1 2\n3 4x 5\n", "<mem>:2:3: not a number: '4x'");
    REJECTS("1,,2\n", "<mem>:1:3: empty field");
    REJECTS(",1\n", "<mem>:1:1: empty field");
    REJECTS("1, ,2\n", "<mem>:1:4: empty field");
    REJECTS("1,\n", "<mem>:1:3: empty field after ','");
    REJECTS("1, # c\n", "<mem>:1:4: empty field after ','");
    REJECTS("1,", "<mem>:1:3: empty field after ','");
    REJECTS("- 1\n", "<mem>:1:1: a sign without a number: '-'");
    REJECTS("1 +\n", "<mem>:1:3: a sign without a number: '+'");
    REJECTS("abc\n", "<mem>:1:1: not a number: 'abc'");
    REJECTS("1e\n", "<mem>:1:1: not a number: '1e'");
    REJECTS("0x\n", "<mem>:1:1: not a number: '0x'");
    REJECTS("0x1.8q3\n", "<mem>:1:1: not a number: '0x1.8q3'");
    REJECTS("0xg\n", "<mem>:1:1: not a number: '0xg'");
    REJECTS("1.2.3\n", "<mem>:1:1: not a number: '1.2.3'");
    REJECTS("--1\n", "<mem>:1:1: not a number: '--1'");
    REJECTS("nan(1)\n", "<mem>:1:1: not a number: 'nan(1)'");
    REJECTS("infinit\n", "<mem>:1:1: not a number: 'infinit'");
    REJECTS("1;2\n", "<mem>:1:1: not a number: '1;2'");
    REJECTS("\xef\xbb" "x\n", "<mem>:1:1: not a number: '\\xef\\xbbx'");
    REJECTS("1 \x1b[31m\n", "<mem>:1:3: not a number: '\\x1b[31m'");
    REJECTS("1e999\n", "<mem>:1:1: magnitude beyond binary64: '1e999'");
    REJECTS("-1e400\n", "<mem>:1:1: magnitude beyond binary64: '-1e400'");
    REJECTS("0x1p1024\n", "<mem>:1:1: magnitude beyond binary64: '0x1p1024'");
    REJECTS("1e99999999999999999999\n", "<mem>:1:1: magnitude beyond binary64: '1e99999999999999999999'");
    REJECTS("1\0 2\n", "<mem>:1:2: NUL byte in the row");
    REJECTS("\0", "<mem>:1:1: NUL byte in the row");
    REJECTS("1 # a\0b\n", "<mem>:1:6: NUL byte in a comment");
    REJECTS("x23456789012345678901234567890123456789012345\n",
            "<mem>:1:1: not a number: 'x234567890123456789012345678901234567890...'");
}

Test(rows_text, number_longer_than_the_limit)
{
    static char in[1100];
    memset(in, '1', 1025);
    in[1025] = '\n';
    text_rejects(in, 1026, "<mem>:1:1: number longer than 1024 characters: "
                 "'1111111111111111111111111111111111111111...'");
}

/* NS_ROW_MAX numbers make a row; one more is an error at its column. */
Test(rows_text, row_length_limit, .timeout = 60)
{
    size_t n = NS_ROW_MAX, len = 2 * n + 2 * (n + 1);
    char *in = malloc(len);
    cr_assert(in);
    for (size_t i = 0; i < n; i++)
        memcpy(in + 2 * i, "0 ", 2);
    in[2 * n - 1] = '\n';
    for (size_t i = 0; i <= n; i++)
        memcpy(in + 2 * n + 2 * i, "0,", 2);
    in[len - 1] = '\n';
    reader t;
    cr_assert_eq(open_mem(&t, in, len), 0, "%s", t.err);
    cr_assert_eq(next(&t), 1, "%s", t.err);
    cr_expect_eq(t.n, NS_ROW_MAX);
    cr_expect_eq(next(&t), -1);
    char want[100];
    snprintf(want, sizeof want, "<mem>:2:%zu: row longer than %zu numbers", 2 * n + 1, n);
    cr_expect_str_eq(t.err, want);
    done(&t);
    free(in);
}

/* ---- .npy through the same reader --------------------------------------- */

static size_t npy(unsigned char *out, const char *header, const void *data, size_t datalen)
{
    size_t hl = strlen(header);
    memcpy(out, "\x93NUMPY\x01\x00", 8);
    out[8] = hl & 0xff;
    out[9] = hl >> 8;
    memcpy(out + 10, header, hl);
    memcpy(out + 10 + hl, data, datalen);
    return 10 + hl + datalen;
}

/* [[1, 2], [3, 4], [5, 6]] as little-endian float32 (1 = 3f800000,
 * 2 = 40000000, 3 = 40400000, 4 = 40800000, 5 = 40a00000, 6 = 40c00000). */
static const unsigned char f32_1to6[] = { 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40,
                                          0, 0, 0x80, 0x40, 0, 0, 0xa0, 0x40, 0, 0, 0xc0, 0x40 };
#define H32 "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }"

Test(rows_npy, detected_by_magic_in_a_stream)
{
    unsigned char buf[256];
    size_t len = npy(buf, H32, f32_1to6, sizeof f32_1to6);
    reader t;
    cr_assert_eq(open_mem(&t, buf, len), 0, "%s", t.err);
    cr_assert(ns_rows_npy(&t.r));
    expect_row(&t, 1, (double[]){ 1, 2 }, 2);
    expect_row(&t, 2, (double[]){ 3, 4 }, 2);
    char where[64];
    cr_expect_str_eq(ns_rows_where(&t.r, where, sizeof where), "<mem> row 2");
    expect_row(&t, 3, (double[]){ 5, 6 }, 2);
    cr_expect_eq(next(&t), 0);
    done(&t);
}

Test(rows_npy, fortran_order_as_rows)
{
    /* The same bytes read column-major as shape (2, 3): columns (1, 2),
     * (3, 4), (5, 6), so rows [1, 3, 5] and [2, 4, 6]. */
    unsigned char buf[256];
    size_t len = npy(buf, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", f32_1to6,
                     sizeof f32_1to6);
    reader t;
    cr_assert_eq(open_mem(&t, buf, len), 0, "%s", t.err);
    expect_row(&t, 1, (double[]){ 1, 3, 5 }, 3);
    expect_row(&t, 2, (double[]){ 2, 4, 6 }, 3);
    cr_expect_eq(next(&t), 0);
    done(&t);
}

static void npy_rejects(const void *buf, size_t len, const char *want)
{
    reader t;
    cr_expect_eq(open_mem(&t, buf, len), -1, "accepted, expected '%s'", want);
    cr_expect_str_eq(t.err, want);
    fclose(t.f);
}

Test(rows_npy, malformed_streams)
{
    unsigned char buf[256];
    size_t len = npy(buf, H32, f32_1to6, sizeof f32_1to6);
    size_t data = len - sizeof f32_1to6;
    char want[300];
    snprintf(want, sizeof want, "<mem>: byte offset %zu: the file ends inside the data: shape (3, 2) of "
             "4-byte values needs 24 bytes from byte offset %zu", len - 1, data);
    npy_rejects(buf, len - 1, want);
    buf[len] = 0;
    snprintf(want, sizeof want, "<mem>: byte offset %zu: bytes after the end of the data (shape (3, 2) "
             "of 4-byte values)", len);
    npy_rejects(buf, len + 1, want);
    snprintf(want, sizeof want, "<mem>: byte offset %zu: the file ends inside the header (20 of %zu bytes)",
             (size_t)30, data - 10);
    npy_rejects(buf, 30, want);
    npy_rejects(buf, 7, "<mem>: byte offset 7: the file ends inside the .npy version");
    npy_rejects("\x93", 1, "<mem>: byte offset 1: the file ends inside the .npy magic string");
    npy_rejects("\x93numpy", 6, "<mem>: byte offset 1: not a .npy file: byte 0x6e where the magic "
                "string \\x93NUMPY has 0x4e");
    len = npy(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (16777217,), }", "", 0);
    npy_rejects(buf, len, "<mem>: byte offset 60: rows of 16777217 values in shape (16777217,): longer "
                "than the limit of 16777216");
}

/* ---- files -------------------------------------------------------------- */

static void write_file(char *path, const void *data, size_t len)
{
    strcpy(path, "/tmp/ns-rows-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
}

Test(rows_file, npy_whose_shape_lies_is_rejected_before_reading)
{
    /* 100 x 1000000 float32 values claimed (400 MB), none present: the
     * size of the regular file gives it away. */
    unsigned char buf[256];
    size_t len = npy(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (100, 1000000), }", "", 0);
    char path[64], err[400], want[400];
    write_file(path, buf, len);
    ns_rows r;
    cr_expect_eq(ns_rows_open(&r, path, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: byte offset %zu: the file ends inside the data: shape (100, 1000000) "
             "of 4-byte values needs 400000000 bytes from byte offset %zu", path, len, len);
    cr_expect_str_eq(err, want);
    unlink(path);
}

Test(rows_file, text_and_npy_files)
{
    char path[64], err[400];
    write_file(path, "1 2\n", 4);
    ns_rows r;
    double *v = NULL;
    size_t n = 0, cap = 0;
    cr_assert_eq(ns_rows_open(&r, path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ns_rows_next(&r, &v, &n, &cap, err, sizeof err), 1);
    cr_expect_eq(n, 2);
    cr_expect_eq(v[1], 2);
    cr_expect_null(ns_rows_npy(&r));
    ns_rows_close(&r);
    unlink(path);

    unsigned char buf[256];
    size_t len = npy(buf, H32, f32_1to6, sizeof f32_1to6);
    write_file(path, buf, len);
    cr_assert_eq(ns_rows_open(&r, path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ns_rows_next(&r, &v, &n, &cap, err, sizeof err), 1);
    cr_expect_eq(n, 2);
    cr_expect_eq(v[1], 2);
    ns_rows_close(&r);
    unlink(path);
    free(v);
}

Test(rows_file, missing_file_and_directory)
{
    ns_rows r;
    char err[400];
    cr_expect_eq(ns_rows_open(&r, "/nonexistent/rows.txt", err, sizeof err), -1);
    cr_expect_str_eq(err, "/nonexistent/rows.txt: cannot open: No such file or directory");
    cr_expect_eq(ns_rows_open(&r, "/tmp", err, sizeof err), -1);
    cr_expect_str_eq(err, "/tmp: cannot read: Is a directory");
}

Test(rows_file, shapes_of_two_inputs)
{
    unsigned char a[256], b[256];
    size_t la = npy(a, H32, f32_1to6, sizeof f32_1to6);
    size_t lb = npy(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f32_1to6,
                    sizeof f32_1to6);
    reader x, g, txt;
    cr_assert_eq(open_mem(&x, a, la), 0, "%s", x.err);
    cr_assert_eq(open_mem(&g, b, lb), 0, "%s", g.err);
    cr_assert_eq(open_mem(&txt, "1 2\n", 4), 0, "%s", txt.err);
    char err[300];
    cr_expect_eq(ns_rows_same_shape(&x.r, &x.r, err, sizeof err), 0);
    cr_expect_eq(ns_rows_same_shape(&x.r, &txt.r, err, sizeof err), 0);   /* known only row by row */
    cr_expect_eq(ns_rows_same_shape(&x.r, &g.r, err, sizeof err), -1);
    cr_expect_str_eq(err, "<mem>: shape (2, 3) differs from shape (3, 2) of <mem>");
    done(&x);
    done(&g);
    done(&txt);
}
