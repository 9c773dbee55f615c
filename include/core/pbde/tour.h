/* Lecture tours: a plain-text list of stops. Each stop is a full parameter
   set, a number of training steps to reach and a caption; the explorers
   walk through the stops (space or -> forward, <- back) and the renderer
   records them. A stop is rebuilt from its parameters and step count, so
   going back shows exactly what was shown before.

   The format, one command per line ('#' starts a comment line):
     title TEXT          the tour's title
     scenario NAME|PATH  start from the defaults and load a scenario
     set NAME VALUE      set a registry parameter
     run N               train N more steps at this stop
     caption TEXT        add a line to this stop's caption
     pause               end this stop: wait for the audience
   A stop whose parameters equal the previous stop's continues its training
   (its step count adds to the previous one); any change starts afresh. */
#ifndef PBDE_TOUR_H
#define PBDE_TOUR_H

#include <stddef.h>

#include "pbde/params.h"

#define TOUR_CAPTION_MAX 640
#define TOUR_MAX_STOPS 256

typedef struct {
    params_t params;                 /* the parameters in force at this stop */
    long steps;                      /* the step count to reach */
    int continues;                   /* 1 when it continues the previous stop's training */
    char caption[TOUR_CAPTION_MAX];  /* lines joined by '\n' */
    int line;                        /* where the stop starts in the file */
} tour_stop_t;

typedef struct {
    char title[128];
    int n;
    tour_stop_t *stops; /* (n) */
} tour_t;

/* Parses a tour file. Scenario names without a '/' are looked up beside
   the tour file, then in demos_dir (may be NULL); relative paths are taken
   from the tour file's folder. Returns 0, or -1 with "PATH:LINE: what is
   wrong" in err and *t empty. */
int tour_load(const char *path, const char *demos_dir, tour_t *t, char *err, size_t errlen);

/* The same for text in memory; name is used in messages and base_dir for
   relative scenario paths (may be NULL). */
int tour_load_text(const char *text, size_t len, const char *name, const char *base_dir,
                   const char *demos_dir, tour_t *t, char *err, size_t errlen);

void tour_free(tour_t *t);

/* Opens the tour an argument names: a path, NAME.tour, or a tour's name in
   demos_dir (may be NULL), and checks that every stop's step count is
   within its training length. Returns 0, or -1 with "FILE:LINE: what is
   wrong" (or "FILE: cannot open: ...") in err and *t empty. */
int tour_open(const char *arg, const char *demos_dir, tour_t *t, char *err, size_t errlen);

/* 1 when a and b train the same way: equal in every parameter that is not
   a [view] parameter (so live_set_params would not restart training). */
int tour_same_training(const params_t *a, const params_t *b);

/* How to show a stop. */
typedef struct {
    params_t params; /* hand to live_set_params */
    int reset;       /* 1: then live_reset_model (the parameters did not change) */
    long run_to;     /* then live_run_to */
} tour_move_t;

/* Plans the move from stop `from` (-1: a session just created with stop
   to's parameters) to stop `to`, given the parameters in force (cur), the
   step reached (step) and whether training was changed by hand since stop
   `from` was set up (disturbed: reset, resample, another parameter).
   Going on to the next stop when it continues this one (or staying on
   this one) keeps training; any other move rebuilds the stop from step 0,
   so it shows exactly what it showed before. Every front end moves
   through a tour this way. */
void tour_plan(const tour_t *t, int from, int to, const params_t *cur, long step, int disturbed,
               tour_move_t *m);

#endif
