/* The directory a report or a part of one is written into (--out): what
 * stands there now, and its parents made. */
#ifndef NS_REPORT_OUT_DIR_H
#define NS_REPORT_OUT_DIR_H

#include <stddef.h>

/* 1 when path is a directory, 0 when nothing is there; -1 with a message
 * naming path in err when it is something else or cannot be looked at. */
int ns_out_dir_state(const char *path, char *err, size_t errlen);

/* Makes every missing parent of path (not path itself).  0, or -1 with a
 * message in err. */
int ns_out_dir_parents(const char *path, char *err, size_t errlen);

#endif
