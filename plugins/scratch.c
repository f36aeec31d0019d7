#include "scratch.h"

#include <stdlib.h>

void *ns_scratch_alloc(ns_scratch_block **list, size_t bytes)
{
    ns_scratch_block *b = calloc(1, sizeof *b + (bytes ? bytes : 1));
    if (!b)
        return NULL;
    b->next = *list;
    *list = b;
    return b->data;
}

void ns_scratch_free(ns_scratch_block **list)
{
    while (*list) {
        ns_scratch_block *next = (*list)->next;
        free(*list);
        *list = next;
    }
}
