/* pbde gui: the SDL2 window. The same panels, keys, cursor, overlays,
   metrics and curves as the terminal explorer: SDL events become calls of
   the shared session (pbde/session.h: the key table, the prompt, tours,
   modes, texts), and the session's state is drawn by the RGB rasteriser
   into a streaming texture, so a screenshot (S) or a recording (R) holds
   exactly the window's pixels. Training runs on the live sessions' worker
   threads; this loop only handles input, takes snapshots and draws. */
#include <SDL.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pbde/export.h"
#include "pbde/gui_app.h"
#include "pbde/session.h"

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
    session_t ses;
    raster_layout_t layout;
    int bilinear, fullscreen, dirty;
    video_t *rec;
    raster_image_t rec_img;
    char rec_path[4096];
    long rec_frames;
    double rec_next;
    long frames;
    export_frame_t frame;   /* the texts the scene shows (make_scene) */
} gui_t;

static double now_s(void) { return (double)SDL_GetTicks64() / 1000.0; }

/* Puts a, b and c one after the other on the status line. */
static void say3(gui_t *g, view_tone tn, const char *a, const char *b, const char *c)
{
    const char *parts[3] = { a, b, c };
    char msg[512];
    size_t o = 0;
    for (int i = 0; i < 3; i++)
        for (const char *p = parts[i]; p && *p && o + 1 < sizeof msg; p++) msg[o++] = *p;
    msg[o] = '\0'; /* session_say cuts it at a character boundary */
    session_say(&g->ses, tn, msg);
}

static void say(gui_t *g, const char *a, const char *b) { say3(g, VIEW_TONE_NORMAL, a, b, NULL); }
static void say_bad(gui_t *g, const char *a, const char *b) { say3(g, VIEW_TONE_BAD, a, b, NULL); }

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
    if (g->img.w <= 0 || g->img.h <= 0 || !g->img.px) { /* before the first frame */
        say_bad(g, "screenshot: nothing drawn yet, ", "press S again in a moment");
        return -1;
    }
    if (!path) {
        file_name(g, "png", name, sizeof name);
        path = name;
    }
    if (png_write(path, &g->img, err, sizeof err) != 0) {
        say_bad(g, "screenshot failed: ", err);
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
    export_session_scene(&g->st, &g->ses, &g->frame, g->bilinear, g->rec != NULL, sc);
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
        else say_bad(g, "recording failed: ", err);
        return;
    }
    file_name(g, "y4m", g->rec_path, sizeof g->rec_path);
    /* the size is fixed when recording starts */
    if (ensure_image(&g->rec_img, g->img.w, g->img.h) != 0) {
        say_bad(g, "cannot record: ", "out of memory");
        return;
    }
    g->rec = video_open(g->rec_path, g->img.w, g->img.h, RECORD_FPS, err, sizeof err);
    if (!g->rec) {
        say_bad(g, "cannot record: ", err);
        return;
    }
    g->rec_frames = 0;
    g->rec_next = now_s();
    say3(g, VIEW_TONE_NORMAL, "recording to ", g->rec_path, " (R stops)");
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
            say_bad(g, "recording stopped: ", err);
            return;
        }
        g->rec_frames++;
        g->rec_next += 1.0 / RECORD_FPS;
    }
    if (now_s() >= g->rec_next) g->rec_next = now_s() + 1.0 / RECORD_FPS;
}

/* ------------------------------------------------------------ input */

/* The window's own actions (the session hands them back). */
static void own_action(gui_t *g, view_action a)
{
    switch (a) {
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
    default: break;
    }
    g->dirty = 1;
}

static void key(gui_t *g, int k)
{
    own_action(g, session_key(&g->ses, k));
}

/* The code points of a UTF-8 string, one key each. */
static void text_keys(gui_t *g, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        int cp, len;
        if (u[0] < 0x80) cp = u[0], len = 1;
        else if ((u[0] & 0xE0) == 0xC0 && u[1]) cp = (u[0] & 0x1F) << 6 | (u[1] & 0x3F), len = 2;
        else if ((u[0] & 0xF0) == 0xE0 && u[1] && u[2])
            cp = (u[0] & 0x0F) << 12 | (u[1] & 0x3F) << 6 | (u[2] & 0x3F), len = 3;
        else if ((u[0] & 0xF8) == 0xF0 && u[1] && u[2] && u[3])
            cp = (u[0] & 0x07) << 18 | (u[1] & 0x3F) << 12 | (u[2] & 0x3F) << 6 | (u[3] & 0x3F), len = 4;
        else return;
        key(g, cp);
        u += len;
    }
}

/* A key that brings no text (printable keys arrive as SDL_TEXTINPUT) as a
   key of pbde/view.h, or -1. */
static int special_key(const SDL_KeyboardEvent *e)
{
    SDL_Keycode k = e->keysym.sym;
    if ((e->keysym.mod & KMOD_CTRL) && k >= SDLK_a && k <= SDLK_z) return (int)(k - SDLK_a + 1);
    switch (k) {
    case SDLK_LEFT: return VIEW_KEY_LEFT;
    case SDLK_RIGHT: return VIEW_KEY_RIGHT;
    case SDLK_UP: return VIEW_KEY_UP;
    case SDLK_DOWN: return VIEW_KEY_DOWN;
    case SDLK_PAGEUP: return VIEW_KEY_PGUP;
    case SDLK_PAGEDOWN: return VIEW_KEY_PGDN;
    case SDLK_HOME: return VIEW_KEY_HOME;
    case SDLK_END: return VIEW_KEY_END;
    case SDLK_BACKSPACE: return VIEW_KEY_BACKSPACE;
    case SDLK_DELETE: return VIEW_KEY_DELETE;
    case SDLK_TAB: return '\t';
    case SDLK_RETURN:
    case SDLK_KP_ENTER: return VIEW_KEY_ENTER;
    case SDLK_ESCAPE: return VIEW_KEY_ESCAPE;
    default: return -1;
    }
}

static int world_at(gui_t *g, int x, int y, double *wx, double *wy)
{
    return export_world_at(&g->st, &g->ses, &g->layout, x, y, wx, wy);
}

static void handle(gui_t *g, const SDL_Event *e)
{
    double wx, wy;
    switch (e->type) {
    case SDL_QUIT: g->ses.quit = 1; break;
    case SDL_WINDOWEVENT: g->dirty = 1; break;
    case SDL_TEXTINPUT: text_keys(g, e->text.text); break;
    case SDL_KEYDOWN: {
        int k = special_key(&e->key);
        if (k >= 0) key(g, k);
        break;
    }
    case SDL_MOUSEBUTTONDOWN:
        if ((e->button.button == SDL_BUTTON_LEFT || e->button.button == SDL_BUTTON_RIGHT) &&
            world_at(g, e->button.x, e->button.y, &wx, &wy))
            session_press(&g->ses, wx, wy, e->button.button == SDL_BUTTON_RIGHT);
        break;
    case SDL_MOUSEBUTTONUP: session_release(&g->ses); break;
    case SDL_MOUSEMOTION:
        if (world_at(g, e->motion.x, e->motion.y, &wx, &wy))
            session_drag(&g->ses, wx, wy, (e->motion.state & SDL_BUTTON_LMASK) != 0,
                         (e->motion.state & SDL_BUTTON_RMASK) != 0);
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
    return 2;
}

static void gui_free(gui_t *g)
{
    char err[256];
    if (g->rec) video_close(g->rec, 1, err, sizeof err);
    session_free(&g->ses);
    stage_destroy(&g->st);
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
    session_t *ses = &g->ses;
    g->dirty = 1;
    int status = 0;
    while (!ses->quit) {
        SDL_Event e;
        if (SDL_WaitEventTimeout(&e, 15)) {
            handle(g, &e);
            while (!ses->quit && SDL_PollEvent(&e)) handle(g, &e);
        }
        session_tick(ses, pbde_now());
        int changed = stage_poll(&g->st);
        session_sync(ses, &g->st.snap[0], changed > 0);
        if (ses->need_draw) g->dirty = 1;
        if (changed != 0 || g->dirty || shot_after) {
            if (redraw(g) != 0) {
                fprintf(stderr, "pbde gui: out of memory drawing the window\n");
                return 1;
            }
        }
        record_tick(g);
        if (shot_after && g->frames >= shot_after) {
            if (screenshot(g, shot_out) != 0) {
                fprintf(stderr, "pbde gui: %s\n", ses->message);
                status = 1;
            } else {
                /* where the panels are, for the end-to-end test's pixel checks */
                fprintf(stderr, "pbde gui: %s (%dx%d)\n", ses->message, g->img.w, g->img.h);
                for (int i = 0; i < g->layout.n_panels; i++)
                    printf("panel %d %d %d %d\n", g->layout.panel[i].x, g->layout.panel[i].y,
                           g->layout.panel[i].w, g->layout.panel[i].h);
                if (g->layout.caption.w > 0)
                    printf("caption %d %d %d %d %dpx\ntour stop %d/%d step %ld\n",
                           g->layout.caption.x, g->layout.caption.y, g->layout.caption.w,
                           g->layout.caption.h, g->layout.caption_px, ses->stop + 1, ses->tour.n,
                           g->st.snap[0].step);
            }
            ses->quit = 1;
        }
    }
    return status;
}

int gui_run(gui_run_t *r)
{
    char err[1024];
    tour_t tour = r->tour;
    params_t *ps = r->ps;
    int n = r->n, w = r->w, h = r->h;
    const char *facet = r->facet;
    const kernels_t *k = r->k;
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
    g->bilinear = r->bilinear;
    g->ef = font_open(r->font, err, sizeof err);
    if (!g->ef) {
        fprintf(stderr, "pbde gui: %s\n", err);
        tour_free(&tour);
        status = 2;
        goto done;
    }
    g->font = font_raster(g->ef);
    if (stage_create(&g->st, ps, n, facet[0] ? facet : NULL, k, r->paused || tour.n > 0, err,
                     sizeof err) != 0 ||
        session_init(&g->ses, VIEW_FE_GUI, g->st.live, g->st.n, k, &r->vs, &tour, r->user_speed,
                     r->user_cmap, err, sizeof err) != 0) {
        fprintf(stderr, "pbde gui: %s\n", err);
        tour_free(&tour);
        status = 2;
        goto done;
    }
    g->ses.overlay_legend = "winners white, losers red";
    session_set_room(&g->ses, r->room);
    if (r->room_open) session_room(&g->ses, 1, NULL); /* what went wrong shows on the status line */

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
    if (g->ses.tour.n > 0) {
        char title[200];
        snprintf(title, sizeof title, "pbde \xE2\x80\x94 %s",
                 g->ses.tour.title[0] ? g->ses.tour.title : "tour");
        SDL_SetWindowTitle(g->win, title);
    }
    SDL_StartTextInput();
    status = run(g, r->shot_after, r->shot_out);
done:
    gui_free(g);
    free(g);
    SDL_Quit();
    return status;
}
