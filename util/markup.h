/* The two markups of the report and of fuzz.md, HTML and GitHub-flavoured
 * Markdown, as data: how text is escaped (escape.h) and how a table row and
 * its cells are fenced, so that one loop writes a row in either. */
#ifndef NS_MARKUP_H
#define NS_MARKUP_H

#include <stddef.h>
#include <stdio.h>

typedef struct ns_markup {
    void (*text)(FILE *f, const char *s);  /* writes s escaped */
    const char *row_open, *row_close;      /* around a table row */
    const char *cell_open, *cell_close;    /* around one cell */
} ns_markup;

/* <tr><td>a</td><td>b</td></tr>, and | a | b | */
extern const ns_markup ns_markup_html, ns_markup_md;

/* Writes cells[0..n) as cells of a row, each escaped (no row fences). */
void ns_markup_cells(FILE *f, const ns_markup *m, const char *const *cells, size_t n);

/* Writes cells[0..n) as a whole row, fences and all. */
void ns_markup_row(FILE *f, const ns_markup *m, const char *const *cells, size_t n);

/* fprintf in markup m, every string argument escaped: the conversions are
 * %s (written by m->text), %d, %zu and %%; at any other the output stops
 * there, before its argument is taken. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void ns_markup_printf(FILE *f, const ns_markup *m, const char *fmt, ...);

#endif
