/* The three roads side by side (issue 17's question "is softmax
 * necessary?"): on one causal head (q, k, v of head.normal, T tokens, d
 * channels), in one policy,
 *   softmax      the flash kernel with a causal mask, against the softmax
 *                attention reference (attention/reference.h);
 *   normalizer   spherical (p_i^2 / sum p_j^2, the normalizer the question
 *                names) on each causal row of scores q_i . k_j / sqrt(d)
 *                (formed in binary64, rounded into the policy's input),
 *                then P V in acc; against the reference weights (correctly
 *                rounded) times V summed in binary64;
 *   linear       linear.causal with elu + 1 features (attention/recurrent.h);
 *   rwkv         rwkv4.stable on k, v of the head with RWKV-4's initial
 *                decays (attention/recurrent_gen.h).
 * For each: whether O is finite, its normwise error max|O - O*| / max|O*|,
 * and the verdict of the kernel's contract ("-" for the normalizer road,
 * whose contract is per row). */
#ifndef NS_ATTENTION_ROADS_H
#define NS_ATTENTION_ROADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../formats/policy.h"

enum { NS_ROADS = 4 };

typedef struct ns_road {
    const char *road;      /* "softmax", "normalizer", "linear", "rwkv" */
    const char *how;       /* "flash, causal", ... */
    bool finite;
    double normwise;
    const char *verdict;   /* "kept", "expected", "broken" or "-" */
    const char *cause;     /* "" when none */
} ns_road;

/* The four roads on a head of T tokens x d channels from seed, in policy
 * p.  0, or -1 when out of memory. */
int ns_roads_run(const ns_policy *p, size_t T, size_t d, uint64_t seed, ns_road out[NS_ROADS]);

#endif
