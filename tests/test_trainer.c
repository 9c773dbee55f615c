/* The trainer's contract: determinism however steps are grouped, thread
   counts, reset, divergence, and a loss that goes down. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pbde/trainer.h"

static params_t small_params(void)
{
    params_t p;
    params_defaults(&p);
    p.pairs = 4096;
    p.grid = 32;
    p.steps = 60;
    p.width = 16;
    p.depth = 2;
    p.batch = 300; /* not a multiple of the block size */
    return p;
}

static trainer_t *make(const params_t *p, const kernels_t *k)
{
    char err[256];
    trainer_t *t = trainer_create(p, k, err, sizeof err);
    if (!t) fail_msg("trainer_create: %s", err);
    return t;
}

static void grid_of(trainer_t *t, double *out)
{
    trainer_model_grid(t, out, NULL);
}

static void test_deterministic_grouping(void **state)
{
    (void)state;
    params_t p = small_params();
    const kernels_t *k = kernels_select(NULL);
    for (int obj = 0; obj < OBJECTIVE_COUNT; obj++) {
        p.objective = obj;
        trainer_t *a = make(&p, k), *b = make(&p, k);
        assert_int_equal(trainer_step(a, 60), 0);
        for (int i = 0; i < 60; i++) assert_int_equal(trainer_step(b, 1), 0);
        assert_int_equal(trainer_get_state(a), TRAINER_DONE);
        assert_int_equal(trainer_step_count(b), 60);
        size_t n = trainer_world(a)->grid.n;
        double *ga = malloc(n * sizeof *ga), *gb = malloc(n * sizeof *gb);
        grid_of(a, ga);
        grid_of(b, gb);
        assert_memory_equal(ga, gb, n * sizeof *ga);
        free(ga);
        free(gb);
        trainer_destroy(a);
        trainer_destroy(b);
    }
}

static void test_threads(void **state)
{
    (void)state;
    params_t p = small_params();
    const kernels_t *k = kernels_select(NULL);
    p.objective = OBJECTIVE_MIXTURE;
    p.threads = 2;
    trainer_t *a = make(&p, k), *b = make(&p, k);
    trainer_step(a, 60);
    trainer_step(b, 60);
    size_t n = trainer_world(a)->grid.n;
    double *ga = malloc(n * sizeof *ga), *gb = malloc(n * sizeof *gb);
    grid_of(a, ga);
    grid_of(b, gb);
    assert_memory_equal(ga, gb, n * sizeof *ga); /* same thread count: identical */
    /* one thread reaches the same model up to float summation order */
    p.threads = 1;
    trainer_t *c = make(&p, k);
    trainer_step(c, 60);
    grid_of(c, gb);
    double worst = 0;
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(ga[i] - gb[i]));
    assert_true(worst < 1e-2);
    free(ga);
    free(gb);
    trainer_destroy(a);
    trainer_destroy(b);
    trainer_destroy(c);
}

static void test_reset_and_loss_decreases(void **state)
{
    (void)state;
    params_t p = small_params();
    p.steps = 200;
    const kernels_t *k = kernels_select(NULL);
    trainer_t *t = make(&p, k);
    trainer_metrics_t m0, m1, m2;
    trainer_metrics(t, &m0, 1);
    trainer_step(t, 200);
    trainer_metrics(t, &m1, 1);
    assert_true(m1.loss_train < m0.loss_train - 0.05);
    assert_true(m1.kl_true < m0.kl_true);
    assert_true(m1.accuracy > 0.6);
    assert_true(m1.loss_heldout >= m1.loss_bayes - 0.02);
    trainer_reset_model(t);
    assert_int_equal(trainer_step_count(t), 0);
    assert_int_equal(trainer_get_state(t), TRAINER_TRAINING);
    trainer_metrics(t, &m2, 1);
    assert_true(m2.loss_train == m0.loss_train); /* same seed, same start */
    trainer_destroy(t);
}

static void test_reference_objectives_start_at_ref(void **state)
{
    (void)state;
    params_t p = small_params();
    p.objective = OBJECTIVE_DPO;
    trainer_t *t = make(&p, kernels_select(NULL));
    const world_t *w = trainer_world(t);
    double *g = malloc(w->grid.n * sizeof *g);
    grid_of(t, g);
    for (size_t i = 0; i < w->grid.n; i++) assert_true(fabs(g[i] - w->log_ref[i]) < 1e-9);
    free(g);
    trainer_destroy(t);
}

static void test_divergence(void **state)
{
    (void)state;
    params_t p = small_params();
    p.lr = 1e6; /* the largest allowed */
    p.width = 64;
    p.objective = OBJECTIVE_IPO;
    p.schedule = SCHEDULE_CONSTANT;
    p.steps = 2000;
    trainer_t *t = make(&p, kernels_select(NULL));
    int rc = trainer_step(t, 2000);
    assert_int_equal(rc, PBDE_EDIVERGED);
    assert_int_equal(trainer_get_state(t), TRAINER_DIVERGED);
    assert_true(trainer_diverged_at(t) >= 0);
    /* the last finite model is kept */
    const world_t *w = trainer_world(t);
    double *g = malloc(w->grid.n * sizeof *g);
    grid_of(t, g);
    for (size_t i = 0; i < w->grid.n; i++) assert_false(isnan(g[i]));
    free(g);
    trainer_reset_model(t);
    assert_int_equal(trainer_get_state(t), TRAINER_TRAINING);
    trainer_destroy(t);
}

static void test_bad_combination(void **state)
{
    (void)state;
    params_t p = small_params();
    p.density = density_find("banana");
    p.annotator = ANNOTATOR_MIXTURE;
    char err[256] = "";
    assert_null(trainer_create(&p, kernels_select(NULL), err, sizeof err));
    assert_non_null(strstr(err, "mixture"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic_grouping),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_reset_and_loss_decreases),
        cmocka_unit_test(test_reference_objectives_start_at_ref),
        cmocka_unit_test(test_divergence),
        cmocka_unit_test(test_bad_combination),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
