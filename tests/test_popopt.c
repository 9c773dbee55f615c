/* The population optimum: on the coarse grid it must land on every
   closed form of design §2 and of the zoo (acceptance: KL <= 0.01; the
   solver is asked for much more), on a handful of items it must match a
   plain gradient descent on the population loss written pair by pair, it
   must say when no optimum exists, and the world must carry it as its
   theory when there is no closed form. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pbde/grid.h"
#include "pbde/popopt.h"
#include "pbde/rng.h"
#include "pbde/theory.h"
#include "pbde/world.h"

/* ---------------------------------------------------------------------- */
/* Closed forms on the coarse grid                                          */

/* Builds the world of (annotator, objective) on the coarse grid: the
   world's theory is the closed form; the numerical optimum is solved on
   the same cells. Returns KL(closed form || numerical). */
static double closed_vs_numerical(params_t p)
{
    p.grid = POPOPT_GRID;
    world_t w;
    char err[256];
    if (world_create(&w, &p, err, sizeof err) != 0) fail_msg("world_create: %s", err);
    if (w.theory_kind != WORLD_THEORY_CLOSED)
        fail_msg("%s x %s: expected a closed form", annotator_name(p.annotator), objective_name(p.objective));
    double *num = malloc(w.grid.n * sizeof *num);
    popopt_info_t info;
    assert_int_equal(popopt_on_grid(&w, POPOPT_GRID, num, &info), POPOPT_OK);
    double kl = grid_kl(w.log_theory, num, w.grid.n, w.cell_area);
    printf("  %-9s x %-9s %-8s KL(closed||numerical) %.1e  %6.0f ms, %2d Newton, %3ld passes\n",
           annotator_name(p.annotator), objective_name(p.objective), params_proposal_name(p.proposal),
           kl, info.ms, info.newton, info.passes);
    free(num);
    world_destroy(&w);
    return kl;
}

/* The measured agreement is ~1e-14 (the solver stops at a Newton
   decrement of 1e-7, i.e. log-density errors ~1e-5 at worst); 1e-6 leaves
   room for rounding and is four orders inside the acceptance's 0.01. */
#define CLOSED_FORM_KL 1e-6

static void test_closed_forms(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    /* design §2: reward, dpo, geometric on luce and dpo annotators */
    const int annotators[] = { ANNOTATOR_LUCE, ANNOTATOR_DPO };
    const int logistic[] = { OBJECTIVE_REWARD, OBJECTIVE_DPO, OBJECTIVE_GEOMETRIC };
    for (int a = 0; a < 2; a++)
        for (int o = 0; o < 3; o++) {
            params_t q = p;
            q.annotator = annotators[a];
            q.objective = logistic[o];
            q.rationality = 1.5;
            q.annotator_beta = 1.5; /* beta_a = 4 puts 500 nats across the box: slower, no different */
            assert_true(closed_vs_numerical(q) <= CLOSED_FORM_KL);
        }
    /* ipo for any annotator (hardmax included: w is still defined) */
    for (int a = 0; a < ANNOTATOR_COUNT; a++) {
        params_t q = p;
        q.annotator = a;
        q.objective = OBJECTIVE_IPO;
        assert_true(closed_vs_numerical(q) <= CLOSED_FORM_KL);
    }
    /* a uniform proposal */
    params_t q = p;
    q.proposal = PROPOSAL_UNIFORM;
    q.objective = OBJECTIVE_DPO;
    assert_true(closed_vs_numerical(q) <= CLOSED_FORM_KL);
}

static void test_zoo_closed_forms(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    /* sft learns the winner density 2 mu w, for any annotator and proposal */
    const int annotators[] = { ANNOTATOR_LUCE, ANNOTATOR_THURSTONE, ANNOTATOR_MIXTURE };
    for (int a = 0; a < 3; a++) {
        params_t q = p;
        q.annotator = annotators[a];
        q.objective = OBJECTIVE_SFT;
        assert_true(closed_vs_numerical(q) <= CLOSED_FORM_KL);
    }
    params_t q = p;
    q.objective = OBJECTIVE_SFT;
    q.proposal = PROPOSAL_UNIFORM;
    assert_true(closed_vs_numerical(q) <= CLOSED_FORM_KL);
    /* nca at beta = 1 with mu = pi_ref: the winner density too */
    q = p;
    q.objective = OBJECTIVE_NCA;
    q.beta = 1;
    assert_true(closed_vs_numerical(q) <= CLOSED_FORM_KL);
    /* robust DPO on labels flipped at its own rate: clean DPO's optimum */
    q = p;
    q.objective = OBJECTIVE_ROBUST;
    q.annotator = ANNOTATOR_NOISY;
    q.flip = q.smoothing = 0.2;
    assert_true(closed_vs_numerical(q) <= CLOSED_FORM_KL);
}

/* ---------------------------------------------------------------------- */
/* A handful of items against plain gradient descent                         */

enum { N = 10 };
/* hinges: the smoothed optimum's exact loss exceeds the brute force's by
   3.9e-3 .. 8.1e-3 (hinge) and 7e-4 .. 1.9e-3 (slic), measured */
#define HINGE_GAP 1e-2

typedef struct {
    annotator_point_t pts[N];
    double mu[N], ref[N];
} items_t;

static void make_items(items_t *it, uint64_t seed)
{
    rng_t rng = rng_stream(seed, RNG_STREAM_TEST);
    double zm = 0, zr = 0;
    memset(it, 0, sizeof *it);
    for (int i = 0; i < N; i++) {
        it->pts[i].lp = -3.0 * rng_uniform(&rng);
        it->pts[i].lr = log(0.2 + rng_uniform(&rng));
        it->pts[i].lk[0] = -3.0 * rng_uniform(&rng);
        it->pts[i].lk[1] = -3.0 * rng_uniform(&rng);
        it->mu[i] = 0.2 + rng_uniform(&rng);
        it->ref[i] = exp(it->pts[i].lr);
        zm += it->mu[i];
        zr += it->ref[i];
    }
    for (int i = 0; i < N; i++) {
        it->mu[i] /= zm;
        it->ref[i] /= zr;
    }
}

/* The population loss written pair by pair and label by label (no shared
   code with the solver beyond the per-pair losses), and its gradient in
   r, with log pi = log base + r - log Z. */
static double brute_loss(const items_t *it, const annotator_t *a, const objective_t *o,
                         const double *r, double *g)
{
    double base[N], lz = -HUGE_VAL, u[N], pi[N], F = 0, G[N] = { 0 };
    int ref = objective_uses_ref(o->kind), item = objective_is_itemwise(o->kind);
    for (int i = 0; i < N; i++) {
        base[i] = ref ? log(it->ref[i]) : 0.0;
        double v = base[i] + r[i];
        lz = lz > v ? lz + log1p(exp(v - lz)) : v + log1p(exp(lz - v));
    }
    for (int i = 0; i < N; i++) {
        u[i] = r[i] - lz;
        pi[i] = exp(base[i] + u[i]);
    }
    for (int i = 0; i < N; i++) g[i] = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double P = annotator_prob(a, &it->pts[i], &it->pts[j]), w = it->mu[i] * it->mu[j];
            double dref = log(it->ref[i]) - log(it->ref[j]);
            for (int y = 0; y < 2; y++) {
                double py = y ? P : 1 - P, gd, ga, gb;
                if (py == 0) continue;
                if (item) {
                    F += w * py * objective_items_loss(o, u[i], u[j], y, &ga, &gb);
                    G[i] += w * py * ga;
                    G[j] += w * py * gb;
                } else {
                    F += w * py * objective_pair_loss(o, r[i] - r[j], dref, y, &gd);
                    g[i] += w * py * gd;
                    g[j] -= w * py * gd;
                }
            }
        }
    double S = 0;
    for (int i = 0; i < N; i++) S += G[i];
    for (int i = 0; i < N; i++) g[i] += G[i] - pi[i] * S;
    if (o->kind == OBJECTIVE_SLIC)
        for (int i = 0; i < N; i++) {
            F -= o->lambda * it->ref[i] * (base[i] + u[i]);
            g[i] += o->lambda * (pi[i] - it->ref[i]);
        }
    return F;
}

/* Gradient descent preconditioned by 1/mu with a backtracking step;
   returns the loss, the optimum's log masses in out. */
static double brute_force(const items_t *it, const annotator_t *a, const objective_t *o,
                          double *out)
{
    double r[N] = { 0 }, g[N], rt[N], gt[N], step = 1.0;
    double F = brute_loss(it, a, o, r, g);
    for (int iter = 0; iter < 200000 && step > 1e-14; iter++) {
        for (int i = 0; i < N; i++) rt[i] = r[i] - step * g[i] / it->mu[i];
        double Ft = brute_loss(it, a, o, rt, gt);
        if (Ft < F) {
            memcpy(r, rt, sizeof r);
            memcpy(g, gt, sizeof g);
            F = Ft;
            step *= 1.2;
        } else {
            step *= 0.5;
        }
    }
    int ref = objective_uses_ref(o->kind);
    for (int i = 0; i < N; i++) out[i] = (ref ? log(it->ref[i]) : 0.0) + r[i];
    grid_normalise(out, N, 1.0);
    return F;
}

static void small_case(const items_t *it, int annotator, objective_kind kind, double beta,
                       double *kl_out, double *dloss_out)
{
    annotator_t a = { 0 };
    a.kind = (annotator_kind)annotator;
    a.s = 1.3;
    a.beta = 0.7;
    a.eps = 0.2;
    a.n_comp = 2;
    a.w[0] = 0.35;
    a.w[1] = 0.65;
    objective_t o = { kind, beta, 0.25, 0.5, 0.3, 0.5, 1, 0.1, 1.0, 0.8, 0.0 };
    popopt_problem_t pb = { N, it->pts, it->mu, it->ref, &a, &o, NULL };
    double num[N], brute[N];
    popopt_info_t info;
    assert_int_equal(popopt_solve(&pb, NULL, num, &info), POPOPT_OK);
    double fb = brute_force(it, &a, &o, brute);
    *kl_out = grid_kl(brute, num, N, 1.0);
    *dloss_out = info.loss - fb;
}

/* Smooth objectives: the same optimum (the brute force converges to
   ~1e-10 on these strictly convex problems; 1e-8 leaves margin). The
   non-convex kto must reach a loss at least as low as the brute force
   from a flat start (its beta continuation avoids the poorer basins;
   measured 3e-7 lower). Hinges: the smoothed optimum's exact loss is at
   most HINGE_GAP above the brute force's: the price of the smoothing. */
static void test_small_problems(void **state)
{
    (void)state;
    items_t it;
    make_items(&it, 5);
    const objective_kind smooth[] = { OBJECTIVE_REWARD, OBJECTIVE_DPO, OBJECTIVE_GEOMETRIC,
                                      OBJECTIVE_IPO, OBJECTIVE_CDPO, OBJECTIVE_EXO,
                                      OBJECTIVE_NCA, OBJECTIVE_BCO, OBJECTIVE_SPPO, OBJECTIVE_SFT };
    const int annotators[] = { ANNOTATOR_LUCE, ANNOTATOR_THURSTONE, ANNOTATOR_NOISY, ANNOTATOR_MIXTURE };
    for (size_t k = 0; k < sizeof smooth / sizeof smooth[0]; k++)
        for (int a = 0; a < 4; a++) {
            double kl, dl;
            small_case(&it, annotators[a], smooth[k], 2.0, &kl, &dl);
            if (!(kl <= 1e-8 && fabs(dl) <= 1e-9))
                fail_msg("%s x %s: KL(brute||solver) %.3g, loss gap %.3g", annotator_name(annotators[a]),
                         objective_name(smooth[k]), kl, dl);
        }
    for (int a = 0; a < 4; a++) {
        double kl, dl;
        small_case(&it, annotators[a], OBJECTIVE_KTO, 2.0, &kl, &dl);
        printf("  %s x kto: loss - brute force's %.2e\n", annotator_name(annotators[a]), dl);
        assert_true(dl <= 1e-9);
        const objective_kind hinges[] = { OBJECTIVE_HINGE, OBJECTIVE_SLIC };
        for (int h = 0; h < 2; h++) {
            small_case(&it, annotators[a], hinges[h], 2.0, &kl, &dl);
            printf("  %s x %s: loss - brute force's %.2e\n", annotator_name(annotators[a]),
                   objective_name(hinges[h]), dl);
            assert_true(dl >= -1e-9 && dl <= HINGE_GAP);
        }
    }
}

/* ---------------------------------------------------------------------- */
/* No optimum                                                               */

static void test_no_optimum(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    p.grid = 24;
    struct { int annotator, objective; int status; } cases[] = {
        /* robust DPO on clean labels: pairs with P < eps pull h to -inf */
        { ANNOTATOR_LUCE, OBJECTIVE_ROBUST, POPOPT_UNBOUNDED },
        /* a logistic loss on hardmax labels: the density sharpens forever */
        { ANNOTATOR_HARDMAX, OBJECTIVE_REWARD, POPOPT_UNBOUNDED },
        /* the mixture: not claimed */
        { ANNOTATOR_LUCE, OBJECTIVE_MIXTURE, POPOPT_UNSUPPORTED },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        params_t q = p;
        q.annotator = cases[i].annotator;
        q.objective = cases[i].objective;
        world_t w;
        char err[256];
        assert_int_equal(world_create(&w, &q, err, sizeof err), 0);
        double *out = malloc(w.grid.n * sizeof *out);
        assert_int_equal(popopt_on_grid(&w, 24, out, NULL), cases[i].status);
        assert_null(w.log_theory);
        assert_int_equal(w.theory_kind, WORLD_THEORY_NONE);
        assert_true(strlen(w.theory_note) > 0);
        assert_true(isnan(w.kl_true_theory));
        free(out);
        world_destroy(&w);
    }
}

/* ---------------------------------------------------------------------- */
/* The world's theory                                                       */

static void test_world_numerical(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    p.grid = 64; /* larger than the coarse grid: solved on 48, resampled */
    p.annotator = ANNOTATOR_THURSTONE;
    world_t w;
    char err[256];
    assert_int_equal(world_create(&w, &p, err, sizeof err), 0);
    assert_int_equal(w.theory_kind, WORLD_THEORY_NUMERICAL);
    assert_string_equal(w.theory_name, "numerical optimum");
    assert_int_equal(w.theory_grid, POPOPT_GRID);
    assert_true(w.theory_ms > 0);
    double s = 0;
    for (size_t i = 0; i < w.grid.n; i++) s += exp(w.log_theory[i]) * w.cell_area;
    assert_true(fabs(s - 1) < 1e-9);
    /* probit labels are close to logistic ones: the optimum is close to p*
       (measured 0.0047) but not equal to it */
    printf("  thurstone x reward: KL(p*||optimum) %.4f, %.0f ms\n", w.kl_true_theory, w.theory_ms);
    assert_true(w.kl_true_theory > 1e-3 && w.kl_true_theory < 0.02);
    world_destroy(&w);
    /* item-wise objectives are solved on the world's grid from its win
       rates: the same optimum as the pair sums over the grid */
    p.grid = POPOPT_GRID;
    p.objective = OBJECTIVE_BCO;
    assert_int_equal(world_create(&w, &p, err, sizeof err), 0);
    assert_int_equal(w.theory_kind, WORLD_THEORY_NUMERICAL);
    double *num = malloc(w.grid.n * sizeof *num);
    assert_int_equal(popopt_on_grid(&w, POPOPT_GRID, num, NULL), POPOPT_OK);
    assert_true(grid_kl(num, w.log_theory, w.grid.n, w.cell_area) < 1e-10);
    free(num);
    world_destroy(&w);
}

/* Solved on the coarse grid and carried to a finer world grid, the
   optimum still matches the closed forms evaluated on the fine grid, even
   where p* has edges (checkerboard): measured <= 9e-8 (a plain bicubic
   resampling of the same optimum is off by up to 1.5e-2 there). */
static void test_carried_to_world(void **state)
{
    (void)state;
    struct { int objective; const char *density; } cases[] = {
        { OBJECTIVE_DPO, "two-gauss" },    { OBJECTIVE_DPO, "checkerboard" },
        { OBJECTIVE_IPO, "checkerboard" }, { OBJECTIVE_SFT, "two-gauss" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        params_t p;
        params_defaults(&p);
        p.grid = 100;
        p.objective = cases[i].objective;
        p.density = density_find(cases[i].density);
        world_t w;
        char err[256];
        assert_int_equal(world_create(&w, &p, err, sizeof err), 0);
        double *c = malloc((size_t)POPOPT_GRID * POPOPT_GRID * sizeof *c), *f = malloc(w.grid.n * sizeof *f);
        assert_int_equal(popopt_on_grid(&w, POPOPT_GRID, c, NULL), POPOPT_OK);
        assert_int_equal(popopt_to_world(&w, c, POPOPT_GRID, f), POPOPT_OK);
        double kl = grid_kl(w.log_theory, f, w.grid.n, w.cell_area);
        printf("  %s on %s, 48 -> 100: KL(closed form||carried) %.1e\n", objective_name(p.objective),
               cases[i].density, kl);
        assert_true(kl <= 1e-6);
        free(c);
        free(f);
        world_destroy(&w);
    }
}

/* A world rebuilt for other data or training takes the optimum from the
   previous one; a change to the objective computes it again. */
static void test_world_cache(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    p.grid = 32;
    p.annotator = ANNOTATOR_NOISY;
    world_t a, b, c;
    char err[256];
    assert_int_equal(world_create(&a, &p, err, sizeof err), 0);
    assert_int_equal(a.theory_kind, WORLD_THEORY_NUMERICAL);
    params_t q = p;
    q.seed = 7;
    q.pairs = 1000;
    q.lr = 1e-2;
    assert_int_equal(world_create_from(&b, &q, &a, err, sizeof err), 0);
    assert_memory_equal(a.log_theory, b.log_theory, a.grid.n * sizeof(double));
    assert_true(b.theory_ms == a.theory_ms); /* copied, not recomputed */
    q.beta = 2;
    q.objective = OBJECTIVE_DPO;
    assert_int_equal(world_create_from(&c, &q, &a, err, sizeof err), 0);
    assert_int_equal(c.theory_kind, WORLD_THEORY_NUMERICAL);
    assert_true(grid_kl(c.log_theory, a.log_theory, c.grid.n, c.cell_area) > 1e-3);
    world_destroy(&a);
    world_destroy(&b);
    world_destroy(&c);
}

/* Resampling reproduces a quadratic log-density inside the grid (Catmull-
   Rom is exact on quadratics) and does not ring at a cliff. */
static void test_resample(void **state)
{
    (void)state;
    const int Gs = 24, Gd = 60;
    const double L = 6;
    double src[24 * 24], dst[60 * 60];
    for (int j = 0; j < Gs; j++)
        for (int i = 0; i < Gs; i++) {
            double x = -L + (i + 0.5) * 2 * L / Gs, y = -L + (j + 0.5) * 2 * L / Gs;
            src[j * Gs + i] = -0.2 * (x - 0.5) * (x - 0.5) - 0.1 * x * y - 0.1 * y * y;
        }
    double area = (2 * L / Gd) * (2 * L / Gd);
    popopt_resample(src, Gs, dst, Gd, area);
    double off = 0;
    int first = 1;
    for (int j = 0; j < Gd; j++)
        for (int i = 0; i < Gd; i++) {
            double x = -L + (i + 0.5) * 2 * L / Gd, y = -L + (j + 0.5) * 2 * L / Gd;
            if (fabs(x) > L - 3 * L / Gs || fabs(y) > L - 3 * L / Gs) continue;
            double want = -0.2 * (x - 0.5) * (x - 0.5) - 0.1 * x * y - 0.1 * y * y;
            if (first) off = dst[j * Gd + i] - want, first = 0;
            assert_true(fabs(dst[j * Gd + i] - want - off) < 1e-9);
        }
    /* a cliff: 0 on the left half, -30 on the right */
    for (int j = 0; j < Gs; j++)
        for (int i = 0; i < Gs; i++) src[j * Gs + i] = i < Gs / 2 ? 0.0 : -30.0;
    popopt_resample(src, Gs, dst, Gd, area);
    double top = -HUGE_VAL, bottom = HUGE_VAL;
    for (int k = 0; k < Gd * Gd; k++) {
        top = fmax(top, dst[k]);
        bottom = fmin(bottom, dst[k]);
    }
    assert_true(top - bottom <= 30 + 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closed_forms),
        cmocka_unit_test(test_zoo_closed_forms),
        cmocka_unit_test(test_small_problems),
        cmocka_unit_test(test_no_optimum),
        cmocka_unit_test(test_world_numerical),
        cmocka_unit_test(test_world_cache),
        cmocka_unit_test(test_carried_to_world),
        cmocka_unit_test(test_resample),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
