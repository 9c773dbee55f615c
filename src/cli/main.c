/* pbde: entry point and subcommand dispatch (design §4). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pbde/common.h"
#include "pbde/suggest.h"

static void usage(FILE *f)
{
    fprintf(f,
            "pbde %s: learning densities from pairwise preferences, live.\n\n"
            "usage:\n"
            "  pbde [opts]              the terminal explorer (= pbde tui)\n"
            "  pbde train [opts]        headless training; --json prints one JSON object\n"
            "  pbde sample [opts] --out F   the preference data set as CSV\n"
            "  pbde gui [opts]          the SDL2 window (f fullscreen, S screenshot, R record)\n"
            "  pbde render [opts] --out F   headless image (.png) or video (.y4m, .mp4, .gif)\n"
            "  pbde curve [opts] --out F    learning curves: KL against pairs (CSV, table, --png)\n"
            "  pbde overopt [opts]      reward over-optimisation: RL and best-of-n on the learned reward\n"
            "  pbde room [opts]         a lecture hall annotates from phones (prints the join URL)\n"
            "  pbde bench [--json]      kernel and training throughput against the core's peak\n"
            "  pbde list [what]         densities, annotators, objectives (params: the table; keys: the terminal's)\n"
            "  pbde help                this text; pbde CMD --help for a command's options\n"
            "  pbde --version\n\n"
            "Options are parameter names, as --name value or --name=value\n"
            "(pbde train --help lists them all).\n"
            "Exit status: 0 success, 2 bad usage or input, 3 training diverged.\n",
            PBDE_VERSION);
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "tui";
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("pbde %s\n", PBDE_VERSION);
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "train") == 0) return cmd_train(argc, argv);
    if (strcmp(cmd, "sample") == 0) return cmd_sample(argc, argv);
    if (strcmp(cmd, "list") == 0) return cmd_list(argc, argv);
    if (strcmp(cmd, "bench") == 0) return cmd_bench(argc, argv);
    if (strcmp(cmd, "gui") == 0) return cmd_gui(argc, argv);
    if (strcmp(cmd, "render") == 0) return cmd_render(argc, argv);
    if (strcmp(cmd, "curve") == 0) return cmd_curve(argc, argv);
    if (strcmp(cmd, "overopt") == 0) return cmd_overopt(argc, argv);
    if (strcmp(cmd, "room") == 0) return cmd_room(argc, argv);
    if (strcmp(cmd, "tui") == 0 || strncmp(cmd, "--", 2) == 0) return cmd_tui(argc, argv);
    static const char *const CMDS[] = { "tui", "gui", "train", "overopt", "sample", "render", "curve",
                                        "room", "bench", "list", "help", "version" };
    char msg[256];
    snprintf(msg, sizeof msg, "unknown command '%s'", cmd);
    suggest_append(msg, sizeof msg, cmd, CMDS, sizeof CMDS / sizeof CMDS[0], "");
    fprintf(stderr, "pbde: %s\n\n", msg);
    usage(stderr);
    return EXIT_USAGE;
}
