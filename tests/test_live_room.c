/* A room of annotators: many answers per question, only the open
   question takes answers, every accepted answer saved with its persona in
   order, and the same sequence of answers giving the same model. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "pbde/live.h"
#include "pbde/rng.h"

static params_t small(void)
{
    params_t p;
    params_defaults(&p);
    p.pairs = 256;
    p.grid = 24;
    p.width = 16;
    p.depth = 2;
    p.steps = 100000;
    p.answer_steps = 3;
    p.objective = OBJECTIVE_DPO;
    p.seed = 11;
    return p;
}

static live_t *start(const params_t *p, int per_question)
{
    char err[256];
    live_t *l = live_create(p, kernels_select(NULL), 0, err, sizeof err);
    if (!l) fail_msg("live_create: %s", err);
    assert_int_equal(live_set_room(l, 1, per_question), 0);
    return l;
}

static double elapsed(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0->tv_nsec);
}

/* Waits (up to 120 s, which only a hang reaches) for question q to be
   open; its points into pts. */
static int wait_question(live_t *l, long q, float pts[4])
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long id = 0;
    while (elapsed(&t0) < 120) {
        if (live_room_question(l, &id, pts, NULL) && id >= q) return id == q;
        usleep(1000);
    }
    return 0;
}

/* Waits for every queued answer applied and trained. */
static int wait_trained(live_t *l, live_snapshot_t *s, long n)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    live_snapshot(l, s);
    while (elapsed(&t0) < 120) {
        if (s->waiting && s->pending == 0 && s->n_answers == n) return 1;
        if (live_wait(l, s, 1.0) < 0) return 0;
    }
    return 0;
}

/* N answers close the question; the next one opens; a stale or future
   question number is refused and changes nothing; live_next_question
   closes early. */
static void test_per_question(void **state)
{
    (void)state;
    params_t p = small();
    live_t *l = start(&p, 3);
    float q1[4], q2[4], q3[4], pts[4];
    long id;
    assert_true(wait_question(l, 1, q1));
    assert_int_equal(live_room_answer(l, 2, 1, 0), LIVE_ROOM_NOT_OPEN);
    assert_int_equal(live_room_answer(l, 1, 2, 0), LIVE_ROOM_BAD);
    assert_int_equal(live_room_answer(l, 1, 1, -1), LIVE_ROOM_BAD);
    assert_int_equal(live_room_answer(l, 1, 1, 0), 1);
    assert_int_equal(live_room_answer(l, 1, -1, 1), 1); /* no preference: counted, no data */
    assert_true(live_room_question(l, &id, pts, NULL));
    assert_int_equal(id, 1);
    assert_memory_equal(pts, q1, sizeof pts);
    assert_int_equal(live_room_answer(l, 1, 0, 2), 2); /* the third closes it */
    assert_int_equal(live_room_answer(l, 1, 1, 0), LIVE_ROOM_STALE);
    assert_true(wait_question(l, 2, q2));
    assert_memory_not_equal(q1, q2, sizeof q1);
    assert_int_equal(live_room_answer(l, 1, 1, 0), LIVE_ROOM_STALE);
    assert_int_equal(live_room_answer(l, 2, 1, 0), 3);
    live_next_question(l);
    assert_int_equal(live_room_answer(l, 2, 1, 0), LIVE_ROOM_STALE);
    assert_true(wait_question(l, 3, q3));
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    assert_true(wait_trained(l, &s, 3));
    assert_true(s.room && s.room_open);
    assert_int_equal(s.question_no, 3);
    assert_int_equal(s.room_answers, 4);
    assert_int_equal(s.room_abstained, 1);
    assert_int_equal(s.room_question_answers, 0);
    assert_int_equal(s.room_per_question, 3);
    /* one seat's live_answer and undo are not the room's */
    assert_int_equal(live_answer(l, 1), -1);
    assert_int_equal(live_undo_answer(l), -1);
    live_snapshot_free(&s);
    live_destroy(l);
}

/* The saved CSV holds every accepted answer, in order, with its persona
   in the annotator column and its question's points. */
static void test_saved_csv(void **state)
{
    (void)state;
    params_t p = small();
    live_t *l = start(&p, 4);
    float q[3][4];
    int ys[12], who[12], n = 0;
    rng_t r = rng_stream(3, 0);
    for (long k = 1; k <= 3; k++) {
        assert_true(wait_question(l, k, q[k - 1]));
        for (int i = 0; i < 4; i++, n++) {
            ys[n] = rng_uniform(&r) < 0.5;
            who[n] = (int)(rng_uniform(&r) * 5);
            assert_int_equal(live_room_answer(l, k, ys[n], who[n]), n + 1);
        }
    }
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    assert_true(wait_trained(l, &s, n));
    char path[] = "/tmp/pbde-room-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[256];
    assert_int_equal(live_save_answers(l, path, err, sizeof err), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[256];
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "ax,ay,bx,by,y,annotator\n");
    int rows = 0;
    float a[4];
    int y, w;
    while (fscanf(f, "%f,%f,%f,%f,%d,%d", &a[0], &a[1], &a[2], &a[3], &y, &w) == 6) {
        assert_true(rows < n);
        for (int c = 0; c < 4; c++) assert_true(a[c] == q[rows / 4][c]);
        assert_int_equal(y, ys[rows]);
        assert_int_equal(w, who[rows]);
        rows++;
    }
    assert_int_equal(rows, n);
    fclose(f);
    unlink(path);
    live_snapshot_free(&s);
    live_destroy(l);
}

/* Feeds a session Q questions of N answers from a fixed stream; returns
   its model's KL(p* || model) once everything is trained. */
static double feed(int Q, int N, unsigned seed, long *answers)
{
    params_t p = small();
    live_t *l = start(&p, N);
    rng_t r = rng_stream(seed, 0);
    float pts[4];
    long n = 0;
    for (long k = 1; k <= Q; k++) {
        if (!wait_question(l, k, pts)) fail_msg("question %ld never opened", k);
        for (int i = 0; i < N; i++) {
            /* the room prefers the point nearer (2, 1.5), mostly */
            double da = hypot((double)pts[0] - 2.0, (double)pts[1] - 1.5),
                   db = hypot((double)pts[2] - 2.0, (double)pts[3] - 1.5);
            int y = (da < db) != (rng_uniform(&r) < 0.1);
            long got = live_room_answer(l, k, y, i % 2);
            assert_int_equal(got, ++n);
        }
    }
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    if (!wait_trained(l, &s, n)) fail_msg("the answers were never all trained");
    assert_int_equal(s.room_answers, n);
    double kl = s.metrics.kl_true;
    *answers = n;
    live_snapshot_free(&s);
    live_destroy(l);
    return kl;
}

/* Two sessions fed the same sequence end with the same model, exactly;
   a different sequence gives another one. */
static void test_replay_exact(void **state)
{
    (void)state;
    long na, nb, nc;
    double a = feed(6, 5, 21, &na), b = feed(6, 5, 21, &nb), c = feed(6, 5, 22, &nc);
    print_message("room replay: %ld answers, KL %.9g and %.9g; another sequence %.9g\n", na, a, b, c);
    assert_int_equal(na, 30);
    assert_true(isfinite(a));
    assert_true(a == b);
    assert_true(a != c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_question),
        cmocka_unit_test(test_saved_csv),
        cmocka_unit_test(test_replay_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
