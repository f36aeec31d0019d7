/* The fuzz input as a file, for the readers that take a path: a file in
 * memory (memfd_create, so no disk is touched), made on the first call and
 * rewritten for each input.  The targets define _GNU_SOURCE before any
 * include, for memfd_create.  (As a string: input_text.h.) */
#ifndef NS_FUZZ_READERS_INPUT_FILE_H
#define NS_FUZZ_READERS_INPUT_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* data[0..size) as the whole file named name; returns its path
 * (/proc/self/fd/N).  Aborts when the file cannot be made or written. */
static inline const char *ns_fuzz_input_file(const char *name, const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create(name, 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    /* Written, then cut to its size: the file keeps its pages (truncating
     * first would free them and the write allocate them again). */
    if ((size && pwrite(fd, data, size, 0) != (ssize_t)size) || ftruncate(fd, (off_t)size) != 0)
        abort();
    return path;
}

#endif
