#include "rows.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STRINGIFY(x) #x
#define STR(x) STRINGIFY(x)
#define TOO_LONG "number longer than " STR(NS_TOKEN_MAX) " characters"

static int npy_open(ns_rows *r, char *err, size_t errlen);

/* ---- opening: text or .npy -------------------------------------------- */

static int next_byte(ns_rows *r)
{
    return r->nback ? r->back[--r->nback] : getc_unlocked(r->f);
}

static void give_back(ns_rows *r, int c)
{
    if (c != EOF)
        r->back[r->nback++] = (unsigned char)c;
}

static int open_failed(ns_rows *r)
{
    ns_rows_close(r);
    return -1;
}

/* Looks at the first bytes: the .npy magic starts with 0x93, which no text
 * row can start with; a UTF-8 byte order mark is dropped. */
static int start(ns_rows *r, char *err, size_t errlen)
{
    errno = 0;
    int c = getc(r->f);
    if (c == EOF) {
        if (ferror(r->f)) {
            snprintf(err, errlen, "%s: cannot read: %s", r->name, errno ? strerror(errno) : "I/O error");
            return open_failed(r);
        }
        return 0;
    }
    if (c == 0x93)
        return npy_open(r, err, errlen) == 0 ? 0 : open_failed(r);
    if (c == 0xef) {
        int c2 = getc(r->f), c3 = c2 == 0xbb ? getc(r->f) : EOF;
        if (c2 == 0xbb && c3 == 0xbf)
            return 0;
        give_back(r, c3);
        give_back(r, c2);
    }
    give_back(r, c);
    return 0;
}

int ns_rows_open_stream(ns_rows *r, FILE *f, const char *name, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    r->name = name;
    return start(r, err, errlen);
}

int ns_rows_open(ns_rows *r, const char *path, char *err, size_t errlen)
{
    if (!path || strcmp(path, "-") == 0)
        return ns_rows_open_stream(r, stdin, "<stdin>", err, errlen);
    memset(r, 0, sizeof *r);
    r->name = path;
    r->f = fopen(path, "r");
    if (!r->f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    r->owned = 1;
    return start(r, err, errlen);       /* a directory opens, and fails here */
}

void ns_rows_close(ns_rows *r)
{
    if (r->owned && r->f)
        fclose(r->f);
    free(r->data);
    memset(r, 0, sizeof *r);
}

/* ---- .npy -------------------------------------------------------------- */

static int npy_error(ns_rows *r, char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s: %s", r->name, msg);
    return -1;
}

static int read_error(ns_rows *r, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: cannot read: %s", r->name, errno ? strerror(errno) : "I/O error");
    return -1;
}

/* Reads the whole file after its first byte 0x93: preamble, header, data.
 * Every size is checked against its limit before it is allocated; the data
 * buffer grows with what arrives, so a header that lies about the shape of a
 * short stream costs little. */
static int npy_open(ns_rows *r, char *err, size_t errlen)
{
    ns_npy *h = &r->npy;
    char msg[400];
    unsigned char pre[NS_NPY_PREAMBLE_MAX] = { 0x93 };
    errno = 0;
    size_t got = 1 + fread(pre + 1, 1, 7, r->f);
    if (got == 8 && (pre[6] == 2 || pre[6] == 3))
        got += fread(pre + 8, 1, 4, r->f);
    else if (got == 8)
        got += fread(pre + 8, 1, 2, r->f);
    if (ferror(r->f))
        return read_error(r, err, errlen);
    if (ns_npy_preamble(pre, got, h, msg, sizeof msg) != 0)
        return npy_error(r, err, errlen, msg);

    char *header = malloc(h->header_len + 1);
    if (!header)
        return npy_error(r, err, errlen, "out of memory for the header");
    size_t hgot = fread(header, 1, h->header_len, r->f);
    int status = 0;
    if (ferror(r->f))
        status = read_error(r, err, errlen);
    else if (hgot < h->header_len) {
        snprintf(msg, sizeof msg, "byte offset %zu: the file ends inside the header (%zu of %zu bytes)",
                 h->header_offset + hgot, hgot, h->header_len);
        status = npy_error(r, err, errlen, msg);
    } else if (ns_npy_header(header, h, NS_ROW_MAX, msg, sizeof msg) != 0)
        status = npy_error(r, err, errlen, msg);
    free(header);
    if (status)
        return status;

    /* A regular file tells its size: a lying shape is caught before the
     * data is allocated. */
    struct stat st;
    int fd = fileno(r->f), sized = 0;
    off_t pos = fd >= 0 ? ftello(r->f) : -1;
    if (fd >= 0 && pos >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= pos) {
        if (ns_npy_check_length(h, (size_t)(st.st_size - pos), msg, sizeof msg) != 0)
            return npy_error(r, err, errlen, msg);
        sized = 1;
    }

    size_t have = 0, cap = 0;
    while (have < h->data_bytes) {
        if (have == cap) {
            size_t ncap = sized ? h->data_bytes : cap ? 2 * cap : (size_t)1 << 20;
            if (ncap > h->data_bytes)
                ncap = h->data_bytes;
            unsigned char *nd = realloc(r->data, ncap);
            if (!nd)
                return npy_error(r, err, errlen, "out of memory for the data");
            r->data = nd;
            cap = ncap;
        }
        size_t k = fread(r->data + have, 1, cap - have, r->f);
        have += k;
        if (k == 0)
            break;
    }
    if (ferror(r->f))
        return read_error(r, err, errlen);
    if (have == h->data_bytes && getc(r->f) != EOF)
        have++;                         /* one byte past the data is enough to tell */
    if (ns_npy_check_length(h, have, msg, sizeof msg) != 0)
        return npy_error(r, err, errlen, msg);
    r->is_npy = 1;
    return 0;
}

static int npy_next(ns_rows *r, double **v, size_t *n, size_t *cap, char *err, size_t errlen)
{
    const ns_npy *h = &r->npy;
    if (r->line == h->rows)
        return 0;
    if (*cap < h->cols) {               /* h->cols <= NS_ROW_MAX: checked by the header */
        double *nv = realloc(*v, h->cols * sizeof *nv);
        if (!nv) {
            snprintf(err, errlen, "%s: out of memory for a row of %zu", r->name, h->cols);
            return -1;
        }
        *v = nv;
        *cap = h->cols;
    }
    ns_npy_row(h, r->data, r->line, *v);
    r->line++;
    *n = h->cols;
    return 1;
}

/* ---- text --------------------------------------------------------------- */

static int ieq(const char *s, size_t len, const char *word)
{
    if (strlen(word) != len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (tolower((unsigned char)s[i]) != word[i])
            return 0;
    return 1;
}

int ns_parse_number(const char *s, size_t len, double *out, const char **why)
{
    const char *t = s;
    size_t l = len;
    int neg = 0;
    if (l && (*t == '+' || *t == '-')) {
        neg = *t == '-';
        t++;
        l--;
    }
    if (l == 0) {
        *why = "a sign without a number";
        return -1;
    }
    char first = (char)tolower((unsigned char)*t);
    if (first == 'i' && (ieq(t, l, "inf") || ieq(t, l, "infinity"))) {
        *out = neg ? -INFINITY : INFINITY;
        return 0;
    }
    if (first == 'n' && ieq(t, l, "nan")) {
        *out = NAN;
        return 0;
    }
    /* Only digits, '.', hex digits, exponent letters and signs reach strtod
     * (no blanks, no "nan(...)", no locale), which must then consume the
     * whole token. */
    for (size_t i = 0; i < l; i++) {
        unsigned char c = (unsigned char)t[i];
        if (!(isxdigit(c) || c == '.' || c == 'x' || c == 'X' || c == 'p' || c == 'P' || c == '+' ||
              c == '-')) {
            *why = "not a number";
            return -1;
        }
    }
    char tmp[NS_TOKEN_MAX + 1];
    if (len > NS_TOKEN_MAX) {
        *why = TOO_LONG;
        return -1;
    }
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    if (end != tmp + len || end == tmp) {
        *why = "not a number";
        return -1;
    }
    if (errno == ERANGE && isinf(v)) {
        *why = "magnitude beyond binary64";
        return -1;
    }
    *out = v;
    return 0;
}

static int is_space(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

static int ends_token(int c)
{
    return c == EOF || c == '\n' || c == '\0' || c == ',' || c == '#' || is_space(c);
}

/* "FILE:LINE:COL: what", then ": 'token'" with at most 40 of its bytes,
 * those outside printable ASCII as \xHH, so the message stays one line. */
static int text_error(const ns_rows *r, size_t col, char *err, size_t errlen, const char *what,
                      const char *tok, size_t toklen)
{
    int k = snprintf(err, errlen, "%s:%zu:%zu: %s", r->name, r->line, col, what);
    if (!tok || k < 0 || (size_t)k >= errlen)
        return -1;
    char q[4 * 40 + 8];
    size_t m = 0;
    for (size_t i = 0; i < toklen && i < 40; i++) {
        unsigned char c = (unsigned char)tok[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            q[m++] = (char)c;
        else
            m += (size_t)snprintf(q + m, sizeof q - m, "\\x%02x", c);
    }
    if (toklen > 40)
        m += (size_t)snprintf(q + m, sizeof q - m, "...");
    q[m] = '\0';
    snprintf(err + k, errlen - (size_t)k, ": '%s'", q);
    return -1;
}

static int text_read_error(const ns_rows *r, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s:%zu: read error: %s", r->name, r->line, errno ? strerror(errno) : "I/O error");
    return -1;
}

static int text_next(ns_rows *r, double **v, size_t *n, size_t *cap, char *err, size_t errlen)
{
    char tok[NS_TOKEN_MAX];
    for (;;) {                          /* one line a pass */
        errno = 0;
        int c = next_byte(r);
        if (c == EOF)
            return ferror(r->f) ? text_read_error(r, err, errlen) : 0;
        r->line++;
        size_t col = 1, count = 0;      /* c is at column col */
        int need_field = 0;             /* after a comma, a number must follow */
        for (;;) {
            if (c == EOF && ferror(r->f))
                return text_read_error(r, err, errlen);
            if (c == '\0')
                return text_error(r, col, err, errlen, "NUL byte in the row", NULL, 0);
            if ((c == '#' || c == '\n' || c == EOF) && need_field)
                return text_error(r, col, err, errlen, "empty field after ','", NULL, 0);
            if (c == '#')
                while (c != '\n' && c != EOF) {
                    c = next_byte(r);
                    col++;
                    if (c == '\0')
                        return text_error(r, col, err, errlen, "NUL byte in a comment", NULL, 0);
                }
            if (c == EOF && ferror(r->f))
                return text_read_error(r, err, errlen);
            if (c == '\n' || c == EOF)
                break;
            if (is_space(c)) {
                c = next_byte(r);
                col++;
                continue;
            }
            if (c == ',') {
                if (count == 0 || need_field)
                    return text_error(r, col, err, errlen, "empty field", NULL, 0);
                need_field = 1;
                c = next_byte(r);
                col++;
                continue;
            }
            size_t start = col, len = 0;
            for (; !ends_token(c); c = next_byte(r), col++) {
                if (len < sizeof tok)
                    tok[len] = (char)c;
                len++;
            }
            double val;
            const char *why = NULL;
            if (len > sizeof tok)
                return text_error(r, start, err, errlen, TOO_LONG, tok, len);
            if (ns_parse_number(tok, len, &val, &why) != 0)
                return text_error(r, start, err, errlen, why, tok, len);
            if (count == NS_ROW_MAX) {
                char what[64];
                snprintf(what, sizeof what, "row longer than %zu numbers", NS_ROW_MAX);
                return text_error(r, start, err, errlen, what, NULL, 0);
            }
            if (count == *cap) {
                size_t nc = *cap ? 2 * *cap : 64;
                if (nc > NS_ROW_MAX)
                    nc = NS_ROW_MAX;
                double *nv = realloc(*v, nc * sizeof *nv);
                if (!nv) {
                    snprintf(err, errlen, "%s:%zu: out of memory for a row of %zu", r->name, r->line, nc);
                    return -1;
                }
                *v = nv;
                *cap = nc;
            }
            (*v)[count++] = val;
            need_field = 0;
        }
        if (count > 0) {
            *n = count;
            return 1;
        }
        if (c == EOF)
            return 0;
    }
}

/* ---- either ------------------------------------------------------------ */

int ns_rows_next(ns_rows *r, double **v, size_t *n, size_t *cap, char *err, size_t errlen)
{
    return r->is_npy ? npy_next(r, v, n, cap, err, errlen) : text_next(r, v, n, cap, err, errlen);
}

const char *ns_rows_where(const ns_rows *r, char *buf, size_t len)
{
    if (r->is_npy)
        snprintf(buf, len, "%s row %zu", r->name, r->line);
    else
        snprintf(buf, len, "%s:%zu", r->name, r->line);
    return buf;
}

const ns_npy *ns_rows_npy(const ns_rows *r) { return r->is_npy ? &r->npy : NULL; }

int ns_rows_same_shape(const ns_rows *a, const ns_rows *b, char *err, size_t errlen)
{
    if (!a->is_npy || !b->is_npy || (a->npy.rows == b->npy.rows && a->npy.cols == b->npy.cols))
        return 0;
    char sa[64], sb[64];
    ns_npy_shape_str(&a->npy, sa, sizeof sa);
    ns_npy_shape_str(&b->npy, sb, sizeof sb);
    snprintf(err, errlen, "%s: shape %s differs from shape %s of %s", b->name, sb, sa, a->name);
    return -1;
}
