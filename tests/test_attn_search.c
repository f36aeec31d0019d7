/* The attention search: it finds the classic failures of the textbook
 * kernel in fp16 (an overflowing score, a fully masked row), confirms them
 * with the exact reference, minimizes them, and does the same for the same
 * seed. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "../fuzz/attn_search.h"
#include "testlib.h"

typedef struct seen {
    size_t n;
    char causes[8][32];
    size_t sizes[8];
    double first_q0;
} seen;

static int keep(const ns_attn_finding *f, void *ctx)
{
    seen *s = ctx;
    if (s->n < 8) {
        strncpy(s->causes[s->n], f->compare.cause, sizeof s->causes[0] - 1);
        s->sizes[s->n] = f->head.n_q * f->head.n_k * f->head.d;
        if (s->n == 0)
            s->first_q0 = f->head.q[0];
    }
    cr_expect(f->confirmed);
    cr_expect_eq(f->kind, NS_KIND_NAN);
    cr_expect_neq(f->compare.verdict, NS_ATTN_BROKEN, "textbook fp16: %s is declared", f->compare.cause);
    s->n++;
    return 0;
}

static void run(seen *s, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    ns_attn_search_opts o = { .kernel = ns_kernel_find("textbook"), .objective = NS_KIND_NAN, .n = 6, .d = 4,
                              .masks = true, .max_evals = 30000, .seed = seed,
                              .base = { .policy = ns_policy_find("fp16"), .scale_exact = true, .p_offset = 8,
                                        .block_q = 64, .block_k = 4 } };
    ns_attn_search_stats st;
    cr_assert_eq(ns_attn_search(&o, keep, s, &st), 0);
    cr_expect_eq(st.evals, 30000);
}

Test(attention_search, finds_score_overflow_and_fully_masked_rows_in_fp16)
{
    seen s;
    run(&s, ns_test_seed());
    bool overflow = false, masked = false;
    for (size_t i = 0; i < s.n && i < 8; i++) {
        overflow |= strcmp(s.causes[i], "score overflow") == 0;
        masked |= strcmp(s.causes[i], "fully masked row") == 0;
        /* minimized: one query, one key, one channel is all either needs */
        if (strcmp(s.causes[i], "fully masked row") == 0 || strcmp(s.causes[i], "score overflow") == 0)
            cr_expect_eq(s.sizes[i], 1, "%s minimized to %zu entries", s.causes[i], s.sizes[i]);
    }
    cr_expect(overflow, "score overflow found (seed %llu)", (unsigned long long)ns_test_seed());
    cr_expect(masked, "fully masked row found (seed %llu)", (unsigned long long)ns_test_seed());
}

Test(attention_search, the_same_seed_finds_the_same_heads)
{
    seen a, b;
    run(&a, 7);
    run(&b, 7);
    cr_assert_eq(a.n, b.n);
    for (size_t i = 0; i < a.n && i < 8; i++)
        cr_expect_str_eq(a.causes[i], b.causes[i]);
    cr_expect(a.first_q0 == b.first_q0 || (isnan(a.first_q0) && isnan(b.first_q0)));
}
