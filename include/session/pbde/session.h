/* The explorer session shared by every front end (the terminal and the
   window): everything an explorer does that is not reading input events
   or putting cells or pixels on a screen. Keys become actions through the
   one key table (tours' keys included); the actions steer the live
   training runs; the `:` prompt's line editor and commands; lecture
   tours; the learning-curve job (L); the annotate and brush modes' glue;
   the speed ladder; expiring messages; and the texts both renderers show
   (the state, the status line, the footer, the help list, a tour stop's
   state and keys).

   A front end turns its events into session_key / session_press /
   session_drag / session_release calls, calls session_sync with each new
   snapshot of the first run and session_tick every turn of its loop, and
   draws from the session's fields and text builders. The fields are the
   front end's to read, the session's to write. No terminal, no window. */
#ifndef PBDE_SESSION_H
#define PBDE_SESSION_H

#include <stddef.h>

#include "pbde/annotate.h"
#include "pbde/curve.h"
#include "pbde/kernels.h"
#include "pbde/live.h"
#include "pbde/params.h"
#include "pbde/tour.h"
#include "pbde/view.h"

#define SESSION_MAX_RUNS VIEW_MAX_PANELS
#define SESSION_MESSAGE_S 6.0    /* a message stays this long on the status line */
#define SESSION_SLICE_REST_S 0.08 /* the slice follows the cursor once it rests this long */
#define SESSION_CURVE_REDRAW_S 0.1 /* the curve's progress is redrawn at most this often */

/* ------------------------------------------------------------ prompt */

#define SESSION_PROMPT_MAX 256
#define SESSION_PROMPT_HISTORY 16

/* The `:` line editor: printable ASCII, cursor keys, Home/End, Backspace,
   Delete, Ctrl-A/E/U, Tab completion and a short history (up, down). */
typedef struct {
    int on;
    char buf[SESSION_PROMPT_MAX];
    int len, cur;                /* bytes (ASCII: also columns) */
    char hist[SESSION_PROMPT_HISTORY][SESSION_PROMPT_MAX];
    int n_hist, hist_pos;
} session_prompt_t;

typedef enum { PROMPT_EDITING = 0, PROMPT_CANCEL, PROMPT_ENTER } session_prompt_event;

void session_prompt_open(session_prompt_t *p);

/* Feeds one key (a code point or VIEW_KEY_*). On PROMPT_ENTER the line is
   in p->buf and kept in the history; the prompt closes on ENTER and
   CANCEL. */
session_prompt_event session_prompt_key(session_prompt_t *p, int key);

/* ------------------------------------------------------------ commands */

typedef enum {
    SESSION_CMD_NOTHING = 0, /* message only (help, save, empty line) */
    SESSION_CMD_SET,         /* *p changed: apply it */
    SESSION_CMD_QUIT,
    SESSION_CMD_ERROR        /* message says what was wrong */
} session_cmd_result;

/* Runs one prompt line against *p (the parameters in force): "set NAME
   VALUE" (also "set NAME=VALUE", or without "set" when NAME is a
   parameter), "save FILE", "help [NAME]", "quit". On SESSION_CMD_SET *p
   holds the new, checked parameters; otherwise *p is unchanged. msg
   receives a one-line message for the status line. */
session_cmd_result session_command(const char *line, params_t *p, char *msg, size_t msglen);

/* Writes *p as a scenario file (scenario_save, through a temporary file
   renamed into place). Returns 0, or -1 with a message in err. */
int session_save_ini(const params_t *p, const char *path, char *err, size_t errlen);

/* Completes the word being typed in line (a command; a parameter after
   "set " or "help "; a choice after "set NAME "): writes the completed
   line into out and returns the number of candidates (1: completed;
   more: the common prefix; 0: none). */
int session_complete(const char *line, char *out, size_t n);

/* The prompt's commands as the help lists them (key: the command). */
const view_item_t *session_commands(size_t *n);

/* ------------------------------------------------------------ room */

#define SESSION_ROOM_POLL_S 0.25 /* the room's counts are read this often */

/* A room of annotators as the session sees it: the command line wires a
   server in (pbde/room.h, which the session cannot see); the session
   starts, polls and stops it and keeps the mode (view_room_set). */
typedef struct session_room_ops {
    void *ctx;
    /* Takes options for the next start from a line ("personas=2
       per-question=5 addr=0.0.0.0 port=8790 code=ABCD"). Returns 0, or -1
       with a message in err (nothing changed then). */
    int (*configure)(void *ctx, const char *opts, char *err, size_t n);
    /* Starts serving run l in its room mode and fills in *info (the URL,
       the code, its QR code). Returns 0, or -1 with a message in err. */
    int (*start)(void *ctx, live_t *l, view_room_t *info, char *err, size_t n);
    /* The counts now into *info. */
    void (*poll)(void *ctx, view_room_t *info);
    /* Stops serving: no answer comes after it returns. */
    void (*stop)(void *ctx);
} session_room_ops_t;

/* ------------------------------------------------------------ session */

/* What the header shows: live_status's states and the session's own. */
typedef enum {
    SESSION_TRAINING = LIVE_TRAINING,
    SESSION_PAUSED = LIVE_PAUSED,
    SESSION_DONE = LIVE_DONE,
    SESSION_DIVERGED = LIVE_DIVERGED,
    SESSION_REBUILDING = LIVE_REBUILDING,
    SESSION_THINKING = LIVE_THINKING,
    SESSION_WAITING = LIVE_WAITING,
    SESSION_CURVE      /* the learning curve is being computed (training waits for it) */
} session_state_t;

typedef struct {
    int fe;                        /* VIEW_FE_TUI or VIEW_FE_GUI: whose keys */
    int n;                         /* training runs (facet values) */
    live_t *live[SESSION_MAX_RUNS]; /* (n) borrowed: the front end creates and destroys them */
    const live_snapshot_t *snap;   /* run 0's newest snapshot (session_sync) */
    const kernels_t *k;
    const char *overlay_legend;    /* how the pair overlay marks pairs, e.g. "winners o, losers x" */

    view_state_t vs;               /* panels, scale, colour map, cursor, overlay, help */
    int help_page;                 /* the help page shown (0-based) */
    int help_pages;                /* pages the help takes on the front end's screen
                                      (session_help_pages; 0 or 1: one page) */
    params_t want;                 /* run 0's parameters as asked for (the header shows these) */
    double speed;                  /* steps per second asked for (0: as fast as possible) */
    double pace;                   /* seconds a run's steps take (0: the speed cap alone) */
    int user_speed, user_cmap;     /* (user_speed: the speed or the pace) */
    int user_speed_dummy_unused;     /* chosen by the user: kept at every tour stop */
    view_annot_t ann;              /* be the annotator (h), draw the density (b) */
    session_prompt_t prompt;
    int quit;                      /* q, :quit */
    int need_draw, need_model;     /* set here; the front end clears them once it drew */

    /* the lecture tour (tour.n == 0: none) */
    tour_t tour;
    int tour_on;                   /* the tour's keys are active (t toggles) */
    int stop;                      /* the stop shown, -1 before the first */
    int disturbed;                 /* training changed by hand since the stop was set up */

    /* the learning curve (L), computed on a thread of its own */
    int curve_on;
    curve_job_t *curve_job;        /* computing, or NULL */
    curve_t *curve;                /* the latest copy, NULL before the first */
    unsigned long curve_version;
    int curve_paused_live;         /* training was paused for it: resumes when it ends */
    char curve_err[256];
    double curve_drawn;
    curve_view_t curve_view;       /* what the renderers draw (session_curve) */

    /* the status line's message, and the last event of the snapshots */
    char message[256];
    view_tone message_tone;
    double message_t;
    char last_event[256];
    long snapshots;
    int keep_message;              /* the next event of the snapshots leaves the message be
                                      (it is what the room's change said) */

    /* the room (H, :room): how to serve one (NULL: this build has none) */
    const session_room_ops_t *room_ops;
    const char *room_unavailable;  /* why there is none (NULL: this build lacks the libraries) */
    double room_polled;

    /* the preference slice follows the cursor once it rests */
    int slice_dirty;
    double slice_due;
} session_t;

/* Sets up *s for front end fe over n runs (live[0..n-1], created by the
   caller and outliving the session), view state vs, and a tour (taken
   over: freed by session_free; n = 0 for none), whose first stop it
   shows. Returns 0, or -1 with a message in err. */
int session_init(session_t *s, int fe, live_t *const *live, int n, const kernels_t *k,
                 const view_state_t *vs, tour_t *tour, int user_speed, int user_cmap, char *err,
                 size_t errlen);

/* Gives the session a way to serve a room (before the first key). */
void session_set_room(session_t *s, const session_room_ops_t *ops);

/* Opens (on = 1, with options opts for the server, or NULL) or closes
   the room: phones answer run 0's questions in the room mode, whose
   keys, panel and line the renderers show. Says on the status line what
   happened. Returns 1 when it did, 0 when it could not (no room in this
   build, facets, a server that would not start). */
int session_room(session_t *s, int on, const char *opts);

/* Stops the curve job and the room and frees what the session owns (not
   the runs). */
void session_free(session_t *s);

/* Hands the session run 0's newest snapshot (fresh: it changed since the
   last call): the modes take their question from it, and an event the
   worker reports becomes the message. */
void session_sync(session_t *s, const live_snapshot_t *snap, int fresh);

/* A key (a code point or VIEW_KEY_*): pages the help (space, PgDn and
   right: next page, PgUp and left: back, when it has pages) or closes it
   (any other key, or any key when it has one page), edits the prompt,
   runs the tour's keys, the modes' and the table's. Returns the action
   when it is the front end's own (fullscreen, screenshot, record,
   interpolation), else ACT_NONE. */
view_action session_key(session_t *s, int key);

/* Carries out an action of the key table (the front end's own ones are
   ignored). */
void session_act(session_t *s, view_action a);

/* A mouse button pressed at world point (x, y) of a panel (right: the
   right button): answers near A or B, paints (erases with right) in
   brush mode, else moves the cursor. A drag with buttons held (left,
   right) paints in brush mode and moves the cursor otherwise; the release
   ends a brush stroke. */
void session_press(session_t *s, double x, double y, int right);
void session_drag(session_t *s, double x, double y, int left, int right);
void session_release(session_t *s);

/* Every turn of the loop, at time now (pbde_now()): the slice request,
   the painted density, the curve's progress, the message's expiry. */
void session_tick(session_t *s, double now);

/* The next time session_tick has something to do (a message expiring, the
   slice, the brush), or a large value. */
double session_due(const session_t *s, double now);

/* Puts a message on the status line for SESSION_MESSAGE_S. */
void session_say(session_t *s, view_tone tn, const char *msg);

/* The message when it has not expired at time now, else NULL. */
const char *session_message(const session_t *s, double now, view_tone *tn);

/* The cap on training steps per second now in force: the pace's rate
   when a pace is set, else the speed (0: as fast as possible). */
double session_rate(const session_t *s);

/* The speed in words: "speed max", "speed 50 steps/s", "lecture pace
   150 steps/s" or "pace 30 s, 100 steps/s". */
void session_speed_text(const session_t *s, char *buf, size_t n);

/* 1 while training runs (frames follow it). */
int session_running(const session_t *s);

/* The learning curve as the renderers draw it, or NULL when hidden. */
const curve_view_t *session_curve(session_t *s);

/* ------------------------------------------------------------ texts */

/* The state the header shows, its text into buf (ascii: no ellipsis or
   dot) and its tone. */
session_state_t session_state(const session_t *s, int ascii, char *buf, size_t n, view_tone *tn);

/* The status line: the message while it holds, else what the state
   allows next (keys from the key table). */
void session_status(const session_t *s, double now, char *buf, size_t n, view_tone *tn);

/* The footer: the keys most used, from the footer table, for this front
   end, this mode and tour. Writes up to max items (the tour's first) and
   returns their count; *right gets the count of the items at the end
   that belong on the right (help, quit; or how to leave a mode); *title,
   when not NULL, the mode's name ("annotate", "brush") or NULL. */
int session_footer(const session_t *s, view_item_t *items, int max, int *right, const char **title);

/* The help list: every key of this front end (the tour's when a tour is
   open), then the prompt's commands and the mouse. Writes up to max
   items and returns their count; *n_keys gets how many are keys. */
int session_help(const session_t *s, view_item_t *items, int max, int *n_keys);

/* The front end says how many pages its help takes on its screen now
   (every frame, open or not, so keys typed ahead page right); the page
   shown stays among them. A front end that never calls it has one page. */
void session_help_pages(session_t *s, int pages);

/* The help's title and closing line, and the paging line of a help with
   pages (the window has none). */
extern const char SESSION_HELP_TITLE[];
extern const char SESSION_HELP_CLOSE[];
extern const char SESSION_HELP_PAGING[];

/* Where the tour's stop stands ("training to step 60…", "end of tour"),
   and its tone. Needs a tour. */
void session_stop_state(const session_t *s, char *buf, size_t n, view_tone *tn);

/* The tour's keys for its caption box (on: next, back, explore; off: back
   to the tour, pause, cursor). Returns the count (at most 3). */
int session_tour_keys(const session_t *s, view_item_t *items, int max);

#endif
