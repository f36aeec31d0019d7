/* What the entry points share (binding.h). */
#include "binding.h"

#include <stdarg.h>
#include <stdlib.h>

pthread_rwlock_t ns_py_catalogue_lock = PTHREAD_RWLOCK_INITIALIZER;

int ns_py_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

int ns_py_lines_open(ns_py_lines *l)
{
    l->text = NULL;
    l->len = 0;
    l->f = open_memstream(&l->text, &l->len);
    return l->f ? 0 : -1;
}

int ns_py_lines_add(ns_py_lines *l, cJSON *j)
{
    char *s = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (!s)
        return -1;
    int r = fprintf(l->f, "%s\n", s) < 0 ? -1 : 0;
    free(s);
    return r;
}

char *ns_py_lines_close(ns_py_lines *l, int ok)
{
    if (fclose(l->f) != 0)
        ok = 0;
    if (!ok) {
        free(l->text);
        return NULL;
    }
    return l->text;
}

void ns_py_free(char *p)
{
    free(p);
}
