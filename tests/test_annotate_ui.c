/* The interactive-data modes' pure logic (src/view/annotate.c): which
   point a click answers, the prompt line the end-to-end test reads, the
   brush's dabs on a 64 x 64 image (where, how strong, erasing, clamping),
   the all-black check and when a painted image is due at the session; and
   the rasteriser drawing A and B (and the brush) where they are. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pbde/annotate.h"
#include "pbde/raster.h"

#define S PARAMS_IMAGE_SIDE

/* ------------------------------------------------------------ clicks */

static void test_pick(void **state)
{
    (void)state;
    const double L = 3.0;
    const float q[4] = { -1.0f, 1.0f, 2.0f, -0.5f }; /* A (-1, 1), B (2, -0.5) */
    /* on the points */
    assert_int_equal(view_annot_pick(q, L, -1.0, 1.0), 1);
    assert_int_equal(view_annot_pick(q, L, 2.0, -0.5), 0);
    /* within 0.15 L = 0.45 of a point, and just outside */
    assert_int_equal(view_annot_pick(q, L, -1.0 + 0.44, 1.0), 1);
    assert_int_equal(view_annot_pick(q, L, 2.0, -0.5 - 0.44), 0);
    assert_int_equal(view_annot_pick(q, L, -1.0 - 0.46, 1.0), -1);
    assert_int_equal(view_annot_pick(q, L, 0.5, 0.25), -1); /* midway: neither */
    assert_int_equal(view_annot_pick(q, L, 3.0, 3.0), -1);
    /* both near: the nearer wins */
    const float close[4] = { 0.0f, 0.0f, 0.4f, 0.0f };
    assert_int_equal(view_annot_pick(close, L, 0.15, 0.0), 1);
    assert_int_equal(view_annot_pick(close, L, 0.25, 0.0), 0);
    /* the reach scales with the box */
    assert_int_equal(view_annot_pick(q, 10.0, -1.0 + 1.4, 1.0), 1);
    assert_int_equal(view_annot_pick(q, 1.0, -1.0 + 0.2, 1.0), -1);
}

/* ------------------------------------------------------------ prompt */

static void test_prompt(void **state)
{
    (void)state;
    view_annot_t a;
    view_annot_init(&a);
    assert_int_equal(a.mode, VIEW_MODE_NORMAL);
    assert_int_equal(a.radius, VIEW_BRUSH_DEFAULT);
    char buf[256];
    view_annot_prompt(buf, sizeof buf, &a, 1);
    assert_string_equal(buf, "thinking... the model draws the next question - 0 answers");
    a.have_question = 1;
    a.q[0] = 1.234f;
    a.q[1] = -0.5f;
    a.q[2] = -2.0f;
    a.q[3] = 0.125f;
    a.asked = 12;
    a.answers = 11;
    view_annot_prompt(buf, sizeof buf, &a, 1);
    assert_string_equal(buf, "Which is better?  <- A (1.23, -0.50)   B (-2.00, 0.12) ->   "
                             "question 12 - 11 answers");
    /* the script's parse: the numbers after "A (" and "B (" */
    float ax, ay, bx, by;
    assert_int_equal(sscanf(strstr(buf, "A ("), "A (%f, %f)", &ax, &ay), 2);
    assert_int_equal(sscanf(strstr(buf, "B ("), "B (%f, %f)", &bx, &by), 2);
    assert_true(fabs((double)ax - 1.23) < 1e-6 && fabs((double)by - 0.12) < 1e-6);
    a.answers = 1;
    view_annot_prompt(buf, sizeof buf, &a, 0);
    assert_non_null(strstr(buf, "\xE2\x86\x90 A ("));
    assert_non_null(strstr(buf, ") \xE2\x86\x92"));
    assert_non_null(strstr(buf, "1 answer"));
    assert_null(strstr(buf, "1 answers"));
    /* cut to fit, never overrun */
    char small[20];
    memset(small, 'x', sizeof small);
    view_annot_prompt(small, 10, &a, 1);
    assert_int_equal(strlen(small), 9);
    assert_int_equal(small[10], 'x');
}

/* ------------------------------------------------------------ brush */

static int px_at(const params_image_t *img, int row, int col) { return img->px[row * S + col]; }

static void test_dab_paints_a_disc(void **state)
{
    (void)state;
    params_image_t img;
    memset(&img, 0, sizeof img);
    snprintf(img.src, sizeof img.src, "picture.pgm");
    const double L = 2.0;
    /* the centre of the box is the corner of cells 31/32; radius 4 cells */
    int changed = view_brush_dab(&img, L, 0.0, 0.0, 4, 0);
    assert_int_equal(img.side, S);
    assert_string_equal(img.src, ""); /* painted now */
    /* cells whose centres lie within 4 of (32, 32): count them */
    int inside = 0, full = 0;
    for (int r = 0; r < S; r++)
        for (int c = 0; c < S; c++) {
            double d = hypot(c + 0.5 - 32.0, r + 0.5 - 32.0);
            int v = px_at(&img, r, c);
            if (d <= 4.0) {
                inside++;
                assert_true(v >= 60); /* at least a quarter at the rim */
                if (d <= 2.0) {
                    assert_int_equal(v, 255); /* full inside half the radius */
                    full++;
                }
            } else {
                assert_int_equal(v, 0);
            }
        }
    assert_int_equal(changed, inside);
    assert_int_equal(inside, 52); /* the 8x8 square's cells within radius 4 */
    assert_int_equal(full, 12);
    /* painting the same spot again changes only the rim, and never lowers */
    params_image_t before = img;
    int again = view_brush_dab(&img, L, 0.0, 0.0, 4, 0);
    assert_true(again > 0 && again < inside);
    for (int i = 0; i < S * S; i++) assert_true(img.px[i] >= before.px[i]);
}

static void test_dab_orientation_and_edges(void **state)
{
    (void)state;
    params_image_t img;
    memset(&img, 0, sizeof img);
    const double L = 3.0;
    /* the top-left cell of the box (x = -L, y = +L) is row 0, column 0 */
    const double cell = 2.0 * L / S;
    assert_true(view_brush_dab(&img, L, -L + cell / 2, L - cell / 2, 1, 0) > 0);
    assert_int_equal(px_at(&img, 0, 0), 255);
    assert_int_equal(px_at(&img, 0, 1), 64); /* a neighbour's centre is 1 cell away: the rim, a quarter */
    assert_int_equal(px_at(&img, 1, 1), 0);  /* the diagonal one lies outside */
    assert_int_equal(px_at(&img, S - 1, S - 1), 0);
    /* the bottom-right cell */
    assert_true(view_brush_dab(&img, L, L - cell / 2, -L + cell / 2, 1, 0) > 0);
    assert_int_equal(px_at(&img, S - 1, S - 1), 255);
    /* a dab wholly outside the box changes nothing */
    assert_int_equal(view_brush_dab(&img, L, 10 * L, 0.0, 4, 0), 0);
    /* radius is clamped to VIEW_BRUSH_MAX: a huge radius paints at most
       the cells within VIEW_BRUSH_MAX of the point */
    params_image_t big;
    memset(&big, 0, sizeof big);
    view_brush_dab(&big, L, 0.0, 0.0, 1000, 0);
    assert_int_equal(px_at(&big, 32, 32 + VIEW_BRUSH_MAX + 1), 0);
    assert_true(px_at(&big, 32, 32 + VIEW_BRUSH_MAX - 2) > 0);
}

static void test_erase_and_black(void **state)
{
    (void)state;
    params_image_t img;
    memset(&img, 0, sizeof img);
    assert_true(view_image_black(&img)); /* no image at all */
    const double L = 3.0;
    view_brush_dab(&img, L, 1.0, 1.0, 3, 0);
    assert_false(view_image_black(&img));
    /* erasing over it: the full-strength centre goes to 0, enough
       passes clear the rim too, and the image is black again */
    for (int k = 0; k < 40 && !view_image_black(&img); k++) view_brush_dab(&img, L, 1.0, 1.0, 3, 1);
    assert_true(view_image_black(&img));
    /* erasing black changes nothing */
    assert_int_equal(view_brush_dab(&img, L, 1.0, 1.0, 3, 1), 0);
}

static void test_due(void **state)
{
    (void)state;
    view_annot_t a;
    view_annot_init(&a);
    assert_false(view_brush_due(&a, 100.0)); /* nothing painted */
    view_brush_changed(&a, 10.0);
    assert_int_equal(a.dabs, 1);
    assert_false(view_brush_due(&a, 10.0 + VIEW_BRUSH_SETTLE_S / 2));
    assert_true(view_brush_due(&a, 10.0 + VIEW_BRUSH_SETTLE_S + 1e-9));
    /* a stroke that goes on: dabs every 0.05 s; due once 0.3 s passed
       since the first change, though the last dab is recent */
    view_annot_init(&a);
    double t = 20.0;
    int due_at = -1;
    for (int k = 0; k < 20; k++, t += 0.05) {
        view_brush_changed(&a, t);
        if (due_at < 0 && view_brush_due(&a, t)) due_at = k;
    }
    assert_int_equal(due_at, 6); /* 6 x 0.05 = 0.3 s */
    a.dirty = 0;
    assert_false(view_brush_due(&a, t + 10));
}

/* ------------------------------------------------------------ drawing */

static const unsigned char *pixel_at(const raster_image_t *img, const view_rect_t *r, double L,
                                     double x, double y)
{
    int i = r->x + (int)((x + L) / (2 * L) * r->w), j = r->y + (int)((L - y) / (2 * L) * r->h);
    return img->px + ((size_t)j * (size_t)img->w + (size_t)i) * 3;
}

static int is_rgb(const unsigned char *p, int r, int g, int b)
{
    return p[0] == r && p[1] == g && p[2] == b;
}

/* A and B are drawn in their colours on p* and the learned panel only,
   exactly at their points, and only in the annotate mode; the brush ring
   goes on p* alone. */
static void test_raster_marks(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    p.pairs = 1024;
    p.grid = 64;
    p.width = 16;
    p.depth = 2;
    char err[256];
    live_t *l = live_create(&p, kernels_select(NULL), 1, err, sizeof err);
    if (!l) fail_msg("live_create: %s", err);
    live_snapshot_t snap;
    memset(&snap, 0, sizeof snap);
    assert_int_equal(live_run_steps(l, 0), 0);
    assert_true(live_snapshot(l, &snap) >= 0);
    view_state_t vs;
    view_state_init(&vs);
    view_model_t vm;
    memset(&vm, 0, sizeof vm);
    assert_int_equal(view_build(&vm, &snap, &vs), 0);
    raster_image_t img = { malloc(1280 * 720 * 3), 1280, 720 };
    assert_non_null(img.px);

    view_annot_t an;
    view_annot_init(&an);
    an.mode = VIEW_MODE_ANNOTATE;
    an.have_question = 1;
    const float q[4] = { -3.0f, 3.0f, 3.5f, -2.5f };
    memcpy(an.q, q, sizeof q);
    raster_scene_t sc;
    raster_scene_init(&sc, &vm, &snap);
    sc.live = 1;
    sc.annot = &an;
    raster_layout_t lo;
    raster_draw(&img, &sc, NULL, &lo);
    assert_true(lo.n_panels >= 3);
    double L = snap.L;
    for (int i = 0; i < 2; i++) {
        assert_true(is_rgb(pixel_at(&img, &lo.panel[i], L, -3.0, 3.0), 255, 196, 84));
        assert_true(is_rgb(pixel_at(&img, &lo.panel[i], L, 3.5, -2.5), 110, 200, 255));
    }
    assert_false(is_rgb(pixel_at(&img, &lo.panel[2], L, -3.0, 3.0), 255, 196, 84));
    /* exploring: no marks */
    an.mode = VIEW_MODE_NORMAL;
    raster_draw(&img, &sc, NULL, &lo);
    assert_false(is_rgb(pixel_at(&img, &lo.panel[0], L, -3.0, 3.0), 255, 196, 84));
    assert_false(is_rgb(pixel_at(&img, &lo.panel[1], L, 3.5, -2.5), 110, 200, 255));
    /* the brush: a white ring of its radius round the cursor, on p* only */
    an.mode = VIEW_MODE_BRUSH;
    an.radius = 8;
    vm.cursor_x = 1.0;
    vm.cursor_y = -1.0;
    raster_draw(&img, &sc, NULL, &lo);
    double rad = 2 * L * an.radius / PARAMS_IMAGE_SIDE;
    /* on the cursor's row, a white pixel within two pixels of the radius
       (the ring is an anti-aliased line 1.5 pixels wide, so which pixel
       is white, and how nearly, depends on where the circle crosses the
       row: its centre is 250 or more in every channel) */
    double pix = 2 * L / lo.panel[0].w;
    int white[2] = { 0, 0 };
    for (int panel = 0; panel < 2; panel++)
        for (int k = -2; k <= 2; k++) {
            const unsigned char *c =
                pixel_at(&img, &lo.panel[panel], L, 1.0 + rad + k * pix, -1.0);
            white[panel] |= c[0] >= 250 && c[1] >= 250 && c[2] >= 250;
        }
    assert_true(white[0]);
    assert_false(white[1]); /* not on the learned panel */

    free(img.px);
    view_model_free(&vm);
    live_snapshot_free(&snap);
    live_destroy(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_prompt),
        cmocka_unit_test(test_dab_paints_a_disc),
        cmocka_unit_test(test_dab_orientation_and_edges),
        cmocka_unit_test(test_erase_and_black),
        cmocka_unit_test(test_due),
        cmocka_unit_test(test_raster_marks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
