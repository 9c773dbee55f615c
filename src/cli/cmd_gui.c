/* pbde gui: the SDL2 window's command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pbde/export.h"
#include "pbde/gui_app.h"

enum { F_TOUR, F_SIZE, F_FONT, F_FACET, F_CURSOR, F_INTERP, F_PAUSED, F_SHOT_AFTER, F_SHOT_OUT,
       F_ROOM, F_ROOM_OPTIONS, F_COUNT };
static const cli_flag_t FLAGS[F_COUNT] = {
    { "tour", 1, "a lecture tour: a .tour file, or a tour's name in the demos folder; space or -> "
                 "next stop, <- back, t explore" },
    { "size", 1, "window size WxH (default 1280x720)" },
    { "font", 1, "TrueType font file for the text (default: DejaVu Sans via fontconfig)" },
    { "facet", 1, "small multiples NAME=v1,v2,...: one learned panel per value (e.g. beta=1,4,16)" },
    { "cursor", 1, "cursor position X,Y (default 0,0)" },
    { "interpolate", 1, "heatmap sampling: nearest or bilinear (default nearest; key i)" },
    { "paused", 0, "start paused (space starts training)" },
    { "screenshot-after", 1, "(for tests) save a screenshot after N frames, then quit" },
    { "screenshot-out", 1, "(for tests) the screenshot's file (default: named after the scenario)" },
    CLI_ROOM_FLAG,
    CLI_ROOM_OPTIONS_FLAG,
};

int cmd_gui(int argc, char **argv)
{
    cli_args_t a;
    int rc = cli_parse("gui", argc, argv, 2, FLAGS, F_COUNT, &a);
    if (rc) return rc;
    if (a.help) {
        cli_usage(stdout, "gui",
                  "The SDL2 window: the explorer's panels, keys and curves (? lists the keys;\n"
                  "f fullscreen, S screenshot, R records a .y4m, i nearest/bilinear).\n"
                  "A lecture tour: pbde gui --tour NAME (pbde list tours shows them).",
                  FLAGS, F_COUNT);
        return 0;
    }
    int w = 1280, h = 720;
    if (a.present[F_SIZE] && export_parse_size(a.values[F_SIZE], &w, &h) != 0) {
        fprintf(stderr, "pbde gui: --size: '%s' is not allowed: expected WxH, each from 16 to "
                        "8192 (e.g. 1280x720)\n", a.values[F_SIZE]);
        return EXIT_USAGE;
    }
    char err[1024];
    /* the registry's [view] parameters, then the cursor */
    view_state_t vs;
    view_state_from_params(&vs, &a.params);
    if (a.present[F_CURSOR] && export_parse_cursor(&vs, a.values[F_CURSOR], err, sizeof err)) {
        fprintf(stderr, "pbde gui: %s\n", err);
        return EXIT_USAGE;
    }
    int bilinear = 0;
    if (a.present[F_INTERP] &&
        export_parse_interpolate(a.values[F_INTERP], &bilinear, err, sizeof err) != 0) {
        fprintf(stderr, "pbde gui: %s\n", err);
        return EXIT_USAGE;
    }
    long shot_after = 0;
    if (a.present[F_SHOT_AFTER]) {
        char *end;
        shot_after = strtol(a.values[F_SHOT_AFTER], &end, 10);
        if (end == a.values[F_SHOT_AFTER] || *end || shot_after < 1 || shot_after > 1000000) {
            fprintf(stderr, "pbde gui: --screenshot-after: '%s' is not allowed: expected a whole "
                            "number of frames >= 1\n", a.values[F_SHOT_AFTER]);
            return EXIT_USAGE;
        }
    }
    if (a.present[F_SHOT_OUT] && !shot_after) {
        fprintf(stderr, "pbde gui: --screenshot-out needs --screenshot-after N\n");
        return EXIT_USAGE;
    }
    if (a.present[F_SHOT_OUT] && out_kind_of(a.values[F_SHOT_OUT]) != OUT_PNG) {
        fprintf(stderr, "pbde gui: --screenshot-out: '%s' is not allowed: expected a .png file\n",
                a.values[F_SHOT_OUT]);
        return EXIT_USAGE;
    }
    params_t ps[STAGE_MAX];
    int n = 1;
    char facet[32] = "";
    ps[0] = a.params;
    if (a.present[F_FACET] && stage_parse_facet(a.values[F_FACET], &a.params, ps, &n, facet,
                                                sizeof facet, err, sizeof err) != 0) {
        fprintf(stderr, "pbde gui: %s\n", err);
        return EXIT_USAGE;
    }
    const kernels_t *k = cli_kernels();
    if (!k) return EXIT_USAGE;

    /* a tour starts on its first stop's parameters and view; of the
       command line only --speed, --pace and --colormap apply to a whole tour */
    tour_t tour = { "", 0, NULL };
    int user_speed = 0, user_cmap = 0;
    if (a.present[F_ROOM] && (a.present[F_TOUR] || a.present[F_FACET])) {
        fprintf(stderr, "pbde gui: --room with --%s: the room answers one training run of its own\n",
                a.present[F_TOUR] ? "tour" : "facet");
        return EXIT_USAGE;
    }
    if (a.present[F_TOUR] && a.present[F_FACET]) {
        fprintf(stderr, "pbde gui: --tour and --facet: a tour shows one training run per stop\n");
        return EXIT_USAGE;
    }
    if (a.present[F_TOUR]) {
        rc = cli_load_tour("gui", &a, a.values[F_TOUR], &tour, &user_speed, &user_cmap);
        if (rc) return rc;
        ps[0] = tour.stops[0].params;
        if (user_speed) {
            ps[0].speed = a.params.speed;
            ps[0].pace = a.params.pace;
        }
        if (user_cmap) ps[0].colormap = a.params.colormap;
        view_state_t given = vs;
        view_state_from_params(&vs, &ps[0]);
        vs.cursor_x = given.cursor_x;
        vs.cursor_y = given.cursor_y;
    }

    gui_run_t *r = calloc(1, sizeof *r);
    if (!r) {
        fprintf(stderr, "pbde gui: out of memory\n");
        tour_free(&tour);
        return 1;
    }
    if ((rc = cli_room_open("gui", a.present[F_ROOM_OPTIONS] ? a.values[F_ROOM_OPTIONS] : NULL, &r->room)) !=
        0) {
        tour_free(&tour);
        free(r);
        return rc;
    }
    r->room_open = a.present[F_ROOM];
    memcpy(r->ps, ps, sizeof ps);
    r->n = n;
    snprintf(r->facet, sizeof r->facet, "%s", facet);
    r->vs = vs;
    r->w = w;
    r->h = h;
    r->font = a.present[F_FONT] ? a.values[F_FONT] : NULL;
    r->bilinear = bilinear;
    r->paused = a.present[F_PAUSED];
    r->shot_after = shot_after;
    r->shot_out = a.present[F_SHOT_OUT] ? a.values[F_SHOT_OUT] : NULL;
    r->k = k;
    r->tour = tour;
    r->user_speed = user_speed;
    r->user_cmap = user_cmap;
    rc = gui_run(r);
    cli_room_close(r->room);
    free(r);
    return rc;
}
