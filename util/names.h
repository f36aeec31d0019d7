/* Names kept in a table, an enum's values as indices. */
#ifndef NS_NAMES_H
#define NS_NAMES_H

#include <string.h>

/* The index of name among names[0..count), or -1. */
static inline int ns_name_index(const char *const *names, int count, const char *name)
{
    for (int i = 0; i < count; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

#endif
