/* The FlashAttention-2 forward pass that flash and flash-fp8 share: query
 * rows against key blocks with a running max, a rescaled running sum and a
 * rescaled O, exp2 with log2(e) and the scale folded into one multiply. */
#ifndef NS_ATTENTION_FLASH_H
#define NS_ATTENTION_FLASH_H

#include "kernel.h"

/* The tensors as the kernel holds them and what it folds in. */
typedef struct ns_flash_in {
    const double *q, *k, *v;    /* q already scaled under --scale-on q */
    double score_scale;         /* what multiplies q . k (the scale, FP8 descales; 1
                                   when q carries the scale), folded with log2(e) */
    double v_scale;             /* what multiplies O at the end (V's FP8 descale) */
    double offset;              /* log2 of P's peak: 0, FlashAttention-3 FP8: 8 */
    const ns_format *p;         /* the format P is stored in before P V */
} ns_flash_in;

/* O and LSE of every query row into r. */
/* 0, or -1 when out of memory. */
int ns_flash_forward(const ns_head *h, const ns_flash_in *in, ns_attn_out *r);

#endif
