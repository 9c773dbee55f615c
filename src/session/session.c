/* The explorer session: keys to actions, the actions on the live runs,
   the prompt's commands, lecture tours, the learning curve, the modes'
   glue, speed and messages. Both front ends drive it; texts.c turns its
   state into what they show. */
#include "pbde/session.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Training speeds the < and > keys step through, in steps per second
   (above the last: as fast as the machine goes, speed 0). */
static const double SPEEDS[] = { 1, 2, 5, 10, 20, 50, 100, 200, 500 };
#define N_SPEEDS (sizeof SPEEDS / sizeof SPEEDS[0])

void session_say(session_t *s, view_tone tone, const char *msg)
{
    size_t len = strlen(msg);
    if (len >= sizeof s->message) len = sizeof s->message - 1;
    /* never end inside a UTF-8 character */
    while (len > 0 && len < strlen(msg) && ((unsigned char)msg[len] & 0xC0) == 0x80) len--;
    memcpy(s->message, msg, len);
    s->message[len] = '\0';
    s->message_tone = tone;
    s->message_t = pbde_now();
    s->keep_message = 0; /* a new message: the next event may replace it */
    s->need_draw = 1;
}

const char *session_message(const session_t *s, double now, view_tone *tone)
{
    if (!s->message[0] || now - s->message_t >= SESSION_MESSAGE_S) return NULL;
    if (tone) *tone = s->message_tone;
    return s->message;
}

static void redraw(session_t *s)
{
    s->need_draw = 1;
    s->need_model = 1;
}

/* ------------------------------------------------------------ parameters */

static void slice_later(session_t *s)
{
    s->slice_dirty = 1;
    s->slice_due = pbde_now() + SESSION_SLICE_REST_S;
}

/* The view follows the [view] section of run 0's parameters p (the
   cursor and the help stay). */
static void view_follows(session_t *s, const params_t *p)
{
    view_state_t nv;
    view_state_from_params(&nv, p);
    nv.cursor_x = s->vs.cursor_x;
    nv.cursor_y = s->vs.cursor_y;
    nv.help = s->vs.help;
    if (nv.third != s->vs.third) slice_later(s);
    s->vs = nv;
}

/* Applies p to run i: the run restarts what the change invalidates
   (nothing for [view] parameters); for run 0 the view and the speed
   follow. Returns 0, or -1 with the reason on the status line. */
static int apply_run(session_t *s, int i, const params_t *p)
{
    char err[300];
    params_t before;
    live_get_params(s->live[i], &before);
    if (live_set_params(s->live[i], p, err, sizeof err) != 0) {
        session_say(s, VIEW_TONE_BAD, err);
        return -1;
    }
    if (!tour_same_training(&before, p)) s->disturbed = 1;
    live_set_speed(s->live[i], p->speed);
    if (i == 0) {
        s->want = *p;
        s->speed = p->speed;
        s->pace = p->pace;
        view_follows(s, p);
    }
    redraw(s);
    return 0;
}

/* An edit of one run's parameters: returns 1 when *p changed (msg says
   how), 0 when not (msg says why, or is empty). */
typedef int (*edit_fn)(params_t *p, const void *ctx, char *msg, size_t n);

/* Applies edit to every run (each keeps its facet value unless the edit
   moves that parameter); run 0's message goes to the status line. */
static void edit_runs(session_t *s, edit_fn edit, const void *ctx)
{
    char msg[512] = "", m[512];
    for (int i = 0; i < s->n; i++) {
        params_t p;
        live_get_params(s->live[i], &p);
        view_state_to_params(&s->vs, &p);
        p.speed = s->speed;
        p.pace = s->pace;
        int changed = edit(&p, ctx, m, sizeof m);
        if (i == 0) snprintf(msg, sizeof msg, "%s", m);
        if (changed && apply_run(s, i, &p) != 0) return;
    }
    if (msg[0]) session_say(s, VIEW_TONE_NORMAL, msg);
}

static int edit_action(params_t *p, const void *ctx, char *msg, size_t n)
{
    return view_param_action(p, *(const view_action *)ctx, msg, n);
}

/* Hands a view change made by a key to the runs' parameters, so that
   :save keeps it (a [view]-only change restarts nothing). */
static void sync_view(session_t *s)
{
    char err[300];
    for (int i = 0; i < s->n; i++) {
        params_t p;
        live_get_params(s->live[i], &p);
        view_state_to_params(&s->vs, &p);
        if (live_set_params(s->live[i], &p, err, sizeof err) == 0 && i == 0) s->want = p;
    }
}

static void update_slice(session_t *s)
{
    s->slice_dirty = 0;
    for (int i = 0; i < s->n; i++) {
        if (s->vs.third == THIRD_SLICE) live_want_slice(s->live[i], 1, s->vs.cursor_x, s->vs.cursor_y);
        else live_want_slice(s->live[i], 0, 0.0, 0.0);
        live_want_overopt(s->live[i], s->vs.third == THIRD_OVEROPT, s->vs.overopt_kl);
        live_want_borda(s->live[i], s->vs.third == THIRD_BORDA);
    }
}

static double box(const session_t *s)
{
    return s->snap && s->snap->L > 0 ? s->snap->L : s->want.box;
}

/* ------------------------------------------------------------ speed */

/* Puts speed and pace on every run (a [view] change: nothing restarts). */
static void put_rate(session_t *s, double speed, double pace)
{
    s->speed = speed;
    s->pace = pace;
    s->user_speed = 1;
    s->want.speed = speed;
    s->want.pace = pace;
    for (int i = 0; i < s->n; i++) {
        params_t p;
        char err[300];
        live_get_params(s->live[i], &p);
        p.speed = speed;
        p.pace = pace;
        if (live_set_params(s->live[i], &p, err, sizeof err) != 0) session_say(s, VIEW_TONE_BAD, err);
        live_set_speed(s->live[i], speed);
    }
}

double session_rate(const session_t *s)
{
    params_t p = s->want;
    p.speed = s->speed;
    p.pace = s->pace;
    return params_step_rate(&p);
}

/* The < and > ladder sets a speed cap and leaves the pace. */
static void set_speed(session_t *s, double speed)
{
    char msg[64];
    put_rate(s, speed, 0);
    if (speed > 0) snprintf(msg, sizeof msg, "speed: at most %g steps per second", speed);
    else snprintf(msg, sizeof msg, "speed: as fast as the machine goes");
    session_say(s, VIEW_TONE_NORMAL, msg);
}

/* P: the lecture pace (a run's steps in PARAMS_LECTURE_PACE seconds), or
   back to the speed cap alone. */
static void pace_toggle(session_t *s)
{
    char msg[160];
    if (s->pace > 0) {
        put_rate(s, s->speed, 0);
        if (s->speed > 0)
            snprintf(msg, sizeof msg, "pace off: at most %g steps per second", s->speed);
        else
            snprintf(msg, sizeof msg, "pace off: as fast as the machine goes");
    } else {
        put_rate(s, s->speed, PARAMS_LECTURE_PACE);
        snprintf(msg, sizeof msg, "lecture pace: %ld steps in about %g s (%g steps per second)",
                 s->want.steps, PARAMS_LECTURE_PACE, session_rate(s));
    }
    session_say(s, VIEW_TONE_NORMAL, msg);
}

/* The next speed on the ladder below (dir < 0) or above the current one;
   above the top is 0 (no cap). Returns -1 at either end. */
static double next_speed(double cur, int dir)
{
    if (dir > 0) {
        if (cur <= 0) return -1;
        for (size_t i = 0; i < N_SPEEDS; i++)
            if (SPEEDS[i] > cur) return SPEEDS[i];
        return 0;
    }
    if (cur <= 0) return SPEEDS[N_SPEEDS - 1];
    for (size_t i = N_SPEEDS; i-- > 0;)
        if (SPEEDS[i] < cur) return SPEEDS[i];
    return -1;
}

static void speed_step(session_t *s, int dir)
{
    double next = next_speed(s->pace > 0 ? floor(session_rate(s)) : s->speed, dir);
    if (next >= 0) set_speed(s, next);
    else if (dir < 0) session_say(s, VIEW_TONE_WARN, "speed: already the slowest (1 step per second)");
    else session_say(s, VIEW_TONE_WARN, "speed: already as fast as the machine goes");
}

/* ------------------------------------------------------------ prompt */

static int edit_command(params_t *p, const void *ctx, char *msg, size_t n)
{
    return session_command((const char *)ctx, p, msg, n) == SESSION_CMD_SET;
}

static int mode_action(session_t *s, view_action a);

/* ":room", ":room on|off|next", ":room OPTIONS": returns 1 when line was
   one. */
static int room_command(session_t *s, const char *line)
{
    while (*line == ' ') line++;
    if (strncmp(line, "room", 4) != 0 || (line[4] && line[4] != ' ')) return 0;
    const char *arg = line + 4;
    while (*arg == ' ') arg++;
    if (!*arg) session_room(s, s->ann.mode != VIEW_MODE_ROOM, NULL);
    else if (strcmp(arg, "off") == 0) {
        if (!session_room(s, 0, NULL)) session_say(s, VIEW_TONE_NORMAL, "no room is open");
    } else if (strcmp(arg, "on") == 0) session_room(s, 1, NULL);
    else if (strcmp(arg, "next") == 0) mode_action(s, ACT_ROOM_NEXT);
    else session_room(s, 1, arg);
    return 1;
}

static void run_command(session_t *s, const char *line)
{
    char msg[512];
    int bad = 0;
    if (room_command(s, line)) return;
    if (s->n == 1 && view_annot_command(&s->ann, s->live[0], line, msg, sizeof msg, &bad)) {
        session_say(s, bad ? VIEW_TONE_BAD : VIEW_TONE_NORMAL, msg);
        return;
    }
    params_t p;
    live_get_params(s->live[0], &p);
    view_state_to_params(&s->vs, &p);
    p.speed = s->speed;
    p.pace = s->pace;
    params_t before = p;
    switch (session_command(line, &p, msg, sizeof msg)) {
    case SESSION_CMD_SET:
        /* a speed or colour map set by hand stays for the rest of a tour */
        if (p.speed != before.speed || p.pace != before.pace) s->user_speed = 1;
        if (p.colormap != before.colormap) s->user_cmap = 1;
        if (apply_run(s, 0, &p) != 0) return;
        for (int i = 1; i < s->n; i++) { /* the other facet values: the same line */
            params_t q;
            char m[512];
            live_get_params(s->live[i], &q);
            view_state_to_params(&s->vs, &q);
            q.speed = s->speed;
            q.pace = s->pace;
            if (edit_command(&q, line, m, sizeof m) && apply_run(s, i, &q) != 0) return;
        }
        session_say(s, VIEW_TONE_NORMAL, msg);
        break;
    case SESSION_CMD_QUIT: s->quit = 1; break;
    case SESSION_CMD_ERROR: session_say(s, VIEW_TONE_BAD, msg); break;
    default:
        if (msg[0]) session_say(s, VIEW_TONE_NORMAL, msg);
        break;
    }
}

/* ------------------------------------------------------------ modes */

/* Carries out what a mode's action asks (view_annot_*): the painted
   density to the session, the message to the status line. */
static void mode_result(session_t *s, int flags, const params_t *apply, const char *msg)
{
    if (flags & VIEW_ANN_APPLY) apply_run(s, 0, apply);
    if (msg[0]) session_say(s, flags & VIEW_ANN_BAD ? VIEW_TONE_BAD : VIEW_TONE_NORMAL, msg);
    redraw(s);
}

/* The actions of the interactive-data modes (the key table's mode
   column); in brush mode the cursor is the brush. Returns 1 when the
   action was the modes'. */
static int mode_action(session_t *s, view_action a)
{
    params_t apply;
    char msg[512];
    int moved = 0;
    if (a == ACT_ROOM) {
        session_room(s, s->ann.mode != VIEW_MODE_ROOM, NULL);
        return 1;
    }
    if (s->ann.mode == VIEW_MODE_ROOM && (a == ACT_MODE_EXIT || a == ACT_ANNOTATE || a == ACT_BRUSH)) {
        session_room(s, 0, NULL); /* the server stops before the mode goes */
        if (a == ACT_MODE_EXIT) return 1;
    }
    if ((a == ACT_ANNOTATE || a == ACT_BRUSH) && s->n > 1) {
        session_say(s, VIEW_TONE_WARN,
                    "one training run at a time: annotate and brush need a window without --facet");
        return 1;
    }
    if (s->n > 1) return 0;
    if (a >= ACT_CURSOR_LEFT && a <= ACT_CURSOR_DOWN) {
        if (s->ann.mode != VIEW_MODE_BRUSH) return 0;
        view_move_cursor(&s->vs, a, box(s));
        slice_later(s);
        moved = 1;
    }
    int flags = view_annot_action(&s->ann, s->live[0], a, &s->vs, pbde_now(), &apply, msg, sizeof msg);
    if (!flags && !moved) return 0;
    mode_result(s, flags, &apply, msg);
    return 1;
}

/* Sends the painted density to the session when it is due (force: now). */
static void mode_tick(session_t *s, double now, int force)
{
    params_t apply;
    char msg[512] = "";
    if (!s->ann.dirty || s->n > 1) return;
    int flags = view_annot_tick(&s->ann, s->live[0], now, force, &apply, msg, sizeof msg);
    if (flags) mode_result(s, flags, &apply, msg);
}

/* ------------------------------------------------------------ the room */

/* Reads the room's counts; a change is redrawn. */
static void room_poll(session_t *s, double now)
{
    view_room_t *r = &s->ann.room;
    long before[3] = { r->participants, r->answers, r->rejected };
    s->room_ops->poll(s->room_ops->ctx, r);
    s->room_polled = now;
    if (before[0] != r->participants || before[1] != r->answers || before[2] != r->rejected) redraw(s);
}

void session_set_room(session_t *s, const session_room_ops_t *ops)
{
    s->room_ops = ops;
}

int session_room(session_t *s, int on, const char *opts)
{
    char msg[512], err[400];
    if (!on) {
        if (s->ann.mode != VIEW_MODE_ROOM) return 0;
        s->room_ops->stop(s->room_ops->ctx);
        room_poll(s, pbde_now()); /* the final counts */
        int rc = view_room_set(&s->ann, s->live[0], 0, msg, sizeof msg);
        session_say(s, rc < 0 ? VIEW_TONE_BAD : VIEW_TONE_NORMAL, msg);
        s->keep_message = rc >= 0;
        redraw(s);
        return 1;
    }
    if (!s->room_ops) {
        session_say(s, VIEW_TONE_BAD,
                    s->room_unavailable ? s->room_unavailable
                                        : "this pbde was built without the room: make deps installs "
                                          "libmicrohttpd-dev, libjson-c-dev and libqrencode-dev; then make");
        return 0;
    }
    if (s->n > 1) {
        session_say(s, VIEW_TONE_WARN, "one training run at a time: the room needs a window without --facet");
        return 0;
    }
    if (opts && s->room_ops->configure(s->room_ops->ctx, opts, err, sizeof err) != 0) {
        session_say(s, VIEW_TONE_BAD, err);
        return 0;
    }
    if (s->ann.mode == VIEW_MODE_ROOM) {
        if (!opts) return 1; /* open already */
        session_room(s, 0, NULL); /* again with the new options */
    }
    if (s->ann.mode != VIEW_MODE_NORMAL) mode_action(s, ACT_MODE_EXIT);
    view_room_t *r = &s->ann.room;
    memset(r, 0, sizeof *r);
    if (s->room_ops->start(s->room_ops->ctx, s->live[0], r, err, sizeof err) != 0) {
        snprintf(msg, sizeof msg, "the room did not open: %s", err);
        session_say(s, VIEW_TONE_BAD, msg);
        return 0;
    }
    int rc = view_room_set(&s->ann, s->live[0], 1, msg, sizeof msg);
    session_say(s, rc < 0 ? VIEW_TONE_BAD : VIEW_TONE_GOOD, msg);
    s->keep_message = rc >= 0;
    s->room_polled = pbde_now();
    redraw(s);
    return 1;
}

/* ------------------------------------------------------------ learning curve */

/* Stops a curve being computed and lets training go on if it waited. */
static void curve_stop(session_t *s)
{
    if (!s->curve_job) return;
    curve_job_destroy(s->curve_job);
    s->curve_job = NULL;
    if (s->curve_paused_live) live_set_paused(s->live[0], 0);
    s->curve_paused_live = 0;
}

/* Starts the curve of the settings in force: CURVE_LIVE_FROM ..
   CURVE_LIVE_TO pairs, one seed, CURVE_LIVE_STEPS steps a run. Training
   waits meanwhile, so the curve gets the processor (the panel says so). */
static void curve_start(session_t *s)
{
    char err[sizeof s->curve_err];
    params_t p;
    live_get_params(s->live[0], &p);
    p.steps = CURVE_LIVE_STEPS;
    if (!s->curve && !(s->curve = malloc(sizeof *s->curve))) {
        session_say(s, VIEW_TONE_BAD, "learning curve: out of memory");
        return;
    }
    if (curve_init(s->curve, &p, CURVE_LIVE_FROM, CURVE_LIVE_TO, 1, err, sizeof err) != 0 ||
        !(s->curve_job = curve_job_start(s->curve, s->k, err, sizeof err))) {
        snprintf(s->curve_err, sizeof s->curve_err, "%s", err);
        return;
    }
    s->curve_version = 0;
    s->curve_err[0] = '\0';
    s->curve_paused_live = s->snap && !s->snap->paused && s->snap->state == TRAINER_TRAINING;
    if (s->curve_paused_live) live_set_paused(s->live[0], 1);
}

/* L: shows the panel, computing the curve when there is none for the
   settings in force; hides it again (stopping a computation). */
static void curve_toggle(session_t *s)
{
    if (s->n != 1) {
        session_say(s, VIEW_TONE_WARN, "learning curves: one run at a time, not with --facet");
        return;
    }
    if (s->curve_on) {
        s->curve_on = 0;
        curve_stop(s);
        return;
    }
    s->curve_on = 1;
    params_t now;
    live_get_params(s->live[0], &now);
    int have = s->curve && !s->curve_err[0] &&
               s->curve->runs_done == s->curve->n_points * s->curve->n_seeds &&
               curve_same_setup(&s->curve->params, &now);
    if (!have) curve_start(s);
    session_say(s, VIEW_TONE_NORMAL,
                have ? "learning curve: L hides it"
                     : "learning curve: computing in the background (training waits); L hides it");
}

/* Takes the curve's progress; returns 1 when the screen should show it. */
static int curve_poll(session_t *s, double now)
{
    if (!s->curve_job) return 0;
    unsigned long before = s->curve_version;
    curve_job_state st = curve_job_poll(s->curve_job, s->curve, &s->curve_version, s->curve_err,
                                        sizeof s->curve_err);
    if (st != CURVE_JOB_RUNNING) {
        curve_stop(s);
        return 1;
    }
    if (s->curve_version == before || now - s->curve_drawn < SESSION_CURVE_REDRAW_S) return 0;
    s->curve_drawn = now;
    return 1;
}

const curve_view_t *session_curve(session_t *s)
{
    if (!s->curve_on || s->n != 1) return NULL;
    curve_view_t *v = &s->curve_view;
    params_t now;
    live_get_params(s->live[0], &now);
    memset(v, 0, sizeof *v);
    v->c = s->curve;
    v->running = s->curve_job != NULL;
    v->stale = s->curve && !curve_same_setup(&s->curve->params, &now);
    v->paused_training = s->curve_paused_live;
    v->pairs_now = now.pairs;
    v->error = s->curve_err[0] ? s->curve_err : NULL;
    return v;
}

/* ------------------------------------------------------------ tour */

/* Shows stop `to`: its parameters (and their [view] section) go to run
   0, which trains to the stop's step count and pauses there. Going on to
   a stop that continues this one keeps training; any other move, or
   training changed by hand, rebuilds the stop from step 0 (tour_plan), so
   going back shows exactly what was shown before. */
static void tour_show(session_t *s, int to)
{
    params_t cur;
    tour_move_t m;
    live_get_params(s->live[0], &cur);
    tour_plan(&s->tour, s->stop, to, &cur, s->snap ? s->snap->step : 0, s->disturbed, &m);
    /* tours go at the lecture pace unless the user (or the stop) set a
       speed or a pace */
    if (s->user_speed) {
        m.params.speed = s->speed;
        m.params.pace = s->pace;
    } else if (m.params.speed <= 0 && m.params.pace <= 0) {
        m.params.pace = PARAMS_LECTURE_PACE;
    }
    if (s->user_cmap) m.params.colormap = s->vs.colormap;
    char err[300];
    if (params_check(&m.params, err, sizeof err) != 0) { /* tour_load checked: cannot happen */
        session_say(s, VIEW_TONE_BAD, err);
        return;
    }
    if (apply_run(s, 0, &m.params) != 0) return;
    /* new parameters rebuild by themselves; a reset and its stop are one
       command, so the reset model is never trained past the stop */
    if (m.reset) live_reset_run_to(s->live[0], m.run_to);
    else live_run_to(s->live[0], m.run_to);
    s->stop = to;
    s->disturbed = 0;
    redraw(s);
}

static void tour_next(session_t *s)
{
    if (s->stop + 1 >= s->tour.n)
        session_say(s, VIEW_TONE_WARN, "end of tour: \xE2\x86\x90 goes back, q quits");
    else tour_show(s, s->stop + 1);
}

static void tour_prev(session_t *s)
{
    if (s->stop <= 0) session_say(s, VIEW_TONE_WARN, "this is the first stop of the tour");
    else tour_show(s, s->stop - 1);
}

/* t: leaves the tour (its keys go back to their usual meaning) or
   returns to the stop, rebuilt when training was changed by hand. */
static void tour_toggle(session_t *s)
{
    s->tour_on = !s->tour_on;
    if (s->tour_on) {
        tour_show(s, s->stop);
        session_say(s, VIEW_TONE_NORMAL,
                    "back in the tour: space or \xE2\x86\x92 next stop, \xE2\x86\x90 back");
    } else {
        session_say(s, VIEW_TONE_NORMAL, "exploring: arrows move the cursor, space pauses, every "
                                         "key works; t returns to the tour");
    }
}

/* ------------------------------------------------------------ actions */

void session_act(session_t *s, view_action a)
{
    s->need_draw = 1;
    if (mode_action(s, a)) return;
    switch (a) {
    case ACT_QUIT: s->quit = 1; return;
    case ACT_PAUSE: {
        int pause = s->snap ? !s->snap->paused : 1;
        for (int i = 0; i < s->n; i++) live_set_paused(s->live[i], pause);
        break;
    }
    case ACT_STEP:
        for (int i = 0; i < s->n; i++) live_step_once(s->live[i]);
        break;
    case ACT_RESET:
        for (int i = 0; i < s->n; i++) live_reset_model(s->live[i]);
        s->disturbed = 1;
        break;
    case ACT_RESAMPLE:
        for (int i = 0; i < s->n; i++) live_resample(s->live[i]);
        s->disturbed = 1;
        break;
    case ACT_SLOWER: speed_step(s, -1); break;
    case ACT_FASTER: speed_step(s, 1); break;
    case ACT_PACE: pace_toggle(s); break;
    case ACT_OVERLAY: {
        char msg[160];
        s->vs.overlay = !s->vs.overlay;
        if (s->vs.overlay)
            snprintf(msg, sizeof msg, "pair overlay: a sample of the training pairs, %s",
                     s->overlay_legend ? s->overlay_legend : "winners white, losers red");
        else snprintf(msg, sizeof msg, "pair overlay off");
        session_say(s, VIEW_TONE_NORMAL, msg);
        sync_view(s);
        break;
    }
    case ACT_THIRD_PANEL:
        s->vs.third = (s->vs.third + 1) % THIRD_COUNT;
        slice_later(s);
        sync_view(s);
        if (s->n > 1) session_say(s, VIEW_TONE_NORMAL, "facets show p* and one learned panel per value");
        break;
    case ACT_BUDGET_DOWN:
    case ACT_BUDGET_UP: {
        char msg[160];
        if (s->vs.third != THIRD_OVEROPT) {
            snprintf(msg, sizeof msg, "the KL budget belongs to the overopt panel: %s until it shows "
                     "(or :set panel overopt)", view_key_label(ACT_THIRD_PANEL, s->fe));
            session_say(s, VIEW_TONE_WARN, msg);
            break;
        }
        const live_snapshot_t *sn = s->snap;
        double peak = sn && sn->have_overopt ? sn->overopt.kl[sn->overopt.peak] : -1;
        s->vs.overopt_kl = view_overopt_step(s->vs.overopt_kl, peak, a == ACT_BUDGET_UP ? 1 : -1);
        snprintf(msg, sizeof msg, "RL policy at KL %.2f (sqrt(KL) %.2f)%s", s->vs.overopt_kl,
                 sqrt(s->vs.overopt_kl), peak >= 0 ? "" : "; the sweep is being computed");
        session_say(s, VIEW_TONE_NORMAL, msg);
        update_slice(s);
        redraw(s);
        break;
    }
    case ACT_LOG_SCALE:
        s->vs.log_scale = !s->vs.log_scale;
        sync_view(s);
        break;
    case ACT_COLORMAP: {
        char msg[64];
        s->vs.colormap = (s->vs.colormap + 1) % CMAP_COUNT;
        s->user_cmap = 1;
        snprintf(msg, sizeof msg, "colour map: %s", view_cmap_name(s->vs.colormap));
        session_say(s, VIEW_TONE_NORMAL, msg);
        sync_view(s);
        break;
    }
    case ACT_PROMPT: session_prompt_open(&s->prompt); break;
    case ACT_HELP:
        s->vs.help = 1;
        s->help_page = 0;
        break;
    case ACT_CURVE: curve_toggle(s); break;
    case ACT_TOUR_NEXT: tour_next(s); break;
    case ACT_TOUR_PREV: tour_prev(s); break;
    case ACT_TOUR_TOGGLE: tour_toggle(s); break;
    case ACT_CURSOR_LEFT:
    case ACT_CURSOR_RIGHT:
    case ACT_CURSOR_UP:
    case ACT_CURSOR_DOWN:
        view_move_cursor(&s->vs, a, box(s));
        slice_later(s);
        break;
    case ACT_FULLSCREEN:
    case ACT_SCREENSHOT:
    case ACT_RECORD:
    case ACT_INTERPOLATE: break; /* the front end's own */
    default: edit_runs(s, edit_action, &a); break;
    }
    s->need_model = 1;
}

/* The action of a key: the tour's keys first (t whenever a tour is open,
   the others while its keys are on), then the mode's, then every mode's. */
static view_action key_action(const session_t *s, int key)
{
    if (s->tour.n > 0) {
        view_action a = view_key_lookup(key, s->fe, VIEW_MODE_TOUR);
        if (a == ACT_TOUR_TOGGLE || (a != ACT_NONE && s->tour_on)) return a;
        if (key == VIEW_KEY_PGUP || key == VIEW_KEY_PGDN) return ACT_NONE; /* the tour's only */
    }
    return view_key_action_mode(key, s->fe, s->ann.mode);
}

view_action session_key(session_t *s, int key)
{
    if (s->vs.help) { /* paging keys turn its pages, any other key closes it */
        int next = key == ' ' || key == VIEW_KEY_PGDN || key == VIEW_KEY_RIGHT;
        int back = key == VIEW_KEY_PGUP || key == VIEW_KEY_LEFT;
        if (s->help_pages > 1 && (next || back)) {
            s->help_page += next ? 1 : -1;
            if (s->help_page < 0) s->help_page = 0;
            if (s->help_page > s->help_pages - 1) s->help_page = s->help_pages - 1;
        } else {
            s->vs.help = 0;
            s->help_page = 0;
        }
        s->need_draw = 1;
        return ACT_NONE;
    }
    if (s->prompt.on) {
        if (session_prompt_key(&s->prompt, key) == PROMPT_ENTER) run_command(s, s->prompt.buf);
        redraw(s);
        return ACT_NONE;
    }
    view_action a = key_action(s, key);
    switch (a) {
    case ACT_NONE: return ACT_NONE;
    case ACT_FULLSCREEN:
    case ACT_SCREENSHOT:
    case ACT_RECORD:
    case ACT_INTERPOLATE: s->need_draw = 1; return a;
    default: session_act(s, a); return ACT_NONE;
    }
}

void session_help_pages(session_t *s, int pages)
{
    s->help_pages = pages > 1 ? pages : 1;
    if (s->help_page > s->help_pages - 1) s->help_page = s->help_pages - 1;
    if (s->help_page < 0) s->help_page = 0;
}

/* ------------------------------------------------------------ mouse */

static void cursor_to(session_t *s, double x, double y)
{
    s->vs.cursor_x = x;
    s->vs.cursor_y = y;
    slice_later(s);
    redraw(s);
}

/* A click or a drag on the panels in a mode: answers near A or B, or
   paints (erases with the right button). Returns 1 when it was the
   mode's. */
static int mode_click(session_t *s, double x, double y, int erase)
{
    if (s->ann.mode == VIEW_MODE_NORMAL || s->n > 1) return 0;
    if (s->ann.mode == VIEW_MODE_BRUSH) cursor_to(s, x, y); /* the brush follows the mouse */
    char msg[512];
    int flags = view_annot_click(&s->ann, s->live[0], x, y, erase, pbde_now(), msg, sizeof msg);
    if (flags) mode_result(s, flags, NULL, msg);
    return flags != 0 || s->ann.mode == VIEW_MODE_BRUSH;
}

void session_press(session_t *s, double x, double y, int right)
{
    if (s->vs.help || s->prompt.on) return;
    if (s->ann.mode == VIEW_MODE_BRUSH) s->ann.stroking = 1;
    if (mode_click(s, x, y, right)) return;
    if (!right) cursor_to(s, x, y);
}

void session_drag(session_t *s, double x, double y, int left, int right)
{
    if (s->vs.help || s->prompt.on || !(left || right)) return;
    if (s->ann.mode == VIEW_MODE_BRUSH) {
        mode_click(s, x, y, right && !left);
        return;
    }
    if (s->ann.mode == VIEW_MODE_ANNOTATE) return; /* a drag answers nothing */
    if (left) cursor_to(s, x, y);
}

void session_release(session_t *s)
{
    if (!s->ann.stroking) return;
    s->ann.stroking = 0;
    mode_tick(s, pbde_now(), 1); /* the stroke ended: p* and training follow now */
}

/* ------------------------------------------------------------ loop */

void session_sync(session_t *s, const live_snapshot_t *snap, int fresh)
{
    s->snap = snap;
    if (!fresh) return;
    s->snapshots++;
    s->need_model = 1;
    view_annot_sync(&s->ann, snap);
    if (strcmp(snap->status, s->last_event) != 0) {
        /* the worker reports an event ("... training restarted"): it
           replaces our own message (the first one only says "training") */
        snprintf(s->last_event, sizeof s->last_event, "%s", snap->status);
        int failed = strncmp(snap->status, "could not", 9) == 0;
        if (s->snapshots > 1 && s->keep_message && !failed)
            s->keep_message = 0; /* the room's own words stay over the event its change caused */
        else if (s->snapshots > 1)
            session_say(s, failed ? VIEW_TONE_BAD : VIEW_TONE_NORMAL, snap->status);
    }
}

void session_tick(session_t *s, double now)
{
    if (s->slice_dirty && now >= s->slice_due) update_slice(s);
    if (s->ann.dirty) mode_tick(s, now, 0);
    if (curve_poll(s, now)) s->need_draw = 1;
    if (s->ann.mode == VIEW_MODE_ROOM && now - s->room_polled >= SESSION_ROOM_POLL_S) room_poll(s, now);
    if (s->message[0] && now - s->message_t >= SESSION_MESSAGE_S) {
        s->message[0] = '\0';
        s->keep_message = 0;
        s->need_draw = 1;
    }
}

double session_due(const session_t *s, double now)
{
    double due = now + 3600.0;
    if (s->message[0] && s->message_t + SESSION_MESSAGE_S < due) due = s->message_t + SESSION_MESSAGE_S;
    if (s->slice_dirty && s->slice_due < due) due = s->slice_due;
    if (s->ann.mode == VIEW_MODE_ROOM && s->room_polled + SESSION_ROOM_POLL_S < due)
        due = s->room_polled + SESSION_ROOM_POLL_S;
    /* the brush settles; a black picture waits for paint, not for the clock */
    double settle = s->ann.last_dab + VIEW_BRUSH_SETTLE_S;
    if (s->ann.dirty && settle < due && settle > now) due = settle;
    return due;
}

int session_running(const session_t *s)
{
    return s->snap && (s->snap->rebuilding || (!s->snap->paused && s->snap->state == TRAINER_TRAINING));
}

/* ------------------------------------------------------------ set-up */

int session_init(session_t *s, int fe, live_t *const *live, int n, const kernels_t *k,
                 const view_state_t *vs, tour_t *tour, int user_speed, int user_cmap, char *err,
                 size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (n < 1 || n > SESSION_MAX_RUNS) {
        snprintf(err, errlen, "between 1 and %d training runs", SESSION_MAX_RUNS);
        if (tour) tour_free(tour);
        return -1;
    }
    s->fe = fe;
    s->n = n;
    for (int i = 0; i < n; i++) s->live[i] = live[i];
    s->k = k;
    s->stop = -1;
    view_annot_init(&s->ann);
    live_get_params(live[0], &s->want);
    s->speed = s->want.speed;
    s->pace = s->want.pace;
    s->vs = *vs;
    double L = s->want.box;
    s->vs.cursor_x = fmax(-L, fmin(L, s->vs.cursor_x));
    s->vs.cursor_y = fmax(-L, fmin(L, s->vs.cursor_y));
    for (int i = 0; i < n; i++) live_set_speed(live[i], s->speed);
    if (s->vs.third == THIRD_SLICE || s->vs.third == THIRD_OVEROPT || s->vs.third == THIRD_BORDA)
        slice_later(s);
    if (tour && tour->n > 0) { /* the first stop: run 0 already has its parameters */
        s->tour = *tour;
        memset(tour, 0, sizeof *tour);
        s->tour_on = 1;
        s->user_speed = user_speed;
        s->user_cmap = user_cmap;
        tour_show(s, 0);
    }
    redraw(s);
    return 0;
}

void session_free(session_t *s)
{
    if (s->ann.mode == VIEW_MODE_ROOM) s->room_ops->stop(s->room_ops->ctx);
    curve_stop(s);
    free(s->curve);
    s->curve = NULL;
    tour_free(&s->tour);
}
