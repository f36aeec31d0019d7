#include "args.h"

#include <errno.h>
#include <stdlib.h>

int ns_parse_count(const char *s, int base, unsigned long long *v)
{
    /* strtoull would read "-1" as ULLONG_MAX: a sign is refused first. */
    if (*s == '-' || *s == '\0')
        return -1;
    char *end;
    errno = 0;
    *v = strtoull(s, &end, base);
    return *end != '\0' || errno == ERANGE ? -1 : 0;
}
