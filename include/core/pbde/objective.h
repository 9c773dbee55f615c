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
   winner's item loss plus the loser's, and the model needs log Z.

   Every fact about an objective (its parameters, predicates, loss, closed
   form, implicit reward) is a column of its row (objective_row_t), so the
   rest of the program asks the row instead of switching on the kind: an
   objective is added as one row, its maths and its test. */
#ifndef PBDE_OBJECTIVE_H
#define PBDE_OBJECTIVE_H

#include <stddef.h>

#include "pbde/annotator.h"

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
    OBJECTIVE_CHIPO,      /* linked: -log sigma(sgn beta [phi(w_a) - phi(w_b)]), phi(w) = w + log w, w = e^u */
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

/* How an objective's loss is built from the network outputs. */
typedef enum {
    OBJECTIVE_FORM_PAIR = 0, /* a loss of d = r(a) - r(b) (and dref): shift-invariant,
                                no log Z */
    OBJECTIVE_FORM_LINKED,   /* the pair loss of d = psi(u_a) - psi(u_b), the link psi
                                of the normalised log-ratios: needs log Z */
    OBJECTIVE_FORM_ITEMS,    /* the winner's item loss plus the loser's, each of its
                                own u: needs log Z */
    OBJECTIVE_FORM_MIXTURE   /* K networks and learned weights (objective_mixture_loss) */
} objective_form;

/* Predicates of a row (bit flags). */
enum {
    OBJECTIVE_USES_REF = 1,       /* log pi = log pi_ref + r (starts at pi_ref); else log pi = r */
    OBJECTIVE_REGULARISED = 2,    /* adds SLiC's lambda (-E_ref log pi), taken on a grid */
    OBJECTIVE_REFERENCE_POINT = 4, /* KTO's z0 = max(0, E_mu[u]), set from the model */
    OBJECTIVE_WIN_RATE = 8        /* its closed form needs the win rate w(x) */
};

/* What a closed form may use, at n items. */
typedef struct {
    const annotator_t *ann;
    const annotator_point_t *pts; /* (n) */
    size_t n;
    const double *log_mu;  /* (n) the proposal's log-density (unnormalised), NULL: unknown */
    const double *win;     /* (n) the win rates w(x) against the proposal, NULL: not computed */
    int mu_is_ref;         /* 1 when log_mu - log pi_ref is constant over the items */
} objective_theory_t;

/* One row per objective kind. */
typedef struct {
    const char *name;
    const char *describe;   /* one line, with its source */
    objective_form form;
    unsigned flags;         /* OBJECTIVE_USES_REF ... */
    const char *params[4];  /* every registry parameter its loss reads, NULL-terminated;
                               the first `shown` of them appear in labels, and params[0]
                               (when shown) is its main one (the [ ] keys) */
    int shown;
    const char *reward;     /* its implicit reward: the model's logit for "a preferred"
                               is reward(a) - reward(b) */
    /* the loss, for the forms that use each (NULL otherwise): */
    double (*pair)(const objective_t *o, double d, double dref, double P, double *g,
                   double *h);     /* E_y L at d for P(a > b) = P; dL/dd, d2L/dd2 */
    double (*item)(const objective_t *o, double u, int winner, double *g,
                   double *h);     /* an item's loss at u; dL/du, d2L/du2 */
    double (*link)(double u, double *d1, double *d2); /* psi(u), psi'(u), psi''(u) */
    double (*logit)(const objective_t *o, double d, double dref); /* for accuracy */
    double (*kink_gap)(const objective_t *o); /* hinges: half the gap between the pair
                                                 loss's kinks in d; NULL: smooth */
    /* its closed-form optimum: the unnormalised log-density at in's items
       into out(n) and the formula into name; returns 0, or -1 when this
       pairing has none. NULL: never one. */
    int (*optimum)(const objective_t *o, const objective_theory_t *in, double *out, char *name,
                   size_t namelen);
    /* the implicit reward as numbers (objective_implicit_reward): the
       parameter that scales it (NULL: 1) and OBJECTIVE_REWARD_* flags */
    const char *reward_scale;
    unsigned reward_flags;
} objective_row_t;

/* How an implicit reward is formed from the model (objective_row_t). */
enum {
    OBJECTIVE_REWARD_RATIO = 1,   /* of u = log pi - log pi_ref (else of log pi itself) */
    OBJECTIVE_REWARD_INVERSE = 2, /* scaled by 1 / the parameter (else by it) */
    OBJECTIVE_REWARD_BASE = 4     /* plus log pi_ref */
};

/* The implicit reward r^ of the trained model at n cells, from its
   normalised log-density log_model(n) and the reference's log_ref(n),
   into out(n), up to a constant: the score whose differences are the
   model's preference logit, as the row's reward column writes it
   (beta log(pi/pi_ref) for DPO; through the link for linked forms, e.g.
   chipo's beta (w + log w)). */
void objective_implicit_reward(const objective_t *o, const double *log_model, const double *log_ref,
                               size_t n, double *out);

/* The row of kind, or NULL when kind is out of range. */
const objective_row_t *objective_row(int kind);

/* Catalogue. */
int objective_count(void);
const char *objective_name(int kind);
const char *objective_describe(int kind);
int objective_find(const char *name);

/* Columns of kind's row. */
objective_form objective_form_of(objective_kind kind);
const char *objective_reward(objective_kind kind);

/* The registry name of kind's main parameter, or NULL when it has none. */
const char *objective_main_param(int kind);

/* The i-th parameter shown in kind's labels (i < its row's shown), or NULL. */
const char *objective_shown_param(int kind, int i);

/* 1 when the registry parameter name enters kind's loss (its row's params). */
int objective_reads_param(int kind, const char *name);

/* 1 when some objective's loss reads the registry parameter name. */
int objective_any_reads_param(const char *name);

/* 1 when the learned log-density is log pi_ref + r, 0 when it is r. */
int objective_uses_ref(objective_kind kind);

/* 1 for the item-wise objectives (their loss depends on each item's
   normalised log-ratio, not only on d). */
int objective_is_itemwise(objective_kind kind);

/* 1 when the model needs log Z to evaluate the loss (item-wise and
   linked forms). */
int objective_needs_log_z(objective_kind kind);

/* 1 for the mixture form (K networks and learned weights). */
int objective_is_mixture(objective_kind kind);

/* 1 when the row has flag (OBJECTIVE_REGULARISED, ...). */
int objective_has(objective_kind kind, unsigned flag);

/* 1 when the pair loss has kinks (hinges): its curvature is 0 almost
   everywhere. */
int objective_is_kinked(objective_kind kind);

/* Half the distance between the kinks of a kinked pair loss in d. */
double objective_kink_gap(const objective_t *o);

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

/* A linked objective's link psi(u) with its first two derivatives; the
   identity (d1 = 1, d2 = 0) for the other forms. */
double objective_link(const objective_t *o, double u, double *d1, double *d2);

/* Item loss of an item-wise objective for an item with normalised
   log-ratio u = log pi(x) - log pi_ref(x), as the preferred item (winner
   = 1) or the other one. Writes dL/du to *g and, when h is not NULL,
   d2L/du2 to *h. Pairwise kinds return 0 with *g = 0. */
double objective_item_loss(const objective_t *o, double u, int winner, double *g, double *h);

/* Per-pair loss of an objective that needs log Z, for items with
   normalised log-ratios ua and ub: the winner's item loss plus the
   loser's (item-wise), or the pair loss of psi(ua) - psi(ub) (linked).
   Writes dL/dua to *ga and dL/dub to *gb. */
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
