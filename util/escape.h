/* Strings from outside (names, paths, messages, commands) written into
 * HTML and Markdown so that nothing in them becomes markup. */
#ifndef NS_ESCAPE_H
#define NS_ESCAPE_H

#include <stdbool.h>
#include <stdio.h>

/* HTML text or attribute value: & < > " ' escaped. */
void ns_html_escape(FILE *f, const char *s);

/* Markdown text: HTML, table and emphasis syntax escaped; a control
 * character as \xNN. */
void ns_md_text(FILE *f, const char *s);

/* A Markdown code span, fenced by one backtick more than the longest run of
 * backticks in s (CommonMark), so nothing in it ends the span.  in_table:
 * '|' escaped as GFM tables require. */
void ns_md_code(FILE *f, const char *s, bool in_table);

/* A name inside a Markdown table: a code span, or escaped text when it holds
 * a backtick or a control character, which a span in a table cannot hold. */
void ns_md_name(FILE *f, const char *s);

#endif
