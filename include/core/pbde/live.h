/* A live session: a trainer running on a worker thread, steered by
   commands and observed through snapshots. Both explorers (terminal and
   window) and the video exporter drive training through this module.

   The worker owns the trainer; every command only records a request under
   a mutex, so commands return at once. A paused session sleeps on a
   condition variable and uses no CPU. Training is deterministic whatever
   the frame rate: the worker runs the trainer's step API, whose results do
   not depend on how steps are grouped.

   A pumped session (live_create_pumped, and every session of a build with
   PBDE_NO_THREADS defined, such as the browser's) has no worker: the
   caller turns the same loop in slices with live_pump, on its own thread,
   and gets the same results step for step. Call every function of a
   pumped session from one thread. */
#ifndef PBDE_LIVE_H
#define PBDE_LIVE_H

#include <stddef.h>

#include "pbde/borda.h"
#include "pbde/kernels.h"
#include "pbde/overopt.h"
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

    /* reward over-optimisation (live_want_overopt): KL-regularised RL on
       the model's implicit reward, scored by the annotator's gold reward */
    int have_overopt;
    overopt_curve_t overopt;   /* the sweep: proxy and gold against sqrt(KL) */
    double *overopt_pi;        /* (n) log-density of the policy at the budget */
    double overopt_budget;     /* the KL asked for (< 0: the gold peak) */
    overopt_score_t overopt_at; /* the policy's KL, proxy, gold and win rate */
    double overopt_param;      /* its kappa */

    /* the Borda count BC(x) = E_mu P(x > x') (live_want_borda) */
    int have_borda;
    double *borda_annot;       /* (n) under the annotators (fixed per world) */
    double *borda_model;       /* (n) under the model's implicit reward */
    borda_score_t borda;       /* rank correlations of the model's reward */
    double borda_world_ms;     /* what the annotators' count cost */
    double borda_ms;           /* what the model's last refresh cost */

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
    long n_answers;          /* answers applied (the queued ones not yet) */
    int have_question;       /* question holds the one to answer; 0: thinking */
    float question[4];       /* ax, ay, bx, by */
    long question_no;        /* its number on screen (1, 2, ...) */
    long asked, skipped;     /* questions shown, skipped ("no preference") */
    long pending;            /* inputs queued, not yet applied */
    long trained;            /* answers whose steps are all taken */
    int waiting;             /* 1: every answer trained: waiting for the next one */
    size_t n_answered;       /* the last few answered pairs, newest last */
    float answered[LIVE_OVERLAY_PAIRS * 4]; /* (n_answered, 4) winner first: wx wy lx ly */

    /* a room of annotators (live_set_room); the question is question_no
       and question above */
    int room;                /* 1: many answers per question */
    int room_open;           /* 1: question_no takes answers (live_room_answer) */
    long room_per_question;  /* answers that close a question */
    long room_question_answers; /* answers accepted for the open question so far */
    long room_answers;       /* answers accepted in all (preferences and abstentions) */
    long room_abstained;     /* of which "no preference" (not training data) */
} live_snapshot_t;

typedef struct live live_t;

/* Starts a session on *p (paused when start_paused) with kernels k.
   Returns NULL with a message in err when the parameters are not a valid
   combination or memory runs out. Built with PBDE_NO_THREADS, the session
   is a pumped one (live_create_pumped): whoever drives it must call
   live_pump (stage_poll does for its sessions). */
live_t *live_create(const params_t *p, const kernels_t *k, int start_paused, char *err,
                    size_t errlen);

/* live_create without the worker thread: nothing happens until the caller
   calls live_pump (or live_wait, which pumps). Every other function works
   as on a threaded session. Returns NULL with a message in err, as
   live_create. */
live_t *live_create_pumped(const params_t *p, const kernels_t *k, int start_paused, char *err,
                           size_t errlen);

/* Does on the caller's thread what the worker would do, for about
   budget_s seconds of wall time: applies the queued commands in order
   (rebuilding when the parameters changed), the annotate mode's inputs,
   trains while running (under the speed cap and the live_run_to stop),
   refreshes the slice and the over-optimisation sweep, and publishes.
   The clock is read between steps, so one step, a rebuild or an
   evaluation may overrun the budget; when training runs, at least one
   step is taken. Returns early when nothing is left to do (paused, done,
   or the speed cap holding the next step). Returns 1 when a new state was
   published (live_snapshot will copy it), 0 otherwise, -1 when l is not a
   pumped session (it has a worker of its own: nothing done). */
int live_pump(live_t *l, double budget_s);

/* Stops the worker and frees everything (a pumped session at once).
   When the worker is building a new world and data set, or is still in a
   step after a second (a big data set, a numerical optimum or a huge
   network take seconds to minutes, and are not interruptible), returns
   without waiting: the worker frees the session when that work ends,
   unless the process exits first. */
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

/* live_reset_model and live_run_to as one command, so the worker never
   trains the reset model past step before the stop is in force (going
   back to a tour stop). */
void live_reset_run_to(live_t *l, long step);

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

/* What a session is doing, as one state both front ends show. */
typedef enum {
    LIVE_TRAINING = 0,  /* steps are being taken */
    LIVE_PAUSED,        /* paused by the user (or at a tour stop) */
    LIVE_DONE,          /* every step taken */
    LIVE_DIVERGED,      /* a step produced NaN/Inf */
    LIVE_REBUILDING,    /* a new world, data set or model is being built */
    LIVE_THINKING,      /* annotate mode: the next question waits for the model */
    LIVE_WAITING        /* annotate mode: every answer trained, waiting for the next */
} live_status_t;

/* The state of snapshot s, and its text for the header into buf (n bytes):
   "training", "paused", "done", "diverged at step 12", "rebuilding…"
   (with " · paused" when a pause is in force), "thinking…", "waiting for
   an answer". ascii: "..." and "-" instead of the ellipsis and the dot. */
live_status_t live_status(const live_snapshot_t *s, int ascii, char *buf, size_t n);

/* live_snapshot that waits, up to timeout_s seconds, for a state newer
   than out->version: for tests and scripts that wait for an event rather
   than for the clock. Returns 1 when *out changed, 0 on the timeout, -1
   on allocation failure. A pumped session is pumped meanwhile (sleeping
   when the speed cap holds the next step); when it has nothing left to
   do, nothing can change, so the call returns 0 at once. */
int live_wait(live_t *l, live_snapshot_t *out, double timeout_s);

/* Frees the arrays of a snapshot and zeroes it. */
void live_snapshot_free(live_snapshot_t *s);

/* Runs the session synchronously for n steps on the caller's thread, then
   publishes a snapshot: for headless recording, where every frame must
   correspond to an exact step count. The session must have been created
   paused and must not be running freely. Returns the trainer status. */
int live_run_steps(live_t *l, long n);

/* Asks for the over-optimisation sweep (RL, overopt_sweep_defaults) of the
   model's implicit reward and the policy at KL kl_budget (< 0: at the gold
   peak) in coming snapshots: recomputed when asked, then at least every
   LIVE_OVEROPT_EVERY_S while training runs. The gold table is built once
   per world. */
#define LIVE_OVEROPT_EVERY_S 1.0
void live_want_overopt(live_t *l, int on, double kl_budget);

/* Asks for the Borda count (borda.h) in coming snapshots: the annotators'
   count is built once per world, the model's and the rank correlations
   when asked, then at least every LIVE_BORDA_EVERY_S while training
   runs. on = 0 stops computing them. */
#define LIVE_BORDA_EVERY_S 1.0
void live_want_borda(live_t *l, int on);

/* ---- be the annotator ---- */

/* The counter-based stream questions are drawn from (beside rng.h's named
   streams): question q is pair q of this stream for the proposal. */
#define LIVE_STREAM_QUESTIONS 7

/* on = 1: the session trains on the answers (none at first: it waits)
   from a fresh model, with a constant learning rate. The inputs of
   live_answer and live_undo_answer are queued and applied in order by the
   worker: answer k joins the data once answer k-1's answer-steps steps
   are taken, and is itself trained for answer-steps steps on the first k
   answers; then the worker waits for the next one. Questions are drawn
   by the worker with the session's proposal (reference, uniform, local:
   question q is pair q of stream LIVE_STREAM_QUESTIONS; model and active
   from the model once the answers before it are trained). So the model
   and the questions are a pure function of the seed, the settings and
   the sequence of inputs, however fast they come; the snapshot shows the
   question (or that none is ready yet) and the counts. on = 0: back to
   the annotator's data set (training restarts); the answers are kept and
   trained again in turn when the mode comes back. Returns 0, or -1
   (allocation failure). */
int live_set_human(live_t *l, int on);

/* Queues an answer to the question on screen (or, when it is not drawn
   yet, to the next one): y = 1 A (pts[0..1]) is better, 0 B is better,
   -1 no preference (skipped: no answer recorded). Returns the number of
   answers once every queued input is applied, or -1 (not in the annotate
   mode, or allocation failure). */
long live_answer(live_t *l, int y);

/* Queues taking the last answer back: its question comes back to be
   answered anew and the model goes back exactly to what it was before
   that answer. Returns the number of answers left once the queue is
   applied, or -1 when there is none to take back. */
long live_undo_answer(live_t *l);

/* Number of answers once every queued input is applied. */
long live_answer_count(live_t *l);

/* Writes the applied answers, in the order given, as CSV in pbde sample's
   format (ax,ay,bx,by,y,annotator)
   through a temporary file and a rename, so an existing file is replaced
   whole or not at all. Returns 0, or -1 with a message in err. */
int live_save_answers(live_t *l, const char *path, char *err, size_t errlen);

/* ---- a room of annotators ---- */

/* Codes live_room_answer returns besides a count. */
#define LIVE_ROOM_OFF (-1)      /* not in the room mode, or allocation failure */
#define LIVE_ROOM_STALE (-2)    /* the question asked about is not the open one */
#define LIVE_ROOM_NOT_OPEN (-3) /* no question takes answers right now (the next
                                   one is being drawn): ask again shortly */
#define LIVE_ROOM_BAD (-4)      /* y or persona out of range */
#define LIVE_ROOM_MAX_PERSONA 65535

/* on = 1: the annotate mode (live_set_human) for a room of annotators:
   the question on screen stays until answers_per_question answers
   arrived (at least 1) or live_next_question closes it. The answers go
   through the same queue as live_answer's, in arrival order, so the
   model stays a pure function of the sequence of answers. on = 0: one
   answer per question again (the mode itself stays on). Returns 0, or -1
   (allocation failure). */
int live_set_room(live_t *l, int on, int answers_per_question);

/* Queues an answer to question question_no from an annotator of persona
   persona (0..LIVE_ROOM_MAX_PERSONA, written in the saved CSV's
   annotator column): y = 1 A better, 0 B better, -1 no preference (counts
   towards the question's answers, joins no data). Only the open question
   takes answers. Returns the number of answers (preferences) once every
   queued input is applied, or LIVE_ROOM_OFF, LIVE_ROOM_STALE,
   LIVE_ROOM_NOT_OPEN or LIVE_ROOM_BAD (nothing queued then). */
long live_room_answer(live_t *l, long question_no, int y, int persona);

/* Closes the open question (the room moves on before every answer came).
   Nothing happens when no question is open. */
void live_next_question(live_t *l);

/* The open question, cheaply (no snapshot copy): its number into *id and
   its points (ax, ay, bx, by) into pts. Returns 1, or 0 when none is open
   (not in the room mode, or the next one not drawn yet). Also gives the
   accepted answers in all into *answers when answers is not NULL. */
int live_room_question(live_t *l, long *id, float pts[4], long *answers);

#endif
