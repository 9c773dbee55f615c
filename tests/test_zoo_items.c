/* The zoo's optimum tests, item-wise objectives (nca bco sppo kto): the
   real trainer on the default world (evaluated on the coarse grid) must
   land on the population optimum. Thresholds as in test_zoo_train.c:
   about 3x the KL(optimum||model) measured with seeds 1-3, and far below
   KL(optimum||pi_ref), where training starts. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "pbde/popopt.h"
#include "pbde/trainer.h"

static void near_optimum(int objective, double threshold)
{
    params_t p;
    params_defaults(&p);
    p.objective = objective;
    p.grid = POPOPT_GRID;
    char err[256];
    trainer_t *t = trainer_create(&p, kernels_select(NULL), err, sizeof err);
    if (!t) fail_msg("trainer_create: %s", err);
    const world_t *w = trainer_world(t);
    assert_non_null(w->log_theory);
    assert_int_equal(trainer_step(t, p.steps), 0);
    trainer_metrics_t m;
    trainer_metrics(t, &m, 0);
    double from_ref = grid_kl(w->log_theory, w->log_ref, w->grid.n, w->cell_area);
    printf("  %s (%s, %.0f ms): KL(optimum||model) %.2e (<= %.1e), KL(optimum||pi_ref) %.3f, "
           "misspecification %.3f\n",
           objective_name(objective), w->theory_name, w->theory_ms, m.kl_theory, threshold, from_ref,
           m.kl_true_theory);
    assert_true(m.kl_theory <= threshold);
    assert_true(m.kl_theory <= 0.1 * from_ref);
    trainer_destroy(t);
}

/* measured 7.9e-5, 9.3e-5, 1.0e-4 (seeds 1-3) */
static void test_nca(void **state) { (void)state; near_optimum(OBJECTIVE_NCA, 3e-4); }

/* measured 5.4e-4, 5.5e-4, 4.4e-4 */
static void test_bco(void **state) { (void)state; near_optimum(OBJECTIVE_BCO, 2e-3); }

/* measured 7.8e-6, 7.8e-6, 7.0e-6: the optimum stays near pi_ref at beta = 4 */
static void test_sppo(void **state) { (void)state; near_optimum(OBJECTIVE_SPPO, 3e-5); }

/* measured 5.6e-2, 7.2e-2, 5.7e-2: KTO's optimum is degenerate (items that lose more than
   they win are dropped, their log-density falls without bound), so the
   network approaches its edges only slowly */
static void test_kto(void **state) { (void)state; near_optimum(OBJECTIVE_KTO, 0.15); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nca),
        cmocka_unit_test(test_bco),
        cmocka_unit_test(test_sppo),
        cmocka_unit_test(test_kto),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
