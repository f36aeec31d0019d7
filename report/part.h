/* A part of a sharded report (`normstab report --shard I/N --out DIR`):
 * the directory DIR holds the checkpoint files of the pieces that part I
 * measured (checkpoint.h, shard.h) and DIR/part.json, which says what run
 * they belong to:
 *   {"normstab_part": 1, "build", "part": I, "parts": N, "seed" (a
 *    string: 64 bits), "suite", "key" (the checkpoint key), "options"
 *    (the report options that choose what is measured, for merge),
 *    "pieces": [{"piece", "seconds" (null when taken from --resume)}]}
 * `normstab merge` reads these, checks that the parts are 1..N of one run
 * (same build, seed, suite, N and key), and writes the report from them. */
#ifndef NS_REPORT_PART_H
#define NS_REPORT_PART_H

#include <stddef.h>
#include <stdint.h>

#include "data.h"

#define NS_PART_FILE "part.json"

typedef struct ns_part {
    char dir[4096];
    char build[128];
    unsigned part, parts;
    uint64_t seed;
    char suite[16];
    char key[512];
    char **options;
    size_t noptions;
} ns_part;

/* Writes dir/part.json for the pieces d holds (those of part
 * d->opts->shard).  0, or -1 with a message in err. */
int ns_part_write(const ns_report_data *d, const char *dir, char *err, size_t errlen);

/* 0 when out can become a part directory (absent, empty, or an earlier
 * part: it holds part.json); -1 with a message in err otherwise. */
int ns_part_replaceable(const char *out, char *err, size_t errlen);

/* Renames the finished directory from into out, replacing an earlier part
 * there; a reader sees the old part, none, or the new one whole.  0, or -1
 * with a message in err. */
int ns_part_place(const char *from, const char *out, char *err, size_t errlen);

/* Reads dir/part.json into *p.  0, or -1 with one line naming dir and what
 * is wrong in err. */
int ns_part_read(const char *dir, ns_part *p, char *err, size_t errlen);
void ns_part_free(ns_part *p);

/* Checks that parts p[0..n) are exactly parts 1..N of one run made by
 * build: the first part that differs from p[0] (or from build), a part
 * given twice or missing, each named with what differs in one line in err.
 * 0, or -1. */
int ns_parts_check(const ns_part *p, size_t n, const char *build, char *err, size_t errlen);

#endif
