/* The Borda count: a Luce annotator's count against the exact sum over the
   grid's proposal masses within the Monte Carlo error of M draws, the
   identities every count obeys (in [0, 1]; mean 1/2 under the draws
   exactly and under mu up to the Monte Carlo error), Spearman's rank
   correlation on known cases, and a model whose reward is log p* counting
   as the Luce annotator does. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pbde/annotator.h"
#include "pbde/borda.h"
#include "pbde/objective.h"
#include "pbde/params.h"
#include "pbde/rng.h"
#include "pbde/world.h"

static void small_world(world_t *w, int annotator, double s, int proposal, long grid)
{
    params_t p;
    params_defaults(&p);
    p.grid = grid;
    p.annotator = annotator;
    p.rationality = s;
    p.proposal = proposal;
    p.objective = OBJECTIVE_REWARD;
    p.seed = 11;
    char err[256];
    assert_int_equal(world_create(w, &p, err, sizeof err), 0);
}

/* The exact count on the grid: sum_j mu_j P(x_i > x_j), mu_j the
   proposal's cell masses. */
static void exact_count(const world_t *w, double *out)
{
    size_t n = w->grid.n;
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t j = 0; j < n; j++)
            s += exp(w->log_prop[j]) * w->cell_area * annotator_prob(&w->ann, &w->pts[i], &w->pts[j]);
        out[i] = s;
    }
}

/* ---------------------------------------------------------------------- */

/* A Luce annotator of rationality s: every cell's count is within 5
   standard errors of the exact one. The Monte Carlo variance of a cell's
   count is Var(P(x > x'))/M <= BC (1 - BC)/M (P lies in [0, 1]); the
   draws come from the continuous mu and are taken at their cell, whose
   mass the grid's midpoint masses match to ~1e-4 (the 1e-3 floor). */
static void test_luce_against_exact(void **state)
{
    (void)state;
    const double rates[] = { 0.5, 1.0, 3.0 };
    const int props[] = { PROPOSAL_REFERENCE, PROPOSAL_UNIFORM };
    for (size_t q = 0; q < 2; q++)
        for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
            world_t w;
            small_world(&w, ANNOTATOR_LUCE, rates[r], props[q], 32);
            size_t n = w.grid.n;
            borda_world_t b;
            assert_int_equal(borda_world_init(&b, &w, 1), 0);
            assert_int_equal(b.s.M, BORDA_SAMPLES);
            double *ex = malloc(n * sizeof *ex);
            exact_count(&w, ex);
            double worst = 0, mean_abs = 0;
            for (size_t i = 0; i < n; i++) {
                double se = sqrt(ex[i] * (1 - ex[i]) / (double)BORDA_SAMPLES);
                double z = fabs(b.annot[i] - ex[i]) / (5 * se + 1e-3);
                worst = fmax(worst, z);
                mean_abs += fabs(b.annot[i] - ex[i]) / (double)n;
            }
            assert_true(worst <= 1.0);
            /* and not a bound that passes anything: the typical error is
               of the order of one standard error, 0.5/sqrt(M) at most */
            assert_true(mean_abs <= 0.5 / sqrt((double)BORDA_SAMPLES));
            free(ex);
            borda_world_free(&b);
            world_destroy(&w);
        }
}

/* Every annotator: the count lies in [0, 1]; its mean over the draws'
   own distribution h is 1/2 to rounding (sum_ij h_i h_j P_ij = 1/2 when
   P_ij + P_ji = 1); its mean under mu is 1 - mean_j BCexact(x_j), 1/2 up
   to 5 standard errors sqrt(Var_mu(BCexact)/M). */
static void test_count_identities(void **state)
{
    (void)state;
    for (int kind = 0; kind < ANNOTATOR_COUNT; kind++) {
        world_t w;
        small_world(&w, kind, 2.0, PROPOSAL_REFERENCE, 24);
        size_t n = w.grid.n;
        borda_world_t b;
        assert_int_equal(borda_world_init(&b, &w, 1), 0);
        double *ex = malloc(n * sizeof *ex);
        exact_count(&w, ex);
        double lo = 1, hi = 0, on_draws = 0, on_mu = 0, ex_mean = 0, ex_var = 0;
        for (size_t i = 0; i < n; i++) {
            double mu = exp(w.log_prop[i]) * w.cell_area;
            lo = fmin(lo, b.annot[i]);
            hi = fmax(hi, b.annot[i]);
            on_mu += mu * b.annot[i];
            ex_mean += mu * ex[i];
        }
        for (size_t i = 0; i < n; i++)
            ex_var += exp(w.log_prop[i]) * w.cell_area * (ex[i] - ex_mean) * (ex[i] - ex_mean);
        for (size_t j = 0; j < b.s.m; j++) on_draws += b.s.weight[j] * b.annot[b.s.cell[j]];
        assert_true(lo >= 0 && hi <= 1);
        assert_true(fabs(on_draws - 0.5) <= 1e-12);
        assert_true(fabs(ex_mean - 0.5) <= 1e-12);
        assert_true(fabs(on_mu - 0.5) <= 5 * sqrt(ex_var / BORDA_SAMPLES) + 1e-3);

        /* the model's count of any reward obeys the same identities (the
           knots' interpolation aside) */
        double *r = malloc(n * sizeof *r), *bc = malloc(n * sizeof *bc);
        rng_t g = rng_stream(3, RNG_STREAM_TEST);
        for (size_t i = 0; i < n; i++) r[i] = 4 * rng_normal(&g);
        assert_int_equal(borda_reward(bc, &b.s, r), 0);
        double md = 0;
        for (size_t j = 0; j < b.s.m; j++) md += b.s.weight[j] * bc[b.s.cell[j]];
        for (size_t i = 0; i < n; i++) assert_true(bc[i] >= 0 && bc[i] <= 1);
        assert_true(fabs(md - 0.5) <= 1e-4);
        free(r);
        free(bc);
        free(ex);
        borda_world_free(&b);
        world_destroy(&w);
    }
}

/* The draws are a function of the seed: the same seed gives the same
   cells and weights, another seed others. */
static void test_draws_deterministic(void **state)
{
    (void)state;
    world_t w;
    small_world(&w, ANNOTATOR_LUCE, 1.0, PROPOSAL_REFERENCE, 32);
    borda_samples_t a, b, c;
    assert_int_equal(borda_samples_init(&a, &w, 5, 1000), 0);
    assert_int_equal(borda_samples_init(&b, &w, 5, 1000), 0);
    assert_int_equal(borda_samples_init(&c, &w, 6, 1000), 0);
    assert_int_equal(a.m, b.m);
    assert_memory_equal(a.cell, b.cell, a.m * sizeof *a.cell);
    assert_memory_equal(a.weight, b.weight, a.m * sizeof *a.weight);
    int differ = a.m != c.m || memcmp(a.cell, c.cell, a.m * sizeof *a.cell) != 0 ||
                 memcmp(a.weight, c.weight, a.m * sizeof *a.weight) != 0;
    assert_true(differ);
    double sum = 0;
    for (size_t j = 0; j < a.m; j++) sum += a.weight[j];
    assert_true(fabs(sum - 1) <= 1e-12);
    borda_samples_free(&a);
    borda_samples_free(&b);
    borda_samples_free(&c);
    world_destroy(&w);
}

/* ---------------------------------------------------------------------- */

static void test_spearman_known(void **state)
{
    (void)state;
    enum { N = 200 };
    double a[N], b[N], w[N];
    rng_t g = rng_stream(9, RNG_STREAM_TEST);
    for (int i = 0; i < N; i++) {
        a[i] = rng_normal(&g);
        w[i] = rng_uniform(&g);
    }
    /* an increasing transform: 1; a decreasing one: -1; weighted or not */
    for (int i = 0; i < N; i++) b[i] = exp(3 * a[i]) + a[i] * a[i] * a[i];
    assert_true(fabs(borda_spearman(a, b, NULL, N) - 1) <= 1e-12);
    assert_true(fabs(borda_spearman(a, b, w, N) - 1) <= 1e-12);
    for (int i = 0; i < N; i++) b[i] = -atan(a[i]);
    assert_true(fabs(borda_spearman(a, b, NULL, N) + 1) <= 1e-12);
    assert_true(fabs(borda_spearman(a, b, w, N) + 1) <= 1e-12);

    /* no ties, equal weights: the textbook 1 - 6 sum d^2 / (n (n^2 - 1)) */
    for (int i = 0; i < N; i++) b[i] = a[i] + rng_normal(&g);
    double d2 = 0;
    for (int i = 0; i < N; i++) {
        int ra = 0, rb = 0;
        for (int j = 0; j < N; j++) {
            ra += a[j] < a[i];
            rb += b[j] < b[i];
        }
        d2 += (double)(ra - rb) * (ra - rb);
    }
    double text = 1 - 6 * d2 / ((double)N * ((double)N * N - 1));
    assert_true(fabs(borda_spearman(a, b, NULL, N) - text) <= 1e-12);

    /* ties take mid-ranks: ranks (1, 2.5, 2.5, 4) and (1, 3, 2, 4) */
    const double ta[] = { 1, 2, 2, 3 }, tb[] = { 1, 3, 2, 4 };
    assert_true(fabs(borda_spearman(ta, tb, NULL, 4) - 4.5 / sqrt(4.5 * 5)) <= 1e-12);
    /* an integer weight counts a cell that many times */
    const double wa[] = { 2, 1, 1, 1 };
    const double da[] = { 1, 1, 2, 2, 3 }, db[] = { 1, 1, 3, 2, 4 };
    assert_true(fabs(borda_spearman(ta, tb, wa, 4) - borda_spearman(da, db, NULL, 5)) <= 1e-12);
    /* no spread: undefined */
    const double flat[] = { 1, 1, 1, 1 };
    assert_true(isnan(borda_spearman(flat, tb, NULL, 4)));
}

/* ---------------------------------------------------------------------- */

/* A model whose reward is log p* under a Luce annotator of rationality 1
   has the annotator's own choice, so its count is the annotator's (up to
   the knots' interpolation) and its reward ranks the cells as the count
   does. */
static void test_model_log_p_counts_as_luce(void **state)
{
    (void)state;
    world_t w;
    small_world(&w, ANNOTATOR_LUCE, 1.0, PROPOSAL_REFERENCE, 48);
    size_t n = w.grid.n;
    borda_world_t b;
    assert_int_equal(borda_world_init(&b, &w, 1), 0);
    double *bc = malloc(n * sizeof *bc);
    borda_score_t sc;
    assert_int_equal(borda_score(&b, &w, w.log_true, bc, &sc), 0);
    double worst = 0;
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(bc[i] - b.annot[i]));
    assert_true(worst <= 1e-4);
    assert_true(sc.rank_corr >= 0.9999);
    assert_true(fabs(sc.model_mean - 0.5) <= 1e-4);
    /* the correlations need the annotators' count on the draws only */
    borda_world_t d;
    assert_int_equal(borda_world_init(&d, &w, 0), 0);
    borda_score_t sd;
    assert_int_equal(borda_score(&d, &w, w.log_true, NULL, &sd), 0);
    for (size_t j = 0; j < d.s.m; j++) assert_true(d.annot[d.s.cell[j]] == b.annot[d.s.cell[j]]);
    assert_true(fabs(sd.rank_corr - sc.rank_corr) <= 1e-12);
    borda_world_free(&d);
    assert_int_equal(sc.n_comp, 0);
    /* a reward that reverses the order ranks the cells backwards */
    double *neg = malloc(n * sizeof *neg);
    for (size_t i = 0; i < n; i++) neg[i] = -w.log_true[i];
    grid_normalise(neg, n, w.cell_area);
    assert_int_equal(borda_score(&b, &w, neg, NULL, &sc), 0);
    assert_true(sc.rank_corr <= -0.9999);
    free(neg);
    free(bc);
    borda_world_free(&b);
    world_destroy(&w);
}

/* A mixture of annotators: one correlation per annotator, 1 for a reward
   that is that annotator's log-density. */
static void test_mixture_components(void **state)
{
    (void)state;
    world_t w;
    small_world(&w, ANNOTATOR_MIXTURE, 1.0, PROPOSAL_REFERENCE, 32);
    size_t n = w.grid.n;
    borda_world_t b;
    assert_int_equal(borda_world_init(&b, &w, 1), 0);
    double *lm = malloc(n * sizeof *lm);
    for (size_t i = 0; i < n; i++) lm[i] = w.pts[i].lk[0];
    grid_normalise(lm, n, w.cell_area);
    borda_score_t sc;
    assert_int_equal(borda_score(&b, &w, lm, NULL, &sc), 0);
    assert_int_equal(sc.n_comp, w.ann.n_comp);
    assert_true(sc.n_comp >= 2);
    assert_true(sc.comp_corr[0] >= 0.9999);
    assert_true(sc.comp_corr[1] < 0.9999);
    assert_true(sc.rank_corr > -1 && sc.rank_corr < 1);
    free(lm);
    borda_world_free(&b);
    world_destroy(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_luce_against_exact),
        cmocka_unit_test(test_count_identities),
        cmocka_unit_test(test_draws_deterministic),
        cmocka_unit_test(test_spearman_known),
        cmocka_unit_test(test_model_log_p_counts_as_luce),
        cmocka_unit_test(test_mixture_components),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
