/* Shared pieces of the command-line front end. */
#ifndef PBDE_CLI_H
#define PBDE_CLI_H

#include <stdio.h>

#include "pbde/kernels.h"
#include "pbde/params.h"

/* Exit statuses of design §4. */
enum { EXIT_USAGE = 2, EXIT_DIVERGED = 3 };

/* A subcommand's own flags, beside the registry's. */
typedef struct {
    const char *name;   /* without the leading dashes */
    int takes_value;    /* 1: --name VALUE, 0: a switch */
    const char *help;
} cli_flag_t;

/* The result of parsing a command line. */
typedef struct {
    params_t params;
    const char *values[16]; /* values of the subcommand's own flags, by index */
    int present[16];        /* 1 when the flag was given */
    int help, version;
    const char *scenario;   /* the --scenario file, or NULL */
    char scenario_path[4096]; /* where it was found */
} cli_args_t;

/* Parses argv[first..argc) into *a: registry parameters as --name V or
   --name=V, and the subcommand's flags. Returns 0, or prints a message
   naming the flag and the bad value to stderr and returns EXIT_USAGE. */
int cli_parse(const char *cmd, int argc, char **argv, int first, const cli_flag_t *flags,
              int n_flags, cli_args_t *a);

/* Prints the usage of cmd: its own flags, then every registry parameter
   with its default and what it allows. */
void cli_usage(FILE *f, const char *cmd, const char *summary, const cli_flag_t *flags,
               int n_flags);

/* The kernels chosen by PBDE_KERNELS (or automatically); prints a message
   and returns NULL for an unknown value. */
const kernels_t *cli_kernels(void);

/* Opens path for writing through a temporary file beside it (beside the
   file a symbolic link names), created with the existing file's mode;
   cli_commit_out flushes, syncs and renames it into place, so an
   existing file survives a failed or abandoned write. "-" means standard
   output; a device, FIFO or socket (/dev/null, a pipe) is written in
   place, never replaced. Returns NULL with errno set (EISDIR for a
   folder). cli_commit_out returns 0, or -1 with errno set and the
   temporary removed; cli_abort_out drops the temporary. */
FILE *cli_open_out(const char *path, char *tmp, size_t tmplen);
int cli_commit_out(FILE *f, const char *path, const char *tmp);
void cli_abort_out(FILE *f, const char *tmp);

/* The folder of the built-in scenarios (the demos folder): $PBDE_DEMOS, else
   demos/ beside the build folder, else share/pbde/demos of the install
   prefix. Returns 0 with the path in out, or -1 when none exists. */
int cli_demos_dir(char *out, size_t len);

/* Resolves a --scenario argument: a path as given when it names a file,
   else a built-in scenario's name ("dpo-beta" -> .../demos/dpo-beta.ini). */
void cli_resolve_scenario(const char *arg, char *out, size_t len);

/* Monotonic time in seconds. */
double cli_now(void);

int cmd_train(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_tui(int argc, char **argv);
int cmd_gui(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_curve(int argc, char **argv);
int cmd_bench(int argc, char **argv);

#endif
