/* Learning curves (src/core/curve.c): the plan and its checks, runs that
   equal a plain trainer run of the same parameters bit for bit (however
   the curve groups its steps), the optimum's misspecification carried
   along, a stop asked by the progress callback, the summaries, which
   parameter changes make a curve stale, the background job giving the
   same numbers as the calling thread, and the estimation error falling
   with the number of pairs on a well-specified world. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "pbde/curve.h"
#include "pbde/trainer.h"

/* A small world: coarse grid, small network, few steps. */
static params_t small_params(void)
{
    params_t p;
    params_defaults(&p);
    p.grid = 24;
    p.steps = 40;
    p.width = 12;
    p.depth = 2;
    p.batch = 128;
    return p;
}

static curve_t *plan(const params_t *p, int from, int to, int seeds)
{
    curve_t *c = malloc(sizeof *c);
    char err[256];
    assert_non_null(c);
    if (curve_init(c, p, from, to, seeds, err, sizeof err) != 0) fail_msg("curve_init: %s", err);
    return c;
}

/* ---------------------------------------------------------------- plan */

static void test_init_checks(void **state)
{
    (void)state;
    params_t p = small_params();
    curve_t *c = malloc(sizeof *c);
    char err[256];
    assert_int_equal(curve_init(c, &p, 3, 8, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "2^3"));
    assert_int_equal(curve_init(c, &p, 8, 23, 1, err, sizeof err), -1);
    assert_int_equal(curve_init(c, &p, 9, 8, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "from <= to"));
    assert_int_equal(curve_init(c, &p, 8, 9, 0, err, sizeof err), -1);
    assert_int_equal(curve_init(c, &p, 8, 9, CURVE_MAX_SEEDS + 1, err, sizeof err), -1);
    params_t bad = p;
    bad.density = 999; /* params_check refuses it */
    assert_int_equal(curve_init(c, &bad, 8, 9, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "density"));

    assert_int_equal(curve_init(c, &p, 5, 9, 3, err, sizeof err), 0);
    assert_int_equal(c->n_points, 5);
    assert_int_equal(c->n_seeds, 3);
    for (int i = 0; i < 5; i++) assert_int_equal(c->pairs[i], 1L << (5 + i));
    assert_int_equal(c->runs_done, 0);
    assert_true(isnan(c->kl_true[0][0]) && isnan(c->kl_opt[4][2]) && isnan(c->misspec));
    free(c);
}

/* ---------------------------------------------------------------- runs */

/* Each run equals a trainer built and trained alone with the run's pairs
   and seed: curve_run steps in chunks, which the trainer's contract says
   changes nothing. */
static void test_runs_equal_plain_training(void **state)
{
    (void)state;
    const kernels_t *k = kernels_select(NULL);
    params_t p = small_params();
    p.annotator = ANNOTATOR_THURSTONE; /* no closed form: the numerical optimum */
    curve_t *c = plan(&p, 6, 8, 2);
    char err[256];
    assert_int_equal(curve_run(c, k, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(c->runs_done, 6);
    assert_int_equal(c->diverged, 0);
    assert_true(c->have_optimum);
    assert_string_equal(c->theory, "numerical optimum");
    for (int i = 0; i < 3; i++)
        for (int s = 0; s < 2; s++) {
            params_t q = p;
            q.pairs = c->pairs[i];
            q.seed = p.seed + s;
            trainer_t *t = trainer_create(&q, k, err, sizeof err);
            assert_non_null(t);
            assert_int_equal(trainer_step(t, q.steps), 0);
            trainer_metrics_t m;
            trainer_metrics(t, &m, 0);
            assert_true(m.kl_true == c->kl_true[i][s]);
            assert_true(m.kl_theory == c->kl_opt[i][s]);
            assert_true(m.loss_heldout == c->loss_heldout[i][s]);
            assert_true(m.accuracy == c->accuracy[i][s]);
            assert_true(trainer_world(t)->kl_true_theory == c->misspec);
            assert_true(c->wall_s[i][s] >= 0);
            trainer_destroy(t);
        }
    free(c);
}

/* Without an optimum the estimation column stays NaN and the reason is
   kept. */
static void test_no_optimum(void **state)
{
    (void)state;
    params_t p = small_params();
    p.objective = OBJECTIVE_ROBUST; /* on clean labels: no optimum */
    p.steps = 5;
    curve_t *c = plan(&p, 6, 7, 1);
    char err[256];
    assert_int_equal(curve_run(c, kernels_select(NULL), NULL, NULL, err, sizeof err), 0);
    assert_false(c->have_optimum);
    assert_true(isnan(c->misspec));
    assert_true(c->theory[0] != '\0');
    for (int i = 0; i < 2; i++) {
        assert_true(isfinite(c->kl_true[i][0]));
        assert_true(isnan(c->kl_opt[i][0]));
    }
    free(c);
}

typedef struct {
    int calls, stop_after_runs;
    long last_step;
} watch_t;

static int stop_early(void *ctx, const curve_t *c)
{
    watch_t *w = ctx;
    w->calls++;
    w->last_step = c->run_step;
    return c->runs_done >= w->stop_after_runs;
}

static void test_progress_stops(void **state)
{
    (void)state;
    params_t p = small_params();
    curve_t *c = plan(&p, 6, 9, 1);
    watch_t w = { 0, 2, 0 };
    char err[256];
    assert_int_equal(curve_run(c, kernels_select(NULL), stop_early, &w, err, sizeof err), 1);
    assert_int_equal(c->runs_done, 2);
    assert_true(isfinite(c->kl_true[1][0]));
    assert_true(isnan(c->kl_true[2][0]));
    /* per run: one call once built, one per 25-step chunk (40 steps: 2),
       one when it ends */
    assert_int_equal(w.calls, 2 * 4);
    free(c);
}

/* ---------------------------------------------------------------- summaries */

static void test_stats_and_slope(void **state)
{
    (void)state;
    double v[4] = { 1.0, (double)NAN, 3.0, 2.0 }, mean, lo, hi;
    curve_stats(v, 4, &mean, &lo, &hi);
    assert_true(fabs(mean - 2.0) < 1e-15 && lo == 1.0 && hi == 3.0);
    double none[2] = { (double)NAN, HUGE_VAL };
    curve_stats(none, 2, &mean, &lo, &hi);
    assert_true(isnan(mean));

    params_t p = small_params();
    curve_t *c = plan(&p, 8, 14, 2);
    /* estimation 3 / pairs (slope -1), KL(p*||model) 0.5 * pairs^-0.5 */
    for (int i = 0; i < c->n_points; i++)
        for (int s = 0; s < 2; s++) {
            c->kl_opt[i][s] = 3.0 / (double)c->pairs[i] * (s ? 1.1 : 1 / 1.1);
            c->kl_true[i][s] = 0.5 / sqrt((double)c->pairs[i]);
        }
    /* the seed means are 3/pairs times the same constant: slope exactly -1 */
    assert_true(fabs(curve_loglog_slope(c, 1) + 1.0) < 1e-12);
    assert_true(fabs(curve_loglog_slope(c, 0) + 0.5) < 1e-12);
    for (int i = 1; i < c->n_points; i++) c->kl_opt[i][0] = c->kl_opt[i][1] = (double)NAN;
    assert_true(isnan(curve_loglog_slope(c, 1))); /* one point left */
    free(c);
}

static void test_same_setup(void **state)
{
    (void)state;
    params_t a = small_params(), b = a;
    b.pairs = 99;
    b.seed = 7;
    b.steps = 12;
    b.colormap = 2;
    b.speed = 5;
    b.overlay = 1;
    assert_true(curve_same_setup(&a, &b));
    b.beta = a.beta * 2;
    assert_false(curve_same_setup(&a, &b));
    b = a;
    b.annotator = ANNOTATOR_THURSTONE;
    assert_false(curve_same_setup(&a, &b));
    b = a;
    b.lr = a.lr / 2;
    assert_false(curve_same_setup(&a, &b));
}

/* What the panel draws from: the log range, the counts, the status line. */
static void test_panel_helpers(void **state)
{
    (void)state;
    params_t p = small_params();
    curve_t *c = plan(&p, 8, 14, 1);
    double lo, hi;
    assert_int_equal(curve_log_range(c, &lo, &hi), 0); /* nothing yet */
    c->kl_true[0][0] = 12.0;   /* log10 1.08 */
    c->kl_opt[0][0] = 0.0042;  /* log10 -2.38 */
    c->kl_opt[1][0] = -1.0;    /* not positive: left out */
    c->misspec = 1e-9;         /* below 1e-5: the range stops there */
    assert_int_equal(curve_log_range(c, &lo, &hi), 1);
    assert_true(lo == -5.0 && hi == 2.0);

    char buf[200];
    curve_count_label(256, buf, sizeof buf);
    assert_string_equal(buf, "256");
    curve_count_label(16384, buf, sizeof buf);
    assert_string_equal(buf, "16k");
    curve_count_label(1L << 21, buf, sizeof buf);
    assert_string_equal(buf, "2M");
    curve_count_label(1500, buf, sizeof buf);
    assert_string_equal(buf, "1500");

    curve_view_t v = { c, 1, 0, 1, 4096, NULL };
    c->runs_done = 2;
    c->run_step = 400;
    c->params.steps = 800;
    curve_view_status(&v, 0, buf, sizeof buf);
    assert_string_equal(buf, "computing run 3/7: 1k pairs, step 400/800 (training paused)");
    curve_view_status(&v, 1, buf, sizeof buf);
    assert_string_equal(buf, "run 3/7, 1k pairs, step 400, paused");
    v.running = 0;
    v.stale = 1;
    curve_view_status(&v, 0, buf, sizeof buf);
    assert_non_null(strstr(buf, "stale"));
    v.stale = 0;
    c->have_optimum = 1;
    for (int i = 0; i < c->n_points; i++) c->kl_opt[i][0] = 2.0 / (double)c->pairs[i];
    c->runs_done = 7;
    curve_view_status(&v, 0, buf, sizeof buf);
    assert_string_equal(buf, "800 steps a run, seed 1; estimation ~ pairs^-1.00");
    c->have_optimum = 0;
    curve_view_status(&v, 1, buf, sizeof buf);
    assert_non_null(strstr(buf, "no optimum"));
    v.error = "out of memory";
    curve_view_status(&v, 0, buf, sizeof buf);
    assert_string_equal(buf, "failed: out of memory");
    free(c);
}

/* ---------------------------------------------------------------- background */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int finished(curve_job_state st, const curve_t *c)
{
    (void)c;
    return st != CURVE_JOB_RUNNING;
}
/* a chunk of steps of the first run is taken (or the job ended) */
static int training(curve_job_state st, const curve_t *c) { return finished(st, c) || c->run_step > 0; }

/* Polls the job until `until` holds on its state and on the curve it hands
   out (into *seen), checking each copy is consistent: finished runs have
   numbers. Each wait is for the next copy (curve_job_wait); the
   120 s bound only catches a hang. Returns the state. */
static curve_job_state job_wait(curve_job_t *j, curve_t *seen, unsigned long *version,
                                int (*until)(curve_job_state, const curve_t *))
{
    char msg[256];
    double t0 = now_s();
    curve_job_state st = curve_job_poll(j, seen, version, msg, sizeof msg);
    for (;;) {
        for (int r = 0; r < seen->runs_done; r++)
            assert_true(isfinite(seen->kl_true[r / seen->n_seeds][r % seen->n_seeds]));
        if (until(st, seen)) return st;
        double left = 120 - (now_s() - t0);
        if (left <= 0) {
            curve_job_poll(j, seen, version, msg, sizeof msg);
            fail_msg("the job did not get there in 120 s (%s)", msg);
        }
        st = curve_job_wait(j, seen, version, left); /* the next copy, or the end */
    }
}

static void test_job_matches_calling_thread(void **state)
{
    (void)state;
    const kernels_t *k = kernels_select(NULL);
    params_t p = small_params();
    curve_t *sync = plan(&p, 6, 8, 1), *seen = plan(&p, 6, 8, 1);
    char err[256];
    assert_int_equal(curve_run(sync, k, NULL, NULL, err, sizeof err), 0);

    curve_t *c = plan(&p, 6, 8, 1);
    curve_job_t *j = curve_job_start(c, k, err, sizeof err);
    assert_non_null(j);
    unsigned long version = 0;
    curve_job_state st = job_wait(j, seen, &version, finished);
    assert_int_equal(st, CURVE_JOB_DONE);
    assert_true(version > 1); /* published at least once more than at the start */
    assert_int_equal(seen->runs_done, 3);
    for (int i = 0; i < 3; i++) {
        assert_true(seen->kl_true[i][0] == sync->kl_true[i][0]);
        assert_true(seen->kl_opt[i][0] == sync->kl_opt[i][0]);
    }
    /* a second poll hands out nothing new */
    unsigned long v2 = version;
    assert_int_equal(curve_job_poll(j, seen, &v2, NULL, 0), CURVE_JOB_DONE);
    assert_true(v2 == version);
    curve_job_destroy(j);

    /* a job stopped while it trains frees itself; a failing one says why */
    params_t big = p;
    big.steps = 100000;
    curve_t *long_c = plan(&big, 10, 12, 1);
    j = curve_job_start(long_c, k, err, sizeof err);
    assert_non_null(j);
    curve_t *mid = plan(&big, 10, 12, 1);
    version = 0;
    assert_int_equal(job_wait(j, mid, &version, training), CURVE_JOB_RUNNING);
    curve_job_destroy(j);
    free(mid);
    curve_job_destroy(NULL);

    free(sync);
    free(seen);
    free(c);
    free(long_c);
}

/* Same value, NaN included. */
static int same(double a, double b) { return a == b || (isnan(a) && isnan(b)); }

static void assert_same_curve(const curve_t *a, const curve_t *b)
{
    assert_int_equal(a->runs_done, b->runs_done);
    assert_int_equal(a->diverged, b->diverged);
    assert_int_equal(a->have_optimum, b->have_optimum);
    assert_true(same(a->misspec, b->misspec));
    assert_string_equal(a->theory, b->theory);
    for (int i = 0; i < a->n_points; i++)
        for (int s = 0; s < a->n_seeds; s++) {
            assert_true(same(a->kl_true[i][s], b->kl_true[i][s]));
            assert_true(same(a->kl_opt[i][s], b->kl_opt[i][s]));
            assert_true(same(a->loss_heldout[i][s], b->loss_heldout[i][s]));
            assert_true(same(a->accuracy[i][s], b->accuracy[i][s]));
        }
}

/* A pumped job, piece by piece on this thread, gives the threaded job's
   curve exactly (the same pieces, the same trainers); a job that is only
   polled progresses too; one freed mid-run leaves nothing behind. */
static void test_pumped_job_matches_thread(void **state)
{
    (void)state;
    const kernels_t *k = kernels_select(NULL);
    params_t p = small_params();
    p.seed = 9;
    curve_t *c = plan(&p, 6, 8, 2), *th = plan(&p, 6, 8, 2), *pu = plan(&p, 6, 8, 2);
    char err[256], msg[256];
    curve_job_t *jt = curve_job_start(c, k, err, sizeof err);
    assert_non_null(jt);
    assert_int_equal(curve_job_pump(jt, 0.01), -1); /* it has a thread */
    unsigned long vt = 0;
    assert_int_equal(job_wait(jt, th, &vt, finished), CURVE_JOB_DONE);
    curve_job_destroy(jt);

    curve_job_t *jp = curve_job_start_pumped(c, k, err, sizeof err);
    assert_non_null(jp);
    unsigned long vp = 0;
    /* a zero budget: one piece a call (a trainer built, a chunk, a run recorded) */
    int pumps = 0;
    double t0 = now_s();
    while (curve_job_pump(jp, 0) == 1) {
        pumps++;
        if (now_s() - t0 > 120) fail_msg("the pumped job did not end in 120 s");
    }
    assert_true(pumps >= 6 * 3); /* six runs, each built, trained, recorded */
    assert_int_equal(curve_job_poll(jp, pu, &vp, msg, sizeof msg), CURVE_JOB_DONE);
    assert_int_equal(curve_job_pump(jp, 0.01), 0); /* ended: nothing more */
    assert_same_curve(th, pu);
    assert_int_equal(pu->runs_done, 6);
    curve_job_destroy(jp);

    /* polled only: curve_job_poll pumps it, to the same curve */
    jp = curve_job_start_pumped(c, k, err, sizeof err);
    assert_non_null(jp);
    vp = 0;
    t0 = now_s();
    while (curve_job_poll(jp, pu, &vp, msg, sizeof msg) == CURVE_JOB_RUNNING)
        if (now_s() - t0 > 120) fail_msg("the polled job did not end in 120 s");
    assert_same_curve(th, pu);
    /* and curve_job_wait pumps it too */
    curve_job_destroy(jp);
    jp = curve_job_start_pumped(c, k, err, sizeof err);
    assert_non_null(jp);
    vp = 0;
    assert_int_equal(job_wait(jp, pu, &vp, finished), CURVE_JOB_DONE);
    assert_same_curve(th, pu);
    curve_job_destroy(jp);

    /* freed mid-run, at once */
    jp = curve_job_start_pumped(c, k, err, sizeof err);
    assert_non_null(jp);
    for (int i = 0; i < 3; i++) assert_int_equal(curve_job_pump(jp, 0), 1);
    curve_job_destroy(jp);
    free(c);
    free(th);
    free(pu);
}

/* ---------------------------------------------------------------- the error split */

/* On a well-specified world (Luce annotator, reward objective: the
   optimum is p*) the estimation error KL(optimum||model) falls as pairs
   grow: 2^6 pairs overfit, 2^12 pairs come close. Measured with pbde
   curve on these settings (seed 1, AVX2): 3.5 at 64 pairs, 0.027 at 4096,
   log-log slope -1.27. The checks ask for a factor 20 (1/n scaling
   predicts 64) and a slope below -0.5. */
static void test_estimation_falls_with_pairs(void **state)
{
    (void)state;
    params_t p = small_params();
    p.grid = 32;
    p.width = 32;
    p.depth = 2;
    p.lr = 0.01;
    p.steps = 800;
    p.batch = 256;
    curve_t *c = plan(&p, 6, 12, 1);
    char err[256];
    assert_int_equal(curve_run(c, kernels_select(NULL), NULL, NULL, err, sizeof err), 0);
    assert_true(c->have_optimum);
    assert_true(c->misspec < 1e-6); /* the optimum of reward on Luce data is p* itself */
    for (int i = 0; i < c->n_points; i++)
        printf("  %5ld pairs: KL(p*||model) %.4f  KL(optimum||model) %.4f\n", c->pairs[i],
               c->kl_true[i][0], c->kl_opt[i][0]);
    assert_true(c->kl_opt[c->n_points - 1][0] * 20 < c->kl_opt[0][0]);
    assert_true(curve_loglog_slope(c, 1) < -0.5);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_checks),
        cmocka_unit_test(test_runs_equal_plain_training),
        cmocka_unit_test(test_no_optimum),
        cmocka_unit_test(test_progress_stops),
        cmocka_unit_test(test_stats_and_slope),
        cmocka_unit_test(test_same_setup),
        cmocka_unit_test(test_panel_helpers),
        cmocka_unit_test(test_job_matches_calling_thread),
        cmocka_unit_test(test_pumped_job_matches_thread),
        cmocka_unit_test(test_estimation_falls_with_pairs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
