/* The trainer: data-parallel Adam steps over minibatches of pairs, the
   objective's gradient chained through the networks, and the evaluation of
   the model and its metrics on the grid and the held-out pairs. */
#include "pbde/trainer.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/common.h"

/* Points per forward/backward block: 128 pairs, whose activations stay in
   L1/L2 while the block goes up and back down the network. */
#define BLOCK_POINTS 256
#define BLOCK_PAIRS (BLOCK_POINTS / 2)
/* SLiC's regulariser and the item-wise and linked objectives need log Z: it is
   taken on a coarse grid of SLIC_GRID^2 cells, where E_pi[grad r] is
   exact for the grid's density. */
#define SLIC_GRID 32
/* The pull to pi_ref of "be the annotator" (trainer_set_prior) is taken
   on a PRIOR_GRID^2 grid of cell centres over the whole box. */
#define PRIOR_GRID 24
#define MAX_THREADS 16
/* Network outputs beyond this are runaway: float log-densities of that
   size have no precision left below 1, so the model means nothing. */
#define RUNAWAY_OUTPUT 1e7f

#define ADAM_B1 0.9f
#define ADAM_B2 0.999f
#define ADAM_EPS 1e-8f

/* ---------------------------------------------------------------------- */
/* Per-thread scratch                                                       */

typedef struct {
    mlp_work_t *work[DENSITY_MAX_COMPONENTS]; /* one per network */
    float *grad;                              /* (n_params) this thread's gradient */
    float xy[BLOCK_POINTS * 2];               /* (BLOCK_POINTS, 2) */
    float r[DENSITY_MAX_COMPONENTS][BLOCK_POINTS]; /* (K, BLOCK_POINTS) outputs */
    float dout[BLOCK_POINTS];
    double loss;                              /* sum over this thread's pairs */
    double gsum;                              /* item-wise: sum of dL/du over its items */
    float max_abs_r;                          /* largest |network output| seen */
} scratch_t;

struct trainer {
    world_t world;
    dataset_t data;
    const kernels_t *k;
    mlp_shape_t shape;
    int K;                 /* networks */
    size_t n_mlp;          /* parameters per network */
    size_t n_params;       /* K * n_mlp (+ K logits for the mixture) */
    float *params, *grad, *m, *v; /* (n_params) each */

    trainer_state state;
    long step, diverged_at;
    double last_loss;

    size_t *perm;          /* (n_cap) this epoch's order */
    size_t perm_cap;       /* its room */
    size_t n_start;        /* training pairs before the first growth (model, active) */
    long next_grow;        /* step at which the data grows next (model, active); -1: never */
    int custom_pairs;      /* 1: pairs set by trainer_set_pairs (no growth, kept on reset) */
    int endless;           /* 1: constant lr, never DONE */
    double prior;          /* weight lambda of the pull to pi_ref (0: none; trainer_set_prior) */
    grid_t prior_grid;     /* PRIOR_GRID^2 cell centres, allocated with the first prior */
    double *prior_lr;      /* (n) log pi_ref at them */
    float *prior_r;        /* (n) a network's output at them */
    float *prior_dout;     /* (n) */
    double *grow_grid;     /* (G*G) the model's grid density for the model proposal */
    size_t perm_pos;
    uint64_t epoch;
    const size_t *batch_idx; /* the current step's indices, len batch */
    size_t *batch_buf;     /* (batch) */
    long batch;

    grid_t slic_grid;      /* SLIC_GRID^2 cells (slic and item-wise objectives) */
    double *slic_ref;      /* (n) pi_ref cell masses on it */
    float *slic_r;         /* (n) network output on it */
    float *slic_dout;      /* (n) */
    double *norm_mu;       /* (n) proposal masses on it (item-wise objectives) */
    mlp_work_t *norm_work; /* the network's activations on it (item-wise objectives) */
    double log_z;          /* item-wise: log sum_g ref_g exp(r_g) on it, this step */

    int n_threads;         /* threads that share a step */
    int n_scratch;         /* scratch areas allocated (>= n_threads) */
    scratch_t *scratch;    /* (n_scratch) */
    pthread_t threads[MAX_THREADS];
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    unsigned generation;
    int pending, quit, pool_up;
};

/* ---------------------------------------------------------------------- */
/* Allocation helpers                                                       */

static float *alloc_floats(size_t n)
{
    size_t bytes = pbde_mul_size(n, sizeof(float));
    return bytes ? calloc(1, bytes) : NULL;
}

/* ---------------------------------------------------------------------- */
/* Model initialisation                                                     */

static float *logits_of(trainer_t *t)
{
    return objective_is_mixture(t->world.obj.kind) ? t->params + (size_t)t->K * t->n_mlp : NULL;
}

void trainer_reset_model(trainer_t *t)
{
    const world_t *w = &t->world;
    int from_ref = objective_uses_ref(w->obj.kind);
    for (int k = 0; k < t->K; k++) {
        rng_t rng = rng_substream((uint64_t)w->p.seed, RNG_STREAM_INIT, (uint64_t)k);
        float *pk = t->params + (size_t)k * t->n_mlp;
        mlp_init(pk, t->shape, &rng, from_ref, w->p.box);
        if (objective_is_mixture(w->obj.kind)) {
            /* components start at pi_ref plus tiny noise on the output
               layer, which breaks the symmetry between them */
            size_t ow = mlp_offset_w(t->shape, t->shape.depth);
            for (int i = 0; i < t->shape.width; i++)
                pk[ow + (size_t)i] = (float)(1e-4 * rng_normal(&rng));
        }
    }
    memset(t->m, 0, t->n_params * sizeof(float));
    memset(t->v, 0, t->n_params * sizeof(float));
    if (logits_of(t)) memset(logits_of(t), 0, (size_t)t->K * sizeof(float));
    t->step = 0;
    t->diverged_at = -1;
    t->last_loss = (double)NAN;
    t->perm_pos = 0;
    t->epoch = 0;
    if (!t->custom_pairs && params_proposal_grows(w->p.proposal)) {
        /* the grown pairs depended on the model's path: start again from
           the seed set, and the same path regrows the same pairs */
        t->data.n_train = t->n_start;
        t->next_grow = t->data.n_train < t->data.n_cap ? w->p.pairs_every : -1;
    } else {
        t->next_grow = -1;
    }
    for (size_t i = 0; i < t->data.n_train; i++) t->perm[i] = i;
    t->state = t->world.p.steps > 0 || t->endless ? TRAINER_TRAINING : TRAINER_DONE;
}

/* ---------------------------------------------------------------------- */
/* Minibatches                                                              */

static void shuffle_epoch(trainer_t *t)
{
    rng_t rng = rng_substream((uint64_t)t->world.p.seed, RNG_STREAM_SHUFFLE, t->epoch++);
    size_t n = t->data.n_train;
    for (size_t i = 0; i < n; i++) t->perm[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(rng_next(&rng) % (i + 1));
        size_t tmp = t->perm[i];
        t->perm[i] = t->perm[j];
        t->perm[j] = tmp;
    }
    t->perm_pos = 0;
}

static void next_batch(trainer_t *t)
{
    for (long i = 0; i < t->batch; i++) {
        if (t->perm_pos == 0 || t->perm_pos >= t->data.n_train) shuffle_epoch(t);
        t->batch_buf[i] = t->perm[t->perm_pos++];
    }
    t->batch_idx = t->batch_buf;
}

/* ---------------------------------------------------------------------- */
/* One block of pairs: forward, objective, backward                         */

/* Forward of every network on the block's 2m points (a's then b's). */
static void block_forward(trainer_t *t, scratch_t *s, const float *params, int m)
{
    for (int k = 0; k < t->K; k++) {
        mlp_forward(t->k, s->work[k], s->r[k], s->xy, params + (size_t)k * t->n_mlp, 2 * m);
        for (int i = 0; i < 2 * m; i++) s->max_abs_r = fmaxf(s->max_abs_r, fabsf(s->r[k][i]));
    }
}

static void gather_block(const trainer_t *t, scratch_t *s, const size_t *idx, int m,
                         float *dref, uint8_t *y)
{
    for (int i = 0; i < m; i++) {
        const float *p = t->data.pts + 4 * idx[i];
        s->xy[2 * i] = p[0];
        s->xy[2 * i + 1] = p[1];
        s->xy[2 * (m + i)] = p[2];
        s->xy[2 * (m + i) + 1] = p[3];
        dref[i] = t->data.dref[idx[i]];
        y[i] = t->data.y[idx[i]];
    }
}

static void mixture_logits(const trainer_t *t, double *out)
{
    const float *l = t->params + (size_t)t->K * t->n_mlp;
    for (int k = 0; k < t->K; k++) out[k] = (double)l[k];
}

/* Loss and gradient of m pairs, accumulated into s->grad and s->loss. */
static void block_train(trainer_t *t, scratch_t *s, const size_t *idx, int m)
{
    float dref[BLOCK_PAIRS];
    uint8_t y[BLOCK_PAIRS];
    const objective_t *o = &t->world.obj;
    gather_block(t, s, idx, m, dref, y);
    block_forward(t, s, t->params, m);
    if (objective_needs_log_z(o->kind)) {
        /* each item on its normalised log-ratio u = r - log Z */
        for (int i = 0; i < m; i++) {
            double ga, gb;
            s->loss += objective_items_loss(o, (double)s->r[0][i] - t->log_z,
                                            (double)s->r[0][m + i] - t->log_z, y[i], &ga, &gb);
            s->dout[i] = (float)ga;
            s->dout[m + i] = (float)gb;
            s->gsum += ga + gb;
        }
        mlp_backward(t->k, s->work[0], s->grad, s->dout, t->params, 2 * m);
        return;
    }
    if (!objective_is_mixture(o->kind)) {
        for (int i = 0; i < m; i++) {
            double g;
            s->loss += objective_pair_loss(o, (double)s->r[0][i] - (double)s->r[0][m + i], (double)dref[i], y[i], &g);
            s->dout[i] = (float)g;
            s->dout[m + i] = (float)-g;
        }
        mlp_backward(t->k, s->work[0], s->grad, s->dout, t->params, 2 * m);
        return;
    }
    int K = t->K;
    double logits[DENSITY_MAX_COMPONENTS], dk[DENSITY_MAX_COMPONENTS];
    double gd[DENSITY_MAX_COMPONENTS], gl[DENSITY_MAX_COMPONENTS];
    _Static_assert(DENSITY_MAX_COMPONENTS <= 16, "mixture buffers");
    float gdk[DENSITY_MAX_COMPONENTS][BLOCK_PAIRS];
    float *glog = s->grad + (size_t)K * t->n_mlp;
    mixture_logits(t, logits);
    for (int i = 0; i < m; i++) {
        for (int k = 0; k < K; k++) dk[k] = (double)s->r[k][i] - (double)s->r[k][m + i];
        s->loss += objective_mixture_loss(o, dk, (double)dref[i], logits, y[i], gd, gl, NULL);
        for (int k = 0; k < K; k++) {
            gdk[k][i] = (float)gd[k];
            glog[k] += (float)gl[k];
        }
    }
    for (int k = 0; k < K; k++) {
        for (int i = 0; i < m; i++) {
            s->dout[i] = gdk[k][i];
            s->dout[m + i] = -gdk[k][i];
        }
        mlp_backward(t->k, s->work[k], s->grad + (size_t)k * t->n_mlp, s->dout, t->params + (size_t)k * t->n_mlp, 2 * m);
    }
}

/* The share of the batch that thread tid trains: a fixed split, so the
   result depends only on the thread count. */
static void thread_part(trainer_t *t, int tid)
{
    scratch_t *s = &t->scratch[tid];
    memset(s->grad, 0, t->n_params * sizeof(float));
    s->loss = 0;
    s->gsum = 0;
    s->max_abs_r = 0;
    long nblocks = (t->batch + BLOCK_PAIRS - 1) / BLOCK_PAIRS;
    long b0 = nblocks * tid / t->n_threads, b1 = nblocks * (tid + 1) / t->n_threads;
    for (long b = b0; b < b1; b++) {
        long first = b * BLOCK_PAIRS;
        long m = t->batch - first < BLOCK_PAIRS ? t->batch - first : BLOCK_PAIRS;
        block_train(t, s, t->batch_idx + first, (int)m);
    }
}

/* ---------------------------------------------------------------------- */
/* Thread pool: the calling thread is worker 0                               */

#ifndef PBDE_NO_THREADS
static void *worker_main(void *arg)
{
    trainer_t *t = ((void **)arg)[0];
    int tid = (int)(intptr_t)((void **)arg)[1];
    free(arg);
    unsigned seen = 0;
    for (;;) {
        pthread_mutex_lock(&t->mu);
        while (t->generation == seen && !t->quit) pthread_cond_wait(&t->go, &t->mu);
        if (t->quit) {
            pthread_mutex_unlock(&t->mu);
            return NULL;
        }
        seen = t->generation;
        pthread_mutex_unlock(&t->mu);
        thread_part(t, tid);
        pthread_mutex_lock(&t->mu);
        if (--t->pending == 0) pthread_cond_signal(&t->done);
        pthread_mutex_unlock(&t->mu);
    }
}

static int pool_start(trainer_t *t)
{
    if (t->n_threads < 2) return 0;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->go, NULL);
    pthread_cond_init(&t->done, NULL);
    t->pool_up = 1;
    for (int i = 1; i < t->n_threads; i++) {
        void **arg = malloc(2 * sizeof *arg);
        if (!arg) {
            t->n_threads = i; /* as below: the ones started still run */
            break;
        }
        arg[0] = t;
        arg[1] = (void *)(intptr_t)i;
        if (pthread_create(&t->threads[i], NULL, worker_main, arg) != 0) {
            free(arg);
            t->n_threads = i; /* the ones started still run; use them */
            break;
        }
    }
    return 0;
}

static void pool_stop(trainer_t *t)
{
    if (!t->pool_up) return;
    pthread_mutex_lock(&t->mu);
    t->quit = 1;
    pthread_cond_broadcast(&t->go);
    pthread_mutex_unlock(&t->mu);
    for (int i = 1; i < t->n_threads; i++) pthread_join(t->threads[i], NULL);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->go);
    pthread_cond_destroy(&t->done);
    t->pool_up = 0;
}

static void run_parts(trainer_t *t)
{
    if (t->n_threads < 2) {
        thread_part(t, 0);
        return;
    }
    pthread_mutex_lock(&t->mu);
    t->pending = t->n_threads - 1;
    t->generation++;
    pthread_cond_broadcast(&t->go);
    pthread_mutex_unlock(&t->mu);
    thread_part(t, 0);
    pthread_mutex_lock(&t->mu);
    while (t->pending > 0) pthread_cond_wait(&t->done, &t->mu);
    pthread_mutex_unlock(&t->mu);
}
#else
/* Built without threads: the calling thread takes every part in turn.
   Each part has its scratch area and they are summed in order, so the
   results are those of a pool of n_threads threads. */
static int pool_start(trainer_t *t)
{
    (void)t;
    return 0;
}

static void pool_stop(trainer_t *t)
{
    (void)t;
}

static void run_parts(trainer_t *t)
{
    for (int i = 0; i < t->n_threads; i++) thread_part(t, i);
}
#endif

/* ---------------------------------------------------------------------- */
/* SLiC's regulariser on the coarse grid                                    */

/* Adds lambda * (-sum_g ref_g log pi_g) and its gradient lambda (pi_g - ref_g)
   with respect to r_g into t->grad; returns the term. */
static double slic_regulariser(trainer_t *t)
{
    scratch_t *s = &t->scratch[0];
    size_t n = t->slic_grid.n;
    double lambda = t->world.obj.lambda;
    if (lambda == 0) return 0;
    mlp_eval(t->k, s->work[0], t->slic_r, t->slic_grid.xy, t->params, n);
    double term = objective_slic_regulariser(lambda, t->slic_ref, t->slic_r, n, t->slic_dout);
    for (size_t i0 = 0; i0 < n; i0 += BLOCK_POINTS) {
        int m = (int)(n - i0 < BLOCK_POINTS ? n - i0 : BLOCK_POINTS);
        mlp_forward(t->k, s->work[0], s->r[0], t->slic_grid.xy + 2 * i0, t->params, m);
        mlp_backward(t->k, s->work[0], t->grad, t->slic_dout + i0, t->params, m);
    }
    return term;
}

/* log Z of the model on the coarse grid (item-wise objectives) into
   t->log_z, and KTO's reference point z0 = max(0, E_mu[u]) there into the
   objective; leaves the network's output on the grid in slic_r. */
static void norm_prepare(trainer_t *t)
{
    size_t n = t->slic_grid.n;
    mlp_forward(t->k, t->norm_work, t->slic_r, t->slic_grid.xy, t->params, (int)n);
    double mx = -HUGE_VAL, z = 0, eu = 0;
    for (size_t i = 0; i < n; i++) mx = fmax(mx, log(t->slic_ref[i]) + (double)t->slic_r[i]);
    for (size_t i = 0; i < n; i++) z += exp(log(t->slic_ref[i]) + (double)t->slic_r[i] - mx);
    t->log_z = mx + log(z);
    for (size_t i = 0; i < n; i++) eu += t->norm_mu[i] * ((double)t->slic_r[i] - t->log_z);
    t->world.obj.z0 = fmax(0.0, eu);
}

/* The normaliser's share of an item-wise gradient: u = r - log Z, so the
   mean item gradient G = mean dL/du flows back as -G pi_g on the grid
   (through the activations norm_prepare left in norm_work). */
static void norm_backward(trainer_t *t, double G)
{
    size_t n = t->slic_grid.n;
    for (size_t i = 0; i < n; i++)
        t->slic_dout[i] = (float)(-G * exp(log(t->slic_ref[i]) + (double)t->slic_r[i] - t->log_z));
    mlp_backward(t->k, t->norm_work, t->grad, t->slic_dout, t->params, (int)n);
}

/* ---------------------------------------------------------------------- */
/* The pull to pi_ref ("be the annotator")                                  */

/* Adds (lambda / n_train) * sum_g (u_g - mean u)^2 / n over the prior grid
   and its gradient into t->grad, for each network, where u = log pi_theta
   - log pi_ref up to a constant (the network's output for the objectives
   that start from pi_ref, r - log pi_ref for the others). A Gaussian prior
   on the log-ratio: the answers' likelihood, summed over n_train answers,
   against a fixed pull, so a handful of separable answers has a best fit
   and regions no question touched stay near pi_ref. Returns the term. */
static double prior_term(trainer_t *t)
{
    if (!(t->prior > 0) || t->data.n_train == 0 || !t->prior_r) return 0;
    scratch_t *s = &t->scratch[0];
    size_t n = t->prior_grid.n;
    double lam = t->prior / (double)t->data.n_train, term = 0;
    int from_ref = objective_uses_ref(t->world.obj.kind);
    for (int k = 0; k < t->K; k++) {
        const float *pk = t->params + (size_t)k * t->n_mlp;
        float *gk = t->grad + (size_t)k * t->n_mlp;
        mlp_eval(t->k, s->work[0], t->prior_r, t->prior_grid.xy, pk, n);
        double mean = 0;
        for (size_t i = 0; i < n; i++)
            mean += (double)t->prior_r[i] - (from_ref ? 0.0 : t->prior_lr[i]);
        mean /= (double)n;
        for (size_t i = 0; i < n; i++) {
            double d = (double)t->prior_r[i] - (from_ref ? 0.0 : t->prior_lr[i]) - mean;
            term += lam * d * d / (double)n;
            t->prior_dout[i] = (float)(2.0 * lam * d / (double)n);
        }
        for (size_t i0 = 0; i0 < n; i0 += BLOCK_POINTS) {
            int m = (int)(n - i0 < BLOCK_POINTS ? n - i0 : BLOCK_POINTS);
            mlp_forward(t->k, s->work[0], s->r[0], t->prior_grid.xy + 2 * i0, pk, m);
            mlp_backward(t->k, s->work[0], gk, t->prior_dout + i0, pk, m);
        }
    }
    return term;
}

int trainer_set_prior(trainer_t *t, double lambda)
{
    if (lambda > 0 && !t->prior_r) {
        if (grid_init(&t->prior_grid, PRIOR_GRID, t->world.p.box) != 0) return -1;
        size_t n = t->prior_grid.n;
        t->prior_lr = malloc(n * sizeof(double));
        t->prior_r = alloc_floats(n);
        t->prior_dout = alloc_floats(n);
        if (!t->prior_lr || !t->prior_r || !t->prior_dout) {
            free(t->prior_lr);
            free(t->prior_r);
            free(t->prior_dout);
            t->prior_lr = NULL;
            t->prior_r = t->prior_dout = NULL;
            grid_free(&t->prior_grid);
            return -1;
        }
        density_ref_log_prob(t->world.p.ref_scale, t->prior_grid.xy, n, t->prior_lr);
    }
    t->prior = lambda > 0 ? lambda : 0;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Steps                                                                    */

static float schedule_lr(const trainer_t *t)
{
    const params_t *p = &t->world.p;
    if (t->endless || p->schedule == SCHEDULE_CONSTANT || p->steps <= 0) return (float)p->lr;
    double frac = (double)t->step / (double)p->steps;
    if (frac > 1) frac = 1;
    return (float)(p->lr * 0.5 * (1.0 + cos(M_PI * frac)));
}

static void pair_logits_cb(void *ctx, const float *pts, const float *dref, size_t n, double *out)
{
    trainer_pair_logits(ctx, pts, dref, n, out);
}

/* Model and active proposals: adds pairs_add pairs drawn with the current
   model when the step count reaches next_grow. Returns 0, or -1 on
   allocation failure (the data stays as it was). */
static int maybe_grow(trainer_t *t)
{
    if (t->next_grow < 0 || t->step < t->next_grow) return 0;
    const world_t *w = &t->world;
    dataset_model_t m = { NULL, pair_logits_cb, t };
    if (w->p.proposal == PROPOSAL_MODEL) {
        if (!t->grow_grid && !(t->grow_grid = malloc(pbde_mul_size(w->grid.n, sizeof(double)))))
            return -1;
        trainer_model_grid(t, t->grow_grid, NULL);
        m.log_model = t->grow_grid;
    }
    if (dataset_grow(&t->data, w, &m, (size_t)w->p.pairs_add) < 0) return -1;
    t->next_grow = t->data.n_train < t->data.n_cap ? t->next_grow + w->p.pairs_every : -1;
    t->perm_pos = 0; /* a new epoch over the larger set */
    return 0;
}

static int one_step(trainer_t *t)
{
    if (maybe_grow(t) != 0) t->next_grow = -1; /* out of memory: train on what there is */
    next_batch(t);
    int itemwise = objective_needs_log_z(t->world.obj.kind);
    if (itemwise) norm_prepare(t);
    run_parts(t);
    size_t n = t->n_params;
    double loss = 0, gsum = 0;
    memcpy(t->grad, t->scratch[0].grad, n * sizeof(float));
    loss += t->scratch[0].loss;
    gsum += t->scratch[0].gsum;
    for (int i = 1; i < t->n_threads; i++) {
        const float *g = t->scratch[i].grad;
        for (size_t j = 0; j < n; j++) t->grad[j] += g[j];
        loss += t->scratch[i].loss;
        gsum += t->scratch[i].gsum;
    }
    float inv = 1.0f / (float)t->batch;
    for (size_t j = 0; j < n; j++) t->grad[j] *= inv;
    loss /= (double)t->batch;
    if (objective_has(t->world.obj.kind, OBJECTIVE_REGULARISED)) loss += slic_regulariser(t);
    if (itemwise) norm_backward(t, gsum / (double)t->batch);
    loss += prior_term(t);

    int finite = isfinite(loss);
    for (int i = 0; i < t->n_threads; i++) finite = finite && t->scratch[i].max_abs_r < RUNAWAY_OUTPUT;
    for (size_t j = 0; j < n && finite; j++) finite = isfinite(t->grad[j]);
    if (!finite) {
        t->state = TRAINER_DIVERGED;
        t->diverged_at = t->step;
        return PBDE_EDIVERGED;
    }
    float lr = schedule_lr(t);
    t->step++;
    float bc1 = 1.0f - powf(ADAM_B1, (float)t->step), bc2 = 1.0f - powf(ADAM_B2, (float)t->step);
    t->k->adam(t->params, t->m, t->v, t->grad, n, lr, ADAM_B1, ADAM_B2, ADAM_EPS, bc1, bc2);
    for (size_t j = 0; j < n && finite; j++) finite = isfinite(t->params[j]);
    t->last_loss = loss;
    if (!finite) {
        t->state = TRAINER_DIVERGED;
        t->diverged_at = t->step;
        return PBDE_EDIVERGED;
    }
    if (!t->endless && t->step >= t->world.p.steps) t->state = TRAINER_DONE;
    return 0;
}

int trainer_step(trainer_t *t, long n)
{
    if (t->data.n_train == 0) return t->state == TRAINER_DIVERGED ? PBDE_EDIVERGED : 0;
    for (long i = 0; i < n && t->state == TRAINER_TRAINING; i++)
        if (one_step(t) != 0) return PBDE_EDIVERGED;
    return t->state == TRAINER_DIVERGED ? PBDE_EDIVERGED : 0;
}

/* ---------------------------------------------------------------------- */
/* Creation                                                                 */

static int slic_setup(trainer_t *t)
{
    if (grid_init(&t->slic_grid, SLIC_GRID, t->world.p.box) != 0) return -1;
    size_t n = t->slic_grid.n;
    t->slic_ref = malloc(n * sizeof(double));
    t->slic_r = alloc_floats(n);
    t->slic_dout = alloc_floats(n);
    t->norm_mu = malloc(n * sizeof(double));
    if (!t->slic_ref || !t->slic_r || !t->slic_dout || !t->norm_mu) return -1;
    if (objective_needs_log_z(t->world.obj.kind) && !(t->norm_work = mlp_work_create(t->shape, (int)n)))
        return -1;
    density_ref_log_prob(t->world.p.ref_scale, t->slic_grid.xy, n, t->slic_ref);
    for (size_t i = 0; i < n; i++)
        t->norm_mu[i] = params_proposal_base_is_ref(t->world.p.proposal) ? t->slic_ref[i] : 0.0;
    grid_normalise(t->slic_ref, n, 1.0);
    grid_normalise(t->norm_mu, n, 1.0);
    for (size_t i = 0; i < n; i++) {
        t->slic_ref[i] = exp(t->slic_ref[i]);
        t->norm_mu[i] = exp(t->norm_mu[i]);
    }
    return 0;
}

trainer_t *trainer_create(const params_t *p, const kernels_t *k, char *err, size_t errlen)
{
    return trainer_create_from(p, k, NULL, err, errlen);
}

trainer_t *trainer_create_from(const params_t *p, const kernels_t *k, const trainer_t *prev,
                               char *err, size_t errlen)
{
    trainer_t *t = calloc(1, sizeof *t);
    if (!t) goto nomem;
    if (world_create_from(&t->world, p, prev ? &prev->world : NULL, err, errlen) != 0) {
        free(t);
        return NULL;
    }
    t->k = k;
    t->shape.width = (int)p->width;
    t->shape.depth = (int)p->depth;
    t->K = t->world.obj.K;
    t->n_mlp = mlp_n_params(t->shape);
    t->n_params = (size_t)t->K * t->n_mlp + (objective_is_mixture(t->world.obj.kind) ? (size_t)t->K : 0);
    t->batch = p->batch;
    t->n_threads = (int)p->threads;
    if (dataset_create_err(&t->data, &t->world, err, errlen) != 0) {
        trainer_destroy(t);
        return NULL;
    }
    t->n_start = t->data.n_train;
    if (p->pairs_file[0]) t->world.p.pairs = (long)t->data.n_train; /* what the file holds */
    t->params = alloc_floats(t->n_params);
    t->grad = alloc_floats(t->n_params);
    t->m = alloc_floats(t->n_params);
    t->v = alloc_floats(t->n_params);
    t->perm_cap = t->data.n_cap ? t->data.n_cap : 1;
    t->perm = malloc(pbde_mul_size(t->perm_cap, sizeof(size_t)));
    t->batch_buf = malloc(pbde_mul_size((size_t)t->batch, sizeof(size_t)));
    t->scratch = calloc((size_t)t->n_threads, sizeof *t->scratch);
    t->n_scratch = t->scratch ? t->n_threads : 0;
    if (!t->params || !t->grad || !t->m || !t->v || !t->perm || !t->batch_buf || !t->scratch)
        goto nomem;
    for (int i = 0; i < t->n_threads; i++) {
        scratch_t *s = &t->scratch[i];
        s->grad = alloc_floats(t->n_params);
        if (!s->grad) goto nomem;
        for (int j = 0; j < t->K; j++)
            if (!(s->work[j] = mlp_work_create(t->shape, BLOCK_POINTS))) goto nomem;
    }
    if ((objective_has(t->world.obj.kind, OBJECTIVE_REGULARISED) ||
         objective_needs_log_z(t->world.obj.kind)) &&
        slic_setup(t) != 0)
        goto nomem;
    trainer_reset_model(t);
    if (pool_start(t) != 0) goto nomem;
    return t;
nomem:
    snprintf(err, errlen, "out of memory creating the trainer (pairs %ld, width %ld, depth %ld)",
             p->pairs, p->width, p->depth);
    trainer_destroy(t);
    return NULL;
}

void trainer_destroy(trainer_t *t)
{
    if (!t) return;
    pool_stop(t);
    if (t->scratch) {
        for (int i = 0; i < t->n_scratch; i++) {
            free(t->scratch[i].grad);
            for (int j = 0; j < DENSITY_MAX_COMPONENTS; j++) mlp_work_destroy(t->scratch[i].work[j]);
        }
        free(t->scratch);
    }
    free(t->params);
    free(t->grad);
    free(t->m);
    free(t->v);
    free(t->perm);
    free(t->grow_grid);
    free(t->batch_buf);
    grid_free(&t->slic_grid);
    grid_free(&t->prior_grid);
    free(t->prior_lr);
    free(t->prior_r);
    free(t->prior_dout);
    free(t->slic_ref);
    free(t->slic_r);
    free(t->slic_dout);
    free(t->norm_mu);
    mlp_work_destroy(t->norm_work);
    dataset_destroy(&t->data);
    world_destroy(&t->world);
    free(t);
}

const world_t *trainer_world(const trainer_t *t) { return &t->world; }
const dataset_t *trainer_data(const trainer_t *t) { return &t->data; }
trainer_state trainer_get_state(const trainer_t *t) { return t->state; }
long trainer_step_count(const trainer_t *t) { return t->step; }
long trainer_diverged_at(const trainer_t *t) { return t->diverged_at; }
double trainer_last_loss(const trainer_t *t) { return t->last_loss; }
size_t trainer_pairs_in_use(const trainer_t *t) { return t->data.n_train; }

int trainer_set_pairs(trainer_t *t, const float *pts, const uint8_t *y, const uint8_t *who,
                      size_t n)
{
    if (dataset_set_train(&t->data, &t->world, pts, y, who, n) != 0) return -1;
    if (t->data.n_cap > t->perm_cap) {
        size_t *np = realloc(t->perm, pbde_mul_size(t->data.n_cap, sizeof(size_t)));
        if (!np) { /* keep a consistent state: no training pairs */
            t->data.n_train = 0;
            return -1;
        }
        t->perm = np;
        t->perm_cap = t->data.n_cap;
    }
    t->custom_pairs = 1;
    t->next_grow = -1;
    t->perm_pos = 0; /* a new epoch over the new set */
    return 0;
}

void trainer_set_endless(trainer_t *t, int on)
{
    t->endless = on != 0;
    if (t->state == TRAINER_DIVERGED) return;
    if (t->endless) t->state = TRAINER_TRAINING;
    else t->state = t->step >= t->world.p.steps ? TRAINER_DONE : TRAINER_TRAINING;
}

/* ---------------------------------------------------------------------- */
/* Evaluation                                                               */

static double log_add(double x, double y)
{
    double m = fmax(x, y);
    if (m == -HUGE_VAL) return m;
    return m + log(exp(x - m) + exp(y - m));
}

static void mixture_weights(const trainer_t *t, double *w)
{
    double l[DENSITY_MAX_COMPONENTS], mx = -HUGE_VAL, z = 0;
    mixture_logits(t, l);
    for (int k = 0; k < t->K; k++) mx = fmax(mx, l[k]);
    for (int k = 0; k < t->K; k++) z += exp(l[k] - mx);
    for (int k = 0; k < t->K; k++) w[k] = exp(l[k] - mx) / z;
}

void trainer_model_grid(trainer_t *t, double *log_model, double **comps)
{
    const world_t *w = &t->world;
    size_t n = w->grid.n;
    scratch_t *s = &t->scratch[0];
    float buf[BLOCK_POINTS];
    int from_ref = objective_uses_ref(w->obj.kind);
    double weight[DENSITY_MAX_COMPONENTS] = { 1.0 };
    if (objective_is_mixture(w->obj.kind)) mixture_weights(t, weight);
    for (size_t i = 0; i < n; i++) log_model[i] = -HUGE_VAL;
    double *tmp = comps && comps[0] ? NULL : malloc(n * sizeof(double));
    for (int k = 0; k < t->K; k++) {
        double *v = comps && comps[k] ? comps[k] : tmp;
        if (!v) return; /* allocation failed: log_model stays -inf */
        const float *pk = t->params + (size_t)k * t->n_mlp;
        for (size_t i0 = 0; i0 < n; i0 += BLOCK_POINTS) {
            int m = (int)(n - i0 < BLOCK_POINTS ? n - i0 : BLOCK_POINTS);
            mlp_forward(t->k, s->work[0], buf, w->grid.xy + 2 * i0, pk, m);
            for (int i = 0; i < m; i++)
                v[i0 + (size_t)i] = (from_ref ? w->pts[i0 + (size_t)i].lr : 0.0) + (double)buf[i];
        }
        grid_normalise(v, n, w->cell_area);
        for (size_t i = 0; i < n; i++) log_model[i] = log_add(log_model[i], log(weight[k]) + v[i]);
    }
    free(tmp);
}

void trainer_pair_logits(trainer_t *t, const float *pts, const float *dref, size_t n, double *out)
{
    scratch_t *s = &t->scratch[0];
    const objective_t *o = &t->world.obj;
    double logits[DENSITY_MAX_COMPONENTS], dk[DENSITY_MAX_COMPONENTS];
    if (objective_is_mixture(o->kind)) mixture_logits(t, logits);
    for (size_t i0 = 0; i0 < n; i0 += BLOCK_PAIRS) {
        int m = (int)(n - i0 < BLOCK_PAIRS ? n - i0 : BLOCK_PAIRS);
        for (int i = 0; i < m; i++) {
            const float *p = pts + 4 * (i0 + (size_t)i);
            s->xy[2 * i] = p[0];
            s->xy[2 * i + 1] = p[1];
            s->xy[2 * (m + i)] = p[2];
            s->xy[2 * (m + i) + 1] = p[3];
        }
        block_forward(t, s, t->params, m);
        for (int i = 0; i < m; i++) {
            double dr = (double)dref[i0 + (size_t)i];
            if (!objective_is_mixture(o->kind)) {
                out[i0 + (size_t)i] = objective_pair_logit(o, (double)s->r[0][i] - (double)s->r[0][m + i], dr);
                continue;
            }
            double pa;
            for (int k = 0; k < t->K; k++) dk[k] = (double)s->r[k][i] - (double)s->r[k][m + i];
            objective_mixture_loss(o, dk, dr, logits, 1, NULL, NULL, &pa);
            out[i0 + (size_t)i] = log(pa) - log1p(-pa);
        }
    }
}

/* Mean per-pair loss (and accuracy) over pairs [first, first + n). */
static void pair_metrics(trainer_t *t, size_t first, size_t n, double *loss, double *acc,
                         double *bayes)
{
    scratch_t *s = &t->scratch[0];
    const objective_t *o = &t->world.obj;
    const dataset_t *d = &t->data;
    double logits[DENSITY_MAX_COMPONENTS], dk[DENSITY_MAX_COMPONENTS];
    if (objective_is_mixture(o->kind)) mixture_logits(t, logits);
    int itemwise = objective_needs_log_z(o->kind);
    if (itemwise) norm_prepare(t);
    double sum = 0, hb = 0;
    size_t right = 0, counted = 0;
    for (size_t i0 = 0; i0 < n; i0 += BLOCK_PAIRS) {
        int m = (int)(n - i0 < BLOCK_PAIRS ? n - i0 : BLOCK_PAIRS);
        float dref[BLOCK_PAIRS];
        uint8_t y[BLOCK_PAIRS];
        size_t idx[BLOCK_PAIRS];
        for (int i = 0; i < m; i++) idx[i] = first + i0 + (size_t)i;
        gather_block(t, s, idx, m, dref, y);
        block_forward(t, s, t->params, m);
        for (int i = 0; i < m; i++) {
            double logit, g;
            if (objective_is_mixture(o->kind)) {
                double pa;
                for (int k = 0; k < t->K; k++) dk[k] = (double)s->r[k][i] - (double)s->r[k][m + i];
                sum += objective_mixture_loss(o, dk, (double)dref[i], logits, y[i], NULL, NULL, &pa);
                logit = pa - 0.5;
            } else {
                double dd = (double)s->r[0][i] - (double)s->r[0][m + i], g2;
                if (itemwise)
                    sum += objective_items_loss(o, (double)s->r[0][i] - t->log_z,
                                                (double)s->r[0][m + i] - t->log_z, y[i], &g, &g2);
                else
                    sum += objective_pair_loss(o, dd, (double)dref[i], y[i], &g);
                logit = objective_pair_logit(o, dd, (double)dref[i]);
            }
            double P = (double)d->prob[idx[i]];
            if (P > 0 && P < 1) hb -= P * log(P) + (1 - P) * log(1 - P);
            if (P != 0.5) {
                counted++;
                right += (logit > 0) == (P > 0.5);
            }
        }
    }
    *loss = sum / (double)n;
    if (acc) *acc = counted ? (double)right / (double)counted : (double)NAN;
    if (bayes) *bayes = hb / (double)n;
}

/* Best assignment of components to annotators: minimises the summed KL
   over all permutations (K <= 8: at most 40320). */
static void best_match(int K, double cost[][DENSITY_MAX_COMPONENTS], int *match)
{
    int perm[DENSITY_MAX_COMPONENTS], c[DENSITY_MAX_COMPONENTS] = { 0 };
    double best = HUGE_VAL;
    for (int i = 0; i < K; i++) perm[i] = match[i] = i;
    /* Heap's algorithm over perm */
    for (int i = 0;;) {
        double sum = 0;
        for (int a = 0; a < K; a++) sum += cost[a][perm[a]];
        if (sum < best) {
            best = sum;
            memcpy(match, perm, (size_t)K * sizeof(int));
        }
        while (i < K && c[i] >= i) c[i++] = 0;
        if (i >= K) break;
        int j = (i % 2 == 0) ? 0 : c[i];
        int tmp = perm[j];
        perm[j] = perm[i];
        perm[i] = tmp;
        c[i]++;
        i = 0;
    }
}

void trainer_metrics(trainer_t *t, trainer_metrics_t *m, int full)
{
    trainer_evaluate(t, m, full, NULL, NULL);
}

void trainer_evaluate(trainer_t *t, trainer_metrics_t *m, int full, double *log_model,
                      double **comps_out)
{
    const world_t *w = &t->world;
    size_t n = w->grid.n;
    memset(m, 0, sizeof *m);
    m->step = t->step;
    m->K = t->K;
    double *lm = log_model ? log_model : malloc(n * sizeof(double));
    double *comps[DENSITY_MAX_COMPONENTS] = { NULL };
    int ok = lm != NULL;
    for (int k = 0; k < t->K && ok; k++)
        ok = (comps[k] = comps_out && comps_out[k] ? comps_out[k] : malloc(n * sizeof(double))) != NULL;
    m->kl_true = m->tv_true = m->kl_theory = m->kl_ref = (double)NAN;
    if (ok) {
        trainer_model_grid(t, lm, comps);
        m->kl_true = grid_kl(w->log_true, lm, n, w->cell_area);
        m->tv_true = grid_tv(w->log_true, lm, n, w->cell_area);
        m->kl_ref = grid_kl(w->log_ref, lm, n, w->cell_area);
        if (w->log_theory) m->kl_theory = grid_kl(w->log_theory, lm, n, w->cell_area);
    }
    m->kl_true_theory = w->kl_true_theory;
    for (int k = 0; k < t->K; k++) {
        m->weight[k] = 1.0;
        m->comp_kl[k] = (double)NAN;
        m->match[k] = k;
    }
    if (objective_is_mixture(w->obj.kind)) mixture_weights(t, m->weight);
    if (ok && objective_is_mixture(w->obj.kind) && w->n_targets == t->K) {
        double cost[DENSITY_MAX_COMPONENTS][DENSITY_MAX_COMPONENTS];
        for (int a = 0; a < t->K; a++)
            for (int c = 0; c < t->K; c++) cost[a][c] = grid_kl(w->log_target[a], comps[c], n, w->cell_area);
        best_match(t->K, cost, m->match);
        for (int a = 0; a < t->K; a++) m->comp_kl[a] = cost[a][m->match[a]];
    }
    if (lm != log_model) free(lm);
    for (int k = 0; k < t->K; k++)
        if (!(comps_out && comps_out[k] == comps[k])) free(comps[k]);
    pair_metrics(t, t->data.n_cap, t->data.n_held, &m->loss_heldout, &m->accuracy, &m->loss_bayes);
    m->loss_train = (double)NAN;
    if (full && t->data.n_train > 0) pair_metrics(t, 0, t->data.n_train, &m->loss_train, NULL, NULL);
}

/* ---------------------------------------------------------------------- */
/* Be the annotator: answers one at a time, checkpoints                     */

int trainer_answers_begin(trainer_t *t)
{
    trainer_set_endless(t, 1);
    if (trainer_set_pairs(t, NULL, NULL, NULL, 0) != 0) return -1;
    trainer_reset_model(t);
    return trainer_set_prior(t, t->world.p.answer_prior);
}

int trainer_answers_take(trainer_t *t, const float *pts, const uint8_t *y, size_t k)
{
    return trainer_set_pairs(t, pts, y, NULL, k);
}

int trainer_replay_answers(trainer_t *t, const float *pts, const uint8_t *y, size_t n, long per)
{
    if (trainer_answers_begin(t) != 0) return -1;
    for (size_t k = 1; k <= n; k++) {
        if (trainer_answers_take(t, pts, y, k) != 0) return -1;
        if (trainer_step(t, per) != 0) return PBDE_EDIVERGED;
    }
    return 0;
}

struct trainer_ckpt {
    size_t n_params;
    float *buf; /* (3, n_params): parameters, m, v */
    trainer_state state;
    long step, diverged_at;
    double last_loss;
    uint64_t epoch;
    size_t perm_pos;
};

int trainer_ckpt_save(const trainer_t *t, trainer_ckpt_t **c)
{
    trainer_ckpt_t *k = *c;
    if (!k || k->n_params != t->n_params) {
        trainer_ckpt_t *nk = calloc(1, sizeof *nk);
        float *buf = nk ? alloc_floats(pbde_mul_size(t->n_params, 3)) : NULL;
        if (!buf) {
            free(nk);
            return -1;
        }
        trainer_ckpt_destroy(k);
        nk->buf = buf;
        nk->n_params = t->n_params;
        k = *c = nk;
    }
    size_t n = t->n_params;
    memcpy(k->buf, t->params, n * sizeof(float));
    memcpy(k->buf + n, t->m, n * sizeof(float));
    memcpy(k->buf + 2 * n, t->v, n * sizeof(float));
    k->state = t->state;
    k->step = t->step;
    k->diverged_at = t->diverged_at;
    k->last_loss = t->last_loss;
    k->epoch = t->epoch;
    k->perm_pos = t->perm_pos;
    return 0;
}

int trainer_ckpt_restore(trainer_t *t, const trainer_ckpt_t *c)
{
    if (!c || c->n_params != t->n_params) return -1;
    size_t n = t->n_params;
    memcpy(t->params, c->buf, n * sizeof(float));
    memcpy(t->m, c->buf + n, n * sizeof(float));
    memcpy(t->v, c->buf + 2 * n, n * sizeof(float));
    t->state = c->state;
    t->step = c->step;
    t->diverged_at = c->diverged_at;
    t->last_loss = c->last_loss;
    t->epoch = c->epoch;
    t->perm_pos = c->perm_pos < t->data.n_train ? c->perm_pos : 0;
    return 0;
}

void trainer_ckpt_destroy(trainer_ckpt_t *c)
{
    if (!c) return;
    free(c->buf);
    free(c);
}
