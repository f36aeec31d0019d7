#include "rows.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int ns_rows_open(ns_rows *r, const char *path, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (!path || strcmp(path, "-") == 0) {
        r->f = stdin;
        r->name = "<stdin>";
        return 0;
    }
    r->name = path;
    r->f = fopen(path, "r");
    if (!r->f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    r->owned = 1;
    /* fopen succeeds on a directory; the first read would fail obscurely. */
    int c = fgetc(r->f);
    if (c == EOF && ferror(r->f)) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        fclose(r->f);
        r->f = NULL;
        return -1;
    }
    if (c != EOF)
        ungetc(c, r->f);
    return 0;
}

void ns_rows_close(ns_rows *r)
{
    if (r->owned && r->f)
        fclose(r->f);
    free(r->buf);
    memset(r, 0, sizeof *r);
}

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
    if (ieq(t, l, "inf") || ieq(t, l, "infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return 0;
    }
    if (ieq(t, l, "nan")) {
        *out = NAN;
        return 0;
    }
    /* Only digits, '.', hex digits, exponent letters and signs reach strtod,
     * which must then consume the whole token. */
    for (size_t i = 0; i < l; i++) {
        unsigned char c = (unsigned char)t[i];
        if (!(isxdigit(c) || c == '.' || c == 'x' || c == 'X' || c == 'p' || c == 'P' || c == '+' || c == '-')) {
            *why = "not a number";
            return -1;
        }
    }
    char tmp[128];
    if (len >= sizeof tmp) {
        *why = "number too long";
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

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

int ns_rows_next(ns_rows *r, double **v, size_t *n, size_t *cap, char *err, size_t errlen)
{
    for (;;) {
        errno = 0;
        ssize_t len = getline(&r->buf, &r->cap, r->f);
        if (len < 0) {
            if (ferror(r->f)) {
                snprintf(err, errlen, "%s:%zu: read error: %s", r->name, r->line + 1,
                         errno ? strerror(errno) : "I/O error");
                return -1;
            }
            return 0;
        }
        r->line++;
        const char *s = r->buf;
        if (memchr(s, '\0', (size_t)len)) {
            size_t col = strlen(s) + 1;
            snprintf(err, errlen, "%s:%zu:%zu: NUL byte in the row", r->name, r->line, col);
            return -1;
        }
        size_t count = 0, i = 0, L = (size_t)len;
        if (L && s[L - 1] == '\n')
            L--;
        int need_field = 0;          /* after a comma, a number must follow */
        for (;;) {
            while (i < L && is_space(s[i]))
                i++;
            if (i >= L || s[i] == '#') {
                if (need_field) {
                    snprintf(err, errlen, "%s:%zu:%zu: empty field after ','", r->name, r->line, i + 1);
                    return -1;
                }
                break;
            }
            if (s[i] == ',') {
                if (count == 0 || need_field) {
                    snprintf(err, errlen, "%s:%zu:%zu: empty field", r->name, r->line, i + 1);
                    return -1;
                }
                need_field = 1;
                i++;
                continue;
            }
            size_t start = i;
            while (i < L && !is_space(s[i]) && s[i] != ',' && s[i] != '#')
                i++;
            double val;
            const char *why = NULL;
            if (ns_parse_number(s + start, i - start, &val, &why) != 0) {
                snprintf(err, errlen, "%s:%zu:%zu: %s: '%.*s'", r->name, r->line, start + 1, why,
                         (int)(i - start > 40 ? 40 : i - start), s + start);
                return -1;
            }
            if (count >= NS_ROW_MAX) {
                snprintf(err, errlen, "%s:%zu:%zu: row longer than %u numbers", r->name, r->line,
                         start + 1, NS_ROW_MAX);
                return -1;
            }
            if (count == *cap) {
                size_t nc = *cap ? 2 * *cap : 64;
                double *nv = realloc(*v, nc * sizeof *nv);
                if (!nv) {
                    snprintf(err, errlen, "%s:%zu: out of memory", r->name, r->line);
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
    }
}
