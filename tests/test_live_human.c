/* "Be the annotator": questions drawn deterministically with the session's
   proposal, answers, undo, saving them as pbde sample's CSV, training that
   waits for the first answer and then uses only the answers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "pbde/dataset.h"
#include "pbde/live.h"
#include "pbde/trainer.h"

static params_t small(void)
{
    params_t p;
    params_defaults(&p);
    p.pairs = 2048;
    p.grid = 32;
    p.width = 16;
    p.depth = 2;
    p.steps = 100000;
    p.objective = OBJECTIVE_DPO; /* starts at pi_ref: symmetric in x */
    p.seed = 5;
    return p;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Polls snapshots for up to 20 s until pred holds. */
static int wait_for(live_t *l, live_snapshot_t *s, int (*pred)(const live_snapshot_t *, long), long arg)
{
    for (int i = 0; i < 2000; i++) {
        live_snapshot(l, s);
        if (pred(s, arg)) return 1;
        sleep_ms(10);
    }
    return 0;
}

static int is_human(const live_snapshot_t *s, long on) { return !s->rebuilding && s->human == on; }
static int step_above(const live_snapshot_t *s, long n) { return s->step > n; }
static int human_step_above(const live_snapshot_t *s, long n) { return s->human && s->step > n; }
static int back_and_training(const live_snapshot_t *s, long n)
{
    return !s->human && !s->rebuilding && s->step > n;
}

/* Mass of the model's density on the half x < 0. */
static double left_mass(const live_snapshot_t *s)
{
    double m = 0;
    for (size_t i = 0; i < s->n; i++) {
        double x = -s->L + ((double)(i % (size_t)s->G) + 0.5) * (2 * s->L / s->G);
        if (x < 0) m += exp(s->log_model[i]) * s->cell_area;
    }
    return m;
}

static live_t *start(const params_t *p, int paused)
{
    char err[256];
    live_t *l = live_create(p, kernels_select(NULL), paused, err, sizeof err);
    if (!l) fail_msg("live_create: %s", err);
    return l;
}

/* Questions: pure functions of the seed and how many were asked: equal to
   the proposal's pairs of the question stream, and equal across sessions. */
static void test_questions_deterministic(void **state)
{
    (void)state;
    for (int prop = PROPOSAL_REFERENCE; prop < PROPOSAL_COUNT; prop++) {
        params_t p = small();
        p.proposal = prop;
        live_t *a = start(&p, 1), *b = start(&p, 1);
        world_t *w = malloc(sizeof *w);
        char err[256];
        assert_int_equal(world_create(w, &p, err, sizeof err), 0);
        for (int q = 0; q < 5; q++) {
            float qa[4], qb[4], want[4];
            assert_int_equal(live_next_question(a, qa), 0);
            assert_int_equal(live_next_question(b, qb), 0);
            assert_memory_equal(qa, qb, sizeof qa);
            for (int k = 0; k < 4; k++) assert_true(fabsf(qa[k]) <= (float)p.box);
            if (prop == PROPOSAL_REFERENCE || prop == PROPOSAL_UNIFORM || prop == PROPOSAL_LOCAL) {
                assert_int_equal(dataset_propose(w, NULL, LIVE_STREAM_QUESTIONS, (uint64_t)q, 1, want), 0);
                assert_memory_equal(qa, want, sizeof qa);
            }
        }
        world_destroy(w);
        free(w);
        live_destroy(a);
        live_destroy(b);
    }
}

static int step_is(const live_snapshot_t *s, long n) { return s->step == n; }

/* The answers drive training: nothing happens before the first answer;
   then the model trains on the answers alone (they prefer the smaller x,
   which the session's own annotator, two-gauss, does not: its mass on
   x < 0 is 0.4), answer-steps steps for each answer (40 answered at once
   buy 40 x answer-steps), then waits; undo and
   save work; off goes back to the annotator's data. */
static void test_answers_train(void **state)
{
    (void)state;
    params_t p = small();
    p.answer_steps = 15; /* 40 answers: 600 steps */
    live_t *l = start(&p, 0);
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    assert_int_equal(live_set_human(l, 1), 0);
    assert_true(wait_for(l, &s, is_human, 1));
    assert_int_equal(s.n_answers, 0);
    sleep_ms(300);
    live_snapshot(l, &s);
    assert_int_equal(s.step, 0); /* waits for an answer */
    assert_int_equal(live_undo_answer(l), -1);

    /* answered while paused: training starts from step 0 on all 40 */
    live_set_paused(l, 1);
    for (int q = 0; q < 40; q++) {
        float pts[4];
        assert_int_equal(live_next_question(l, pts), 0);
        int y = pts[0] < pts[2]; /* a preferred when it lies further left */
        assert_int_equal(live_answer(l, pts, y), q + 1);
    }
    float outside[4] = { 100, 0, 0, 0 };
    assert_int_equal(live_answer(l, outside, 1), -1);
    assert_int_equal(live_answer_count(l), 40);
    sleep_ms(200);
    live_set_paused(l, 0);
    /* 40 x 15 steps for the 40 answers, then it waits */
    assert_true(wait_for(l, &s, step_is, 600));
    sleep_ms(300);
    live_snapshot(l, &s);
    assert_int_equal(s.step, 600);
    assert_true(s.human);
    assert_int_equal(s.n_answers, 40);
    assert_int_equal(s.n_answered, 40);
    /* winner first: every shown winner lies left of its loser */
    for (size_t i = 0; i < s.n_answered; i++) assert_true(s.answered[4 * i] <= s.answered[4 * i + 2]);
    double left = left_mass(&s);
    if (!(left > 0.8)) fail_msg("mass on x < 0 after training on the answers: %g", left);
    print_message("mass of the model on x < 0 after 600 steps on 40 answers: %.4f (two-gauss: 0.4)\n", left);
    /* the status line says how training follows the answers (it once
       said "(0 so far)" after 40 answers) */
    if (!strstr(s.status, "15 steps") || strstr(s.status, "so far")) fail_msg("status line: '%s'", s.status);
    /* one more answer: 15 more steps */
    float pts[4];
    assert_int_equal(live_next_question(l, pts), 0);
    assert_int_equal(live_answer(l, pts, pts[0] < pts[2]), 41);
    assert_true(wait_for(l, &s, step_is, 615));
    assert_true(wait_for(l, &s, human_step_above, 614)); /* published after the last step */
    sleep_ms(300);
    live_snapshot(l, &s);
    assert_int_equal(s.step, 615);
    assert_int_equal(live_undo_answer(l), 40);

    /* undo */
    assert_int_equal(live_undo_answer(l), 39);
    assert_int_equal(live_undo_answer(l), 38);
    assert_int_equal(live_answer_count(l), 38);

    /* save: pbde sample's format, read back by the pairs-file reader */
    char dir[] = "/tmp/pbde-test-human-XXXXXX", path[300], err[512];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/answers.csv", dir);
    assert_int_equal(live_save_answers(l, path, err, sizeof err), 0);
    float *rows;
    uint8_t *y, *who;
    size_t n;
    if (dataset_read_csv(path, p.box, 1000, &rows, &y, &who, &n, err, sizeof err) != 0) fail_msg("%s", err);
    assert_int_equal(n, 38);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(y[i], rows[4 * i] < rows[4 * i + 2]);
        assert_int_equal(who[i], 0);
    }
    free(rows);
    free(y);
    free(who);
    /* a failed save leaves the file as it was and says why */
    char bad[400];
    snprintf(bad, sizeof bad, "%s/no/such/dir/a.csv", dir);
    assert_int_equal(live_save_answers(l, bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);

    /* off: back to the annotator's data, training restarts from step 0 */
    assert_int_equal(live_set_human(l, 0), 0);
    assert_true(wait_for(l, &s, back_and_training, 5));
    assert_int_equal(s.n_answers, 38); /* kept for later */
    live_destroy(l);
    live_snapshot_free(&s);
}

/* A paused session in human mode stays paused; answers still count. */
static void test_paused(void **state)
{
    (void)state;
    params_t p = small();
    live_t *l = start(&p, 1);
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    assert_int_equal(live_set_human(l, 1), 0);
    assert_true(wait_for(l, &s, is_human, 1));
    float q[4];
    assert_int_equal(live_next_question(l, q), 0);
    assert_int_equal(live_answer(l, q, 1), 1);
    sleep_ms(300);
    live_snapshot(l, &s);
    assert_int_equal(s.step, 0);
    live_set_paused(l, 0);
    assert_true(wait_for(l, &s, step_above, 10));
    live_destroy(l);
    live_snapshot_free(&s);
}


/* ---- the label's sign, end to end, and learning from a few rule answers */

/* The rule a person in the room follows: the point nearer (2, 1.5) is
   better. */
static int nearer_target(const float q[4])
{
    return hypot((double)q[0] - 2, (double)q[1] - 1.5) < hypot((double)q[2] - 2, (double)q[3] - 1.5);
}

static int step_at_least(const live_snapshot_t *s, long n) { return s->human && s->step >= n; }

/* Answers n rule questions one at a time on a running session, waiting
   after each for the steps it bought (answer-steps each), so the run is
   the same whatever the machine's speed. */
static void answer_rule(live_t *l, live_snapshot_t *s, int n, long per, float *asked, uint8_t *ys)
{
    for (int q = 0; q < n; q++) {
        float pts[4];
        assert_int_equal(live_next_question(l, pts), 0);
        int y = nearer_target(pts);
        assert_int_equal(live_answer(l, pts, y), q + 1);
        if (asked) memcpy(asked + 4 * q, pts, sizeof pts);
        if (ys) ys[q] = (uint8_t)y;
        if (!wait_for(l, s, step_at_least, (q + 1) * per))
            fail_msg("answer %d: no step %ld (step %ld)", q + 1, (q + 1) * per, s->step);
    }
    sleep_ms(100);
    live_snapshot(l, s);
}

/* Mean of the model's density on the grid. */
static void model_mean(const live_snapshot_t *s, double *mx, double *my)
{
    double ex = 0, ey = 0, cell = 2 * s->L / s->G;
    for (size_t i = 0; i < s->n; i++) {
        double w = exp(s->log_model[i]) * s->cell_area;
        ex += w * (-s->L + ((double)(i % (size_t)s->G) + 0.5) * cell);
        ey += w * (-s->L + ((double)(i / (size_t)s->G) + 0.5) * cell);
    }
    *mx = ex;
    *my = ey;
}

/* y = 1 means A (the first point) is better all the way: live_answer keeps
   it, the trainer learns r(A) > r(B) from it (the model's logit on the
   answered pairs has the answer's sign), the overlay draws A as the
   winner, and the CSV live_save_answers writes loads back through
   --pairs-file (trainer_create with pairs_file) with the same labels and
   dref = log pi_ref(a) - log pi_ref(b). */
static void test_label_sign(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    p.seed = 3;
    p.grid = 64;
    live_t *l = start(&p, 0);
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    assert_int_equal(live_set_human(l, 1), 0);
    assert_true(wait_for(l, &s, is_human, 1));
    enum { N = 12 };
    float asked[4 * N];
    uint8_t ys[N];
    answer_rule(l, &s, N, p.answer_steps, asked, ys);
    assert_int_equal(s.n_answered, N);
    for (int i = 0; i < N; i++) { /* winner first */
        const float *q = asked + 4 * i, *w = s.answered + 4 * i;
        assert_true(w[0] == (ys[i] ? q[0] : q[2]) && w[1] == (ys[i] ? q[1] : q[3]));
    }

    char dir[] = "/tmp/pbde-test-sign-XXXXXX", path[200], err[512];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/answers.csv", dir);
    assert_int_equal(live_save_answers(l, path, err, sizeof err), 0);
    live_destroy(l);

    /* pbde train --pairs-file: the trainer on the saved answers */
    params_t pf = p;
    snprintf(pf.pairs_file, sizeof pf.pairs_file, "%s", path);
    pf.steps = 300;
    pf.schedule = SCHEDULE_CONSTANT;
    trainer_t *t = trainer_create(&pf, kernels_select(NULL), err, sizeof err);
    if (!t) fail_msg("trainer_create: %s", err);
    const dataset_t *d = trainer_data(t);
    assert_int_equal(d->n_train, N);
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < 4; k++) assert_true(fabsf(d->pts[4 * i + k] - asked[4 * i + k]) < 1e-6f);
        assert_int_equal(d->y[i], ys[i]);
        double ra = -0.5 * (double)(d->pts[4 * i] * d->pts[4 * i] + d->pts[4 * i + 1] * d->pts[4 * i + 1]);
        double rb = -0.5 * (double)(d->pts[4 * i + 2] * d->pts[4 * i + 2] + d->pts[4 * i + 3] * d->pts[4 * i + 3]);
        double want = (ra - rb) / (p.ref_scale * p.ref_scale);
        assert_true(fabs((double)d->dref[i] - want) < 1e-4 * (1 + fabs(want)));
    }
    /* trained on them, the model agrees with every answer's sign */
    assert_int_equal(trainer_step(t, pf.steps), 0);
    double logit[N];
    trainer_pair_logits(t, d->pts, d->dref, N, logit);
    for (int i = 0; i < N; i++)
        if ((logit[i] > 0) != (d->y[i] == 1))
            fail_msg("pair %d: answer y=%d but the trained model's logit is %g", i, d->y[i], logit[i]);
    trainer_destroy(t);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    live_snapshot_free(&s);
}

/* 40 answers by the rule "nearer (2, 1.5) is better", to the default
   session's questions (reference proposal, reward objective, default
   answer-steps and answer-prior), answered one at a time, for four seeds:
   the learned density's mean lies within 2 of (2, 1.5) for each, and
   within 1 on average. Why: pi_ref's mean, where a model that learned
   nothing sits, is (0, 0), 2.5 away, and a ridge at the box's edge (what
   the first version made of such answers) has its mean 3-8 away; the
   same answers trained as before answer-steps and answer-prior (3000
   steps an answer, no pull) ended 2.44, 0.55 and 0.89 away with seeds 11,
   1 and 2 (average 1.29, KL(p*||pi_theta) 20-55). With the defaults this
   test measured 0.66, 0.32, 0.19 and 1.70 for seeds 1, 2, 3 and 11
   (average 0.72; it prints them). The runs are deterministic (fixed
   seeds, steps counted exactly), so the margins only absorb kernel-path
   differences (AVX2 or scalar). */
static void test_rule_answers_mean(void **state)
{
    (void)state;
    const long seeds[] = { 1, 2, 3, 11 };
    double sum = 0;
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        long seed = seeds[k];
        params_t p;
        params_defaults(&p);
        p.seed = seed;
        live_t *l = start(&p, 0);
        live_snapshot_t s;
        memset(&s, 0, sizeof s);
        assert_int_equal(live_set_human(l, 1), 0);
        assert_true(wait_for(l, &s, is_human, 1));
        answer_rule(l, &s, 40, p.answer_steps, NULL, NULL);
        assert_int_equal(s.step, 40 * p.answer_steps);
        double mx, my;
        model_mean(&s, &mx, &my);
        double dist = hypot(mx - 2, my - 1.5);
        sum += dist;
        print_message("seed %ld: 40 rule answers, step %ld: mean of pi_theta (%.2f, %.2f), %.2f from "
                      "(2, 1.5); KL(p*||pi_theta) %.2f\n",
                      seed, s.step, mx, my, dist, s.metrics.kl_true);
        if (!(dist < 2.0)) fail_msg("seed %ld: the mean (%.2f, %.2f) is %.2f from (2, 1.5)", seed, mx, my, dist);
        live_destroy(l);
        live_snapshot_free(&s);
    }
    double avg = sum / (double)(sizeof seeds / sizeof seeds[0]);
    print_message("average distance of the mean from (2, 1.5): %.2f\n", avg);
    if (!(avg < 1.0)) fail_msg("the means are %.2f from (2, 1.5) on average", avg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_questions_deterministic),
        cmocka_unit_test(test_answers_train),
        cmocka_unit_test(test_paused),
        cmocka_unit_test(test_label_sign),
        cmocka_unit_test(test_rule_answers_mean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
