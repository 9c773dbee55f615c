/* Shared pieces of the command-line front end. */
#ifndef PBDE_CLI_H
#define PBDE_CLI_H

#include <stdio.h>

#include "pbde/kernels.h"
#include "pbde/params.h"
#include "pbde/tour.h"
#include "pbde/trainer.h"

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

/* --tour ARG for subcommand cmd (a .tour path, or a tour's name in the
   demos folder): refuses --scenario and any parameter but --speed and
   --colormap (which apply to the whole tour: *speed_set, *cmap_set), then
   loads the tour into *t. Prints the problem (with file:line) and returns
   EXIT_USAGE, or returns 0. */
int cli_load_tour(const char *cmd, const cli_args_t *args, const char *arg, tour_t *t,
                  int *speed_set, int *cmap_set);

/* The explorers' room flags (pbde tui, pbde gui): --room opens it at the
   start, --room-options sets what H and :room open. */
#define CLI_ROOM_FLAG { "room", 0, "open a room at the start: phones answer the questions (H opens and closes it)" }
#define CLI_ROOM_OPTIONS_FLAG                                                                            \
    { "room-options", 1, "the room's options, e.g. \"personas=2 per-question=5\": addr=A (default "       \
                         "127.0.0.1) port=P (0: any) personas=K|own per-question=N code=C rate=R timeout=S" }

/* The explorers' room: a server the session starts (H, :room, --room),
   with options opts (NULL: the defaults). Returns 0 with *ops (NULL in a
   build without the room: the session then says how to get it), or
   prints the problem and returns EXIT_USAGE. cli_room_close stops and
   frees it. */
struct session_room_ops;
int cli_room_open(const char *cmd, const char *opts, const struct session_room_ops **ops);
void cli_room_close(const struct session_room_ops *ops);

/* The packages this build could not find ("" when none). */
const char *cli_missing_packages(void);

/* A progress bar on standard error (only when it is a terminal). */
typedef struct {
    int on, shown;
    double t0, last;
    char label[32];
} progress_t;
void progress_begin(progress_t *p, const char *label);
/* done of total; what is shown after the bar (e.g. "frame 45/90"). */
void progress_show(progress_t *p, double done, double total, const char *what);
void progress_end(progress_t *p); /* erases the bar */

/* pbde train's pieces other headless commands share (cmd_train.c). */

/* A JSON number (null for NaN/Inf), a JSON string, and every registry
   parameter of *p as one JSON object. */
void cli_json_num(FILE *f, double v);
void cli_json_str(FILE *f, const char *s);
void cli_json_params(FILE *f, const params_t *p);

/* Builds the trainer of *p and trains it to the end as pbde train does
   (progress on a terminal, SIGINT/SIGTERM stop it between steps). Returns
   0 with the trainer in *out (with replay_path, not NULL: trained instead
   on the answers saved there, as pbde train --replay) and the training's wall time in *wall_s, or,
   after a message naming cmd, EXIT_USAGE (bad combination), EXIT_DIVERGED
   or 128 + the signal (nothing in *out). */
int cli_train_run(const char *cmd, const params_t *p, const kernels_t *k, const char *replay_path,
                  trainer_t **out, double *wall_s);

/* Writes the trainer's grid as pbde train's CSV (x,y,log_p_true,log_p_ref,
   log_p_model,log_p_theory) into f, opened by cli_open_out(path) before
   training, and commits it. Returns 0, or 1 after a message naming cmd. */
int cli_write_grid(const char *cmd, FILE *f, const char *path, const char *tmp, trainer_t *t);

int cmd_train(int argc, char **argv);
int cmd_overopt(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_tui(int argc, char **argv);
int cmd_gui(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_curve(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_room(int argc, char **argv);

#endif
