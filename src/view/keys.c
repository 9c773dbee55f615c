/* The one key/action table of both explorers, and the parameter actions
   behind it (catalogue cycling, pairs, the objective's and annotator's
   parameter). Pure: no terminal, no window. */
#include "pbde/view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/annotator.h"
#include "pbde/density.h"
#include "pbde/objective.h"

/* ------------------------------------------------------------ key table */

/* front ends, then the mode: keys of every mode */
#define BOTH VIEW_FE_BOTH, VIEW_MODE_NORMAL
#define GUI VIEW_FE_GUI, VIEW_MODE_NORMAL
#define ANNOTATE VIEW_MODE_ANNOTATE
#define BRUSH VIEW_MODE_BRUSH
#define ROOM VIEW_MODE_ROOM
#define TOUR VIEW_FE_BOTH, VIEW_MODE_TOUR

static const view_key_t KEYS[] = {
    { ' ', ACT_PAUSE, "space", "pause / resume training", BOTH },
    { 'n', ACT_STEP, "n", "one training step", BOTH },
    { 'r', ACT_RESET, "r", "reset the model", BOTH },
    { 's', ACT_RESAMPLE, "s", "resample the data (seed + 1)", BOTH },
    { 'a', ACT_ANNOTATOR_NEXT, "a", "next annotator", BOTH },
    { 'A', ACT_ANNOTATOR_PREV, "A", "previous annotator", BOTH },
    { 'o', ACT_OBJECTIVE_NEXT, "o", "next objective", BOTH },
    { 'O', ACT_OBJECTIVE_PREV, "O", "previous objective", BOTH },
    { 'd', ACT_DENSITY_NEXT, "d", "next density", BOTH },
    { 'D', ACT_DENSITY_PREV, "D", "previous density", BOTH },
    { '+', ACT_PAIRS_MORE, "+", "double the pairs", BOTH },
    { '=', ACT_PAIRS_MORE, "=", "double the pairs", BOTH },
    { '-', ACT_PAIRS_FEWER, "-", "halve the pairs", BOTH },
    { '[', ACT_OBJ_PARAM_DOWN, "[", "objective's parameter down", BOTH },
    { ']', ACT_OBJ_PARAM_UP, "]", "objective's parameter up", BOTH },
    { '{', ACT_ANN_PARAM_DOWN, "{", "annotator's parameter down", BOTH },
    { '}', ACT_ANN_PARAM_UP, "}", "annotator's parameter up", BOTH },
    { '<', ACT_SLOWER, "<", "train slower", BOTH },
    { '>', ACT_FASTER, ">", "train faster", BOTH },
    { 'P', ACT_PACE, "P", "lecture pace on / off (a run in about 20 s)", BOTH },
    { 'p', ACT_OVERLAY, "p", "show / hide training pairs", BOTH },
    { 'v', ACT_THIRD_PANEL, "v", "panel 3: optimum, ratio, proposal, slice, RL, BC", BOTH },
    { 'k', ACT_BUDGET_DOWN, "k", "overopt panel: smaller KL budget", BOTH },
    { 'K', ACT_BUDGET_UP, "K", "overopt panel: larger KL budget", BOTH },
    { 'l', ACT_LOG_SCALE, "l", "linear / log colour scale", BOTH },
    { 'c', ACT_COLORMAP, "c", "next colour map", BOTH },
    { 'L', ACT_CURVE, "L", "learning curve: KL vs pairs, log-log", BOTH },
    { ':', ACT_PROMPT, ":", "command prompt (:set name value)", BOTH },
    { '?', ACT_HELP, "?", "help", BOTH },
    { 'q', ACT_QUIT, "q", "quit", BOTH },
    { VIEW_KEY_LEFT, ACT_CURSOR_LEFT, "<-", "move the cursor left", BOTH },
    { VIEW_KEY_RIGHT, ACT_CURSOR_RIGHT, "->", "move the cursor right", BOTH },
    { VIEW_KEY_UP, ACT_CURSOR_UP, "up", "move the cursor up", BOTH },
    { VIEW_KEY_DOWN, ACT_CURSOR_DOWN, "down", "move the cursor down", BOTH },
    { 'f', ACT_FULLSCREEN, "f", "fullscreen", GUI },
    { 'S', ACT_SCREENSHOT, "S", "screenshot (PNG)", GUI },
    { 'R', ACT_RECORD, "R", "start / stop recording a video", GUI },
    { 'i', ACT_INTERPOLATE, "i", "nearest / bilinear interpolation", GUI },
    /* the interactive-data modes (pbde/annotate.h): h and b switch them on
       and off; the keys below them belong to one mode and take over a key
       of every mode while it is on (= no longer doubles the pairs) */
    { 'h', ACT_ANNOTATE, "h", "be the annotator: is A or B better?", BOTH },
    { 'b', ACT_BRUSH, "b", "draw the density with a brush", BOTH },
    { VIEW_KEY_LEFT, ACT_ANSWER_A, "<-", "annotate: A is better", VIEW_FE_BOTH, ANNOTATE },
    { VIEW_KEY_RIGHT, ACT_ANSWER_B, "->", "annotate: B is better", VIEW_FE_BOTH, ANNOTATE },
    { '=', ACT_ANSWER_SKIP, "=", "annotate: no preference (next question)", VIEW_FE_BOTH, ANNOTATE },
    { 'u', ACT_ANSWER_UNDO, "u", "annotate: undo the last answer", VIEW_FE_BOTH, ANNOTATE },
    { 'W', ACT_SAVE_PAIRS, "W", "annotate: save the answers as CSV", VIEW_FE_BOTH, ANNOTATE },
    { VIEW_KEY_ESCAPE, ACT_MODE_EXIT, "Esc", "annotate: back to exploring", VIEW_FE_BOTH, ANNOTATE },
    { ' ', ACT_BRUSH_PEN, "space", "brush: paint here; pen down / up", VIEW_FE_BOTH, BRUSH },
    { 'x', ACT_BRUSH_ERASE, "x", "brush: paint / erase", VIEW_FE_BOTH, BRUSH },
    { 'm', ACT_BRUSH_SMOOTH, "m", "brush: smooth the density", VIEW_FE_BOTH, BRUSH },
    { '(', ACT_BRUSH_SMALLER, "(", "brush: smaller", VIEW_FE_BOTH, BRUSH },
    { ')', ACT_BRUSH_BIGGER, ")", "brush: bigger", VIEW_FE_BOTH, BRUSH },
    { 'C', ACT_BRUSH_CLEAR, "C", "brush: clear the picture (black)", VIEW_FE_BOTH, BRUSH },
    { VIEW_KEY_ESCAPE, ACT_MODE_EXIT, "Esc", "brush: back to exploring", VIEW_FE_BOTH, BRUSH },
    /* a room of annotators: phones answer the question on screen */
    { 'H', ACT_ROOM, "H", "room: phones answer (join URL and QR code)", BOTH },
    { 'n', ACT_ROOM_NEXT, "n", "room: close the question, ask the next", VIEW_FE_BOTH, ROOM },
    { 'W', ACT_SAVE_PAIRS, "W", "room: save the answers as CSV", VIEW_FE_BOTH, ROOM },
    { VIEW_KEY_ESCAPE, ACT_MODE_EXIT, "Esc", "room: back to exploring", VIEW_FE_BOTH, ROOM },
    /* a lecture tour (--tour): its keys come before every other mode's;
       t works whether the tour's keys are on or not, the others only
       while they are (t hands space and the arrows back for exploring) */
    { ' ', ACT_TOUR_NEXT, "space", "tour: next stop", TOUR },
    { VIEW_KEY_RIGHT, ACT_TOUR_NEXT, "->", "tour: next stop", TOUR },
    { VIEW_KEY_PGDN, ACT_TOUR_NEXT, "PgDn", "tour: next stop", TOUR },
    { VIEW_KEY_LEFT, ACT_TOUR_PREV, "<-", "tour: previous stop (rebuilt)", TOUR },
    { VIEW_KEY_PGUP, ACT_TOUR_PREV, "PgUp", "tour: previous stop (rebuilt)", TOUR },
    { 't', ACT_TOUR_TOGGLE, "t", "tour: leave it to explore; t again returns", TOUR },
};

#define N_KEYS (sizeof KEYS / sizeof KEYS[0])

const view_key_t *view_keys(size_t *n)
{
    *n = N_KEYS;
    return KEYS;
}

view_action view_key_action(int key, int frontend)
{
    return view_key_action_mode(key, frontend, VIEW_MODE_NORMAL);
}

static view_action lookup(int key, int frontend, int mode)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (KEYS[i].key == key && (KEYS[i].frontends & frontend) && KEYS[i].mode == mode)
            return KEYS[i].action;
    return ACT_NONE;
}

view_action view_key_lookup(int key, int frontend, int mode)
{
    return lookup(key, frontend, mode);
}

const char *view_key_label(view_action a, int frontend)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (KEYS[i].action == a && (KEYS[i].frontends & frontend)) return KEYS[i].label;
    return NULL;
}

view_action view_key_action_mode(int key, int frontend, int mode)
{
    view_action a = mode != VIEW_MODE_NORMAL ? lookup(key, frontend, mode) : ACT_NONE;
    return a != ACT_NONE ? a : lookup(key, frontend, VIEW_MODE_NORMAL);
}

/* ------------------------------------------------- parameter names */

const char *view_objective_param(const params_t *p)
{
    return objective_main_param(p->objective);
}

const char *view_annotator_param(const params_t *p)
{
    return annotator_main_param(p->annotator);
}

/* ------------------------------------------------- catalogue cycling */

/* Moves the choice *field by dir (+1/-1) through count values, wrapping,
   to the first value params_check accepts. */
static int cycle(params_t *p, int *field, int count, int dir, const char *what,
                 const char *(*label)(int), char *msg, size_t msglen)
{
    int start = *field;
    char err[256];
    for (int i = 1; i < count; i++) {
        *field = ((start + dir * i) % count + count) % count;
        if (params_check(p, err, sizeof err) == 0) {
            snprintf(msg, msglen, "%s: %s", what, label(*field));
            return 1;
        }
    }
    *field = start;
    snprintf(msg, msglen, "no other %s fits the current settings", what);
    return 0;
}

/* ------------------------------------------------- numeric steps */

static double get_value(const params_t *p, const param_def_t *def)
{
    const char *field = (const char *)p + def->offset;
    return def->type == PARAM_INT ? (double)*(const long *)field : *(const double *)field;
}

static int allowed_low(const param_def_t *def, double v)
{
    return def->min_open ? v > def->min : v >= def->min;
}

/* Steps the named parameter up (dir > 0) or down by its registry step
   rule, clamped to the registry's range (and the rule's floor). The new value goes through
   params_set, so *p only ever holds what the registry accepts. */
static int step_param(params_t *p, const char *name, int dir, char *msg, size_t msglen)
{
    const param_def_t *def = params_find(name);
    if (!def || def->step == PARAM_STEP_NONE || def->type == PARAM_CHOICE) {
        snprintf(msg, msglen, "%s cannot be stepped", name);
        return 0;
    }
    double v = get_value(p, def);
    double lo = def->min > def->step_floor ? def->min : def->step_floor;
    int lo_is_min = !(def->step_floor > def->min); /* the floor is the registry's own minimum */
    double c;
    if (def->step == PARAM_STEP_DOUBLE) c = dir > 0 ? v * 2.0 : v / 2.0;
    else {
        /* additive: snap to a millionth of the step, so 0.1 - 0.05 - 0.05 is 0 */
        double q = def->step_size * 1e-6;
        c = round((dir > 0 ? v + def->step_size : v - def->step_size) / q) * q;
    }
    if (def->type == PARAM_INT) c = dir > 0 ? ceil(c) : floor(c);

    char cur[64];
    params_format(p, def, cur, sizeof cur);
    if (dir > 0) {
        if (c > def->max) c = def->max;
        if (!(c > v)) {
            snprintf(msg, msglen, "%s is at its maximum (%s)", name, cur);
            return 0;
        }
    } else {
        if (c < lo || !allowed_low(def, c)) {
            /* clamp to the lowest value the stepper may reach */
            c = lo;
            if (!allowed_low(def, c)) c = v; /* open minimum: stay */
        }
        if (!(c < v)) {
            if (lo_is_min)
                snprintf(msg, msglen, "%s is at its minimum (%s)", name, cur);
            else
                snprintf(msg, msglen, "%s is at its smallest step (%s); :set %s goes lower", name,
                         cur, name);
            return 0;
        }
    }

    char text[64], err[256];
    if (def->type == PARAM_INT) snprintf(text, sizeof text, "%ld", (long)c);
    else snprintf(text, sizeof text, "%.10g", c);
    if (params_set(p, name, text, err, sizeof err) != 0) {
        snprintf(msg, msglen, "%s: %s", name, err);
        return 0;
    }
    params_format(p, def, cur, sizeof cur);
    snprintf(msg, msglen, "%s: %s", name, cur);
    return 1;
}

/* ------------------------------------------------- dispatch */

int view_param_action(params_t *p, view_action a, char *msg, size_t msglen)
{
    const char *name;
    if (msglen > 0) msg[0] = '\0';
    switch (a) {
    case ACT_ANNOTATOR_NEXT:
    case ACT_ANNOTATOR_PREV:
        return cycle(p, &p->annotator, annotator_count(), a == ACT_ANNOTATOR_NEXT ? 1 : -1,
                     "annotator", annotator_name, msg, msglen);
    case ACT_OBJECTIVE_NEXT:
    case ACT_OBJECTIVE_PREV:
        return cycle(p, &p->objective, objective_count(), a == ACT_OBJECTIVE_NEXT ? 1 : -1,
                     "objective", objective_name, msg, msglen);
    case ACT_DENSITY_NEXT:
    case ACT_DENSITY_PREV:
        if (p->image.side > 0) {
            /* an image density (painted or loaded) overrides the catalogue:
               the keys leave it for the catalogue's next density */
            params_image_t keep = p->image;
            p->image.side = 0;
            p->image.src[0] = '\0';
            if (cycle(p, &p->density, density_count(), a == ACT_DENSITY_NEXT ? 1 : -1,
                      "density", density_name, msg, msglen))
                return 1;
            p->image = keep;
            return 0;
        }
        return cycle(p, &p->density, density_count(), a == ACT_DENSITY_NEXT ? 1 : -1, "density",
                     density_name, msg, msglen);
    case ACT_PAIRS_MORE:
    case ACT_PAIRS_FEWER:
        return step_param(p, "pairs", a == ACT_PAIRS_MORE ? 1 : -1, msg, msglen);
    case ACT_OBJ_PARAM_DOWN:
    case ACT_OBJ_PARAM_UP:
        name = view_objective_param(p);
        if (!name) {
            snprintf(msg, msglen, "objective %s has no parameter", objective_name(p->objective));
            return 0;
        }
        return step_param(p, name, a == ACT_OBJ_PARAM_UP ? 1 : -1, msg, msglen);
    case ACT_ANN_PARAM_DOWN:
    case ACT_ANN_PARAM_UP:
        name = view_annotator_param(p);
        if (!name) {
            snprintf(msg, msglen, "annotator %s has no parameter", annotator_name(p->annotator));
            return 0;
        }
        return step_param(p, name, a == ACT_ANN_PARAM_UP ? 1 : -1, msg, msglen);
    default:
        return 0;
    }
}
