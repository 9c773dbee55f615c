/* Learning curves: the model trained on 2^from .. 2^to pairs (and several
   seeds), each run reporting KL(p*||model) and the estimation error
   KL(optimum||model) against the number of pairs, beside the fixed
   misspecification KL(p*||optimum). `pbde curve` runs one on the calling
   thread; the explorers run one in the background (curve_job_*, on a
   thread, or pumped by the caller in a build without threads) and draw
   it as a log-log panel. The optimum is computed once per curve: every run
   after the first reuses it (trainer_create_from). */
#ifndef PBDE_CURVE_H
#define PBDE_CURVE_H

#include <stddef.h>

#include "pbde/kernels.h"
#include "pbde/params.h"

#define CURVE_MAX_POINTS 23 /* 2^4 .. 2^22 pairs, 2^22 being the registry's limit */
#define CURVE_MAX_SEEDS 64
#define CURVE_MIN_LOG2 4
#define CURVE_MAX_LOG2 22

/* The explorers' curve (key L): 2^8 .. 2^14 pairs, one seed, this many
   steps per run (about 10 s on one core for the default network). */
#define CURVE_LIVE_FROM 8
#define CURVE_LIVE_TO 14
#define CURVE_LIVE_STEPS 800

/* A learning curve: its plan and, as runs finish, their results. Runs go
   point-major: run r is point r / n_seeds, seed params.seed + r % n_seeds.
   Values of runs not yet finished are NaN. */
typedef struct {
    params_t params;        /* the base parameters (pairs and seed vary per run) */
    int n_points, n_seeds;
    long pairs[CURVE_MAX_POINTS];
    double kl_true[CURVE_MAX_POINTS][CURVE_MAX_SEEDS]; /* KL(p*||model) */
    double kl_opt[CURVE_MAX_POINTS][CURVE_MAX_SEEDS];  /* KL(optimum||model), NaN without optimum */
    double loss_heldout[CURVE_MAX_POINTS][CURVE_MAX_SEEDS];
    double accuracy[CURVE_MAX_POINTS][CURVE_MAX_SEEDS];
    double wall_s[CURVE_MAX_POINTS][CURVE_MAX_SEEDS];  /* each run's wall time */
    int runs_done;          /* runs finished, of n_points * n_seeds */
    long run_step;          /* steps taken by the run in progress */
    int diverged;           /* runs that diverged (their values are NaN) */
    int have_optimum;       /* the pairing has an optimum (closed or numerical) */
    double misspec;         /* KL(p*||optimum), NaN without optimum (known after the first run starts) */
    char theory[96];        /* the optimum's name, or why there is none */
    double theory_ms;       /* what computing it cost */
} curve_t;

/* Plans a curve over 2^from .. 2^to pairs and `seeds` seeds (seed,
   seed + 1, ...) on the parameters *p, every run taking p->steps steps.
   Returns 0, or -1 with a message naming the bad value in err when from
   or to lies outside [CURVE_MIN_LOG2, CURVE_MAX_LOG2], to < from, seeds
   lies outside [1, CURVE_MAX_SEEDS] or *p fails params_check. */
int curve_init(curve_t *c, const params_t *p, int from, int to, int seeds, char *err,
               size_t errlen);

/* Called after every chunk of training steps and after every finished
   run; a non-zero return stops the curve. */
typedef int (*curve_progress_fn)(void *ctx, const curve_t *c);

/* Runs every run of *c in order on the calling thread (progress may be
   NULL). Returns 0 when all ran (diverged runs are counted in
   c->diverged, not failures), 1 when progress asked to stop, or -1 with a
   message in err when a trainer could not be built (bad combination or
   out of memory). */
int curve_run(curve_t *c, const kernels_t *k, curve_progress_fn progress, void *ctx, char *err,
              size_t errlen);

/* Mean, min and max over the finite values of v(n); mean NaN (and lo,
   hi infinite) when none is finite. */
void curve_stats(const double *v, int n, double *mean, double *lo, double *hi);

/* Least-squares slope of log(mean) against log(pairs) over the points
   whose mean is finite and positive, for KL(p*||model) (which = 0) or
   KL(optimum||model) (which = 1); NaN with fewer than two points. */
double curve_loglog_slope(const curve_t *c, int which);

/* 1 when a curve computed on a would be the same on b: every parameter
   agrees except the ones a curve sets itself or that only change the
   view (pairs, seed, steps, the [view] section). */
int curve_same_setup(const params_t *a, const params_t *b);

/* A learning curve as an explorer's panel shows it. */
typedef struct {
    const curve_t *c;     /* the curve so far (NULL: none yet) */
    int running;          /* still computing */
    int stale;            /* computed for other settings than those in force */
    int paused_training;  /* the live training waits while it computes */
    long pairs_now;       /* the session's pairs, marked on the x axis */
    const char *error;    /* why it failed, or NULL */
} curve_view_t;

/* The log10 range a plot of the curve needs: every finite positive KL
   so far and the misspecification, widened to whole decades (at least
   one, from 1e-5 up). Returns 0 when there is nothing to plot yet. */
int curve_log_range(const curve_t *c, double *lo, double *hi);

/* One line on what the panel shows: failure, progress ("computing run
   3/7: 1k pairs, step 400/800 (training paused)"), staleness, or how the
   runs were made and the estimation error's log-log slope. With brief, a
   shorter wording for narrow panels. */
void curve_view_status(const curve_view_t *v, int brief, char *buf, size_t n);

/* A number of pairs, short: 256, 4k, 16k, 1M. */
void curve_count_label(long pairs, char *buf, size_t n);

/* ------------------------------------------------------------ background */

typedef enum {
    CURVE_JOB_RUNNING = 0,
    CURVE_JOB_DONE,
    CURVE_JOB_FAILED /* a trainer could not be built: the message says why */
} curve_job_state;

typedef struct curve_job curve_job_t;

/* Starts computing the planned curve *c on a thread of its own. Returns
   NULL with a message in err when the thread or memory is not there.
   Built with PBDE_NO_THREADS, the job is a pumped one
   (curve_job_start_pumped). */
curve_job_t *curve_job_start(const curve_t *c, const kernels_t *k, char *err, size_t errlen);

/* A job on *c without a thread: it runs only in curve_job_pump (and in
   curve_job_poll and curve_job_wait, which pump), on the caller's
   thread, through the same pieces as curve_run, so its curve is the
   threaded one's (but for the wall times). Returns NULL with a message in
   err when memory is not there. */
curve_job_t *curve_job_start_pumped(const curve_t *c, const kernels_t *k, char *err,
                                    size_t errlen);

/* Runs a pumped job's next pieces (a run's trainer built, a chunk of its
   steps, a run recorded) for about budget_s seconds of wall time, at
   least one piece; a piece may overrun (building a numerical optimum
   takes a second or more). Returns 1 when the curve or the job's state
   changed (curve_job_poll will copy it), 0 when the job had ended
   already, -1 when j runs on a thread of its own (nothing done). */
int curve_job_pump(curve_job_t *j, double budget_s);

/* What curve_job_poll spends pumping a pumped job, so that a caller
   that only polls (once a frame) still sees it progress. */
#define CURVE_JOB_POLL_S 0.01

/* Copies the curve as it stands into *out when it changed since
   *version (start with 0) and updates *version; returns the job's state,
   with the failure's message in msg (may be NULL). A pumped job is first
   pumped for CURVE_JOB_POLL_S. */
curve_job_state curve_job_poll(curve_job_t *j, curve_t *out, unsigned long *version, char *msg,
                               size_t msglen);

/* curve_job_poll that first waits, up to timeout_s seconds, for a copy
   newer than *version (or the end of the job): for tests that wait for an
   event, not for the clock. A pumped job is pumped meanwhile. */
curve_job_state curve_job_wait(curve_job_t *j, curve_t *out, unsigned long *version,
                               double timeout_s);

/* Stops the job at its next chunk of steps and frees it. A run still
   building its world (a numerical optimum takes a second or more) is
   not waited for: the thread frees the job when it ends. A pumped job is
   freed at once. NULL is allowed. */
void curve_job_destroy(curve_job_t *j);

#endif
