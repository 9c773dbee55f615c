/* The RGB rasteriser (see raster.h): one function, raster_draw, turns a
   scene into pixels for the window, its screenshots and `pbde render`. */
#include "pbde/raster.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/annotator.h"
#include "pbde/density.h"
#include "pbde/objective.h"

/* ------------------------------------------------------------ colours */

/* Colours by role; drawing code below names roles, never numbers. */
static const view_rgb_t C_BG = { 17, 18, 24 };
static const view_rgb_t C_PANEL_EMPTY = { 34, 36, 46 };
static const view_rgb_t C_FRAME = { 70, 74, 90 };
static const view_rgb_t C_TEXT = { 232, 232, 236 };
static const view_rgb_t C_DIM = { 150, 152, 166 };
static const view_rgb_t C_ACCENT = { 255, 196, 84 };
static const view_rgb_t C_WARN = { 255, 110, 100 };
static const view_rgb_t C_GRIDLINE = { 44, 46, 58 };
static const view_rgb_t C_WHITE = { 255, 255, 255 };
static const view_rgb_t C_BLACK = { 0, 0, 0 };
static const view_rgb_t C_FLOOR = { 150, 150, 160 };
static const view_rgb_t C_CAPTION_BG = { 28, 30, 42 };
static const view_rgb_t C_GOOD = { 120, 220, 120 };

/* The colour of a tone of text; normal text in `normal`. */
static view_rgb_t tone_color(view_tone t, view_rgb_t normal)
{
    switch (t) {
    case VIEW_TONE_DIM: return C_DIM;
    case VIEW_TONE_GOOD: return C_GOOD;
    case VIEW_TONE_WARN: return C_ACCENT;
    case VIEW_TONE_BAD: return C_WARN;
    default: return normal;
    }
}

/* Series colours: the runs of a facet, or the curves of one run. */
static const view_rgb_t C_SERIES[] = {
    { 255, 160, 64 }, { 96, 186, 255 }, { 120, 220, 120 }, { 240, 110, 200 },
    { 250, 230, 90 }, { 170, 140, 255 }, { 90, 220, 210 }, { 255, 120, 110 },
};
#define N_SERIES (int)(sizeof C_SERIES / sizeof C_SERIES[0])

/* ------------------------------------------------------------ pixels */

/* A clip rectangle: drawing stays inside [x0, x1) x [y0, y1). */
typedef struct {
    raster_image_t *img;
    int x0, y0, x1, y1;
    const raster_scene_t *sc; /* for its text_drawn hook, or NULL */
} canvas_t;

static canvas_t canvas_of(raster_image_t *img, const raster_scene_t *sc)
{
    canvas_t c = { img, 0, 0, img->w, img->h, sc };
    return c;
}

static canvas_t canvas_clip(const canvas_t *c, int x, int y, int w, int h)
{
    canvas_t r = *c;
    if (x > r.x0) r.x0 = x;
    if (y > r.y0) r.y0 = y;
    if (x + w < r.x1) r.x1 = x + w;
    if (y + h < r.y1) r.y1 = y + h;
    if (r.x1 < r.x0) r.x1 = r.x0;
    if (r.y1 < r.y0) r.y1 = r.y0;
    return r;
}

/* Blends colour c over pixel (x, y) with coverage a in [0, 255]. */
static void blend(const canvas_t *cv, int x, int y, view_rgb_t c, int a)
{
    if (x < cv->x0 || y < cv->y0 || x >= cv->x1 || y >= cv->y1 || a <= 0) return;
    unsigned char *p = cv->img->px + ((size_t)y * (size_t)cv->img->w + (size_t)x) * 3;
    if (a >= 255) {
        p[0] = c.r;
        p[1] = c.g;
        p[2] = c.b;
        return;
    }
    p[0] = (unsigned char)((p[0] * (255 - a) + c.r * a + 127) / 255);
    p[1] = (unsigned char)((p[1] * (255 - a) + c.g * a + 127) / 255);
    p[2] = (unsigned char)((p[2] * (255 - a) + c.b * a + 127) / 255);
}

static void fill_rect(const canvas_t *cv, int x, int y, int w, int h, view_rgb_t c, int a)
{
    canvas_t r = canvas_clip(cv, x, y, w, h);
    if (r.x1 <= r.x0 || r.y1 <= r.y0) return;
    if (a < 255) {
        for (int j = r.y0; j < r.y1; j++)
            for (int i = r.x0; i < r.x1; i++) blend(&r, i, j, c, a);
        return;
    }
    /* opaque: write the first row, copy it to the others */
    size_t stride = (size_t)r.img->w * 3, len = (size_t)(r.x1 - r.x0) * 3;
    unsigned char *first = r.img->px + (size_t)r.y0 * stride + (size_t)r.x0 * 3;
    for (size_t i = 0; i < len; i += 3) {
        first[i] = c.r;
        first[i + 1] = c.g;
        first[i + 2] = c.b;
    }
    for (int j = r.y0 + 1; j < r.y1; j++) memcpy(first + (size_t)(j - r.y0) * stride, first, len);
}

/* A one-pixel frame just outside the rectangle. */
static void frame_rect(const canvas_t *cv, int x, int y, int w, int h, view_rgb_t c)
{
    fill_rect(cv, x - 1, y - 1, w + 2, 1, c, 255);
    fill_rect(cv, x - 1, y + h, w + 2, 1, c, 255);
    fill_rect(cv, x - 1, y, 1, h, c, 255);
    fill_rect(cv, x + w, y, 1, h, c, 255);
}

/* An anti-aliased segment of the given width: each pixel is covered by
   how far its centre lies from the segment. */
static void line_aa(const canvas_t *cv, double x0, double y0, double x1, double y1,
                    double width, view_rgb_t c, int alpha)
{
    double r = 0.5 * width;
    int bx0 = (int)floor(fmin(x0, x1) - r - 1), bx1 = (int)ceil(fmax(x0, x1) + r + 1);
    int by0 = (int)floor(fmin(y0, y1) - r - 1), by1 = (int)ceil(fmax(y0, y1) + r + 1);
    if (bx0 < cv->x0) bx0 = cv->x0;
    if (by0 < cv->y0) by0 = cv->y0;
    if (bx1 > cv->x1) bx1 = cv->x1;
    if (by1 > cv->y1) by1 = cv->y1;
    double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    for (int j = by0; j < by1; j++) {
        for (int i = bx0; i < bx1; i++) {
            double px = i + 0.5 - x0, py = j + 0.5 - y0;
            double t = len2 > 0 ? (px * dx + py * dy) / len2 : 0.0;
            if (t < 0) t = 0;
            if (t > 1) t = 1;
            double ex = px - t * dx, ey = py - t * dy;
            double cov = r + 0.5 - sqrt(ex * ex + ey * ey);
            if (cov <= 0) continue;
            if (cov > 1) cov = 1;
            blend(cv, i, j, c, (int)(cov * alpha + 0.5));
        }
    }
}

static void disc(const canvas_t *cv, double cx, double cy, double rad, view_rgb_t c, int alpha)
{
    line_aa(cv, cx, cy, cx, cy, 2 * rad, c, alpha);
}

/* ------------------------------------------------------------ text */

enum { ALIGN_LEFT, ALIGN_CENTRE, ALIGN_RIGHT };

/* Draws text with its top-left at (x, y) (or its top-centre / top-right
   for the other alignments). Returns its width in pixels (0 without a
   font). */
static int draw_text(const canvas_t *cv, const raster_font_t *font, int x, int y, int px,
                     view_rgb_t c, int align, const char *s)
{
    raster_mask_t m;
    if (!font || !font->text || !s || !*s || font->text(font->ctx, s, px, &m) != 0) return 0;
    if (align == ALIGN_CENTRE) x -= m.w / 2;
    else if (align == ALIGN_RIGHT) x -= m.w;
    if (cv->sc && cv->sc->text_drawn) {
        canvas_t v = canvas_clip(cv, x, y, m.w, m.h);
        if (v.x1 > v.x0 && v.y1 > v.y0)
            cv->sc->text_drawn(cv->sc->text_drawn_ctx, s, px,
                               (view_rect_t){ v.x0, v.y0, v.x1 - v.x0, v.y1 - v.y0 });
    }
    for (int j = 0; j < m.h; j++)
        for (int i = 0; i < m.w; i++) blend(cv, x + i, y + j, c, m.a[(size_t)j * (size_t)m.w + (size_t)i]);
    return m.w;
}

static int text_width(const raster_font_t *font, int px, const char *s)
{
    raster_mask_t m;
    if (!font || !font->text || !s || !*s || font->text(font->ctx, s, px, &m) != 0) return 0;
    return m.w;
}

/* Line height of a text size: the font's, or an estimate without one. */
static int line_height(const raster_font_t *font, int px)
{
    raster_mask_t m;
    if (font && font->text && font->text(font->ctx, "Ag", px, &m) == 0 && m.h > 0) return m.h;
    return px + px / 3 + 1;
}

/* The largest size from px down to 70 % of it at which s fits in width
   pixels (the smallest when none does). */
static int fit_px(const raster_font_t *font, int px, const char *s, int width)
{
    int lo = px * 4 / 5 > 7 ? px * 4 / 5 : 7; /* never below the small text */
    for (int p = px; p > lo; p--)
        if (text_width(font, p, s) <= width) return p;
    return lo < px ? lo : px;
}

/* ------------------------------------------------------------ numbers */

/* A round step (1, 2 or 5 times a power of ten) near span / target. */
static double nice_step(double span, int target)
{
    if (!(span > 0) || !isfinite(span)) return 1.0;
    double raw = span / target, mag = pow(10.0, floor(log10(raw))), r = raw / mag;
    return (r < 1.5 ? 1.0 : r < 3.0 ? 2.0 : r < 7.0 ? 5.0 : 10.0) * mag;
}

/* A number's leading '-' becomes the minus sign (U+2212), as in print. */
static void unicode_minus(char *buf, size_t n)
{
    size_t len = strlen(buf);
    if (buf[0] != '-' || len + 3 > n) return;
    memmove(buf + 3, buf + 1, len); /* the digits and the terminator */
    memcpy(buf, "\xE2\x88\x92", 3);
}

/* Writes v with as many decimals as a tick step needs. */
static void fmt_tick(char *buf, size_t n, double v, double step)
{
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (dec > 6) dec = 6;
    if (fabs(v) < step * 1e-6) v = 0.0;
    snprintf(buf, n, "%.*f", dec, v);
    unicode_minus(buf, n);
}

/* An axis value: at most two decimals, without trailing zeros (6, 2.5). */
static void fmt_axis(char *buf, size_t n, double v)
{
    if (fabs(v) < 1e-9) v = 0.0;
    snprintf(buf, n, "%.2f", v);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *e = buf + strlen(buf);
        while (e > dot + 1 && e[-1] == '0') *--e = '\0';
        if (e == dot + 1) *dot = '\0';
    }
    unicode_minus(buf, n);
}

/* A metric value: 4 significant digits, "–" when not finite. */
static void fmt_metric(char *buf, size_t n, double v)
{
    if (!isfinite(v)) snprintf(buf, n, "\xE2\x80\x93");
    else if (v != 0 && fabs(v) < 1e-3) snprintf(buf, n, "%.2e", v);
    else snprintf(buf, n, "%.4f", v);
}

/* Steps with thousands separated by thin spaces: 12 000. */
static void fmt_count(char *buf, size_t n, long v)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%ld", v < 0 ? -v : v);
    size_t len = strlen(digits), o = 0;
    if (v < 0 && o + 1 < n) buf[o++] = '-';
    for (size_t i = 0; i < len && o + 4 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0) {
            buf[o++] = '\xE2'; /* U+2009 thin space */
            buf[o++] = '\x80';
            buf[o++] = '\x89';
        }
        if (o + 1 < n) buf[o++] = digits[i];
    }
    buf[o < n ? o : n - 1] = '\0';
}

/* ------------------------------------------------------------ parameters */

/* The symbol of a registry parameter, for labels: beta -> β. */
static const char *param_symbol(const char *name)
{
    return params_symbol(name, 0);
}

void raster_param_label(const params_t *p, const char *name, char *buf, size_t n)
{
    const param_def_t *def = params_find(name);
    if (!def) {
        snprintf(buf, n, "%s", name);
        return;
    }
    char v[64];
    params_format(p, def, v, sizeof v);
    snprintf(buf, n, "%s = %s", param_symbol(name), v);
}

/* "dpo (β = 4)" or "reward": a catalogue name and its main parameter. */
static void name_with_param(char *buf, size_t n, const char *what, const params_t *p,
                            const char *param)
{
    if (!param) {
        snprintf(buf, n, "%s", what);
        return;
    }
    char lab[64];
    raster_param_label(p, param, lab, sizeof lab);
    snprintf(buf, n, "%s (%s)", what, lab);
}

/* "slic (δ = 1, λ = 0)": the objective and its parameters, leaving out
   the one a facet varies (shown on each panel instead). */
static void objective_label(char *buf, size_t n, const params_t *p, const char *facet)
{
    const char *names[2] = { objective_shown_param(p->objective, 0),
                             objective_shown_param(p->objective, 1) };
    int o = snprintf(buf, n, "%s", objective_name(p->objective)), k = 0;
    for (int i = 0; i < 2; i++) {
        if (!names[i] || (facet && strcmp(facet, names[i]) == 0)) continue;
        char lab[64];
        raster_param_label(p, names[i], lab, sizeof lab);
        if (o > 0 && (size_t)o < n)
            o += snprintf(buf + o, n - (size_t)o, "%s%s", k++ ? ", " : " (", lab);
    }
    if (k && o > 0 && (size_t)o < n) snprintf(buf + o, n - (size_t)o, ")");
}

/* ------------------------------------------------------------ caption */

#define CAP_TEXT_MAX 1024
#define CAP_LINES_MAX 12

/* A tour caption laid out for its box: the text as paragraphs, the lines
   it wraps into and the sizes it is drawn at. */
typedef struct {
    char text[CAP_TEXT_MAX];  /* the caption, '\n' only where a paragraph ends */
    int n, cut;               /* lines shown; 1 when the text needed more */
    int start[CAP_LINES_MAX]; /* byte offset of each line in text */
    int len[CAP_LINES_MAX];   /* and its length */
    int px, line;             /* caption text size and line height */
    int head_px, head_line;   /* the title row */
    int keys_line;            /* the window's key row (0 in renders) */
    int pad, h;               /* inner padding, the box's height */
} caption_t;

/* Joins the caption's lines into paragraphs: a line break stays only
   after a line that ends a sentence (. : ! ?), since tour files break
   long sentences wherever the author's editor did. */
static void caption_flow(char *out, size_t n, const char *caption)
{
    snprintf(out, n, "%s", caption ? caption : "");
    for (char *p = out; *p; p++) {
        if (*p != '\n') continue;
        char *q = p;
        while (q > out && q[-1] == ' ') q--;
        int ends = q > out && strchr(".:!?", q[-1]) != NULL;
        if (!ends) *p = ' ';
    }
}

/* Width of s[0..len) at size px; without a font (or when it cannot
   render the text), an estimate of 0.55 em per character, so unit tests
   without a font still get a layout. */
static int span_width(const raster_font_t *font, int px, const char *s, int len)
{
    char buf[CAP_TEXT_MAX];
    if (len >= (int)sizeof buf) len = (int)sizeof buf - 1;
    memcpy(buf, s, (size_t)len);
    buf[len] = '\0';
    int w = font && font->text ? text_width(font, px, buf) : 0;
    if (w > 0 || len == 0) return w;
    int chars = 0; /* no font, or it could not render this: estimate */
    for (int i = 0; i < len; i++) chars += ((unsigned char)buf[i] & 0xC0) != 0x80;
    return (int)(0.55 * px * chars + 0.5);
}

/* Greedy word wrap of c->text into lines at most width pixels wide at
   size px (a word longer than a line gets a line of its own). Records
   the first CAP_LINES_MAX lines; returns how many the whole text takes. */
static int caption_wrap(caption_t *c, const raster_font_t *font, int px, int width)
{
    const char *s = c->text;
    int n = 0, i = 0;
    for (;;) {
        int end = i;
        while (s[end] && s[end] != '\n') end++;
        int p = i;
        for (;;) {
            while (p < end && s[p] == ' ') p++;
            if (p >= end) break;
            int b = p, e = p;
            while (e < end && s[e] != ' ') e++; /* the first word, whatever its width */
            for (;;) {
                int ns = e;
                while (ns < end && s[ns] == ' ') ns++;
                if (ns >= end) break;
                int ne = ns;
                while (ne < end && s[ne] != ' ') ne++;
                if (span_width(font, px, s + b, ne - b) > width) break;
                e = ne;
            }
            if (n < CAP_LINES_MAX) {
                c->start[n] = b;
                c->len[n] = e - b;
            }
            n++;
            p = e;
        }
        if (!s[end]) break;
        i = end + 1;
    }
    return n;
}

/* Chooses the caption's size: 1.75 times the base size (large enough
   for a projector), smaller only when the box would take more
   than 30 % of the image, and never below the base size; lines that
   still do not fit are cut (the last one ends in an ellipsis). */
static void caption_plan(caption_t *c, const raster_tour_t *t, const raster_font_t *font,
                         int base, int live, int width, int h)
{
    caption_flow(c->text, sizeof c->text, t->caption);
    int max_h = h * 3 / 10, total = 0;
    for (int px = base * 7 / 4;; px--) {
        c->px = px;
        c->line = line_height(font, px);
        c->head_px = px * 4 / 5 > base ? px * 4 / 5 : base;
        c->head_line = line_height(font, c->head_px);
        c->keys_line = live ? line_height(font, base) : 0;
        c->pad = px / 2 > 3 ? px / 2 : 3;
        total = caption_wrap(c, font, px, width - 2 * c->pad);
        c->n = total < CAP_LINES_MAX ? total : CAP_LINES_MAX;
        c->h = c->pad / 2 + c->head_line + c->pad / 3 + c->n * c->line + c->keys_line + c->pad / 2;
        if (c->h <= max_h || px <= base) break;
    }
    c->cut = total > c->n;
    while (c->n > 1 && c->h > max_h) {
        c->n--;
        c->h -= c->line;
        c->cut = 1;
    }
}

/* ------------------------------------------------------------ layout */

/* Text sizes of a w x h image: 20 px at 1280 x 720, scaled with the
   image, so that the smaller texts (four fifths of it: panel labels,
   facet metrics, curve labels) are 16 px there, readable from the back
   of a lecture hall on a projector. */
static int base_font_px(int w, int h)
{
    int px = h / 36 < w / 64 ? h / 36 : w / 64;
    if (px < 8) px = 8;
    if (px > 40) px = 40;
    return px;
}

typedef struct {
    raster_layout_t lo;
    int line;        /* line height of the base size */
    int margin;
    int header_h, footer_h;
    int area;        /* panel side achieved, for choosing a layout */
    caption_t cap;   /* the tour's caption, when the scene has one */
} plan_t;

/* Axis ticks. Each heatmap's axes carry n ticks from -L to L, evenly
   spaced: 5 (-L, -L/2, 0, L/2, L) when their labels fit, else 3 (-L, 0,
   L). Marks stand out of the frame, values in the small text below (x)
   and left (y) of the panel; the labels at the ends are pulled inside
   the panel's edges, so they never reach a neighbour, a title or each
   other at the corner. The room for the values is part of the layout.
   It steps down rather than take panels that reach TICKS_KEEP_SIDE
   without ticks (the 256 px heatmaps the window promises at 1280 x 720)
   below it: y values left of every panel, else left of each row's first
   panel only (the others keep their marks: every panel shows the same
   box), else no ticks. Smaller panels keep y values on every panel as
   long as ticks_fit finds room for 3 of them. */
#define TICKS_MAX 5
#define TICKS_KEEP_SIDE 256

static double tick_value(double L, int k, int n)
{
    return -L + 2.0 * L * k / (n - 1);
}

static int tick_px(int fs)
{
    return fs * 4 / 5 > 7 ? fs * 4 / 5 : 7; /* the small text */
}

static int tick_len(int fs)
{
    return fs / 4 > 3 ? fs / 4 : 3;
}

/* The widest label of the TICKS_MAX ticks (the 3 are among them). */
static int tick_label_w(const raster_font_t *font, int fs, double L)
{
    int w = 0;
    char lab[32];
    for (int k = 0; k < TICKS_MAX; k++) {
        fmt_axis(lab, sizeof lab, tick_value(L, k, TICKS_MAX));
        int lw = span_width(font, tick_px(fs), lab, (int)strlen(lab));
        if (lw > w) w = lw;
    }
    return w;
}

/* How many ticks a side of `side` pixels holds: an end label, pulled in
   by half its size, must still clear its neighbour by half the small
   size, across (label_w) and down (label_h). */
static int ticks_fit(int side, int label_w, int label_h, int small)
{
    for (int n = TICKS_MAX; n >= 3; n -= 2) {
        int gap = side / (n - 1);
        if (gap >= (3 * label_w) / 2 + small / 2 && gap >= (3 * label_h) / 2 + small / 2) return n;
    }
    return 0;
}

/* The colour bar's values: nice steps of the shared scale, 5 or 2 of
   them over the bar (draw_colorbar picks from its height). */
static double colorbar_step(const view_model_t *vm, int five)
{
    return nice_step(vm->scale_hi - vm->scale_lo, five ? 5 : 2);
}

/* The width of the colour bar with its marks and values, either step. */
static int colorbar_width(const raster_font_t *font, const view_model_t *vm, int fs)
{
    int small = tick_px(fs), lw = 0;
    double lo = vm->scale_lo, hi = vm->scale_hi;
    if (hi > lo)
        for (int five = 0; five < 2; five++) {
            double step = colorbar_step(vm, five);
            for (double v = ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
                char lab[32];
                fmt_tick(lab, sizeof lab, v, step);
                int w = span_width(font, small, lab, (int)strlen(lab));
                if (w > lw) lw = w;
            }
        }
    return fs + fs / 3 + 5 + lw + small / 2; /* bar, mark and gap, values, a margin */
}

/* Lays the panels out in area (x, y, w, h), the colour bar right of them,
   with room for the axis ticks' values as "Axis ticks" above says;
   returns the side of a panel (0 when they do not fit). */
static int place_panels(plan_t *pl, const raster_scene_t *sc, const raster_font_t *font, int n,
                        int x, int y, int w, int h)
{
    raster_layout_t *lo = &pl->lo;
    int fs = lo->font_px;
    lo->n_panels = 0;
    lo->colorbar.w = 0;
    lo->ticks = lo->ticks_y_every = lo->tick_below = lo->tick_left = 0;
    int cbw = n > 0 ? fs + colorbar_width(font, sc->vm, fs) : 0; /* gap, bar */
    if (n <= 0 || w - cbw < 16 || h < 16) return 0;
    int aw = w - cbw, title_h = pl->line + 2;
    view_rect_t r[VIEW_MAX_PANELS], t[VIEW_MAX_PANELS];
    int got = view_layout(r, n, aw, h, 1.0, title_h);
    if (got <= 0) return 0;
    int small = tick_px(fs), sline = line_height(font, small), tl = tick_len(fs);
    int lw = tick_label_w(font, fs, sc->vm->L);
    int below = tl + 2 + sline, left = lw + tl + 4;
    int keep = r[0].w >= TICKS_KEEP_SIDE ? TICKS_KEEP_SIDE : 0;
    for (int every = 1; every >= 0; every--) {
        int got_t = view_layout_framed(t, n, aw, h, 1.0, title_h, below, every ? left : 0,
                                       every ? 0 : left);
        int ticks = got_t == got ? ticks_fit(t[0].w, lw, sline, small) : 0;
        if (ticks == 0 || t[0].w < keep) continue;
        memcpy(r, t, sizeof r);
        lo->ticks = ticks;
        lo->ticks_y_every = every;
        lo->tick_below = below;
        lo->tick_left = left;
        break;
    }
    int maxx = 0, miny = 1 << 30, maxy = 0;
    for (int i = 0; i < got; i++) {
        lo->panel[i].x = x + r[i].x;
        lo->panel[i].y = y + r[i].y;
        lo->panel[i].w = r[i].w;
        lo->panel[i].h = r[i].h;
        if (lo->panel[i].x + r[i].w > maxx) maxx = lo->panel[i].x + r[i].w;
        if (lo->panel[i].y < miny) miny = lo->panel[i].y;
        if (lo->panel[i].y + r[i].h > maxy) maxy = lo->panel[i].y + r[i].h;
    }
    lo->n_panels = got;
    lo->colorbar.x = maxx + fs;
    lo->colorbar.y = miny + pl->line;
    lo->colorbar.w = fs;
    lo->colorbar.h = maxy - miny - pl->line;
    if (lo->colorbar.h < 2 * fs) lo->colorbar.w = 0;
    return got == n ? r[0].w : 0;
}

/* The bottom of the lowest panel, its tick labels included. */
static int panels_bottom(const raster_layout_t *lo)
{
    int b = 0;
    for (int i = 0; i < lo->n_panels; i++)
        if (lo->panel[i].y + lo->panel[i].h > b) b = lo->panel[i].y + lo->panel[i].h;
    return lo->n_panels > 0 ? b + lo->tick_below : b;
}

static int panels_right(const raster_layout_t *lo)
{
    int r = 0;
    for (int i = 0; i < lo->n_panels; i++)
        if (lo->panel[i].x + lo->panel[i].w > r) r = lo->panel[i].x + lo->panel[i].w;
    if (lo->colorbar.w > 0) r = lo->colorbar.x + lo->colorbar.w + 5 * lo->font_px;
    return r;
}

/* Plans the tour's caption box for a box width bw (nothing without a
   tour); returns its height, 0 when none. */
static int plan_caption(plan_t *pl, const raster_scene_t *sc, const raster_font_t *font, int bw,
                        int h)
{
    pl->lo.caption = (view_rect_t){ 0, 0, 0, 0 };
    pl->lo.caption_px = 0;
    if (!sc->tour || bw < 32) return 0;
    caption_plan(&pl->cap, sc->tour, font, pl->lo.font_px, sc->live, bw, h);
    pl->lo.caption.w = bw;
    pl->lo.caption.h = pl->cap.h;
    pl->lo.caption_px = pl->cap.px;
    return pl->cap.h;
}

/* Layout A: panels on top, curves and metrics in a strip below; a tour's
   caption box across the whole width at the bottom. */
static void plan_bottom(plan_t *pl, const raster_scene_t *sc, const raster_font_t *font, int n,
                        int w, int h)
{
    int m = pl->margin, top = pl->header_h, fs = pl->lo.font_px;
    int cap = plan_caption(pl, sc, font, w - 2 * m, h);
    if (cap > 0) {
        /* the box sits just above the footer; everything else above it */
        pl->lo.caption.x = m;
        pl->lo.caption.y = h - pl->footer_h - m / 2 - cap;
        pl->footer_h += cap + m / 2;
    }
    /* the strip gives the panels back the room of their x values (down
       to 7 lines), unless they end up without ticks */
    raster_layout_t *lo = &pl->lo;
    int below = tick_len(fs) + 2 + line_height(font, tick_px(fs));
    int strip = 0, ph = 0;
    for (int give = 1; give >= 0; give--) {
        strip = (int)(0.28 * h) - (give ? below : 0);
        if (strip < 7 * pl->line) strip = 7 * pl->line;
        ph = h - top - pl->footer_h - strip - m;
        if (ph < 80) {
            strip = 0;
            ph = h - top - pl->footer_h - m;
        }
        pl->area = place_panels(pl, sc, font, n, m, top, w - 2 * m, ph);
        if (lo->ticks > 0 || strip == 0) break;
    }
    memset(lo->curves, 0, sizeof lo->curves);
    memset(&lo->metrics, 0, sizeof lo->metrics);
    if (strip == 0) return;
    int sy = panels_bottom(lo) + pl->line / 2;
    int sh = h - pl->footer_h - sy - m;
    if (sh < 4 * pl->line) return;
    int left = 5 * fs, cw = (int)(0.29 * w);
    int py = sy + pl->line + 2, phh = sh - 2 * pl->line - 4;
    lo->curves[0] = (view_rect_t){ m + left, py, cw - left, phh };
    lo->curves[1] = (view_rect_t){ m + cw + left, py, cw - left, phh };
    lo->metrics = (view_rect_t){ m + 2 * cw + 2 * fs, sy, w - (m + 2 * cw + 2 * fs) - m, sh };
}

/* Layout B: panels on the left, curves and metrics in a column; a tour's
   caption box under the panels, as wide as their side of the image. */
static void plan_right(plan_t *pl, const raster_scene_t *sc, const raster_font_t *font, int n,
                       int w, int h)
{
    int m = pl->margin, top = pl->header_h, fs = pl->lo.font_px;
    int col = (int)(0.26 * w);
    if (col < 16 * fs) col = 16 * fs;
    int ph = h - top - pl->footer_h - m, lw = w - 3 * m - col;
    int cap = plan_caption(pl, sc, font, lw, h);
    int gap = cap > 0 ? pl->line / 2 + m / 2 : 0;
    pl->area = place_panels(pl, sc, font, n, m, top, lw, ph - cap - gap);
    raster_layout_t *lo = &pl->lo;
    if (cap > 0) {
        /* right under the panels (or at the bottom when none fit) */
        int y = lo->n_panels > 0 ? panels_bottom(lo) + gap : top + ph - cap;
        lo->caption.x = m;
        lo->caption.y = y + cap <= top + ph ? y : top + ph - cap;
    }
    int cx = panels_right(lo) + 2 * fs;
    if (cx > w - col) cx = w - col;
    if (cap > 0 && cx < m + lw + 2 * fs) cx = m + lw + 2 * fs; /* clear of the caption */
    int cw = w - cx - m, left = 5 * fs;
    int bh = (ph) / 3;
    memset(lo->curves, 0, sizeof lo->curves);
    if (cw < 10 * fs || bh < 4 * pl->line) {
        memset(&lo->metrics, 0, sizeof lo->metrics);
        return;
    }
    lo->curves[0] = (view_rect_t){ cx + left, top + pl->line + 2, cw - left, bh - 2 * pl->line - 4 };
    lo->curves[1] = (view_rect_t){ cx + left, top + bh + pl->line + 2, cw - left,
                                   bh - 2 * pl->line - 4 };
    lo->metrics = (view_rect_t){ cx, top + 2 * bh, cw, ph - 2 * bh };
}

/* The interactive-data modes: on in the scene, and the size of their
   line (large, to be read across a room). */
static int annot_on(const raster_scene_t *sc)
{
    return sc->live && sc->annot && sc->annot->mode != VIEW_MODE_NORMAL;
}

static int annot_px(int fs) { return fs * 3 / 2; }

static void plan_base(plan_t *pl, const raster_scene_t *sc, int w, int h,
                      const raster_font_t *font)
{
    memset(pl, 0, sizeof *pl);
    pl->lo.font_px = base_font_px(w, h);
    pl->line = line_height(font, pl->lo.font_px);
    pl->margin = pl->lo.font_px / 2 > 2 ? pl->lo.font_px / 2 : 2;
    pl->header_h = pl->line + pl->margin + pl->line / 2;
    int lines = 0;
    if (sc->live) lines++;
    if (sc->prompt || sc->message) lines++;
    pl->footer_h = lines * pl->line + (lines ? pl->margin : 0);
    if (annot_on(sc)) pl->footer_h += line_height(font, annot_px(pl->lo.font_px)) + pl->margin / 2;
}

/* Both layouts, and the one that shows the panels larger in *out (the
   column only when it gives clearly bigger panels), ticks first. */
static void plan_choose(plan_t *out, const raster_scene_t *sc, int w, int h,
                        const raster_font_t *font)
{
    int n = sc->vm ? sc->vm->n_panels : 0;
    plan_t *b = malloc(sizeof *b);
    plan_base(out, sc, w, h, font);
    plan_bottom(out, sc, font, n, w, h);
    if (!b) return;
    plan_base(b, sc, w, h, font);
    plan_right(b, sc, font, n, w, h);
    /* a layout with ticks and panels of TICKS_KEEP_SIDE beats one
       without them, whatever its size */
    int a_ticks = out->lo.ticks > 0 && out->area >= TICKS_KEEP_SIDE;
    int b_ticks = b->lo.ticks > 0 && b->area >= TICKS_KEEP_SIDE && b->lo.curves[0].w > 0;
    if (a_ticks != b_ticks) {
        if (b_ticks) *out = *b;
    } else if (b->area > out->area + out->area / 20 && b->lo.curves[0].w > 0) {
        *out = *b;
    }
    free(b);
}

void raster_layout(raster_layout_t *lo, const raster_scene_t *sc, int w, int h,
                   const raster_font_t *font)
{
    plan_t *pl = malloc(sizeof *pl);
    if (!pl) {
        memset(lo, 0, sizeof *lo);
        return;
    }
    plan_choose(pl, sc, w, h, font);
    *lo = pl->lo;
    free(pl);
}

int raster_pixel_to_world(const view_rect_t *r, double L, int px, int py, double *x, double *y)
{
    *x = -L + 2.0 * L * (px - r->x + 0.5) / r->w;
    *y = L - 2.0 * L * (py - r->y + 0.5) / r->h;
    return px >= r->x && px < r->x + r->w && py >= r->y && py < r->y + r->h;
}

/* World (x, y) to pixel coordinates of rect r (continuous). */
static void world_to_pixel(const view_rect_t *r, double L, double x, double y, double *px,
                           double *py)
{
    *px = r->x + (x + L) / (2.0 * L) * r->w;
    *py = r->y + (L - y) / (2.0 * L) * r->h;
}

/* ------------------------------------------------------------ heatmaps */

#define LUT_N 1024

/* Fills lut(LUT_N) with the panel's colours from lo to hi. */
static void panel_lut(view_rgb_t *lut, const view_model_t *vm, const view_panel_t *p)
{
    for (int i = 0; i < LUT_N; i++) {
        double v = p->lo + (p->hi - p->lo) * i / (LUT_N - 1);
        lut[i] = view_panel_color(vm, p, v);
    }
}

static view_rgb_t lut_color(const view_rgb_t *lut, const view_panel_t *p, double v)
{
    int i = (int)(view_panel_t01(p, v) * (LUT_N - 1) + 0.5);
    return lut[i];
}

/* The value at continuous grid coordinates (gx, gy) (cell centres at
   integers), interpolated between the four nearest cells. */
static double bilinear_at(const double *v, int G, double gx, double gy)
{
    if (gx < 0) gx = 0;
    if (gy < 0) gy = 0;
    if (gx > G - 1) gx = G - 1;
    if (gy > G - 1) gy = G - 1;
    int i0 = (int)gx, j0 = (int)gy;
    int i1 = i0 + 1 < G ? i0 + 1 : i0, j1 = j0 + 1 < G ? j0 + 1 : j0;
    double fx = gx - i0, fy = gy - j0;
    double a = v[(size_t)j0 * G + i0], b = v[(size_t)j0 * G + i1];
    double c = v[(size_t)j1 * G + i0], d = v[(size_t)j1 * G + i1];
    if (isnan(a) || isnan(b) || isnan(c) || isnan(d)) {
        int i = fx < 0.5 ? i0 : i1, j = fy < 0.5 ? j0 : j1;
        return v[(size_t)j * G + i];
    }
    return (1 - fy) * ((1 - fx) * a + fx * b) + fy * ((1 - fx) * c + fx * d);
}

/* Nearest sampling: each cell's colour once, then a copy per pixel. */
static void heatmap_nearest(const canvas_t *c, const view_panel_t *p, const view_rect_t *r, int G,
                            const view_rgb_t *lut, view_rgb_t *cells, int *col_cell)
{
    for (size_t k = 0; k < (size_t)G * G; k++) cells[k] = lut_color(lut, p, p->values[k]);
    for (int i = c->x0; i < c->x1; i++) {
        int cx = (int)floor((i - r->x + 0.5) / r->w * G);
        col_cell[i - c->x0] = cx < 0 ? 0 : cx >= G ? G - 1 : cx;
    }
    for (int j = c->y0; j < c->y1; j++) {
        /* row 0 of the image is the top of the box: y = +L */
        int cy = G - 1 - (int)floor((j - r->y + 0.5) / r->h * G);
        if (cy < 0) cy = 0;
        if (cy >= G) cy = G - 1;
        const view_rgb_t *row_cells = cells + (size_t)cy * G;
        unsigned char *out = c->img->px + ((size_t)j * (size_t)c->img->w + (size_t)c->x0) * 3;
        for (int i = 0; i < c->x1 - c->x0; i++, out += 3) {
            view_rgb_t col = row_cells[col_cell[i]];
            out[0] = col.r;
            out[1] = col.g;
            out[2] = col.b;
        }
    }
}

/* Bilinear sampling: values interpolated between cell centres, then
   coloured. */
static void heatmap_bilinear(const canvas_t *c, const view_panel_t *p, const view_rect_t *r,
                             int G, const view_rgb_t *lut)
{
    for (int j = c->y0; j < c->y1; j++) {
        double gy = (1.0 - (j - r->y + 0.5) / r->h) * G - 0.5;
        unsigned char *out = c->img->px + ((size_t)j * (size_t)c->img->w + (size_t)c->x0) * 3;
        for (int i = c->x0; i < c->x1; i++, out += 3) {
            double gx = (i - r->x + 0.5) / r->w * G - 0.5;
            view_rgb_t col = lut_color(lut, p, bilinear_at(p->values, G, gx, gy));
            out[0] = col.r;
            out[1] = col.g;
            out[2] = col.b;
        }
    }
}

static void draw_heatmap(const canvas_t *cv, const view_model_t *vm, const view_panel_t *p,
                         const view_rect_t *r, int bilinear, view_rgb_t *lut)
{
    int G = vm->G;
    canvas_t c = canvas_clip(cv, r->x, r->y, r->w, r->h);
    if (G <= 0 || !p->values || (size_t)G * (size_t)G != vm->n) {
        fill_rect(&c, r->x, r->y, r->w, r->h, C_PANEL_EMPTY, 255);
        return;
    }
    if (c.x1 <= c.x0 || c.y1 <= c.y0) return;
    panel_lut(lut, vm, p);
    view_rgb_t *cells = bilinear ? NULL : malloc(vm->n * sizeof *cells);
    int *col_cell = bilinear ? NULL : malloc((size_t)(c.x1 - c.x0) * sizeof *col_cell);
    if (cells && col_cell) heatmap_nearest(&c, p, r, G, lut, cells, col_cell);
    else heatmap_bilinear(&c, p, r, G, lut);
    free(cells);
    free(col_cell);
}

/* The pair overlay: each pair a full segment from the loser to the
   winner, the winner's end a white dot with a dark rim, the loser's a
   smaller dark dot with a light rim. The rule that keeps it readable
   with any number of pairs: at most side/5 pairs are drawn (68 on a
   340 px panel; a segment averages some 0.4 sides, so their strokes ink
   about a tenth of the panel), the last ones listed (the newest: the
   snapshot lists answers and on-policy pairs newest last, and data drawn
   at once in random order), and the segments' alpha falls as
   1/sqrt(pairs drawn), from 200 for a few pairs to 70 at the least. */
static void draw_pairs(const canvas_t *cv, const view_rect_t *r, double L,
                       const live_snapshot_t *s)
{
    canvas_t c = canvas_clip(cv, r->x, r->y, r->w, r->h);
    /* be the annotator: the answers given */
    int answers = s->human && s->n_answered > 0;
    size_t have = answers ? s->n_answered : s->n_pairs;
    const float *all = answers ? s->answered : s->pairs;
    size_t cap = (size_t)(r->w / 5 > 8 ? r->w / 5 : 8);
    size_t k = have < cap ? have : cap;
    const float *q0 = all + 4 * (have - k);
    if (k == 0) return;
    double width = r->w / 360.0 + 0.6;
    double win_r = r->w / 200.0 + 1.2, lose_r = 0.6 * win_r, rim = r->w / 600.0 + 0.8;
    int alpha = (int)(255.0 * sqrt(16.0 / (double)k));
    if (alpha > 200) alpha = 200;
    if (alpha < 70) alpha = 70;
    for (int pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < k; i++) {
            const float *q = q0 + 4 * i;
            double wx, wy, lx, ly;
            world_to_pixel(r, L, (double)q[0], (double)q[1], &wx, &wy);
            world_to_pixel(r, L, (double)q[2], (double)q[3], &lx, &ly);
            if (pass == 0) {
                line_aa(&c, lx, ly, wx, wy, width, C_WHITE, alpha);
            } else if (pass == 1) { /* losers under winners */
                disc(&c, lx, ly, lose_r + rim, C_WHITE, 200);
                disc(&c, lx, ly, lose_r, C_BLACK, 230);
            } else {
                disc(&c, wx, wy, win_r + rim, C_BLACK, 170);
                disc(&c, wx, wy, win_r, C_WHITE, 255);
            }
        }
}

/* The axis ticks of heatmap i (see "Axis ticks" above). */
static void draw_ticks(const canvas_t *cv, const raster_layout_t *lo, int i, double L,
                       const raster_font_t *font)
{
    int n = lo->ticks;
    if (n < 2) return;
    const view_rect_t *r = &lo->panel[i];
    int y_values = lo->ticks_y_every || i == 0 || r->y != lo->panel[i - 1].y;
    int fs = lo->font_px, small = tick_px(fs), sline = line_height(font, small), tl = tick_len(fs);
    int mw = fs / 12 > 1 ? fs / 12 : 1; /* a mark's width */
    for (int k = 0; k < n; k++) {
        char lab[32];
        fmt_axis(lab, sizeof lab, tick_value(L, k, n));
        int lw = text_width(font, small, lab);
        /* x: -L on the frame's left column, L on its right one */
        int tx = k == 0 ? r->x - 1 : k == n - 1 ? r->x + r->w - mw + 1
                                                : r->x + (int)lround((double)k * r->w / (n - 1)) - mw / 2;
        fill_rect(cv, tx, r->y + r->h + 1, mw, tl, C_DIM, 255);
        int lx = tx + mw / 2 - lw / 2;
        if (lx + lw > r->x + r->w + 1) lx = r->x + r->w + 1 - lw;
        if (lx < r->x - 1) lx = r->x - 1;
        draw_text(cv, font, lx, r->y + r->h + tl + 2, small, C_DIM, ALIGN_LEFT, lab);
        /* y: -L on the frame's bottom row, L on its top one */
        int ty = k == 0 ? r->y + r->h - mw + 1 : k == n - 1 ? r->y - 1
                                               : r->y + r->h - (int)lround((double)k * r->h / (n - 1)) - mw / 2;
        fill_rect(cv, r->x - 1 - tl, ty, tl, mw, C_DIM, 255);
        if (!y_values) continue;
        int ly = ty + mw / 2 - sline / 2;
        if (ly + sline > r->y + r->h + 1) ly = r->y + r->h + 1 - sline;
        if (ly < r->y - 1) ly = r->y - 1;
        draw_text(cv, font, r->x - tl - 4, ly, small, C_DIM, ALIGN_RIGHT, lab);
    }
}

/* A crosshair with a dark outline at the cursor. */
static void draw_cursor(const canvas_t *cv, const view_rect_t *r, double L, double x, double y)
{
    canvas_t c = canvas_clip(cv, r->x, r->y, r->w, r->h);
    double px, py;
    world_to_pixel(r, L, x, y, &px, &py);
    double arm = r->w / 28.0 + 3, gap = r->w / 90.0 + 1.5, wdt = r->w / 300.0 + 1.0;
    static const int DIR[4][2] = { { 1, 0 }, { -1, 0 }, { 0, 1 }, { 0, -1 } };
    for (int pass = 0; pass < 2; pass++) {
        double ww = pass == 0 ? wdt + 2 : wdt;
        view_rgb_t col = pass == 0 ? C_BLACK : C_WHITE;
        for (int k = 0; k < 4; k++)
            line_aa(&c, px + DIR[k][0] * gap, py + DIR[k][1] * gap, px + DIR[k][0] * (gap + arm),
                    py + DIR[k][1] * (gap + arm), ww, col, pass == 0 ? 170 : 255);
    }
}

/* A panel on its own scale (diverging, probability) carries a small
   colour bar with its range in its bottom-right corner. */
static void draw_inset_scale(const canvas_t *cv, const view_model_t *vm, const view_panel_t *p,
                             const view_rect_t *r, const raster_font_t *font, int fs)
{
    int small = fs * 4 / 5 > 7 ? fs * 4 / 5 : 7, line = line_height(font, small);
    char lo[32], hi[32];
    double step = nice_step(p->hi - p->lo, 4);
    fmt_tick(lo, sizeof lo, p->lo, step / 10);
    fmt_tick(hi, sizeof hi, p->hi, step / 10);
    if (p->kind == PANEL_DIVERGING && p->hi > 0) snprintf(hi, sizeof hi, "+%.2g", p->hi);
    if (p->kind == PANEL_DIVERGING) snprintf(lo, sizeof lo, "%.2g", p->lo);
    unicode_minus(lo, sizeof lo);
    unicode_minus(hi, sizeof hi);
    int bw = r->w / 4, bh = small / 2 + 2;
    int lw = text_width(font, small, lo), hw = text_width(font, small, hi);
    int boxw = lw + hw + bw + small * 2, boxh = line + 4;
    if (boxw > r->w - 4 || boxh > r->h / 4) return;
    int bx = r->x + r->w - boxw - 3, by = r->y + r->h - boxh - 3;
    canvas_t c = canvas_clip(cv, r->x, r->y, r->w, r->h);
    fill_rect(&c, bx, by, boxw, boxh, C_BG, 200);
    int x = bx + small / 2;
    x += draw_text(&c, font, x, by + 2, small, C_TEXT, ALIGN_LEFT, lo) + small / 2;
    for (int i = 0; i < bw; i++) {
        double v = p->lo + (p->hi - p->lo) * (i + 0.5) / bw;
        fill_rect(&c, x + i, by + (boxh - bh) / 2, 1, bh, view_panel_color(vm, p, v), 255);
    }
    x += bw + small / 2;
    draw_text(&c, font, x, by + 2, small, C_TEXT, ALIGN_LEFT, hi);
}

static void draw_learning_curve(const canvas_t *cv, const curve_view_t *v, const view_rect_t *r,
                                const raster_font_t *font, int fs, int line);
static void draw_room_panel(const canvas_t *cv, const view_room_t *rm, const view_rect_t *r,
                            const raster_font_t *font, int fs, int line);

/* A panel title that fits width pixels at a size fit_px allows: the
   whole title, else without a trailing " (...)", else the part of
   "head \u2014 tail" that matters (the formula of "optimum \u2014
   formula", the head of the others: "p*(x)"), else that without its
   " (...)"; the last of these when none fits. Titles are shorter than
   TITLE_MAX bytes (view_panel_t). */
#define TITLE_MAX 128

static void strip_paren(char *s)
{
    size_t len = strlen(s);
    char *paren = strrchr(s, '(');
    if (paren && paren > s && paren[-1] == ' ' && len > 0 && s[len - 1] == ')') paren[-1] = '\0';
}

static void fit_title(char *out, const raster_font_t *font, int px, const char *title, int width)
{
    char cand[4][TITLE_MAX];
    size_t len = strlen(title);
    if (len >= TITLE_MAX) len = TITLE_MAX - 1;
    memcpy(cand[0], title, len);
    cand[0][len] = '\0';
    memcpy(cand[1], cand[0], TITLE_MAX);
    strip_paren(cand[1]);
    memcpy(cand[2], cand[0], TITLE_MAX);
    char *dash = strstr(cand[2], " \xE2\x80\x94 ");
    if (dash && strncmp(cand[2], "optimum", 7) == 0) memmove(cand[2], dash + 5, strlen(dash + 5) + 1);
    else if (dash) *dash = '\0';
    memcpy(cand[3], cand[2], TITLE_MAX);
    strip_paren(cand[3]);
    for (int k = 0; k < 4; k++)
        if (text_width(font, fit_px(font, px, cand[k], width), cand[k]) <= width) {
            memcpy(out, cand[k], TITLE_MAX);
            return;
        }
    memcpy(out, cand[3], TITLE_MAX);
}

/* the interactive-data modes' part of a panel (further down, "modes") */
static const char *annot_title(const raster_scene_t *sc, int index, const char *title);
static void draw_annot_panel(const canvas_t *cv, const raster_scene_t *sc, int index,
                             const view_rect_t *r, const raster_font_t *font, int fs);

static void draw_panels(const canvas_t *cv, const raster_scene_t *sc, const raster_layout_t *lo,
                        const raster_font_t *font, int line)
{
    const view_model_t *vm = sc->vm;
    view_rgb_t *lut = malloc(LUT_N * sizeof *lut);
    if (!lut) return;
    for (int i = 0; i < lo->n_panels && i < vm->n_panels; i++) {
        const view_panel_t *p = &vm->panels[i];
        const view_rect_t *r = &lo->panel[i];
        if (i == 2 && raster_room_panel(sc)) { /* the room's join code in the third's place */
            draw_room_panel(cv, &sc->annot->room, r, font, lo->font_px, line);
            continue;
        }
        if (i == 2 && sc->curve && sc->n_runs == 1) { /* the learning curve in the third's place */
            draw_learning_curve(cv, sc->curve, r, font, lo->font_px, line);
            continue;
        }
        canvas_t tc = canvas_clip(cv, r->x - 2, r->y - line - 2, r->w + 4, line + 2);
        char title[TITLE_MAX];
        fit_title(title, font, lo->font_px, annot_title(sc, i, p->title), r->w + 4);
        int tpx = fit_px(font, lo->font_px, title, r->w + 4);
        int ty = r->y - line - 2 + (line - line_height(font, tpx)) / 2;
        if (text_width(font, tpx, title) <= r->w + 4)
            draw_text(&tc, font, r->x + r->w / 2, ty, tpx, C_TEXT, ALIGN_CENTRE, title);
        else /* too long even small: keep its start */
            draw_text(&tc, font, r->x - 2, ty, tpx, C_TEXT, ALIGN_LEFT, title);
        if (p->kind == PANEL_MESSAGE) {
            fill_rect(cv, r->x, r->y, r->w, r->h, C_PANEL_EMPTY, 255);
            draw_text(cv, font, r->x + r->w / 2, r->y + r->h / 2 - line / 2, lo->font_px, C_DIM,
                      ALIGN_CENTRE, p->message);
        } else {
            draw_heatmap(cv, vm, p, r, sc->bilinear, lut);
            int run = sc->panel_run[i];
            if (run < 0 || run >= sc->n_runs) run = 0;
            const live_snapshot_t *s = sc->runs[run].snap;
            if (vm->overlay && p->kind == PANEL_DENSITY && s) draw_pairs(cv, r, vm->L, s);
            if (sc->cursor && !(sc->annot && sc->annot->mode == VIEW_MODE_BRUSH && i == 0))
                draw_cursor(cv, r, vm->L, vm->cursor_x, vm->cursor_y);
            if (p->kind != PANEL_DENSITY) draw_inset_scale(cv, vm, p, r, font, lo->font_px);
            draw_annot_panel(cv, sc, i, r, font, lo->font_px);
            draw_ticks(cv, lo, i, vm->L, font);
        }
        frame_rect(cv, r->x, r->y, r->w, r->h, C_FRAME);
    }
    free(lut);
}

/* ------------------------------------------------------------ colour bar */

static void draw_colorbar(const canvas_t *cv, const raster_scene_t *sc, const raster_layout_t *lo,
                          const raster_font_t *font, int line)
{
    const view_model_t *vm = sc->vm;
    const view_rect_t *b = &lo->colorbar;
    const view_panel_t *ref = NULL;
    for (int i = 0; i < vm->n_panels; i++)
        if (vm->panels[i].kind == PANEL_DENSITY) {
            ref = &vm->panels[i];
            break;
        }
    if (!ref || b->w <= 0 || b->h <= 0) return;
    view_panel_t bar = *ref;
    bar.lo = vm->scale_lo;
    bar.hi = vm->scale_hi;
    for (int j = 0; j < b->h; j++) {
        double t = 1.0 - (j + 0.5) / b->h;
        view_rgb_t c = view_panel_color(vm, &bar, bar.lo + t * (bar.hi - bar.lo));
        fill_rect(cv, b->x, b->y + j, b->w, 1, c, 255);
    }
    frame_rect(cv, b->x, b->y, b->w, b->h, C_FRAME);
    int fs = lo->font_px, small = fs * 4 / 5 > 7 ? fs * 4 / 5 : 7;
    int sline = line_height(font, small);
    draw_text(cv, font, b->x + b->w / 2, b->y - line - 1, small, C_DIM, ALIGN_CENTRE,
              vm->log_scale ? "log p(x)" : "p(x)");
    double span = bar.hi - bar.lo;
    if (!(span > 0)) return;
    double step = colorbar_step(vm, b->h / (3 * sline) > 2);
    double first = ceil(bar.lo / step - 1e-9) * step;
    for (double v = first; v <= bar.hi + step * 1e-9; v += step) {
        double t = (v - bar.lo) / span;
        int y = b->y + (int)((1.0 - t) * (b->h - 1) + 0.5);
        fill_rect(cv, b->x + b->w, y, fs / 3 + 2, 1, C_TEXT, 255);
        char lab[32];
        fmt_tick(lab, sizeof lab, v, step);
        draw_text(cv, font, b->x + b->w + fs / 3 + 5, y - sline / 2, small, C_TEXT, ALIGN_LEFT,
                  lab);
    }
}

/* ------------------------------------------------------------ curves */

typedef struct {
    const long *x;
    const double *y;
    size_t n;
    view_rgb_t color;
    int dashed;
    const char *label; /* legend entry, or NULL */
} series_t;

/* The legend inside the plot's top-right corner: one line per labelled
   series, a stroke (dashed like the series) and the label. */
static void draw_legend(const canvas_t *cv, const view_rect_t *r, const raster_font_t *font,
                        int fs, const series_t *ser, int n_ser)
{
    int small = fs * 4 / 5 > 7 ? fs * 4 / 5 : 7, line = line_height(font, small);
    int wmax = 0, n = 0;
    for (int s = 0; s < n_ser; s++) {
        if (!ser[s].label) continue;
        int w = text_width(font, small, ser[s].label);
        if (w > wmax) wmax = w;
        n++;
    }
    if (n == 0 || !font) return;
    int stroke = small * 3 / 2, bw = stroke + small / 2 + wmax + small, bh = n * line + small / 2;
    int bx = r->x + r->w - bw - 3, by = r->y + 3;
    canvas_t c = canvas_clip(cv, r->x, r->y, r->w, r->h);
    fill_rect(&c, bx, by, bw, bh, C_BG, 210);
    double width = fs / 9.0 + 1.0;
    int y = by + small / 4;
    for (int s = 0; s < n_ser; s++) {
        if (!ser[s].label) continue;
        double x = bx + small / 2.0, my = y + line / 2.0 + 0.5;
        if (ser[s].dashed) {
            line_aa(&c, x, my, x + stroke * 0.4, my, width, ser[s].color, 255);
            line_aa(&c, x + stroke * 0.6, my, x + stroke, my, width, ser[s].color, 255);
        } else {
            line_aa(&c, x, my, x + stroke, my, width, ser[s].color, 255);
        }
        draw_text(&c, font, (int)x + stroke + small / 2, y, small, ser[s].color, ALIGN_LEFT,
                  ser[s].label);
        y += line;
    }
}

/* A dashed segment: dashes of 0.6 fs, gaps of 0.4 fs, continuing the
   pattern from phase (the length drawn so far). Returns the new phase. */
static double dashed_line(const canvas_t *c, double x0, double y0, double x1, double y1,
                          double width, view_rgb_t col, double phase, int fs)
{
    double period = fs, on = 0.6 * fs;
    double dx = x1 - x0, dy = y1 - y0, len = sqrt(dx * dx + dy * dy);
    if (!(len > 0)) return phase;
    double t = 0;
    while (t < len) {
        double in = fmod(phase + t, period);
        double step = in < on ? on - in : period - in;
        if (t + step > len) step = len - t;
        if (in < on)
            line_aa(c, x0 + dx * t / len, y0 + dy * t / len, x0 + dx * (t + step) / len,
                    y0 + dy * (t + step) / len, width, col, 255);
        t += step > 1e-9 ? step : 1e-9;
    }
    return phase + len;
}

/* A linear y axis for a plot in r over [lo, hi]: grid lines at a nice
   step and their values left of the plot in the small size. */
static void linear_grid(const canvas_t *cv, const view_rect_t *r, const raster_font_t *font,
                        int small, double lo, double hi)
{
    int sline = line_height(font, small);
    char lab[32];
    double step = nice_step(hi - lo, r->h > 6 * sline ? 4 : 2);
    for (double v = ceil(lo / step) * step; v <= hi; v += step) {
        int y = r->y + (int)((hi - v) / (hi - lo) * (r->h - 1) + 0.5);
        fill_rect(cv, r->x, y, r->w, 1, C_GRIDLINE, 255);
        fmt_tick(lab, sizeof lab, v, step);
        draw_text(cv, font, r->x - 4, y - sline / 2, small, C_DIM, ALIGN_RIGHT, lab);
    }
}

/* A line plot of the series in rect r: x from 0 to xmax, y linear or
   log10, with the title above and the range on the left. */
static void draw_plot(const canvas_t *cv, const view_rect_t *r, const raster_font_t *font,
                      int fs, const char *title, const series_t *ser, int n_ser, double xmax,
                      int logy)
{
    if (r->w < 20 || r->h < 20) return;
    int small = fs * 4 / 5 > 7 ? fs * 4 / 5 : 7, sline = line_height(font, small);
    int line = line_height(font, fs);
    fill_rect(cv, r->x, r->y, r->w, r->h, C_BG, 255);
    frame_rect(cv, r->x, r->y, r->w, r->h, C_FRAME);
    canvas_t tc = canvas_clip(cv, r->x - 4 * fs, r->y - line - 2, r->w + 4 * fs, line);
    /* a title too long for its room loses what follows its last comma
       ("KL divergence, log scale": the axis shows the scale) */
    char tbuf[160];
    snprintf(tbuf, sizeof tbuf, "%s", title);
    char *comma = strrchr(tbuf, ',');
    if (comma && text_width(font, fs, tbuf) > tc.x1 - r->x) *comma = '\0';
    draw_text(&tc, font, r->x, r->y - line - 2, fs, C_TEXT, ALIGN_LEFT, tbuf);

    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (int s = 0; s < n_ser; s++)
        for (size_t i = 0; i < ser[s].n; i++) {
            double v = ser[s].y[i];
            if (!isfinite(v) || (logy && !(v > 0))) continue;
            v = logy ? log10(v) : v;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
    if (!(hi >= lo)) {
        draw_text(cv, font, r->x + r->w / 2, r->y + r->h / 2 - sline / 2, small, C_DIM,
                  ALIGN_CENTRE, "no data yet");
        return;
    }
    if (logy) {
        if (lo < -5) lo = -5;
        lo = floor(lo);
        hi = ceil(hi);
        if (hi <= lo) hi = lo + 1;
    } else {
        double pad = (hi - lo) * 0.08;
        if (!(pad > 0)) pad = fabs(hi) * 0.1 + 1e-3;
        lo -= pad;
        hi += pad;
    }
    if (!(xmax > 0)) xmax = 1;

    /* grid lines and labels on the left */
    char lab[32];
    if (logy) {
        int every = (int)(hi - lo) > 4 ? 2 : 1;
        for (int e = (int)lo; e <= (int)hi; e++) {
            int y = r->y + (int)((hi - e) / (hi - lo) * (r->h - 1) + 0.5);
            fill_rect(cv, r->x, y, r->w, 1, C_GRIDLINE, 255);
            if ((e - (int)lo) % every) continue;
            snprintf(lab, sizeof lab, e >= 0 ? "%.0f" : "%g", pow(10.0, e));
            draw_text(cv, font, r->x - 4, y - sline / 2, small, C_DIM, ALIGN_RIGHT, lab);
        }
    } else {
        linear_grid(cv, r, font, small, lo, hi);
    }
    draw_text(cv, font, r->x, r->y + r->h + 1, small, C_DIM, ALIGN_LEFT, "0");
    fmt_count(lab, sizeof lab, (long)xmax);
    draw_text(cv, font, r->x + r->w, r->y + r->h + 1, small, C_DIM, ALIGN_RIGHT, lab);
    draw_text(cv, font, r->x + r->w / 2, r->y + r->h + 1, small, C_DIM, ALIGN_CENTRE, "step");

    canvas_t c = canvas_clip(cv, r->x, r->y, r->w, r->h);
    double width = fs / 9.0 + 1.0;
    for (int s = 0; s < n_ser; s++) {
        double px0 = 0, py0 = 0, phase = 0;
        int have = 0;
        for (size_t i = 0; i < ser[s].n; i++) {
            double v = ser[s].y[i];
            if (!isfinite(v) || (logy && !(v > 0))) {
                have = 0;
                continue;
            }
            v = logy ? log10(v) : v;
            double px = r->x + (double)ser[s].x[i] / xmax * (r->w - 1) + 0.5;
            double py = r->y + (hi - v) / (hi - lo) * (r->h - 1) + 0.5;
            /* skip points closer than a pixel to the last one drawn */
            if (have && fabs(px - px0) < 1.0 && fabs(py - py0) < 1.0 && i + 1 < ser[s].n) continue;
            if (have && !ser[s].dashed) line_aa(&c, px0, py0, px, py, width, ser[s].color, 255);
            else if (have) phase = dashed_line(&c, px0, py0, px, py, width, ser[s].color, phase, fs);
            if (!have && ser[s].n == 1) disc(&c, px, py, width, ser[s].color, 255);
            px0 = px;
            py0 = py;
            have = 1;
        }
    }
    draw_legend(cv, r, font, fs, ser, n_ser);
}

/* The over-optimisation plot, in the KL plot's place while the overopt
   panel shows: proxy and gold gains (nats) against d = sqrt(KL) of the RL
   sweep, the gold peak marked with a dot, the policy on screen with a
   dashed vertical line. */
static void draw_overopt_plot(const canvas_t *cv, const view_rect_t *r, const raster_font_t *font,
                              int fs, const live_snapshot_t *s)
{
    const overopt_curve_t *c = &s->overopt;
    if (r->w < 20 || r->h < 20 || c->n_points < 1) return;
    int small = fs * 4 / 5 > 7 ? fs * 4 / 5 : 7;
    int line = line_height(font, fs);
    fill_rect(cv, r->x, r->y, r->w, r->h, C_BG, 255);
    frame_rect(cv, r->x, r->y, r->w, r->h, C_FRAME);
    canvas_t tc = canvas_clip(cv, r->x - 4 * fs, r->y - line - 2, r->w + 4 * fs, line);
    draw_text(&tc, font, r->x, r->y - line - 2, fs, C_TEXT, ALIGN_LEFT,
              "RL on r\xCC\x82: gain against \xE2\x88\x9AKL");
    double lo = 0, hi = 0, dmax = c->d[c->n_points - 1];
    for (int i = 0; i < c->n_points; i++) {
        if (isfinite(c->proxy[i])) lo = fmin(lo, c->proxy[i]), hi = fmax(hi, c->proxy[i]);
        if (isfinite(c->gold[i])) lo = fmin(lo, c->gold[i]), hi = fmax(hi, c->gold[i]);
    }
    double pad = (hi - lo) * 0.08;
    if (!(pad > 0)) pad = 1;
    lo -= pad;
    hi += pad;
    if (!(dmax > 0)) dmax = 1;
    char lab[32];
    linear_grid(cv, r, font, small, lo, hi);
    draw_text(cv, font, r->x, r->y + r->h + 1, small, C_DIM, ALIGN_LEFT, "0");
    snprintf(lab, sizeof lab, "%.2g", dmax);
    draw_text(cv, font, r->x + r->w, r->y + r->h + 1, small, C_DIM, ALIGN_RIGHT, lab);
    draw_text(cv, font, r->x + r->w / 2, r->y + r->h + 1, small, C_DIM, ALIGN_CENTRE,
              "\xE2\x88\x9AKL(\xCF\x80\xE2\x80\x96\xCF\x80_ref)");
    canvas_t cc = canvas_clip(cv, r->x, r->y, r->w, r->h);
    double width = fs / 9.0 + 1.0;
#define OO_X(d) (r->x + (d) / dmax * (r->w - 1) + 0.5)
#define OO_Y(v) (r->y + (hi - (v)) / (hi - lo) * (r->h - 1) + 0.5)
    /* the policy on screen */
    double dn = sqrt(fmax(s->overopt_at.kl, 0));
    dashed_line(&cc, OO_X(dn), r->y, OO_X(dn), r->y + r->h, width * 0.7, C_DIM, 0, fs);
    const double *ys[2] = { c->proxy, c->gold };
    for (int k = 0; k < 2; k++)
        for (int i = 1; i < c->n_points; i++)
            if (isfinite(ys[k][i - 1]) && isfinite(ys[k][i]))
                line_aa(&cc, OO_X(c->d[i - 1]), OO_Y(ys[k][i - 1]), OO_X(c->d[i]), OO_Y(ys[k][i]),
                        width, C_SERIES[k], 255);
    if (c->peak >= 0 && c->peak < c->n_points && isfinite(c->gold[c->peak]))
        disc(&cc, OO_X(c->d[c->peak]), OO_Y(c->gold[c->peak]), 2.5 * width, C_SERIES[1], 255);
#undef OO_X
#undef OO_Y
    series_t leg[2] = { { NULL, NULL, 0, C_SERIES[0], 0, "proxy r\xCC\x82" },
                        { NULL, NULL, 0, C_SERIES[1], 0, "gold r*, \xE2\x97\x8F peak" } };
    draw_legend(cv, r, font, fs, leg, 2);
}

/* The two plots: held-out loss (and its Bayes floor) and KL, for one run
   or for every run of a facet. */
static void draw_curves(const canvas_t *cv, const raster_scene_t *sc, const raster_layout_t *lo,
                        const raster_font_t *font)
{
    series_t a[2 * VIEW_MAX_PANELS], b[2 * VIEW_MAX_PANELS];
    int na = 0, nb = 0;
    double xmax = 0;
    for (int k = 0; k < sc->n_runs; k++) {
        const live_snapshot_t *s = sc->runs[k].snap;
        if (!s) continue;
        if ((double)s->params.steps > xmax) xmax = (double)s->params.steps;
        if (s->n_hist > 0 && (double)s->hist_step[s->n_hist - 1] > xmax)
            xmax = (double)s->hist_step[s->n_hist - 1];
        view_rgb_t col = C_SERIES[k % N_SERIES];
        if (sc->n_runs == 1) {
            a[na++] = (series_t){ s->hist_step, s->hist_loss, s->n_hist, C_SERIES[0], 0,
                                  "held-out loss" };
            a[na++] = (series_t){ s->hist_step, s->hist_bayes, s->n_hist, C_FLOOR, 1,
                                  "Bayes floor" };
            b[nb++] = (series_t){ s->hist_step, s->hist_kl_true, s->n_hist, C_SERIES[0], 0,
                                  "KL(p*\xE2\x80\x96\xCF\x80_\xCE\xB8)" };
            if (s->log_theory)
                b[nb++] = (series_t){ s->hist_step, s->hist_kl_theory, s->n_hist, C_SERIES[1], 1,
                                      "KL(optimum\xE2\x80\x96\xCF\x80_\xCE\xB8)" };
        } else {
            a[na++] = (series_t){ s->hist_step, s->hist_loss, s->n_hist, col, 0, NULL };
            if (k == sc->n_runs - 1)
                a[na++] = (series_t){ sc->runs[0].snap->hist_step, sc->runs[0].snap->hist_bayes,
                                      sc->runs[0].snap->n_hist, C_FLOOR, 1, "Bayes floor" };
            b[nb++] = (series_t){ s->hist_step, s->hist_kl_true, s->n_hist, col, 0,
                                  sc->runs[k].label };
        }
    }
    int fs = lo->font_px;
    if (lo->curves[0].w > 0)
        draw_plot(cv, &lo->curves[0], font, fs, "held-out loss", a, na, xmax, 0);
    const live_snapshot_t *s0 = sc->runs[0].snap;
    if (lo->curves[1].w > 0 && sc->n_runs == 1 && s0 && s0->have_overopt)
        draw_overopt_plot(cv, &lo->curves[1], font, fs, s0);
    else if (lo->curves[1].w > 0)
        draw_plot(cv, &lo->curves[1], font, fs,
                  sc->n_runs > 1 ? "KL(p*\xE2\x80\x96\xCF\x80_\xCE\xB8), log scale"
                                 : "KL divergence, log scale",
                  b, nb, xmax, 1);
}

/* ------------------------------------------------------------ learning curve */

/* The learning curve (key L) in rect r, in place of the third panel:
   KL(p*||pi_theta) and the estimation error KL(optimum||pi_theta)
   against the number of pairs, log-log, one dot per run's mean, the
   misspecification KL(p*||optimum) dashed, the session's own pairs
   marked, and on the last line the progress or how the runs were made. */
static void draw_learning_curve(const canvas_t *cv, const curve_view_t *v, const view_rect_t *r,
                                const raster_font_t *font, int fs, int line)
{
    const char *title = "learning curve \xE2\x80\x94 KL against pairs, log-log";
    canvas_t tc = canvas_clip(cv, r->x - 2, r->y - line - 2, r->w + 4, line + 2);
    int tpx = fit_px(font, fs, title, r->w + 4);
    draw_text(&tc, font, r->x + r->w / 2, r->y - line - 2 + (line - line_height(font, tpx)) / 2, tpx,
              C_TEXT, ALIGN_CENTRE, title);
    fill_rect(cv, r->x, r->y, r->w, r->h, C_PANEL_EMPTY, 255);
    frame_rect(cv, r->x, r->y, r->w, r->h, C_FRAME);
    canvas_t pc = canvas_clip(cv, r->x, r->y, r->w, r->h);
    int small = fs * 4 / 5 > 7 ? fs * 4 / 5 : 7, sline = line_height(font, small);
    char status[200];
    curve_view_status(v, r->w < 30 * small, status, sizeof status);
    int spx = fit_px(font, small, status, r->w - small);
    view_rgb_t scol = v->error ? C_WARN : v->stale ? C_ACCENT : C_DIM;
    draw_text(&pc, font, r->x + small / 2, r->y + r->h - sline - small / 3, spx, scol, ALIGN_LEFT, status);
    const curve_t *c = v->c;
    view_rect_t pr = { r->x + 4 * small, r->y + small, r->w - 4 * small - small,
                       r->h - 3 * sline - 2 * small };
    double lo, hi;
    if (!c || pr.w < 20 || pr.h < 20 || !curve_log_range(c, &lo, &hi)) {
        draw_text(&pc, font, r->x + r->w / 2, r->y + r->h / 2 - sline / 2, small, C_DIM, ALIGN_CENTRE,
                  c && c->runs_done == 0 && !v->error ? "the first run builds the optimum\xE2\x80\xA6"
                                                      : "no curve yet");
        return;
    }
    fill_rect(cv, pr.x, pr.y, pr.w, pr.h, C_BG, 255);
    double l0 = log2((double)c->pairs[0]), l1 = log2((double)c->pairs[c->n_points - 1]);
    if (!(l1 > l0)) l1 = l0 + 1;
    double xl0 = l0 - 0.3, xl1 = l1 + 0.3;
#define LC_X(lp) (pr.x + ((lp) - xl0) / (xl1 - xl0) * (pr.w - 1))
#define LC_Y(lv) (pr.y + (hi - (lv)) / (hi - lo) * (pr.h - 1))
    /* grid: a line per decade of KL, per power of two of pairs */
    char lab[32];
    int every = (int)(hi - lo) > 4 ? 2 : 1;
    for (int e = (int)lo; e <= (int)hi; e++) {
        int y = (int)(LC_Y(e) + 0.5);
        fill_rect(cv, pr.x, y, pr.w, 1, C_GRIDLINE, 255);
        if ((e - (int)lo) % every) continue;
        snprintf(lab, sizeof lab, e >= 0 ? "%.0f" : "%g", pow(10.0, e));
        draw_text(&pc, font, pr.x - 4, y - sline / 2, small, C_DIM, ALIGN_RIGHT, lab);
    }
    int xevery = c->n_points > 8 ? 2 : 1;
    for (int i = 0; i < c->n_points; i++) {
        int x = (int)(LC_X(log2((double)c->pairs[i])) + 0.5);
        fill_rect(cv, x, pr.y, 1, pr.h, C_GRIDLINE, 255);
        if (i % xevery) continue;
        curve_count_label(c->pairs[i], lab, sizeof lab);
        draw_text(&pc, font, x, pr.y + pr.h + 2, small, C_DIM, ALIGN_CENTRE, lab);
    }
    draw_text(&pc, font, pr.x + pr.w / 2, pr.y + pr.h + 2 + sline, small, C_DIM, ALIGN_CENTRE,
              "training pairs (log scale)");
    frame_rect(cv, pr.x, pr.y, pr.w, pr.h, C_FRAME);
    canvas_t c2 = canvas_clip(cv, pr.x, pr.y, pr.w, pr.h);
    double width = fs / 9.0 + 1.0;
    /* the session's own pairs */
    if (v->pairs_now > 0) {
        double lp = log2((double)v->pairs_now);
        if (lp >= xl0 && lp <= xl1) {
            double x = LC_X(lp);
            dashed_line(&c2, x, pr.y, x, pr.y + pr.h, 1.0, C_ACCENT, 0, fs / 2 + 1);
            draw_text(&c2, font, (int)x + 3, pr.y + pr.h - sline - 2, small, C_ACCENT, ALIGN_LEFT, "now");
        } else { /* off the axis: say where */
            char now[48], cnt[32];
            curve_count_label(v->pairs_now, cnt, sizeof cnt);
            snprintf(now, sizeof now, lp > xl1 ? "now: %s pairs \xE2\x86\x92" : "\xE2\x86\x90 now: %s pairs", cnt);
            draw_text(&c2, font, lp > xl1 ? pr.x + pr.w - 4 : pr.x + 4, pr.y + pr.h - sline - 2, small,
                      C_ACCENT, lp > xl1 ? ALIGN_RIGHT : ALIGN_LEFT, now);
        }
    }
    /* the misspecification, dashed: what no number of pairs removes */
    if (c->misspec > 0 && isfinite(c->misspec) && log10(c->misspec) >= lo) {
        double y = LC_Y(log10(c->misspec));
        dashed_line(&c2, pr.x, y, pr.x + pr.w, y, width, C_FLOOR, 0, fs);
    }
    for (int which = 0; which < 2; which++) {
        view_rgb_t col = C_SERIES[which];
        double px = 0, py = 0;
        int have = 0;
        for (int i = 0; i < c->n_points; i++) {
            double mean, mn, mx;
            curve_stats(which ? c->kl_opt[i] : c->kl_true[i], c->n_seeds, &mean, &mn, &mx);
            if (!(mean > 0) || !isfinite(mean)) {
                have = 0;
                continue;
            }
            double x = LC_X(log2((double)c->pairs[i])), y = LC_Y(fmax(log10(mean), lo));
            if (c->n_seeds > 1 && mn > 0) /* the seeds' range */
                line_aa(&c2, x, LC_Y(fmax(log10(mn), lo)), x, LC_Y(fmax(log10(mx), lo)), 1.0, col, 200);
            if (have) line_aa(&c2, px, py, x, y, width, col, 255);
            disc(&c2, x, y, width + 1.5, col, 255);
            px = x;
            py = y;
            have = 1;
        }
    }
#undef LC_X
#undef LC_Y
    series_t leg[3] = {
        { NULL, NULL, 0, C_SERIES[0], 0, "KL(p*\xE2\x80\x96\xCF\x80_\xCE\xB8)" },
        { NULL, NULL, 0, C_SERIES[1], 0, "estimation KL(optimum\xE2\x80\x96\xCF\x80_\xCE\xB8)" },
        { NULL, NULL, 0, C_FLOOR, 1, "misspecification KL(p*\xE2\x80\x96optimum)" },
    };
    draw_legend(cv, &pr, font, fs, leg, c->have_optimum ? 3 : 1);
}

/* ------------------------------------------------------------ metrics */

/* A block of text lines, each in its own colour, written top to bottom. */
typedef struct {
    const canvas_t *cv;
    const raster_font_t *font;
    int x, y, bottom, px, line;
} textblock_t;

/* Writes the line s; a line too wide even at the small size loses whole
   items from its end (items are separated by three spaces), never a part
   of a word. */
static void tb_line(textblock_t *tb, view_rgb_t c, const char *s);

/* tb_line of full when it fits the block's width at the block's size,
   else of brief when that fits, else of full made smaller (and cut). */
static void tb_line_or(textblock_t *tb, view_rgb_t c, const char *full, const char *brief)
{
    int width = tb->cv->x1 - tb->x;
    int fits = text_width(tb->font, tb->px, full) <= width;
    tb_line(tb, c, fits || text_width(tb->font, tb->px, brief) > width ? full : brief);
}

static void tb_line(textblock_t *tb, view_rgb_t c, const char *s)
{
    if (tb->y + tb->line > tb->bottom) return;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    int width = tb->cv->x1 - tb->x;
    int px = fit_px(tb->font, tb->px, buf, width);
    while (text_width(tb->font, px, buf) > width) {
        /* the last item starts after the last run of three spaces */
        char *sep = NULL;
        for (char *q = buf; (q = strstr(q, "   ")) != NULL; q += 3) sep = q;
        if (!sep || sep == buf) break;
        *sep = '\0';
    }
    draw_text(tb->cv, tb->font, tb->x, tb->y + (tb->line - line_height(tb->font, px)) / 2, px, c,
              ALIGN_LEFT, buf);
    tb->y += tb->line;
}

/* Value of panel p at the cursor, or NaN. */
static double value_at(const view_model_t *vm, const view_panel_t *p, double x, double y)
{
    if (!p->values || vm->G <= 0) return (double)NAN;
    int i = (int)floor((x + vm->L) / (2 * vm->L) * vm->G);
    int j = (int)floor((y + vm->L) / (2 * vm->L) * vm->G);
    if (i < 0) i = 0;
    if (j < 0) j = 0;
    if (i >= vm->G) i = vm->G - 1;
    if (j >= vm->G) j = vm->G - 1;
    return p->values[(size_t)j * vm->G + i];
}

static void draw_metrics(const canvas_t *cv, const raster_scene_t *sc, const raster_layout_t *lo,
                         const raster_font_t *font)
{
    const view_rect_t *r = &lo->metrics;
    if (r->w <= 0 || r->h <= 0) return;
    canvas_t c = canvas_clip(cv, r->x, r->y, r->w, r->h);
    int px = lo->font_px;
    textblock_t tb = { &c, font, r->x, r->y, r->y + r->h, px, line_height(font, px) };
    char buf[256], v1[32], v2[32];
    const live_snapshot_t *s0 = sc->runs[0].snap;
    if (!s0) return;

    if (sc->n_runs == 1) {
        const trainer_metrics_t *m = &s0->metrics;
        fmt_metric(v1, sizeof v1, m->loss_heldout);
        fmt_metric(v2, sizeof v2, m->loss_bayes);
        snprintf(buf, sizeof buf, "held-out loss  %s    Bayes floor  %s", v1, v2);
        tb_line(&tb, C_TEXT, buf);
        if (isfinite(m->accuracy)) snprintf(buf, sizeof buf, "accuracy  %.1f %%", 100.0 * m->accuracy);
        else snprintf(buf, sizeof buf, "accuracy  \xE2\x80\x93");
        tb_line(&tb, C_TEXT, buf);
        fmt_metric(v1, sizeof v1, m->kl_true);
        fmt_metric(v2, sizeof v2, m->tv_true);
        snprintf(buf, sizeof buf, "KL(p*\xE2\x80\x96\xCF\x80_\xCE\xB8)  %s    TV  %s", v1, v2);
        tb_line(&tb, C_SERIES[0], buf);
        if (s0->log_theory) {
            /* the error split: what infinite data keeps, what more data removes */
            char brief[256];
            fmt_metric(v1, sizeof v1, m->kl_true_theory);
            snprintf(buf, sizeof buf, "misspecification KL(p*\xE2\x80\x96optimum)  %s", v1);
            snprintf(brief, sizeof brief, "misspec. KL(p*\xE2\x80\x96opt)  %s", v1);
            tb_line_or(&tb, C_FLOOR, buf, brief);
            fmt_metric(v1, sizeof v1, m->kl_theory);
            snprintf(buf, sizeof buf, "estimation KL(optimum\xE2\x80\x96\xCF\x80_\xCE\xB8)  %s", v1);
            snprintf(brief, sizeof brief, "estim. KL(opt\xE2\x80\x96\xCF\x80_\xCE\xB8)  %s", v1);
            tb_line_or(&tb, C_SERIES[1], buf, brief);
            char formula[160];
            view_formula(formula, sizeof formula, s0->theory_name);
            snprintf(buf, sizeof buf, "optimum: %s", formula);
            /* brief: without its closing remark in parentheses */
            snprintf(brief, sizeof brief, "%s", buf);
            char *paren = strstr(brief, " (");
            if (paren) *paren = '\0';
            tb_line_or(&tb, C_DIM, buf, brief);
        } else {
            tb_line(&tb, C_DIM, "optimum: none for this pairing (no error split)");
        }
        if (s0->have_borda) {
            /* the Borda count: does the reward order the cells as BC does
               (and as each pooled annotator's density does)? */
            fmt_metric(v1, sizeof v1, s0->borda.rank_corr);
            snprintf(buf, sizeof buf, "rank corr(r_\xCE\xB8, BC)  %s", v1);
            tb_line(&tb, C_TEXT, buf);
            if (s0->borda.n_comp > 1) {
                int o = snprintf(buf, sizeof buf, "rank corr(r_\xCE\xB8, log p_k) ");
                for (int k = 0; k < s0->borda.n_comp && o > 0 && (size_t)o < sizeof buf; k++)
                    o += snprintf(buf + o, sizeof buf - (size_t)o, " %.3f", s0->borda.comp_corr[k]);
                tb_line(&tb, C_DIM, buf);
            }
        }
        if (m->K > 1) {
            int o = snprintf(buf, sizeof buf, "mixture weights ");
            for (int k = 0; k < m->K && o > 0 && (size_t)o < sizeof buf; k++)
                o += snprintf(buf + o, sizeof buf - (size_t)o, " %.2f", m->weight[k]);
            tb_line(&tb, C_TEXT, buf);
        }
    } else {
        for (int k = 0; k < sc->n_runs; k++) {
            const live_snapshot_t *s = sc->runs[k].snap;
            if (!s) continue;
            fmt_metric(v1, sizeof v1, s->metrics.kl_true);
            if (s->log_theory) {
                char v3[32];
                fmt_metric(v2, sizeof v2, s->metrics.kl_theory);
                fmt_metric(v3, sizeof v3, s->metrics.kl_true_theory);
                snprintf(buf, sizeof buf, "%s   KL(p*\xE2\x80\x96\xCF\x80_\xCE\xB8) %s   "
                         "misspec. %s   estim. %s", sc->runs[k].label, v1, v3, v2);
            } else {
                snprintf(buf, sizeof buf, "%s   KL(p*\xE2\x80\x96\xCF\x80_\xCE\xB8) %s   no closed form",
                         sc->runs[k].label, v1);
            }
            tb_line(&tb, C_SERIES[k % N_SERIES], buf);
        }
    }

    /* the values under the cursor */
    const view_model_t *vm = sc->vm;
    if (sc->cursor && vm->n_panels >= 2) {
        double a = value_at(vm, &vm->panels[0], vm->cursor_x, vm->cursor_y);
        double b = value_at(vm, &vm->panels[1], vm->cursor_x, vm->cursor_y);
        snprintf(buf, sizeof buf, "cursor (%.2f, %.2f)   %s %.4g   %s %.4g", vm->cursor_x,
                 vm->cursor_y, vm->log_scale ? "log p*" : "p*", a,
                 vm->log_scale ? "log \xCF\x80_\xCE\xB8" : "\xCF\x80_\xCE\xB8", b);
        tb_line(&tb, C_DIM, buf);
    }
}

/* ------------------------------------------------------------ header, footer */

static void draw_header(const canvas_t *cv, const raster_scene_t *sc, const plan_t *pl,
                        const raster_font_t *font, int w)
{
    const live_snapshot_t *s = sc->runs[0].snap;
    if (!s) return;
    const params_t *p = &s->params;
    int fs = pl->lo.font_px, x = pl->margin, y = pl->margin / 2 + 1;
    char ann[96], obj[96], buf[512], steps[32], total[32];
    name_with_param(ann, sizeof ann, annotator_name(p->annotator), p, view_annotator_param(p));
    objective_label(obj, sizeof obj, p, sc->facet);
    char pairs[32];
    fmt_count(pairs, sizeof pairs, p->pairs);
    char dens[160]; /* image:FILE or image:painted over an image (a long path cut) */
    params_format(p, params_find("density"), dens, sizeof dens);
    snprintf(buf, sizeof buf, "%s  \xC2\xB7  %s annotator  \xC2\xB7  %s objective  \xC2\xB7  %s pairs",
             dens, ann, obj, pairs);
    if (sc->facet) {
        size_t o = strlen(buf);
        snprintf(buf + o, sizeof buf - o, "  \xC2\xB7  across %s", param_symbol(sc->facet));
    }
    char left[512];
    snprintf(left, sizeof left, "%s", buf);

    /* right: step, and in the window the state and speed */
    fmt_count(steps, sizeof steps, s->step);
    fmt_count(total, sizeof total, p->steps);
    char state[160] = "";
    view_rgb_t col = s->state == TRAINER_DIVERGED ? C_WARN : C_ACCENT;
    if (sc->state) {
        snprintf(state, sizeof state, "  %s", sc->state);
        col = tone_color(sc->state_tone, C_ACCENT);
    } else {
        char st[128];
        live_status_t ls = live_status(s, 0, st, sizeof st);
        /* a render shows only what is not the normal course of a recording */
        if (ls == LIVE_REBUILDING || ls == LIVE_DIVERGED) snprintf(state, sizeof state, "  %s", st);
    }
    /* answering questions, training has no set length: each answer adds steps */
    if (s->human) snprintf(buf, sizeof buf, "step %s%s", steps, state);
    else snprintf(buf, sizeof buf, "step %s / %s%s", steps, total, state);
    if (sc->live) {
        size_t o = strlen(buf);
        if (sc->speed > 0) snprintf(buf + o, sizeof buf - o, "  \xC2\xB7  \xE2\x89\xA4 %g steps/s", sc->speed);
        o = strlen(buf);
        if (!s->paused && s->state == TRAINER_TRAINING && s->pairs_per_s > 0)
            snprintf(buf + o, sizeof buf - o, "  \xC2\xB7  %.0f k pairs/s", s->pairs_per_s / 1000.0);
    }
    int rw = draw_text(cv, font, w - pl->margin, y, fs, col, ALIGN_RIGHT, buf);
    if (sc->recording) {
        disc(cv, w - pl->margin - rw - fs, y + pl->line / 2.0, fs / 3.0 + 1, C_WARN, 255);
        rw += 2 * fs;
    }
    /* left: what is being trained, cut short of the right part */
    canvas_t lc = canvas_clip(cv, 0, 0, w - pl->margin - rw - fs, pl->header_h);
    int lpx = fit_px(font, fs, left, lc.x1 - x);
    draw_text(&lc, font, x, y + (pl->line - line_height(font, lpx)) / 2, lpx, C_TEXT, ALIGN_LEFT,
              left);
}

/* ------------------------------------------------------------ modes */

/* The panels' titles say what they show while you answer or paint. */
static const char *annot_title(const raster_scene_t *sc, int index, const char *title)
{
    if (!annot_on(sc)) return title;
    if (sc->annot->mode == VIEW_MODE_ANNOTATE) {
        if (index == 0) return "p*: hidden annotator (for the metrics)";
        if (index == 1) return "\xCF\x80_\xCE\xB8: what your answers imply";
    } else if (sc->annot->mode == VIEW_MODE_ROOM) {
        if (index == 1) return "\xCF\x80_\xCE\xB8: the room's model";
    } else if (index == 0) {
        return "p* (you paint it)";
    }
    return title;
}

static const view_rgb_t C_MARK_A = { 255, 196, 84 };
static const view_rgb_t C_MARK_B = { 110, 200, 255 };

/* A ring of radius rad around (px, py). */
static void ring(const canvas_t *cv, double px, double py, double rad, double width, view_rgb_t c,
                 int alpha)
{
    for (int k = 0; k < 96; k++) {
        double a0 = 2 * M_PI * k / 96, a1 = 2 * M_PI * (k + 1) / 96;
        line_aa(cv, px + rad * cos(a0), py + rad * sin(a0), px + rad * cos(a1), py + rad * sin(a1),
                width, c, alpha);
    }
}

/* A big lettered marker: a disc with a dark rim at the point, the letter
   in it, so it reads on any colour and across a room. */
static void annot_marker(const canvas_t *cv, const view_rect_t *r, double L, double x, double y,
                         const char *letter, view_rgb_t c, const raster_font_t *font, int fs)
{
    canvas_t in = canvas_clip(cv, r->x, r->y, r->w, r->h);
    double px, py;
    world_to_pixel(r, L, x, y, &px, &py);
    double rad = fs * 0.8 + r->w / 70.0;
    disc(&in, px, py, rad + 3, C_BLACK, 210);
    disc(&in, px, py, rad, c, 255);
    int tpx = (int)(rad * 1.4);
    int lh = line_height(font, tpx);
    draw_text(&in, font, (int)px, (int)(py - lh / 2.0), tpx, C_BLACK, ALIGN_CENTRE, letter);
}

/* A and B on p* and the learned panel; the brush on p*. */
static void draw_annot_panel(const canvas_t *cv, const raster_scene_t *sc, int index,
                             const view_rect_t *r, const raster_font_t *font, int fs)
{
    if (!annot_on(sc) || index > 1) return;
    const view_annot_t *an = sc->annot;
    double L = sc->vm->L;
    if (view_annot_asks(an) && an->have_question) {
        annot_marker(cv, r, L, (double)an->q[0], (double)an->q[1], "A", C_MARK_A, font, fs);
        annot_marker(cv, r, L, (double)an->q[2], (double)an->q[3], "B", C_MARK_B, font, fs);
    } else if (an->mode == VIEW_MODE_BRUSH && index == 0) {
        canvas_t in = canvas_clip(cv, r->x, r->y, r->w, r->h);
        double px, py, rad = r->w * (double)an->radius / PARAMS_IMAGE_SIDE;
        world_to_pixel(r, L, sc->vm->cursor_x, sc->vm->cursor_y, &px, &py);
        view_rgb_t c = an->erase ? C_WARN : C_WHITE;
        ring(&in, px, py, rad, 3.5, C_BLACK, 160);
        ring(&in, px, py, rad, 1.5, c, 255);
        disc(&in, px, py, 1.5, c, 255);
    }
}

int raster_room_panel(const raster_scene_t *sc)
{
    return sc->annot && sc->annot->mode == VIEW_MODE_ROOM && sc->annot->room.on && sc->n_runs == 1;
}

/* The room's panel: the join URL's QR code (black on white, with a quiet
   zone of 4 modules when it fits, else 2) as large as the panel allows
   in whole pixels per module, then the URL, the code and the counts. */
static void draw_room_panel(const canvas_t *cv, const view_room_t *rm, const view_rect_t *r,
                            const raster_font_t *font, int fs, int line)
{
    const char *title = "join the room: scan the code, or open the address";
    if (text_width(font, fit_px(font, fs, title, r->w + 4), title) > r->w + 4) title = "join the room";
    canvas_t tc = canvas_clip(cv, r->x - 2, r->y - line - 2, r->w + 4, line + 2);
    int tpx = fit_px(font, fs, title, r->w + 4);
    draw_text(&tc, font, r->x + r->w / 2, r->y - line - 2 + (line - line_height(font, tpx)) / 2, tpx,
              C_TEXT, ALIGN_CENTRE, title);
    fill_rect(cv, r->x, r->y, r->w, r->h, C_PANEL_EMPTY, 255);
    frame_rect(cv, r->x, r->y, r->w, r->h, C_FRAME);
    canvas_t pc = canvas_clip(cv, r->x, r->y, r->w, r->h);
    int sline = line_height(font, fs), pad = fs / 2 > 2 ? fs / 2 : 2;
    /* each line's longer and shorter forms: the first that fits is drawn */
    char lines[3][2][200];
    const char *bare = strstr(rm->url, "://");
    snprintf(lines[0][0], sizeof lines[0][0], "%s", rm->url);
    snprintf(lines[0][1], sizeof lines[0][1], "%s", bare ? bare + 3 : rm->url);
    snprintf(lines[1][0], sizeof lines[1][0], "code %s", rm->code);
    snprintf(lines[1][1], sizeof lines[1][1], "%s", rm->code);
    snprintf(lines[2][0], sizeof lines[2][0], "%ld joined \xC2\xB7 %ld answers%s", rm->participants,
             rm->answers, rm->personas ? " \xC2\xB7 personas on" : "");
    snprintf(lines[2][1], sizeof lines[2][1], "%ld joined \xC2\xB7 %ld answers", rm->participants, rm->answers);
    int big = fs * 3 / 2, bline = line_height(font, big);
    int text_h = 2 * sline + bline + 2 * pad;
    int avail = r->h - text_h - 2 * pad, side = r->w - 2 * pad < avail ? r->w - 2 * pad : avail;
    if (rm->qr_side > 0 && side > 0) {
        int quiet = side / (rm->qr_side + 8) >= 2 ? 4 : 2;
        int mod = side / (rm->qr_side + 2 * quiet);
        if (mod >= 1) {
            int total = mod * (rm->qr_side + 2 * quiet);
            int x0 = r->x + (r->w - total) / 2, y0 = r->y + pad + (avail - total) / 2;
            fill_rect(cv, x0, y0, total, total, C_WHITE, 255);
            for (int j = 0; j < rm->qr_side; j++)
                for (int i = 0; i < rm->qr_side; i++)
                    if (rm->qr[j * rm->qr_side + i])
                        fill_rect(cv, x0 + (quiet + i) * mod, y0 + (quiet + j) * mod, mod, mod, C_BLACK, 255);
        }
    }
    int y = r->y + r->h - text_h, w = r->w - 2 * pad;
    const int px[3] = { fs, big, fs }, dy[3] = { 0, sline, sline + bline };
    const view_rgb_t col[3] = { C_MARK_A, C_TEXT, C_DIM };
    for (int k = 0; k < 3; k++) {
        const char *t = lines[k][0];
        int tpx2 = fit_px(font, px[k], t, w);
        if (text_width(font, tpx2, t) > w) {
            t = lines[k][1];
            tpx2 = fit_px(font, px[k], t, w);
        }
        if (text_width(font, tpx2, t) <= w) /* else its start, from the left */
            draw_text(&pc, font, r->x + r->w / 2, y + dy[k], tpx2, col[k], ALIGN_CENTRE, t);
        else
            draw_text(&pc, font, r->x + pad, y + dy[k], tpx2, col[k], ALIGN_LEFT, t);
    }
}

/* The mode's line above the footer: the question (A and B in their
   colours), or the brush. */
static void draw_annot_line(const canvas_t *cv, const raster_scene_t *sc,
                            const raster_font_t *font, int x, int y, int w, int px)
{
    const view_annot_t *an = sc->annot;
    char buf[256];
    int lh = line_height(font, px), small = px * 2 / 3;
    int sy = y + lh - line_height(font, small);
    canvas_t c = canvas_clip(cv, x, y, w, lh);
    if (an->mode == VIEW_MODE_ROOM) { /* where to join in the mark's colour, then the counts */
        const view_room_t *r = &an->room;
        snprintf(buf, sizeof buf, "join %s", r->url);
        x += draw_text(&c, font, x, y, px, C_MARK_A, ALIGN_LEFT, buf) + px;
        view_annot_prompt(buf, sizeof buf, an, 0);
        const char *counts = strstr(buf, "   ");
        draw_text(&c, font, x, sy, small, C_DIM, ALIGN_LEFT, counts ? counts + 3 : buf);
        return;
    }
    if (an->mode == VIEW_MODE_ANNOTATE) {
        if (!an->have_question) {
            view_annot_prompt(buf, sizeof buf, an, 0);
            draw_text(&c, font, x, y, px, C_TEXT, ALIGN_LEFT, buf);
            return;
        }
        int gap = px;
        x += draw_text(&c, font, x, y, px, C_TEXT, ALIGN_LEFT, "Which is better?") + gap;
        snprintf(buf, sizeof buf, "\xE2\x86\x90 A (%.2f, %.2f)", (double)an->q[0], (double)an->q[1]);
        x += draw_text(&c, font, x, y, px, C_MARK_A, ALIGN_LEFT, buf) + gap;
        snprintf(buf, sizeof buf, "B (%.2f, %.2f) \xE2\x86\x92", (double)an->q[2], (double)an->q[3]);
        x += draw_text(&c, font, x, y, px, C_MARK_B, ALIGN_LEFT, buf) + gap;
        snprintf(buf, sizeof buf, "question %ld \xC2\xB7 %ld answer%s", an->asked, an->answers,
                 an->answers == 1 ? "" : "s");
        if (an->skipped > 0) {
            size_t o = strlen(buf);
            snprintf(buf + o, sizeof buf - o, " \xC2\xB7 %ld skipped", an->skipped);
        }
        draw_text(&c, font, x, sy, small, C_DIM, ALIGN_LEFT, buf);
        return;
    }
    snprintf(buf, sizeof buf, "Brush: %s, radius %d", an->erase ? "erasing" : "painting", an->radius);
    x += draw_text(&c, font, x, y, px, an->erase ? C_WARN : C_GOOD, ALIGN_LEFT, buf) + px;
    draw_text(&c, font, x, sy, small, C_DIM, ALIGN_LEFT,
              an->dirty ? "applying\xE2\x80\xA6" : "left drag paints, right drag erases");
}

/* The key footer at the bottom of the window, from the session's list:
   the keys most used, left, while they fit; the last footer_right items
   (help and quit, or how to leave a mode) on the right. */
static void draw_key_row(const canvas_t *cv, const raster_scene_t *sc, const plan_t *pl,
                         const raster_font_t *font, int w, int y)
{
    int fs = pl->lo.font_px, x = pl->margin, n = sc->n_footer, right = sc->footer_right;
    const view_item_t *it = sc->footer;
    int rx = w - pl->margin;
    for (int i = n - 1; i >= n - right && i >= 0; i--) {
        rx -= draw_text(cv, font, rx, y, fs, C_DIM, ALIGN_RIGHT, it[i].text) + fs / 3;
        rx -= draw_text(cv, font, rx, y, fs, C_ACCENT, ALIGN_RIGHT, it[i].key) + fs + fs / 2;
    }
    if (sc->footer_title)
        x += draw_text(cv, font, x, y, fs, C_WARN, ALIGN_LEFT, sc->footer_title) + fs + fs / 2;
    for (int i = 0; i < n - right; i++) {
        int need = text_width(font, fs, it[i].key) + text_width(font, fs, it[i].text) + fs * 2;
        if (font && x + need > rx) break;
        x += draw_text(cv, font, x, y, fs, C_ACCENT, ALIGN_LEFT, it[i].key) + fs / 3;
        x += draw_text(cv, font, x, y, fs, C_DIM, ALIGN_LEFT, it[i].text) + fs + fs / 2;
    }
}

static void draw_footer(const canvas_t *cv, const raster_scene_t *sc, const plan_t *pl,
                        const raster_font_t *font, int w, int h)
{
    int fs = pl->lo.font_px, y = h - pl->margin / 2 - pl->line;
    if (sc->live) {
        draw_key_row(cv, sc, pl, font, w, y);
        y -= pl->line;
    }
    if (sc->prompt) {
        char buf[320];
        snprintf(buf, sizeof buf, ":%s_", sc->prompt);
        draw_text(cv, font, pl->margin, y, fs, C_TEXT, ALIGN_LEFT, buf);
    } else if (sc->message) {
        draw_text(cv, font, pl->margin, y, fs, tone_color(sc->message_tone, C_ACCENT), ALIGN_LEFT,
                  sc->message);
    }
    if (annot_on(sc)) {
        int mpx = annot_px(fs);
        y = h - pl->footer_h + pl->margin / 2;
        draw_annot_line(cv, sc, font, pl->margin, y, w - 2 * pl->margin, mpx);
    }
}

/* The help overlay, from the session's help list: the keys in even
   columns (two, or three when the box is wide enough for them), then the
   prompt's commands below them. Everything is shown: when the list does
   not fit at the base size the overlay's text steps down, to 2/3 of it at
   the least; below that the commands give way to the keys. */
typedef struct {
    int px, line, cols, rows, n_extra;
} help_fit_t;

/* The widths of column col's keys and texts at px, rows per column. */
static void help_col_w(const raster_font_t *font, int px, const view_item_t *it, int n_keys,
                       int rows, int col, int *key_w, int *text_w)
{
    *key_w = *text_w = 0;
    for (int k = col * rows; k < n_keys && k < (col + 1) * rows; k++) {
        int kw = text_width(font, px, it[k].key), tw = text_width(font, px, it[k].text);
        if (kw > *key_w) *key_w = kw;
        if (tw > *text_w) *text_w = tw;
    }
}

/* Whether the keys fit in cols columns of rows in width w at px. */
static int help_cols_fit(const raster_font_t *font, int px, const view_item_t *it, int n_keys,
                         int cols, int rows, int w)
{
    int sum = 0;
    for (int c = 0; c < cols; c++) {
        int kw, tw;
        help_col_w(font, px, it, n_keys, rows, c, &kw, &tw);
        sum += kw + px + tw + 2 * px;
    }
    return sum <= w;
}

static help_fit_t help_fit(const raster_font_t *font, const raster_scene_t *sc, int fs, int bw,
                           int bh)
{
    help_fit_t f;
    int n_keys = sc->n_help_keys, n_all_extra = sc->n_help - n_keys;
    int lo = fs * 2 / 3 > 7 ? fs * 2 / 3 : 7;
    for (int pass = 0; pass < 2; pass++) {
        int n_extra = pass == 0 ? n_all_extra : 0;
        for (int px = fs; px >= lo; px--) {
            int line = line_height(font, px);
            for (int cols = 2; cols <= 3; cols++) {
                int rows = (n_keys + cols - 1) / cols;
                if ((rows + n_extra + 5) * line > bh) continue;
                if (cols == 3 &&
                    !help_cols_fit(font, px, sc->help_items, n_keys, cols, rows, bw - 2 * px))
                    continue;
                f = (help_fit_t){ px, line, cols, rows, n_extra };
                return f;
            }
        }
    }
    /* nothing fits: the smallest size, the keys that fit */
    f.px = lo;
    f.line = line_height(font, lo);
    f.cols = 2;
    f.rows = (bh - 4 * f.line) / f.line;
    f.n_extra = 0;
    return f;
}

static void draw_help(const canvas_t *cv, const raster_scene_t *sc, const plan_t *pl,
                      const raster_font_t *font, int w, int h)
{
    const view_item_t *it = sc->help_items;
    int bw = w * 9 / 10, bh = h * 9 / 10, bx = (w - bw) / 2, by = (h - bh) / 2;
    fill_rect(cv, bx, by, bw, bh, C_BG, 235);
    frame_rect(cv, bx, by, bw, bh, C_ACCENT);
    if (!it) return;
    help_fit_t f = help_fit(font, sc, pl->lo.font_px, bw, bh);
    int fs = f.px, line = f.line;
    draw_text(cv, font, bx + bw / 2, by + line / 2, fs, C_ACCENT, ALIGN_CENTRE,
              sc->help_title ? sc->help_title : "keys");
    if (sc->help_close)
        draw_text(cv, font, bx + bw / 2, by + bh - line - line / 2, fs, C_DIM, ALIGN_CENTRE,
                  sc->help_close);
    if (f.rows < 1) return;
    int n_keys = sc->n_help_keys, y0 = by + 2 * line;
    /* three columns as wide as their contents; two share the box evenly */
    int x = bx + fs;
    for (int c = 0; c < f.cols; c++) {
        int kw, tw;
        help_col_w(font, fs, it, n_keys, f.rows, c, &kw, &tw);
        int col_w = f.cols == 3 ? kw + fs + tw + 2 * fs : (bw - 2 * fs) / 2;
        for (int k = c * f.rows; k < n_keys && k < (c + 1) * f.rows; k++) {
            int y = y0 + (k - c * f.rows) * line;
            canvas_t cc = canvas_clip(cv, x, y, col_w - fs / 2, line);
            draw_text(&cc, font, x + kw, y, fs, C_ACCENT, ALIGN_RIGHT, it[k].key);
            draw_text(&cc, font, x + kw + fs, y, fs, C_TEXT, ALIGN_LEFT, it[k].text);
        }
        x += col_w;
    }
    int cmd_w = 0;
    for (int i = 0; i < f.n_extra; i++) {
        int kw = text_width(font, fs, it[n_keys + i].key);
        if (kw > cmd_w) cmd_w = kw;
    }
    int y = y0 + f.rows * line + line / 2;
    for (int i = 0; i < f.n_extra; i++, y += line) {
        x = bx + fs;
        draw_text(cv, font, x + cmd_w, y, fs, C_ACCENT, ALIGN_RIGHT, it[n_keys + i].key);
        draw_text(cv, font, x + cmd_w + fs, y, fs, C_TEXT, ALIGN_LEFT, it[n_keys + i].text);
    }
}

/* ------------------------------------------------------------ caption box */

/* The tour's caption box: the title and "stop i/n" on top, the caption
   in large type, and in the window a row with the tour's keys and where
   the stop stands. Bright while the tour's keys are active, dim while
   the window is exploring. */
static void draw_caption(const canvas_t *cv, const raster_scene_t *sc, const plan_t *pl,
                         const raster_font_t *font)
{
    const raster_tour_t *t = sc->tour;
    const caption_t *c = &pl->cap;
    const view_rect_t *r = &pl->lo.caption;
    if (!t || r->w <= 0 || r->h <= 0) return;
    int on = !sc->live || t->on;
    fill_rect(cv, r->x, r->y, r->w, r->h, C_CAPTION_BG, 255);
    frame_rect(cv, r->x, r->y, r->w, r->h, on ? C_ACCENT : C_FRAME);
    canvas_t in = canvas_clip(cv, r->x, r->y, r->w, r->h);
    int x = r->x + c->pad, right = r->x + r->w - c->pad, y = r->y + c->pad / 2;

    /* the title row */
    char num[48];
    snprintf(num, sizeof num, "stop %d/%d", t->stop + 1, t->n);
    int nw = draw_text(&in, font, right, y, c->head_px, on ? C_ACCENT : C_DIM, ALIGN_RIGHT, num);
    canvas_t tc = canvas_clip(&in, x, y, right - nw - c->pad - x, c->head_line);
    draw_text(&tc, font, x, y, c->head_px, on ? C_ACCENT : C_DIM, ALIGN_LEFT,
              t->title && t->title[0] ? t->title : "tour");
    y += c->head_line + c->pad / 3;

    /* the caption */
    for (int i = 0; i < c->n; i++) {
        char line[CAP_TEXT_MAX + 4];
        snprintf(line, sizeof line, "%.*s%s", c->len[i], c->text + c->start[i],
                 c->cut && i == c->n - 1 ? " \xE2\x80\xA6" : "");
        draw_text(&in, font, x, y, c->px, on ? C_TEXT : C_DIM, ALIGN_LEFT, line);
        y += c->line;
    }

    /* the window: the tour's keys, and where the stop stands */
    if (!sc->live || !c->keys_line || !sc->runs[0].snap) return;
    int fs = pl->lo.font_px;
    int sw = t->state ? draw_text(&in, font, right, y, fs, tone_color(t->state_tone, C_DIM),
                                  ALIGN_RIGHT, t->state)
                      : 0;
    /* key, what it does; key, what it does; ... */
    canvas_t kc = canvas_clip(&in, x, y, right - sw - fs - x, c->keys_line);
    for (int i = 0; i < t->n_keys; i++) {
        x += draw_text(&kc, font, x, y, fs, C_ACCENT, ALIGN_LEFT, t->keys[i].key) + fs / 3;
        x += draw_text(&kc, font, x, y, fs, C_DIM, ALIGN_LEFT, t->keys[i].text) + fs + fs / 2;
    }
}

/* ------------------------------------------------------------ scene */

void raster_scene_init(raster_scene_t *sc, const view_model_t *vm, const live_snapshot_t *s)
{
    memset(sc, 0, sizeof *sc);
    sc->vm = vm;
    sc->n_runs = 1;
    sc->runs[0].snap = s;
    sc->cursor = 1;
}

void raster_draw(raster_image_t *img, const raster_scene_t *sc, const raster_font_t *font,
                 raster_layout_t *lo_out)
{
    canvas_t cv = canvas_of(img, sc);
    fill_rect(&cv, 0, 0, img->w, img->h, C_BG, 255);
    plan_t *pl = malloc(sizeof *pl); /* holds the caption's text: not on the stack */
    if (!pl) {
        if (lo_out) memset(lo_out, 0, sizeof *lo_out);
        return;
    }
    plan_choose(pl, sc, img->w, img->h, font);
    if (sc->vm && sc->n_runs > 0 && sc->runs[0].snap) {
        draw_header(&cv, sc, pl, font, img->w);
        draw_panels(&cv, sc, &pl->lo, font, pl->line);
        draw_colorbar(&cv, sc, &pl->lo, font, pl->line);
        draw_curves(&cv, sc, &pl->lo, font);
        draw_metrics(&cv, sc, &pl->lo, font);
    }
    draw_caption(&cv, sc, pl, font);
    draw_footer(&cv, sc, pl, font, img->w, img->h);
    if (sc->help) draw_help(&cv, sc, pl, font, img->w, img->h);
    if (lo_out) *lo_out = pl->lo;
    free(pl);
}

/* ------------------------------------------------------------ facets */

int raster_facet_model(view_model_t *out, const view_model_t *vms, int n,
                       const char *const *labels)
{
    if (n < 1 || n + 1 > VIEW_MAX_PANELS) return -1;
    for (int i = 0; i < n; i++)
        if (vms[i].n_panels < 2) return -1;
    *out = vms[0];
    out->buf = NULL;
    out->buf_len = 0;
    out->n_panels = 1 + n;
    double lo = vms[0].scale_lo, hi = vms[0].scale_hi;
    for (int i = 0; i < n; i++) {
        out->panels[1 + i] = vms[i].panels[1];
        snprintf(out->panels[1 + i].title, sizeof out->panels[1 + i].title,
                 "\xCF\x80_\xCE\xB8(x)  %s", labels && labels[i] ? labels[i] : "");
        if (vms[i].scale_lo < lo) lo = vms[i].scale_lo;
        if (vms[i].scale_hi > hi) hi = vms[i].scale_hi;
    }
    out->scale_lo = lo;
    out->scale_hi = hi;
    for (int i = 0; i < out->n_panels; i++)
        if (out->panels[i].kind == PANEL_DENSITY) {
            out->panels[i].lo = lo;
            out->panels[i].hi = hi;
        }
    return 0;
}
