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

#endif
