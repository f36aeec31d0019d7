/* ns_file_read (util/file.h): contents byte for byte across the buffer's
 * growth, embedded NULs, the size limit and the errors it reports. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/file.h"

/* Writes n bytes of a pattern (byte i = i * 7 mod 251, NULs included) to a
 * fresh temporary file; returns its name (static). */
static const char *pattern_file(size_t n)
{
    static char path[] = "/tmp/ns-test-file-XXXXXX";
    strcpy(path, "/tmp/ns-test-file-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    cr_assert(f);
    for (size_t i = 0; i < n; i++)
        fputc((int)(i * 7 % 251), f);
    cr_assert_eq(fclose(f), 0);
    return path;
}

Test(file, reads_every_byte_across_growth)
{
    /* 0, around the first buffer (64 KiB) and several doublings. */
    static const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 300001 };
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        const char *path = pattern_file(sizes[k]);
        size_t len = 12345;
        char *got = ns_file_read(path, 1 << 20, &len);
        cr_assert(got, "%zu bytes: %s", sizes[k], strerror(errno));
        cr_expect_eq(len, sizes[k]);
        for (size_t i = 0; i < sizes[k]; i++)
            if ((unsigned char)got[i] != i * 7 % 251)
                cr_assert_fail("%zu bytes: byte %zu differs", sizes[k], i);
        cr_expect_eq(got[len], '\0', "NUL-terminated");
        free(got);
        unlink(path);
    }
}

Test(file, refuses_more_than_max)
{
    const char *path = pattern_file(1001);
    errno = 0;
    cr_expect_null(ns_file_read(path, 1000, NULL));
    cr_expect_eq(errno, EFBIG);
    char *exact = ns_file_read(path, 1001, NULL);
    cr_expect(exact, "exactly max bytes are allowed");
    free(exact);
    unlink(path);
}

Test(file, reports_missing_files_and_directories)
{
    errno = 0;
    cr_expect_null(ns_file_read("/nonexistent/ns-file", 100, NULL));
    cr_expect_eq(errno, ENOENT);
    errno = 0;
    cr_expect_null(ns_file_read("/tmp", 100, NULL));
    cr_expect_eq(errno, EISDIR);
}
