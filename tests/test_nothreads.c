/* The core built without threads (PBDE_NO_THREADS, as the browser's is):
   live_create gives pumped sessions, which train on the caller's thread
   to the trainer's own results; a curve job progresses by being polled;
   stage_poll pumps its sessions. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "pbde/curve.h"
#include "pbde/export.h"
#include "pbde/live.h"
#include "pbde/trainer.h"

#ifndef PBDE_NO_THREADS
#error "test_nothreads is built with PBDE_NO_THREADS"
#endif

static params_t small(void)
{
    params_t p;
    params_defaults(&p);
    p.pairs = 4096;
    p.grid = 32;
    p.width = 16;
    p.depth = 2;
    p.steps = 100000;
    p.seed = 11;
    p.threads = 2; /* the step's two parts, taken in turn */
    return p;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int paused_at(const live_snapshot_t *s, long n) { return s->paused && s->step == n; }

/* live_create's session is pumped: it trains only in live_pump (or
   live_wait), to the very model a trainer reaches in as many steps. */
static void test_sessions_are_pumped(void **state)
{
    (void)state;
    params_t p = small();
    char err[256];
    const kernels_t *k = kernels_select(NULL);
    live_t *l = live_create(&p, k, 1, err, sizeof err);
    if (!l) fail_msg("live_create: %s", err);
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    live_run_to(l, 60);
    double t0 = now_s();
    int r;
    while ((r = live_pump(l, 0.005)) >= 0) {
        assert_true(live_snapshot(l, &s) >= 0);
        if (paused_at(&s, 60)) break;
        if (now_s() - t0 > 120) fail_msg("no step 60 in 120 s (step %ld)", s.step);
    }
    assert_true(r >= 0); /* -1 would mean a worker thread */
    trainer_t *t = trainer_create(&p, k, err, sizeof err);
    assert_non_null(t);
    assert_int_equal(trainer_step(t, 60), 0);
    double *g = malloc(s.n * sizeof *g);
    assert_non_null(g);
    trainer_model_grid(t, g, NULL);
    assert_memory_equal(g, s.log_model, s.n * sizeof *g);
    print_message("step 60, threads 2 in turn: KL(p*||pi_theta) %.17g\n", s.metrics.kl_true);
    /* live_wait pumps */
    live_run_to(l, 80);
    while (!paused_at(&s, 80)) assert_int_equal(live_wait(l, &s, 120.0), 1);
    free(g);
    trainer_destroy(t);
    live_snapshot_free(&s);
    live_destroy(l);
}

/* A curve job started the usual way progresses when only polled, to
   curve_run's curve. */
static void test_curve_job_polled(void **state)
{
    (void)state;
    const kernels_t *k = kernels_select(NULL);
    params_t p = small();
    p.steps = 40;
    p.grid = 24;
    p.width = 12;
    p.batch = 128;
    char err[256];
    curve_t *sync = malloc(sizeof *sync), *c = malloc(sizeof *c), *seen = malloc(sizeof *seen);
    assert_true(sync && c && seen);
    assert_int_equal(curve_init(sync, &p, 6, 7, 2, err, sizeof err), 0);
    memcpy(c, sync, sizeof *c);
    memcpy(seen, sync, sizeof *seen);
    assert_int_equal(curve_run(sync, k, NULL, NULL, err, sizeof err), 0);
    curve_job_t *j = curve_job_start(c, k, err, sizeof err);
    if (!j) fail_msg("curve_job_start: %s", err);
    unsigned long v = 0;
    double t0 = now_s();
    while (curve_job_poll(j, seen, &v, NULL, 0) == CURVE_JOB_RUNNING)
        if (now_s() - t0 > 120) fail_msg("the job did not end in 120 s");
    assert_int_equal(seen->runs_done, 4);
    for (int i = 0; i < 2; i++)
        for (int s = 0; s < 2; s++) {
            assert_true(seen->kl_true[i][s] == sync->kl_true[i][s]);
            assert_true(seen->loss_heldout[i][s] == sync->loss_heldout[i][s]);
        }
    curve_job_destroy(j);
    free(sync);
    free(c);
    free(seen);
}

/* stage_poll pumps every session of the stage. */
static void test_stage_poll_pumps(void **state)
{
    (void)state;
    params_t ps[2] = { small(), small() };
    ps[1].beta = 4;
    stage_t st;
    char err[256];
    if (stage_create(&st, ps, 2, "beta", kernels_select(NULL), 0, err, sizeof err) != 0)
        fail_msg("stage_create: %s", err);
    double t0 = now_s();
    while (st.snap[0].step < 20 || st.snap[1].step < 20) {
        assert_true(stage_poll(&st) >= 0);
        if (now_s() - t0 > 120) fail_msg("the stage did not train in 120 s");
    }
    stage_destroy(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sessions_are_pumped),
        cmocka_unit_test(test_curve_job_polled),
        cmocka_unit_test(test_stage_poll_pumps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
