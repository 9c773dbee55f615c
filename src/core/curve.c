/* Learning curves: one training run per (number of pairs, seed), the
   error split of each against the number of pairs, on the calling thread
   (curve_run) or on a thread of its own (curve_job_*) for the explorers. */
#include "pbde/curve.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
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

int curve_run(curve_t *c, const kernels_t *k, curve_progress_fn progress, void *ctx, char *err,
              size_t errlen)
{
    int total = c->n_points * c->n_seeds;
    trainer_t *prev = NULL; /* keeps the optimum: only pairs and seed change */
    for (int r = c->runs_done; r < total; r++) {
        int i = r / c->n_seeds, s = r % c->n_seeds;
        params_t p = c->params;
        p.pairs = c->pairs[i];
        p.seed = c->params.seed + s;
        double t0 = now_s();
        trainer_t *t = trainer_create_from(&p, k, prev, err, errlen);
        trainer_destroy(prev);
        prev = NULL;
        if (!t) return -1;
        const world_t *w = trainer_world(t);
        note_optimum(c, w);
        c->run_step = 0;
        if (progress && progress(ctx, c)) {
            trainer_destroy(t);
            return 1;
        }
        int diverged = 0;
        while (trainer_get_state(t) == TRAINER_TRAINING) {
            if (trainer_step(t, CHUNK_STEPS) != 0) {
                diverged = 1;
                break;
            }
            c->run_step = trainer_step_count(t);
            if (progress && progress(ctx, c)) {
                trainer_destroy(t);
                return 1;
            }
        }
        if (diverged) {
            c->diverged++;
        } else {
            trainer_metrics_t m;
            memset(&m, 0, sizeof m);
            trainer_metrics(t, &m, 0);
            c->kl_true[i][s] = m.kl_true;
            c->kl_opt[i][s] = w->log_theory ? m.kl_theory : (double)NAN;
            c->loss_heldout[i][s] = m.loss_heldout;
            c->accuracy[i][s] = m.accuracy;
        }
        c->wall_s[i][s] = now_s() - t0;
        c->runs_done = r + 1;
        prev = t;
        if (progress && progress(ctx, c)) {
            trainer_destroy(prev);
            return 1;
        }
    }
    trainer_destroy(prev);
    return 0;
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
    pthread_t thread;
    pthread_mutex_t mu;     /* guards everything below 'work' */
    pthread_cond_t cv;      /* signalled when the thread ends */
    const kernels_t *k;
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

static void *job_main(void *arg)
{
    curve_job_t *j = arg;
    char err[256] = "";
    int rc = curve_run(&j->work, j->k, job_progress, j, err, sizeof err);
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
    if (orphaned) job_free(j);
    return NULL;
}

curve_job_t *curve_job_start(const curve_t *c, const kernels_t *k, char *err, size_t errlen)
{
    curve_job_t *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    j->k = k;
    memcpy(&j->work, c, sizeof j->work);
    memcpy(&j->pub, c, sizeof j->pub);
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
}

curve_job_state curve_job_poll(curve_job_t *j, curve_t *out, unsigned long *version, char *msg,
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

curve_job_state curve_job_wait(curve_job_t *j, curve_t *out, unsigned long *version,
                               double timeout_s)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    double t = (double)until.tv_sec + 1e-9 * (double)until.tv_nsec + (timeout_s > 0 ? timeout_s : 0);
    until.tv_sec = (time_t)t;
    until.tv_nsec = (long)((t - floor(t)) * 1e9);
    pthread_mutex_lock(&j->mu);
    while (j->version == *version && !j->finished)
        if (pthread_cond_timedwait(&j->cv, &j->mu, &until) != 0) break;
    pthread_mutex_unlock(&j->mu);
    return curve_job_poll(j, out, version, NULL, 0);
}

void curve_job_destroy(curve_job_t *j)
{
    if (!j) return;
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
}
