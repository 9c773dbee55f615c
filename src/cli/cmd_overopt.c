/* pbde overopt: reward over-optimisation. Trains the model as pbde train
   does, then optimises pi_ref against its implicit reward, exactly on the
   grid, with KL-regularised RL or best-of-n, and reports for each policy
   its KL from pi_ref, the proxy and gold reward gains and the gold win
   rate, the KL at which gold peaks, and Gao et al.'s fitted forms. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef PBDE_HAVE_EXPORT
#include "pbde/export.h"
#endif
#include "pbde/common.h"
#include "cli.h"
#include "plot.h"
#include "pbde/overopt.h"
#include "pbde/trainer.h"

enum { F_JSON, F_GRID_OUT, F_OUT, F_METHOD, F_POINTS, F_KL_MAX, F_COUNT };
static const cli_flag_t FLAGS[F_COUNT] = {
    { "json", 0, "print one JSON object with the results" },
    { "grid-out", 1, "write the final grid as CSV to file V (pbde train's format)" },
    { "out", 1, "write the curves to V: a .csv table or a .png plot" },
    { "method", 1, "the optimiser: rl (KL-regularised RL, the default) or bon (best-of-n)" },
    { "points", 1, "policies in the sweep, pi_ref first (2 to 256; default 41)" },
    { "kl-max", 1, "KL(pi||pi_ref) of the last policy, in nats (default 8)" },
};

static const char SUMMARY[] =
    "Reward over-optimisation (Gao, Schulman, Hilton 2022), exact on the grid. Trains\n"
    "the model as pbde train does; its implicit reward r^ (pbde list objectives) is the\n"
    "proxy. The optimiser pushes pi_ref towards high r^: --method rl takes\n"
    "pi_kappa ∝ pi_ref exp(r^/kappa) over kappa, --method bon the best of n draws from\n"
    "pi_ref over n. For each policy, spaced evenly in d = sqrt(KL(pi||pi_ref)) up to\n"
    "--kl-max: the proxy gain E_pi[r^] - E_ref[r^], the gold gain under the\n"
    "annotator's own utility r*, and the gold win rate against pi_ref. Then the KL\n"
    "at which gold peaks, and least-squares fits of gold = d (alpha - beta d) (bon)\n"
    "and gold = d (alpha - beta log d) (rl).\n"
    "  pbde overopt --scenario overopt-few-pairs --json\n"
    "  pbde overopt --scenario overopt-few-pairs --out assets/overopt-few-pairs.png";

/* ---------------------------------------------------------------------- */
/* Output                                                                  */

static void json_array(FILE *f, const char *key, const double *v, int n)
{
    fprintf(f, ", \"%s\": [", key);
    for (int i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        cli_json_num(f, v[i]);
    }
    fputc(']', f);
}

static void json_fit(FILE *f, const overopt_fit_t *fit)
{
    fprintf(f, "{\"alpha\": ");
    cli_json_num(f, fit->alpha);
    fprintf(f, ", \"beta\": ");
    cli_json_num(f, fit->beta);
    fprintf(f, ", \"rmse\": ");
    cli_json_num(f, fit->rmse);
    fputc('}', f);
}

/* The form Gao et al. fit for each method. */
static int own_form(int method)
{
    return method == OVEROPT_BON ? OVEROPT_FORM_BON : OVEROPT_FORM_RL;
}

typedef struct {
    const params_t *p;
    const trainer_metrics_t *m;
    const overopt_curve_t *c;
    double wall_s, gold_ms, sweep_ms;
} report_t;

static void print_json(FILE *f, const report_t *r)
{
    const params_t *p = r->p;
    const overopt_curve_t *c = r->c;
    char dn[PARAMS_PATH_MAX + 16];
    params_format(p, params_find("density"), dn, sizeof dn);
    fprintf(f, "{\"method\": ");
    cli_json_str(f, overopt_method_name(c->method));
    fprintf(f, ", \"density\": ");
    cli_json_str(f, dn);
    fprintf(f, ", \"annotator\": ");
    cli_json_str(f, annotator_name(p->annotator));
    fprintf(f, ", \"objective\": ");
    cli_json_str(f, objective_name(p->objective));
    fprintf(f, ", \"pairs\": %ld, \"steps\": %ld, \"seed\": %ld", p->pairs, r->m->step, p->seed);
    fprintf(f, ", \"proxy_reward\": ");
    cli_json_str(f, objective_reward(p->objective));
    fprintf(f, ", \"gold_reward\": ");
    cli_json_str(f, overopt_gold_describe(p->annotator));
    fprintf(f, ", \"kl_true_model\": ");
    cli_json_num(f, r->m->kl_true);
    fprintf(f, ", \"kl_ref_model\": ");
    cli_json_num(f, r->m->kl_ref);
    fprintf(f, ", \"n_points\": %d, \"param_name\": \"%s\"", c->n_points,
            c->method == OVEROPT_RL ? "kappa" : "n");
    json_array(f, "param", c->param, c->n_points);
    json_array(f, "kl", c->kl, c->n_points);
    json_array(f, "d", c->d, c->n_points);
    json_array(f, "proxy", c->proxy, c->n_points);
    json_array(f, "gold", c->gold, c->n_points);
    json_array(f, "winrate", c->winrate, c->n_points);
    int k = c->peak, last = c->n_points - 1;
    fprintf(f, ", \"gold_peak_index\": %d, \"kl_at_gold_peak\": ", k);
    cli_json_num(f, c->kl[k]);
    fprintf(f, ", \"gold_peak\": ");
    cli_json_num(f, c->gold[k]);
    fprintf(f, ", \"winrate_at_gold_peak\": ");
    cli_json_num(f, c->winrate[k]);
    fprintf(f, ", \"gold_final\": ");
    cli_json_num(f, c->gold[last]);
    fprintf(f, ", \"proxy_final\": ");
    cli_json_num(f, c->proxy[last]);
    fprintf(f, ", \"kl_reachable\": ");
    cli_json_num(f, c->kl_reachable);
    const overopt_fit_t *own = &c->fit[own_form(c->method)];
    fprintf(f, ", \"fit_form\": \"%s\", \"fit_alpha\": ",
            c->method == OVEROPT_BON ? "d (alpha - beta d)" : "d (alpha - beta log d)");
    cli_json_num(f, own->alpha);
    fprintf(f, ", \"fit_beta\": ");
    cli_json_num(f, own->beta);
    fprintf(f, ", \"fit\": {\"bon\": ");
    json_fit(f, &c->fit[OVEROPT_FORM_BON]);
    fprintf(f, ", \"rl\": ");
    json_fit(f, &c->fit[OVEROPT_FORM_RL]);
    fprintf(f, "}, \"gold_table_ms\": %.1f, \"sweep_ms\": %.2f, \"wall_s\": %.4f, \"params\": ",
            r->gold_ms, r->sweep_ms, r->wall_s);
    cli_json_params(f, p);
    fprintf(f, "}\n");
}

static void print_summary(FILE *f, const report_t *r)
{
    const params_t *p = r->p;
    const overopt_curve_t *c = r->c;
    char dn[PARAMS_PATH_MAX + 16];
    params_format(p, params_find("density"), dn, sizeof dn);
    fprintf(f, "pbde overopt: %s density, %s annotator, %s objective, %ld pairs, %ld steps\n", dn,
            annotator_name(p->annotator), objective_name(p->objective), p->pairs, r->m->step);
    fprintf(f, "  proxy r^ = %s; gold r* = %s; KL(p*||pi_theta) %.4f\n",
            objective_reward(p->objective), overopt_gold_describe(p->annotator),
            r->m->kl_true);
    fprintf(f, "  %s: %s\n", overopt_method_name(c->method),
            c->method == OVEROPT_RL ? "pi ∝ pi_ref exp(r^/kappa)" : "best of n draws from pi_ref");
    fprintf(f, "  %10s %9s %7s %10s %10s %8s\n", c->method == OVEROPT_RL ? "kappa" : "n", "KL",
            "d", "proxy", "gold", "win");
    for (int i = 0; i < c->n_points; i++)
        fprintf(f, "  %10.4g %9.4f %7.4f %10.4f %10.4f %8.4f%s\n", c->param[i], c->kl[i], c->d[i],
                c->proxy[i], c->gold[i], c->winrate[i], i == c->peak ? "  <- gold peak" : "");
    int k = c->peak, last = c->n_points - 1;
    fprintf(f, "  gold peaks at KL %.4f (gold %+.4f, win rate %.4f); at KL %.4f gold %+.4f, proxy %+.4f\n",
            c->kl[k], c->gold[k], c->winrate[k], c->kl[last], c->gold[last], c->proxy[last]);
    fprintf(f, "  fits (least squares): gold = d (alpha - beta d): alpha %.4f beta %.4f (rmse %.4f)\n",
            c->fit[OVEROPT_FORM_BON].alpha, c->fit[OVEROPT_FORM_BON].beta, c->fit[OVEROPT_FORM_BON].rmse);
    fprintf(f, "                        gold = d (alpha - beta log d): alpha %.4f beta %.4f (rmse %.4f)\n",
            c->fit[OVEROPT_FORM_RL].alpha, c->fit[OVEROPT_FORM_RL].beta, c->fit[OVEROPT_FORM_RL].rmse);
    fprintf(f, "  training %.2f s; gold table %.0f ms; sweep %.1f ms\n", r->wall_s, r->gold_ms,
            r->sweep_ms);
}

static void write_csv(FILE *f, const overopt_curve_t *c)
{
    fprintf(f, "method,param,kl,d,proxy,gold,winrate\n");
    for (int i = 0; i < c->n_points; i++)
        fprintf(f, "%s,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n", overopt_method_name(c->method), c->param[i],
                c->kl[i], c->d[i], c->proxy[i], c->gold[i], c->winrate[i]);
}

#ifdef PBDE_HAVE_EXPORT
/* ---------------------------------------------------------------------- */
/* The PNG: proxy and gold against d above, the win rate below             */

/* A tick step of about range / 5: 1, 2 or 5 times a power of ten. */
static double tick_step(double range)
{
    double raw = range / 5, e = pow(10, floor(log10(raw))), m = raw / e;
    return e * (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10);
}

static void axes(plot_t *p, const char *ylabel, int xlabels)
{
    static const unsigned char INK[3] = { 40, 40, 40 }, GRID[3] = { 225, 225, 225 },
                               MUTED[3] = { 120, 120, 120 };
    char buf[64];
    double sy = tick_step(p->vy1 - p->vy0), sx = tick_step(p->vx1 - p->vx0);
    for (double v = ceil(p->vy0 / sy) * sy; v <= p->vy1 + 1e-9 * sy; v += sy) {
        double y = plot_y(p, v);
        plot_line(p, p->x0, y, p->x1, y, GRID, 1, 0);
        snprintf(buf, sizeof buf, "%g", fabs(v) < 1e-9 * sy ? 0.0 : v);
        plot_text(p, p->x0 - 8, (int)y - 9, buf, 15, INK, 1);
    }
    for (double v = 0; v <= p->vx1 + 1e-9 * sx; v += sx) {
        double x = plot_x(p, v);
        plot_line(p, x, p->y0, x, p->y1, GRID, 1, 0);
        if (!xlabels) continue;
        snprintf(buf, sizeof buf, "%g", v);
        plot_text(p, (int)x, p->y1 + 6, buf, 14, INK, 2);
        snprintf(buf, sizeof buf, "KL %.3g", v * v);
        plot_text(p, (int)x, p->y1 + 24, buf, 12, MUTED, 2);
    }
    plot_line(p, p->x0, p->y0, p->x0, p->y1, INK, 1, 0);
    plot_line(p, p->x0, p->y1, p->x1, p->y1, INK, 1, 0);
    plot_text(p, p->x0 + 6, p->y0 + 4, ylabel, 15, INK, 0);
}

static void curve_line(plot_t *p, const double *x, const double *y, int n, const unsigned char *rgb)
{
    for (int i = 0; i < n; i++) {
        double px = plot_x(p, x[i]), py = plot_y(p, y[i]);
        plot_dot(p, px, py, 3, rgb);
        if (i) plot_line(p, plot_x(p, x[i - 1]), plot_y(p, y[i - 1]), px, py, rgb, 2, 0);
    }
}

static int write_png(const char *path, const overopt_curve_t *c, const params_t *prm, char *err,
                     size_t errlen)
{
    static const unsigned char INK[3] = { 40, 40, 40 }, PROXY[3] = { 31, 119, 180 },
                               GOLD[3] = { 214, 120, 0 }, FIT[3] = { 150, 60, 0 },
                               PEAK[3] = { 120, 120, 120 }, WIN[3] = { 44, 160, 44 };
    plot_t p;
    memset(&p, 0, sizeof p);
    p.img.w = 960;
    p.img.h = 760;
    size_t bytes = (size_t)p.img.w * (size_t)p.img.h * 3;
    p.img.px = malloc(bytes);
    if (!p.img.px) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memset(p.img.px, 255, bytes);
    char ferr[256];
    export_font_t *ef = font_open(NULL, ferr, sizeof ferr); /* no font: a plot without text */
    raster_font_t font;
    if (ef) {
        font = font_raster(ef);
        p.font = &font;
    }
    int n = c->n_points, k = c->peak;
    double dmax = c->d[n - 1] > 0 ? c->d[n - 1] : 1;
    const overopt_fit_t *fit = &c->fit[own_form(c->method)];
    /* top panel: proxy and gold (and the fit) against d */
    double lo = 0, hi = 0;
    for (int i = 0; i < n; i++) {
        lo = fmin(lo, fmin(c->proxy[i], c->gold[i]));
        hi = fmax(hi, fmax(c->proxy[i], c->gold[i]));
    }
    if (!(hi > lo)) hi = lo + 1;
    double pad = 0.06 * (hi - lo);
    p.x0 = 100;
    p.x1 = p.img.w - 40;
    p.y0 = 80;
    p.y1 = 470;
    p.vx0 = 0;
    p.vx1 = dmax * 1.02;
    p.vy0 = lo - pad;
    p.vy1 = hi + pad;
    axes(&p, "reward gain over pi_ref (nats)", 0);
    double xk = plot_x(&p, c->d[k]);
    plot_line(&p, xk, p.y0, xk, p.y1, PEAK, 1, 1);
    if (isfinite(fit->alpha)) {
        double px = 0, py = 0;
        for (int s = 0; s <= 200; s++) {
            double d = dmax * s / 200.0;
            double h = c->method == OVEROPT_BON ? d : (d > 0 ? log(d) : 0);
            double x = plot_x(&p, d), y = plot_y(&p, fmax(p.vy0, fmin(p.vy1, d * (fit->alpha - fit->beta * h))));
            if (s && s % 4 < 2) plot_line(&p, px, py, x, y, FIT, 2, 0); /* dashed */
            px = x;
            py = y;
        }
    }
    curve_line(&p, c->d, c->proxy, n, PROXY);
    curve_line(&p, c->d, c->gold, n, GOLD);
    char buf[512];
    snprintf(buf, sizeof buf, "gold peak: KL %.3g%s", c->kl[k], k == n - 1 ? " (the last policy)" : "");
    if (xk > 0.5 * (p.x0 + p.x1)) plot_text(&p, (int)xk - 6, p.y1 - 24, buf, 15, PEAK, 1);
    else plot_text(&p, (int)xk + 6, p.y1 - 24, buf, 15, PEAK, 0);

    /* bottom panel: the gold win rate */
    plot_t q = p;
    q.y0 = 520;
    q.y1 = p.img.h - 70;
    double wlo = 0.5, whi = 0.5;
    for (int i = 0; i < n; i++) {
        wlo = fmin(wlo, c->winrate[i]);
        whi = fmax(whi, c->winrate[i]);
    }
    if (!(whi > wlo)) whi = wlo + 0.1;
    q.vy0 = wlo - 0.06 * (whi - wlo);
    q.vy1 = whi + 0.06 * (whi - wlo);
    axes(&q, "gold win rate against pi_ref", 1);
    xk = plot_x(&q, c->d[k]);
    plot_line(&q, xk, q.y0, xk, q.y1, PEAK, 1, 1);
    curve_line(&q, c->d, c->winrate, n, WIN);
    plot_text(&q, (q.x0 + q.x1) / 2, p.img.h - 26, "d = sqrt(KL(pi || pi_ref))", 16, INK, 2);

    char dn[PARAMS_PATH_MAX + 16];
    params_format(prm, params_find("density"), dn, sizeof dn);
    snprintf(buf, sizeof buf, "%s on the learned reward: %s, %s annotator, %s objective, %ld pairs",
             c->method == OVEROPT_RL ? "RL" : "best-of-n", dn, annotator_name(prm->annotator),
             objective_name(prm->objective), prm->pairs);
    plot_text(&p, p.x0, 14, buf, 19, INK, 0);
    plot_text(&p, p.x0 + 10, 48, "proxy E[r^] gain", 16, PROXY, 0);
    plot_text(&p, p.x0 + 190, 48, "gold E[r*] gain", 16, GOLD, 0);
    snprintf(buf, sizeof buf, "- - fit %s: alpha %.3g, beta %.3g",
             c->method == OVEROPT_BON ? "d (alpha - beta d)" : "d (alpha - beta log d)", fit->alpha, fit->beta);
    plot_text(&p, p.x0 + 360, 48, buf, 16, FIT, 0);
    int rc = png_write(path, &p.img, err, errlen);
    font_close(ef);
    free(p.img.px);
    return rc;
}
#else
/* A build without SDL2 has no fonts to draw with. */
static int write_png(const char *path, const overopt_curve_t *c, const params_t *prm, char *err,
                     size_t errlen)
{
    (void)path;
    (void)c;
    (void)prm;
    snprintf(err, errlen, "this pbde was built without SDL2 (pkg-config found no %s): "
                          "no .png; a .csv works", cli_missing_packages());
    return -1;
}
#endif

/* ---------------------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Parses the sweep flags into *s. Returns 0 or EXIT_USAGE after a message. */
static int parse_sweep(const cli_args_t *a, overopt_sweep_t *s)
{
    overopt_sweep_defaults(s);
    if (a->present[F_METHOD]) {
        s->method = overopt_method_find(a->values[F_METHOD]);
        if (s->method < 0) {
            fprintf(stderr, "pbde overopt: --method: '%s' is not allowed: expected rl or bon\n",
                    a->values[F_METHOD]);
            return EXIT_USAGE;
        }
    }
    if (a->present[F_POINTS]) {
        const char *v = a->values[F_POINTS];
        char *end;
        errno = 0;
        long x = strtol(v, &end, 10);
        if (end == v || *end || errno || x < 2 || x > OVEROPT_MAX_POINTS) {
            fprintf(stderr, "pbde overopt: --points: '%s' is not allowed: expected a whole number "
                    ">= 2 and <= %d\n", v, OVEROPT_MAX_POINTS);
            return EXIT_USAGE;
        }
        s->points = (int)x;
    }
    if (a->present[F_KL_MAX]) {
        const char *v = a->values[F_KL_MAX];
        char *end;
        errno = 0;
        double x = strtod(v, &end);
        if (end == v || *end || errno || !(x > 0) || x > 1000) {
            fprintf(stderr, "pbde overopt: --kl-max: '%s' is not allowed: expected a number > 0 "
                    "and <= 1000\n", v);
            return EXIT_USAGE;
        }
        s->kl_max = x;
    }
    return 0;
}

/* The sweep of the trained model. Returns 0, or 1 after a message. */
static int sweep_model(trainer_t *t, const overopt_sweep_t *s, overopt_curve_t *c, double *gold_ms,
                       double *sweep_ms)
{
    const world_t *w = trainer_world(t);
    size_t n = w->grid.n;
    double *lm = malloc(n * sizeof *lm), *rhat = malloc(n * sizeof *rhat);
    overopt_t *o = overopt_create(n);
    overopt_gold_t g;
    int rc = 1;
    double t0 = pbde_now();
    if (!lm || !rhat || !o || overopt_gold_init_world(&g, w) != 0) {
        fprintf(stderr, "pbde overopt: out of memory (grid %d)\n", w->grid.G);
        goto done;
    }
    double t1 = pbde_now();
    trainer_model_grid(t, lm, NULL);
    overopt_proxy_reward(&w->obj, lm, w->log_ref, n, rhat);
    rc = overopt_sweep(o, &g, rhat, s, c) == 0 ? 0 : 1;
    *gold_ms = 1e3 * (t1 - t0);
    *sweep_ms = 1e3 * (pbde_now() - t1);
    overopt_gold_free(&g);
    if (rc) fprintf(stderr, "pbde overopt: the sweep failed\n");
done:
    free(lm);
    free(rhat);
    overopt_destroy(o);
    return rc;
}

int cmd_overopt(int argc, char **argv)
{
    cli_args_t a;
    int rc = cli_parse("overopt", argc, argv, 2, FLAGS, F_COUNT, &a);
    if (rc) return rc;
    if (a.help) {
        cli_usage(stdout, "overopt", SUMMARY, FLAGS, F_COUNT);
        return 0;
    }
    overopt_sweep_t sw;
    if ((rc = parse_sweep(&a, &sw)) != 0) return rc;
    const char *out = a.present[F_OUT] ? a.values[F_OUT] : NULL;
    int png = out && ends_with(out, ".png");
    if (out && !png && !ends_with(out, ".csv") && strcmp(out, "-") != 0) {
        fprintf(stderr, "pbde overopt: --out: '%s' is not allowed: expected a .csv or .png file "
                "(or - for CSV on standard output)\n", out);
        return EXIT_USAGE;
    }
    const kernels_t *k = cli_kernels();
    if (!k) return EXIT_USAGE;
    const params_t *p = &a.params;
    /* files that cannot be written fail before the training */
    const char *grid_path = a.present[F_GRID_OUT] ? a.values[F_GRID_OUT] : NULL;
    char grid_tmp[4096], csv_tmp[4096];
    FILE *grid_f = NULL, *csv_f = NULL;
    if (grid_path && !(grid_f = cli_open_out(grid_path, grid_tmp, sizeof grid_tmp))) {
        fprintf(stderr, "pbde overopt: --grid-out: cannot write '%s': %s\n", grid_path, strerror(errno));
        return 1;
    }
    if (out && !png && !(csv_f = cli_open_out(out, csv_tmp, sizeof csv_tmp))) {
        fprintf(stderr, "pbde overopt: --out: cannot write '%s': %s\n", out, strerror(errno));
        cli_abort_out(grid_f, grid_tmp);
        return 1;
    }
    trainer_t *t;
    report_t r = { p, NULL, NULL, 0, 0, 0 };
    if ((rc = cli_train_run("overopt", p, k, NULL, &t, &r.wall_s)) != 0) goto abort;
    static overopt_curve_t c; /* ~14 KB: off the stack */
    trainer_metrics_t m;
    trainer_metrics(t, &m, 0);
    if (sweep_model(t, &sw, &c, &r.gold_ms, &r.sweep_ms) != 0) {
        rc = 1;
        trainer_destroy(t);
        goto abort;
    }
    r.m = &m;
    r.c = &c;
    if (a.present[F_JSON]) print_json(stdout, &r);
    else print_summary(strcmp(out ? out : "", "-") == 0 ? stderr : stdout, &r);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "pbde overopt: cannot write the results to standard output: %s\n",
                strerror(errno));
        rc = 1;
        trainer_destroy(t);
        goto abort;
    }
    if (csv_f) {
        write_csv(csv_f, &c);
        if (cli_commit_out(csv_f, out, csv_tmp) != 0) {
            fprintf(stderr, "pbde overopt: --out: cannot write '%s': %s\n", out, strerror(errno));
            csv_f = NULL;
            rc = 1;
            trainer_destroy(t);
            goto abort;
        }
        csv_f = NULL;
    }
    if (png) {
        char err[512];
        if (write_png(out, &c, p, err, sizeof err) != 0) {
            fprintf(stderr, "pbde overopt: --out: %s\n", err);
            rc = 1;
            trainer_destroy(t);
            goto abort;
        }
    }
    rc = grid_f ? cli_write_grid("overopt", grid_f, grid_path, grid_tmp, t) : 0;
    trainer_destroy(t);
    return rc;
abort:
    cli_abort_out(grid_f, grid_tmp);
    cli_abort_out(csv_f, csv_tmp);
    return rc;
}
