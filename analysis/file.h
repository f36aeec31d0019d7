/* Reading a file whole, for the readers of results, baselines, checkpoints
 * and plots. */
#ifndef NS_FILE_H
#define NS_FILE_H

#include <stddef.h>

/* The contents of path, NUL-terminated (the file may hold NULs too: *len
 * says how many bytes it has; len may be NULL).  NULL with errno set when
 * the file cannot be opened (fopen's errno), is larger than max bytes
 * (EFBIG), cannot be read (EIO) or does not fit in memory (ENOMEM).  Free
 * the result. */
char *ns_file_read(const char *path, size_t max, size_t *len);

#endif
