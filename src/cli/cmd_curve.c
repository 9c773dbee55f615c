/* pbde curve: learning curves. Trains the model for each number of pairs
   (2^from .. 2^to) and each seed, and reports against pairs the two parts
   of the error: KL(p*||model), which tends to the misspecification
   KL(p*||optimum), and the estimation error KL(optimum||model), which
   should fall towards 0. Writes a CSV, prints a table, and draws a log-log
   plot as a PNG when asked. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#ifdef PBDE_HAVE_EXPORT
#include "pbde/export.h"
#endif
#include "plot.h"
#include "pbde/curve.h"
#include "pbde/trainer.h"

enum { F_OUT, F_PNG, F_FROM, F_TO, F_SEEDS, F_COUNT };
static const cli_flag_t FLAGS[F_COUNT] = {
    { "out", 1, "write one CSV row per run to file V (- for standard output)" },
    { "png", 1, "also draw the curves, log-log, into the PNG file V" },
    { "from", 1, "smallest number of pairs, as a power of two (default 8: 256 pairs)" },
    { "to", 1, "largest number of pairs, as a power of two (default 17: 131072 pairs)" },
    { "seeds", 1, "seeds per number of pairs: seed, seed+1, ... (default 3)" },
};

#ifdef PBDE_HAVE_EXPORT
/* The runs of point i: KL(p*||model) (which = 0) or KL(optimum||model). */
static const double *runs(const curve_t *c, int which, int i)
{
    return which ? c->kl_opt[i] : c->kl_true[i];
}

/* ---------------------------------------------------------------------- */
/* The PNG: a log-log plot drawn straight into an RGB buffer                */

static void series(plot_t *p, const curve_t *c, int which, const unsigned char *rgb)
{
    double px = 0, py = 0;
    int have = 0;
    for (int i = 0; i < c->n_points; i++) {
        double mean, lo, hi;
        curve_stats(runs(c, which, i), c->n_seeds, &mean, &lo, &hi);
        if (!(mean > 0)) continue;
        double x = plot_x(p, (double)c->pairs[i]), y = plot_y(p, mean);
        if (lo > 0) plot_line(p, x, plot_y(p, lo), x, plot_y(p, hi), rgb, 1, 0); /* the seeds' range */
        plot_dot(p, x, y, 3, rgb);
        if (have) plot_line(p, px, py, x, y, rgb, 2, 0);
        px = x;
        py = y;
        have = 1;
    }
}

static int write_png(const char *path, const curve_t *c, const params_t *prm, char *err, size_t errlen)
{
    static const unsigned char INK[3] = { 40, 40, 40 }, GRID[3] = { 225, 225, 225 };
    static const unsigned char TRUE_C[3] = { 31, 119, 180 }, OPT_C[3] = { 214, 39, 40 };
    static const unsigned char MIS_C[3] = { 120, 120, 120 };
    plot_t p;
    memset(&p, 0, sizeof p);
    p.img.w = 960;
    p.img.h = 640;
    p.img.px = malloc((size_t)p.img.w * (size_t)p.img.h * 3);
    if (!p.img.px) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memset(p.img.px, 255, (size_t)p.img.w * (size_t)p.img.h * 3);
    char ferr[256];
    export_font_t *ef = font_open(NULL, ferr, sizeof ferr); /* no font: a plot without text */
    raster_font_t font;
    if (ef) {
        font = font_raster(ef);
        p.font = &font;
    }
    p.x0 = 110;
    p.x1 = p.img.w - 40;
    p.y0 = 70;
    p.y1 = p.img.h - 80;
    p.xlog = p.ylog = 1;
    /* ranges: the pairs, and every finite positive KL */
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (int i = 0; i < c->n_points; i++)
        for (int s = 0; s < c->n_seeds; s++) {
            double v[2] = { c->kl_true[i][s], c->kl_opt[i][s] };
            for (int k = 0; k < 2; k++)
                if (v[k] > 0 && isfinite(v[k])) {
                    lo = fmin(lo, v[k]);
                    hi = fmax(hi, v[k]);
                }
        }
    if (c->misspec > 0) {
        lo = fmin(lo, c->misspec);
        hi = fmax(hi, c->misspec);
    }
    if (!(lo < hi)) {
        lo = 1e-4;
        hi = 1;
    }
    p.vy0 = floor(log10(lo));
    p.vy1 = ceil(log10(hi));
    if (p.vy1 <= p.vy0) p.vy1 = p.vy0 + 1;
    p.vx0 = log10((double)c->pairs[0]) - 0.15;
    p.vx1 = log10((double)c->pairs[c->n_points - 1]) + 0.15;
    /* grid and labels: a line per decade of KL, per power of two of pairs */
    char buf[128];
    for (int e = (int)p.vy0; e <= (int)p.vy1; e++) {
        double y = plot_y(&p, pow(10, e));
        plot_line(&p, p.x0, y, p.x1, y, GRID, 1, 0);
        snprintf(buf, sizeof buf, "1e%d", e);
        plot_text(&p, p.x0 - 10, (int)y - 9, buf, 16, INK, 1);
    }
    for (int i = 0; i < c->n_points; i++) {
        double x = plot_x(&p, (double)c->pairs[i]);
        plot_line(&p, x, p.y0, x, p.y1, GRID, 1, 0);
        snprintf(buf, sizeof buf, "%ld", c->pairs[i]);
        plot_text(&p, (int)x, p.y1 + 8, buf, 14, INK, 2);
    }
    plot_line(&p, p.x0, p.y0, p.x0, p.y1, INK, 1, 0);
    plot_line(&p, p.x0, p.y1, p.x1, p.y1, INK, 1, 0);
    if (c->misspec > 0) {
        double y = plot_y(&p, c->misspec);
        plot_line(&p, p.x0, y, p.x1, y, MIS_C, 2, 1);
    }
    series(&p, c, 0, TRUE_C);
    series(&p, c, 1, OPT_C);
    snprintf(buf, sizeof buf, "learning curves: %s annotator, %s objective, %s density, %d seed%s",
             annotator_name(prm->annotator), objective_name(prm->objective), density_name(prm->density),
             c->n_seeds, c->n_seeds > 1 ? "s" : "");
    plot_text(&p, p.x0, 14, buf, 20, INK, 0);
    plot_text(&p, (p.x0 + p.x1) / 2, p.img.h - 40, "training pairs", 16, INK, 2);
    plot_text(&p, p.x0 + 10, 44, "KL(p*\xE2\x80\x96\xCF\x80_\xCE\xB8)", 16, TRUE_C, 0);
    plot_text(&p, p.x0 + 190, 44, "KL(optimum\xE2\x80\x96\xCF\x80_\xCE\xB8): estimation", 16, OPT_C, 0);
    plot_text(&p, p.x0 + 500, 44, "- - KL(p*\xE2\x80\x96optimum): misspecification", 16, MIS_C, 0);
    int rc = png_write(path, &p.img, err, errlen);
    font_close(ef);
    free(p.img.px);
    return rc;
}
#else
/* A build without SDL2 has no fonts to draw with: CSV and tables only. */
static int write_png(const char *path, const curve_t *c, const params_t *prm, char *err, size_t errlen)
{
    (void)path;
    (void)c;
    (void)prm;
    snprintf(err, errlen, "this pbde was built without SDL2 (pkg-config found no %s): "
                          "no --png; the CSV and the table work", cli_missing_packages());
    return -1;
}
#endif

/* ---------------------------------------------------------------------- */

static void print_table(FILE *f, const curve_t *c)
{
    fprintf(f, "  %9s   %-22s %-22s\n", "pairs", "KL(p*||pi_theta)", "KL(optimum||pi_theta)");
    for (int i = 0; i < c->n_points; i++) {
        double m1, l1, h1, m2, l2, h2;
        curve_stats(c->kl_true[i], c->n_seeds, &m1, &l1, &h1);
        curve_stats(c->kl_opt[i], c->n_seeds, &m2, &l2, &h2);
        char a[64], b[64];
        if (isfinite(m1)) snprintf(a, sizeof a, "%.4f [%.4f, %.4f]", m1, l1, h1);
        else snprintf(a, sizeof a, "-");
        if (isfinite(m2)) snprintf(b, sizeof b, "%.4f [%.4f, %.4f]", m2, l2, h2);
        else snprintf(b, sizeof b, "-");
        fprintf(f, "  %9ld   %-22s %-22s\n", c->pairs[i], a, b);
    }
}

/* Parses a whole number in [lo, hi] for flag name. Returns 0 or EXIT_USAGE. */
static int parse_int(const char *name, const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (end == v || *end != '\0' || errno || x < lo || x > hi) {
        fprintf(stderr, "pbde curve: --%s: '%s' is not allowed: expected a whole number >= %ld and <= %ld\n",
                name, v, lo, hi);
        return EXIT_USAGE;
    }
    *out = x;
    return 0;
}

/* What the progress callback writes to: the CSV, one row per finished
   run, and the progress line on a terminal. */
typedef struct {
    FILE *f;
    int rows;     /* runs written */
    progress_t bar; /* on a terminal */
} sink_t;

static int on_progress(void *ctx, const curve_t *c)
{
    sink_t *k = ctx;
    for (; k->rows < c->runs_done; k->rows++) {
        int i = k->rows / c->n_seeds, s = k->rows % c->n_seeds;
        fprintf(k->f, "%ld,%ld,%.9g,%.9g,%.9g,%.9g,%.9g,%.3f\n", c->pairs[i], c->params.seed + s,
                c->kl_true[i][s], c->kl_opt[i][s], c->misspec, c->loss_heldout[i][s],
                c->accuracy[i][s], c->wall_s[i][s]);
        fflush(k->f);
    }
    int total = c->n_points * c->n_seeds;
    if (c->runs_done < total) {
        int i = c->runs_done / c->n_seeds, s = c->runs_done % c->n_seeds;
        char what[96];
        snprintf(what, sizeof what, "%ld pairs, seed %ld, step %ld", c->pairs[i], c->params.seed + s,
                 c->run_step);
        double steps = c->params.steps > 0 ? (double)c->params.steps : 1.0;
        progress_show(&k->bar, c->runs_done + fmin(1.0, (double)c->run_step / steps), total, what);
    }
    return 0;
}

int cmd_curve(int argc, char **argv)
{
    cli_args_t a;
    int rc = cli_parse("curve", argc, argv, 2, FLAGS, F_COUNT, &a);
    if (rc) return rc;
    if (a.help) {
        cli_usage(stdout, "curve",
                  "Learning curves: trains for 2^from .. 2^to pairs and several seeds, and reports\n"
                  "KL(p*||pi_theta) and the estimation error KL(optimum||pi_theta) against pairs\n"
                  "(CSV rows: pairs,seed,kl_true_model,kl_optimum_model,kl_true_optimum,\n"
                  "loss_heldout,accuracy_heldout,wall_s), with a table and optionally a PNG.\n"
                  "  pbde curve --objective hinge --out hinge.csv --png hinge.png",
                  FLAGS, F_COUNT);
        return 0;
    }
    if (!a.present[F_OUT]) {
        fprintf(stderr, "pbde curve: --out is required (a .csv file, or - for standard output)\n");
        return EXIT_USAGE;
    }
    long from = 8, to = 17, seeds = 3;
    if (a.present[F_FROM] && (rc = parse_int("from", a.values[F_FROM], CURVE_MIN_LOG2, CURVE_MAX_LOG2, &from)))
        return rc;
    if (a.present[F_TO] && (rc = parse_int("to", a.values[F_TO], CURVE_MIN_LOG2, CURVE_MAX_LOG2, &to)))
        return rc;
    if (a.present[F_SEEDS] && (rc = parse_int("seeds", a.values[F_SEEDS], 1, CURVE_MAX_SEEDS, &seeds)))
        return rc;
    if (to < from) {
        fprintf(stderr, "pbde curve: --to %ld is below --from %ld: expected from <= to\n", to, from);
        return EXIT_USAGE;
    }
    const kernels_t *k = cli_kernels();
    if (!k) return EXIT_USAGE;

    static curve_t c; /* ~60 KB: keep it off the stack */
    char err[512];
    if (curve_init(&c, &a.params, (int)from, (int)to, (int)seeds, err, sizeof err) != 0) {
        fprintf(stderr, "pbde curve: %s\n", err);
        return EXIT_USAGE;
    }
    const char *out = a.values[F_OUT];
    char tmp[4096];
    FILE *f = cli_open_out(out, tmp, sizeof tmp);
    if (!f) {
        fprintf(stderr, "pbde curve: --out: cannot write '%s': %s\n", out, strerror(errno));
        return 1;
    }
    fprintf(f, "pairs,seed,kl_true_model,kl_optimum_model,kl_true_optimum,loss_heldout,accuracy_heldout,wall_s\n");
    sink_t sink = { f, 0, { 0, 0, 0, 0, "" } };
    progress_begin(&sink.bar, "pbde curve");
    rc = curve_run(&c, k, on_progress, &sink, err, sizeof err);
    progress_end(&sink.bar);
    if (rc != 0) {
        fprintf(stderr, "pbde curve: %s\n", err);
        cli_abort_out(f, tmp);
        return EXIT_USAGE;
    }
    if (cli_commit_out(f, out, tmp) != 0) {
        fprintf(stderr, "pbde curve: --out: cannot write '%s': %s\n", out, strerror(errno));
        return 1;
    }
    FILE *o = strcmp(out, "-") == 0 ? stderr : stdout;
    const params_t *p = &a.params;
    fprintf(o, "pbde curve: %s density, %s annotator, %s objective; %ld steps of %ld per run, %d seed%s\n",
            density_name(p->density), annotator_name(p->annotator), objective_name(p->objective), p->steps,
            p->batch, c.n_seeds, c.n_seeds > 1 ? "s" : "");
    if (isfinite(c.misspec))
        fprintf(o, "  optimum: %s (%.0f ms); misspecification KL(p*||optimum) = %.4f\n", c.theory,
                c.theory_ms, c.misspec);
    else
        fprintf(o, "  optimum: none (%s)\n", c.theory);
    fprintf(o, "  mean [min, max] over seeds:\n");
    print_table(o, &c);
    double slope = curve_loglog_slope(&c, 1);
    if (isfinite(slope)) fprintf(o, "  estimation KL(optimum||pi_theta) falls as pairs^%.2f (log-log slope of the means)\n", slope);
    if (c.diverged)
        fprintf(o, "  %d run%s diverged (NaN in the CSV); try a smaller --lr\n", c.diverged, c.diverged > 1 ? "s" : "");
    if (a.present[F_PNG]) {
        if (write_png(a.values[F_PNG], &c, p, err, sizeof err) != 0) {
            fprintf(stderr, "pbde curve: --png: %s\n", err);
            return 1;
        }
    }
    return c.diverged ? EXIT_DIVERGED : 0;
}
