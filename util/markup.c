#include "markup.h"

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
