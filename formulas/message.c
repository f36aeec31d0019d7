#include "message.h"

#include <stdio.h>

void ns_formula_vmessage(char *buf, size_t len, long column, const char *fmt, va_list ap)
{
    int k = snprintf(buf, len, "column %ld: ", column);
    if (k < 0 || (size_t)k >= len)
        return;
    vsnprintf(buf + k, len - (size_t)k, fmt, ap);
}
