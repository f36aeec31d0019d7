/* One row of `normstab check --json` as a cJSON object: the row, the
 * outputs and the reference, the per-output errors, the verdict, each
 * promise that failed (kind, cause, verdict, why, detail) and the metrics.
 * The command prints it; the Python package (python/binding.c) hands the
 * same object to Python, so both speak one format. */
#ifndef NS_CHECK_JSON_H
#define NS_CHECK_JSON_H

#include <stdint.h>

#include "../normalizers/catalogue.h"
#include "verdict.h"

/* Why promise k failed: its hazard's explanation, or what the promise of
 * alg's contract in policy says. */
void ns_check_why_failed(const ns_algorithm *alg, const ns_policy *policy, const ns_verdict *v,
                         ns_kind k, char *buf, size_t len);

/* The object for one row; `where` says where the row came from;
 * gradient_seed is NULL when the gradient came from a file.  NULL when out
 * of memory. */
struct cJSON *ns_check_row_json(const ns_algorithm *alg, const ns_policy *policy, ns_sum_order sum,
                                const char *where, const uint64_t *gradient_seed,
                                const ns_metrics_scratch *s, const ns_metrics *m,
                                const ns_verdict *v);

#endif
