/* Reward over-optimisation (Goodhart's law) in 2D, exact on the grid
   (Gao, Schulman, Hilton 2022, arXiv 2210.10760). The trained model holds
   a learned (proxy) reward r^ (objective_implicit_reward); two optimisers
   push pi_ref towards high r^:
     rl   KL-regularised RL, pi_kappa ∝ pi_ref exp(r^/kappa), over kappa;
     bon  best-of-n against pi_ref, the exact density of the best of n draws
          (cells of equal r^ share the mass in proportion to pi_ref).
   Each policy pi is scored by KL(pi||pi_ref), the proxy gain
   E_pi[r^] - E_ref[r^], the gold gain E_pi[r*] - E_ref[r*] under the
   annotator's own utility r*, and the gold win rate
   E_{x~pi, x'~pi_ref} P_annotator(x > x'). With d = sqrt(KL), Gao et al.'s
   forms gold ≈ d (alpha - beta d) (best-of-n) and
   gold ≈ d (alpha - beta log d) (RL) are fitted by least squares.

   Pure functions over the grid's cells (n = G*G, row-major as grid.h),
   no printing, no exit. The costly part is per world (overopt_gold_init:
   the gold win rate of every cell against pi_ref, a double sum over the
   cells); everything per model is O(points * n) (overopt_refresh), cheap
   enough to redraw live. */
#ifndef PBDE_OVEROPT_H
#define PBDE_OVEROPT_H

#include <stddef.h>

#include "pbde/annotator.h"
#include "pbde/objective.h"
#include "pbde/params.h"
#include "pbde/world.h"

typedef enum { OVEROPT_RL = 0, OVEROPT_BON, OVEROPT_METHOD_COUNT } overopt_method;

/* Gao et al.'s two functional forms of the gold curve. */
typedef enum {
    OVEROPT_FORM_BON = 0, /* d (alpha - beta d) */
    OVEROPT_FORM_RL,      /* d (alpha - beta log d) */
    OVEROPT_FORM_COUNT
} overopt_form;

/* Most policies in one sweep. */
#define OVEROPT_MAX_POINTS 256

/* "rl" / "bon", and the method of a name (-1 when unknown). */
const char *overopt_method_name(int method);
int overopt_method_find(const char *name);

/* ------------------------------------------------------------ gold */

/* The annotator's side, fixed per world: what every policy is scored by. */
typedef struct {
    size_t n;        /* cells */
    double *lref;    /* (n) log pi_ref cell masses (logsumexp 0) */
    double *ref;     /* (n) pi_ref cell masses, summing to 1 */
    double *gold;    /* (n) the annotator's utility r* */
    double *win;     /* (n) w(x) = sum_j ref_j P(x > x_j): each cell's gold
                        win rate against pi_ref (E_ref[w] = 1/2) */
    double gold_ref; /* E_ref[r*] */
} overopt_gold_t;

/* The annotator's utility r* at n items into out(n): the score inside its
   choice rule, s log p* for luce, thurstone and noisy (the utility before
   the probit link or the flips), beta_a (log p* - log pi_ref) for dpo,
   log p* for hardmax (any increasing function of it would do: it sees
   only the order), and for the mixture of annotators their mean utility
   s sum_k w_k log p_k (the score whose logistic matches the pooled choice
   at ties). */
void overopt_gold_score(const annotator_t *a, const annotator_point_t *pts, size_t n,
                        double *out);

/* One line naming the utility of a's kind ("s log p*"). */
const char *overopt_gold_describe(int kind);

/* Fills *g for annotator a on n cells with inputs pts(n) and pi_ref's
   log-density log_ref(n) (normalised up to a constant). The win
   rates are the exact double sum, computed in O(n log n + m) per term of
   the choice rule (one, or one per annotator for the mixture), where m
   counts the pairs of cells whose scores differ by less than the link's
   near width, summed pair by pair: 6 nats for the logistic links (luce,
   dpo, noisy, mixture; the others go through its tail series, exact to
   e^-54), 16 for the probit (beyond it P is 0 or 1 to the last bit of a
   double), ties only for hardmax. At worst n^2 / 2 (see pbde bench for
   its cost on the default world: a few hundred ms on 128 x 128 cells).
   Returns 0, or -1 on allocation failure (*g then needs no free). */
int overopt_gold_init(overopt_gold_t *g, const annotator_t *a, const annotator_point_t *pts,
                      const double *log_ref, size_t n);

/* overopt_gold_init on a world's grid. */
int overopt_gold_init_world(overopt_gold_t *g, const world_t *w);

/* overopt_gold_init from parameters alone (what a live snapshot holds):
   builds p's density, annotator and grid. Returns 0, or -1 with a message
   in err (bad combination, allocation failure). */
int overopt_gold_init_params(overopt_gold_t *g, const params_t *p, char *err, size_t errlen);

void overopt_gold_free(overopt_gold_t *g);

/* The gold win rate E_{x~pi, x'~pi_ref} P(x > x') of a policy with cell
   masses pi(n) (summing to 1): sum_g pi_g w_g. */
double overopt_win_rate(const overopt_gold_t *g, const double *pi);

/* ------------------------------------------------------------ policies */

/* The proxy reward r^ of a trained model: objective_implicit_reward of o
   applied to the normalised log-densities log_model(n) and log_ref(n),
   into out(n). */
void overopt_proxy_reward(const objective_t *o, const double *log_model, const double *log_ref,
                          size_t n, double *out);

/* KL-regularised RL at inverse temperature lambda = 1/kappa >= 0: cell
   masses pi(n) ∝ exp(lref + lambda r^). Returns KL(pi||pi_ref). */
double overopt_rl_policy(const double *lref, const double *rhat, size_t n, double lambda,
                         double *pi);

/* The cells sorted by r^, ascending, into order(n) (what best-of-n needs;
   compute it once per r^). Returns 0, or -1 on allocation failure. */
int overopt_sort(const double *rhat, size_t n, size_t *order);

/* Best-of-n (n_draws >= 1) against pi_ref: the exact cell masses pi(n) of
   the item of highest r^ among n_draws draws from pi_ref, a group of cells
   of equal r^ taking P(best value is theirs) = F(r)^n - F(r-)^n shared in
   proportion to ref (order from overopt_sort). pi may be NULL (only the
   KL is computed). Returns KL(pi||pi_ref), or NaN when its workspace
   cannot be allocated. */
double overopt_bon_policy(const double *ref, const double *rhat, const size_t *order, size_t n,
                          double n_draws, double *pi);

/* What a policy scores. */
typedef struct {
    double kl;      /* KL(pi||pi_ref) */
    double proxy;   /* E_pi[r^] - E_ref[r^] */
    double gold;    /* E_pi[r*] - E_ref[r*] */
    double winrate; /* gold win rate against pi_ref */
} overopt_score_t;

/* Scores the policy with cell masses pi(n) for proxy rhat(n). */
overopt_score_t overopt_score(const overopt_gold_t *g, const double *rhat, const double *pi);

/* ------------------------------------------------------------ fits */

typedef struct {
    double alpha, beta;
    double rmse;   /* root mean squared residual of the fit */
} overopt_fit_t;

/* Least squares of gold(m) ≈ d (alpha - beta h(d)) at d = sqrt(kl(m)),
   h(d) = d (OVEROPT_FORM_BON) or log d (OVEROPT_FORM_RL; d log d = 0 at
   d = 0). Returns 0, or -1 (alpha, beta, rmse NaN) with fewer than two
   points of d > 0 or a singular system. */
int overopt_fit(const double *kl, const double *gold, int m, int form, overopt_fit_t *out);

/* ------------------------------------------------------------ sweeps */

/* What a sweep covers. */
typedef struct {
    int method;     /* OVEROPT_RL or OVEROPT_BON */
    int points;     /* policies, pi_ref first: 2 .. OVEROPT_MAX_POINTS */
    double kl_max;  /* the last policy's KL, at most 0.98 of the largest a
                       policy can reach (-log of the top group's ref mass);
                       the policies between are spaced evenly in sqrt(KL) */
} overopt_sweep_t;

/* The default sweep: rl, 41 policies, KL up to 8 nats. */
void overopt_sweep_defaults(overopt_sweep_t *s);

/* A sweep's curves, one entry per policy, KL increasing: what a front
   end draws (proxy and gold against d = sqrt(kl), the peak marked). */
typedef struct {
    int method;
    int n_points;                      /* 1 when r^ is constant (pi_ref only) */
    double param[OVEROPT_MAX_POINTS];  /* rl: kappa = 1/lambda (inf for pi_ref); bon: n */
    double kl[OVEROPT_MAX_POINTS];
    double d[OVEROPT_MAX_POINTS];      /* sqrt(kl) */
    double proxy[OVEROPT_MAX_POINTS];
    double gold[OVEROPT_MAX_POINTS];
    double winrate[OVEROPT_MAX_POINTS];
    int peak;                          /* index of the highest gold */
    double kl_reachable;               /* -log ref mass of the cells of top r^ */
    overopt_fit_t fit[OVEROPT_FORM_COUNT];
} overopt_curve_t;

/* Workspace for sweeps over n cells (reused from call to call, so a live
   refresh allocates nothing). */
typedef struct overopt overopt_t;

/* Returns NULL on allocation failure. */
overopt_t *overopt_create(size_t n);
void overopt_destroy(overopt_t *o);

/* The sweep s of proxy rhat(n) scored by g into *c. Returns 0, or -1 for
   a bad sweep (method, points or kl_max <= 0 out of range) or a size that
   differs from o's. */
int overopt_sweep(overopt_t *o, const overopt_gold_t *g, const double *rhat,
                  const overopt_sweep_t *s, overopt_curve_t *c);

/* The policy of s's method whose KL is nearest kl_budget (rl: lambda by
   bisection to 1e-7 relative; bon: the integer n whose KL is nearest),
   as a normalised log-density log_pi(n) on cells of area cell_area (cells
   of no mass at DENSITY_LOG_ZERO), for a heatmap beside the model's. *sc
   (may be NULL) receives its scores and *param its kappa or n. Returns 0,
   or -1 as overopt_sweep. */
int overopt_policy_at(overopt_t *o, const overopt_gold_t *g, const double *rhat,
                      const overopt_sweep_t *s, double kl_budget, double cell_area,
                      double *log_pi, overopt_score_t *sc, double *param);

/* The explorers' refresh: the proxy reward of the model log_model(n) (of
   objective obj), its sweep into *c and, when log_pi is not NULL, the
   policy at KL kl_budget (kl_budget < 0: at the gold peak) into log_pi(n).
   O(points * n) exponentials and one sort; no allocation. Returns 0, or
   -1 as overopt_sweep. */
int overopt_refresh(overopt_t *o, const overopt_gold_t *g, const objective_t *obj,
                    const double *log_model, const double *log_ref, double cell_area,
                    const overopt_sweep_t *s, double kl_budget, overopt_curve_t *c,
                    double *log_pi);

#endif
