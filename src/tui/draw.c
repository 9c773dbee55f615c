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
    int ticks_x, ticks_y;           /* axis values under / left of the panels fit */
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

/* A tour's caption lines flow as one paragraph (a tour file writes a
   caption in pieces, one line each: wrapped at another width, their own
   line ends would leave ragged lines); an empty line still separates
   paragraphs. */
static void caption_reflow(char *s)
{
    for (char *p = s; *p; p++) {
        if (*p != '\n') continue;
        if (p[1] == '\n') { /* a paragraph break: keep it, and the blank line */
            p++;
            continue;
        }
        *p = ' ';
    }
}

static void caption_wrap(caption_t *c, tui_term_t *t, const tui_tour_view_t *tour)
{
    memset(c, 0, sizeof *c);
    if (!tour) return;
    if (tui_term_utf8(t)) snprintf(c->text, sizeof c->text, "%s", tour->caption);
    else tui_ascii(c->text, sizeof c->text, tour->caption);
    caption_reflow(c->text);
    int room = LINES - HEADER_ROWS - (BOTTOM_MIN - CURVE_ROWS) - PANEL_MIN_ROWS - 2;
    int max = room < CAPTION_MAX_LINES ? room : CAPTION_MAX_LINES;
    if (max < 1) max = 1;
    c->total = tui_wrap(c->text, COLS - 6, c->start, c->len, CAPTION_MAX_LINES);
    c->n = c->total < max ? c->total : max;
}

/* Axis values: -L, 0 and L under each panel (a row of their own) and
   left of it (columns of their own), when the panels are big enough to
   spare the room (TICK_MIN_ROWS) and lose at most a ninth of their side
   (at least a row) to it; only for panels in a single row. */
#define TICK_MIN_ROWS 14

static void tick_label(char *buf, size_t n, double v)
{
    if (v < 0) snprintf(buf, n, "\xE2\x88\x92%g", -v); /* a minus sign */
    else snprintf(buf, n, "%g", v);
}

/* Columns the y values take, with the space before the panel. */
static int tick_cols(double L)
{
    char lo[32], hi[32];
    tick_label(lo, sizeof lo, -L);
    tick_label(hi, sizeof hi, L);
    int a = tui_utf8_cols(lo), b = tui_utf8_cols(hi);
    return (a > b ? a : b) + 1;
}

/* Lays out n panels in width x height with room for the x values (a row)
   and y values (tw columns left of each panel). Returns the panel count,
   or 0 when they do not sit in one row. */
static int place(view_rect_t *r, int n, int width, int height, int row, int tw)
{
    int m = n > 0 ? view_layout(r, n, width - n * tw, height - row, 2.0, 1) : 0;
    for (int i = 1; i < m; i++)
        if (r[i].y != r[0].y) return 0;
    for (int i = 0; i < m; i++) r[i].x += (i + 1) * tw + (n - m) * tw / 2;
    return m;
}

static void layout(screen_t *s, int n_panels, int caption_lines, double L)
{
    int caption_h = caption_lines > 0 ? caption_lines + 2 : 0;
    int bottom = caption_h ? BOTTOM_MIN - CURVE_ROWS + caption_h : BOTTOM_MIN;
    int avail = LINES - HEADER_ROWS - bottom;
    memset(s, 0, sizeof *s);
    s->n = n_panels > 0 ? view_layout(s->r, n_panels, COLS - 2, avail, 2.0, 1) : 0;
    if (s->n > 0 && s->r[0].h >= TICK_MIN_ROWS && L > 0) {
        /* both, the x values alone, the y values alone */
        static const int TRY[3][2] = { { 1, 1 }, { 1, 0 }, { 0, 1 } };
        int tw = tick_cols(L);
        for (int k = 0; k < 3; k++) {
            view_rect_t r[VIEW_MAX_PANELS];
            int m = place(r, n_panels, COLS - 2, avail, TRY[k][0], TRY[k][1] ? tw : 0);
            int loss = s->r[0].h / 9 > 1 ? s->r[0].h / 9 : 1;
            if (m == s->n && r[0].h >= s->r[0].h - loss) {
                memcpy(s->r, r, sizeof r);
                s->ticks_x = TRY[k][0];
                s->ticks_y = TRY[k][1];
                break;
            }
        }
    }
    int used = 0;
    for (int i = 0; i < s->n; i++) {
        s->r[i].x += 1;
        s->r[i].y += HEADER_ROWS;
        if (s->r[i].y + s->r[i].h > used) used = s->r[i].y + s->r[i].h;
    }
    if (used < HEADER_ROWS) used = HEADER_ROWS;
    used += s->ticks_x;
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

static tui_role tone_role(view_tone t)
{
    switch (t) {
    case VIEW_TONE_DIM: return ROLE_DIM;
    case VIEW_TONE_GOOD: return ROLE_GOOD;
    case VIEW_TONE_WARN: return ROLE_WARN;
    case VIEW_TONE_BAD: return ROLE_BAD;
    default: return ROLE_NORMAL;
    }
}

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

/* ------------------------------------------------------------ fitting text */

/* Every text on the frame either fits, shortens by a rule (a shorter
   variant, whole trailing items or words left out) or is left out whole:
   a word is never cut. */

static int drawn_cols(tui_term_t *t, const char *s);

/* s as the terminal draws it: itself, or spelt in ASCII. */
static void as_drawn(tui_term_t *t, char *dst, size_t n, const char *s)
{
    if (tui_term_utf8(t)) snprintf(dst, n, "%s", s);
    else tui_ascii(dst, n, s);
}

/* A line in coloured pieces, measured before it is drawn, in items (a
   label with its value): the longest variant that fits can be chosen,
   or whole trailing items left out. */
#define MLINE_SEGS 16

typedef struct {
    int n;
    char text[MLINE_SEGS][128];
    tui_role role[MLINE_SEGS];
    uint8_t item[MLINE_SEGS];   /* 1: the piece starts an item */
} mline_t;

static void ml_vadd(mline_t *l, int item, tui_role r, const char *fmt, va_list ap)
{
    if (l->n >= MLINE_SEGS) return;
    vsnprintf(l->text[l->n], sizeof l->text[l->n], fmt, ap);
    l->role[l->n] = r;
    l->item[l->n] = (uint8_t)(item || l->n == 0);
    l->n++;
}

/* A piece of the current item, and a piece that starts a new one. */
static void ml_add(mline_t *l, tui_role r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ml_add(mline_t *l, tui_role r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ml_vadd(l, 0, r, fmt, ap);
    va_end(ap);
}

static void ml_item(mline_t *l, tui_role r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ml_item(mline_t *l, tui_role r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ml_vadd(l, 1, r, fmt, ap);
    va_end(ap);
}

static int ml_cols(tui_term_t *t, const mline_t *l)
{
    int w = 0;
    for (int i = 0; i < l->n; i++) w += drawn_cols(t, l->text[i]);
    return w;
}

/* Draws l's items from column x while each fits before x_end; returns
   the column after the last one drawn. */
static int ml_draw_items(tui_term_t *t, int y, int x, int x_end, const mline_t *l)
{
    for (int i = 0; i < l->n;) {
        int j = i + 1, w = drawn_cols(t, l->text[i]);
        while (j < l->n && !l->item[j]) w += drawn_cols(t, l->text[j++]);
        if (x + w > x_end) break;
        for (; i < j; i++) x = put(t, y, x, l->role[i], l->text[i]);
    }
    return x;
}

/* Draws the first of the n variants that fits on row y, or as many whole
   items of the last as fit. */
static void ml_draw_fit(tui_term_t *t, int y, const mline_t *v, int n)
{
    for (int i = 0; i < n; i++)
        if (1 + ml_cols(t, &v[i]) <= COLS - 1) {
            ml_draw_items(t, y, 1, COLS - 1, &v[i]);
            return;
        }
    ml_draw_items(t, y, 1, COLS - 1, &v[n - 1]);
}

/* ------------------------------------------------------------ header */

/* The header: what is being learned (row 0), then the state, the
   speeds and the colour tier (row 1); items that do not fit are left out
   from the end, the tier first. */
static void draw_header(tui_term_t *t, const tui_frame_t *f)
{
    const params_t *p = &f->ses->want;
    const live_snapshot_t *s = f->snap;
    int ascii = !tui_term_utf8(t);
    const char *sep = " \xC2\xB7 ";
    char ann[128], obj[128];
    with_param(ann, sizeof ann, annotator_name(p->annotator), p, view_annotator_param(p), ascii);
    with_param(obj, sizeof obj, objective_name(p->objective), p, view_objective_param(p), ascii);
    mline_t *l = calloc(1, sizeof *l);
    if (!l) return;

    clear_row(0);
    char dens[PARAMS_PATH_MAX + 16]; /* image:FILE or image:painted over an image */
    params_format(p, params_find("density"), dens, sizeof dens);
    ml_item(l, ROLE_HEADER, "pbde");
    ml_item(l, ROLE_DIM, "  p* ");
    if (strlen(dens) >= sizeof l->text[0]) { /* a long image path: its file name */
        const char *base = strrchr(dens, '/');
        char shortname[sizeof l->text[0]];
        snprintf(shortname, sizeof shortname, "image:\xE2\x80\xA6/%.100s", base ? base + 1 : "");
        snprintf(dens, sizeof dens, "%s", shortname);
    }
    ml_add(l, ROLE_VALUE, "%s", dens);
    ml_item(l, ROLE_DIM, "%sannotator ", sep);
    ml_add(l, ROLE_VALUE, "%s", ann);
    ml_item(l, ROLE_DIM, "%sobjective ", sep);
    ml_add(l, ROLE_VALUE, "%s", obj);
    ml_item(l, ROLE_DIM, "%s", sep);
    ml_add(l, ROLE_VALUE, "%ld", p->pairs);
    ml_add(l, ROLE_DIM, " pairs");
    ml_draw_items(t, 0, 1, COLS - 1, l);

    clear_row(1);
    memset(l, 0, sizeof *l);
    char state[128];
    view_tone tn;
    session_state_t st = session_state(f->ses, !tui_term_utf8(t), state, sizeof state, &tn);
    ml_item(l, tone_role(tn), "%s", state);
    ml_item(l, ROLE_DIM, "%sstep ", sep);
    ml_add(l, ROLE_VALUE, "%ld", s->step);
    /* answering questions, training has no set length: each answer adds steps */
    if (!s->human) ml_add(l, ROLE_DIM, " / %ld", s->params.steps);
    int running = st == SESSION_TRAINING;
    if (running) {
        char num[32];
        tui_fmt_si(num, sizeof num, s->pairs_per_s);
        ml_item(l, ROLE_DIM, "%s", sep);
        ml_add(l, ROLE_VALUE, "%s", num);
        ml_add(l, ROLE_DIM, " pairs/s");
    }
    {
        char speed[64];
        session_speed_text(f->ses, speed, sizeof speed);
        ml_item(l, ROLE_DIM, "%s%s", sep, speed);
    }
    if (running) {
        ml_item(l, ROLE_DIM, "%s", sep);
        ml_add(l, ROLE_VALUE, "%.0f", f->evals_per_s);
        ml_add(l, ROLE_DIM, " evals/s");
    }
    if (f->fps > 0) {
        ml_item(l, ROLE_DIM, "%s", sep);
        ml_add(l, ROLE_VALUE, "%.0f", f->fps);
        ml_add(l, ROLE_DIM, " fps");
    } else {
        ml_item(l, ROLE_DIM, "%sidle", sep);
    }
    int x = ml_draw_items(t, 1, 1, COLS - 1, l);
    free(l);
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

/* The pair overlay draws a pair as a segment: dots at 0, 1/4, 1/2 and
   3/4 of the way from the loser to the winner in the loser's colour, the
   winner's end in its own. */
#define PAIR_DOTS 4

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
   others: "p*(x)"), then that without its " (...)"; then its first whole
   words, or nothing. */
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
    tui_fit_words(cand[2], w);
    memcpy(buf, cand[2], TITLE_MAX);
}

static void draw_title(tui_term_t *t, const view_rect_t *r, const char *title)
{
    char buf[TITLE_MAX];
    snprintf(buf, sizeof buf, "%s", title);
    if (!tui_term_utf8(t)) tui_ascii(buf, sizeof buf, title);
    fit_title(buf, r->w);
    blank(t, r->y - 1, r->x, r->w);
    if (!buf[0]) return;
    int w = tui_utf8_cols(buf);
    int x = r->x + (w < r->w ? (r->w - w) / 2 : 0);
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
static void draw_room_panel(tui_term_t *t, const tui_frame_t *f, const view_rect_t *r);

/* Puts a dot of radius rad pixels of colour c at world (x, y) into an RGB
   image (w, h, 3) of the box. */
static void image_dot(unsigned char *img, int w, int h, double L, double x, double y, int rad,
                      view_rgb_t c)
{
    int cx = (int)floor((x + L) / (2.0 * L) * w), cy = (int)floor((L - y) / (2.0 * L) * h);
    for (int j = cy - rad; j <= cy + rad; j++)
        for (int i = cx - rad; i <= cx + rad; i++) {
            if (i < 0 || j < 0 || i >= w || j >= h || (i - cx) * (i - cx) + (j - cy) * (j - cy) > rad * rad)
                continue;
            unsigned char *p = img + 3 * ((size_t)j * (size_t)w + (size_t)i);
            p[0] = c.r;
            p[1] = c.g;
            p[2] = c.b;
        }
}

/* A heatmap panel as pixels (sixel or kitty): the grid at the cells' full
   pixel resolution with the colour map the cells use, the pair overlay
   and the cursor drawn in; the cells underneath are left blank. */
static void draw_panel_image(tui_term_t *t, const tui_frame_t *f, int index, const view_rect_t *r,
                             int cw, int ch)
{
    const view_model_t *vm = f->vm;
    const view_panel_t *p = &vm->panels[index];
    int w = r->w * cw, h = r->h * ch, G = vm->G;
    double L = vm->L;
    unsigned char *img = malloc((size_t)w * (size_t)h * 3);
    if (!img) return;
    for (int j = 0; j < h; j++) {
        int gy = G - 1 - (int)(((double)j + 0.5) * G / h);
        for (int i = 0; i < w; i++) {
            int gx = (int)(((double)i + 0.5) * G / w);
            view_rgb_t c = view_panel_color(vm, p, p->values[(size_t)gy * (size_t)G + (size_t)gx]);
            unsigned char *q = img + 3 * ((size_t)j * (size_t)w + (size_t)i);
            q[0] = c.r;
            q[1] = c.g;
            q[2] = c.b;
        }
    }
    const live_snapshot_t *s = f->snap;
    if (vm->overlay && index < 2) {
        int answers = s->human && s->n_answered > 0;
        size_t have = answers ? s->n_answered : s->n_pairs;
        size_t show = have < 300 ? have : 300;
        view_rgb_t win = { 255, 255, 255 }, lose = { 255, 40, 40 };
        int rad = cw / 4 > 1 ? cw / 4 : 1, small = rad / 2 > 0 ? rad / 2 : 1;
        for (int pass = 0; pass < 2; pass++) /* the winners over every line */
            for (size_t k = 0; k < show; k++) {
                const float *q = answers ? s->answered + 4 * (have - 1 - k) : s->pairs + 4 * k;
                if (pass == 1) {
                    image_dot(img, w, h, L, (double)q[0], (double)q[1], rad + 1, win);
                    continue;
                }
                /* the loser's dot, then small dots every few pixels toward the winner */
                image_dot(img, w, h, L, (double)q[2], (double)q[3], rad, lose);
                double dx = (double)(q[0] - q[2]) / (2.0 * L) * w, dy = (double)(q[1] - q[3]) / (2.0 * L) * h;
                int dots = (int)(sqrt(dx * dx + dy * dy) / (3 * small + 2));
                for (int d = 1; d < dots; d++) {
                    double u = (double)d / dots;
                    image_dot(img, w, h, L, (double)q[2] + u * (double)(q[0] - q[2]),
                              (double)q[3] + u * (double)(q[1] - q[3]), small, lose);
                }
            }
    }
    /* the cursor: a white cross with a dark rim */
    int cx = (int)floor((vm->cursor_x + L) / (2.0 * L) * w), cy = (int)floor((L - vm->cursor_y) / (2.0 * L) * h);
    for (int d = -cw; d <= cw; d++)
        for (int e = -1; e <= 1; e++) {
            int pts[2][2] = { { cx + d, cy + e }, { cx + e, cy + d } };
            for (int k = 0; k < 2; k++) {
                int i = pts[k][0], j = pts[k][1];
                if (i < 0 || j < 0 || i >= w || j >= h) continue;
                unsigned char *q = img + 3 * ((size_t)j * (size_t)w + (size_t)i);
                unsigned char v = e == 0 ? 255 : 0;
                q[0] = q[1] = q[2] = v;
            }
        }
    for (int row = 0; row < r->h; row++)
        for (int col = 0; col < r->w; col++) tui_term_text(t, r->y + row, r->x + col, 1, ROLE_NORMAL, " ");
    tui_term_image(t, index, r->y, r->x, r->w, r->h, img, w, h);
    free(img);
}

/* The axis values of a panel: -L, 0, L under it (x) and left of it (y),
   each left out when it would run into the one before. */
static void draw_ticks(tui_term_t *t, const screen_t *sc, const view_rect_t *r, double L)
{
    char lab[3][32];
    tick_label(lab[0], sizeof lab[0], -L);
    tick_label(lab[1], sizeof lab[1], 0.0);
    tick_label(lab[2], sizeof lab[2], L);
    int w[3];
    for (int i = 0; i < 3; i++) w[i] = tui_utf8_cols(lab[i]);
    if (sc->ticks_x) {
        int y = r->y + r->h, xs[3] = { r->x, r->x + r->w / 2, r->x + r->w - w[2] };
        for (int i = 0, end = r->x; i < 3; i++) {
            if (xs[i] < end || (i == 1 && xs[1] + w[1] >= xs[2])) continue;
            tui_term_text(t, y, xs[i], w[i], ROLE_DIM, lab[i]);
            end = xs[i] + w[i] + 1;
        }
    }
    if (sc->ticks_y) {
        int ys[3] = { r->y + r->h - 1, r->y + r->h / 2, r->y }; /* -L at the bottom */
        for (int i = 0; i < 3; i++) {
            if (i == 1 && (ys[1] == ys[0] || ys[1] == ys[2])) continue;
            int x = r->x - 1 - w[i];
            if (x >= 0) tui_term_text(t, ys[i], x, w[i], ROLE_DIM, lab[i]);
        }
    }
}

static void draw_panel(tui_term_t *t, const tui_frame_t *f, int index, const view_rect_t *r)
{
    const view_model_t *vm = f->vm;
    const view_panel_t *p = &vm->panels[index];
    draw_title(t, r, mode_title(f, index, p->title));
    if (p->kind == PANEL_MESSAGE || !p->values || vm->G <= 0) {
        draw_message_panel(t, r, p->message[0] ? p->message : "no data");
        return;
    }
    int cw, ch;
    if (tui_term_graphics(t, &cw, &ch) != GFX_CELLS && index < TUI_IMAGE_SLOTS) {
        draw_panel_image(t, f, index, r, cw, ch);
        if (index < 2) draw_question(t, f, r);
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
    /* the pair overlay on p* and the learned density: each pair a segment
       of PAIR_DOTS dots from the loser, its winner's end marked */
    const live_snapshot_t *s = f->snap;
    if (vm->overlay && index < 2) {
        /* about one pair per 48 pixels, so the density stays readable */
        size_t show = (size_t)pw * (size_t)ph / 48;
        /* be the annotator: the answers given, newest first */
        int answers = s->human && s->n_answered > 0;
        size_t have = answers ? s->n_answered : s->n_pairs;
        show = show < have ? show : have;
        for (int pass = 0; pass < 2; pass++) /* the winners over every line */
            for (size_t k = 0; k < show; k++) {
                const float *q = answers ? s->answered + 4 * (have - 1 - k) : s->pairs + 4 * k;
                if (pass == 1) {
                    mark(pix, pw, ph, L, (double)q[0], (double)q[1], ROLE_WINNER);
                    continue;
                }
                for (int d = 0; d < PAIR_DOTS; d++) {
                    double u = (double)d / PAIR_DOTS;
                    mark(pix, pw, ph, L, (double)q[2] + u * (double)(q[0] - q[2]),
                         (double)q[3] + u * (double)(q[1] - q[3]), ROLE_LOSER);
                }
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
    if (x + drawn_cols(t, info) <= COLS - 1) x = put(t, y, x, ROLE_DIM, info);
    /* a second bar for the third panel's own scale */
    for (int i = 2; i < vm->n_panels && i < sc->n; i++) {
        const view_panel_t *p = &vm->panels[i];
        if (p->kind != PANEL_DIVERGING && p->kind != PANEL_PROBABILITY) continue;
        const char *name = p->kind == PANEL_DIVERGING ? "log ratio"
                           : f->vs->third == THIRD_BORDA ? "BC"
                                                         : "P";
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

/* The values under the cursor; the last items (theory, the slice) are
   left out when the row is too short for them. */
static void draw_readout(tui_term_t *t, const tui_frame_t *f, int y)
{
    const live_snapshot_t *s = f->snap;
    const view_model_t *vm = f->vm;
    clear_row(y);
    if (s->n == 0 || !s->log_true) return;
    mline_t *l = calloc(1, sizeof *l);
    if (!l) return;
    size_t i = grid_index(s->G, s->L, vm->cursor_x, vm->cursor_y);
    ml_item(l, ROLE_DIM, "cursor ");
    ml_add(l, ROLE_VALUE, "(%.2f, %.2f)", vm->cursor_x, vm->cursor_y);
    ml_item(l, ROLE_DIM, "   p*(x) ");
    ml_add(l, ROLE_VALUE, "%.4g", exp(s->log_true[i]));
    ml_item(l, ROLE_DIM, "   \xCF\x80_\xCE\xB8(x) ");
    ml_add(l, ROLE_VALUE, "%.4g", s->log_model ? exp(s->log_model[i]) : (double)NAN);
    if (s->have_borda && s->borda_annot && s->borda_model && f->vs->third == THIRD_BORDA) {
        ml_item(l, ROLE_DIM, "   rank corr(r_\xCE\xB8, BC) ");
        ml_add(l, ROLE_VALUE, "%.3f", s->borda.rank_corr);
        ml_item(l, ROLE_DIM, "   BC(x) ");
        ml_add(l, ROLE_VALUE, "%.3f", s->borda_annot[i]);
        ml_add(l, ROLE_DIM, " model ");
        ml_add(l, ROLE_VALUE, "%.3f", s->borda_model[i]);
    }
    ml_item(l, ROLE_DIM, "   optimum(x) ");
    if (s->log_theory) ml_add(l, ROLE_VALUE, "%.4g", exp(s->log_theory[i]));
    else ml_add(l, ROLE_VALUE, "no closed form");
    if (s->have_slice && s->slice_annot && s->slice_model && f->vs->third == THIRD_SLICE)
        ml_item(l, ROLE_DIM, "   slice at (%.2f, %.2f)", s->slice_x, s->slice_y);
    ml_draw_items(t, y, 1, COLS - 1, l);
    free(l);
}

/* ------------------------------------------------------------ metrics */

/* Held-out loss, its floor and accuracy: long or short labels. */
static void ml_loss(mline_t *l, const trainer_metrics_t *m, int wide)
{
    ml_item(l, ROLE_DIM, wide ? "   held-out loss " : "  loss ");
    ml_add(l, ROLE_VALUE, "%.4f", m->loss_heldout);
    ml_add(l, ROLE_DIM, wide ? " (Bayes floor " : " \xE2\x89\xA5 ");
    ml_add(l, ROLE_FLOOR, "%.4f", m->loss_bayes);
    if (wide) ml_add(l, ROLE_DIM, ")");
    ml_item(l, ROLE_DIM, wide ? "   accuracy " : "  acc ");
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
        ml_item(l, ROLE_DIM, level == 0 ? "no optimum for this pairing: the error does not split into "
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
    ml_item(l, ROLE_DIM, "%s", MISS[level]);
    ml_add(l, ROLE_FLOOR, "%.4f", m->kl_true_theory);
    if (level == 0) ml_add(l, ROLE_DIM, " (infinite data would keep it)");
    ml_item(l, ROLE_DIM, level < 3 ? "   %s" : "  %s", EST[level]);
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
            ml_item(l, ROLE_DIM, wide ? "KL(p*\xE2\x80\x96\xCF\x80_\xCE\xB8) " : "KL ");
            ml_add(l, ROLE_CURVE_A, "%.4f", m->kl_true);
            ml_item(l, ROLE_DIM, wide ? "   TV " : "  TV ");
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
            ml_item(l, ROLE_DIM, i < 2 ? "KL(p*\xE2\x80\x96\xCF\x80_\xCE\xB8) " : "KL ");
            ml_add(l, ROLE_CURVE_A, "%.4f", m->kl_true);
            ml_add(l, ROLE_DIM, i < 2 ? "   " : "  ");
            ml_split(l, s, LEVELS[i]);
            ml_item(l, ROLE_DIM, wide ? "   TV " : "  TV ");
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

static int segs_cols(tui_term_t *t, const seg_t *seg, int n);
static int put_segs(tui_term_t *t, int y, int x, int x_end, const seg_t *seg, int n);

/* The cells of a braille plot: ns series of m samples each in buf (log10
   values with logy), on [lo, hi], drawn in the w x h box at (y, x) below
   its title row, with the y range in the gutter; a dim dotted column at
   mark (a sample index, -1: none) where no series is drawn. */
static void braille_box(tui_term_t *t, int y, int x, int w, int h, const double *buf, int m,
                        const series_t *ser, int ns, double lo, double hi, int logy, int mark)
{
    int pw = w - GUTTER, ph = h - 1;
    uint8_t *cells = calloc((size_t)pw * (size_t)ph * (size_t)ns, 1);
    if (!cells) return;
    for (int k = 0; k < ns; k++)
        tui_braille_plot(cells + (size_t)k * (size_t)pw * (size_t)ph, pw, ph,
                         buf + (size_t)k * (size_t)m, (size_t)m, lo, hi);
    int utf8 = tui_term_utf8(t), mark_col = mark >= 0 ? mark * pw / m : -1;
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
            if (!all && col == mark_col) tui_term_glyph(t, cy, cx, ROLE_DIM, 0x250A, ':'); /* ┊ */
            else if (!all) blank(t, cy, cx, 1);
            else if (utf8) tui_term_glyph(t, cy, cx, role, 0x2800u + all, ' ');
            else tui_term_glyph(t, cy, cx, role, (unsigned char)tui_braille_ascii(all), ' ');
        }
    /* y labels: top, bottom */
    char lab[32];
    double top = logy ? pow(10.0, hi) : hi, bottom = logy ? pow(10.0, lo) : lo;
    snprintf(lab, sizeof lab, "%7.3g", top);
    tui_term_text(t, y + 1, x, GUTTER - 1, ROLE_DIM, lab);
    snprintf(lab, sizeof lab, "%7.3g", bottom);
    tui_term_text(t, y + ph, x, GUTTER - 1, ROLE_DIM, lab);
    tui_term_glyph(t, y + 1, x + GUTTER - 1, ROLE_DIM, 0x2524, '+');  /* ┤ */
    tui_term_glyph(t, y + ph, x + GUTTER - 1, ROLE_DIM, 0x2524, '+');
    for (int row = 2; row < ph; row++) tui_term_glyph(t, y + row, x + GUTTER - 1, ROLE_DIM, 0x2502, '|');
    free(cells);
}

/* A braille plot of up to 3 series in a w x h cell box at (y, x): y labels
   in the gutter, title on the first row (the caller picks one that fits;
   one that does not is left out). With logy, values are plotted on a
   log10 axis. */
static void draw_plot(tui_term_t *t, int y, int x, int w, int h, const seg_t *title, int nt,
                      const series_t *ser, int ns, const live_snapshot_t *s, int logy)
{
    int pw = w - GUTTER, ph = h - 1;
    if (segs_cols(t, title, nt) <= w) put_segs(t, y, x, x + w, title, nt);
    if (pw < 4 || ph < 1 || s->n_hist == 0) return;
    int m = 2 * pw;
    long s0 = s->hist_step[0], s1 = s->hist_step[s->n_hist - 1];
    if (s1 <= s0) s1 = s0 + 1;
    double *buf = malloc((size_t)m * (size_t)ns * sizeof *buf);
    if (!buf) return;
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
    braille_box(t, y, x, w, h, buf, m, ser, ns, lo, hi, logy, -1);
    free(buf);
}

/* The first of n titles (each nt[i] pieces of at most 4) that fits in w
   columns, or -1. */
static int pick_title(tui_term_t *t, const seg_t (*v)[4], const int *nt, int n, int w)
{
    for (int i = 0; i < n; i++)
        if (segs_cols(t, v[i], nt[i]) <= w) return i;
    return -1;
}

/* The over-optimisation plot in the KL plot's place while the overopt
   panel shows: proxy and gold gains against d = sqrt(KL) of the RL sweep
   (linear between its policies), the policy on screen a dotted column;
   the title names the peak's KL, shorter as the plot narrows. */
static void draw_overopt_plot(tui_term_t *t, int y, int x, int w, int h, const live_snapshot_t *s)
{
    const overopt_curve_t *c = &s->overopt;
    char peak[48];
    snprintf(peak, sizeof peak, ", gold peak KL %.2f", c->kl[c->peak]);
    const seg_t ot[3][4] = {
        { { "proxy", ROLE_CURVE_A }, { " and ", ROLE_DIM }, { "gold reward", ROLE_CURVE_B },
          { peak, ROLE_DIM } },
        { { "proxy", ROLE_CURVE_A }, { " and ", ROLE_DIM }, { "gold", ROLE_CURVE_B }, { " against \xE2\x88\x9AKL", ROLE_DIM } },
        { { "proxy", ROLE_CURVE_A }, { ", ", ROLE_DIM }, { "gold", ROLE_CURVE_B } },
    };
    static const int ON[3] = { 4, 4, 3 };
    int pt = pick_title(t, ot, ON, 3, w);
    if (pt >= 0) put_segs(t, y, x, x + w, ot[pt], ON[pt]);
    int pw = w - GUTTER, ph = h - 1, n = c->n_points;
    if (pw < 4 || ph < 1 || n < 2) return;
    int m = 2 * pw;
    double *buf = malloc((size_t)m * 2 * sizeof *buf);
    if (!buf) return;
    double dmax = c->d[n - 1] > 0 ? c->d[n - 1] : 1, lo = 0, hi = 0;
    const double *ys[2] = { c->proxy, c->gold };
    for (int k = 0; k < 2; k++) {
        int j = 0;
        for (int i = 0; i < m; i++) {
            double d = dmax * i / (m - 1);
            while (j + 2 < n && c->d[j + 1] < d) j++;
            double span = c->d[j + 1] - c->d[j], u = span > 0 ? (d - c->d[j]) / span : 0;
            u = u < 0 ? 0 : u > 1 ? 1 : u;
            double v = ys[k][j] + u * (ys[k][j + 1] - ys[k][j]);
            buf[(size_t)k * (size_t)m + (size_t)i] = v;
            if (isfinite(v)) {
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
        }
    }
    if (hi - lo < 1e-9) hi = lo + 1;
    series_t ser[2] = { { NULL, ROLE_CURVE_A }, { NULL, ROLE_CURVE_B } };
    int mark = (int)(sqrt(fmax(s->overopt_at.kl, 0)) / dmax * (m - 1) + 0.5);
    braille_box(t, y, x, w, h, buf, m, ser, 2, lo, hi, 0, mark < m ? mark : m - 1);
    free(buf);
}

/* The two history plots: held-out loss with its floor, and the KLs. Their
   titles shorten as the plots narrow: a shorter wording, then without the
   steps or the axis note, then the first curve's name alone. */
static void draw_curves(tui_term_t *t, const tui_frame_t *f, const screen_t *sc)
{
    const live_snapshot_t *s = f->snap;
    for (int row = 0; row < sc->curves_h; row++) clear_row(sc->curves_y + row);
    if (sc->curves_h < 2) return;
    int w = (COLS - 3) / 2;
    char steps[64];
    snprintf(steps, sizeof steps, "   steps %ld\xE2\x80\x93%ld", s->n_hist ? s->hist_step[0] : 0L,
             s->n_hist ? s->hist_step[s->n_hist - 1] : 0L);
    const seg_t lt[5][4] = {
        { { "held-out loss", ROLE_CURVE_A }, { " and its ", ROLE_DIM }, { "Bayes floor", ROLE_FLOOR }, { steps, ROLE_DIM } },
        { { "loss", ROLE_CURVE_A }, { " and ", ROLE_DIM }, { "Bayes floor", ROLE_FLOOR }, { steps, ROLE_DIM } },
        { { "held-out loss", ROLE_CURVE_A }, { " and its ", ROLE_DIM }, { "Bayes floor", ROLE_FLOOR } },
        { { "loss", ROLE_CURVE_A }, { " and ", ROLE_DIM }, { "Bayes floor", ROLE_FLOOR } },
        { { "loss", ROLE_CURVE_A } },
    };
    static const int LN[5] = { 4, 4, 3, 3, 1 };
    series_t loss[2] = { { s->hist_loss, ROLE_CURVE_A }, { s->hist_bayes, ROLE_FLOOR } };
    int pl = pick_title(t, lt, LN, 5, w);
    draw_plot(t, sc->curves_y, 1, w, sc->curves_h, pl >= 0 ? lt[pl] : lt[0], pl >= 0 ? LN[pl] : 0, loss, 2,
              s, 0);
    const char *kl_true = "KL(p*\xE2\x80\x96\xCF\x80_\xCE\xB8)";
    const char *kl_theory = "KL(optimum\xE2\x80\x96\xCF\x80_\xCE\xB8)";
    const seg_t kt[4][4] = {
        { { kl_true, ROLE_CURVE_A }, { " and ", ROLE_DIM }, { kl_theory, ROLE_CURVE_B }, { ", log axis", ROLE_DIM } },
        { { kl_true, ROLE_CURVE_A }, { " and ", ROLE_DIM }, { kl_theory, ROLE_CURVE_B } },
        { { kl_true, ROLE_CURVE_A }, { ", log axis", ROLE_DIM } },
        { { kl_true, ROLE_CURVE_A } },
    };
    static const int KN[4] = { 4, 3, 2, 1 };
    int first = s->log_theory ? 0 : 2; /* without an optimum: KL(p*||pi_theta) alone */
    int pk = pick_title(t, kt + first, KN + first, 4 - first, w);
    if (s->have_overopt) {
        draw_overopt_plot(t, sc->curves_y, 2 + w, w, sc->curves_h, s);
        return;
    }
    series_t kl[2] = { { s->hist_kl_true, ROLE_CURVE_A }, { s->hist_kl_theory, ROLE_CURVE_B } };
    draw_plot(t, sc->curves_y, 2 + w, w, sc->curves_h, kt[first + (pk >= 0 ? pk : 0)], pk >= 0 ? KN[first + pk] : 0,
              kl, s->log_theory ? 2 : 1, s, 1);
}

/* ------------------------------------------------------------ learning curve */

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
        char msg[320];
        as_drawn(t, msg, sizeof msg, cv && cv->error ? cv->error : "computing\xE2\x80\xA6");
        if (tui_fit_clauses(msg, sizeof msg, w) > 0) tui_term_text(t, y0 + h / 2, x0, w, ROLE_WARN, msg);
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
    for (int i = 0, lx = x0; i < (c->have_optimum || cv->running ? 3 : 1); i++) { /* whole items */
        if (lx + drawn_cols(t, leg[i].text) > x0 + w) break;
        lx = put_segs(t, y0, lx, x0 + w, &leg[i], 1);
    }
    /* the plot */
    int pw = w - GUTTER, ph = h - 3, px0 = x0 + GUTTER, py0 = y0 + 1;
    double lo, hi;
    char status[160], st_drawn[320];
    curve_view_status(cv, w < 48, status, sizeof status);
    as_drawn(t, st_drawn, sizeof st_drawn, status);
    if (tui_fit_clauses(st_drawn, sizeof st_drawn, w) > 0)
        tui_term_text(t, y0 + h - 1, x0, w, cv->error ? ROLE_BAD : cv->stale ? ROLE_WARN : ROLE_DIM, st_drawn);
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
    char num[48], title[320];
    snprintf(num, sizeof num, " stop %d/%d ", tour->stop + 1, tour->n);
    as_drawn(t, title, sizeof title - 2, tour->title && tour->title[0] ? tour->title : "tour");
    int nw = drawn_cols(t, num);
    if (tui_fit_words(title, w - 4 - nw - 3) > 0) {
        memmove(title + 1, title, strlen(title) + 1);
        title[0] = ' ';
        strcat(title, " ");
        tui_term_text(t, y, x + 2, w - 4 - nw - 1, fr, title);
    }
    tui_term_text(t, y, x + w - 2 - nw, nw, fr, num);
    /* the caption */
    for (int i = 0; i < c->n; i++) {
        char line[TOUR_CAPTION_MAX * 2];
        int more = i == c->n - 1 && c->total > c->n;
        snprintf(line, sizeof line, "%.*s", c->len[i], c->text + c->start[i]);
        if (more) { /* cut: say so, after the last whole word that leaves room */
            tui_fit_words(line, w - 5);
            strncat(line, "\xE2\x80\xA6", sizeof line - strlen(line) - 1);
        }
        tui_term_text(t, y + 1 + i, x + 2, w - 4, tour->on ? ROLE_CAPTION : ROLE_NORMAL, line);
    }
    /* bottom edge: the keys left, the state right */
    char st[104], state[100];
    view_tone tn;
    session_stop_state(f->ses, state, sizeof state, &tn);
    snprintf(st, sizeof st, " %s ", state);
    int sw = drawn_cols(t, st);
    view_item_t items[3];
    int ni = session_tour_keys(f->ses, items, 3);
    seg_t keys[1 + 2 * 3];
    char words[3][sizeof items[0].text + 8];
    int nk = 0;
    keys[nk++] = (seg_t){ " ", ROLE_DIM };
    for (int i = 0; i < ni; i++) {
        snprintf(words[i], sizeof words[i], " %s%s", items[i].text, i + 1 < ni ? " \xC2\xB7 " : " ");
        keys[nk++] = (seg_t){ items[i].key, ROLE_KEY };
        keys[nk++] = (seg_t){ words[i], ROLE_DIM };
    }
    if (segs_cols(t, keys, nk) + sw + 6 <= w) put_segs(t, y + h - 1, x + 2, x + w - 2, keys, nk);
    if (sw + 4 <= w) tui_term_text(t, y + h - 1, x + w - 2 - sw, sw, tone_role(tn), st);
}

/* ------------------------------------------------------------ footer, status */

/* The footer, from the session's footer list: the keys most used, left,
   while they fit; help and quit (or how to leave a mode) on the right. */
static void draw_footer(tui_term_t *t, const session_t *ses, int y)
{
    clear_row(y);
    view_item_t items[48];
    const char *title;
    int right, n = session_footer(ses, items, 48, &right, &title);
    int right_x = COLS - 1;
    for (int i = n - right; i < n; i++)
        right_x -= tui_utf8_cols(items[i].key) + 1 + tui_utf8_cols(items[i].text) + (i > n - right ? 2 : 0);
    int x = 1;
    if (title) {
        x = put(t, y, x, ROLE_WARN, title);
        x += 2;
    }
    for (int i = 0; i < n - right; i++) {
        int w = tui_utf8_cols(items[i].key) + 1 + tui_utf8_cols(items[i].text) + 2;
        if (x + w > right_x) break;
        x = put(t, y, x, ROLE_KEY, items[i].key);
        x = put(t, y, x, ROLE_DIM, " ");
        x = put(t, y, x, ROLE_DIM, items[i].text);
        x += 2;
    }
    int rx = right_x;
    for (int i = n - right; i < n; i++) {
        if (i > n - right) rx = put(t, y, rx, ROLE_DIM, "  ");
        rx = put(t, y, rx, ROLE_KEY, items[i].key);
        rx = put(t, y, rx, ROLE_DIM, " ");
        rx = put(t, y, rx, ROLE_DIM, items[i].text);
    }
}

static void draw_status(tui_term_t *t, const tui_frame_t *f, int y)
{
    clear_row(y);
    const session_prompt_t *pr = &f->ses->prompt;
    if (pr->on) {
        const char *s = pr->buf;
        int x = put(t, y, 1, ROLE_PROMPT, ":");
        /* scroll long input so the cursor stays visible */
        int avail = COLS - x - 2, cur = tui_utf8_cols(s) - tui_utf8_cols(s + pr->cur);
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
    char msg[512], buf[1024];
    view_tone tn;
    session_status(f->ses, f->now, msg, sizeof msg, &tn);
    as_drawn(t, buf, sizeof buf, msg);
    if (tui_fit_clauses(buf, sizeof buf, COLS - 2) > 0) put(t, y, 1, tone_role(tn), buf);
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

/* The help box, from the session's help list. On one page when it fits:
   the keys in as few columns as the height allows (each as wide as the
   widest entry, so no text is cut), the prompt's commands below them.
   Otherwise in pages: every entry in turn down the columns of a page (as
   many columns as the width gives, each wide enough for every key), a
   text too long for its column wrapped onto the rows below; "page i/n"
   on the top edge and the paging keys on the last line. */
#define HELP_LABEL 7
#define HELP_CMD 18
#define HELP_ITEMS 96
#define HELP_LINES 4 /* at most this many lines for one entry's text */

typedef struct {
    view_item_t items[HELP_ITEMS];
    int total, count;          /* entries, of which keys */
    int paged, pages;          /* one page (paged 0), or pages of cols x rows */
    int cols, rows, colw, w, h;
    int extra_w;               /* one page: the commands' text width */
    int page_of[HELP_ITEMS];   /* paged: each entry's page, column, row */
    int col_of[HELP_ITEMS], row_of[HELP_ITEMS];
} help_plan_t;

/* Lines text takes wrapped to cols columns (words are never split when
   they fit a line). */
static int help_lines(const char *text, int cols)
{
    int st[HELP_LINES], ln[HELP_LINES];
    return tui_wrap(text, cols, st, ln, HELP_LINES);
}

static int help_label(const help_plan_t *hp, int i)
{
    return i < hp->count ? HELP_LABEL : HELP_CMD;
}

/* The one-page layout, when the height allows it. */
static int help_one_page(help_plan_t *hp, int need)
{
    for (int c = 1; c <= 3; c++) {
        int colw = c == 1 ? (COLS - 6 < need ? COLS - 6 : need) : need;
        if (c > 1 && c * need > COLS - 6) break;
        int rows = 0;
        if (c == 1)
            for (int i = 0; i < hp->count; i++) rows += help_lines(hp->items[i].text, colw - HELP_LABEL - 1);
        else rows = (hp->count + c - 1) / c;
        int w = c * colw + 4;
        for (int i = hp->count; i < hp->total; i++) {
            int ew = HELP_CMD + tui_utf8_cols(hp->items[i].text) + 4;
            if (ew > w) w = ew < COLS - 2 ? ew : COLS - 2;
        }
        int extra_w = w - 4 - HELP_CMD, extra_rows = 0;
        for (int i = hp->count; i < hp->total; i++) extra_rows += help_lines(hp->items[i].text, extra_w);
        int h = rows + (hp->total > hp->count ? extra_rows + 1 : 0) + 4;
        if (h <= LINES - 2) {
            hp->cols = c;
            hp->rows = rows;
            hp->colw = colw;
            hp->w = w;
            hp->h = h;
            hp->extra_w = extra_w;
            return 1;
        }
    }
    return 0;
}

/* The paged layout: entries flow down the columns, a blank row before
   the commands unless they start a column. */
static void help_paged(help_plan_t *hp, int need)
{
    int cols = 1;
    while (cols < 3 && (cols + 1) * need <= COLS - 6) cols++;
    int colw = (COLS - 6) / cols; /* the whole width: no page shows bits of the frame beside it */
    int rows = LINES - 2 - 4;
    if (rows < 1) rows = 1;
    int page = 0, col = 0, row = 0;
    for (int i = 0; i < hp->total; i++) {
        int lines = help_lines(hp->items[i].text, colw - help_label(hp, i) - 1);
        if (lines > rows) lines = rows;
        if (i == hp->count && row > 0) row++; /* the commands after a blank row */
        if (row + lines > rows) {
            row = 0;
            if (++col == cols) {
                col = 0;
                page++;
            }
        }
        hp->page_of[i] = page;
        hp->col_of[i] = col;
        hp->row_of[i] = row;
        row += lines;
    }
    hp->paged = 1;
    hp->pages = page + 1;
    hp->cols = cols;
    hp->rows = rows;
    hp->colw = colw;
    hp->w = cols * colw + 4;
    hp->h = rows + 4;
}

/* Lays the help out for this screen; returns its page count. */
static int help_plan(help_plan_t *hp, const session_t *ses)
{
    memset(hp, 0, sizeof *hp);
    hp->total = session_help(ses, hp->items, HELP_ITEMS, &hp->count);
    int need = 0; /* the widest key entry */
    for (int i = 0; i < hp->count; i++) {
        int w = HELP_LABEL + tui_utf8_cols(hp->items[i].text) + 2;
        if (w > need) need = w;
    }
    hp->pages = 1;
    if (!help_one_page(hp, need)) help_paged(hp, need);
    return hp->pages;
}

/* An entry's text wrapped at (y, x), cols wide, at most max lines. */
static void help_text(tui_term_t *t, int y, int x, int cols, int max, const char *text)
{
    int st[HELP_LINES], ln[HELP_LINES];
    int n = tui_wrap(text, cols, st, ln, HELP_LINES);
    for (int i = 0; i < n && i < HELP_LINES && i < max; i++) {
        char line[sizeof ((view_item_t *)0)->text];
        snprintf(line, sizeof line, "%.*s", ln[i], text + st[i]);
        tui_term_text(t, y + i, x, cols, ROLE_HELP, line);
    }
}

static void draw_help(tui_term_t *t, const session_t *ses)
{
    help_plan_t *hp = malloc(sizeof *hp);
    if (!hp) return;
    help_plan(hp, ses);
    int w = hp->w, h = hp->h;
    if (w < 40 && COLS >= 44) w = 40;
    int y0 = (LINES - h) / 2, x0 = (COLS - w) / 2;
    help_box(t, y0, x0, h, w);
    char title[64];
    snprintf(title, sizeof title, " %s ", SESSION_HELP_TITLE);
    tui_term_text(t, y0, x0 + 2, w - 4, ROLE_HELP, title);
    if (!hp->paged) {
        int y = y0 + 1;
        for (int k = 0; k < hp->count; k++) {
            int row = k % hp->rows, col = k / hp->rows, x = x0 + 2 + col * hp->colw;
            if (hp->cols == 1) row = y - (y0 + 1); /* one column: texts may wrap */
            tui_term_text(t, y0 + 1 + row, x, HELP_LABEL, ROLE_KEY, hp->items[k].key);
            int tw = hp->colw - HELP_LABEL - 1;
            help_text(t, y0 + 1 + row, x + HELP_LABEL, tw, HELP_LINES, hp->items[k].text);
            if (hp->cols == 1) y += help_lines(hp->items[k].text, tw);
        }
        y = y0 + 2 + hp->rows;
        for (int i = hp->count; i < hp->total; i++) {
            tui_term_text(t, y, x0 + 2, HELP_CMD, ROLE_KEY, hp->items[i].key);
            help_text(t, y, x0 + 2 + HELP_CMD, hp->extra_w, HELP_LINES, hp->items[i].text);
            y += help_lines(hp->items[i].text, hp->extra_w);
        }
        tui_term_text(t, y0 + h - 2, x0 + 2, w - 4, ROLE_DIM, SESSION_HELP_CLOSE);
        free(hp);
        return;
    }
    int page = ses->help_page < 0 ? 0 : ses->help_page >= hp->pages ? hp->pages - 1 : ses->help_page;
    char num[32];
    snprintf(num, sizeof num, " page %d/%d ", page + 1, hp->pages);
    int nw = tui_utf8_cols(num);
    tui_term_text(t, y0, x0 + w - 2 - nw, nw, ROLE_HELP, num);
    for (int i = 0; i < hp->total; i++) {
        if (hp->page_of[i] != page) continue;
        int y = y0 + 1 + hp->row_of[i], x = x0 + 2 + hp->col_of[i] * hp->colw, lw = help_label(hp, i);
        tui_term_text(t, y, x, lw, ROLE_KEY, hp->items[i].key);
        help_text(t, y, x + lw, hp->colw - lw - 1, hp->rows - hp->row_of[i], hp->items[i].text);
    }
    /* the paging keys; at a width too small for them, their first items */
    char keys[160];
    snprintf(keys, sizeof keys, "%s", SESSION_HELP_PAGING);
    char *cut;
    while (drawn_cols(t, keys) > w - 4 && (cut = strstr(keys, " \xC2\xB7 ")) != NULL) {
        char *last = cut;
        while ((cut = strstr(last + 1, " \xC2\xB7 ")) != NULL) last = cut;
        *last = '\0';
    }
    if (drawn_cols(t, keys) <= w - 4) tui_term_text(t, y0 + h - 2, x0 + 2, w - 4, ROLE_DIM, keys);
    free(hp);
}

/* ------------------------------------------------------------ modes */

/* The panels' titles say what they show while you answer or paint. */
static const char *mode_title(const tui_frame_t *f, int index, const char *title)
{
    const view_annot_t *an = f->annot;
    if (!an || an->mode == VIEW_MODE_NORMAL) return title;
    if (an->mode == VIEW_MODE_ANNOTATE) {
        if (index == 0) return "p*: hidden annotator (for the metrics)";
        if (index == 1) return "\xCF\x80_\xCE\xB8: from your answers";
    } else if (an->mode == VIEW_MODE_ROOM) {
        if (index == 1) return "\xCF\x80_\xCE\xB8: from the room's answers";
    } else if (index == 0) {
        return "p* (you paint it)";
    }
    return title;
}

/* The room's panel: the join URL's QR code in half blocks (two modules a
   cell, black on white, a quiet zone of 2), then the URL, the code and
   the counts; without room for the code (or UTF-8), how much it needs. */
static void draw_room_panel(tui_term_t *t, const tui_frame_t *f, const view_rect_t *r)
{
    const view_room_t *rm = &f->annot->room;
    draw_title(t, r, r->w >= 44 ? "join the room: scan, or open the address" : "join the room");
    for (int row = 0; row < r->h; row++) blank(t, r->y + row, r->x, r->w);
    char lines[3][200], drawn[600];
    /* the URL without its scheme when the panel is narrow (phones add it) */
    const char *url = rm->url, *bare = strstr(url, "://");
    snprintf(lines[0], sizeof lines[0], "%s", tui_utf8_cols(url) > r->w && bare ? bare + 3 : url);
    snprintf(lines[1], sizeof lines[1], "code %s", rm->code);
    snprintf(lines[2], sizeof lines[2], "%ld joined \xC2\xB7 %ld answers", rm->participants, rm->answers);
    int quiet = 2, side = rm->qr_side + 2 * quiet, rows = (side + 1) / 2;
    /* three lines under the code, or two (the code and counts on one) when
       that lets the code fit */
    int text_rows = r->h >= 6 ? 3 : r->h;
    if (rows + 3 > r->h && rows + 2 <= r->h) {
        text_rows = 2;
        snprintf(lines[1], sizeof lines[1], "code %s \xC2\xB7 %ld joined \xC2\xB7 %ld answers", rm->code,
                 rm->participants, rm->answers);
        if (tui_utf8_cols(lines[1]) > r->w) /* the code is in the URL above */
            snprintf(lines[1], sizeof lines[1], "%s", lines[2]);
    }
    int avail = r->h - text_rows;
    if (rm->qr_side > 0 && tui_term_utf8(t) && side <= r->w && rows <= avail) {
        int x0 = r->x + (r->w - side) / 2, y0 = r->y + (avail - rows) / 2;
        for (int row = 0; row < rows; row++)
            for (int col = 0; col < side; col++) {
                int dark[2];
                for (int h = 0; h < 2; h++) {
                    int i = col - quiet, j = 2 * row + h - quiet;
                    dark[h] = i >= 0 && j >= 0 && i < rm->qr_side && j < rm->qr_side &&
                              rm->qr[j * rm->qr_side + i];
                }
                /* black on white: the upper, lower, full or no half block */
                unsigned cp = dark[0] && dark[1] ? 0x2588 : dark[0] ? 0x2580 : dark[1] ? 0x2584 : ' ';
                tui_term_glyph(t, y0 + row, x0 + col, ROLE_QR, cp, ' ');
            }
    } else if (avail >= 1) {
        char msg[160];
        if (rm->qr_side > 0 && tui_term_utf8(t))
            snprintf(msg, sizeof msg, "QR code: needs %d\xC3\x97%d cells", side, rows + 2);
        else
            snprintf(msg, sizeof msg, "QR code: needs UTF-8");
        as_drawn(t, drawn, sizeof drawn, msg);
        if (tui_fit_clauses(drawn, sizeof drawn, r->w) > 0)
            tui_term_text(t, r->y + avail / 2, r->x, r->w, ROLE_DIM, drawn);
    }
    static const tui_role role[3] = { ROLE_WARN, ROLE_HEADER, ROLE_DIM };
    for (int k = 0; k < text_rows; k++) {
        as_drawn(t, drawn, sizeof drawn, lines[k]);
        int w = tui_utf8_cols(drawn);
        int x = w < r->w ? r->x + (r->w - w) / 2 : r->x;
        tui_term_text(t, r->y + r->h - text_rows + k, x, r->w, role[k], drawn);
    }
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
    if (!an || !view_annot_asks(an) || !an->have_question || r->w < 3) return;
    double L = f->vm->L;
    question_mark(t, r, L, (double)an->q[0], (double)an->q[1], " A ", ROLE_WARN);
    question_mark(t, r, L, (double)an->q[2], (double)an->q[3], " B ", ROLE_VALUE);
}

/* The mode's line under the colour bar: the question, or the brush. */
static void draw_mode_line(tui_term_t *t, const tui_frame_t *f, int y)
{
    const view_annot_t *an = f->annot;
    char buf[256], drawn[512];
    clear_row(y);
    if (an->mode == VIEW_MODE_ROOM) {
        view_annot_prompt(buf, sizeof buf, an, !tui_term_utf8(t));
        as_drawn(t, drawn, sizeof drawn, buf);
        if (tui_fit_items(drawn, COLS - 2, "   ") > 0) put(t, y, 1, ROLE_PROMPT, drawn);
        return;
    }
    if (an->mode == VIEW_MODE_ANNOTATE) {
        view_annot_prompt(buf, sizeof buf, an, !tui_term_utf8(t));
        as_drawn(t, drawn, sizeof drawn, buf);
        int x = tui_fit_items(drawn, COLS - 2, "   ") > 0 ? put(t, y, 1, ROLE_PROMPT, drawn) : 1;
        if (an->skipped > 0) {
            snprintf(buf, sizeof buf, " \xC2\xB7 %ld skipped", an->skipped);
            if (x + drawn_cols(t, buf) <= COLS - 1) put(t, y, x, ROLE_DIM, buf);
        }
        return;
    }
    mline_t *l = calloc(1, sizeof *l);
    if (!l) return;
    ml_item(l, ROLE_PROMPT, "brush at (%.2f, %.2f)", f->vs->cursor_x, f->vs->cursor_y);
    const live_snapshot_t *s = f->snap;
    if (s->n > 0 && s->log_true) {
        size_t i = grid_index(s->G, s->L, f->vs->cursor_x, f->vs->cursor_y);
        ml_item(l, ROLE_DIM, "   p*(x) ");
        ml_add(l, ROLE_VALUE, "%.4g", exp(s->log_true[i]));
    }
    ml_item(l, ROLE_DIM, "   radius %d", an->radius);
    ml_item(l, ROLE_DIM, "   ");
    ml_add(l, an->erase ? ROLE_BAD : ROLE_GOOD, "%s", an->erase ? "erasing" : "painting");
    ml_item(l, ROLE_DIM, "   pen ");
    ml_add(l, an->pen ? ROLE_WARN : ROLE_DIM, "%s", an->pen ? "down" : "up");
    if (an->dirty) ml_item(l, ROLE_DIM, "   (applying\xE2\x80\xA6)");
    ml_draw_items(t, y, 1, COLS - 1, l);
    free(l);
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
    layout(&sc, f->vm->n_panels, f->tour ? cap.n : 0, f->vm->L);
    draw_header(t, f);
    for (int i = 0; i < sc.n; i++) {
        if (i == 2 && f->annot && f->annot->mode == VIEW_MODE_ROOM && f->annot->room.on) {
            draw_room_panel(t, f, &sc.r[i]); /* where the room joins, in the third's place */
            hit->r[i] = (view_rect_t){ 0, 0, 0, 0 };
            hit->density[i] = 0;
            continue;
        }
        if (i == 2 && f->curve) { /* the learning curve takes the third panel's place */
            draw_curve_panel(t, f, &sc.r[i]);
            hit->r[i] = (view_rect_t){ 0, 0, 0, 0 };
            hit->density[i] = 0;
            continue;
        }
        draw_panel(t, f, i, &sc.r[i]);
        if (f->vm->panels[i].kind != PANEL_MESSAGE && f->vm->panels[i].values && f->vm->G > 0)
            draw_ticks(t, &sc, &sc.r[i], f->vm->L);
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
    draw_footer(t, f->ses, sc.footer_y);
    if (f->vs->help) draw_help(t, f->ses);
    help_plan_t *hp = malloc(sizeof *hp);
    if (hp) hit->help_pages = help_plan(hp, f->ses);
    free(hp);
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
