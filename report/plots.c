/* The report's plots: data files and gnuplot scripts in plots/, drawn as SVG
 * by gnuplot (one process per plot, so that one bad plot spoils nothing
 * else; as many processes at a time as the report has threads), which the
 * page shows as images. */
#include "../util/file.h"
#include "../util/omp.h"
#include "data.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_SERIES 48
#define SVG_MAX_BYTES ((size_t)64 << 20)    /* gnuplot writes some hundred kB a plot */

typedef struct series {
    char label[96];
    int color, dash;
    int marks;                    /* drawn as crosses, no line: the NaN/inf/underflow points */
    size_t n;
    double x[256], y[256];
} series;

typedef struct plot {
    char name[96], title[200], xlabel[80], ylabel[80];
    int logx, logy, lines_only;
    int wide;                     /* the page's full width, the key on the right */
    double ymin, ymax;            /* NaN: automatic */
    const char *extra;            /* more gnuplot commands, or NULL */
    series s[MAX_SERIES];
    size_t ns;
} plot;

/* Tableau 10: colours a reader tells apart, also in grey. */
static const char *const palette[] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};

static plot *plot_new(const char *name, const char *title, const char *xlabel, const char *ylabel)
{
    plot *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->title, sizeof p->title, "%s", title);
    snprintf(p->xlabel, sizeof p->xlabel, "%s", xlabel);
    snprintf(p->ylabel, sizeof p->ylabel, "%s", ylabel);
    p->ymin = p->ymax = NAN;
    return p;
}

static series *series_add(plot *p, const char *label, int color, int dash)
{
    if (p->ns == MAX_SERIES)
        return NULL;
    series *s = &p->s[p->ns++];
    snprintf(s->label, sizeof s->label, "%s", label);
    s->color = color;
    s->dash = dash;
    s->marks = 0;
    s->n = 0;
    return s;
}

static void point_add(series *s, double x, double y)
{
    if (s && s->n < sizeof s->x / sizeof s->x[0]) {
        s->x[s->n] = x;
        s->y[s->n] = y;
        s->n++;
    }
}

/* A string literal for gnuplot, in single quotes: gnuplot substitutes
 * `commands` in double-quoted strings, never in single-quoted ones, where
 * '' stands for one quote and nothing else is special.  Control characters
 * are left out. */
static void gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++)
        if (*s == '\'')
            fputs("''", f);
        else if ((unsigned char)*s >= 0x20 && *s != 0x7f)
            fputc(*s, f);
    fputc('\'', f);
}

static int series_drawable(const plot *p, const series *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (isfinite(s->y[i]) && (!p->logy || (s->y[i] >= 1e-300 && s->y[i] <= 1e300)) && isfinite(s->x[i]))
            return 1;
    return 0;
}

static int write_plot_files(const plot *p, const char *dir)
{
    char path[4096 + 128];
    snprintf(path, sizeof path, "%s/%s.dat", dir, p->name);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "# %s\n# x: %s, y: %s; one block per series (gnuplot index), NaN: no value\n",
            p->title, p->xlabel, p->ylabel);
    for (size_t k = 0; k < p->ns; k++) {
        fprintf(f, "# series %zu: %s\n", k, p->s[k].label);
        for (size_t i = 0; i < p->s[k].n; i++) {
            double y = p->s[k].y[i];
            if (!isfinite(y) || (p->logy && !(y >= 1e-300 && y <= 1e300)))
                fprintf(f, "%.17g NaN\n", p->s[k].x[i]);
            else
                fprintf(f, "%.17g %.17g\n", p->s[k].x[i], y);
        }
        fputs("\n\n", f);
    }
    if (fclose(f) != 0)
        return -1;

    snprintf(path, sizeof path, "%s/%s.gp", dir, p->name);
    f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "# Draws %s.svg from %s.dat: gnuplot %s.gp\nreset\n", p->name, p->name, p->name);
    fprintf(f, "set terminal svg size %s font \"sans,11\" background \"#ffffff\"\n", p->wide ? "1140,520" : "570,430");
    fprintf(f, "set output \"%s.svg\"\n", p->name);
    fputs("set title ", f);
    gp_string(f, p->title);
    fputs(" noenhanced\nset xlabel ", f);
    gp_string(f, p->xlabel);
    fputs(" noenhanced\nset ylabel ", f);
    gp_string(f, p->ylabel);
    fprintf(f, " noenhanced\nset grid lc rgb \"#dddddd\"\nset key %s noenhanced\n",
            p->wide ? "outside right top" : "outside below maxrows 4");
    fputs("set datafile missing \"NaN\"\n", f);
    if (p->logx)
        fputs("set logscale x 2\nset format x \"2^{%L}\"\n", f);
    if (p->logy)
        fputs("set logscale y 10\nset format y \"10^{%L}\"\n", f);
    double top = 0;                 /* an all-zero plot gets a range of its own */
    for (size_t k = 0; k < p->ns; k++)
        for (size_t i = 0; i < p->s[k].n; i++)
            if (isfinite(p->s[k].y[i]) && fabs(p->s[k].y[i]) > top)
                top = fabs(p->s[k].y[i]);
    if (!p->logy && top == 0 && isnan(p->ymax))
        fputs("set yrange [0:1]\n", f);
    else if (!isnan(p->ymin) || !isnan(p->ymax)) {
        fputs("set yrange [", f);
        if (!isnan(p->ymin))
            fprintf(f, "%.17g", p->ymin);
        fputs(":", f);
        if (!isnan(p->ymax))
            fprintf(f, "%.17g", p->ymax);
        fputs("]\n", f);
    }
    if (p->extra)
        fprintf(f, "%s\n", p->extra);
    int first = 1;
    for (size_t k = 0; k < p->ns; k++) {
        const series *s = &p->s[k];
        if (!series_drawable(p, s))
            continue;
        fputs(first ? "plot " : ", \\\n     ", f);
        first = 0;
        static const int points[] = { 7, 5, 9, 11 };   /* circles, squares, triangles: past ten colours */
        if (s->marks)
            fprintf(f, "\"%s.dat\" index %zu using 1:2 with points lc rgb \"%s\" pt 2 ps 1.3 lw 2", p->name, k,
                    palette[s->color % 10]);
        else
            fprintf(f, "\"%s.dat\" index %zu using 1:2 with %s lc rgb \"%s\" dt %d lw 1.6", p->name, k,
                    p->lines_only ? "lines" : "linespoints", palette[s->color % 10], s->dash);
        if (!p->lines_only && !s->marks)
            fprintf(f, " pt %d ps 0.45", points[s->color / 10 % 4]);
        fputs(" title ", f);
        gp_string(f, s->label);
        fputs(" noenhanced", f);
    }
    if (first)
        fputs("set label \"no finite values\" at graph 0.4, graph 0.5\nplot NaN notitle\n", f);
    else
        fputc('\n', f);
    return fclose(f);
}

/* Runs gnuplot on NAME.gp in dir: 0 drawn, 1 gnuplot failed, 127 no gnuplot. */
static int run_gnuplot(const char *prog, const char *dir, const char *name)
{
    char script[128];
    snprintf(script, sizeof script, "%s.gp", name);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        if (chdir(dir) != 0)
            _exit(126);
        int log = open("gnuplot.log", O_WRONLY | O_CREAT | O_APPEND, 0666);
        int null = open("/dev/null", O_RDWR);
        if (log >= 0)
            dup2(log, 2);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
        }
        execlp(prog, prog, script, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return 127;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

typedef struct drawer {
    ns_report_data *d;
    const char *dir;
    const char *prog;
    int no_gnuplot, failures;
} drawer;

static int emit(drawer *w, plot *p)
{
    if (!p)
        return -1;
    int rc = write_plot_files(p, w->dir);
    if (rc == 0 && w->d->nplots < NS_REPORT_MAX_PLOTS) {
        ns_report_plot *rp = &w->d->plots[w->d->nplots++];
        snprintf(rp->name, sizeof rp->name, "%s", p->name);
        snprintf(rp->title, sizeof rp->title, "%s", p->title);
        rp->wide = p->wide;
        rp->drawn = 0;
    }
    free(p);
    return rc;
}

/* Draws the plots emitted, each by a gnuplot process of its own, as many at
 * a time as the report has threads: one after the other, the drawing was the
 * longest serial part of a report.  Each SVG goes into its plot's slot, so
 * the page does not depend on the order in which the processes finish. */
static void draw(drawer *w)
{
    const ns_report_opts *o = w->d->opts;
    int threads = w->d->threads > 0 ? w->d->threads : 1, no_gnuplot = 0, failures = 0;
    size_t n = w->d->nplots, done = 0;
    (void)threads;
    NS_OMP("omp parallel for schedule(dynamic, 1) num_threads(threads)")
    for (size_t k = 0; k < n; k++) {
        int skip;
        NS_OMP("omp atomic read")
        skip = no_gnuplot;
        if (!skip && !(o->stop && *o->stop)) {
            ns_report_plot *rp = &w->d->plots[k];
            int g = run_gnuplot(w->prog, w->dir, rp->name);
            if (g == 127) {
                NS_OMP("omp atomic write")
                no_gnuplot = 1;
            } else if (g != 0) {
                NS_OMP("omp atomic update")
                failures++;
            } else {
                rp->drawn = 1;
            }
        }
        size_t now;
        NS_OMP("omp atomic capture")
        now = ++done;
        if (o->progress) {
            NS_OMP("omp critical(ns_report_plots_progress)")
            o->progress(o->progress_ctx, "plots", now, n);
        }
    }
    w->no_gnuplot = no_gnuplot;
    w->failures = failures;
}

static double get_gain(const ns_metrics *m) { return m->grad_gain; }
static double get_gain_ref(const ns_metrics *m) { return m->grad_gain_ref; }

/* Crosses at the points of sweep target t where a seed gave a NaN or an
 * infinite output: those are not bits, and the line of bits (over the
 * finite outputs) would hide them.  A cross sits on the line, or on 0
 * where no output was finite. */
static void nonfinite_marks(plot *p, const ns_sweep *s, size_t t, const char *label, int color)
{
    series *m = NULL;
    for (size_t i = 0; i < s->npoints; i++) {
        const ns_summary *at = &s->at[t * s->npoints + i];
        if (at->nan_rate + at->inf_rate == 0)
            continue;
        if (!m) {
            char mark[96];
            snprintf(mark, sizeof mark, "%.80s: NaN/inf", label);
            m = series_add(p, mark, color, 1);
            if (!m)
                return;
            m->marks = 1;
        }
        point_add(m, s->points[i], isnan(at->max_bits) ? 0 : at->max_bits);
    }
}

/* Max bits (over the seeds) against sigma for the given algorithms and
 * policies of the scale sweep. */
static plot *scale_plot(const ns_report_data *d, const char *name, const char *title,
                        const ns_algorithm *const *algs, size_t nalgs, const char *const *pols, int sum_dev)
{
    plot *p = plot_new(name, title, "logit scale sigma (x ~ N(0, sigma^2), n = 16)",
                       sum_dev ? "max |sum y - sum y_ref| over the seeds" : "max bits of error over the seeds");
    if (!p)
        return NULL;
    p->logx = 1;
    p->logy = sum_dev;
    if (!sum_dev)
        p->ymin = 0;
    const ns_sweep *s = &d->scale;
    for (size_t a = 0; a < nalgs; a++)
        for (size_t k = 0; pols[k]; k++) {
            const ns_policy *pol = ns_policy_find(pols[k]);
            size_t t = ns_sweep_find(s, algs[a], pol, NS_SUM_SEQ);
            if (t == s->ntargets)
                continue;
            char label[96];
            snprintf(label, sizeof label, nalgs > 1 ? "%s %s" : "%.0s%s", algs[a]->name, pols[k]);
            series *se = series_add(p, label, nalgs > 1 ? (int)a : (int)k, nalgs > 1 ? (int)k + 1 : 1);
            for (size_t i = 0; i < s->npoints; i++) {
                const ns_summary *at = &s->at[t * s->npoints + i];
                point_add(se, s->points[i], sum_dev ? at->max_sum_err : at->max_bits);
            }
            if (!sum_dev)
                nonfinite_marks(p, s, t, label, se ? se->color : 0);
        }
    return p;
}

/* Max bits against n for one algorithm: each length policy with each sum
 * order (sequential only for the fp32-accumulating policies). */
static plot *length_plot(const ns_report_data *d, const char *name, const char *title, const ns_algorithm *alg)
{
    plot *p = plot_new(name, title, "row length n (x ~ N(0, 1))", "max bits of error over the seeds");
    if (!p)
        return NULL;
    p->logx = 1;
    p->ymin = 0;
    const ns_sweep *s = &d->length;
    int color = 0;
    for (size_t k = 0; ns_report_length_policies[k]; k++) {
        const ns_policy *pol = ns_policy_find(ns_report_length_policies[k]);
        bool low_acc = pol->acc->p < 24;     /* the sum order matters where sums are short */
        for (int o = 0; o < 3; o++) {
            if (!low_acc && o != NS_SUM_SEQ)
                continue;
            size_t t = ns_sweep_find(s, alg, pol, (ns_sum_order)o);
            if (t == s->ntargets)
                continue;
            char label[96];
            snprintf(label, sizeof label, "%s %s", pol->name, ns_sum_order_name((ns_sum_order)o));
            series *se = series_add(p, label, color, o + 1);
            for (size_t i = 0; i < s->npoints; i++)
                point_add(se, s->points[i], s->at[t * s->npoints + i].max_bits);
            nonfinite_marks(p, s, t, label, color);
        }
        color++;
    }
    return p;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorted values of the real rows as a quantile curve, over the rows whose
 * sum did not overflow and whose outputs are finite (as ns_report_real_stats). */
static void real_quantiles(const ns_report_data *d, size_t t, int sum_dev, series *se, double *buf)
{
    size_t k = 0;
    for (size_t r = 0; r < d->nreal; r++) {
        const ns_metrics *m = &d->real_metrics[t * d->nreal + r];
        if (!m->defined || m->nan_count + m->inf_count || m->denominator_class == NS_DEN_NONFINITE)
            continue;
        buf[k++] = sum_dev ? fabs(m->sum_err) : m->normwise_err / m->u;
    }
    if (k == 0 || !se)
        return;
    qsort(buf, k, sizeof *buf, cmp_double);
    size_t points = k < 200 ? k : 200;
    for (size_t i = 0; i < points; i++) {
        size_t r = points == 1 ? 0 : i * (k - 1) / (points - 1);
        point_add(se, (double)(r + 1) / (double)k, buf[r]);
    }
}

/* The family's algorithm with the fewest NaN/inf outputs in fp16 over the
 * suite, then the smallest worst error. */
static const ns_algorithm *sturdiest(const ns_report_data *d, const ns_family *f)
{
    const ns_algorithm *best = f->algorithms;
    double best_rate = INFINITY, best_bits = INFINITY;
    for (const ns_algorithm *a = f->algorithms; a->name; a++) {
        size_t t = ns_report_target(d, a->name, "fp16", NS_SUM_SEQ);
        if (t == d->ntargets)
            continue;
        const ns_summary *s = &d->summary[t];
        double rate = s->nan_rate + s->inf_rate, bits = isnan(s->max_bits_finite) ? INFINITY : s->max_bits_finite;
        if (rate < best_rate || (rate == best_rate && bits < best_bits)) {
            best = a;
            best_rate = rate;
            best_bits = bits;
        }
    }
    return best;
}

int ns_report_plots(ns_report_data *d, const char *dir)
{
    drawer w = { d, dir, d->opts->gnuplot ? d->opts->gnuplot : "gnuplot", 0, 0 };
    static const char *const low[] = { "fp16", "bf16", NULL };
    static const char *const all_names[] = { "softmax.naive", "softmax.shifted", "softmax.lse" };
    const ns_algorithm *published[3];
    size_t npub = 0;
    for (size_t i = 0; i < 3; i++)
        if ((published[npub] = ns_algorithm_find(all_names[i], NULL)))
            npub++;

    if (npub) {
        if (emit(&w, scale_plot(d, "softmax-scale-bits", "softmax: error against logit scale, fp16 and bf16",
                                published, npub, low, 0)) != 0 ||
            emit(&w, scale_plot(d, "softmax-scale-sum", "softmax: outputs not summing to one, fp16 and bf16",
                                published, npub, low, 1)) != 0)
            return -1;
        const ns_algorithm *shifted = ns_algorithm_find("softmax.shifted", NULL);
        if (shifted && emit(&w, length_plot(d, "softmax-length-bits",
                                            "softmax.shifted: error against row length, per summation order",
                                            shifted)) != 0)
            return -1;
    }

    if (d->nreal && npub) {
        double *buf = malloc(d->nreal * sizeof *buf);
        if (!buf)
            return -1;
        for (int sum_dev = 0; sum_dev < 2; sum_dev++) {
            plot *p = plot_new(sum_dev ? "real-sum" : "real-error",
                               sum_dev ? "real logits (LeNet/MNIST): |sum y - sum y_ref| = |sum y - 1|, sorted"
                                       : "real logits (LeNet/MNIST): normwise error in units of u, sorted",
                               "fraction of the rows", sum_dev ? "|sum y - 1|" : "max_i |y_i - y_ref_i| / (u max y_ref)");
            if (!p) {
                free(buf);
                return -1;
            }
            p->logy = sum_dev;
            p->lines_only = 1;
            for (size_t a = 0; a < npub; a++)
                for (size_t k = 0; low[k]; k++) {
                    size_t t = ns_report_real_target(d, published[a]->name, low[k]);
                    if (t == d->nreal_targets)
                        continue;
                    char label[96];
                    snprintf(label, sizeof label, "%s %s", published[a]->name, low[k]);
                    real_quantiles(d, t, sum_dev, series_add(p, label, (int)a, (int)k + 1), buf);
                }
            if (emit(&w, p) != 0) {
                free(buf);
                return -1;
            }
        }
        free(buf);
    }

    /* Gradient gain against scale, one small plot per family: the true
     * gain (fp32 inputs) and the gain computed in fp16 by its sturdiest
     * algorithm, with crosses where that one is NaN, infinite or zero. */
    for (const ns_family *const *f = ns_families(); *f; f++) {
        const ns_algorithm *a = sturdiest(d, *f);
        size_t t32 = ns_sweep_find(&d->scale, a, ns_policy_find("fp32"), NS_SUM_SEQ);
        size_t t16 = ns_sweep_find(&d->scale, a, ns_policy_find("fp16"), NS_SUM_SEQ);
        if (t32 == d->scale.ntargets)
            continue;
        char name[96], title[200];
        ns_report_plot_stem(name, sizeof name, "gain", (*f)->name);
        snprintf(title, sizeof title, "%s: gradient gain ||dx|| / ||g|| (median over seeds)", (*f)->name);
        plot *g = plot_new(name, title, "logit scale sigma (n = 16)", "||dx|| / ||g||");
        if (!g)
            return -1;
        g->logx = 1;
        g->logy = 1;
        g->ymin = 1e-12;   /* below and above, gradients have vanished or exploded */
        g->ymax = 1e12;
        series *se = series_add(g, "true", 0, 1);
        for (size_t i = 0; i < d->scale.npoints; i++)
            point_add(se, d->scale.points[i], ns_sweep_median(&d->scale, t32, i, get_gain_ref));
        if (t16 != d->scale.ntargets) {
            char label[96];
            snprintf(label, sizeof label, "%s in fp16", a->name);
            se = series_add(g, label, 1, 2);
            series *lost = series_add(g, "fp16: NaN or 0 (bottom), inf (top)", 3, 1);
            if (lost)
                lost->marks = 1;
            for (size_t i = 0; i < d->scale.npoints; i++) {
                double v = ns_sweep_median(&d->scale, t16, i, get_gain);
                point_add(se, d->scale.points[i], v);
                if (!(v > g->ymin && v < g->ymax))
                    point_add(lost, d->scale.points[i], isinf(v) || v >= g->ymax ? g->ymax : g->ymin);
            }
        }
        if (emit(&w, g) != 0)
            return -1;
    }

    /* One pair of plots per algorithm, for its card. */
    static const char *const every_policy[] = {
        "fp16", "bf16", "fp32", "fp64", "fp16-acc32", "bf16-acc32", "fp16-io", "bf16-io", NULL,
    };
    for (const ns_family *const *f = ns_families(); *f; f++)
        for (const ns_algorithm *a = (*f)->algorithms; a->name; a++) {
            if (ns_sweep_find(&d->scale, a, ns_policy_find("fp16"), NS_SUM_SEQ) == d->scale.ntargets)
                continue;
            char name[96], title[200];
            ns_report_plot_stem(name, sizeof name, "scale", a->name);
            snprintf(title, sizeof title, "%s: error against logit scale, every policy", a->name);
            const ns_algorithm *one[1] = { a };
            if (emit(&w, scale_plot(d, name, title, one, 1, every_policy, 0)) != 0)
                return -1;
            ns_report_plot_stem(name, sizeof name, "length", a->name);
            snprintf(title, sizeof title, "%s: error against row length, per summation order", a->name);
            if (emit(&w, length_plot(d, name, title, a)) != 0)
                return -1;
        }
    draw(&w);
    if (w.no_gnuplot)
        d->plots_note = "gnuplot was not found: the plots were not drawn (their data and scripts are in plots/; "
                        "'sh mk/deps.sh report' installs gnuplot-nox)";
    else if (w.failures)
        d->plots_note = "gnuplot failed on some plots: see plots/gnuplot.log";
    return 0;
}
