/* The live session: the worker trains, commands take effect, snapshots are
   consistent, and headless stepping matches the trainer exactly. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "pbde/live.h"
#include "pbde/world.h"

static params_t small(void)
{
    params_t p;
    params_defaults(&p);
    p.pairs = 4096;
    p.grid = 32;
    p.width = 16;
    p.depth = 2;
    p.steps = 100000;
    return p;
}

/* Waits, publication by publication, until pred holds; returns 0 when
   it still does not after 120 s (a hang: a loaded or sanitized machine
   gets there in far less). */
static int wait_for(live_t *l, live_snapshot_t *s, int (*pred)(const live_snapshot_t *, long), long arg)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    live_snapshot(l, s);
    for (;;) {
        if (pred(s, arg)) return 1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double left = 120.0 - (double)(t1.tv_sec - t0.tv_sec) - 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        if (left <= 0) return 0;
        if (live_wait(l, s, left) < 0) return 0;
    }
}

static int step_above(const live_snapshot_t *s, long n) { return s->step > n; }
static int is_paused(const live_snapshot_t *s, long unused) { (void)unused; return s->paused; }
static int annotator_is(const live_snapshot_t *s, long a) { return !s->rebuilding && s->params.annotator == a && s->n_hist > 0; }
static int has_slice(const live_snapshot_t *s, long unused) { (void)unused; return s->have_slice; }

static void test_trains_and_pauses(void **state)
{
    (void)state;
    params_t p = small();
    char err[256];
    live_t *l = live_create(&p, kernels_select(NULL), 0, err, sizeof err);
    assert_non_null(l);
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    assert_true(wait_for(l, &s, step_above, 20));
    assert_int_equal(s.n, 32 * 32);
    assert_true(s.n_hist > 0);
    assert_true(s.n_pairs > 0);
    double mass = 0;
    for (size_t i = 0; i < s.n; i++) mass += exp(s.log_model[i]) * s.cell_area;
    assert_true(fabs(mass - 1) < 1e-9);

    /* paused, nothing runs: a single step is exactly one step. (The pause
       is published at once; the slice of steps in flight then still ends
       and is published, so the first single step only settles the count.) */
    live_set_paused(l, 1);
    assert_true(wait_for(l, &s, is_paused, 0));
    live_step_once(l);
    assert_true(wait_for(l, &s, step_above, s.step));
    long at = s.step;
    live_step_once(l);
    assert_true(wait_for(l, &s, step_above, at));
    assert_int_equal(s.step, at + 1);
    assert_true(s.paused);

    /* a parameter change rebuilds and says so */
    p.annotator = ANNOTATOR_THURSTONE;
    assert_int_equal(live_set_params(l, &p, err, sizeof err), 0);
    assert_true(wait_for(l, &s, annotator_is, ANNOTATOR_THURSTONE));
    assert_non_null(strstr(s.status, "annotator thurstone"));
    assert_int_equal(s.params.annotator, ANNOTATOR_THURSTONE);

    /* an invalid combination is refused and changes nothing */
    params_t bad = p;
    bad.density = density_find("ring");
    bad.annotator = ANNOTATOR_MIXTURE;
    assert_int_equal(live_set_params(l, &bad, err, sizeof err), -1);
    params_t now;
    live_get_params(l, &now);
    assert_int_equal(now.annotator, ANNOTATOR_THURSTONE);

    live_want_slice(l, 1, -2.0, -2.0);
    assert_true(wait_for(l, &s, has_slice, 0));
    for (size_t i = 0; i < s.n; i++) {
        assert_true(s.slice_annot[i] >= 0 && s.slice_annot[i] <= 1);
        assert_true(s.slice_model[i] >= 0 && s.slice_model[i] <= 1);
    }
    live_snapshot_free(&s);
    live_destroy(l);
}

/* Headless stepping is the trainer's own result, bit for bit. */
static void test_run_steps_matches_trainer(void **state)
{
    (void)state;
    params_t p = small();
    p.objective = OBJECTIVE_MIXTURE;
    p.annotator = ANNOTATOR_MIXTURE;
    char err[256];
    const kernels_t *k = kernels_select(NULL);
    live_t *l = live_create(&p, k, 1, err, sizeof err);
    assert_non_null(l);
    for (int i = 0; i < 5; i++) assert_int_equal(live_run_steps(l, 7), 0);
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    assert_int_equal(live_snapshot(l, &s), 1);
    assert_int_equal(s.step, 35);
    assert_int_equal(s.K, 2);
    assert_non_null(s.log_comp[0]);
    trainer_t *t = trainer_create(&p, k, err, sizeof err);
    trainer_step(t, 35);
    double *g = malloc(s.n * sizeof *g);
    trainer_model_grid(t, g, NULL);
    assert_memory_equal(g, s.log_model, s.n * sizeof *g);
    free(g);
    trainer_destroy(t);
    /* no newer state: snapshot reports no change */
    assert_int_equal(live_snapshot(l, &s), 0);
    live_snapshot_free(&s);
    live_destroy(l);
}

static int paused_at(const live_snapshot_t *s, long n) { return s->paused && s->step == n; }
static int dpo_paused_at(const live_snapshot_t *s, long n)
{
    return s->params.objective == OBJECTIVE_DPO && !s->rebuilding && paused_at(s, n);
}

/* run_to trains to an exact step and pauses there (a tour stop). */
static void test_run_to(void **state)
{
    (void)state;
    params_t p = small();
    char err[256];
    live_t *l = live_create(&p, kernels_select(NULL), 1, err, sizeof err);
    assert_non_null(l);
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    live_run_to(l, 30);
    assert_true(wait_for(l, &s, paused_at, 30));
    /* it stays there: the next publication, one single step, is step 31 */
    live_step_once(l);
    assert_true(wait_for(l, &s, step_above, 30));
    assert_int_equal(s.step, 31);
    /* a new stop with other parameters: rebuilt, then trained to its step */
    p.objective = OBJECTIVE_DPO;
    assert_int_equal(live_set_params(l, &p, err, sizeof err), 0);
    live_run_to(l, 12);
    if (!wait_for(l, &s, dpo_paused_at, 12)) fail_msg("step %ld paused %d objective %d rebuilding %d", s.step, s.paused, s.params.objective, s.rebuilding);
    assert_int_equal(s.params.objective, OBJECTIVE_DPO);
    assert_int_equal(s.step, 12);
    live_snapshot_free(&s);
    live_destroy(l);
}

/* Going back to a tour stop: a reset followed by run_to rebuilds the very
   same model the first visit showed, and both equal a fresh trainer's. */
static void test_reset_then_run_to_repeats(void **state)
{
    (void)state;
    params_t p = small();
    char err[256];
    const kernels_t *k = kernels_select(NULL);
    live_t *l = live_create(&p, k, 1, err, sizeof err);
    assert_non_null(l);
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    live_run_to(l, 40);
    assert_true(wait_for(l, &s, paused_at, 40));
    double *first = malloc(s.n * sizeof *first);
    assert_non_null(first);
    memcpy(first, s.log_model, s.n * sizeof *first);
    double kl_first = s.metrics.kl_true;
    /* on to a later stop, interrupted while it trains */
    live_run_to(l, 100000);
    assert_true(wait_for(l, &s, step_above, 60));
    live_reset_run_to(l, 40);
    assert_true(wait_for(l, &s, paused_at, 40));
    assert_memory_equal(first, s.log_model, s.n * sizeof *first);
    assert_true(s.metrics.kl_true == kl_first);
    trainer_t *t = trainer_create(&p, k, err, sizeof err);
    assert_non_null(t);
    trainer_step(t, 40);
    double *g = malloc(s.n * sizeof *g);
    assert_non_null(g);
    trainer_model_grid(t, g, NULL);
    assert_memory_equal(g, first, s.n * sizeof *g);
    /* and it stays at the stop: one single step is step 41 */
    live_step_once(l);
    assert_true(wait_for(l, &s, step_above, 40));
    assert_int_equal(s.step, 41);
    free(g);
    free(first);
    trainer_destroy(t);
    live_snapshot_free(&s);
    live_destroy(l);
}


static int has_overopt(const live_snapshot_t *s, long unused) { (void)unused; return s->have_overopt; }
static int overopt_at_budget(const live_snapshot_t *s, long milli)
{
    return s->have_overopt && s->overopt_budget == (double)milli / 1000.0;
}
static int no_overopt(const live_snapshot_t *s, long unused) { (void)unused; return !s->have_overopt; }

/* The over-optimisation sweep comes in the snapshot when asked, paused
   or not, for the model of that snapshot: the gold-peak policy by
   default, the policy nearest a budget when one is asked, a normalised
   density; and goes away when no longer asked. */
static void test_overopt_in_snapshot(void **state)
{
    (void)state;
    params_t p = small();
    char err[256];
    const kernels_t *k = kernels_select(NULL);
    live_t *l = live_create(&p, k, 1, err, sizeof err); /* paused */
    assert_non_null(l);
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    live_run_to(l, 50);
    assert_true(wait_for(l, &s, paused_at, 50));
    live_want_overopt(l, 1, -1);
    assert_true(wait_for(l, &s, has_overopt, 0));
    overopt_sweep_t sw;
    overopt_sweep_defaults(&sw);
    const overopt_curve_t *c = &s.overopt;
    assert_int_equal(c->n_points, sw.points);
    assert_true(c->peak >= 0 && c->peak < c->n_points);
    for (int i = 0; i < c->n_points; i++) assert_true(c->gold[i] <= c->gold[c->peak]);
    /* the policy on screen is the peak's (bisection to 1e-7 relative) */
    assert_true(fabs(s.overopt_at.kl - c->kl[c->peak]) <= 1e-4 * (1 + c->kl[c->peak]));
    double mass = 0;
    for (size_t i = 0; i < s.n; i++) mass += exp(s.overopt_pi[i]) * s.cell_area;
    assert_true(fabs(mass - 1.0) < 1e-9);
    /* the same sweep from the snapshot's own model (the explorers' refresh) */
    world_t w;
    char e2[200];
    assert_int_equal(world_create(&w, &s.params, e2, sizeof e2), 0);
    overopt_gold_t g;
    assert_int_equal(overopt_gold_init_world(&g, &w), 0);
    overopt_t *o = overopt_create(s.n);
    overopt_curve_t ref;
    assert_int_equal(overopt_refresh(o, &g, &w.obj, s.log_model, w.log_ref, w.cell_area, &sw, -1, &ref,
                                     NULL), 0);
    assert_int_equal(ref.peak, c->peak);
    for (int i = 0; i < c->n_points; i++) {
        assert_true(fabs(ref.gold[i] - c->gold[i]) <= 1e-9 * (1 + fabs(c->gold[i])));
        assert_true(fabs(ref.proxy[i] - c->proxy[i]) <= 1e-9 * (1 + fabs(c->proxy[i])));
    }
    overopt_destroy(o);
    overopt_gold_free(&g);
    world_destroy(&w);
    /* a budget: the policy whose KL is 1 nat */
    live_want_overopt(l, 1, 1.0);
    assert_true(wait_for(l, &s, overopt_at_budget, 1000));
    assert_true(fabs(s.overopt_at.kl - 1.0) < 1e-4);
    live_want_overopt(l, 0, 1.0);
    assert_true(wait_for(l, &s, no_overopt, 0));
    live_snapshot_free(&s);
    live_destroy(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trains_and_pauses),
        cmocka_unit_test(test_run_steps_matches_trainer),
        cmocka_unit_test(test_run_to),
        cmocka_unit_test(test_reset_then_run_to_repeats),
        cmocka_unit_test(test_overopt_in_snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
