/* A live session: a trainer running on a worker thread, steered by
   commands and observed through snapshots. Both explorers (terminal and
   window) and the video exporter drive training through this module.

   The worker owns the trainer; every command only records a request under
   a mutex, so commands return at once. A paused session sleeps on a
   condition variable and uses no CPU. Training is deterministic whatever
   the frame rate: the worker runs the trainer's step API, whose results do
   not depend on how steps are grouped. */
#ifndef PBDE_LIVE_H
#define PBDE_LIVE_H

#include <stddef.h>

#include "pbde/kernels.h"
#include "pbde/params.h"
#include "pbde/trainer.h"

#define LIVE_HISTORY 4096   /* metric points kept for the curves */
#define LIVE_OVERLAY_PAIRS 300 /* training pairs shown by the pair overlay */

/* Everything a front end draws, copied out of the worker. Arrays are owned
   by the snapshot (live_snapshot_free). */
typedef struct {
    unsigned long version;   /* grows with every publication */
    params_t params;         /* the parameters this state belongs to */
    int rebuilding;          /* 1 while a new world/data/model is being built */
    int paused;
    trainer_state state;
    long step;
    long diverged_at;        /* valid when state == TRAINER_DIVERGED */
    double pairs_per_s;      /* training throughput, recent average */
    double evals_per_s;      /* grid re-evaluations per second */
    char status[256];        /* last event, e.g. "annotator changed: training restarted" */

    /* the grid (G x G, row-major from (-L, -L)), normalised log-densities */
    int G;
    double L, cell_area;
    size_t n;                /* G * G */
    double *log_true;        /* (n) p* */
    double *log_ref;         /* (n) pi_ref */
    double *log_prop;        /* (n) proposal mu */
    double *log_theory;      /* (n) closed-form optimum, NULL when none */
    char theory_name[96];
    double *log_model;       /* (n) pi_theta */
    int K;                   /* networks (mixture components) */
    double *log_comp[DENSITY_MAX_COMPONENTS]; /* (n) each component (K > 1) */

    /* the preference slice P(x > cursor), when requested */
    int have_slice;
    double slice_x, slice_y; /* the cursor it was computed for */
    double *slice_annot;     /* (n) annotator's P(x > cursor) */
    double *slice_model;     /* (n) model's P(x > cursor) */

    trainer_metrics_t metrics;

    /* metric curves: one point per publication, oldest first */
    size_t n_hist;
    long hist_step[LIVE_HISTORY];
    double hist_loss[LIVE_HISTORY];    /* held-out loss */
    double hist_bayes[LIVE_HISTORY];   /* its floor */
    double hist_kl_true[LIVE_HISTORY];
    double hist_kl_theory[LIVE_HISTORY]; /* NaN without theory */

    /* a sample of training pairs, winner first: (n_pairs, 4) wx wy lx ly */
    size_t n_pairs;
    float pairs[LIVE_OVERLAY_PAIRS * 4];

    /* "be the annotator" (live_set_human) */
    int human;               /* 1: training on the answers collected so far */
    long n_answers;          /* answers collected */
    size_t n_answered;       /* the last few answered pairs, newest last */
    float answered[LIVE_OVERLAY_PAIRS * 4]; /* (n_answered, 4) winner first: wx wy lx ly */
} live_snapshot_t;

typedef struct live live_t;

/* Starts a session on *p (paused when start_paused) with kernels k.
   Returns NULL with a message in err when the parameters are not a valid
   combination or memory runs out. */
live_t *live_create(const params_t *p, const kernels_t *k, int start_paused, char *err,
                    size_t errlen);

/* Stops the worker and frees everything. When the worker is building a
   new world and data set, or is still in a step after a second (a big
   data set, a numerical optimum or a huge network take seconds to
   minutes, and are not interruptible), returns without waiting: the worker
   frees the session when that work ends, unless the process exits first. */
void live_destroy(live_t *l);

/* Commands: each returns at once; the worker applies it before its next
   step. */
void live_set_paused(live_t *l, int paused);
void live_toggle_pause(live_t *l);
void live_step_once(live_t *l);        /* one step, then paused */
void live_reset_model(live_t *l);      /* same seed: same start */
void live_resample(live_t *l);         /* new data: the seed moves to seed + 1 */

/* Applies new parameters: rebuilds what the change invalidates (world,
   data, model) per the registry's affects flags and restarts training when
   the data or model changed. Returns 0, or -1 with a message in err when
   the combination is invalid (nothing changes then). The message in
   *status of the next snapshot says what was restarted. */
int live_set_params(live_t *l, const params_t *p, char *err, size_t errlen);

/* The parameters in force (including changes not yet applied). */
void live_get_params(live_t *l, params_t *out);

/* Trains until the step count reaches step, then pauses (a tour stop).
   At or past it already: just pauses. */
void live_run_to(live_t *l, long step);

/* Training speed: at most this many steps per second (0: as fast as the
   machine goes). */
void live_set_speed(live_t *l, double steps_per_s);
double live_get_speed(live_t *l);

/* Asks for the preference slice P(x > (x, y)) in coming snapshots;
   on = 0 stops computing it. */
void live_want_slice(live_t *l, int on, double x, double y);

/* Copies the newest state into *out when it is newer than out->version
   (out must be zeroed before its first use). Returns 1 when *out changed,
   0 otherwise, -1 on allocation failure (out unchanged). */
int live_snapshot(live_t *l, live_snapshot_t *out);

/* Frees the arrays of a snapshot and zeroes it. */
void live_snapshot_free(live_snapshot_t *s);

/* Runs the session synchronously for n steps on the caller's thread, then
   publishes a snapshot: for headless recording, where every frame must
   correspond to an exact step count. The session must have been created
   paused and must not be running freely. Returns the trainer status. */
int live_run_steps(live_t *l, long n);

/* ---- be the annotator ---- */

/* The counter-based stream questions are drawn from (beside rng.h's named
   streams): question q is pair q of this stream for the proposal. */
#define LIVE_STREAM_QUESTIONS 7

/* on = 1: the training pairs become the answers collected so far (none at
   first: the worker waits, as if paused, until there is one), from a fresh
   model; training runs on the answers with a constant learning rate, and
   every new answer (or undo) joins the data at once, keeping the model,
   and buys answer-steps more steps (answers given together buy as many in
   total as one at a time): after those the worker waits for the next
   answer (a few separable answers have no best fit: trained for ever, the
   density would only sharpen). on = 0: back to the annotator's data set
   (training restarts). The answers are kept when switching. Returns 0, or
   -1 (allocation failure). */
int live_set_human(live_t *l, int on);

/* Draws the next question (ax, ay, bx, by) into pts with the session's
   proposal: reference, uniform and local as they draw pairs; model from
   the current pi_theta; active the candidate pair (of active-candidates
   drawn from pi_ref) on which the model is least sure. A pure function of
   the seed, the number of questions asked so far and (model, active) the
   current model. Returns 0, or -1 (allocation failure). */
int live_next_question(live_t *l, float pts[4]);

/* Records an answer: y = 1 when a (pts[0..1]) is preferred, 0 when b.
   Returns the number of answers, or -1 (allocation failure, or a point
   outside the box). */
long live_answer(live_t *l, const float pts[4], int y);

/* Removes the last answer. Returns the number left, or -1 when there was
   none. */
long live_undo_answer(live_t *l);

/* Number of answers collected. */
long live_answer_count(live_t *l);

/* Writes the answers as CSV in pbde sample's format (ax,ay,bx,by,y,annotator)
   through a temporary file and a rename, so an existing file is replaced
   whole or not at all. Returns 0, or -1 with a message in err. */
int live_save_answers(live_t *l, const char *path, char *err, size_t errlen);

#endif
