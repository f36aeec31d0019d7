/* util/markup.h: a table row in HTML and in Markdown, and the escaping
 * printf, each against text written out by hand. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/markup.h"

typedef struct sink {
    char *text;
    size_t len;
    FILE *f;
} sink;

static void open_sink(sink *s)
{
    s->text = NULL;
    s->f = open_memstream(&s->text, &s->len);
    cr_assert_not_null(s->f);
}

static void expect(sink *s, const char *want)
{
    cr_assert_eq(fclose(s->f), 0);
    cr_expect_str_eq(s->text, want);
    free(s->text);
}

Test(markup, html_row_escapes_each_cell_between_td_fences)
{
    sink s;
    open_sink(&s);
    const char *const cells[] = { "a<b", "x & \"y\"", "" };
    ns_markup_row(s.f, &ns_markup_html, cells, 3);
    expect(&s, "<tr><td>a&lt;b</td><td>x &amp; &quot;y&quot;</td><td></td></tr>\n");
}

Test(markup, md_row_escapes_pipes_and_emphasis_between_bars)
{
    sink s;
    open_sink(&s);
    const char *const cells[] = { "af|l", "a*b_c", "7" };
    ns_markup_row(s.f, &ns_markup_md, cells, 3);
    expect(&s, "| af\\|l | a\\*b\\_c | 7 |\n");
}

Test(markup, printf_escapes_strings_and_writes_numbers_as_printf)
{
    sink s;
    open_sink(&s);
    ns_markup_printf(s.f, &ns_markup_html, "<a href=\"%s\">%s</a> %d%% of %zu", "p&q.dat", "<x>", -3, (size_t)12);
    expect(&s, "<a href=\"p&amp;q.dat\">&lt;x&gt;</a> -3% of 12");
}

Test(markup, printf_stops_at_a_conversion_it_does_not_know)
{
    sink s;
    open_sink(&s);
    /* a width (%5d) is not one of its conversions: nothing from there on is written */
    ns_markup_printf(s.f, &ns_markup_md, "%s then %s", "a|b", "c");
    ns_markup_printf(s.f, &ns_markup_md, " [%5d]", 1);
    expect(&s, "a\\|b then c [");
}
