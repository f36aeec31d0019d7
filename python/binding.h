/* What the Python package's entry points share (python/binding*.c): the
 * one-line error, JSON Lines gathered in memory, and the lock that keeps
 * the catalogue still while a formula is defined.
 *
 * Python releases its lock during every call: calls that read the catalogue
 * (every entry point) hold catalogue_lock for reading; normstab.define
 * (ns_py_define), which adds a family to it, holds it for writing. */
#ifndef NS_PYTHON_BINDING_H
#define NS_PYTHON_BINDING_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

extern pthread_rwlock_t ns_py_catalogue_lock;

/* Writes the message into err; returns -1. */
int ns_py_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Lines of JSON gathered in memory. */
typedef struct ns_py_lines {
    char *text;
    size_t len;
    FILE *f;
} ns_py_lines;

int ns_py_lines_open(ns_py_lines *l);
/* Appends j as one line and deletes it; -1 when j is NULL or out of memory. */
int ns_py_lines_add(ns_py_lines *l, cJSON *j);
/* The text (the caller frees it with ns_py_free), or NULL on failure or
 * when !ok. */
char *ns_py_lines_close(ns_py_lines *l, int ok);

void ns_py_free(char *p);

#endif
