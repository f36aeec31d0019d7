/* What the command prints besides its results' own formats: messages on
 * stderr, numbers as SPEC writes them, JSON objects as lines, and the check
 * that stdout was written (cli.h). */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

/* "normstab: MESSAGE" as one line: a control character that came in with a
 * name or a token (a newline, an escape sequence) is shown as \xNN. */
static void say(const char *fmt, va_list ap)
{
    char msg[4096];
    vsnprintf(msg, sizeof msg, fmt, ap);
    fputs("normstab: ", stderr);
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            fprintf(stderr, "\\x%02x", *p);
        else
            fputc(*p, stderr);
    fputc('\n', stderr);
}

void ns_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(fmt, ap);
    va_end(ap);
}

void ns_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(fmt, ap);
    va_end(ap);
    exit(NS_EXIT_USAGE);
}

void ns_print_double(FILE *out, double v)
{
    if (v != v)
        fputs("nan", out);
    else
        fprintf(out, "%a", v);       /* "inf", "-inf" as C99 prints them */
}

void ns_print_row(FILE *out, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(' ', out);
        ns_print_double(out, v[i]);
    }
    fputc('\n', out);
}

int ns_print_json_line(cJSON *j)
{
    char *text = j ? cJSON_PrintUnformatted(j) : NULL;
    if (text)
        puts(text);
    cJSON_free(text);
    cJSON_Delete(j);
    return text ? 0 : -1;
}

int ns_finish_output(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fputs("normstab: cannot write the output\n", stderr);
        return NS_EXIT_USAGE;
    }
    return NS_EXIT_OK;
}
