/* The zoo's optimum tests, pairwise objectives (and sft): the real
   trainer on the default world (evaluated on the coarse grid, where the
   optimum needs no resampling) must land on the objective's optimum, the
   closed form where one exists, else the population optimum.

   Thresholds: about 3x the KL(optimum||model) measured with seeds 1-3
   (listed per objective; robust's seeds spread most, 3.2e-3 .. 6.3e-3), a margin for seeds
   and kernel paths (scalar, AVX2, NEON sum in different orders). Each is
   also checked to be far below KL(optimum||pi_ref), where training
   starts, so the test passes only if training moved onto the optimum. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "pbde/popopt.h"
#include "pbde/trainer.h"

static void near_optimum(params_t p, double threshold)
{
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
    printf("  %s x %s (%s, %.0f ms): KL(optimum||model) %.2e (<= %.1e), KL(optimum||pi_ref) %.3f, "
           "misspecification %.3f\n",
           annotator_name(p.annotator), objective_name(p.objective), w->theory_name, w->theory_ms,
           m.kl_theory, threshold, from_ref, m.kl_true_theory);
    assert_true(m.kl_theory <= threshold);
    assert_true(m.kl_theory <= 0.1 * from_ref);
    trainer_destroy(t);
}

static params_t with(int objective)
{
    params_t p;
    params_defaults(&p);
    p.objective = objective;
    return p;
}

/* measured 1.9e-3, 2.1e-3, 9.8e-4 (seeds 1-3): the optimum is a smoothed staircase */
static void test_hinge(void **state) { (void)state; near_optimum(with(OBJECTIVE_HINGE), 6e-3); }

/* measured 1.2e-4, 1.2e-4, 9.8e-5 */
static void test_cdpo(void **state) { (void)state; near_optimum(with(OBJECTIVE_CDPO), 5e-4); }

/* measured 2.8e-4, 3.1e-4, 2.3e-4 */
static void test_exo(void **state) { (void)state; near_optimum(with(OBJECTIVE_EXO), 1e-3); }

/* robust DPO on labels flipped at its own rate (flip = smoothing = 0.1):
   the clean DPO closed form. Measured 4.3e-3, 3.2e-3, 6.3e-3. */
static void test_robust(void **state)
{
    (void)state;
    params_t p = with(OBJECTIVE_ROBUST);
    p.annotator = ANNOTATOR_NOISY;
    p.flip = p.smoothing;
    near_optimum(p, 1.5e-2);
}

/* the winner density 2 mu w (closed form). Measured 1.2e-3, 1.0e-3, 1.2e-3. */
static void test_sft(void **state) { (void)state; near_optimum(with(OBJECTIVE_SFT), 4e-3); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hinge),  cmocka_unit_test(test_cdpo), cmocka_unit_test(test_exo),
        cmocka_unit_test(test_robust), cmocka_unit_test(test_sft),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
