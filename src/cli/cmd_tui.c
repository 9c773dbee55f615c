/* pbde tui (and plain pbde): the terminal explorer's command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pbde/common.h"
#include "pbde/tour.h"
#include "pbde/tui_app.h"

enum { F_TOUR, F_COLOR, F_GRAPHICS, F_NO_MOUSE, F_ASCII, F_PAUSED, F_STATS, F_QUIT_AFTER, F_ROOM, F_ROOM_OPTIONS,
       F_COUNT };
static const cli_flag_t FLAGS[F_COUNT] = {
    { "tour", 1, "a lecture tour: a .tour file, or a tour's name in the demos folder; space or -> "
                 "next stop, <- back, t explores freely (--speed, --pace and --colormap apply to every stop)" },
    { "color", 1, "colours: auto (default), always or never; NO_COLOR=1 means never" },
    { "graphics", 1, "heatmaps as pixels: auto (default: kitty or sixel when the terminal answers "
                     "to it), kitty, sixel, or cells (character cells only)" },
    { "no-mouse", 0, "leave the mouse to the terminal (no click-to-move cursor)" },
    { "ascii", 0, "ASCII only: no half blocks, braille or Greek letters" },
    { "paused", 0, "start paused" },
    { "stats", 0, "on exit, print frame, evaluation and colour-pair statistics to stderr" },
    { "quit-after", 1, "quit by itself after V seconds (for measurements and demos)" },
    CLI_ROOM_FLAG,
    CLI_ROOM_OPTIONS_FLAG,
};

static int parse_graphics(const char *v, tui_gfx_kind *out)
{
    if (strcmp(v, "auto") == 0) *out = GFX_AUTO;
    else if (strcmp(v, "cells") == 0) *out = GFX_CELLS;
    else if (strcmp(v, "sixel") == 0) *out = GFX_SIXEL;
    else if (strcmp(v, "kitty") == 0) *out = GFX_KITTY;
    else return -1;
    return 0;
}

static int parse_color(const char *v, tui_color_mode *out)
{
    if (!v || strcmp(v, "auto") == 0) *out = COLOR_MODE_AUTO;
    else if (strcmp(v, "always") == 0) *out = COLOR_MODE_ALWAYS;
    else if (strcmp(v, "never") == 0) *out = COLOR_MODE_NEVER;
    else return -1;
    return 0;
}


int cmd_tui(int argc, char **argv)
{
    int first = argc > 1 && strcmp(argv[1], "tui") == 0 ? 2 : 1;
    cli_args_t args;
    int rc = cli_parse("tui", argc, argv, first, FLAGS, F_COUNT, &args);
    if (rc != 0) return rc;
    if (args.help) {
        cli_usage(stdout, "tui",
                  "The terminal explorer: live training beside the annotator's density.\n"
                  "Keys: ? shows them all; q quits. A lecture tour: pbde --tour NAME (pbde list "
                  "shows the tours).",
                  FLAGS, F_COUNT);
        return 0;
    }
    if (args.version) {
        printf("pbde %s\n", PBDE_VERSION);
        return 0;
    }
    tui_options_t opt = { GFX_AUTO, COLOR_MODE_AUTO, !args.present[F_NO_MOUSE], args.present[F_ASCII] };
    if (args.present[F_GRAPHICS] && parse_graphics(args.values[F_GRAPHICS], &opt.graphics) != 0) {
        fprintf(stderr, "pbde tui: --graphics: '%s' is not allowed: expected auto, kitty, sixel or cells\n",
                args.values[F_GRAPHICS]);
        return EXIT_USAGE;
    }
    if (parse_color(args.values[F_COLOR], &opt.color) != 0) {
        fprintf(stderr, "pbde tui: --color: '%s' is not allowed: expected auto, always or never\n",
                args.values[F_COLOR]);
        return EXIT_USAGE;
    }
    double quit_after = 0.0;
    if (args.present[F_QUIT_AFTER]) {
        char *end;
        quit_after = strtod(args.values[F_QUIT_AFTER], &end);
        if (*end || !(quit_after > 0)) {
            fprintf(stderr, "pbde tui: --quit-after: '%s' is not allowed: expected seconds > 0\n",
                    args.values[F_QUIT_AFTER]);
            return EXIT_USAGE;
        }
    }
    const kernels_t *k = cli_kernels();
    if (!k) return EXIT_USAGE;
    tour_t tour = { "", 0, NULL };
    int user_speed = 0, user_cmap = 0;
    params_t start = args.params;
    if (args.present[F_TOUR]) {
        rc = cli_load_tour("tui", &args, args.values[F_TOUR], &tour, &user_speed, &user_cmap);
        if (rc != 0) return rc;
        start = tour.stops[0].params;
        if (user_speed) {
            start.speed = args.params.speed;
            start.pace = args.params.pace;
        }
        if (user_cmap) start.colormap = args.params.colormap;
    }

    tui_run_t r;
    memset(&r, 0, sizeof r);
    if (args.present[F_ROOM] && args.present[F_TOUR]) {
        fprintf(stderr, "pbde tui: --room and --tour: a tour's stops set up their own training\n");
        tour_free(&tour);
        return EXIT_USAGE;
    }
    if ((rc = cli_room_open("tui", args.present[F_ROOM_OPTIONS] ? args.values[F_ROOM_OPTIONS] : NULL,
                            &r.room)) != 0) {
        tour_free(&tour);
        return rc;
    }
    r.room_open = args.present[F_ROOM];
    r.term = opt;
    r.start = start;
    r.k = k;
    r.paused = args.present[F_PAUSED];
    r.stats = args.present[F_STATS];
    r.quit_after = quit_after;
    r.tour = tour;
    r.user_speed = user_speed;
    r.user_cmap = user_cmap;
    rc = tui_run(&r);
    cli_room_close(r.room);
    return rc;
}
