/* The formulas of the Python package: normstab.define(name, expr) and the
 * formula='EXPR' of eval, reference, check and search (SPEC section 8),
 * defined through the library as the command defines --define and
 * --formula (formulas/define.h), with the command's messages. */
#include "../formulas/define.h"
#include "binding.h"

/* Defines expr under name; anonymous: for formula='EXPR' (the message then
 * names --formula, as the command's does), else for normstab.define (the
 * message names --define NAME='EXPR').  Holds the catalogue's lock for
 * writing: no other call runs meanwhile.  0, or -1 with the message. */
int ns_py_define(const char *name, const char *expr, int anonymous, char *err, size_t errlen)
{
    char why[1024];
    pthread_rwlock_wrlock(&ns_py_catalogue_lock);
    int r = ns_formula_define(name, expr, why, sizeof why);
    pthread_rwlock_unlock(&ns_py_catalogue_lock);
    if (r == 0)
        return 0;
    if (anonymous)
        return ns_py_fail(err, errlen, "--formula '%s': %s", expr, why);
    return ns_py_fail(err, errlen, "--define '%s=%s': %s", name, expr, why);
}

/* The definitions file NORMSTAB_FORMULAS names, as the command reads it
 * before any command runs: 0, or -1 with the message. */
int ns_py_define_env(char *err, size_t errlen)
{
    pthread_rwlock_wrlock(&ns_py_catalogue_lock);
    int r = ns_formula_define_env(err, errlen);
    pthread_rwlock_unlock(&ns_py_catalogue_lock);
    return r;
}
