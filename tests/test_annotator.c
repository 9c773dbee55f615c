/* Annotators: formulas of design §2, and the labels of a whole data set
   against P within 5 standard errors, region by region. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pbde/annotator.h"
#include "pbde/dataset.h"
#include "pbde/params.h"
#include "pbde/world.h"

static double sig(double x) { return 1.0 / (1.0 + exp(-x)); }

static void test_formulas(void **state)
{
    (void)state;
    density_t d;
    assert_int_equal(density_init(&d, density_find("two-gauss")), 0);
    annotator_point_t a = { .lp = -1.0, .lr = -2.5, .lk = { -0.5, -4.0 } };
    annotator_point_t b = { .lp = -3.0, .lr = -1.0, .lk = { -6.0, -1.0 } };
    annotator_t an;
    double delta = a.lp - b.lp;

    assert_int_equal(annotator_init(&an, ANNOTATOR_LUCE, 1.5, 4, 0.1, &d), 0);
    assert_true(fabs(annotator_prob(&an, &a, &b) - sig(1.5 * delta)) < 1e-15);
    assert_int_equal(annotator_init(&an, ANNOTATOR_DPO, 1, 4, 0.1, &d), 0);
    assert_true(fabs(annotator_prob(&an, &a, &b) - sig(4.0 * ((a.lp - a.lr) - (b.lp - b.lr)))) < 1e-15);
    assert_int_equal(annotator_init(&an, ANNOTATOR_THURSTONE, 2, 4, 0.1, &d), 0);
    double z = sqrt(M_PI / 8) * 2 * delta;
    assert_true(fabs(annotator_prob(&an, &a, &b) - 0.5 * erfc(-z / sqrt(2.0))) < 1e-15);
    assert_int_equal(annotator_init(&an, ANNOTATOR_NOISY, 1, 4, 0.2, &d), 0);
    assert_true(fabs(annotator_prob(&an, &a, &b) - (0.8 * sig(delta) + 0.2 * sig(-delta))) < 1e-15);
    assert_int_equal(annotator_init(&an, ANNOTATOR_HARDMAX, 1, 4, 0.2, &d), 0);
    assert_true(annotator_prob(&an, &a, &b) == 1.0);
    assert_true(annotator_prob(&an, &b, &a) == 0.0);
    assert_true(annotator_prob(&an, &a, &a) == 0.5);
    assert_int_equal(annotator_init(&an, ANNOTATOR_MIXTURE, 1, 4, 0.2, &d), 0);
    double pm = 0.4 * sig(-0.5 + 6.0) + 0.6 * sig(-4.0 + 1.0);
    assert_true(fabs(annotator_prob(&an, &a, &b) - pm) < 1e-12);

    /* thurstone has luce's slope at 0: d/dx Phi(c x) = c phi(0) = 1/4 */
    assert_int_equal(annotator_init(&an, ANNOTATOR_THURSTONE, 1, 4, 0.1, &d), 0);
    annotator_point_t e1 = b, e2 = b;
    e1.lp += 1e-5;
    e2.lp -= 1e-5;
    double slope = (annotator_prob(&an, &e1, &b) - annotator_prob(&an, &e2, &b)) / 2e-5;
    assert_true(fabs(slope - 0.25) < 1e-6);
}

static void test_mixture_needs_components(void **state)
{
    (void)state;
    density_t d;
    annotator_t an;
    assert_int_equal(density_init(&d, density_find("ring")), 0);
    assert_int_equal(d.n_comp, 1);
    assert_int_equal(annotator_init(&an, ANNOTATOR_MIXTURE, 1, 4, 0.1, &d), -1);
    params_t p;
    params_defaults(&p);
    p.density = density_find("ring");
    p.annotator = ANNOTATOR_MIXTURE;
    char err[512] = "";
    assert_int_equal(params_check(&p, err, sizeof err), -1);
    assert_non_null(strstr(err, "mixture"));
    assert_non_null(strstr(err, "ring"));
}

/* Labels of 10^5 pairs from the data set, binned by region of a (the
   quadrant of the box it falls in) crossed with the sign of P - 1/2: in
   every bin with enough pairs, the share of y = 1 is within 5 standard
   errors of the mean P (SE from sum P(1-P)). */
static void check_labels(int annotator, int density)
{
    params_t p;
    params_defaults(&p);
    p.annotator = annotator;
    p.density = density;
    p.pairs = 100000;
    p.grid = 8;
    p.rationality = 1.0;
    p.flip = 0.15;
    world_t w;
    char err[256];
    assert_int_equal(world_create(&w, &p, err, sizeof err), 0);
    dataset_t d;
    assert_int_equal(dataset_create(&d, &w), 0);
    double sum_y[8] = { 0 }, sum_p[8] = { 0 }, var[8] = { 0 };
    size_t cnt[8] = { 0 };
    int checked = 0;
    for (size_t i = 0; i < d.n_train; i++) {
        const float *q = d.pts + 4 * i;
        int bin = (q[0] > 0) + 2 * (q[1] > 0) + 4 * (d.prob[i] > 0.5f);
        sum_y[bin] += d.y[i];
        sum_p[bin] += (double)d.prob[i];
        var[bin] += (double)d.prob[i] * (1.0 - (double)d.prob[i]);
        cnt[bin]++;
    }
    for (int b = 0; b < 8; b++) {
        if (cnt[b] < 1000) continue;
        double se = sqrt(var[b]) / (double)cnt[b];
        double gap = fabs(sum_y[b] - sum_p[b]) / (double)cnt[b];
        /* hardmax labels are deterministic: then y must equal P exactly */
        if (se == 0) assert_true(gap == 0);
        else assert_true(gap <= 5 * se);
        checked++;
    }
    assert_true(checked >= 4);
    dataset_destroy(&d);
    world_destroy(&w);
}

static void test_labels_match_probabilities(void **state)
{
    (void)state;
    int two = density_find("two-gauss"), eight = density_find("eight-gauss");
    for (int a = 0; a < ANNOTATOR_COUNT; a++) check_labels(a, two);
    check_labels(ANNOTATOR_MIXTURE, eight);
    check_labels(ANNOTATOR_LUCE, density_find("ring"));
}

/* The mixture annotator answers with annotator k about w_k of the time. */
static void test_mixture_who(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    p.annotator = ANNOTATOR_MIXTURE;
    p.pairs = 100000;
    p.grid = 8;
    world_t w;
    char err[256];
    assert_int_equal(world_create(&w, &p, err, sizeof err), 0);
    dataset_t d;
    assert_int_equal(dataset_create(&d, &w), 0);
    size_t ones = 0;
    for (size_t i = 0; i < d.n_train; i++) ones += d.who[i];
    double share = (double)ones / (double)d.n_train, se = sqrt(0.6 * 0.4 / (double)d.n_train);
    assert_true(fabs(share - 0.6) <= 5 * se);
    dataset_destroy(&d);
    world_destroy(&w);
}

/* A data set depends only on its parameters and seed. */
static void test_dataset_deterministic(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    p.pairs = 2000;
    p.grid = 8;
    world_t w;
    char err[256];
    assert_int_equal(world_create(&w, &p, err, sizeof err), 0);
    dataset_t d1, d2, d3;
    assert_int_equal(dataset_create(&d1, &w), 0);
    assert_int_equal(dataset_create(&d2, &w), 0);
    assert_memory_equal(d1.pts, d2.pts, 4 * sizeof(float) * dataset_size(&d1));
    assert_memory_equal(d1.y, d2.y, dataset_size(&d1));
    world_destroy(&w);
    p.seed = 2;
    assert_int_equal(world_create(&w, &p, err, sizeof err), 0);
    assert_int_equal(dataset_create(&d3, &w), 0);
    assert_true(memcmp(d1.pts, d3.pts, 4 * sizeof(float) * d1.n_train) != 0);
    assert_int_equal(d1.n_held, 200);
    dataset_destroy(&d1);
    dataset_destroy(&d2);
    dataset_destroy(&d3);
    world_destroy(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formulas),
        cmocka_unit_test(test_mixture_needs_components),
        cmocka_unit_test(test_labels_match_probabilities),
        cmocka_unit_test(test_mixture_who),
        cmocka_unit_test(test_dataset_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
