/* The last step of `make fuzz` and of `normstab collect`: the findings of
 * engine runs, of earlier runs and of other fuzz output directories,
 * replayed, de-duplicated, and written as OUT/fuzz.json, OUT/fuzz.md and
 * OUT/findings/ (fuzz/collect.c says how). */
#ifndef NS_FUZZ_COLLECT_H
#define NS_FUZZ_COLLECT_H

#include <stddef.h>

/* Where runs come from: a RUNS.tsv (NULL: none), and root, the fuzz output
 * directory it belongs to (NULL: OUT itself, and the findings files are
 * where RUNS.tsv names them).  With root, the runs' findings files are
 * read from root/fuzz/ENGINE/NORMALIZER-POLICY/findings.jsonl, the layout
 * of fuzz/run.sh, and root/findings/ is carried as findings of an earlier
 * run; nothing under root is written. */
typedef struct ns_collect_source {
    const char *runs;
    const char *root;
} ns_collect_source;

/* Collects into OUT.  stopped_by: the signal that interrupted the runs
 * ("SIGINT"), or NULL.  0 when nothing breaks a contract and no engine
 * crashed, 1 when something did (one line each on stderr), 2 on an
 * error (unreadable RUNS.tsv, a write that failed). */
int ns_fuzz_collect(const char *out, const ns_collect_source *src, size_t nsrc, const char *stopped_by);

#endif
