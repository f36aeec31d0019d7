/* The named policies (SPEC section 2): each an alias of its expansion
 * (SPEC section 6), which `normstab list policies` shows and which
 * formats/compose.c parses to the same formats (tests/test_policy.c). */
#include "policy.h"

#include <string.h>

/* in = out = p, tot = acc, saved = out: every named policy of SPEC section 2. */
#define NAMED(self, nm, text, in, work, accum, expand)                             \
    static const ns_policy self = { .name = nm, .summary = text, .io = in,         \
        .elem = work, .acc = accum, .out = in, .tot = accum, .p = in,              \
        .saved = NS_SAVED_OUT, .expansion = expand }

NAMED(fp16, "fp16", "fp16 storage, arithmetic and sums", &ns_fp16, &ns_fp16, &ns_fp16,
      "in=fp16,work=fp16,acc=fp16,out=fp16");
NAMED(bf16, "bf16", "bf16 storage, arithmetic and sums", &ns_bf16, &ns_bf16, &ns_bf16,
      "in=bf16,work=bf16,acc=bf16,out=bf16");
NAMED(fp32, "fp32", "fp32 storage, arithmetic and sums", &ns_fp32, &ns_fp32, &ns_fp32,
      "in=fp32,work=fp32,acc=fp32,out=fp32");
NAMED(fp64, "fp64", "fp64 storage, arithmetic and sums", &ns_fp64, &ns_fp64, &ns_fp64,
      "in=fp64,work=fp64,acc=fp64,out=fp64");
NAMED(fp16_acc32, "fp16-acc32", "fp16 data and arithmetic, fp32 accumulators", &ns_fp16, &ns_fp16,
      &ns_fp32, "in=fp16,work=fp16,acc=fp32,out=fp16");
NAMED(bf16_acc32, "bf16-acc32", "bf16 data and arithmetic, fp32 accumulators", &ns_bf16, &ns_bf16,
      &ns_fp32, "in=bf16,work=bf16,acc=fp32,out=bf16");
NAMED(fp16_io, "fp16-io", "fp16 inputs and outputs, fp32 inside the kernel", &ns_fp16, &ns_fp32,
      &ns_fp32, "in=fp16,work=fp32,acc=fp32,out=fp16");
NAMED(bf16_io, "bf16-io", "bf16 inputs and outputs, fp32 inside the kernel", &ns_bf16, &ns_fp32,
      &ns_fp32, "in=bf16,work=fp32,acc=fp32,out=bf16");
static const ns_policy ref = { .name = "ref",
                               .summary = "exact: the MPFR reference, correctly rounded to binary64" };

const ns_policy *const ns_policies[] = {
    &fp16, &bf16, &fp32, &fp64, &fp16_acc32, &bf16_acc32, &fp16_io, &bf16_io, &ref, NULL,
};

void ns_probe_reset(ns_probe *p)
{
    p->count = 0;
    p->min_abs = INFINITY;
    p->zeros = 0;
    p->nonfinite = 0;
}
