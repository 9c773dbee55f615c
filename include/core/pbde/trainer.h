/* The trainer: a state machine with an explicit step API. It owns a world,
   its data set and a model (K networks, plus K mixture logits for the
   mixture objective), and trains the model with Adam. Same parameters,
   kernels and thread count give bit-identical results, however the steps
   are grouped into calls. */
#ifndef PBDE_TRAINER_H
#define PBDE_TRAINER_H

#include "pbde/common.h"
#include "pbde/dataset.h"
#include "pbde/kernels.h"
#include "pbde/mlp.h"
#include "pbde/world.h"

typedef enum {
    TRAINER_TRAINING = 0, /* steps remain */
    TRAINER_DONE,         /* all steps taken */
    TRAINER_DIVERGED      /* a step produced NaN/Inf or runaway outputs (|r| > 1e7);
                             the last finite model is kept */
} trainer_state;

typedef struct trainer trainer_t;

typedef struct {
    long step;
    double loss_train;     /* mean per-pair loss on the training pairs (NaN unless full) */
    double loss_heldout;   /* mean per-pair loss on the held-out pairs */
    double loss_bayes;     /* E[H(P)] on the held-out pairs: the floor of likelihood losses */
    double accuracy;       /* share of held-out pairs where the model prefers the likelier choice */
    double kl_true;        /* KL(p* || pi_theta) on the grid */
    double tv_true;        /* TV(p*, pi_theta) */
    double kl_theory;      /* KL(theory || pi_theta): the estimation error; NaN without an optimum */
    double kl_true_theory; /* KL(p* || theory): the misspecification (fixed per world); NaN without */
    double kl_ref;         /* KL(pi_ref || pi_theta): how far training moved from the reference */
    int K;                 /* networks */
    double weight[DENSITY_MAX_COMPONENTS];  /* mixture weights omega_k */
    double comp_kl[DENSITY_MAX_COMPONENTS]; /* KL(annotator k || matched component), NaN if none */
    int match[DENSITY_MAX_COMPONENTS];      /* component matched to annotator k */
} trainer_metrics_t;

/* Builds world, data and model for *p with kernels k. Returns NULL with a
   message in err on a bad combination or allocation failure. */
trainer_t *trainer_create(const params_t *p, const kernels_t *k, char *err, size_t errlen);

/* trainer_create reusing prev's optimum (prev may be NULL) when the
   parameters that define it did not change (world_create_from). */
trainer_t *trainer_create_from(const params_t *p, const kernels_t *k, const trainer_t *prev,
                               char *err, size_t errlen);
void trainer_destroy(trainer_t *t);

const world_t *trainer_world(const trainer_t *t);
const dataset_t *trainer_data(const trainer_t *t);
trainer_state trainer_get_state(const trainer_t *t);
long trainer_step_count(const trainer_t *t);

/* Step at which training diverged (valid in TRAINER_DIVERGED). */
long trainer_diverged_at(const trainer_t *t);

/* Mean training loss of the most recent step. */
double trainer_last_loss(const trainer_t *t);

/* Runs up to n steps (fewer when training ends). Returns 0, or
   PBDE_EDIVERGED when a step produced NaN/Inf or runaway outputs; that
   step's update is not applied. */
int trainer_step(trainer_t *t, long n);

/* Re-initialises the model and the optimiser (same seed: same start). */
void trainer_reset_model(trainer_t *t);

/* Replaces the training pairs with n given pairs pts(n, 4) with labels
   y(n) (1: a preferred) and ids who(n) (may be NULL: 0), keeping the
   model and the optimiser: "be the annotator" trains on the answers so
   far. n = 0 leaves no training pairs (trainer_step then does nothing).
   Returns 0, or -1 on allocation failure (data unchanged). */
int trainer_set_pairs(trainer_t *t, const float *pts, const uint8_t *y, const uint8_t *who,
                      size_t n);

/* Endless training: on = 1 trains with the constant learning rate lr and
   never reaches TRAINER_DONE (steps is ignored); on = 0 restores the
   normal run (DONE when step >= steps). */
void trainer_set_endless(trainer_t *t, int on);

/* "Be the annotator": adds to the loss a pull of the model to pi_ref,
   (lambda / n) * Var_g[log pi_theta(x_g) - log pi_ref(x_g)] over a grid of
   cell centres covering the box (n: training pairs), a Gaussian prior on
   the learned log-ratio that gives a few separable answers a best fit and
   keeps pi_theta near pi_ref where no question was asked. lambda = 0
   (the default) turns it off. Returns 0, or -1 on allocation failure (no
   pull then). */
int trainer_set_prior(trainer_t *t, double lambda);

/* Training pairs in use now (model and active: grows as training goes). */
size_t trainer_pairs_in_use(const trainer_t *t);

/* Evaluates the model on the grid: its normalised log-density into
   log_model(n), and, when comps is not NULL, each network's component
   log-density into comps[k](n) (mixture objective). */
void trainer_model_grid(trainer_t *t, double *log_model, double **comps);

/* Evaluates every metric. With full, also the loss over all training
   pairs (slower); otherwise loss_train is NaN. */
void trainer_metrics(trainer_t *t, trainer_metrics_t *m, int full);

/* trainer_metrics that also hands out the grids it evaluates: the model's
   log-density into log_model(n) and each network's component into
   comps[k](n) (either may be NULL), so a caller that draws them does not
   evaluate the network twice. */
void trainer_evaluate(trainer_t *t, trainer_metrics_t *m, int full, double *log_model,
                      double **comps);

/* The model's preference logit (positive: a preferred) for n pairs
   pts(n, 4) with dref(n), into out(n). */
void trainer_pair_logits(trainer_t *t, const float *pts, const float *dref, size_t n,
                         double *out);

/* ---- be the annotator: training on answers, one at a time ----

   The model after k answers is a pure function of the seed, the settings
   and the first k answers: trainer_answers_begin puts the trainer on no
   pairs from a fresh model (constant learning rate, the answer-prior
   pull), and answer k is then trained by trainer_answers_take(t, pts, y, k)
   followed by answer-steps steps. The live session and
   trainer_replay_answers (pbde train --replay) both go this way, so they
   agree bit for bit. */

/* Fresh model, no training pairs, endless constant-rate training, the
   prior of p.answer_prior. Returns 0, or -1 on allocation failure. */
int trainer_answers_begin(trainer_t *t);

/* Puts the trainer on the first k answers pts(k, 4), y(k), keeping the
   model. Returns 0, or -1 on allocation failure. */
int trainer_answers_take(trainer_t *t, const float *pts, const uint8_t *y, size_t k);

/* trainer_answers_begin, then for k = 1..n: the first k answers and
   per steps. Returns 0, PBDE_EDIVERGED, or -1 on allocation failure. */
int trainer_replay_answers(trainer_t *t, const float *pts, const uint8_t *y, size_t n, long per);

/* A saved copy of the model and optimiser state (parameters, Adam's
   moments, step count, epoch, state), to take a trainer back to an
   earlier point exactly ("undo" of an answer). The data set is not part
   of it: set the pairs after restoring. */
typedef struct trainer_ckpt trainer_ckpt_t;

/* Saves t into *c, allocating *c when NULL (or the wrong size). Returns 0,
   or -1 on allocation failure (*c unchanged). */
int trainer_ckpt_save(const trainer_t *t, trainer_ckpt_t **c);

/* Takes t back to the state saved in c (which must come from a trainer of
   the same shape: returns -1 and changes nothing otherwise). */
int trainer_ckpt_restore(trainer_t *t, const trainer_ckpt_t *c);
void trainer_ckpt_destroy(trainer_ckpt_t *c);

#endif
