/* pbde train: headless training, a readable summary or one JSON object,
   and the final grid as CSV. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pbde/borda.h"
#include "pbde/dataset.h"
#include "pbde/trainer.h"

enum { F_JSON, F_GRID_OUT, F_REPLAY, F_COUNT };
static const cli_flag_t FLAGS[F_COUNT] = {
    { "json", 0, "print one JSON object with the results" },
    { "grid-out", 1, "write the final grid as CSV to file V" },
    { "replay", 1, "train as the explorer's annotate mode did on the answers saved in V "
                   "(in order, answer-steps steps each)" },
};

void cli_json_num(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, "%.9g", v);
    else fputs("null", f);
}

void cli_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void cli_json_params(FILE *f, const params_t *p)
{
    size_t n;
    const param_def_t *tab = params_table(&n);
    fputc('{', f);
    for (size_t i = 0; i < n; i++) {
        char v[PARAMS_PATH_MAX + 16];
        params_format(p, &tab[i], v, sizeof v);
        fprintf(f, "%s\"%s\": ", i ? ", " : "", tab[i].name);
        if (tab[i].type == PARAM_CHOICE || tab[i].type == PARAM_STRING) cli_json_str(f, v);
        else fputs(v, f);
    }
    fputc('}', f);
}

/* The Borda count of the final model (borda.h): the rank correlation of
   its reward with the annotators' count, with each annotator's log p_k
   for a pooled annotator (tens of ms). sc->rank_corr is NaN when it
   could not be computed. */
static void borda_final(trainer_t *t, borda_score_t *sc)
{
    const world_t *w = trainer_world(t);
    memset(sc, 0, sizeof *sc);
    sc->rank_corr = (double)NAN;
    borda_world_t b;
    double *lm = malloc(w->grid.n * sizeof *lm);
    if (lm && borda_world_init(&b, w, 0) == 0) {
        trainer_model_grid(t, lm, NULL);
        if (borda_score(&b, w, lm, NULL, sc) != 0) sc->rank_corr = (double)NAN;
        borda_world_free(&b);
    }
    free(lm);
}

static void print_json(FILE *f, const params_t *p, trainer_t *t, const trainer_metrics_t *m,
                       const kernels_t *k, double wall)
{
    const world_t *w = trainer_world(t);
    long pairs_done = trainer_step_count(t) * p->batch;
    char dn[PARAMS_PATH_MAX + 16];
    params_format(p, params_find("density"), dn, sizeof dn);
    fprintf(f, "{\"density\": ");
    cli_json_str(f, dn);
    fprintf(f, ", \"annotator\": ");
    cli_json_str(f, annotator_name(p->annotator));
    fprintf(f, ", \"objective\": ");
    cli_json_str(f, objective_name(p->objective));
    /* pairs: the data set's size (a pairs file's rows); pairs_used: the
       training pairs at the end (model and active grow up to pairs) */
    fprintf(f, ", \"pairs\": %ld, \"pairs_used\": %zu, \"steps\": %ld, \"seed\": %ld", w->p.pairs,
            trainer_pairs_in_use(t), m->step, p->seed);
    fprintf(f, ", \"loss_train\": ");
    cli_json_num(f, m->loss_train);
    fprintf(f, ", \"loss_heldout\": ");
    cli_json_num(f, m->loss_heldout);
    fprintf(f, ", \"loss_bayes\": ");
    cli_json_num(f, m->loss_bayes);
    fprintf(f, ", \"accuracy_heldout\": ");
    cli_json_num(f, m->accuracy);
    fprintf(f, ", \"kl_true_model\": ");
    cli_json_num(f, m->kl_true);
    fprintf(f, ", \"tv_true_model\": ");
    cli_json_num(f, m->tv_true);
    fprintf(f, ", \"theory\": ");
    if (w->log_theory) cli_json_str(f, w->theory_name);
    else fputs("null", f);
    fprintf(f, ", \"kl_theory_model\": ");
    cli_json_num(f, w->log_theory ? m->kl_theory : (double)NAN);
    /* the error split: misspecification KL(p*||optimum), estimation KL(optimum||model) */
    fprintf(f, ", \"kl_true_optimum\": ");
    cli_json_num(f, w->kl_true_theory);
    fprintf(f, ", \"kl_optimum_model\": ");
    cli_json_num(f, w->log_theory ? m->kl_theory : (double)NAN);
    fprintf(f, ", \"optimum_ms\": %.1f", w->theory_ms);
    fprintf(f, ", \"kl_ref_model\": ");
    cli_json_num(f, m->kl_ref);
    if (objective_is_mixture(p->objective)) {
        fprintf(f, ", \"components\": [");
        for (int a = 0; a < m->K; a++) {
            fprintf(f, "%s{\"weight\": ", a ? ", " : "");
            cli_json_num(f, m->weight[m->match[a]]);
            fprintf(f, ", \"kl_to_annotator\": ");
            cli_json_num(f, m->comp_kl[a]);
            fprintf(f, "}");
        }
        fprintf(f, "]");
    }
    /* the Borda count: 1 when the reward orders the cells as BC does */
    borda_score_t bs;
    borda_final(t, &bs);
    fprintf(f, ", \"borda_rank_corr\": ");
    cli_json_num(f, bs.rank_corr);
    if (bs.n_comp > 1) {
        fprintf(f, ", \"borda_component_rank_corr\": [");
        for (int c = 0; c < bs.n_comp; c++) {
            fprintf(f, "%s", c ? ", " : "");
            cli_json_num(f, bs.comp_corr[c]);
        }
        fprintf(f, "]");
    }
    fprintf(f, ", \"kernels\": ");
    cli_json_str(f, k->name);
    fprintf(f, ", \"threads\": %ld, \"params\": ", p->threads);
    cli_json_params(f, p);
    fprintf(f, ", \"wall_s\": %.4f, \"pairs_per_s\": %.1f}\n", wall,
            wall > 0 ? (double)pairs_done / wall : 0.0);
}

static void print_summary(FILE *f, const params_t *p, const trainer_t *t,
                          const trainer_metrics_t *m, const kernels_t *k, double wall)
{
    const world_t *w = trainer_world(t);
    long pairs_done = trainer_step_count(t) * p->batch;
    char dn[PARAMS_PATH_MAX + 16];
    params_format(p, params_find("density"), dn, sizeof dn);
    fprintf(f, "pbde train: %s density, %s annotator, %s objective, %s proposal\n", dn,
            annotator_name(p->annotator), objective_name(p->objective),
            params_proposal_name(p->proposal));
    fprintf(f, "  %ld pairs%s, %ld steps of %ld, seed %ld, %s kernels, %ld thread%s\n", w->p.pairs,
            p->pairs_file[0] ? " (from the pairs file)" : "", m->step, p->batch, p->seed, k->name,
            p->threads, p->threads > 1 ? "s" : "");
    if ((size_t)w->p.pairs != trainer_pairs_in_use(t))
        fprintf(f, "  %zu training pairs in use at the end (the %s proposal grows the data as the "
                "model trains)\n", trainer_pairs_in_use(t), params_proposal_name(p->proposal));
    fprintf(f, "  loss       train %.4f   held-out %.4f   Bayes floor %.4f\n", m->loss_train,
            m->loss_heldout, m->loss_bayes);
    fprintf(f, "  accuracy   %.2f%% of held-out pairs\n", 100.0 * m->accuracy);
    fprintf(f, "  KL(p*||pi_theta)  %.4f   TV %.4f   KL(pi_ref||pi_theta) %.4f\n", m->kl_true,
            m->tv_true, m->kl_ref);
    if (w->log_theory) {
        fprintf(f, "  KL(optimum||pi_theta) %.4f   optimum: %s (%.0f ms)\n", m->kl_theory,
                w->theory_name, w->theory_ms);
        fprintf(f, "  misspecification KL(p*||optimum) %.4f   estimation KL(optimum||pi_theta) %.4f\n",
                w->kl_true_theory, m->kl_theory);
    } else {
        fprintf(f, "  theory: %s\n", w->theory_note);
    }
    if (objective_is_mixture(p->objective))
        for (int a = 0; a < m->K; a++) {
            fprintf(f, "  component %d: weight %.3f", a + 1, m->weight[m->match[a]]);
            if (isfinite(m->comp_kl[a]))
                fprintf(f, ", KL(annotator %d||component) %.4f", a + 1, m->comp_kl[a]);
            fprintf(f, "\n");
        }
    fprintf(f, "  %.2f s, %.0f pairs/s\n", wall, wall > 0 ? (double)pairs_done / wall : 0.0);
}

int cli_write_grid(const char *cmd, FILE *f, const char *path, const char *tmp, trainer_t *t)
{
    const world_t *w = trainer_world(t);
    size_t n = w->grid.n;
    double *lm = malloc(n * sizeof(double));
    if (!lm) {
        fprintf(stderr, "pbde %s: --grid-out: out of memory\n", cmd);
        cli_abort_out(f, tmp);
        return 1;
    }
    trainer_model_grid(t, lm, NULL);
    fprintf(f, "x,y,log_p_true,log_p_ref,log_p_model,log_p_theory\n");
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%.9g,%.9g,%.9g,%.9g,%.9g,", (double)w->grid.xy[2 * i], (double)w->grid.xy[2 * i + 1],
                w->log_true[i], w->log_ref[i], lm[i]);
        if (w->log_theory) fprintf(f, "%.9g", w->log_theory[i]);
        fputc('\n', f);
    }
    free(lm);
    if (cli_commit_out(f, path, tmp) != 0) {
        fprintf(stderr, "pbde %s: --grid-out: cannot write '%s': %s\n", cmd, path, strerror(errno));
        return 1;
    }
    return 0;
}

/* Set by SIGINT and SIGTERM: training stops between steps, the temporary
   output is removed and the exit status is 128 + the signal. */
static volatile sig_atomic_t g_stop;

static void on_stop(int sig)
{
    g_stop = sig;
}

/* Catches SIGINT and SIGTERM, unless they were ignored when pbde started
   (nohup, a background job of a script): those stay ignored. */
static void catch_stop(void)
{
    static const int SIGS[] = { SIGINT, SIGTERM };
    for (size_t i = 0; i < sizeof SIGS / sizeof SIGS[0]; i++) {
        struct sigaction sa, old;
        if (sigaction(SIGS[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN) continue;
        memset(&sa, 0, sizeof sa);
        sigemptyset(&sa.sa_mask);
        sa.sa_handler = on_stop;
        sigaction(SIGS[i], &sa, NULL);
    }
}

/* --replay FILE: the answers of a saved annotate session, trained in
   order as the explorer trained them. Returns 0, or EXIT_USAGE after a
   message. */
static int replay(const char *cmd, trainer_t *t, const params_t *p, const char *path)
{
    float *pts = NULL;
    uint8_t *y = NULL, *who = NULL;
    size_t n = 0;
    char err[512];
    if (dataset_read_csv(path, p->box, (size_t)params_find("pairs")->max, &pts, &y, &who, &n, err,
                         sizeof err) != 0) {
        fprintf(stderr, "pbde %s: --replay: %s\n", cmd, err);
        return EXIT_USAGE;
    }
    int rc = trainer_replay_answers(t, pts, y, n, p->answer_steps);
    free(pts);
    free(y);
    free(who);
    if (rc == -1) {
        fprintf(stderr, "pbde %s: --replay: out of memory for %zu answers\n", cmd, n);
        return EXIT_USAGE;
    }
    return 0;
}

int cli_train_run(const char *cmd, const params_t *p, const kernels_t *k, const char *replay_path,
                  trainer_t **out, double *wall_s)
{
    char err[512];
    *out = NULL;
    trainer_t *t = trainer_create(p, k, err, sizeof err);
    if (!t) {
        fprintf(stderr, "pbde %s: %s\n", cmd, err);
        return EXIT_USAGE;
    }
    catch_stop();
    int progress = isatty(2);
    double t0 = pbde_now(), last_print = 0;
    if (replay_path) {
        int rc = replay(cmd, t, p, replay_path);
        if (rc != 0) {
            trainer_destroy(t);
            return rc;
        }
    }
    while (!replay_path && trainer_get_state(t) == TRAINER_TRAINING && !g_stop) {
        if (trainer_step(t, 25) != 0) break;
        double now = pbde_now() - t0;
        if (progress && now - last_print > 0.2) {
            last_print = now;
            fprintf(stderr, "\rstep %ld/%ld  loss %.4f  %.1f s ", trainer_step_count(t), p->steps,
                    trainer_last_loss(t), now);
        }
    }
    *wall_s = pbde_now() - t0;
    if (progress) fprintf(stderr, "\r%60s\r", "");
    if (g_stop) {
        fprintf(stderr, "pbde %s: interrupted at step %ld; nothing written\n", cmd,
                trainer_step_count(t));
        trainer_destroy(t);
        return 128 + (int)g_stop;
    }
    if (trainer_get_state(t) == TRAINER_DIVERGED) {
        fprintf(stderr,
                "pbde %s: training diverged at step %ld (NaN/Inf or runaway outputs); "
                "try a smaller --lr (now %g)\n",
                cmd, trainer_diverged_at(t), p->lr);
        trainer_destroy(t);
        return EXIT_DIVERGED;
    }
    *out = t;
    return 0;
}

int cmd_train(int argc, char **argv)
{
    cli_args_t a;
    int rc = cli_parse("train", argc, argv, 2, FLAGS, F_COUNT, &a);
    if (rc) return rc;
    if (a.help) {
        cli_usage(stdout, "train",
                  "Trains the model headless and reports the metrics.\n"
                  "Data: --proposal reference|uniform|model|active|local says how pairs are asked\n"
                  "(model and active grow the data as the model trains: --pairs-start, --pairs-add,\n"
                  "--pairs-every; local: --local-radius; active: --active-candidates);\n"
                  "--pairs-file F trains on the pairs of a CSV in pbde sample's format instead;\n"
                  "--density image:FILE (.pgm or .png) makes a greyscale picture the density p*.\n"
                  "--replay F rebuilds the explorer's model from the answers it saved (W or\n"
                  ":save-pairs), given the explorer's settings: the same metrics it showed.",
                  FLAGS, F_COUNT);
        return 0;
    }
    const kernels_t *k = cli_kernels();
    if (!k) return EXIT_USAGE;
    const params_t *p = &a.params;
    const char *grid_path = a.present[F_GRID_OUT] ? a.values[F_GRID_OUT] : NULL;
    char grid_tmp[4096];
    FILE *grid_f = NULL;
    if (grid_path && !(grid_f = cli_open_out(grid_path, grid_tmp, sizeof grid_tmp))) {
        fprintf(stderr, "pbde train: --grid-out: cannot write '%s': %s\n", grid_path, strerror(errno));
        return 1;
    }
    double wall;
    trainer_t *t;
    if ((rc = cli_train_run("train", p, k, a.present[F_REPLAY] ? a.values[F_REPLAY] : NULL, &t,
                            &wall)) != 0) {
        cli_abort_out(grid_f, grid_tmp);
        return rc;
    }
    trainer_metrics_t m;
    trainer_metrics(t, &m, 1);
    if (a.present[F_JSON]) print_json(stdout, p, t, &m, k, wall);
    else print_summary(stdout, p, t, &m, k, wall);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "pbde train: cannot write the results to standard output: %s\n",
                strerror(errno));
        cli_abort_out(grid_f, grid_tmp);
        trainer_destroy(t);
        return 1;
    }
    rc = grid_f ? cli_write_grid("train", grid_f, grid_path, grid_tmp, t) : 0;
    trainer_destroy(t);
    return rc;
}
