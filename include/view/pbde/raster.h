/* The RGB rasteriser: draws a scene (a view model plus the live snapshots
   it was built from) into an RGB buffer of any size: the heatmap panels
   with their titles, the colour bar with ticks, the cursor, the pair
   overlay, the metric curves, the metrics text, a lecture tour's caption
   box, and in the window the key footer, the prompt and the help overlay. The window, its screenshots,
   `pbde render`'s images and videos all come from raster_draw, so they are
   the same pixels. Every heatmap carries axis ticks from -L to L with
   their values, in room the layout keeps for them (see raster.c, "Axis
   ticks", for how they step down when room is short).

   Text goes through a font interface (raster_font_t): the front ends pass
   one backed by SDL2_ttf; with a NULL font no text is drawn (unit tests).
   Pure C: no SDL, no terminal, no allocation that outlives a call. */
#ifndef PBDE_RASTER_H
#define PBDE_RASTER_H

#include <stddef.h>

#include "pbde/annotate.h"
#include "pbde/curve.h"
#include "pbde/live.h"
#include "pbde/view.h"

/* An RGB image: px(h, w, 3), row-major from the top-left pixel. */
typedef struct {
    unsigned char *px;
    int w, h;
} raster_image_t;

/* A rendered text: coverage a(h, w), 0 (none) to 255 (full), row-major. */
typedef struct {
    const unsigned char *a;
    int w, h;
} raster_mask_t;

/* A font: text(ctx, utf8, px, out) renders utf8 at a pixel size of px into
   *out (valid until the next call with the same ctx) and returns 0, or -1
   when it cannot (then nothing is drawn). Every text of one size has the
   same mask height (the line height). */
typedef struct {
    void *ctx;
    int (*text)(void *ctx, const char *utf8, int px, raster_mask_t *out);
} raster_font_t;

/* One training run the scene shows: a snapshot and, in a facet, the label
   of its value (e.g. "β = 4"). */
typedef struct {
    const live_snapshot_t *snap;
    char label[48];
} raster_run_t;

/* A lecture tour's stop, as its caption box shows it: the tour's title
   and "stop i/n" on top, the caption below in large type, word-wrapped.
   Caption lines are joined into one paragraph unless a line ends a
   sentence (. : ! ?), which starts a new one. */
typedef struct {
    const char *title;   /* the tour's title (NULL or "": "tour") */
    const char *caption; /* the stop's caption, lines joined by '\n' */
    int stop, n;         /* the stop shown (0-based) and how many there are */
    long steps;          /* the step count the stop trains to */
    int on;              /* window: 1 the tour's keys are active, 0 exploring */
    const char *state;   /* window: where the stop stands (the session's words), or NULL */
    view_tone state_tone;
    const view_item_t *keys; /* window: the tour's keys (n_keys of them) */
    int n_keys;
} raster_tour_t;

/* Everything raster_draw draws. */
typedef struct {
    const view_model_t *vm;        /* the panels (view_build or raster_facet_model) */
    int n_runs;                    /* >= 1 */
    raster_run_t runs[VIEW_MAX_PANELS];
    int panel_run[VIEW_MAX_PANELS]; /* which run each panel shows (for its pairs) */
    const char *facet;             /* facet parameter's name, NULL without facets */
    int bilinear;                  /* heatmaps: 1 bilinear, 0 nearest */
    int cursor;                    /* draw the cursor and the values under it */
    int live;                      /* 1 in the window: pause state, speed, key footer */
    double speed;                  /* live: steps per second asked for (0: as fast as possible) */
    int help;                      /* live: the key overlay */
    const char *prompt;            /* live: the prompt being typed, or NULL */
    const char *message;           /* a message line, or NULL */
    view_tone message_tone;
    const char *state;             /* live: the header's state (the session's words), or NULL:
                                      the snapshot's (live_status) */
    view_tone state_tone;
    const view_item_t *footer;     /* live: the key footer (n_footer items, the last
                                      footer_right of them on the right) */
    int n_footer, footer_right;
    const char *footer_title;      /* a mode's name before its keys, or NULL */
    const view_item_t *help_items; /* live: the help list (the first n_help_keys are keys) */
    int n_help, n_help_keys;
    const char *help_title, *help_close;
    int recording;                 /* live: show the recording mark */
    const raster_tour_t *tour;     /* a tour stop's caption box, or NULL */
    const curve_view_t *curve;     /* the learning curve, drawn in the third panel's place
                                      (single runs only), or NULL */
    const view_annot_t *annot;     /* live: the interactive-data modes (A and B, the brush,
                                      their line and keys), or NULL */
    /* tests: called for every text drawn, with its size and the part of
       its box that is visible (in image pixels), or NULL */
    void (*text_drawn)(void *ctx, const char *utf8, int px, view_rect_t box);
    void *text_drawn_ctx;
} raster_scene_t;

/* Where raster_draw puts things, in pixels (for hit tests and tests). */
typedef struct {
    int font_px;                          /* base text size */
    int n_panels;                         /* panels that fit */
    view_rect_t panel[VIEW_MAX_PANELS];   /* heatmap squares (titles above) */
    int ticks;                            /* axis ticks per side of a heatmap, -L to L:
                                             5, 3, or 0 when their labels do not fit */
    int ticks_y_every;                    /* 1: y values left of every heatmap; 0: left of
                                             each row's first (all show the same box) */
    int tick_below, tick_left;            /* the room their values take under a heatmap
                                             and left of one */
    view_rect_t colorbar;                 /* the bar itself, w = 0 when none */
    view_rect_t curves[2];                /* metric plots, w = 0 when none */
    view_rect_t metrics;                  /* metrics text block */
    view_rect_t caption;                  /* the tour's caption box, w = 0 when none */
    int caption_px;                       /* the caption's text size */
} raster_layout_t;

/* Initialises *sc for a single run: the panels of vm, all from run s,
   with the cursor shown and everything else off. */
void raster_scene_init(raster_scene_t *sc, const view_model_t *vm, const live_snapshot_t *s);

/* Computes where a scene goes in a w x h image. */
void raster_layout(raster_layout_t *lo, const raster_scene_t *sc, int w, int h,
                   const raster_font_t *font);

/* Draws the scene into img (every pixel is written). lo, when not NULL,
   receives the layout used. */
void raster_draw(raster_image_t *img, const raster_scene_t *sc, const raster_font_t *font,
                 raster_layout_t *lo);

/* 1 when the scene shows the room's panel (its join code) in the third
   panel's place: no heatmap there to point at. */
int raster_room_panel(const raster_scene_t *sc);

/* Converts pixel (px, py) of heatmap rect r into world coordinates of the
   box [-L, L]^2 (pixel centres; y grows upwards). Returns 1 when the pixel
   lies inside r. */
int raster_pixel_to_world(const view_rect_t *r, double L, int px, int py, double *x, double *y);

/* Builds the small-multiples model of a facet: the first model's true
   panel, then the learned panel of each of the n models (vms[i] built from
   runs[i]), retitled with labels[i], on one shared colour scale. out
   points into the models (it owns nothing; do not view_model_free it).
   Returns 0, or -1 when n is out of range or a model has no panels. */
int raster_facet_model(view_model_t *out, const view_model_t *vms, int n,
                       const char *const *labels);

/* Writes the value of facet parameter name in *p for a label: "β = 4",
   "objective = dpo". */
void raster_param_label(const params_t *p, const char *name, char *buf, size_t n);

#endif
