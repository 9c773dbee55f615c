/* pbde tui (and pbde with no subcommand): the terminal explorer. Options,
   the event loop (keys, mouse, resize, signals, snapshots, frames), the
   actions behind the key table, and lecture tours (--tour: space or ->
   shows the next stop, <- the previous one, t leaves the tour to explore
   and comes back). Training runs on live.c's worker; this thread only
   handles input and draws. */
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "../cli/cli.h"
#include "tui.h"

enum { F_TOUR, F_COLOR, F_NO_MOUSE, F_ASCII, F_PAUSED, F_STATS, F_QUIT_AFTER, F_COUNT };
static const cli_flag_t FLAGS[F_COUNT] = {
    { "tour", 1, "a lecture tour: a .tour file, or a tour's name in the demos folder; space or -> "
                 "next stop, <- back, t explores freely (--speed and --colormap apply to every stop)" },
    { "color", 1, "colours: auto (default), always or never; NO_COLOR=1 means never" },
    { "no-mouse", 0, "leave the mouse to the terminal (no click-to-move cursor)" },
    { "ascii", 0, "ASCII only: no half blocks, braille or Greek letters" },
    { "paused", 0, "start paused" },
    { "stats", 0, "on exit, print frame, evaluation and colour-pair statistics to stderr" },
    { "quit-after", 1, "quit by itself after V seconds (for measurements and demos)" },
};

#define FRAME_MIN_S (1.0 / 60.0)  /* never draw more often */
#define FRAME_RUN_S (1.0 / 32.0)  /* while training, the frame tick */
#define IDLE_WAIT_MS 100          /* input wait when nothing moves */
#define STATUS_HOLD_S 6.0         /* a message stays this long in the status line */
#define SLICE_REST_S 0.08         /* the slice follows the cursor once it rests this long */

/* Training speeds the < and > keys step through, in steps per second
   (above the last: as fast as the machine goes, speed 0). */
static const double SPEEDS[] = { 1, 2, 5, 10, 20, 50, 100, 200, 500 };
#define N_SPEEDS (sizeof SPEEDS / sizeof SPEEDS[0])

/* Everything the loop owns. */
typedef struct {
    tui_term_t *term;
    live_t *live;
    live_snapshot_t snap;
    view_model_t vm;
    view_state_t vs;
    tui_prompt_t prompt;
    tui_hit_t hit;
    params_t want;
    double speed;              /* training speed cap, steps/s (0: none) */
    int quit;
    int need_model, need_draw; /* the view model / the screen is stale */
    int slice_dirty;           /* the slice request must follow the cursor */
    double slice_due;          /* ... once the cursor rests until then */
    char status[256];
    tui_role status_role;
    double status_t;
    char last_snap_status[256];
    view_annot_t ann;          /* be the annotator (h), draw the density (b) */
    const kernels_t *k;

    /* the learning curve (key L), computed on a thread of its own */
    int curve_on;              /* its panel is shown */
    curve_job_t *curve_job;    /* computing, or NULL */
    curve_t *curve;            /* the latest copy, NULL before the first */
    unsigned long curve_version;
    int curve_paused_live;     /* training was paused for it: resume when it ends */
    char curve_err[256];       /* why it failed ("" when it did not) */
    double curve_drawn;        /* when its progress was last drawn */

    /* the lecture tour (tour.n == 0: none) */
    tour_t tour;
    int tour_on;               /* the tour's keys are active (t toggles) */
    int stop;                  /* the stop shown */
    int disturbed;             /* training changed by hand since the stop was set up */
    int user_speed, user_cmap; /* speed / colour map chosen by the user: kept at every stop */

    /* measurements */
    double t_start;
    long frames;
    double frame_time_sum, frame_time_max;
    double fps, fps_t0;
    long fps_frames;
    long snapshots;
} app_t;

/* Copies src into dst (size n), cut to fit. */
static void copy_text(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);
    if (len >= n) len = n - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static void say(app_t *a, tui_role r, const char *msg)
{
    copy_text(a->status, sizeof a->status, msg);
    a->status_role = r;
    a->status_t = cli_now();
    a->need_draw = 1;
}

/* ------------------------------------------------------------ actions */

static void slice_later(app_t *a)
{
    a->slice_dirty = 1;
    a->slice_due = cli_now() + SLICE_REST_S;
}

/* Applies parameters: the session restarts what they invalidate (nothing,
   for [view] parameters), and the view follows their [view] section. */
static void apply_params(app_t *a, const params_t *p, const char *msg)
{
    char err[300];
    if (live_set_params(a->live, p, err, sizeof err) != 0) {
        say(a, ROLE_BAD, err);
        return;
    }
    if (!tour_same_training(&a->want, p)) a->disturbed = 1;
    a->want = *p;
    view_state_t nv;
    view_state_from_params(&nv, p);
    nv.cursor_x = a->vs.cursor_x;
    nv.cursor_y = a->vs.cursor_y;
    nv.help = a->vs.help;
    if (nv.colormap != a->vs.colormap) tui_term_set_cmap(a->term, nv.colormap);
    int third_changed = nv.third != a->vs.third;
    a->vs = nv;
    if (third_changed) slice_later(a);
    a->speed = p->speed;
    if (msg[0]) say(a, ROLE_NORMAL, msg);
}

/* Hands a view change made by a key to the session's parameters, so that
   :save keeps it (a [view]-only change restarts nothing). */
static void sync_view(app_t *a)
{
    params_t p;
    char err[300];
    live_get_params(a->live, &p);
    view_state_to_params(&a->vs, &p);
    if (live_set_params(a->live, &p, err, sizeof err) == 0) a->want = p;
}

/* Asks for the preference slice at the cursor (or stops it). Called once
   the cursor has rested SLICE_REST_S: live_want_slice evaluates the grid
   on the calling thread when the cursor moved (40-100 ms), which would
   make a moving cursor stutter. */
static void update_slice(app_t *a)
{
    a->slice_dirty = 0;
    if (a->vs.third == THIRD_SLICE) live_want_slice(a->live, 1, a->vs.cursor_x, a->vs.cursor_y);
    else live_want_slice(a->live, 0, 0.0, 0.0);
}

static void run_command(app_t *a)
{
    params_t p;
    char msg[512];
    int bad = 0;
    if (view_annot_command(&a->ann, a->live, a->prompt.buf, msg, sizeof msg, &bad)) {
        say(a, bad ? ROLE_BAD : ROLE_NORMAL, msg);
        return;
    }
    live_get_params(a->live, &p);
    switch (tui_command(a->prompt.buf, &p, msg, sizeof msg)) {
    case TUI_CMD_SET:
        /* a speed or colour map set by hand stays for the rest of a tour */
        if (p.speed != a->want.speed) a->user_speed = 1;
        if (p.colormap != a->want.colormap) a->user_cmap = 1;
        apply_params(a, &p, msg);
        break;
    case TUI_CMD_QUIT: a->quit = 1; break;
    case TUI_CMD_ERROR: say(a, ROLE_BAD, msg); break;
    default:
        if (msg[0]) say(a, ROLE_NORMAL, msg);
        break;
    }
}

static void set_speed(app_t *a, double speed)
{
    char msg[64];
    a->speed = speed;
    a->user_speed = 1;
    live_set_speed(a->live, speed);
    a->want.speed = speed;
    if (speed > 0) snprintf(msg, sizeof msg, "speed: at most %g steps per second", speed);
    else snprintf(msg, sizeof msg, "speed: as fast as the machine goes");
    say(a, ROLE_NORMAL, msg);
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

/* ------------------------------------------------------------ modes */

/* Carries out what a mode's action asks (view_annot_*): the painted
   density to the session, the message to the status line. */
static void mode_result(app_t *a, int flags, const params_t *apply, const char *msg)
{
    if (flags & VIEW_ANN_APPLY) apply_params(a, apply, "");
    if (msg[0]) say(a, flags & VIEW_ANN_BAD ? ROLE_BAD : ROLE_NORMAL, msg);
    a->need_model = 1;
    a->need_draw = 1;
}

/* The actions of the interactive-data modes (the key table's mode
   column); in brush mode the cursor is the brush. Returns 1 when the
   action was the modes'. */
static int mode_action(app_t *a, view_action act_)
{
    params_t apply;
    char msg[512];
    int moved = 0;
    if (act_ >= ACT_CURSOR_LEFT && act_ <= ACT_CURSOR_DOWN) {
        if (a->ann.mode != VIEW_MODE_BRUSH) return 0;
        view_move_cursor(&a->vs, act_, a->snap.L > 0 ? a->snap.L : a->want.box);
        slice_later(a);
        moved = 1;
    }
    int flags = view_annot_action(&a->ann, a->live, act_, &a->vs, cli_now(), &apply, msg, sizeof msg);
    if (!flags && !moved) return 0;
    mode_result(a, flags, &apply, msg);
    return 1;
}

/* Sends the painted density to the session when it is due. */
static void mode_tick(app_t *a, int force)
{
    params_t apply;
    char msg[512] = "";
    int flags = view_annot_tick(&a->ann, a->live, cli_now(), force, &apply, msg, sizeof msg);
    if (flags) mode_result(a, flags, &apply, msg);
}

/* ------------------------------------------------------------ learning curve */

#define CURVE_REDRAW_S 0.1 /* progress redraws at most this often */

/* Stops a curve being computed and lets training go on if it waited. */
static void curve_stop(app_t *a)
{
    if (!a->curve_job) return;
    curve_job_destroy(a->curve_job);
    a->curve_job = NULL;
    if (a->curve_paused_live) live_set_paused(a->live, 0);
    a->curve_paused_live = 0;
}

/* Starts the curve of the settings in force: 2^8 .. 2^14 pairs, one seed,
   CURVE_LIVE_STEPS steps a run. Training waits meanwhile, so the curve
   gets the processor (the panel says so). */
static void curve_start(app_t *a)
{
    char err[sizeof a->curve_err];
    params_t p;
    live_get_params(a->live, &p);
    p.steps = CURVE_LIVE_STEPS;
    if (!a->curve && !(a->curve = malloc(sizeof *a->curve))) {
        say(a, ROLE_BAD, "learning curve: out of memory");
        return;
    }
    if (curve_init(a->curve, &p, CURVE_LIVE_FROM, CURVE_LIVE_TO, 1, err, sizeof err) != 0 ||
        !(a->curve_job = curve_job_start(a->curve, a->k, err, sizeof err))) {
        snprintf(a->curve_err, sizeof a->curve_err, "%s", err);
        return;
    }
    a->curve_version = 0;
    a->curve_err[0] = '\0';
    a->curve_paused_live = !a->snap.paused && a->snap.state == TRAINER_TRAINING;
    if (a->curve_paused_live) live_set_paused(a->live, 1);
}

/* L: shows the panel, computing the curve when there is none for the
   settings in force; hides it again (stopping a computation). */
static void curve_toggle(app_t *a)
{
    if (a->curve_on) {
        a->curve_on = 0;
        curve_stop(a);
        return;
    }
    a->curve_on = 1;
    int have = a->curve && !a->curve_err[0] &&
               a->curve->runs_done == a->curve->n_points * a->curve->n_seeds &&
               curve_same_setup(&a->curve->params, &a->want);
    if (!have) curve_start(a);
    say(a, ROLE_NORMAL, have ? "learning curve: L hides it"
                             : "learning curve: computing in the background (training waits); L hides it");
}

/* Takes the curve's progress; returns 1 when the screen should show it. */
static int curve_poll(app_t *a)
{
    if (!a->curve_job) return 0;
    unsigned long before = a->curve_version;
    curve_job_state st = curve_job_poll(a->curve_job, a->curve, &a->curve_version, a->curve_err,
                                        sizeof a->curve_err);
    if (st != CURVE_JOB_RUNNING) {
        curve_stop(a);
        return 1;
    }
    double now = cli_now();
    if (a->curve_version == before || now - a->curve_drawn < CURVE_REDRAW_S) return 0;
    a->curve_drawn = now;
    return 1;
}

static void act(app_t *a, view_action act_)
{
    char msg[256];
    params_t p;
    if (mode_action(a, act_)) return;
    switch (act_) {
    case ACT_QUIT: a->quit = 1; return;
    case ACT_PAUSE: live_toggle_pause(a->live); break;
    case ACT_STEP: live_step_once(a->live); break;
    case ACT_RESET:
        live_reset_model(a->live);
        a->disturbed = 1;
        break;
    case ACT_RESAMPLE:
        live_resample(a->live);
        a->disturbed = 1;
        break;
    case ACT_SLOWER:
    case ACT_FASTER: {
        double next = next_speed(a->speed, act_ == ACT_FASTER ? 1 : -1);
        if (next >= 0) set_speed(a, next);
        else if (act_ == ACT_SLOWER) say(a, ROLE_WARN, "speed: already the slowest (1 step per second)");
        else say(a, ROLE_WARN, "speed: already as fast as the machine goes");
        break;
    }
    case ACT_OVERLAY:
        a->vs.overlay = !a->vs.overlay;
        say(a, ROLE_NORMAL,
            !a->vs.overlay ? "pair overlay off"
            : tui_term_tier(a->term) == TIER_MONO || !tui_term_half_blocks(a->term)
                ? "pair overlay: a sample of the training pairs, winners o, losers x"
                : "pair overlay: a sample of the training pairs, winners white, losers red");
        sync_view(a);
        break;
    case ACT_THIRD_PANEL:
        a->vs.third = (a->vs.third + 1) % THIRD_COUNT;
        slice_later(a);
        sync_view(a);
        break;
    case ACT_LOG_SCALE:
        a->vs.log_scale = !a->vs.log_scale;
        sync_view(a);
        break;
    case ACT_COLORMAP:
        a->vs.colormap = (a->vs.colormap + 1) % CMAP_COUNT;
        a->user_cmap = 1;
        tui_term_set_cmap(a->term, a->vs.colormap);
        snprintf(msg, sizeof msg, "colour map: %s", view_cmap_name(a->vs.colormap));
        say(a, ROLE_NORMAL, msg);
        sync_view(a);
        break;
    case ACT_PROMPT: tui_prompt_open(&a->prompt); break;
    case ACT_HELP: a->vs.help = 1; break;
    case ACT_CURVE: curve_toggle(a); break;
    case ACT_CURSOR_LEFT:
    case ACT_CURSOR_RIGHT:
    case ACT_CURSOR_UP:
    case ACT_CURSOR_DOWN:
        view_move_cursor(&a->vs, act_, a->snap.L > 0 ? a->snap.L : a->want.box);
        slice_later(a);
        break;
    default:
        live_get_params(a->live, &p);
        if (view_param_action(&p, act_, msg, sizeof msg)) apply_params(a, &p, msg);
        else if (msg[0]) say(a, ROLE_WARN, msg);
        break;
    }
    a->need_model = 1;
    a->need_draw = 1;
}

/* ------------------------------------------------------------ tour */

/* Shows stop `to`: its parameters (and their [view] section) go to the
   session, which trains to the stop's step count and pauses there. Going
   on to a stop that continues this one keeps training; any other move
   rebuilds the stop from step 0 (tour_plan), so going back shows
   exactly what was shown before. */
static void tour_show(app_t *a, int to)
{
    params_t cur;
    tour_move_t m;
    live_get_params(a->live, &cur);
    tour_plan(&a->tour, a->stop, to, &cur, a->snap.step, a->disturbed, &m);
    if (a->user_speed) m.params.speed = a->speed;
    if (a->user_cmap) m.params.colormap = a->vs.colormap;
    char err[300];
    if (params_check(&m.params, err, sizeof err) != 0) { /* tour_load checked: cannot happen */
        say(a, ROLE_BAD, err);
        return;
    }
    apply_params(a, &m.params, "");
    if (m.reset) live_reset_model(a->live);
    live_run_to(a->live, m.run_to);
    a->stop = to;
    a->disturbed = 0;
    a->need_model = 1;
    a->need_draw = 1;
}

static void tour_next(app_t *a)
{
    if (a->stop + 1 >= a->tour.n) {
        say(a, ROLE_WARN, "end of tour: \xE2\x86\x90 goes back, q quits");
        return;
    }
    tour_show(a, a->stop + 1);
}

static void tour_prev(app_t *a)
{
    if (a->stop == 0) {
        say(a, ROLE_WARN, "this is the first stop of the tour");
        return;
    }
    tour_show(a, a->stop - 1);
}

/* t: leaves the tour (its keys go back to their normal meaning) or
   returns to the stop, rebuilt when training was changed by hand. */
static void tour_toggle(app_t *a)
{
    a->tour_on = !a->tour_on;
    if (a->tour_on) {
        tour_show(a, a->stop);
        say(a, ROLE_NORMAL, "back in the tour: space or \xE2\x86\x92 next stop, \xE2\x86\x90 back");
    } else {
        say(a, ROLE_NORMAL, "exploring: arrows move the cursor, space pauses, every key works; t returns to the tour");
    }
    a->need_draw = 1;
}

/* The tour's keys: space, -> and PgDn forward, <- and PgUp back, t in and
   out. Returns 1 when the key was the tour's. */
static int tour_key(app_t *a, int is_code, unsigned ch)
{
    if (a->tour.n == 0) return 0;
    if (!is_code && ch == 't') {
        tour_toggle(a);
        return 1;
    }
    if (!a->tour_on) return 0;
    if ((!is_code && ch == ' ') || (is_code && (ch == KEY_RIGHT || ch == KEY_NPAGE))) {
        tour_next(a);
        return 1;
    }
    if (is_code && (ch == KEY_LEFT || ch == KEY_PPAGE)) {
        tour_prev(a);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------ input */

static int view_key(int is_code, unsigned ch)
{
    if (is_code) {
        switch (ch) {
        case KEY_LEFT: return VIEW_KEY_LEFT;
        case KEY_RIGHT: return VIEW_KEY_RIGHT;
        case KEY_UP: return VIEW_KEY_UP;
        case KEY_DOWN: return VIEW_KEY_DOWN;
        case KEY_ENTER: return VIEW_KEY_ENTER;
        default: return -1;
        }
    }
    if (ch == 27) return VIEW_KEY_ESCAPE;
    if (ch == '\r' || ch == '\n') return VIEW_KEY_ENTER;
    return (int)ch;
}

static void on_mouse(app_t *a)
{
    MEVENT ev;
    if (getmouse(&ev) != OK) return;
    int right = (ev.bstate & (BUTTON3_PRESSED | BUTTON3_CLICKED)) != 0;
    if (!(ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) && !right) return;
    double x, y;
    if (a->snap.L > 0 && tui_hit_world(&a->hit, a->snap.L, ev.y, ev.x, &x, &y)) {
        /* the modes first: a click near A or B answers, the brush paints */
        char msg[512];
        int flags = view_annot_click(&a->ann, a->live, x, y, right, cli_now(), msg, sizeof msg);
        if (flags) mode_result(a, flags, NULL, msg);
        if (right) return;
        if (a->ann.mode == VIEW_MODE_ANNOTATE && flags) return;
        a->vs.cursor_x = x;
        a->vs.cursor_y = y;
        slice_later(a);
        a->need_model = 1;
        a->need_draw = 1;
    }
}

static void on_key(app_t *a, int is_code, unsigned ch)
{
    if (is_code && ch == KEY_RESIZE) {
        a->need_draw = 1;
        return;
    }
    if (is_code && ch == KEY_MOUSE) {
        if (!a->vs.help && !a->prompt.on) on_mouse(a);
        return;
    }
    if (a->vs.help) { /* any key closes the help */
        a->vs.help = 0;
        a->need_draw = 1;
        return;
    }
    if (a->prompt.on) {
        if (tui_prompt_key(&a->prompt, is_code, ch) == PROMPT_ENTER) run_command(a);
        a->need_model = 1;
        a->need_draw = 1;
        return;
    }
    if (!is_code && ch == 12) { /* Ctrl-L: repaint everything */
        clearok(curscr, TRUE);
        a->need_draw = 1;
        return;
    }
    if (tour_key(a, is_code, ch)) return;
    int k = view_key(is_code, ch);
    view_action action = k >= 0 ? view_key_action_mode(k, VIEW_FE_TUI, a->ann.mode) : ACT_NONE;
    if (action != ACT_NONE) act(a, action);
}

/* ------------------------------------------------------------ frames */

static int running(const app_t *a)
{
    return a->snap.rebuilding || (!a->snap.paused && a->snap.state == TRAINER_TRAINING);
}

static void draw(app_t *a)
{
    double t0 = cli_now();
    if (a->need_model && a->snap.n > 0) {
        if (view_build(&a->vm, &a->snap, &a->vs) != 0) say(a, ROLE_BAD, "out of memory");
        a->need_model = 0;
    }
    tui_frame_t f;
    memset(&f, 0, sizeof f);
    f.snap = &a->snap;
    f.vm = &a->vm;
    f.vs = &a->vs;
    f.want = a->want;
    f.speed = a->speed;
    f.fps = running(a) ? a->fps : 0.0;
    f.evals_per_s = a->snap.paused || a->snap.state != TRAINER_TRAINING ? 0.0 : a->snap.evals_per_s;
    if (a->status[0] && t0 - a->status_t < STATUS_HOLD_S) {
        copy_text(f.status, sizeof f.status, a->status);
        f.status_role = a->status_role;
    }
    f.prompt_on = a->prompt.on;
    f.prompt_text = a->prompt.buf;
    f.prompt_cursor = a->prompt.cur;
    f.annot = &a->ann;
    curve_view_t cv;
    if (a->curve_on) {
        memset(&cv, 0, sizeof cv);
        cv.c = a->curve;
        cv.running = a->curve_job != NULL;
        cv.stale = a->curve && !curve_same_setup(&a->curve->params, &a->want);
        cv.paused_training = a->curve_paused_live;
        cv.pairs_now = a->want.pairs;
        cv.error = a->curve_err[0] ? a->curve_err : NULL;
        f.curve = &cv;
    }
    tui_tour_view_t tv;
    if (a->tour.n > 0) {
        const tour_stop_t *st = &a->tour.stops[a->stop];
        tv.title = a->tour.title;
        tv.caption = st->caption;
        tv.stop = a->stop;
        tv.n = a->tour.n;
        tv.steps = st->steps;
        tv.on = a->tour_on;
        f.tour = &tv;
    }
    tui_draw(a->term, &f, &a->hit);
    wnoutrefresh(stdscr);
    doupdate();

    double t1 = cli_now(), dt = t1 - t0;
    a->frames++;
    a->frame_time_sum += dt;
    if (dt > a->frame_time_max) a->frame_time_max = dt;
    a->fps_frames++;
    if (t1 - a->fps_t0 >= 1.0) {
        a->fps = (double)a->fps_frames / (t1 - a->fps_t0);
        a->fps_t0 = t1;
        a->fps_frames = 0;
    }
    a->need_draw = 0;
}

/* Takes the newest snapshot; returns 1 when it changed. */
static int poll_snapshot(app_t *a)
{
    int rc = live_snapshot(a->live, &a->snap);
    if (rc != 1) return 0;
    a->snapshots++;
    if (strcmp(a->snap.status, a->last_snap_status) != 0) {
        /* the worker reports an event ("... training restarted"): it
           replaces our own message (the first one only says "training") */
        copy_text(a->last_snap_status, sizeof a->last_snap_status, a->snap.status);
        if (a->snapshots > 1)
            say(a, strncmp(a->snap.status, "could not", 9) == 0 ? ROLE_BAD : ROLE_NORMAL,
                a->snap.status);
    }
    a->need_model = 1;
    return 1;
}

/* Waits for input or the next deadline, handles what came, then draws when
   something changed. While training, frames come on a fixed tick
   (FRAME_RUN_S; new snapshots wait for it); input draws at once (at most
   every FRAME_MIN_S). Otherwise the loop sleeps in get_wch and draws only
   on change, so a paused explorer costs nothing. */
static void loop(app_t *a, double quit_after)
{
    double last_draw = 0.0, next_tick = 0.0;
    while (!a->quit && !tui_term_interrupted()) {
        double now = cli_now();
        if (quit_after > 0 && now - a->t_start >= quit_after) break;
        double due = now + IDLE_WAIT_MS / 1000.0;
        if (a->need_draw) due = last_draw + FRAME_MIN_S;
        else if (running(a) && next_tick < due) due = next_tick;
        if (a->status[0] && a->status_t + STATUS_HOLD_S < due) due = a->status_t + STATUS_HOLD_S;
        if (a->slice_dirty && a->slice_due < due) due = a->slice_due;
        if (a->ann.dirty && a->ann.last_dab + VIEW_BRUSH_SETTLE_S < due &&
            a->ann.last_dab + VIEW_BRUSH_SETTLE_S > now) /* (a black picture waits for paint) */
            due = a->ann.last_dab + VIEW_BRUSH_SETTLE_S;
        int wait_ms = (int)ceil((due - now) * 1000.0);
        timeout(wait_ms > 0 ? (wait_ms < IDLE_WAIT_MS ? wait_ms : IDLE_WAIT_MS) : 0);
        wint_t ch;
        int r = get_wch(&ch);
        while (r != ERR) { /* handle everything pending before drawing */
            on_key(a, r == KEY_CODE_YES, (unsigned)ch);
            if (a->quit) break;
            timeout(0);
            r = get_wch(&ch);
        }
        if (a->slice_dirty && cli_now() >= a->slice_due) update_slice(a);
        if (a->ann.dirty) mode_tick(a, 0);
        int fresh = poll_snapshot(a);
        if (curve_poll(a)) a->need_draw = 1;
        now = cli_now();
        if (running(a)) {
            if (now >= next_tick) {
                a->need_draw = 1;
                next_tick += FRAME_RUN_S;
                if (next_tick < now) next_tick = now + FRAME_RUN_S;
            }
        } else if (fresh) {
            a->need_draw = 1;
        }
        if (a->status[0] && now - a->status_t >= STATUS_HOLD_S) {
            a->status[0] = '\0';
            a->need_draw = 1;
        }
        if (a->need_draw && now - last_draw >= FRAME_MIN_S) {
            draw(a);
            last_draw = now;
        }
    }
}

/* ------------------------------------------------------------ entry */

static int parse_color(const char *v, tui_color_mode *out)
{
    if (!v || strcmp(v, "auto") == 0) *out = COLOR_MODE_AUTO;
    else if (strcmp(v, "always") == 0) *out = COLOR_MODE_ALWAYS;
    else if (strcmp(v, "never") == 0) *out = COLOR_MODE_NEVER;
    else return -1;
    return 0;
}

/* Signals the worker thread must not take: they belong to this thread's
   curses handlers and the interrupt flag. */
static void block_ui_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGWINCH);
    sigaddset(&set, SIGTSTP);
    sigaddset(&set, SIGCONT);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

static void print_stats(const app_t *a, FILE *f)
{
    double wall = cli_now() - a->t_start;
    long used, evictions, overflows;
    tui_term_stats(a->term, &used, &evictions, &overflows);
    double mean = a->frames ? a->frame_time_sum / (double)a->frames : 0.0;
    fprintf(f,
            "pbde tui: %ld frames in %.1f s (%.1f fps); frame build+update %.2f ms mean, %.2f ms "
            "max (%.0f fps possible)\n"
            "pbde tui: %ld snapshots (%.1f/s); worker evals/s %.1f; last step %ld; pairs/s %.0f\n"
            "pbde tui: colour pairs %ld in use, %ld evictions, %ld overflows; %s; %dx%d\n",
            a->frames, wall, wall > 0 ? (double)a->frames / wall : 0.0, 1e3 * mean,
            1e3 * a->frame_time_max, mean > 0 ? 1.0 / mean : 0.0, a->snapshots,
            wall > 0 ? (double)a->snapshots / wall : 0.0, a->snap.evals_per_s, a->snap.step,
            a->snap.pairs_per_s, used, evictions, overflows, tui_term_describe(a->term), COLS,
            LINES);
}

/* --tour: loads the tour (a path, or a name in the demos folder) before
   the terminal is touched. A tour sets every parameter at every stop, so
   of the other parameters only --speed and --colormap are allowed: they
   apply to the whole tour (in *speed_set, *cmap_set). Prints the problem
   (with file:line) and returns EXIT_USAGE, or returns 0. */
static int load_tour(const cli_args_t *args, tour_t *t, int *speed_set, int *cmap_set)
{
    if (args->scenario) {
        fprintf(stderr, "pbde tui: --tour and --scenario: a tour loads its own scenarios; give one of them\n");
        return EXIT_USAGE;
    }
    params_t def;
    params_defaults(&def);
    size_t n;
    const param_def_t *tab = params_table(&n);
    *speed_set = *cmap_set = 0;
    for (size_t i = 0; i < n; i++) {
        char va[64], vb[64];
        params_format(&args->params, &tab[i], va, sizeof va);
        params_format(&def, &tab[i], vb, sizeof vb);
        if (strcmp(va, vb) == 0) continue;
        if (strcmp(tab[i].name, "speed") == 0) *speed_set = 1;
        else if (strcmp(tab[i].name, "colormap") == 0) *cmap_set = 1;
        else {
            fprintf(stderr,
                    "pbde tui: --%s: a tour sets the parameters at every stop; only --speed and "
                    "--colormap apply to a whole tour\n",
                    tab[i].name);
            return EXIT_USAGE;
        }
    }
    char demos[4096], err[1024];
    int have_demos = cli_demos_dir(demos, sizeof demos) == 0;
    if (tour_open(args->values[F_TOUR], have_demos ? demos : NULL, t, err, sizeof err) != 0) {
        fprintf(stderr, "pbde tui: --tour: %s\n", err);
        return EXIT_USAGE;
    }
    return 0;
}

int cmd_tui(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    int first = argc > 1 && strcmp(argv[1], "tui") == 0 ? 2 : 1;
    cli_args_t args;
    int rc = cli_parse("tui", argc, argv, first, FLAGS, F_COUNT, &args);
    if (rc != 0) return rc;
    if (args.help) {
        cli_usage(stdout, "tui",
                  "The terminal explorer: live training beside the annotator's density.\n"
                  "Keys: ? shows them all; q quits. A lecture tour: pbde --tour NAME (pbde list "
                  "shows the tours).",
                  FLAGS, F_COUNT);
        return 0;
    }
    if (args.version) {
        printf("pbde %s\n", PBDE_VERSION);
        return 0;
    }
    tui_options_t opt = { COLOR_MODE_AUTO, !args.present[F_NO_MOUSE], args.present[F_ASCII] };
    if (parse_color(args.values[F_COLOR], &opt.color) != 0) {
        fprintf(stderr, "pbde tui: --color: '%s' is not allowed: expected auto, always or never\n",
                args.values[F_COLOR]);
        return EXIT_USAGE;
    }
    double quit_after = 0.0;
    if (args.present[F_QUIT_AFTER]) {
        char *end;
        quit_after = strtod(args.values[F_QUIT_AFTER], &end);
        if (*end || !(quit_after > 0)) {
            fprintf(stderr, "pbde tui: --quit-after: '%s' is not allowed: expected seconds > 0\n",
                    args.values[F_QUIT_AFTER]);
            return EXIT_USAGE;
        }
    }
    const kernels_t *k = cli_kernels();
    if (!k) return EXIT_USAGE;
    tour_t tour = { "", 0, NULL };
    int user_speed = 0, user_cmap = 0;
    params_t start = args.params;
    if (args.present[F_TOUR]) {
        rc = load_tour(&args, &tour, &user_speed, &user_cmap);
        if (rc != 0) return rc;
        start = tour.stops[0].params;
        if (user_speed) start.speed = args.params.speed;
        if (user_cmap) start.colormap = args.params.colormap;
    }

    app_t *a = calloc(1, sizeof *a);
    if (!a) {
        fprintf(stderr, "pbde tui: out of memory\n");
        tour_free(&tour);
        return 1;
    }
    char err[512];
    a->term = tui_term_open(&opt, err, sizeof err);
    if (!a->term) {
        fprintf(stderr, "pbde tui: %s\n", err);
        tour_free(&tour);
        free(a);
        return EXIT_USAGE;
    }
    sigset_t old;
    block_ui_signals(&old);
    a->live = live_create(&start, k, args.present[F_PAUSED] || tour.n > 0, err, sizeof err);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!a->live) {
        tui_term_close(a->term);
        fprintf(stderr, "pbde tui: %s\n", err);
        tour_free(&tour);
        free(a);
        return EXIT_USAGE;
    }
    a->want = start;
    a->k = k;
    view_annot_init(&a->ann);
    view_state_from_params(&a->vs, &start);
    a->speed = start.speed;
    if (a->vs.colormap != CMAP_VIRIDIS) tui_term_set_cmap(a->term, a->vs.colormap);
    if (a->vs.third == THIRD_SLICE) slice_later(a);
    if (tour.n > 0) { /* the first stop: the session already has its parameters */
        a->tour = tour;
        a->tour_on = 1;
        a->stop = -1;
        a->user_speed = user_speed;
        a->user_cmap = user_cmap;
        tour_show(a, 0);
    }
    a->need_model = a->need_draw = 1;
    a->t_start = a->fps_t0 = cli_now();
    poll_snapshot(a);

    loop(a, quit_after);

    int sig = tui_term_interrupted();
    if (args.present[F_STATS]) {
        /* measure before teardown, print after it */
        char buf[1024];
        FILE *mem = fmemopen(buf, sizeof buf, "w");
        if (mem) {
            print_stats(a, mem);
            fclose(mem);
        }
        tui_term_close(a->term);
        if (mem) fputs(buf, stderr);
    } else {
        tui_term_close(a->term);
    }
    curve_stop(a);
    free(a->curve);
    live_destroy(a->live);
    live_snapshot_free(&a->snap);
    view_model_free(&a->vm);
    tour_free(&a->tour);
    free(a);
    return sig ? 128 + sig : 0;
}
