/* The RGB rasteriser: the true panel's brightest pixel sits at the
   density's mode, every size is drawn without writing outside the buffer,
   the layout keeps panels large and apart, facets share one colour scale,
   text goes through the font interface, and drawing is deterministic. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pbde/raster.h"

/* A live session on the default two-gauss world (small data, no
   training), and the view model of its first snapshot. */
typedef struct {
    live_t *l;
    live_snapshot_t s;
    view_model_t vm;
    view_state_t vs;
} fixture_t;

static void fixture_open(fixture_t *f, int objective)
{
    memset(f, 0, sizeof *f);
    params_t p;
    params_defaults(&p);
    p.pairs = 1024;
    p.grid = 96;
    p.width = 16;
    p.depth = 2;
    p.steps = 20;
    p.objective = objective;
    char err[256];
    f->l = live_create(&p, kernels_select(NULL), 1, err, sizeof err);
    if (!f->l) fail_msg("live_create: %s", err);
    assert_int_equal(live_run_steps(f->l, 0), 0);
    assert_true(live_snapshot(f->l, &f->s) >= 0);
    view_state_init(&f->vs);
    assert_int_equal(view_build(&f->vm, &f->s, &f->vs), 0);
}

static void fixture_close(fixture_t *f)
{
    view_model_free(&f->vm);
    live_snapshot_free(&f->s);
    live_destroy(f->l);
}

static raster_image_t image(int w, int h)
{
    raster_image_t img = { malloc((size_t)w * (size_t)h * 3), w, h };
    assert_non_null(img.px);
    return img;
}

static double luminance(const unsigned char *p)
{
    return 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
}

/* The world coordinates of the brightest pixel of rect r. */
static void brightest(const raster_image_t *img, const view_rect_t *r, double L, double *x,
                      double *y)
{
    double best = -1;
    for (int j = r->y; j < r->y + r->h; j++)
        for (int i = r->x; i < r->x + r->w; i++) {
            double v = luminance(img->px + ((size_t)j * img->w + i) * 3);
            if (v > best) {
                best = v;
                raster_pixel_to_world(r, L, i, j, x, y);
            }
        }
}

/* ------------------------------------------------------------ the mode */

static void test_brightest_pixel_at_mode(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, 0);
    /* two-gauss: the narrow component at (-2, -2) has the highest density */
    assert_string_equal(f.vm.panels[0].title, "p*(x) \xE2\x80\x94 annotator");
    for (int bilinear = 0; bilinear < 2; bilinear++) {
        static const int SIZES[][2] = { { 1280, 720 }, { 640, 360 }, { 500, 900 } };
        for (size_t k = 0; k < sizeof SIZES / sizeof SIZES[0]; k++) {
            raster_image_t img = image(SIZES[k][0], SIZES[k][1]);
            raster_scene_t sc;
            raster_scene_init(&sc, &f.vm, &f.s);
            sc.cursor = 0;
            sc.bilinear = bilinear;
            raster_layout_t lo;
            raster_draw(&img, &sc, NULL, &lo);
            assert_true(lo.n_panels >= 1);
            double x, y;
            brightest(&img, &lo.panel[0], f.vm.L, &x, &y);
            /* within a grid cell and a pixel of (-2, -2) */
            double tol = 2.0 * f.vm.L / f.vm.G + 2.0 * f.vm.L / lo.panel[0].w;
            if (fabs(x + 2.0) > tol || fabs(y + 2.0) > tol)
                fail_msg("brightest pixel at (%.3f, %.3f), mode at (-2, -2), tolerance %.3f "
                         "(%dx%d, bilinear %d)", x, y, tol, img.w, img.h, bilinear);
            free(img.px);
        }
    }
    fixture_close(&f);
}

/* The crosshair is drawn where the cursor is. */
static void test_cursor_drawn_at_cursor(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, 0);
    f.vs.cursor_x = 3.0;
    f.vs.cursor_y = -4.0;
    assert_int_equal(view_build(&f.vm, &f.s, &f.vs), 0);
    raster_image_t on = image(800, 450), off = image(800, 450);
    raster_scene_t sc;
    raster_scene_init(&sc, &f.vm, &f.s);
    raster_layout_t lo;
    raster_draw(&on, &sc, NULL, &lo);
    sc.cursor = 0;
    raster_draw(&off, &sc, NULL, NULL);
    /* the pixels that differ lie around the cursor in every panel */
    const view_rect_t *r = &lo.panel[0];
    double sx = 0, sy = 0;
    long n = 0;
    for (int j = r->y; j < r->y + r->h; j++)
        for (int i = r->x; i < r->x + r->w; i++) {
            size_t o = ((size_t)j * on.w + i) * 3;
            if (memcmp(on.px + o, off.px + o, 3) == 0) continue;
            double x, y;
            raster_pixel_to_world(r, f.vm.L, i, j, &x, &y);
            sx += x;
            sy += y;
            n++;
        }
    assert_true(n > 20);
    assert_true(fabs(sx / n - 3.0) < 0.2);
    assert_true(fabs(sy / n + 4.0) < 0.2);
    free(on.px);
    free(off.px);
    fixture_close(&f);
}

/* ------------------------------------------------------------ sizes */

static void test_any_size_every_pixel(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, 0);
    static const int SIZES[][2] = { { 16, 16 }, { 17, 23 }, { 64, 48 }, { 333, 777 },
                                    { 1281, 719 }, { 3000, 200 }, { 200, 3000 } };
    for (size_t k = 0; k < sizeof SIZES / sizeof SIZES[0]; k++) {
        int w = SIZES[k][0], h = SIZES[k][1];
        /* a guard band after the image catches writes past its end */
        size_t n = (size_t)w * h * 3;
        unsigned char *buf = malloc(n + 64);
        assert_non_null(buf);
        memset(buf, 0xAB, n + 64);
        raster_image_t img = { buf, w, h };
        raster_scene_t sc;
        raster_scene_init(&sc, &f.vm, &f.s);
        sc.live = 1;
        sc.help = (k % 2) == 1;
        sc.message = "a message";
        f.vm.overlay = 1;
        raster_draw(&img, &sc, NULL, NULL);
        for (size_t i = 0; i < 64; i++) assert_int_equal(buf[n + i], 0xAB);
        /* nothing keeps the fill pattern: every pixel was written */
        size_t kept = 0;
        for (size_t i = 0; i < n; i += 3)
            if (buf[i] == 0xAB && buf[i + 1] == 0xAB && buf[i + 2] == 0xAB) kept++;
        assert_int_equal(kept, 0);
        free(buf);
    }
    fixture_close(&f);
}

static int overlaps(const view_rect_t *a, const view_rect_t *b)
{
    if (a->w <= 0 || b->w <= 0) return 0;
    return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

static int inside(const view_rect_t *r, int w, int h)
{
    return r->w <= 0 || (r->x >= 0 && r->y >= 0 && r->x + r->w <= w && r->y + r->h <= h);
}

/* 1280x720 holds 3 panels of at least 256 pixels, and panels, colour
   bar, plots and metrics never overlap, at many sizes and panel counts. */
static void test_layout(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, 0);
    view_model_t vm = f.vm;
    for (int n = 1; n <= 6; n++) {
        vm.n_panels = n;
        for (int i = 3; i < n; i++) vm.panels[i] = f.vm.panels[0];
        static const int SIZES[][2] = { { 1280, 720 }, { 1920, 1080 }, { 800, 450 },
                                        { 600, 900 }, { 320, 200 } };
        for (size_t k = 0; k < sizeof SIZES / sizeof SIZES[0]; k++) {
            int w = SIZES[k][0], h = SIZES[k][1];
            raster_scene_t sc;
            raster_scene_init(&sc, &vm, &f.s);
            raster_layout_t lo;
            raster_layout(&lo, &sc, w, h, NULL);
            assert_int_equal(lo.n_panels, n);
            /* the window's default size: heatmaps of at least 256 x 256 */
            if (w == 1280 && lo.panel[0].w < 256)
                fail_msg("1280x720, %d panels: panels of %d pixels", n, lo.panel[0].w);
            view_rect_t all[VIEW_MAX_PANELS + 4];
            int m = 0;
            for (int i = 0; i < lo.n_panels; i++) all[m++] = lo.panel[i];
            all[m++] = lo.colorbar;
            all[m++] = lo.curves[0];
            all[m++] = lo.curves[1];
            all[m++] = lo.metrics;
            for (int i = 0; i < m; i++) {
                if (!inside(&all[i], w, h))
                    fail_msg("%dx%d, %d panels: rect %d (%d,%d %dx%d) leaves the image", w, h, n,
                             i, all[i].x, all[i].y, all[i].w, all[i].h);
                for (int j = i + 1; j < m; j++)
                    if (overlaps(&all[i], &all[j]))
                        fail_msg("%dx%d, %d panels: rects %d and %d overlap", w, h, n, i, j);
            }
            for (int i = 0; i < lo.n_panels; i++) assert_int_equal(lo.panel[i].w, lo.panel[i].h);
        }
    }
    fixture_close(&f);
}

static void test_pixel_to_world(void **state)
{
    (void)state;
    view_rect_t r = { 10, 20, 100, 100 };
    double x, y;
    assert_true(raster_pixel_to_world(&r, 6.0, 10, 20, &x, &y));
    assert_true(fabs(x + 6.0 + 0.06) < 1e-9 + 0.12 && x < -5.9);
    assert_true(y > 5.9);
    assert_true(raster_pixel_to_world(&r, 6.0, 109, 119, &x, &y));
    assert_true(x > 5.9 && y < -5.9);
    assert_false(raster_pixel_to_world(&r, 6.0, 110, 50, &x, &y));
    assert_false(raster_pixel_to_world(&r, 6.0, 9, 50, &x, &y));
}

/* ------------------------------------------------------------ facets */

static void test_facet_shared_scale(void **state)
{
    (void)state;
    fixture_t a, b;
    fixture_open(&a, 0);
    fixture_open(&b, 0);
    view_model_t vms[2] = { a.vm, b.vm };
    vms[1].scale_hi = a.vm.scale_hi * 3.0; /* pretend the second run is peakier */
    vms[1].panels[1].hi = vms[1].scale_hi;
    const char *labels[2] = { "\xCE\xB2 = 1", "\xCE\xB2 = 4" };
    view_model_t out;
    assert_int_equal(raster_facet_model(&out, vms, 2, labels), 0);
    assert_int_equal(out.n_panels, 3);
    assert_true(out.buf == NULL);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(out.panels[i].kind, PANEL_DENSITY);
        assert_true(out.panels[i].lo == out.scale_lo);
        assert_true(out.panels[i].hi == out.scale_hi);
    }
    assert_true(out.scale_hi == vms[1].scale_hi);
    assert_non_null(strstr(out.panels[2].title, "\xCE\xB2 = 4"));
    assert_ptr_equal(out.panels[1].values, a.vm.panels[1].values);
    assert_int_equal(raster_facet_model(&out, vms, 0, labels), -1);
    assert_int_equal(raster_facet_model(&out, vms, VIEW_MAX_PANELS, NULL), -1);
    fixture_close(&a);
    fixture_close(&b);
}

static void test_param_label(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    char buf[64];
    p.beta = 16;
    raster_param_label(&p, "beta", buf, sizeof buf);
    assert_string_equal(buf, "\xCE\xB2 = 16");
    raster_param_label(&p, "objective", buf, sizeof buf);
    assert_string_equal(buf, "objective = reward");
}

/* ------------------------------------------------------------ text */

/* A fake font: every character a solid block 6 pixels wide. */
typedef struct {
    unsigned char mask[64 * 2048];
    int calls;
} fake_font_t;

static int fake_text(void *ctx, const char *utf8, int px, raster_mask_t *out)
{
    fake_font_t *f = ctx;
    f->calls++;
    size_t n = 0;
    for (const char *s = utf8; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    int w = (int)n * 6, h = px + 2;
    if (w <= 0 || w > 2048 || h > 64) return -1;
    memset(f->mask, 255, (size_t)w * h);
    out->a = f->mask;
    out->w = w;
    out->h = h;
    return 0;
}

static void test_text_through_font(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, 0);
    static fake_font_t ff;
    raster_font_t font = { &ff, fake_text };
    raster_image_t with = image(1280, 720), without = image(1280, 720);
    raster_scene_t sc;
    raster_scene_init(&sc, &f.vm, &f.s);
    raster_layout_t lo;
    raster_draw(&with, &sc, &font, &lo);
    raster_draw(&without, &sc, NULL, NULL);
    assert_true(ff.calls > 10);
    /* the header line (above the panels) differs only by text */
    long diff = 0;
    for (int j = 0; j < lo.panel[0].y - 30; j++)
        for (int i = 0; i < with.w; i++) {
            size_t o = ((size_t)j * with.w + i) * 3;
            diff += memcmp(with.px + o, without.px + o, 3) != 0;
        }
    assert_true(diff > 100);
    free(with.px);
    free(without.px);
    fixture_close(&f);
}

/* ------------------------------------------------------------ tours */

#define LONG_CAPTION                                                                        \
    "DPO on the same Luce data assumes the annotator compares beta * log(pi/pi_ref).\n"      \
    "Its optimum is pi_ref * p*^(1/beta) / Z; with beta = 1 that is pi_ref * p*, not p*, "   \
    "and with beta = 16 the model hardly leaves pi_ref"

/* The caption box of a tour stop: inside the image, clear of every other
   part, at 1.5 times the base text size or more where there is room,
   growing with its text (caption lines join into one paragraph unless a
   line ends a sentence), and drawn without writing outside the image. */
static void test_tour_caption(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, 0);
    static fake_font_t ff;
    raster_font_t font = { &ff, fake_text };
    view_model_t vm = f.vm;
    raster_tour_t tour = { "A tour", LONG_CAPTION, 2, 8, 100, 1 };
    for (int n = 3; n <= 5; n++) {
        vm.n_panels = n;
        for (int i = 3; i < n; i++) vm.panels[i] = f.vm.panels[0];
        static const int SIZES[][2] = { { 1280, 720 }, { 1920, 1080 }, { 800, 450 },
                                        { 600, 900 }, { 320, 200 } };
        for (size_t k = 0; k < sizeof SIZES / sizeof SIZES[0]; k++)
            for (int live = 0; live <= 1; live++) {
                int w = SIZES[k][0], h = SIZES[k][1];
                raster_scene_t sc;
                raster_scene_init(&sc, &vm, &f.s);
                sc.live = live;
                sc.tour = &tour;
                raster_layout_t lo;
                raster_layout(&lo, &sc, w, h, &font);
                if (lo.caption.w <= 0 || !inside(&lo.caption, w, h))
                    fail_msg("%dx%d: caption box %d,%d %dx%d", w, h, lo.caption.x, lo.caption.y,
                             lo.caption.w, lo.caption.h);
                view_rect_t all[VIEW_MAX_PANELS + 4];
                int m = 0;
                for (int i = 0; i < lo.n_panels; i++) all[m++] = lo.panel[i];
                all[m++] = lo.colorbar;
                all[m++] = lo.curves[0];
                all[m++] = lo.curves[1];
                all[m++] = lo.metrics;
                for (int i = 0; i < m; i++)
                    if (overlaps(&all[i], &lo.caption))
                        fail_msg("%dx%d, %d panels, live %d: rect %d overlaps the caption", w, h, n,
                                 live, i);
                if (w == 1280) {
                    assert_true(lo.caption_px >= 3 * lo.font_px / 2); /* projector-sized */
                    if (n <= 4 && lo.panel[0].w < 256)
                        fail_msg("1280x720 tour, %d panels: panels of %d pixels", n, lo.panel[0].w);
                }
            }
    }

    /* the box grows with the text; a sentence's end keeps its line break */
    vm.n_panels = 3;
    raster_scene_t sc;
    raster_scene_init(&sc, &vm, &f.s);
    sc.tour = &tour;
    raster_layout_t lo_long, lo_short, lo_two, lo_joined;
    raster_layout(&lo_long, &sc, 1280, 720, &font);
    tour.caption = "Short.";
    raster_layout(&lo_short, &sc, 1280, 720, &font);
    tour.caption = "One sentence.\nAnother.";
    raster_layout(&lo_two, &sc, 1280, 720, &font);
    tour.caption = "One sentence\ngoes on.";
    raster_layout(&lo_joined, &sc, 1280, 720, &font);
    assert_true(lo_long.caption.h > lo_short.caption.h);
    assert_true(lo_two.caption.h > lo_joined.caption.h);
    assert_int_equal(lo_joined.caption.h, lo_short.caption.h);

    /* drawn: every pixel written, nothing past the image, the box's colour
       inside the box */
    tour.caption = LONG_CAPTION;
    static const int SMALL[][2] = { { 16, 16 }, { 64, 48 }, { 333, 777 }, { 1280, 720 } };
    for (size_t k = 0; k < sizeof SMALL / sizeof SMALL[0]; k++) {
        int w = SMALL[k][0], h = SMALL[k][1];
        size_t bytes = (size_t)w * h * 3;
        unsigned char *buf = malloc(bytes + 64);
        assert_non_null(buf);
        memset(buf, 0xAB, bytes + 64);
        raster_image_t img = { buf, w, h };
        raster_layout_t lo;
        sc.live = 1;
        raster_draw(&img, &sc, k % 2 ? &font : NULL, &lo);
        for (size_t i = 0; i < 64; i++) assert_int_equal(buf[bytes + i], 0xAB);
        size_t kept = 0;
        for (size_t i = 0; i < bytes; i += 3)
            if (buf[i] == 0xAB && buf[i + 1] == 0xAB && buf[i + 2] == 0xAB) kept++;
        assert_int_equal(kept, 0);
        if (lo.caption.w > 8 && lo.caption.h > 8) {
            /* the right padding, halfway down: no text reaches it */
            const unsigned char *p = buf + ((size_t)(lo.caption.y + lo.caption.h / 2) * w +
                                            lo.caption.x + lo.caption.w - 2) * 3;
            assert_int_equal(p[0], 28); /* C_CAPTION_BG */
            assert_int_equal(p[1], 30);
            assert_int_equal(p[2], 42);
        }
        free(buf);
    }
    fixture_close(&f);
}

/* ------------------------------------------------------------ determinism */

static void test_deterministic(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, 0);
    raster_image_t a = image(960, 540), b = image(960, 540);
    memset(b.px, 0x55, (size_t)960 * 540 * 3);
    raster_scene_t sc;
    raster_scene_init(&sc, &f.vm, &f.s);
    f.vm.overlay = 1;
    raster_draw(&a, &sc, NULL, NULL);
    raster_draw(&b, &sc, NULL, NULL);
    assert_memory_equal(a.px, b.px, (size_t)960 * 540 * 3);
    free(a.px);
    free(b.px);
    fixture_close(&f);
}

/* The pair overlay draws into the density panels. */
static void test_overlay(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, 0);
    assert_true(f.s.n_pairs > 0);
    raster_image_t on = image(960, 540), off = image(960, 540);
    raster_scene_t sc;
    raster_scene_init(&sc, &f.vm, &f.s);
    raster_layout_t lo;
    f.vm.overlay = 1;
    raster_draw(&on, &sc, NULL, &lo);
    f.vm.overlay = 0;
    raster_draw(&off, &sc, NULL, NULL);
    const view_rect_t *r = &lo.panel[0];
    long diff = 0;
    for (int j = r->y; j < r->y + r->h; j++)
        for (int i = r->x; i < r->x + r->w; i++) {
            size_t o = ((size_t)j * on.w + i) * 3;
            diff += memcmp(on.px + o, off.px + o, 3) != 0;
        }
    assert_true(diff > (long)f.s.n_pairs);
    free(on.px);
    free(off.px);
    fixture_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_brightest_pixel_at_mode),
        cmocka_unit_test(test_cursor_drawn_at_cursor),
        cmocka_unit_test(test_any_size_every_pixel),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_pixel_to_world),
        cmocka_unit_test(test_facet_shared_scale),
        cmocka_unit_test(test_param_label),
        cmocka_unit_test(test_text_through_font),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_overlay),
        cmocka_unit_test(test_tour_caption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
