/* The figures of one `make bench` run and the notes that explain them,
 * kept as they are measured and written at the end as
 *   {"figures": {NAME: number, ...}, "notes": {NAME: text, ...}}
 * with a line per figure on stdout.  A figure that could not be measured is
 * left out of "figures" and explained in "notes". */
#ifndef NS_BENCH_FIGURES_H
#define NS_BENCH_FIGURES_H

/* Starts an empty set of figures and notes. */
void bench_figures_start(void);

/* Records a figure.  aim: "<= 1.5", ">= 50000", "0.9..1.1" or NULL (no
 * aim); the figure is then marked met or missed.  why_missed (may be NULL)
 * is the note kept when the aim is missed: where the time goes and what
 * would close the gap. */
void bench_figure(const char *name, double value, const char *aim, const char *why_missed);

/* A note (what a figure measures, or why it is missing); copied. */
void bench_note(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes the figures and notes to path (its directory made if missing),
 * whole or not at all, and forgets them.  0, or -1 with errno set. */
int bench_figures_save(const char *path);

#endif
