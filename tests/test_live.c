/* The live session: the worker trains, commands take effect, snapshots are
   consistent, headless stepping matches the trainer exactly, and a pumped
   session (no worker) matches a threaded one. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "pbde/live.h"
#include "pbde/world.h"

static params_t small(void)
{
    params_t p;
    params_defaults(&p);
    p.pairs = 4096;
    p.grid = 32;
    p.width = 16;
    p.depth = 2;
    p.steps = 100000;
    return p;
}

/* Waits, publication by publication, until pred holds; returns 0 when
   it still does not after 120 s (a hang: a loaded or sanitized machine
   gets there in far less). */
static int wait_for(live_t *l, live_snapshot_t *s, int (*pred)(const live_snapshot_t *, long), long arg)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    live_snapshot(l, s);
    for (;;) {
        if (pred(s, arg)) return 1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double left = 120.0 - (double)(t1.tv_sec - t0.tv_sec) - 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        if (left <= 0) return 0;
        if (live_wait(l, s, left) < 0) return 0;
    }
}

static int step_above(const live_snapshot_t *s, long n) { return s->step > n; }
static int is_paused(const live_snapshot_t *s, long unused) { (void)unused; return s->paused; }
static int annotator_is(const live_snapshot_t *s, long a) { return !s->rebuilding && s->params.annotator == a && s->n_hist > 0; }
static int has_slice(const live_snapshot_t *s, long unused) { (void)unused; return s->have_slice; }

static void test_trains_and_pauses(void **state)
{
    (void)state;
    params_t p = small();
    char err[256];
    live_t *l = live_create(&p, kernels_select(NULL), 0, err, sizeof err);
    assert_non_null(l);
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    assert_true(wait_for(l, &s, step_above, 20));
    assert_int_equal(s.n, 32 * 32);
    assert_true(s.n_hist > 0);
    assert_true(s.n_pairs > 0);
    double mass = 0;
    for (size_t i = 0; i < s.n; i++) mass += exp(s.log_model[i]) * s.cell_area;
    assert_true(fabs(mass - 1) < 1e-9);

    /* paused, nothing runs: a single step is exactly one step. (The pause
       is published at once; the slice of steps in flight then still ends
       and is published, so the first single step only settles the count.) */
    live_set_paused(l, 1);
    assert_true(wait_for(l, &s, is_paused, 0));
    live_step_once(l);
    assert_true(wait_for(l, &s, step_above, s.step));
    long at = s.step;
    live_step_once(l);
    assert_true(wait_for(l, &s, step_above, at));
    assert_int_equal(s.step, at + 1);
    assert_true(s.paused);

    /* a parameter change rebuilds and says so */
    p.annotator = ANNOTATOR_THURSTONE;
    assert_int_equal(live_set_params(l, &p, err, sizeof err), 0);
    assert_true(wait_for(l, &s, annotator_is, ANNOTATOR_THURSTONE));
    assert_non_null(strstr(s.status, "annotator thurstone"));
    assert_int_equal(s.params.annotator, ANNOTATOR_THURSTONE);

    /* an invalid combination is refused and changes nothing */
    params_t bad = p;
    bad.density = density_find("ring");
    bad.annotator = ANNOTATOR_MIXTURE;
    assert_int_equal(live_set_params(l, &bad, err, sizeof err), -1);
    params_t now;
    live_get_params(l, &now);
    assert_int_equal(now.annotator, ANNOTATOR_THURSTONE);

    live_want_slice(l, 1, -2.0, -2.0);
    assert_true(wait_for(l, &s, has_slice, 0));
    for (size_t i = 0; i < s.n; i++) {
        assert_true(s.slice_annot[i] >= 0 && s.slice_annot[i] <= 1);
        assert_true(s.slice_model[i] >= 0 && s.slice_model[i] <= 1);
    }
    live_snapshot_free(&s);
    live_destroy(l);
}

/* Headless stepping is the trainer's own result, bit for bit. */
static void test_run_steps_matches_trainer(void **state)
{
    (void)state;
    params_t p = small();
    p.objective = OBJECTIVE_MIXTURE;
    p.annotator = ANNOTATOR_MIXTURE;
    char err[256];
    const kernels_t *k = kernels_select(NULL);
    live_t *l = live_create(&p, k, 1, err, sizeof err);
    assert_non_null(l);
    for (int i = 0; i < 5; i++) assert_int_equal(live_run_steps(l, 7), 0);
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    assert_int_equal(live_snapshot(l, &s), 1);
    assert_int_equal(s.step, 35);
    assert_int_equal(s.K, 2);
    assert_non_null(s.log_comp[0]);
    trainer_t *t = trainer_create(&p, k, err, sizeof err);
    trainer_step(t, 35);
    double *g = malloc(s.n * sizeof *g);
    trainer_model_grid(t, g, NULL);
    assert_memory_equal(g, s.log_model, s.n * sizeof *g);
    free(g);
    trainer_destroy(t);
    /* no newer state: snapshot reports no change */
    assert_int_equal(live_snapshot(l, &s), 0);
    live_snapshot_free(&s);
    live_destroy(l);
}

static int paused_at(const live_snapshot_t *s, long n) { return s->paused && s->step == n; }
static int dpo_paused_at(const live_snapshot_t *s, long n)
{
    return s->params.objective == OBJECTIVE_DPO && !s->rebuilding && paused_at(s, n);
}

/* run_to trains to an exact step and pauses there (a tour stop). */
static void test_run_to(void **state)
{
    (void)state;
    params_t p = small();
    char err[256];
    live_t *l = live_create(&p, kernels_select(NULL), 1, err, sizeof err);
    assert_non_null(l);
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    live_run_to(l, 30);
    assert_true(wait_for(l, &s, paused_at, 30));
    /* it stays there: the next publication, one single step, is step 31 */
    live_step_once(l);
    assert_true(wait_for(l, &s, step_above, 30));
    assert_int_equal(s.step, 31);
    /* a new stop with other parameters: rebuilt, then trained to its step */
    p.objective = OBJECTIVE_DPO;
    assert_int_equal(live_set_params(l, &p, err, sizeof err), 0);
    live_run_to(l, 12);
    if (!wait_for(l, &s, dpo_paused_at, 12)) fail_msg("step %ld paused %d objective %d rebuilding %d", s.step, s.paused, s.params.objective, s.rebuilding);
    assert_int_equal(s.params.objective, OBJECTIVE_DPO);
    assert_int_equal(s.step, 12);
    live_snapshot_free(&s);
    live_destroy(l);
}

/* Going back to a tour stop: a reset followed by run_to rebuilds the very
   same model the first visit showed, and both equal a fresh trainer's. */
static void test_reset_then_run_to_repeats(void **state)
{
    (void)state;
    params_t p = small();
    char err[256];
    const kernels_t *k = kernels_select(NULL);
    live_t *l = live_create(&p, k, 1, err, sizeof err);
    assert_non_null(l);
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    live_run_to(l, 40);
    assert_true(wait_for(l, &s, paused_at, 40));
    double *first = malloc(s.n * sizeof *first);
    assert_non_null(first);
    memcpy(first, s.log_model, s.n * sizeof *first);
    double kl_first = s.metrics.kl_true;
    /* on to a later stop, interrupted while it trains */
    live_run_to(l, 100000);
    assert_true(wait_for(l, &s, step_above, 60));
    live_reset_run_to(l, 40);
    assert_true(wait_for(l, &s, paused_at, 40));
    assert_memory_equal(first, s.log_model, s.n * sizeof *first);
    assert_true(s.metrics.kl_true == kl_first);
    trainer_t *t = trainer_create(&p, k, err, sizeof err);
    assert_non_null(t);
    trainer_step(t, 40);
    double *g = malloc(s.n * sizeof *g);
    assert_non_null(g);
    trainer_model_grid(t, g, NULL);
    assert_memory_equal(g, first, s.n * sizeof *g);
    /* and it stays at the stop: one single step is step 41 */
    live_step_once(l);
    assert_true(wait_for(l, &s, step_above, 40));
    assert_int_equal(s.step, 41);
    free(g);
    free(first);
    trainer_destroy(t);
    live_snapshot_free(&s);
    live_destroy(l);
}


static int has_overopt(const live_snapshot_t *s, long unused) { (void)unused; return s->have_overopt; }
static int overopt_at_budget(const live_snapshot_t *s, long milli)
{
    return s->have_overopt && s->overopt_budget == (double)milli / 1000.0;
}
static int no_overopt(const live_snapshot_t *s, long unused) { (void)unused; return !s->have_overopt; }

/* The over-optimisation sweep comes in the snapshot when asked, paused
   or not, for the model of that snapshot: the gold-peak policy by
   default, the policy nearest a budget when one is asked, a normalised
   density; and goes away when no longer asked. */
static void test_overopt_in_snapshot(void **state)
{
    (void)state;
    params_t p = small();
    char err[256];
    const kernels_t *k = kernels_select(NULL);
    live_t *l = live_create(&p, k, 1, err, sizeof err); /* paused */
    assert_non_null(l);
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    live_run_to(l, 50);
    assert_true(wait_for(l, &s, paused_at, 50));
    live_want_overopt(l, 1, -1);
    assert_true(wait_for(l, &s, has_overopt, 0));
    overopt_sweep_t sw;
    overopt_sweep_defaults(&sw);
    const overopt_curve_t *c = &s.overopt;
    assert_int_equal(c->n_points, sw.points);
    assert_true(c->peak >= 0 && c->peak < c->n_points);
    for (int i = 0; i < c->n_points; i++) assert_true(c->gold[i] <= c->gold[c->peak]);
    /* the policy on screen is the peak's (bisection to 1e-7 relative) */
    assert_true(fabs(s.overopt_at.kl - c->kl[c->peak]) <= 1e-4 * (1 + c->kl[c->peak]));
    double mass = 0;
    for (size_t i = 0; i < s.n; i++) mass += exp(s.overopt_pi[i]) * s.cell_area;
    assert_true(fabs(mass - 1.0) < 1e-9);
    /* the same sweep from the snapshot's own model (the explorers' refresh) */
    world_t w;
    char e2[200];
    assert_int_equal(world_create(&w, &s.params, e2, sizeof e2), 0);
    overopt_gold_t g;
    assert_int_equal(overopt_gold_init_world(&g, &w), 0);
    overopt_t *o = overopt_create(s.n);
    overopt_curve_t ref;
    assert_int_equal(overopt_refresh(o, &g, &w.obj, s.log_model, w.log_ref, w.cell_area, &sw, -1, &ref,
                                     NULL), 0);
    assert_int_equal(ref.peak, c->peak);
    for (int i = 0; i < c->n_points; i++) {
        assert_true(fabs(ref.gold[i] - c->gold[i]) <= 1e-9 * (1 + fabs(c->gold[i])));
        assert_true(fabs(ref.proxy[i] - c->proxy[i]) <= 1e-9 * (1 + fabs(c->proxy[i])));
    }
    overopt_destroy(o);
    overopt_gold_free(&g);
    world_destroy(&w);
    /* a budget: the policy whose KL is 1 nat */
    live_want_overopt(l, 1, 1.0);
    assert_true(wait_for(l, &s, overopt_at_budget, 1000));
    assert_true(fabs(s.overopt_at.kl - 1.0) < 1e-4);
    live_want_overopt(l, 0, 1.0);
    assert_true(wait_for(l, &s, no_overopt, 0));
    live_snapshot_free(&s);
    live_destroy(l);
}

static int has_borda(const live_snapshot_t *s, long unused) { (void)unused; return s->have_borda; }
static int no_borda(const live_snapshot_t *s, long unused) { (void)unused; return !s->have_borda; }

/* The Borda count comes in the snapshot when asked, paused or not, for
   the model of that snapshot: the annotators' count of the world and the
   model's, as borda.h computes them from the snapshot's own parameters
   and model; and goes away when no longer asked. */
static void test_borda_in_snapshot(void **state)
{
    (void)state;
    params_t p = small();
    char err[256];
    const kernels_t *k = kernels_select(NULL);
    live_t *l = live_create(&p, k, 1, err, sizeof err); /* paused */
    assert_non_null(l);
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    live_run_to(l, 30);
    assert_true(wait_for(l, &s, paused_at, 30));
    live_want_borda(l, 1);
    assert_true(wait_for(l, &s, has_borda, 0));
    world_t w;
    char e2[200];
    assert_int_equal(world_create(&w, &s.params, e2, sizeof e2), 0);
    borda_world_t b;
    assert_int_equal(borda_world_init(&b, &w, 1), 0);
    double *bc = malloc(s.n * sizeof *bc);
    borda_score_t sc;
    assert_int_equal(borda_score(&b, &w, s.log_model, bc, &sc), 0);
    assert_memory_equal(s.borda_annot, b.annot, s.n * sizeof *bc);
    assert_memory_equal(s.borda_model, bc, s.n * sizeof *bc);
    assert_true(s.borda.rank_corr == sc.rank_corr);
    assert_true(s.borda.rank_corr >= -1 && s.borda.rank_corr <= 1);
    free(bc);
    borda_world_free(&b);
    world_destroy(&w);
    live_want_borda(l, 0);
    assert_true(wait_for(l, &s, no_borda, 0));
    live_snapshot_free(&s);
    live_destroy(l);
}

/* ---- pumped sessions: the worker's loop on the caller's thread */

/* Pumps l in slices of budget seconds until pred holds on its snapshot;
   returns 0 when it still does not after 120 s (a hang). */
static int pump_for(live_t *l, live_snapshot_t *s, int (*pred)(const live_snapshot_t *, long), long arg)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (live_pump(l, 0.003) < 0 || live_snapshot(l, s) < 0) return 0;
        if (pred(s, arg)) return 1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if ((double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec) > 120) return 0;
    }
}

/* Both snapshots show the same model: the grid bit for bit (the same
   steps of the same trainer code on the same thread count), so its KL
   and held-out loss are equal too. */
static void assert_same_model(const live_snapshot_t *a, const live_snapshot_t *b)
{
    assert_int_equal(a->step, b->step);
    assert_int_equal(a->n, b->n);
    assert_memory_equal(a->log_model, b->log_model, a->n * sizeof(double));
    assert_true(a->metrics.kl_true == b->metrics.kl_true);
    assert_true(a->metrics.loss_heldout == b->metrics.loss_heldout);
    assert_int_equal(a->params.seed, b->params.seed);
    assert_int_equal(a->params.objective, b->params.objective);
}

static live_t *open_session(const params_t *p, int pumped)
{
    char err[256];
    live_t *l = (pumped ? live_create_pumped : live_create)(p, kernels_select(NULL), 1, err, sizeof err);
    if (!l) fail_msg("live_create: %s", err);
    return l;
}

/* A pumped session run to step N by live_pump calls is the threaded
   session run to N, bit for bit; with a speed cap too (the pump then
   returns while the cap holds the next step back). */
static void test_pump_matches_thread(void **state)
{
    (void)state;
    const double speeds[] = { 0, 400 };
    for (size_t k = 0; k < sizeof speeds / sizeof speeds[0]; k++) {
        params_t p = small();
        p.seed = 11;
        p.threads = 2; /* the parts of a step: on two threads, or in turn in one build without */
        long N = speeds[k] > 0 ? 40 : 150;
        live_t *th = open_session(&p, 0), *pu = open_session(&p, 1);
        assert_int_equal(live_pump(th, 0.01), -1); /* a threaded session is not pumped */
        live_set_speed(th, speeds[k]);
        live_set_speed(pu, speeds[k]);
        live_snapshot_t a, b;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        live_run_to(th, N);
        live_run_to(pu, N);
        assert_true(wait_for(th, &a, paused_at, N));
        assert_true(pump_for(pu, &b, paused_at, N));
        assert_same_model(&a, &b);
        /* paused at the stop: pumping does nothing more */
        for (int i = 0; i < 5; i++) assert_int_equal(live_pump(pu, 0.001), 0);
        assert_int_equal(live_snapshot(pu, &b), 0);
        assert_int_equal(b.step, N);
        live_snapshot_free(&a);
        live_snapshot_free(&b);
        live_destroy(th);
        live_destroy(pu);
    }
}

static int paused_step(const live_snapshot_t *s, long n) { return s->paused && !s->rebuilding && s->step == n; }
static int seed_is(const live_snapshot_t *s, long seed)
{
    return !s->rebuilding && s->params.seed == seed && s->step == 0 && strstr(s->status, "resampled");
}

/* The commands through the pump: a single step, pause and resume, reset,
   resample and new parameters give the step counts and the parameters
   the threaded session gives, and the same models. live_wait pumps a
   pumped session. */
static void test_pump_commands(void **state)
{
    (void)state;
    params_t p = small();
    p.seed = 3;
    live_t *th = open_session(&p, 0), *pu = open_session(&p, 1);
    live_snapshot_t a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    live_t *both[2] = { th, pu };
    /* a command to both sessions, then each driven until pred holds */
#define BOTH(call, pred, arg)                                                                   \
    do {                                                                                        \
        for (int i_ = 0; i_ < 2; i_++) call;                                                    \
        assert_true(wait_for(th, &a, pred, arg));                                               \
        assert_true(pump_for(pu, &b, pred, arg));                                               \
    } while (0)
    BOTH(live_run_to(both[i_], 30), paused_step, 30);
    assert_same_model(&a, &b);
    BOTH(live_step_once(both[i_]), paused_step, 31);
    assert_same_model(&a, &b);

    /* resumed, it trains; paused, it stops (the pause is published at once) */
    live_set_paused(pu, 0);
    assert_true(pump_for(pu, &b, step_above, 60));
    live_set_paused(pu, 1);
    assert_true(pump_for(pu, &b, is_paused, 0));
    assert_true(pump_for(pu, &b, is_paused, 0)); /* the slice in flight is published */
    long at = b.step;
    for (int i = 0; i < 5; i++) live_pump(pu, 0.002);
    live_snapshot(pu, &b);
    assert_int_equal(b.step, at);
    live_toggle_pause(pu);
    assert_true(pump_for(pu, &b, step_above, at));
    live_toggle_pause(pu);

    /* a reset: both back at step 0, the same start */
    BOTH(live_reset_model(both[i_]), paused_step, 0);
    assert_same_model(&a, &b);
    assert_non_null(strstr(b.status, "model reset"));
    /* resample: the seed moves on, new data, step 0 */
    BOTH(live_resample(both[i_]), seed_is, 4);
    assert_same_model(&a, &b);
    /* new parameters: rebuilt, then trained to a stop */
    p.seed = 4;
    p.objective = OBJECTIVE_DPO;
    char err[256];
    for (int i = 0; i < 2; i++) assert_int_equal(live_set_params(both[i], &p, err, sizeof err), 0);
    BOTH(live_run_to(both[i_], 25), dpo_paused_at, 25);
    assert_same_model(&a, &b);
    assert_non_null(strstr(b.status, "objective dpo"));
    params_t now;
    live_get_params(pu, &now);
    assert_int_equal(now.objective, OBJECTIVE_DPO);
    /* the slice is computed when asked, paused */
    live_want_slice(pu, 1, 0.5, -0.5);
    assert_true(pump_for(pu, &b, has_slice, 0));
    /* live_wait pumps a pumped session; idle, it returns at once */
    live_run_to(pu, 40);
    assert_true(wait_for(pu, &b, paused_at, 40));
    assert_int_equal(live_wait(pu, &b, 60.0), 0);
    /* headless stepping works on it too */
    assert_int_equal(live_run_steps(pu, 5), 0);
    assert_int_equal(live_snapshot(pu, &b), 1);
    assert_int_equal(b.step, 45);
#undef BOTH
    live_snapshot_free(&a);
    live_snapshot_free(&b);
    live_destroy(th);
    live_destroy(pu);
}

/* annotate mode: every input applied and trained, n answers */
static int settled(const live_snapshot_t *s, long n)
{
    return s->human && s->waiting && s->pending == 0 && s->n_answers == n;
}

/* Inputs: 1 A, 0 B, -1 skip, -2 undo. */
static const int INPUTS[] = { 1, 0, 0, -1, 1, -2, 1, 0, 1, -2, -2, 0, 1 };
#define N_INPUTS (sizeof INPUTS / sizeof INPUTS[0])

/* Gives INPUTS to l: in one burst, or each once the one before is
   trained; with pump, by live_pump calls, else by live_wait. */
static void give(live_t *l, live_snapshot_t *s, int burst, int pump)
{
    int (*drive)(live_t *, live_snapshot_t *, int (*)(const live_snapshot_t *, long), long) =
        pump ? pump_for : wait_for;
    long n = 0;
    assert_true(drive(l, s, settled, 0));
    for (size_t i = 0; i < N_INPUTS; i++) {
        long got = INPUTS[i] == -2 ? live_undo_answer(l) : live_answer(l, INPUTS[i]);
        n = INPUTS[i] == -2 ? n - 1 : INPUTS[i] >= 0 ? n + 1 : n;
        assert_int_equal(got, n);
        if (!burst) assert_true(drive(l, s, settled, n));
    }
    assert_true(drive(l, s, settled, n));
}

/* The exact replay through the pump: the answers given to a pumped session
   all at once give the model (and questions) they give one at a time, and
   those of a threaded session, bit for bit; with questions drawn from the
   model, the hardest case. */
static void test_pump_answers_replay(void **state)
{
    (void)state;
    params_t p = small();
    p.pairs = 2048;
    p.objective = OBJECTIVE_DPO;
    p.proposal = PROPOSAL_MODEL;
    p.answer_steps = 12;
    p.seed = 5;
    live_t *l[3];
    live_snapshot_t s[3];
    for (int i = 0; i < 3; i++) {
        l[i] = open_session(&p, i < 2);
        memset(&s[i], 0, sizeof s[i]);
        live_set_paused(l[i], 0);
        assert_int_equal(live_set_human(l[i], 1), 0);
    }
    give(l[0], &s[0], 1, 1); /* pumped, a burst */
    give(l[1], &s[1], 0, 1); /* pumped, one at a time */
    give(l[2], &s[2], 0, 0); /* threaded, one at a time */
    for (int i = 1; i < 3; i++) {
        assert_same_model(&s[0], &s[i]);
        assert_int_equal(s[0].n_answers, s[i].n_answers);
        assert_int_equal(s[0].question_no, s[i].question_no);
        assert_memory_equal(s[0].question, s[i].question, sizeof s[0].question);
        assert_memory_equal(s[0].answered, s[i].answered, s[0].n_answered * 4 * sizeof(float));
    }
    assert_int_equal(s[0].step, s[0].n_answers * p.answer_steps);
    for (int i = 0; i < 3; i++) {
        live_snapshot_free(&s[i]);
        live_destroy(l[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trains_and_pauses),
        cmocka_unit_test(test_run_steps_matches_trainer),
        cmocka_unit_test(test_run_to),
        cmocka_unit_test(test_reset_then_run_to_repeats),
        cmocka_unit_test(test_overopt_in_snapshot),
        cmocka_unit_test(test_borda_in_snapshot),
        cmocka_unit_test(test_pump_matches_thread),
        cmocka_unit_test(test_pump_commands),
        cmocka_unit_test(test_pump_answers_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
