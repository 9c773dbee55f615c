/* The RGB rasteriser: the true panel's brightest pixel sits at the
   density's mode, every size is drawn without writing outside the buffer,
   the layout keeps panels large and apart, facets share one colour scale,
   text goes through the font interface, and drawing is deterministic. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pbde/annotate.h"
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

#define LONG_CAPTION                                                                        \
    "DPO on the same Luce data assumes the annotator compares beta * log(pi/pi_ref).\n"      \
    "Its optimum is pi_ref * p*^(1/beta) / Z; with beta = 1 that is pi_ref * p*, not p*, "   \
    "and with beta = 16 the model hardly leaves pi_ref"

/* ------------------------------------------------------------ axis ticks */

/* Every text raster_draw draws, with its size and visible box (through
   the scene's text_drawn hook). */
#define REC_MAX 4096
typedef struct {
    int n;
    struct {
        char s[64];
        int px;
        view_rect_t box;
    } t[REC_MAX];
} text_log_t;

static void log_text(void *ctx, const char *utf8, int px, view_rect_t box)
{
    text_log_t *lg = ctx;
    if (lg->n >= REC_MAX) fail_msg("more than %d texts", REC_MAX);
    snprintf(lg->t[lg->n].s, sizeof lg->t[lg->n].s, "%s", utf8);
    lg->t[lg->n].px = px;
    lg->t[lg->n].box = box;
    lg->n++;
}

static text_log_t text_log; /* large: not on the stack */

/* Draws sc at w x h with the fake font, logging every text. */
static void draw_logged(raster_scene_t *sc, int w, int h, raster_layout_t *lo)
{
    static fake_font_t ff;
    raster_font_t font = { &ff, fake_text };
    raster_image_t img = image(w, h);
    text_log.n = 0;
    sc->text_drawn = log_text;
    sc->text_drawn_ctx = &text_log;
    raster_draw(&img, sc, &font, lo);
    free(img.px);
}

static const char *const TICKS5_L6[5] = { "\xE2\x88\x92" "6", "\xE2\x88\x92" "3", "0", "3", "6" };
static const char *const TICKS3_L6[3] = { "\xE2\x88\x92" "6", "0", "6" };

/* The room under heatmap i and left of it that its tick values use. */
static view_rect_t room_below(const raster_layout_t *lo, int i)
{
    const view_rect_t *r = &lo->panel[i];
    return (view_rect_t){ r->x - 1, r->y + r->h + 1, r->w + 2, lo->tick_below };
}

static view_rect_t room_left(const raster_layout_t *lo, int i)
{
    const view_rect_t *r = &lo->panel[i];
    return (view_rect_t){ r->x - lo->tick_left, r->y - 1, lo->tick_left - 1, r->h + 2 };
}

static int contains(const view_rect_t *outer, const view_rect_t *in)
{
    return in->x >= outer->x && in->y >= outer->y && in->x + in->w <= outer->x + outer->w &&
           in->y + in->h <= outer->y + outer->h;
}

static int is_tick_label(const char *s, int n)
{
    const char *const *lab = n == 5 ? TICKS5_L6 : TICKS3_L6;
    for (int k = 0; k < n; k++)
        if (strcmp(s, lab[k]) == 0) return 1;
    return 0;
}

/* Whether panel i carries y values (every panel, or its row's first). */
static int has_y_values(const raster_layout_t *lo, int i)
{
    return lo->ticks_y_every || i == 0 || lo->panel[i].y != lo->panel[i - 1].y;
}

/* Checks the logged texts against the layout: every heatmap's x values
   (and y values where the layout puts them) are the expected labels in
   order, and no tick value overlaps another text, a panel, the colour
   bar, the plots, the metrics or the caption, nor any other text the
   tick rooms. Returns the number of tick values found. */
static int check_ticks(const raster_layout_t *lo, const char *what, int w, int h)
{
    int n = lo->ticks, found = 0;
    if (n == 0) return 0;
    if (n != 3 && n != 5) fail_msg("%s %dx%d: %d ticks", what, w, h, n);
    const char *const *lab = n == 5 ? TICKS5_L6 : TICKS3_L6;
    int is_tick[REC_MAX];
    for (int k = 0; k < text_log.n; k++) is_tick[k] = 0;
    for (int i = 0; i < lo->n_panels; i++) {
        view_rect_t below = room_below(lo, i), left = room_left(lo, i);
        const view_rect_t *r = &lo->panel[i];
        int nx = 0, ny = 0, last_x = -(1 << 30), last_y = 1 << 30;
        for (int k = 0; k < text_log.n; k++) {
            const view_rect_t *b = &text_log.t[k].box;
            const char *s = text_log.t[k].s;
            if (contains(&below, b) && is_tick_label(s, n)) {
                if (nx >= n || strcmp(s, lab[nx]) != 0)
                    fail_msg("%s %dx%d, panel %d: x value %d is \"%s\"", what, w, h, i, nx, s);
                if (b->x <= last_x) fail_msg("%s %dx%d: x values out of order", what, w, h);
                last_x = b->x;
                if (nx == (n - 1) / 2 && abs(b->x + b->w / 2 - (r->x + r->w / 2)) > 2)
                    fail_msg("%s %dx%d, panel %d: 0 at x %d, the centre is %d", what, w, h, i,
                             b->x + b->w / 2, r->x + r->w / 2);
                nx++;
                is_tick[k] = 1;
            } else if (contains(&left, b) && is_tick_label(s, n)) {
                /* y grows upwards: -L at the bottom */
                if (ny >= n || strcmp(s, lab[ny]) != 0)
                    fail_msg("%s %dx%d, panel %d: y value %d is \"%s\"", what, w, h, i, ny, s);
                if (b->y >= last_y) fail_msg("%s %dx%d: y values out of order", what, w, h);
                last_y = b->y;
                if (ny == (n - 1) / 2 && abs(b->y + b->h / 2 - (r->y + r->h / 2)) > 2)
                    fail_msg("%s %dx%d, panel %d: 0 at y %d, the centre is %d", what, w, h, i,
                             b->y + b->h / 2, r->y + r->h / 2);
                ny++;
                is_tick[k] = 1;
            }
        }
        if (nx != n) fail_msg("%s %dx%d, panel %d: %d x values of %d", what, w, h, i, nx, n);
        int want_y = has_y_values(lo, i) ? n : 0;
        if (ny != want_y) fail_msg("%s %dx%d, panel %d: %d y values of %d", what, w, h, i, ny, want_y);
        found += nx + ny;
    }
    view_rect_t parts[VIEW_MAX_PANELS + 5];
    int m = 0;
    for (int i = 0; i < lo->n_panels; i++) parts[m++] = lo->panel[i];
    parts[m++] = lo->colorbar;
    parts[m++] = lo->curves[0];
    parts[m++] = lo->curves[1];
    parts[m++] = lo->metrics;
    parts[m++] = lo->caption;
    for (int k = 0; k < text_log.n; k++) {
        if (!is_tick[k]) continue;
        const view_rect_t *b = &text_log.t[k].box;
        for (int j = 0; j < m; j++)
            if (overlaps(b, &parts[j]))
                fail_msg("%s %dx%d: tick value \"%s\" overlaps part %d", what, w, h, text_log.t[k].s, j);
        for (int o = 0; o < text_log.n; o++)
            if (o != k && overlaps(b, &text_log.t[o].box))
                fail_msg("%s %dx%d: tick value \"%s\" at %d,%d overlaps \"%s\" at %d,%d", what, w,
                         h, text_log.t[k].s, b->x, b->y, text_log.t[o].s, text_log.t[o].box.x,
                         text_log.t[o].box.y);
    }
    /* nothing else is written where the values go */
    for (int k = 0; k < text_log.n; k++) {
        if (is_tick[k]) continue;
        for (int i = 0; i < lo->n_panels; i++) {
            view_rect_t below = room_below(lo, i), left = room_left(lo, i);
            if (overlaps(&text_log.t[k].box, &below) ||
                (has_y_values(lo, i) && overlaps(&text_log.t[k].box, &left)))
                fail_msg("%s %dx%d: \"%s\" is drawn in panel %d's tick room", what, w, h,
                         text_log.t[k].s, i);
        }
    }
    return found;
}

/* The default scene at 1280 x 720 carries -6, -3, 0, 3, 6 on both axes
   of every heatmap (L = 6); 3 ticks, or none, when panels get small. */
static void test_ticks_labels(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, 0);
    assert_true(f.vm.L == 6.0);
    raster_scene_t sc;
    raster_scene_init(&sc, &f.vm, &f.s);
    raster_layout_t lo;
    draw_logged(&sc, 1280, 720, &lo);
    assert_int_equal(lo.n_panels, 3);
    assert_int_equal(lo.ticks, 5);
    assert_int_equal(lo.ticks_y_every, 1);
    assert_int_equal(check_ticks(&lo, "default", 1280, 720), 3 * 2 * 5);
    /* the tick values are in the small text, 16 px here */
    for (int k = 0; k < text_log.n; k++)
        if (is_tick_label(text_log.t[k].s, 5)) assert_int_equal(text_log.t[k].px, 16);

    /* the marks: a pixel of the -L mark under the frame's left column */
    raster_image_t img = image(1280, 720);
    raster_draw(&img, &sc, NULL, &lo);
    const unsigned char *mark =
        img.px + ((size_t)(lo.panel[0].y + lo.panel[0].h + 2) * img.w + lo.panel[0].x - 1) * 3;
    assert_int_equal(mark[0], 150); /* C_DIM */
    assert_int_equal(mark[1], 152);
    free(img.px);

    /* small images step down: fewer ticks, then none, never an overlap */
    static const int SMALL[][2] = { { 640, 360 }, { 480, 270 }, { 320, 200 }, { 200, 120 }, { 64, 48 } };
    int fewer = 0, none = 0;
    for (size_t k = 0; k < sizeof SMALL / sizeof SMALL[0]; k++) {
        draw_logged(&sc, SMALL[k][0], SMALL[k][1], &lo);
        check_ticks(&lo, "small", SMALL[k][0], SMALL[k][1]);
        fewer += lo.ticks == 3;
        none += lo.ticks == 0;
    }
    assert_true(fewer >= 1);
    assert_true(none >= 1);
    fixture_close(&f);
}

/* Tick values never overlap other text or parts: every layout (panels,
   a live window with its footer and message, a tour, a facet, the
   annotate mode) at projector and small sizes. */
static void test_ticks_clear(void **state)
{
    (void)state;
    fixture_t a, b;
    fixture_open(&a, 0);
    fixture_open(&b, 0);
    static const int SIZES[][2] = { { 1280, 720 }, { 1920, 1080 }, { 800, 450 }, { 600, 900 },
                                    { 1024, 768 }, { 320, 200 } };
    static view_item_t footer[6];
    for (int i = 0; i < 6; i++) {
        snprintf(footer[i].key, sizeof footer[i].key, "k%d", i);
        snprintf(footer[i].text, sizeof footer[i].text, "action %d", i);
    }
    raster_tour_t tour = { "A tour", LONG_CAPTION, 2, 8, 100, 1, NULL, VIEW_TONE_NORMAL, NULL, 0 };
    view_annot_t an;
    view_annot_init(&an);
    an.mode = VIEW_MODE_ANNOTATE;
    an.have_question = 1;
    const float q[4] = { -5.5f, -5.5f, 5.5f, 5.5f };
    memcpy(an.q, q, sizeof q);
    view_model_t vms[3] = { a.vm, b.vm, a.vm };
    const char *labels[3] = { "\xCE\xB2 = 1", "\xCE\xB2 = 4", "\xCE\xB2 = 16" };
    view_model_t facet;
    assert_int_equal(raster_facet_model(&facet, vms, 3, labels), 0);
    int total = 0;
    for (int kind = 0; kind < 5; kind++)
        for (size_t k = 0; k < sizeof SIZES / sizeof SIZES[0]; k++) {
            int w = SIZES[k][0], h = SIZES[k][1];
            raster_scene_t sc;
            raster_scene_init(&sc, kind == 3 ? &facet : &a.vm, &a.s);
            const char *what = "panels";
            if (kind >= 1) {
                sc.live = 1;
                sc.footer = footer;
                sc.n_footer = 6;
                sc.footer_right = 2;
                sc.message = "a message";
                what = "live";
            }
            if (kind == 2) {
                sc.tour = &tour;
                what = "tour";
            } else if (kind == 3) {
                sc.n_runs = 3;
                sc.facet = "beta";
                sc.runs[1].snap = &b.s;
                sc.runs[2].snap = &a.s;
                for (int i = 0; i < 3; i++) {
                    snprintf(sc.runs[i].label, sizeof sc.runs[i].label, "%s", labels[i]);
                    sc.panel_run[1 + i] = i;
                }
                what = "facet";
            } else if (kind == 4) {
                sc.annot = &an;
                what = "annotate";
            }
            raster_layout_t lo;
            draw_logged(&sc, w, h, &lo);
            total += check_ticks(&lo, what, w, h);
            if (w == 1280 && lo.ticks == 0) fail_msg("%s at 1280x720: no ticks (panels of %d, %d of them)", what, lo.panel[0].w, lo.n_panels);
        }
    assert_true(total > 100);
    fixture_close(&a);
    fixture_close(&b);
}

/* ------------------------------------------------------------ tours */

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
    raster_tour_t tour = { "A tour", LONG_CAPTION, 2, 8, 100, 1, NULL, VIEW_TONE_NORMAL, NULL, 0 };
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

/* ------------------------------------------------------------ text sizes */

/* A font that records the smallest size it was asked for (text that is
   drawn, not only measured, passes through it the same way). */
static int min_px_seen;
static int recording_text(void *ctx, const char *utf8, int px, raster_mask_t *out)
{
    if (px < min_px_seen) min_px_seen = px;
    return fake_text(ctx, utf8, px, out);
}

/* The smallest size any text of the scene is drawn at, at 1280 x 720;
   the axis ticks' values must be among the texts, none below 16 px. */
static int smallest_px(raster_scene_t *sc, raster_font_t *font)
{
    raster_image_t img = image(1280, 720);
    min_px_seen = 1 << 20;
    text_log.n = 0;
    sc->text_drawn = log_text;
    sc->text_drawn_ctx = &text_log;
    raster_layout_t lo;
    raster_draw(&img, sc, font, &lo);
    free(img.px);
    int ticks = 0;
    for (int k = 0; k < text_log.n; k++)
        if (is_tick_label(text_log.t[k].s, 5)) {
            ticks++;
            if (text_log.t[k].px < 16) fail_msg("tick value of %d px", text_log.t[k].px);
        }
    if (lo.ticks != 5 || ticks < lo.n_panels * 5)
        fail_msg("%d ticks, %d tick values on %d panels", lo.ticks, ticks, lo.n_panels);
    return min_px_seen;
}

/* At 1280 x 720 (a projector) no text is smaller than 16 px: the panels
   and their axis ticks, a facet with its per-run metric lines, the key
   overlay and a tour caption. */
static void test_projector_text_sizes(void **state)
{
    (void)state;
    fixture_t a, b;
    fixture_open(&a, 0);
    fixture_open(&b, 0);
    static fake_font_t ff;
    raster_font_t font = { &ff, recording_text };

    raster_scene_t sc;
    raster_scene_init(&sc, &a.vm, &a.s);
    sc.live = 1;
    int px = smallest_px(&sc, &font);
    if (px < 16) fail_msg("default scene: text of %d px", px);

    static view_item_t help[12];
    for (int i = 0; i < 12; i++) {
        snprintf(help[i].key, sizeof help[i].key, "k%d", i);
        snprintf(help[i].text, sizeof help[i].text, "does the thing number %d of the list", i);
    }
    sc.help = 1;
    sc.help_items = help;
    sc.n_help = 12;
    sc.n_help_keys = 8;
    sc.help_title = "Keys";
    sc.help_close = "any key closes this";
    px = smallest_px(&sc, &font);
    if (px < 16) fail_msg("help overlay: text of %d px", px);
    sc.help = 0;

    raster_tour_t tour = { "A tour", LONG_CAPTION, 2, 8, 100, 1, NULL, VIEW_TONE_NORMAL, NULL, 0 };
    sc.tour = &tour;
    px = smallest_px(&sc, &font);
    if (px < 16) fail_msg("tour stop: text of %d px", px);

    view_model_t vms[2] = { a.vm, b.vm };
    const char *labels[2] = { "\xCE\xB2 = 1", "\xCE\xB2 = 4" };
    view_model_t facet;
    assert_int_equal(raster_facet_model(&facet, vms, 2, labels), 0);
    raster_scene_init(&sc, &facet, &a.s);
    sc.n_runs = 2;
    sc.facet = "beta";
    sc.runs[0].snap = &a.s;
    sc.runs[1].snap = &b.s;
    snprintf(sc.runs[0].label, sizeof sc.runs[0].label, "%s", labels[0]);
    snprintf(sc.runs[1].label, sizeof sc.runs[1].label, "%s", labels[1]);
    sc.panel_run[1] = 0;
    sc.panel_run[2] = 1;
    px = smallest_px(&sc, &font);
    if (px < 16) fail_msg("facet: text of %d px", px);

    fixture_close(&a);
    fixture_close(&b);
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

/* The colour of the pixel at world (x, y) of rect r. */
static const unsigned char *pixel_at(const raster_image_t *img, const view_rect_t *r, double L,
                                     double x, double y)
{
    int i = r->x + (int)((x + L) / (2 * L) * r->w), j = r->y + (int)((L - y) / (2 * L) * r->h);
    return img->px + ((size_t)j * img->w + i) * 3;
}

/* A pair is a whole segment from the loser to the winner: pixels along
   it are brightened, a white dot marks the winner, a dark one the loser;
   with many pairs only some of them are drawn. */
static void test_pairs_as_segments(void **state)
{
    (void)state;
    fixture_t f;
    fixture_open(&f, 0);
    assert_true(f.s.n_pairs >= 300);
    size_t n_all = f.s.n_pairs;
    float saved[4];
    memcpy(saved, f.s.pairs, sizeof saved);
    /* one pair, clear of the modes: the winner at (4, -4), the loser at
       (-4, 4) */
    const float pair[4] = { 4.0f, -4.0f, -4.0f, 4.0f };
    memcpy(f.s.pairs, pair, sizeof pair);
    f.s.n_pairs = 1;
    raster_image_t on = image(1280, 720), off = image(1280, 720);
    raster_scene_t sc;
    raster_scene_init(&sc, &f.vm, &f.s);
    sc.cursor = 0;
    raster_layout_t lo;
    f.vm.overlay = 1;
    raster_draw(&on, &sc, NULL, &lo);
    f.vm.overlay = 0;
    raster_draw(&off, &sc, NULL, NULL);
    double L = f.vm.L;
    for (int i = 0; i < 2; i++) { /* p* and the learned panel */
        const view_rect_t *r = &lo.panel[i];
        /* along the segment, far from either end: brighter */
        static const double T[] = { 0.25, 0.4, 0.5, 0.6, 0.75 };
        for (size_t k = 0; k < sizeof T / sizeof T[0]; k++) {
            double x = -4.0 + 8.0 * T[k];
            double a = luminance(pixel_at(&on, r, L, x, -x)), b = luminance(pixel_at(&off, r, L, x, -x));
            if (!(a > b + 40))
                fail_msg("panel %d: (%.1f, %.1f) on the segment has luminance %.0f, %.0f without "
                         "pairs", i, x, -x, a, b);
        }
        /* off it: untouched */
        assert_memory_equal(pixel_at(&on, r, L, 3.0, 3.0), pixel_at(&off, r, L, 3.0, 3.0), 3);
        assert_memory_equal(pixel_at(&on, r, L, -2.0, -2.0), pixel_at(&off, r, L, -2.0, -2.0), 3);
        /* the ends: the winner white, the loser dark */
        assert_true(luminance(pixel_at(&on, r, L, 4.0, -4.0)) > 240);
        assert_true(luminance(pixel_at(&on, r, L, -4.0, 4.0)) < 60);
    }
    /* many pairs: a bounded share of the panel is inked, the newest pairs
       (listed last) drawn */
    memcpy(f.s.pairs, saved, sizeof saved);
    f.s.n_pairs = n_all;
    memcpy(f.s.pairs + 4 * (n_all - 1), pair, sizeof pair);
    f.vm.overlay = 1;
    raster_draw(&on, &sc, NULL, &lo);
    const view_rect_t *r = &lo.panel[0];
    long changed = 0;
    for (int j = r->y; j < r->y + r->h; j++)
        for (int i = r->x; i < r->x + r->w; i++) {
            size_t o = ((size_t)j * on.w + i) * 3;
            changed += memcmp(on.px + o, off.px + o, 3) != 0;
        }
    double share = (double)changed / ((double)r->w * r->h);
    if (share > 0.3) fail_msg("%zu pairs ink %.0f %% of the panel", n_all, 100 * share);
    double a = luminance(pixel_at(&on, r, L, 0.0, 0.0)), b = luminance(pixel_at(&off, r, L, 0.0, 0.0));
    assert_true(a > b + 20);
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
        cmocka_unit_test(test_projector_text_sizes),
        cmocka_unit_test(test_ticks_labels),
        cmocka_unit_test(test_ticks_clear),
        cmocka_unit_test(test_pairs_as_segments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
