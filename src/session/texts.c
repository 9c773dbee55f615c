/* What the explorers show in words, built once from the session for
   every renderer: the state in the header, the status line, the footer,
   the help list, and a tour stop's state and keys. Keys are read from the
   key table (pbde/view.h), so a key is renamed in one place. */
#include "pbde/session.h"

#include <stdio.h>
#include <string.h>

const char SESSION_HELP_TITLE[] = "pbde keys";
const char SESSION_HELP_CLOSE[] = "press any key to close this help";
const char SESSION_HELP_PAGING[] = "space, PgDn or \xE2\x86\x92 next page \xC2\xB7 PgUp or \xE2\x86\x90 back \xC2\xB7 any other key closes";

static const char *key(const session_t *s, view_action a)
{
    const char *k = view_key_label(a, s->fe);
    return k ? k : "?";
}

/* ------------------------------------------------------------ state */

session_state_t session_state(const session_t *s, int ascii, char *buf, size_t n, view_tone *tone)
{
    if (!s->snap) {
        snprintf(buf, n, "starting%s", ascii ? "..." : "\xE2\x80\xA6");
        if (tone) *tone = VIEW_TONE_WARN;
        return SESSION_REBUILDING;
    }
    session_state_t st = (session_state_t)live_status(s->snap, ascii, buf, n);
    /* the curve's state once training waits for it (the pause is a
       request: the snapshot says when it is in force) */
    if (s->curve_job && (st == SESSION_PAUSED || st == SESSION_DONE)) {
        st = SESSION_CURVE;
        snprintf(buf, n, "computing the learning curve%s", ascii ? "..." : "\xE2\x80\xA6");
    }
    if (tone) {
        switch (st) {
        case SESSION_TRAINING: *tone = VIEW_TONE_GOOD; break;
        case SESSION_DIVERGED: *tone = VIEW_TONE_BAD; break;
        case SESSION_DONE: *tone = VIEW_TONE_NORMAL; break;
        default: *tone = VIEW_TONE_WARN; break;
        }
    }
    return st;
}

/* ------------------------------------------------------------ status line */

void session_status(const session_t *s, double now, char *buf, size_t n, view_tone *tone)
{
    view_tone t = VIEW_TONE_DIM;
    const char *msg = session_message(s, now, &t);
    if (tone) *tone = msg ? t : VIEW_TONE_DIM;
    if (msg) {
        snprintf(buf, n, "%s", msg);
        return;
    }
    /* no news: what the state allows next */
    const live_snapshot_t *sn = s->snap;
    if (!sn) {
        snprintf(buf, n, "starting\xE2\x80\xA6");
        return;
    }
    if (sn->state == TRAINER_DIVERGED) {
        snprintf(buf, n, "training diverged at step %ld: try a smaller learning rate (:set lr %g), then %s",
                 sn->diverged_at, s->want.lr / 10.0, key(s, ACT_RESET));
        if (tone) *tone = VIEW_TONE_BAD;
        return;
    }
    int touring = s->tour.n > 0 && s->tour_on;
    int stopped = sn->paused || sn->state != TRAINER_TRAINING;
    if (sn->rebuilding) snprintf(buf, n, "building the new world, data and model\xE2\x80\xA6");
    else if (s->curve_job)
        snprintf(buf, n, "computing the learning curve (training waits); %s hides it", key(s, ACT_CURVE));
    else if (touring && stopped && s->stop == s->tour.n - 1)
        snprintf(buf, n, "end of tour: \xE2\x86\x90 goes back, t explores freely, %s quits",
                 key(s, ACT_QUIT));
    else if (touring && stopped)
        snprintf(buf, n, "space or \xE2\x86\x92: next stop, \xE2\x86\x90: previous stop; t leaves the "
                         "tour to explore");
    else if (touring)
        snprintf(buf, n, "training to this stop's step count; %s lists every key", key(s, ACT_HELP));
    else if (sn->state == TRAINER_DONE)
        snprintf(buf, n,
                 "done: %s trains again, %s resamples the data, %s/%s/%s change the setup, "
                 "%s sets any parameter",
                 key(s, ACT_RESET), key(s, ACT_RESAMPLE), key(s, ACT_ANNOTATOR_NEXT),
                 key(s, ACT_OBJECTIVE_NEXT), key(s, ACT_DENSITY_NEXT), key(s, ACT_PROMPT));
    else if (sn->paused)
        snprintf(buf, n, "paused: %s resumes, %s takes one step", key(s, ACT_PAUSE), key(s, ACT_STEP));
    else
        snprintf(buf, n, "%s lists every key; %s opens the prompt (:set beta 8, :help beta)",
                 key(s, ACT_HELP), key(s, ACT_PROMPT));
}

/* ------------------------------------------------------------ speed */

void session_speed_text(const session_t *s, char *buf, size_t n)
{
    double rate = session_rate(s);
    char r[32];
    snprintf(r, sizeof r, rate >= 10 ? "%.0f" : "%.2g", rate);
    if (s->pace > 0 && s->pace == PARAMS_LECTURE_PACE)
        snprintf(buf, n, "lecture pace %s steps/s", r);
    else if (s->pace > 0)
        snprintf(buf, n, "pace %g s, %s steps/s", s->pace, r);
    else if (rate > 0)
        snprintf(buf, n, "speed %g steps/s", rate);
    else
        snprintf(buf, n, "speed max");
}

/* ------------------------------------------------------------ footer */

/* The footer's words; the keys come from the key table. An entry whose
   key the front end lacks is left out. */
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
    { ACT_ROOM, ACT_NONE, "room" },
    { ACT_PAIRS_MORE, ACT_PAIRS_FEWER, "pairs" },
    { ACT_OBJ_PARAM_DOWN, ACT_OBJ_PARAM_UP, "obj. param" },
    { ACT_ANN_PARAM_DOWN, ACT_ANN_PARAM_UP, "ann. param" },
    { ACT_SLOWER, ACT_FASTER, "speed" },
    { ACT_OVERLAY, ACT_NONE, "pairs shown" },
    { ACT_THIRD_PANEL, ACT_NONE, "panel" },
    { ACT_LOG_SCALE, ACT_NONE, "log" },
    { ACT_COLORMAP, ACT_NONE, "colours" },
    { ACT_CURVE, ACT_NONE, "curve" },
    { ACT_SCREENSHOT, ACT_NONE, "screenshot" },
    { ACT_RECORD, ACT_NONE, "record" },
    { ACT_PROMPT, ACT_NONE, "command" },
};

static int add(view_item_t *items, int n, int max, const char *k, const char *text)
{
    if (n >= max) return n;
    snprintf(items[n].key, sizeof items[n].key, "%s", k);
    snprintf(items[n].text, sizeof items[n].text, "%s", text);
    return n + 1;
}

/* The interactive-data modes: the footer's name of each, and the key
   that switches it on and off. */
typedef struct {
    int mode;
    const char *name;
    view_action toggle;
} mode_name_t;
static const mode_name_t MODES[] = {
    { VIEW_MODE_ANNOTATE, "annotate", ACT_ANNOTATE },
    { VIEW_MODE_BRUSH, "brush", ACT_BRUSH },
    { VIEW_MODE_ROOM, "room", ACT_ROOM },
};

static const mode_name_t *mode_name(int mode)
{
    for (size_t i = 0; i < sizeof MODES / sizeof MODES[0]; i++)
        if (MODES[i].mode == mode) return &MODES[i];
    return NULL;
}

/* A mode's footer: its own keys (without the mode's prefix), then how to
   leave it. */
static int mode_footer(const session_t *s, view_item_t *items, int max, int *right)
{
    size_t nk;
    const view_key_t *k = view_keys(&nk);
    int n = 0;
    for (size_t i = 0; i < nk; i++) {
        if (k[i].mode != s->ann.mode || !(k[i].frontends & s->fe) || k[i].action == ACT_MODE_EXIT)
            continue;
        /* "annotate: A is better" -> "A is better" */
        const char *word = strchr(k[i].help, ':');
        n = add(items, n, max, k[i].label, word ? word + 2 : k[i].help);
    }
    char leave[32];
    const mode_name_t *m = mode_name(s->ann.mode);
    snprintf(leave, sizeof leave, "%s/%s", key(s, m ? m->toggle : ACT_MODE_EXIT),
             view_key_label(ACT_MODE_EXIT, s->fe));
    n = add(items, n, max, leave, "leave");
    *right = 1;
    return n;
}

int session_footer(const session_t *s, view_item_t *items, int max, int *right, const char **title)
{
    if (title) *title = NULL;
    if (s->ann.mode != VIEW_MODE_NORMAL) {
        const mode_name_t *m = mode_name(s->ann.mode);
        if (title) *title = m ? m->name : NULL;
        return mode_footer(s, items, max, right);
    }
    int n = 0, touring = s->tour.n > 0 && s->tour_on;
    if (touring) n = session_tour_keys(s, items, max);
    else if (s->tour.n > 0) n = add(items, n, max, key(s, ACT_TOUR_TOGGLE), "tour");
    for (size_t i = 0; i < sizeof FOOTER / sizeof FOOTER[0]; i++) {
        if (touring && FOOTER[i].a == ACT_PAUSE) continue; /* space is the tour's */
        const char *ka = view_key_label(FOOTER[i].a, s->fe);
        const char *kb = FOOTER[i].b != ACT_NONE ? view_key_label(FOOTER[i].b, s->fe) : NULL;
        if (!ka) continue;
        char k[32];
        if (kb) snprintf(k, sizeof k, "%s/%s", ka, kb);
        else snprintf(k, sizeof k, "%s", ka);
        n = add(items, n, max, k, FOOTER[i].word);
    }
    n = add(items, n, max, key(s, ACT_HELP), "help");
    n = add(items, n, max, key(s, ACT_QUIT), "quit");
    *right = 2;
    return n;
}

/* ------------------------------------------------------------ help */

/* The key table's help text, as it reads while a tour's keys are on
   (space and the side arrows are the tour's until t). */
static const char *key_help(const session_t *s, const view_key_t *k)
{
    if (s->tour.n == 0 || !s->tour_on) return k->help;
    switch (k->action) {
    case ACT_PAUSE: return "pause / resume (after t)";
    case ACT_CURSOR_LEFT: return "move the cursor left (after t)";
    case ACT_CURSOR_RIGHT: return "move the cursor right (after t)";
    default: return k->help;
    }
}

/* What a mode's key does without the mode's name: "annotate: A is
   better" -> "A is better" (keys of every mode: the whole text). */
static const char *without_mode(const view_key_t *k, const char *text)
{
    const char *c = k->mode != VIEW_MODE_NORMAL ? strstr(text, ": ") : NULL;
    return c ? c + 2 : text;
}

#define HELP_KEYS_MAX 128
#define HELP_LABEL_MAX 6 /* a merged label is kept to what the help's key column shows */

/* One help entry for keys that do the same: the same key and action in
   several modes ("Esc  annotate, brush: back to exploring"), or two keys
   of one mode with the same action and words ("+/=  double the pairs").
   Returns 1 when k joined an entry already listed (shown[j] its first
   key). */
static int help_merge(const session_t *s, view_item_t *items, const view_key_t **shown, int n,
                      const view_key_t *k)
{
    const char *text = key_help(s, k);
    for (int j = 0; j < n; j++) {
        const view_key_t *o = shown[j];
        if (o->action != k->action || o->mode == VIEW_MODE_TOUR || k->mode == VIEW_MODE_TOUR) continue;
        if (strcmp(without_mode(o, key_help(s, o)), without_mode(k, text)) != 0) continue;
        if (o->mode != k->mode && o->mode != VIEW_MODE_NORMAL && k->mode != VIEW_MODE_NORMAL &&
            strcmp(o->label, k->label) == 0) {
            /* "annotate: back..." + "brush: back..." -> "annotate, brush: back..." */
            const char *cur = items[j].text, *rest = strstr(cur, ": ");
            size_t plen = rest ? (size_t)(rest - cur) : 0;
            const char *kr = strstr(text, ": ");
            if (!rest || !kr) continue;
            char buf[sizeof items[j].text];
            snprintf(buf, sizeof buf, "%.*s, %.*s%s", (int)plen, cur, (int)(kr - text), text, rest);
            snprintf(items[j].text, sizeof items[j].text, "%s", buf);
            return 1;
        }
        if (o->mode == k->mode && strlen(items[j].key) + 1 + strlen(k->label) <= HELP_LABEL_MAX) {
            size_t len = strlen(items[j].key);
            snprintf(items[j].key + len, sizeof items[j].key - len, "/%s", k->label);
            return 1;
        }
    }
    return 0;
}

int session_help(const session_t *s, view_item_t *items, int max, int *n_keys)
{
    size_t nk, nc;
    const view_key_t *k = view_keys(&nk);
    int n = 0;
    const view_key_t *shown[HELP_KEYS_MAX];
    for (size_t i = 0; i < nk; i++) {
        if (!(k[i].frontends & s->fe)) continue;
        if (k[i].mode == VIEW_MODE_TOUR && s->tour.n == 0) continue;
        if (n < HELP_KEYS_MAX && help_merge(s, items, shown, n, &k[i])) continue;
        if (n < HELP_KEYS_MAX) shown[n] = &k[i];
        n = add(items, n, max, k[i].label, key_help(s, &k[i]));
    }
    *n_keys = n;
    const view_item_t *c = session_commands(&nc);
    for (size_t i = 0; i < nc; i++) n = add(items, n, max, c[i].key, c[i].text);
    n = add(items, n, max, "mouse", "click a panel: cursor; answer; paint");
    n = add(items, n, max, "miss, est", "misspecification, estimation KL");
    return n;
}

/* ------------------------------------------------------------ tour */

void session_stop_state(const session_t *s, char *buf, size_t n, view_tone *tone)
{
    const live_snapshot_t *sn = s->snap;
    const tour_stop_t *st = s->stop >= 0 && s->stop < s->tour.n ? &s->tour.stops[s->stop] : NULL;
    *tone = VIEW_TONE_DIM;
    if (!st || !sn) snprintf(buf, n, "starting\xE2\x80\xA6");
    else if (!s->tour_on) snprintf(buf, n, "exploring");
    else if (sn->rebuilding) snprintf(buf, n, "building\xE2\x80\xA6");
    else if (sn->state == TRAINER_DIVERGED) {
        snprintf(buf, n, "diverged at step %ld", sn->diverged_at);
        *tone = VIEW_TONE_BAD;
    } else if (sn->step < st->steps && sn->state == TRAINER_TRAINING && !sn->paused) {
        snprintf(buf, n, "training to step %ld\xE2\x80\xA6", st->steps);
        *tone = VIEW_TONE_GOOD;
    } else if (s->stop == s->tour.n - 1) {
        snprintf(buf, n, "end of tour");
        *tone = VIEW_TONE_WARN;
    } else if (st->steps == 0) snprintf(buf, n, "before training");
    else snprintf(buf, n, "at step %ld", sn->step);
}

int session_tour_keys(const session_t *s, view_item_t *items, int max)
{
    int n = 0;
    if (s->tour_on) {
        n = add(items, n, max, "space/\xE2\x86\x92", "next stop");
        n = add(items, n, max, "\xE2\x86\x90", "back");
        n = add(items, n, max, key(s, ACT_TOUR_TOGGLE), "explore");
    } else {
        n = add(items, n, max, key(s, ACT_TOUR_TOGGLE), "back to the tour");
        n = add(items, n, max, key(s, ACT_PAUSE), "pauses");
        n = add(items, n, max, "arrows", "move the cursor");
    }
    return n;
}
