/* One frame of the terminal explorer, drawn from the snapshot, the view
   model and the front end's own state: header, panels (half-block
   heatmaps with the cursor and the pair overlay), colour bars, cursor
   readout, metrics, braille curves, status line, footer, help overlay.
   Reads state only; cmd_tui.c decides when to draw. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "pbde/annotator.h"
#include "pbde/density.h"
#include "pbde/objective.h"
#include "tui.h"

#define HEADER_ROWS 2
#define BOTTOM_MIN 9  /* colour bar, readout, metrics, curves (4), status, footer */
#define GUTTER 8      /* curve plots: columns for the y labels */

/* Where everything goes on a screen of COLS x LINES. */
typedef struct {
    int n;                          /* panels laid out */
    view_rect_t r[VIEW_MAX_PANELS]; /* heatmaps, in screen cells */
    int bar_y, readout_y, metrics_y, curves_y, curves_h, status_y, footer_y;
    int split_y;                    /* the error split's own row, -1: on the metrics row */
    int caption_y, caption_h;       /* the tour's caption box (caption_h 0: none) */
} screen_t;

/* A tour caption in a box: the text wrapped to the box, at most
   CAPTION_MAX_LINES lines, and never so many that the panels drop below
   PANEL_MIN_ROWS rows. The curves give up their rows first. */
#define CAPTION_MAX_LINES 8
#define PANEL_MIN_ROWS 8
#define CURVE_ROWS 4  /* the part of BOTTOM_MIN the curves take */
#define SPLIT_ROW_MIN 7 /* curve rows needed before the error split takes one of them */

typedef struct {
    char text[TOUR_CAPTION_MAX * 2]; /* as drawn (ASCII on an ASCII terminal) */
    int n, total;                    /* lines shown, lines needed */
    int start[CAPTION_MAX_LINES], len[CAPTION_MAX_LINES];
} caption_t;

static void caption_wrap(caption_t *c, tui_term_t *t, const tui_tour_view_t *tour)
{
    memset(c, 0, sizeof *c);
    if (!tour) return;
    if (tui_term_utf8(t)) snprintf(c->text, sizeof c->text, "%s", tour->caption);
    else tui_ascii(c->text, sizeof c->text, tour->caption);
    int room = LINES - HEADER_ROWS - (BOTTOM_MIN - CURVE_ROWS) - PANEL_MIN_ROWS - 2;
    int max = room < CAPTION_MAX_LINES ? room : CAPTION_MAX_LINES;
    if (max < 1) max = 1;
    c->total = tui_wrap(c->text, COLS - 6, c->start, c->len, CAPTION_MAX_LINES);
    c->n = c->total < max ? c->total : max;
}

static void layout(screen_t *s, int n_panels, int caption_lines)
{
    int caption_h = caption_lines > 0 ? caption_lines + 2 : 0;
    int bottom = caption_h ? BOTTOM_MIN - CURVE_ROWS + caption_h : BOTTOM_MIN;
    int avail = LINES - HEADER_ROWS - bottom;
    memset(s, 0, sizeof *s);
    s->n = n_panels > 0 ? view_layout(s->r, n_panels, COLS - 2, avail, 2.0, 1) : 0;
    int used = 0;
    for (int i = 0; i < s->n; i++) {
        s->r[i].x += 1;
        s->r[i].y += HEADER_ROWS;
        if (s->r[i].y + s->r[i].h > used) used = s->r[i].y + s->r[i].h;
    }
    if (used < HEADER_ROWS) used = HEADER_ROWS;
    s->bar_y = used;
    s->readout_y = used + 1;
    s->metrics_y = used + 2;
    s->caption_y = used + 3;
    s->caption_h = caption_h;
    s->curves_y = s->caption_y + caption_h;
    s->status_y = LINES - 2;
    s->footer_y = LINES - 1;
    s->curves_h = s->status_y - s->curves_y;
    /* the error split gets a row of its own when the curves can spare it */
    s->split_y = -1;
    if (s->curves_h >= SPLIT_ROW_MIN) {
        s->split_y = s->metrics_y + 1;
        s->caption_y++;
        s->curves_y++;
        s->curves_h--;
    }
}

/* ------------------------------------------------------------ helpers */

static const char *key_label(view_action a);

/* Draws text at (y, x) and returns the column after it. */
static int put(tui_term_t *t, int y, int x, tui_role r, const char *s)
{
    if (x >= COLS) return x;
    return x + tui_term_text(t, y, x, COLS - x, r, s);
}

/* Blanks w cells at (y, x) in the normal role (attributes of what was
   drawn before must not leak into them). */
static void blank(tui_term_t *t, int y, int x, int w)
{
    tui_term_role(t, ROLE_NORMAL);
    move(y, x);
    for (int i = 0; i < w && x + i < COLS; i++) addch(' ');
}

static void clear_row(int y)
{
    attr_set(A_NORMAL, 0, NULL);
    move(y, 0);
    clrtoeol();
}

/* "name (sym = value)" of a choice and its main parameter. */
static void with_param(char *buf, size_t n, const char *what, const params_t *p, const char *param,
                       int ascii)
{
    if (!param) {
        snprintf(buf, n, "%s", what);
        return;
    }
    char v[64];
    params_format(p, params_find(param), v, sizeof v);
    snprintf(buf, n, "%s (%s = %s)", what, tui_param_symbol(param, ascii), v);
}

/* ------------------------------------------------------------ header */

static void draw_header(tui_term_t *t, const tui_frame_t *f)
{
    const params_t *p = &f->want;
    const live_snapshot_t *s = f->snap;
    int ascii = !tui_term_utf8(t);
    const char *sep = " \xC2\xB7 ";
    char ann[128], obj[128], buf[64];
    with_param(ann, sizeof ann, annotator_name(p->annotator), p, view_annotator_param(p), ascii);
    with_param(obj, sizeof obj, objective_name(p->objective), p, view_objective_param(p), ascii);

    clear_row(0);
    int x = put(t, 0, 1, ROLE_HEADER, "pbde");
    x = put(t, 0, x, ROLE_DIM, "  p* ");
    char dens[PARAMS_PATH_MAX + 16]; /* image:FILE or image:painted over an image */
    params_format(p, params_find("density"), dens, sizeof dens);
    x = put(t, 0, x, ROLE_VALUE, dens);
    x = put(t, 0, x, ROLE_DIM, sep);
    x = put(t, 0, x, ROLE_DIM, "annotator ");
    x = put(t, 0, x, ROLE_VALUE, ann);
    x = put(t, 0, x, ROLE_DIM, sep);
    x = put(t, 0, x, ROLE_DIM, "objective ");
    x = put(t, 0, x, ROLE_VALUE, obj);
    x = put(t, 0, x, ROLE_DIM, sep);
    snprintf(buf, sizeof buf, "%ld", p->pairs);
    x = put(t, 0, x, ROLE_VALUE, buf);
    put(t, 0, x, ROLE_DIM, " pairs");

    clear_row(1);
    tui_role sr = ROLE_GOOD;
    char state[128];
    if (s->rebuilding) {
        snprintf(state, sizeof state, "rebuilding\xE2\x80\xA6");
        sr = ROLE_WARN;
    } else if (s->state == TRAINER_DIVERGED) {
        snprintf(state, sizeof state, "diverged at step %ld", s->diverged_at);
        sr = ROLE_BAD;
    } else if (s->state == TRAINER_DONE) {
        snprintf(state, sizeof state, "done");
    } else if (s->paused) {
        snprintf(state, sizeof state, "paused");
        sr = ROLE_WARN;
    } else {
        snprintf(state, sizeof state, "training");
    }
    x = put(t, 1, 1, sr, state);
    x = put(t, 1, x, ROLE_DIM, sep);
    x = put(t, 1, x, ROLE_DIM, "step ");
    snprintf(buf, sizeof buf, "%ld", s->step);
    x = put(t, 1, x, ROLE_VALUE, buf);
    /* answering questions, training has no set length: each answer adds steps */
    if (s->human) buf[0] = '\0';
    else snprintf(buf, sizeof buf, " / %ld", s->params.steps);
    x = put(t, 1, x, ROLE_DIM, buf);
    x = put(t, 1, x, ROLE_DIM, sep);
    int running = !s->paused && s->state == TRAINER_TRAINING;
    if (running) {
        char num[32];
        tui_fmt_si(num, sizeof num, s->pairs_per_s);
        x = put(t, 1, x, ROLE_VALUE, num);
        x = put(t, 1, x, ROLE_DIM, " pairs/s");
        x = put(t, 1, x, ROLE_DIM, sep);
    }
    if (f->speed > 0) snprintf(buf, sizeof buf, "speed %g steps/s", f->speed);
    else snprintf(buf, sizeof buf, "speed max");
    x = put(t, 1, x, ROLE_DIM, buf);
    x = put(t, 1, x, ROLE_DIM, sep);
    if (running) {
        snprintf(buf, sizeof buf, "%.0f", f->evals_per_s);
        x = put(t, 1, x, ROLE_VALUE, buf);
        x = put(t, 1, x, ROLE_DIM, " evals/s");
        x = put(t, 1, x, ROLE_DIM, sep);
    }
    if (f->fps > 0) {
        snprintf(buf, sizeof buf, "%.0f", f->fps);
        x = put(t, 1, x, ROLE_VALUE, buf);
        x = put(t, 1, x, ROLE_DIM, " fps");
    } else {
        x = put(t, 1, x, ROLE_DIM, "idle");
    }
    const char *tier = tui_term_describe(t);
    int w = tui_utf8_cols(tier);
    if (COLS - 1 - w > x + 2) put(t, 1, COLS - 1 - w, ROLE_DIM, tier);
}

/* ------------------------------------------------------------ panels */

/* The grid index of world point (x, y) (row-major from (-L, -L)). */
static size_t grid_index(int G, double L, double x, double y)
{
    int gx = (int)floor((x + L) / (2.0 * L) * G), gy = (int)floor((y + L) / (2.0 * L) * G);
    gx = gx < 0 ? 0 : gx >= G ? G - 1 : gx;
    gy = gy < 0 ? 0 : gy >= G ? G - 1 : gy;
    return (size_t)gy * (size_t)G + (size_t)gx;
}

static void pixel_of(tui_pixel_t *px, const view_model_t *vm, const view_panel_t *p, double v)
{
    px->rgb = view_panel_color(vm, p, v);
    px->t = view_panel_t01(p, v);
    px->diverging = p->kind == PANEL_DIVERGING;
    px->mark = 0;
}

/* Marks world point (x, y) with role on a pw x ph pixel buffer. */
static void mark(tui_pixel_t *pix, int pw, int ph, double L, double x, double y, tui_role role)
{
    int i = (int)floor((x + L) / (2.0 * L) * pw), j = (int)floor((L - y) / (2.0 * L) * ph);
    if (i < 0 || j < 0 || i >= pw || j >= ph) return;
    pix[(size_t)j * (size_t)pw + (size_t)i].mark = (uint8_t)role;
}

/* Shortens a panel title that is wider than w columns: first without a
   trailing " (...)", then down to the part of "head \u2014 tail" that
   matters (the formula of "optimum \u2014 formula", the head of the
   others: "p*(x)"), then that without its " (...)"; cut with an ellipsis
   when even that is too wide. */
#define TITLE_MAX 128

static void strip_paren(char *s)
{
    size_t len = strlen(s);
    char *paren = strrchr(s, '(');
    if (paren && paren > s && paren[-1] == ' ' && len > 0 && s[len - 1] == ')') paren[-1] = '\0';
}

static void fit_title(char *buf, int w) /* buf: TITLE_MAX bytes */
{
    if (tui_utf8_cols(buf) <= w) return;
    char cand[3][TITLE_MAX];
    memcpy(cand[0], buf, TITLE_MAX);
    strip_paren(cand[0]);
    memcpy(cand[1], buf, TITLE_MAX);
    const char *sep = " \xE2\x80\x94 ";
    char *dash = strstr(cand[1], sep);
    if (!dash) {
        sep = " - "; /* as tui_ascii spells the dash */
        dash = strstr(cand[1], sep);
    }
    if (dash && strncmp(cand[1], "optimum", 7) == 0) memmove(cand[1], dash + strlen(sep), strlen(dash + strlen(sep)) + 1);
    else if (dash) *dash = '\0';
    memcpy(cand[2], cand[1], TITLE_MAX);
    strip_paren(cand[2]);
    for (int i = 0; i < 3; i++)
        if (tui_utf8_cols(cand[i]) <= w) {
            memcpy(buf, cand[i], TITLE_MAX);
            return;
        }
    if (w < 2) return;
    size_t keep = tui_utf8_fit(cand[2], w - 1);
    while (keep > TITLE_MAX - 4 || (keep > 0 && ((unsigned char)cand[2][keep] & 0xC0) == 0x80))
        keep--; /* room for the ellipsis, on a character boundary */
    memcpy(buf, cand[2], keep);
    memcpy(buf + keep, "\xE2\x80\xA6", 4);
}

static void draw_title(tui_term_t *t, const view_rect_t *r, const char *title)
{
    char buf[TITLE_MAX];
    snprintf(buf, sizeof buf, "%s", title);
    if (!tui_term_utf8(t)) tui_ascii(buf, sizeof buf, title);
    fit_title(buf, r->w);
    int w = tui_utf8_cols(buf);
    int x = r->x + (w < r->w ? (r->w - w) / 2 : 0);
    blank(t, r->y - 1, r->x, r->w);
    tui_term_text(t, r->y - 1, x, r->w, ROLE_TITLE, buf);
}

static void draw_message_panel(tui_term_t *t, const view_rect_t *r, const char *msg)
{
    for (int row = 0; row < r->h; row++) blank(t, r->y + row, r->x, r->w);
    /* a dotted frame, so the empty panel still shows its extent */
    for (int i = 0; i < r->w; i++) {
        tui_term_glyph(t, r->y, r->x + i, ROLE_DIM, 0x00B7, '.');
        tui_term_glyph(t, r->y + r->h - 1, r->x + i, ROLE_DIM, 0x00B7, '.');
    }
    for (int row = 0; row < r->h; row++) {
        tui_term_glyph(t, r->y + row, r->x, ROLE_DIM, 0x00B7, '.');
        tui_term_glyph(t, r->y + row, r->x + r->w - 1, ROLE_DIM, 0x00B7, '.');
    }
    int w = tui_utf8_cols(msg);
    int x = r->x + (w < r->w ? (r->w - w) / 2 : 0);
    tui_term_text(t, r->y + r->h / 2, x, r->w, ROLE_WARN, msg);
}

static const char *mode_title(const tui_frame_t *f, int index, const char *title);
static void brush_ring(tui_pixel_t *pix, int pw, int ph, const tui_frame_t *f);
static void draw_question(tui_term_t *t, const tui_frame_t *f, const view_rect_t *r);

static void draw_panel(tui_term_t *t, const tui_frame_t *f, int index, const view_rect_t *r)
{
    const view_model_t *vm = f->vm;
    const view_panel_t *p = &vm->panels[index];
    draw_title(t, r, mode_title(f, index, p->title));
    if (p->kind == PANEL_MESSAGE || !p->values || vm->G <= 0) {
        draw_message_panel(t, r, p->message[0] ? p->message : "no data");
        return;
    }
    int half = tui_term_half_blocks(t);
    int pw = r->w, ph = r->h * (half ? 2 : 1), G = vm->G;
    double L = vm->L;
    tui_pixel_t *pix = malloc((size_t)pw * (size_t)ph * sizeof *pix);
    if (!pix) return;
    for (int j = 0; j < ph; j++) {
        int gy = G - 1 - (int)(((double)j + 0.5) * G / ph);
        for (int i = 0; i < pw; i++) {
            int gx = (int)(((double)i + 0.5) * G / pw);
            pixel_of(&pix[(size_t)j * (size_t)pw + (size_t)i], vm, p,
                     p->values[(size_t)gy * (size_t)G + (size_t)gx]);
        }
    }
    /* the pair overlay on p* and the learned density */
    const live_snapshot_t *s = f->snap;
    if (vm->overlay && index < 2) {
        /* about one pair per 24 pixels, so the density stays readable */
        size_t show = (size_t)pw * (size_t)ph / 24;
        /* be the annotator: the answers given, newest first */
        int answers = s->human && s->n_answered > 0;
        size_t have = answers ? s->n_answered : s->n_pairs;
        show = show < have ? show : have;
        for (size_t k = 0; k < show; k++) {
            const float *q = answers ? s->answered + 4 * (have - 1 - k) : s->pairs + 4 * k;
            mark(pix, pw, ph, L, (double)q[2], (double)q[3], ROLE_LOSER);
            mark(pix, pw, ph, L, (double)q[0], (double)q[1], ROLE_WINNER);
        }
    }
    if (index == 0) brush_ring(pix, pw, ph, f);
    int cx = (int)floor((vm->cursor_x + L) / (2.0 * L) * r->w);
    int cy = (int)floor((L - vm->cursor_y) / (2.0 * L) * r->h);
    cx = cx < 0 ? 0 : cx >= r->w ? r->w - 1 : cx;
    cy = cy < 0 ? 0 : cy >= r->h ? r->h - 1 : cy;
    for (int row = 0; row < r->h; row++)
        for (int col = 0; col < pw; col++) {
            int py = half ? 2 * row : row;
            const tui_pixel_t *top = &pix[(size_t)py * (size_t)pw + (size_t)col];
            const tui_pixel_t *bot = half ? top + pw : top;
            int glyph = col == cx && row == cy ? '+' : 0;
            tui_term_cell(t, r->y + row, r->x + col, top, bot, col, py, glyph, ROLE_CURSOR);
        }
    free(pix);
    if (index < 2) draw_question(t, f, r);
}

/* A horizontal colour bar of w cells at (y, x). */
static void draw_bar(tui_term_t *t, int y, int x, int w, int diverging, int cmap)
{
    for (int i = 0; i < w; i++) {
        tui_pixel_t px;
        px.t = w > 1 ? (double)i / (double)(w - 1) : 0.5;
        px.rgb = diverging ? view_cmap_diverging(2.0 * px.t - 1.0) : view_cmap(cmap, px.t);
        px.diverging = (uint8_t)diverging;
        px.mark = 0;
        tui_term_cell(t, y, x + i, &px, &px, i, 0, 0, ROLE_NORMAL);
    }
}

static void draw_scales(tui_term_t *t, const tui_frame_t *f, const screen_t *sc)
{
    const view_model_t *vm = f->vm;
    int y = sc->bar_y;
    clear_row(y);
    char lo[48], hi[48];
    int x = 1;
    if (vm->log_scale) {
        snprintf(lo, sizeof lo, "log density %.3g ", vm->scale_lo);
        snprintf(hi, sizeof hi, " %.3g", vm->scale_hi);
    } else {
        snprintf(lo, sizeof lo, "density 0 ");
        snprintf(hi, sizeof hi, " %.3g", vm->scale_hi);
    }
    int barw = COLS / 4 < 40 ? COLS / 4 : 40;
    x = put(t, y, x, ROLE_DIM, lo);
    draw_bar(t, y, x, barw, 0, vm->colormap);
    x += barw;
    x = put(t, y, x, ROLE_DIM, hi);
    char info[96];
    snprintf(info, sizeof info, "  (%s, %s)", vm->log_scale ? "log" : "linear",
             view_cmap_name(vm->colormap));
    x = put(t, y, x, ROLE_DIM, info);
    /* a second bar for the third panel's own scale */
    for (int i = 2; i < vm->n_panels && i < sc->n; i++) {
        const view_panel_t *p = &vm->panels[i];
        if (p->kind != PANEL_DIVERGING && p->kind != PANEL_PROBABILITY) continue;
        const char *name = p->kind == PANEL_DIVERGING ? "log ratio" : "P";
        snprintf(lo, sizeof lo, p->kind == PANEL_DIVERGING ? "   %s %+.2g " : "   %s %.2g ", name,
                 p->lo);
        snprintf(hi, sizeof hi, p->kind == PANEL_DIVERGING ? " %+.2g" : " %.2g", p->hi);
        int w2 = barw / 2 > 8 ? barw / 2 : 8;
        if (x + tui_utf8_cols(lo) + w2 + tui_utf8_cols(hi) >= COLS) break;
        x = put(t, y, x, ROLE_DIM, lo);
        draw_bar(t, y, x, w2, p->kind == PANEL_DIVERGING, vm->colormap);
        x += w2;
        put(t, y, x, ROLE_DIM, hi);
        break;
    }
}

/* ------------------------------------------------------------ readout */

static void draw_readout(tui_term_t *t, const tui_frame_t *f, int y)
{
    const live_snapshot_t *s = f->snap;
    const view_model_t *vm = f->vm;
    clear_row(y);
    if (s->n == 0 || !s->log_true) return;
    size_t i = grid_index(s->G, s->L, vm->cursor_x, vm->cursor_y);
    char buf[96];
    int x = put(t, y, 1, ROLE_DIM, "cursor ");
    snprintf(buf, sizeof buf, "(%.2f, %.2f)", vm->cursor_x, vm->cursor_y);
    x = put(t, y, x, ROLE_VALUE, buf);
    x = put(t, y, x, ROLE_DIM, "   p*(x) ");
    snprintf(buf, sizeof buf, "%.4g", exp(s->log_true[i]));
    x = put(t, y, x, ROLE_VALUE, buf);
    x = put(t, y, x, ROLE_DIM, "   \xCF\x80_\xCE\xB8(x) ");
    snprintf(buf, sizeof buf, "%.4g", s->log_model ? exp(s->log_model[i]) : (double)NAN);
    x = put(t, y, x, ROLE_VALUE, buf);
    x = put(t, y, x, ROLE_DIM, "   theory(x) ");
    if (s->log_theory) snprintf(buf, sizeof buf, "%.4g", exp(s->log_theory[i]));
    else snprintf(buf, sizeof buf, "no closed form");
    x = put(t, y, x, ROLE_VALUE, buf);
    if (s->have_slice && s->slice_annot && s->slice_model && f->vs->third == THIRD_SLICE) {
        snprintf(buf, sizeof buf, "   slice at (%.2f, %.2f)", s->slice_x, s->slice_y);
        put(t, y, x, ROLE_DIM, buf);
    }
}

/* ------------------------------------------------------------ metrics */

/* A metrics line in coloured pieces, measured before it is drawn so the
   longest variant that fits can be chosen. */
#define MLINE_SEGS 16

typedef struct {
    int n;
    char text[MLINE_SEGS][128];
    tui_role role[MLINE_SEGS];
} mline_t;

static int drawn_cols(tui_term_t *t, const char *s);

static void ml_add(mline_t *l, tui_role r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ml_add(mline_t *l, tui_role r, const char *fmt, ...)
{
    if (l->n >= MLINE_SEGS) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->text[l->n], sizeof l->text[l->n], fmt, ap);
    va_end(ap);
    l->role[l->n++] = r;
}

static int ml_cols(tui_term_t *t, const mline_t *l)
{
    int w = 0;
    for (int i = 0; i < l->n; i++) w += drawn_cols(t, l->text[i]);
    return w;
}

/* Draws the first of the n variants that fits on row y (the last one,
   cut, when none does). */
static void ml_draw_fit(tui_term_t *t, int y, const mline_t *v, int n)
{
    int pick = n - 1;
    for (int i = 0; i < n; i++)
        if (1 + ml_cols(t, &v[i]) <= COLS - 1) {
            pick = i;
            break;
        }
    int x = 1;
    for (int i = 0; i < v[pick].n; i++) x = put(t, y, x, v[pick].role[i], v[pick].text[i]);
}

/* Held-out loss, its floor and accuracy: long or short labels. */
static void ml_loss(mline_t *l, const trainer_metrics_t *m, int wide)
{
    ml_add(l, ROLE_DIM, wide ? "   held-out loss " : "  loss ");
    ml_add(l, ROLE_VALUE, "%.4f", m->loss_heldout);
    ml_add(l, ROLE_DIM, wide ? " (Bayes floor " : " \xE2\x89\xA5 ");
    ml_add(l, ROLE_FLOOR, "%.4f", m->loss_bayes);
    if (wide) ml_add(l, ROLE_DIM, ")");
    ml_add(l, ROLE_DIM, wide ? "   accuracy " : "  acc ");
    ml_add(l, ROLE_VALUE, "%.1f%%", 100.0 * m->accuracy);
}

/* The error split: misspecification KL(p*||optimum), what no amount of
   data removes, and estimation KL(optimum||pi_theta), what more pairs and
   steps remove. level 0 spells both out with what they mean, 1 spells
   them out, 2 shortens the KLs, 3 is "miss" / "est" (the help explains). */
static void ml_split(mline_t *l, const live_snapshot_t *s, int level)
{
    const trainer_metrics_t *m = &s->metrics;
    if (!s->log_theory) {
        ml_add(l, ROLE_DIM, level == 0 ? "no optimum for this pairing: the error does not split into "
                                         "misspecification and estimation"
                            : level < 3 ? "no optimum: no misspecification / estimation split"
                                        : "miss -  est -");
        return;
    }
    static const char *const MISS[4] = { "misspecification KL(p*\xE2\x80\x96optimum) ",
                                         "misspecification KL(p*\xE2\x80\x96optimum) ",
                                         "misspec. KL(p*\xE2\x80\x96opt) ", "miss " };
    static const char *const EST[4] = { "estimation KL(optimum\xE2\x80\x96\xCF\x80_\xCE\xB8) ",
                                        "estimation KL(optimum\xE2\x80\x96\xCF\x80_\xCE\xB8) ",
                                        "estim. KL(opt\xE2\x80\x96\xCF\x80_\xCE\xB8) ", "est " };
    ml_add(l, ROLE_DIM, "%s", MISS[level]);
    ml_add(l, ROLE_FLOOR, "%.4f", m->kl_true_theory);
    if (level == 0) ml_add(l, ROLE_DIM, " (infinite data would keep it)");
    ml_add(l, ROLE_DIM, level < 3 ? "   %s" : "  %s", EST[level]);
    if (isfinite(m->kl_theory)) ml_add(l, ROLE_CURVE_B, "%.4f", m->kl_theory);
    else ml_add(l, ROLE_CURVE_B, "-");
    if (level == 0) ml_add(l, ROLE_DIM, " (more pairs and steps shrink it)");
}

/* The metrics: KL(p*||pi_theta), TV, held-out loss against its floor,
   accuracy, and the error split, on row y; the split gets row split_y
   when it is not -1. Labels shorten as the terminal narrows (80 columns
   fit everything). */
static void draw_metrics(tui_term_t *t, const tui_frame_t *f, int y, int split_y)
{
    const live_snapshot_t *s = f->snap;
    const trainer_metrics_t *m = &s->metrics;
    clear_row(y);
    if (split_y >= 0) clear_row(split_y);
    mline_t *v = calloc(4, sizeof *v);
    if (!v) return;
    if (split_y >= 0) {
        for (int wide = 1, i = 0; i < 2; i++, wide = 0) {
            mline_t *l = &v[i];
            ml_add(l, ROLE_DIM, wide ? "KL(p*\xE2\x80\x96\xCF\x80_\xCE\xB8) " : "KL ");
            ml_add(l, ROLE_CURVE_A, "%.4f", m->kl_true);
            ml_add(l, ROLE_DIM, wide ? "   TV " : "  TV ");
            ml_add(l, ROLE_VALUE, "%.3f", m->tv_true);
            ml_loss(l, m, wide);
        }
        ml_draw_fit(t, y, v, 2);
        memset(v, 0, 4 * sizeof *v);
        for (int level = 0; level < 4; level++) ml_split(&v[level], s, level);
        ml_draw_fit(t, split_y, v, 4);
    } else {
        /* one row: the split between KL(p*||pi_theta) and the rest */
        static const int LEVELS[3] = { 1, 2, 3 };
        for (int i = 0; i < 3; i++) {
            mline_t *l = &v[i];
            int wide = i == 0;
            ml_add(l, ROLE_DIM, i < 2 ? "KL(p*\xE2\x80\x96\xCF\x80_\xCE\xB8) " : "KL ");
            ml_add(l, ROLE_CURVE_A, "%.4f", m->kl_true);
            ml_add(l, ROLE_DIM, i < 2 ? "   " : "  ");
            ml_split(l, s, LEVELS[i]);
            ml_add(l, ROLE_DIM, wide ? "   TV " : "  TV ");
            ml_add(l, ROLE_VALUE, "%.3f", m->tv_true);
            ml_loss(l, m, wide);
        }
        ml_draw_fit(t, y, v, 3);
    }
    free(v);
}

/* Resamples history values v(n) at steps(n) onto m points evenly spaced
   in steps from s0 to s1: each takes the latest value at or before it
   (NaN before the first). */
static void resample(double *out, int m, const long *steps, const double *v, size_t n, long s0,
                     long s1)
{
    size_t k = 0;
    for (int c = 0; c < m; c++) {
        double target = m > 1 ? (double)s0 + (double)(s1 - s0) * c / (m - 1) : (double)s1;
        while (k + 1 < n && (double)steps[k + 1] <= target) k++;
        out[c] = n > 0 && (double)steps[k] <= target ? v[k] : (double)NAN;
    }
}

typedef struct {
    const double *v;
    tui_role role;
} series_t;

/* A piece of a title in its own colour (plot titles double as legends). */
typedef struct {
    const char *text;
    tui_role role;
} seg_t;

/* A braille plot of up to 3 series in a w x h cell box at (y, x): y labels
   in the gutter, title on the first row. With logy, values are plotted on
   a log10 axis. */
static void draw_plot(tui_term_t *t, int y, int x, int w, int h, const seg_t *title, int nt,
                      const series_t *ser, int ns, const live_snapshot_t *s, int logy)
{
    int pw = w - GUTTER, ph = h - 1;
    for (int i = 0, tx = x; i < nt && tx < x + w; i++)
        tx += tui_term_text(t, y, tx, x + w - tx, title[i].role, title[i].text);
    if (pw < 4 || ph < 1 || s->n_hist == 0) return;
    int m = 2 * pw;
    long s0 = s->hist_step[0], s1 = s->hist_step[s->n_hist - 1];
    if (s1 <= s0) s1 = s0 + 1;
    double *buf = malloc((size_t)m * (size_t)ns * sizeof *buf);
    uint8_t *cells = calloc((size_t)pw * (size_t)ph * (size_t)ns, 1);
    if (!buf || !cells) {
        free(buf);
        free(cells);
        return;
    }
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (int k = 0; k < ns; k++) {
        double *r = buf + (size_t)k * (size_t)m;
        resample(r, m, s->hist_step, ser[k].v, s->n_hist, s0, s1);
        for (int i = 0; i < m; i++) {
            if (logy) r[i] = r[i] > 0 ? log10(r[i]) : (double)NAN;
            if (isfinite(r[i])) {
                lo = r[i] < lo ? r[i] : lo;
                hi = r[i] > hi ? r[i] : hi;
            }
        }
    }
    if (!(hi >= lo)) {
        lo = 0;
        hi = 1;
    }
    if (hi - lo < 1e-9) {
        hi += 0.5;
        lo -= 0.5;
    }
    for (int k = 0; k < ns; k++)
        tui_braille_plot(cells + (size_t)k * (size_t)pw * (size_t)ph, pw, ph,
                         buf + (size_t)k * (size_t)m, (size_t)m, lo, hi);
    int utf8 = tui_term_utf8(t);
    for (int row = 0; row < ph; row++)
        for (int col = 0; col < pw; col++) {
            uint8_t all = 0;
            tui_role role = ROLE_NORMAL;
            for (int k = ns - 1; k >= 0; k--) { /* the first series wins a shared cell */
                uint8_t b = cells[(size_t)k * (size_t)pw * (size_t)ph + (size_t)row * (size_t)pw +
                                  (size_t)col];
                if (b) {
                    all |= b;
                    role = ser[k].role;
                }
            }
            int cy = y + 1 + row, cx = x + GUTTER + col;
            if (!all) {
                blank(t, cy, cx, 1);
                continue;
            }
            if (utf8) tui_term_glyph(t, cy, cx, role, 0x2800u + all, ' ');
            else tui_term_glyph(t, cy, cx, role, (unsigned char)tui_braille_ascii(all), ' ');
        }
    /* y labels: top, bottom; x range on the bottom row's right */
    char lab[32];
    double top = logy ? pow(10.0, hi) : hi, bottom = logy ? pow(10.0, lo) : lo;
    snprintf(lab, sizeof lab, "%7.3g", top);
    tui_term_text(t, y + 1, x, GUTTER - 1, ROLE_DIM, lab);
    snprintf(lab, sizeof lab, "%7.3g", bottom);
    tui_term_text(t, y + ph, x, GUTTER - 1, ROLE_DIM, lab);
    tui_term_glyph(t, y + 1, x + GUTTER - 1, ROLE_DIM, 0x2524, '+');  /* ┤ */
    tui_term_glyph(t, y + ph, x + GUTTER - 1, ROLE_DIM, 0x2524, '+');
    for (int row = 2; row < ph; row++) tui_term_glyph(t, y + row, x + GUTTER - 1, ROLE_DIM, 0x2502, '|');
    free(buf);
    free(cells);
}

static void draw_curves(tui_term_t *t, const tui_frame_t *f, const screen_t *sc)
{
    const live_snapshot_t *s = f->snap;
    for (int row = 0; row < sc->curves_h; row++) clear_row(sc->curves_y + row);
    if (sc->curves_h < 2) return;
    int w = (COLS - 3) / 2;
    char steps[64];
    snprintf(steps, sizeof steps, "   steps %ld\xE2\x80\x93%ld", s->n_hist ? s->hist_step[0] : 0L,
             s->n_hist ? s->hist_step[s->n_hist - 1] : 0L);
    seg_t lt[] = { { "held-out loss", ROLE_CURVE_A }, { " and its ", ROLE_DIM },
                   { "Bayes floor", ROLE_FLOOR }, { steps, ROLE_DIM } };
    series_t loss[2] = { { s->hist_loss, ROLE_CURVE_A }, { s->hist_bayes, ROLE_FLOOR } };
    draw_plot(t, sc->curves_y, 1, w, sc->curves_h, lt, 4, loss, 2, s, 0);
    seg_t kt[] = { { "KL(p*\xE2\x80\x96\xCF\x80_\xCE\xB8)", ROLE_CURVE_A },
                   { s->log_theory ? " and " : "", ROLE_DIM },
                   { s->log_theory ? "KL(theory\xE2\x80\x96\xCF\x80_\xCE\xB8)" : "", ROLE_CURVE_B },
                   { ", log axis", ROLE_DIM } };
    series_t kl[2] = { { s->hist_kl_true, ROLE_CURVE_A }, { s->hist_kl_theory, ROLE_CURVE_B } };
    draw_plot(t, sc->curves_y, 2 + w, w, sc->curves_h, kt, 4, kl, s->log_theory ? 2 : 1, s, 1);
}

/* ------------------------------------------------------------ learning curve */

static int put_segs(tui_term_t *t, int y, int x, int x_end, const seg_t *seg, int n);

/* The seed-mean of each point of KL(p*||model) (which = 0) or
   KL(optimum||model), log10, NaN where not finished. */
static void lc_means(const curve_t *c, int which, double *out)
{
    for (int i = 0; i < c->n_points; i++) {
        double mean, lo, hi;
        curve_stats(which ? c->kl_opt[i] : c->kl_true[i], c->n_seeds, &mean, &lo, &hi);
        out[i] = mean > 0 && isfinite(mean) ? log10(mean) : (double)NAN;
    }
}

/* The learning-curve panel (key L) in rect r, in place of the third
   panel: KL(p*||model) and the estimation KL(optimum||model) against
   pairs, log-log, with the misspecification KL(p*||optimum) dashed; the
   session's own number of pairs marked under the axis; progress, or what
   the runs were, on the last row. */
static void draw_curve_panel(tui_term_t *t, const tui_frame_t *f, const view_rect_t *r)
{
    const curve_view_t *cv = f->curve;
    draw_title(t, r, r->w >= 44 ? "learning curve \xE2\x80\x94 KL against pairs, log-log"
                                : "learning curve, log-log");
    for (int row = 0; row < r->h; row++) blank(t, r->y + row, r->x, r->w);
    int x0 = r->x, y0 = r->y, w = r->w, h = r->h;
    if (!cv || !cv->c || h < 5 || w < GUTTER + 6) {
        tui_term_text(t, y0 + h / 2, x0, w, ROLE_WARN, cv && cv->error ? cv->error : "computing\xE2\x80\xA6");
        return;
    }
    const curve_t *c = cv->c;
    /* legend */
    int wide = w >= 52, medium = w >= 34;
    seg_t leg[3] = { { wide ? "KL(p*\xE2\x80\x96\xCF\x80_\xCE\xB8)  " : "KL(p*\xE2\x80\x96\xCF\x80) ", ROLE_CURVE_A },
                     { wide  ? "estimation KL(opt\xE2\x80\x96\xCF\x80_\xCE\xB8)  "
                       : medium ? "est KL(opt\xE2\x80\x96\xCF\x80) "
                             : "est ", ROLE_CURVE_B },
                     { wide ? "\xE2\x94\x84 misspecification" : "\xE2\x94\x84 miss", ROLE_FLOOR } };
    if (!tui_term_utf8(t)) leg[2].text = wide ? "-- misspecification" : "-- miss"; /* no ASCII dash glyph */
    put_segs(t, y0, x0, x0 + w, leg, c->have_optimum || cv->running ? 3 : 1);
    /* the plot */
    int pw = w - GUTTER, ph = h - 3, px0 = x0 + GUTTER, py0 = y0 + 1;
    double lo, hi;
    char status[160];
    curve_view_status(cv, w < 48, status, sizeof status);
    tui_term_text(t, y0 + h - 1, x0, w, cv->error ? ROLE_BAD : cv->stale ? ROLE_WARN : ROLE_DIM, status);
    if (!curve_log_range(c, &lo, &hi)) {
        tui_term_text(t, py0 + ph / 2, px0, pw, ROLE_DIM,
                      c->runs_done == 0 ? "the first run builds the optimum\xE2\x80\xA6" : "no finite KL");
        return;
    }
    uint8_t *cells = calloc((size_t)pw * (size_t)ph * 3, 1);
    double *ys = malloc((size_t)(c->n_points > 2 * pw ? c->n_points : 2 * pw) * sizeof *ys);
    if (!cells || !ys) {
        free(cells);
        free(ys);
        return;
    }
    size_t plane = (size_t)pw * (size_t)ph;
    lc_means(c, 0, ys);
    tui_braille_plot(cells, pw, ph, ys, (size_t)c->n_points, lo, hi);
    lc_means(c, 1, ys);
    tui_braille_plot(cells + plane, pw, ph, ys, (size_t)c->n_points, lo, hi);
    if (c->misspec > 0 && isfinite(c->misspec)) {
        for (int i = 0; i < 2 * pw; i++) ys[i] = log10(c->misspec);
        tui_braille_plot(cells + 2 * plane, pw, ph, ys, (size_t)(2 * pw), lo, hi);
        for (int row = 0; row < ph; row++) /* dashed: every third cell left out */
            for (int col = 2; col < pw; col += 3) cells[2 * plane + (size_t)row * (size_t)pw + (size_t)col] = 0;
    }
    static const tui_role ROLES[3] = { ROLE_CURVE_A, ROLE_CURVE_B, ROLE_FLOOR };
    int utf8 = tui_term_utf8(t);
    for (int row = 0; row < ph; row++)
        for (int col = 0; col < pw; col++) {
            uint8_t all = 0;
            tui_role role = ROLE_NORMAL;
            for (int k = 2; k >= 0; k--) { /* KL(p*||model) wins a shared cell */
                uint8_t b = cells[(size_t)k * plane + (size_t)row * (size_t)pw + (size_t)col];
                if (b) {
                    all |= b;
                    role = ROLES[k];
                }
            }
            if (!all) continue;
            if (utf8) tui_term_glyph(t, py0 + row, px0 + col, role, 0x2800u + all, ' ');
            else tui_term_glyph(t, py0 + row, px0 + col, role, (unsigned char)tui_braille_ascii(all), ' ');
        }
    free(cells);
    free(ys);
    /* y labels: the decades at the top and bottom */
    char lab[32];
    snprintf(lab, sizeof lab, "%7.3g", pow(10.0, hi));
    tui_term_text(t, py0, x0, GUTTER - 1, ROLE_DIM, lab);
    snprintf(lab, sizeof lab, "%7.3g", pow(10.0, lo));
    tui_term_text(t, py0 + ph - 1, x0, GUTTER - 1, ROLE_DIM, lab);
    for (int row = 0; row < ph; row++)
        tui_term_glyph(t, py0 + row, px0 - 1, ROLE_DIM, row == 0 || row == ph - 1 ? 0x2524 : 0x2502,
                       row == 0 || row == ph - 1 ? '+' : '|');
    /* x axis: the first and last counts, "pairs", the session's pairs */
    int ay = py0 + ph;
    char a[24], b[24];
    curve_count_label(c->pairs[0], a, sizeof a);
    curve_count_label(c->pairs[c->n_points - 1], b, sizeof b);
    tui_term_text(t, ay, px0, pw, ROLE_DIM, a);
    tui_term_text(t, ay, px0 + pw - (int)strlen(b), (int)strlen(b), ROLE_DIM, b);
    const char *word = pw >= 24 ? "pairs (log)" : "pairs";
    int mid = px0 + (pw - (int)strlen(word)) / 2;
    tui_term_text(t, ay, mid, (int)strlen(word), ROLE_DIM, word);
    double l0 = log2((double)c->pairs[0]), l1 = log2((double)c->pairs[c->n_points - 1]);
    if (cv->pairs_now > 0 && l1 > l0) {
        double u = (log2((double)cv->pairs_now) - l0) / (l1 - l0);
        if (u >= 0 && u <= 1) {
            int col = (int)lround(u * (2 * pw - 1)) / 2;
            tui_term_glyph(t, ay, px0 + col, ROLE_VALUE, 0x2191, '^'); /* the session's pairs */
        }
    }
}

/* ------------------------------------------------------------ tour caption */

/* A row of the box: corners lc and rc, a horizontal line between. */
static void frame_row(tui_term_t *t, int y, int x, int w, unsigned lc, unsigned rc, tui_role r)
{
    tui_term_glyph(t, y, x, r, lc, '+');
    for (int i = 1; i < w - 1; i++) tui_term_glyph(t, y, x + i, r, 0x2500, '-');
    tui_term_glyph(t, y, x + w - 1, r, rc, '+');
}

/* Pieces of text in their roles, drawn one after the other from x (at
   most to x_end); returns the column after the last. */
static int put_segs(tui_term_t *t, int y, int x, int x_end, const seg_t *seg, int n)
{
    for (int i = 0; i < n && x < x_end; i++) x += tui_term_text(t, y, x, x_end - x, seg[i].role, seg[i].text);
    return x;
}

/* Columns text takes once drawn (ASCII spellings are wider). */
static int drawn_cols(tui_term_t *t, const char *s)
{
    if (tui_term_utf8(t)) return tui_utf8_cols(s);
    char buf[512];
    tui_ascii(buf, sizeof buf, s);
    return tui_utf8_cols(buf);
}

static int segs_cols(tui_term_t *t, const seg_t *seg, int n)
{
    int w = 0;
    for (int i = 0; i < n; i++) w += drawn_cols(t, seg[i].text);
    return w;
}

/* Where the stop stands, for the box's bottom right. */
static void stop_state(char *buf, size_t n, const tui_frame_t *f, tui_role *r)
{
    const tui_tour_view_t *tour = f->tour;
    const live_snapshot_t *s = f->snap;
    *r = ROLE_DIM;
    if (!tour->on) snprintf(buf, n, " exploring ");
    else if (s->rebuilding) snprintf(buf, n, " building\xE2\x80\xA6 ");
    else if (s->state == TRAINER_DIVERGED) {
        snprintf(buf, n, " diverged at step %ld ", s->diverged_at);
        *r = ROLE_BAD;
    } else if (s->step < tour->steps && s->state == TRAINER_TRAINING && !s->paused) {
        snprintf(buf, n, " training to step %ld\xE2\x80\xA6 ", tour->steps);
        *r = ROLE_GOOD;
    } else if (tour->stop == tour->n - 1) {
        snprintf(buf, n, " end of tour ");
        *r = ROLE_WARN;
    } else if (tour->steps == 0) snprintf(buf, n, " before training ");
    else snprintf(buf, n, " at step %ld ", s->step);
}

/* The caption in a box: the tour's title and "stop i/n" on the top edge,
   the caption wrapped inside, the tour's keys and the stop's state on the
   bottom edge. Drawn bright while the tour's keys are active, dim while
   exploring. */
static void draw_caption(tui_term_t *t, const tui_frame_t *f, const screen_t *sc, const caption_t *c)
{
    const tui_tour_view_t *tour = f->tour;
    int y = sc->caption_y, h = sc->caption_h, x = 1, w = COLS - 2;
    if (h < 3 || w < 20) return;
    tui_role fr = tour->on ? ROLE_FRAME : ROLE_DIM;
    for (int row = 0; row < h; row++) blank(t, y + row, 0, COLS);
    frame_row(t, y, x, w, 0x250C, 0x2510, fr);      /* ┌ ┐ */
    frame_row(t, y + h - 1, x, w, 0x2514, 0x2518, fr); /* └ ┘ */
    for (int row = 1; row < h - 1; row++) {
        tui_term_glyph(t, y + row, x, fr, 0x2502, '|');
        tui_term_glyph(t, y + row, x + w - 1, fr, 0x2502, '|');
    }
    /* top edge: title left, stop number right */
    char num[48], title[160];
    snprintf(num, sizeof num, " stop %d/%d ", tour->stop + 1, tour->n);
    snprintf(title, sizeof title, " %s ", tour->title && tour->title[0] ? tour->title : "tour");
    int nw = drawn_cols(t, num);
    tui_term_text(t, y, x + 2, w - 4 - nw - 1, fr, title);
    tui_term_text(t, y, x + w - 2 - nw, nw, fr, num);
    /* the caption */
    for (int i = 0; i < c->n; i++) {
        char line[TOUR_CAPTION_MAX * 2];
        int more = i == c->n - 1 && c->total > c->n;
        snprintf(line, sizeof line, "%.*s", c->len[i], c->text + c->start[i]);
        if (more) { /* cut: say so */
            line[tui_utf8_fit(line, w - 5)] = '\0';
            strncat(line, "\xE2\x80\xA6", sizeof line - strlen(line) - 1);
        }
        tui_term_text(t, y + 1 + i, x + 2, w - 4, tour->on ? ROLE_CAPTION : ROLE_NORMAL, line);
    }
    /* bottom edge: the keys left, the state right */
    char st[96];
    tui_role sr;
    stop_state(st, sizeof st, f, &sr);
    int sw = drawn_cols(t, st);
    static const seg_t ON[] = { { " ", ROLE_DIM }, { "space/\xE2\x86\x92", ROLE_KEY },
                                { " next \xC2\xB7 ", ROLE_DIM }, { "\xE2\x86\x90", ROLE_KEY },
                                { " back \xC2\xB7 ", ROLE_DIM }, { "t", ROLE_KEY },
                                { " explore ", ROLE_DIM } };
    static const seg_t OFF[] = { { " ", ROLE_DIM }, { "t", ROLE_KEY },
                                 { " back to the tour \xC2\xB7 ", ROLE_DIM }, { "space", ROLE_KEY },
                                 { " pauses \xC2\xB7 ", ROLE_DIM }, { "arrows", ROLE_KEY },
                                 { " move the cursor ", ROLE_DIM } };
    const seg_t *keys = tour->on ? ON : OFF;
    int nk = tour->on ? (int)(sizeof ON / sizeof ON[0]) : (int)(sizeof OFF / sizeof OFF[0]);
    if (segs_cols(t, keys, nk) + sw + 6 <= w) put_segs(t, y + h - 1, x + 2, x + w - 2, keys, nk);
    if (sw + 4 <= w) tui_term_text(t, y + h - 1, x + w - 2 - sw, sw, sr, st);
}

/* ------------------------------------------------------------ footer, status */

/* The footer's words; the keys come from the key table. */
static const struct {
    view_action a, b; /* b: the paired action (ACT_NONE when single) */
    const char *word;
} FOOTER[] = {
    { ACT_PAUSE, ACT_NONE, "pause" },
    { ACT_STEP, ACT_NONE, "step" },
    { ACT_RESET, ACT_NONE, "reset" },
    { ACT_RESAMPLE, ACT_NONE, "resample" },
    { ACT_ANNOTATOR_NEXT, ACT_ANNOTATOR_PREV, "annotator" },
    { ACT_OBJECTIVE_NEXT, ACT_OBJECTIVE_PREV, "objective" },
    { ACT_DENSITY_NEXT, ACT_DENSITY_PREV, "density" },
    { ACT_ANNOTATE, ACT_NONE, "annotate" },
    { ACT_BRUSH, ACT_NONE, "brush" },
    { ACT_PAIRS_MORE, ACT_PAIRS_FEWER, "pairs" },
    { ACT_OBJ_PARAM_DOWN, ACT_OBJ_PARAM_UP, "obj. param" },
    { ACT_ANN_PARAM_DOWN, ACT_ANN_PARAM_UP, "ann. param" },
    { ACT_SLOWER, ACT_FASTER, "speed" },
    { ACT_OVERLAY, ACT_NONE, "pairs shown" },
    { ACT_THIRD_PANEL, ACT_NONE, "panel" },
    { ACT_LOG_SCALE, ACT_NONE, "log" },
    { ACT_COLORMAP, ACT_NONE, "colours" },
    { ACT_PROMPT, ACT_NONE, "command" },
};

static const char *key_label(view_action a)
{
    size_t n;
    const view_key_t *k = view_keys(&n);
    for (size_t i = 0; i < n; i++)
        if (k[i].action == a && (k[i].frontends & VIEW_FE_TUI)) return k[i].label;
    return NULL;
}

/* Writes "keys word" of footer entry into keys and word; 0 when unbound. */
static int footer_item(view_action a, view_action b, char *keys, size_t n)
{
    const char *ka = key_label(a), *kb = b != ACT_NONE ? key_label(b) : NULL;
    if (!ka) return 0;
    if (kb) snprintf(keys, n, "%s/%s", ka, kb);
    else snprintf(keys, n, "%s", ka);
    return 1;
}

/* The footer: the most used keys from the key table, "? help  q quit" on
   the right. In a tour the tour's keys come first and space is not
   "pause". */
static void draw_footer(tui_term_t *t, const tui_tour_view_t *tour, int y)
{
    clear_row(y);
    char keys[32];
    /* "? help  q quit" always fit on the right */
    const char *kh = key_label(ACT_HELP), *kq = key_label(ACT_QUIT);
    char right[64];
    snprintf(right, sizeof right, "%s help  %s quit", kh ? kh : "?", kq ? kq : "q");
    int right_x = COLS - 1 - tui_utf8_cols(right);
    int x = 1;
    if (tour && tour->on) {
        static const seg_t TOUR[] = { { "space/\xE2\x86\x92", ROLE_KEY }, { " next stop  ", ROLE_DIM },
                                      { "\xE2\x86\x90", ROLE_KEY }, { " back  ", ROLE_DIM },
                                      { "t", ROLE_KEY }, { " explore  ", ROLE_DIM } };
        x = put_segs(t, y, x, right_x, TOUR, (int)(sizeof TOUR / sizeof TOUR[0]));
    } else if (tour) {
        static const seg_t BACK[] = { { "t", ROLE_KEY }, { " tour  ", ROLE_DIM } };
        x = put_segs(t, y, x, right_x, BACK, (int)(sizeof BACK / sizeof BACK[0]));
    }
    for (size_t i = 0; i < sizeof FOOTER / sizeof FOOTER[0]; i++) {
        if (tour && tour->on && FOOTER[i].a == ACT_PAUSE) continue;
        if (!footer_item(FOOTER[i].a, FOOTER[i].b, keys, sizeof keys)) continue;
        int w = tui_utf8_cols(keys) + 1 + tui_utf8_cols(FOOTER[i].word) + 2;
        if (x + w > right_x) break;
        x = put(t, y, x, ROLE_KEY, keys);
        x = put(t, y, x, ROLE_DIM, " ");
        x = put(t, y, x, ROLE_DIM, FOOTER[i].word);
        x += 2;
    }
    int rx = put(t, y, right_x, ROLE_KEY, kh ? kh : "?");
    rx = put(t, y, rx, ROLE_DIM, " help  ");
    rx = put(t, y, rx, ROLE_KEY, kq ? kq : "q");
    put(t, y, rx, ROLE_DIM, " quit");
}

static void draw_status(tui_term_t *t, const tui_frame_t *f, int y)
{
    clear_row(y);
    if (f->prompt_on) {
        const char *s = f->prompt_text ? f->prompt_text : "";
        int x = put(t, y, 1, ROLE_PROMPT, ":");
        /* scroll long input so the cursor stays visible */
        int avail = COLS - x - 2, cur = tui_utf8_cols(s) - tui_utf8_cols(s + f->prompt_cursor);
        const char *from = s;
        while (cur >= avail && *from) {
            from += tui_utf8_fit(from, 1);
            cur--;
        }
        put(t, y, x, ROLE_PROMPT, from);
        /* the cursor: the character under it in reverse video */
        const char *at = from;
        for (int i = 0; i < cur && *at; i++) at += tui_utf8_fit(at, 1);
        char ch[8] = " ";
        if (*at) snprintf(ch, sizeof ch, "%.*s", (int)tui_utf8_fit(at, 1), at);
        attr_set(A_REVERSE, 0, NULL);
        mvaddstr(y, x + cur, ch);
        attr_set(A_NORMAL, 0, NULL);
        return;
    }
    if (f->status[0]) {
        put(t, y, 1, (tui_role)f->status_role, f->status);
        return;
    }
    /* no news: what the state allows next, keys from the key table */
    char buf[256];
    const live_snapshot_t *s = f->snap;
    if (s->state == TRAINER_DIVERGED) {
        snprintf(buf, sizeof buf,
                 "training diverged at step %ld: try a smaller learning rate (:set lr %g), then %s",
                 s->diverged_at, f->want.lr / 10.0, key_label(ACT_RESET));
        put(t, y, 1, ROLE_BAD, buf);
        return;
    }
    const tui_tour_view_t *tour = f->tour;
    int stopped = s->paused || s->state != TRAINER_TRAINING;
    if (s->rebuilding) snprintf(buf, sizeof buf, "building the new world, data and model\xE2\x80\xA6");
    else if (tour && tour->on && stopped && tour->stop == tour->n - 1)
        snprintf(buf, sizeof buf, "end of tour: \xE2\x86\x90 goes back, t explores freely, %s quits",
                 key_label(ACT_QUIT));
    else if (tour && tour->on && stopped)
        snprintf(buf, sizeof buf,
                 "space or \xE2\x86\x92: next stop, \xE2\x86\x90: previous stop; t leaves the "
                 "tour to explore");
    else if (tour && tour->on)
        snprintf(buf, sizeof buf, "training to this stop's step count; %s lists every key",
                 key_label(ACT_HELP));
    else if (s->state == TRAINER_DONE)
        snprintf(buf, sizeof buf,
                 "done: %s trains again, %s resamples the data, %s/%s/%s change the setup, "
                 "%s sets any parameter",
                 key_label(ACT_RESET), key_label(ACT_RESAMPLE), key_label(ACT_ANNOTATOR_NEXT),
                 key_label(ACT_OBJECTIVE_NEXT), key_label(ACT_DENSITY_NEXT), key_label(ACT_PROMPT));
    else if (s->paused)
        snprintf(buf, sizeof buf, "paused: %s resumes, %s takes one step", key_label(ACT_PAUSE),
                 key_label(ACT_STEP));
    else
        snprintf(buf, sizeof buf, "%s lists every key; %s opens the prompt (:set beta 8, :help beta)",
                 key_label(ACT_HELP), key_label(ACT_PROMPT));
    put(t, y, 1, ROLE_DIM, buf);
}

/* ------------------------------------------------------------ help */

static void help_box(tui_term_t *t, int y, int x, int h, int w)
{
    for (int row = 0; row < h; row++) {
        tui_term_role(t, ROLE_HELP);
        move(y + row, x);
        for (int i = 0; i < w && x + i < COLS; i++) addch(' ');
    }
    for (int i = 1; i < w - 1; i++) {
        tui_term_glyph(t, y, x + i, ROLE_HELP, 0x2500, '-');
        tui_term_glyph(t, y + h - 1, x + i, ROLE_HELP, 0x2500, '-');
    }
    for (int row = 1; row < h - 1; row++) {
        tui_term_glyph(t, y + row, x, ROLE_HELP, 0x2502, '|');
        tui_term_glyph(t, y + row, x + w - 1, ROLE_HELP, 0x2502, '|');
    }
    tui_term_glyph(t, y, x, ROLE_HELP, 0x250C, '+');
    tui_term_glyph(t, y, x + w - 1, ROLE_HELP, 0x2510, '+');
    tui_term_glyph(t, y + h - 1, x, ROLE_HELP, 0x2514, '+');
    tui_term_glyph(t, y + h - 1, x + w - 1, ROLE_HELP, 0x2518, '+');
}

static const char *const HELP_EXTRA[] = {
    ":set NAME VALUE   set any parameter (Tab completes)",
    ":save FILE        save the parameters as a scenario",
    ":save-pairs FILE  save your answers (h) as CSV for --pairs-file",
    ":help NAME        what a parameter means and allows",
    "mouse             click a panel to move the cursor",
    "miss, est         misspecification KL(p*\xE2\x80\x96opt), estimation KL(opt\xE2\x80\x96\xCF\x80_\xCE\xB8)",
};

/* In a tour: its keys, before the prompt's commands. Space and the side
   arrows belong to the tour; t hands them back for exploring. */
static const char *const HELP_TOUR[] = {
    "space, ->, PgDn   next tour stop; <-, PgUp: the previous one (rebuilt)",
    "t                 leave the tour: arrows move the cursor, space pauses;",
    "                  t again returns to the stop",
    "up, down, mouse   move the cursor during the tour",
};

/* The key table's help text, as it reads in a tour whose keys are on. */
static const char *key_help(const view_key_t *k, const tui_tour_view_t *tour)
{
    if (!tour || !tour->on) return k->help;
    switch (k->action) {
    case ACT_PAUSE: return "pause / resume (after t)";
    case ACT_CURSOR_LEFT: return "move the cursor left (after t)";
    case ACT_CURSOR_RIGHT: return "move the cursor right (after t)";
    default: return k->help;
    }
}

/* The help box: every key of the terminal front end, in as few columns as
   the height allows (each at least HELP_MIN_COL wide), then the tour's
   keys and the prompt's commands when they fit. */
#define HELP_MIN_COL 34
#define HELP_LABEL 7

static void draw_help(tui_term_t *t, const tui_tour_view_t *tour)
{
    size_t n;
    const view_key_t *keys = view_keys(&n);
    const char *extra_text[16];
    int extra = 0, count = 0, need = 0;
    for (size_t i = 0; tour && i < sizeof HELP_TOUR / sizeof HELP_TOUR[0]; i++)
        extra_text[extra++] = HELP_TOUR[i];
    for (size_t i = 0; i < sizeof HELP_EXTRA / sizeof HELP_EXTRA[0]; i++) extra_text[extra++] = HELP_EXTRA[i];
    for (size_t i = 0; i < n; i++) {
        if (!(keys[i].frontends & VIEW_FE_TUI)) continue;
        count++;
        int w = HELP_LABEL + tui_utf8_cols(key_help(&keys[i], tour)) + 2;
        need = w > need ? w : need;
    }
    int cols = 0, rows = 0, colw = 0, show_extra = 1;
    for (int pass = 0; pass < 2 && !cols; pass++) {
        show_extra = pass == 0;
        for (int c = 1; c <= 3; c++) {
            int r = (count + c - 1) / c, w = (COLS - 6) / c;
            w = w < need ? w : need;
            if (w < HELP_MIN_COL) break;
            if (r + (show_extra ? extra + 1 : 0) + 4 <= LINES - 2) {
                cols = c;
                rows = r;
                colw = w;
                break;
            }
        }
    }
    if (!cols) { /* tiny: one column, cut */
        cols = 1;
        rows = LINES - 6;
        colw = COLS - 6;
        show_extra = 0;
    }
    int h = rows + (show_extra ? extra + 1 : 0) + 4, w = cols * colw + 4;
    if (show_extra)
        for (int i = 0; i < extra; i++) {
            int ew = tui_utf8_cols(extra_text[i]) + 4;
            if (ew > w) w = ew < COLS - 2 ? ew : COLS - 2;
        }
    if (w < 40 && COLS >= 44) w = 40;
    int y0 = (LINES - h) / 2, x0 = (COLS - w) / 2;
    help_box(t, y0, x0, h, w);
    tui_term_text(t, y0, x0 + 2, w - 4, ROLE_HELP, " pbde keys ");
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(keys[i].frontends & VIEW_FE_TUI)) continue;
        int row = k % rows, col = k / rows;
        k++;
        if (col >= cols) break;
        int y = y0 + 1 + row, x = x0 + 2 + col * colw;
        tui_term_text(t, y, x, HELP_LABEL, ROLE_KEY, keys[i].label);
        tui_term_text(t, y, x + HELP_LABEL, colw - HELP_LABEL - 1, ROLE_HELP, key_help(&keys[i], tour));
    }
    if (show_extra)
        for (int i = 0; i < extra; i++)
            tui_term_text(t, y0 + 2 + rows + i, x0 + 2, w - 4, ROLE_HELP, extra_text[i]);
    tui_term_text(t, y0 + h - 2, x0 + 2, w - 4, ROLE_DIM, "press any key to close this help");
}

/* ------------------------------------------------------------ modes */

/* The panels' titles say what they show while you answer or paint. */
static const char *mode_title(const tui_frame_t *f, int index, const char *title)
{
    const view_annot_t *an = f->annot;
    if (!an || an->mode == VIEW_MODE_NORMAL) return title;
    if (an->mode == VIEW_MODE_ANNOTATE) {
        if (index == 0) return "p*: hidden annotator (for the metrics)";
        if (index == 1) return "\xCF\x80_\xCE\xB8: what your answers imply";
    } else if (index == 0) {
        return "p* (you paint it)";
    }
    return title;
}

/* The brush on p*: a ring of its radius around the cursor. */
static void brush_ring(tui_pixel_t *pix, int pw, int ph, const tui_frame_t *f)
{
    const view_annot_t *an = f->annot;
    if (!an || an->mode != VIEW_MODE_BRUSH) return;
    double L = f->vm->L, rad = 2.0 * L * an->radius / PARAMS_IMAGE_SIDE;
    for (int k = 0; k < 256; k++) {
        double th = 2.0 * M_PI * k / 256.0;
        double x = f->vm->cursor_x + rad * cos(th), y = f->vm->cursor_y + rad * sin(th);
        int i = (int)floor((x + L) / (2.0 * L) * pw), j = (int)floor((L - y) / (2.0 * L) * ph);
        if (i < 0 || j < 0 || i >= pw || j >= ph) continue;
        pix[(size_t)j * (size_t)pw + (size_t)i].mark = an->erase ? ROLE_LOSER : ROLE_CURSOR;
    }
}

/* One big label over the panel at world point (x, y): " A " in reverse
   video, centred on the point's cell. */
static void question_mark(tui_term_t *t, const view_rect_t *r, double L, double x, double y,
                          const char *label, tui_role role)
{
    int cx = (int)floor((x + L) / (2.0 * L) * r->w), cy = (int)floor((L - y) / (2.0 * L) * r->h);
    cx = cx < 0 ? 0 : cx >= r->w ? r->w - 1 : cx;
    cy = cy < 0 ? 0 : cy >= r->h ? r->h - 1 : cy;
    int x0 = r->x + cx - 1;
    if (x0 < r->x) x0 = r->x;
    if (x0 + 3 > r->x + r->w) x0 = r->x + r->w - 3;
    tui_term_role(t, role);
    attron(A_REVERSE | A_BOLD);
    mvaddstr(r->y + cy, x0, label);
    attroff(A_REVERSE | A_BOLD);
}

/* Annotate mode: A and B on p* and the learned panel. */
static void draw_question(tui_term_t *t, const tui_frame_t *f, const view_rect_t *r)
{
    const view_annot_t *an = f->annot;
    if (!an || an->mode != VIEW_MODE_ANNOTATE || !an->have_question || r->w < 3) return;
    double L = f->vm->L;
    question_mark(t, r, L, (double)an->q[0], (double)an->q[1], " A ", ROLE_WARN);
    question_mark(t, r, L, (double)an->q[2], (double)an->q[3], " B ", ROLE_VALUE);
}

/* The mode's line under the colour bar: the question, or the brush. */
static void draw_mode_line(tui_term_t *t, const tui_frame_t *f, int y)
{
    const view_annot_t *an = f->annot;
    char buf[256];
    clear_row(y);
    if (an->mode == VIEW_MODE_ANNOTATE) {
        view_annot_prompt(buf, sizeof buf, an, !tui_term_utf8(t));
        int x = put(t, y, 1, ROLE_PROMPT, buf);
        if (an->skipped > 0 && x + 16 < COLS) {
            snprintf(buf, sizeof buf, " \xC2\xB7 %ld skipped", an->skipped);
            put(t, y, x, ROLE_DIM, buf);
        }
        return;
    }
    snprintf(buf, sizeof buf, "brush at (%.2f, %.2f)", f->vs->cursor_x, f->vs->cursor_y);
    int x = put(t, y, 1, ROLE_PROMPT, buf);
    const live_snapshot_t *s = f->snap;
    if (s->n > 0 && s->log_true) {
        size_t i = grid_index(s->G, s->L, f->vs->cursor_x, f->vs->cursor_y);
        x = put(t, y, x, ROLE_DIM, "   p*(x) ");
        snprintf(buf, sizeof buf, "%.4g", exp(s->log_true[i]));
        x = put(t, y, x, ROLE_VALUE, buf);
    }
    snprintf(buf, sizeof buf, "   radius %d   ", an->radius);
    x = put(t, y, x, ROLE_DIM, buf);
    x = put(t, y, x, an->erase ? ROLE_BAD : ROLE_GOOD, an->erase ? "erasing" : "painting");
    x = put(t, y, x, ROLE_DIM, "   pen ");
    x = put(t, y, x, an->pen ? ROLE_WARN : ROLE_DIM, an->pen ? "down" : "up");
    if (an->dirty) put(t, y, x, ROLE_DIM, "   (applying\xE2\x80\xA6)");
}

/* The footer in a mode: its own keys from the key table, then how to
   leave. */
static void draw_mode_footer(tui_term_t *t, const view_annot_t *an, int y)
{
    clear_row(y);
    size_t n;
    const view_key_t *k = view_keys(&n);
    const char *leave = an->mode == VIEW_MODE_ANNOTATE ? "h/Esc" : "b/Esc";
    const char *name = an->mode == VIEW_MODE_ANNOTATE ? "annotate" : "brush";
    int x = put(t, y, 1, ROLE_WARN, name);
    x += 2;
    for (size_t i = 0; i < n; i++) {
        if (k[i].mode != an->mode || !(k[i].frontends & VIEW_FE_TUI) ||
            k[i].action == ACT_MODE_EXIT)
            continue;
        /* "annotate: A is better" -> "A is better" */
        const char *word = strchr(k[i].help, ':');
        word = word ? word + 2 : k[i].help;
        int w = tui_utf8_cols(k[i].label) + 1 + tui_utf8_cols(word) + 2;
        if (x + w > COLS - 14) break;
        x = put(t, y, x, ROLE_KEY, k[i].label);
        x = put(t, y, x, ROLE_DIM, " ");
        x = put(t, y, x, ROLE_DIM, word);
        x += 2;
    }
    int rx = put(t, y, COLS - 13, ROLE_KEY, leave);
    put(t, y, rx, ROLE_DIM, " leave");
}

/* ------------------------------------------------------------ frame */

static void draw_too_small(tui_term_t *t)
{
    char msg[128];
    snprintf(msg, sizeof msg, "enlarge the terminal (need %dx%d, have %dx%d)", TUI_MIN_COLS,
             TUI_MIN_ROWS, COLS, LINES);
    int w = tui_utf8_cols(msg);
    int x = w < COLS ? (COLS - w) / 2 : 0;
    tui_term_text(t, LINES / 2, x, COLS - x, ROLE_WARN, msg);
}

void tui_draw(tui_term_t *t, const tui_frame_t *f, tui_hit_t *hit)
{
    memset(hit, 0, sizeof *hit);
    tui_term_frame(t);
    tui_term_role(t, ROLE_NORMAL);
    erase();
    if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_ROWS) {
        draw_too_small(t);
        return;
    }
    screen_t sc;
    caption_t cap;
    caption_wrap(&cap, t, f->tour);
    layout(&sc, f->vm->n_panels, f->tour ? cap.n : 0);
    draw_header(t, f);
    for (int i = 0; i < sc.n; i++) {
        if (i == 2 && f->curve) { /* the learning curve takes the third panel's place */
            draw_curve_panel(t, f, &sc.r[i]);
            hit->r[i] = (view_rect_t){ 0, 0, 0, 0 };
            hit->density[i] = 0;
            continue;
        }
        draw_panel(t, f, i, &sc.r[i]);
        hit->r[i] = sc.r[i];
        hit->density[i] = f->vm->panels[i].kind != PANEL_MESSAGE;
    }
    hit->n = sc.n;
    draw_scales(t, f, &sc);
    if (f->annot && f->annot->mode != VIEW_MODE_NORMAL) draw_mode_line(t, f, sc.readout_y);
    else draw_readout(t, f, sc.readout_y);
    draw_metrics(t, f, sc.metrics_y, sc.split_y);
    if (f->tour) draw_caption(t, f, &sc, &cap);
    draw_curves(t, f, &sc);
    draw_status(t, f, sc.status_y);
    if (f->annot && f->annot->mode != VIEW_MODE_NORMAL) draw_mode_footer(t, f->annot, sc.footer_y);
    else draw_footer(t, f->tour, sc.footer_y);
    if (f->vs->help) draw_help(t, f->tour);
}

int tui_hit_world(const tui_hit_t *hit, double L, int y, int x, double *wx, double *wy)
{
    for (int i = 0; i < hit->n; i++) {
        const view_rect_t *r = &hit->r[i];
        if (x < r->x || x >= r->x + r->w || y < r->y || y >= r->y + r->h) continue;
        *wx = -L + 2.0 * L * ((double)(x - r->x) + 0.5) / (double)r->w;
        *wy = L - 2.0 * L * ((double)(y - r->y) + 0.5) / (double)r->h;
        return 1;
    }
    return 0;
}
