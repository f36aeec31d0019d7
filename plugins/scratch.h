/* Scratch memory for the hosts of a plugin's nsp_ops (loader.c, the job's
 * ops; reference.c, MPFR): zeroed blocks on a list, all freed together when
 * the call into the plugin returns. */
#ifndef NS_PLUGINS_SCRATCH_H
#define NS_PLUGINS_SCRATCH_H

#include <stddef.h>

typedef struct ns_scratch_block {
    struct ns_scratch_block *next;
    max_align_t data[];
} ns_scratch_block;

/* bytes of zeroed memory on *list, aligned for any type; NULL when out of
 * memory. */
void *ns_scratch_alloc(ns_scratch_block **list, size_t bytes);

/* Frees every block on *list and empties it. */
void ns_scratch_free(ns_scratch_block **list);

#endif
