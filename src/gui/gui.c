/* pbde gui: the SDL2 window. The same panels, keys, cursor, overlays,
   metrics and curves as the terminal explorer (one key table, one view
   model), drawn by the RGB rasteriser into a streaming texture, so a
   screenshot (S) or a recording (R) holds exactly the window's pixels.
   Training runs on the live sessions' worker threads; this loop only
   handles input, takes snapshots and draws. With --tour, a lecture tour:
   space or -> shows the next stop, <- the previous one, t leaves the tour
   to explore and comes back (as in `pbde tui --tour`); the caption box
   is drawn by the rasteriser, so screenshots and recordings hold it. */
#include <SDL.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pbde/scenario.h"

#include "../cli/cli.h"
#include "../export/export.h"

enum { F_TOUR, F_SIZE, F_FONT, F_FACET, F_CURSOR, F_INTERP, F_PAUSED, F_SHOT_AFTER, F_SHOT_OUT,
       F_COUNT };
static const cli_flag_t FLAGS[F_COUNT] = {
    { "tour", 1, "a lecture tour: a .tour file, or a tour's name in the demos folder; space or -> "
                 "next stop, <- back, t explore" },
    { "size", 1, "window size WxH (default 1280x720)" },
    { "font", 1, "TrueType font file for the text (default: DejaVu Sans via fontconfig)" },
    { "facet", 1, "small multiples NAME=v1,v2,...: one learned panel per value (e.g. beta=1,4,16)" },
    { "cursor", 1, "cursor position X,Y (default 0,0)" },
    { "interpolate", 1, "heatmap sampling: nearest or bilinear (default nearest; key i)" },
    { "paused", 0, "start paused (space starts training)" },
    { "screenshot-after", 1, "(for tests) save a screenshot after N frames, then quit" },
    { "screenshot-out", 1, "(for tests) the screenshot's file (default: named after the scenario)" },
};

/* Training speeds the < and > keys step through (steps per second; 0 is
   as fast as the machine goes). */
static const double SPEEDS[] = { 1, 3, 10, 30, 100, 300, 1000, 0 };
#define N_SPEEDS (int)(sizeof SPEEDS / sizeof SPEEDS[0])
#define RECORD_FPS 30

typedef struct {
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *tex;
    int tex_w, tex_h;
    raster_image_t img;
    export_font_t *ef;
    raster_font_t font;
    stage_t st;
    view_state_t vs;
    raster_layout_t layout;
    int bilinear, fullscreen, speed_i, running, dirty;
    char message[256];
    Uint32 message_until;
    int prompt_on;
    char prompt[256];
    video_t *rec;
    raster_image_t rec_img;
    char rec_path[4096];
    long rec_frames;
    double rec_next;
    long frames;

    /* the lecture tour (tour.n == 0: none) */
    tour_t tour;
    int tour_on;               /* the tour's keys are active (t toggles) */
    int stop;                  /* the stop shown, -1 before the first */
    int disturbed;             /* training changed by hand since the stop was set up */
    int user_speed, user_cmap; /* --speed / --colormap given: kept at every stop */
    raster_tour_t caption;     /* the caption box of the stop shown */
    view_annot_t ann;          /* be the annotator (h), draw the density (b) */

    /* the learning curve (key L), computed on a thread of its own */
    const kernels_t *k;
    int curve_on;              /* its panel is shown */
    curve_job_t *curve_job;    /* computing, or NULL */
    curve_t *curve;            /* the latest copy, NULL before the first */
    unsigned long curve_version;
    int curve_paused_live;     /* training was paused for it: resume when it ends */
    char curve_err[256];       /* why it failed ("" when it did not) */
    curve_view_t curve_view;   /* what the scene draws */
} gui_t;

static double now_s(void) { return (double)SDL_GetTicks64() / 1000.0; }

/* Shows a, b and c one after the other on the message line for a while
   (cut to fit). */
static void say3(gui_t *g, const char *a, const char *b, const char *c)
{
    const char *parts[3] = { a, b, c };
    size_t o = 0;
    for (int i = 0; i < 3; i++)
        for (const char *s = parts[i]; s && *s && o + 1 < sizeof g->message; s++)
            g->message[o++] = *s;
    /* never end inside a UTF-8 character */
    while (o > 0 && o + 1 >= sizeof g->message && ((unsigned char)g->message[o - 1] & 0xC0) == 0x80)
        o--;
    g->message[o] = '\0';
    g->message_until = SDL_GetTicks() + 4000;
    g->dirty = 1;
}

static void say(gui_t *g, const char *a, const char *b) { say3(g, a, b, NULL); }

/* ------------------------------------------------------------ files */

/* "pbde-<density>-<annotator>-<objective>[-facet-<name>]-step<N>.<ext>",
   with -2, -3, ... when it exists. */
static void file_name(const gui_t *g, const char *ext, char *buf, size_t n)
{
    char base[256];
    export_scenario_name(&g->st.snap[0], base, sizeof base);
    if (g->st.facet[0]) {
        char *step = strstr(base, "-step");
        char tail[64];
        snprintf(tail, sizeof tail, "%s", step ? step : "");
        if (step) *step = '\0';
        size_t o = strlen(base);
        snprintf(base + o, sizeof base - o, "-facet-%s%s", g->st.facet, tail);
    }
    snprintf(buf, n, "pbde-%s.%s", base, ext);
    struct stat sb;
    for (int k = 2; stat(buf, &sb) == 0 && k < 1000; k++) snprintf(buf, n, "pbde-%s-%d.%s", base, k, ext);
}

static int screenshot(gui_t *g, const char *path)
{
    char name[4096], err[512];
    if (!path) {
        file_name(g, "png", name, sizeof name);
        path = name;
    }
    if (png_write(path, &g->img, err, sizeof err) != 0) {
        say(g, "screenshot failed: ", err);
        return -1;
    }
    say(g, "screenshot saved: ", path);
    return 0;
}

/* ------------------------------------------------------------ drawing */

static int ensure_image(raster_image_t *img, int w, int h)
{
    if (img->px && img->w == w && img->h == h) return 0;
    unsigned char *px = realloc(img->px, (size_t)w * (size_t)h * 3);
    if (!px) return -1;
    img->px = px;
    img->w = w;
    img->h = h;
    return 0;
}

static void make_scene(gui_t *g, raster_scene_t *sc)
{
    if (stage_scene(&g->st, &g->vs, sc) != 0) {
        memset(sc, 0, sizeof *sc);
        return;
    }
    sc->bilinear = g->bilinear;
    sc->live = 1;
    sc->help = g->vs.help;
    sc->speed = SPEEDS[g->speed_i];
    sc->prompt = g->prompt_on ? g->prompt : NULL;
    sc->message = g->message[0] && SDL_GetTicks() < g->message_until ? g->message : NULL;
    sc->recording = g->rec != NULL;
    sc->annot = &g->ann;
    if (g->tour.n > 0 && g->stop >= 0) {
        export_tour_caption(&g->caption, &g->tour, g->stop, g->tour_on);
        sc->tour = &g->caption;
    }
    if (g->curve_on && g->st.n == 1) {
        curve_view_t *v = &g->curve_view;
        params_t now;
        live_get_params(g->st.live[0], &now);
        memset(v, 0, sizeof *v);
        v->c = g->curve;
        v->running = g->curve_job != NULL;
        v->stale = g->curve && !curve_same_setup(&g->curve->params, &now);
        v->paused_training = g->curve_paused_live;
        v->pairs_now = now.pairs;
        v->error = g->curve_err[0] ? g->curve_err : NULL;
        sc->curve = v;
    }
}

static int redraw(gui_t *g)
{
    int w, h;
    if (SDL_GetRendererOutputSize(g->ren, &w, &h) != 0 || w < 16 || h < 16) return 0;
    if (ensure_image(&g->img, w, h) != 0) return -1;
    if (!g->tex || g->tex_w != w || g->tex_h != h) {
        if (g->tex) SDL_DestroyTexture(g->tex);
        g->tex = SDL_CreateTexture(g->ren, SDL_PIXELFORMAT_RGB24, SDL_TEXTUREACCESS_STREAMING, w, h);
        if (!g->tex) return -1;
        g->tex_w = w;
        g->tex_h = h;
    }
    raster_scene_t sc;
    make_scene(g, &sc);
    raster_draw(&g->img, &sc, &g->font, &g->layout);
    SDL_UpdateTexture(g->tex, NULL, g->img.px, w * 3);
    SDL_RenderClear(g->ren);
    SDL_RenderCopy(g->ren, g->tex, NULL, NULL);
    SDL_RenderPresent(g->ren);
    g->frames++;
    g->dirty = 0;
    return 0;
}

/* ------------------------------------------------------------ recording */

static void record_toggle(gui_t *g)
{
    char err[512];
    if (g->rec) {
        int rc = video_close(g->rec, 1, err, sizeof err);
        g->rec = NULL;
        char count[64];
        snprintf(count, sizeof count, "recorded %ld frames to ", g->rec_frames);
        if (rc == 0) say(g, count, g->rec_path);
        else say(g, "recording failed: ", err);
        return;
    }
    file_name(g, "y4m", g->rec_path, sizeof g->rec_path);
    /* the size is fixed when recording starts */
    if (ensure_image(&g->rec_img, g->img.w, g->img.h) != 0) {
        say(g, "cannot record: ", "out of memory");
        return;
    }
    g->rec = video_open(g->rec_path, g->img.w, g->img.h, RECORD_FPS, err, sizeof err);
    if (!g->rec) {
        say(g, "cannot record: ", err);
        return;
    }
    g->rec_frames = 0;
    g->rec_next = now_s();
    say3(g, "recording to ", g->rec_path, " (R stops)");
}

/* Writes the recording's frames due by now: the window's picture (drawn
   again at the recording's size after a resize), repeated to keep the
   video in real time, but never more than a few at once: when the machine
   falls behind, the video skips ahead instead of stalling the window. */
static void record_tick(gui_t *g)
{
    if (!g->rec || now_s() < g->rec_next) return;
    char err[512];
    const raster_image_t *frame = &g->img;
    if (g->img.w != g->rec_img.w || g->img.h != g->rec_img.h) {
        raster_scene_t sc;
        make_scene(g, &sc);
        raster_draw(&g->rec_img, &sc, &g->font, NULL);
        frame = &g->rec_img;
    }
    for (int k = 0; k < 3 && now_s() >= g->rec_next; k++) {
        if (video_frame(g->rec, frame, err, sizeof err) != 0) {
            video_close(g->rec, 0, err, sizeof err);
            g->rec = NULL;
            say(g, "recording stopped: ", err);
            return;
        }
        g->rec_frames++;
        g->rec_next += 1.0 / RECORD_FPS;
    }
    if (now_s() >= g->rec_next) g->rec_next = now_s() + 1.0 / RECORD_FPS;
}

/* ------------------------------------------------------------ actions */

static void want_slice(gui_t *g)
{
    for (int i = 0; i < g->st.n; i++)
        live_want_slice(g->st.live[i], g->vs.third == THIRD_SLICE, g->vs.cursor_x, g->vs.cursor_y);
}

/* A parameter action, applied to every session (each keeps its facet
   value unless the action moves that parameter). */
static void param_action(gui_t *g, view_action a)
{
    char msg[512] = "", err[512];
    int changed = 0;
    for (int i = 0; i < g->st.n; i++) {
        params_t p;
        live_get_params(g->st.live[i], &p);
        char m[256];
        if (!view_param_action(&p, a, m, sizeof m)) {
            if (i == 0) snprintf(msg, sizeof msg, "%s", m);
            continue;
        }
        params_t before;
        live_get_params(g->st.live[i], &before);
        if (live_set_params(g->st.live[i], &p, err, sizeof err) != 0) {
            snprintf(msg, sizeof msg, "%s", err);
            continue;
        }
        if (!tour_same_training(&before, &p)) g->disturbed = 1;
        if (!changed) snprintf(msg, sizeof msg, "%s", m);
        changed = 1;
    }
    if (msg[0]) say(g, msg, NULL);
}

/* The speed of the ladder nearest to s steps per second (ratio-wise);
   0 is unlimited. */
static int speed_index(double s)
{
    int best = N_SPEEDS - 1;
    for (int i = 0; i < N_SPEEDS - 1 && s > 0; i++)
        if (best == N_SPEEDS - 1 || fabs(log(SPEEDS[i] / s)) < fabs(log(SPEEDS[best] / s)))
            best = i;
    return best;
}

static void set_speed(gui_t *g, int i)
{
    if (i < 0) i = 0;
    if (i >= N_SPEEDS) i = N_SPEEDS - 1;
    g->speed_i = i;
    for (int k = 0; k < g->st.n; k++) live_set_speed(g->st.live[k], SPEEDS[i]);
    char buf[64];
    if (SPEEDS[i] > 0) snprintf(buf, sizeof buf, "at most %g steps/s", SPEEDS[i]);
    else snprintf(buf, sizeof buf, "as fast as possible");
    say(g, "speed: ", buf);
}

/* The prompt: "set NAME VALUE", "NAME VALUE" or "NAME=VALUE". */
static void prompt_run(gui_t *g)
{
    char line[256];
    snprintf(line, sizeof line, "%s", g->prompt);
    char *s = line;
    while (*s == ' ') s++;
    if (strcmp(s, "q") == 0 || strcmp(s, "quit") == 0) {
        g->running = 0;
        return;
    }
    /* save-pairs FILE: the answers of the annotate mode as CSV */
    char msg[512];
    int bad = 0;
    if (g->st.n == 1 && view_annot_command(&g->ann, g->st.live[0], s, msg, sizeof msg, &bad)) {
        say(g, msg, NULL);
        return;
    }
    /* save FILE: the parameters as a scenario (a painted density as a PGM beside it) */
    if (strncmp(s, "save ", 5) == 0) {
        char *path = s + 5, err[512];
        while (*path == ' ') path++;
        params_t p;
        live_get_params(g->st.live[0], &p);
        view_state_to_params(&g->vs, &p);
        if (!*path) say(g, "usage: save FILE (a scenario file, e.g. mine.ini)", NULL);
        else if (scenario_save(path, &p, "saved from the window", err, sizeof err) != 0)
            say3(g, path, ": ", err);
        else say(g, "saved the parameters to ", path);
        return;
    }
    if (strncmp(s, "set ", 4) == 0) s += 4;
    while (*s == ' ') s++;
    char *sep = s + strcspn(s, " =");
    if (!*s || !*sep) {
        say(g, "usage: set NAME VALUE (e.g. set beta 2); ? lists the keys", NULL);
        return;
    }
    *sep = '\0';
    char *value = sep + 1;
    while (*value == ' ' || *value == '=') value++;
    char *end = value + strlen(value);
    while (end > value && end[-1] == ' ') *--end = '\0';
    char err[512];
    for (int i = 0; i < g->st.n; i++) {
        params_t p, before;
        live_get_params(g->st.live[i], &p);
        before = p;
        if (params_set(&p, s, value, err, sizeof err) != 0 || params_check(&p, err, sizeof err) != 0 ||
            live_set_params(g->st.live[i], &p, err, sizeof err) != 0) {
            say3(g, s, ": ", err);
            return;
        }
        if (!tour_same_training(&before, &p)) g->disturbed = 1;
    }
    /* a view parameter changes the view at once (the cursor stays) */
    const param_def_t *def = params_find(s);
    if (def && (def->affects & PARAM_AFFECTS_VIEW)) {
        params_t p;
        live_get_params(g->st.live[0], &p);
        view_state_t vs = g->vs;
        view_state_from_params(&g->vs, &p);
        g->vs.cursor_x = vs.cursor_x;
        g->vs.cursor_y = vs.cursor_y;
        g->vs.help = vs.help;
        want_slice(g);
        if (strcmp(s, "speed") == 0) {
            set_speed(g, speed_index(p.speed));
            return;
        }
    }
    say3(g, s, " = ", value);
}

/* ------------------------------------------------------------ learning curve */

/* Stops a curve being computed and lets training go on if it waited. */
static void curve_stop(gui_t *g)
{
    if (!g->curve_job) return;
    curve_job_destroy(g->curve_job);
    g->curve_job = NULL;
    if (g->curve_paused_live) live_set_paused(g->st.live[0], 0);
    g->curve_paused_live = 0;
}

/* Starts the curve of the settings in force (2^8 .. 2^14 pairs, one
   seed, CURVE_LIVE_STEPS steps a run); training waits meanwhile. */
static void curve_start(gui_t *g)
{
    char err[sizeof g->curve_err];
    params_t p;
    live_get_params(g->st.live[0], &p);
    p.steps = CURVE_LIVE_STEPS;
    if (!g->curve && !(g->curve = malloc(sizeof *g->curve))) {
        say(g, "learning curve: ", "out of memory");
        return;
    }
    if (curve_init(g->curve, &p, CURVE_LIVE_FROM, CURVE_LIVE_TO, 1, err, sizeof err) != 0 ||
        !(g->curve_job = curve_job_start(g->curve, g->k, err, sizeof err))) {
        snprintf(g->curve_err, sizeof g->curve_err, "%s", err);
        return;
    }
    g->curve_version = 0;
    g->curve_err[0] = '\0';
    const live_snapshot_t *s = &g->st.snap[0];
    g->curve_paused_live = !s->paused && s->state == TRAINER_TRAINING;
    if (g->curve_paused_live) live_set_paused(g->st.live[0], 1);
}

/* L: shows the panel, computing the curve when there is none for the
   settings in force; hides it again (stopping a computation). */
static void curve_toggle(gui_t *g)
{
    if (g->st.n != 1) {
        say(g, "learning curves: one run at a time, not with --facet", NULL);
        return;
    }
    if (g->curve_on) {
        g->curve_on = 0;
        curve_stop(g);
        return;
    }
    g->curve_on = 1;
    params_t now;
    live_get_params(g->st.live[0], &now);
    int have = g->curve && !g->curve_err[0] &&
               g->curve->runs_done == g->curve->n_points * g->curve->n_seeds &&
               curve_same_setup(&g->curve->params, &now);
    if (!have) curve_start(g);
    say(g, have ? "learning curve: L hides it"
                : "learning curve: computing in the background (training waits); L hides it", NULL);
}

/* Takes the curve's progress; returns 1 when it changed. */
static int curve_poll(gui_t *g)
{
    if (!g->curve_job) return 0;
    unsigned long before = g->curve_version;
    curve_job_state st = curve_job_poll(g->curve_job, g->curve, &g->curve_version, g->curve_err,
                                        sizeof g->curve_err);
    if (st != CURVE_JOB_RUNNING) {
        curve_stop(g);
        return 1;
    }
    return g->curve_version != before;
}

/* ------------------------------------------------------------ modes */

/* Carries out what a mode's action asks (view_annot_*): the painted
   density to the session, the message to the message line. */
static void mode_result(gui_t *g, int flags, const params_t *apply, const char *msg)
{
    char err[512];
    if ((flags & VIEW_ANN_APPLY) && live_set_params(g->st.live[0], apply, err, sizeof err) != 0)
        say(g, "painted density: ", err);
    else if (msg[0])
        say(g, msg, NULL);
    if (flags & VIEW_ANN_APPLY) g->disturbed = 1;
    g->dirty = 1;
}

/* The actions of the interactive-data modes (the key table's mode
   column); in brush mode the cursor is the brush. Returns 1 when the
   action was the modes'. */
static int mode_act(gui_t *g, view_action a)
{
    params_t apply;
    char msg[512];
    int moved = 0;
    if (a == ACT_ANNOTATE || a == ACT_BRUSH) {
        if (g->st.n > 1) {
            say(g, "one training run at a time: annotate and brush need a window without --facet",
                NULL);
            return 1;
        }
    }
    if (a >= ACT_CURSOR_LEFT && a <= ACT_CURSOR_DOWN) {
        if (g->ann.mode != VIEW_MODE_BRUSH) return 0;
        view_move_cursor(&g->vs, a, g->st.snap[0].L);
        want_slice(g);
        moved = 1;
    }
    int flags = view_annot_action(&g->ann, g->st.live[0], a, &g->vs, now_s(), &apply, msg,
                                  sizeof msg);
    if (!flags && !moved) return 0;
    mode_result(g, flags, &apply, msg);
    return 1;
}

/* Sends the painted density to the session when it is due (force: now,
   e.g. when the mouse button comes up). */
static void mode_tick(gui_t *g, int force)
{
    params_t apply;
    char msg[512] = "";
    if (!g->ann.dirty) return;
    int flags = view_annot_tick(&g->ann, g->st.live[0], now_s(), force, &apply, msg, sizeof msg);
    if (flags) mode_result(g, flags, &apply, msg);
}

/* A click or a drag on the panels in a mode: answers near A or B, or
   paints (erases with the right button). Returns 1 when it was the mode's. */
static int mode_click(gui_t *g, int x, int y, int erase)
{
    if (g->ann.mode == VIEW_MODE_NORMAL) return 0;
    for (int i = 0; i < g->layout.n_panels && i < 2; i++) {
        double wx, wy;
        if (!raster_pixel_to_world(&g->layout.panel[i], g->st.snap[0].L, x, y, &wx, &wy)) continue;
        if (g->ann.mode == VIEW_MODE_BRUSH) { /* the brush follows the mouse */
            g->vs.cursor_x = wx;
            g->vs.cursor_y = wy;
        }
        char msg[512];
        int flags = view_annot_click(&g->ann, g->st.live[0], wx, wy, erase, now_s(), msg,
                                     sizeof msg);
        if (flags) mode_result(g, flags, NULL, msg);
        g->dirty = 1;
        return flags != 0 || g->ann.mode == VIEW_MODE_BRUSH;
    }
    return 0;
}

static void act(gui_t *g, view_action a)
{
    stage_t *st = &g->st;
    g->dirty = 1;
    if (mode_act(g, a)) return;
    switch (a) {
    case ACT_QUIT: g->running = 0; break;
    case ACT_PAUSE: {
        int pause = !st->snap[0].paused;
        for (int i = 0; i < st->n; i++) live_set_paused(st->live[i], pause);
        break;
    }
    case ACT_STEP:
        for (int i = 0; i < st->n; i++) live_step_once(st->live[i]);
        break;
    case ACT_RESET:
        for (int i = 0; i < st->n; i++) live_reset_model(st->live[i]);
        g->disturbed = 1;
        break;
    case ACT_RESAMPLE:
        for (int i = 0; i < st->n; i++) live_resample(st->live[i]);
        g->disturbed = 1;
        break;
    case ACT_SLOWER: set_speed(g, g->speed_i == N_SPEEDS - 1 ? N_SPEEDS - 2 : g->speed_i - 1); break;
    case ACT_FASTER: set_speed(g, g->speed_i + 1); break;
    case ACT_OVERLAY: g->vs.overlay = !g->vs.overlay; break;
    case ACT_THIRD_PANEL:
        g->vs.third = (g->vs.third + 1) % THIRD_COUNT;
        want_slice(g);
        if (st->facet[0]) say(g, "facets show p* and one learned panel per value", NULL);
        break;
    case ACT_LOG_SCALE: g->vs.log_scale = !g->vs.log_scale; break;
    case ACT_COLORMAP:
        g->vs.colormap = (g->vs.colormap + 1) % CMAP_COUNT;
        say(g, "colour map: ", view_cmap_name(g->vs.colormap));
        break;
    case ACT_PROMPT:
        g->prompt_on = 1;
        g->prompt[0] = '\0';
        break;
    case ACT_HELP: g->vs.help = !g->vs.help; break;
    case ACT_CURVE: curve_toggle(g); break;
    case ACT_CURSOR_LEFT:
    case ACT_CURSOR_RIGHT:
    case ACT_CURSOR_UP:
    case ACT_CURSOR_DOWN:
        view_move_cursor(&g->vs, a, st->snap[0].L);
        want_slice(g);
        break;
    case ACT_FULLSCREEN:
        g->fullscreen = !g->fullscreen;
        SDL_SetWindowFullscreen(g->win, g->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
        break;
    case ACT_SCREENSHOT: screenshot(g, NULL); break;
    case ACT_RECORD: record_toggle(g); break;
    case ACT_INTERPOLATE:
        g->bilinear = !g->bilinear;
        say(g, "heatmaps: ", g->bilinear ? "bilinear" : "nearest");
        break;
    default:
        param_action(g, a);
        break;
    }
}

/* ------------------------------------------------------------ tour */

/* Shows stop `to`: its parameters (and their [view] section) go to the
   session, which trains to the stop's step count and pauses there. Going
   on to a stop that continues this one (or staying on this one) keeps
   training; any other move, or training changed by hand, rebuilds the
   stop from step 0, so going back shows exactly what was shown before.
   The same moves as `pbde tui --tour`. */
static void tour_show(gui_t *g, int to)
{
    live_t *l = g->st.live[0];
    params_t cur;
    live_get_params(l, &cur);
    tour_move_t m;
    tour_plan(&g->tour, g->stop, to, &cur, g->st.snap[0].step, g->disturbed, &m);
    params_t p = m.params;
    if (g->user_speed) p.speed = SPEEDS[g->speed_i];
    if (g->user_cmap) p.colormap = g->vs.colormap;
    char err[512];
    if (live_set_params(l, &p, err, sizeof err) != 0) { /* checked when loaded: cannot happen */
        say(g, "tour: ", err);
        return;
    }
    if (m.reset) live_reset_model(l); /* new parameters rebuild by themselves */
    live_run_to(l, m.run_to);
    g->speed_i = speed_index(p.speed);
    live_set_speed(l, SPEEDS[g->speed_i]);

    /* the view follows the stop's [view] parameters; the cursor stays */
    view_state_t vs = g->vs;
    view_state_from_params(&g->vs, &p);
    g->vs.cursor_x = vs.cursor_x;
    g->vs.cursor_y = vs.cursor_y;
    g->vs.help = vs.help;
    want_slice(g);
    g->stop = to;
    g->disturbed = 0;
    g->dirty = 1;
}

static void tour_next(gui_t *g)
{
    if (g->stop + 1 >= g->tour.n) say(g, "end of tour: \xE2\x86\x90 goes back, q quits", NULL);
    else tour_show(g, g->stop + 1);
}

static void tour_prev(gui_t *g)
{
    if (g->stop <= 0) say(g, "this is the first stop of the tour", NULL);
    else tour_show(g, g->stop - 1);
}

/* t: leaves the tour (its keys go back to their usual meaning) or
   returns to the stop, rebuilt when training was changed by hand. */
static void tour_toggle(gui_t *g)
{
    g->tour_on = !g->tour_on;
    if (g->tour_on) {
        tour_show(g, g->stop);
        say(g, "back in the tour: space or \xE2\x86\x92 next stop, \xE2\x86\x90 back", NULL);
    } else {
        say(g, "exploring: arrows move the cursor, space pauses, every key works; t returns to "
               "the tour", NULL);
    }
}

/* A key while a tour is open: key is a code point or VIEW_KEY_LEFT /
   VIEW_KEY_RIGHT (PgUp and PgDn arrive as those). Returns 1 when the key
   was the tour's. */
static int tour_key(gui_t *g, int key)
{
    if (g->tour.n == 0) return 0;
    if (key == 't') {
        tour_toggle(g);
        return 1;
    }
    if (!g->tour_on) return 0;
    if (key == ' ' || key == VIEW_KEY_RIGHT) {
        tour_next(g);
        return 1;
    }
    if (key == VIEW_KEY_LEFT) {
        tour_prev(g);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------ input */

/* The first code point of a UTF-8 string. */
static int first_codepoint(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80) return u[0];
    if ((u[0] & 0xE0) == 0xC0) return (u[0] & 0x1F) << 6 | (u[1] & 0x3F);
    if ((u[0] & 0xF0) == 0xE0) return (u[0] & 0x0F) << 12 | (u[1] & 0x3F) << 6 | (u[2] & 0x3F);
    return (u[0] & 0x07) << 18 | (u[1] & 0x3F) << 12 | (u[2] & 0x3F) << 6 | (u[3] & 0x3F);
}

static void prompt_key(gui_t *g, SDL_Keycode k)
{
    size_t len = strlen(g->prompt);
    if (k == SDLK_ESCAPE) g->prompt_on = 0;
    else if (k == SDLK_RETURN || k == SDLK_KP_ENTER) {
        g->prompt_on = 0;
        prompt_run(g);
    } else if (k == SDLK_BACKSPACE && len > 0) {
        /* drop a whole UTF-8 character */
        do len--;
        while (len > 0 && ((unsigned char)g->prompt[len] & 0xC0) == 0x80);
        g->prompt[len] = '\0';
    }
    g->dirty = 1;
}

/* Moves the cursor to a click inside a heatmap. */
static void click(gui_t *g, int x, int y)
{
    for (int i = 0; i < g->layout.n_panels; i++) {
        double wx, wy;
        if (i == 2 && g->curve_on && g->st.n == 1) continue; /* the learning curve is there */
        if (raster_pixel_to_world(&g->layout.panel[i], g->st.snap[0].L, x, y, &wx, &wy)) {
            g->vs.cursor_x = wx;
            g->vs.cursor_y = wy;
            want_slice(g);
            g->dirty = 1;
            return;
        }
    }
}

static void handle(gui_t *g, const SDL_Event *e)
{
    switch (e->type) {
    case SDL_QUIT: g->running = 0; break;
    case SDL_WINDOWEVENT: g->dirty = 1; break;
    case SDL_TEXTINPUT:
        if (g->prompt_on) {
            size_t len = strlen(g->prompt);
            snprintf(g->prompt + len, sizeof g->prompt - len, "%s", e->text.text);
            g->dirty = 1;
        } else if (!tour_key(g, first_codepoint(e->text.text))) {
            view_action a = view_key_action_mode(first_codepoint(e->text.text), VIEW_FE_GUI,
                                                 g->ann.mode);
            if (a != ACT_NONE) act(g, a);
        }
        break;
    case SDL_KEYDOWN: {
        SDL_Keycode k = e->key.keysym.sym;
        if (g->prompt_on) {
            prompt_key(g, k);
            break;
        }
        int key = 0;
        switch (k) {
        case SDLK_LEFT:
        case SDLK_PAGEUP: key = VIEW_KEY_LEFT; break;
        case SDLK_RIGHT:
        case SDLK_PAGEDOWN: key = VIEW_KEY_RIGHT; break;
        case SDLK_UP: key = VIEW_KEY_UP; break;
        case SDLK_DOWN: key = VIEW_KEY_DOWN; break;
        case SDLK_RETURN: key = VIEW_KEY_ENTER; break;
        case SDLK_ESCAPE:
            if (g->vs.help) {
                g->vs.help = 0;
                g->dirty = 1;
                return;
            }
            key = VIEW_KEY_ESCAPE;
            break;
        default: return; /* printable keys arrive as SDL_TEXTINPUT */
        }
        if (tour_key(g, key)) break;
        if (k == SDLK_PAGEUP || k == SDLK_PAGEDOWN) break; /* the tour's keys only */
        view_action a = view_key_action_mode(key, VIEW_FE_GUI, g->ann.mode);
        if (a != ACT_NONE) act(g, a);
        break;
    }
    case SDL_MOUSEBUTTONDOWN:
        if (e->button.button == SDL_BUTTON_LEFT || e->button.button == SDL_BUTTON_RIGHT) {
            int right = e->button.button == SDL_BUTTON_RIGHT;
            if (g->ann.mode == VIEW_MODE_BRUSH) g->ann.stroking = 1;
            if (mode_click(g, e->button.x, e->button.y, right)) break;
            if (!right) click(g, e->button.x, e->button.y);
        }
        break;
    case SDL_MOUSEBUTTONUP:
        if (g->ann.stroking) {
            g->ann.stroking = 0;
            mode_tick(g, 1); /* the stroke ended: p* and training follow now */
        }
        break;
    case SDL_MOUSEMOTION:
        if (g->ann.mode == VIEW_MODE_BRUSH && (e->motion.state & (SDL_BUTTON_LMASK | SDL_BUTTON_RMASK))) {
            mode_click(g, e->motion.x, e->motion.y, (e->motion.state & SDL_BUTTON_RMASK) != 0);
            break;
        }
        if (g->ann.mode == VIEW_MODE_ANNOTATE) break; /* a drag answers nothing */
        if (e->motion.state & SDL_BUTTON_LMASK) click(g, e->motion.x, e->motion.y);
        break;
    default: break;
    }
}

/* ------------------------------------------------------------ command */

static int no_display(const char *why)
{
    fprintf(stderr,
            "pbde gui: cannot open a window: %s.\n"
            "Without a display, draw the same pixels headless with pbde render, e.g.\n"
            "  pbde render --out picture.png      or      pbde render --out video.y4m\n"
            "(or run the window under a virtual display: xvfb-run -a pbde gui).\n",
            why);
    return EXIT_USAGE;
}

static void gui_free(gui_t *g)
{
    char err[256];
    if (g->rec) video_close(g->rec, 1, err, sizeof err);
    curve_stop(g);
    free(g->curve);
    stage_destroy(&g->st);
    tour_free(&g->tour);
    if (g->tex) SDL_DestroyTexture(g->tex);
    if (g->ren) SDL_DestroyRenderer(g->ren);
    if (g->win) SDL_DestroyWindow(g->win);
    free(g->img.px);
    free(g->rec_img.px);
    font_close(g->ef);
}

/* The event loop: input, snapshots, redraws, recording; with shot_after,
   a screenshot after that many frames, then the end. Returns the exit
   status. */
static int run(gui_t *g, long shot_after, const char *shot_out)
{
    g->running = 1;
    g->dirty = 1;
    int status = 0;
    while (g->running) {
        SDL_Event e;
        if (SDL_WaitEventTimeout(&e, 15)) {
            handle(g, &e);
            while (g->running && SDL_PollEvent(&e)) handle(g, &e);
        }
        mode_tick(g, 0);
        int changed = stage_poll(&g->st);
        if (curve_poll(g)) g->dirty = 1;
        if (g->message[0] && SDL_GetTicks() >= g->message_until) {
            g->message[0] = '\0';
            g->dirty = 1;
        }
        if (changed != 0 || g->dirty || shot_after) {
            if (redraw(g) != 0) {
                fprintf(stderr, "pbde gui: out of memory drawing the window\n");
                return 1;
            }
        }
        record_tick(g);
        if (shot_after && g->frames >= shot_after) {
            if (screenshot(g, shot_out) != 0) {
                fprintf(stderr, "pbde gui: %s\n", g->message);
                status = 1;
            } else {
                /* where the panels are, for the end-to-end test's pixel checks */
                fprintf(stderr, "pbde gui: %s (%dx%d)\n", g->message, g->img.w, g->img.h);
                for (int i = 0; i < g->layout.n_panels; i++)
                    printf("panel %d %d %d %d\n", g->layout.panel[i].x, g->layout.panel[i].y,
                           g->layout.panel[i].w, g->layout.panel[i].h);
                if (g->layout.caption.w > 0)
                    printf("caption %d %d %d %d %dpx\ntour stop %d/%d step %ld\n",
                           g->layout.caption.x, g->layout.caption.y, g->layout.caption.w,
                           g->layout.caption.h, g->layout.caption_px, g->stop + 1, g->tour.n,
                           g->st.snap[0].step);
            }
            g->running = 0;
        }
    }
    return status;
}

/* --tour: loads the tour (a path, or a name in the demos folder) before
   the window opens. A tour sets every parameter at every stop, so of the
   others only --speed and --colormap are allowed: they apply to the
   whole tour (*speed_set, *cmap_set). Prints the problem (with
   file:line) and returns EXIT_USAGE, or returns 0. */
static int load_tour(const cli_args_t *a, tour_t *t, int *speed_set, int *cmap_set)
{
    static const char *const ALLOWED[] = { "speed", "colormap", NULL };
    if (a->scenario) {
        fprintf(stderr, "pbde gui: --tour and --scenario: a tour loads its own scenarios; give "
                        "one of them\n");
        return EXIT_USAGE;
    }
    if (a->present[F_FACET]) {
        fprintf(stderr, "pbde gui: --tour and --facet: a tour shows one training run per stop\n");
        return EXIT_USAGE;
    }
    const char *extra = export_tour_extra_param(&a->params, ALLOWED);
    if (extra) {
        fprintf(stderr, "pbde gui: --%s: a tour sets the parameters at every stop; only --speed "
                        "and --colormap apply to a whole tour\n", extra);
        return EXIT_USAGE;
    }
    params_t def;
    params_defaults(&def);
    *speed_set = a->params.speed != def.speed;
    *cmap_set = a->params.colormap != def.colormap;
    char err[1024];
    if (export_tour_open(a->values[F_TOUR], t, err, sizeof err) != 0) {
        fprintf(stderr, "pbde gui: --tour: %s\n", err);
        return EXIT_USAGE;
    }
    return 0;
}

int cmd_gui(int argc, char **argv)
{
    cli_args_t a;
    int rc = cli_parse("gui", argc, argv, 2, FLAGS, F_COUNT, &a);
    if (rc) return rc;
    if (a.help) {
        cli_usage(stdout, "gui",
                  "The SDL2 window: the explorer's panels, keys and curves (? lists the keys;\n"
                  "f fullscreen, S screenshot, R records a .y4m, i nearest/bilinear).\n"
                  "A lecture tour: pbde gui --tour NAME (pbde list tours shows them).",
                  FLAGS, F_COUNT);
        return 0;
    }
    int w = 1280, h = 720;
    if (a.present[F_SIZE] && export_parse_size(a.values[F_SIZE], &w, &h) != 0) {
        fprintf(stderr, "pbde gui: --size: '%s' is not allowed: expected WxH, each from 16 to "
                        "8192 (e.g. 1280x720)\n", a.values[F_SIZE]);
        return EXIT_USAGE;
    }
    char err[1024];
    /* the registry's [view] parameters, then the cursor */
    view_state_t vs;
    view_state_from_params(&vs, &a.params);
    if (a.present[F_CURSOR] && export_parse_cursor(&vs, a.values[F_CURSOR], err, sizeof err)) {
        fprintf(stderr, "pbde gui: %s\n", err);
        return EXIT_USAGE;
    }
    int bilinear = 0;
    if (a.present[F_INTERP]) {
        if (strcmp(a.values[F_INTERP], "bilinear") == 0) bilinear = 1;
        else if (strcmp(a.values[F_INTERP], "nearest") != 0) {
            fprintf(stderr, "pbde gui: --interpolate: '%s' is not allowed: expected nearest or "
                            "bilinear\n", a.values[F_INTERP]);
            return EXIT_USAGE;
        }
    }
    long shot_after = 0;
    if (a.present[F_SHOT_AFTER]) {
        char *end;
        shot_after = strtol(a.values[F_SHOT_AFTER], &end, 10);
        if (end == a.values[F_SHOT_AFTER] || *end || shot_after < 1 || shot_after > 1000000) {
            fprintf(stderr, "pbde gui: --screenshot-after: '%s' is not allowed: expected a whole "
                            "number of frames >= 1\n", a.values[F_SHOT_AFTER]);
            return EXIT_USAGE;
        }
    }
    if (a.present[F_SHOT_OUT] && !shot_after) {
        fprintf(stderr, "pbde gui: --screenshot-out needs --screenshot-after N\n");
        return EXIT_USAGE;
    }
    if (a.present[F_SHOT_OUT] && out_kind_of(a.values[F_SHOT_OUT]) != OUT_PNG) {
        fprintf(stderr, "pbde gui: --screenshot-out: '%s' is not allowed: expected a .png file\n",
                a.values[F_SHOT_OUT]);
        return EXIT_USAGE;
    }
    params_t ps[STAGE_MAX];
    int n = 1;
    char facet[32] = "";
    ps[0] = a.params;
    if (a.present[F_FACET] && stage_parse_facet(a.values[F_FACET], &a.params, ps, &n, facet,
                                                sizeof facet, err, sizeof err) != 0) {
        fprintf(stderr, "pbde gui: %s\n", err);
        return EXIT_USAGE;
    }
    const kernels_t *k = cli_kernels();
    if (!k) return EXIT_USAGE;

    /* a tour starts on its first stop's parameters and view; of the
       command line only --speed and --colormap apply to a whole tour */
    tour_t tour = { "", 0, NULL };
    int user_speed = 0, user_cmap = 0;
    if (a.present[F_TOUR]) {
        rc = load_tour(&a, &tour, &user_speed, &user_cmap);
        if (rc) return rc;
        ps[0] = tour.stops[0].params;
        if (user_speed) ps[0].speed = a.params.speed;
        if (user_cmap) ps[0].colormap = a.params.colormap;
        view_state_t given = vs;
        view_state_from_params(&vs, &ps[0]);
        vs.cursor_x = given.cursor_x;
        vs.cursor_y = given.cursor_y;
    }

    /* the display first: without one, say where the headless path is */
    if (!getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY") && !getenv("SDL_VIDEODRIVER")) {
        tour_free(&tour);
        return no_display("no display (neither DISPLAY nor WAYLAND_DISPLAY is set)");
    }
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        snprintf(err, sizeof err, "SDL could not open the display: %s", SDL_GetError());
        tour_free(&tour);
        return no_display(err);
    }
    /* the window's state is large (the stage's snapshots): on the heap */
    gui_t *g = calloc(1, sizeof *g);
    int status = 0;
    if (!g) {
        fprintf(stderr, "pbde gui: out of memory\n");
        tour_free(&tour);
        SDL_Quit();
        return 1;
    }
    g->tour = tour; /* owned by g from here on */
    view_annot_init(&g->ann);
    g->stop = -1;
    g->user_speed = user_speed;
    g->user_cmap = user_cmap;
    g->vs = vs;
    g->bilinear = bilinear;
    g->speed_i = speed_index(ps[0].speed);
    g->ef = font_open(a.present[F_FONT] ? a.values[F_FONT] : NULL, err, sizeof err);
    if (!g->ef) {
        fprintf(stderr, "pbde gui: %s\n", err);
        status = EXIT_USAGE;
        goto done;
    }
    g->font = font_raster(g->ef);
    g->k = k;
    if (stage_create(&g->st, ps, n, facet[0] ? facet : NULL, k,
                     a.present[F_PAUSED] || g->tour.n > 0, err, sizeof err) != 0) {
        fprintf(stderr, "pbde gui: %s\n", err);
        status = EXIT_USAGE;
        goto done;
    }
    double L = g->st.snap[0].L;
    g->vs.cursor_x = fmax(-L, fmin(L, g->vs.cursor_x));
    g->vs.cursor_y = fmax(-L, fmin(L, g->vs.cursor_y));
    want_slice(g);
    for (int i = 0; i < g->st.n; i++) live_set_speed(g->st.live[i], SPEEDS[g->speed_i]);
    if (g->tour.n > 0) { /* the first stop: the session already has its parameters */
        g->tour_on = 1;
        tour_show(g, 0);
    }

    g->win = SDL_CreateWindow("pbde", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h,
                              SDL_WINDOW_RESIZABLE);
    if (g->win) {
        g->ren = SDL_CreateRenderer(g->win, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
        if (!g->ren) g->ren = SDL_CreateRenderer(g->win, -1, 0);
    }
    if (!g->win || !g->ren) {
        snprintf(err, sizeof err, "SDL could not create a window: %s", SDL_GetError());
        status = no_display(err);
        goto done;
    }
    SDL_SetWindowMinimumSize(g->win, 320, 200);
    if (g->tour.n > 0) {
        char title[200];
        snprintf(title, sizeof title, "pbde \xE2\x80\x94 %s", g->tour.title[0] ? g->tour.title : "tour");
        SDL_SetWindowTitle(g->win, title);
    }
    SDL_StartTextInput();
    status = run(g, shot_after, a.present[F_SHOT_OUT] ? a.values[F_SHOT_OUT] : NULL);
done:
    gui_free(g);
    free(g);
    SDL_Quit();
    return status;
}
