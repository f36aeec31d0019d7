#include "file.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

char *ns_file_read(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap + 1);
    int why = buf ? 0 : ENOMEM;
    errno = 0;
    while (!why && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n > max) {
            why = EFBIG;
        } else if (n == cap) {
            char *bigger = cap < SIZE_MAX / 4 ? realloc(buf, 2 * cap + 1) : NULL;
            if (!bigger)
                why = ENOMEM;
            else
                buf = bigger, cap *= 2;
        }
    }
    if (!why && ferror(f))
        why = errno ? errno : EIO;          /* EISDIR for a directory */
    fclose(f);
    if (why) {
        free(buf);
        errno = why;
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

FILE *ns_file_begin(const char *path, char *tmp, size_t len)
{
    if (snprintf(tmp, len, "%s.tmp", path) >= (int)len) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    return fopen(tmp, "wb");
}

int ns_file_commit(FILE *f, const char *tmp, const char *path, bool ok, bool sync)
{
    errno = 0;
    ok = ok && !ferror(f) && fflush(f) == 0;
    if (ok && sync)
        ok = fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (ok && rename(tmp, path) == 0)
        return 0;
    int why = errno ? errno : EIO;
    remove(tmp);
    errno = why;
    return -1;
}
