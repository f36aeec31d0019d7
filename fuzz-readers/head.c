/* libFuzzer target: the reader of attention heads in JSON
 * (attention/head_json.h, ns_head_json_read), what `normstab attention
 * --finding FILE` replays: a line of `normstab search --kernel --json`.
 * Any crash, leak or undefined behaviour is the finding, and so is a broken
 * promise of the reader: a refusal without a message, or a head taken in
 * that no command could run (a shape of 0 or beyond the limits, more than
 * 2^26 scores, a missing tensor, a mask entry other than 0 or 1, a
 * non-finite mask bias). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../attention/head_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *j = cJSON_ParseWithLength((const char *)data, size);
    if (!j)
        return 0;
    ns_head h;
    char err[512];
    err[0] = '\0';
    if (ns_head_json_read(j, ns_policy_find("fp16"), &h, err, sizeof err) != 0) {
        if (err[0] == '\0')
            abort();
    } else {
        if (h.n_q < 1 || h.n_k < 1 || h.d < 1 || h.d_v < 1 || h.n_q > NS_ATTN_MAX_N || h.n_k > NS_ATTN_MAX_N ||
            h.d > NS_ATTN_MAX_D || h.d_v > NS_ATTN_MAX_D || h.n_q * h.n_k > (size_t)1 << 26 || h.block_q < 1 ||
            h.block_k < 1 || !h.q || !h.k || !h.v)
            abort();
        for (size_t t = 0; h.keep && t < h.n_q * h.n_k; t++)
            if (h.keep[t] > 1)
                abort();
        if (h.mask_style == NS_MASK_VALUE && !isfinite(h.mask_value))
            abort();
        /* every tensor entry is there to be read */
        volatile double sink = h.q[h.n_q * h.d - 1] + h.k[h.n_k * h.d - 1] + h.v[h.n_k * h.d_v - 1] +
                               (h.dout ? h.dout[h.n_q * h.d_v - 1] : 0);
        (void)sink;
        ns_head_json_free(&h);
    }
    cJSON_Delete(j);
    return 0;
}
