/* The subcommands of a front end this build lacks: a pbde built where
   pkg-config found no ncursesw (no terminal explorer) or no SDL2 (no
   window, no renders) answers them by naming what to install. */
#include <stdio.h>

#include "cli.h"

#ifndef PBDE_MISSING
#define PBDE_MISSING ""
#endif

#if !defined(PBDE_HAVE_TUI) || !defined(PBDE_HAVE_GUI) || !defined(PBDE_HAVE_EXPORT)
/* Says that cmd needs what, and how to get it; returns EXIT_USAGE. */
static int missing(const char *cmd, const char *what)
{
    fprintf(stderr,
            "pbde %s: this pbde was built without %s (pkg-config found no %s at build time).\n"
            "Install them (sudo apt-get install %s, or make deps) and run make again;\n"
            "the headless commands (train, sample, list, bench) work as they are.\n",
            cmd, what, PBDE_MISSING, PBDE_MISSING);
    return EXIT_USAGE;
}
#endif

#ifndef PBDE_HAVE_ROOM
int cmd_room(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr,
            "pbde room: this pbde was built without the room (pkg-config found no libmicrohttpd\n"
            "or json-c at build time). Install them (sudo apt-get install libmicrohttpd-dev\n"
            "libjson-c-dev, or make deps) and run make again.\n");
    return EXIT_USAGE;
}
#endif

#ifndef PBDE_HAVE_TUI
int cmd_tui(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return missing("tui", "the terminal explorer (ncursesw)");
}
#endif

#ifndef PBDE_HAVE_GUI
int cmd_gui(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return missing("gui", "the window (SDL2)");
}
#endif

#ifndef PBDE_HAVE_EXPORT
int cmd_render(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return missing("render", "images and videos (SDL2 and its fonts)");
}
#endif

/* A file with no function at all is not C: keep one in every build. */
const char *cli_missing_packages(void)
{
    return PBDE_MISSING;
}
