/* The paper's claims (issue acceptance), on default settings unless
   stated: a run of the real trainer per claim, judged by the metrics
   pbde train --json reports. Thresholds are the acceptance thresholds. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "pbde/trainer.h"

static void run(const params_t *p, trainer_metrics_t *m)
{
    char err[256];
    trainer_t *t = trainer_create(p, kernels_select(NULL), err, sizeof err);
    if (!t) fail_msg("trainer_create: %s", err);
    assert_int_equal(trainer_step(t, p->steps), 0);
    trainer_metrics(t, m, 0);
    printf("  %s x %s: kl_true %.4f kl_theory %.4f acc %.3f heldout %.4f (floor %.4f)\n",
           annotator_name(p->annotator), objective_name(p->objective), m->kl_true, m->kl_theory,
           m->accuracy, m->loss_heldout, m->loss_bayes);
    trainer_destroy(t);
}

static void test_reward_recovers_density(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    trainer_metrics_t m;
    run(&p, &m);
    assert_true(m.kl_true <= 0.05);
}

static void test_dpo_lands_on_its_theory(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    p.objective = OBJECTIVE_DPO;
    p.beta = 4;
    trainer_metrics_t m;
    run(&p, &m);
    assert_true(m.kl_theory <= 0.02);
    assert_true(m.kl_true >= 0.3);
}

static void test_well_specified_dpo(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    p.objective = OBJECTIVE_DPO;
    p.beta = 4;
    p.annotator = ANNOTATOR_DPO;
    p.annotator_beta = 4;
    trainer_metrics_t m;
    run(&p, &m);
    assert_true(m.kl_true <= 0.05);
}

static void test_geometric_and_ipo(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    p.objective = OBJECTIVE_GEOMETRIC;
    p.alpha = 0.25;
    trainer_metrics_t m;
    run(&p, &m);
    assert_true(m.kl_theory <= 0.05);
    params_defaults(&p);
    p.objective = OBJECTIVE_IPO;
    p.tau = 0.5;
    run(&p, &m);
    assert_true(m.kl_theory <= 0.05);
}

static void test_single_model_on_mixture_annotator(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    p.annotator = ANNOTATOR_MIXTURE;
    trainer_metrics_t m;
    run(&p, &m);
    assert_true(m.kl_true >= 0.3);
}

static void test_mixture_model_recovers_annotators(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    p.annotator = ANNOTATOR_MIXTURE;
    p.objective = OBJECTIVE_MIXTURE;
    p.components = 2;
    trainer_metrics_t m;
    run(&p, &m);
    const double want[2] = { 0.4, 0.6 };
    for (int a = 0; a < 2; a++) {
        printf("  annotator %d: weight %.3f kl %.4f\n", a, m.weight[m.match[a]], m.comp_kl[a]);
        assert_true(fabs(m.weight[m.match[a]] - want[a]) <= 0.05);
        assert_true(m.comp_kl[a] <= 0.25);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reward_recovers_density),
        cmocka_unit_test(test_dpo_lands_on_its_theory),
        cmocka_unit_test(test_well_specified_dpo),
        cmocka_unit_test(test_geometric_and_ipo),
        cmocka_unit_test(test_single_model_on_mixture_annotator),
        cmocka_unit_test(test_mixture_model_recovers_annotators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
