/* The named policies: each an alias of its expansion (SPEC section 6),
 * which `normstab list policies` shows and which formats/compose.c parses
 * to the same formats (tests/test_policy.c).  Those of SPEC section 2 are
 * what the report measures unless told otherwise; the kernel policies each
 * mirror one real kernel. */
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

/* FP8 kernels (Transformer Engine, FlashAttention-3) keep e4m3 data and
 * compute in fp32.  Bare e4m3 turns a value past 464 into NaN, as ml_dtypes
 * and PyTorch eager before 2.12 do; Triton, CUDA's __NV_SATFINITE and
 * PyTorch from 2.12 saturate: in=e4m3+sat,work=fp32. */
static const ns_policy e4m3_io = {
    .name = "e4m3-io", .summary = "e4m3 data, fp32 inside: an FP8 kernel (overflow to NaN)",
    .io = &ns_e4m3, .elem = &ns_fp32, .acc = &ns_fp32, .out = &ns_e4m3, .tot = &ns_fp32,
    .p = &ns_e4m3, .saved = NS_SAVED_OUT, .expansion = "in=e4m3,work=fp32,acc=fp32,out=e4m3",
};
/* e5m2 is FP8 training's format for gradients (Transformer Engine's
 * backward tensors): range before precision. */
static const ns_policy e5m2_io = {
    .name = "e5m2-io", .summary = "e5m2 data, fp32 inside: FP8 gradients of a training kernel",
    .io = &ns_e5m2, .elem = &ns_fp32, .acc = &ns_fp32, .out = &ns_e5m2, .tot = &ns_fp32,
    .p = &ns_e5m2, .saved = NS_SAVED_OUT, .expansion = "in=e5m2,work=fp32,acc=fp32,out=e5m2",
};
/* torch 1.13's native CPU bf16 kernels compute in fp32 and keep their
 * reduced totals in bf16: log_softmax stores its sum, its log, <g, y> and
 * sum g so (of 0 -5 -5 -5 it gives y_0 = -0x1.7cp-6, which this policy
 * reproduces); its bf16 softmax matches bf16-io. */
static const ns_policy bf16_torch = {
    .name = "bf16-torch", .summary = "torch's native CPU bf16 kernels: fp32 inside, totals kept in bf16",
    .io = &ns_bf16, .elem = &ns_fp32, .acc = &ns_fp32, .out = &ns_bf16, .tot = &ns_bf16,
    .p = &ns_bf16, .saved = NS_SAVED_OUT,
    .expansion = "in=bf16,work=fp32,acc=fp32,out=bf16,tot=bf16",
};
/* softmax(x.float()).half(), the wrapper fp16 users write where torch has
 * no fp16 kernel: autograd keeps the fp32 y for the backward. */
static const ns_policy fp16_upcast = {
    .name = "fp16-upcast", .summary = "the x.float() ... .half() wrapper: fp32 y saved for the backward",
    .io = &ns_fp16, .elem = &ns_fp32, .acc = &ns_fp32, .out = &ns_fp16, .tot = &ns_fp32,
    .p = &ns_fp16, .saved = NS_SAVED_WORK,
    .expansion = "in=fp16,work=fp32,acc=fp32,out=fp16,saved=work",
};

const ns_policy *const ns_kernel_policies[] = { &e4m3_io, &e5m2_io, &bf16_torch, &fp16_upcast, NULL };

void ns_probe_reset(ns_probe *p)
{
    p->count = 0;
    p->min_abs = INFINITY;
    p->zeros = 0;
    p->nonfinite = 0;
}
