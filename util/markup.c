#include "markup.h"

#include <stdarg.h>
#include <string.h>

#include "escape.h"

const ns_markup ns_markup_html = { ns_html_escape, "<tr>", "</tr>\n", "<td>", "</td>" };
const ns_markup ns_markup_md = { ns_md_text, "|", "\n", " ", " |" };

void ns_markup_cells(FILE *f, const ns_markup *m, const char *const *cells, size_t n)
{
    for (size_t c = 0; c < n; c++) {
        fputs(m->cell_open, f);
        m->text(f, cells[c]);
        fputs(m->cell_close, f);
    }
}

void ns_markup_row(FILE *f, const ns_markup *m, const char *const *cells, size_t n)
{
    fputs(m->row_open, f);
    ns_markup_cells(f, m, cells, n);
    fputs(m->row_close, f);
}

void ns_markup_printf(FILE *f, const ns_markup *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (const char *c = fmt; *c; c++) {
        if (*c != '%') {
            fputc(*c, f);
            continue;
        }
        if (c[1] == '%') {
            fputc('%', f);
            c++;
        } else if (c[1] == 's') {
            m->text(f, va_arg(ap, const char *));
            c++;
        } else if (c[1] == 'd') {
            fprintf(f, "%d", va_arg(ap, int));
            c++;
        } else if (c[1] == 'z' && c[2] == 'u') {
            fprintf(f, "%zu", va_arg(ap, size_t));
            c += 2;
        } else {
            break;
        }
    }
    va_end(ap);
}
