/* The terminal explorer (pbde tui, and pbde with no subcommand): the
   event loop (keys, mouse, resize, signals, snapshots, frames). What the
   keys do, the prompt, tours, modes and every text live in the shared
   session (pbde/session.h); this file turns curses input into session
   calls and hands each frame to draw.c. Training runs on live.c's worker;
   this thread only handles input and draws. */
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "tui.h"


#define FRAME_MIN_S (1.0 / 60.0)  /* never draw more often */
#define FRAME_RUN_S (1.0 / 32.0)  /* while training, the frame tick */
#define IDLE_WAIT_MS 100          /* input wait when nothing moves */

/* Everything the loop owns. */
typedef struct {
    tui_term_t *term;
    live_t *live;
    live_snapshot_t snap;
    view_model_t vm;
    tui_hit_t hit;
    session_t ses;
    int cmap_shown;            /* the colour map the palette holds */

    /* measurements */
    double t_start;
    long frames;
    double frame_time_sum, frame_time_max;
    double fps, fps_t0;
    long fps_frames;
} app_t;

/* ------------------------------------------------------------ input */

/* A curses key as a key of pbde/view.h, or -1. */
static int view_key(int is_code, unsigned ch)
{
    if (is_code) {
        switch (ch) {
        case KEY_LEFT: return VIEW_KEY_LEFT;
        case KEY_RIGHT: return VIEW_KEY_RIGHT;
        case KEY_UP: return VIEW_KEY_UP;
        case KEY_DOWN: return VIEW_KEY_DOWN;
        case KEY_ENTER: return VIEW_KEY_ENTER;
        case KEY_PPAGE: return VIEW_KEY_PGUP;
        case KEY_NPAGE: return VIEW_KEY_PGDN;
        case KEY_HOME: return VIEW_KEY_HOME;
        case KEY_END: return VIEW_KEY_END;
        case KEY_BACKSPACE: return VIEW_KEY_BACKSPACE;
        case KEY_DC: return VIEW_KEY_DELETE;
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
        session_press(&a->ses, x, y, right);
        session_release(&a->ses); /* a terminal reports clicks, not strokes */
    }
}

static void on_key(app_t *a, int is_code, unsigned ch)
{
    if (is_code && ch == KEY_RESIZE) {
        a->ses.need_draw = 1;
        return;
    }
    if (is_code && ch == KEY_MOUSE) {
        on_mouse(a);
        return;
    }
    if (!is_code && ch == 12 && !a->ses.prompt.on) { /* Ctrl-L: repaint everything */
        clearok(curscr, TRUE);
        tui_term_images_invalidate(a->term);
        a->ses.need_draw = 1;
        return;
    }
    int k = view_key(is_code, ch);
    if (k >= 0) session_key(&a->ses, k);
}

/* ------------------------------------------------------------ frames */

static void draw(app_t *a)
{
    double t0 = pbde_now();
    session_t *ses = &a->ses;
    if (ses->vs.colormap != a->cmap_shown) {
        tui_term_set_cmap(a->term, ses->vs.colormap);
        a->cmap_shown = ses->vs.colormap;
    }
    if (ses->need_model && a->snap.n > 0) {
        if (view_build(&a->vm, &a->snap, &ses->vs) != 0) session_say(ses, VIEW_TONE_BAD, "out of memory");
        ses->need_model = 0;
    }
    tui_frame_t f;
    memset(&f, 0, sizeof f);
    f.ses = ses;
    f.snap = &a->snap;
    f.vm = &a->vm;
    f.vs = &ses->vs;
    f.fps = session_running(ses) ? a->fps : 0.0;
    f.evals_per_s = a->snap.paused || a->snap.state != TRAINER_TRAINING ? 0.0 : a->snap.evals_per_s;
    f.now = t0;
    f.annot = &ses->ann;
    f.curve = session_curve(ses);
    tui_tour_view_t tv;
    if (ses->tour.n > 0 && ses->stop >= 0) {
        const tour_stop_t *st = &ses->tour.stops[ses->stop];
        tv.title = ses->tour.title;
        tv.caption = st->caption;
        tv.stop = ses->stop;
        tv.n = ses->tour.n;
        tv.steps = st->steps;
        tv.on = ses->tour_on;
        f.tour = &tv;
    }
    tui_draw(a->term, &f, &a->hit);
    if (a->hit.help_pages > 0) session_help_pages(ses, a->hit.help_pages);
    wnoutrefresh(stdscr);
    doupdate();
    tui_term_flush_images(a->term); /* sixel or kitty panels, over their blank cells */

    double t1 = pbde_now(), dt = t1 - t0;
    a->frames++;
    a->frame_time_sum += dt;
    if (dt > a->frame_time_max) a->frame_time_max = dt;
    a->fps_frames++;
    if (t1 - a->fps_t0 >= 1.0) {
        a->fps = (double)a->fps_frames / (t1 - a->fps_t0);
        a->fps_t0 = t1;
        a->fps_frames = 0;
    }
    ses->need_draw = 0;
}

/* Takes the newest snapshot; returns 1 when it changed. */
static int poll_snapshot(app_t *a)
{
    int fresh = live_snapshot(a->live, &a->snap) == 1;
    session_sync(&a->ses, &a->snap, fresh);
    return fresh;
}

/* Waits for input or the next deadline, handles what came, then draws when
   something changed. While training, frames come on a fixed tick
   (FRAME_RUN_S; new snapshots wait for it); input draws at once (at most
   every FRAME_MIN_S). Otherwise the loop sleeps in get_wch and draws only
   on change, so a paused explorer costs nothing. */
static void loop(app_t *a, double quit_after)
{
    session_t *ses = &a->ses;
    double last_draw = 0.0, next_tick = 0.0;
    while (!ses->quit && !tui_term_interrupted()) {
        double now = pbde_now();
        if (quit_after > 0 && now - a->t_start >= quit_after) break;
        double due = now + IDLE_WAIT_MS / 1000.0;
        if (ses->need_draw) due = last_draw + FRAME_MIN_S;
        else if (session_running(ses) && next_tick < due) due = next_tick;
        double sdue = session_due(ses, now);
        if (sdue < due) due = sdue;
        int wait_ms = (int)ceil((due - now) * 1000.0);
        timeout(wait_ms > 0 ? (wait_ms < IDLE_WAIT_MS ? wait_ms : IDLE_WAIT_MS) : 0);
        wint_t ch;
        int r = get_wch(&ch);
        while (r != ERR) { /* handle everything pending before drawing */
            on_key(a, r == KEY_CODE_YES, (unsigned)ch);
            if (ses->quit) break;
            timeout(0);
            r = get_wch(&ch);
        }
        session_tick(ses, pbde_now());
        int fresh = poll_snapshot(a);
        now = pbde_now();
        if (session_running(ses)) {
            if (now >= next_tick) {
                ses->need_draw = 1;
                next_tick += FRAME_RUN_S;
                if (next_tick < now) next_tick = now + FRAME_RUN_S;
            }
        } else if (fresh) {
            ses->need_draw = 1;
        }
        if (ses->need_draw && now - last_draw >= FRAME_MIN_S) {
            draw(a);
            last_draw = now;
        }
    }
}

/* ------------------------------------------------------------ entry */

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
    double wall = pbde_now() - a->t_start;
    long used, evictions, overflows;
    tui_term_stats(a->term, &used, &evictions, &overflows);
    double mean = a->frames ? a->frame_time_sum / (double)a->frames : 0.0;
    fprintf(f,
            "pbde tui: %ld frames in %.1f s (%.1f fps); frame build+update %.2f ms mean, %.2f ms "
            "max (%.0f fps possible)\n"
            "pbde tui: %ld snapshots (%.1f/s); worker evals/s %.1f; last step %ld; pairs/s %.0f\n"
            "pbde tui: colour pairs %ld in use, %ld evictions, %ld overflows; %s; %dx%d\n",
            a->frames, wall, wall > 0 ? (double)a->frames / wall : 0.0, 1e3 * mean,
            1e3 * a->frame_time_max, mean > 0 ? 1.0 / mean : 0.0, a->ses.snapshots,
            wall > 0 ? (double)a->ses.snapshots / wall : 0.0, a->snap.evals_per_s, a->snap.step,
            a->snap.pairs_per_s, used, evictions, overflows, tui_term_describe(a->term), COLS,
            LINES);
}

int tui_run(tui_run_t *r)
{
    setlocale(LC_ALL, "");
    tui_options_t opt = r->term;
    const kernels_t *k = r->k;
    tour_t tour = r->tour;
    int user_speed = r->user_speed, user_cmap = r->user_cmap;
    params_t start = r->start;
    double quit_after = r->quit_after;
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
        return 2;
    }
    sigset_t old;
    block_ui_signals(&old);
    a->live = live_create(&start, k, r->paused || tour.n > 0, err, sizeof err);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!a->live) {
        tui_term_close(a->term);
        fprintf(stderr, "pbde tui: %s\n", err);
        tour_free(&tour);
        free(a);
        return 2;
    }
    view_state_t vs;
    view_state_from_params(&vs, &start);
    if (session_init(&a->ses, VIEW_FE_TUI, &a->live, 1, k, &vs, &tour, user_speed, user_cmap, err,
                     sizeof err) != 0) { /* one run: cannot happen */
        tui_term_close(a->term);
        fprintf(stderr, "pbde tui: %s\n", err);
        live_destroy(a->live);
        free(a);
        return 2;
    }
    a->ses.overlay_legend = tui_term_tier(a->term) == TIER_MONO || !tui_term_half_blocks(a->term)
                                ? "x line, loser to winner (o)"
                                : "red line, loser to winner (white)";
    session_set_room(&a->ses, r->room);
    if (r->room_open) session_room(&a->ses, 1, NULL); /* what went wrong shows on the status line */
    a->cmap_shown = CMAP_VIRIDIS;
    a->t_start = a->fps_t0 = pbde_now();
    poll_snapshot(a);

    loop(a, quit_after);

    int sig = tui_term_interrupted();
    if (r->stats) {
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
    session_free(&a->ses);
    live_destroy(a->live);
    live_snapshot_free(&a->snap);
    view_model_free(&a->vm);
    free(a);
    return sig ? 128 + sig : 0;
}
