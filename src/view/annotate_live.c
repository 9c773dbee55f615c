/* The interactive-data modes both explorers share, their session part:
   entering and leaving the modes, questions, answers, undo and saving
   through live.c, the brush's dabs on the session's p*, and what the key
   table's mode actions, clicks and prompt commands do. No terminal, no
   window. */
#include "pbde/annotate.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------ the session */

int view_annot_set(view_annot_t *a, live_t *l, int on, char *msg, size_t n)
{
    msg[0] = '\0';
    if (!on) {
        if (a->mode != VIEW_MODE_ANNOTATE) return 0;
        a->mode = VIEW_MODE_NORMAL;
        a->have_question = 0;
        if (live_set_human(l, 0) != 0) {
            snprintf(msg, n, "could not hand training back to the annotator (out of memory)");
            return -1;
        }
        snprintf(msg, n, "left the annotator's seat after %ld answers: training on the "
                         "annotator's pairs again",
                 a->answers);
        return 1;
    }
    if (live_set_human(l, 1) != 0) {
        snprintf(msg, n, "could not start the annotate mode (out of memory)");
        return -1;
    }
    a->mode = VIEW_MODE_ANNOTATE;
    a->have_question = 0; /* until the session draws one */
    a->last = -1;
    a->answers = live_answer_count(l);
    snprintf(msg, n, "you are the annotator: \xE2\x86\x90 A is better, \xE2\x86\x92 B is "
                     "better, = no preference, u undo; the model trains on your answers");
    return 1;
}

int view_annot_answer(view_annot_t *a, live_t *l, int y, char *msg, size_t n)
{
    msg[0] = '\0';
    if (a->mode != VIEW_MODE_ANNOTATE) return 0;
    long count = live_answer(l, y);
    if (count < 0) {
        snprintf(msg, n, "could not record the answer");
        return -1;
    }
    a->answers = count;
    a->last = y;
    a->have_question = 0; /* the next one comes with the session's snapshot */
    if (y < 0)
        snprintf(msg, n, "no preference: question skipped");
    else
        snprintf(msg, n, "%s is better: %ld answer%s", y ? "A" : "B", count, count == 1 ? "" : "s");
    return 1;
}

int view_annot_undo(view_annot_t *a, live_t *l, char *msg, size_t n)
{
    long left = live_undo_answer(l);
    if (left < 0) {
        snprintf(msg, n, "no answer to undo");
        return 0;
    }
    a->answers = left;
    a->last = -1;
    a->have_question = 0;
    snprintf(msg, n, "took the last answer back (%ld left): its question comes again", left);
    return 1;
}

int view_annot_save(view_annot_t *a, live_t *l, const char *path, char *msg, size_t n)
{
    char err[256];
    long count = live_answer_count(l);
    a->answers = count;
    if (count <= 0) {
        snprintf(msg, n, "no answers to save yet (h: be the annotator)");
        return 0;
    }
    if (live_save_answers(l, path, err, sizeof err) != 0) {
        snprintf(msg, n, "could not save the answers to %s: %s", path, err);
        return 0;
    }
    snprintf(msg, n, "saved %ld answers to %s (train on them: --pairs-file %s)", count, path,
             path);
    return 1;
}

int view_room_set(view_annot_t *a, live_t *l, int on, char *msg, size_t n)
{
    msg[0] = '\0';
    if (on) {
        a->mode = VIEW_MODE_ROOM;
        a->have_question = 0; /* until the session draws one */
        a->last = -1;
        a->answers = live_answer_count(l);
        a->room.on = 1;
        snprintf(msg, n, "the room is open: phones join at %s (code %s); n asks the next question, "
                         "Esc closes",
                 a->room.url, a->room.code);
        return 1;
    }
    if (a->mode != VIEW_MODE_ROOM) return 0;
    a->mode = VIEW_MODE_NORMAL;
    a->have_question = 0;
    a->room.on = 0;
    if (live_set_room(l, 0, 1) != 0 || live_set_human(l, 0) != 0) {
        snprintf(msg, n, "could not hand training back to the annotator (out of memory)");
        return -1;
    }
    snprintf(msg, n, "closed the room after %ld answers from %ld phones: training on the "
                     "annotator's pairs again (the answers are kept: W saves them)",
             a->room.answers, a->room.participants);
    return 1;
}

/* Takes the session's p* into a->image (its own image when it has one). */
static int brush_start(view_annot_t *a, live_t *l, char *msg, size_t n)
{
    if (a->have_image) return 1;
    params_t p;
    live_get_params(l, &p);
    if (p.image.side <= 0) {
        char err[256];
        if (params_image_capture(&p, err, sizeof err) != 0) {
            snprintf(msg, n, "could not take p* into a picture: %s", err);
            return 0;
        }
    }
    a->image = p.image;
    a->have_image = 1;
    a->box = p.box;
    return 1;
}

int view_brush_paint(view_annot_t *a, live_t *l, double x, double y, double now, char *msg,
                     size_t n)
{
    msg[0] = '\0';
    if (!brush_start(a, l, msg, n)) return 0;
    double L = a->box;
    if (x < -L || x > L || y < -L || y > L) return 0;
    if (view_brush_dab(&a->image, L, x, y, a->radius, a->erase) == 0) return 0;
    view_brush_changed(a, now);
    return 1;
}

int view_brush_clear(view_annot_t *a, live_t *l, double now, char *msg, size_t n)
{
    msg[0] = '\0';
    if (!brush_start(a, l, msg, n)) return 0;
    memset(a->image.px, 0, sizeof a->image.px);
    a->image.src[0] = '\0';
    view_brush_changed(a, now);
    snprintf(msg, n, "cleared: paint on black (p* changes once something is painted)");
    return 1;
}

int view_brush_smooth(view_annot_t *a, live_t *l, double now, char *msg, size_t n)
{
    msg[0] = '\0';
    if (!brush_start(a, l, msg, n)) return 0;
    params_t p;
    live_get_params(l, &p);
    p.image = a->image;
    params_image_smooth(&p);
    a->image = p.image;
    a->image.src[0] = '\0';
    view_brush_changed(a, now);
    snprintf(msg, n, "smoothed the density");
    return 1;
}

int view_brush_take(view_annot_t *a, live_t *l, double now, int force, params_t *out, char *msg,
                    size_t n)
{
    msg[0] = '\0';
    if (!a->have_image || !a->dirty) return 0;
    if (!force && !view_brush_due(a, now)) return 0;
    if (view_image_black(&a->image)) {
        if (!force) return 0; /* wait for paint (said when the stroke ends or the mode) */
        snprintf(msg, n, "the picture is all black, which is no density: paint something (x "
                         "switches to painting)");
        return 0;
    }
    live_get_params(l, out);
    out->image = a->image;
    return 1;
}

void view_brush_applied(view_annot_t *a)
{
    a->dirty = 0;
}

/* ------------------------------------------------------------ keys and clicks */

/* Leaves whatever mode is on. Returns VIEW_ANN_* flags. */
static int leave(view_annot_t *an, live_t *l, double now, params_t *apply, char *msg, size_t n)
{
    int flags = VIEW_ANN_DONE;
    if (an->mode == VIEW_MODE_ANNOTATE) {
        if (view_annot_set(an, l, 0, msg, n) < 0) flags |= VIEW_ANN_BAD;
    } else if (an->mode == VIEW_MODE_BRUSH) {
        flags |= view_annot_tick(an, l, now, 1, apply, msg, n);
        an->mode = VIEW_MODE_NORMAL;
        an->pen = 0;
        if (!(flags & VIEW_ANN_BAD))
            snprintf(msg, n, "brush put away after %ld dabs (:save FILE keeps the painted density)",
                     an->dabs);
    }
    return flags;
}

static int enter_brush(view_annot_t *an, char *msg, size_t n)
{
    an->mode = VIEW_MODE_BRUSH;
    an->have_image = 0; /* start from the session's p* as it is now */
    an->pen = 0;
    an->dirty = 0;
    an->dabs = 0;
    snprintf(msg, n, "brush: arrows move it over p*, space paints (pen down / up), x erase, m "
                     "smooth, ( ) size; b or Esc puts it away");
    return VIEW_ANN_DONE;
}

/* A dab at the cursor. */
static int dab(view_annot_t *an, live_t *l, const view_state_t *vs, double now, char *msg,
               size_t n)
{
    int rc = view_brush_paint(an, l, vs->cursor_x, vs->cursor_y, now, msg, n);
    if (rc == 0 && msg[0]) return VIEW_ANN_DONE | VIEW_ANN_BAD;
    return VIEW_ANN_DONE;
}

static int brush_action(view_annot_t *an, live_t *l, view_action act, const view_state_t *vs,
                        double now, char *msg, size_t n)
{
    switch (act) {
    case ACT_BRUSH_PEN:
        an->pen = !an->pen;
        if (!an->pen) {
            snprintf(msg, n, "pen up: the arrows move the brush without painting");
            return VIEW_ANN_DONE;
        }
        snprintf(msg, n, "pen down: the brush %s where it moves; space lifts it",
                 an->erase ? "erases" : "paints");
        return dab(an, l, vs, now, msg + strlen(msg), n - strlen(msg)) | VIEW_ANN_DONE;
    case ACT_BRUSH_ERASE:
        an->erase = !an->erase;
        snprintf(msg, n, "brush: %s", an->erase ? "erases" : "paints");
        return VIEW_ANN_DONE;
    case ACT_BRUSH_SMOOTH:
        return view_brush_smooth(an, l, now, msg, n) ? VIEW_ANN_DONE : VIEW_ANN_DONE | VIEW_ANN_BAD;
    case ACT_BRUSH_CLEAR:
        return view_brush_clear(an, l, now, msg, n) ? VIEW_ANN_DONE : VIEW_ANN_DONE | VIEW_ANN_BAD;
    case ACT_BRUSH_SMALLER:
    case ACT_BRUSH_BIGGER:
        an->radius += act == ACT_BRUSH_BIGGER ? 1 : -1;
        if (an->radius < VIEW_BRUSH_MIN) an->radius = VIEW_BRUSH_MIN;
        if (an->radius > VIEW_BRUSH_MAX) an->radius = VIEW_BRUSH_MAX;
        snprintf(msg, n, "brush radius: %d of %d cells", an->radius, PARAMS_IMAGE_SIDE);
        return VIEW_ANN_DONE;
    case ACT_CURSOR_LEFT:
    case ACT_CURSOR_RIGHT:
    case ACT_CURSOR_UP:
    case ACT_CURSOR_DOWN:
        /* the loop moved the cursor already; with the pen down it paints */
        if (an->pen) return dab(an, l, vs, now, msg, n);
        return 0;
    default: return 0;
    }
}

int view_annot_action(view_annot_t *an, live_t *l, view_action act, const view_state_t *vs,
                      double now, params_t *apply, char *msg, size_t n)
{
    char path[256];
    msg[0] = '\0';
    switch (act) {
    case ACT_ANNOTATE:
        if (an->mode == VIEW_MODE_ANNOTATE) return leave(an, l, now, apply, msg, n);
        {
            int flags = an->mode != VIEW_MODE_NORMAL ? leave(an, l, now, apply, msg, n) : 0;
            if (view_annot_set(an, l, 1, msg, n) < 0) flags |= VIEW_ANN_BAD;
            return flags | VIEW_ANN_DONE;
        }
    case ACT_BRUSH:
        if (an->mode == VIEW_MODE_BRUSH) return leave(an, l, now, apply, msg, n);
        {
            int flags = an->mode != VIEW_MODE_NORMAL ? leave(an, l, now, apply, msg, n) : 0;
            return flags | enter_brush(an, msg, n);
        }
    case ACT_MODE_EXIT: return leave(an, l, now, apply, msg, n);
    case ACT_ANSWER_A:
    case ACT_ANSWER_B:
    case ACT_ANSWER_SKIP: {
        int y = act == ACT_ANSWER_A ? 1 : act == ACT_ANSWER_B ? 0 : -1;
        return view_annot_answer(an, l, y, msg, n) < 0 ? VIEW_ANN_DONE | VIEW_ANN_BAD : VIEW_ANN_DONE;
    }
    case ACT_ROOM_NEXT:
        if (an->mode != VIEW_MODE_ROOM) return 0;
        live_next_question(l);
        an->have_question = 0;
        snprintf(msg, n, "question %ld closed with %ld of %ld answers: the next one comes", an->asked,
                 an->room.question_answers, an->room.per_question);
        return VIEW_ANN_DONE;
    case ACT_ANSWER_UNDO:
        return view_annot_undo(an, l, msg, n) ? VIEW_ANN_DONE : VIEW_ANN_DONE | VIEW_ANN_BAD;
    case ACT_SAVE_PAIRS:
        view_annot_default_path(path, sizeof path);
        return view_annot_save(an, l, path, msg, n) ? VIEW_ANN_DONE : VIEW_ANN_DONE | VIEW_ANN_BAD;
    default:
        if (an->mode == VIEW_MODE_BRUSH) return brush_action(an, l, act, vs, now, msg, n);
        return 0;
    }
}

int view_annot_click(view_annot_t *an, live_t *l, double x, double y, int erase, double now,
                     char *msg, size_t n)
{
    msg[0] = '\0';
    if (an->mode == VIEW_MODE_ANNOTATE && an->have_question) {
        params_t p;
        live_get_params(l, &p);
        int pick = view_annot_pick(an->q, p.box, x, y);
        if (pick < 0) return 0;
        return view_annot_answer(an, l, pick, msg, n) < 0 ? VIEW_ANN_DONE | VIEW_ANN_BAD
                                                          : VIEW_ANN_DONE;
    }
    if (an->mode == VIEW_MODE_BRUSH) {
        int was = an->erase;
        an->erase = erase ? 1 : was;
        int rc = view_brush_paint(an, l, x, y, now, msg, n);
        an->erase = was;
        return rc == 0 && msg[0] ? VIEW_ANN_DONE | VIEW_ANN_BAD : VIEW_ANN_DONE;
    }
    return 0;
}

int view_annot_tick(view_annot_t *an, live_t *l, double now, int force, params_t *apply,
                    char *msg, size_t n)
{
    char m[256];
    if (!view_brush_take(an, l, now, force, apply, m, sizeof m)) {
        if (m[0] && (force || view_brush_due(an, now))) {
            snprintf(msg, n, "%s", m);
            return VIEW_ANN_BAD;
        }
        return 0;
    }
    view_brush_applied(an);
    return VIEW_ANN_APPLY;
}

int view_annot_command(view_annot_t *an, live_t *l, const char *line, char *msg, size_t n,
                       int *bad)
{
    const char *s = line;
    while (*s == ' ') s++;
    if (strncmp(s, "save-pairs", 10) != 0 || (s[10] && s[10] != ' ')) return 0;
    s += 10;
    while (*s == ' ') s++;
    char path[256];
    snprintf(path, sizeof path, "%s", s);
    size_t len = strlen(path);
    while (len > 0 && path[len - 1] == ' ') path[--len] = '\0';
    if (!path[0]) view_annot_default_path(path, sizeof path);
    *bad = !view_annot_save(an, l, path, msg, n);
    return 1;
}

void view_annot_default_path(char *buf, size_t n)
{
    struct stat sb;
    snprintf(buf, n, "pbde-answers.csv");
    for (int k = 2; stat(buf, &sb) == 0 && k < 1000; k++) snprintf(buf, n, "pbde-answers-%d.csv", k);
}
