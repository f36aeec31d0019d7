/* A message about a place in a formula: "column N: " and what is wrong
 * there, as the parser (parse.c) and the exact evaluation (exact.c) write
 * it; define.c reads the column back to point into a definition's line. */
#ifndef NS_FORMULA_MESSAGE_H
#define NS_FORMULA_MESSAGE_H

#include <stdarg.h>
#include <stddef.h>

/* "column <column>: " then fmt with ap, into buf[0..len), cut to fit. */
void ns_formula_vmessage(char *buf, size_t len, long column, const char *fmt, va_list ap);

#endif
