/* The view model: key table, parameter actions, colour maps, layout and
   the panels built from a hand-made snapshot. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pbde/annotator.h"
#include "pbde/density.h"
#include "pbde/objective.h"
#include "pbde/params.h"
#include "pbde/view.h"

/* ------------------------------------------------------------ keys */

/* A key is bound at most once per front end and mode; a mode's own
   binding may take over a key of every mode (mode 0) only. */
static void test_keys_unique_per_frontend(void **state)
{
    (void)state;
    size_t n;
    const view_key_t *k = view_keys(&n);
    const int fes[2] = { VIEW_FE_TUI, VIEW_FE_GUI };
    for (int f = 0; f < 2; f++)
        for (size_t i = 0; i < n; i++) {
            assert_true(k[i].mode >= VIEW_MODE_NORMAL && k[i].mode < VIEW_MODE_COUNT);
            for (size_t j = i + 1; j < n; j++)
                if ((k[i].frontends & fes[f]) && (k[j].frontends & fes[f]) &&
                    k[i].key == k[j].key && k[i].mode == k[j].mode)
                    fail_msg("key %s bound twice in front end %d, mode %d", k[i].label, fes[f],
                             k[i].mode);
        }
}

static void test_every_action_has_a_key(void **state)
{
    (void)state;
    size_t n;
    const view_key_t *k = view_keys(&n);
    for (int a = ACT_NONE + 1; a < ACT_COUNT; a++) {
        int window_only = a == ACT_FULLSCREEN || a == ACT_SCREENSHOT || a == ACT_RECORD ||
                          a == ACT_INTERPOLATE;
        int in_tui = 0, in_gui = 0;
        for (size_t i = 0; i < n; i++) {
            if ((int)k[i].action != a) continue;
            if (k[i].frontends & VIEW_FE_TUI) in_tui = 1;
            if (k[i].frontends & VIEW_FE_GUI) in_gui = 1;
        }
        if (!in_gui) fail_msg("action %d has no key in the window", a);
        if (window_only && in_tui) fail_msg("window-only action %d bound in the terminal", a);
        if (!window_only && !in_tui) fail_msg("action %d has no key in the terminal", a);
    }
    for (size_t i = 0; i < n; i++) {
        assert_non_null(k[i].label);
        assert_non_null(k[i].help);
        assert_true(k[i].action > ACT_NONE && k[i].action < ACT_COUNT);
        if (k[i].frontends & VIEW_FE_TUI)
            assert_int_equal(view_key_action_mode(k[i].key, VIEW_FE_TUI, k[i].mode), k[i].action);
        if (k[i].frontends & VIEW_FE_GUI)
            assert_int_equal(view_key_action_mode(k[i].key, VIEW_FE_GUI, k[i].mode), k[i].action);
    }
}

static void test_key_bindings(void **state)
{
    (void)state;
    const struct { int key; view_action a; } both[] = {
        { ' ', ACT_PAUSE }, { 'n', ACT_STEP }, { 'r', ACT_RESET }, { 's', ACT_RESAMPLE },
        { 'a', ACT_ANNOTATOR_NEXT }, { 'A', ACT_ANNOTATOR_PREV }, { 'o', ACT_OBJECTIVE_NEXT },
        { 'O', ACT_OBJECTIVE_PREV }, { 'd', ACT_DENSITY_NEXT }, { 'D', ACT_DENSITY_PREV },
        { '+', ACT_PAIRS_MORE }, { '-', ACT_PAIRS_FEWER }, { '[', ACT_OBJ_PARAM_DOWN },
        { ']', ACT_OBJ_PARAM_UP }, { '{', ACT_ANN_PARAM_DOWN }, { '}', ACT_ANN_PARAM_UP },
        { '<', ACT_SLOWER }, { '>', ACT_FASTER }, { 'p', ACT_OVERLAY },
        { 'v', ACT_THIRD_PANEL }, { 'l', ACT_LOG_SCALE }, { 'c', ACT_COLORMAP },
        { ':', ACT_PROMPT }, { '?', ACT_HELP }, { 'q', ACT_QUIT },
        { VIEW_KEY_LEFT, ACT_CURSOR_LEFT }, { VIEW_KEY_RIGHT, ACT_CURSOR_RIGHT },
        { VIEW_KEY_UP, ACT_CURSOR_UP }, { VIEW_KEY_DOWN, ACT_CURSOR_DOWN },
    };
    for (size_t i = 0; i < sizeof both / sizeof both[0]; i++) {
        assert_int_equal(view_key_action(both[i].key, VIEW_FE_TUI), both[i].a);
        assert_int_equal(view_key_action(both[i].key, VIEW_FE_GUI), both[i].a);
    }
    const struct { int key; view_action a; } gui[] = {
        { 'f', ACT_FULLSCREEN }, { 'S', ACT_SCREENSHOT }, { 'R', ACT_RECORD },
        { 'i', ACT_INTERPOLATE },
    };
    for (size_t i = 0; i < sizeof gui / sizeof gui[0]; i++) {
        assert_int_equal(view_key_action(gui[i].key, VIEW_FE_GUI), gui[i].a);
        assert_int_equal(view_key_action(gui[i].key, VIEW_FE_TUI), ACT_NONE);
    }
    assert_int_equal(view_key_action('x', VIEW_FE_TUI), ACT_NONE);
    assert_int_equal(view_key_action(VIEW_KEY_ESCAPE, VIEW_FE_GUI), ACT_NONE);
}

/* The modes: a mode's keys take over while it is on, the keys of every
   mode still work, and none of the mode's keys leak into exploring. */
static void test_mode_keys(void **state)
{
    (void)state;
    const int fes[2] = { VIEW_FE_TUI, VIEW_FE_GUI };
    for (int f = 0; f < 2; f++) {
        int fe = fes[f];
        /* exploring */
        assert_int_equal(view_key_action_mode('=', fe, VIEW_MODE_NORMAL), ACT_PAIRS_MORE);
        assert_int_equal(view_key_action_mode(VIEW_KEY_LEFT, fe, VIEW_MODE_NORMAL), ACT_CURSOR_LEFT);
        assert_int_equal(view_key_action_mode(' ', fe, VIEW_MODE_NORMAL), ACT_PAUSE);
        assert_int_equal(view_key_action_mode('u', fe, VIEW_MODE_NORMAL), ACT_NONE);
        assert_int_equal(view_key_action_mode('x', fe, VIEW_MODE_NORMAL), ACT_NONE);
        assert_int_equal(view_key_action_mode(VIEW_KEY_ESCAPE, fe, VIEW_MODE_NORMAL), ACT_NONE);
        assert_int_equal(view_key_action_mode('h', fe, VIEW_MODE_NORMAL), ACT_ANNOTATE);
        assert_int_equal(view_key_action_mode('b', fe, VIEW_MODE_NORMAL), ACT_BRUSH);
        /* be the annotator */
        int m = VIEW_MODE_ANNOTATE;
        assert_int_equal(view_key_action_mode(VIEW_KEY_LEFT, fe, m), ACT_ANSWER_A);
        assert_int_equal(view_key_action_mode(VIEW_KEY_RIGHT, fe, m), ACT_ANSWER_B);
        assert_int_equal(view_key_action_mode('=', fe, m), ACT_ANSWER_SKIP);
        assert_int_equal(view_key_action_mode('+', fe, m), ACT_PAIRS_MORE);
        assert_int_equal(view_key_action_mode('u', fe, m), ACT_ANSWER_UNDO);
        assert_int_equal(view_key_action_mode('W', fe, m), ACT_SAVE_PAIRS);
        assert_int_equal(view_key_action_mode(VIEW_KEY_ESCAPE, fe, m), ACT_MODE_EXIT);
        assert_int_equal(view_key_action_mode('h', fe, m), ACT_ANNOTATE);
        assert_int_equal(view_key_action_mode(VIEW_KEY_UP, fe, m), ACT_CURSOR_UP);
        assert_int_equal(view_key_action_mode('q', fe, m), ACT_QUIT);
        assert_int_equal(view_key_action_mode('x', fe, m), ACT_NONE); /* the brush's */
        /* draw the density */
        m = VIEW_MODE_BRUSH;
        assert_int_equal(view_key_action_mode(' ', fe, m), ACT_BRUSH_PEN);
        assert_int_equal(view_key_action_mode('x', fe, m), ACT_BRUSH_ERASE);
        assert_int_equal(view_key_action_mode('m', fe, m), ACT_BRUSH_SMOOTH);
        assert_int_equal(view_key_action_mode('(', fe, m), ACT_BRUSH_SMALLER);
        assert_int_equal(view_key_action_mode(')', fe, m), ACT_BRUSH_BIGGER);
        assert_int_equal(view_key_action_mode('C', fe, m), ACT_BRUSH_CLEAR);
        assert_int_equal(view_key_action_mode('C', fe, VIEW_MODE_NORMAL), ACT_NONE);
        assert_int_equal(view_key_action_mode(VIEW_KEY_LEFT, fe, m), ACT_CURSOR_LEFT);
        assert_int_equal(view_key_action_mode('=', fe, m), ACT_PAIRS_MORE);
        assert_int_equal(view_key_action_mode(VIEW_KEY_ESCAPE, fe, m), ACT_MODE_EXIT);
        assert_int_equal(view_key_action_mode('u', fe, m), ACT_NONE); /* the annotator's */
    }
}

/* ------------------------------------------------------------ parameter actions */

static void cycle_visits_all(int *field, int count, view_action next, view_action prev,
                             params_t *p)
{
    char msg[256];
    int start = *field;
    int seen[64] = { 0 };
    assert_true(count <= 64);
    for (int i = 0; i < count; i++) {
        seen[*field]++;
        assert_int_equal(view_param_action(p, next, msg, sizeof msg), 1);
        assert_true(strlen(msg) > 0);
    }
    assert_int_equal(*field, start);
    for (int i = 0; i < count; i++) assert_int_equal(seen[i], 1);
    for (int i = 0; i < count; i++) assert_int_equal(view_param_action(p, prev, msg, sizeof msg), 1);
    assert_int_equal(*field, start);
}

static void test_cycling(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    assert_int_equal(p.density, density_find("two-gauss"));
    cycle_visits_all(&p.annotator, annotator_count(), ACT_ANNOTATOR_NEXT, ACT_ANNOTATOR_PREV,
                     &p);
    cycle_visits_all(&p.objective, objective_count(), ACT_OBJECTIVE_NEXT, ACT_OBJECTIVE_PREV,
                     &p);
    cycle_visits_all(&p.density, density_count(), ACT_DENSITY_NEXT, ACT_DENSITY_PREV, &p);

    char msg[256];
    params_defaults(&p);
    assert_int_equal(view_param_action(&p, ACT_ANNOTATOR_NEXT, msg, sizeof msg), 1);
    assert_string_equal(msg, "annotator: dpo");
    assert_int_equal(view_param_action(&p, ACT_ANNOTATOR_PREV, msg, sizeof msg), 1);
    assert_int_equal(view_param_action(&p, ACT_ANNOTATOR_PREV, msg, sizeof msg), 1);
    assert_int_equal(p.annotator, ANNOTATOR_MIXTURE); /* wraps backwards */
}

static void test_cycling_skips_refused(void **state)
{
    (void)state;
    params_t p;
    char msg[256], err[256];
    params_defaults(&p);
    p.density = density_find("ring");
    p.annotator = ANNOTATOR_HARDMAX;
    assert_int_equal(view_param_action(&p, ACT_ANNOTATOR_NEXT, msg, sizeof msg), 1);
    assert_int_equal(p.annotator, ANNOTATOR_LUCE); /* mixture skipped */
    assert_int_equal(view_param_action(&p, ACT_ANNOTATOR_PREV, msg, sizeof msg), 1);
    assert_int_equal(p.annotator, ANNOTATOR_HARDMAX);
    for (int i = 0; i < 3 * annotator_count(); i++) {
        assert_int_equal(view_param_action(&p, ACT_ANNOTATOR_NEXT, msg, sizeof msg), 1);
        assert_int_not_equal(p.annotator, ANNOTATOR_MIXTURE);
    }

    /* with the mixture annotator, densities with one component are skipped */
    params_defaults(&p);
    p.annotator = ANNOTATOR_MIXTURE;
    int start = p.density, visited = 0;
    do {
        assert_int_equal(view_param_action(&p, ACT_DENSITY_NEXT, msg, sizeof msg), 1);
        assert_int_equal(params_check(&p, err, sizeof err), 0);
        assert_int_not_equal(p.density, density_find("ring"));
        visited++;
    } while (p.density != start && visited < 100);
    assert_int_equal(p.density, start);
    assert_true(visited >= 2 && visited < density_count());
}

static void test_pairs_clamped(void **state)
{
    (void)state;
    const param_def_t *def = params_find("pairs");
    params_t p;
    char msg[256];
    params_defaults(&p);
    long start = p.pairs;
    assert_int_equal(view_param_action(&p, ACT_PAIRS_MORE, msg, sizeof msg), 1);
    assert_int_equal(p.pairs, 2 * start);
    char want[64];
    snprintf(want, sizeof want, "pairs: %ld", 2 * start);
    assert_string_equal(msg, want);
    assert_int_equal(view_param_action(&p, ACT_PAIRS_FEWER, msg, sizeof msg), 1);
    assert_int_equal(p.pairs, start);

    for (int i = 0; i < 64; i++) view_param_action(&p, ACT_PAIRS_MORE, msg, sizeof msg);
    assert_int_equal(p.pairs, (long)def->max);
    assert_int_equal(view_param_action(&p, ACT_PAIRS_MORE, msg, sizeof msg), 0);
    assert_non_null(strstr(msg, "maximum"));
    assert_int_equal(p.pairs, (long)def->max);

    p.pairs = (long)def->max - 1;
    assert_int_equal(view_param_action(&p, ACT_PAIRS_MORE, msg, sizeof msg), 1);
    assert_int_equal(p.pairs, (long)def->max);

    for (int i = 0; i < 64; i++) view_param_action(&p, ACT_PAIRS_FEWER, msg, sizeof msg);
    assert_int_equal(p.pairs, (long)def->min);
    assert_int_equal(view_param_action(&p, ACT_PAIRS_FEWER, msg, sizeof msg), 0);
    assert_non_null(strstr(msg, "minimum"));

    p.pairs = (long)def->min + 4;
    assert_int_equal(view_param_action(&p, ACT_PAIRS_FEWER, msg, sizeof msg), 1);
    assert_int_equal(p.pairs, (long)def->min);
}

/* Steps a parameter far down and far up; every value reached must be one
   the registry accepts when written back as text. */
static void sweep_param(params_t *p, const char *name, view_action down, view_action up)
{
    const param_def_t *def = params_find(name);
    assert_non_null(def);
    char msg[256], text[64], err[256];
    for (int dir = 0; dir < 2; dir++) {
        int changed = 0, i;
        for (i = 0; i < 2000; i++) {
            int r = view_param_action(p, dir == 0 ? down : up, msg, sizeof msg);
            params_format(p, def, text, sizeof text);
            params_t q = *p;
            if (params_set(&q, name, text, err, sizeof err) != 0)
                fail_msg("%s = %s refused: %s", name, text, err);
            if (!r) break;
            changed++;
            char want[128];
            snprintf(want, sizeof want, "%s: %s", name, text);
            assert_string_equal(msg, want);
        }
        assert_true(i < 2000); /* reaches a bound */
        assert_true(strlen(msg) > 0);
        (void)changed;
    }
    /* at the top: the maximum */
    params_format(p, def, text, sizeof text);
    char max[64];
    snprintf(max, sizeof max, "%.10g", def->max);
    assert_string_equal(text, max);
}

static void test_objective_and_annotator_params(void **state)
{
    (void)state;
    params_t p;
    char msg[256];
    for (int o = 0; o < objective_count(); o++) {
        params_defaults(&p);
        p.objective = o;
        const char *name = view_objective_param(&p);
        if (!name) {
            params_t before = p;
            assert_int_equal(view_param_action(&p, ACT_OBJ_PARAM_UP, msg, sizeof msg), 0);
            assert_true(strlen(msg) > 0);
            assert_memory_equal(&p, &before, sizeof p);
            continue;
        }
        sweep_param(&p, name, ACT_OBJ_PARAM_DOWN, ACT_OBJ_PARAM_UP);
    }
    for (int a = 0; a < annotator_count(); a++) {
        params_defaults(&p);
        p.annotator = a;
        const char *name = view_annotator_param(&p);
        if (!name) {
            assert_int_equal(view_param_action(&p, ACT_ANN_PARAM_DOWN, msg, sizeof msg), 0);
            assert_true(strlen(msg) > 0);
            continue;
        }
        sweep_param(&p, name, ACT_ANN_PARAM_DOWN, ACT_ANN_PARAM_UP);
    }
}

static void test_param_names_and_messages(void **state)
{
    (void)state;
    params_t p;
    char msg[256];
    params_defaults(&p);
    p.objective = OBJECTIVE_DPO;
    assert_string_equal(view_objective_param(&p), "beta");
    assert_int_equal(view_param_action(&p, ACT_OBJ_PARAM_UP, msg, sizeof msg), 1);
    assert_string_equal(msg, "beta: 8");
    assert_true(p.beta == 8.0);
    p.beta = 600;
    assert_int_equal(view_param_action(&p, ACT_OBJ_PARAM_UP, msg, sizeof msg), 1);
    assert_true(p.beta == 1000.0);
    assert_int_equal(view_param_action(&p, ACT_OBJ_PARAM_UP, msg, sizeof msg), 0);
    assert_string_equal(msg, "beta is at its maximum (1000)");

    /* halving beta stops above its open minimum 0 */
    for (int i = 0; i < 100; i++) view_param_action(&p, ACT_OBJ_PARAM_DOWN, msg, sizeof msg);
    assert_true(p.beta > 0.0);
    assert_int_equal(view_param_action(&p, ACT_OBJ_PARAM_DOWN, msg, sizeof msg), 0);

    p.objective = OBJECTIVE_GEOMETRIC;
    assert_string_equal(view_objective_param(&p), "alpha");
    p.objective = OBJECTIVE_IPO;
    assert_string_equal(view_objective_param(&p), "tau");
    p.objective = OBJECTIVE_SLIC;
    assert_string_equal(view_objective_param(&p), "delta");
    p.delta = 1.0;
    assert_int_equal(view_param_action(&p, ACT_OBJ_PARAM_DOWN, msg, sizeof msg), 1);
    assert_true(p.delta == 0.75);
    p.objective = OBJECTIVE_REWARD;
    assert_null(view_objective_param(&p));

    p.annotator = ANNOTATOR_DPO;
    assert_string_equal(view_annotator_param(&p), "annotator-beta");
    p.annotator = ANNOTATOR_HARDMAX;
    assert_null(view_annotator_param(&p));
    p.annotator = ANNOTATOR_LUCE;
    assert_string_equal(view_annotator_param(&p), "rationality");
    assert_int_equal(view_param_action(&p, ACT_ANN_PARAM_DOWN, msg, sizeof msg), 1);
    assert_string_equal(msg, "rationality: 0.5");

    /* flip steps additively and reaches exactly 0 */
    p.annotator = ANNOTATOR_NOISY;
    assert_string_equal(view_annotator_param(&p), "flip");
    p.flip = 0.1;
    for (int i = 0; i < 10; i++) view_param_action(&p, ACT_ANN_PARAM_DOWN, msg, sizeof msg);
    assert_true(p.flip == 0.0);

    /* not a parameter action: nothing changes */
    params_t before = p;
    assert_int_equal(view_param_action(&p, ACT_QUIT, msg, sizeof msg), 0);
    assert_memory_equal(&p, &before, sizeof p);
}

/* ------------------------------------------------------------ colour maps */

static double lin(unsigned char c)
{
    double x = c / 255.0;
    return x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4);
}

static double luminance(view_rgb_t c)
{
    return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

static void assert_rgb(view_rgb_t c, int r, int g, int b)
{
    if (abs(c.r - r) > 1 || abs(c.g - g) > 1 || abs(c.b - b) > 1)
        fail_msg("got (%d,%d,%d), want (%d,%d,%d)", c.r, c.g, c.b, r, g, b);
}

static void test_cmap_endpoints(void **state)
{
    (void)state;
    assert_rgb(view_cmap(CMAP_VIRIDIS, 0.0), 68, 1, 84);
    assert_rgb(view_cmap(CMAP_VIRIDIS, 1.0), 253, 231, 37);
    assert_rgb(view_cmap(CMAP_VIRIDIS, 0.5), 33, 145, 140);
    assert_rgb(view_cmap(CMAP_MAGMA, 0.0), 0, 0, 4);
    assert_rgb(view_cmap(CMAP_MAGMA, 1.0), 252, 253, 191);
    assert_rgb(view_cmap(CMAP_CIVIDIS, 0.0), 0, 34, 78);
    assert_rgb(view_cmap(CMAP_CIVIDIS, 1.0), 254, 232, 56);
    assert_rgb(view_cmap(CMAP_GREY, 0.0), 0, 0, 0);
    assert_rgb(view_cmap(CMAP_GREY, 1.0), 255, 255, 255);
    /* clamped, NaN at the bottom */
    for (int m = 0; m < CMAP_COUNT; m++) {
        view_rgb_t a = view_cmap(m, -3.0), b = view_cmap(m, 0.0);
        assert_memory_equal(&a, &b, sizeof a);
        a = view_cmap(m, 7.0);
        b = view_cmap(m, 1.0);
        assert_memory_equal(&a, &b, sizeof a);
        a = view_cmap(m, (double)NAN);
        b = view_cmap(m, 0.0);
        assert_memory_equal(&a, &b, sizeof a);
        assert_non_null(view_cmap_name(m));
    }
    assert_string_equal(view_cmap_name(CMAP_VIRIDIS), "viridis");
    assert_string_equal(view_cmap_name(CMAP_GREY), "grey");
}

static void test_cmap_luminance_monotone(void **state)
{
    (void)state;
    const int maps[] = { CMAP_VIRIDIS, CMAP_CIVIDIS, CMAP_GREY, CMAP_MAGMA };
    for (size_t m = 0; m < sizeof maps / sizeof maps[0]; m++) {
        double prev = -1.0;
        for (int i = 0; i <= 64; i++) {
            double L = luminance(view_cmap(maps[m], i / 64.0));
            if (!(L > prev)) fail_msg("%s: luminance falls at t = %g", view_cmap_name(maps[m]),
                                      i / 64.0);
            prev = L;
        }
    }
}

static void test_cmap_diverging(void **state)
{
    (void)state;
    view_rgb_t lo = view_cmap_diverging(-1.0), mid = view_cmap_diverging(0.0),
               hi = view_cmap_diverging(1.0);
    assert_true(lo.b > lo.r + 60);
    assert_true(hi.r > hi.b + 60);
    assert_true(mid.r >= 240 && mid.g >= 240 && mid.b >= 240);
    /* luminance rises towards white from both ends, and is about symmetric */
    double prev = -1.0;
    for (int i = 0; i <= 32; i++) {
        double L = luminance(view_cmap_diverging(-1.0 + i / 32.0));
        assert_true(L > prev);
        prev = L;
        double R = luminance(view_cmap_diverging(1.0 - i / 32.0));
        assert_true(fabs(L - R) < 0.12);
    }
    view_rgb_t c = view_cmap_diverging(-5.0);
    assert_memory_equal(&c, &lo, sizeof c);
}

/* ------------------------------------------------------------ layout */

static void check_layout(const view_rect_t *r, int m, int width, int height, double aspect,
                         int title_h)
{
    for (int i = 0; i < m; i++) {
        assert_true(r[i].w >= 8 && r[i].h >= 1);
        assert_true(r[i].x >= 0 && r[i].x + r[i].w <= width);
        assert_true(r[i].y - title_h >= 0 && r[i].y + r[i].h <= height);
        if (fabs(r[i].w - r[i].h * aspect) > 0.5)
            fail_msg("panel %d not square: %dx%d units, aspect %g", i, r[i].w, r[i].h, aspect);
        for (int j = 0; j < i; j++) {
            int ox = r[i].x < r[j].x + r[j].w && r[j].x < r[i].x + r[i].w;
            int oy = r[i].y - title_h < r[j].y + r[j].h && r[j].y - title_h < r[i].y + r[i].h;
            if (ox && oy) fail_msg("panels %d and %d overlap", j, i);
        }
    }
}

static void test_layout_side_by_side(void **state)
{
    (void)state;
    view_rect_t r[VIEW_MAX_PANELS];
    /* a wide terminal: one row of three, square with half blocks */
    assert_int_equal(view_layout(r, 3, 200, 60, 2.0, 1), 3);
    check_layout(r, 3, 200, 60, 2.0, 1);
    assert_int_equal(r[0].y, r[1].y);
    assert_int_equal(r[1].y, r[2].y);
    assert_true(r[0].x < r[1].x && r[1].x < r[2].x);
    assert_int_equal(r[0].w, 2 * r[0].h);
    assert_true(3 * r[0].w > 150); /* fills most of the width */

    /* a window */
    assert_int_equal(view_layout(r, 3, 1500, 600, 1.0, 24), 3);
    check_layout(r, 3, 1500, 600, 1.0, 24);
    assert_int_equal(r[0].w, r[0].h);
    assert_int_equal(r[0].y, 24);
}

static void test_layout_wraps_and_refuses(void **state)
{
    (void)state;
    view_rect_t r[VIEW_MAX_PANELS];
    /* narrow and tall: side by side would be < 8 wide */
    assert_int_equal(view_layout(r, 4, 30, 100, 2.0, 1), 4);
    check_layout(r, 4, 30, 100, 2.0, 1);
    int rows = 1;
    for (int i = 1; i < 4; i++)
        if (r[i].y != r[0].y) rows = 2;
    assert_int_equal(rows, 2);

    /* too small for a single panel */
    assert_int_equal(view_layout(r, 3, 7, 100, 1.0, 1), 0);
    assert_int_equal(view_layout(r, 3, 100, 4, 2.0, 1), 0);
    assert_int_equal(view_layout(r, 1, 0, 0, 1.0, 0), 0);
    assert_int_equal(view_layout(r, 2, 100, 100, 0.0, 0), 0);

    /* room for fewer than asked: the first ones */
    int m = view_layout(r, 12, 20, 12, 2.0, 1);
    assert_true(m >= 1 && m < 12);
    check_layout(r, m, 20, 12, 2.0, 1);
}

static void test_layout_sweep(void **state)
{
    (void)state;
    view_rect_t r[VIEW_MAX_PANELS];
    const double aspects[] = { 1.0, 2.0 };
    for (int a = 0; a < 2; a++)
        for (int n = 1; n <= VIEW_MAX_PANELS; n++)
            for (int w = 1; w <= 260; w += 7)
                for (int h = 1; h <= 90; h += 5) {
                    int m = view_layout(r, n, w, h, aspects[a], 1);
                    assert_true(m >= 0 && m <= n);
                    check_layout(r, m, w, h, aspects[a], 1);
                }
}

/* ------------------------------------------------------------ view model */

#define GRID 4
#define NC (GRID * GRID)

typedef struct {
    double t[NC], m[NC], th[NC], pr[NC], c0[NC], c1[NC], sa[NC], sm[NC];
} arrays_t;

static void make_snapshot(live_snapshot_t *s, arrays_t *a)
{
    memset(s, 0, sizeof *s);
    s->G = GRID;
    s->L = 2.0;
    s->n = NC;
    s->cell_area = 1.0;
    for (int i = 0; i < NC; i++) {
        a->t[i] = -3.0 + 0.1 * i;
        a->m[i] = -2.5 - 0.05 * i;
        a->th[i] = -4.0 + 0.2 * i; /* the highest peak: -1 */
        a->pr[i] = -2.8;
        a->c0[i] = -1.5 + 0.01 * i;
        a->c1[i] = -6.0 + 0.3 * i;
        a->sa[i] = i / (double)NC;
        a->sm[i] = 1.0 - i / (double)NC;
    }
    a->t[3] = -HUGE_VAL; /* zero density somewhere */
    s->log_true = a->t;
    s->log_model = a->m;
    s->log_theory = a->th;
    s->log_prop = a->pr;
    snprintf(s->theory_name, sizeof s->theory_name, "pi_ref * exp(F_a/beta), F_a = s log p*");
    s->K = 1;
    s->metrics.K = 1;
}

static void test_build_theory(void **state)
{
    (void)state;
    live_snapshot_t s;
    arrays_t a;
    make_snapshot(&s, &a);
    view_state_t vs;
    view_state_init(&vs);
    assert_int_equal(vs.third, THIRD_THEORY);
    assert_int_equal(vs.log_scale, 0);
    assert_int_equal(vs.colormap, CMAP_VIRIDIS);
    view_model_t vm;
    memset(&vm, 0, sizeof vm);
    assert_int_equal(view_build(&vm, &s, &vs), 0);
    assert_int_equal(vm.n_panels, 3);
    assert_int_equal(vm.G, GRID);
    assert_int_equal((int)vm.n, NC);
    assert_string_equal(vm.panels[0].title, "p*(x) \xE2\x80\x94 annotator");
    assert_string_equal(vm.panels[1].title, "\xCF\x80_\xCE\xB8(x) \xE2\x80\x94 learned");
    /* the core's ASCII formula in the screen's notation */
    assert_string_equal(vm.panels[2].title, "optimum \xE2\x80\x94 \xCF\x80_ref exp(F_a/\xCE\xB2)");
    const double *src[3] = { a.t, a.m, a.th };
    double peak = 0.0;
    for (int p = 0; p < 3; p++)
        for (int i = 0; i < NC; i++) peak = fmax(peak, exp(src[p][i]));
    assert_true(fabs(vm.scale_hi - peak) < 1e-12);
    assert_true(vm.scale_lo == 0.0);
    for (int p = 0; p < 3; p++) {
        assert_int_equal(vm.panels[p].kind, PANEL_DENSITY);
        assert_true(vm.panels[p].lo == vm.scale_lo && vm.panels[p].hi == vm.scale_hi);
        for (int i = 0; i < NC; i++) {
            assert_true(vm.panels[p].values[i] == exp(src[p][i]));
            assert_true(vm.panels[p].values[i] <= vm.scale_hi);
        }
    }
    assert_true(view_panel_t01(&vm.panels[2], vm.scale_hi) == 1.0);
    assert_true(view_panel_t01(&vm.panels[0], 0.0) == 0.0);
    assert_true(view_panel_t01(&vm.panels[0], (double)NAN) == 0.0);
    view_rgb_t top = view_panel_color(&vm, &vm.panels[2], vm.scale_hi);
    view_rgb_t want = view_cmap(CMAP_VIRIDIS, 1.0);
    assert_memory_equal(&top, &want, sizeof top);

    /* no closed form */
    s.log_theory = NULL;
    assert_int_equal(view_build(&vm, &s, &vs), 0);
    assert_int_equal(vm.n_panels, 3);
    assert_int_equal(vm.panels[2].kind, PANEL_MESSAGE);
    assert_string_equal(vm.panels[2].message, "no closed form");
    assert_null(vm.panels[2].values);
    view_model_free(&vm);
}

static void test_build_log_scale(void **state)
{
    (void)state;
    live_snapshot_t s;
    arrays_t a;
    make_snapshot(&s, &a);
    view_state_t vs;
    view_state_init(&vs);
    vs.log_scale = 1;
    view_model_t vm;
    memset(&vm, 0, sizeof vm);
    assert_int_equal(view_build(&vm, &s, &vs), 0);
    assert_true(fabs(vm.scale_hi - (-1.0)) < 1e-12); /* theory's peak */
    assert_true(fabs(vm.scale_lo - (vm.scale_hi - 12.0)) < 1e-12);
    for (int i = 0; i < NC; i++) {
        double v = vm.panels[0].values[i];
        assert_true(v >= vm.scale_lo && v <= vm.scale_hi);
        if (a.t[i] >= vm.scale_lo) assert_true(v == a.t[i]);
    }
    assert_true(vm.panels[0].values[3] == vm.scale_lo); /* -inf floored */
    view_model_free(&vm);
}

static void test_build_third_panels(void **state)
{
    (void)state;
    live_snapshot_t s;
    arrays_t a;
    make_snapshot(&s, &a);
    view_state_t vs;
    view_state_init(&vs);
    view_model_t vm;
    memset(&vm, 0, sizeof vm);

    vs.third = THIRD_LOG_RATIO;
    assert_int_equal(view_build(&vm, &s, &vs), 0);
    assert_int_equal(vm.n_panels, 3);
    const view_panel_t *r = &vm.panels[2];
    assert_int_equal(r->kind, PANEL_DIVERGING);
    assert_true(r->lo == -r->hi);
    assert_true(r->hi >= 0.5 && r->hi <= 5.0);
    double m = 0.0;
    for (int i = 0; i < NC; i++)
        if (isfinite(a.m[i] - a.t[i])) m = fmax(m, fabs(a.m[i] - a.t[i]));
    assert_true(fabs(r->hi - fmin(fmax(m, 0.5), 5.0)) < 1e-12);
    for (int i = 0; i < NC; i++) {
        double want = fmin(fmax(a.m[i] - a.t[i], r->lo), r->hi); /* clamped as drawn */
        assert_true(r->values[i] == want);
    }
    assert_true(r->values[3] == r->hi); /* p* = 0 there: the ratio is +inf */
    assert_true(view_panel_t01(r, 0.0) == 0.5);

    /* a huge ratio: the scale stops at 5; both densities 0: ratio 0 */
    double m0 = a.m[0], m3 = a.m[3];
    a.m[0] = a.t[0] + 9.0;
    a.m[3] = -HUGE_VAL;
    assert_int_equal(view_build(&vm, &s, &vs), 0);
    r = &vm.panels[2];
    assert_true(r->hi == 5.0 && r->lo == -5.0);
    assert_true(r->values[0] == 5.0);
    assert_true(r->values[3] == 0.0);
    view_rgb_t white = view_panel_color(&vm, r, 0.0), want = view_cmap_diverging(0.0);
    assert_memory_equal(&white, &want, sizeof white);
    a.m[0] = m0;
    a.m[3] = m3;

    vs.third = THIRD_PROPOSAL;
    assert_int_equal(view_build(&vm, &s, &vs), 0);
    assert_int_equal(vm.n_panels, 3);
    assert_int_equal(vm.panels[2].kind, PANEL_DENSITY);
    assert_string_equal(vm.panels[2].title, "\xCE\xBC(x) \xE2\x80\x94 proposal");
    assert_true(vm.panels[2].hi == vm.scale_hi);
    assert_true(vm.panels[2].values[0] == exp(a.pr[0]));

    vs.third = THIRD_SLICE;
    assert_int_equal(view_build(&vm, &s, &vs), 0);
    assert_int_equal(vm.n_panels, 3);
    assert_int_equal(vm.panels[2].kind, PANEL_MESSAGE);
    assert_string_equal(vm.panels[2].message, "computing\xE2\x80\xA6");

    s.have_slice = 1;
    s.slice_annot = a.sa;
    s.slice_model = a.sm;
    assert_int_equal(view_build(&vm, &s, &vs), 0);
    assert_int_equal(vm.n_panels, 4);
    assert_string_equal(vm.panels[2].title, "P(x \xE2\x89\xBB cursor) \xE2\x80\x94 annotator");
    assert_string_equal(vm.panels[3].title, "P(x \xE2\x89\xBB cursor) \xE2\x80\x94 model");
    for (int p = 2; p < 4; p++) {
        assert_int_equal(vm.panels[p].kind, PANEL_PROBABILITY);
        assert_true(vm.panels[p].lo == 0.0 && vm.panels[p].hi == 1.0);
    }
    assert_true(vm.panels[2].values[5] == a.sa[5]);
    assert_true(vm.panels[3].values[5] == a.sm[5]);

    /* the Borda count: a message until it comes, then the annotators' and
       the model's counts on their own 0-1 scale */
    vs.third = THIRD_BORDA;
    assert_int_equal(view_build(&vm, &s, &vs), 0);
    assert_int_equal(vm.n_panels, 3);
    assert_int_equal(vm.panels[2].kind, PANEL_MESSAGE);
    assert_string_equal(vm.panels[2].message, "computing\xE2\x80\xA6");
    s.have_borda = 1;
    s.borda_annot = a.sm;
    s.borda_model = a.sa;
    assert_int_equal(view_build(&vm, &s, &vs), 0);
    assert_int_equal(vm.n_panels, 4);
    assert_string_equal(vm.panels[2].title, "Borda count BC(x) \xE2\x80\x94 annotators");
    assert_string_equal(vm.panels[3].title, "BC(x) \xE2\x80\x94 model r_\xCE\xB8");
    for (int p = 2; p < 4; p++) {
        assert_int_equal(vm.panels[p].kind, PANEL_PROBABILITY);
        assert_true(vm.panels[p].lo == 0.0 && vm.panels[p].hi == 1.0);
    }
    assert_true(vm.panels[2].values[5] == a.sm[5]);
    assert_true(vm.panels[3].values[5] == a.sa[5]);
    view_model_free(&vm);
    assert_null(vm.buf);
}

static void test_build_components(void **state)
{
    (void)state;
    live_snapshot_t s;
    arrays_t a;
    make_snapshot(&s, &a);
    s.K = 2;
    s.metrics.K = 2;
    s.metrics.weight[0] = 0.4;
    s.metrics.weight[1] = 0.6;
    s.log_comp[0] = a.c0;
    s.log_comp[1] = a.c1;
    view_state_t vs;
    view_state_init(&vs);
    view_model_t vm;
    memset(&vm, 0, sizeof vm);
    assert_int_equal(view_build(&vm, &s, &vs), 0);
    assert_int_equal(vm.n_panels, 5);
    assert_string_equal(vm.panels[3].title, "component 1 (\xCF\x89=0.40)");
    assert_string_equal(vm.panels[4].title, "component 2 (\xCF\x89=0.60)");
    for (int p = 3; p < 5; p++) {
        assert_int_equal(vm.panels[p].kind, PANEL_DENSITY);
        assert_true(vm.panels[p].hi == vm.scale_hi && vm.panels[p].lo == vm.scale_lo);
    }
    assert_true(vm.panels[4].values[7] == exp(a.c1[7]));

    /* the slice with components: two third panels */
    vs.third = THIRD_SLICE;
    s.have_slice = 1;
    s.slice_annot = a.sa;
    s.slice_model = a.sm;
    for (int rep = 0; rep < 3; rep++) assert_int_equal(view_build(&vm, &s, &vs), 0);
    assert_int_equal(vm.n_panels, 6);
    assert_string_equal(vm.panels[5].title, "component 2 (\xCF\x89=0.60)");
    /* every panel's values live in distinct parts of buf */
    for (int p = 1; p < vm.n_panels; p++)
        assert_true(vm.panels[p].values >= vm.panels[p - 1].values + NC);
    view_model_free(&vm);
}

static void test_cursor(void **state)
{
    (void)state;
    view_state_t vs;
    view_state_init(&vs);
    assert_true(vs.cursor_x == 0.0 && vs.cursor_y == 0.0);
    assert_int_equal(view_move_cursor(&vs, ACT_CURSOR_RIGHT, 6.0), 1);
    assert_true(fabs(vs.cursor_x - 12.0 / 32.0) < 1e-15);
    assert_int_equal(view_move_cursor(&vs, ACT_CURSOR_UP, 6.0), 1);
    assert_true(fabs(vs.cursor_y - 12.0 / 32.0) < 1e-15);
    for (int i = 0; i < 100; i++) view_move_cursor(&vs, ACT_CURSOR_LEFT, 6.0);
    assert_true(vs.cursor_x == -6.0);
    for (int i = 0; i < 100; i++) view_move_cursor(&vs, ACT_CURSOR_DOWN, 6.0);
    assert_true(vs.cursor_y == -6.0);
    assert_int_equal(view_move_cursor(&vs, ACT_PAUSE, 6.0), 0);
    assert_true(vs.cursor_x == -6.0);
}

/* The registry's [view] choices line up with the view's enums. */
static void test_view_params_match_enums(void **state)
{
    (void)state;
    assert_int_equal(params_colormap_count(), CMAP_COUNT);
    assert_int_equal(params_panel_count(), THIRD_COUNT);
    assert_string_equal(params_panel_name(THIRD_THEORY), "theory");
    assert_string_equal(params_panel_name(THIRD_LOG_RATIO), "log-ratio");
    assert_string_equal(params_panel_name(THIRD_PROPOSAL), "proposal");
    assert_string_equal(params_panel_name(THIRD_SLICE), "slice");
    assert_string_equal(params_panel_name(THIRD_OVEROPT), "overopt");
    assert_string_equal(params_panel_name(THIRD_BORDA), "borda");
    assert_string_equal(view_cmap_name(CMAP_MAGMA), "magma");
    params_t p;
    params_defaults(&p);
    char err[256];
    assert_int_equal(params_set(&p, "panel", "slice", err, sizeof err), 0);
    assert_int_equal(params_set(&p, "colormap", "grey", err, sizeof err), 0);
    assert_int_equal(params_set(&p, "log-scale", "1", err, sizeof err), 0);
    view_state_t vs;
    view_state_from_params(&vs, &p);
    assert_int_equal(vs.third, THIRD_SLICE);
    assert_int_equal(vs.colormap, CMAP_GREY);
    assert_int_equal(vs.log_scale, 1);
    params_t q;
    params_defaults(&q);
    view_state_to_params(&vs, &q);
    assert_int_equal(q.panel, p.panel);
    assert_int_equal(q.colormap, p.colormap);
    assert_int_equal(q.log_scale, p.log_scale);
}

/* The core's ASCII formulas in the screen's notation: Greek letters by
   name (also the parts of pi_ref, beta_a), products by juxtaposition,
   the minus sign, preference and the KL bars; other words untouched; a
   short buffer cut at a character. */
static void test_formula(void **state)
{
    (void)state;
    char buf[160];
    view_formula(buf, sizeof buf, "pi_ref * exp(F_a/beta), F_a = beta_a log(p*/pi_ref)");
    assert_string_equal(buf, "\xCF\x80_ref exp(F_a/\xCE\xB2), F_a = \xCE\xB2_a log(p*/\xCF\x80_ref)");
    view_formula(buf, sizeof buf, "pi_ref^(1-alpha) * exp(alpha F_a), F_a = s log p*");
    assert_string_equal(buf, "\xCF\x80_ref^(1\xE2\x88\x92\xCE\xB1) exp(\xCE\xB1 F_a), F_a = s log p*");
    view_formula(buf, sizeof buf, "pi_ref * exp(w/tau), w(x) = P(x > x' ~ mu)");
    assert_string_equal(buf, "\xCF\x80_ref exp(w/\xCF\x84), w(x) = P(x \xE2\x89\xBB x' ~ \xCE\xBC)");
    view_formula(buf, sizeof buf, "KL(p*||pi_theta) (flip rate = eps)");
    assert_string_equal(buf, "KL(p*\xE2\x80\x96\xCF\x80_\xCE\xB8) (flip rate = \xCE\xB5)");
    view_formula(buf, sizeof buf, "sum_k w_k p_k^s / Z_k, numerical optimum, exp(F_a)");
    assert_string_equal(buf, "\xE2\x88\x91_k w_k p_k^s / Z_k, numerical optimum, exp(F_a)");
    /* words that only contain a name stay: alphabet, pivot, taut */
    view_formula(buf, sizeof buf, "alphabet pivot taut mum");
    assert_string_equal(buf, "alphabet pivot taut mum");
    char small[4]; /* "π" and half of "β" would not fit: the cut is at the character */
    view_formula(small, sizeof small, "pi beta");
    assert_string_equal(small, "\xCF\x80 ");
    view_formula(small, 3, "beta");
    assert_string_equal(small, "\xCE\xB2");
    view_formula(small, 2, "beta");
    assert_string_equal(small, "");
}


/* k and K walk sqrt(KL) in steps of VIEW_OVEROPT_STEP from the budget, or
   from the gold peak when none was chosen, within [0, KL max]. */
static void test_overopt_budget_steps(void **state)
{
    (void)state;
    double st = VIEW_OVEROPT_STEP;
    assert_true(fabs(view_overopt_step(1.0, -1, 1) - (1 + st) * (1 + st)) < 1e-12);
    assert_true(fabs(view_overopt_step(1.0, -1, -1) - (1 - st) * (1 - st)) < 1e-12);
    /* from the peak (KL 2.2, sqrt 1.483): the rungs on either side */
    assert_true(fabs(view_overopt_step(-1, 2.2, 1) - 1.5 * 1.5) < 1e-12);
    assert_true(fabs(view_overopt_step(-1, 2.2, -1) - 1.25 * 1.25) < 1e-12);
    assert_true(view_overopt_step(0, -1, -1) == 0.0);
    assert_true(view_overopt_step(VIEW_OVEROPT_KL_MAX, -1, 1) == VIEW_OVEROPT_KL_MAX);
    /* the panel's key, in the one table */
    assert_int_equal(view_key_action('K', VIEW_FE_TUI), ACT_BUDGET_UP);
    assert_int_equal(view_key_action('k', VIEW_FE_GUI), ACT_BUDGET_DOWN);
}

/* Every key's help text fits the help overlay's column at 120x40 (48
   columns beside its key), so the terminal's whole help is one page
   there, as the lecture-room checks (tests/e2e/tui.sh, terminal.sh)
   expect: a longer text would push the help onto a second page. */
static void test_key_texts_fit_the_help(void **state)
{
    (void)state;
    size_t n;
    const view_key_t *k = view_keys(&n);
    assert_true(n > 40);
    for (size_t i = 0; i < n; i++) {
        size_t cols = 0; /* code points, as the terminal counts columns */
        for (const unsigned char *c = (const unsigned char *)k[i].help; *c; c++)
            cols += (*c & 0xC0) != 0x80;
        if (cols > 48) print_message("key %s: \"%s\" is %zu columns\n", k[i].label, k[i].help, cols);
        assert_true(cols <= 48);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_params_match_enums),
        cmocka_unit_test(test_keys_unique_per_frontend),
        cmocka_unit_test(test_every_action_has_a_key),
        cmocka_unit_test(test_key_bindings),
        cmocka_unit_test(test_mode_keys),
        cmocka_unit_test(test_cycling),
        cmocka_unit_test(test_cycling_skips_refused),
        cmocka_unit_test(test_pairs_clamped),
        cmocka_unit_test(test_objective_and_annotator_params),
        cmocka_unit_test(test_param_names_and_messages),
        cmocka_unit_test(test_cmap_endpoints),
        cmocka_unit_test(test_cmap_luminance_monotone),
        cmocka_unit_test(test_cmap_diverging),
        cmocka_unit_test(test_layout_side_by_side),
        cmocka_unit_test(test_layout_wraps_and_refuses),
        cmocka_unit_test(test_layout_sweep),
        cmocka_unit_test(test_build_theory),
        cmocka_unit_test(test_build_log_scale),
        cmocka_unit_test(test_build_third_panels),
        cmocka_unit_test(test_build_components),
        cmocka_unit_test(test_cursor),
        cmocka_unit_test(test_formula),
        cmocka_unit_test(test_overopt_budget_steps),
        cmocka_unit_test(test_key_texts_fit_the_help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
