/* Verdicts on evaluations: whether an algorithm kept its contract, and the
 * threshold the page colours by.
 *
 * The contract (normalizers/contract.h, ns_contract_of) decides: an
 * evaluation is within it when no output is NaN, none is infinite where the
 * reference is finite, and the error is within the contract's first-order
 * bound for that row (ns_metrics.contract_ulps).  The envelopes, `check`'s
 * exit status and the counts of broken inputs all ask here.  Expected
 * failures (the contract's hazards) are still failures for the envelope: it
 * is the region where the algorithm works, not where it was promised to. */
#ifndef NS_VERDICT_H
#define NS_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "../normalizers/contract.h"
#include "metrics.h"

/* Within the contract (an undefined reference always is). */
bool ns_within_contract(const ns_metrics *m);

/* Half the precision of the output format, p/2 bits (5.5 in fp16, 4 in
 * bf16, 12 in fp32, 26.5 in fp64): where the page's colours turn from
 * yellow to orange. */
double ns_half_precision_bits(const ns_policy *p);

/* One line saying what "within the contract" means, for the page and docs. */
const char *ns_verdict_summary(void);

/* A bound as "(8 + 2n + 2 spread) u" ("none" when unset). */
void ns_bound_describe(const ns_bound *b, char *buf, size_t len);

#endif
