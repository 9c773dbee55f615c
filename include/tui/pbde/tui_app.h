/* The terminal explorer's entry point: what the command line decided,
   handed to the front end (which never sees argv). */
#ifndef PBDE_TUI_APP_H
#define PBDE_TUI_APP_H

#include "pbde/kernels.h"
#include "pbde/params.h"
#include "pbde/tour.h"

struct session_room_ops;

typedef enum { COLOR_MODE_AUTO = 0, COLOR_MODE_ALWAYS, COLOR_MODE_NEVER } tui_color_mode;

/* How heatmaps are drawn: pixels through a terminal graphics protocol, or
   character cells. */
typedef enum { GFX_AUTO = 0, GFX_CELLS, GFX_SIXEL, GFX_KITTY } tui_gfx_kind;

typedef struct {
    tui_gfx_kind graphics; /* auto: the protocol the terminal answers to, else cells */
    tui_color_mode color;
    int mouse;  /* 1: mouse clicks move the cursor */
    int ascii;  /* 1: ASCII only, even in a UTF-8 locale */
} tui_options_t;

typedef struct {
    tui_options_t term;
    params_t start;        /* the session's parameters (a tour's: its first stop's) */
    const kernels_t *k;
    int paused;            /* start paused */
    int stats;             /* print frame statistics to stderr on exit */
    double quit_after;     /* quit by itself after this many seconds (0: never) */
    tour_t tour;           /* a lecture tour (n = 0: none); tui_run frees it */
    const struct session_room_ops *room; /* how to serve a room (NULL: none in this build) */
    int room_open;         /* open the room at the start */
    int user_speed, user_cmap; /* --speed, --colormap given for the whole tour */
} tui_run_t;

/* Runs the terminal explorer until the user quits. Returns the exit
   status (0, 2 when the terminal cannot be used, 128 + a signal), after a
   message on stderr when it fails. */
int tui_run(tui_run_t *r);

#endif
