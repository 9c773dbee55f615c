/* How pairs are asked: each proposal's distribution of drawn pairs, the
   growth of the data set for model and active (counts at given steps,
   determinism, pairs drawn from the model of that step), and what the
   optimum panel uses. Fixed seeds; every bound is 5 standard errors of
   the sample size (or the chi-square's mean + 5 sd). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pbde/dataset.h"
#include "pbde/trainer.h"

static world_t *make_world(const params_t *p)
{
    world_t *w = malloc(sizeof *w);
    char err[256];
    assert_non_null(w);
    if (world_create(w, p, err, sizeof err) != 0) fail_msg("world_create: %s", err);
    return w;
}

static void free_world(world_t *w)
{
    world_destroy(w);
    free(w);
}

static params_t base_params(int proposal)
{
    params_t p;
    params_defaults(&p);
    p.proposal = proposal;
    p.grid = 16;
    p.seed = 11;
    return p;
}

/* Share of a truncated N(0, s^2) on [-L, L] that lies in [-a, a]. */
static double trunc_share(double s, double L, double a)
{
    return erf(a / (s * sqrt(2.0))) / erf(L / (s * sqrt(2.0)));
}

/* |share - want| within 5 binomial standard errors of n draws. */
static void share_near(size_t hits, size_t n, double want, const char *what)
{
    double share = (double)hits / (double)n, se = sqrt(want * (1 - want) / (double)n);
    if (fabs(share - want) > 5 * se)
        fail_msg("%s: share %.5f, expected %.5f +- %.5f", what, share, want, 5 * se);
}

/* ---------------------------------------------------------------- fixed */

/* reference: both items from pi_ref truncated to the box (the share inside
   [-s_ref, s_ref] per axis); uniform: uniform on the box. Reference pairs
   are unchanged by the new proposals' code: pair i is the same as the
   held-out-free draw from its own sub-stream. */
static void test_reference_and_uniform(void **state)
{
    (void)state;
    const size_t N = 40000;
    float *pts = malloc(N * 4 * sizeof *pts);
    for (int prop = PROPOSAL_REFERENCE; prop <= PROPOSAL_UNIFORM; prop++) {
        params_t p = base_params(prop);
        world_t *w = make_world(&p);
        assert_int_equal(dataset_propose(w, NULL, RNG_STREAM_POINTS, 0, N, pts), 0);
        size_t in = 0, neg = 0;
        for (size_t i = 0; i < 4 * N; i++) {
            assert_true(fabsf(pts[i]) <= (float)p.box);
            in += fabs((double)pts[i]) < 3.0;
            neg += pts[i] < 0;
        }
        double want = prop == PROPOSAL_REFERENCE ? trunc_share(p.ref_scale, p.box, 3.0) : 0.5;
        share_near(in, 4 * N, want, "coordinates inside [-3, 3]");
        share_near(neg, 4 * N, 0.5, "negative coordinates");
        /* pair i is a pure function of (seed, stream, i) */
        float one[4];
        assert_int_equal(dataset_propose(w, NULL, RNG_STREAM_POINTS, 1234, 1, one), 0);
        assert_memory_equal(one, pts + 4 * 1234, sizeof one);
        free_world(w);
    }
    free(pts);
}

/* ---------------------------------------------------------------- local */

/* local: the first item follows pi_ref; the offset b - a, away from the
   edges (where truncation cannot act within 6 sd), has mean 0 and sd r
   within their standard errors; every b lies in the box, also next to
   the edges. */
static void test_local(void **state)
{
    (void)state;
    const size_t N = 60000;
    params_t p = base_params(PROPOSAL_LOCAL);
    p.local_radius = 0.5;
    world_t *w = make_world(&p);
    float *pts = malloc(N * 4 * sizeof *pts);
    assert_int_equal(dataset_propose(w, NULL, RNG_STREAM_POINTS, 0, N, pts), 0);
    size_t in = 0, m = 0;
    double s1 = 0, s2 = 0;
    double r = p.local_radius, inner = p.box - 6 * r;
    for (size_t i = 0; i < N; i++) {
        const float *q = pts + 4 * i;
        for (int k = 0; k < 4; k++) assert_true(fabsf(q[k]) <= (float)p.box);
        in += fabs((double)q[0]) < 3.0;
        for (int k = 0; k < 2; k++) {
            if (fabs((double)q[k]) > inner) continue;
            double d = (double)q[2 + k] - (double)q[k];
            s1 += d;
            s2 += d * d;
            m++;
        }
    }
    share_near(in, N, trunc_share(p.ref_scale, p.box, 3.0), "local first items inside [-3, 3]");
    double mean = s1 / (double)m, sd = sqrt(s2 / (double)m - mean * mean);
    assert_true(m > N); /* most coordinates are far from the edges */
    if (fabs(mean) > 5 * r / sqrt((double)m)) fail_msg("offset mean %g", mean);
    /* the sd of a normal sample's sd is sd / sqrt(2 m) */
    if (fabs(sd - r) > 5 * r / sqrt(2.0 * (double)m)) fail_msg("offset sd %g, radius %g", sd, r);
    print_message("local: offset mean %.5f, sd %.5f (radius %g, SE of sd %.5f, %zu coordinates)\n",
                  mean, sd, r, r / sqrt(2.0 * (double)m), m);
    free(pts);
    free_world(w);
}

/* ---------------------------------------------------------------- model */

/* model: points follow the given grid density exactly: a chi-square over
   the cells against their masses, and uniform positions inside cells. */
static void test_model_sampler(void **state)
{
    (void)state;
    params_t p = base_params(PROPOSAL_MODEL);
    p.grid = 8;
    world_t *w = make_world(&p);
    size_t n = w->grid.n;
    double *lm = malloc(n * sizeof *lm), *mass = malloc(n * sizeof *mass);
    rng_t r = rng_stream(5, RNG_STREAM_TEST);
    for (size_t k = 0; k < n; k++) lm[k] = log(0.2 + rng_uniform(&r)); /* masses 0.2 .. 1.2 */
    lm[3] = DENSITY_LOG_ZERO;                                             /* one empty cell */
    grid_normalise(lm, n, w->cell_area);
    for (size_t k = 0; k < n; k++) mass[k] = exp(lm[k]) * w->cell_area;
    const size_t N = 50000;
    float *pts = malloc(N * 4 * sizeof *pts);
    dataset_model_t m = { lm, NULL, NULL };
    assert_int_equal(dataset_propose(w, &m, RNG_STREAM_POINTS, 0, N, pts), 0);
    size_t *count = calloc(n, sizeof *count);
    double fx = 0;
    for (size_t i = 0; i < 2 * N; i++) {
        double x = (double)pts[2 * i], y = (double)pts[2 * i + 1];
        size_t c = grid_cell_of(&w->grid, x, y);
        count[c]++;
        double u = (x + p.box) / w->grid.cell;
        fx += u - floor(u);
    }
    assert_int_equal(count[3], 0);
    double chi = 0;
    int df = -1;
    for (size_t k = 0; k < n; k++) {
        if (mass[k] == 0) continue;
        double e = mass[k] * 2.0 * (double)N;
        chi += ((double)count[k] - e) * ((double)count[k] - e) / e;
        df++;
    }
    if (chi > df + 5 * sqrt(2.0 * df)) fail_msg("chi-square %g with %d df", chi, df);
    print_message("model sampler: chi-square %.1f with %d df (bound %.1f)\n", chi, df,
                  df + 5 * sqrt(2.0 * df));
    /* position inside the cell: U(0, 1), sd sqrt(1/12) */
    double mf = fx / (2.0 * (double)N);
    if (fabs(mf - 0.5) > 5 * sqrt(1.0 / 12.0) / sqrt(2.0 * (double)N)) fail_msg("in-cell mean %g", mf);
    free(count);
    free(pts);
    free(lm);
    free(mass);
    free_world(w);
}

/* ---------------------------------------------------------------- growth */

static params_t grow_params(int proposal)
{
    params_t p;
    params_defaults(&p);
    p.proposal = proposal;
    p.pairs = 4096;
    p.pairs_start = 1000;
    p.pairs_add = 300;
    p.pairs_every = 20;
    p.grid = 32;
    p.width = 16;
    p.depth = 2;
    p.batch = 256;
    p.steps = 300;
    p.seed = 3;
    return p;
}

static trainer_t *make(const params_t *p)
{
    char err[256];
    trainer_t *t = trainer_create(p, kernels_select(NULL), err, sizeof err);
    if (!t) fail_msg("trainer_create: %s", err);
    return t;
}

/* The pairs in use after S steps: pairs-start, plus pairs-add each time a
   step begins at a multiple of pairs-every, capped at pairs. */
static size_t expected_pairs(const params_t *p, long S)
{
    long grows = S >= 1 ? (S - 1) / p->pairs_every : 0;
    long n = p->pairs_start + grows * p->pairs_add;
    return (size_t)(n < p->pairs ? n : p->pairs);
}

static void test_growth_counts(void **state)
{
    (void)state;
    static const long at[] = { 0, 20, 21, 101, 220, 221, 300 };
    for (int prop = PROPOSAL_MODEL; prop <= PROPOSAL_ACTIVE; prop++) {
        params_t p = grow_params(prop);
        trainer_t *t = make(&p);
        long done = 0;
        for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
            assert_int_equal(trainer_step(t, at[i] - done), 0);
            done = at[i];
            assert_int_equal(trainer_pairs_in_use(t), expected_pairs(&p, done));
        }
        assert_int_equal(expected_pairs(&p, 221), 4096); /* the cap is reached */
        assert_int_equal(expected_pairs(&p, 220), 4000);
        /* the seed pairs are pi_ref's pairs: equal to the reference proposal's */
        params_t q = p;
        q.proposal = PROPOSAL_REFERENCE;
        trainer_t *ref = make(&q);
        assert_memory_equal(trainer_data(t)->pts, trainer_data(ref)->pts, 1000 * 4 * sizeof(float));
        /* and the grown ones are not */
        assert_memory_not_equal(trainer_data(t)->pts + 4 * 1000, trainer_data(ref)->pts + 4 * 1000,
                                300 * 4 * sizeof(float));
        /* the proposal panel and the optimum use pi_ref */
        const world_t *wa = trainer_world(t), *wr = trainer_world(ref);
        assert_memory_equal(wa->log_prop, wr->log_prop, wa->grid.n * sizeof(double));
        assert_memory_equal(wa->log_theory, wr->log_theory, wa->grid.n * sizeof(double));
        /* the held-out pairs are the same as reference's */
        const dataset_t *da = trainer_data(t), *dr = trainer_data(ref);
        assert_int_equal(da->n_held, dr->n_held);
        assert_memory_equal(da->pts + 4 * da->n_cap, dr->pts + 4 * dr->n_cap,
                            da->n_held * 4 * sizeof(float));
        trainer_destroy(ref);
        trainer_destroy(t);
    }
}

/* Same parameters, any grouping of steps: the same grown data and model;
   a reset regrows the same data. */
static void test_growth_deterministic(void **state)
{
    (void)state;
    for (int prop = PROPOSAL_MODEL; prop <= PROPOSAL_ACTIVE; prop++) {
        params_t p = grow_params(prop);
        p.steps = 130;
        trainer_t *a = make(&p), *b = make(&p);
        assert_int_equal(trainer_step(a, 130), 0);
        for (int i = 0; i < 130; i += 7) assert_int_equal(trainer_step(b, 7), 0);
        const dataset_t *da = trainer_data(a), *db = trainer_data(b);
        assert_int_equal(da->n_train, db->n_train);
        assert_int_equal(da->n_train, expected_pairs(&p, 130));
        assert_memory_equal(da->pts, db->pts, da->n_train * 4 * sizeof(float));
        assert_memory_equal(da->y, db->y, da->n_train);
        size_t n = trainer_world(a)->grid.n;
        double *ga = malloc(n * sizeof *ga), *gb = malloc(n * sizeof *gb);
        trainer_model_grid(a, ga, NULL);
        trainer_model_grid(b, gb, NULL);
        assert_memory_equal(ga, gb, n * sizeof *ga);
        /* reset: back to the seed set, and the same path regrows the same pairs */
        float *before = malloc(da->n_train * 4 * sizeof *before);
        size_t nb = da->n_train;
        memcpy(before, da->pts, nb * 4 * sizeof *before);
        trainer_reset_model(a);
        assert_int_equal(trainer_pairs_in_use(a), 1000);
        assert_int_equal(trainer_step(a, 130), 0);
        assert_int_equal(trainer_pairs_in_use(a), nb);
        assert_memory_equal(before, trainer_data(a)->pts, nb * 4 * sizeof(float));
        free(before);
        free(ga);
        free(gb);
        trainer_destroy(a);
        trainer_destroy(b);
    }
}

static void logits_cb(void *ctx, const float *pts, const float *dref, size_t n, double *out)
{
    trainer_pair_logits(ctx, pts, dref, n, out);
}

/* The pairs added at a step are those the proposal draws from the model
   of that step: pi_theta's grid density (model) or the trainer's logits
   (active). */
static void test_grown_pairs_come_from_the_model(void **state)
{
    (void)state;
    for (int prop = PROPOSAL_MODEL; prop <= PROPOSAL_ACTIVE; prop++) {
        params_t p = grow_params(prop);
        trainer_t *t = make(&p);
        assert_int_equal(trainer_step(t, 100), 0); /* the next step grows */
        const world_t *w = trainer_world(t);
        size_t n = w->grid.n, first = trainer_pairs_in_use(t);
        double *lm = malloc(n * sizeof *lm);
        trainer_model_grid(t, lm, NULL);
        float *want = malloc(300 * 4 * sizeof *want);
        dataset_model_t m = { lm, logits_cb, t };
        assert_int_equal(dataset_propose(w, &m, RNG_STREAM_POINTS, first, 300, want), 0);
        assert_int_equal(trainer_step(t, 1), 0);
        assert_int_equal(trainer_pairs_in_use(t), first + 300);
        assert_memory_equal(trainer_data(t)->pts + 4 * first, want, 300 * 4 * sizeof(float));
        free(want);
        free(lm);
        trainer_destroy(t);
    }
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* active keeps, of M candidates, the one the model is least sure about:
   with M = 8 a kept pair's |logit| is below the median |logit| of random
   (pi_ref) pairs unless all 8 candidates are above it, so the share below
   is 1 - 2^-8 (within 5 standard errors); random pairs: 1/2. */
static void test_active_is_unsure(void **state)
{
    (void)state;
    params_t p = grow_params(PROPOSAL_ACTIVE);
    p.active_candidates = 8;
    trainer_t *t = make(&p);
    assert_int_equal(trainer_step(t, 200), 0); /* a model with opinions */
    const world_t *w = trainer_world(t);
    const size_t N = 20000, K = 4000;
    float *ref = malloc(N * 4 * sizeof *ref), *act = malloc(K * 4 * sizeof *act);
    float *dref = malloc(N * sizeof *dref);
    double *lr = malloc(2 * N * sizeof *lr), *lg = malloc(N * sizeof *lg);
    /* random pairs: the reference proposal's (candidate 0), other indices */
    params_t q = p;
    q.proposal = PROPOSAL_REFERENCE;
    world_t *wr = make_world(&q);
    assert_int_equal(dataset_propose(wr, NULL, RNG_STREAM_POINTS, 1000000, N, ref), 0);
    density_ref_log_prob(p.ref_scale, ref, 2 * N, lr);
    for (size_t i = 0; i < N; i++) dref[i] = (float)(lr[2 * i] - lr[2 * i + 1]);
    trainer_pair_logits(t, ref, dref, N, lg);
    for (size_t i = 0; i < N; i++) lg[i] = fabs(lg[i]);
    double *sorted = malloc(N * sizeof *sorted);
    memcpy(sorted, lg, N * sizeof *sorted);
    qsort(sorted, N, sizeof *sorted, cmp_double);
    double median = sorted[N / 2];
    dataset_model_t m = { NULL, logits_cb, t };
    assert_int_equal(dataset_propose(w, &m, RNG_STREAM_POINTS, 2000000, K, act), 0);
    density_ref_log_prob(p.ref_scale, act, 2 * K, lr);
    for (size_t i = 0; i < K; i++) dref[i] = (float)(lr[2 * i] - lr[2 * i + 1]);
    trainer_pair_logits(t, act, dref, K, lg);
    size_t below = 0;
    double mean_act = 0, mean_ref = 0;
    for (size_t i = 0; i < K; i++) {
        below += fabs(lg[i]) < median;
        mean_act += fabs(lg[i]);
    }
    for (size_t i = 0; i < N; i++) mean_ref += sorted[i];
    share_near(below, K, 1.0 - 1.0 / 256.0, "active pairs below the random median |logit|");
    print_message("active: %.4f of kept pairs below the random median |logit| (expected %.4f); "
                  "mean |logit| %.3f kept vs %.3f random\n", (double)below / (double)K,
                  1.0 - 1.0 / 256.0, mean_act / (double)K, mean_ref / (double)N);
    assert_true(mean_act / (double)K < 0.5 * mean_ref / (double)N);
    free(sorted);
    free(ref);
    free(act);
    free(dref);
    free(lr);
    free(lg);
    free_world(wr);
    trainer_destroy(t);
}

/* The registry knows the proposals and their knobs' bounds. */
static void test_registry(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    char err[256];
    static const char *const names[] = { "reference", "uniform", "model", "active", "local" };
    for (int i = 0; i < 5; i++) {
        assert_int_equal(params_set(&p, "proposal", names[i], err, sizeof err), 0);
        assert_int_equal(p.proposal, i);
    }
    assert_int_equal(params_set(&p, "local-radius", "0", err, sizeof err), -1);
    assert_int_equal(params_set(&p, "local-radius", "0.25", err, sizeof err), 0);
    assert_int_equal(params_set(&p, "active-candidates", "0", err, sizeof err), -1);
    assert_int_equal(params_set(&p, "pairs-every", "0", err, sizeof err), -1);
    assert_int_equal(params_set(&p, "pairs-start", "16", err, sizeof err), 0);
    assert_int_equal(params_proposal_grows(PROPOSAL_MODEL), 1);
    assert_int_equal(params_proposal_grows(PROPOSAL_LOCAL), 0);
    assert_int_equal(params_proposal_base_is_ref(PROPOSAL_UNIFORM), 0);
    assert_int_equal(params_proposal_base_is_ref(PROPOSAL_ACTIVE), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_reference_and_uniform),
        cmocka_unit_test(test_local),
        cmocka_unit_test(test_model_sampler),
        cmocka_unit_test(test_growth_counts),
        cmocka_unit_test(test_growth_deterministic),
        cmocka_unit_test(test_grown_pairs_come_from_the_model),
        cmocka_unit_test(test_active_is_unsure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
