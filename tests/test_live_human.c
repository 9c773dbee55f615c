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
   x < 0 is 0.4), `steps` steps after the last answer, then waits; undo and
   save work; off goes back to the annotator's data. */
static void test_answers_train(void **state)
{
    (void)state;
    params_t p = small();
    p.steps = 600;
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
    /* 600 steps (steps) after the last answer, then it waits */
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
    /* one more answer: 600 more steps */
    float pts[4];
    assert_int_equal(live_next_question(l, pts), 0);
    assert_int_equal(live_answer(l, pts, pts[0] < pts[2]), 41);
    assert_true(wait_for(l, &s, step_is, 1200));
    assert_true(wait_for(l, &s, human_step_above, 1199)); /* published after the last step */
    sleep_ms(300);
    live_snapshot(l, &s);
    assert_int_equal(s.step, 1200);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_questions_deterministic),
        cmocka_unit_test(test_answers_train),
        cmocka_unit_test(test_paused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
