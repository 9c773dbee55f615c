/* Closed-form optima against brute force: the exact population loss over a
   tabular model on a handful of items, minimised by gradient descent, must
   land on the closed form; and IPO's win rate against a direct sum. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pbde/annotator.h"
#include "pbde/grid.h"
#include "pbde/objective.h"
#include "pbde/params.h"
#include "pbde/rng.h"
#include "pbde/theory.h"
#include "pbde/world.h"

enum { N = 12 };

typedef struct {
    annotator_point_t pts[N];
    double mu[N]; /* proposal masses, sum 1 */
} items_t;

static void make_items(items_t *it, uint64_t seed)
{
    rng_t rng = rng_stream(seed, RNG_STREAM_TEST);
    double z = 0;
    memset(it, 0, sizeof *it);
    for (int i = 0; i < N; i++) {
        it->pts[i].lp = -3.0 * rng_uniform(&rng);
        it->pts[i].lr = -2.0 * rng_uniform(&rng);
        it->pts[i].lk[0] = -3.0 * rng_uniform(&rng);
        it->pts[i].lk[1] = -3.0 * rng_uniform(&rng);
        it->mu[i] = 0.2 + rng_uniform(&rng);
        z += it->mu[i];
    }
    for (int i = 0; i < N; i++) it->mu[i] /= z;
}

/* Minimises sum_ij mu_i mu_j E_y[loss(r_i - r_j)] over the table r by
   gradient descent preconditioned by 1/mu; returns the learned normalised
   log-density (log pi_ref + r or r) in out. */
static void brute_force(const items_t *it, const annotator_t *a, const objective_t *o, double *out)
{
    double r[N] = { 0 }, g[N];
    for (int iter = 0; iter < 30000; iter++) {
        memset(g, 0, sizeof g);
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                double P = annotator_prob(a, &it->pts[i], &it->pts[j]);
                double dref = it->pts[i].lr - it->pts[j].lr, g1, g0;
                objective_pair_loss(o, r[i] - r[j], dref, 1, &g1);
                objective_pair_loss(o, r[i] - r[j], dref, 0, &g0);
                double gd = it->mu[i] * it->mu[j] * (P * g1 + (1 - P) * g0);
                g[i] += gd;
                g[j] -= gd;
            }
        for (int i = 0; i < N; i++) r[i] -= 0.05 * g[i] / it->mu[i];
    }
    for (int i = 0; i < N; i++) out[i] = (objective_uses_ref(o->kind) ? it->pts[i].lr : 0) + r[i];
    grid_normalise(out, N, 1.0);
}

static void check(const items_t *it, int annotator, objective_kind kind)
{
    annotator_t a = { 0 };
    a.kind = (annotator_kind)annotator;
    a.s = 1.3;
    a.beta = 0.7;
    a.eps = 0.2;
    a.n_comp = 2;
    a.w[0] = 0.35;
    a.w[1] = 0.65;
    objective_t o = { kind, 4.0, 0.25, 0.5, 1.0, 1.0, 1, 0.1, 1.0, 1.0, 0.0 };
    double w[N], theory[N], learned[N];
    char name[128];
    theory_win_rate(&a, it->pts, N, it->pts, it->mu, N, w);
    assert_int_equal(theory_closed_form(&a, &o, it->pts, w, N, theory, name, sizeof name), 0);
    assert_true(strlen(name) > 0);
    grid_normalise(theory, N, 1.0);
    brute_force(it, &a, &o, learned);
    for (int i = 0; i < N; i++)
        if (fabs(theory[i] - learned[i]) > 1e-5)
            fail_msg("%s x %s item %d: closed form %.8f, brute force %.8f", annotator_name(annotator),
                     objective_name(kind), i, theory[i], learned[i]);
}

static void test_closed_forms_match_brute_force(void **state)
{
    (void)state;
    items_t it;
    make_items(&it, 3);
    int annotators[] = { ANNOTATOR_LUCE, ANNOTATOR_DPO };
    objective_kind logistic[] = { OBJECTIVE_REWARD, OBJECTIVE_DPO, OBJECTIVE_GEOMETRIC };
    for (int a = 0; a < 2; a++)
        for (int o = 0; o < 3; o++) check(&it, annotators[a], logistic[o]);
    /* IPO's optimum holds for any annotator */
    for (int a = 0; a < ANNOTATOR_COUNT; a++)
        if (a != ANNOTATOR_HARDMAX) check(&it, a, OBJECTIVE_IPO);
}

static void test_no_closed_form(void **state)
{
    (void)state;
    items_t it;
    make_items(&it, 4);
    annotator_t a = { 0 };
    a.s = 1;
    a.n_comp = 2;
    a.w[0] = a.w[1] = 0.5;
    double out[N];
    char name[128];
    int none_annot[] = { ANNOTATOR_THURSTONE, ANNOTATOR_NOISY, ANNOTATOR_HARDMAX, ANNOTATOR_MIXTURE };
    objective_kind single[] = { OBJECTIVE_REWARD, OBJECTIVE_DPO, OBJECTIVE_GEOMETRIC };
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 3; k++) {
            a.kind = (annotator_kind)none_annot[i];
            objective_t o = { single[k], 4, 0.25, 0.5, 1, 1, 1, 0.1, 1, 1, 0 };
            assert_int_equal(theory_closed_form(&a, &o, it.pts, NULL, N, out, name, sizeof name), -1);
        }
    objective_t slic = { OBJECTIVE_SLIC, 4, 0.25, 0.5, 1, 1, 1, 0.1, 1, 1, 0 };
    a.kind = ANNOTATOR_LUCE;
    assert_int_equal(theory_closed_form(&a, &slic, it.pts, NULL, N, out, name, sizeof name), -1);
    /* the mixture has a closed form only with as many networks as annotators */
    objective_t mix = { OBJECTIVE_MIXTURE, 4, 0.25, 0.5, 1, 1, 3, 0.1, 1, 1, 0 };
    a.kind = ANNOTATOR_MIXTURE;
    assert_int_equal(theory_closed_form(&a, &mix, it.pts, NULL, N, out, name, sizeof name), -1);
    mix.K = 2;
    assert_int_equal(theory_closed_form(&a, &mix, it.pts, NULL, N, out, name, sizeof name), 0);
    /* marginal: sum_k w_k p_k^s / Z_k, directly */
    double z0 = 0, z1 = 0;
    for (int i = 0; i < N; i++) {
        z0 += exp(it.pts[i].lk[0]);
        z1 += exp(it.pts[i].lk[1]);
    }
    for (int i = 0; i < N; i++)
        assert_true(fabs(exp(out[i]) - (0.5 * exp(it.pts[i].lk[0]) / z0 + 0.5 * exp(it.pts[i].lk[1]) / z1)) < 1e-12);
}

/* w(x) on a tiny world grid equals the direct double sum over the grid
   (the world's inner proposal grid is the grid itself when G <= 64). */
static void test_win_rate_on_world_grid(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    p.grid = 6;
    p.objective = OBJECTIVE_IPO;
    p.annotator = ANNOTATOR_THURSTONE;
    world_t w;
    char err[256];
    assert_int_equal(world_create(&w, &p, err, sizeof err), 0);
    assert_non_null(w.log_theory);
    size_t n = w.grid.n;
    double mu[36], wr[36], th[36];
    for (size_t j = 0; j < n; j++) mu[j] = exp(w.log_prop[j]) * w.cell_area;
    for (size_t i = 0; i < n; i++) {
        wr[i] = 0;
        for (size_t j = 0; j < n; j++) wr[i] += mu[j] * annotator_prob(&w.ann, &w.pts[i], &w.pts[j]);
        th[i] = w.pts[i].lr + wr[i] / p.tau;
    }
    grid_normalise(th, n, w.cell_area);
    for (size_t i = 0; i < n; i++) assert_true(fabs(th[i] - w.log_theory[i]) < 1e-9);
    /* E_mu[w] = 1/2 for any annotator with P(a>b) + P(b>a) = 1 */
    double ew = 0;
    for (size_t i = 0; i < n; i++) ew += mu[i] * wr[i];
    assert_true(fabs(ew - 0.5) < 1e-12);
    world_destroy(&w);
}

/* The world's grid densities are normalised: sum exp(v) * area = 1. */
static void test_world_normalised(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    p.grid = 40;
    p.objective = OBJECTIVE_DPO;
    world_t w;
    char err[256];
    assert_int_equal(world_create(&w, &p, err, sizeof err), 0);
    double *fields[] = { w.log_true, w.log_ref, w.log_prop, w.log_theory };
    for (int f = 0; f < 4; f++) {
        double s = 0;
        for (size_t i = 0; i < w.grid.n; i++) s += exp(fields[f][i]) * w.cell_area;
        assert_true(fabs(s - 1) < 1e-9);
    }
    /* dpo x luce, s = 1: pi_ref p*^(1/beta) / Z, checked directly */
    double *v = malloc(w.grid.n * sizeof *v);
    for (size_t i = 0; i < w.grid.n; i++) v[i] = w.pts[i].lr + w.pts[i].lp / p.beta;
    grid_normalise(v, w.grid.n, w.cell_area);
    for (size_t i = 0; i < w.grid.n; i++) assert_true(fabs(v[i] - w.log_theory[i]) < 1e-9);
    free(v);
    world_destroy(&w);
}

/* Sets the named parameter of *p to another allowed value (halfway to
   its maximum). */
static void perturb(params_t *p, const param_def_t *def)
{
    char *field = (char *)p + def->offset;
    if (def->type == PARAM_INT) *(long *)field = (*(long *)field + (long)def->max) / 2;
    else *(double *)field = 0.5 * (*(double *)field + def->max);
}

/* Whether a change moves the optimum comes from the rows: a parameter of
   another objective's (annotator's) row never does, one of its own row
   always may; and the optimum computed afresh really is unchanged by the
   parameters the rows leave out (so no row forgets one its loss reads). */
static void test_same_theory_from_rows(void **state)
{
    (void)state;
    size_t n;
    const param_def_t *tab = params_table(&n);
    char err[256];
    for (int kind = 0; kind < objective_count() + annotator_count(); kind++) {
        int is_obj = kind < objective_count(), k = is_obj ? kind : kind - objective_count();
        params_t a, b;
        params_defaults(&a);
        a.grid = 12;
        if (is_obj) a.objective = k;
        else a.annotator = k;
        b = a;
        for (size_t i = 0; i < n; i++) {
            if (!(tab[i].affects & PARAM_AFFECTS_WORLD)) continue;
            int mine = is_obj ? objective_reads_param(k, tab[i].name)
                              : annotator_reads_param(k, tab[i].name);
            int rowed = is_obj ? objective_any_reads_param(tab[i].name)
                               : annotator_any_reads_param(tab[i].name);
            if (!rowed) continue;
            params_t c = a;
            perturb(&c, &tab[i]);
            assert_int_equal(world_same_theory(&a, &c), !mine);
            if (!mine) perturb(&b, &tab[i]);
        }
        world_t wa, wb;
        assert_int_equal(world_create(&wa, &a, err, sizeof err), 0);
        assert_int_equal(world_create(&wb, &b, err, sizeof err), 0);
        assert_int_equal(wa.log_theory != NULL, wb.log_theory != NULL);
        assert_string_equal(wa.theory_name, wb.theory_name);
        if (wa.log_theory)
            assert_memory_equal(wa.log_theory, wb.log_theory, wa.grid.n * sizeof(double));
        world_destroy(&wa);
        world_destroy(&wb);
    }
    /* the world's own parameters always count */
    params_t a, c;
    params_defaults(&a);
    c = a;
    c.box = 7;
    assert_false(world_same_theory(&a, &c));
    c = a;
    c.objective = OBJECTIVE_IPO;
    assert_false(world_same_theory(&a, &c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closed_forms_match_brute_force),
        cmocka_unit_test(test_no_closed_form),
        cmocka_unit_test(test_win_rate_on_world_grid),
        cmocka_unit_test(test_world_normalised),
        cmocka_unit_test(test_same_theory_from_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
