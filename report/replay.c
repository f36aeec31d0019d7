/* How the report's replay commands name normstab and the rows they read
 * (data.h): commands meant to be pasted in the project directory. */
#include "data.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void ns_report_program(char *buf, size_t len)
{
    char exe[PATH_MAX], cwd[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k <= 0 || len == 0) {
        snprintf(buf, len, "normstab");
        return;
    }
    exe[k] = '\0';
    size_t c = getcwd(cwd, sizeof cwd) ? strlen(cwd) : 0;
    if (c > 1 && strncmp(exe, cwd, c) == 0 && exe[c] == '/')
        snprintf(buf, len, "%s", exe + c + 1);
    else
        snprintf(buf, len, "%s", exe);
}

/* The rows of finding f: OUT/rows/SLUG.x and, with a gradient, .g. */
static void row_path(const ns_report_data *d, const ns_finding *f, const char *dir, const char *ext,
                     char *buf, size_t len)
{
    char slug[256];
    ns_finding_slug(f, slug, sizeof slug);
    snprintf(buf, len, "%s/rows/%s.%s", dir ? dir : d->opts->out, slug, ext);
}

void ns_report_finding_replay(const ns_report_data *d, const ns_finding *f, char *buf, size_t len)
{
    char x[4400], g[4400];
    row_path(d, f, NULL, "x", x, sizeof x);
    row_path(d, f, NULL, "g", g, sizeof g);
    char more[1200] = "";
    const ns_family *fam;
    if (ns_algorithm_find(f->normalizer, &fam))
        ns_family_replay_options(fam, more, sizeof more);
    int k = snprintf(buf, len, "%s check%s -n %s -p %s --sum %s -i %s", d->program, more, f->normalizer,
                     f->policy, ns_sum_order_name(f->sum), x);
    if (f->has_g && k > 0 && (size_t)k < len)
        snprintf(buf + k, len - (size_t)k, " -g %s", g);
}

static int write_row(const char *path, const double *v, size_t n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(' ', f);
        if (isnan(v[i]))
            fputs("nan", f);
        else
            fprintf(f, "%a", v[i]);
    }
    fputc('\n', f);
    int failed = ferror(f);
    return fclose(f) == 0 && !failed ? 0 : -1;
}

int ns_report_write_rows(const ns_report_data *d, const char *dir)
{
    char rows[4200], path[4400];
    snprintf(rows, sizeof rows, "%s/rows", dir);
    if (mkdir(rows, 0777) != 0 && errno != EEXIST)
        return -1;
    for (size_t i = 0; i < d->found.count; i++) {
        const ns_finding *f = &d->found.items[i];
        row_path(d, f, dir, "x", path, sizeof path);
        if (write_row(path, f->row.x, f->row.n) != 0)
            return -1;
        row_path(d, f, dir, "g", path, sizeof path);
        if (f->has_g && write_row(path, f->row.g, f->row.n) != 0)
            return -1;
    }
    return 0;
}
