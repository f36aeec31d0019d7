/* Reading a file whole, for the readers of results, baselines, checkpoints
 * and plots; writing one whole or not at all. */
#ifndef NS_FILE_H
#define NS_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The contents of path, NUL-terminated (the file may hold NULs too: *len
 * says how many bytes it has; len may be NULL).  NULL with errno set when
 * the file cannot be opened (fopen's errno), is larger than max bytes
 * (EFBIG), cannot be read (EIO) or does not fit in memory (ENOMEM).  Free
 * the result. */
char *ns_file_read(const char *path, size_t max, size_t *len);

/* A file written whole or not at all: ns_file_begin opens PATH.tmp for
 * writing (its name into tmp, len bytes; NULL with errno set when it cannot
 * be opened or the name does not fit).  ns_file_commit closes it and, when
 * ok and every write succeeded, renames it over PATH (after fsync when
 * sync: for state that must survive the machine, not just the process);
 * otherwise it removes PATH.tmp.  0, or -1 with errno set (EIO when a write
 * had failed).  A reader sees the old file or the new one, never a part. */
FILE *ns_file_begin(const char *path, char *tmp, size_t len);
int ns_file_commit(FILE *f, const char *tmp, const char *path, bool ok, bool sync);

#endif
