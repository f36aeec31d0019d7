#include "path.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Makes every directory named by a prefix of buf that ends before a '/',
 * and buf itself when whole. */
static int make_prefixes(char *buf, int whole)
{
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
        *p = '/';
        if (rc)
            return -1;
    }
    return whole && mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static int copy_path(char *buf, const char *path)
{
    if (strlen(path) >= PATH_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(buf, path);
    return 0;
}

int ns_mkdir_p(const char *dir)
{
    char buf[PATH_MAX];
    return copy_path(buf, dir) != 0 ? -1 : make_prefixes(buf, 1);
}

int ns_mkdir_parents(const char *path)
{
    char buf[PATH_MAX];
    return copy_path(buf, path) != 0 ? -1 : make_prefixes(buf, 0);
}

int ns_mkdtemp(char *buf, size_t len, const char *prefix)
{
    if (snprintf(buf, len, "%sXXXXXX", prefix) >= (int)len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (!mkdtemp(buf))
        return -1;
    mode_t mask = umask(0);
    umask(mask);
    return chmod(buf, 0777 & ~mask);
}

int ns_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    DIR *dir = opendir(path);
    if (!dir)
        return -1;
    int rc = 0, why = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        char *sub = malloc(len);
        if (!sub) {
            rc = -1, why = ENOMEM;
            break;
        }
        snprintf(sub, len, "%s/%s", path, e->d_name);
        if (ns_remove_tree(sub) != 0)
            rc = -1, why = errno;
        free(sub);
    }
    closedir(dir);
    if (rmdir(path) != 0)
        return -1;
    errno = why;
    return rc;
}
