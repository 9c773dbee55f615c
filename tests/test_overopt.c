/* Reward over-optimisation on the grid: the gold win rates against the
   annotator's own double sum, best-of-n against Monte Carlo draws, RL's
   limits in kappa, a perfect reward's gold never falling, the fits on
   exact curves, and the sweep's contract. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pbde/annotator.h"
#include "pbde/objective.h"
#include "pbde/overopt.h"
#include "pbde/params.h"
#include "pbde/rng.h"
#include "pbde/world.h"

static void small_world(world_t *w, int annotator, double s, long grid)
{
    params_t p;
    params_defaults(&p);
    p.grid = grid;
    p.annotator = annotator;
    p.rationality = s;
    p.flip = 0.2;
    p.annotator_beta = 2.0;
    char err[256];
    assert_int_equal(world_create(w, &p, err, sizeof err), 0);
}

/* ---------------------------------------------------------------------- */

/* Every annotator's table w_i = sum_j ref_j P(i > j) equals the plain
   double sum over annotator_prob, saturated links included (s = 4 makes
   most pairs lie beyond the width), and E_ref[w] = 1/2. */
static void test_win_table_matches_double_sum(void **state)
{
    (void)state;
    for (int kind = 0; kind < ANNOTATOR_COUNT; kind++) {
        world_t w;
        small_world(&w, kind, kind == ANNOTATOR_LUCE ? 4.0 : 1.0, 20);
        overopt_gold_t g;
        assert_int_equal(overopt_gold_init_world(&g, &w), 0);
        size_t n = w.grid.n;
        double worst = 0, mean = 0;
        for (size_t i = 0; i < n; i++) {
            double s = 0;
            for (size_t j = 0; j < n; j++) s += g.ref[j] * annotator_prob(&w.ann, &w.pts[i], &w.pts[j]);
            worst = fmax(worst, fabs(s - g.win[i]));
            mean += g.ref[i] * g.win[i];
        }
        assert_true(worst <= 1e-12);
        assert_true(fabs(mean - 0.5) <= 1e-12);
        overopt_gold_free(&g);
        world_destroy(&w);
    }
}

/* Hardmax on items with tied log p* (the step's 1/2 on ties). */
static void test_win_table_ties(void **state)
{
    (void)state;
    enum { N = 30 };
    annotator_point_t pts[N];
    double lr[N];
    memset(pts, 0, sizeof pts);
    rng_t rng = rng_stream(7, RNG_STREAM_TEST);
    for (int i = 0; i < N; i++) {
        pts[i].lp = -(double)(i % 6); /* six values, five items each */
        lr[i] = log(0.1 + rng_uniform(&rng));
    }
    density_t d;
    density_init(&d, 0);
    annotator_t a;
    assert_int_equal(annotator_init(&a, ANNOTATOR_HARDMAX, 1, 1, 0, &d), 0);
    overopt_gold_t g;
    assert_int_equal(overopt_gold_init(&g, &a, pts, lr, N), 0);
    for (int i = 0; i < N; i++) {
        double s = 0;
        for (int j = 0; j < N; j++) s += g.ref[j] * annotator_prob(&a, &pts[i], &pts[j]);
        assert_true(fabs(s - g.win[i]) <= 1e-14);
    }
    overopt_gold_free(&g);
}

/* ---------------------------------------------------------------------- */

/* Best-of-n's exact masses against n-draw Monte Carlo on 24 cells with
   ties in r^ (the best draw picked uniformly among the tied ones): the
   chi-square statistic over the cells of positive mass stays below
   df + 5 sqrt(2 df), five standard deviations of its null distribution. */
static void test_bon_matches_monte_carlo(void **state)
{
    (void)state;
    enum { N = 24, TRIALS = 200000 };
    double ref[N], rhat[N], pi[N], cdf[N];
    size_t order[N];
    rng_t rng = rng_stream(11, RNG_STREAM_TEST);
    double z = 0;
    for (int i = 0; i < N; i++) {
        ref[i] = 0.2 + rng_uniform(&rng);
        z += ref[i];
        rhat[i] = (double)((i * 7) % 9); /* nine values: ties of two or three cells */
    }
    for (int i = 0; i < N; i++) ref[i] /= z;
    for (int i = 0; i < N; i++) cdf[i] = (i ? cdf[i - 1] : 0) + ref[i];
    assert_int_equal(overopt_sort(rhat, N, order), 0);
    static const int DRAWS[] = { 1, 3, 8 };
    for (size_t t = 0; t < sizeof DRAWS / sizeof DRAWS[0]; t++) {
        int nd = DRAWS[t];
        double kl = overopt_bon_policy(ref, rhat, order, N, nd, pi);
        double sum = 0, kl2 = 0;
        for (int i = 0; i < N; i++) {
            sum += pi[i];
            if (pi[i] > 0) kl2 += pi[i] * log(pi[i] / ref[i]);
        }
        assert_true(fabs(sum - 1) <= 1e-12);
        assert_true(fabs(kl - kl2) <= 1e-12);
        assert_true(nd > 1 || kl <= 1e-12);
        long count[N] = { 0 };
        for (long k = 0; k < TRIALS; k++) {
            int best[16], nb = 0;
            double bv = -HUGE_VAL;
            for (int j = 0; j < nd; j++) {
                double u = rng_uniform(&rng) * cdf[N - 1];
                int c = 0;
                while (c < N - 1 && cdf[c] < u) c++;
                if (rhat[c] > bv) {
                    bv = rhat[c];
                    nb = 0;
                }
                if (rhat[c] == bv) best[nb++] = c;
            }
            int pick = best[(int)(rng_uniform(&rng) * nb)];
            count[pick]++;
        }
        double chi = 0;
        int df = -1;
        for (int i = 0; i < N; i++) {
            double e = pi[i] * TRIALS;
            if (e <= 0) {
                assert_int_equal(count[i], 0);
                continue;
            }
            chi += (count[i] - e) * (count[i] - e) / e;
            df++;
        }
        assert_true(chi <= df + 5 * sqrt(2.0 * df));
    }
}

/* The masses of a tied top group follow pi_ref inside the group. */
static void test_bon_tied_top_shares(void **state)
{
    (void)state;
    double ref[4] = { 0.1, 0.2, 0.3, 0.4 }, rhat[4] = { 1, 5, 5, 0 }, pi[4];
    size_t order[4];
    assert_int_equal(overopt_sort(rhat, 4, order), 0);
    overopt_bon_policy(ref, rhat, order, 4, 4, pi);
    double top = 1 - pow(1 - 0.5, 4); /* the best of 4 lands on value 5 */
    assert_true(fabs(pi[1] - top * 0.4) <= 1e-15);
    assert_true(fabs(pi[2] - top * 0.6) <= 1e-15);
    /* value 1 (mass 0.1) is best when no draw hits value 5: 0.5^4 - 0.4^4 */
    assert_true(fabs(pi[0] - (pow(0.5, 4) - pow(0.4, 4))) <= 1e-15);
    assert_true(fabs(pi[3] - pow(0.4, 4)) <= 1e-15);
}

/* ---------------------------------------------------------------------- */

/* pi_kappa -> pi_ref as kappa -> infinity and -> the argmax of r^ (its
   tied cells sharing in proportion to pi_ref) as kappa -> 0. */
static void test_rl_limits(void **state)
{
    (void)state;
    enum { N = 50 };
    double lref[N], ref[N], rhat[N], pi[N];
    rng_t rng = rng_stream(3, RNG_STREAM_TEST);
    double z = 0;
    for (int i = 0; i < N; i++) {
        ref[i] = 0.1 + rng_uniform(&rng);
        z += ref[i];
        rhat[i] = 3.0 * rng_uniform(&rng);
    }
    rhat[17] = rhat[33] = 4.0; /* the argmax, two cells */
    for (int i = 0; i < N; i++) {
        ref[i] /= z;
        lref[i] = log(ref[i]);
    }
    double kl = overopt_rl_policy(lref, rhat, N, 1e-9, pi);
    for (int i = 0; i < N; i++) assert_true(fabs(pi[i] - ref[i]) <= 1e-8 * ref[i]);
    assert_true(kl <= 1e-15);
    kl = overopt_rl_policy(lref, rhat, N, 1e4, pi);
    double q = ref[17] + ref[33];
    assert_true(fabs(pi[17] - ref[17] / q) <= 1e-12);
    assert_true(fabs(pi[33] - ref[33] / q) <= 1e-12);
    assert_true(fabs(kl + log(q)) <= 1e-9);
    /* and KL grows with 1/kappa in between */
    double prev = 0;
    for (double lam = 0.01; lam < 100; lam *= 1.5) {
        kl = overopt_rl_policy(lref, rhat, N, lam, pi);
        assert_true(kl >= prev);
        prev = kl;
    }
}

/* ---------------------------------------------------------------------- */

/* With the gold reward itself as the proxy, gold (= proxy) and the win
   rate never fall as KL grows, for either optimiser; KL increases, pi_ref
   comes first with win rate 1/2, and the RL sweep ends at kl_max. */
static void test_perfect_reward_never_falls(void **state)
{
    (void)state;
    world_t w;
    small_world(&w, ANNOTATOR_LUCE, 1.0, 32);
    overopt_gold_t g;
    assert_int_equal(overopt_gold_init_world(&g, &w), 0);
    overopt_t *o = overopt_create(g.n);
    assert_non_null(o);
    for (int m = 0; m < OVEROPT_METHOD_COUNT; m++) {
        overopt_sweep_t s;
        overopt_sweep_defaults(&s);
        s.method = m;
        s.kl_max = 4;
        overopt_curve_t c;
        assert_int_equal(overopt_sweep(o, &g, g.gold, &s, &c), 0);
        assert_true(c.n_points >= (m == OVEROPT_RL ? s.points : 20));
        assert_true(c.kl[0] == 0 && fabs(c.winrate[0] - 0.5) <= 1e-12);
        for (int i = 1; i < c.n_points; i++) {
            assert_true(c.kl[i] > c.kl[i - 1]);
            assert_true(c.gold[i] >= c.gold[i - 1] - 1e-12);
            assert_true(c.winrate[i] >= c.winrate[i - 1] - 1e-12);
            assert_true(fabs(c.proxy[i] - c.gold[i]) <= 1e-9 * (1 + fabs(c.gold[i])));
        }
        assert_int_equal(c.peak, c.n_points - 1);
        if (m == OVEROPT_RL) assert_true(fabs(c.kl[c.n_points - 1] - 4) <= 1e-6);
        else assert_true(c.kl[c.n_points - 1] <= 4 + 1e-9 && c.kl[c.n_points - 1] >= 3.5);
    }
    overopt_destroy(o);
    overopt_gold_free(&g);
    world_destroy(&w);
}

/* The policy at a KL budget: RL hits it, best-of-n takes the nearest
   whole n; refresh equals sweep on the implicit reward. */
static void test_policy_at_and_refresh(void **state)
{
    (void)state;
    world_t w;
    small_world(&w, ANNOTATOR_LUCE, 1.0, 24);
    overopt_gold_t g;
    assert_int_equal(overopt_gold_init_world(&g, &w), 0);
    size_t n = g.n;
    overopt_t *o = overopt_create(n);
    double *lm = malloc(n * sizeof *lm), *rhat = malloc(n * sizeof *rhat),
           *lp = malloc(n * sizeof *lp);
    assert_non_null(o);
    assert_non_null(lm);
    assert_non_null(rhat);
    assert_non_null(lp);
    /* a model: p* tilted towards the narrow mode's opposite corner */
    for (size_t i = 0; i < n; i++) lm[i] = w.log_true[i] + 0.3 * (double)w.grid.xy[2 * i];
    objective_t obj = w.obj;
    obj.kind = OBJECTIVE_DPO;
    obj.beta = 2;
    overopt_proxy_reward(&obj, lm, w.log_ref, n, rhat);
    for (size_t i = 0; i < n; i++) assert_true(fabs(rhat[i] - 2 * (lm[i] - w.log_ref[i])) <= 1e-12);
    overopt_sweep_t s;
    overopt_sweep_defaults(&s);
    overopt_score_t sc;
    double param;
    assert_int_equal(overopt_policy_at(o, &g, rhat, &s, 1.5, w.cell_area, lp, &sc, &param), 0);
    assert_true(fabs(sc.kl - 1.5) <= 1e-6);
    double mass = 0;
    for (size_t i = 0; i < n; i++) mass += exp(lp[i]) * w.cell_area;
    assert_true(fabs(mass - 1) <= 1e-9);
    s.method = OVEROPT_BON;
    assert_int_equal(overopt_policy_at(o, &g, rhat, &s, 1.5, w.cell_area, lp, &sc, &param), 0);
    assert_true(param == floor(param) && param >= 2);
    overopt_curve_t c1, c2;
    assert_int_equal(overopt_sweep(o, &g, rhat, &s, &c1), 0);
    assert_int_equal(overopt_refresh(o, &g, &obj, lm, w.log_ref, w.cell_area, &s, -1, &c2, lp), 0);
    assert_int_equal(c1.n_points, c2.n_points);
    for (int i = 0; i < c1.n_points; i++) {
        assert_true(c1.kl[i] == c2.kl[i] && c1.gold[i] == c2.gold[i]);
        assert_true(c1.winrate[i] == c2.winrate[i]);
    }
    /* a bad sweep is refused */
    s.points = 1;
    assert_int_equal(overopt_sweep(o, &g, rhat, &s, &c1), -1);
    free(lm);
    free(rhat);
    free(lp);
    overopt_destroy(o);
    overopt_gold_free(&g);
    world_destroy(&w);
}

/* ---------------------------------------------------------------------- */

/* Exact curves of either form give their alpha and beta back. */
static void test_fit_recovers_forms(void **state)
{
    (void)state;
    enum { M = 30 };
    double kl[M], gold[M];
    for (int form = 0; form < OVEROPT_FORM_COUNT; form++) {
        for (int i = 0; i < M; i++) {
            double d = 0.1 * i;
            kl[i] = d * d;
            gold[i] = d * (1.3 - 0.4 * (form == OVEROPT_FORM_RL ? (d > 0 ? log(d) : 0) : d));
        }
        overopt_fit_t f;
        assert_int_equal(overopt_fit(kl, gold, M, form, &f), 0);
        assert_true(fabs(f.alpha - 1.3) <= 1e-10);
        assert_true(fabs(f.beta - 0.4) <= 1e-10);
        assert_true(f.rmse <= 1e-10);
    }
    overopt_fit_t f;
    assert_int_equal(overopt_fit(kl, gold, 2, OVEROPT_FORM_BON, &f), -1); /* one d > 0 */
    assert_true(isnan(f.alpha));
}

/* The implicit rewards of pbde list objectives. */
static void test_implicit_rewards(void **state)
{
    (void)state;
    objective_t o;
    memset(&o, 0, sizeof o);
    o.beta = 3;
    o.alpha = 0.25;
    o.tau = 0.5;
    /* two cells: log pi = (-1, -2), log pi_ref = (-1.5, -1) */
    const double lm[2] = { -1, -2 }, lr[2] = { -1.5, -1 };
    double r[2];
    o.kind = OBJECTIVE_REWARD; /* log pi */
    objective_implicit_reward(&o, lm, lr, 2, r);
    assert_true(r[0] == -1 && r[1] == -2);
    o.kind = OBJECTIVE_DPO; /* beta log(pi/pi_ref) */
    objective_implicit_reward(&o, lm, lr, 2, r);
    assert_true(r[0] == 1.5 && r[1] == -3);
    o.kind = OBJECTIVE_GEOMETRIC; /* log pi_ref + 4 (log pi - log pi_ref) */
    objective_implicit_reward(&o, lm, lr, 2, r);
    assert_true(r[0] == 0.5 && r[1] == -5);
    o.kind = OBJECTIVE_IPO; /* log(pi/pi_ref), its row's reward */
    objective_implicit_reward(&o, lm, lr, 2, r);
    assert_true(r[0] == 0.5 && r[1] == -1);
    o.kind = OBJECTIVE_CHIPO; /* beta (w + log w) through its link */
    objective_implicit_reward(&o, lm, lr, 2, r);
    assert_true(fabs(r[0] - 3 * (exp(0.5) + 0.5)) < 1e-12 && fabs(r[1] - 3 * (exp(-1.0) - 1)) < 1e-12);
    for (int k = 0; k < OBJECTIVE_COUNT; k++) assert_non_null(objective_reward(k));
    for (int k = 0; k < ANNOTATOR_COUNT; k++) assert_non_null(overopt_gold_describe(k));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_win_table_matches_double_sum),
        cmocka_unit_test(test_win_table_ties),
        cmocka_unit_test(test_bon_matches_monte_carlo),
        cmocka_unit_test(test_bon_tied_top_shares),
        cmocka_unit_test(test_rl_limits),
        cmocka_unit_test(test_perfect_reward_never_falls),
        cmocka_unit_test(test_policy_at_and_refresh),
        cmocka_unit_test(test_fit_recovers_forms),
        cmocka_unit_test(test_implicit_rewards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
