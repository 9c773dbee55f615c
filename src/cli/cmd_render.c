/* pbde render: the window's pixels without a window. Trains headless
   through live sessions run synchronously (so every frame belongs to an
   exact step count), draws each frame with the rasteriser and writes a
   PNG after --steps, or a video of --frames frames, --steps-per-frame
   steps apart; with --tour, a video of a whole lecture tour. The same
   command writes the same bytes. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pbde/export.h"

enum { F_OUT, F_FRAMES, F_SPF, F_FPS, F_SIZE, F_FONT, F_FACET, F_CURSOR, F_INTERP, F_TOUR,
       F_HOLD, F_COUNT };
static const cli_flag_t FLAGS[F_COUNT] = {
    { "out", 1, "output file: .png (after --steps), .y4m, .mp4 or .gif (these two need ffmpeg)" },
    { "frames", 1, "video frames (default 90; a .png is one frame)" },
    { "steps-per-frame", 1, "training steps between frames (default: --steps spread over the "
                            "frames; in a tour, each stop's training spread over 4 s)" },
    { "fps", 1, "video frames per second (default 30)" },
    { "size", 1, "image size WxH in pixels (default 1280x720)" },
    { "font", 1, "TrueType font file for the text (default: DejaVu Sans via fontconfig)" },
    { "facet", 1, "small multiples NAME=v1,v2,...: one learned panel per value (e.g. beta=1,4,16)" },
    { "cursor", 1, "show the cursor at X,Y (default: hidden, at 0,0 for --panel slice)" },
    { "interpolate", 1, "heatmap sampling: nearest or bilinear (default nearest)" },
    { "tour", 1, "record a lecture tour (a .tour file or a tour's name): every stop trains, "
                 "then holds with its caption" },
    { "hold", 1, "with --tour: seconds each finished stop is held on screen (default 3)" },
};

#define TOUR_TRAIN_S 4  /* a tour stop's training plays in about this long */

#define PNG_CHUNKS 120 /* metric points on a PNG's curves */

static int parse_long(const char *flag, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno != 0 || v < lo || v > hi) {
        fprintf(stderr, "pbde render: --%s: '%s' is not allowed: expected a whole number from "
                        "%ld to %ld\n", flag, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

/* ------------------------------------------------------------ stepping */

typedef struct {
    live_t *l;
    long n;
    int rc;
} job_t;

static void *run_job(void *arg)
{
    job_t *j = arg;
    j->rc = live_run_steps(j->l, j->n);
    return NULL;
}

/* Runs n steps in every session, side by side on threads (each session's
   result does not depend on it). Returns 1 when a session diverged. */
static int run_all(stage_t *st, long n)
{
    job_t jobs[STAGE_MAX];
    pthread_t th[STAGE_MAX];
    int started[STAGE_MAX] = { 0 };
    for (int i = 0; i < st->n; i++) {
        jobs[i] = (job_t){ st->live[i], n, 0 };
        if (st->n > 1 && pthread_create(&th[i], NULL, run_job, &jobs[i]) == 0) started[i] = 1;
        else run_job(&jobs[i]);
    }
    int diverged = 0;
    for (int i = 0; i < st->n; i++) {
        if (started[i]) pthread_join(th[i], NULL);
        if (jobs[i].rc != 0) diverged = 1;
    }
    return diverged;
}

/* Asks every session for a fresh preference slice (or over-optimisation
   sweep, or Borda count) at the next step: switching the request off and on marks it due,
   so each frame's panel belongs to that frame's model whatever the wall
   clock says. */
static void want_slices(stage_t *st, const view_state_t *vs)
{
    if (vs->third == THIRD_OVEROPT)
        for (int i = 0; i < st->n; i++) {
            live_want_overopt(st->live[i], 0, vs->overopt_kl);
            live_want_overopt(st->live[i], 1, vs->overopt_kl);
        }
    if (vs->third == THIRD_BORDA)
        for (int i = 0; i < st->n; i++) {
            live_want_borda(st->live[i], 0);
            live_want_borda(st->live[i], 1);
        }
    if (vs->third != THIRD_SLICE) return;
    for (int i = 0; i < st->n; i++) {
        live_want_slice(st->live[i], 0, vs->cursor_x, vs->cursor_y);
        live_want_slice(st->live[i], 1, vs->cursor_x, vs->cursor_y);
    }
}

/* ------------------------------------------------------------ drawing */

static int draw_frame(stage_t *st, const view_state_t *vs, int bilinear, int show_cursor,
                      const raster_tour_t *tour, raster_image_t *img, const raster_font_t *font)
{
    if (stage_poll(st) < 0) return -1;
    raster_scene_t sc;
    if (stage_scene(st, vs, &sc) != 0) return -1;
    sc.bilinear = bilinear;
    sc.cursor = show_cursor;
    sc.tour = tour;
    raster_draw(img, &sc, font, NULL);
    return 0;
}

static void report_divergence(const stage_t *st)
{
    for (int i = 0; i < st->n; i++)
        if (st->snap[i].state == TRAINER_DIVERGED)
            fprintf(stderr, "pbde render: training diverged at step %ld%s%s (NaN/Inf or runaway "
                            "outputs); try a smaller --lr (now %g)\n",
                    st->snap[i].diverged_at, st->facet[0] ? " for " : "",
                    st->facet[0] ? st->labels[i] : "", st->snap[i].params.lr);
}

/* ------------------------------------------------------------ tours */

/* What the command line says about a recorded tour. */
typedef struct {
    long spf;           /* steps per frame, 0: each stop's training over TOUR_TRAIN_S */
    long fps;
    long hold;          /* frames a finished stop is held */
    double hold_s;      /* the same in seconds, as given */
    int bilinear;
    int cursor_set;     /* --cursor given: shown at every stop */
    double cursor_x, cursor_y;
    const params_t *over; /* --colormap and --threads for the whole tour ... */
    int cmap_set, threads_set; /* ... when given */
} tour_opts_t;

/* Draws the stage as it stands and appends it to the video `times` times. */
static int emit(stage_t *st, const view_state_t *vs, const tour_opts_t *o, int cursor,
                const raster_tour_t *rt, raster_image_t *img, const raster_font_t *font,
                video_t *video, long times)
{
    char err[512];
    if (draw_frame(st, vs, o->bilinear, cursor, rt, img, font) != 0) {
        fprintf(stderr, "pbde render: out of memory\n");
        return 1;
    }
    for (long i = 0; i < times; i++)
        if (video_frame(video, img, err, sizeof err) != 0) {
            fprintf(stderr, "pbde render: --out: %s\n", err);
            return 1;
        }
    return 0;
}

/* Records a tour: at each stop, a fresh session unless the stop continues
   the previous one's training, a frame every o->spf steps up to the
   stop's step count, then the finished stop held for o->hold frames, the
   caption on screen throughout. Returns the exit status. */
static int record_tour(const tour_t *t, const tour_opts_t *o, stage_t *st, video_t *video,
                       raster_image_t *img, const raster_font_t *font, const kernels_t *k)
{
    char err[1024];
    progress_t bar;
    progress_begin(&bar, "pbde render");
    long total = 0;
    for (int i = 0; i < t->n; i++) {
        const tour_stop_t *s = &t->stops[i];
        params_t p = s->params;
        if (o->cmap_set) p.colormap = o->over->colormap;
        if (o->threads_set) p.threads = o->over->threads;
        if (i == 0 || !s->continues) {
            stage_destroy(st);
            if (stage_create(st, &p, 1, NULL, k, 1, err, sizeof err) != 0) {
                fprintf(stderr, "pbde render: stop %d (line %d): %s\n", i + 1, s->line, err);
                return EXIT_USAGE;
            }
        }
        view_state_t vs;
        view_state_from_params(&vs, &p);
        if (o->cursor_set) {
            vs.cursor_x = o->cursor_x;
            vs.cursor_y = o->cursor_y;
        }
        double L = st->snap[0].L;
        vs.cursor_x = fmax(-L, fmin(L, vs.cursor_x));
        vs.cursor_y = fmax(-L, fmin(L, vs.cursor_y));
        int cursor = o->cursor_set || vs.third == THIRD_SLICE;
        raster_tour_t rt;
        export_tour_caption(&rt, t, i, 1);

        want_slices(st, &vs);
        int diverged = run_all(st, 0);
        if (stage_poll(st) < 0) {
            fprintf(stderr, "pbde render: out of memory\n");
            return 1;
        }
        long step = st->snap[0].step, spf = o->spf;
        if (!spf) spf = (s->steps - step + TOUR_TRAIN_S * o->fps - 1) / (TOUR_TRAIN_S * o->fps);
        if (spf < 1) spf = 1;
        while (step < s->steps && !diverged) {
            long n = s->steps - step < spf ? s->steps - step : spf;
            want_slices(st, &vs);
            diverged = run_all(st, n);
            step += n;
            if (emit(st, &vs, o, cursor, &rt, img, font, video, 1) != 0) return 1;
            total++;
            char what[80];
            snprintf(what, sizeof what, "stop %d/%d, step %ld/%ld, %ld frames", i + 1, t->n, step,
                     s->steps, total);
            /* the tour's share done: whole stops, and this one's steps */
            progress_show(&bar, i + (s->steps > 0 ? (double)step / (double)s->steps : 1.0), t->n, what);
        }
        if (diverged) {
            progress_end(&bar);
            fprintf(stderr, "pbde render: stop %d (line %d): training diverged at step %ld "
                            "(NaN/Inf or runaway outputs); the stop's lr is %g\n",
                    i + 1, s->line, st->snap[0].diverged_at, p.lr);
            return EXIT_DIVERGED;
        }
        if (emit(st, &vs, o, cursor, &rt, img, font, video, o->hold) != 0) return 1;
        total += o->hold;
    }
    progress_end(&bar);
    return 0;
}

/* ------------------------------------------------------------ command */

/* --tour and what goes with it: a video (not a .png), no --frames or
   --facet or --scenario, and of the parameters only those that apply to
   the whole tour. Loads the tour into *t and fills in *o what the tour's
   options say (hold_s, over, cmap_set, threads_set). Returns 0, or prints
   the problem and returns EXIT_USAGE. */
static int tour_options(const cli_args_t *a, int kind, tour_t *t, tour_opts_t *o)
{
    static const char *const ALLOWED[] = { "colormap", "threads", "speed", NULL };
    const char *bad = kind == OUT_PNG ? "--out: a tour is recorded as a video: write .y4m, .mp4 or .gif"
                      : a->present[F_FRAMES] ? "--frames: a tour's frames follow its stops (set "
                                                "--steps-per-frame and --hold instead)"
                      : a->present[F_FACET] ? "--facet: a tour shows one training run per stop"
                      : a->scenario         ? "--tour and --scenario: a tour loads its own "
                                              "scenarios; give one of them"
                                            : NULL;
    if (bad) {
        fprintf(stderr, "pbde render: %s\n", bad);
        return EXIT_USAGE;
    }
    const char *extra = export_tour_extra_param(&a->params, ALLOWED);
    if (extra) {
        fprintf(stderr, "pbde render: --%s: a tour sets the parameters at every stop; only "
                        "--colormap and --threads apply to a whole tour\n", extra);
        return EXIT_USAGE;
    }
    double hold = 3.0;
    if (a->present[F_HOLD]) {
        char *end;
        hold = strtod(a->values[F_HOLD], &end);
        if (end == a->values[F_HOLD] || *end || !(hold >= 0 && hold <= 600)) {
            fprintf(stderr, "pbde render: --hold: '%s' is not allowed: expected seconds from 0 "
                            "to 600\n", a->values[F_HOLD]);
            return EXIT_USAGE;
        }
    }
    char err[1024];
    if (export_tour_open(a->values[F_TOUR], t, err, sizeof err) != 0) {
        fprintf(stderr, "pbde render: --tour: %s\n", err);
        return EXIT_USAGE;
    }
    o->hold_s = hold; /* the caller, which knows the frame rate, sets o->hold */
    o->over = &a->params;
    params_t def;
    params_defaults(&def);
    o->cmap_set = a->params.colormap != def.colormap;
    o->threads_set = a->params.threads != def.threads;
    return 0;
}

int cmd_render(int argc, char **argv)
{
    cli_args_t a;
    int rc = cli_parse("render", argc, argv, 2, FLAGS, F_COUNT, &a);
    if (rc) return rc;
    if (a.help) {
        cli_usage(stdout, "render",
                  "Draws the explorer's picture headless: a PNG after --steps, a video, or a\n"
                  "whole lecture tour (--tour: each stop trains, then holds with its caption).\n"
                  "Examples:\n"
                  "  pbde render --out two-gauss.png\n"
                  "  pbde render --objective dpo --facet beta=1,4,16 --frames 120 --out dpo.mp4\n"
                  "  pbde render --tour preferences-to-densities --out tour.mp4\n"
                  "View parameters (--panel, --colormap, --log-scale, --overlay) are listed below.",
                  FLAGS, F_COUNT);
        return 0;
    }
    if (!a.present[F_OUT]) {
        fprintf(stderr, "pbde render: --out is required (a .png, .y4m, .mp4 or .gif file)\n");
        return EXIT_USAGE;
    }
    const char *out = a.values[F_OUT];
    int kind = out_kind_of(out);
    if (kind < 0) {
        fprintf(stderr, "pbde render: --out: '%s' is not allowed: expected a file ending in "
                        ".png, .y4m, .mp4 or .gif\n", out);
        return EXIT_USAGE;
    }
    int w = 1280, h = 720;
    if (a.present[F_SIZE] && export_parse_size(a.values[F_SIZE], &w, &h) != 0) {
        fprintf(stderr, "pbde render: --size: '%s' is not allowed: expected WxH, each from 16 "
                        "to 8192 (e.g. 1280x720)\n", a.values[F_SIZE]);
        return EXIT_USAGE;
    }
    long frames = kind == OUT_PNG ? 1 : 90, fps = 30, spf = 0;
    if (a.present[F_FRAMES] && parse_long("frames", a.values[F_FRAMES], 1, 100000, &frames))
        return EXIT_USAGE;
    if (kind == OUT_PNG && frames != 1) {
        fprintf(stderr, "pbde render: --frames: a .png holds one frame (drawn after --steps); "
                        "write .y4m, .mp4 or .gif for a video\n");
        return EXIT_USAGE;
    }
    if (a.present[F_FPS] && parse_long("fps", a.values[F_FPS], 1, 240, &fps)) return EXIT_USAGE;
    if (a.present[F_SPF] && parse_long("steps-per-frame", a.values[F_SPF], 1, 100000000, &spf))
        return EXIT_USAGE;
    if (kind == OUT_PNG && a.present[F_SPF]) {
        fprintf(stderr, "pbde render: --steps-per-frame is for videos; a .png is drawn after "
                        "--steps\n");
        return EXIT_USAGE;
    }
    /* a tour: a video whose frames follow its stops */
    tour_t tour = { "", 0, NULL };
    tour_opts_t to;
    memset(&to, 0, sizeof to);
    if (a.present[F_HOLD] && !a.present[F_TOUR]) {
        fprintf(stderr, "pbde render: --hold is for --tour (how long each finished stop stays)\n");
        return EXIT_USAGE;
    }
    if (a.present[F_TOUR]) {
        rc = tour_options(&a, kind, &tour, &to);
        if (rc) return rc;
        to.spf = spf;
        to.fps = fps;
        to.hold = lround(to.hold_s * (double)fps);
    }
    long steps = a.params.steps;
    if (!spf) spf = frames > 1 ? (steps + frames - 2) / (frames - 1) : steps;
    if (spf < 1) spf = 1;

    /* the registry's [view] parameters (--panel, --colormap, --log-scale,
       --overlay), then the cursor */
    view_state_t vs;
    view_state_from_params(&vs, &a.params);
    char err[1024];
    if (a.present[F_CURSOR] && export_parse_cursor(&vs, a.values[F_CURSOR], err, sizeof err)) {
        fprintf(stderr, "pbde render: %s\n", err);
        return EXIT_USAGE;
    }
    int bilinear = 0;
    if (a.present[F_INTERP] &&
        export_parse_interpolate(a.values[F_INTERP], &bilinear, err, sizeof err) != 0) {
        fprintf(stderr, "pbde render: %s\n", err);
        return EXIT_USAGE;
    }

    to.bilinear = bilinear;
    to.cursor_set = a.present[F_CURSOR];
    to.cursor_x = vs.cursor_x;
    to.cursor_y = vs.cursor_y;

    params_t ps[STAGE_MAX];
    int n = 1;
    char facet[32] = "";
    ps[0] = a.params;
    if (a.present[F_FACET] && stage_parse_facet(a.values[F_FACET], &a.params, ps, &n, facet,
                                                sizeof facet, err, sizeof err) != 0) {
        fprintf(stderr, "pbde render: %s\n", err);
        return EXIT_USAGE;
    }
    const kernels_t *k = cli_kernels();
    if (!k) {
        tour_free(&tour);
        return EXIT_USAGE;
    }

    /* fail fast on the output and the font, before any training */
    video_t *video = NULL;
    if (kind != OUT_PNG) {
        video = video_open(out, w, h, (int)fps, err, sizeof err);
        if (!video) {
            fprintf(stderr, "pbde render: --out: %s\n", err);
            tour_free(&tour);
            return EXIT_USAGE;
        }
    }
    export_font_t *ef = font_open(a.present[F_FONT] ? a.values[F_FONT] : NULL, err, sizeof err);
    if (!ef) {
        fprintf(stderr, "pbde render: %s\n", err);
        if (video) video_close(video, 0, err, sizeof err);
        tour_free(&tour);
        return EXIT_USAGE;
    }
    raster_font_t font = font_raster(ef);
    raster_image_t img = { malloc((size_t)w * (size_t)h * 3), w, h };
    stage_t *st = calloc(1, sizeof *st); /* large: the snapshots */
    int status = 0;
    if (!img.px || !st) {
        fprintf(stderr, "pbde render: out of memory for a %dx%d image\n", w, h);
        free(st);
        free(img.px);
        if (video) video_close(video, 0, err, sizeof err);
        font_close(ef);
        tour_free(&tour);
        return 1;
    }
    if (tour.n > 0) {
        status = record_tour(&tour, &to, st, video, &img, &font, k);
        if (video_close(video, status == 0, err, sizeof err) != 0 && status == 0) {
            fprintf(stderr, "pbde render: --out: %s\n", err);
            status = 1;
        }
        stage_destroy(st);
        free(st);
        free(img.px);
        font_close(ef);
        tour_free(&tour);
        return status;
    }
    if (stage_create(st, ps, n, facet[0] ? facet : NULL, k, 1, err, sizeof err) != 0) {
        fprintf(stderr, "pbde render: %s\n", err);
        if (video) video_close(video, 0, err, sizeof err);
        free(st);
        free(img.px);
        font_close(ef);
        return EXIT_USAGE;
    }
    double L = st->snap[0].L;
    vs.cursor_x = fmax(-L, fmin(L, vs.cursor_x));
    vs.cursor_y = fmax(-L, fmin(L, vs.cursor_y));
    if (vs.third == THIRD_SLICE)
        for (int i = 0; i < st->n; i++) live_want_slice(st->live[i], 1, vs.cursor_x, vs.cursor_y);
    if (vs.third == THIRD_OVEROPT)
        for (int i = 0; i < st->n; i++) live_want_overopt(st->live[i], 1, vs.overopt_kl);
    if (vs.third == THIRD_BORDA)
        for (int i = 0; i < st->n; i++) live_want_borda(st->live[i], 1);

    /* a slide shows the cursor only when it was placed or is needed */
    int show_cursor = a.present[F_CURSOR] || vs.third == THIRD_SLICE;
    int diverged = 0;
    progress_t bar;
    progress_begin(&bar, "pbde render");
    char what[64];
    if (kind == OUT_PNG) {
        long chunk = (steps + PNG_CHUNKS - 1) / PNG_CHUNKS, done = 0;
        if (chunk < 1) chunk = 1;
        diverged |= run_all(st, 0); /* publishes the slice, when asked for */
        while (done < steps) {
            long s = steps - done < chunk ? steps - done : chunk;
            diverged |= run_all(st, s);
            done += s;
            snprintf(what, sizeof what, "step %ld/%ld", done, steps);
            progress_show(&bar, (double)done, (double)steps, what);
        }
        if (vs.third == THIRD_SLICE || vs.third == THIRD_OVEROPT || vs.third == THIRD_BORDA) {
            /* the slice, sweep or count of the final model, whatever the clock */
            want_slices(st, &vs);
            diverged |= run_all(st, 0);
        }
        if (draw_frame(st, &vs, bilinear, show_cursor, NULL, &img, &font) != 0) {
            fprintf(stderr, "pbde render: out of memory\n");
            status = 1;
        } else if (png_write(out, &img, err, sizeof err) != 0) {
            fprintf(stderr, "pbde render: --out: %s\n", err);
            status = 1;
        }
    } else {
        for (long f = 0; f < frames && status == 0; f++) {
            want_slices(st, &vs);
            diverged |= run_all(st, f > 0 ? spf : 0);
            if (draw_frame(st, &vs, bilinear, show_cursor, NULL, &img, &font) != 0) {
                fprintf(stderr, "pbde render: out of memory\n");
                status = 1;
            } else if (video_frame(video, &img, err, sizeof err) != 0) {
                fprintf(stderr, "pbde render: --out: %s\n", err);
                status = 1;
            }
            snprintf(what, sizeof what, "frame %ld/%ld, step %ld", f + 1, frames, st->snap[0].step);
            progress_show(&bar, (double)(f + 1), (double)frames, what);
        }
        if (video_close(video, status == 0, err, sizeof err) != 0 && status == 0) {
            fprintf(stderr, "pbde render: --out: %s\n", err);
            status = 1;
        }
    }
    progress_end(&bar);
    if (diverged && status == 0) {
        report_divergence(st);
        status = EXIT_DIVERGED;
    }
    stage_destroy(st);
    free(st);
    free(img.px);
    font_close(ef);
    return status;
}
