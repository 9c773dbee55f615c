/* A live session: the trainer on a worker thread (or pumped on the
   caller's, through the same loop turn), commands recorded under a
   mutex, snapshots published for the front ends. */
#include "pbde/live.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pbde/common.h"
#include "pbde/dataset.h"
#include "pbde/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

/* Re-evaluate the grid at most this often, and never spend more than a
   third of the worker's time on it. */
#define PUBLISH_MIN_S (1.0 / 20.0)
#define PUBLISH_SHARE 3.0
/* Longest run of steps between two looks at the command queue. */
#define SLICE_S 0.02
/* The preference slice is refreshed this often while the cursor rests. */
#define SLICE_EVERY_S 0.3
/* Checkpoints kept for undo: the state after each of the last LIVE_CKPTS
   answers (further back, undo replays from the first answer). */
#define LIVE_CKPTS 64
/* Queued inputs besides the answers 1 (A) and 0 (B). */
#define EV_SKIP (-1)
#define EV_UNDO (-2)
#define EV_NEXT (-3)  /* the room closes its question */
/* A room's answer: EV_ROOM + 3 * persona + (y + 1), y in {-1, 0, 1}. */
#define EV_ROOM 16

struct live {
    const kernels_t *k;
#ifndef PBDE_NO_THREADS
    pthread_t thread;
#endif
    int thread_up;
    int pumped;             /* no worker: live_pump turns the loop on the caller's thread */
    pthread_mutex_t mu;     /* guards everything below down to 'pub' */
    pthread_cond_t cv;      /* wakes a paused worker */
    pthread_cond_t pcv;     /* a new state was published (live_wait) */
    pthread_mutex_t tmu;    /* guards the trainer (worker or live_run_steps) */

    /* requests */
    params_t want;          /* parameters asked for */
    unsigned want_gen;      /* bumped by every live_set_params / resample */
    char want_reason[128];  /* what changed, for the status line */
    int paused, step_once, reset, quit;
    int building;           /* a new trainer is being built (can take seconds) */
    int finished;           /* the worker has left its loop */
    int orphaned;           /* live_destroy did not wait: the worker frees the session */
    int manual;             /* live_run_steps drives the trainer: the worker only waits */
    long stop_at;           /* pause on reaching this step, -1: never */
    double speed;           /* steps per second, 0: unlimited */
    double not_before;      /* under a speed cap: the next step waits for this time (now_s) */
    int slice_on;
    int slice_dirty;        /* the cursor moved since the last slice */
    double slice_x, slice_y;
    int oo_on, oo_dirty;    /* the over-optimisation sweep: asked for, changed */
    double oo_budget;
    int borda_on, borda_dirty; /* the Borda count: asked for, changed */

    live_snapshot_t pub;    /* the newest published state */

    /* be the annotator. The inputs (answers, skips, undos) are queued in
       order and applied by the worker, so what the session does is a
       function of the inputs, however fast they came. Guarded by mu; the
       answers themselves are written only by the worker. */
    int human;              /* asked for: train on the answers */
    int *evq;               /* (ev_cap) ring of queued inputs: 1 A, 0 B, EV_SKIP, EV_UNDO */
    size_t ev_head, ev_n, ev_cap;
    long logical;           /* answers once every queued input is applied */
    float *ans_pts;         /* (ans_cap, 4) the answered questions, in order */
    uint8_t *ans_y;         /* (ans_cap) 1: a preferred */
    long *ans_no;           /* (ans_cap) the number each question had on screen */
    size_t n_ans, ans_cap;
    float q[4];             /* the question on screen: ax, ay, bx, by */
    long q_no;              /* its number (1, 2, ...) */
    int have_q;
    long questions;         /* questions drawn so far: the stream's counter */
    long asked, skipped;
    int t_human;            /* the trainer trains on the answers (worker) */
    size_t t_k;             /* answers the trainer's pairs hold (worker) */
    size_t roll_to;         /* an undo went below t_k: back to this many answers (worker) */
    long t_until;           /* train up to this step: answer t_k's steps (worker) */
    trainer_ckpt_t *ck0;    /* the trainer before any answer (worker) */
    trainer_ckpt_t *ck[LIVE_CKPTS]; /* after ck_tag[i] answers, i = tag % LIVE_CKPTS (worker) */
    long ck_tag[LIVE_CKPTS]; /* -1: empty */

    /* worker-only */
    trainer_t *t;
    unsigned have_gen;
    double *slice_buf;      /* (n) */
    float *slice_pts;       /* (n, 4) */
    float *slice_dref;      /* (n) */
    double *slice_logit;    /* (n) */
    double last_publish, eval_cost;
    double last_slice;      /* when the slice was last computed */
    overopt_t *oo;          /* the sweep's workspace, for the world's grid */
    overopt_gold_t oo_gold; /* the gold table of the world (oo_world) */
    const world_t *oo_world;
    double *oo_pi;          /* (n) */
    double last_oo;         /* when the sweep was last computed */
    borda_world_t bw;       /* the annotators' Borda count of bw_world */
    const world_t *bw_world;
    double *bw_model;       /* (n) the model's count */
    double last_borda;      /* when the model's count was last computed */
    double rate_t0;         /* window start for pairs/s */
    long rate_steps;
    double evals_t0;
    int evals_n;

    /* a room of annotators (live_set_room), guarded by mu. The callers'
       side counts what is queued, the worker's what is applied. */
    int room;
    long room_n;            /* answers that close a question */
    long room_got;          /* answers queued for the open question (callers) */
    long room_closing;      /* closings queued, not yet applied: no question open */
    long room_on_q;         /* answers applied to the question on screen (worker) */
    long room_total, room_abstain; /* answers accepted, of which no preference */
    int *ans_persona;       /* (ans_cap) who answered each answer (0 outside the room) */
};

static void session_free(live_t *l);
static void human_fields(live_t *l);
static void room_fields(live_t *l);
static int pump_until(live_t *l, double t_end, const unsigned long *stop, double *wait_s);

/* What one turn of the session's loop did. */
enum {
    TURN_BUSY = 0, /* something was done: look again */
    TURN_IDLE,     /* nothing to do until a command comes */
    TURN_HELD      /* the speed cap holds the next step back for a while */
};

/* A new state is published (under mu): its version grows and live_wait
   wakes. */
static void bump(live_t *l)
{
    l->pub.version++;
    pthread_cond_broadcast(&l->pcv);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---------------------------------------------------------------------- */
/* Snapshot storage                                                         */

static int ensure(double **p, size_t n)
{
    double *q = realloc(*p, n * sizeof(double));
    if (!q) return -1;
    *p = q;
    return 0;
}

void live_snapshot_free(live_snapshot_t *s)
{
    free(s->log_true);
    free(s->log_ref);
    free(s->log_prop);
    free(s->log_theory);
    free(s->log_model);
    for (int k = 0; k < DENSITY_MAX_COMPONENTS; k++) free(s->log_comp[k]);
    free(s->slice_annot);
    free(s->slice_model);
    free(s->overopt_pi);
    free(s->borda_annot);
    free(s->borda_model);
    memset(s, 0, sizeof *s);
}

/* Makes dst's arrays fit src's shape, then copies src into dst. */
static int snapshot_copy(live_snapshot_t *dst, const live_snapshot_t *src)
{
    size_t n = src->n;
    double **d[] = { &dst->log_true,    &dst->log_ref,     &dst->log_prop,
                     &dst->log_theory,  &dst->log_model,   &dst->slice_annot,
                     &dst->slice_model, &dst->overopt_pi,  &dst->borda_annot,
                     &dst->borda_model };
    double *const s[] = { src->log_true,    src->log_ref,    src->log_prop,    src->log_theory,
                          src->log_model,   src->slice_annot, src->slice_model, src->overopt_pi,
                          src->borda_annot, src->borda_model };
    if (n == 0) return 0;
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        if (ensure(d[i], n) != 0) return -1;
    for (int k = 0; k < src->K && k < DENSITY_MAX_COMPONENTS; k++)
        if (src->log_comp[k] && ensure(&dst->log_comp[k], n) != 0) return -1;

    /* keep dst's pointers, copy every scalar field and the inline arrays */
    double *keep[10] = { dst->log_true,    dst->log_ref,     dst->log_prop,    dst->log_theory,
                         dst->log_model,   dst->slice_annot, dst->slice_model, dst->overopt_pi,
                         dst->borda_annot, dst->borda_model };
    double *keep_comp[DENSITY_MAX_COMPONENTS];
    memcpy(keep_comp, dst->log_comp, sizeof keep_comp);
    memcpy(dst, src, sizeof *dst);
    dst->log_true = keep[0];
    dst->log_ref = keep[1];
    dst->log_prop = keep[2];
    dst->log_theory = src->log_theory ? keep[3] : NULL;
    dst->log_model = keep[4];
    dst->slice_annot = keep[5];
    dst->slice_model = keep[6];
    dst->overopt_pi = keep[7];
    dst->borda_annot = keep[8];
    dst->borda_model = keep[9];
    memcpy(dst->log_comp, keep_comp, sizeof keep_comp);
    if (!src->log_theory) free(keep[3]);
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        if (s[i] && *d[i]) memcpy(*d[i], s[i], n * sizeof(double));
    for (int k = 0; k < src->K && k < DENSITY_MAX_COMPONENTS; k++)
        if (src->log_comp[k]) memcpy(dst->log_comp[k], src->log_comp[k], n * sizeof(double));
    return 0;
}

int live_snapshot(live_t *l, live_snapshot_t *out)
{
    pthread_mutex_lock(&l->mu);
    int changed = l->pub.version != out->version;
    int rc = changed ? (snapshot_copy(out, &l->pub) == 0 ? 1 : -1) : 0;
    pthread_mutex_unlock(&l->mu);
    return rc;
}

live_status_t live_status(const live_snapshot_t *s, int ascii, char *buf, size_t n)
{
    const char *ell = ascii ? "..." : "\xE2\x80\xA6", *dot = ascii ? "-" : "\xC2\xB7";
    live_status_t st;
    if (s->rebuilding) st = LIVE_REBUILDING;
    else if (s->state == TRAINER_DIVERGED) st = LIVE_DIVERGED;
    else if (s->state == TRAINER_DONE) st = LIVE_DONE;
    else if (s->paused) st = LIVE_PAUSED;
    else if (s->human && !s->have_question) st = LIVE_THINKING;
    else if (s->human && s->waiting && s->pending == 0) st = LIVE_WAITING;
    else st = LIVE_TRAINING;
    switch (st) {
    case LIVE_REBUILDING:
        snprintf(buf, n, "rebuilding%s%s%s", ell, s->paused ? " " : "", s->paused ? dot : "");
        if (s->paused) snprintf(buf + strlen(buf), n - strlen(buf), " paused");
        break;
    case LIVE_DIVERGED: snprintf(buf, n, "diverged at step %ld", s->diverged_at); break;
    case LIVE_DONE: snprintf(buf, n, "done"); break;
    case LIVE_PAUSED: snprintf(buf, n, "paused"); break;
    case LIVE_THINKING: snprintf(buf, n, "thinking%s", ell); break;
    case LIVE_WAITING: snprintf(buf, n, "waiting for an answer"); break;
    case LIVE_TRAINING: snprintf(buf, n, "training"); break;
    }
    return st;
}

/* live_wait of a pumped session: pumps until a newer state, the timeout,
   or nothing left to do (only the caller could change that). Under mu. */
static void wait_pumped(live_t *l, const live_snapshot_t *out, double timeout_s)
{
    double t_end = now_s() + (timeout_s > 0 ? timeout_s : 0);
    while (l->pub.version == out->version && now_s() < t_end) {
        double wait = 0;
        int r = pump_until(l, t_end, &out->version, &wait);
        if (r == TURN_IDLE) break;
        if (r == TURN_HELD) { /* the speed cap: sleep off the step's share */
            double left = t_end - now_s();
            if (wait > left) wait = left;
            if (wait <= 0) continue;
            struct timespec ts = { (time_t)wait, (long)((wait - floor(wait)) * 1e9) };
            pthread_mutex_unlock(&l->mu);
            nanosleep(&ts, NULL);
            pthread_mutex_lock(&l->mu);
        }
    }
}

int live_wait(live_t *l, live_snapshot_t *out, double timeout_s)
{
    pthread_mutex_lock(&l->mu);
    if (l->pumped) {
        wait_pumped(l, out, timeout_s);
    } else {
#ifndef PBDE_NO_THREADS
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        double t = (double)until.tv_sec + 1e-9 * (double)until.tv_nsec + (timeout_s > 0 ? timeout_s : 0);
        until.tv_sec = (time_t)t;
        until.tv_nsec = (long)((t - floor(t)) * 1e9);
        while (l->pub.version == out->version)
            if (pthread_cond_timedwait(&l->pcv, &l->mu, &until) != 0) break;
#endif
    }
    int changed = l->pub.version != out->version;
    int rc = changed ? (snapshot_copy(out, &l->pub) == 0 ? 1 : -1) : 0;
    pthread_mutex_unlock(&l->mu);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Worker side: building and publishing                                    */

static void history_reset(live_snapshot_t *s)
{
    s->n_hist = 0;
}

static void history_push(live_snapshot_t *s, const trainer_metrics_t *m)
{
    if (s->n_hist == LIVE_HISTORY) {
        /* keep every other point: the curve keeps its whole span */
        for (size_t i = 0; i < LIVE_HISTORY / 2; i++) {
            s->hist_step[i] = s->hist_step[2 * i];
            s->hist_loss[i] = s->hist_loss[2 * i];
            s->hist_bayes[i] = s->hist_bayes[2 * i];
            s->hist_kl_true[i] = s->hist_kl_true[2 * i];
            s->hist_kl_theory[i] = s->hist_kl_theory[2 * i];
        }
        s->n_hist = LIVE_HISTORY / 2;
    }
    size_t i = s->n_hist;
    if (i > 0 && s->hist_step[i - 1] == m->step) i--; /* same step: replace */
    s->hist_step[i] = m->step;
    s->hist_loss[i] = m->loss_heldout;
    s->hist_bayes[i] = m->loss_bayes;
    s->hist_kl_true[i] = m->kl_true;
    s->hist_kl_theory[i] = m->kl_theory;
    s->n_hist = i + 1;
}

/* Fills the world part of the published snapshot (under mu). */
static int publish_world(live_t *l)
{
    live_snapshot_t *s = &l->pub;
    const world_t *w = trainer_world(l->t);
    const dataset_t *d = trainer_data(l->t);
    size_t n = w->grid.n;
    s->G = w->grid.G;
    s->L = w->grid.L;
    s->cell_area = w->cell_area;
    s->n = n;
    s->K = w->obj.K;
    if (ensure(&s->log_true, n) || ensure(&s->log_ref, n) || ensure(&s->log_prop, n) ||
        ensure(&s->log_model, n) || ensure(&s->slice_annot, n) || ensure(&s->slice_model, n) ||
        ensure(&s->overopt_pi, n) || ensure(&s->borda_annot, n) || ensure(&s->borda_model, n))
        return -1;
    s->have_overopt = 0;
    s->have_borda = 0;
    memcpy(s->log_true, w->log_true, n * sizeof(double));
    memcpy(s->log_ref, w->log_ref, n * sizeof(double));
    memcpy(s->log_prop, w->log_prop, n * sizeof(double));
    if (w->log_theory) {
        if (ensure(&s->log_theory, n)) return -1;
        memcpy(s->log_theory, w->log_theory, n * sizeof(double));
    } else {
        free(s->log_theory);
        s->log_theory = NULL;
    }
    snprintf(s->theory_name, sizeof s->theory_name, "%s", w->theory_name);
    for (int k = 0; k < DENSITY_MAX_COMPONENTS; k++) {
        if (s->K > 1 && k < s->K) {
            if (ensure(&s->log_comp[k], n)) return -1;
        } else {
            free(s->log_comp[k]);
            s->log_comp[k] = NULL;
        }
    }
    s->n_pairs = d->n_train < LIVE_OVERLAY_PAIRS ? d->n_train : LIVE_OVERLAY_PAIRS;
    for (size_t i = 0; i < s->n_pairs; i++) {
        const float *p = d->pts + 4 * i;
        int a_wins = d->y[i];
        s->pairs[4 * i + 0] = a_wins ? p[0] : p[2];
        s->pairs[4 * i + 1] = a_wins ? p[1] : p[3];
        s->pairs[4 * i + 2] = a_wins ? p[2] : p[0];
        s->pairs[4 * i + 3] = a_wins ? p[3] : p[1];
    }
    s->have_slice = 0;
    s->human = l->human;
    history_reset(s);
    return 0;
}

/* P(x > (cx, cy)) on the grid for the annotator and the model, into the
   worker's buffers (then copied under mu). */
static int compute_slice(live_t *l, double cx, double cy)
{
    const world_t *w = trainer_world(l->t);
    size_t n = w->grid.n;
    float *pts = realloc(l->slice_pts, pbde_mul_size(n, 4 * sizeof(float)));
    if (!pts) return -1;
    l->slice_pts = pts;
    float *dref = realloc(l->slice_dref, n * sizeof(float));
    if (!dref) return -1;
    l->slice_dref = dref;
    if (ensure(&l->slice_logit, n) || ensure(&l->slice_buf, n)) return -1;
    float c[2] = { (float)cx, (float)cy };
    annotator_point_t pc;
    annotator_points(&w->dens, w->p.ref_scale, c, 1, &pc);
    for (size_t i = 0; i < n; i++) {
        l->slice_buf[i] = annotator_prob(&w->ann, &w->pts[i], &pc);
        pts[4 * i] = w->grid.xy[2 * i];
        pts[4 * i + 1] = w->grid.xy[2 * i + 1];
        pts[4 * i + 2] = c[0];
        pts[4 * i + 3] = c[1];
        dref[i] = (float)(w->pts[i].lr - pc.lr);
    }
    trainer_pair_logits(l->t, pts, dref, n, l->slice_logit);
    for (size_t i = 0; i < n; i++) l->slice_logit[i] = 1.0 / (1.0 + exp(-l->slice_logit[i]));
    return 0;
}

/* The over-optimisation sweep of model lm into l->pub's staging (the
   worker's oo_pi, *c, *at, *param), building the world's gold table the
   first time. Returns 0, or -1 (nothing to show). Worker only, tmu held. */
static int compute_overopt(live_t *l, const double *lm, double budget, overopt_curve_t *c,
                           overopt_score_t *at, double *param)
{
    const world_t *w = trainer_world(l->t);
    size_t n = w->grid.n;
    if (l->oo_world != w) {
        if (l->oo_world) overopt_gold_free(&l->oo_gold);
        l->oo_world = NULL;
        overopt_destroy(l->oo);
        l->oo = overopt_create(n);
        if (!l->oo || ensure(&l->oo_pi, n) != 0) return -1;
        if (overopt_gold_init_world(&l->oo_gold, w) != 0) return -1;
        l->oo_world = w;
    }
    overopt_sweep_t sw;
    overopt_sweep_defaults(&sw);
    if (overopt_refresh(l->oo, &l->oo_gold, &w->obj, lm, w->log_ref, w->cell_area, &sw, -1, c, NULL) !=
        0)
        return -1;
    double kl = budget >= 0 ? budget : c->kl[c->peak];
    /* the proxy again (overopt_refresh keeps it to itself), for the policy */
    double *rhat = malloc(n * sizeof *rhat);
    if (!rhat) return -1;
    overopt_proxy_reward(&w->obj, lm, w->log_ref, n, rhat);
    int rc = overopt_policy_at(l->oo, &l->oo_gold, rhat, &sw, kl, w->cell_area, l->oo_pi, at, param);
    free(rhat);
    return rc;
}

/* The Borda count of model lm into the worker's bw_model and *sc,
   building the annotators' count the first time for this world. Returns
   0, or -1 (nothing to show). Worker only, tmu held. */
static int compute_borda(live_t *l, const double *lm, borda_score_t *sc)
{
    const world_t *w = trainer_world(l->t);
    if (l->bw_world != w) {
        if (l->bw_world) borda_world_free(&l->bw);
        l->bw_world = NULL;
        if (ensure(&l->bw_model, w->grid.n) != 0) return -1;
        if (borda_world_init(&l->bw, w, 1) != 0) return -1;
        l->bw_world = w;
    }
    return borda_score(&l->bw, w, lm, l->bw_model, sc);
}

/* Evaluates the model and publishes a new snapshot. Called with tmu held
   and mu not held. */
static void publish(live_t *l)
{
    double t0 = now_s();
    live_snapshot_t *s = &l->pub;
    trainer_metrics_t m;
    /* evaluate into the published arrays' shapes through temporaries owned
       by the worker, so the front ends never see a half-written grid */
    const world_t *w = trainer_world(l->t);
    size_t n = w->grid.n;
    double *lm = malloc(n * sizeof(double));
    double *comps[DENSITY_MAX_COMPONENTS] = { NULL };
    int ok = lm != NULL, K = w->obj.K;
    for (int k = 0; k < K && K > 1 && ok; k++) ok = (comps[k] = malloc(n * sizeof(double))) != NULL;
    if (ok) trainer_evaluate(l->t, &m, 0, lm, K > 1 ? comps : NULL);

    /* the slice follows the model too, but it costs as much as the grid:
       recompute it when the cursor moves, else a few times a second */
    pthread_mutex_lock(&l->mu);
    int slice_on = l->slice_on;
    int slice_due = slice_on && (l->slice_dirty || !s->have_slice || t0 - l->last_slice >= SLICE_EVERY_S);
    l->slice_dirty = 0;
    double sx = l->slice_x, sy = l->slice_y;
    pthread_mutex_unlock(&l->mu);
    int new_slice = ok && slice_due && compute_slice(l, sx, sy) == 0;
    if (new_slice) l->last_slice = t0;

    /* the over-optimisation sweep: when asked, then once a second */
    pthread_mutex_lock(&l->mu);
    int oo_on = l->oo_on;
    int oo_due = oo_on && (l->oo_dirty || !s->have_overopt || t0 - l->last_oo >= LIVE_OVEROPT_EVERY_S);
    double oo_budget = l->oo_budget;
    l->oo_dirty = 0;
    pthread_mutex_unlock(&l->mu);
    overopt_curve_t *oo_c = oo_due ? malloc(sizeof *oo_c) : NULL;
    overopt_score_t oo_at;
    double oo_param = (double)NAN;
    int new_oo = ok && oo_c && compute_overopt(l, lm, oo_budget, oo_c, &oo_at, &oo_param) == 0;
    if (oo_due) l->last_oo = t0;

    /* the Borda count: when asked, then once a second */
    pthread_mutex_lock(&l->mu);
    int bc_on = l->borda_on;
    int bc_due = bc_on && (l->borda_dirty || !s->have_borda || t0 - l->last_borda >= LIVE_BORDA_EVERY_S);
    l->borda_dirty = 0;
    pthread_mutex_unlock(&l->mu);
    borda_score_t bc_sc;
    double bc_t0 = now_s();
    int new_bc = ok && bc_due && compute_borda(l, lm, &bc_sc) == 0;
    double bc_ms = 1e3 * (now_s() - bc_t0);
    if (bc_due) l->last_borda = t0;

    double t1 = now_s();
    pthread_mutex_lock(&l->mu);
    if (ok) {
        memcpy(s->log_model, lm, n * sizeof(double));
        for (int k = 0; k < K && K > 1; k++) memcpy(s->log_comp[k], comps[k], n * sizeof(double));
        s->metrics = m;
        history_push(s, &m);
    }
    if (!slice_on) s->have_slice = 0;
    if (new_slice) {
        s->have_slice = 1;
        s->slice_x = sx;
        s->slice_y = sy;
        memcpy(s->slice_annot, l->slice_buf, n * sizeof(double));
        memcpy(s->slice_model, l->slice_logit, n * sizeof(double));
    }
    if (!oo_on) s->have_overopt = 0;
    if (new_oo) {
        s->have_overopt = 1;
        s->overopt = *oo_c;
        s->overopt_budget = oo_budget;
        s->overopt_at = oo_at;
        s->overopt_param = oo_param;
        memcpy(s->overopt_pi, l->oo_pi, n * sizeof(double));
    }
    if (!bc_on) s->have_borda = 0;
    if (new_bc) {
        s->have_borda = 1;
        s->borda = bc_sc;
        s->borda_world_ms = l->bw.ms;
        s->borda_ms = bc_ms;
        memcpy(s->borda_annot, l->bw.annot, n * sizeof(double));
        memcpy(s->borda_model, l->bw_model, n * sizeof(double));
    }
    if (!l->t_human && params_proposal_grows(w->p.proposal)) {
        /* model and active: the overlay shows the newest pairs, those the
           model asked for */
        const dataset_t *d = trainer_data(l->t);
        size_t k = d->n_train < LIVE_OVERLAY_PAIRS ? d->n_train : LIVE_OVERLAY_PAIRS;
        for (size_t i = 0; i < k; i++) {
            const float *q = d->pts + 4 * (d->n_train - k + i);
            int a_wins = d->y[d->n_train - k + i];
            s->pairs[4 * i + 0] = a_wins ? q[0] : q[2];
            s->pairs[4 * i + 1] = a_wins ? q[1] : q[3];
            s->pairs[4 * i + 2] = a_wins ? q[2] : q[0];
            s->pairs[4 * i + 3] = a_wins ? q[3] : q[1];
        }
        s->n_pairs = k;
    }
    s->state = trainer_get_state(l->t);
    s->step = trainer_step_count(l->t);
    s->diverged_at = trainer_diverged_at(l->t);
    s->paused = l->paused;
    s->rebuilding = 0;
    human_fields(l);
    l->evals_n++;
    if (t1 - l->evals_t0 >= 1.0) {
        s->evals_per_s = l->evals_n / (t1 - l->evals_t0);
        l->evals_t0 = t1;
        l->evals_n = 0;
    }
    bump(l);
    pthread_mutex_unlock(&l->mu);
    free(lm);
    free(oo_c);
    for (int k = 0; k < K; k++) free(comps[k]);
    l->eval_cost = t1 - t0;
    l->last_publish = t1;
}

/* Applies a parameter request: a new trainer for the new parameters. Called
   with neither mutex held; returns 0 or -1 (the old trainer stays). */
static int rebuild(live_t *l, const params_t *p, const char *reason)
{
    pthread_mutex_lock(&l->mu);
    if (l->quit) { /* live_destroy is waiting: do not start a long build */
        pthread_mutex_unlock(&l->mu);
        return -1;
    }
    l->building = 1;
    l->pub.rebuilding = 1;
    bump(l);
    pthread_mutex_unlock(&l->mu);

    char err[200];
    /* the old trainer's optimum is reused when the change leaves it valid
       (data, seed, training knobs): only this thread replaces l->t, and
       its world is never written after creation */
    trainer_t *t = trainer_create_from(p, l->k, l->t, err, sizeof err);
    pthread_mutex_lock(&l->mu);
    l->building = 0;
    int quitting = l->quit;
    pthread_mutex_unlock(&l->mu);
    if (quitting) { /* the session is going away: nothing to show */
        trainer_destroy(t);
        return -1;
    }
    pthread_mutex_lock(&l->tmu);
    pthread_mutex_lock(&l->mu);
    if (!t) {
        snprintf(l->pub.status, sizeof l->pub.status, "could not apply: %s", err);
        /* the session keeps the old parameters: so must what it reports
           and what :save writes, unless a newer request is waiting */
        if (l->want_gen == l->have_gen) {
            double speed = l->want.speed, pace = l->want.pace;
            l->want = l->pub.params;
            l->want.speed = speed;
            l->want.pace = pace;
        }
        l->pub.rebuilding = 0;
        bump(l);
        pthread_mutex_unlock(&l->mu);
        pthread_mutex_unlock(&l->tmu);
        return -1;
    }
    trainer_destroy(l->t);
    l->t = t;
    /* a new world: its gold table is built at the next sweep (the new
       world may sit where the old one was, so the pointer cannot tell) */
    if (l->oo_world) overopt_gold_free(&l->oo_gold);
    l->oo_world = NULL;
    if (l->bw_world) borda_world_free(&l->bw);
    l->bw_world = NULL;
    l->t_human = 0; /* a human session puts the new trainer on the answers next */
    l->pub.params = *p;
    int rc = publish_world(l);
    snprintf(l->pub.status, sizeof l->pub.status, "%s", reason);
    l->rate_t0 = now_s();
    l->rate_steps = 0;
    pthread_mutex_unlock(&l->mu);
    publish(l);
    pthread_mutex_unlock(&l->tmu);
    return rc;
}

/* The human part of the snapshot: the question, the counts, the last
   answers as an overlay, winner first (under mu, not published). */
static void human_fields(live_t *l)
{
    live_snapshot_t *s = &l->pub;
    size_t k = l->n_ans < LIVE_OVERLAY_PAIRS ? l->n_ans : LIVE_OVERLAY_PAIRS;
    size_t first = l->n_ans - k;
    for (size_t i = 0; i < k; i++) {
        const float *p = l->ans_pts + 4 * (first + i);
        int a_wins = l->ans_y[first + i];
        s->answered[4 * i + 0] = a_wins ? p[0] : p[2];
        s->answered[4 * i + 1] = a_wins ? p[1] : p[3];
        s->answered[4 * i + 2] = a_wins ? p[2] : p[0];
        s->answered[4 * i + 3] = a_wins ? p[3] : p[1];
    }
    s->n_answered = k;
    s->n_answers = (long)l->n_ans;
    if (l->t_human) { /* the pair overlay shows what training uses: the answers */
        s->n_pairs = k;
        memcpy(s->pairs, s->answered, k * 4 * sizeof(float));
    }
    s->human = l->human;
    s->have_question = l->human && l->have_q;
    memcpy(s->question, l->q, sizeof s->question);
    s->question_no = l->q_no;
    s->asked = l->asked;
    s->skipped = l->skipped;
    s->pending = (long)l->ev_n;
    s->trained = l->t_human ? (long)l->t_k - (trainer_step_count(l->t) < l->t_until) : 0;
    if (s->trained < 0) s->trained = 0;
    /* waiting only once the published model is the trained one */
    s->waiting = l->t_human && l->ev_n == 0 && l->t_k == l->n_ans &&
                 trainer_step_count(l->t) >= l->t_until && l->have_q &&
                 s->step == trainer_step_count(l->t);
    room_fields(l);
}

/* human_fields, published. */
static void human_publish(live_t *l)
{
    human_fields(l);
    bump(l);
}

/* 1 when the next question depends on the model (it is drawn once the
   answers before it are trained). */
static int questions_need_model(const live_t *l)
{
    return params_proposal_grows(trainer_world(l->t)->p.proposal);
}

static void question_logits(void *ctx, const float *pts, const float *dref, size_t n, double *out)
{
    trainer_pair_logits(ctx, pts, dref, n, out);
}

/* Draws the next question into l->q with the stream's next counter
   (worker; the model-based proposals read the trainer: tmu held or the
   worker's own). Returns 0 or -1 (allocation failure). */
static int draw_question(live_t *l)
{
    const world_t *w = trainer_world(l->t);
    dataset_model_t m = { NULL, question_logits, l->t };
    double *lm = NULL;
    int rc = -1;
    if (w->p.proposal == PROPOSAL_MODEL) {
        lm = malloc(pbde_mul_size(w->grid.n, sizeof(double)));
        if (!lm) return -1;
        trainer_model_grid(l->t, lm, NULL);
        m.log_model = lm;
    }
    float pts[4];
    rc = dataset_propose(w, &m, LIVE_STREAM_QUESTIONS, (uint64_t)l->questions, 1, pts);
    free(lm);
    if (rc != 0) return -1;
    l->questions++;
    memcpy(l->q, pts, sizeof pts);
    l->q_no = ++l->asked;
    l->have_q = 1;
    return 0;
}

/* Appends the question on screen as an answer (worker, under mu).
   Returns 0 or -1 (allocation failure: the answer is dropped). */
static int record_answer_as(live_t *l, int y, int persona);
static int record_answer(live_t *l, int y)
{
    return record_answer_as(l, y, 0);
}

/* record_answer, by an annotator of the room's persona persona. */
static int record_answer_as(live_t *l, int y, int persona)
{
    if (l->n_ans == l->ans_cap) {
        size_t cap = l->ans_cap ? 2 * l->ans_cap : 256;
        float *np = realloc(l->ans_pts, pbde_mul_size(cap, 4 * sizeof(float)));
        if (np) l->ans_pts = np;
        uint8_t *ny = np ? realloc(l->ans_y, cap) : NULL;
        if (ny) l->ans_y = ny;
        long *nn = ny ? realloc(l->ans_no, pbde_mul_size(cap, sizeof(long))) : NULL;
        if (nn) l->ans_no = nn;
        int *npe = nn ? realloc(l->ans_persona, pbde_mul_size(cap, sizeof(int))) : NULL;
        if (npe) l->ans_persona = npe;
        if (!npe) return -1;
        l->ans_cap = cap;
    }
    l->ans_persona[l->n_ans] = persona;
    memcpy(l->ans_pts + 4 * l->n_ans, l->q, 4 * sizeof(float));
    l->ans_y[l->n_ans] = y ? 1 : 0;
    l->ans_no[l->n_ans] = l->q_no;
    l->n_ans++;
    return 0;
}

/* The room's question on screen takes no more answers (worker, under
   mu): the next one is drawn. */
static void room_close(live_t *l)
{
    if (l->room_on_q == 0) l->skipped++;
    l->room_on_q = 0;
    l->have_q = 0;
    if (l->room_closing > 0) l->room_closing--;
}

/* The room's part of the snapshot (under mu). */
static void room_fields(live_t *l)
{
    live_snapshot_t *s = &l->pub;
    s->room = l->room;
    s->room_open = l->room && l->human && l->have_q && l->room_closing == 0;
    s->room_per_question = l->room_n;
    s->room_question_answers = s->room_open ? l->room_got : 0;
    s->room_answers = l->room_total;
    s->room_abstained = l->room_abstain;
}

/* Applies queued inputs in order while a question is on screen. Questions that do not depend on
   the model are drawn on the way. Worker, under mu. Returns 1 when
   anything changed. */
static int apply_inputs(live_t *l)
{
    int changed = 0;
    int model_q = questions_need_model(l);
    for (;;) {
        if (!l->have_q && !model_q) {
            if (draw_question(l) != 0) break;
            changed = 1;
        }
        if (l->ev_n == 0) break;
        /* every input waits for a question on screen, as a person who
           reads the question first would: so the question stream (drawn
           from the model for model and active) comes out the same
           whether the inputs came one at a time or in a burst */
        if (!l->have_q) break;
        int e = l->evq[l->ev_head];
        l->ev_head = (l->ev_head + 1) % l->ev_cap;
        l->ev_n--;
        changed = 1;
        if (e == EV_UNDO) {
            if (l->n_ans == 0) continue;
            l->n_ans--; /* its question comes back, to be answered anew */
            if (l->n_ans < l->t_k && l->n_ans < l->roll_to) l->roll_to = l->n_ans;
            memcpy(l->q, l->ans_pts + 4 * l->n_ans, sizeof l->q);
            l->q_no = l->ans_no[l->n_ans];
            l->asked = l->q_no;
            l->have_q = 1;
        } else if (e == EV_NEXT) {
            room_close(l);
        } else if (e >= EV_ROOM) {
            int y = (e - EV_ROOM) % 3 - 1, persona = (e - EV_ROOM) / 3;
            if (y >= 0 && record_answer_as(l, y, persona) != 0)
                snprintf(l->pub.status, sizeof l->pub.status, "out of memory: an answer was lost");
            if (++l->room_on_q >= l->room_n) room_close(l);
        } else if (e == EV_SKIP) {
            l->skipped++;
            l->have_q = 0;
        } else {
            if (record_answer(l, e) != 0)
                snprintf(l->pub.status, sizeof l->pub.status, "out of memory: an answer was lost");
            l->have_q = 0;
        }
    }
    return changed;
}

static void ckpt_forget(live_t *l, long above)
{
    for (int i = 0; i < LIVE_CKPTS; i++)
        if (l->ck_tag[i] > above) l->ck_tag[i] = -1;
}

/* Takes the trainer back to the state after m answers: the newest
   checkpoint at or before m, from where the worker trains forward.
   Worker, tmu held. */
static void rollback(live_t *l, size_t m)
{
    long best = 0;
    trainer_ckpt_t *c = l->ck0;
    for (int i = 0; i < LIVE_CKPTS; i++)
        if (l->ck_tag[i] > best && l->ck_tag[i] <= (long)m) {
            best = l->ck_tag[i];
            c = l->ck[i];
        }
    trainer_ckpt_restore(l->t, c);
    ckpt_forget(l, best);
    l->t_k = (size_t)best;
    l->roll_to = SIZE_MAX;
    l->t_until = trainer_step_count(l->t);
}

/* Puts a new (or reset) trainer on the answers from the start: a fresh
   model, then each answer trained in turn. Worker, tmu held. */
static int human_begin(live_t *l)
{
    int ok = trainer_answers_begin(l->t) == 0 && trainer_ckpt_save(l->t, &l->ck0) == 0;
    ckpt_forget(l, -1);
    l->t_k = 0;
    l->roll_to = SIZE_MAX;
    l->t_until = trainer_step_count(l->t);
    return ok ? 0 : -1;
}

/* The human mode's share of the worker's loop: switching it on or off,
   the queued inputs, undo's rollback, putting the trainer on the next
   answer once the last one's steps are taken, and the model's next
   question. Called and returns with mu held; returns 1 when it did
   something (the loop looks again). */
static int human_work(live_t *l)
{
    if (!l->human && l->t_human) {
        /* a new trainer on the annotator's data: the rebuild clears t_human */
        l->t_human = 0;
        snprintf(l->want_reason, sizeof l->want_reason,
                 "back to the annotator's data: training restarted");
        l->want_gen++;
        return 1;
    }
    if (!l->human) return 0;
    long per = trainer_world(l->t)->p.answer_steps;
    if (!l->t_human) { /* on: a fresh model, the answers trained again in turn */
        pthread_mutex_unlock(&l->mu);
        pthread_mutex_lock(&l->tmu);
        int ok = human_begin(l) == 0;
        pthread_mutex_lock(&l->mu);
        l->t_human = 1;
        history_reset(&l->pub);
        if (ok)
            snprintf(l->pub.status, sizeof l->pub.status, "%s: each answer trains %ld steps, in order",
                     l->room ? "the room annotates" : "you are the annotator", per);
        else
            snprintf(l->pub.status, sizeof l->pub.status, "out of memory for the answers");
        human_publish(l);
        pthread_mutex_unlock(&l->mu);
        publish(l);
        pthread_mutex_unlock(&l->tmu);
        pthread_mutex_lock(&l->mu);
        return 1;
    }
    int changed = apply_inputs(l);
    long step = trainer_step_count(l->t);
    int roll = l->roll_to < l->t_k;
    int advance = !roll && l->t_k < l->n_ans && step >= l->t_until;
    int draw = !roll && !advance && !l->have_q && l->t_k == l->n_ans && step >= l->t_until;
    if (!roll && !advance && !draw) {
        if (changed) human_publish(l);
        return changed;
    }
    pthread_mutex_unlock(&l->mu);
    pthread_mutex_lock(&l->tmu);
    int ok = 1;
    if (roll) {
        rollback(l, l->roll_to);
    } else if (advance) {
        /* the state after t_k answers, for undo */
        int i = (int)(l->t_k % LIVE_CKPTS);
        if (l->t_k > 0 && trainer_ckpt_save(l->t, &l->ck[i]) == 0) l->ck_tag[i] = (long)l->t_k;
        size_t k = l->t_k + 1;
        ok = trainer_answers_take(l->t, l->ans_pts, l->ans_y, k) == 0;
        l->t_k = k;
        l->t_until = trainer_step_count(l->t) + per;
    }
    pthread_mutex_lock(&l->mu);
    if (draw && draw_question(l) != 0) ok = 0;
    if (!ok) snprintf(l->pub.status, sizeof l->pub.status, "out of memory for the answers");
    human_publish(l);
    pthread_mutex_unlock(&l->mu);
    if (advance || roll) publish(l);
    pthread_mutex_unlock(&l->tmu);
    pthread_mutex_lock(&l->mu);
    return 1;
}

/* A restart's reason as the status says it: "training restarted" only
   when training will run; while paused the model waits at step 0. */
static void restart_reason(const live_t *l, const char *reason, char *out, size_t n)
{
    static const char RUN[] = "training restarted";
    size_t len = strlen(reason), k = sizeof RUN - 1;
    if (l->paused && len >= k && strcmp(reason + len - k, RUN) == 0)
        snprintf(out, n, "%.*sready at step 0, paused", (int)(len - k), reason);
    else
        snprintf(out, n, "%s", reason);
}

/* One turn of the session's loop, shared by the worker thread and
   live_pump: the first due of a rebuild, a reset, the annotate mode's
   work, a publication of what changed, or a run of steps (one under a
   speed cap, else up to slice_s seconds' worth, at least one). Called and
   returns with mu held; with TURN_HELD, *wait_s says how long the next
   step must wait. */
static int turn(live_t *l, double slice_s, double *wait_s)
{
    if (l->want_gen != l->have_gen) {
        params_t p = l->want;
        char reason[160];
        restart_reason(l, l->want_reason, reason, sizeof reason);
        l->have_gen = l->want_gen;
        pthread_mutex_unlock(&l->mu);
        rebuild(l, &p, reason);
        pthread_mutex_lock(&l->mu);
        return TURN_BUSY;
    }
    if (l->reset) {
        l->reset = 0;
        pthread_mutex_unlock(&l->mu);
        pthread_mutex_lock(&l->tmu);
        if (l->t_human) /* the answers are trained again, one at a time */
            rollback(l, 0);
        else
            trainer_reset_model(l->t);
        pthread_mutex_lock(&l->mu);
        history_reset(&l->pub);
        restart_reason(l, "model reset: training restarted", l->pub.status, sizeof l->pub.status);
        pthread_mutex_unlock(&l->mu);
        publish(l);
        pthread_mutex_unlock(&l->tmu);
        pthread_mutex_lock(&l->mu);
        return TURN_BUSY;
    }
    if (human_work(l)) return TURN_BUSY; /* returns with mu held */
    if (l->stop_at >= 0 && trainer_step_count(l->t) >= l->stop_at) {
        l->stop_at = -1;
        l->paused = 1;
    }
    /* in the annotate mode a step is taken only within an answer's
       steps: the model stays a function of the answers */
    int once = l->step_once && !l->manual &&
               !(l->t_human && trainer_step_count(l->t) >= l->t_until);
    long human_until = l->t_human ? l->t_until : -1;
    int running = !l->paused && !l->manual && trainer_get_state(l->t) == TRAINER_TRAINING &&
                  !(l->t_human && (l->t_k == 0 || trainer_step_count(l->t) >= l->t_until));
    double speed = l->want.pace > 0 ? params_step_rate(&l->want) : l->speed;
    double now = now_s();
    /* under a speed cap the step after one waits out its share of time */
    int held = running && !once && speed > 0 && now < l->not_before;
    if ((!running && !once) || held) {
        if (!l->manual && ((!held && trainer_step_count(l->t) != l->pub.step) || l->slice_dirty ||
                           l->oo_dirty || l->borda_dirty)) {
            /* steps taken since the last publication: show them first
               (while held, only what was asked for: the gap rule keeps
               the evaluations' share of the time) */
            pthread_mutex_unlock(&l->mu);
            pthread_mutex_lock(&l->tmu);
            publish(l);
            pthread_mutex_unlock(&l->tmu);
            pthread_mutex_lock(&l->mu);
            return TURN_BUSY;
        }
        if (l->pub.paused != l->paused) {
            l->pub.paused = l->paused;
            bump(l);
        }
        *wait_s = held ? l->not_before - now : 0;
        return held ? TURN_HELD : TURN_IDLE;
    }
    l->step_once = 0;
    long stop_at = l->stop_at;
    pthread_mutex_unlock(&l->mu);

    /* a slice of steps: one, a speed-limited share, or ~slice_s worth */
    pthread_mutex_lock(&l->tmu);
    double t0 = now_s();
    long done = 0;
    if (once || speed > 0) {
        trainer_step(l->t, 1);
        done = 1;
    } else {
        while (trainer_get_state(l->t) == TRAINER_TRAINING && (done == 0 || now_s() - t0 < slice_s) &&
               (stop_at < 0 || trainer_step_count(l->t) < stop_at) &&
               (human_until < 0 || trainer_step_count(l->t) < human_until)) {
            trainer_step(l->t, 1);
            done++;
        }
    }
    double t1 = now_s();
    l->rate_steps += done;
    if (t1 - l->rate_t0 >= 0.5) {
        double pps = (double)l->rate_steps * (double)l->pub.params.batch / (t1 - l->rate_t0);
        pthread_mutex_lock(&l->mu);
        l->pub.pairs_per_s = pps;
        pthread_mutex_unlock(&l->mu);
        l->rate_t0 = t1;
        l->rate_steps = 0;
    }
    double gap = fmax(PUBLISH_MIN_S, PUBLISH_SHARE * l->eval_cost);
    if (once || t1 - l->last_publish >= gap || trainer_get_state(l->t) != TRAINER_TRAINING)
        publish(l);
    pthread_mutex_unlock(&l->tmu);
    /* (a single step leaves the session paused: live_step_once paused
       it already; pausing here again would undo a command that came
       while the step ran, such as live_run_to) */
    pthread_mutex_lock(&l->mu);
    if (speed > 0) l->not_before = t0 + 1.0 / speed;
    return TURN_BUSY;
}

/* Turns the loop on the caller's thread until t_end (at least one turn),
   until nothing is left to do or the speed cap holds the next step
   (*wait_s says for how long), or, with stop, until the published
   version differs from *stop. Called and returns with mu held; returns
   the last turn's result. */
static int pump_until(live_t *l, double t_end, const unsigned long *stop, double *wait_s)
{
    for (;;) {
        double left = t_end - now_s();
        int r = turn(l, left < SLICE_S ? left : SLICE_S, wait_s);
        if (r != TURN_BUSY || now_s() >= t_end || (stop && l->pub.version != *stop)) return r;
    }
}

#ifndef PBDE_NO_THREADS
static void *worker(void *arg)
{
    live_t *l = arg;
    pthread_mutex_lock(&l->mu);
    while (!l->quit) {
        double wait = 0;
        int r = turn(l, SLICE_S, &wait);
        if (r == TURN_IDLE) {
            pthread_cond_wait(&l->cv, &l->mu);
        } else if (r == TURN_HELD && !l->quit) {
            /* sleep off the rest of the last step's time budget (a
               command wakes the loop early) */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            double until = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec + wait;
            ts.tv_sec = (time_t)until;
            ts.tv_nsec = (long)((until - floor(until)) * 1e9);
            pthread_cond_timedwait(&l->cv, &l->mu, &ts);
        }
    }
    int orphaned = l->orphaned;
    l->finished = 1;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    if (orphaned) session_free(l);
    return NULL;
}
#endif

/* ---------------------------------------------------------------------- */
/* Front-end side                                                           */

/* Builds a session; with pumped, no worker thread (live_pump). */
static live_t *create(const params_t *p, const kernels_t *k, int start_paused, int pumped, char *err,
                      size_t errlen)
{
    live_t *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->k = k;
    l->t = trainer_create(p, k, err, errlen);
    if (!l->t) {
        free(l);
        return NULL;
    }
    pthread_mutex_init(&l->mu, NULL);
    pthread_mutex_init(&l->tmu, NULL);
    pthread_cond_init(&l->cv, NULL);
    pthread_cond_init(&l->pcv, NULL);
    l->pumped = pumped;
    l->want = *p;
    l->speed = p->speed;
    l->stop_at = -1;
    for (int i = 0; i < LIVE_CKPTS; i++) l->ck_tag[i] = -1;
    l->roll_to = SIZE_MAX;
    l->paused = start_paused;
    l->pub.params = *p;
    l->pub.paused = start_paused;
    l->rate_t0 = l->evals_t0 = now_s();
    if (publish_world(l) != 0) {
        snprintf(err, errlen, "out of memory");
        live_destroy(l);
        return NULL;
    }
    snprintf(l->pub.status, sizeof l->pub.status, "%s", start_paused ? "paused" : "training");
    publish(l);
    if (pumped) return l;
#ifdef PBDE_NO_THREADS
    snprintf(err, errlen, "built without threads: only pumped sessions");
    live_destroy(l);
    return NULL;
#else
    if (pthread_create(&l->thread, NULL, worker, l) != 0) {
        snprintf(err, errlen, "could not start the training thread");
        live_destroy(l);
        return NULL;
    }
    l->thread_up = 1;
    return l;
#endif
}

live_t *live_create(const params_t *p, const kernels_t *k, int start_paused, char *err,
                    size_t errlen)
{
#ifdef PBDE_NO_THREADS
    return create(p, k, start_paused, 1, err, errlen);
#else
    return create(p, k, start_paused, 0, err, errlen);
#endif
}

live_t *live_create_pumped(const params_t *p, const kernels_t *k, int start_paused, char *err,
                           size_t errlen)
{
    return create(p, k, start_paused, 1, err, errlen);
}

int live_pump(live_t *l, double budget_s)
{
    if (!l->pumped) return -1;
    double wait;
    pthread_mutex_lock(&l->mu);
    unsigned long v0 = l->pub.version;
    pump_until(l, now_s() + (budget_s > 0 ? budget_s : 0), NULL, &wait);
    int changed = l->pub.version != v0;
    pthread_mutex_unlock(&l->mu);
    return changed;
}

/* How long live_destroy waits for the worker to stop. */
#define DESTROY_WAIT_S 1

void live_destroy(live_t *l)
{
    if (!l) return;
#ifndef PBDE_NO_THREADS
    if (l->thread_up) {
        /* A build (a big data set, a numerical optimum) or one step of a
           huge network can take seconds to minutes and cannot be
           interrupted: wait a moment, then leave the worker to finish on
           its own; it frees the session then (or the process exits). */
        pthread_mutex_lock(&l->mu);
        l->quit = 1;
        pthread_cond_broadcast(&l->cv);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += DESTROY_WAIT_S;
        while (!l->finished && !l->building)
            if (pthread_cond_timedwait(&l->cv, &l->mu, &until) != 0) break;
        int left = !l->finished;
        l->orphaned = left;
        pthread_mutex_unlock(&l->mu);
        if (left) {
            pthread_detach(l->thread);
            return;
        }
        pthread_join(l->thread, NULL);
    }
#endif
    session_free(l);
}

/* Frees everything of a session whose worker has stopped (or is the
   caller). */
static void session_free(live_t *l)
{
    trainer_destroy(l->t);
    live_snapshot_free(&l->pub);
    free(l->slice_buf);
    if (l->oo_world) overopt_gold_free(&l->oo_gold);
    overopt_destroy(l->oo);
    free(l->oo_pi);
    if (l->bw_world) borda_world_free(&l->bw);
    free(l->bw_model);
    free(l->slice_pts);
    free(l->slice_dref);
    free(l->slice_logit);
    free(l->ans_pts);
    free(l->ans_y);
    free(l->ans_no);
    free(l->ans_persona);
    free(l->evq);
    trainer_ckpt_destroy(l->ck0);
    for (int i = 0; i < LIVE_CKPTS; i++) trainer_ckpt_destroy(l->ck[i]);
    pthread_mutex_destroy(&l->mu);
    pthread_mutex_destroy(&l->tmu);
    pthread_cond_destroy(&l->cv);
    pthread_cond_destroy(&l->pcv);
    free(l);
}

static void command(live_t *l, int *field, int value)
{
    pthread_mutex_lock(&l->mu);
    *field = value;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

/* A pause is in force at once (nothing trains while it is, even when a
   rebuild keeps the worker busy), so it is published at once too. Under
   mu. */
static void set_paused(live_t *l, int paused)
{
    l->paused = paused != 0;
    if (l->pub.paused != l->paused) {
        l->pub.paused = l->paused;
        bump(l);
    }
    pthread_cond_broadcast(&l->cv);
}

void live_set_paused(live_t *l, int paused)
{
    pthread_mutex_lock(&l->mu);
    set_paused(l, paused);
    pthread_mutex_unlock(&l->mu);
}

void live_toggle_pause(live_t *l)
{
    pthread_mutex_lock(&l->mu);
    set_paused(l, !l->paused);
    pthread_mutex_unlock(&l->mu);
}

void live_step_once(live_t *l)
{
    pthread_mutex_lock(&l->mu);
    set_paused(l, 1);
    l->step_once = 1;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

void live_run_to(live_t *l, long step)
{
    pthread_mutex_lock(&l->mu);
    l->stop_at = step;
    l->paused = 0;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

void live_reset_model(live_t *l)
{
    command(l, &l->reset, 1);
}

void live_reset_run_to(live_t *l, long step)
{
    pthread_mutex_lock(&l->mu);
    l->reset = 1;
    l->stop_at = step;
    set_paused(l, 0);
    pthread_mutex_unlock(&l->mu);
}

/* Calls fn for each registry parameter whose value differs between a and
   b, with b's value as text; returns the union of their affects flags. */
static unsigned each_change(const params_t *a, const params_t *b,
                            void (*fn)(void *ctx, const char *name, const char *value), void *ctx)
{
    size_t n;
    const param_def_t *tab = params_table(&n);
    unsigned affects = 0;
    int density_differs = 0;
    for (size_t i = 0; i < n; i++) {
        char va[PARAMS_PATH_MAX + 16], vb[PARAMS_PATH_MAX + 16];
        params_format(a, &tab[i], va, sizeof va);
        params_format(b, &tab[i], vb, sizeof vb);
        if (strcmp(va, vb) == 0) continue;
        affects |= tab[i].affects;
        density_differs |= strcmp(tab[i].name, "density") == 0;
        if (fn) fn(ctx, tab[i].name, vb);
    }
    /* two painted images print alike ("image:painted"): compare the pixels */
    if (!density_differs && a->image.side > 0 &&
        (a->image.side != b->image.side || memcmp(a->image.px, b->image.px, sizeof a->image.px) != 0)) {
        const param_def_t *d = params_find("density");
        affects |= d->affects;
        if (fn) fn(ctx, "density", "image (new pixels)");
    }
    return affects;
}

typedef struct {
    char *out;
    size_t len, used;
} text_t;

static void append_change(void *ctx, const char *name, const char *value)
{
    text_t *t = ctx;
    if (t->used < t->len)
        t->used += (size_t)snprintf(t->out + t->used, t->len - t->used, "%s%s %s",
                                    t->used ? ", " : "", name, value);
}

/* Names the parameters that differ between a and b and says what restarts. */
static void describe_change(const params_t *a, const params_t *b, char *out, size_t len)
{
    text_t t = { out, len, 0 };
    out[0] = '\0';
    unsigned affects = each_change(a, b, append_change, &t);
    if (t.used == 0) {
        snprintf(out, len, "no change");
        return;
    }
    const char *what = affects & PARAM_AFFECTS_DATA ? "new data, training restarted"
                       : affects & (PARAM_AFFECTS_MODEL | PARAM_AFFECTS_WORLD) ? "model reset, training restarted"
                                                                               : "training restarted";
    if (t.used < len) snprintf(out + t.used, len - t.used, ": %s", what);
}

int live_set_params(live_t *l, const params_t *p, char *err, size_t errlen)
{
    if (params_check(p, err, errlen) != 0) return -1;
    pthread_mutex_lock(&l->mu);
    unsigned affects = each_change(&l->want, p, NULL, NULL);
    if ((affects & ~(unsigned)PARAM_AFFECTS_VIEW) == 0) {
        /* only how things are drawn (and the speed cap): nothing restarts */
        l->want = *p;
        l->pub.params = *p;
        l->speed = p->speed;
        l->not_before = 0; /* a new speed or pace counts from the next step */
        bump(l);
        pthread_cond_broadcast(&l->cv);
        pthread_mutex_unlock(&l->mu);
        return 0;
    }
    describe_change(&l->want, p, l->want_reason, sizeof l->want_reason);
    l->want = *p;
    l->want_gen++;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    return 0;
}

void live_resample(live_t *l)
{
    pthread_mutex_lock(&l->mu);
    l->want.seed = (long long)l->want.seed + 1 > 4294967295LL ? 0 : l->want.seed + 1;
    snprintf(l->want_reason, sizeof l->want_reason, "data resampled (seed %ld): training restarted",
             l->want.seed);
    l->want_gen++;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

void live_get_params(live_t *l, params_t *out)
{
    pthread_mutex_lock(&l->mu);
    *out = l->want;
    pthread_mutex_unlock(&l->mu);
}

void live_set_speed(live_t *l, double steps_per_s)
{
    pthread_mutex_lock(&l->mu);
    l->speed = steps_per_s > 0 ? steps_per_s : 0;
    l->want.speed = l->speed;
    l->not_before = 0; /* the new cap counts from the next step */
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

double live_get_speed(live_t *l)
{
    pthread_mutex_lock(&l->mu);
    double s = l->speed;
    pthread_mutex_unlock(&l->mu);
    return s;
}

void live_want_slice(live_t *l, int on, double x, double y)
{
    pthread_mutex_lock(&l->mu);
    if (on && (x != l->slice_x || y != l->slice_y || !l->slice_on)) {
        /* the worker computes it, paused or not: the caller never waits */
        l->slice_dirty = 1;
        pthread_cond_broadcast(&l->cv);
    }
    l->slice_on = on;
    l->slice_x = x;
    l->slice_y = y;
    pthread_mutex_unlock(&l->mu);
}

void live_want_overopt(live_t *l, int on, double kl_budget)
{
    pthread_mutex_lock(&l->mu);
    if (on != l->oo_on || (on && kl_budget != l->oo_budget)) {
        /* a snapshot follows even while paused: with the sweep, or
           without it once it is no longer asked for */
        l->oo_dirty = 1;
        pthread_cond_broadcast(&l->cv);
    }
    l->oo_on = on;
    l->oo_budget = kl_budget;
    pthread_mutex_unlock(&l->mu);
}

void live_want_borda(live_t *l, int on)
{
    pthread_mutex_lock(&l->mu);
    if (on != l->borda_on) { /* a snapshot follows even while paused */
        l->borda_dirty = 1;
        pthread_cond_broadcast(&l->cv);
    }
    l->borda_on = on;
    pthread_mutex_unlock(&l->mu);
}

int live_run_steps(live_t *l, long n)
{
    pthread_mutex_lock(&l->mu);
    l->manual = 1;
    /* apply a pending parameter change first, synchronously */
    int pending = l->want_gen != l->have_gen;
    params_t p = l->want;
    char reason[128];
    snprintf(reason, sizeof reason, "%s", l->want_reason);
    l->have_gen = l->want_gen;
    pthread_mutex_unlock(&l->mu);
    if (pending) rebuild(l, &p, reason);
    pthread_mutex_lock(&l->tmu);
    int rc = trainer_step(l->t, n);
    publish(l);
    pthread_mutex_unlock(&l->tmu);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Be the annotator                                                         */

int live_set_human(live_t *l, int on)
{
    pthread_mutex_lock(&l->mu);
    if (on && !l->human) l->have_q = 0; /* a new question for the new seat */
    l->human = on != 0;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    return 0;
}

/* Queues one input (under mu). Returns 0 or -1 (allocation failure). */
static int enqueue(live_t *l, int e)
{
    if (l->ev_n == l->ev_cap) {
        size_t cap = l->ev_cap ? 2 * l->ev_cap : 64;
        int *q = malloc(pbde_mul_size(cap, sizeof(int)));
        if (!q) return -1;
        for (size_t i = 0; i < l->ev_n; i++) q[i] = l->evq[(l->ev_head + i) % l->ev_cap];
        free(l->evq);
        l->evq = q;
        l->ev_head = 0;
        l->ev_cap = cap;
    }
    l->evq[(l->ev_head + l->ev_n) % l->ev_cap] = e;
    l->ev_n++;
    l->pub.pending = (long)l->ev_n;
    l->pub.waiting = 0; /* not until this input is applied and trained */
    bump(l);
    pthread_cond_broadcast(&l->cv);
    return 0;
}

long live_answer(live_t *l, int y)
{
    pthread_mutex_lock(&l->mu);
    long n = -1;
    if (l->human && !l->room && enqueue(l, y < 0 ? EV_SKIP : y ? 1 : 0) == 0) {
        if (y >= 0) l->logical++;
        n = l->logical;
    }
    pthread_mutex_unlock(&l->mu);
    return n;
}

long live_undo_answer(live_t *l)
{
    pthread_mutex_lock(&l->mu);
    long n = -1;
    if (l->human && !l->room && l->logical > 0 && enqueue(l, EV_UNDO) == 0) n = --l->logical;
    pthread_mutex_unlock(&l->mu);
    return n;
}

long live_answer_count(live_t *l)
{
    pthread_mutex_lock(&l->mu);
    long n = l->logical;
    pthread_mutex_unlock(&l->mu);
    return n;
}

int live_save_answers(live_t *l, const char *path, char *err, size_t errlen)
{
    pthread_mutex_lock(&l->mu);
    size_t n = l->n_ans;
    float *pts = malloc(pbde_mul_size(n ? n : 1, 4 * sizeof(float)));
    uint8_t *y = malloc(n ? n : 1);
    int *who = calloc(n ? n : 1, sizeof(int));
    if (pts && y && who && n) {
        memcpy(pts, l->ans_pts, n * 4 * sizeof(float));
        memcpy(y, l->ans_y, n);
        memcpy(who, l->ans_persona, n * sizeof(int));
    }
    pthread_mutex_unlock(&l->mu);
    int rc = -1;
    outfile_t o;
    if (!pts || !y || !who) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    if (outfile_open(&o, path, "w") != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        goto done;
    }
    fprintf(o.f, "ax,ay,bx,by,y,annotator\n");
    for (size_t i = 0; i < n; i++) {
        const float *q = pts + 4 * i;
        fprintf(o.f, "%.9g,%.9g,%.9g,%.9g,%d,%d\n", (double)q[0], (double)q[1], (double)q[2],
                (double)q[3], y[i], who[i]);
    }
    if (outfile_commit(&o) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        goto done;
    }
    rc = 0;
done:
    free(pts);
    free(y);
    free(who);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* A room of annotators                                                     */

int live_set_room(live_t *l, int on, int answers_per_question)
{
    pthread_mutex_lock(&l->mu);
    if (on && !l->human) l->have_q = 0; /* a new question for the new seat */
    if (on) l->human = 1;
    l->room = on != 0;
    l->room_n = answers_per_question > 0 ? answers_per_question : 1;
    room_fields(l);
    bump(l);
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    return 0;
}

/* 1 when the question on screen takes answers (under mu). */
static int room_open(const live_t *l)
{
    return l->room && l->human && l->have_q && l->room_closing == 0;
}

long live_room_answer(live_t *l, long question_no, int y, int persona)
{
    if (y < -1 || y > 1 || persona < 0 || persona > LIVE_ROOM_MAX_PERSONA) return LIVE_ROOM_BAD;
    pthread_mutex_lock(&l->mu);
    long n;
    if (!l->room || !l->human)
        n = LIVE_ROOM_OFF;
    else if (room_open(l) && question_no == l->q_no)
        n = 0;
    else if (question_no <= l->q_no)
        n = LIVE_ROOM_STALE;
    else
        n = LIVE_ROOM_NOT_OPEN;
    if (n == 0) {
        /* the count that closes the question is decided here, in
           arrival order: the worker applies the same closings */
        int closes = l->room_got + 1 >= l->room_n;
        l->room_got = closes ? 0 : l->room_got + 1;
        l->room_closing += closes;
        l->room_total++;
        if (y < 0) l->room_abstain++;
        if (y >= 0) l->logical++;
        room_fields(l);
        if (enqueue(l, EV_ROOM + 3 * persona + (y + 1)) == 0) {
            n = l->logical;
        } else { /* nothing queued: undo the counts */
            if (y >= 0) l->logical--;
            if (y < 0) l->room_abstain--;
            l->room_total--;
            l->room_closing -= closes;
            l->room_got = closes ? l->room_n - 1 : l->room_got - 1;
            n = LIVE_ROOM_OFF;
        }
    }
    pthread_mutex_unlock(&l->mu);
    return n;
}

void live_next_question(live_t *l)
{
    pthread_mutex_lock(&l->mu);
    if (room_open(l)) {
        l->room_closing++;
        long got = l->room_got;
        l->room_got = 0;
        room_fields(l);
        if (enqueue(l, EV_NEXT) != 0) {
            l->room_closing--;
            l->room_got = got;
        }
    }
    pthread_mutex_unlock(&l->mu);
}

int live_room_question(live_t *l, long *id, float pts[4], long *answers)
{
    pthread_mutex_lock(&l->mu);
    int open = room_open(l);
    if (open) {
        *id = l->q_no;
        memcpy(pts, l->q, 4 * sizeof(float));
    }
    if (answers) *answers = l->room_total;
    pthread_mutex_unlock(&l->mu);
    return open;
}
