/* pbde in a browser: the explorer compiled to WebAssembly, a third front
   end over the same session layer as the terminal and the window. The
   page's script (web/pbde.js) calls the functions below: it starts the
   explorer from the address's parameters, hands over keys (code points
   and VIEW_KEY_*), mouse and touch points, and asks every animation
   frame for the picture, which the RGB rasteriser draws exactly as the
   window does (the window's keys, panels, prompt, tours, modes, facets).
   There are no threads here: the stage pumps each training run for a
   slice of every frame, so the page never freezes. Text is drawn by the
   browser's own fonts (a canvas), through the rasteriser's font
   interface, and kept in a small cache. */
#include <emscripten.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/export.h"
#include "pbde/scenario.h"
#include "pbde/session.h"
#include "pbde/web_app.h"

#define WEB_TEXT_CACHE 1024 /* texts kept; all are dropped when it is full */
#define WEB_OUT_MAX 16384

typedef struct {
    char *text;
    int px;
    raster_mask_t mask;
} web_text_t;

typedef struct {
    stage_t st;
    session_t ses;
    raster_layout_t layout;
    export_frame_t frame;
    raster_image_t img;         /* the rasteriser's RGB picture */
    unsigned char *rgba;        /* the same for the canvas */
    size_t rgba_cap;
    raster_font_t font;
    web_text_t texts[WEB_TEXT_CACHE];
    int n_texts;
    unsigned char *glyphs;      /* the browser's coverage of the text asked for */
    size_t glyphs_cap;
    int bilinear, dirty, started;
    long frames;
    char tour_arg[256], scenario_arg[256], facet_arg[256];
    char out[WEB_OUT_MAX];      /* the texts handed to the page */
} web_t;

static web_t *W;

/* ------------------------------------------------------------ text */

/* Renders utf8 at px pixels with the page's sans-serif font into buf
   (cap bytes, coverage 0-255 row-major) and writes its width and height
   to wh[0], wh[1]. Returns the bytes it needs (nothing written when
   larger than cap). The height is the font's line height at px, the
   same for every text of that size. */
EM_JS(int, web_js_text, (const char *utf8, int px, unsigned char *buf, int cap, int *wh), {
    const s = UTF8ToString(utf8);
    if (!Module.pbdeText) Module.pbdeText = document.createElement("canvas");
    const c = Module.pbdeText;
    let g = c.getContext("2d", { willReadFrequently: true });
    const font = px + "px 'DejaVu Sans', 'Noto Sans', 'Helvetica Neue', Arial, sans-serif";
    g.font = font;
    const m = g.measureText("Hg\u2016\u03b8");
    const asc = Math.ceil(m.fontBoundingBoxAscent || px * 0.95);
    const desc = Math.ceil(m.fontBoundingBoxDescent || px * 0.25);
    const w = Math.max(1, Math.ceil(g.measureText(s).width) + 1);
    const h = Math.max(1, asc + desc);
    HEAP32[wh >> 2] = w;
    HEAP32[(wh >> 2) + 1] = h;
    if (w * h > cap) return w * h;
    if (c.width < w || c.height < h) {
        c.width = Math.max(c.width, w);
        c.height = Math.max(c.height, h);
        g = c.getContext("2d", { willReadFrequently: true });
    }
    g.clearRect(0, 0, w, h);
    g.font = font;
    g.fillStyle = "#fff";
    g.textBaseline = "alphabetic";
    g.fillText(s, 0, asc);
    const d = g.getImageData(0, 0, w, h).data;
    for (let i = 0, n = w * h; i < n; i++) HEAPU8[buf + i] = d[i * 4 + 3];
    return w * h;
});

static int web_text(void *ctx, const char *utf8, int px, raster_mask_t *out)
{
    web_t *w = ctx;
    for (int i = 0; i < w->n_texts; i++)
        if (w->texts[i].px == px && strcmp(w->texts[i].text, utf8) == 0) {
            *out = w->texts[i].mask;
            return 0;
        }
    if (w->n_texts == WEB_TEXT_CACHE) {
        for (int i = 0; i < w->n_texts; i++) {
            free(w->texts[i].text);
            free((void *)w->texts[i].mask.a);
        }
        w->n_texts = 0;
    }
    int wh[2];
    int need = web_js_text(utf8, px, w->glyphs, (int)w->glyphs_cap, wh);
    if (need <= 0) return -1;
    if ((size_t)need > w->glyphs_cap) {
        unsigned char *g = realloc(w->glyphs, (size_t)need);
        if (!g) return -1;
        w->glyphs = g;
        w->glyphs_cap = (size_t)need;
        need = web_js_text(utf8, px, w->glyphs, (int)w->glyphs_cap, wh);
    }
    web_text_t *t = &w->texts[w->n_texts];
    t->text = strdup(utf8);
    unsigned char *a = malloc((size_t)need);
    if (!t->text || !a) {
        free(t->text);
        free(a);
        return -1;
    }
    memcpy(a, w->glyphs, (size_t)need);
    t->px = px;
    t->mask.a = a;
    t->mask.w = wh[0];
    t->mask.h = wh[1];
    w->n_texts++;
    *out = t->mask;
    return 0;
}

/* ------------------------------------------------------------ the page's state */

/* Appends "name=value" for every parameter of p that differs from the
   defaults, '&'-separated, URL-encoded, to out. */
static void params_query(const params_t *p, char *out, size_t n)
{
    params_t def;
    params_defaults(&def);
    size_t nt, o = strlen(out);
    const param_def_t *tab = params_table(&nt);
    for (size_t i = 0; i < nt; i++) {
        char va[PARAMS_PATH_MAX + 16], vb[PARAMS_PATH_MAX + 16];
        params_format(p, &tab[i], va, sizeof va);
        params_format(&def, &tab[i], vb, sizeof vb);
        if (strcmp(va, vb) == 0 || strcmp(tab[i].name, "threads") == 0) continue;
        int k = snprintf(out + o, n - o, "%s%s=", o ? "&" : "", tab[i].name);
        if (k < 0 || (size_t)k >= n - o) return;
        o += (size_t)k;
        for (const unsigned char *c = (const unsigned char *)va; *c && o + 4 < n; c++) {
            if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                *c == '-' || *c == '_' || *c == '.' || *c == ',')
                out[o++] = (char)*c;
            else o += (size_t)snprintf(out + o, n - o, "%%%02X", *c);
        }
        out[o] = '\0';
    }
}

/* JSON string escaping of s into out at *o. */
static void json_str(char *out, size_t n, size_t *o, const char *s)
{
    if (*o + 2 >= n) return;
    out[(*o)++] = '"';
    for (const unsigned char *c = (const unsigned char *)s; *c && *o + 8 < n; c++) {
        if (*c == '"' || *c == '\\') {
            out[(*o)++] = '\\';
            out[(*o)++] = (char)*c;
        } else if (*c < 0x20) *o += (size_t)snprintf(out + *o, n - *o, "\\u%04x", *c);
        else out[(*o)++] = (char)*c;
    }
    out[(*o)++] = '"';
    out[*o] = '\0';
}

/* ------------------------------------------------------------ exported */

/* Starts the explorer. args: the address's parameters, one "name=value"
   a line, already decoded: scenario (a demo's name), tour (a tour's
   name) and stop (1-based), facet (NAME=v1,v2,...), paused (1),
   kernels (read by the page, as PBDE_KERNELS), and any parameter of pbde's registry. Returns 0, or -1 with the reason in
   pbde_web_error(). */
EMSCRIPTEN_KEEPALIVE
int pbde_web_start(const char *args)
{
    static char err[1024];
    if (W) return 0;
    setenv("PBDE_DEMOS", "/demos", 1);
    web_t *w = calloc(1, sizeof *w);
    if (!w) return -1;
    W = w;
    snprintf(w->out, sizeof w->out, "%s", "");
    params_t p;
    params_defaults(&p);
    int paused = 0, stop = 1;
    const char *facet = NULL;
    /* a scenario first: the other parameters change it */
    char line[1024];
    for (int pass = 0; pass < 2; pass++) {
        const char *s = args ? args : "";
        while (*s) {
            size_t len = strcspn(s, "\n");
            snprintf(line, sizeof line, "%.*s", (int)len, s);
            s += len + (s[len] == '\n');
            char *eq = strchr(line, '=');
            if (!eq) continue;
            *eq = '\0';
            const char *name = line, *value = eq + 1;
            int is_scenario = strcmp(name, "scenario") == 0;
            if (pass == 0) {
                if (!is_scenario) continue;
                char path[4096];
                snprintf(w->scenario_arg, sizeof w->scenario_arg, "%s", value);
                scenario_resolve(value, path, sizeof path);
                if (scenario_load(path, &p, err, sizeof err) != 0) goto fail;
                continue;
            }
            if (is_scenario) continue;
            if (strcmp(name, "tour") == 0) snprintf(w->tour_arg, sizeof w->tour_arg, "%s", value);
            else if (strcmp(name, "stop") == 0) stop = atoi(value);
            else if (strcmp(name, "paused") == 0) paused = strcmp(value, "0") != 0;
            else if (strcmp(name, "kernels") == 0) continue; /* the page sets PBDE_KERNELS */
            else if (strcmp(name, "facet") == 0) {
                snprintf(w->facet_arg, sizeof w->facet_arg, "%s", value);
                facet = w->facet_arg;
            } else if (params_set(&p, name, value, err, sizeof err) != 0) goto fail;
        }
    }
    /* one thread: the page has no others (the trainer's split of a step
       over threads would change the order of its sums) */
    p.threads = 1;
    if (params_check(&p, err, sizeof err) != 0) goto fail;
    const kernels_t *k = kernels_select(getenv("PBDE_KERNELS"));
    if (!k) {
        snprintf(err, sizeof err, "PBDE_KERNELS: no kernel set named '%s'", getenv("PBDE_KERNELS"));
        goto fail;
    }
    view_state_t vs;
    view_state_from_params(&vs, &p);
    tour_t tour = { "", 0, NULL };
    params_t ps[STAGE_MAX];
    int n = 1;
    char fname[32] = "";
    ps[0] = p;
    if (w->tour_arg[0]) {
        if (facet) {
            snprintf(err, sizeof err, "tour and facet: a tour shows one training run per stop");
            goto fail;
        }
        if (export_tour_open(w->tour_arg, &tour, err, sizeof err) != 0) goto fail;
        for (int i = 0; i < tour.n; i++) tour.stops[i].params.threads = 1;
        ps[0] = tour.stops[0].params;
        view_state_from_params(&vs, &ps[0]);
    } else if (facet && stage_parse_facet(facet, &p, ps, &n, fname, sizeof fname, err, sizeof err) != 0)
        goto fail;
    if (stage_create(&w->st, ps, n, fname[0] ? fname : NULL, k, paused || tour.n > 0, err,
                     sizeof err) != 0) {
        tour_free(&tour);
        goto fail;
    }
    if (session_init(&w->ses, VIEW_FE_GUI, w->st.live, w->st.n, k, &vs, &tour, 0, 0, err,
                     sizeof err) != 0) {
        tour_free(&tour);
        goto fail;
    }
    w->ses.overlay_legend = "winners white, losers red";
    w->ses.room_unavailable = "a page cannot serve a room: pbde --room on a computer the phones reach does";
    for (int i = 1; i < stop && w->ses.tour.n > 0 && i < w->ses.tour.n; i++)
        session_key(&w->ses, VIEW_KEY_RIGHT);
    w->font.ctx = w;
    w->font.text = web_text;
    w->started = 1;
    w->dirty = 1;
    return 0;
fail:
    snprintf(w->out, sizeof w->out, "%s", err);
    return -1;
}

/* The reason pbde_web_start failed. */
EMSCRIPTEN_KEEPALIVE
const char *pbde_web_error(void) { return W ? W->out : "out of memory"; }

/* One animation frame at canvas size w x h: the session's turn, a slice
   of training for every run, and the picture. Returns the RGBA pixels
   (w * h * 4) when the picture changed, else NULL (the canvas keeps the
   last one). */
EMSCRIPTEN_KEEPALIVE
unsigned char *pbde_web_frame(int w, int h)
{
    web_t *g = W;
    if (!g || !g->started || w < 16 || h < 16) return NULL;
    session_t *ses = &g->ses;
    session_tick(ses, pbde_now());
    int changed = stage_poll(&g->st);
    session_sync(ses, &g->st.snap[0], changed > 0);
    if (ses->need_draw) g->dirty = 1;
    if (g->img.w != w || g->img.h != h) {
        unsigned char *px = realloc(g->img.px, (size_t)w * (size_t)h * 3);
        if (!px) return NULL;
        g->img.px = px;
        g->img.w = w;
        g->img.h = h;
        g->dirty = 1;
    }
    if (changed == 0 && !g->dirty) return NULL;
    raster_scene_t sc;
    export_session_scene(&g->st, ses, &g->frame, g->bilinear, 0, &sc);
    raster_draw(&g->img, &sc, &g->font, &g->layout);
    size_t need = (size_t)w * (size_t)h * 4;
    if (need > g->rgba_cap) {
        unsigned char *p = realloc(g->rgba, need);
        if (!p) return NULL;
        g->rgba = p;
        g->rgba_cap = need;
    }
    const unsigned char *src = g->img.px;
    unsigned char *dst = g->rgba;
    for (size_t i = 0, np = (size_t)w * (size_t)h; i < np; i++) {
        dst[4 * i] = src[3 * i];
        dst[4 * i + 1] = src[3 * i + 1];
        dst[4 * i + 2] = src[3 * i + 2];
        dst[4 * i + 3] = 255;
    }
    g->frames++;
    g->dirty = 0;
    ses->need_draw = 0;
    return g->rgba;
}

/* A key: a code point or VIEW_KEY_*. Returns the page's own action (the
   window's: fullscreen, screenshot, record) for the script to carry out,
   0 for none; heatmap interpolation is done here. */
EMSCRIPTEN_KEEPALIVE
int pbde_web_key(int key)
{
    if (!W || !W->started) return 0;
    view_action a = session_key(&W->ses, key);
    W->dirty = 1;
    if (a == ACT_INTERPOLATE) {
        W->bilinear = !W->bilinear;
        session_say(&W->ses, VIEW_TONE_NORMAL, W->bilinear ? "heatmaps: bilinear" : "heatmaps: nearest");
        return 0;
    }
    return a == ACT_FULLSCREEN ? 1 : a == ACT_SCREENSHOT ? 2 : a == ACT_RECORD ? 3 : 0;
}

/* A pointer event at canvas pixel (x, y): kind 0 press, 1 move, 2
   release; buttons: bit 0 left (or a touch), bit 1 right. */
EMSCRIPTEN_KEEPALIVE
void pbde_web_pointer(int kind, int x, int y, int buttons)
{
    if (!W || !W->started) return;
    double wx, wy;
    int on = export_world_at(&W->st, &W->ses, &W->layout, x, y, &wx, &wy);
    if (kind == 0 && on) session_press(&W->ses, wx, wy, (buttons & 2) != 0 && !(buttons & 1));
    else if (kind == 1 && on) session_drag(&W->ses, wx, wy, buttons & 1, (buttons & 2) != 0);
    else if (kind == 2) session_release(&W->ses);
    W->dirty = 1;
}

/* Puts a message on the status line (the page's own events: link copied,
   file saved). bad: in the warning tone. */
EMSCRIPTEN_KEEPALIVE
void pbde_web_say(const char *msg, int bad)
{
    if (!W || !W->started) return;
    session_say(&W->ses, bad ? VIEW_TONE_BAD : VIEW_TONE_NORMAL, msg);
    W->dirty = 1;
}

/* The address's query for what is on screen: the run's parameters (as
   asked for, with the view's) that differ from the defaults, the facet,
   or the tour and its stop. */
EMSCRIPTEN_KEEPALIVE
const char *pbde_web_link(void)
{
    if (!W || !W->started) return "";
    char *out = W->out;
    out[0] = '\0';
    size_t o;
    if (W->ses.tour.n > 0 && W->ses.tour_on) {
        snprintf(out, WEB_OUT_MAX, "tour=%s&stop=%d", W->tour_arg, W->ses.stop + 1);
        return out;
    }
    params_t p = W->ses.want;
    view_state_to_params(&W->ses.vs, &p);
    params_query(&p, out, WEB_OUT_MAX);
    o = strlen(out);
    if (W->st.facet[0] && W->facet_arg[0])
        snprintf(out + o, WEB_OUT_MAX - o, "%sfacet=%s", o ? "&" : "", W->facet_arg);
    return out;
}

/* What the screen shows, as JSON, for the page's tests and its readout:
   step, state, the metrics of run 0 (KL, held-out loss and floor,
   accuracy), the objective and annotator, the frames drawn, the status
   line, the kernels, the tour stop, whether the help or prompt is open,
   and the answers given in annotate mode. */
EMSCRIPTEN_KEEPALIVE
const char *pbde_web_state(void)
{
    if (!W || !W->started) return "{}";
    web_t *g = W;
    const live_snapshot_t *s = &g->st.snap[0];
    char state[128], status[512];
    view_tone tn;
    session_state(&g->ses, 1, state, sizeof state, &tn);
    session_status(&g->ses, pbde_now(), status, sizeof status, &tn);
    char *out = g->out;
    size_t n = WEB_OUT_MAX, o = 0;
    o += (size_t)snprintf(out + o, n - o,
                          "{\"step\":%ld,\"steps\":%ld,\"kl\":%.9g,\"loss\":%.9g,\"floor\":%.9g,"
                          "\"accuracy\":%.9g,\"frames\":%ld,\"runs\":%d,\"stop\":%d,\"stops\":%d,"
                          "\"help\":%d,\"prompt\":%d,\"answers\":%ld,\"question\":%ld,\"state\":",
                          s->step, (long)s->params.steps, s->metrics.kl_true, s->metrics.loss_heldout,
                          s->metrics.loss_bayes, s->metrics.accuracy, g->frames, g->st.n, g->ses.stop + 1, g->ses.tour.n,
                          g->ses.vs.help, g->ses.prompt.on, s->n_answers,
                          s->have_question ? s->question_no : 0L);
    json_str(out, n, &o, state);
    o += (size_t)snprintf(out + o, n - o, ",\"status\":");
    json_str(out, n, &o, status);
    o += (size_t)snprintf(out + o, n - o, ",\"objective\":");
    char v[256];
    params_format(&s->params, params_find("objective"), v, sizeof v);
    json_str(out, n, &o, v);
    o += (size_t)snprintf(out + o, n - o, ",\"annotator\":");
    params_format(&s->params, params_find("annotator"), v, sizeof v);
    json_str(out, n, &o, v);
    o += (size_t)snprintf(out + o, n - o, ",\"density\":");
    params_format(&s->params, params_find("density"), v, sizeof v);
    json_str(out, n, &o, v);
    o += (size_t)snprintf(out + o, n - o, ",\"pairs_file\":");
    params_format(&s->params, params_find("pairs-file"), v, sizeof v);
    json_str(out, n, &o, v);
    o += (size_t)snprintf(out + o, n - o, ",\"kernels\":");
    json_str(out, n, &o, g->ses.k ? g->ses.k->name : "");
    o += (size_t)snprintf(out + o, n - o, ",\"layout\":[");
    for (int i = 0; i < g->layout.n_panels && o + 64 < n; i++)
        o += (size_t)snprintf(out + o, n - o, "%s[%d,%d,%d,%d]", i ? "," : "", g->layout.panel[i].x,
                              g->layout.panel[i].y, g->layout.panel[i].w, g->layout.panel[i].h);
    if (o + 2 < n) {
        out[o++] = ']';
        out[o++] = '}';
        out[o] = '\0';
    }
    return out;
}

/* Loads a scenario file the page wrote to path (the file picker) into
   every run, like :set for each of its parameters. Returns 0, or -1 with
   the reason on the status line. */
EMSCRIPTEN_KEEPALIVE
int pbde_web_load_scenario(const char *path)
{
    if (!W || !W->started) return -1;
    char err[1024];
    params_t p;
    params_defaults(&p);
    if (scenario_load(path, &p, err, sizeof err) != 0) {
        pbde_web_say(err, 1);
        return -1;
    }
    p.threads = 1;
    for (int i = 0; i < W->st.n; i++)
        if (live_set_params(W->st.live[i], &p, err, sizeof err) != 0) {
            pbde_web_say(err, 1);
            return -1;
        }
    W->ses.want = p;
    view_state_from_params(&W->ses.vs, &p);
    pbde_web_say("scenario loaded", 0);
    return 0;
}

/* Trains on a pairs CSV the page wrote to path (the pairs-file
   parameter). Returns 0, or -1 with the reason on the status line. */
EMSCRIPTEN_KEEPALIVE
int pbde_web_load_pairs(const char *path)
{
    if (!W || !W->started) return -1;
    char err[1024];
    params_t p = W->ses.want;
    if (params_set(&p, "pairs-file", path, err, sizeof err) != 0 ||
        live_set_params(W->st.live[0], &p, err, sizeof err) != 0) {
        pbde_web_say(err, 1);
        return -1;
    }
    W->ses.want = p;
    pbde_web_say("training on the pairs file", 0);
    return 0;
}

/* Writes the annotate mode's answers to path for the page to download.
   Returns the count written, or -1 with the reason on the status line. */
EMSCRIPTEN_KEEPALIVE
long pbde_web_save_answers(const char *path)
{
    if (!W || !W->started) return -1;
    char err[1024];
    if (live_save_answers(W->st.live[0], path, err, sizeof err) != 0) {
        pbde_web_say(err, 1);
        return -1;
    }
    return live_answer_count(W->st.live[0]);
}

/* A file name for the picture or the answers: the scenario and the step
   ("two-gauss-luce-reward-step2000"). */
EMSCRIPTEN_KEEPALIVE
const char *pbde_web_name(void)
{
    if (!W || !W->started) return "pbde";
    export_scenario_name(&W->st.snap[0], W->out, WEB_OUT_MAX);
    return W->out;
}
