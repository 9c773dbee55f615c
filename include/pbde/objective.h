/* Preference-learning objectives: per-pair losses of the network outputs
   and their gradients, plus each objective's preference logit (for
   accuracy). d = r(a) - r(b) and dref = log pi_ref(a) - log pi_ref(b);
   y = 1 when a was preferred. */
#ifndef PBDE_OBJECTIVE_H
#define PBDE_OBJECTIVE_H

#include <stddef.h>

typedef enum {
    OBJECTIVE_REWARD = 0, /* -log sigma(sgn d); log pi = r */
    OBJECTIVE_DPO,        /* -log sigma(sgn beta d); log pi = log pi_ref + r */
    OBJECTIVE_GEOMETRIC,  /* -log sigma(sgn [d/alpha + dref]) */
    OBJECTIVE_IPO,        /* (sgn d - 1/(2 tau))^2 */
    OBJECTIVE_SLIC,       /* max(0, delta - sgn (d + dref)) - lambda E_ref log pi */
    OBJECTIVE_MIXTURE,    /* -log sum_k omega_k sigma(sgn (d_k + dref)) */
    OBJECTIVE_COUNT
} objective_kind;

typedef struct {
    objective_kind kind;
    double beta, alpha, tau, delta, lambda;
    int K; /* networks: components for the mixture, 1 otherwise */
} objective_t;

/* Catalogue. */
int objective_count(void);
const char *objective_name(int kind);
const char *objective_describe(int kind);
int objective_find(const char *name);

/* 1 when the learned log-density is log pi_ref + r, 0 when it is r. */
int objective_uses_ref(objective_kind kind);

/* Per-pair loss of a single-network objective (the SLiC regulariser
   excluded: it acts on the grid). Writes dL/dd to *g. */
double objective_pair_loss(const objective_t *o, double d, double dref, int y, double *g);

/* The model's logit for "a preferred" (positive: a preferred). */
double objective_pair_logit(const objective_t *o, double d, double dref);

/* Mixture loss for one pair: dk(K) = r_k(a) - r_k(b), logits(K) the
   unnormalised log-weights. Writes dL/dd_k to gd(K) and dL/dlogit_k to
   gl(K) (either may be NULL). Returns the loss; *p_a, when not NULL,
   receives the model's P(a > b). */
double objective_mixture_loss(const objective_t *o, const double *dk, double dref,
                              const double *logits, int y, double *gd, double *gl,
                              double *p_a);

/* SLiC's regulariser on a grid of n cells: lambda * (-sum_g ref_g log pi_g)
   with pi = softmax(log ref + r) over the cells and ref(n) the reference's
   cell masses (summing to 1). Writes dL/dr_g = lambda (pi_g - ref_g) to
   g(n) and returns the term. */
double objective_slic_regulariser(double lambda, const double *ref, const float *r, size_t n,
                                  float *g);

/* log sigma(x), stable for any x. */
double objective_log_sigmoid(double x);

#endif
