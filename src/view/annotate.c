/* The interactive-data modes both explorers share, their pure part: "be
   the annotator" (which point a click answers, the prompt line) and "draw
   the density" (the brush on a params_image_t, and when a painted image is
   due at the session). The calls into the live session are in
   annotate_live.c, so the rasteriser can use this file alone. */
#include "pbde/annotate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void view_annot_init(view_annot_t *a)
{
    memset(a, 0, sizeof *a);
    a->mode = VIEW_MODE_NORMAL;
    a->radius = VIEW_BRUSH_DEFAULT;
    a->last = -1;
}

/* ------------------------------------------------------------ annotate */

int view_annot_pick(const float q[4], double L, double x, double y)
{
    double da = hypot(x - (double)q[0], y - (double)q[1]);
    double db = hypot(x - (double)q[2], y - (double)q[3]);
    double reach = 0.15 * L;
    if (da > reach && db > reach) return -1;
    return da <= db ? 1 : 0;
}

int view_annot_asks(const view_annot_t *a)
{
    return a->mode == VIEW_MODE_ANNOTATE || a->mode == VIEW_MODE_ROOM;
}

void view_annot_sync(view_annot_t *a, const live_snapshot_t *s)
{
    if (!view_annot_asks(a)) return;
    a->room.question_answers = s->room_question_answers;
    a->room.per_question = s->room_per_question;
    if (a->mode == VIEW_MODE_ROOM) a->answers = s->n_answers;
    a->have_question = s->have_question;
    memcpy(a->q, s->question, sizeof a->q);
    a->asked = s->question_no;
    a->skipped = s->skipped;
    a->pending = s->pending;
    a->waiting = s->waiting;
}

void view_annot_prompt(char *buf, size_t n, const view_annot_t *a, int ascii)
{
    const char *left = ascii ? "<-" : "\xE2\x86\x90", *right = ascii ? "->" : "\xE2\x86\x92";
    const char *dot = ascii ? "-" : "\xC2\xB7";
    if (a->mode == VIEW_MODE_ROOM) {
        const view_room_t *r = &a->room;
        int k = snprintf(buf, n, "join %s   %ld joined %s %ld answers   ", r->url, r->participants, dot,
                         r->answers);
        if (k < 0 || (size_t)k >= n) return;
        if (a->have_question)
            snprintf(buf + k, n - (size_t)k, "question %ld: %ld of %ld answers", a->asked,
                     r->question_answers, r->per_question);
        else
            snprintf(buf + k, n - (size_t)k, "thinking%s the next question", ascii ? "..." : "\xE2\x80\xA6");
        return;
    }
    if (!a->have_question) {
        snprintf(buf, n, "thinking%s the model draws the next question %s %ld answer%s",
                 ascii ? "..." : "\xE2\x80\xA6", dot, a->answers, a->answers == 1 ? "" : "s");
        return;
    }
    snprintf(buf, n,
             "Which is better?  %s A (%.2f, %.2f)   B (%.2f, %.2f) %s   question %ld %s %ld "
             "answer%s",
             left, (double)a->q[0], (double)a->q[1], (double)a->q[2], (double)a->q[3], right,
             a->asked, dot, a->answers, a->answers == 1 ? "" : "s");
}

/* ------------------------------------------------------------ brush */

int view_brush_dab(params_image_t *img, double L, double x, double y, int radius, int erase)
{
    const int S = PARAMS_IMAGE_SIDE;
    if (img->side != S) {
        memset(img->px, 0, sizeof img->px);
        img->side = S;
    }
    img->src[0] = '\0';
    if (radius < VIEW_BRUSH_MIN) radius = VIEW_BRUSH_MIN;
    if (radius > VIEW_BRUSH_MAX) radius = VIEW_BRUSH_MAX;
    /* the centre in cell units: column 0 at x = -L, row 0 at y = +L */
    double cx = (x + L) / (2.0 * L) * S, cy = (L - y) / (2.0 * L) * S;
    double r = (double)radius;
    int changed = 0;
    for (int row = (int)floor(cy - r); row <= (int)ceil(cy + r); row++) {
        if (row < 0 || row >= S) continue;
        for (int col = (int)floor(cx - r); col <= (int)ceil(cx + r); col++) {
            if (col < 0 || col >= S) continue;
            double d = hypot((double)col + 0.5 - cx, (double)row + 0.5 - cy);
            if (d > r) continue;
            /* full strength inside half the radius, fading to 0.25 at the rim */
            double w = d <= 0.5 * r ? 1.0 : 1.0 - 1.5 * (d - 0.5 * r) / r;
            unsigned char *p = &img->px[row * S + col];
            double v = (double)*p;
            double nv = erase ? v * (1.0 - w) : v + (255.0 - v) * w;
            /* round away from where the cell was, so repeated dabs reach 0 and 255 */
            int iv = (int)(erase ? floor(nv) : ceil(nv));
            iv = iv < 0 ? 0 : iv > 255 ? 255 : iv;
            if (iv != *p) {
                *p = (unsigned char)iv;
                changed++;
            }
        }
    }
    return changed;
}

int view_image_black(const params_image_t *img)
{
    if (img->side <= 0) return 1;
    size_t n = (size_t)img->side * (size_t)img->side;
    for (size_t i = 0; i < n; i++)
        if (img->px[i]) return 0;
    return 1;
}

void view_brush_changed(view_annot_t *a, double now)
{
    if (!a->dirty) a->dirty_since = now;
    a->dirty = 1;
    a->last_dab = now;
    a->dabs++;
}

int view_brush_due(const view_annot_t *a, double now)
{
    if (!a->dirty) return 0;
    return now - a->dirty_since >= VIEW_BRUSH_APPLY_S || now - a->last_dab >= VIEW_BRUSH_SETTLE_S;
}
