#include "out_dir.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/path.h"

int ns_out_dir_state(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a directory", path);
        return -1;
    }
    return 1;
}

int ns_out_dir_parents(const char *path, char *err, size_t errlen)
{
    if (ns_mkdir_parents(path) != 0) {
        snprintf(err, errlen, "cannot create the parents of %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
