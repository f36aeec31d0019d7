/* Findings as JSON (cJSON) and JSON Lines (SPEC section 4): one object per
 * finding, files of them read back, and a set stored as a directory of
 * rows that `normstab eval` reads. */
#ifndef NS_FUZZ_FINDING_JSON_H
#define NS_FUZZ_FINDING_JSON_H

#include <stdbool.h>
#include <stdio.h>

#include "finding.h"

/* JSON (cJSON): one object per finding; fields of SPEC section 4
 * (normalizer, policy, kind, value, x as %a strings, g, confirmed) and
 * sum, param (an object, for families with parameters), cause, verdict, why,
 * detail, engine, seed, evals, seconds, unix_time, n. */
struct cJSON;
struct cJSON *ns_finding_to_json(const ns_finding *f);
/* 0, or -1 with a message in err ("field 'x': ..."). */
int ns_finding_from_json(const struct cJSON *j, ns_finding *f, char *err, size_t errlen);
/* One line of JSON and a newline, in one write (several processes may append
 * to one file). */
int ns_finding_write_jsonl(FILE *out, const ns_finding *f);

/* Reads every finding of a JSON Lines file (lines that are not findings,
 * such as the summary line, are skipped).  0, or -1 with "FILE:LINE: what". */
int ns_findings_read(const char *path, ns_finding_set *into, bool dedupe, char *err, size_t errlen);

/* The object a finding gets in findings.jsonl, before "file" and "command"
 * are added: ns_finding_to_json, or a caller's richer one (i is the
 * finding's index in the set). */
typedef struct cJSON *(*ns_finding_json_fn)(const ns_finding *f, size_t i, void *ctx);

/* Writes, per finding, DIR/SLUG.x (the logits, one row of %a) and DIR/SLUG.g
 * (the gradient) for `normstab eval -i -g`, then DIR/findings.jsonl (one
 * to_json object a line, NULL: ns_finding_to_json).  Each file is written
 * under PATH.tmp and renamed when whole, the list last: an interrupted store
 * leaves the previous list.  0, or -1 with "PATH: what" in err. */
int ns_findings_store(const ns_finding_set *s, const char *dir, ns_finding_json_fn to_json,
                      void *ctx, char *err, size_t errlen);

#endif
