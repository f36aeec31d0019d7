/* The figures of a bench run, as cJSON objects until they are saved
 * (figures.h). */
#include "figures.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "../util/file.h"
#include "../util/path.h"

static cJSON *root, *figures, *notes;

void bench_figures_start(void)
{
    root = cJSON_CreateObject();
    figures = cJSON_AddObjectToObject(root, "figures");
    notes = cJSON_AddObjectToObject(root, "notes");
}

/* Whether v meets "<= A", ">= A" or "A..B". */
static int aim_met(const char *aim, double v)
{
    double a, b;
    if (sscanf(aim, "<= %lf", &a) == 1)
        return v <= a;
    if (sscanf(aim, ">= %lf", &a) == 1)
        return v >= a;
    if (sscanf(aim, "%lf..%lf", &a, &b) == 2)
        return v >= a && v <= b;
    return 0;
}

void bench_figure(const char *name, double value, const char *aim, const char *why_missed)
{
    if (!isfinite(value)) {
        bench_note(name, "not measured: the measurement gave %g", value);
        printf("%-34s %14s\n", name, "-");
        return;
    }
    cJSON_AddNumberToObject(figures, name, value);
    if (!aim) {
        printf("%-34s %14.4g\n", name, value);
        return;
    }
    int met = aim_met(aim, value);
    printf("%-34s %14.4g   aim %-12s %s\n", name, value, aim, met ? "met" : "MISSED");
    char key[128];
    snprintf(key, sizeof key, "aim_%s", name);
    bench_note(key, "%s: %s", aim, met ? "met" : "missed");
    if (!met && why_missed) {
        snprintf(key, sizeof key, "why_%s", name);
        bench_note(key, "%s", why_missed);
    }
}

void bench_note(const char *name, const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    cJSON_DeleteItemFromObjectCaseSensitive(notes, name);
    cJSON_AddStringToObject(notes, name, text);
}

int bench_figures_save(const char *path)
{
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    root = figures = notes = NULL;
    char tmp[4200];
    FILE *f = text && ns_mkdir_parents(path) == 0 ? ns_file_begin(path, tmp, sizeof tmp) : NULL;
    if (!f) {
        if (!text)
            errno = ENOMEM;
        cJSON_free(text);
        return -1;
    }
    bool ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    cJSON_free(text);
    return ns_file_commit(f, tmp, path, ok, false);
}
