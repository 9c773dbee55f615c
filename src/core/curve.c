/* Learning curves: one training run per (number of pairs, seed), the
   error split of each against the number of pairs, on the calling thread
   (curve_run) or on a thread of its own (curve_job_*) for the explorers;
   without threads (PBDE_NO_THREADS, or curve_job_start_pumped) the job
   runs the same pieces when pumped. */
#include "pbde/curve.h"

#include <math.h>
#include <pthread.h>
#ifndef PBDE_NO_THREADS
#include <signal.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pbde/trainer.h"

/* Steps between progress calls: small enough that a cancelled job stops
   within a few tens of milliseconds on the default network. */
#define CHUNK_STEPS 25

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ------------------------------------------------------------ plan */

static void fill_nan(double (*v)[CURVE_MAX_SEEDS])
{
    for (int i = 0; i < CURVE_MAX_POINTS; i++)
        for (int s = 0; s < CURVE_MAX_SEEDS; s++) v[i][s] = (double)NAN;
}

int curve_init(curve_t *c, const params_t *p, int from, int to, int seeds, char *err,
               size_t errlen)
{
    if (from < CURVE_MIN_LOG2 || from > CURVE_MAX_LOG2 || to < CURVE_MIN_LOG2 ||
        to > CURVE_MAX_LOG2) {
        snprintf(err, errlen, "pairs 2^%d .. 2^%d: expected powers from %d to %d", from, to,
                 CURVE_MIN_LOG2, CURVE_MAX_LOG2);
        return -1;
    }
    if (to < from) {
        snprintf(err, errlen, "pairs 2^%d .. 2^%d: expected from <= to", from, to);
        return -1;
    }
    if (seeds < 1 || seeds > CURVE_MAX_SEEDS) {
        snprintf(err, errlen, "seeds %d: expected a whole number >= 1 and <= %d", seeds,
                 CURVE_MAX_SEEDS);
        return -1;
    }
    if (params_check(p, err, errlen) != 0) return -1;
    memset(c, 0, sizeof *c);
    c->params = *p;
    c->n_points = to - from + 1;
    c->n_seeds = seeds;
    for (int i = 0; i < c->n_points; i++) c->pairs[i] = 1L << (from + i);
    fill_nan(c->kl_true);
    fill_nan(c->kl_opt);
    fill_nan(c->loss_heldout);
    fill_nan(c->accuracy);
    fill_nan(c->wall_s);
    c->misspec = (double)NAN;
    return 0;
}

/* ------------------------------------------------------------ run */

/* Takes the optimum's description from the world of the run in progress. */
static void note_optimum(curve_t *c, const world_t *w)
{
    c->have_optimum = w->log_theory != NULL;
    c->misspec = w->log_theory ? w->kl_true_theory : (double)NAN;
    c->theory_ms = w->theory_ms;
    snprintf(c->theory, sizeof c->theory, "%s", w->log_theory ? w->theory_name : w->theory_note);
}

/* A curve being computed, piece by piece: curve_run turns it to the end,
   a pumped job for a time budget at a time. */
typedef struct {
    curve_t *c;
    const kernels_t *k;
    trainer_t *t;     /* the run in progress, NULL between runs */
    trainer_t *prev;  /* the last finished run's trainer: keeps the optimum */
    int diverged;     /* the run in progress diverged */
    double t0;        /* when the run in progress started */
} runner_t;

static void runner_init(runner_t *r, curve_t *c, const kernels_t *k)
{
    memset(r, 0, sizeof *r);
    r->c = c;
    r->k = k;
}

static void runner_free(runner_t *r)
{
    trainer_destroy(r->t);
    trainer_destroy(r->prev);
    r->t = r->prev = NULL;
}

/* Does the next piece of the curve: builds the next run's trainer, takes
   a chunk of its steps, or records it once finished. Returns 1 when it
   did one (then progress is due), 0 when every run is done, -1 with a
   message in err when a trainer could not be built. */
static int runner_next(runner_t *r, char *err, size_t errlen)
{
    curve_t *c = r->c;
    if (!r->t) {
        if (c->runs_done >= c->n_points * c->n_seeds) return 0;
        int i = c->runs_done / c->n_seeds, s = c->runs_done % c->n_seeds;
        params_t p = c->params;
        p.pairs = c->pairs[i];
        p.seed = c->params.seed + s;
        r->t0 = now_s();
        r->t = trainer_create_from(&p, r->k, r->prev, err, errlen);
        trainer_destroy(r->prev);
        r->prev = NULL;
        if (!r->t) return -1;
        r->diverged = 0;
        note_optimum(c, trainer_world(r->t));
        c->run_step = 0;
        return 1;
    }
    if (trainer_get_state(r->t) == TRAINER_TRAINING && !r->diverged) {
        if (trainer_step(r->t, CHUNK_STEPS) == 0) {
            c->run_step = trainer_step_count(r->t);
            return 1;
        }
        r->diverged = 1; /* recorded at once, as a finished run */
    }
    int i = c->runs_done / c->n_seeds, s = c->runs_done % c->n_seeds;
    const world_t *w = trainer_world(r->t);
    if (r->diverged) {
        c->diverged++;
    } else {
        trainer_metrics_t m;
        memset(&m, 0, sizeof m);
        trainer_metrics(r->t, &m, 0);
        c->kl_true[i][s] = m.kl_true;
        c->kl_opt[i][s] = w->log_theory ? m.kl_theory : (double)NAN;
        c->loss_heldout[i][s] = m.loss_heldout;
        c->accuracy[i][s] = m.accuracy;
    }
    c->wall_s[i][s] = now_s() - r->t0;
    c->runs_done++;
    r->prev = r->t;
    r->t = NULL;
    return 1;
}

int curve_run(curve_t *c, const kernels_t *k, curve_progress_fn progress, void *ctx, char *err,
              size_t errlen)
{
    runner_t r;
    runner_init(&r, c, k);
    int rc;
    while ((rc = runner_next(&r, err, errlen)) == 1)
        if (progress && progress(ctx, c)) break;
    runner_free(&r);
    return rc < 0 ? -1 : rc;
}

/* ------------------------------------------------------------ summaries */

void curve_stats(const double *v, int n, double *mean, double *lo, double *hi)
{
    double sum = 0;
    int k = 0;
    *lo = HUGE_VAL;
    *hi = -HUGE_VAL;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) {
            sum += v[i];
            k++;
            *lo = fmin(*lo, v[i]);
            *hi = fmax(*hi, v[i]);
        }
    *mean = k ? sum / k : (double)NAN;
}

double curve_loglog_slope(const curve_t *c, int which)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int k = 0;
    for (int i = 0; i < c->n_points; i++) {
        double mean, lo, hi;
        curve_stats(which ? c->kl_opt[i] : c->kl_true[i], c->n_seeds, &mean, &lo, &hi);
        if (!(mean > 0) || !isfinite(mean)) continue;
        double x = log((double)c->pairs[i]), y = log(mean);
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        k++;
    }
    double den = k * sxx - sx * sx;
    if (k < 2 || !(fabs(den) > 0)) return (double)NAN;
    return (k * sxy - sx * sy) / den;
}

int curve_same_setup(const params_t *a, const params_t *b)
{
    size_t n;
    const param_def_t *tab = params_table(&n);
    for (size_t i = 0; i < n; i++) {
        const param_def_t *d = &tab[i];
        if (d->affects & PARAM_AFFECTS_VIEW) continue;
        if (strcmp(d->name, "pairs") == 0 || strcmp(d->name, "seed") == 0 ||
            strcmp(d->name, "steps") == 0)
            continue;
        char va[64], vb[64];
        params_format(a, d, va, sizeof va);
        params_format(b, d, vb, sizeof vb);
        if (strcmp(va, vb) != 0) return 0;
    }
    return 1;
}

int curve_log_range(const curve_t *c, double *lo, double *hi)
{
    *lo = HUGE_VAL;
    *hi = -HUGE_VAL;
    for (int i = 0; i < c->n_points; i++)
        for (int s = 0; s < c->n_seeds; s++) {
            double v[2] = { c->kl_true[i][s], c->kl_opt[i][s] };
            for (int k = 0; k < 2; k++)
                if (v[k] > 0 && isfinite(v[k])) {
                    *lo = fmin(*lo, log10(v[k]));
                    *hi = fmax(*hi, log10(v[k]));
                }
        }
    if (c->misspec > 0 && isfinite(c->misspec)) {
        *lo = fmin(*lo, log10(c->misspec));
        *hi = fmax(*hi, log10(c->misspec));
    }
    if (!(*hi >= *lo)) return 0;
    if (*lo < -5) *lo = -5;
    if (*hi < -5) *hi = -5;
    *lo = floor(*lo);
    *hi = ceil(*hi);
    if (*hi <= *lo) *hi = *lo + 1;
    return 1;
}

void curve_count_label(long pairs, char *buf, size_t n)
{
    if (pairs >= 1L << 20 && pairs % (1L << 20) == 0) snprintf(buf, n, "%ldM", pairs >> 20);
    else if (pairs >= 1024 && pairs % 1024 == 0) snprintf(buf, n, "%ldk", pairs >> 10);
    else snprintf(buf, n, "%ld", pairs);
}

void curve_view_status(const curve_view_t *v, int brief, char *buf, size_t n)
{
    const curve_t *c = v->c;
    if (v->error) {
        snprintf(buf, n, "failed: %s", v->error);
        return;
    }
    if (!c) {
        snprintf(buf, n, "computing\xE2\x80\xA6");
        return;
    }
    int total = c->n_points * c->n_seeds;
    if (v->running) {
        int i = c->runs_done < total ? c->runs_done / c->n_seeds : c->n_points - 1;
        char pairs[32];
        curve_count_label(c->pairs[i], pairs, sizeof pairs);
        int run = c->runs_done < total ? c->runs_done + 1 : total;
        if (brief)
            snprintf(buf, n, "run %d/%d, %s pairs, step %ld%s", run, total, pairs, c->run_step,
                     v->paused_training ? ", paused" : "");
        else
            snprintf(buf, n, "computing run %d/%d: %s pairs, step %ld/%ld%s", run, total, pairs,
                     c->run_step, c->params.steps, v->paused_training ? " (training paused)" : "");
        return;
    }
    if (v->stale) {
        snprintf(buf, n, "%s", brief ? "stale: L, L recomputes"
                                     : "stale: the settings changed; L hides, L again recomputes");
        return;
    }
    if (!c->have_optimum && c->runs_done > 0) {
        snprintf(buf, n, "%s", brief ? "no optimum: KL(p*\xE2\x80\x96\xCF\x80_\xCE\xB8) only"
                                     : "no optimum for this pairing: KL(p*\xE2\x80\x96\xCF\x80_\xCE\xB8) only");
        return;
    }
    double slope = curve_loglog_slope(c, 1);
    if (brief && isfinite(slope))
        snprintf(buf, n, "est. ~ pairs^%.2f", slope);
    else if (isfinite(slope))
        snprintf(buf, n, "%ld steps a run, seed %ld; estimation ~ pairs^%.2f", c->params.steps,
                 c->params.seed, slope);
    else
        snprintf(buf, n, "%ld steps a run, seed %ld", c->params.steps, c->params.seed);
}

/* ------------------------------------------------------------ background */

struct curve_job {
#ifndef PBDE_NO_THREADS
    pthread_t thread;
#endif
    pthread_mutex_t mu;     /* guards everything below 'work' */
    pthread_cond_t cv;      /* signalled when the thread ends */
    const kernels_t *k;
    int pumped;             /* no thread: curve_job_pump runs the pieces */
    runner_t run;           /* a pumped job's progress through work */
    curve_t work;           /* the thread's own copy */
    curve_t pub;            /* the latest copy handed out */
    unsigned long version;  /* grows with every publication */
    curve_job_state state;
    char msg[256];
    int cancel, finished, orphaned;
};

/* How long curve_job_destroy waits for the thread to stop. */
#define DESTROY_WAIT_S 1

static void job_free(curve_job_t *j)
{
    runner_free(&j->run);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    free(j);
}

/* Publishes the thread's copy; asks to stop when the job is cancelled. */
static int job_progress(void *ctx, const curve_t *c)
{
    curve_job_t *j = ctx;
    pthread_mutex_lock(&j->mu);
    int cancel = j->cancel;
    if (!cancel) {
        memcpy(&j->pub, c, sizeof j->pub);
        j->version++;
        pthread_cond_broadcast(&j->cv);
    }
    pthread_mutex_unlock(&j->mu);
    return cancel;
}

/* The job's end, as curve_run's rc says (0 done, 1 stopped, -1 failed
   with err): the final copy, the state, the message. Returns whether the
   job was orphaned (its thread must free it). */
static int job_end(curve_job_t *j, int rc, const char *err)
{
    pthread_mutex_lock(&j->mu);
    if (rc == 0) {
        memcpy(&j->pub, &j->work, sizeof j->pub);
        j->state = CURVE_JOB_DONE;
    } else if (rc < 0) {
        snprintf(j->msg, sizeof j->msg, "%s", err);
        j->state = CURVE_JOB_FAILED;
    }
    j->version++;
    j->finished = 1;
    int orphaned = j->orphaned;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    return orphaned;
}

#ifndef PBDE_NO_THREADS
static void *job_main(void *arg)
{
    curve_job_t *j = arg;
    char err[256] = "";
    int rc = curve_run(&j->work, j->k, job_progress, j, err, sizeof err);
    if (job_end(j, rc, err)) job_free(j);
    return NULL;
}
#endif

/* A job on a copy of *c, not started; NULL with a message in err. */
static curve_job_t *job_create(const curve_t *c, const kernels_t *k, char *err, size_t errlen)
{
    curve_job_t *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    j->k = k;
    memcpy(&j->work, c, sizeof j->work);
    memcpy(&j->pub, c, sizeof j->pub);
    runner_init(&j->run, &j->work, k);
    j->version = 1;
    j->state = CURVE_JOB_RUNNING;
    if (pthread_mutex_init(&j->mu, NULL) != 0) {
        free(j);
        snprintf(err, errlen, "cannot create a mutex");
        return NULL;
    }
    if (pthread_cond_init(&j->cv, NULL) != 0) {
        pthread_mutex_destroy(&j->mu);
        free(j);
        snprintf(err, errlen, "cannot create a condition variable");
        return NULL;
    }
    return j;
}

curve_job_t *curve_job_start_pumped(const curve_t *c, const kernels_t *k, char *err, size_t errlen)
{
    curve_job_t *j = job_create(c, k, err, errlen);
    if (j) j->pumped = 1;
    return j;
}

curve_job_t *curve_job_start(const curve_t *c, const kernels_t *k, char *err, size_t errlen)
{
#ifdef PBDE_NO_THREADS
    return curve_job_start_pumped(c, k, err, errlen);
#else
    curve_job_t *j = job_create(c, k, err, errlen);
    if (!j) return NULL;
    /* the thread takes no signals: they belong to the front end's thread */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&j->thread, NULL, job_main, j);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        job_free(j);
        snprintf(err, errlen, "cannot start a thread for the learning curve");
        return NULL;
    }
    return j;
#endif
}

int curve_job_pump(curve_job_t *j, double budget_s)
{
    if (!j->pumped) return -1;
    if (j->finished) return 0;
    double t_end = now_s() + (budget_s > 0 ? budget_s : 0);
    unsigned long v0 = j->version;
    char err[256] = "";
    int rc;
    do {
        rc = runner_next(&j->run, err, sizeof err);
        if (rc == 1) job_progress(j, &j->work);
    } while (rc == 1 && now_s() < t_end);
    if (rc != 1) job_end(j, rc, err);
    return j->version != v0;
}

/* curve_job_poll without pumping. */
static curve_job_state poll_copy(curve_job_t *j, curve_t *out, unsigned long *version, char *msg,
                                 size_t msglen)
{
    pthread_mutex_lock(&j->mu);
    if (j->version != *version) {
        memcpy(out, &j->pub, sizeof *out);
        *version = j->version;
    }
    curve_job_state st = j->state;
    if (msg && msglen > 0) snprintf(msg, msglen, "%s", j->msg);
    pthread_mutex_unlock(&j->mu);
    return st;
}

curve_job_state curve_job_poll(curve_job_t *j, curve_t *out, unsigned long *version, char *msg,
                               size_t msglen)
{
    if (j->pumped) curve_job_pump(j, CURVE_JOB_POLL_S);
    return poll_copy(j, out, version, msg, msglen);
}

curve_job_state curve_job_wait(curve_job_t *j, curve_t *out, unsigned long *version,
                               double timeout_s)
{
    if (j->pumped) {
        double t_end = now_s() + (timeout_s > 0 ? timeout_s : 0);
        while (j->version == *version && !j->finished && now_s() < t_end)
            curve_job_pump(j, t_end - now_s());
        return poll_copy(j, out, version, NULL, 0);
    }
#ifndef PBDE_NO_THREADS
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    double t = (double)until.tv_sec + 1e-9 * (double)until.tv_nsec + (timeout_s > 0 ? timeout_s : 0);
    until.tv_sec = (time_t)t;
    until.tv_nsec = (long)((t - floor(t)) * 1e9);
    pthread_mutex_lock(&j->mu);
    while (j->version == *version && !j->finished)
        if (pthread_cond_timedwait(&j->cv, &j->mu, &until) != 0) break;
    pthread_mutex_unlock(&j->mu);
#endif
    return poll_copy(j, out, version, NULL, 0);
}

void curve_job_destroy(curve_job_t *j)
{
    if (!j) return;
    if (j->pumped) {
        job_free(j);
        return;
    }
#ifndef PBDE_NO_THREADS
    pthread_mutex_lock(&j->mu);
    j->cancel = 1;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += DESTROY_WAIT_S;
    while (!j->finished)
        if (pthread_cond_timedwait(&j->cv, &j->mu, &until) != 0) break;
    int left = !j->finished;
    j->orphaned = left;
    pthread_mutex_unlock(&j->mu);
    if (left) {
        pthread_detach(j->thread);
        return;
    }
    pthread_join(j->thread, NULL);
    job_free(j);
#endif
}
