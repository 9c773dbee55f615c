/* Pixels out of pbde: the font behind the rasteriser's text (SDL2_ttf, a
   system font found with fontconfig), PNG files (SDL2_image), YUV4MPEG2
   video written natively, .mp4 and .gif through an ffmpeg pipe, and the
   stage both `pbde render` and `pbde gui` draw: one live session per
   facet value, turned into a raster scene; and the lecture tours both
   show (finding and checking a tour file, a stop's caption box). Private
   to the binary (the window in src/gui and the render command in
   src/export). */
#ifndef PBDE_EXPORT_H
#define PBDE_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include "pbde/kernels.h"
#include "pbde/live.h"
#include "pbde/params.h"
#include "pbde/raster.h"
#include "pbde/tour.h"
#include "pbde/view.h"
#include "pbde/session.h"

/* ------------------------------------------------------------ font */

typedef struct export_font export_font_t;

/* Opens the font at path, or (path NULL) the system's "DejaVu Sans" or
   sans-serif font with Greek letters, found with fontconfig. Returns NULL
   with a message in err when no font can be found or opened. */
export_font_t *font_open(const char *path, char *err, size_t errlen);
void font_close(export_font_t *f);

/* The font as the rasteriser's text interface. */
raster_font_t font_raster(export_font_t *f);

/* The file the font was loaded from. */
const char *font_file(const export_font_t *f);

/* ------------------------------------------------------------ PNG */

/* Writes img as a PNG at path, through a temporary file renamed into place.
   Same pixels, same bytes (no timestamps). Returns 0, or -1 with a message
   in err. */
int png_write(const char *path, const raster_image_t *img, char *err, size_t errlen);

/* ------------------------------------------------------------ YUV4MPEG2 */

/* 4:2:0 ("C420jpeg"), BT.601 limited range. */
typedef struct {
    FILE *f;
    int w, h;
    unsigned char *planes; /* Y (w*h) then Cb and Cr (cw*ch each) */
    size_t frame_bytes;
} y4m_writer_t;

/* Writes the stream header for w x h at fps frames per second. Returns 0,
   or -1 (allocation or write failure). */
int y4m_begin(y4m_writer_t *y, FILE *f, int w, int h, int fps);

/* Appends one frame from rgb(h, w, 3). Returns 0, or -1 on a write error. */
int y4m_frame(y4m_writer_t *y, const unsigned char *rgb);

/* Frees the writer's buffers (the FILE stays open). */
void y4m_end(y4m_writer_t *y);

/* What a YUV4MPEG2 stream holds. */
typedef struct {
    int w, h;
    int fps_num, fps_den;
    char chroma[16];     /* e.g. "420jpeg", "444" */
    long frames;
    size_t frame_bytes;
} y4m_info_t;

/* Reads a whole stream: header, then every frame (checked for its FRAME
   marker and full size). Returns 0, or -1 with a message in err. */
int y4m_read_info(FILE *f, y4m_info_t *info, char *err, size_t errlen);

/* Reads only the stream header (frames is left 0). Returns 0, or -1 with
   a message in err. */
int y4m_read_header(FILE *f, y4m_info_t *info, char *err, size_t errlen);

/* Reads the next frame of a 4:2:0 stream after y4m_read_header, converted
   back to rgb(h, w, 3). Returns 1 for a frame, 0 at the end of the
   stream, -1 on a malformed or truncated frame. */
int y4m_read_frame(FILE *f, const y4m_info_t *info, unsigned char *rgb);

/* ------------------------------------------------------------ video */

typedef enum { OUT_PNG, OUT_Y4M, OUT_FFMPEG } out_kind;

/* The kind of output a path's extension asks for; -1 when unknown. */
int out_kind_of(const char *path);

typedef struct video video_t;

/* Starts a video at path (.y4m natively, .mp4 / .gif through ffmpeg) of
   w x h at fps. Returns NULL with a message in err ("ffmpeg not found:
   ..." when it is not on PATH). */
video_t *video_open(const char *path, int w, int h, int fps, char *err, size_t errlen);

/* Appends a frame (img must be w x h). Returns 0, or -1 with a message. */
int video_frame(video_t *v, const raster_image_t *img, char *err, size_t errlen);

/* Finishes the video and renames it into place (commit = 1), or removes
   the partial file (commit = 0). Frees v. Returns 0, or -1 with a message. */
int video_close(video_t *v, int commit, char *err, size_t errlen);

/* 1 when an executable named name is on PATH. */
int export_on_path(const char *name);

/* ------------------------------------------------------------ stage */

#define STAGE_MAX (VIEW_MAX_PANELS - 1)

/* One live session per facet value (one without a facet), their newest
   snapshots and view models, and the scene built from them. */
typedef struct {
    int n;
    char facet[32];                 /* facet parameter, "" without facets */
    live_t *live[STAGE_MAX];
    live_snapshot_t snap[STAGE_MAX];
    view_model_t vm[STAGE_MAX];
    view_model_t facet_vm;          /* the composed small multiples */
    char labels[STAGE_MAX][48];
    double pump_s;                  /* without threads: stage_poll's pumping budget (0: STAGE_PUMP_S) */
} stage_t;

/* Built with PBDE_NO_THREADS, the sessions have no workers: stage_poll
   pumps them (live_pump) for this many seconds in all, shared evenly. */
#define STAGE_PUMP_S 0.01

/* Parses a facet spec "NAME=v1,v2,..." against base: out(n) receives the
   parameters of each value. Returns 0, or -1 with a message in err naming
   the value and what is allowed. */
int stage_parse_facet(const char *spec, const params_t *base, params_t *out, int *n,
                      char *name, size_t namelen, char *err, size_t errlen);

/* Starts n sessions (paused when paused) on ps(n). facet is the parameter's
   name or NULL. Returns 0, or -1 with a message in err. */
int stage_create(stage_t *st, const params_t *ps, int n, const char *facet, const kernels_t *k,
                 int paused, char *err, size_t errlen);
void stage_destroy(stage_t *st);

/* Takes the newest snapshot of every session (built with PBDE_NO_THREADS,
   pumping each first: see pump_s). Returns 1 when any changed, 0 when
   none did, -1 on allocation failure. */
int stage_poll(stage_t *st);

/* Builds the view models under vs and fills the scene sc (runs, panels,
   labels). Returns 0, or -1 on allocation failure. */
int stage_scene(stage_t *st, const view_state_t *vs, raster_scene_t *sc);

/* ------------------------------------------------------------ frames */

/* A pixel front end's frame: the storage of the texts its scene points
   to (the window and the browser page each keep one). */
#define EXPORT_FOOTER_MAX 48
#define EXPORT_HELP_MAX 96
typedef struct {
    raster_tour_t caption;
    view_item_t footer[EXPORT_FOOTER_MAX], help[EXPORT_HELP_MAX], tour_keys[3];
    char state[128], status[512], stop_state[128];
} export_frame_t;

/* Fills sc with the stage's panels under the session's view and the
   session's texts (header state, status line, footer, help when open, the
   tour's caption box, the learning curve), kept in *f. On allocation
   failure sc is zeroed (an empty frame). */
void export_session_scene(stage_t *st, session_t *ses, export_frame_t *f, int bilinear,
                          int recording, raster_scene_t *sc);

/* The world point under pixel (x, y) of a frame drawn with layout, when
   it lies on a heatmap (not on the learning curve in the third panel's
   place). Returns 1 with it in *wx, *wy, else 0. */
int export_world_at(const stage_t *st, const session_t *ses, const raster_layout_t *layout, int x,
                    int y, double *wx, double *wy);

/* ------------------------------------------------------------ tours */

/* Finds and loads a lecture tour the way `pbde tui --tour` does: arg is
   a file, else NAME.tour here, else NAME or NAME.tour in the demos
   folder. Every stop must reach its step count within its training
   length (the steps parameter). Returns 0, or -1 with "FILE:LINE: what
   is wrong" (or "FILE: cannot open: ...") in err and *t empty. */
int export_tour_open(const char *arg, tour_t *t, char *err, size_t errlen);

/* A tour sets every parameter at every stop, so only a few may be given
   for the whole tour: returns the name of the first parameter of p that
   differs from the defaults and is not in allowed (NULL-terminated), or
   NULL when there is none. */
const char *export_tour_extra_param(const params_t *p, const char *const *allowed);

/* The caption box of stop `stop` of t (on: the tour's keys are active). */
void export_tour_caption(raster_tour_t *rt, const tour_t *t, int stop, int on);

/* ------------------------------------------------------------ options */

/* Parses "WxH" (each 16 to 8192). Returns 0 or -1. */
int export_parse_size(const char *s, int *w, int *h);

/* Parses --cursor X,Y into vs. Returns 0, or -1 with a message in err. */
int export_parse_cursor(view_state_t *vs, const char *value, char *err, size_t errlen);

/* Parses --interpolate nearest|bilinear into *bilinear. Returns 0, or -1
   with a message in err. */
int export_parse_interpolate(const char *value, int *bilinear, char *err, size_t errlen);

/* "two-gauss-luce-reward-step2000": the scenario and the step, for file
   names. */
void export_scenario_name(const live_snapshot_t *s, char *buf, size_t n);

#endif
