/* The SDL2 window's entry point: what the command line decided, handed to
   the front end (which never sees argv). */
#ifndef PBDE_GUI_APP_H
#define PBDE_GUI_APP_H

#include "pbde/export.h"

typedef struct {
    params_t ps[STAGE_MAX]; /* one session per facet value (n of them) */
    int n;
    char facet[32];         /* the faceted parameter's name, "" for none */
    view_state_t vs;        /* panels, colour map, cursor */
    int w, h;               /* window size */
    const char *font;       /* TrueType file, NULL: DejaVu Sans via fontconfig */
    int bilinear;           /* heatmap sampling */
    int paused;
    long shot_after;        /* (tests) screenshot after this many frames, then quit; 0: never */
    const char *shot_out;   /* its file, NULL: named after the scenario */
    const kernels_t *k;
    tour_t tour;            /* a lecture tour (n = 0: none); gui_run frees it */
    const struct session_room_ops *room; /* how to serve a room (NULL: none in this build) */
    int room_open;         /* open the room at the start */
    int user_speed, user_cmap; /* --speed, --colormap given for the whole tour */
} gui_run_t;

/* Opens the window and runs the explorer until it closes. Returns the exit
   status (0; 2 without a display, after a message naming the headless
   path), after a message on stderr when it fails. */
int gui_run(gui_run_t *r);

#endif
