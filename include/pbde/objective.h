/* Preference-learning objectives: per-pair losses of the network outputs
   and their derivatives, plus each objective's preference logit (for
   accuracy). d = r(a) - r(b) and dref = log pi_ref(a) - log pi_ref(b);
   y = 1 when a was preferred.

   Two families. Pairwise objectives see only the difference d (they are
   shift-invariant): one function, objective_pair_expected, computes the
   loss for a label probability P (P = y for an observed label), so the
   population optimum and the trainer share a single source of truth.
   Item-wise objectives (nca bco sppo sft kto) score each item on its own
   normalised log-ratio u = log pi(x) - log pi_ref(x): a pair's loss is the
   winner's item loss plus the loser's, and the model needs log Z. */
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
    /* the zoo (reference/objectives.md); h = sgn beta d */
    OBJECTIVE_HINGE,      /* max(0, 1 - h) (RSO / SLiC with a reference) */
    OBJECTIVE_CDPO,       /* -(1-eps) log sigma(h) - eps log sigma(-h) */
    OBJECTIVE_ROBUST,     /* [-(1-eps) log sigma(h) + eps log sigma(-h)] / (1 - 2 eps) */
    OBJECTIVE_EXO,        /* KL((sigma(h), sigma(-h)) || (1-eps, eps)) */
    OBJECTIVE_NCA,        /* item-wise: -log sigma(beta u_w) - log sigma(-beta u_w)/2 - log sigma(-beta u_l)/2 */
    OBJECTIVE_BCO,        /* item-wise: -log sigma(beta u_w) - log sigma(-beta u_l) */
    OBJECTIVE_SPPO,       /* item-wise: (u_w - 1/(2 beta))^2 + (u_l + 1/(2 beta))^2 */
    OBJECTIVE_SFT,        /* item-wise: -u_w (= -log pi(winner) + const) */
    OBJECTIVE_KTO,        /* item-wise, unpaired: lD (1 - sigma(beta (u_w - z0))) + lU (1 - sigma(beta (z0 - u_l))) */
    OBJECTIVE_COUNT
} objective_kind;

typedef struct {
    objective_kind kind;
    double beta, alpha, tau, delta, lambda;
    int K;        /* networks: components for the mixture, 1 otherwise */
    double eps;   /* label smoothing of cdpo, robust and exo, in (0, 1/2) */
    double kto_desirable, kto_undesirable; /* KTO's weights lambda_D, lambda_U */
    double z0;    /* KTO's reference point max(0, E_mu[u]) (TRL's batch-mean KL
                     estimate, over items from the proposal): state the caller
                     sets from the current model (no gradient flows through it) */
} objective_t;

/* Catalogue. */
int objective_count(void);
const char *objective_name(int kind);
const char *objective_describe(int kind);
int objective_find(const char *name);

/* 1 when the learned log-density is log pi_ref + r, 0 when it is r. */
int objective_uses_ref(objective_kind kind);

/* 1 for the item-wise objectives (their loss depends on each item's
   normalised log-ratio, not only on d). */
int objective_is_itemwise(objective_kind kind);

/* 1 when the pair loss has kinks (hinges): its curvature is 0 almost
   everywhere. */
int objective_is_kinked(objective_kind kind);

/* Expected loss of a pairwise objective when a is preferred with
   probability P (P outside [0, 1] is allowed and extrapolates linearly):
   P L(d, y=1) + (1-P) L(d, y=0). Writes the derivative in d to *g and,
   when h is not NULL, the second derivative to *h (0 on linear pieces).
   Item-wise kinds and the mixture return 0 with *g = 0. */
double objective_pair_expected(const objective_t *o, double d, double dref, double P, double *g,
                               double *h);

/* Per-pair loss of a pairwise single-network objective (the SLiC
   regulariser excluded: it acts on the grid): objective_pair_expected
   with P = y. Writes dL/dd to *g. */
double objective_pair_loss(const objective_t *o, double d, double dref, int y, double *g);

/* Item loss of an item-wise objective for an item with normalised
   log-ratio u = log pi(x) - log pi_ref(x), as the preferred item (winner
   = 1) or the other one. Writes dL/du to *g and, when h is not NULL,
   d2L/du2 to *h. Pairwise kinds return 0 with *g = 0. */
double objective_item_loss(const objective_t *o, double u, int winner, double *g, double *h);

/* Per-pair loss of an item-wise objective: the winner's item loss plus
   the loser's, for items with normalised log-ratios ua and ub. Writes
   dL/dua to *ga and dL/dub to *gb. */
double objective_items_loss(const objective_t *o, double ua, double ub, int y, double *ga,
                            double *gb);

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

/* The same in double precision (for the population optimum). */
double objective_slic_regulariser_d(double lambda, const double *ref, const double *r, size_t n,
                                    double *g);

/* log sigma(x), stable for any x. */
double objective_log_sigmoid(double x);

#endif
