/* Directories: made with their parents, removed with what they hold. */
#ifndef NS_PATH_H
#define NS_PATH_H

#include <stddef.h>

/* mkdir -p: makes dir and every missing parent (mode 0777 less the umask).
 * 0, or -1 with errno set (ENAMETOOLONG past PATH_MAX). */
int ns_mkdir_p(const char *dir);

/* mkdir -p of every parent of path, not of path itself. */
int ns_mkdir_parents(const char *path);

/* mkdtemp with the usual mode: makes a new directory named prefix and six
 * random characters, 0777 less the umask (mkdtemp's is 0700), and puts its
 * name into buf (len bytes).  Made beside what it will replace, it is on
 * the same file system: what is written in it moves into place by rename,
 * whole or not at all.  0, or -1 with errno set. */
int ns_mkdtemp(char *buf, size_t len, const char *prefix);

/* rm -r: removes path, a file or a directory and everything under it
 * (symbolic links are removed, not followed).  0 when path is gone (or was
 * never there), -1 with errno set when something could not be removed. */
int ns_remove_tree(const char *path);

#endif
